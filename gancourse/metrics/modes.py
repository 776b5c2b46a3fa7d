"""Mode coverage on mixtures of Gaussians: the protocol of VEEGAN and PacGAN.

For samples x_i (N, 2) and mixture means mu_k (K, 2) with one std sigma:

- x_i is **high quality** when ``min_k ||x_i - mu_k|| <= 3 sigma``;
- a mode k is **captured** when it is the nearest mean of at least one high-quality sample;
- the **reverse KL** is KL(q || u) = sum_k q_k log(q_k K), where q is the histogram of the
  high-quality samples over their nearest modes and u the uniform distribution over K
  modes (0 when every mode holds the same share; log K when all fall in one mode).

A perfect sampler of a 2D Gaussian lands within 3 sigma with probability
1 - exp(-9/2) ~ 0.989 (the squared radius over sigma^2 is chi-square with 2 degrees of
freedom), so 98.9% high-quality samples is the ceiling, not 100%.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

PERFECT_HQ = 1.0 - math.exp(-4.5)
"""High-quality fraction of a perfect sampler in 2D with a 3-std radius: 1 - e^-4.5 ~ 0.9889."""


@dataclass(frozen=True)
class ModeCoverage:
    """Result of :func:`mode_coverage`.

    ``modes``: number of captured modes (0..K); ``n_modes``: K; ``hq``: fraction of
    high-quality samples in [0, 1]; ``reverse_kl``: KL(q || uniform) in [0, log K] (``inf``
    when there is no high-quality sample); ``counts``: high-quality samples per mode (K,).
    """

    modes: int
    n_modes: int
    hq: float
    reverse_kl: float
    counts: np.ndarray

    def as_dict(self) -> dict:
        return {
            "modes": self.modes,
            "n_modes": self.n_modes,
            "hq": self.hq,
            "reverse_kl": self.reverse_kl,
        }

    def __str__(self) -> str:
        return (
            f"{self.modes}/{self.n_modes} modes, {100 * self.hq:.1f}% high quality, "
            f"reverse KL {self.reverse_kl:.3f}"
        )


def _as_points(name: str, a) -> np.ndarray:
    try:
        import torch

        if isinstance(a, torch.Tensor):
            a = a.detach().to("cpu", torch.float64).numpy()
    except ImportError:  # pragma: no cover
        pass
    try:
        arr = np.asarray(a, dtype=np.float64)
    except (TypeError, ValueError) as err:
        raise TypeError(
            f"{name} must be an array of numbers of shape (N, 2), got {type(a).__name__}"
        ) from err
    if arr.ndim != 2 or arr.shape[1] != 2 or arr.shape[0] == 0:
        raise ValueError(f"{name} must have shape (N, 2) with N >= 1, got {arr.shape}")
    if not np.all(np.isfinite(arr)):
        bad = int((~np.isfinite(arr)).any(axis=1).sum())
        raise ValueError(
            f"{name} contains NaN or infinite values ({bad} rows); a diverged generator?"
        )
    return arr


def mode_coverage(samples, means, std: float, *, radius: float = 3.0) -> ModeCoverage:
    """Score ``samples`` (N, 2) against mixture ``means`` (K, 2) with component ``std`` > 0.

    ``radius`` is the high-quality threshold in units of ``std`` (3, as in the papers).
    The papers use N = 2,500 samples. Accepts NumPy arrays or torch tensors.
    Raises ``ValueError`` for a wrong shape, NaN/inf values or a non-positive std.
    """
    x = _as_points("samples", samples)
    mu = _as_points("means", means)
    if (
        isinstance(std, bool)
        or not isinstance(std, (int, float, np.floating, np.integer))
        or not std > 0
    ):
        raise ValueError(f"std must be a positive number, got {std!r}")
    if not radius > 0:
        raise ValueError(f"radius must be > 0, got {radius!r}")
    d2 = ((x[:, None, :] - mu[None, :, :]) ** 2).sum(-1)  # (N, K) squared distances
    nearest = d2.argmin(axis=1)
    dist = np.sqrt(d2[np.arange(len(x)), nearest])
    hq = dist <= radius * float(std)
    k = mu.shape[0]
    counts = np.bincount(nearest[hq], minlength=k)
    n_hq = int(hq.sum())
    if n_hq == 0:
        reverse_kl = math.inf
    else:
        q = counts / n_hq
        nz = q > 0
        reverse_kl = float(np.sum(q[nz] * np.log(q[nz] * k)))
    return ModeCoverage(int((counts > 0).sum()), k, n_hq / len(x), reverse_kl, counts)
