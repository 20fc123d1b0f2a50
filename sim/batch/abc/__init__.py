"""``wargame calibrate``: ABC-SMC calibration of a scenario's uncertain parameters against the
record, laid out as pyabc lays out its own (one module per part, parts behind small base
classes, so that a new distance, epsilon or kernel is a new class, not a change to the
loop):

- :mod:`~sim.batch.abc.spec`: what defines a calibration (:class:`CalibrationSpec`), when it
  stops (:class:`StopRules`), what each generation reports;
- :mod:`~sim.batch.abc.distance`: how far a run is from the record (:class:`Distance`:
  the range distance, and its adaptive variant);
- :mod:`~sim.batch.abc.epsilon`: each generation's acceptance threshold (:class:`Epsilon`:
  the weighted quantile);
- :mod:`~sim.batch.abc.transition`: the perturbation kernels (:class:`Transition`: pyabc's);
- :mod:`~sim.batch.abc.smc`: the generation loop;
- :mod:`~sim.batch.abc.folder`: the calibration folder (rounds, populations, manifest);
- :mod:`~sim.batch.abc.outputs`: the posterior, the calibrated scenario, the predictive
  ensembles;
- :mod:`~sim.batch.abc.run`: the entry point, :func:`~sim.batch.abc.run.run_calibration`.

Why the loop is ours (measured, see README "Calibration and hindcast" and
benchmarks/README.md): pyabc's ``ABCSMC`` asks its sampler for one particle at a time and
calls the model once per particle; one run of the engine alone costs ~10-30 ms, a run inside
a batch of hundreds ~0.2-0.7 ms. So the generation loop evaluates a whole *round* of
candidates in one engine call per task (:mod:`sim.batch.evaluate`), while the ABC-SMC
machinery is pyabc's: its perturbation kernels, its effective sample size and its adaptive
scale functions. The algorithm is the standard population Monte Carlo ABC (Beaumont et al.
2009; Toni et al. 2009), as pyabc runs it:

- generation 0 draws from the prior (the ``[sweep]`` ranges, :mod:`sim.batch.priors`) and
  accepts every valid draw; generation t > 0 proposes from the previous weighted population
  perturbed by the kernel and accepts a candidate whose distance is <= epsilon_t; its
  weight is prior(θ) / Σ_j W_j K(θ | θ_j);
- epsilon_t is the weighted ``alpha``-quantile (default the median) of the previous
  population's distances (pyabc's ``QuantileEpsilon``);
- a generation accepts the first N accepted candidates in candidate order (not in the
  order results arrive), which keeps it unbiased and makes the result independent of the
  executor and the number of workers.

Seeds: candidate j of generation t runs with ``derive_seed(seed, t, j)`` (the sweeps'
``(point, replicate)`` derivation with point = generation, replicate = candidate); the
proposal draws of round r of generation t come from ``draw_seed(seed, t, r, 1)``
(:mod:`sim.core.seeds`).

State: every round of candidates (parameters, seeds, simulated values, distances) is
written to ``generations/gen-TTTT/round-RRRR.parquet`` and every finished population to
``generations/gen-TTTT/population.parquet`` (temporary file, then rename), and the
manifest keeps each generation's epsilon and figures. A killed calibration resumes from the
last finished round; since every draw is seeded, the resumed result is the same as an
uninterrupted one.

Nothing is imported here: ``wargame calibrate --check`` and the sweep's workers must not pay
for pyabc (~3 s) or pandas.
"""
