"""Lesson 11's provenance tools: spectra and the keyed watermark, measured on art."""

from __future__ import annotations

import math

import pytest
import torch

from gancourse.data import load_images
from gancourse.metrics import blur
from gancourse.provenance import Watermark, WatermarkedGenerator, psnr, radial_power_spectrum


def test_radial_spectrum_finds_a_stripe_frequency():
    s, f = 32, 5
    x = torch.arange(s, dtype=torch.float64)
    stripes = torch.cos(2 * math.pi * f * x / s)[None, :].expand(s, s)  # 5 periods across
    images = stripes[None, None].expand(2, 3, s, s).float()
    spectrum = radial_power_spectrum(images)
    assert spectrum.shape == (2, s // 2 + 1)
    assert int(spectrum[0].argmax()) == f
    flat = radial_power_spectrum(torch.ones(1, 3, s, s))  # the mean is removed: no power left
    assert flat.max() < -10
    with pytest.raises(ValueError, match=r"\(N, C, S, S\)"):
        radial_power_spectrum(torch.zeros(3, 8, 8))


@pytest.fixture(scope="module")
def paintings():
    images, _ = load_images("art", size=32, n=1200, seed=3)
    return images[:600], images[600:]


def test_watermark_is_invisible_detected_and_keyed(paintings):
    calib, test = paintings
    mark = Watermark(key=11, strength=0.03)
    marked = mark.embed(test)
    assert psnr(marked, test) > 35  # a few hundredths of the range: invisible
    mark.calibrate(calib, false_positive_rate=0.01)
    assert mark.detect(marked).float().mean() >= 0.95
    assert mark.detect(test).float().mean() <= 0.03  # fresh unmarked paintings
    other = Watermark(key=12, strength=0.03)
    other.calibrate(calib)
    assert other.detect(marked).float().mean() <= 0.05  # the wrong key finds nothing
    # a blur removes most of this high-frequency mark (what the lesson measures)
    assert mark.detect(blur(marked, 1.0)).float().mean() < 0.5
    with pytest.raises(RuntimeError, match="calibrate"):
        Watermark(key=1).detect(test)
    with pytest.raises(ValueError, match=r"\(N, 3, 32, 32\)"):
        mark.embed(torch.zeros(2, 3, 16, 16))


def test_watermarked_generator_marks_every_painting():
    from gancourse.models import Generator, sample_latents

    torch.manual_seed(0)
    G = Generator(z_dim=8, width=4, image_size=32, channels=3).eval()
    mark = Watermark(key=5, strength=0.05)
    WG = WatermarkedGenerator(G, mark)
    z = sample_latents(4, 8, seed=0)
    with torch.no_grad():
        assert torch.equal(WG(z), mark.embed(G(z)))
    assert WG.z_dim == 8
    assert psnr(torch.zeros(2, 3), torch.zeros(2, 3)) == math.inf
