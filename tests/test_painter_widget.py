"""Lesson 08's style painter widget: every control changes what it says, and the picture is
the generator's (run under ipywidgets 8 here and 7.7.1 by tests/test_widgets_ipywidgets7.py)."""

from __future__ import annotations

import base64
import io

import numpy as np
import pytest
import torch
from PIL import Image as PILImage

from gancourse.conditional import ConditionalBatchNorm2d, ConditionalGenerator, paint
from gancourse.seeding import seeded
from gancourse.widgets.latent import images_to_png

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def G():
    with seeded(0):
        g = ConditionalGenerator(z_dim=8, n_classes=6, width=4, image_size=8)
        with torch.no_grad():  # styles that differ, as after training
            for m in g.modules():
                if isinstance(m, ConditionalBatchNorm2d):
                    m.weight.normal_(1.0, 1.0)
                    m.bias.normal_(0.0, 1.0)
    return g.eval()


def _png(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def test_widget_painter_shows_the_requested_style(G):
    from gancourse.widgets import StylePainter

    w = StylePainter(G, style="rothko", seed=3, n=4, scale=2)
    expected = images_to_png(paint(G, "rothko", 4, seed=3), scale=2, nrow=4)
    assert w.image.value == expected
    assert _png(w.image.value).shape[1] > 3 * _png(w.image.value).shape[0]  # a row of 4
    assert w.describe() == "rothko · truncation ψ = 1.00 · seed 3"


def test_widget_painter_every_control_changes_the_picture(G):
    from gancourse.widgets import StylePainter

    w = StylePainter(G, style="albers", mix_with="rothko", seed=1, n=3)
    seen = {w.image.value}
    for control, value in ((w.style, "riley"), (w.mix, 0.5), (w.psi, 0.3), (w.seed, 7)):
        control.value = value
        assert w.image.value not in seen, control.description
        seen.add(w.image.value)
    assert "50% riley + 50% rothko" in w.label.value and "ψ = 0.30" in w.label.value
    w.mix.value = 1.0  # all the way: the second style alone
    assert w.image.value == images_to_png(paint(G, "rothko", 3, seed=7, psi=0.3), scale=3, nrow=3)
    centres = torch.randn(6, 2, G.z_dim, generator=torch.Generator().manual_seed(0)) * 3
    anchored = StylePainter(G, style="riley", psi=0.3, seed=7, n=3, centres=centres)
    expected = paint(G, "riley", 3, seed=7, psi=0.3, centres=centres)
    assert anchored.image.value == images_to_png(expected, scale=3, nrow=3)
    assert anchored.image.value != images_to_png(
        paint(G, "riley", 3, seed=7, psi=0.3), scale=3, nrow=3
    )


def test_widget_painter_randomise_and_fallback(G):
    from gancourse.widgets import StylePainter

    w = StylePainter(G, seed=0, n=2, rng_seed=5)
    first = w.image.value
    w.randomise_button.click()
    assert w.seed.value != 0 and w.image.value != first
    bundle = w._repr_mimebundle_()
    assert base64.b64decode(bundle["image/png"]) == w.image.value
    assert "application/vnd.jupyter.widget-view+json" in bundle
    assert bundle["text/plain"] == w.describe()
