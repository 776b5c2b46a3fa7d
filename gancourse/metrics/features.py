"""Judging generated images with numbers: feature-space distances between image sets.

All measures work in the penultimate features of a classifier trained on *real* images
(:mod:`gancourse.metrics.classifier`), the course's small stand-in for Inception features:

- :func:`frechet_distance` (FD): fit a Gaussian N(mu, Sigma) to each set of features,
  FD = |mu_r - mu_g|^2 + tr(Sigma_r + Sigma_g - 2 (Sigma_r Sigma_g)^{1/2})  (Heusel et al. 2017).
  0 for identical statistics; lower is better. It depends on the number of images, so
  compare numbers computed on equally many images.
- :func:`precision_recall` (Kynkäänniemi et al. 2019): precision = share of generated
  images inside the real manifold (the union of balls around each real feature reaching
  its k-th nearest real neighbour), i.e. *fidelity*; recall = share of real images inside
  the generated manifold, i.e. *diversity*. Both in [0, 1], higher is better.
- :func:`style_histogram`: how the classifier labels the generated images; a generator
  that covers every style gives a flat histogram (mode coverage over styles).

:func:`evaluate` returns all of them at once; :func:`baselines` gives the same numbers for
a second real set (real-vs-real: the best to expect), uniform noise and blurred real
images (trivial: the numbers a useless generator gets), so a result has a scale.
"""

from __future__ import annotations

import math
from dataclasses import asdict, dataclass, field

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gancourse.metrics.classifier import (  # noqa: F401  (re-exported)
    ClassifierResult,
    StyleClassifier,
    accuracy,
    batched,
    fit_classifier,
    predict,
    train_classifier,
)

_D = torch.float64


def _as_2d(feats, name: str) -> Tensor:
    x = torch.as_tensor(np.asarray(feats) if not isinstance(feats, Tensor) else feats)
    x = x.detach().to("cpu", _D)
    if x.dim() != 2 or len(x) < 2:
        raise ValueError(f"{name} must have shape (N, D) with N >= 2, got {tuple(x.shape)}")
    if not torch.isfinite(x).all():
        raise ValueError(f"{name} contains NaN or infinite values")
    return x


def features(model: nn.Module, images: Tensor, batch_size: int = 500) -> Tensor:
    """Penultimate features (N, D) float32 of images (N, C, S, S) in [-1, 1].

    ``model`` is a :class:`~gancourse.metrics.classifier.StyleClassifier` (any module with a
    ``features`` method). Runs in eval mode without gradients, batch by batch.
    """
    if not hasattr(model, "features"):
        raise TypeError(f"model must have a .features(x) method, got {type(model).__name__}")
    return batched(model, images, batch_size, features=True)


def _sqrt_psd(a: Tensor) -> Tensor:
    """Symmetric square root of a symmetric positive semi-definite matrix (eigh, clipped)."""
    w, v = torch.linalg.eigh((a + a.T) / 2)
    return (v * w.clamp(min=0).sqrt()) @ v.T


def frechet_distance(feats_a, feats_b) -> float:
    """Fréchet distance between Gaussians fitted to two feature sets (N_a, D) and (N_b, D).

    tr((Sigma_a Sigma_b)^{1/2}) is computed as tr((Sigma_a^{1/2} Sigma_b Sigma_a^{1/2})^{1/2}),
    the same number (similar matrices) but of a symmetric PSD matrix, so ``eigh`` gives it
    stably in float64 even for rank-deficient covariances (N < D). When both sets have fewer
    rows than D (raw pixels: D = 3,072) the same trace is the sum of the singular values of
    A B^T (N_a, N_b), with Sigma_a = A^T A, Sigma_b = B^T B: exact, and much cheaper than two
    D x D eigendecompositions. Returns a float >= 0.
    """
    a, b = _as_2d(feats_a, "feats_a"), _as_2d(feats_b, "feats_b")
    if a.shape[1] != b.shape[1]:
        raise ValueError(f"feature sizes differ: {a.shape[1]} vs {b.shape[1]}")
    mu_a, mu_b = a.mean(0), b.mean(0)
    if max(len(a), len(b)) < a.shape[1]:  # low rank: work with the centred rows themselves
        ca, cb = (a - mu_a) / math.sqrt(len(a) - 1), (b - mu_b) / math.sqrt(len(b) - 1)
        tr_a, tr_b = ca.pow(2).sum(), cb.pow(2).sum()
        tr_sqrt = torch.linalg.svdvals(ca @ cb.T).sum()
    else:
        sigma_a, sigma_b = (
            torch.cov(a.T).reshape(a.shape[1], -1),
            torch.cov(b.T).reshape(b.shape[1], -1),
        )
        root_a = _sqrt_psd(sigma_a)
        m = root_a @ sigma_b @ root_a
        tr_sqrt = torch.linalg.eigvalsh((m + m.T) / 2).clamp(min=0).sqrt().sum()
        tr_a, tr_b = sigma_a.trace(), sigma_b.trace()
    fd = (mu_a - mu_b).pow(2).sum() + tr_a + tr_b - 2 * tr_sqrt
    return max(0.0, float(fd))


