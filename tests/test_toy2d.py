"""Lesson 03: toy 2D samplers, the MLP GAN, its trainer, the 2D view and the CLI."""

from __future__ import annotations

import math
import os
import subprocess
import sys
from dataclasses import replace

import numpy as np
import pytest
import torch

from gancourse.data import TOY2D, grid25, grid25_means, ring8, ring8_means, spiral, toy2d_sampler
from gancourse.losses import get_loss
from gancourse.plotting.gan2d import animate_states, capture_state, generator_push, plot_snapshots
from gancourse.toy2d import (
    LATENT_COMPONENTS,
    MEASURED_PATH,
    PRESETS,
    TARGET_HQ,
    Game,
    MLPDiscriminator,
    MLPGenerator,
    TableRow,
    Toy2DConfig,
    build_models,
    compare,
    evaluate_modes,
    load_rows,
    preset,
    save_rows,
    train_toy2d,
)

pytestmark = pytest.mark.usefixtures("one_torch_thread")


ONE_THREAD_ENV = {**os.environ, "OMP_NUM_THREADS": "1", "MKL_NUM_THREADS": "1"}


def test_grid25_means_are_the_papers():
    m = grid25_means()
    assert m.shape == (25, 2)
    assert sorted(set(m[:, 0].tolist())) == [-4.0, -2.0, 0.0, 2.0, 4.0]
    assert len({tuple(p) for p in m.tolist()}) == 25
    assert TOY2D["grid25"].std == 0.05


def test_ring8_means_are_the_papers():
    m = ring8_means()
    assert m.shape == (8, 2)
    assert torch.allclose(m.norm(dim=1), torch.ones(8), atol=1e-6)
    angles = torch.atan2(m[:, 1], m[:, 0]) % (2 * math.pi)
    assert torch.allclose(angles.sort().values, torch.arange(8) * math.pi / 4, atol=1e-5)
    assert TOY2D["ring8"].std == 0.01


@pytest.mark.parametrize("name,sampler", [("grid25", grid25), ("ring8", ring8)])
def test_sampler_std_and_counts(name, sampler):
    mix = TOY2D[name]
    x = sampler(20_000, seed=1)
    assert x.shape == (20_000, 2) and x.dtype == torch.float32
    nearest = torch.cdist(x, mix.means).argmin(1)
    resid = x - mix.means[nearest]
    assert resid.std().item() == pytest.approx(mix.std, rel=0.03)
    counts = torch.bincount(nearest, minlength=len(mix.means)).float()
    expected = 20_000 / len(mix.means)
    # equal weights: every count within 5 binomial sds of n/K
    assert (counts - expected).abs().max() < 5 * math.sqrt(expected)


def test_samplers_are_deterministic():
    for name in ("grid25", "ring8", "spiral"):
        s = toy2d_sampler(name)
        assert torch.equal(s(100, seed=5), s(100, seed=5))
        assert not torch.equal(s(100, seed=5), s(100, seed=6))
        g1, g2 = torch.Generator().manual_seed(9), torch.Generator().manual_seed(9)
        assert torch.equal(s(50, generator=g1), s(50, generator=g2))


def test_sampler_errors():
    with pytest.raises(ValueError, match="seed="):
        grid25(10)
    with pytest.raises(ValueError, match="not both"):
        grid25(10, seed=1, generator=torch.Generator())
    with pytest.raises(ValueError, match="positive int"):
        ring8(0, seed=1)
    with pytest.raises(ValueError, match="unknown toy 2D data"):
        toy2d_sampler("moons")


def test_spiral_shape():
    x = spiral(1000, seed=0)
    assert x.shape == (1000, 2)
    assert x.norm(dim=1).max() < 3.5


def test_models_shapes_and_packing():
    G, D = MLPGenerator(z_dim=3), MLPDiscriminator(pack=4, minibatch_std=True, spectral=True)
    x = G(torch.randn(16, 3))
    assert x.shape == (16, 2)
    assert D(x).shape == (4,)
    with pytest.raises(ValueError, match="multiple of pack"):
        D(torch.randn(10, 2))
    with pytest.raises(ValueError, match="shape \\(N, 3\\)"):
        G(torch.randn(4, 2))
    with pytest.raises(ValueError, match="shape \\(N, 2\\)"):
        D(torch.randn(4, 3))


