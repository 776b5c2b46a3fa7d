"""The one training core: d_step and g_step, what they change and what they leave alone."""

from __future__ import annotations

import copy

import pytest
import torch
from torch import nn

from gancourse.losses import LOSSES, GANLoss, d_loss_bce, g_loss_nonsaturating, r1_penalty
from gancourse.models import Discriminator, Generator
from gancourse.train import d_step, ema_update, g_step

pytestmark = pytest.mark.usefixtures("one_torch_thread")
NS = LOSSES["nonsaturating"]


def _nets(seed: int = 0):
    torch.manual_seed(seed)
    G, D = Generator(8, 4, 8, 3), Discriminator(4, 8, 3)
    return G, D, torch.optim.Adam(G.parameters(), 1e-3), torch.optim.Adam(D.parameters(), 1e-3)


def _params(m: nn.Module) -> list[torch.Tensor]:
    return [p.detach().clone() for p in m.parameters()]


def test_d_step_changes_only_d_and_its_loss_is_the_formula():
    G, D, _, opt_d = _nets()
    x_real, z = torch.rand(6, 3, 8, 8) * 2 - 1, torch.randn(6, 8)
    x_fake = G(z)
    g0, d0 = _params(G), _params(D)
    with torch.no_grad():
        expected = d_loss_bce(D(x_real), D(x_fake))  # before the update, same BN batch stats
    loss_d, d_real, d_fake = d_step(D, NS, opt_d, x_real, x_fake)
    assert torch.allclose(loss_d, expected, atol=1e-6)
    assert d_real.shape == d_fake.shape == (6,) and not loss_d.requires_grad
    assert all(torch.equal(a, b) for a, b in zip(g0, G.parameters()))  # G untouched
    assert all(p.grad is None for p in G.parameters())  # no D-loss gradient reached G
    assert any(not torch.equal(a, b) for a, b in zip(d0, D.parameters()))


def test_g_step_changes_only_g_and_computes_no_gradient_for_d():
    G, D, opt_g, _ = _nets()
    x_fake = G(torch.randn(6, 8))
    g0, d0 = _params(G), _params(D)
    for p in D.parameters():
        p.grad = None
    loss_g = g_step(D, NS, opt_g, x_fake)
    assert loss_g.shape == () and torch.isfinite(loss_g)
    assert all(torch.equal(a, b) for a, b in zip(d0, D.parameters()))  # D's weights unchanged
    assert all(p.grad is None for p in D.parameters())  # D was frozen: no gradient computed
    assert all(p.requires_grad for p in D.parameters())  # and unfrozen afterwards
    assert any(not torch.equal(a, b) for a, b in zip(g0, G.parameters()))


def test_g_step_restores_d_even_when_the_loss_fails():
    G, D, opt_g, _ = _nets()
    broken = GANLoss("broken", d_loss_bce, lambda d_fake: d_fake.reshape(-1, 7).mean())
    with pytest.raises(RuntimeError):
        g_step(D, broken, opt_g, G(torch.randn(6, 8)))
    assert all(p.requires_grad for p in D.parameters())


def test_g_step_extra_term_is_added_to_the_generator_loss():
    """pix2pix's L1 or CycleGAN's cycle loss ride along as `extra`: the update is the gradient
    of adversarial + extra(x_fake), and the returned loss is their sum."""
    G, D, _, _ = _nets()
    D.eval()  # fixed batch-norm statistics: the same D output in both computations
    z, target = torch.randn(6, 8), torch.rand(6, 3, 8, 8) * 2 - 1
    g0 = copy.deepcopy(G)
    opt = torch.optim.SGD(G.parameters(), lr=0.1)
    x_fake = G(z)
    loss_g = g_step(D, NS, opt, x_fake, extra=lambda x: 7.0 * (x - target).abs().mean())
    total = NS.g_loss(D(g0(z))) + 7.0 * (g0(z) - target).abs().mean()
    assert torch.allclose(loss_g, total.detach(), atol=1e-6)
    grads = torch.autograd.grad(total, list(g0.parameters()))
    for p, p0, g in zip(G.parameters(), g0.parameters(), grads):
        assert torch.allclose(p, p0 - 0.1 * g, atol=1e-6)  # one SGD step on adversarial + extra
    assert all(p.grad is None for p in D.parameters())
    G2, D2, opt2, _ = _nets()
    x2 = G2(z)
    no_extra = g_step(D2, NS, opt2, x2, extra=lambda x: torch.zeros(()))
    assert torch.allclose(no_extra, NS.g_loss(D2(x2)))


def test_d_step_extras_gp_r1_clip_and_augment():
    G, D, _, opt_d = _nets()
    D = Discriminator(4, 8, 3, norm="none")
    opt_d = torch.optim.Adam(D.parameters(), 1e-3)
    x_real, x_fake = torch.rand(6, 3, 8, 8) * 2 - 1, G(torch.randn(6, 8)).detach()
    seen = []

    def augment(x):
        seen.append(x.shape)
        return x.flip(-1)

    base = d_step(D, LOSSES["hinge"], opt_d, x_real, x_fake, augment=augment)[0]
    assert len(seen) == 2  # the same augmentation on real and on fake images
    gen = torch.Generator().manual_seed(0)
    with_gp = d_step(D, LOSSES["wgan-gp"], opt_d, x_real, x_fake, gp_weight=10.0, generator=gen)
    with_r1 = d_step(D, LOSSES["hinge"], opt_d, x_real, x_fake, r1_weight=10.0)[0]
    assert torch.isfinite(base) and torch.isfinite(with_gp[0]) and torch.isfinite(with_r1)
    d_step(D, LOSSES["wgan"], opt_d, x_real, x_fake, clip=0.01)
    assert all(p.abs().max() <= 0.01 + 1e-7 for p in D.parameters())


