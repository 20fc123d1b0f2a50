"""ABC-SMC calibration of a scenario's uncertain parameters against the record.

Why this shape (measured, see README "Calibration and hindcast" and benchmarks/README.md):
pyabc's ``ABCSMC`` asks its sampler for one particle at a time and calls the model once per
particle; one run of the engine alone costs ~10-30 ms, a run inside a batch of hundreds
~0.2-0.7 ms. So the generation loop is ours and evaluates a whole *round* of candidates
in one engine call per task (:mod:`sim.batch.evaluate`), while the ABC-SMC machinery is
pyabc's: its perturbation kernels (``MultivariateNormalTransition`` with Silverman's
bandwidth for the continuous parameters, ``DiscreteJumpTransition`` for each category,
combined by ``AggregatedTransition``), its effective sample size, and its adaptive scale
functions (``--distance adaptive``). The algorithm is the standard population Monte Carlo
ABC (Beaumont et al. 2009; Toni et al. 2009), as pyabc runs it:

- generation 0 draws from the prior (the ``[sweep]`` ranges, :mod:`sim.batch.priors`) and
  accepts every valid draw; generation t > 0 proposes from the previous weighted population
  perturbed by the kernel and accepts a candidate whose distance is <= epsilon_t; its
  weight is prior(θ) / Σ_j W_j K(θ | θ_j);
- epsilon_t is the weighted ``alpha``-quantile (default the median) of the previous
  population's distances (pyabc's ``QuantileEpsilon``);
- the distance is a weighted 2-norm over the observations of how far each simulated value
  lies outside its range, in units of the range (:func:`sim.batch.observations.excess`):
  zero when every value is inside its range. ``--distance adaptive`` reweights the
  observations each generation by pyabc's ``rmsd`` scale of that excess (pyabc's
  ``AdaptivePNormDistance`` rule);
- a generation accepts the first N accepted candidates in candidate order (not in the
  order results arrive), which keeps it unbiased and makes the result independent of the
  executor and the number of workers.

Seeds: candidate j of generation t runs with ``derive_seed(seed, t, j)`` (the sweeps'
``(point, replicate)`` derivation with point = generation, replicate = candidate); the
proposal draws of round r of generation t come from ``SeedSequence(seed, (t, r, 1))``.

State: every round of candidates (parameters, seeds, simulated values, distances) is
written to ``generations/gen-TTTT/round-RRRR.parquet`` and every finished population to
``generations/gen-TTTT/population.parquet`` (temporary file, then rename), and the
manifest records each generation's epsilon and figures. A killed calibration resumes
from the last finished round; since every draw is seeded, the resumed result is the same
as an uninterrupted one.
"""

from __future__ import annotations

import contextlib
import datetime as dt
import functools
import hashlib
import json
import math
import time
import tomllib
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pyarrow as pa

from sim.batch.evaluate import Evaluated, evaluate
from sim.batch.executors import make_executor
from sim.batch.observations import Entry, Record, excess
from sim.batch.posterior import MANIFEST, POSTERIOR, category_shares, weighted_quantile
from sim.batch.priors import Prior
from sim.batch.specs import ParamSpec
from sim.batch.store import atomic_write_bytes, write_table
from sim.core.scenario import Scenario, parse_scenario
from sim.core.seeds import derive_seed
from sim.errors import UserError

FORMAT_VERSION = 1
P_NORM = 2
PREDICTIVE_POINT = 1_000_000
"""The 'point' of the seeds of the predictive ensembles (prior: this, posterior: +1):
larger than any generation number, so they never share a seed with a calibration run."""
MIN_ROUND, MAX_ROUND = 256, 20_000
"""Candidates per round: at least enough to fill a batch of the engine, at most a size
whose loss (a kill mid-round) stays small."""
QUANTILES = (0.05, 0.25, 0.5, 0.75, 0.95)


class CalibrationInterrupted(Exception):
    """Ctrl-C during a calibration, after the finished rounds were kept."""


@dataclass
class CalibrationSpec:
    """What defines a calibration's numbers (a resume must match it exactly)."""

    scenario: Scenario
    prior: Prior
    record: Record
    entries: list[Entry]
    weeks: int
    until_week: int | None
    population: int
    alpha: float = 0.5
    distance: str = "range"
    seed: int = 0

    def to_dict(self) -> dict[str, Any]:
        return {
            "scenario_hash": hashlib.sha256(self.scenario.model_dump_json().encode()).hexdigest(),
            "record_digest": self.record.digest,
            "observations": [e.id for e in self.entries], "weeks": self.weeks,
            "until_week": self.until_week, "population": self.population,
            "alpha": self.alpha, "distance": self.distance, "seed": self.seed,
            "prior": [s.to_dict() for s in self.prior.specs],
        }