def _kth_nn_radius(x: Tensor, k: int, block: int = 2048) -> Tensor:
    """Distance from each row of x to its k-th nearest other row (N,)."""
    out = []
    for i in range(0, len(x), block):
        d = torch.cdist(x[i : i + block], x)
        # the k+1-th smallest distance: the smallest is the point itself (0)
        out.append(d.kthvalue(k + 1, dim=1).values)
    return torch.cat(out)


def _inside(queries: Tensor, centres: Tensor, radii: Tensor, block: int = 2048) -> Tensor:
    """For each query: is it within radii[j] of some centres[j]? (bool (M,))"""
    out = []
    for i in range(0, len(queries), block):
        d = torch.cdist(queries[i : i + block], centres)
        out.append((d <= radii[None, :]).any(1))
    return torch.cat(out)


def precision_recall(real_feats, fake_feats, k: int = 3) -> tuple[float, float]:
    """Improved precision and recall (Kynkäänniemi et al. 2019) of fake vs real features.

    Each set's manifold is the union of balls around its points with radius = distance to
    the point's k-th nearest neighbour in the same set. precision = share of fake points
    inside the real manifold; recall = share of real points inside the fake manifold.
    Returns ``(precision, recall)``, each in [0, 1]. Needs more than ``k`` points per set.
    """
    real, fake = _as_2d(real_feats, "real_feats"), _as_2d(fake_feats, "fake_feats")
    if real.shape[1] != fake.shape[1]:
        raise ValueError(f"feature sizes differ: {real.shape[1]} vs {fake.shape[1]}")
    if not isinstance(k, int) or k < 1 or k >= min(len(real), len(fake)):
        raise ValueError(f"k must be an int in [1, {min(len(real), len(fake)) - 1}], got {k!r}")
    real, fake = real.float(), fake.float()  # cdist is much faster in float32
    precision = _inside(fake, real, _kth_nn_radius(real, k)).float().mean()
    recall = _inside(real, fake, _kth_nn_radius(fake, k)).float().mean()
    return float(precision), float(recall)


@dataclass
class StyleHistogram:
    """How a classifier labels a set of images.

    counts: images per class; fractions: counts / N; covered: classes holding at least
    ``min_share`` of their fair share 1/K (default a quarter); entropy: normalised entropy
    of ``fractions`` in [0, 1] (1 = perfectly even over all K classes).
    """

    counts: list[int]
    fractions: list[float]
    covered: int
    n_classes: int
    entropy: float
    names: list[str] = field(default_factory=list)

    def __str__(self) -> str:
        names = self.names or [str(i) for i in range(self.n_classes)]
        parts = ", ".join(f"{n} {f:.0%}" for n, f in zip(names, self.fractions))
        return f"{self.covered}/{self.n_classes} covered (entropy {self.entropy:.2f}): {parts}"


def _histogram(pred: Tensor, n_classes: int, names=None, min_share: float = 0.25) -> StyleHistogram:
    counts = torch.bincount(pred, minlength=n_classes)[:n_classes].double()
    frac = counts / max(1.0, float(counts.sum()))
    nz = frac[frac > 0]
    entropy = float(-(nz * nz.log()).sum() / math.log(n_classes)) if n_classes > 1 else 1.0
    entropy = min(1.0, max(0.0, entropy))  # no "-0.00" from rounding
    covered = int((frac >= min_share / n_classes).sum())
    return StyleHistogram(
        [int(c) for c in counts],
        [float(f) for f in frac],
        covered,
        n_classes,
        entropy,
        list(names) if names is not None else [],
    )


def style_histogram(
    classifier: nn.Module, images: Tensor, names=None, min_share: float = 0.25
) -> StyleHistogram:
    """Predicted-class histogram of ``images`` (N, C, S, S) in [-1, 1]: mode coverage.

    ``names``: optional class names (e.g. ``ART_STYLES``) for printing; ``min_share``: a
    class counts as covered when it gets at least ``min_share / K`` of the images.
    """
    logits = batched(classifier, images)
    return _histogram(logits.argmax(1), logits.shape[1], names, min_share)


@dataclass
class ImageMetrics:
    """All numbers of :func:`evaluate` for one set of images against real ones.

    fd: Fréchet distance (lower is better); precision, recall: k-NN manifold measures
    (higher is better); covered / n_classes and entropy: style coverage; confidence:
    mean top softmax probability of the classifier (how clearly each image shows a style);
    n: images per set.
    """

    fd: float
    precision: float
    recall: float
    covered: int
    n_classes: int
    entropy: float
    confidence: float
    n: int
    histogram: StyleHistogram

    def as_dict(self) -> dict:
        d = asdict(self)
        d["histogram"] = self.histogram.fractions
        return d

    def row(self, label: str = "") -> str:
        """One line of :func:`format_table`."""
        return (
            f"{label:<22} {self.fd:>9.2f} {self.precision:>9.3f} {self.recall:>7.3f} "
            f"{self.covered:>4}/{self.n_classes:<3} {self.entropy:>7.2f} {self.confidence:>10.3f}"
        )