def test_r1_penalty_equals_its_formula():
    """D(x) = sum(w * x) has gradient w everywhere: R1 = ||w||^2 exactly."""
    w = torch.randn(3, 4, 4)
    x = torch.randn(5, 3, 4, 4, requires_grad=True)
    d_real = (x * w).flatten(1).sum(1)
    assert torch.allclose(r1_penalty(d_real, x), w.pow(2).sum(), rtol=1e-6)
    with pytest.raises(ValueError, match="requires_grad"):
        r1_penalty(d_real.detach(), x.detach())


def test_ema_update_matches_its_formula_and_leaves_statistics_to_refresh():
    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    G_ema = nn.Sequential(nn.Linear(3, 4), nn.BatchNorm1d(4))
    G(torch.randn(8, 3))  # moves G's running statistics
    before = [p.clone() for p in G_ema.parameters()]
    stats_before = G_ema[1].running_mean.clone()
    ema_update(G_ema, G, 0.9)
    for b, p_ema, p in zip(before, G_ema.parameters(), G.parameters()):
        assert torch.allclose(p_ema, 0.9 * b + 0.1 * p, atol=1e-7)
    assert torch.equal(G_ema[1].running_mean, stats_before)  # not G's: refreshed separately


def test_refresh_batch_norm_measures_the_generators_own_activations():
    from gancourse.models import refresh_batch_norm

    torch.manual_seed(0)
    G = nn.Sequential(nn.Linear(3, 5), nn.BatchNorm1d(5))
    G.z_dim = 3
    G[1].running_mean.fill_(7.0)  # statistics of some other network
    zs = [torch.randn(64, 3) for _ in range(4)]
    G.eval()
    refresh_batch_norm(G, latents=zs)
    with torch.no_grad():
        h = G[0](torch.cat(zs))
    assert torch.allclose(G[1].running_mean, h.mean(0), atol=1e-5)  # the average over batches
    assert not G.training and G[1].momentum == 0.1  # mode and momentum restored
    assert refresh_batch_norm(nn.Linear(2, 2)) is not None  # nothing to refresh: unchanged


def test_gan_loss_says_what_d_outputs():
    assert {n: loss.d_output for n, loss in LOSSES.items()} == {
        "minimax": "probability",
        "nonsaturating": "probability",
        "lsgan": "score",
        "hinge": "score",
        "wgan": "score",
        "wgan-gp": "score",
    }
    logits = torch.tensor([-2.0, 0.0, 3.0])
    assert torch.allclose(NS.readout(logits), torch.sigmoid(logits))
    assert torch.equal(LOSSES["hinge"].readout(logits), logits)
    with pytest.raises(ValueError, match="d_output"):
        GANLoss("x", d_loss_bce, g_loss_nonsaturating, d_output="logit")


def test_toy_and_image_trainers_both_play_with_d_step_and_g_step(monkeypatch):
    """One training core: every trainer calls the very d_step / g_step the lessons show."""
    import gancourse.toy2d.training as toy
    import gancourse.train.loop as loop
    from gancourse.toy2d import preset, train_toy2d
    from gancourse.train import steps, train_gan
    from gancourse.widgets.gan_lab import GANLabSession

    calls = {"d": 0, "g": 0}

    def counting(kind, fn):
        def wrapper(*args, **kwargs):
            calls[kind] += 1
            return fn(*args, **kwargs)

        return wrapper

    for module in (toy, loop):
        monkeypatch.setattr(module, "d_step", counting("d", steps.d_step))
        monkeypatch.setattr(module, "g_step", counting("g", steps.g_step))
    train_toy2d(preset("vanilla", steps=4, d_steps=2), seed=0)
    assert calls == {"d": 8, "g": 4}
    GANLabSession().advance(3)
    assert calls == {"d": 11, "g": 7}
    torch.manual_seed(0)
    images = torch.rand(32, 3, 8, 8) * 2 - 1
    train_gan(
        Generator(8, 4, 8, 3),
        Discriminator(4, 8, 3),
        images,
        epochs=1,
        batch_size=8,
        n_critic=2,
        device="cpu",
        progress=False,
    )
    assert calls == {"d": 11 + 4, "g": 7 + 2}


def test_conditional_d_gets_the_labels_in_both_steps():
    class Conditional(nn.Module):
        def __init__(self):
            super().__init__()
            self.embed = nn.Embedding(3, 12)
            self.lin = nn.Linear(12, 1)

        def forward(self, x, y):
            return self.lin(x.flatten(1) * self.embed(y)).flatten()

    torch.manual_seed(0)
    D, G = Conditional(), nn.Linear(4, 12)
    opt_d, opt_g = torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
    x_real, y_real = torch.randn(6, 12), torch.tensor([0, 1, 2, 0, 1, 2])
    y_fake = torch.tensor([2, 2, 2, 1, 1, 1])
    x_fake = G(torch.randn(6, 4))
    with torch.no_grad():
        expected = d_loss_bce(D(x_real, y_real), D(x_fake, y_fake))
    loss_d, _, _ = d_step(D, NS, opt_d, x_real, x_fake, y_real=y_real, y_fake=y_fake)
    assert torch.allclose(loss_d, expected)
    with torch.no_grad():
        expected_g = g_loss_nonsaturating(D(x_fake, y_fake))
    assert torch.allclose(g_step(D, NS, opt_g, x_fake, y_fake=y_fake), expected_g)
    gp = d_step(
        D,
        LOSSES["wgan-gp"],
        opt_d,
        x_real,
        G(torch.randn(6, 4)),
        y_real=y_real,
        y_fake=y_real,
        gp_weight=10.0,
    )[0]
    assert torch.isfinite(gp)
