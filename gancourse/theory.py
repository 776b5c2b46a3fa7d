"""The minimax game of Goodfellow et al. (2014) on a grid of 1D densities (lesson 01).

Everything here works on densities sampled on an evenly spaced grid ``x`` with spacing
``dx``; integrals are Riemann sums ``sum(f(x)) * dx``. Natural logarithms throughout, so
divergences are in nats (``log 2`` is the largest Jensen-Shannon divergence).

Symbols (the lesson's LaTeX uses the same):

- ``p_data``: the data density :math:`p_{data}(x)`, ``p_g``: the generator's :math:`p_g(x)`;
- ``d``: a discriminator given by its values :math:`D(x) \\in [0, 1]` on the grid;
- :math:`V(D, G) = \\int p_{data}(x) \\log D(x) + p_g(x) \\log(1 - D(x))\\,dx`;
- :math:`D^*_G(x) = p_{data}(x) / (p_{data}(x) + p_g(x))` (Prop. 1);
- :math:`C(G) = V(D^*_G, G) = -\\log 4 + 2\\,\\mathrm{JSD}(p_{data} \\| p_g)` (Thm. 1).

The convention :math:`0 \\log 0 = 0` is used, so a discriminator may be 0 or 1 wherever
the density that would multiply ``log 0`` is zero.
"""

from __future__ import annotations

import math

import numpy as np
from numpy.typing import ArrayLike

__all__ = [
    "optimal_discriminator",
    "value_function",
    "generator_criterion",
    "js_divergence",
    "kl_divergence",
]

#: How far (absolutely) the integral of a density may be from 1 before ``js_divergence``
#: refuses it: a grid that cuts off more mass than this is too narrow for the identities.
NORMALISATION_TOL = 1e-2