def test_packing_sees_the_pack():
    """With pack=2 the logit of a pack depends on both points (D sees sets, not points)."""
    torch.manual_seed(0)
    D = MLPDiscriminator(pack=2)
    a = torch.tensor([[0.0, 0.0], [1.0, 1.0]])
    b = torch.tensor([[0.0, 0.0], [-1.0, 1.0]])
    assert D(a).shape == (1,) and not torch.allclose(D(a), D(b))


SMALL = Toy2DConfig(steps=40, batch_size=64, g_width=32, d_width=32)


def test_training_is_deterministic_and_moves_g():
    r1 = train_toy2d(SMALL, seed=3)
    r2 = train_toy2d(SMALL, seed=3)
    x1, x2 = r1.points(200, seed=0), r2.points(200, seed=0)
    assert x1.shape == (200, 2) and torch.equal(x1, x2)
    assert len(r1.history["d_loss"]) >= 1 and all(math.isfinite(v) for v in r1.history["d_loss"])
    r3 = train_toy2d(SMALL, seed=4)
    assert not torch.equal(x1, r3.points(200, seed=0))


@pytest.mark.parametrize(
    "changes",
    [
        {"loss": "minimax", "pack": 1, "ema": 0.0},
        {"loss": "wgan-gp", "pack": 1},
        {"loss": "hinge", "spectral": True},
        {"minibatch_std": True, "pack": 1, "d_steps": 2},
        {"data": "ring8", "lr_d": 4e-3},
    ],
)
def test_every_cure_trains(changes):
    r = train_toy2d(replace(SMALL, steps=10, **changes), seed=0)
    cov = evaluate_modes(r, 500, seed=0)
    assert 0 <= cov.modes <= cov.n_modes and 0.0 <= cov.hq <= 1.0


def test_evaluate_rejects_spiral():
    r = train_toy2d(replace(SMALL, steps=2, data="spiral"), seed=0)
    with pytest.raises(ValueError, match="mixture"):
        evaluate_modes(r)


def test_generator_push_points_towards_real_data():
    """A D that prefers x_1 > 0: the non-saturating G loss pushes fakes to the right."""

    class Right(torch.nn.Module):
        pack = 1

        def forward(self, x):
            return 3.0 * x[:, 0]

    push = generator_push(Right(), torch.randn(20, 2), get_loss("nonsaturating"))
    assert (push[:, 0] > 0).all() and torch.allclose(push[:, 1], torch.zeros(20))


def test_gan_lab_view():
    r = train_toy2d(replace(SMALL, steps=5), seed=0)
    st = capture_state(
        r.generator,
        r.discriminator,
        "nonsaturating",
        grid25(300, seed=0),
        scale=r.scale,
        resolution=20,
    )
    assert st.fake.shape == st.arrows.shape and st.fake.shape[1] == 2
    assert st.heat.shape == (20, 20) and (st.heat >= 0).all() and (st.heat <= 1).all()
    fig = plot_snapshots([st, st])
    assert len(fig.axes) == 2
    html = animate_states([st], figsize=(2, 2))
    assert "<script" in html.data


@pytest.mark.slow
def test_cli_writes_samples(tmp_path):
    out = tmp_path / "s.npy"
    cmd = [
        sys.executable,
        "-m",
        "gancourse",
        "train",
        "toy2d",
        "--data",
        "ring8",
        "--loss",
        "nonsaturating",
    ]
    cmd += ["--steps", "20", "--seed", "1", "--samples-out", str(out), "--latent-components", "16"]
    cmd += ["--batch-size", "32", "--z-dim", "3"]
    proc = subprocess.run(cmd, capture_output=True, text=True, timeout=300, env=ONE_THREAD_ENV)
    assert proc.returncode == 0, proc.stderr
    x = np.load(out)
    assert x.shape == (2500, 2) and x.dtype == np.float32 and np.isfinite(x).all()
    assert "mode coverage" in proc.stdout


