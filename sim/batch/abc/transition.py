"""The perturbation kernels: pyabc's ``Transition`` contract (fit to a weighted population,
draw from it, give its density), in the prior's latent space (:mod:`sim.batch.priors`).

:class:`PyabcKernels` combines pyabc's own kernels, one per group of parameters (pyabc's
``AggregatedTransition``): by default one multivariate normal KDE over the continuous
parameters, so that it follows their correlations (Silverman's bandwidth), and a discrete
jump kernel per category. A parameter that needs another kernel (a model index, say) is
another entry of the ``kernels`` mapping; a kernel that is not pyabc's is a subclass of
:class:`Transition`.
"""

from __future__ import annotations

import contextlib
import functools
from abc import ABC, abstractmethod
from collections.abc import Callable, Iterator
from typing import Any

import numpy as np
import pandas as pd

from sim.batch.priors import Prior

KernelFactory = Callable[[], Any]
"""Makes one fresh pyabc transition (a kernel is fitted once per generation)."""


class Transition(ABC):
    """A proposal kernel over the prior's latent space."""

    def __init__(self, prior: Prior) -> None:
        self.prior = prior

    @abstractmethod
    def fit(self, x: np.ndarray, w: np.ndarray) -> None:
        """Fit to a population: latent rows ``x`` with weights ``w`` (summing to 1)."""

    @abstractmethod
    def propose(self, n: int, seed: int) -> np.ndarray:
        """``n`` latent rows drawn from the fitted kernel that lie in the prior's support,
        the same for the same seed."""

    @abstractmethod
    def pdf(self, x: np.ndarray) -> np.ndarray:
        """The kernel's density at latent rows ``x`` (the weights' denominator)."""


def default_kernels(prior: Prior) -> dict[tuple[str, ...], KernelFactory]:
    """One multivariate normal KDE over the continuous parameters, a discrete jump kernel
    (stay with probability 0.7, else move to another value) per category."""
    from pyabc.transition import MultivariateNormalTransition

    mapping: dict[tuple[str, ...], KernelFactory] = {}
    if prior.continuous:
        mapping[tuple(prior.continuous)] = MultivariateNormalTransition
    for name in prior.categorical:
        k = len(prior.spec(name).values or ())
        mapping[(name,)] = functools.partial(
            _batch_jump_class(), domain=np.arange(k, dtype=float), p_stay=0.7)
    return mapping


class PyabcKernels(Transition):
    """pyabc's kernels, one per group of parameters, combined by ``AggregatedTransition``."""

    def __init__(self, prior: Prior,
                 kernels: dict[tuple[str, ...], KernelFactory] | None = None) -> None:
        from pyabc.transition import AggregatedTransition

        super().__init__(prior)
        mapping = kernels if kernels is not None else default_kernels(prior)
        self.kernel = AggregatedTransition({keys: make() for keys, make in mapping.items()})

    def fit(self, x: np.ndarray, w: np.ndarray) -> None:
        self.kernel.fit(pd.DataFrame(x, columns=self.prior.names), w)

    def pdf(self, x: np.ndarray) -> np.ndarray:
        return np.asarray(self.kernel.pdf(pd.DataFrame(x, columns=self.prior.names)),
                          dtype=float)

    def propose(self, n: int, seed: int) -> np.ndarray:
        rows: list[np.ndarray] = []
        have, tries = 0, 0
        with _global_numpy_seed(seed):
            while have < n:
                m = max(2 * (n - have), 64)
                parts = {}
                for keys, tr in self.kernel.mapping.items():
                    draw = tr.rvs(size=m)
                    for k in keys:
                        parts[k] = np.asarray(draw[k], dtype=float)
                x = np.column_stack([parts[name] for name in self.prior.names])
                x = x[self.prior.inside(x)]
                rows.append(x)
                have += len(x)
                tries += 1
                if tries > 1000:
                    raise RuntimeError("the proposal keeps leaving the prior's support")
        return np.concatenate(rows)[:n]


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
