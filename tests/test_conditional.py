"""Lesson 08's networks and losses: G(z, y), the projection D, InfoGAN's Q and its loss."""

from __future__ import annotations

import math

import pytest
import torch
import torch.nn.functional as F

from gancourse.conditional import (
    ConditionalBatchNorm2d,
    ConditionalDiscriminator,
    ConditionalGenerator,
    InfoDiscriminator,
    InfoGenerator,
    balanced_labels,
    info_loss,
    make_code,
    mix_condition,
    paint,
    split_code,
    style_index,
    truncate,
    truncate_to_centres,
    truncation_centres,
)
from gancourse.seeding import seeded

pytestmark = pytest.mark.usefixtures("one_torch_thread")


@pytest.fixture(autouse=True)
def _seeded_global_rng():
    torch.manual_seed(0)  # the random inputs of every test below


def _g(k=6, size=8):
    with seeded(0):
        return ConditionalGenerator(z_dim=8, n_classes=k, width=4, image_size=size).eval()


def test_conditional_generator_shapes_labels_and_class_weights():
    G = _g()
    with torch.no_grad():  # classes that differ as after training (at init all gammas ~ 1)
        for m in G.modules():
            if isinstance(m, ConditionalBatchNorm2d):
                m.weight.normal_(1.0, 0.5)
                m.bias.normal_(0.0, 0.5)
    z = torch.randn(12, 8)
    y = torch.arange(12) % 6
    x = G(z, y)
    assert x.shape == (12, 3, 8, 8) and x.abs().max() <= 1
    # a one-hot row of class weights is the label itself
    assert torch.allclose(G(z, F.one_hot(y, 6).float()), x, atol=1e-6)
    # the label changes the painting of the same z (by about as much as z does)
    assert (G(z, (y + 1) % 6) - x).abs().mean() > 0.1 * (G(z.flip(0), y) - x).abs().mean()
    # a 50/50 mix of two styles uses the mean of their batch-norm scales and shifts
    cbn = next(m for m in G.modules() if isinstance(m, ConditionalBatchNorm2d))
    w = mix_condition("albers", "rothko", 0.5, n=1)
    assert torch.allclose(w @ cbn.weight, (cbn.weight[1] + cbn.weight[2])[None] / 2)
    assert torch.equal(mix_condition(0, 3, 0.0, n=2), F.one_hot(torch.tensor([0, 0]), 6).float())


def test_conditional_batch_norm_is_per_class_scale_and_shift_of_one_normalisation():
    torch.manual_seed(0)
    cbn = ConditionalBatchNorm2d(3, 2)
    with torch.no_grad():
        cbn.weight.copy_(torch.tensor([[1.0, 2.0, 3.0], [0.5, 0.5, 0.5]]))
        cbn.bias.copy_(torch.tensor([[0.0, 1.0, 0.0], [-1.0, 0.0, 1.0]]))
    x, y = torch.randn(6, 3, 4, 4), torch.tensor([0, 1, 0, 1, 1, 0])
    x_hat = F.batch_norm(x, None, None, training=True)
    expected = x_hat * cbn.weight[y][:, :, None, None] + cbn.bias[y][:, :, None, None]
    assert torch.allclose(cbn(x, y), expected, atol=1e-5)


def test_balanced_labels_differ_by_at_most_one_and_follow_the_generator():
    for n, k in ((64, 6), (10, 10), (7, 3)):
        y = balanced_labels(n, k, torch.Generator().manual_seed(1))
        counts = torch.bincount(y, minlength=k)
        assert len(y) == n and counts.max() - counts.min() <= 1
    a = balanced_labels(64, 6, torch.Generator().manual_seed(2))
    assert torch.equal(a, balanced_labels(64, 6, torch.Generator().manual_seed(2)))
    extra = {int(torch.bincount(balanced_labels(64, 6, torch.Generator().manual_seed(s))).argmax())
             for s in range(20)}  # fmt: skip
    assert len(extra) > 1  # which classes get the extra images varies


