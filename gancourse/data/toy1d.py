"""1D Gaussian mixtures: exact densities on a grid and seeded samples (lessons 01, 02, 04).

A mixture :math:`p(x) = \\sum_k w_k\\,\\mathcal N(x; \\mu_k, \\sigma_k^2)` is described by
``means``, ``stds`` and ``weights`` (weights >= 0, normalised to sum to 1).
``TOY1D["two_modes"]`` is the course's default data distribution for the 1D GAN.
"""

from __future__ import annotations

import math
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["Mixture1D", "TOY1D", "gaussian_pdf", "make_grid", "mixture_pdf", "sample_mixture"]


def gaussian_pdf(x: ArrayLike, mean: float = 0.0, std: float = 1.0) -> np.ndarray:
    """Density of N(mean, std^2) at ``x`` (any shape, float64 out). ``std`` must be > 0."""
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    x = np.asarray(x, dtype=np.float64)
    return np.exp(-0.5 * ((x - mean) / std) ** 2) / (std * math.sqrt(2.0 * math.pi))


def make_grid(lo: float = -6.0, hi: float = 6.0, n: int = 1201) -> tuple[np.ndarray, float]:
    """An evenly spaced grid ``x`` of ``n`` points on [lo, hi] and its spacing ``dx``."""
    if not hi > lo:
        raise ValueError(f"need hi > lo, got lo={lo}, hi={hi}")
    if int(n) < 2:
        raise ValueError(f"need at least 2 grid points, got n={n}")
    x = np.linspace(lo, hi, int(n))
    return x, float(x[1] - x[0])


@dataclass(frozen=True)
class Mixture1D:
    """A mixture of 1D Gaussians. ``weights`` default to equal; they are normalised."""

    means: tuple[float, ...]
    stds: tuple[float, ...]
    weights: tuple[float, ...] | None = None

    def __post_init__(self) -> None:
        means = tuple(float(m) for m in np.atleast_1d(self.means))
        stds = tuple(float(s) for s in np.atleast_1d(self.stds))
        k = len(means)
        if k == 0:
            raise ValueError("a mixture needs at least one component (means is empty)")
        if len(stds) == 1 and k > 1:
            stds = stds * k
        weights = (
            (1.0,) * k
            if self.weights is None
            else tuple(float(w) for w in np.atleast_1d(self.weights))
        )
        if len(stds) != k or len(weights) != k:
            raise ValueError(
                "means, stds and weights need one entry per component: "
                f"got {k}, {len(stds)}, {len(weights)}"
            )
        if any(not (s > 0 and math.isfinite(s)) for s in stds):
            raise ValueError(f"every std must be a positive finite number, got {stds}")
        if any(not math.isfinite(m) for m in means):
            raise ValueError(f"every mean must be finite, got {means}")
        if any(w < 0 or not math.isfinite(w) for w in weights) or sum(weights) <= 0:
            raise ValueError(f"weights must be >= 0 and not all zero, got {weights}")
        total = sum(weights)
        object.__setattr__(self, "means", means)
        object.__setattr__(self, "stds", stds)
        object.__setattr__(self, "weights", tuple(w / total for w in weights))

    def pdf(self, x: ArrayLike) -> np.ndarray:
        """The mixture density at ``x`` (any shape; float64 of the same shape, >= 0)."""
        x = np.asarray(x, dtype=np.float64)
        out = np.zeros_like(x)
        for m, s, w in zip(self.means, self.stds, self.weights):
            out += w * gaussian_pdf(x, m, s)
        return out

    def sample(self, n: int, seed: int | np.random.Generator = 0) -> np.ndarray:
        """``n`` samples, shape (n,), float64. ``seed``: an int or a ``np.random.Generator``
        (pass one generator to draw a stream of batches; the same seed gives the same draws)."""
        if isinstance(n, bool) or int(n) != n or n < 0:
            raise ValueError(f"n must be a non-negative integer, got {n!r}")
        rng = seed if isinstance(seed, np.random.Generator) else np.random.default_rng(seed)
        component = rng.choice(len(self.means), size=int(n), p=np.asarray(self.weights))
        means, stds = np.asarray(self.means)[component], np.asarray(self.stds)[component]
        return means + stds * rng.standard_normal(int(n))

    def mode_shares(self, x: ArrayLike, n_std: float = 3.0) -> np.ndarray:
        """For each component k, the fraction of samples ``x`` within ``n_std`` stds of mean k.

        Shape (K,). A mode is *covered* when its share is a good part of its weight; the
        shares sum to the fraction of "high-quality" samples (those near some mode).
        """
        x = np.asarray(x, dtype=np.float64).ravel()
        if x.size == 0:
            raise ValueError("no samples given")
        return np.array(
            [np.mean(np.abs(x - m) <= n_std * s) for m, s in zip(self.means, self.stds)]
        )


def mixture_pdf(
    x: ArrayLike,
    means: Sequence[float],
    stds: Sequence[float],
    weights: Sequence[float] | None = None,
) -> np.ndarray:
    """Density of the mixture at ``x``; shorthand for ``Mixture1D(means, stds, weights).pdf(x)``."""
    return Mixture1D(tuple(means), tuple(stds), None if weights is None else tuple(weights)).pdf(x)


def sample_mixture(
    n: int,
    means: Sequence[float],
    stds: Sequence[float],
    weights: Sequence[float] | None = None,
    seed: int | np.random.Generator = 0,
) -> np.ndarray:
    """``n`` seeded samples (shape (n,)) of the mixture; see :meth:`Mixture1D.sample`."""
    return Mixture1D(tuple(means), tuple(stds), None if weights is None else tuple(weights)).sample(
        n, seed
    )


#: Named 1D data distributions used by the lessons.
TOY1D: dict[str, Mixture1D] = {
    "two_modes": Mixture1D(means=(-2.0, 2.0), stds=(0.5, 0.5), weights=(0.5, 0.5)),
    "three_modes": Mixture1D(means=(-3.0, 0.0, 3.0), stds=(0.4, 0.4, 0.4), weights=(0.3, 0.4, 0.3)),
    "gaussian": Mixture1D(means=(0.0,), stds=(1.0,)),
}
