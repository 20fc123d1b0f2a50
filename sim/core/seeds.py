"""The seeding scheme: which seed each run of a study gets, and the seeds of a study's own
draws (design points, proposals, resampling).

Why here, next to :mod:`sim.core.rng`: a run's numbers are a function of its seed
(:mod:`sim.core.rng` turns it into a key), and a study's numbers are a function of its base
seed through these derivations. Sweeps, branches, calibration and hindcasts all derive seeds
here, so a run of any of them can be re-run alone with ``wargame run --seed <seed>`` and
gives the same numbers whichever worker ran it.

Both derivations are numpy's ``SeedSequence`` (entropy = the base seed, spawn key = where
the seed is used), whose streams are independent for different keys.
"""

from __future__ import annotations

import numpy as np


def derive_seed(base_seed: int, point: int, replicate: int) -> int:
    """The seed of run (point, replicate) of a study with ``base_seed``: a whole number in
    [0, 2**63), the range :data:`sim.core.rng.SEED_LIMIT` allows.

    A sweep's design point and replicate; a branch's replicate (point 0); calibration
    candidate j of generation t (point t, replicate j); a hindcast's ensemble k, run i.
    """
    ss = np.random.SeedSequence(entropy=base_seed, spawn_key=(point, replicate))
    return int(ss.generate_state(1, dtype=np.uint64)[0] >> np.uint64(1))


def draw_seed(base_seed: int, *key: int) -> int:
    """A 32-bit seed for one of a study's own draws (not a run's): e.g. the proposals of
    round r of calibration generation t are drawn with ``draw_seed(seed, t, r, 1)``."""
    ss = np.random.SeedSequence(entropy=base_seed, spawn_key=key)
    return int(ss.generate_state(1, dtype=np.uint32)[0])