@dataclass
class StopRules:
    """When to stop (may change on --resume: they do not change finished generations)."""

    generations: int = 10
    min_epsilon: float = 0.0
    max_simulations: int = 2_000_000
    min_acceptance: float = 0.005


@dataclass
class GenerationInfo:
    """One finished generation, as the manifest and the progress lines report it."""

    t: int
    epsilon: float
    accepted: int
    simulations: int
    invalid: int
    failed: int
    acceptance_rate: float
    ess: float
    seconds: float
    distance_weights: list[float] = field(default_factory=list)

    def to_dict(self) -> dict[str, Any]:
        d = self.__dict__.copy()
        d["epsilon"] = None if math.isinf(self.epsilon) else self.epsilon
        return d

    @classmethod
    def from_dict(cls, d: dict[str, Any]) -> GenerationInfo:
        d = dict(d)
        d["epsilon"] = math.inf if d.get("epsilon") is None else d["epsilon"]
        return cls(**d)


@dataclass
class CalibrationResult:
    out: Path
    generations: list[GenerationInfo]
    stop_reason: str
    simulations: int
    seconds: float
    manifest: dict[str, Any]


# ---------------------------------------------------------------- helpers
def _now() -> str:
    return dt.datetime.now(dt.UTC).isoformat(timespec="seconds")


def _seq(seed: int, *key: int) -> int:
    ss = np.random.SeedSequence(entropy=seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint32)[0])


@contextlib.contextmanager
def _global_numpy_seed(seed: int) -> Iterator[None]:
    """pyabc's kernels draw from numpy's global generator: seed it for one draw and put
    its state back after, so that the draw is reproducible and nothing else is touched."""
    state = np.random.get_state()
    np.random.seed(seed)
    try:
        yield
    finally:
        np.random.set_state(state)


def distances(e: np.ndarray, weights: np.ndarray) -> np.ndarray:
    """The weighted p-norm of each row of range-scaled excesses (inf for NaN rows)."""
    d = (np.power(e, P_NORM) @ weights) ** (1.0 / P_NORM)
    return np.where(np.isnan(d), np.inf, d)


def adaptive_weights(e: np.ndarray, base: np.ndarray, ids: list[str]) -> np.ndarray:
    """pyabc's ``AdaptivePNormDistance`` rule: each observation weighted by the inverse of
    its ``rmsd`` scale (root mean square deviation from the observed value, here the
    range) over the last generation's simulations. An observation every simulation
    matches (scale 0) gets the largest weight of the others, so it stays matched."""
    import logging

    from pyabc.distance.scale import rmsd

    ok = np.all(np.isfinite(e), axis=1)
    if not ok.any():
        return base.copy()
    log = logging.getLogger("ABC.Distance")  # its "observation far off" note is expected:
    level = log.level                        # simulations outside a range are the point
    log.setLevel(logging.ERROR)
    try:
        scale = rmsd(samples=e[ok], s0=np.zeros(e.shape[1]), s_ids=ids)
    finally:
        log.setLevel(level)
    inv = np.zeros_like(scale)
    pos = scale > 0
    inv[pos] = 1.0 / scale[pos]
    top = inv[pos].max() if pos.any() else 1.0
    inv[~pos] = top
    w = base * inv
    return w / w[base > 0].mean() if (base > 0).any() else w


def make_transition(prior: Prior) -> Any:
    """pyabc's kernels: one multivariate normal KDE over the continuous parameters (so
    that it follows their correlations), a discrete jump kernel per category."""
    from pyabc.transition import AggregatedTransition, MultivariateNormalTransition

    mapping: dict[tuple[str, ...], Any] = {}
    if prior.continuous:
        mapping[tuple(prior.continuous)] = MultivariateNormalTransition()
    for name in prior.categorical:
        k = len(prior.spec(name).values or ())
        mapping[(name,)] = _batch_jump_class()(domain=np.arange(k, dtype=float), p_stay=0.7)
    return AggregatedTransition(mapping)