def test_cli_help_lists_losses_and_defaults():
    proc = subprocess.run(
        [sys.executable, "-m", "gancourse", "train", "toy2d", "--help"],
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert proc.returncode == 0
    for name in ("minimax", "nonsaturating", "wgan-gp", "hinge", "lsgan", "default"):
        assert name in proc.stdout
    assert "--latent-components" in proc.stdout and "50 for grid25" in proc.stdout
    assert "--preset" in proc.stdout and "vanilla" in proc.stdout


def test_gan_lab_session_and_widget():
    from gancourse.widgets.gan_lab import GANLabSession, GANLabWidget, render_png

    s1, s2 = (
        GANLabSession(replace(SMALL, data="ring8", d_steps=2)),
        GANLabSession(replace(SMALL, data="ring8", d_steps=2)),
    )
    s1.advance(5)
    s2.advance(5)
    assert s1.step == 5
    assert all(torch.equal(a, b) for a, b in zip(s1.G.parameters(), s2.G.parameters()))
    png = render_png(s1.state(resolution=10))
    assert png[:8] == b"\x89PNG\r\n\x1a\n"
    w = GANLabWidget(chunk=3)
    w.play(3)
    assert w.session.step == 3 and "step 3" in w.readout.value
    w.lr_g.value = 1e-4
    assert w.session.game.opt_g.param_groups[0]["lr"] == pytest.approx(1e-4)
    w.loss.value = "hinge"  # changing the game restarts it
    assert w.session.step == 0 and w.session.game.loss.name == "hinge"
    bundle = w._repr_mimebundle_()
    assert "image/png" in bundle and "application/vnd.jupyter.widget-view+json" in bundle


def test_gan_lab_starts_from_the_plain_game_not_the_cure():
    """The widget promises the raw dynamics: the vanilla game (a Gaussian z, no mixture
    latent, no packing, no EMA, one learning rate), whatever the recommended recipe is."""
    from gancourse.widgets.gan_lab import GANLabSession, GANLabWidget

    vanilla = preset("vanilla")
    for session in (GANLabSession(), GANLabWidget(chunk=1).session):
        cfg, G = session.config, session.G
        assert G.components == 0 and G.z_dim == vanilla.z_dim and cfg.latent_components == 0
        assert cfg.pack == 1 and cfg.ema == 0.0 and not cfg.minibatch_std and not cfg.spectral
        assert (cfg.lr_g, cfg.lr_d) == (vanilla.lr_g, vanilla.lr_d)
    w = GANLabWidget(chunk=1)
    for data in ("grid25", "ring8"):
        w.data.value = data
        assert w.session.G.components == 0 and w.session.config.data == data
    w.pack.value = 2  # what the student picks is what changes
    assert w.session.config.pack == 2 and w.session.G.components == 0


def test_toy_training_leaves_the_global_rng_alone():
    torch.manual_seed(11)
    expected = torch.rand(3)
    torch.manual_seed(11)
    train_toy2d(replace(SMALL, steps=3, loss="wgan-gp"), seed=0)
    assert torch.equal(torch.rand(3), expected)


def test_mixture_latent_picks_equally_likely_components_from_z0():
    torch.manual_seed(0)
    K = 5
    G = MLPGenerator(z_dim=3, components=K, sigma=0.02)
    assert G.mu.shape == (K, 2) and G.mu.requires_grad  # the means are learned (DeLiGAN)
    assert any(p is G.mu for p in G.parameters())
    z = torch.randn(50_000, 3, generator=torch.Generator().manual_seed(1))
    h = G.latent(z)
    # each point is its component's mean plus sigma * z_{1:}
    c = torch.cdist(h, G.mu).argmin(dim=1)
    assert torch.allclose(h, G.mu[c] + 0.02 * z[:, 1:], atol=1e-6)
    share = torch.bincount(c, minlength=K).float() / len(z)
    assert torch.allclose(share, torch.full((K,), 1 / K), atol=0.01)
    # the component is a step function of z_0: cut points at the normal quantiles
    cut = float(torch.special.ndtri(torch.tensor(2 / K)))
    below, above = torch.tensor([[cut - 1e-4, 0, 0]]), torch.tensor([[cut + 1e-4, 0, 0]])
    assert torch.equal(G.latent(below), G.mu[1:2]) and torch.equal(G.latent(above), G.mu[2:3])
    assert G(z[:7]).shape == (7, 2)


def test_mixture_latent_errors_and_presets():
    with pytest.raises(ValueError, match="z_dim >= 2"):
        MLPGenerator(z_dim=1, components=4)
    with pytest.raises(ValueError, match="components must be >= 0"):
        MLPGenerator(z_dim=3, components=-1)
    assert not hasattr(MLPGenerator(z_dim=2), "mu")  # components=0: the plain Gaussian latent
    assert LATENT_COMPONENTS["grid25"] % 25 == 0 and LATENT_COMPONENTS["ring8"] % 8 == 0
    for data in ("grid25", "ring8"):  # the mixture latent is a preset, K from the data set
        G, _ = build_models(preset("mixture-latent", data=data))
        assert G.components == LATENT_COMPONENTS[data] and G.z_dim == 5
    G, _ = build_models(preset("mixture-latent-k64"))
    assert G.components == 64
    G, _ = build_models(preset("recommended", latent_components=7))
    assert G.components == 7


def test_the_defaults_are_data_agnostic():
    """The recommended recipe (the defaults, so the CLI without flags) uses no knowledge of
    the number of modes: a Gaussian z, and the same networks whatever the data."""
    assert PRESETS["recommended"] == {}
    for data in ("grid25", "ring8", "spiral"):
        cfg = Toy2DConfig(data=data)
        assert cfg.latent_components == 0
        G, D = build_models(cfg)
        assert G.components == 0 and not hasattr(G, "mu") and G.z_dim == 2
        assert sum(p.numel() for p in G.parameters()) == sum(
            p.numel() for p in build_models(Toy2DConfig())[0].parameters()
        )
    cfg = Toy2DConfig()
    assert cfg.pack == 2 and cfg.minibatch_std and cfg.lr_d > cfg.lr_g
    assert cfg.ema > 0 and cfg.finish_frac > 0


def test_every_preset_builds_and_trains():
    assert {"recommended", "vanilla", "pacgan2", "minibatch-std", "ttur"} <= set(PRESETS)
    assert {"pack2-ttur-ema", "mixture-latent"} <= set(PRESETS)  # the earlier recipes stay
    vanilla = preset("vanilla")
    for name in PRESETS:
        cfg = preset(name, steps=2, batch_size=8)
        r = train_toy2d(cfg, seed=0)
        assert r.points(16).shape == (16, 2) and torch.isfinite(r.points(16)).all(), name
        if name in ("pacgan2", "pacgan4", "minibatch-std", "ttur", "wgan-gp", "sn-hinge"):
            # a cure is vanilla with a few changes: same networks, same budget
            full = preset(name)
            same = ("z_dim", "g_width", "g_depth", "d_width", "d_depth", "steps", "batch_size")
            assert all(getattr(full, f) == getattr(vanilla, f) for f in same), name
    assert preset("ttur").lr_d > preset("ttur").lr_g == vanilla.lr_g
    with pytest.raises(ValueError, match="unknown preset"):
        preset("nope")


def test_cli_preset_and_flags_on_top():
    import argparse

    from gancourse.cli_toy2d import add_parser, config_from_args

    sub = argparse.ArgumentParser().add_subparsers()
    p = add_parser(sub)
    assert config_from_args(p.parse_args([])) == Toy2DConfig()
    assert config_from_args(p.parse_args(["--data", "ring8"])) == Toy2DConfig(data="ring8")
    args = p.parse_args(["--preset", "vanilla", "--pack", "2"])
    assert config_from_args(args) == preset("pacgan2")
    args = p.parse_args(["--latent-components", "50", "--no-minibatch-std"])
    assert config_from_args(args) == Toy2DConfig(latent_components=50, minibatch_std=False)


def test_maxout_discriminator_and_papers_init():
    torch.manual_seed(0)
    D = MLPDiscriminator(width=6, depth=2, maxout=5)
    x = torch.randn(10, 2)
    assert D(x).shape == (10,)
    lin = D.body[0].linear  # the first maxout layer: unit j is the max of its 5 pieces
    h = lin(x).view(10, 6, 5)
    assert torch.allclose(D.body[0](x), h.max(dim=2).values)
    with pytest.raises(ValueError, match="maxout"):
        MLPDiscriminator(maxout=0)
    G, D = build_models(preset("pacgan-paper"))
    w = torch.cat([m.weight.flatten() for m in G.modules() if isinstance(m, torch.nn.Linear)])
    assert w.std().item() == pytest.approx(0.02, rel=0.05)
    assert all(
        (m.bias == 0).all() for m in D.modules() if isinstance(m, torch.nn.Linear)
    )


def test_turns_move_one_player_only():
    """Lesson 03's best-response experiment: discriminator_turn moves only D, generator_turn
    only G, both through the course's d_step / g_step."""
    game = Game.new(replace(SMALL, batch_size=32), seed=0)

    def snapshot(m):
        return [p.detach().clone() for p in m.parameters()]

    g0, d0 = snapshot(game.G), snapshot(game.D)
    game.discriminator_turn(3)
    assert all(torch.equal(a, b) for a, b in zip(g0, snapshot(game.G)))
    assert not all(torch.equal(a, b) for a, b in zip(d0, snapshot(game.D)))
    d1 = snapshot(game.D)
    assert math.isfinite(game.generator_turn(3))
    assert all(torch.equal(a, b) for a, b in zip(d1, snapshot(game.D)))
    assert not all(torch.equal(a, b) for a, b in zip(g0, snapshot(game.G)))


def test_best_response_to_a_fixed_d_collapses_onto_its_maximum():
    """G trained alone against a fixed D that peaks at one point piles its samples there."""

    class Peak(torch.nn.Module):  # logit -10 ||x - (0.5, -0.25)||^2: one maximum
        pack = 1

        def forward(self, x):
            return -10.0 * ((x - torch.tensor([0.5, -0.25])) ** 2).sum(1)

    game = Game.new(replace(SMALL, batch_size=64, lr_g=3e-3, g_depth=2), seed=0)
    game.D = Peak()
    before = game.fake_batch().detach()
    game.generator_turn(300)
    after = game.fake_batch().detach()
    target = torch.tensor([0.5, -0.25])
    assert (after - target).norm(dim=1).mean() < 0.25 * (before - target).norm(dim=1).mean()
    assert after.std(0).max() < 0.1


def test_compare_hands_back_results_and_the_table_round_trips(tmp_path):
    kept = []
    rows = compare(
        ["vanilla"],
        "ring8",
        (0,),
        steps=3,
        n=200,
        verbose=False,
        on_result=lambda name, seed, r: kept.append((name, seed, r.config.steps)),
        batch_size=16,
    )
    assert kept == [("vanilla", 0, 3)] and rows[0].seeds == (0,)
    inf_row = TableRow("x", "grid25", 5, ((0, 0.0, float("inf"), 1.0),), (7,))
    save_rows(rows + [inf_row], tmp_path / "t.json", command="python x")
    back, meta = load_rows(tmp_path / "t.json")
    assert meta == {"command": "python x"}
    for got, want in zip(back[0].per_seed, rows[0].per_seed):
        assert got == pytest.approx(want, rel=1e-4, abs=0.05)  # rounded: 6 digits, 0.1 s
    assert back[1] == inf_row


def test_the_shipped_measurement_meets_the_target():
    """The 3-seed table lesson 03 shows (benchmarks/toy2d_times.py --json-out): the
    recommended recipe captures every mode with >= 90% high quality on every seed."""
    rows, meta = load_rows(MEASURED_PATH)
    assert "benchmarks/toy2d_times.py" in meta["command"]
    table = {(r.name, r.data): r for r in rows}
    for data, k in (("grid25", 25), ("ring8", 8)):
        r = table["recommended", data]
        assert len(r.per_seed) == 3 and r.steps == Toy2DConfig().steps
        assert all(m == k and hq >= TARGET_HQ for m, hq, _, _ in r.per_seed), (data, r.per_seed)


def test_table_counts_seeds_on_target_and_survives_infinite_kl():
    from gancourse.toy2d import TableRow, format_mode_table

    ok = (25, 0.96, 0.01, 60.0)
    few_hq = (25, 0.89, 0.02, 60.0)  # the target is >= 90% high quality
    none = (0, 0.0, float("inf"), 60.0)
    table = format_mode_table([TableRow("x", "grid25", 100, (ok, few_hq, none))])
    row = table.splitlines()[-1]
    assert "| 1/3 |" in row and "| inf |" in row and "nan" not in row
    assert "16.7 ± 14.4" in row  # modes: mean 16.7, sample std 14.4
    assert TARGET_HQ == 0.90
