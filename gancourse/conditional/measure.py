"""Did the generator paint what was asked, and did InfoGAN's code find the styles?

- :func:`agreement`: per class, the share of images whose predicted class (by a classifier of
  real images) is the class that was requested;
- :func:`per_style_scores`: FD, precision and recall of each requested style against real
  paintings of that style only (the course's features, k-NN manifolds within the style);
- :func:`normalized_mutual_info` and :func:`purity`: how much a code (InfoGAN's categorical
  code) tells about a labelling (the style the classifier sees), 0 for independent ones,
  1 for a relabelling;
- :func:`image_properties` and :func:`code_correlations`: what a continuous code controls,
  as the correlation of the code with simple measurements of the images.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gancourse.metrics.classifier import batched
from gancourse.metrics.features import features, frechet_distance, precision_recall


def _int_labels(x, name: str) -> Tensor:
    t = torch.as_tensor(x)
    if t.dim() != 1 or t.is_floating_point() or t.dtype == torch.bool:
        raise ValueError(
            f"{name} must be a 1-D array of integer labels, got {t.dtype} {tuple(t.shape)}"
        )
    if len(t) and int(t.min()) < 0:
        raise ValueError(f"{name} must be labels >= 0, got {int(t.min())}")
    return t.long().cpu()


def _contingency(a, b) -> Tensor:
    """Counts (A, B): how many items have label i in ``a`` and j in ``b``."""
    a, b = _int_labels(a, "a"), _int_labels(b, "b")
    if len(a) != len(b) or not len(a):
        raise ValueError(f"need two labellings of the same n >= 1 items, got {len(a)} and {len(b)}")
    table = torch.zeros(int(a.max()) + 1, int(b.max()) + 1, dtype=torch.float64)
    table.index_put_((a, b), torch.ones(len(a), dtype=torch.float64), accumulate=True)
    return table


def _entropy(counts: Tensor) -> float:
    p = counts[counts > 0] / counts.sum()
    return float(-(p * p.log()).sum())


def normalized_mutual_info(a, b) -> float:
    """NMI(a, b) = I(a; b) / ((H(a) + H(b)) / 2) of two labellings of the same items (the
    arithmetic-mean normalisation, scikit-learn's default); 1 when both are constant."""
    table = _contingency(a, b)
    n = table.sum()
    h_a, h_b = _entropy(table.sum(1)), _entropy(table.sum(0))
    if h_a == 0.0 and h_b == 0.0:
        return 1.0
    nz = table > 0
    p_ab = table[nz] / n
    outer = (table.sum(1, keepdim=True) * table.sum(0, keepdim=True))[nz] / n**2
    mi = float((p_ab * (p_ab / outer).log()).sum())
    return max(0.0, min(1.0, mi / ((h_a + h_b) / 2)))


def purity(codes, labels) -> float:
    """The share of items whose label is the most common label of their code (1 = each code
    holds one label; 1 / K for K balanced labels spread evenly over the codes)."""
    table = _contingency(codes, labels)
    return float(table.max(1).values.sum() / table.sum())


def agreement(classifier: nn.Module, images: Tensor, requested, n_classes: int) -> list[float]:
    """Per class k, the share of the images requested as k that the classifier calls k."""
    requested = _int_labels(requested, "requested")
    if len(requested) != len(images):
        raise ValueError(f"{len(images)} images but {len(requested)} requested labels")
    pred = batched(classifier, images).argmax(1)
    return [
        float((pred[requested == k] == k).float().mean()) if (requested == k).any() else math.nan
        for k in range(n_classes)
    ]


def per_style_scores(
    classifier: nn.Module,
    images: Tensor,
    requested,
    real: Tensor,
    real_labels,
    *,
    k: int = 3,
) -> list[dict[str, float]]:
    """For each class: FD, precision and recall (k-NN, within the class) of the images
    requested as that class against the real images of that class, in the classifier's
    feature space. Use about as many images per class on both sides."""
    requested, real_labels = (
        _int_labels(requested, "requested"),
        _int_labels(real_labels, "real_labels"),
    )
    f_fake, f_real = features(classifier, images), features(classifier, real)
    rows = []
    for c in range(int(real_labels.max()) + 1):
        a, b = f_real[real_labels == c], f_fake[requested == c]
        precision, recall = precision_recall(a, b, k=k)
        rows.append({"fd": frechet_distance(a, b), "precision": precision, "recall": recall})
    return rows


PROPERTIES = ("brightness", "saturation", "warmth", "detail", "orientation")


def image_properties(images: Tensor) -> dict[str, Tensor]:
    """Simple measurements (N,) of images (N, 3, H, W) in [-1, 1]: mean brightness (mean of
    R, G, B in [0, 1]), saturation (mean of max - min of the channels), warmth (mean red minus
    blue), detail (mean absolute difference between neighbouring pixels) and orientation
    ((|d/dx| - |d/dy|) / (|d/dx| + |d/dy|): +1 for vertical stripes, -1 for horizontal)."""
    x = (images.float() + 1) / 2
    dx = (x[..., :, 1:] - x[..., :, :-1]).abs().mean((1, 2, 3))
    dy = (x[..., 1:, :] - x[..., :-1, :]).abs().mean((1, 2, 3))
    return {
        "brightness": x.mean((1, 2, 3)),
        "saturation": (x.max(1).values - x.min(1).values).mean((1, 2)),
        "warmth": (x[:, 0] - x[:, 2]).mean((1, 2)),
        "detail": (dx + dy) / 2,
        "orientation": (dx - dy) / (dx + dy + 1e-8),
    }


def _pearson(a: Tensor, b: Tensor) -> float:
    a, b = a.double() - a.double().mean(), b.double() - b.double().mean()
    denominator = float(a.norm() * b.norm())
    return float((a * b).sum()) / denominator if denominator > 0 else 0.0


def code_correlations(codes: Tensor, images: Tensor, groups=None) -> dict[str, list[float]]:
    """Pearson correlation of each continuous code (codes (N, M)) with each image property
    (:func:`image_properties`): {property: [r for code 1, ..., r for code M]}. With ``groups``
    (N,) (e.g. the categorical code), correlations are computed within each group and
    averaged, so a property that differs between groups does not count."""
    props = image_properties(images)
    groups = (
        torch.zeros(len(codes), dtype=torch.long)
        if groups is None
        else _int_labels(groups, "groups")
    )
    out: dict[str, list[float]] = {}
    for name, values in props.items():
        out[name] = []
        for j in range(codes.shape[1]):
            rs = [
                _pearson(codes[groups == g, j], values[groups == g])
                for g in groups.unique()
                if (groups == g).sum() > 2
            ]
            out[name].append(sum(rs) / len(rs))
    return out


__all__ = [
    "PROPERTIES",
    "agreement",
    "code_correlations",
    "image_properties",
    "normalized_mutual_info",
    "per_style_scores",
    "purity",
]