@functools.cache
def _batch_jump_class() -> type:
    """pyabc's ``DiscreteJumpTransition`` with its draws vectorised (pyabc draws one value
    per call, ~0.1 ms each: a tenth of a generation's time in the baseline). Same kernel:
    start from a value of the last population with its weight, stay with ``p_stay``, else
    move to one of the other values with equal probability."""
    from pyabc.transition import DiscreteJumpTransition

    class BatchDiscreteJumpTransition(DiscreteJumpTransition):
        def rvs(self, size: int | None = None) -> Any:
            if size is None:
                return self.rvs_single()
            kernel = self.perturbation_kernel
            domain = np.asarray(kernel.domain)
            start = np.asarray(self.values)[
                np.random.choice(len(self.values), size=size, p=self.weights)]
            if len(domain) > 1:
                index = np.searchsorted(domain, start)
                move = np.random.uniform(size=size) >= kernel.p_stay
                offset = np.random.randint(1, len(domain), size=size)
                start = np.where(move, domain[(index + offset) % len(domain)], start)
            return pd.DataFrame({self.X.columns[0]: start})

    return BatchDiscreteJumpTransition


def _propose(transition: Any, prior: Prior, n: int, seed: int) -> np.ndarray:
    """``n`` draws from the fitted kernel that lie in the prior's support."""
    rows: list[np.ndarray] = []
    have, tries = 0, 0
    with _global_numpy_seed(seed):
        while have < n:
            m = max(2 * (n - have), 64)
            parts = {}
            for keys, tr in transition.mapping.items():
                draw = tr.rvs(size=m)
                for k in keys:
                    parts[k] = np.asarray(draw[k], dtype=float)
            x = np.column_stack([parts[name] for name in prior.names])
            x = x[prior.inside(x)]
            rows.append(x)
            have += len(x)
            tries += 1
            if tries > 1000:
                raise RuntimeError("the proposal keeps leaving the prior's support")
    return np.concatenate(rows)[:n]


# ---------------------------------------------------------------- the folder
class CalibrationDir:
    """The files of one calibration."""

    def __init__(self, root: Path) -> None:
        self.root = Path(root)
        self.manifest_path = self.root / MANIFEST
        self.gen_root = self.root / "generations"

    def gen(self, t: int) -> Path:
        return self.gen_root / f"gen-{t:04d}"

    def round_path(self, t: int, r: int) -> Path:
        return self.gen(t) / f"round-{r:04d}.parquet"

    def population_path(self, t: int) -> Path:
        return self.gen(t) / "population.parquet"

    def exists(self) -> bool:
        return self.manifest_path.is_file()

    def read_manifest(self) -> dict[str, Any]:
        from sim.batch.posterior import read_manifest

        return read_manifest(self.root)

    def write_manifest(self, m: dict[str, Any]) -> None:
        atomic_write_bytes(self.manifest_path,
                           (json.dumps(m, indent=2, default=str) + "\n").encode())

    def clean_partial(self) -> None:
        for p in self.root.rglob(".*.tmp"):
            p.unlink()


def _frame(prior: Prior, x: np.ndarray, entries: list[Entry], ev_values: np.ndarray,
           extra: dict[str, Any]) -> pd.DataFrame:
    cols: dict[str, Any] = dict(extra)
    for j, name in enumerate(prior.names):
        cols[f"x:{name}"] = x[:, j]
    for j, e in enumerate(entries):
        cols[f"obs:{e.id}"] = ev_values[:, j]
    return pd.DataFrame(cols)


def _unpack(frame: pd.DataFrame, prior: Prior, entries: list[Entry]
            ) -> tuple[np.ndarray, np.ndarray]:
    x = frame[[f"x:{n}" for n in prior.names]].to_numpy(dtype=float)
    v = frame[[f"obs:{e.id}" for e in entries]].to_numpy(dtype=float)
    return x, v


def _accepted(frame: pd.DataFrame, eps: float) -> np.ndarray:
    """Candidates that ran and came within epsilon (generation 0: every one that ran)."""
    return (frame["status"].to_numpy() == "ok") & (frame["distance"].to_numpy() <= eps)


def _write(path: Path, frame: pd.DataFrame) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    write_table(path, pa.Table.from_pandas(frame, preserve_index=False))