def test_projection_logit_is_psi_of_phi_plus_embedding_dot_phi():
    with seeded(0):
        D = ConditionalDiscriminator(3, width=4, image_size=8, condition="projection")
    x, y = torch.randn(5, 3, 8, 8), torch.tensor([0, 1, 2, 1, 0])
    phi = D.features(x)
    assert phi.shape == (5, D.phi_dim) == (5, (4 + 1) * 16)  # 4 channels + minibatch std, 4x4
    # a hand-built case: psi sums phi, embed(k) = k * (1, 1, ..., 1)
    with torch.no_grad():
        D.psi.weight.fill_(1.0)
        D.psi.bias.fill_(0.5)
        D.embed.weight.copy_(torch.arange(3.0)[:, None].expand(3, D.phi_dim))
    logit = D(x, y)
    assert torch.allclose(logit, phi.sum(1) + 0.5 + y * phi.sum(1), rtol=1e-5, atol=1e-5)
    # the class enters only through the projection term: logit(y) - logit(y') = (e_y - e_y') . phi
    with torch.no_grad():
        D.embed.weight.normal_()
    delta = D(x, y) - D(x, torch.zeros_like(y))
    expected = ((D.embed.weight[y] - D.embed.weight[0]) * phi).sum(1)
    assert torch.allclose(delta, expected, rtol=1e-4, atol=1e-4)


def test_concat_discriminator_reads_the_label_as_tiled_one_hot_channels():
    with seeded(0):
        D = ConditionalDiscriminator(4, width=4, image_size=8, condition="concat", mbstd=False)
    x, y = torch.randn(3, 3, 8, 8), torch.tensor([3, 0, 1])
    first = D.body[0]
    assert first.in_channels == 3 + 4 and not hasattr(D, "embed")
    planes = torch.zeros(3, 4, 8, 8)
    planes[torch.arange(3), y] = 1.0
    expected = D.psi(D.body(torch.cat([x, planes], 1)).flatten(1)).flatten()
    assert torch.allclose(D(x, y), expected, atol=1e-6)
    assert (D(x, (y + 1) % 4) - D(x, y)).abs().max() > 0


def test_info_loss_is_zero_for_a_perfect_q_and_positive_otherwise():
    torch.manual_seed(0)
    c, u = torch.tensor([0, 3, 5, 2]), torch.rand(4, 2) * 2 - 1
    code = make_code(c, u, 6)
    assert torch.equal(split_code(code, 6)[0], c) and torch.equal(split_code(code, 6)[1], u)
    perfect = 60.0 * F.one_hot(c, 6).float()  # logits that single out the code
    assert info_loss(perfect, u.clone(), code) < 1e-6
    wrong_class = 60.0 * F.one_hot((c + 1) % 6, 6).float()
    assert info_loss(wrong_class, u.clone(), code) > 10.0
    assert torch.isclose(info_loss(perfect, u + 0.5, code), torch.tensor(0.5 * 0.25 * 2), atol=1e-5)
    uniform = torch.zeros(4, 6)  # Q that knows nothing: log 6 nats
    assert torch.isclose(info_loss(uniform, u, code), torch.log(torch.tensor(6.0)), atol=1e-5)
    # the pitfall: a softmax before the cross-entropy never reaches 0, even for a perfect Q
    assert info_loss(perfect.softmax(1), u, code) > 0.5
    with pytest.raises(ValueError, match="does not fit"):
        info_loss(perfect, u, code[:, :7])


def test_info_models_shapes_and_q_shares_the_body():
    with seeded(0):
        G = InfoGenerator(z_dim=8, n_cat=6, n_cont=2, width=4, image_size=8)
        D = InfoDiscriminator(6, 2, width=4, image_size=8)
    code = G.random_condition(12, torch.Generator().manual_seed(0))
    c, u = split_code(code, 6)
    assert torch.bincount(c, minlength=6).tolist() == [2] * 6 and u.abs().max() <= 1
    x = G(torch.randn(12, 8), code)
    assert x.shape == (12, 3, 8, 8) and D(x).shape == (12,)
    logits, mean = D.q(x)
    assert logits.shape == (12, 6) and mean.shape == (12, 2)
    assert {n.split(".")[0] for n, _ in D.named_parameters()} == {"body", "head", "q_head"}
    # Q judges each image alone (no minibatch-std feature): a batch of one reads the same
    assert torch.allclose(D.q(x[:1])[0], logits[:1], atol=1e-5)


