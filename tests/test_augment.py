"""DiffAugment: same policy on real and fake, differentiable, seeded, shapes kept."""

from __future__ import annotations

import pytest
import torch

from gancourse.augment import (
    augmenter,
    color,
    cutout,
    diff_augment,
    hue,
    policy_names,
    translation,
)


def _images(n=8, seed=0):
    return torch.rand(n, 3, 16, 16, generator=torch.Generator().manual_seed(seed)) * 2 - 1


@pytest.mark.parametrize("fn", [translation, cutout, color, hue])
def test_each_augmentation_keeps_shape_is_seeded_and_differentiable(fn):
    x = _images().requires_grad_(True)
    a = fn(x, generator=torch.Generator().manual_seed(1))
    b = fn(x, generator=torch.Generator().manual_seed(1))
    assert a.shape == x.shape and torch.equal(a, b)
    assert not torch.equal(a, x)  # it changed something
    a.sum().backward()  # G's gradient passes through the augmentation
    assert x.grad is not None and x.grad.abs().sum() > 0


def test_translation_moves_content_and_fills_with_grey():
    x = torch.zeros(1, 1, 8, 8)
    x[0, 0, 3, 3] = 1.0
    for seed in range(20):
        y = translation(x, generator=torch.Generator().manual_seed(seed), ratio=0.25)
        assert y.sum() in (0.0, 1.0)  # the pixel moved by at most 2 (or left the image)
        if y.sum() == 1.0:
            ((iy, ix),) = torch.nonzero(y[0, 0]).tolist()
            assert abs(iy - 3) <= 2 and abs(ix - 3) <= 2


def test_cutout_zeroes_a_square_of_the_stated_size():
    x = torch.ones(16, 1, 16, 16)
    y = cutout(x, generator=torch.Generator().manual_seed(0), ratio=0.5)
    zeros = (y == 0).flatten(1).sum(1)
    assert (zeros <= 64).all() and (zeros > 0).all()  # 8x8 at most (less at the borders)


def test_hue_turns_colours_about_the_grey_axis():
    x = _images(16)
    y = hue(x, generator=torch.Generator().manual_seed(3))
    # a rotation about (1, 1, 1): each pixel keeps its grey level (the channel mean) and its
    # length; greys do not move; colours do
    torch.testing.assert_close(y.mean(1), x.mean(1), atol=1e-6, rtol=0)
    torch.testing.assert_close(y.norm(dim=1), x.norm(dim=1), atol=1e-5, rtol=0)
    grey = torch.linspace(-1, 1, 16).view(16, 1, 1, 1).expand(16, 3, 4, 4)
    torch.testing.assert_close(hue(grey, torch.Generator().manual_seed(0)), grey, atol=1e-6, rtol=0)
    assert (y - x).abs().mean() > 0.1
    # one angle per image, the same for every pixel: pure red and pure green in one image
    # turn by the same amount, so their angle about the grey axis is kept (120 degrees)
    rg = torch.tensor([[1.0, -1.0, -1.0], [-1.0, 1.0, -1.0]]).T.reshape(1, 3, 1, 2)
    rg = rg.repeat(8, 1, 1, 1)
    out = hue(rg, torch.Generator().manual_seed(1))
    centred = out - out.mean(1, keepdim=True)
    cos = (centred[:, :, 0, 0] * centred[:, :, 0, 1]).sum(1) / centred[:, :, 0, 0].norm(dim=1) ** 2
    torch.testing.assert_close(cos, torch.full((8,), -0.5), atol=1e-5, rtol=0)
    # over many draws the angle is uniform: pure red lands everywhere on the wheel, on average grey
    red = torch.tensor([1.0, -1.0, -1.0]).view(1, 3, 1, 1).repeat(4000, 1, 1, 1)
    spread = hue(red, torch.Generator().manual_seed(2)).mean(0).flatten()
    torch.testing.assert_close(spread, torch.full((3,), -1 / 3), atol=0.05, rtol=0)
    with pytest.raises(ValueError, match="needs RGB images"):
        hue(torch.zeros(2, 1, 4, 4))


def test_real_and_fake_get_the_same_policy_in_d_step():
    from gancourse.losses import LOSSES
    from gancourse.models import Discriminator
    from gancourse.train import d_step

    seen = []

    def spy(x):
        seen.append(x.clone())
        return diff_augment(x, "translation,cutout", torch.Generator().manual_seed(len(seen)))

    torch.manual_seed(0)
    D = Discriminator(4, 16, 3, norm="none")
    opt = torch.optim.Adam(D.parameters())
    x_real, x_fake = _images(4, 1), _images(4, 2)
    d_step(D, LOSSES["hinge"], opt, x_real, x_fake, augment=spy)
    assert len(seen) == 2 and torch.equal(seen[0], x_real) and torch.equal(seen[1], x_fake)


def test_policy_names_are_checked():
    assert policy_names(" translation , cutout,") == ["translation", "cutout"]
    with pytest.raises(ValueError, match="unknown augmentation 'flip'"):
        augmenter("translation,flip")