# ---------------------------------------------------------------- the loop
class Calibration:
    """One calibration run (or resume) into a folder."""

    def __init__(self, spec: CalibrationSpec, folder: CalibrationDir, executor: Any,
                 rules: StopRules, on_generation: Callable[[GenerationInfo], None] | None = None,
                 ) -> None:
        self.spec, self.dir, self.ex, self.rules = spec, folder, executor, rules
        self.on_generation = on_generation or (lambda info: None)
        self.base_weights = np.array([e.weight for e in spec.entries], dtype=float)

    # -- one round of candidates
    def _evaluate(self, x: np.ndarray, t: int, first_id: int) -> tuple[np.ndarray, Evaluated]:
        ids = np.arange(first_id, first_id + len(x))
        seeds = np.array([derive_seed(self.spec.seed, t, int(i)) for i in ids], dtype=np.int64)
        ev = evaluate(self.spec.scenario, self.spec.prior.decode(x), seeds, self.spec.weeks,
                      self.spec.entries, executor=self.ex)
        return seeds, ev

    def _round(self, t: int, r: int, first_id: int, size: int, draw: Callable[[int, int],
               np.ndarray]) -> pd.DataFrame:
        path = self.dir.round_path(t, r)
        if path.is_file():
            return pd.read_parquet(path)
        x = draw(size, _seq(self.spec.seed, t, r, 1))
        seeds, ev = self._evaluate(x, t, first_id)
        frame = _frame(self.spec.prior, x, self.spec.entries, ev.values, {
            "candidate": np.arange(first_id, first_id + len(x)), "seed": seeds,
            "status": ev.status.astype(str), "error": ev.errors})
        _write(path, frame)
        return frame

    def _distances(self, frame: pd.DataFrame, weights: np.ndarray) -> np.ndarray:
        _, v = _unpack(frame, self.spec.prior, self.spec.entries)
        d = distances(excess(self.spec.entries, v, self.spec.weeks), weights)
        return np.where(frame["status"].to_numpy() == "ok", d, np.inf)

    def _run_generation(self, t: int, eps: float, weights: np.ndarray,
                        transition: Any | None, prev_rate: float, sims_before: int
                        ) -> tuple[pd.DataFrame, pd.DataFrame] | None:
        """Rounds until N candidates are accepted; returns (accepted, all candidates), or
        None if a budget ran out first (the rounds stay on disk for a resume)."""
        n = self.spec.population
        prior = self.spec.prior

        def draw(size: int, seed: int) -> np.ndarray:
            if transition is None:
                return prior.rvs(size, np.random.default_rng(seed))
            return _propose(transition, prior, size, seed)

        frames: list[pd.DataFrame] = []
        accepted = simulated = 0
        r = 0
        while accepted < n:
            rate = accepted / simulated if simulated else prev_rate
            size = int(np.clip(math.ceil(1.15 * (n - accepted) / max(rate, 1e-3)),
                               MIN_ROUND, MAX_ROUND))
            first = int(sum(len(f) for f in frames))
            frame = self._round(t, r, first, size, draw)
            frame["distance"] = self._distances(frame, weights)
            frames.append(frame)
            ran = int((frame["status"] != "invalid").sum())
            simulated += ran
            accepted += int(_accepted(frame, eps).sum())
            r += 1
            total = sims_before + simulated
            if accepted < n and (total >= self.rules.max_simulations or (
                    simulated * self.rules.min_acceptance > n)):
                return None
        every = pd.concat(frames, ignore_index=True)
        acc = every[_accepted(every, eps)].sort_values("candidate").head(n)
        return acc.reset_index(drop=True), every

    def _weights(self, acc: pd.DataFrame, transition: Any | None) -> np.ndarray:
        x, _ = _unpack(acc, self.spec.prior, self.spec.entries)
        if transition is None:
            w = np.ones(len(acc))
        else:
            q = np.asarray(transition.pdf(pd.DataFrame(x, columns=self.spec.prior.names)),
                           dtype=float)
            w = self.spec.prior.density(x) / q
        return w / w.sum()

    def _fit(self, pop: pd.DataFrame) -> Any:
        x, _ = _unpack(pop, self.spec.prior, self.spec.entries)
        tr = make_transition(self.spec.prior)
        tr.fit(pd.DataFrame(x, columns=self.spec.prior.names), pop["weight"].to_numpy())
        return tr

    def _next_eps(self, pop: pd.DataFrame, every_prev: pd.DataFrame
                  ) -> tuple[float, np.ndarray]:
        weights = self.base_weights
        if self.spec.distance == "adaptive":
            _, v = _unpack(every_prev[every_prev["status"] == "ok"], self.spec.prior,
                           self.spec.entries)
            weights = adaptive_weights(excess(self.spec.entries, v, self.spec.weeks),
                                       self.base_weights, [e.id for e in self.spec.entries])
        d = self._distances(pop, weights)
        return float(weighted_quantile(d, pop["weight"].to_numpy(), self.spec.alpha)), weights

    def _load_every(self, t: int) -> pd.DataFrame:
        parts = sorted(self.dir.gen(t).glob("round-*.parquet"))
        return pd.concat([pd.read_parquet(p) for p in parts], ignore_index=True)

    def run(self, done: list[GenerationInfo], manifest: dict[str, Any]) -> tuple[
            list[GenerationInfo], str]:
        """Continue from ``done`` (finished generations) until a stop rule holds."""
        sims = sum(g.simulations for g in done)
        while True:
            reason = self._stop_reason(done, sims)
            if reason:
                return done, reason
            t = len(done)
            t0 = time.perf_counter()
            if t == 0:
                eps, weights, transition, prev_rate = math.inf, self.base_weights, None, 1.0
            else:
                pop = pd.read_parquet(self.dir.population_path(t - 1))
                eps, weights = self._next_eps(pop, self._load_every(t - 1))
                transition = self._fit(pop)
                prev_rate = min(done[-1].acceptance_rate, self.spec.alpha)
            out = self._run_generation(t, eps, weights, transition, prev_rate, sims)
            if out is None:
                return done, ("simulation budget spent" if sims >= self.rules.max_simulations
                              else f"acceptance rate below {self.rules.min_acceptance:g} "
                              f"in generation {t}")
            acc, every = out
            acc["weight"] = self._weights(acc, transition)
            _write(self.dir.population_path(t), acc)
            ran = int((every["status"] != "invalid").sum())
            within = int(_accepted(every, eps).sum())  # all that came within epsilon
            w = acc["weight"].to_numpy()
            info = GenerationInfo(
                t=t, epsilon=eps, accepted=len(acc), simulations=ran,
                invalid=int((every["status"] == "invalid").sum()),
                failed=int((every["status"] == "failed").sum()),
                acceptance_rate=within / max(ran, 1), ess=float(w.sum() ** 2 / (w ** 2).sum()),
                seconds=time.perf_counter() - t0, distance_weights=[float(v) for v in weights])
            done.append(info)
            sims += ran
            manifest["generations"] = [g.to_dict() for g in done]
            manifest["simulations"] = sims
            self.dir.write_manifest(manifest)
            self.on_generation(info)

    def _stop_reason(self, done: list[GenerationInfo], sims: int) -> str:
        if not done:
            return ""
        last = done[-1]
        if len(done) >= self.rules.generations:
            return f"{self.rules.generations} generations done"
        if len(done) > 1 and last.epsilon <= 0.0:
            return "epsilon reached 0: every accepted particle matches every observation"
        if len(done) > 1 and last.epsilon <= self.rules.min_epsilon:
            return f"epsilon {last.epsilon:.4g} <= --min-epsilon {self.rules.min_epsilon:g}"
        if len(done) > 1 and last.acceptance_rate < self.rules.min_acceptance:
            return f"acceptance rate below {self.rules.min_acceptance:g}"
        if sims >= self.rules.max_simulations:
            return "simulation budget spent"
        return ""