def test_info_term_trains_q_in_the_d_step_and_g_in_the_g_step():
    from gancourse.conditional import info_term
    from gancourse.losses import LOSSES
    from gancourse.train import d_step, g_step

    with seeded(0):
        G = InfoGenerator(z_dim=8, n_cat=3, n_cont=1, width=4, image_size=8)
        D = InfoDiscriminator(3, 1, width=4, image_size=8)
    opt_d, opt_g = torch.optim.Adam(D.parameters()), torch.optim.Adam(G.parameters())
    code = G.random_condition(6, torch.Generator().manual_seed(0))
    x_real, z = torch.rand(6, 3, 8, 8) * 2 - 1, torch.randn(6, 8)
    loss = LOSSES["nonsaturating"]
    q_before, g_before = D.q_head[-1].weight.clone(), G.net[0].weight.clone()
    term = info_term(D, code, 1.0)
    x_fake = G(z, code)
    with torch.no_grad():
        expected = loss.d_loss(D(x_real), D(x_fake)) + info_loss(*D.q(x_fake), code)
    loss_d, _, _ = d_step(D, loss, opt_d, x_real, x_fake, extra=term)
    assert torch.allclose(loss_d, expected, atol=1e-5)
    assert not torch.equal(D.q_head[-1].weight, q_before)  # Q learned in D's step
    assert torch.equal(G.net[0].weight, g_before)
    q_after_d = D.q_head[-1].weight.clone()
    x_fake = G(z, code)
    with torch.no_grad():
        expected_g = loss.g_loss(D(x_fake)) + info_loss(*D.q(x_fake), code)
    assert torch.allclose(g_step(D, loss, opt_g, x_fake, extra=term), expected_g, atol=1e-5)
    assert torch.equal(D.q_head[-1].weight, q_after_d)  # D and Q frozen in G's step
    assert not torch.equal(G.net[0].weight, g_before)


def test_palette_blind_view_hides_the_palette_keeps_grey_grey_and_follows_its_generator():
    from gancourse.conditional import palette_blind

    x = torch.rand(5, 3, 8, 8) * 2 - 1
    a = palette_blind(x, torch.Generator().manual_seed(1))
    assert a.shape == x.shape
    assert torch.equal(a, palette_blind(x, torch.Generator().manual_seed(1)))  # seeded
    assert not torch.equal(a, palette_blind(x, torch.Generator().manual_seed(2)))
    # a red and a blue painting of the same picture look alike to Q: over many views, every
    # channel of the view carries the painted channel equally often
    red = torch.zeros(2000, 3, 8, 8)
    red[:, 0, 2:6, 2:6] = 1.0
    views = palette_blind(red, torch.Generator().manual_seed(0))[:, :, 4, 4]
    shares = (views.argmax(1)[:, None] == torch.arange(3)).float().mean(0)
    assert torch.allclose(shares, torch.full((3,), 1 / 3), atol=0.05)
    grey = torch.rand(4, 1, 8, 8).expand(4, 3, 8, 8)  # no palette at all: stays grey
    g = palette_blind(grey, torch.Generator().manual_seed(3))
    assert torch.allclose(g[:, 0], g[:, 1], atol=1e-6) and torch.allclose(
        g[:, 1], g[:, 2], atol=1e-6
    )
    x.requires_grad_(True)
    palette_blind(x, torch.Generator().manual_seed(1)).sum().backward()
    assert x.grad is not None and x.grad.abs().sum() > 0  # G learns through the view
    with pytest.raises(ValueError, match=r"colour images \(N, 3, H, W\)"):
        palette_blind(torch.zeros(2, 1, 8, 8))


