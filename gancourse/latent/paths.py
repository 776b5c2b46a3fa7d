"""Paths through the latent space: lerp, slerp, and the norms of Gaussian latents.

- ``lerp(z0, z1, t) = (1 - t) z0 + t z1``
- ``slerp(z0, z1, t) = sin((1 - t) Omega) / sin(Omega) z0 + sin(t Omega) / sin(Omega) z1``,
  with ``cos(Omega) = <z0, z1> / (|z0| |z1|)``: the great-circle path, which keeps
  ``|z|`` constant when ``|z0| = |z1|``.
"""

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor

from gancourse.models import sample_latents


def _check_latent_pair(z0: Tensor, z1: Tensor) -> None:
    for name, z in (("z0", z0), ("z1", z1)):
        if not isinstance(z, Tensor):
            raise TypeError(f"{name} must be a torch.Tensor of shape (D,), got {type(z).__name__}")
    if z0.dim() != 1 or z0.shape != z1.shape:
        raise ValueError(
            f"z0 and z1 must both have shape (D,), got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )


def _as_t(t: float | Sequence[float] | Tensor) -> tuple[Tensor, bool]:
    """t as a float64 column (T, 1) and whether it was a scalar."""
    tt = torch.as_tensor(t, dtype=torch.float64)
    scalar = tt.dim() == 0
    if tt.dim() > 1:
        raise ValueError(
            f"t must be a number or a 1-D sequence of numbers, got shape {tuple(tt.shape)}"
        )
    return tt.reshape(-1, 1), scalar


def latent_from_seed(seed: int, z_dim: int) -> Tensor:
    """The latent z (z_dim,) ~ N(0, I) for ``seed``: the same z that
    ``gancourse.models.sample(G, 1, seed=seed)`` draws, so seeds name images.
    """
    if not isinstance(seed, (int, np.integer)) or isinstance(seed, bool) or seed < 0:
        raise ValueError(f"seed must be a non-negative int, got {seed!r}")
    g = torch.Generator().manual_seed(int(seed))
    return torch.randn(1, z_dim, generator=g)[0]


def lerp(z0: Tensor, z1: Tensor, t: float | Sequence[float] | Tensor) -> Tensor:
    """Linear interpolation ``(1 - t) z0 + t z1``.

    z0, z1: (D,). t: a number (returns (D,)) or a 1-D sequence of T numbers (returns (T, D)).
    """
    _check_latent_pair(z0, z1)
    tt, scalar = _as_t(t)
    a, b = z0.double(), z1.double()
    out = ((1 - tt) * a + tt * b).to(z0.dtype)
    return out[0] if scalar else out


def _great_circle(a: Tensor, b: Tensor, tt: Tensor, eps: float) -> Tensor:
    """The slerp formula on rows: a, b (M, D) non-zero, tt broadcastable against (M, 1) ->
    the points at tt along each great circle from a to b. Rows whose endpoints are nearly
    parallel (angle below ``eps``) take lerp, which is then the same path; exactly opposite
    endpoints have no unique great circle and raise ValueError."""
    na, nb = a.norm(dim=1, keepdim=True), b.norm(dim=1, keepdim=True)
    if (na == 0).any() or (nb == 0).any():
        raise ValueError("slerp needs non-zero endpoints (the angle to a zero vector is undefined)")
    omega = torch.arccos(torch.clamp((a * b).sum(1, keepdim=True) / (na * nb), -1.0, 1.0))
    if (math.pi - omega < 1e-6).any():
        raise ValueError("z0 and z1 point in opposite directions: the slerp path is not unique")
    s = torch.sin(omega)
    arc = torch.sin((1 - tt) * omega) / s * a + torch.sin(tt * omega) / s * b
    return torch.where(omega < eps, (1 - tt) * a + tt * b, arc)


def slerp(
    z0: Tensor, z1: Tensor, t: float | Sequence[float] | Tensor, *, eps: float = 1e-7
) -> Tensor:
    """Spherical linear interpolation along the great circle from z0 to z1.

    z0, z1: (D,), non-zero. t: a number (returns (D,)) or a 1-D sequence (returns (T, D)).
    slerp(z0, z1, 0) = z0, slerp(z0, z1, 1) = z1; when |z0| = |z1| every point has that
    same norm. Nearly parallel endpoints (angle below ~1e-7 rad) fall back to lerp, which
    is then the same path; exactly opposite endpoints have no unique great circle and
    raise ValueError.
    """
    _check_latent_pair(z0, z1)
    tt, scalar = _as_t(t)
    out = _great_circle(z0.double()[None], z1.double()[None], tt, eps).to(z0.dtype)
    return out[0] if scalar else out


def slerp_rows(z0: Tensor, z1: Tensor, t: float, *, eps: float = 1e-7) -> Tensor:
    """:func:`slerp` for N pairs at once: row i of z0, z1 (N, D) -> the point at ``t`` on
    the great circle from z0[i] to z1[i] (N, D)."""
    if z0.dim() != 2 or z0.shape != z1.shape:
        raise ValueError(
            f"z0 and z1 must both have shape (N, D), got {tuple(z0.shape)} and {tuple(z1.shape)}"
        )
    tt = torch.tensor(float(t), dtype=torch.float64)
    return _great_circle(z0.double(), z1.double(), tt, eps).to(z0.dtype)


INTERPOLATIONS: dict[str, Callable[..., Tensor]] = {"lerp": lerp, "slerp": slerp}


def interpolation_path(z0: Tensor, z1: Tensor, steps: int, method: str = "slerp") -> Tensor:
    """``steps`` evenly spaced points (steps, D) from z0 to z1 (both included) by ``method``."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {sorted(INTERPOLATIONS)}, got {method!r}")
    if steps < 2:
        raise ValueError(f"steps must be >= 2 (the two endpoints), got {steps}")
    return INTERPOLATIONS[method](z0, z1, torch.linspace(0.0, 1.0, steps, dtype=torch.float64))


def expected_norm(z_dim: int) -> float:
    """E|z| for z ~ N(0, I_D): sqrt(2) Gamma((D+1)/2) / Gamma(D/2), about sqrt(D - 1/2)."""
    return math.sqrt(2.0) * math.exp(math.lgamma((z_dim + 1) / 2) - math.lgamma(z_dim / 2))


@dataclass(frozen=True)
class NormStatistics:
    """Measured norms of Gaussian latents and of interpolation midpoints.

    See :func:`norm_statistics`.
    """

    z_dim: int
    norms: np.ndarray  # (n,) |z| of samples z ~ N(0, I)
    lerp_mid_norms: np.ndarray  # (n,) |lerp(z0, z1, 0.5)| for independent pairs
    slerp_mid_norms: np.ndarray  # (n,) |slerp(z0, z1, 0.5)| for the same pairs
    expected: float  # E|z| = expected_norm(z_dim)

    @property
    def relative_spread(self) -> float:
        """std(|z|) / mean(|z|): shrinks like 1 / sqrt(2 D) (norm concentration)."""
        return float(self.norms.std() / self.norms.mean())


def norm_statistics(z_dim: int, n: int = 2000, *, seed: int = 0) -> NormStatistics:
    """Norms of n latents z ~ N(0, I_{z_dim}) and of the midpoints of n independent pairs.

    For large D, |z| concentrates near sqrt(D) (relative spread ~ 1/sqrt(2D)), and the lerp
    midpoint (z0 + z1)/2 has norm near sqrt(D/2): a point the generator almost never saw
    during training. The slerp midpoint keeps the norm of its endpoints.
    """
    if z_dim < 1 or n < 1:
        raise ValueError(f"z_dim and n must be positive, got z_dim={z_dim}, n={n}")
    z = sample_latents(3 * n, z_dim, seed=seed).double()
    z, z0, z1 = z[:n], z[n : 2 * n], z[2 * n :]
    lerp_mid = 0.5 * (z0 + z1)
    cos = ((z0 * z1).sum(1) / (z0.norm(dim=1) * z1.norm(dim=1))).clamp(-1, 1)
    omega = torch.arccos(cos)
    w = torch.sin(0.5 * omega) / torch.sin(omega)
    slerp_mid = w[:, None] * (z0 + z1)
    return NormStatistics(
        z_dim=z_dim,
        norms=z.norm(dim=1).numpy(),
        lerp_mid_norms=lerp_mid.norm(dim=1).numpy(),
        slerp_mid_norms=slerp_mid.norm(dim=1).numpy(),
        expected=expected_norm(z_dim),
    )


__all__ = [
    "NormStatistics",
    "expected_norm",
    "interpolation_path",
    "latent_from_seed",
    "lerp",
    "norm_statistics",
    "slerp",
    "slerp_rows",
]
