"""The ABC-SMC generation loop (the algorithm is described in :mod:`sim.batch.abc`).

The loop knows rounds, generations and weights; what a distance, an epsilon or a kernel is
comes from :class:`Components` (pyabc's split), so that a new one changes no line here.
Every round is written before it counts and every population before the manifest names
it, so a resume recomputes nothing that finished and draws exactly what an uninterrupted
run would have drawn.
"""

from __future__ import annotations

import math
import time
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.abc.distance import DISTANCES, Distance
from sim.batch.abc.epsilon import Epsilon, QuantileEpsilon
from sim.batch.abc.folder import (
    CalibrationDir,
    accepted,
    candidates_frame,
    unpack,
    write_frame,
)
from sim.batch.abc.spec import CalibrationSpec, GenerationInfo, StopRules
from sim.batch.abc.transition import PyabcKernels, Transition
from sim.batch.evaluate import evaluate
from sim.batch.executors import Executor
from sim.core.seeds import derive_seed, draw_seed

MIN_ROUND, MAX_ROUND = 256, 20_000
"""Candidates per round: at least enough to fill a batch of the engine, at most a size
whose loss (a kill mid-round) stays small."""


@dataclass
class Components:
    """The parts of ABC-SMC that are choices: the distance, the epsilon schedule and the
    kernel (a fresh one is fitted each generation)."""

    distance: Distance
    epsilon: Epsilon
    transition: Callable[[], Transition]

    @classmethod
    def for_spec(cls, spec: CalibrationSpec) -> Components:
        """The calibration's own: ``spec.distance``, the ``spec.alpha``-quantile epsilon,
        pyabc's kernels over the prior."""
        return cls(DISTANCES[spec.distance](spec.entries, spec.weeks),
                   QuantileEpsilon(spec.alpha), lambda: PyabcKernels(spec.prior))


