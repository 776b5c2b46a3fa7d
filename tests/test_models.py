"""The DCGAN models: shapes for 32 and 64, both upsampling kinds, init, and clear errors."""

import pytest
import torch
from torch import nn

from gancourse.checkpoint import load_generator_file, save_generator_file
from gancourse.models import Discriminator, Generator, count_parameters, sample


@pytest.mark.parametrize("upsample", ["transpose", "nearest"])
@pytest.mark.parametrize("size", [32, 64])
def test_output_shapes_and_ranges(size, upsample):
    torch.manual_seed(0)
    G = Generator(z_dim=16, width=8, image_size=size, channels=3, upsample=upsample)
    D = Discriminator(width=8, image_size=size, channels=3)
    x = G(torch.randn(5, 16))
    assert x.shape == (5, 3, size, size)
    assert x.abs().max() <= 1.0 and x.std() > 0
    assert D(x).shape == (5,)
    # every block doubles the size; the first block is the 4x4 map with width * 2**(n_up - 1)
    assert G.net[:3](torch.randn(2, 16, 1, 1)).shape == (2, 8 * size // 8, 4, 4)


def test_nearest_upsampling_uses_no_transposed_conv_after_the_first_block():
    G = Generator(z_dim=16, width=8, image_size=32, upsample="nearest")
    transposed = [m for m in G.net[3:].modules() if isinstance(m, nn.ConvTranspose2d)]
    ups = [m for m in G.net.modules() if isinstance(m, nn.Upsample)]
    assert transposed == [] and len(ups) == 3  # 4 -> 8 -> 16 -> 32
    # a 3x3 conv after a x2 upsample has 9/16 the weights of a 4x4 transposed conv
    T = Generator(z_dim=16, width=8, image_size=32, upsample="transpose")
    assert count_parameters(G) < count_parameters(T)


def test_init_is_normal_0_002():
    torch.manual_seed(0)
    G = Generator(z_dim=64, width=32, image_size=32, upsample="nearest")
    convs = [m for m in G.modules() if isinstance(m, (nn.Conv2d, nn.ConvTranspose2d))]
    w = torch.cat([m.weight.detach().flatten() for m in convs])
    assert abs(float(w.mean())) < 1e-3 and abs(float(w.std()) - 0.02) < 1e-3


@pytest.mark.parametrize(
    ("kwargs", "match"),
    [
        (dict(upsample="bilinear"), "upsample must be one of"),
        (dict(image_size=48), "power of two"),
        (dict(image_size=4), "power of two"),
    ],
)
def test_bad_arguments_are_named(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Generator(**{"z_dim": 8, "width": 4, **kwargs})


def test_wrong_input_shapes_are_named():
    G, D = Generator(8, 4, 16, 3, upsample="nearest"), Discriminator(4, 16, 3)
    with pytest.raises(ValueError, match=r"z of shape \(N, 8\)"):
        G(torch.randn(2, 9))
    with pytest.raises(ValueError, match=r"images of shape \(N, 3, 16, 16\)"):
        D(torch.randn(2, 3, 32, 32))


def test_generator_file_keeps_the_upsampling_kind(tmp_path):
    torch.manual_seed(0)
    G = Generator(8, 4, 16, 3, upsample="nearest")
    path = save_generator_file(G, tmp_path / "g.pt")
    G2, info = load_generator_file(path)
    assert info["config"]["upsample"] == "nearest" and G2.upsample == "nearest"
    assert torch.equal(sample(G, 4, seed=3), sample(G2, 4, seed=3))


def test_generator_file_without_upsample_key_loads_as_transpose(tmp_path):
    """Files written before the option existed hold no "upsample": they were transposed."""
    G = Generator(8, 4, 16, 3)
    path = save_generator_file(G, tmp_path / "g.pt")
    obj = torch.load(path, weights_only=False)
    del obj["config"]["upsample"]
    torch.save(obj, path)
    G2, info = load_generator_file(path)
    assert G2.upsample == "transpose"
    assert torch.equal(sample(G, 4, seed=1), sample(G2, 4, seed=1))


@pytest.mark.parametrize("norm", ["spectral", "layer", "none", "batch"])
def test_discriminator_norms_build_what_they_say(norm):
    torch.manual_seed(0)
    D = Discriminator(width=8, image_size=16, channels=3, norm=norm)
    x = torch.rand(4, 3, 16, 16) * 2 - 1
    out = D(x)
    assert out.shape == (4,) and torch.isfinite(out).all()
    kinds = {type(m) for m in D.modules()}
    assert (nn.BatchNorm2d in kinds) == (norm == "batch")
    assert (nn.GroupNorm in kinds) == (norm == "layer")
    sn = [m for m in D.modules() if isinstance(m, nn.Conv2d) and _has_spectral_norm(m)]
    convs = [m for m in D.modules() if isinstance(m, nn.Conv2d)]
    assert len(sn) == (len(convs) if norm == "spectral" else 0)
    if norm == "layer":  # each image normalised on its own: an image's logit ignores the batch
        assert torch.allclose(D(x[:1]), out[:1], atol=1e-5)
    if norm == "spectral":  # after power iteration, every conv's matrix has sigma ~ 1
        D.train()
        for _ in range(30):
            D(x)
        for m in sn:
            w = m.weight.detach().flatten(1)
            assert torch.linalg.matrix_norm(w, ord=2).item() == pytest.approx(1.0, abs=0.05)


def _has_spectral_norm(m: nn.Module) -> bool:
    return hasattr(m, "weight_orig") or (
        hasattr(m, "parametrizations") and "weight" in m.parametrizations
    )


def test_minibatch_std_feature_is_the_groups_spread():
    from gancourse.models import MinibatchStd

    x = torch.randn(8, 3, 2, 2)
    y = MinibatchStd(group=4)(x)
    assert y.shape == (8, 4, 2, 2) and torch.equal(y[:, :3], x)
    group0 = x[[0, 2, 4, 6]]  # image i is in group i % (8 // 4)
    expected = (group0.var(0, unbiased=False) + 1e-8).sqrt().mean()
    assert torch.allclose(y[[0, 2, 4, 6], 3], expected.expand(4, 2, 2))
    same = MinibatchStd()(x[:1].expand(4, 3, 2, 2))  # identical images: no spread
    assert same[:, 3].abs().max() < 1e-3
    D = Discriminator(width=4, image_size=8, channels=3, norm="none", mbstd=True)
    assert D(torch.randn(5, 3, 8, 8)).shape == (5,)  # 5 is not a multiple of 4: one group