def test_cluster_loss_rewards_balanced_confident_agreeing_categories():
    from gancourse.conditional import cluster_loss

    k, sure = 4, 30.0
    labels = torch.arange(40) % k
    balanced = torch.nn.functional.one_hot(labels, k).float() * sure
    # I(x; c) = H(mean p) - mean H(p) = log K for balanced, confident categories
    assert float(cluster_loss(balanced, balanced)) == pytest.approx(-math.log(k), abs=1e-4)
    uniform = torch.zeros(40, k)  # no category at all
    assert float(cluster_loss(uniform, uniform)) == pytest.approx(0.0, abs=1e-6)
    collapsed = torch.nn.functional.one_hot(torch.zeros(40, dtype=torch.long), k).float() * sure
    assert float(cluster_loss(collapsed, collapsed)) == pytest.approx(0.0, abs=1e-4)  # one group
    shifted = torch.nn.functional.one_hot((labels + 1) % k, k).float() * sure
    assert float(cluster_loss(balanced, shifted)) > 10.0  # the two views disagree
    with pytest.raises(ValueError, match=r"two \(N, K\) logits"):
        cluster_loss(balanced, balanced[:, :3])


def test_cluster_loss_alone_finds_well_separated_groups():
    from gancourse.conditional import cluster_loss

    g = torch.Generator().manual_seed(0)
    centres = torch.tensor([[4.0, 0.0], [-4.0, 0.0], [0.0, 4.0]])
    truth = torch.arange(300) % 3
    points = centres[truth] + 0.5 * torch.randn(300, 2, generator=g)
    with seeded(0):
        q = torch.nn.Sequential(torch.nn.Linear(2, 16), torch.nn.Tanh(), torch.nn.Linear(16, 3))
    opt = torch.optim.Adam(q.parameters(), 1e-2)
    for _ in range(300):
        view = lambda p: p + 0.3 * torch.randn(p.shape, generator=g)  # noqa: E731
        loss = cluster_loss(q(view(points)), q(view(points)))
        opt.zero_grad()
        loss.backward()
        opt.step()
    from gancourse.conditional import normalized_mutual_info

    found = q(points).argmax(1)
    assert normalized_mutual_info(found.numpy(), truth.numpy()) > 0.95


def test_info_term_with_a_view_and_the_real_clustering_term():
    from gancourse.conditional import cluster_loss, info_term

    with seeded(0):
        D = InfoDiscriminator(3, 1, width=4, image_size=8)
    D.eval()  # no batch statistics: the same images read the same twice
    code = make_code(torch.tensor([0, 1, 2, 0]), torch.zeros(4, 1), 3)
    x_fake, x_real = torch.rand(4, 3, 8, 8), torch.rand(6, 3, 8, 8)
    flip = lambda x: x.flip(3)  # noqa: E731
    plain = info_term(D, code, 2.0)(x_fake)
    assert torch.allclose(plain, 2.0 * info_loss(*D.q(x_fake), code))
    seen = info_term(D, code, 2.0, view=flip)(x_fake)
    assert torch.allclose(seen, 2.0 * info_loss(*D.q(x_fake.flip(3)), code))
    both = info_term(D, code, 2.0, view=flip, x_real=x_real, real_weight=0.5)(x_fake)
    q_real = D.q(x_real.flip(3))[0]
    assert torch.allclose(both, seen + 0.5 * cluster_loss(q_real, q_real), atol=1e-6)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda G, D: G(torch.randn(2, 8), torch.tensor([0, 6])), "label out of range"),
        (lambda G, D: G(torch.randn(2, 8), torch.tensor([-1, 0])), "label out of range"),
        (lambda G, D: G(torch.randn(2, 9), torch.tensor([0, 1])), r"z of shape \(N, 8\)"),
        (lambda G, D: G(torch.randn(2, 8)), "needs the labels"),
        (lambda G, D: G(torch.randn(2, 8), torch.tensor([0, 1, 2])), r"labels y of shape \(2,\)"),
        (lambda G, D: G(torch.randn(2, 8), torch.full((2, 6), 0.5)), "sum to 1"),
        (lambda G, D: D(torch.randn(2, 3, 8, 8), torch.tensor([0, 6])), "label out of range"),
        (lambda G, D: D(torch.randn(2, 3, 8, 8)), "needs the labels"),
        (lambda G, D: D(torch.randn(2, 1, 8, 8), torch.tensor([0, 1])), r"\(N, 3, 8, 8\)"),
        (lambda G, D: D(torch.randn(2, 3, 8, 8), torch.eye(6)[:2]), "integer labels"),
        (lambda G, D: style_index("picasso"), "unknown style 'picasso'.*mondrian"),
        (lambda G, D: style_index(6), "from 0 to 5"),
        (lambda G, D: paint(G, "monet"), "unknown style 'monet'"),
        (lambda G, D: mix_condition("rothko", "albers", 1.5), r"mix t must be in \[0, 1\]"),
        (lambda G, D: truncate(torch.randn(2, 8), -0.1), r"psi must be in \[0, 1\]"),
        (lambda G, D: make_code(torch.tensor([0, 6]), torch.zeros(2, 2), 6), "out of range"),
        (lambda G, D: ConditionalDiscriminator(6, condition="add"), "projection"),
        (lambda G, D: ConditionalGenerator(n_classes=1), "n_classes must be an int >= 2"),
    ],
)
def test_bad_input_is_named(call, match):
    with seeded(0):
        D = ConditionalDiscriminator(6, width=4, image_size=8)
    with pytest.raises((ValueError, TypeError), match=match):
        call(_g(), D)


