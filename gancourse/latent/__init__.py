"""The latent space of a generator: interpolation, norms, directions, arithmetic, neighbours.

Plain functions on tensors; the widgets in :mod:`gancourse.widgets.latent` only call them.
Notation as in lesson 06: latents ``z`` of shape ``(D,)`` or ``(N, D)`` drawn from
N(0, I_D), a generator ``G`` mapping ``(N, D)`` to images ``(N, C, H, W)`` in [-1, 1].

- ``lerp(z0, z1, t) = (1 - t) z0 + t z1``
- ``slerp(z0, z1, t) = sin((1 - t) Omega) / sin(Omega) z0 + sin(t Omega) / sin(Omega) z1``,
  with ``cos(Omega) = <z0, z1> / (|z0| |z1|)``: the great-circle path, which keeps
  ``|z|`` constant when ``|z0| = |z1|``.
- Directions (GANSpace, Haerkoenen et al. 2020): principal components ``V`` of an
  intermediate activation ``y = G_1(z)`` over many samples, carried back to z by least
  squares, ``U = argmin sum_j ||U x_j - z_j||^2`` with ``x_j = V^T (y_j - mean(y))``.
- Style arithmetic: ``z' = z + alpha (mean{z : style(G(z)) = a} - mean{z : style(G(z)) = b})``.
"""

from gancourse.latent.arithmetic import StyleLatents, latent_arithmetic, style_latents
from gancourse.latent.directions import (
    DIRECTION_SPACES,
    Directions,
    direction_sweep,
    edit_latent,
    find_directions,
    intermediate_features,
    pca,
)
from gancourse.latent.neighbours import nearest_neighbours, nearest_training_images, nn_baseline
from gancourse.latent.paths import (
    NormStatistics,
    expected_norm,
    interpolation_path,
    latent_from_seed,
    lerp,
    norm_statistics,
    slerp,
)

__all__ = [
    "DIRECTION_SPACES",
    "Directions",
    "NormStatistics",
    "StyleLatents",
    "direction_sweep",
    "edit_latent",
    "expected_norm",
    "find_directions",
    "intermediate_features",
    "interpolation_path",
    "latent_arithmetic",
    "latent_from_seed",
    "lerp",
    "nearest_neighbours",
    "nearest_training_images",
    "nn_baseline",
    "norm_statistics",
    "pca",
    "slerp",
    "style_latents",
]
