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

from __future__ import annotations

import math
from collections.abc import Callable, Sequence
from dataclasses import dataclass

import numpy as np
import torch
from torch import Tensor, nn

DIRECTION_SPACES = ("features", "image", "z")


# ---------------------------------------------------------------------------------------
# sampling and checks


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


def sample_latents(n: int, z_dim: int, *, seed: int = 0) -> Tensor:
    """n latents (n, z_dim) ~ N(0, I) drawn with ``seed`` (as ``models.sample`` does)."""
    if n < 1 or z_dim < 1:
        raise ValueError(f"n and z_dim must be positive, got n={n}, z_dim={z_dim}")
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def generate(generator: nn.Module, z: Tensor, *, batch_size: int = 256) -> Tensor:
    """G(z) for z (N, D) or (D,) in eval mode, without gradients, on the generator's device.

    Returns images (N, C, H, W) in [-1, 1] on the CPU; the generator's train/eval mode is
    restored afterwards.
    """
    if z.dim() == 1:
        z = z[None]
    try:
        device = next(generator.parameters()).device
    except StopIteration:  # a parameter-free generator
        device = torch.device("cpu")
    was_training = generator.training
    generator.eval()
    try:
        out = [
            generator(z[i : i + batch_size].to(device)).cpu() for i in range(0, len(z), batch_size)
        ]
    finally:
        generator.train(was_training)
    return torch.cat(out)


# ---------------------------------------------------------------------------------------
# interpolation


def lerp(z0: Tensor, z1: Tensor, t: float | Sequence[float] | Tensor) -> Tensor:
    """Linear interpolation ``(1 - t) z0 + t z1``.

    z0, z1: (D,). t: a number (returns (D,)) or a 1-D sequence of T numbers (returns (T, D)).
    """
    _check_latent_pair(z0, z1)
    tt, scalar = _as_t(t)
    a, b = z0.double(), z1.double()
    out = ((1 - tt) * a + tt * b).to(z0.dtype)
    return out[0] if scalar else out


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
    a, b = z0.double(), z1.double()
    na, nb = a.norm(), b.norm()
    if na == 0 or nb == 0:
        raise ValueError("slerp needs non-zero endpoints (the angle to a zero vector is undefined)")
    cos = torch.clamp((a @ b) / (na * nb), -1.0, 1.0)
    omega = torch.arccos(cos)
    if omega < eps:
        out = (1 - tt) * a + tt * b
    elif math.pi - omega < 1e-6:
        raise ValueError("z0 and z1 point in opposite directions: the slerp path is not unique")
    else:
        s = torch.sin(omega)
        out = torch.sin((1 - tt) * omega) / s * a + torch.sin(tt * omega) / s * b
    out = out.to(z0.dtype)
    return out[0] if scalar else out


INTERPOLATIONS: dict[str, Callable[..., Tensor]] = {"lerp": lerp, "slerp": slerp}


def interpolation_path(z0: Tensor, z1: Tensor, steps: int, method: str = "slerp") -> Tensor:
    """``steps`` evenly spaced points (steps, D) from z0 to z1 (both included) by ``method``."""
    if method not in INTERPOLATIONS:
        raise ValueError(f"method must be one of {sorted(INTERPOLATIONS)}, got {method!r}")
    if steps < 2:
        raise ValueError(f"steps must be >= 2 (the two endpoints), got {steps}")
    return INTERPOLATIONS[method](z0, z1, torch.linspace(0.0, 1.0, steps, dtype=torch.float64))


# ---------------------------------------------------------------------------------------
# norms


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


# ---------------------------------------------------------------------------------------
# directions


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


# ---------------------------------------------------------------------------------------
# arithmetic by style


@dataclass(frozen=True)
class StyleLatents:
    """Latents grouped by the style a classifier assigns to their images.

    ``means`` (S, D): mean z per style (NaN rows for styles with no sample), ``counts`` (S,),
    ``labels`` (n,) the predicted style of each sample, ``names`` the style names.
    """

    means: Tensor
    counts: Tensor
    labels: Tensor
    names: tuple[str, ...]

    def index(self, style: str | int) -> int:
        if isinstance(style, str):
            if style not in self.names:
                raise ValueError(f"unknown style {style!r}; expected one of {self.names}")
            return self.names.index(style)
        if not 0 <= int(style) < len(self.names):
            raise ValueError(f"style index must be in [0, {len(self.names)}), got {style}")
        return int(style)

    def direction(self, a: str | int, b: str | int) -> Tensor:
        """mean z of style a minus mean z of style b: (D,)."""
        ia, ib = self.index(a), self.index(b)
        for i in (ia, ib):
            if self.counts[i] == 0:
                raise ValueError(
                    f"no sample was classified as {self.names[i]!r}; "
                    "draw more samples (n) or pick another style"
                )
        return self.means[ia] - self.means[ib]