def format_table(results: dict[str, ImageMetrics]) -> str:
    """A plain-text table, one row per named result (e.g. the model and the baselines)."""
    head = (
        f"{'images':<22} {'FD':>9} {'precision':>9} {'recall':>7} {'styles':>8} "
        f"{'entropy':>7} {'confidence':>10}"
    )
    return "\n".join([head] + [m.row(name) for name, m in results.items()])


def evaluate(
    classifier: nn.Module,
    fake_images: Tensor,
    real_images: Tensor,
    *,
    k: int = 3,
    names=None,
    real_feats: Tensor | None = None,
) -> ImageMetrics:
    """FD, precision, recall (k-NN), style coverage and confidence of ``fake_images`` vs
    ``real_images``, both (N, C, S, S) in [-1, 1] (use equally many; FD depends on N).

    ``real_feats``: the real images' features if already computed (skips that pass).
    """
    if fake_images.shape[1:] != real_images.shape[1:]:
        raise ValueError(
            f"image shapes differ: fake {tuple(fake_images.shape[1:])} vs "
            f"real {tuple(real_images.shape[1:])}"
        )
    f_real = features(classifier, real_images) if real_feats is None else real_feats
    f_fake = features(classifier, fake_images)
    logits = batched(classifier, fake_images)
    hist = _histogram(logits.argmax(1), logits.shape[1], names)
    precision, recall = precision_recall(f_real, f_fake, k=k)
    return ImageMetrics(
        fd=frechet_distance(f_real, f_fake),
        precision=precision,
        recall=recall,
        covered=hist.covered,
        n_classes=hist.n_classes,
        entropy=hist.entropy,
        confidence=float(logits.softmax(1).max(1).values.mean()),
        n=len(fake_images),
        histogram=hist,
    )


def blur(images: Tensor, sigma: float = 1.5) -> Tensor:
    """Gaussian blur (std ``sigma`` pixels, per channel, reflect padding) of (N, C, H, W)."""
    radius = max(1, int(math.ceil(3 * sigma)))
    t = torch.arange(-radius, radius + 1, dtype=torch.float32)
    g = torch.exp(-(t**2) / (2 * sigma**2))
    g = (g / g.sum()).to(images.dtype)
    c = images.shape[1]
    x = F.pad(images, (radius, radius, radius, radius), mode="reflect")
    x = F.conv2d(x, g.view(1, 1, 1, -1).expand(c, 1, 1, -1), groups=c)
    return F.conv2d(x, g.view(1, 1, -1, 1).expand(c, 1, -1, 1), groups=c)


def noise_images(n: int, shape: tuple[int, int, int], seed: int = 0) -> Tensor:
    """``n`` images of uniform noise in [-1, 1], shape (n, *shape)."""
    g = torch.Generator().manual_seed(seed)
    return torch.rand((n, *shape), generator=g) * 2 - 1


def baselines(
    classifier: nn.Module,
    real_images: Tensor,
    other_real_images: Tensor,
    *,
    k: int = 3,
    names=None,
    sigma: float = 1.5,
    seed: int = 0,
) -> dict[str, ImageMetrics]:
    """The reference rows for :func:`evaluate`, each against ``real_images``:

    - ``"real vs real"``: ``other_real_images`` (a disjoint real set of the same size):
      the best a generator can hope for at this N;
    - ``"blurred real"``: those images blurred (Gaussian, ``sigma`` pixels);
    - ``"uniform noise"``: noise of the same shape.
    """
    f_real = features(classifier, real_images)
    n = len(other_real_images)
    rows = {
        "real vs real": other_real_images,
        "blurred real": blur(other_real_images, sigma),
        "uniform noise": noise_images(n, tuple(real_images.shape[1:]), seed),
    }
    return {
        name: evaluate(classifier, x, real_images, k=k, names=names, real_feats=f_real)
        for name, x in rows.items()
    }


def real_sets(
    name: str = "art", size: int = 32, n: int = 2000, seed: int = 0
) -> tuple[Tensor, Tensor]:
    """Two disjoint sets of ``n`` real images each (the reference and the real-vs-real
    baseline), loaded with ``seed + 104729`` so they differ from the images a GAN trained on
    ``load_images(name, seed=seed)`` draws for ``"art"``. For ``"digits"`` (1,797 images)
    ``n`` is at most 898. :func:`real_labelled_sets` gives their labels too."""
    (real, _), (other, _) = real_labelled_sets(name, size, n, seed)
    return real, other


def real_labelled_sets(
    name: str = "art", size: int = 32, n: int = 2000, seed: int = 0
) -> tuple[tuple[Tensor, Tensor], tuple[Tensor, Tensor]]:
    """The two sets of :func:`real_sets`, each as (images, labels)."""
    from gancourse.data.images import load_images

    images, labels = load_images(name, size=size, n=2 * n, seed=seed + 104729)
    return (images[:n], labels[:n]), (images[n:], labels[n:])