def _density(name: str, p: ArrayLike) -> np.ndarray:
    """``p`` as a float64 array, checked: numeric, finite, non-negative, not empty."""
    try:
        arr = np.asarray(p, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(f"{name} must be an array of numbers, got {type(p).__name__}") from None
    if arr.size == 0:
        raise ValueError(f"{name} is empty; expected density values on a grid")
    if not np.all(np.isfinite(arr)):
        raise ValueError(f"{name} contains NaN or infinite values; expected finite densities")
    if np.any(arr < 0):
        i = np.unravel_index(np.argmin(arr), arr.shape)
        raise ValueError(
            f"{name} has negative values (min {arr[i]:.3g} at index {tuple(map(int, i))}); "
            "a density is >= 0 everywhere"
        )
    return arr


def _same_shape(**arrays: np.ndarray) -> None:
    shapes = {name: a.shape for name, a in arrays.items()}
    if len(set(shapes.values())) > 1:
        listed = ", ".join(f"{name} {shape}" for name, shape in shapes.items())
        raise ValueError(f"shapes differ: {listed}; all must be sampled on the same grid")


def _spacing(dx: float) -> float:
    if isinstance(dx, bool) or not isinstance(dx, (int, float, np.integer, np.floating)):
        raise TypeError(f"dx must be a positive number (the grid spacing), got {type(dx).__name__}")
    dx = float(dx)
    if not (dx > 0 and math.isfinite(dx)):
        raise ValueError(f"dx must be a positive finite grid spacing, got {dx}")
    return dx


def _x_log_y(x: np.ndarray, y: np.ndarray) -> np.ndarray:
    """Elementwise ``x * log(y)`` with ``0 * log(anything) = 0`` (and ``-inf`` for x > 0, y = 0)."""
    with np.errstate(divide="ignore", invalid="ignore"):
        out = x * np.log(y)
    return np.where(x == 0, 0.0, out)


def optimal_discriminator(p_data: ArrayLike, p_g: ArrayLike) -> np.ndarray:
    """The best discriminator for a fixed generator: ``D*(x) = p_data / (p_data + p_g)``.

    ``p_data``, ``p_g``: densities (any shape, the same for both, values >= 0) on the same
    grid. Returns an array of that shape with values in [0, 1] (strictly inside where both
    densities are > 0). Where both are 0 the value of D does not affect V; 1/2 is returned.
    """
    p_data, p_g = _density("p_data", p_data), _density("p_g", p_g)
    _same_shape(p_data=p_data, p_g=p_g)
    total = p_data + p_g
    with np.errstate(divide="ignore", invalid="ignore"):
        d = np.where(total > 0, p_data / total, 0.5)
    # Where both densities are > 0, D* lies strictly inside (0, 1); far in the tails the
    # division can round to exactly 0 or 1 (e.g. p_g / p_data < 1e-16), and log(1 - D*)
    # would become -inf. Keep the nearest float inside instead: V changes by far less
    # than the rounding error of the integral.
    d = np.where((p_g > 0) & (d == 1.0), np.nextafter(1.0, 0.0), d)
    d = np.where((p_data > 0) & (d == 0.0), np.nextafter(0.0, 1.0), d)
    return d


def value_function(d: ArrayLike, p_data: ArrayLike, p_g: ArrayLike, dx: float) -> float:
    """``V(D, G) = integral of p_data log D + p_g log(1 - D) dx`` for D given on the grid.

    ``d``: discriminator values in [0, 1]; ``p_data``, ``p_g``: densities >= 0, all three of
    the same shape; ``dx`` > 0: the grid spacing. Returns a float <= 0 (``-inf`` when D is 0
    where p_data > 0, or 1 where p_g > 0). Maximised over D by :func:`optimal_discriminator`.
    """
    try:
        d_arr = np.asarray(d, dtype=np.float64)
    except (TypeError, ValueError):
        raise TypeError(
            f"d must be an array of numbers in [0, 1], got {type(d).__name__}"
        ) from None
    if d_arr.size == 0 or not np.all(np.isfinite(d_arr)):
        raise ValueError("d must be a non-empty array of finite discriminator values in [0, 1]")
    if np.any((d_arr < 0) | (d_arr > 1)):
        raise ValueError(
            f"d must lie in [0, 1] (it is a probability), got values in "
            f"[{d_arr.min():.3g}, {d_arr.max():.3g}]; apply a sigmoid to logits first"
        )
    p_data, p_g = _density("p_data", p_data), _density("p_g", p_g)
    _same_shape(d=d_arr, p_data=p_data, p_g=p_g)
    dx = _spacing(dx)
    integrand = _x_log_y(p_data, d_arr) + _x_log_y(p_g, 1.0 - d_arr)
    return float(np.sum(integrand) * dx)


def generator_criterion(p_data: ArrayLike, p_g: ArrayLike, dx: float) -> float:
    """``C(G) = V(D*_G, G)``: the generator's objective once D is optimal (Thm. 1).

    Equals ``-log 4 + 2 * js_divergence(p_data, p_g, dx)`` for normalised densities.
    """
    return value_function(optimal_discriminator(p_data, p_g), p_data, p_g, dx)


def _normalised(name: str, p: np.ndarray, dx: float) -> None:
    mass = float(np.sum(p) * dx)
    if abs(mass - 1.0) > NORMALISATION_TOL:
        raise ValueError(
            f"{name} integrates to {mass:.4g} over the grid, not 1; widen the grid so it "
            f"holds the whole density, or normalise it: {name} / ({name}.sum() * dx)"
        )


def kl_divergence(p: ArrayLike, q: ArrayLike, dx: float) -> float:
    """``KL(p || q) = integral of p log(p / q) dx`` in nats (``inf`` if q = 0 where p > 0).

    ``p``, ``q``: densities of the same shape that integrate to 1 on the grid (within
    ``NORMALISATION_TOL``); ``dx`` > 0. Returns a float >= 0 (up to rounding).
    """
    p, q = _density("p", p), _density("q", q)
    _same_shape(p=p, q=q)
    dx = _spacing(dx)
    _normalised("p", p, dx)
    _normalised("q", q, dx)
    with np.errstate(divide="ignore", invalid="ignore"):
        ratio = np.where(p > 0, p / q, 1.0)
    return float(np.sum(_x_log_y(p, ratio)) * dx)


def js_divergence(p: ArrayLike, q: ArrayLike, dx: float) -> float:
    """Jensen-Shannon divergence ``1/2 KL(p || m) + 1/2 KL(q || m)``, ``m = (p + q) / 2``.

    ``p``, ``q``: densities (values >= 0) of the same shape on a grid of spacing ``dx`` > 0,
    each integrating to 1 within ``NORMALISATION_TOL`` (else ``ValueError``). Natural log:
    the result lies in [0, log 2], is symmetric in p and q, and is 0 iff p = q.
    """
    p, q = _density("p", p), _density("q", q)
    _same_shape(p=p, q=q)
    dx = _spacing(dx)
    _normalised("p", p, dx)
    _normalised("q", q, dx)
    m = 0.5 * (p + q)
    with np.errstate(divide="ignore", invalid="ignore"):
        # m > 0 wherever p > 0 (or q > 0), so these ratios are finite where they are used
        kl_pm = _x_log_y(p, np.where(p > 0, p / m, 1.0))
        kl_qm = _x_log_y(q, np.where(q > 0, q / m, 1.0))
    jsd = 0.5 * float(np.sum(kl_pm) * dx) + 0.5 * float(np.sum(kl_qm) * dx)
    return max(jsd, 0.0)  # clip rounding below zero; JSD >= 0 exactly
