"""Numbers for translated and repaired images (lessons 09 and 10), all on images in [-1, 1].

- :func:`psnr`, :func:`mean_abs_error`: how close each output is to its target (in the hole
  only, given a mask). PSNR = 10 log10(peak^2 / MSE) with peak 2, the width of [-1, 1] (the
  same number as on [0, 1] with peak 1), capped at :data:`PSNR_MAX`.
- :func:`masked_l1`: the differentiable L1 over the missing pixels that an inpainting network
  is trained with.
- :func:`gradient_energy`: the mean squared image gradient, a sharpness number; blurry or
  washed-out outputs have less of it than their targets.
- :func:`colour_histograms`, :func:`histogram_distance`: which colours an image uses, and how
  far two images' palettes are apart (lesson 10's "content kept" number).
"""

from __future__ import annotations

import math

import torch
from torch import Tensor

from gancourse.data.paired import check_pair

PEAK = 2.0  # the width of [-1, 1]
PSNR_MAX = 20 * math.log10(255)
"""48.13 dB, the PSNR of an image one 8-bit grey level off in every pixel (:func:`psnr`'s cap)."""


def _mask_or_ones(outputs: Tensor, targets: Tensor, masks: Tensor | None) -> Tensor:
    check_pair(outputs, targets, masks)
    if outputs.shape != targets.shape:
        raise ValueError(
            f"outputs {tuple(outputs.shape)} and targets {tuple(targets.shape)} must match"
        )
    if masks is None:
        return torch.ones_like(outputs[:, :1])
    return masks.to(outputs.dtype)


def _per_image_mean(err: Tensor, m: Tensor) -> Tensor:
    """Mean of ``err`` (N, C, H, W) over the pixels where ``m`` (N, 1, H, W) is 1, per image."""
    count = m.sum((1, 2, 3)) * err.shape[1]
    if (count == 0).any():
        raise ValueError("a mask with no missing pixel: nothing to measure in the hole")
    return (err * m).sum((1, 2, 3)) / count


def mean_abs_error(outputs: Tensor, targets: Tensor, masks: Tensor | None = None) -> Tensor:
    """Mean absolute error per image (N,), over every pixel or only where ``masks`` is 1."""
    m = _mask_or_ones(outputs, targets, masks)
    return _per_image_mean((outputs - targets).abs(), m)


def psnr(outputs: Tensor, targets: Tensor, masks: Tensor | None = None) -> Tensor:
    """Peak signal-to-noise ratio per image (N,) in dB, over every pixel or only in the masks.

    Images in [-1, 1] (peak-to-peak 2). Higher is better; +6 dB halves the RMS error.
    Capped at :data:`PSNR_MAX` (48.13 dB, one grey level of an 8-bit image off everywhere):
    closer than that is the same picture once saved, and an exact output has an infinite PSNR,
    so without a cap a mean over images would be decided by its few exact ones (a diffusion
    fill of a hole in a flat field is exact) and by how the infinity is cut off.
    """
    m = _mask_or_ones(outputs, targets, masks)
    mse = _per_image_mean((outputs - targets).pow(2), m)
    return (10 * torch.log10(PEAK**2 / mse)).clamp(max=PSNR_MAX)


def masked_l1(outputs: Tensor, targets: Tensor, masks: Tensor) -> Tensor:
    """Mean |outputs - targets| over the missing pixels (mask 1) of the whole batch, every
    channel: a 0-d tensor, differentiable, the reconstruction loss of a hole-filling network."""
    m = _mask_or_ones(outputs, targets, masks)
    count = m.sum() * outputs.shape[1]
    if count == 0:
        raise ValueError("the masks mark no missing pixel")
    return ((outputs - targets).abs() * m).sum() / count


def gradient_energy(images: Tensor) -> Tensor:
    """Mean squared gradient per image (N,): forward differences along x and y, all channels.

    Sharp edges and strong contrast give a lot of it; a blurred or washed-out version of the
    same painting less. Compare outputs with their targets: ``energy(outputs) /
    energy(targets)`` is 1 for outputs exactly as sharp, below 1 for blurrier ones.
    """
    if images.dim() != 4:
        raise ValueError(f"expected images (N, C, H, W), got {tuple(images.shape)}")
    dx = images[..., :, 1:] - images[..., :, :-1]
    dy = images[..., 1:, :] - images[..., :-1, :]
    return dx.pow(2).mean((1, 2, 3)) + dy.pow(2).mean((1, 2, 3))


def colour_histograms(images: Tensor, bins: int = 4) -> Tensor:
    """Each image's colour histogram (N, bins**3): the share of its pixels in each RGB cell
    when every channel's range [-1, 1] is cut into ``bins`` equal intervals."""
    if images.dim() != 4 or images.shape[1] != 3:
        raise ValueError(f"expected colour images (N, 3, H, W), got {tuple(images.shape)}")
    q = ((images.clamp(-1, 1) + 1) / 2 * bins).long().clamp(max=bins - 1)  # (N, 3, H, W)
    cell = (q[:, 0] * bins + q[:, 1]) * bins + q[:, 2]  # (N, H, W)
    hist = torch.zeros(len(images), bins**3, dtype=torch.float32, device=images.device)
    hist.scatter_add_(1, cell.flatten(1), torch.ones_like(cell.flatten(1), dtype=torch.float32))
    return hist / cell[0].numel()


def histogram_distance(a: Tensor, b: Tensor, bins: int = 4) -> Tensor:
    """Total-variation distance (N,) between the colour histograms of ``a[i]`` and ``b[i]``:
    the share of pixels whose colour would have to change, 0 (same palette) to 1 (disjoint)."""
    if a.shape != b.shape:
        raise ValueError(f"a {tuple(a.shape)} and b {tuple(b.shape)} must have the same shape")
    return 0.5 * (colour_histograms(a, bins) - colour_histograms(b, bins)).abs().sum(1)


__all__ = [
    "PEAK",
    "PSNR_MAX",
    "colour_histograms",
    "gradient_energy",
    "histogram_distance",
    "masked_l1",
    "mean_abs_error",
    "psnr",
]
