"""The widgets of lessons 09 and 10, driven without a browser (tests/test_widgets_ipywidgets7.py
runs the tests named ``widget`` here again under ipywidgets 7.7.1, the version Colab ships)."""

from __future__ import annotations

import pytest
import torch

from gancourse.data.paired import paired_art, square_masks
from gancourse.translate.cyclegan import CycleGANConfig, domain_images
from gancourse.translate.pix2pix import Pix2PixConfig, translate
from gancourse.translate.repair import diffusion_fill

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(scope="module")
def paintings():
    return paired_art("inpaint", 4, seed=5).targets


@pytest.fixture(scope="module")
def unet():
    G, _ = Pix2PixConfig(width=4, max_width=8).models(4, seed=0, gan=False)
    return G.eval()


def test_widget_repair_shows_every_method_and_follows_the_sliders(paintings, unet):
    from gancourse.widgets.repair import RepairExplorer

    w = RepairExplorer(paintings, {"GAN": unet}, side=10, top=3, left=4)
    assert list(w.views) == ["intact", "damaged", "mean fill", "diffusion", "GAN"]
    m = square_masks(32, 3, 4, 10)
    x = paintings[:1]
    assert torch.equal(w.mask(), m)
    assert torch.allclose(w.views["diffusion"], diffusion_fill(x * (1 - m), m), atol=1e-6)
    assert torch.allclose(w.views["GAN"], translate(unet, x * (1 - m), m), atol=1e-6)
    assert set(w.scores) == {"mean fill", "diffusion", "GAN"}
    assert "PSNR in the hole" in w.label.value and "diffusion" in w.label.value
    png = w.image.value
    w.left.value = 10
    assert w.image.value != png and torch.equal(w.mask(), square_masks(32, 3, 10, 10))
    w.painting.value = 2
    assert torch.equal(w.views["intact"], paintings[2:3])


def test_widget_repair_keeps_the_hole_inside_the_painting(paintings, unet):
    from gancourse.widgets.repair import RepairExplorer

    w = RepairExplorer(paintings, {"GAN": unet}, side=8, top=20, left=24)
    w.side.value = 16  # the hole grows: it must move up and left to stay inside
    assert w.top.value == 16 and w.left.value == 16 and w.top.max == 16
    assert w.mask().sum() == 256 and w.views["damaged"].shape == (1, 3, 32, 32)
    w.side.value = 4
    assert w.top.max == 28 and w.top.value == 16
    bundle = w._repr_mimebundle_()
    assert "image/png" in bundle and "PSNR in the hole" in bundle["text/plain"]


def test_widget_cycle_shows_translation_reconstruction_and_ablation():
    from gancourse.widgets.cycle import CycleExplorer, cycle_views

    nets = CycleGANConfig(width=4, n_blocks=1).models(seed=0)
    ablation = CycleGANConfig(width=4, n_blocks=1).models(seed=1)["G_ab"]
    a = domain_images("albers", 3)
    names = []
    w = CycleExplorer(a, nets["G_ab"], nets["G_ba"], ablation,
                      classify=lambda x: names.append(len(x)) or ["albers"] * len(x))  # fmt: skip
    assert list(w.views) == ["input", "A -> B", "A -> B -> A", "A -> B, no cycle"]
    a2b = translate(nets["G_ab"], a[:1])
    assert torch.allclose(w.views["A -> B"], a2b, atol=1e-6)
    assert torch.allclose(w.views["A -> B -> A"], translate(nets["G_ba"], a2b), atol=1e-6)
    assert "palette distance" in w.facts["A -> B"] and "looks like albers" in w.label.value
    png = w.image.value
    w.painting.value = 2
    assert w.image.value != png and torch.equal(w.views["input"], a[2:3]) and names == [4, 4]
    assert list(cycle_views(a, nets["G_ab"], nets["G_ba"])) == ["input", "A -> B", "A -> B -> A"]
    assert "image/png" in w._repr_mimebundle_()
