"""Lesson 06: latent-space functions (gancourse.latent) and the widgets built on them.

The widget tests (names containing ``widget``) assert on widget state only (``Image.value``,
``Label.value``, control values), never on a browser; tests/test_widgets_ipywidgets7.py
runs them again under ipywidgets 7.7.1, the version Colab ships.
"""

from __future__ import annotations

import io
import math

import numpy as np
import pytest
import torch
from PIL import Image as PILImage
from torch import nn

from gancourse.latent import (
    StyleLatents,
    direction_sweep,
    edit_latent,
    expected_norm,
    find_directions,
    intermediate_features,
    interpolation_path,
    latent_arithmetic,
    latent_from_seed,
    lerp,
    nearest_neighbours,
    nearest_training_images,
    nn_baseline,
    norm_statistics,
    pca,
    slerp,
    style_latents,
)
from gancourse.models import Generator, generate, sample, sample_latents

Z_DIM = 16


def _calibrated(generator: Generator, seed: int = 0) -> Generator:
    """An untrained generator whose batch-norm running statistics match its activations.

    Freshly initialised, the running statistics (mean 0, var 1) do not match the tiny
    N(0, 0.02)-weight activations, and eval mode outputs images of ~1e-4: all alike. One
    pass in train mode with cumulative averaging fixes that, so different z give visibly
    different images, as with a trained generator.
    """
    for m in generator.modules():
        if isinstance(m, nn.BatchNorm2d):
            m.momentum = None
    generator.train()
    with torch.no_grad():
        generator(sample_latents(512, generator.z_dim, seed=seed))
    return generator.eval()


@pytest.fixture(autouse=True, scope="module")
def _one_thread():
    """Tiny tensors: one torch thread is as fast, and far faster on a loaded machine."""
    before = torch.get_num_threads()
    torch.set_num_threads(1)
    yield
    torch.set_num_threads(before)


@pytest.fixture(scope="module")
def G() -> Generator:
    torch.manual_seed(0)
    return _calibrated(Generator(z_dim=Z_DIM, width=8, image_size=32, channels=3))


def _pair(seed: int, d: int = 64) -> tuple[torch.Tensor, torch.Tensor]:
    g = torch.Generator().manual_seed(seed)
    return torch.randn(d, generator=g, dtype=torch.float64), torch.randn(
        d, generator=g, dtype=torch.float64
    )


def _angle(a: torch.Tensor, b: torch.Tensor) -> float:
    return float(torch.arccos((a @ b / (a.norm() * b.norm())).clamp(-1, 1)))


# --------------------------------------------------------------------------- interpolation


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_slerp_hits_both_endpoints(seed):
    z0, z1 = _pair(seed)
    z1 = 3.0 * z1  # unequal norms
    torch.testing.assert_close(slerp(z0, z1, 0.0), z0, rtol=0, atol=1e-12)
    torch.testing.assert_close(slerp(z0, z1, 1.0), z1, rtol=0, atol=1e-12)
    path = interpolation_path(z0, z1, 7, "slerp")
    assert path.shape == (7, 64)
    torch.testing.assert_close(path[0], z0, rtol=0, atol=1e-12)
    torch.testing.assert_close(path[-1], z1, rtol=0, atol=1e-12)


def test_slerp_keeps_the_norm_of_equal_norm_endpoints_and_lerp_does_not():
    z0, z1 = _pair(3)
    z1 = z1 / z1.norm() * z0.norm()
    t = torch.linspace(0, 1, 41)
    norms = slerp(z0, z1, t).norm(dim=1)
    torch.testing.assert_close(norms, torch.full_like(norms, float(z0.norm())), rtol=1e-10, atol=0)
    # the straight chord cuts inside the sphere: about 1/sqrt(2) of the norm at t = 1/2
    mid = lerp(z0, z1, 0.5).norm() / z0.norm()
    assert 0.6 < mid < 0.8


