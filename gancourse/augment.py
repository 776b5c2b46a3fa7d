"""Differentiable augmentation for GAN training (DiffAugment, Zhao et al. 2020).

D sees only augmented images, real and fake alike, in *both* the D and the G step, so it
cannot memorise a small training set, while G still learns the un-augmented distribution
(the augmentation is differentiable, so G's gradient passes through it). Each function
maps images (N, C, H, W) to images of the same shape, with its own random draw per image
from ``generator``.

``"color"`` (brightness, saturation, contrast) is included for completeness, but on the
course's art it changes the very colours some styles are made of (Albers' and Rothko's
palettes): the recommended policy is ``"translation,cutout"``. ``"hue"`` (turn every colour
round the colour wheel by one random angle per image) is for the opposite purpose: a
discriminator that should judge composition and not palette (the CycleGAN of lesson 10, whose
translations should keep their input's colours).
"""

from __future__ import annotations

from collections.abc import Callable

import torch
import torch.nn.functional as F
from torch import Tensor


def _uniform(x: Tensor, generator: torch.Generator | None, lo: float, hi: float) -> Tensor:
    u = torch.rand(x.shape[0], 1, 1, 1, device=x.device, dtype=x.dtype, generator=generator)
    return lo + (hi - lo) * u


def color(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Random brightness (+-0.5), saturation (x0-2) and contrast (x0.5-1.5), per image."""
    x = x + _uniform(x, generator, -0.5, 0.5)
    mean_c = x.mean(dim=1, keepdim=True)
    x = mean_c + (x - mean_c) * _uniform(x, generator, 0.0, 2.0)
    mean_all = x.mean(dim=(1, 2, 3), keepdim=True)
    return mean_all + (x - mean_all) * _uniform(x, generator, 0.5, 1.5)


def translation(
    x: Tensor, generator: torch.Generator | None = None, ratio: float = 0.125
) -> Tensor:
    """Shift each image by up to ``ratio`` of its size; uncovered pixels become 0 (grey)."""
    n, _, h, w = x.shape
    sy, sx = int(h * ratio + 0.5), int(w * ratio + 0.5)
    dy = torch.randint(-sy, sy + 1, (n, 1, 1), device=x.device, generator=generator)
    dx = torch.randint(-sx, sx + 1, (n, 1, 1), device=x.device, generator=generator)
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    # read pixel (y - dy, x - dx) of the image padded by one zero pixel on every side
    yy = (ys - dy + 1).clamp(0, h + 1)
    xx = (xs - dx + 1).clamp(0, w + 1)
    padded = F.pad(x, [1, 1, 1, 1]).permute(0, 2, 3, 1)  # (N, H+2, W+2, C)
    batch = torch.arange(n, device=x.device).view(n, 1, 1)
    return padded[batch, yy, xx].permute(0, 3, 1, 2)  # back to (N, C, H, W)


def cutout(x: Tensor, generator: torch.Generator | None = None, ratio: float = 0.5) -> Tensor:
    """Set a square of ``ratio`` times the image size, centred at a random pixel, to 0 (grey)."""
    n, _, h, w = x.shape
    ch, cw = int(h * ratio + 0.5), int(w * ratio + 0.5)
    y0 = torch.randint(0, h, (n, 1, 1), device=x.device, generator=generator) - ch // 2
    x0 = torch.randint(0, w, (n, 1, 1), device=x.device, generator=generator) - cw // 2
    ys = torch.arange(h, device=x.device).view(1, h, 1)
    xs = torch.arange(w, device=x.device).view(1, 1, w)
    inside = (ys >= y0) & (ys < y0 + ch) & (xs >= x0) & (xs < x0 + cw)  # (N, H, W)
    return x * (~inside).unsqueeze(1).to(x.dtype)


def hue(x: Tensor, generator: torch.Generator | None = None) -> Tensor:
    """Turn each image's colours about the grey axis by a random angle (0 to 360 degrees): every
    hue moves round the colour wheel by the same amount, brightness and grey stay put.

    A rotation by angle t about the unit vector k = (1, 1, 1)/sqrt(3) (Rodrigues):
    R = cos t I + sin t [k]x + (1 - cos t) k k^T, applied to the RGB vector of every pixel of
    images in [-1, 1] (whose grey axis passes through 0). A discriminator that sees only
    hue-turned paintings cannot judge the palette (lesson 10: judge the composition, keep the
    colours). Values can leave [-1, 1] slightly; they are not clipped (clipping has no gradient).
    """
    if x.shape[1] != 3:
        raise ValueError(f"hue rotation needs RGB images (N, 3, H, W), got {tuple(x.shape)}")
    t = 2 * torch.pi * _uniform(x, generator, 0.0, 1.0).view(-1, 1, 1)
    c = 3**-0.5
    k = x.new_full((3,), c)
    cross = x.new_tensor([[0.0, -c, c], [c, 0.0, -c], [-c, c, 0.0]])  # [k]x: v -> k x v
    eye = torch.eye(3, device=x.device, dtype=x.dtype)
    R = t.cos() * eye + t.sin() * cross + (1 - t.cos()) * torch.outer(k, k)  # (N, 3, 3)
    return torch.einsum("nij,njhw->nihw", R, x)


POLICIES: dict[str, Callable[..., Tensor]] = {
    "color": color,
    "hue": hue,
    "translation": translation,
    "cutout": cutout,
}


def policy_names(policy: str) -> list[str]:
    """The augmentation names of a comma-separated ``policy``; unknown names raise."""
    names = [p.strip() for p in policy.split(",") if p.strip()]
    for name in names:
        if name not in POLICIES:
            raise ValueError(f"unknown augmentation {name!r}; choose from {sorted(POLICIES)}")
    return names


def diff_augment(
    x: Tensor, policy: str = "translation,cutout", generator: torch.Generator | None = None
) -> Tensor:
    """Apply the comma-separated ``policy`` (names in :data:`POLICIES`) in order."""
    for name in policy_names(policy):
        x = POLICIES[name](x, generator=generator)
    return x


def augmenter(policy: str, generator: torch.Generator | None = None) -> Callable[[Tensor], Tensor]:
    """``x -> diff_augment(x, policy, generator)``, its names checked now."""
    policy_names(policy)
    return lambda x: diff_augment(x, policy, generator)


__all__ = [
    "POLICIES",
    "augmenter",
    "color",
    "cutout",
    "diff_augment",
    "hue",
    "policy_names",
    "translation",
]
