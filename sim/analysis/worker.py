"""What an analysis worker has imported before its first task. The forkserver imports this
module once (:data:`sim.analysis.parallel.PRELOAD_ESTIMATORS`) and every worker is forked
from it with these already loaded: matplotlib and the drawing code, scikit-learn's
forests, and EMA Workbench's PRIM (~2 s of imports, paid once per command instead of once
per worker and per task kind)."""

from __future__ import annotations

import sklearn.ensemble  # noqa: F401  (imported for the workers, see the docstring)

import sim.analysis.plots  # noqa: F401
from sim.analysis.discovery import import_prim

import_prim()