def _predict(classify: Callable[[Tensor], Tensor], images: Tensor) -> Tensor:
    out = classify(images)
    if not isinstance(out, Tensor):
        out = torch.as_tensor(np.asarray(out))
    if out.dim() == 2:
        return out.argmax(1)
    if out.dim() == 1:
        return out.long()
    raise ValueError(
        f"classify must return labels (N,) or scores (N, S), got shape {tuple(out.shape)}"
    )


@torch.no_grad()
def style_latents(
    generator: nn.Module,
    classify: Callable[[Tensor], Tensor],
    names: Sequence[str],
    *,
    n: int = 1000,
    seed: int = 0,
) -> StyleLatents:
    """Draw n latents with ``seed``, label G(z) with ``classify`` and average z per style.

    ``classify`` maps images (N, C, H, W) in [-1, 1] to scores (N, S) (logits or
    probabilities) or to labels (N,); ``names`` are the S style names.
    """
    z_dim = generator.z_dim
    z = sample_latents(n, z_dim, seed=seed)
    labels = _predict(classify, generate(generator, z))
    s = len(names)
    if labels.numel() and (labels.min() < 0 or labels.max() >= s):
        raise ValueError(f"classify returned labels outside [0, {s}) for {s} style names")
    counts = torch.bincount(labels, minlength=s)
    sums = torch.zeros(s, z_dim).index_add_(0, labels, z)
    means = sums / counts[:, None].clamp_min(1)
    means[counts == 0] = float("nan")
    return StyleLatents(means=means, counts=counts, labels=labels, names=tuple(names))


def latent_arithmetic(
    z: Tensor, styles: StyleLatents, a: str | int, b: str | int, alpha: float = 1.0
) -> Tensor:
    """``z + alpha * (mean_a - mean_b)``: push z from style b towards style a. z: (D,)."""
    return z + alpha * styles.direction(a, b)


# ---------------------------------------------------------------------------------------
# memorisation


def nearest_neighbours(query: Tensor, reference: Tensor, k: int = 5) -> tuple[Tensor, Tensor]:
    """Euclidean k nearest rows of ``reference`` (M, F) for each row of ``query`` (N, F).

    Returns ``(distances (N, k), indices (N, k))``, nearest first.
    """
    if query.dim() != 2 or reference.dim() != 2 or query.shape[1] != reference.shape[1]:
        raise ValueError(
            f"expected query (N, F) and reference (M, F) with the same F, got {tuple(query.shape)} "
            f"and {tuple(reference.shape)}"
        )
    if not 1 <= k <= len(reference):
        raise ValueError(f"k must be in [1, {len(reference)}], got {k}")
    d = torch.cdist(query.double(), reference.double())
    dist, idx = torch.topk(d, k, dim=1, largest=False)
    return dist.float(), idx


def nearest_training_images(
    images: Tensor,
    train_features: Tensor,
    feature_fn: Callable[[Tensor], Tensor],
    k: int = 5,
) -> tuple[Tensor, Tensor]:
    """For images (N, C, H, W), the k training images nearest in feature space.

    ``train_features`` (M, F) = ``feature_fn(train_images)``, computed once; ``feature_fn``
    maps images in [-1, 1] to features (N, F). Returns ``(distances (N, k), indices (N, k))``.
    """
    with torch.no_grad():
        q = feature_fn(images)
    return nearest_neighbours(torch.as_tensor(q), torch.as_tensor(train_features), k)


def nn_baseline(features: Tensor, n: int = 500) -> float:
    """Median distance from each of the first n feature rows to its nearest other row (M, F)."""
    q = features[:n]
    d, _ = nearest_neighbours(q, features, k=min(2, len(features)))
    return float(d[:, -1].median())


__all__ = [
    "DIRECTION_SPACES",
    "Directions",
    "INTERPOLATIONS",
    "NormStatistics",
    "StyleLatents",
    "direction_sweep",
    "edit_latent",
    "expected_norm",
    "find_directions",
    "generate",
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
    "sample_latents",
    "slerp",
    "style_latents",
]