def test_slerp_is_symmetric_and_moves_at_constant_angular_speed():
    z0, z1 = _pair(4)
    torch.testing.assert_close(slerp(z0, z1, 0.5), slerp(z1, z0, 0.5), rtol=0, atol=1e-12)
    for t in (0.1, 0.3, 0.8):
        torch.testing.assert_close(slerp(z0, z1, t), slerp(z1, z0, 1 - t), rtol=0, atol=1e-12)
    z1 = z1 / z1.norm() * z0.norm()  # equal norms: the point moves at constant angular speed
    omega = _angle(z0, z1)
    for t in (0.25, 0.5, 0.9):
        assert _angle(z0, slerp(z0, z1, t)) == pytest.approx(t * omega, abs=1e-9)
    e1, e2 = torch.eye(2, dtype=torch.float64)
    torch.testing.assert_close(slerp(e1, e2, 0.5), (e1 + e2) / math.sqrt(2), rtol=0, atol=1e-12)


def test_slerp_edge_cases():
    z0, _ = _pair(5)
    torch.testing.assert_close(slerp(z0, 2 * z0, 0.5), 1.5 * z0)  # parallel: the lerp path
    with pytest.raises(ValueError, match="opposite"):
        slerp(z0, -z0, 0.5)
    with pytest.raises(ValueError, match="non-zero"):
        slerp(z0, torch.zeros_like(z0), 0.5)
    with pytest.raises(ValueError, match="shape"):
        slerp(z0, z0[:3], 0.5)
    with pytest.raises(ValueError, match="method"):
        interpolation_path(z0, z0, 5, "cubic")
    lin = lerp(z0, 3 * z0, [0.0, 0.5, 1.0])
    torch.testing.assert_close(lin, torch.stack([z0, 2 * z0, 3 * z0]))


# --------------------------------------------------------------------------- norms


def test_expected_norm_formula():
    assert expected_norm(1) == pytest.approx(math.sqrt(2 / math.pi))
    assert expected_norm(2) == pytest.approx(math.sqrt(math.pi / 2))
    assert expected_norm(512) == pytest.approx(math.sqrt(511.5), rel=1e-4)


def test_norm_statistics_show_concentration_and_the_lerp_dip():
    stats = norm_statistics(128, n=2000, seed=0)
    assert stats.norms.mean() == pytest.approx(expected_norm(128), rel=0.01)
    assert stats.relative_spread == pytest.approx(1 / math.sqrt(2 * 128), rel=0.1)
    # independent Gaussian pairs are nearly orthogonal: the lerp midpoint has norm ~ sqrt(D/2)
    assert stats.lerp_mid_norms.mean() == pytest.approx(math.sqrt(128 / 2), rel=0.02)
    assert stats.slerp_mid_norms.mean() == pytest.approx(stats.norms.mean(), rel=0.02)
    assert stats.lerp_mid_norms.max() < stats.norms.min() + 2  # the two histograms barely touch


def test_latent_from_seed_names_the_image_models_sample_draws(G):
    torch.testing.assert_close(generate(G, latent_from_seed(7, Z_DIM)), sample(G, 1, seed=7))
    assert not torch.equal(latent_from_seed(7, Z_DIM), latent_from_seed(8, Z_DIM))


# --------------------------------------------------------------------------- directions


def test_pca_finds_a_planted_direction_exactly_and_randomised():
    g = torch.Generator().manual_seed(0)
    u = torch.randn(200, generator=g)
    u /= u.norm()
    x = torch.randn(300, 200, generator=g) * 0.1 + torch.randn(300, 1, generator=g) * 5 * u
    for exact in (True, False):
        comps, ratio, mean = pca(x, 3, exact=exact)
        assert abs(float(comps[0] @ u)) > 0.999
        assert ratio[0] > 0.5 and ratio[0] > 10 * ratio[1]
        torch.testing.assert_close(comps @ comps.T, torch.eye(3), atol=1e-5, rtol=0)
        torch.testing.assert_close(mean, x.mean(0))


def test_find_directions_is_deterministic_with_a_seed(G):
    a = find_directions(G, 4, n=300, seed=1)
    b = find_directions(G, 4, n=300, seed=1)
    c = find_directions(G, 4, n=300, seed=2)
    assert torch.equal(a.vectors, b.vectors) and torch.equal(a.explained, b.explained)
    assert not torch.allclose(a.vectors, c.vectors)
    assert a.vectors.shape == (4, Z_DIM) and len(a) == 4
    torch.testing.assert_close(a.vectors.norm(dim=1), torch.ones(4))
    assert (a.explained[:-1] >= a.explained[1:]).all()