# ---------------------------------------------------------------- outputs
def posterior_frame(spec: CalibrationSpec, pop: pd.DataFrame, t: int) -> pd.DataFrame:
    """The final population as scenario values, with weights and distances."""
    x, _ = _unpack(pop, spec.prior, spec.entries)
    cols: dict[str, Any] = {"particle": pop["candidate"].to_numpy(), "generation": t}
    cols.update(spec.prior.decode_columns(x))
    cols["weight"] = pop["weight"].to_numpy()
    cols["distance"] = pop["distance"].to_numpy()
    return pd.DataFrame(cols)


def posterior_table(spec: CalibrationSpec, post: pd.DataFrame) -> list[dict[str, Any]]:
    """Per parameter: prior range, posterior median and 90 % interval (categories: the
    posterior probability of each value)."""
    w = post["weight"].to_numpy()
    rows = []
    for s in spec.prior.specs:
        row: dict[str, Any] = {"name": s.name, "kind": s.kind}
        if s.values is not None:
            shares = category_shares(post[s.name], w, s)
            row.update(prior=list(s.values), shares=shares,
                       mode=max(shares, key=lambda k: shares[k]))
        else:
            q05, q50, q95 = weighted_quantile(post[s.name].to_numpy(dtype=float), w,
                                              np.array([0.05, 0.5, 0.95]))
            row.update(low=s.low, high=s.high, median=float(q50), q05=float(q05),
                       q95=float(q95), narrowing=float((q95 - q05) / (s.high - s.low)))
        rows.append(row)
    return rows


