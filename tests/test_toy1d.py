"""gancourse.data.toy1d (1D mixtures) and gancourse.metrics.wasserstein1d."""

from __future__ import annotations

import numpy as np
import pytest

from gancourse.data import TOY1D, Mixture1D, gaussian_pdf, make_grid, mixture_pdf, sample_mixture
from gancourse.metrics import wasserstein_1d


def test_densities_integrate_to_one_and_match_the_formula():
    x, dx = make_grid(-10, 10, 2001)
    assert dx == pytest.approx(0.01)
    for name, mix in TOY1D.items():
        assert np.sum(mix.pdf(x)) * dx == pytest.approx(1.0, abs=1e-8), name
    p = mixture_pdf(x, (-1.0, 2.0), (0.5, 1.0), (3.0, 1.0))  # weights normalised to 3/4, 1/4
    np.testing.assert_allclose(p, 0.75 * gaussian_pdf(x, -1, 0.5) + 0.25 * gaussian_pdf(x, 2, 1.0))
    assert gaussian_pdf(0.0, 0.0, 1.0) == pytest.approx(1 / np.sqrt(2 * np.pi))


def test_sampling_is_seeded_and_matches_the_mixture():
    mix = TOY1D["two_modes"]
    a, b, c = mix.sample(20_000, seed=0), mix.sample(20_000, seed=0), mix.sample(20_000, seed=1)
    assert a.shape == (20_000,) and a.dtype == np.float64
    np.testing.assert_array_equal(a, b)
    assert not np.array_equal(a, c)
    assert np.mean(a > 0) == pytest.approx(0.5, abs=0.02)
    assert np.mean(a[a > 0]) == pytest.approx(2.0, abs=0.02)
    assert np.std(a[a > 0]) == pytest.approx(0.5, abs=0.02)
    np.testing.assert_array_equal(
        sample_mixture(5, (-2, 2), (0.5, 0.5), seed=3), mix.sample(5, seed=3)
    )


def test_a_generator_streams_batches():
    rng1, rng2 = np.random.default_rng(5), np.random.default_rng(5)
    mix = TOY1D["three_modes"]
    first = [mix.sample(4, rng1) for _ in range(3)]
    again = [mix.sample(4, rng2) for _ in range(3)]
    for f, g in zip(first, again):
        np.testing.assert_array_equal(f, g)
    assert not np.array_equal(first[0], first[1])


def test_mode_shares():
    mix = TOY1D["two_modes"]
    shares = mix.mode_shares(mix.sample(10_000, seed=0))
    assert shares.shape == (2,) and shares.sum() > 0.99
    np.testing.assert_allclose(shares, 0.5, atol=0.02)
    collapsed = mix.mode_shares(np.full(100, 2.1))
    np.testing.assert_allclose(collapsed, [0.0, 1.0])


@pytest.mark.parametrize(
    "kwargs, match",
    [
        (dict(means=(), stds=()), "at least one"),
        (dict(means=(0, 1), stds=(1, 1, 1)), "one entry per component"),
        (dict(means=(0,), stds=(0.0,)), "std"),
        (dict(means=(0, 1), stds=(1,), weights=(-1, 2)), "weights"),
    ],
)
def test_bad_mixtures_raise(kwargs, match):
    with pytest.raises(ValueError, match=match):
        Mixture1D(**kwargs)


def test_wasserstein_1d():
    rng = np.random.default_rng(0)
    a = rng.standard_normal(1000)
    assert wasserstein_1d(a, a[::-1]) == 0.0
    assert wasserstein_1d(a, a + 1.5) == pytest.approx(1.5)  # a shift moves all mass by 1.5
    assert wasserstein_1d(a[:, None], a + 1.5) == pytest.approx(1.5)  # shapes are flattened
    # unequal sizes: two point masses at 0 and 1 against one at 0 -> half the mass moves 1
    assert wasserstein_1d([0.0, 1.0], [0.0]) == pytest.approx(0.5)
    assert wasserstein_1d([0.0, 1.0, 5.0], [0.0, 0.0, 0.0, 3.0]) == pytest.approx(
        # CDF difference integrated: [0,1): |1/3 - 3/4|, [1,3): |2/3 - 3/4|, [3,5): |2/3 - 1|
        (5 / 12) * 1 + (1 / 12) * 2 + (1 / 3) * 2
    )
    b = rng.standard_normal(700) + 0.3
    assert wasserstein_1d(a, b) == pytest.approx(wasserstein_1d(b, a))
    with pytest.raises(ValueError, match="both sets"):
        wasserstein_1d([], [1.0])
    with pytest.raises(ValueError, match="NaN"):
        wasserstein_1d([np.nan], [1.0])
