"""The entry point of ``wargame calibrate``: check the folder, start or resume the loop,
write the outputs, keep the manifest's status true at every exit."""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

from sim.batch.abc.folder import CalibrationDir
from sim.batch.abc.outputs import finish
from sim.batch.abc.smc import Calibration
from sim.batch.abc.spec import (
    FORMAT_VERSION,
    CalibrationInterrupted,
    CalibrationResult,
    CalibrationSpec,
    GenerationInfo,
    StopRules,
)
from sim.batch.executors import Execution
from sim.batch.posterior import MANIFEST
from sim.batch.provenance import ScenarioFile, now, stamp
from sim.errors import UserError

METHOD = "ABC-SMC (population Monte Carlo ABC; pyabc kernels), batch engine"


def run_calibration(
    spec: CalibrationSpec, out: Path, rules: StopRules, *, source: ScenarioFile,
    record_text: str, execution: Execution, resume: bool = False, command: str = "",
    predictive_runs: int = 500, on_generation: Callable[[GenerationInfo], None] | None = None,
) -> CalibrationResult:
    """Run (or resume) a calibration into ``out`` and write its outputs. Raises UserError
    for bad input before anything runs, CalibrationInterrupted on Ctrl-C."""
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
            "scenario_name": spec.scenario.name, "scenario_path": source.path,
            "scenario_text": source.text, "overrides": source.overrides,
            "record_path": spec.record.path, "record_name": spec.record.name,
            "prior": key["prior"], "observations": [e.to_dict() for e in spec.entries],
            "method": METHOD, "seed": spec.seed, **stamp(command, "pyabc"),
            "generations": [], "simulations": 0,
        }
        done = []
    folder.clean_partial()
    manifest.update(status="running", finished=None, command=command or manifest["command"],
                    stop_rules=rules.__dict__,
                    executor={"name": execution.executor, "workers": execution.workers})
    folder.write_manifest(manifest)
    t0 = time.perf_counter()
    with execution.start() as ex:
        try:
            cal = Calibration(spec, folder, ex, rules, on_generation)
            done, reason = cal.run(done, manifest)
            if not done:
                raise UserError(f"{out}: no generation finished ({reason})",
                                hint="raise --max-simulations or lower --min-acceptance")
            finish(spec, folder, done, reason, manifest, source, predictive_runs, ex)
        except KeyboardInterrupt:
            manifest.update(status="interrupted", finished=now())
            folder.write_manifest(manifest)
            raise CalibrationInterrupted(out) from None
    sims = sum(g.simulations for g in done)
    return CalibrationResult(out, done, reason, sims, time.perf_counter() - t0, manifest)