def _narrowed(s: ParamSpec, row: dict[str, Any]) -> dict[str, Any] | None:
    """The [sweep] range of a calibrated parameter: its posterior 90 % interval (categories:
    the values with at least 5 % posterior probability); None when that is one value (the
    parameter is then pinned at it, outside [sweep])."""
    if s.values is not None:
        keep = [v for v in s.values if row["shares"][v] >= 0.05]
        return {"values": keep} if len(keep) > 1 else None
    lo, hi = row["q05"], row["q95"]
    if s.kind == "int":
        lo, hi = math.floor(lo), math.ceil(hi)
        return {"low": int(lo), "high": int(hi)} if hi > lo else None
    lo, hi = _sig(lo), _sig(hi)
    return {"low": lo, "high": hi} if hi > lo else None


def _sig(v: float) -> float:
    return float(f"{v:.6g}")


def calibrated_scenario(spec: CalibrationSpec, scenario_text: str, overrides: dict[str, Any],
                        table: list[dict[str, Any]], post: pd.DataFrame, out: Path,
                        header: str) -> tuple[str, Scenario]:
    """TOML text of the calibrated scenario: the original file with the calibrated
    parameters at their posterior medians (categories: the most probable value) and the
    [sweep] table narrowed to the posterior's 90 % intervals. If the medians together do
    not make a valid scenario, the particle nearest to them is used instead."""
    import tomli_w

    data = tomllib.loads(scenario_text)
    for dotted, value in overrides.items():
        _put(data, dotted, value)
    by_name = {r["name"]: r for r in table}
    point: dict[str, Any] = {}
    for s in spec.prior.specs:
        r = by_name[s.name]
        if s.values is not None:
            point[s.name] = r["mode"]
        elif s.kind == "int":
            point[s.name] = round(r["median"])
        else:
            point[s.name] = _sig(r["median"])
    try:
        spec.scenario.with_overrides(point, origin="posterior median")
    except UserError:
        point = _nearest_particle(spec, post, point)
    for dotted, value in point.items():
        _put(data, dotted, value)
    data["name"] = f"{spec.scenario.name}-calibrated"
    data["description"] = (f"{spec.scenario.name} calibrated against the record "
                           f"'{spec.record.name}' (wargame calibrate): values at the posterior "
                           "median, [sweep] ranges = posterior 90 % intervals.")
    sweep = dict(data.get("sweep", {}))
    pinned = []
    for s in spec.prior.specs:
        rng = _narrowed(s, by_name[s.name])
        if rng is None:
            sweep.pop(s.name, None)
            pinned.append(s.name)
        else:
            sweep[s.name] = rng
    data["sweep"] = sweep
    if pinned:
        header += ("# Pinned (the posterior's 90 % interval is one value), so not in [sweep]: "
                   + ", ".join(pinned) + "\n")
    text = header + tomli_w.dumps(data)
    scenario = parse_scenario(text, str(out))  # it must load: fail here, not later
    return text, scenario


def _put(data: dict[str, Any], dotted: str, value: Any) -> None:
    *parents, leaf = dotted.split(".")
    node = data
    for p in parents:
        node = node.setdefault(p, {})
    node[leaf] = value


def _nearest_particle(spec: CalibrationSpec, post: pd.DataFrame, point: dict[str, Any]
                      ) -> dict[str, Any]:
    cont = [s for s in spec.prior.specs if s.values is None]
    d = np.zeros(len(post))
    for s in cont:
        d += ((post[s.name].to_numpy(dtype=float) - point[s.name]) / spec.prior.width(s)) ** 2
    for s in spec.prior.specs:
        if s.values is not None:
            d += (post[s.name].astype(str).to_numpy() != str(point[s.name])).astype(float)
    row = post.iloc[int(np.argmin(d))]
    return {s.name: (row[s.name] if s.values is not None else
                     int(row[s.name]) if s.kind == "int" else float(row[s.name]))
            for s in spec.prior.specs}


