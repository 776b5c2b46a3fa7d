"""Directions in the latent space (GANSpace, Haerkoenen et al. 2020).

Principal components ``V`` of an intermediate activation ``y = G_1(z)`` over many samples,
carried back to z by least squares, ``U = argmin sum_j ||U x_j - z_j||^2`` with
``x_j = V^T (y_j - mean(y))``.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gancourse.models import generate, sample_latents

DIRECTION_SPACES = ("features", "image", "z")


def pca(
    x: Tensor, k: int, *, seed: int = 0, exact: bool | None = None
) -> tuple[Tensor, Tensor, Tensor]:
    """Principal components of the rows of x (N, F).

    Returns ``(components (k, F), explained_variance_ratio (k,), mean (F,))``, components
    orthonormal and ordered by variance; the ratio is each component's share of the total
    variance. The sign of each component is fixed (its largest absolute entry is positive).

    Small problems (``min(N, F) <= 512``, or ``exact=True``) use a full SVD. Larger ones use
    randomised subspace iteration (Halko et al. 2011: k + 10 probe vectors drawn with
    ``seed``, 6 power iterations), which finds the top components of a 2000 x 4096 matrix
    in a fraction of a second instead of tens of seconds; deterministic for a given seed.
    """
    if x.dim() != 2 or len(x) < 2:
        raise ValueError(f"x must have shape (N, F) with N >= 2, got {tuple(x.shape)}")
    if not 1 <= k <= min(x.shape):
        raise ValueError(
            f"k must be in [1, {min(x.shape)}] for x of shape {tuple(x.shape)}, got {k}"
        )
    x = x.double()
    mean = x.mean(0)
    xc = x - mean
    total = (xc**2).sum()
    if exact is None:
        exact = min(x.shape) <= 512
    if exact:
        _, s, vh = torch.linalg.svd(xc, full_matrices=False)
    else:
        g = torch.Generator().manual_seed(seed)
        q = torch.randn(x.shape[1], min(k + 10, min(x.shape)), generator=g, dtype=torch.float64)
        q, _ = torch.linalg.qr(xc @ q)  # (N, l): a basis for the dominant column space
        for _ in range(6):
            q, _ = torch.linalg.qr(xc.T @ q)
            q, _ = torch.linalg.qr(xc @ q)
        _, s, vh = torch.linalg.svd(q.T @ xc, full_matrices=False)  # (l, F): small SVD
    comps = vh[:k]
    idx = comps.abs().argmax(dim=1)
    signs = torch.sign(comps[torch.arange(k), idx])
    comps = comps * signs[:, None]
    return comps.float(), (s[:k] ** 2 / total).float(), mean.float()


@torch.no_grad()
def intermediate_features(
    generator: nn.Module, z: Tensor, layer: int = 3, *, batch_size: int = 256
) -> Tensor:
    """Activations after the first ``layer`` modules of ``generator.net``, flattened: (N, F).

    For the course's DCGAN ``Generator`` the default ``layer=3`` is the output of the first
    block (ConvTranspose, BatchNorm, ReLU): the 4x4 feature map where the layout is decided.
    """
    net = getattr(generator, "net", None)
    if not isinstance(net, nn.Sequential):
        raise TypeError(
            "intermediate features need a generator with an nn.Sequential `.net` taking "
            "(N, z_dim, 1, 1), like gancourse.models.Generator; "
            f"got {type(generator).__name__}. Use space='image' instead."
        )
    if not 1 <= layer < len(net):
        raise ValueError(f"layer must be in [1, {len(net) - 1}] for this generator, got {layer}")
    device = next(generator.parameters()).device
    was_training = generator.training
    generator.eval()
    try:
        feats = [
            net[:layer](z[i : i + batch_size, :, None, None].to(device)).flatten(1).cpu()
            for i in range(0, len(z), batch_size)
        ]
    finally:
        generator.train(was_training)
    return torch.cat(feats)


@dataclass(frozen=True)
class Directions:
    """Unit directions in z found by :func:`find_directions`.

    ``vectors`` (k, D) unit rows, ``explained`` (k,) share of variance of the PCA space
    each component explains, ``space`` where the PCA was done, ``z_std`` (k,) the standard
    deviation of <z, u_k> over the samples (about 1 for unit directions in N(0, I)).
    """

    vectors: Tensor
    explained: Tensor
    space: str
    z_std: Tensor

    def __len__(self) -> int:
        return len(self.vectors)


def find_directions(
    generator: nn.Module,
    k: int = 5,
    *,
    n: int = 2000,
    seed: int = 0,
    space: str = "features",
    layer: int = 3,
) -> Directions:
    """k directions in z along which the generator's output changes most (GANSpace-style).

    Draws n latents with ``seed``, computes ``y = G_1(z)`` (``space="features"``: the
    activations after ``layer`` modules of ``generator.net``; ``space="image"``: the output
    pixels), takes the top-k principal components of y and maps them back to z by least
    squares (see the module docstring). ``space="z"`` does PCA of z itself: its spectrum is
    flat, a useful baseline showing that z alone has no preferred directions.
    Deterministic for a given generator, ``n`` and ``seed``.
    """
    if space not in DIRECTION_SPACES:
        raise ValueError(f"space must be one of {DIRECTION_SPACES}, got {space!r}")
    z_dim = getattr(generator, "z_dim", None)
    if not isinstance(z_dim, int):
        raise TypeError("generator needs an int attribute `z_dim` (the latent size)")
    if n < 2 * max(k, 1):
        raise ValueError(f"n must be at least 2*k = {2 * k} samples, got {n}")
    z = sample_latents(n, z_dim, seed=seed)
    if space == "z":
        comps, explained, _ = pca(z, k, seed=seed)
        u = comps
    else:
        y = (
            intermediate_features(generator, z, layer)
            if space == "features"
            else generate(generator, z).flatten(1)
        )
        comps, explained, mean = pca(y, k, seed=seed)
        x = (y - mean) @ comps.T  # (n, k) PCA coordinates
        # least squares U (D, k): x U^T ~ z
        sol = torch.linalg.lstsq(x.double(), z.double()).solution  # (k, D)
        u = sol.float()
        u = u / u.norm(dim=1, keepdim=True).clamp_min(1e-12)
    z_std = (z @ u.T).std(0)
    return Directions(vectors=u, explained=explained, space=space, z_std=z_std)


def edit_latent(
    z: Tensor, directions: Tensor | Directions, alphas: Sequence[float] | Tensor
) -> Tensor:
    """``z + sum_k alphas[k] * u_k`` for z (D,) and directions (K, D); returns (D,)."""
    u = directions.vectors if isinstance(directions, Directions) else directions
    a = torch.as_tensor(alphas, dtype=u.dtype)
    if z.dim() != 1 or u.dim() != 2 or u.shape[1] != z.shape[0]:
        raise ValueError(
            f"expected z (D,) and directions (K, D), got {tuple(z.shape)} and {tuple(u.shape)}"
        )
    if a.shape != (u.shape[0],):
        raise ValueError(
            f"expected {u.shape[0]} alphas (one per direction), got shape {tuple(a.shape)}"
        )
    return z + a @ u


def direction_sweep(
    generator: nn.Module, z: Tensor, directions: Tensor | Directions, alphas: Sequence[float]
) -> Tensor:
    """Images (K * len(alphas), C, H, W): row k moves z along direction k by each alpha."""
    u = directions.vectors if isinstance(directions, Directions) else directions
    rows = [
        z[None] + torch.as_tensor(alphas, dtype=z.dtype)[:, None] * u[k][None]
        for k in range(len(u))
    ]
    return generate(generator, torch.cat(rows))


__all__ = [
    "DIRECTION_SPACES",
    "Directions",
    "direction_sweep",
    "edit_latent",
    "find_directions",
    "intermediate_features",
    "pca",
]
