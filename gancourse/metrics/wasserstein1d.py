"""The 1D Wasserstein-1 (earth mover's) distance between two sets of samples (lessons 02, 04).

:math:`W_1(P, Q) = \\int |F_P(t) - F_Q(t)|\\,dt` for the empirical CDFs F (equivalently, the
area between the two quantile functions). For equal-size sets it is the mean absolute
difference of the sorted samples. Same value as ``scipy.stats.wasserstein_distance``.
"""

from __future__ import annotations

import numpy as np
from numpy.typing import ArrayLike

__all__ = ["wasserstein_1d"]


def wasserstein_1d(a: ArrayLike, b: ArrayLike) -> float:
    """W1 distance between samples ``a`` and ``b`` (any shapes, flattened; sizes may differ).

    Returns a float >= 0 in the units of the samples; 0 iff the empirical distributions
    are equal. Raises ``ValueError`` for empty or non-finite inputs.
    """
    a = np.asarray(a, dtype=np.float64).ravel()
    b = np.asarray(b, dtype=np.float64).ravel()
    if a.size == 0 or b.size == 0:
        raise ValueError(f"need samples in both sets, got sizes {a.size} and {b.size}")
    if not (np.all(np.isfinite(a)) and np.all(np.isfinite(b))):
        raise ValueError("samples contain NaN or infinite values")
    a, b = np.sort(a), np.sort(b)
    if a.size == b.size:
        return float(np.mean(np.abs(a - b)))
    t = np.sort(np.concatenate([a, b]))  # breakpoints of both step CDFs
    cdf_a = np.searchsorted(a, t[:-1], side="right") / a.size
    cdf_b = np.searchsorted(b, t[:-1], side="right") / b.size
    return float(np.sum(np.abs(cdf_a - cdf_b) * np.diff(t)))