def predictive(spec: CalibrationSpec, post: pd.DataFrame, runs: int, executor: Any
               ) -> tuple[pd.DataFrame, pd.DataFrame]:
    """Prior and posterior predictive ensembles of ``runs`` runs each (posterior:
    particles resampled by weight; prior: fresh prior draws): the simulated value of every
    observation in every run, and weekly quantiles of every recorded series."""
    from sim.batch.posterior import resample

    prior = spec.prior
    names = tuple(dict.fromkeys(e.target for e in spec.entries if not e.on_outcome))
    rows = resample(post["weight"].to_numpy(), runs, _seq(spec.seed, PREDICTIVE_POINT, 1))
    post_points = [{s.name: _value(post.iloc[int(i)][s.name], s) for s in prior.specs}
                   for i in rows]
    prior_points = prior.decode(prior.rvs(runs, np.random.default_rng(
        _seq(spec.seed, PREDICTIVE_POINT, 0))))
    values, bands = [], []
    for k, (label, points) in enumerate((("prior", prior_points), ("posterior", post_points))):
        seeds = [derive_seed(spec.seed, PREDICTIVE_POINT + k, i) for i in range(runs)]
        ev = evaluate(spec.scenario, points, seeds, spec.weeks, spec.entries,
                      executor=executor, series_names=names)
        ok = ev.ok
        frame = pd.DataFrame({f"obs:{e.id}": ev.values[ok, j]
                              for j, e in enumerate(spec.entries)})
        frame.insert(0, "run", np.flatnonzero(ok))
        frame.insert(0, "ensemble", label)
        values.append(frame)
        assert ev.series is not None
        for j, name in enumerate(names):
            q = np.quantile(ev.series[ok, :, j], QUANTILES, axis=0)
            band = pd.DataFrame({"ensemble": label, "series": name,
                                 "week": np.arange(spec.weeks + 1)})
            for qi, qv in zip(QUANTILES, q, strict=True):
                band[f"q{round(qi * 100):02d}"] = qv
            bands.append(band)
    return pd.concat(values, ignore_index=True), pd.concat(bands, ignore_index=True)


def _value(v: Any, s: ParamSpec) -> Any:
    if s.values is not None:
        return next(c for c in s.values if str(c) == str(v))
    return int(v) if s.kind == "int" else float(v)


def observation_bands(spec: CalibrationSpec, values: pd.DataFrame) -> list[dict[str, Any]]:
    """Per observation and ensemble: the simulated 5-95 % band and whether it covers the
    best value and overlaps the range (event weeks that never happened count as the week
    after the horizon)."""
    from sim.batch.observations import censor

    out = []
    for label, grp in values.groupby("ensemble", sort=False):
        v = censor(spec.entries, grp[[f"obs:{e.id}" for e in spec.entries]].to_numpy(),
                   spec.weeks)
        q05, q50, q95 = np.quantile(v, [0.05, 0.5, 0.95], axis=0)
        inside = (excess(spec.entries, v, spec.weeks) == 0).mean(axis=0)
        for j, e in enumerate(spec.entries):
            out.append({
                "ensemble": label, "id": e.id, "target": e.target, "kind": e.kind,
                "week": e.week, "best": e.best, "low": e.low, "high": e.high,
                "q05": float(q05[j]), "median": float(q50[j]), "q95": float(q95[j]),
                "share_in_range": float(inside[j]),
                "covers_best": bool(q05[j] <= e.best <= q95[j]),
                "overlaps_range": bool(q05[j] <= e.high and q95[j] >= e.low),
            })
    return out