def test_paint_asks_for_styles_by_name_with_shared_z_and_truncation():
    G = _g()
    rothko = paint(G, "rothko", 4, seed=3)
    assert rothko.shape == (4, 3, 8, 8)
    assert torch.equal(rothko, paint(G, 2, 4, seed=3))
    assert not torch.equal(rothko, paint(G, "albers", 4, seed=3))
    assert torch.allclose(paint(G, "rothko", 4, seed=3, mix_with="albers", mix=0.0), rothko)
    assert torch.allclose(paint(G, "albers", 4, seed=3, mix_with="rothko", mix=1.0), rothko)
    assert torch.equal(truncate(torch.ones(2, 3), 0.5), torch.full((2, 3), 0.5))
    # psi = 0: every seed paints the same (the mean latent)
    assert torch.allclose(
        paint(G, "riley", 2, seed=1, psi=0.0), paint(G, "riley", 2, seed=9, psi=0.0)
    )


def test_truncation_toward_centres_keeps_the_norm_and_ends_at_the_nearest_anchor():
    g = torch.Generator().manual_seed(0)
    z = torch.randn(50, 16, generator=g) * 4
    centres = torch.randn(3, 5, 16, generator=g) * 4  # 3 classes, 5 anchors each
    y = torch.arange(50) % 3
    assert torch.allclose(truncate_to_centres(z, y, centres, 1.0), z, atol=1e-4)
    ends = truncate_to_centres(z, y, centres, 0.0)
    cos = torch.cosine_similarity(centres[y], z[:, None], dim=2)  # (50, 5)
    assert torch.allclose(ends, centres[y, cos.argmax(1)], atol=1e-4)  # the nearest, own class
    # equal norms at both ends (as on the shell |z| ~ sqrt(D)): every point keeps that norm,
    # and psi = 0.5 lies midway along the arc
    zn, cn = z / z.norm(dim=1, keepdim=True) * 8, centres / centres.norm(dim=2, keepdim=True) * 8
    assert torch.allclose(truncate_to_centres(zn, y, cn, 0.3).norm(dim=1), torch.full((50,), 8.0))
    half, ends = truncate_to_centres(zn, y, cn, 0.5), truncate_to_centres(zn, y, cn, 0.0)
    angle = lambda a, b: torch.arccos(torch.cosine_similarity(a, b, dim=1).clamp(-1, 1))  # noqa: E731
    assert torch.allclose(angle(half, zn), angle(half, ends), atol=1e-3)
    with pytest.raises(ValueError, match="psi must be in"):
        truncate_to_centres(z, y, centres, 1.5)
    with pytest.raises(ValueError, match="expected centres"):
        truncate_to_centres(z, y, centres[:, :, :8], 0.5)


