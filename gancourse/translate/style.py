"""Neural style transfer (Gatys et al. 2016) with the course's own feature network (lesson 10).

No download: the features are those of a :class:`~gancourse.metrics.classifier.StyleClassifier`
trained on the generated art (the course's measuring classifier, or a wider one). Its three
conv blocks give feature maps at 1/2, 1/4 and 1/8 of the image size.

- *Content* of an image: its feature map at one (deep) layer; two images with the same map
  show the same things in the same places.
- *Style*: the Gram matrix of each layer's feature map, ``G[c, d] = sum_p F[c, p] F[d, p] /
  (C H W)``: which features occur together, wherever they are; textures and palettes, not
  layout.

:func:`style_transfer` optimises the *pixels* of one image (no generator, no GAN) to have the
content of one painting and the style of another; every new pair is a new optimisation.
"""

from __future__ import annotations

import time
from dataclasses import dataclass, field

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gancourse.train.steps import frozen


def feature_maps(model: nn.Module, x: Tensor, layers: tuple[int, ...] = (0, 1, 2)) -> list[Tensor]:
    """The activations after the ReLU of each conv block in ``layers`` (0 = the first) of a
    :class:`~gancourse.metrics.classifier.StyleClassifier` for images ``x`` (N, C, S, S)."""
    relus = [m for m in model.body if isinstance(m, nn.ReLU)]
    if not layers or max(layers) >= len(relus) or min(layers) < 0:
        raise ValueError(f"layers must be indices 0..{len(relus) - 1}, got {layers}")
    out, h = {}, x
    for module in model.body:
        h = module(h)
        if isinstance(module, nn.ReLU):
            k = relus.index(module)
            if k in layers:
                out[k] = h
            if k == max(layers):
                break
    return [out[k] for k in layers]


def gram_matrix(features: Tensor) -> Tensor:
    """Gram matrices (N, C, C) of feature maps (N, C, H, W): F F^T / (C H W), F = (C, H W)."""
    if features.dim() != 4:
        raise ValueError(f"expected feature maps (N, C, H, W), got {tuple(features.shape)}")
    n, c, h, w = features.shape
    f = features.reshape(n, c, h * w)
    return f @ f.transpose(1, 2) / (c * h * w)


def style_loss(features: list[Tensor], style_features: list[Tensor]) -> Tensor:
    """Sum over layers of the mean squared difference between the Gram matrices of
    ``features`` and of ``style_features`` (lists of (N, C_l, H_l, W_l), one per layer)."""
    if len(features) != len(style_features):
        raise ValueError(f"{len(features)} layers of features but {len(style_features)} of style")
    return sum(
        F.mse_loss(gram_matrix(f), gram_matrix(s).expand(len(f), -1, -1))
        for f, s in zip(features, style_features)
    )


def total_variation(x: Tensor) -> Tensor:
    """Mean squared difference of neighbouring pixels: small for smooth images, large for
    noise (the regulariser that keeps the optimised pixels from turning to static)."""
    return (x[..., 1:, :] - x[..., :-1, :]).pow(2).mean() + (x[..., 1:] - x[..., :-1]).pow(2).mean()


@dataclass
class StyleTransferResult:
    """The optimised images (N, C, S, S) in [-1, 1], the loss curves and the time it took."""

    images: Tensor
    content_loss: list[float] = field(default_factory=list)
    style_loss: list[float] = field(default_factory=list)
    seconds: float = 0.0


def style_transfer(
    model: nn.Module,
    content: Tensor,
    style: Tensor,
    *,
    content_layer: int = 2,
    style_layers: tuple[int, ...] = (0, 1, 2),
    style_weight: float = 1e3,
    tv_weight: float = 0.0,
    steps: int = 300,
    lr: float = 0.05,
    start: str = "content",
    seed: int = 0,
) -> StyleTransferResult:
    """Images with the content of ``content`` and the style of ``style`` (both (N, C, S, S)
    in [-1, 1], or one style image for all), found by optimising the pixels.

    Loss: ``mse(features at content_layer, the content's) + style_weight * style_loss`` over
    ``style_layers``. The pixels are ``tanh(u)`` (always in [-1, 1]); ``u`` starts from the
    content image (``start="content"``) or from noise drawn with ``seed`` (``"noise"``) and
    takes ``steps`` Adam steps of size ``lr``. ``model`` is only read (eval mode, frozen).
    """
    if content.dim() != 4 or style.dim() != 4 or content.shape[1:] != style.shape[1:]:
        raise ValueError(
            f"content {tuple(content.shape)} and style {tuple(style.shape)} must be image "
            "batches (N, C, S, S) of the same C and S"
        )
    if start not in ("content", "noise"):
        raise ValueError(f"start must be 'content' or 'noise', got {start!r}")
    was_training = model.training
    model.eval()
    layers = tuple(sorted({content_layer, *style_layers}))  # one pass computes them all
    t0 = time.perf_counter()
    try:
        with torch.no_grad():
            target_content = feature_maps(model, content, (content_layer,))[0]
            target_style = feature_maps(model, style, style_layers)
        if start == "content":
            u0 = torch.atanh(content.clamp(-0.999, 0.999))
        else:
            u0 = 0.5 * torch.randn(content.shape, generator=torch.Generator().manual_seed(seed))
        u = u0.clone().requires_grad_(True)
        opt = torch.optim.Adam([u], lr=lr)
        result = StyleTransferResult(content)
        with frozen(model):  # only the pixels learn
            for _ in range(steps):
                x = torch.tanh(u)
                by_layer = dict(zip(layers, feature_maps(model, x, layers)))
                c_loss = F.mse_loss(by_layer[content_layer], target_content)
                s_loss = style_loss([by_layer[k] for k in style_layers], target_style)
                opt.zero_grad(set_to_none=True)
                (c_loss + style_weight * s_loss + tv_weight * total_variation(x)).backward()
                opt.step()
                result.content_loss.append(float(c_loss.detach()))
                result.style_loss.append(float(s_loss.detach()))
    finally:
        model.train(was_training)
    result.images = torch.tanh(u.detach())
    result.seconds = time.perf_counter() - t0
    return result


__all__ = [
    "StyleTransferResult",
    "feature_maps",
    "gram_matrix",
    "style_loss",
    "style_transfer",
]
