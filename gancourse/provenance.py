"""Telling generated paintings apart: their frequency spectra, and an invisible watermark.

- :func:`radial_power_spectrum`: the azimuthally averaged power spectrum of images, the
  classic fingerprint of upsampling layers (Durall et al. 2020, Frank et al. 2020: generated
  images carry too much or too little energy at high spatial frequencies).
- :class:`Watermark`: a spread-spectrum watermark (Cox et al. 1997). A secret key seeds a
  pattern w of +-1 per pixel and channel; embedding adds ``strength * w`` (invisible at a few
  hundredths: a PSNR of about 37 dB for 0.03); detection correlates the image's high-pass
  residual r = x - blur(x) with the high-pass pattern, score = <r, w_h> / |w_h|, and says
  "marked" above a threshold calibrated on unmarked images for a chosen false-positive rate.
  Without the key the pattern is noise; with it the score of a marked image rises by about
  ``strength * |w_h|``. :class:`WatermarkedGenerator` wraps a generator so that every
  painting it returns carries the mark.

Both are simple on purpose: lesson 11 measures how far they go (a blur removes this
watermark) and discusses what provenance can and cannot promise.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import torch
from torch import Tensor, nn

from gancourse.metrics.features import blur


def radial_power_spectrum(images: Tensor) -> Tensor:
    """log10 of the mean power |FFT|^2 in rings of integer radius around frequency 0, per image:
    images (N, C, S, S) -> (N, S // 2 + 1) (radius 0 = the mean colour is removed first;
    the channels' spectra are averaged)."""
    if images.dim() != 4 or images.shape[-1] != images.shape[-2]:
        raise ValueError(f"images must have shape (N, C, S, S), got {tuple(images.shape)}")
    x = images.double()
    x = x - x.mean(dim=(2, 3), keepdim=True)
    power = torch.fft.fft2(x).abs().pow(2).mean(1)  # (N, S, S)
    s = images.shape[-1]
    f = torch.fft.fftfreq(s, d=1.0 / s)
    radius = torch.sqrt(f[:, None] ** 2 + f[None, :] ** 2).round().long().clamp(max=s // 2)
    flat = power.flatten(1)
    sums = torch.zeros(len(x), s // 2 + 1, dtype=x.dtype).index_add_(1, radius.flatten(), flat)
    counts = torch.bincount(radius.flatten(), minlength=s // 2 + 1).to(x.dtype)
    return torch.log10(sums / counts + 1e-12).float()


@dataclass
class Watermark:
    """A keyed +-1 pattern of shape (channels, size, size), added with ``strength``."""

    key: int
    strength: float = 0.03
    size: int = 32
    channels: int = 3
    sigma: float = 1.5  # the high-pass of detection: x - blur(x, sigma)
    threshold: float | None = None  # set by :meth:`calibrate`

    @property
    def pattern(self) -> Tensor:
        g = torch.Generator().manual_seed(self.key)
        shape = (self.channels, self.size, self.size)
        return torch.randint(0, 2, shape, generator=g).float() * 2 - 1

    def _check(self, images: Tensor) -> None:
        if images.dim() != 4 or tuple(images.shape[1:]) != (self.channels, self.size, self.size):
            raise ValueError(
                f"expected images of shape (N, {self.channels}, {self.size}, {self.size}), "
                f"got {tuple(images.shape)}"
            )

    def embed(self, images: Tensor) -> Tensor:
        """Images (N, C, S, S) in [-1, 1] with the pattern added (clipped to [-1, 1])."""
        self._check(images)
        mark = self.strength * self.pattern.to(images.device, images.dtype)
        return (images + mark).clamp(-1.0, 1.0)

    def score(self, images: Tensor) -> Tensor:
        """The detection statistic per image (N,): the high-pass residual's projection on the
        high-pass pattern; about 0 for unmarked images, about strength * |w_h| for marked."""
        self._check(images)
        x = images.detach().float().cpu()
        w = self.pattern[None]
        w_h = (w - blur(w, self.sigma)).flatten()
        r = (x - blur(x, self.sigma)).flatten(1)
        return r @ w_h / w_h.norm()

    def calibrate(self, unmarked: Tensor, false_positive_rate: float = 0.01) -> float:
        """Set (and return) the threshold: the 1 - ``false_positive_rate`` quantile of the
        scores of ``unmarked`` images (paintings from the same source, without the mark)."""
        if not 0.0 < false_positive_rate < 1.0:
            raise ValueError(f"false_positive_rate must be in (0, 1), got {false_positive_rate}")
        self.threshold = float(torch.quantile(self.score(unmarked), 1.0 - false_positive_rate))
        return self.threshold

    def detect(self, images: Tensor) -> Tensor:
        """True where an image carries the mark (bool (N,)); :meth:`calibrate` first."""
        if self.threshold is None:
            raise RuntimeError("calibrate the watermark on unmarked images first (.calibrate)")
        return self.score(images) > self.threshold


def psnr(a: Tensor, b: Tensor) -> float:
    """Peak signal-to-noise ratio in dB of two image sets in [-1, 1] (peak-to-peak 2)."""
    mse = float((a.float() - b.float()).pow(2).mean())
    return math.inf if mse == 0 else 10.0 * math.log10(4.0 / mse)


class WatermarkedGenerator(nn.Module):
    """``G(z)`` with ``watermark`` embedded in every painting; ``z_dim`` is G's."""

    def __init__(self, generator: nn.Module, watermark: Watermark):
        super().__init__()
        self.generator, self.watermark = generator, watermark
        self.z_dim = generator.z_dim

    def forward(self, z: Tensor) -> Tensor:
        return self.watermark.embed(self.generator(z))


__all__ = [
    "Watermark",
    "WatermarkedGenerator",
    "psnr",
    "radial_power_spectrum",
]