class Calibration:
    """One calibration run (or resume) into a folder."""

    def __init__(self, spec: CalibrationSpec, folder: CalibrationDir, executor: Executor,
                 rules: StopRules, on_generation: Callable[[GenerationInfo], None] | None = None,
                 components: Components | None = None) -> None:
        self.spec, self.dir, self.ex, self.rules = spec, folder, executor, rules
        self.on_generation = on_generation or (lambda info: None)
        self.parts = components or Components.for_spec(spec)

    # -- one round of candidates
    def _round(self, t: int, r: int, first_id: int, size: int,
               draw: Callable[[int, int], np.ndarray]) -> pd.DataFrame:
        """Round ``r`` of generation ``t``: read if it finished before, else drawn, run
        and written."""
        path = self.dir.round_path(t, r)
        if path.is_file():
            return pd.read_parquet(path)
        x = draw(size, draw_seed(self.spec.seed, t, r, 1))
        ids = np.arange(first_id, first_id + len(x))
        seeds = np.array([derive_seed(self.spec.seed, t, int(i)) for i in ids], dtype=np.int64)
        ev = evaluate(self.spec.scenario, self.spec.prior.decode(x), seeds, self.spec.weeks,
                      self.spec.entries, executor=self.ex)
        frame = candidates_frame(self.spec.prior, x, self.spec.entries, ev.values, {
            "candidate": ids, "seed": seeds, "status": ev.status.astype(str),
            "error": ev.errors})
        write_frame(path, frame)
        return frame

    def _distances(self, frame: pd.DataFrame) -> np.ndarray:
        _, v = unpack(frame, self.spec.prior, self.spec.entries)
        return np.where(frame["status"].to_numpy() == "ok", self.parts.distance(v), np.inf)

    def _run_generation(self, t: int, eps: float, transition: Transition | None,
                        prev_rate: float, sims_before: int
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Rounds until N candidates are accepted; returns (accepted, all candidates), or
        None if a budget ran out first (the rounds stay on disk for a resume)."""
        n = self.spec.population
        prior = self.spec.prior

        def draw(size: int, seed: int) -> np.ndarray:
            if transition is None:
                return prior.rvs(size, np.random.default_rng(seed))
            return transition.propose(size, seed)

        frames: list[pd.DataFrame] = []
        n_accepted = simulated = 0
        r = 0
        while n_accepted < n:
            rate = n_accepted / simulated if simulated else prev_rate
            size = int(np.clip(math.ceil(1.15 * (n - n_accepted) / max(rate, 1e-3)),
                               MIN_ROUND, MAX_ROUND))
            first = int(sum(len(f) for f in frames))
            frame = self._round(t, r, first, size, draw)
            frame["distance"] = self._distances(frame)
            frames.append(frame)
            ran = int((frame["status"] != "invalid").sum())
            simulated += ran
            n_accepted += int(accepted(frame, eps).sum())
            r += 1
            total = sims_before + simulated
            if n_accepted < n and (total >= self.rules.max_simulations or (
                    simulated * self.rules.min_acceptance > n)):
                return None
        every = pd.concat(frames, ignore_index=True)
        acc = every[accepted(every, eps)].sort_values("candidate").head(n)
        return acc.reset_index(drop=True), every

    def _weights(self, acc: pd.DataFrame, transition: Transition | None) -> np.ndarray:
        """Importance weights: prior / proposal density (generation 0: equal)."""
        x, _ = unpack(acc, self.spec.prior, self.spec.entries)
        if transition is None:
            w = np.ones(len(acc))
        else:
            w = self.spec.prior.density(x) / transition.pdf(x)
        return w / w.sum()

    def _prepare(self, t: int) -> tuple[float, Transition]:
        """Before generation ``t`` > 0: the distance updated to generation ``t - 1``'s
        simulations, the epsilon it sets, and the kernel fitted to its population."""
        pop = pd.read_parquet(self.dir.population_path(t - 1))
        every_prev = self.dir.all_rounds(t - 1)
        _, v = unpack(every_prev[every_prev["status"] == "ok"], self.spec.prior,
                      self.spec.entries)
        self.parts.distance.update(v)
        w = pop["weight"].to_numpy()
        eps = self.parts.epsilon(t, self._distances(pop), w)
        transition = self.parts.transition()
        x, _ = unpack(pop, self.spec.prior, self.spec.entries)
        transition.fit(x, w)
        return eps, transition

    def run(self, done: list[GenerationInfo], manifest: dict[str, Any]) -> tuple[
            list[GenerationInfo], str]:
        """Continue from ``done`` (finished generations) until a stop rule holds."""
        sims = sum(g.simulations for g in done)
        while True:
            reason = self.rules.reason(done, sims)
            if reason:
                return done, reason
            t = len(done)
            t0 = time.perf_counter()
            transition: Transition | None = None
            if t == 0:
                eps, prev_rate = math.inf, 1.0
            else:
                eps, transition = self._prepare(t)
                prev_rate = min(done[-1].acceptance_rate, self.spec.alpha)
            out = self._run_generation(t, eps, transition, prev_rate, sims)
            if out is None:
                return done, ("simulation budget spent" if sims >= self.rules.max_simulations
                              else f"acceptance rate below {self.rules.min_acceptance:g} "
                              f"in generation {t}")
            acc, every = out
            acc["weight"] = self._weights(acc, transition)
            write_frame(self.dir.population_path(t), acc)
            ran = int((every["status"] != "invalid").sum())
            within = int(accepted(every, eps).sum())  # all that came within epsilon
            w = acc["weight"].to_numpy()
            info = GenerationInfo(
                t=t, epsilon=eps, accepted=len(acc), simulations=ran,
                invalid=int((every["status"] == "invalid").sum()),
                failed=int((every["status"] == "failed").sum()),
                acceptance_rate=within / max(ran, 1), ess=float(w.sum() ** 2 / (w ** 2).sum()),
                seconds=time.perf_counter() - t0,
                distance_weights=[float(v) for v in self.parts.distance.weights])
            done.append(info)
            sims += ran
            manifest["generations"] = [g.to_dict() for g in done]
            manifest["simulations"] = sims
            self.dir.write_manifest(manifest)
            self.on_generation(info)
