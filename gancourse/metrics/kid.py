"""Kernel Inception Distance (Binkowski et al. 2018) and density / coverage (Naeem et al. 2020).

Both compare two sets of features (N, D), like FD and precision / recall
(:mod:`gancourse.metrics.features`), but see other things:

- **KID** is the squared maximum mean discrepancy with the cubic polynomial kernel
  k(x, y) = (x . y / D + 1)^3, estimated *without bias* on subsets of equal size m:

      MMD^2 = 1/(m(m-1)) sum_{i != j} k(x_i, x_j) + 1/(m(m-1)) sum_{i != j} k(y_i, y_j)
              - 2/m^2 sum_{i, j} k(x_i, y_j).

  Unlike FD it has no bias at small N (its expectation is the true value, 0 for equal
  distributions, so it can come out slightly negative), and its spread over subsets says
  how sure the number is.
- **density** counts, for each fake point, how many real k-NN balls contain it (divided by
  k): about 1 for a fake set like the real one, above 1 where fakes crowd real dense regions.
  **coverage** is the share of real points whose k-NN ball holds at least one fake point:
  unlike recall it is measured around real points, so a few outlying fakes cannot inflate it.
"""

from __future__ import annotations

import torch
from torch import Tensor

from gancourse.metrics.features import _as_2d, _kth_nn_radius

_GRAM_LIMIT = 4_000_000  # kernel entries per matrix computed once for all subsets (32 MB)


def _pair(feats_a, feats_b, names: tuple[str, str]) -> tuple[Tensor, Tensor]:
    a, b = _as_2d(feats_a, names[0]), _as_2d(feats_b, names[1])
    if a.shape[1] != b.shape[1]:
        raise ValueError(
            f"feature sizes differ: {names[0]} has {a.shape[1]}, {names[1]} has {b.shape[1]}"
        )
    return a, b


def polynomial_kernel(x: Tensor, y: Tensor) -> Tensor:
    """k(x_i, y_j) = (x_i . y_j / D + 1)^3 for rows of x (N, D) and y (M, D): (N, M)."""
    return (x @ y.T / x.shape[1] + 1.0) ** 3


def _mmd2_from_kernels(k_xx: Tensor, k_yy: Tensor, k_xy: Tensor) -> float:
    m, n = len(k_xx), len(k_yy)
    xx = (k_xx.sum() - k_xx.diagonal().sum()) / (m * (m - 1))
    yy = (k_yy.sum() - k_yy.diagonal().sum()) / (n * (n - 1))
    return float(xx + yy - 2.0 * k_xy.mean())


def mmd2_unbiased(x: Tensor, y: Tensor) -> float:
    """The unbiased estimate of MMD^2 between samples x (m, D) and y (n, D), m, n >= 2, with
    :func:`polynomial_kernel`: the within-set means leave out the diagonal (i = j)."""
    x, y = _pair(x, y, ("x", "y"))
    return _mmd2_from_kernels(
        polynomial_kernel(x, x), polynomial_kernel(y, y), polynomial_kernel(x, y)
    )


def kid(
    feats_a, feats_b, *, n_subsets: int = 50, subset_size: int = 1000, seed: int = 0
) -> tuple[float, float]:
    """KID between two feature sets (N_a, D) and (N_b, D): ``(mean, std)`` of the unbiased
    MMD^2 over ``n_subsets`` random subsets of ``subset_size`` rows of each set (drawn without
    replacement within a subset, with ``seed``; the size is capped at the smaller set).

    The std is the spread of the subset estimates (Binkowski et al. report it); for small
    sets the kernel matrices are computed once and every subset indexes into them."""
    a, b = _pair(feats_a, feats_b, ("feats_a", "feats_b"))
    if n_subsets < 1 or subset_size < 2:
        raise ValueError(
            f"need n_subsets >= 1 and subset_size >= 2, got {n_subsets}, {subset_size}"
        )
    m = min(subset_size, len(a), len(b))
    gen = torch.Generator().manual_seed(seed)
    whole = max(len(a), len(b)) ** 2 <= _GRAM_LIMIT
    if whole:  # each subset's sums are w^T K w with w the 0/1 indicator of its rows
        k_aa, k_bb, k_ab = polynomial_kernel(a, a), polynomial_kernel(b, b), polynomial_kernel(a, b)
        d_aa, d_bb = k_aa.diagonal(), k_bb.diagonal()
    values = []
    for _ in range(n_subsets):
        i = torch.randperm(len(a), generator=gen)[:m]
        j = torch.randperm(len(b), generator=gen)[:m]
        if not whole:
            values.append(mmd2_unbiased(a[i], b[j]))
            continue
        wa, wb = torch.zeros(len(a), dtype=a.dtype), torch.zeros(len(b), dtype=b.dtype)
        wa[i], wb[j] = 1.0, 1.0
        xx = (wa @ k_aa @ wa - wa @ d_aa) / (m * (m - 1))
        yy = (wb @ k_bb @ wb - wb @ d_bb) / (m * (m - 1))
        values.append(float(xx + yy - 2.0 * (wa @ k_ab @ wb) / m**2))
    v = torch.tensor(values, dtype=torch.float64)
    std = float(v.std(unbiased=True)) if n_subsets > 1 else 0.0
    return float(v.mean()), std


def density_coverage(real_feats, fake_feats, k: int = 5) -> tuple[float, float]:
    """Density and coverage (Naeem et al. 2020) of fake vs real features, k-NN balls around
    the real points (radius: distance to the k-th nearest other real point).

    density = 1/(k M) sum_j #{i : fake_j in ball_i};  coverage = 1/N #{i : some fake in ball_i}.
    Returns ``(density, coverage)``; coverage is in [0, 1], density in [0, N/k].
    """
    real, fake = _pair(real_feats, fake_feats, ("real_feats", "fake_feats"))
    if not isinstance(k, int) or not 1 <= k < len(real):
        raise ValueError(f"k must be an int in [1, {len(real) - 1}], got {k!r}")
    radii = _kth_nn_radius(real, k)  # (N,)
    members, covered = 0, torch.zeros(len(real), dtype=torch.bool)
    for s in range(0, len(fake), 2048):  # fake j in ball i, a block of fakes at a time
        inside = torch.cdist(fake[s : s + 2048], real) <= radii[None, :]
        members += int(inside.sum())
        covered |= inside.any(0)
    return members / (k * len(fake)), float(covered.double().mean())


__all__ = ["density_coverage", "kid", "mmd2_unbiased", "polynomial_kernel"]
