"""Lesson 10: the CycleGAN networks, losses, image pool and trainer, neural style transfer, and
``python -m gancourse train cyclegan``."""

from __future__ import annotations

import numpy as np
import pytest
import torch
from torch import nn

from gancourse.cli import main
from gancourse.translate.common import load_translator, recalibrate_batchnorm
from gancourse.translate.cyclegan import (
    CycleGANConfig,
    ImagePool,
    check_domains,
    cycle_loss,
    direction_terms,
    domain_images,
    held_out_domain,
    identity_loss,
    train_cyclegan,
)
from gancourse.translate.measures import colour_histograms, histogram_distance
from gancourse.translate.networks import PatchDiscriminator, ResnetGenerator
from gancourse.translate.style import (
    feature_maps,
    gram_matrix,
    style_loss,
    style_transfer,
    total_variation,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


# ------------------------------------------------------------------------------ networks
@pytest.mark.parametrize("upsample", ["nearest", "transpose"])
@pytest.mark.parametrize("size", [32, 64])
def test_resnet_generator_and_patchgan_shapes(upsample, size):
    torch.manual_seed(0)
    G = ResnetGenerator(3, 3, width=4, n_blocks=2, upsample=upsample)
    x = torch.rand(2, 3, size, size) * 2 - 1
    y = G(x)
    assert y.shape == x.shape and y.abs().max() <= 1
    D = PatchDiscriminator(3, width=4, n_layers=2, norm="instance")
    field, grid = D.geometry(size)
    assert D(y).shape == (2, 1, grid, grid) and grid == size // 4 - 2
    with pytest.raises(ValueError, match="multiples of 4"):
        G(torch.zeros(1, 3, 30, 30))
    with pytest.raises(ValueError, match=r"\(N, 3, H, W\)"):
        G(torch.zeros(1, 1, 32, 32))


def test_resnet_blocks_are_residual():
    G = ResnetGenerator(3, 3, width=4, n_blocks=1)
    block = G.net[10]
    for p in block.body.parameters():
        nn.init.zeros_(p)
    h = torch.randn(2, 16, 8, 8)
    assert torch.equal(block(h), h)  # a zero body passes its input through


# -------------------------------------------------------------------------------- losses
def _G(seed):
    torch.manual_seed(seed)
    return ResnetGenerator(3, 3, width=4, n_blocks=1)


def test_cycle_and_identity_losses_vanish_for_identity_maps_only():
    a, b = torch.rand(3, 3, 8, 8) * 2 - 1, torch.rand(3, 3, 8, 8) * 2 - 1
    ident = nn.Identity()
    assert cycle_loss(ident, ident, a, b) == 0 and identity_loss(ident, ident, a, b) == 0
    shift = lambda x: x + 0.1  # noqa: E731  (back and forth: off by 0.2)
    assert torch.isclose(cycle_loss(shift, shift, a, b), torch.tensor(0.4))
    assert torch.isclose(identity_loss(shift, shift, a, b), torch.tensor(0.2))
    neg = torch.neg  # its own inverse: cycle-consistent, but not the identity
    assert cycle_loss(neg, neg, a, b) == 0 and identity_loss(neg, neg, a, b) > 0
    G, F = _G(0), _G(1)
    assert cycle_loss(G, F, a, b) > 0 and identity_loss(G, F, a, b) > 0


def test_direction_terms_weigh_and_measure():
    a, b = torch.rand(2, 3, 8, 8), torch.rand(2, 3, 8, 8)
    G, F = _G(0), _G(1)
    fake = G(a)
    extra, cyc, idt = direction_terms(G, F, a, fake, b, 10.0, 5.0)
    assert torch.isclose(cyc, (F(fake) - a).abs().mean()) and not cyc.requires_grad
    assert torch.isclose(idt, (G(b) - b).abs().mean())
    assert torch.isclose(extra, 10 * cyc + 5 * idt) and extra.requires_grad
    extra0, cyc0, _ = direction_terms(G, F, a, fake, b, 0.0, 0.0)
    assert extra0 == 0 and not extra0.requires_grad and torch.isclose(cyc0, cyc)


def test_image_pool_returns_stored_images_with_the_stated_probability():
    pool = ImagePool(size=10, p=0.5, seed=3)
    first = torch.arange(10.0).view(10, 1, 1, 1)
    assert torch.equal(pool.query(first), first)  # filling: everything passes through
    returned_old, n = 0, 0
    for k in range(1, 201):
        batch = (100.0 * k + torch.arange(5.0)).view(5, 1, 1, 1)  # every image different
        out = pool.query(batch)
        returned_old += int((out != batch).sum())
        n += 5
        assert len(pool.images) == 10
    assert abs(returned_old / n - 0.5) < 0.06  # 1,000 draws: std 0.016
    again = ImagePool(size=10, p=0.5, seed=3)
    again.query(first)
    assert torch.equal(again.query(torch.full((5, 1, 1, 1), 101.0)), pool_first_answer(3))
    never = ImagePool(size=4, p=0.0, seed=0)
    never.query(torch.zeros(4, 1, 1, 1))
    assert torch.equal(never.query(torch.ones(3, 1, 1, 1)), torch.ones(3, 1, 1, 1))
    assert torch.equal(ImagePool(size=0).query(first), first)


def pool_first_answer(seed):
    pool = ImagePool(size=10, p=0.5, seed=seed)
    pool.query(torch.arange(10.0).view(10, 1, 1, 1))
    return pool.query(torch.full((5, 1, 1, 1), 101.0))


# ---------------------------------------------------------------------------- the data
def test_domains_are_checked_and_held_out_paintings_differ():
    assert check_domains("albers", "kandinsky") == ("albers", "kandinsky")
    with pytest.raises(ValueError, match="different styles"):
        check_domains("albers", "albers")
    with pytest.raises(ValueError, match="unknown art style 'picasso'"):
        check_domains("picasso", "albers")
    train, test = domain_images("albers", 100), held_out_domain("albers", 20)
    assert train.shape == (100, 3, 32, 32) and -1 <= train.min() and train.max() <= 1
    assert torch.cdist(test.flatten(1), train.flatten(1)).min() > 0.5


def test_colour_histogram_distance():
    red = torch.tensor([0.9, -0.9, -0.9]).view(1, 3, 1, 1).expand(2, 3, 8, 8).clone()
    blue = red.flip(1)
    assert torch.allclose(colour_histograms(red).sum(1), torch.ones(2))
    assert torch.all(histogram_distance(red, red) == 0)
    assert torch.allclose(histogram_distance(red, blue), torch.ones(2))
    half = red.clone()
    half[..., :4] = blue[..., :4]
    assert torch.allclose(histogram_distance(red, half), torch.full((2,), 0.5))
    with pytest.raises(ValueError, match="same shape"):
        histogram_distance(red, red[:1])


# ------------------------------------------------------------------------ the trainer
def _tiny_nets(seed=0):
    cfg = CycleGANConfig(width=4, n_blocks=1, d_width=4, batch_size=4, n_images=16)
    return cfg, cfg.models(seed=seed)


def test_cyclegan_trains_repeatably_and_the_ablation_drops_the_cycle_term():
    a, b = domain_images("albers", 16), domain_images("kandinsky", 16)
    cfg, nets = _tiny_nets()
    r1 = train_cyclegan(nets, a, b, epochs=2, batch_size=4, progress=False)
    assert r1.steps == 8 and set(r1.models) == {"G_ab", "G_ba", "D_a", "D_b"}
    _, nets2 = _tiny_nets()
    r2 = train_cyclegan(nets2, a, b, epochs=2, batch_size=4, progress=False)
    assert r1.curves.as_dict() == r2.curves.as_dict()
    _, nets3 = _tiny_nets()
    r3 = train_cyclegan(nets3, a, b, epochs=2, batch_size=4, lam_cycle=0, lam_identity=0,
                        progress=False)  # fmt: skip
    assert r3.curves.as_dict()["loss_g_ab"] != r1.curves.as_dict()["loss_g_ab"]
    assert all(np.isfinite(r3.curves.cycle))  # still measured


def test_cyclegan_decay_changes_the_updates_only_at_the_end():
    a, b = domain_images("albers", 16), domain_images("rothko", 16)
    _, nets = _tiny_nets()
    ref = train_cyclegan(nets, a, b, epochs=2, batch_size=4, progress=False)
    _, late_nets = _tiny_nets()
    late = train_cyclegan(late_nets, a, b, epochs=2, batch_size=4, decay=0.25, progress=False)
    # 8 steps, decay over the last 2: only the last step's updates are smaller (the same losses
    # before it; in it, B -> A already sees G after the smaller A -> B update)
    cut = {k: v[:-1] for k, v in ref.curves.as_dict().items()}
    assert {k: v[:-1] for k, v in late.curves.as_dict().items()} == cut
    assert late.curves.as_dict()["loss_g_ab"][-1] == ref.curves.as_dict()["loss_g_ab"][-1]
    for name in ("G_ab", "D_b"):
        x, y = nets[name].state_dict(), late_nets[name].state_dict()
        assert any(not torch.equal(x[k], y[k]) for k in x), name
    _, nets_all = _tiny_nets()
    early = train_cyclegan(nets_all, a, b, epochs=2, batch_size=4, decay=1.0, progress=False)
    assert early.curves.as_dict()["cycle"][1:] != ref.curves.as_dict()["cycle"][1:]
    with pytest.raises(ValueError, match="decay must be a share of the steps"):
        CycleGANConfig(decay=1.5)


def test_cyclegan_augment_changes_what_the_discriminators_see():
    a, b = domain_images("albers", 16), domain_images("rothko", 16)
    _, nets = _tiny_nets()
    ref = train_cyclegan(nets, a, b, epochs=1, batch_size=4, progress=False).curves.as_dict()
    runs = []
    for _ in range(2):
        _, nets = _tiny_nets()
        runs.append(train_cyclegan(nets, a, b, epochs=1, batch_size=4, augment="hue",
                                   progress=False).curves.as_dict())  # fmt: skip
    assert runs[0] == runs[1]  # seeded
    # the first generator step is judged by the same untrained D, on hue-turned fakes
    assert runs[0]["loss_g_ab"][0] != ref["loss_g_ab"][0]
    with pytest.raises(ValueError, match="unknown augmentation 'hues'"):
        CycleGANConfig(augment="hues")
    assert CycleGANConfig(augment="hue").train_kwargs()["augment"] == "hue"


def test_recalibrated_batchnorm_uses_the_statistics_of_the_given_images():
    x = domain_images("albers", 64)
    with torch.no_grad():
        G = ResnetGenerator(width=4, n_blocks=1, norm="batch")
        G.net[2].weight.mul_(3.0)  # a first norm that matters
        trained_like = G.train()(x)  # normalised with the statistics of this very batch
        before = G.eval()(x)  # fresh running statistics: mean 0, variance 1
    weights = {k: v.clone() for k, v in G.state_dict().items() if "running" not in k}
    assert (before - trained_like).abs().mean() > 0.05
    assert recalibrate_batchnorm(G, x, batch_size=64) is G and not G.training
    with torch.no_grad():
        after = G(x)
    # eval mode now matches the batch's own statistics (up to the unbiased running variance)
    assert (after - trained_like).abs().max() < 0.005
    assert all(torch.equal(v, G.state_dict()[k]) for k, v in weights.items())
    assert all(m.momentum == 0.1 for m in G.modules() if isinstance(m, nn.BatchNorm2d))
    # smaller batches: the plain mean of their statistics, close to the whole set's
    recalibrate_batchnorm(G, x, batch_size=16)
    with torch.no_grad():
        assert (G(x) - trained_like).abs().mean() < 0.02
    with pytest.raises(ValueError, match="has no batch-norm layers"):
        recalibrate_batchnorm(ResnetGenerator(width=4, n_blocks=1, norm="none"), x)
    with pytest.raises(ValueError, match="at least 2 images"):
        recalibrate_batchnorm(G, x[:1])


def test_cyclegan_stops_cleanly_on_ctrl_c():
    a, b = domain_images("albers", 16), domain_images("rothko", 16)
    _, nets = _tiny_nets()

    def stop(step, nets):
        raise KeyboardInterrupt

    r = train_cyclegan(nets, a, b, epochs=3, batch_size=4, progress=False, callback=stop,
                       callback_every=3)  # fmt: skip
    assert r.interrupted and r.steps == 3


# ------------------------------------------------------------------- style transfer
def test_gram_matrix_equals_its_formula_on_a_hand_built_case():
    f = torch.tensor([[[[1.0, 2.0], [0.0, -1.0]], [[3.0, 0.0], [1.0, 1.0]]]])  # (1, 2, 2, 2)
    # F = [[1, 2, 0, -1], [3, 0, 1, 1]]; F F^T = [[6, 2], [2, 11]]; / (C H W) = / 8
    expected = torch.tensor([[[6.0, 2.0], [2.0, 11.0]]]) / 8
    assert torch.allclose(gram_matrix(f), expected)
    g = gram_matrix(torch.randn(3, 5, 4, 6))
    assert g.shape == (3, 5, 5) and torch.allclose(g, g.transpose(1, 2))
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        gram_matrix(torch.zeros(2, 3, 4))


def test_style_loss_and_feature_maps():
    from gancourse.metrics.classifier import StyleClassifier

    torch.manual_seed(0)
    model = StyleClassifier(width=4).eval()
    x = torch.rand(2, 3, 32, 32) * 2 - 1
    maps = feature_maps(model, x)
    assert [m.shape for m in maps] == [(2, 4, 16, 16), (2, 8, 8, 8), (2, 16, 4, 4)]
    assert torch.allclose(maps[2], feature_maps(model, x, (2,))[0])
    assert style_loss(maps, maps) == 0
    other = feature_maps(model, x.flip(0))
    manual = sum(((gram_matrix(a) - gram_matrix(b)) ** 2).mean() for a, b in zip(maps, other))
    assert torch.isclose(style_loss(maps, other), manual)
    shifted = feature_maps(model, torch.roll(x, 8, dims=-1))  # style ignores where things are
    assert style_loss(maps[:1], shifted[:1]) < 0.2 * style_loss(maps[:1], other[:1])
    with pytest.raises(ValueError, match="layers"):
        feature_maps(model, x, (3,))


def test_style_transfer_lowers_its_losses_and_leaves_the_model_alone():
    from gancourse.metrics.classifier import StyleClassifier

    torch.manual_seed(0)
    model = StyleClassifier(width=4)
    before = [p.clone() for p in model.parameters()]
    content, style = domain_images("albers", 2), domain_images("riley", 1)
    r = style_transfer(model, content, style, steps=30, style_weight=1e3, tv_weight=0.1)
    assert r.images.shape == content.shape and r.images.abs().max() <= 1
    assert r.style_loss[-1] < 0.5 * r.style_loss[0]
    assert all(torch.equal(a, b) for a, b in zip(before, model.parameters()))
    assert model.training and all(p.requires_grad for p in model.parameters())
    assert total_variation(torch.zeros(1, 3, 4, 4)) == 0
    with pytest.raises(ValueError, match="same C and S"):
        style_transfer(model, content, torch.zeros(1, 3, 16, 16))


# ------------------------------------------------------------------------------ the CLI
def test_cli_writes_the_stated_arrays(tmp_path, capsys):
    out, model = tmp_path / "c.npz", tmp_path / "g.pt"
    args = ["train", "cyclegan", "--domains", "albers,kandinsky", "--epochs", "1", "--seed", "1",
            "--n-samples", "5", "--samples-out", str(out), "--n-images", "8", "--width", "4",
            "--n-blocks", "1", "--d-width", "4", "--batch-size", "4", "--export-model",
            str(model), "--decay", "0.5", "--augment", "hue", "--quiet",
            "--device", "cpu"]  # fmt: skip
    assert main(args) == 0
    z = np.load(out)
    assert sorted(z.files) == sorted(["a", "a2b", "a2b2a", "b", "b2a", "b2a2b", "domains"])
    for k in ("a", "a2b", "a2b2a", "b", "b2a", "b2a2b"):
        assert z[k].shape == (5, 3, 32, 32) and z[k].dtype == np.float32
        assert z[k].min() >= -1 and z[k].max() <= 1
    assert list(z["domains"]) == ["albers", "kandinsky"]
    np.testing.assert_array_equal(z["a"], held_out_domain("albers", 5).numpy())
    nets, info = load_translator(model)
    assert set(nets) == {"G_ab", "G_ba"} and info["domains"] == ["albers", "kandinsky"]
    assert info["config"]["decay"] == 0.5  # --decay reaches the file
    assert info["config"]["augment"] == "hue"
    x = torch.from_numpy(z["a"])
    assert torch.allclose(nets["G_ab"](x), torch.from_numpy(z["a2b"]), atol=1e-5)
    assert "wrote a, a2b, a2b2a" in capsys.readouterr().out


@pytest.mark.parametrize(
    ("domains", "message"),
    [("albers,albers", "different styles"), ("albers,picasso", "unknown art style"),
     ("albers", "two styles")],
)  # fmt: skip
def test_cli_rejects_bad_domains(tmp_path, capsys, domains, message):
    args = ["train", "cyclegan", "--domains", domains, "--epochs", "1", "--samples-out",
            str(tmp_path / "c.npz"), "--quiet"]  # fmt: skip
    assert main(args) == 2
    assert message in capsys.readouterr().err


# ---------------------------------------------------------------- the norm and the palette
def test_instance_norm_generator_is_blind_to_recolouring_and_batch_norm_is_not():
    """Lesson 10's claim: after a linear conv, instance norm removes a per-image colour shift
    and scale, so an instance-norm G cannot see its input's palette; batch norm can."""
    a = held_out_domain("albers", 8)
    g = torch.Generator().manual_seed(0)
    recoloured = 0.6 * a + torch.empty(8, 3, 1, 1).uniform_(-0.4, 0.4, generator=g)
    gaps = {}
    for norm in ("instance", "batch"):
        with torch.no_grad():
            G = ResnetGenerator(norm=norm, width=8, n_blocks=1).train()
            for m in G.modules():  # weights of a trained size, so the norm's eps is negligible
                if isinstance(m, nn.Conv2d):
                    nn.init.normal_(m.weight, std=0.3)
            block = G.net[:4]
            h, h2 = block(a), block(recoloured)
        gaps[norm] = ((h - h2).abs().mean() / h.abs().mean()).item()
    assert gaps["instance"] < 1e-4, gaps
    assert gaps["batch"] > 0.1, gaps
    assert CycleGANConfig().norm == "batch"
    assert CycleGANConfig(norm="instance").models()["G_ab"].norm == "instance"
    with pytest.raises(ValueError, match="norm"):
        CycleGANConfig(norm="layer").models()


def test_translator_files_can_store_half_precision(tmp_path):
    from gancourse.translate.common import save_translator

    torch.manual_seed(0)
    G = ResnetGenerator(width=8, n_blocks=1, norm="batch").eval()
    full, half = tmp_path / "full.pt", tmp_path / "half.pt"
    save_translator({"G": G}, full, {"k": 1})
    save_translator({"G": G}, half, {"k": 1}, half=True)
    assert half.stat().st_size < 0.6 * full.stat().st_size
    x = held_out_domain("rothko", 4)
    (G_full,), (G_half,) = (list(load_translator(p)[0].values()) for p in (full, half))
    assert next(G_half.parameters()).dtype == torch.float32
    with torch.no_grad():
        assert torch.equal(G_full(x), G(x))
        err = (G_half(x) - G(x)).abs().max().item()
    assert 0 < err < 1e-2


def test_cli_norm_and_half_export(tmp_path):
    out, model = tmp_path / "c.npz", tmp_path / "g.pt"
    args = ["train", "cyclegan", "--domains", "rothko,albers", "--no-cycle", "--epochs", "1",
            "--n-samples", "3", "--samples-out", str(out), "--n-images", "8", "--width", "4",
            "--n-blocks", "1", "--d-width", "4", "--batch-size", "4", "--norm", "instance",
            "--export-model", str(model), "--export-half", "--quiet",
            "--device", "cpu"]  # fmt: skip
    assert main(args) == 0
    nets, info = load_translator(model)
    assert info["config"]["norm"] == "instance" and nets["G_ab"].norm == "instance"
    assert info["no_cycle"] and info["config"]["lam_cycle"] == 0 == info["config"]["lam_identity"]
    assert "command" in info and info["domains"] == ["rothko", "albers"]
    z = np.load(out)
    with torch.no_grad():
        a2b = nets["G_ab"](torch.from_numpy(z["a"]))
    assert torch.allclose(a2b, torch.from_numpy(z["a2b"]), atol=1e-2)


def test_generator_choice_builds_a_unet_and_the_cli_flag_reaches_the_file(tmp_path):
    from gancourse.translate.networks import UNet

    nets = CycleGANConfig(generator="unet", width=4).models(seed=0)
    assert all(isinstance(nets[k], UNet) and nets[k].skips for k in ("G_ab", "G_ba"))
    assert nets["G_ab"].width == 4 and nets["G_ab"].in_channels == nets["G_ab"].out_channels == 3
    a = held_out_domain("albers", 2)
    with torch.no_grad():
        assert nets["G_ab"].eval()(a).shape == a.shape
    assert isinstance(CycleGANConfig().models()["G_ab"], ResnetGenerator)
    with pytest.raises(ValueError, match="generator must be one of"):
        CycleGANConfig(generator="vgg")
    out, model = tmp_path / "u.npz", tmp_path / "u.pt"
    args = ["train", "cyclegan", "--domains", "albers,rothko", "--epochs", "1", "--n-samples", "2",
            "--samples-out", str(out), "--n-images", "8", "--generator", "unet", "--width", "4",
            "--d-width", "4", "--batch-size", "4", "--export-model", str(model), "--quiet",
            "--device", "cpu"]  # fmt: skip
    assert main(args) == 0
    loaded, info = load_translator(model)
    assert info["config"]["generator"] == "unet" and isinstance(loaded["G_ba"], UNet)
    with torch.no_grad():
        b2a = loaded["G_ba"](torch.from_numpy(np.load(out)["b"]))
    assert torch.allclose(b2a, torch.from_numpy(np.load(out)["b2a"]), atol=1e-5)


# ------------------------------------------------------------------- the shipped CycleGANs
def test_the_shipped_cyclegans_load_and_only_the_cycle_model_keeps_the_palette():
    from gancourse import pretrained
    from gancourse.translate.pix2pix import translate

    a = held_out_domain("albers", 100)
    palette, cycle = {}, {}
    for kept in (True, False):
        path = pretrained.ART_CYCLEGAN_PATH if kept else pretrained.ART_CYCLEGAN_NOCYCLE_PATH
        assert path.stat().st_size < 1.5 * 2**20
        info = pretrained.art_cyclegan_info(cycle=kept)
        command = "python -m gancourse train cyclegan --domains albers,rothko"
        assert info["command"].startswith(command)
        assert info["domains"] == ["albers", "rothko"] and info["no_cycle"] is (not kept)
        G_ab, G_ba = pretrained.load_art_cyclegan(cycle=kept)
        assert not G_ab.training and G_ab.norm == "batch"
        a2b = translate(G_ab, a)
        assert a2b.shape == a.shape and a2b.abs().max() <= 1
        palette[kept] = histogram_distance(a, a2b).mean().item()
        cycle[kept] = (translate(G_ba, a2b) - a).abs().mean().item()
    assert palette[True] < 0.6 * palette[False], palette
    assert cycle[True] < 0.6 * cycle[False], cycle