def test_feature_directions_move_the_features_more_than_random_ones(G):
    d = find_directions(G, 3, n=600, seed=0, space="features")
    z = sample_latents(200, Z_DIM, seed=9)
    f0 = intermediate_features(G, z)
    g = torch.Generator().manual_seed(3)
    rand = torch.randn(20, Z_DIM, generator=g)
    rand /= rand.norm(dim=1, keepdim=True)

    def moved(u):
        return float((intermediate_features(G, z + 2.0 * u) - f0).norm(dim=1).mean())

    top = moved(d.vectors[0])
    random_moves = sorted(moved(r) for r in rand)
    assert top > random_moves[len(random_moves) // 2]  # beats the median random direction


def test_directions_of_z_itself_have_a_flat_spectrum(G):
    d = find_directions(G, 4, n=4000, seed=0, space="z")
    assert d.explained.sum() < 4 * 1.5 / Z_DIM  # no direction of N(0, I) stands out


def test_direction_errors_are_clear(G):
    with pytest.raises(ValueError, match="space"):
        find_directions(G, 2, n=50, space="pixels")
    with pytest.raises(TypeError, match="z_dim"):
        find_directions(nn.Linear(3, 3), 2, n=50)
    z = latent_from_seed(0, Z_DIM)
    with pytest.raises(ValueError, match="alphas"):
        edit_latent(z, torch.eye(Z_DIM)[:3], [1.0, 2.0])
    torch.testing.assert_close(
        edit_latent(z, torch.eye(Z_DIM)[:2], [1.0, -2.0]),
        z + torch.eye(Z_DIM)[0] - 2 * torch.eye(Z_DIM)[1],
    )


def test_direction_sweep_shape_and_centre(G):
    d = find_directions(G, 2, n=200, seed=0, space="image")
    z = latent_from_seed(3, Z_DIM)
    x = direction_sweep(G, z, d, [-2.0, 0.0, 2.0])
    assert x.shape == (6, 3, 32, 32)
    torch.testing.assert_close(x[1], generate(G, z)[0])
    torch.testing.assert_close(x[4], generate(G, z)[0])


# --------------------------------------------------------------------------- arithmetic


@pytest.fixture(scope="module")
def classify(G):
    """A stand-in style classifier with 3 'styles': which colour channel is most above
    its average over G's samples (standardised), so each style gets a fair share."""
    means = generate(G, sample_latents(1000, Z_DIM, seed=99)).mean(dim=(2, 3))
    mu, sd = means.mean(0), means.std(0)

    def _classify(images: torch.Tensor) -> torch.Tensor:
        return (images.mean(dim=(2, 3)) - mu) / sd

    return _classify


STYLES = ("red", "green", "blue")


def test_style_latents_average_z_by_predicted_style(G, classify):
    s = style_latents(G, classify, STYLES, n=300, seed=0)
    z = sample_latents(300, Z_DIM, seed=0)
    labels = classify(generate(G, z)).argmax(1)
    assert torch.equal(s.labels, labels)
    assert int(s.counts.sum()) == 300
    for i in range(3):
        if s.counts[i]:
            torch.testing.assert_close(s.means[i], z[labels == i].mean(0))


def test_latent_arithmetic_pushes_images_towards_the_target_style(G, classify):
    s = style_latents(G, classify, STYLES, n=600, seed=0)
    assert (s.counts > 50).all()
    z = sample_latents(60, Z_DIM, seed=1)
    before, after = [], []
    for a in range(3):
        for b in range(3):
            if a != b:
                z_new = torch.stack([latent_arithmetic(zi, s, a, b, alpha=1.0) for zi in z])
                before.append((classify(generate(G, z)).argmax(1) == a).float().mean())
                after.append((classify(generate(G, z_new)).argmax(1) == a).float().mean())
    # on average over the 6 ordered pairs, style a's share grows clearly (about 1/3 -> 1/2)
    assert sum(after) / 6 > sum(before) / 6 + 0.1
    torch.testing.assert_close(latent_arithmetic(z[0], s, 0, 1, alpha=0.0), z[0])


def test_arithmetic_errors_name_the_problem():
    s = StyleLatents(
        means=torch.tensor([[1.0, 0.0], [float("nan")] * 2]),
        counts=torch.tensor([3, 0]),
        labels=torch.zeros(3, dtype=torch.long),
        names=("a", "b"),
    )
    with pytest.raises(ValueError, match="no sample was classified as 'b'"):
        s.direction("a", "b")
    with pytest.raises(ValueError, match="unknown style"):
        s.direction("a", "zz")


# --------------------------------------------------------------------------- memorisation


def test_nearest_neighbours_match_brute_force():
    g = torch.Generator().manual_seed(0)
    ref = torch.randn(50, 8, generator=g)
    q = torch.cat([ref[[7, 21]], torch.randn(3, 8, generator=g)])
    d, i = nearest_neighbours(q, ref, k=4)
    assert i[0, 0] == 7 and i[1, 0] == 21 and d[0, 0] == 0 and d[1, 0] == 0
    brute = torch.cdist(q, ref).argsort(dim=1)[:, :4]
    assert torch.equal(i, brute)
    assert (d[:, 1:] >= d[:, :-1]).all()
    with pytest.raises(ValueError, match="same F"):
        nearest_neighbours(q, ref[:, :3])


def test_nearest_training_images_finds_a_copied_sample(G):
    train = torch.cat([torch.rand(40, 3, 32, 32) * 2 - 1, sample(G, 1, seed=11)])

    def feature_fn(x):
        return x.flatten(1)

    d, i = nearest_training_images(sample(G, 1, seed=11), feature_fn(train), feature_fn, k=3)
    assert i[0, 0] == 40 and float(d[0, 0]) == pytest.approx(0.0, abs=1e-4)
    assert nn_baseline(feature_fn(train)) > 1.0


# --------------------------------------------------------------------------- widgets


def _png_array(data: bytes) -> np.ndarray:
    return np.asarray(PILImage.open(io.BytesIO(data)).convert("RGB"))


def test_widget_explorer_slider_changes_the_image_and_is_repeatable(G):
    from gancourse.widgets.latent import LatentExplorer

    e = LatentExplorer(G, find_directions(G, 3, n=200, seed=0), seed=4)
    start = e.image.value
    assert _png_array(start).shape == (32 * 6, 32 * 6, 3)
    e.sliders[0].value = 2.0
    moved = e.image.value
    assert moved != start
    e.sliders[0].value = -1.0
    assert e.image.value not in (start, moved)
    e.sliders[0].value = 2.0
    assert e.image.value == moved  # same value, same bytes
    e.reset_button.click()
    assert e.image.value == start and e.alphas == [0.0, 0.0, 0.0]


def test_widget_explorer_seed_and_randomise(G):
    from gancourse.widgets.latent import LatentExplorer

    e = LatentExplorer(G, torch.eye(Z_DIM)[:2], seed=0, rng_seed=5)
    first = e.image.value
    e.seed.value = 1
    assert e.image.value != first and "seed 1" in e.label.value
    e.seed.value = 0
    assert e.image.value == first
    e.randomise_button.click()
    assert e.seed.value != 0 and e.image.value != first
    other = LatentExplorer(G, torch.eye(Z_DIM)[:2], seed=0, rng_seed=5)
    other.randomise_button.click()
    assert other.seed.value == e.seed.value  # randomise is seeded too
    with pytest.raises(ValueError, match="directions"):
        LatentExplorer(G, torch.eye(3))


def test_widget_explorer_image_is_the_generated_image(G):
    from gancourse.widgets.latent import LatentExplorer, images_to_png

    e = LatentExplorer(G, torch.eye(Z_DIM)[:2], seed=3, scale=1)
    e.sliders[1].value = 1.5
    z = latent_from_seed(3, Z_DIM) + 1.5 * torch.eye(Z_DIM)[1]
    expected = ((generate(G, z)[0].permute(1, 2, 0).numpy() + 1) / 2 * 255 + 0.5).clip(0, 255)
    got = _png_array(e.image.value).astype(float)
    assert np.abs(got - np.floor(expected)).max() <= 1.0
    assert images_to_png(generate(G, z), scale=1, padding=0) == e.image.value


def test_widget_explorer_updates_fast_enough_on_cpu():
    from gancourse.widgets.latent import LatentExplorer, measure_explorer_latency

    torch.manual_seed(0)
    big = Generator(z_dim=64, width=64, image_size=32).eval()  # the lesson 05 size
    e = LatentExplorer(big, torch.eye(64)[:5])
    times = measure_explorer_latency(e, 20)
    assert np.median(times) < 200.0, f"median update {np.median(times):.0f} ms"


def test_widget_interpolation_t_slider_and_endpoints(G):
    from gancourse.widgets.latent import InterpolationExplorer

    w = InterpolationExplorer(G, seed_a=0, seed_b=1, scale=1, steps=5)
    mid = w.image.value
    w.t.value = 0.0
    at_a = _png_array(w.image.value)
    assert w.image.value != mid
    left, right = at_a[:, 1:33], at_a[:, 34:66]  # 1-pixel padding around each tile
    assert np.array_equal(left, right)  # lerp and slerp agree at the endpoints
    w.t.value = 0.5
    assert w.image.value == mid
    zl, zs = w.latents()
    assert float(zs.norm()) > float(zl.norm())
    assert f"|slerp| = {float(zs.norm()):.2f}" in w.label.value
    path_before = w.path_image.value
    w.pick_b.value = "5"
    assert w.seed_b.value == 5 and w.path_image.value != path_before and w.image.value != mid


def test_widget_arithmetic_alpha_and_verdict(G, classify):
    from gancourse.widgets.latent import ArithmeticExplorer

    s = style_latents(G, classify, STYLES, n=300, seed=0)
    usable = [n for n, c in zip(STYLES, s.counts.tolist()) if c > 0]
    w = ArithmeticExplorer(G, classify, s, a=usable[0], b=usable[1], seed=2, scale=1)
    w.alpha.value = 0.0
    arr = _png_array(w.image.value)
    assert np.array_equal(arr[:, 1:33], arr[:, 34:66])  # alpha = 0: no change
    zero = w.image.value
    w.alpha.value = 2.0
    assert w.image.value != zero
    x = generate(G, torch.stack(w.latents()))
    (s0, _), (s1, _) = w.verdicts(x)
    assert (
        w.label.value.startswith(f"classifier: before {s0} (") and f"after {s1} (" in w.label.value
    )
    w.alpha.value = 0.0
    assert w.image.value == zero


def test_widget_memorisation_finds_the_copy(G):
    from gancourse.widgets.latent import MemorisationExplorer

    train = torch.cat([torch.rand(30, 3, 32, 32) * 2 - 1, sample(G, 1, seed=11)])
    w = MemorisationExplorer(G, train, lambda x: x.flatten(1), k=2, seed=11, scale=1)
    arr = _png_array(w.image.value)
    assert arr.shape[1] == 3 * 33 + 1
    assert np.array_equal(arr[1:33, 1:33], arr[1:33, 34:66])  # nearest = the copy
    assert w.label.value.startswith("feature distances: 0.00, ")
    before = w.image.value
    w.seed.value = 12
    assert w.image.value != before
    _, d, _ = w.neighbours()
    assert float(d[0]) > 1.0 and not w.label.value.startswith("feature distances: 0.00,")
    w.k.value = 3
    assert _png_array(w.image.value).shape[1] == 4 * 33 + 1


def test_widget_explorer_works_from_a_checkpoint_file(G, tmp_path):
    """A student's exported generator (or training checkpoint) drives the same widgets."""
    from gancourse.checkpoint import load_generator_file, save_generator_file
    from gancourse.widgets.latent import InterpolationExplorer, LatentExplorer

    path = save_generator_file(G, tmp_path / "my_generator.pt")
    G2, _ = load_generator_file(path)
    d = torch.eye(Z_DIM)[:2]
    a, b = LatentExplorer(G, d, seed=2), LatentExplorer(G2, d, seed=2)
    assert a.image.value == b.image.value
    b.sliders[1].value = 1.0
    assert b.image.value != a.image.value
    assert InterpolationExplorer(G2, seed_a=3, seed_b=4).image.value
