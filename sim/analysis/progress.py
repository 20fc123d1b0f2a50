"""What a long analysis command is doing, on stderr: one tqdm bar whose label names the
current step ("fan-chart bands", "figures 12/29"). Silent when stderr is not a terminal
(pipes, logs, tests), so nothing but results reaches a file."""

from __future__ import annotations

import shutil
import sys
from typing import Any


class Progress:
    """A bar of ``total`` steps; :meth:`step` names the next one, :meth:`advance` counts
    one done."""

    def __init__(self, command: str, total: int, enabled: bool | None = None) -> None:
        from tqdm import tqdm

        show = sys.stderr.isatty() if enabled is None else enabled
        self.command = command
        # the terminal's width, or 80 where it reports none (tqdm would then draw nothing)
        width = shutil.get_terminal_size().columns
        self.bar: Any = tqdm(total=total, disable=not show, file=sys.stderr, leave=False,
                             ncols=width, unit="step",
                             bar_format="{desc}: {bar} {n_fmt}/{total_fmt} [{elapsed}]")

    def step(self, what: str) -> None:
        """Say what is being done now."""
        self.bar.set_description_str(f"{self.command}: {what}", refresh=True)

    def advance(self, n: int = 1) -> None:
        self.bar.update(n)

    def add(self, n: int) -> None:
        """More steps than first counted (figures, once their number is known)."""
        self.bar.total += n
        self.bar.refresh()

    def close(self) -> None:
        self.bar.close()

    def __enter__(self) -> Progress:
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()
