"""Toy 2D distributions for lesson 03: the grid of 25 and ring of 8 Gaussians, and a spiral.

The constants follow the mode-collapse protocol of VEEGAN (Srivastava et al. 2017) and
PacGAN (Lin et al. 2018):

- ``grid25``: 25 Gaussians, means on {-4, -2, 0, 2, 4}^2, standard deviation 0.05;
- ``ring8``: 8 Gaussians, means on the circle of radius 1, standard deviation 0.01.

Every sampler returns a float32 tensor of shape (n, 2) and is deterministic given
``seed=`` (an int) or ``generator=`` (a ``torch.Generator``), never global state.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor

GRID25_STD = 0.05
RING8_STD = 0.01
RING8_RADIUS = 1.0


@dataclass(frozen=True)
class Mixture2D:
    """An equal-weight mixture of isotropic 2D Gaussians: ``means`` (K, 2), one ``std``."""

    name: str
    means: Tensor
    std: float

    def sample(
        self, n: int, *, seed: int | None = None, generator: torch.Generator | None = None
    ) -> Tensor:
        """n points (n, 2): a uniformly drawn component plus N(0, std^2 I) noise."""
        return sample_mixture_2d(self.means, self.std, n, seed=seed, generator=generator)


def grid25_means() -> Tensor:
    """The 25 means (25, 2) on {-4, -2, 0, 2, 4}^2, row-major (x outer, y inner)."""
    ticks = torch.arange(-4.0, 4.01, 2.0)
    gx, gy = torch.meshgrid(ticks, ticks, indexing="ij")
    return torch.stack([gx.flatten(), gy.flatten()], dim=1)


def ring8_means(radius: float = RING8_RADIUS) -> Tensor:
    """The 8 means (8, 2) at angles 2 pi k / 8 on a circle of ``radius``."""
    angles = torch.arange(8, dtype=torch.float64) * (2 * math.pi / 8)
    return (radius * torch.stack([torch.cos(angles), torch.sin(angles)], dim=1)).float()


def _generator(seed: int | None, generator: torch.Generator | None) -> torch.Generator:
    if seed is not None and generator is not None:
        raise ValueError("pass either seed= or generator=, not both")
    if generator is not None:
        if not isinstance(generator, torch.Generator):
            raise TypeError(f"generator must be a torch.Generator, got {type(generator).__name__}")
        return generator
    if seed is None:
        raise ValueError(
            "pass seed= (an int) or generator= (a torch.Generator) so sampling is repeatable"
        )
    return torch.Generator().manual_seed(int(seed))


def _check_n(n: int) -> int:
    if isinstance(n, bool) or not isinstance(n, int) or n < 1:
        raise ValueError(f"n must be a positive int, got {n!r}")
    return n


def sample_mixture_2d(
    means: Tensor,
    std: float,
    n: int,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
) -> Tensor:
    """n samples (n, 2) from the equal-weight mixture of N(mean_k, std^2 I), ``means`` (K, 2)."""
    _check_n(n)
    means = torch.as_tensor(means, dtype=torch.float32)
    if means.dim() != 2 or means.shape[1] != 2:
        raise ValueError(f"means must have shape (K, 2), got {tuple(means.shape)}")
    if not std > 0:
        raise ValueError(f"std must be > 0, got {std}")
    g = _generator(seed, generator)
    k = torch.randint(0, means.shape[0], (n,), generator=g)
    return means[k] + std * torch.randn(n, 2, generator=g)


def grid25(n: int, *, seed: int | None = None, generator: torch.Generator | None = None) -> Tensor:
    """n points (n, 2) from the grid of 25 Gaussians (std 0.05); values within about [-4.3, 4.3]."""
    return TOY2D["grid25"].sample(n, seed=seed, generator=generator)  # means built once


def ring8(n: int, *, seed: int | None = None, generator: torch.Generator | None = None) -> Tensor:
    """n points (n, 2) from the ring of 8 Gaussians (radius 1, std 0.01)."""
    return TOY2D["ring8"].sample(n, seed=seed, generator=generator)


def spiral(
    n: int,
    *,
    seed: int | None = None,
    generator: torch.Generator | None = None,
    turns: float = 1.5,
    noise: float = 0.05,
) -> Tensor:
    """n points (n, 2) on an Archimedean spiral r = theta / pi (``turns`` turns), plus noise.

    Points lie within about radius ``2 * turns``; there are no discrete modes (a
    continuous manifold for fun), so :func:`mode_coverage` does not apply to it.
    """
    _check_n(n)
    g = _generator(seed, generator)
    theta = torch.sqrt(torch.rand(n, generator=g)) * (
        2 * math.pi * turns
    )  # uniform along arc length-ish
    r = theta / math.pi
    x = torch.stack([r * torch.cos(theta), r * torch.sin(theta)], dim=1)
    return x + noise * torch.randn(n, 2, generator=g)


TOY2D: dict[str, Mixture2D] = {
    "grid25": Mixture2D("grid25", grid25_means(), GRID25_STD),
    "ring8": Mixture2D("ring8", ring8_means(), RING8_STD),
}
"""The two mixtures of the papers' protocol, by name."""

SAMPLERS = {"grid25": grid25, "ring8": ring8, "spiral": spiral}
"""Every toy 2D sampler by name: ``SAMPLERS[name](n, seed=...)`` -> (n, 2)."""


def toy2d_sampler(name: str):
    """The sampler called ``name`` (one of :data:`SAMPLERS`); unknown names raise ``ValueError``."""
    try:
        return SAMPLERS[name]
    except KeyError:
        raise ValueError(
            f"unknown toy 2D data {name!r}; choose one of {sorted(SAMPLERS)}"
        ) from None
