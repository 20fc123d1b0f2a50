"""Executors: one contract (``Executor``) for in-process, local pool and Dask; a ``with``
block releases the workers however it ends; one ``Execution`` says how a command runs."""

from __future__ import annotations

import pytest

from sim.batch.executors import (
    Execution,
    Executor,
    ExecutorBase,
    ProcessExecutor,
    SerialExecutor,
    make_executor,
)
from sim.errors import UserError


def test_every_local_executor_keeps_the_contract() -> None:
    with SerialExecutor() as serial:
        assert isinstance(serial, Executor)
        assert list(serial.imap_unordered(pow, [(2, 3), (3, 2)])) == [8, 9]
    with Execution("process", workers=2).start() as pool:
        assert isinstance(pool, ProcessExecutor) and isinstance(pool, Executor)
        assert sorted(pool.imap_unordered(pow, [(2, k) for k in range(6)])) == [
            1, 2, 4, 8, 16, 32]
    with pytest.raises(RuntimeError):  # released on leaving the block
        pool.pool.submit(pow, 2, 2)


def test_the_block_closes_the_executor_on_an_error() -> None:
    class Counting(ExecutorBase):
        closed = 0

        def imap_unordered(self, fn, jobs):
            raise KeyboardInterrupt

        def close(self) -> None:
            Counting.closed += 1

    with pytest.raises(KeyboardInterrupt), Counting() as ex:
        list(ex.imap_unordered(pow, [(1, 1)]))
    assert Counting.closed == 1


def test_one_worker_runs_in_process_and_bad_settings_exit_2() -> None:
    assert isinstance(Execution("process", workers=1).start(), SerialExecutor)
    with pytest.raises(UserError, match="--workers"):
        make_executor("process", 0, None)
    with pytest.raises(UserError, match="--executor"):
        Execution("threads").start()
