"""What an analysis worker has imported before its first task. The forkserver imports this
module once (:data:`sim.analysis.parallel.PRELOAD_ESTIMATORS`) and every worker is forked
from it with these already loaded: matplotlib and the drawing code, scikit-learn's
forests, scipy's tests and the scenario-discovery code (~1.5 s of imports, paid once per
command instead of once per worker and per task kind)."""

from __future__ import annotations

import scipy.stats  # noqa: F401  (imported for the workers, see the docstring)
import sklearn.ensemble  # noqa: F401

import sim.analysis.discovery
import sim.analysis.discovery_plots
import sim.analysis.plots
import sim.analysis.prim  # noqa: F401