# ---------------------------------------------------------------- entry point
def run_calibration(
    spec: CalibrationSpec, out: Path, rules: StopRules, *, scenario_path: str,
    scenario_text: str, overrides: dict[str, Any], record_text: str,
    executor: str = "serial", workers: int = 1, scheduler: str | None = None,
    resume: bool = False, command: str = "", predictive_runs: int = 500,
    on_generation: Callable[[GenerationInfo], None] | None = None,
) -> CalibrationResult:
    """Run (or resume) a calibration into ``out`` and write its outputs. Raises UserError
    for bad input before anything runs, CalibrationInterrupted on Ctrl-C."""
    from sim.batch.sweep import git_commit, versions

    folder = CalibrationDir(out)
    key = spec.to_dict()
    if folder.exists():
        if not resume:
            raise UserError(f"{out}: already holds a calibration",
                            hint="add --resume to continue it, or choose another --out")
        manifest = folder.read_manifest()
        diff = [k for k, v in key.items() if manifest.get("spec", {}).get(k) != v]
        if diff:
            raise UserError(f"{out}: cannot resume: this calibration differs in "
                            + ", ".join(diff),
                            hint="resume with the same scenario, record and settings, or "
                            "write to another --out")
        done = [GenerationInfo.from_dict(g) for g in manifest.get("generations", [])
                if folder.population_path(g["t"]).is_file()]
    else:
        if resume:
            raise UserError(f"{out}: nothing to resume (no {MANIFEST})")
        if out.exists() and any(out.iterdir()):
            raise UserError(f"{out}: folder exists and is not a calibration",
                            hint="choose another --out")
        out.mkdir(parents=True, exist_ok=True)
        (out / "record.toml").write_text(record_text)
        manifest = {
            "kind": "calibration", "format_version": FORMAT_VERSION, "spec": key,
            "scenario_name": spec.scenario.name, "scenario_path": scenario_path,
            "scenario_text": scenario_text, "overrides": overrides,
            "record_path": spec.record.path, "record_name": spec.record.name,
            "prior": key["prior"], "observations": [e.to_dict() for e in spec.entries],
            "method": "ABC-SMC (population Monte Carlo ABC; pyabc kernels), batch engine",
            "seed": spec.seed, "command": command, "versions": _versions(versions()),
            "git_commit": git_commit(), "started": _now(), "finished": None,
            "status": "running", "generations": [], "simulations": 0,
        }
        done = []
    folder.clean_partial()
    manifest.update(status="running", finished=None, command=command or manifest["command"],
                    stop_rules=rules.__dict__, executor={"name": executor, "workers": workers})
    folder.write_manifest(manifest)
    t0 = time.perf_counter()
    ex = make_executor(executor, workers, scheduler)
    try:
        cal = Calibration(spec, folder, ex, rules, on_generation)
        done, reason = cal.run(done, manifest)
        if not done:
            raise UserError(f"{out}: no generation finished ({reason})",
                            hint="raise --max-simulations or lower --min-acceptance")
        _finish(spec, folder, done, reason, manifest, scenario_text, overrides,
                predictive_runs, ex)
    except KeyboardInterrupt:
        manifest.update(status="interrupted", finished=_now())
        folder.write_manifest(manifest)
        raise CalibrationInterrupted(out) from None
    finally:
        ex.close()
    sims = sum(g.simulations for g in done)
    return CalibrationResult(out, done, reason, sims, time.perf_counter() - t0, manifest)


def _versions(v: dict[str, str]) -> dict[str, str]:
    from importlib.metadata import version

    return {**v, "pyabc": version("pyabc")}


def _finish(spec: CalibrationSpec, folder: CalibrationDir, done: list[GenerationInfo],
            reason: str, manifest: dict[str, Any], scenario_text: str,
            overrides: dict[str, Any], predictive_runs: int, ex: Any) -> None:
    t = done[-1].t
    pop = pd.read_parquet(folder.population_path(t))
    post = posterior_frame(spec, pop, t)
    _write(folder.root / POSTERIOR, post)
    table = posterior_table(spec, post)
    name = f"{spec.scenario.name}-calibrated.toml"
    header = (
        # No date here: the run's time is in the manifest, and a scenario file that names
        # a date reads as if it used what was reported then.
        f"# Calibrated by `wargame calibrate` from {manifest['scenario_path']}\n"
        f"# against the record {spec.record.path}"
        + (f" through week {spec.until_week}" if spec.until_week is not None else "") + ".\n"
        f"# Posterior sample: {folder.root / POSTERIOR} ({len(post)} particles, generation "
        f"{t}, epsilon {done[-1].epsilon:.4g}).\n"
        "# The calibrated parameters are set to their posterior medians; [sweep] holds their\n"
        "# posterior 90 % intervals (independent ranges). To sweep the posterior itself,\n"
        "# correlations included:\n"
        f"#   wargame sweep {folder.root / name} --design posterior --posterior {folder.root}\n"
    )
    text, _ = calibrated_scenario(spec, scenario_text, overrides, table, post,
                                  folder.root / name, header)
    atomic_write_bytes(folder.root / name, text.encode())
    values, bands = predictive(spec, post, predictive_runs, ex)
    _write(folder.root / "predictive_values.parquet", values)
    _write(folder.root / "predictive_series.parquet", bands)
    manifest.update(
        status="complete", finished=_now(), stop_reason=reason,
        posterior={"generation": t, "particles": len(post), "epsilon": done[-1].epsilon,
                   "parameters": table},
        calibrated_scenario=name, predictive_runs=predictive_runs,
        observation_bands=observation_bands(spec, values))
    folder.write_manifest(manifest)