def test_truncation_centres_are_the_latents_whose_paintings_lie_nearest_real_ones():
    class Pixels(torch.nn.Module):  # "features" = the pixels themselves
        def __init__(self):
            super().__init__()
            self.unused = torch.nn.Parameter(torch.zeros(1))  # features() reads the device

        def forward(self, x):
            return x.flatten(1)

        def features(self, x):
            return x.flatten(1)

    from gancourse.models import generate, sample_latents

    G, feats = _g(), Pixels()
    z = sample_latents(40, G.z_dim, seed=5)  # class 0's candidates (seed + 0)
    real = generate(G, z[:3], torch.zeros(3, dtype=torch.long))  # "real": three of them
    centres = truncation_centres(G, feats, real, n_candidates=40, n_centres=2, k=1, seed=5)
    assert centres.shape == (6, 2, G.z_dim)
    assert {tuple(c.tolist()) for c in centres[0]} <= {tuple(r.tolist()) for r in z[:3]}
    # psi = 0: the anchors' paintings
    ends = paint(G, "albers", 4, seed=1, psi=0.0, centres=centres)
    anchors = generate(G, centres[1], torch.ones(2, dtype=torch.long))
    assert all(any(torch.allclose(e, a, atol=1e-5) for a in anchors) for e in ends)
    others = generate(G, sample_latents(5, G.z_dim, seed=6), torch.arange(1, 6))
    styled, labels = torch.cat([real, others]), torch.tensor([0, 0, 0, 1, 2, 3, 4, 5])
    own = truncation_centres(G, feats, styled, labels, n_candidates=40, n_centres=2, k=1, seed=5)
    assert torch.equal(own[0], centres[0])  # class 0 judged against its own three paintings
    assert not torch.equal(own[1], centres[1])  # class 1 against its one painting, not class 0's
    with pytest.raises(ValueError, match="n_centres"):
        truncation_centres(G, feats, real, n_candidates=4, n_centres=5)
    with pytest.raises(ValueError, match="real paintings of class 1"):  # none of style 1
        truncation_centres(G, feats, styled[labels != 1], labels[labels != 1], n_candidates=4,
                           n_centres=2, k=1)  # fmt: skip


def test_conditional_generator_file_round_trip_and_sampling(tmp_path):
    from gancourse.checkpoint import load_generator_file, save_generator_file
    from gancourse.models import refresh_batch_norm, sample

    G = _g()
    path = save_generator_file(G, tmp_path / "g.pt", {"command": "python -m gancourse train cgan"})
    H, info = load_generator_file(path)
    assert type(H) is ConditionalGenerator and info["config"]["n_classes"] == 6
    y = torch.arange(6)
    assert torch.equal(sample(G, 6, seed=1, condition=y), sample(H, 6, seed=1, condition=y))
    refresh_batch_norm(H, n_batches=2, batch_size=12)  # draws balanced labels itself
    bn = next(m for m in H.modules() if isinstance(m, ConditionalBatchNorm2d)).bn
    assert bn.num_batches_tracked == 2
    with seeded(0):
        I = InfoGenerator(z_dim=8, n_cat=6, n_cont=2, width=4, image_size=8)
    J, info = load_generator_file(save_generator_file(I, tmp_path / "i.pt"))
    assert type(J) is InfoGenerator and (J.z_dim, J.n_cat, J.n_cont) == (8, 6, 2)


@pytest.mark.parametrize("kind", ["cgan", "infogan"])
def test_shipped_lesson08_generators(kind):
    """The shipped files load, name the course command that made them, and obey their input:
    for a fixed z, another style (another code) gives another painting."""
    from gancourse import pretrained

    path = pretrained.ART_CGAN_PATH if kind == "cgan" else pretrained.ART_INFOGAN_PATH
    G = pretrained.load_art_cgan() if kind == "cgan" else pretrained.load_art_infogan()
    info = pretrained.art_cgan_info() if kind == "cgan" else pretrained.art_infogan_info()
    assert path.stat().st_size < 3 * 2**20
    assert info["command"].startswith(f"python -m gancourse train {kind} --data art")
    assert not G.training and G.image_size == 32 and G.channels == 3
    z = torch.randn(1, G.z_dim, generator=torch.Generator().manual_seed(0)).repeat(6, 1)
    if kind == "cgan":
        x = G(z, torch.arange(6))
    else:
        x = G(z, make_code(torch.arange(6), torch.zeros(6, G.n_cont), G.n_cat))
    assert x.shape == (6, 3, 32, 32) and x.abs().max() <= 1.0
    gaps = (x[:, None] - x[None]).abs().mean((2, 3, 4))
    assert gaps[~torch.eye(6, dtype=torch.bool)].min() > 0.02  # six different paintings of one z
