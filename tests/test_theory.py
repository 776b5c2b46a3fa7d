"""gancourse.theory: D*, V(D, G), C(G) and JSD on grids of 1D densities (lesson 01)."""

from __future__ import annotations

import math

import numpy as np
import pytest

from gancourse.data.toy1d import TOY1D, Mixture1D, gaussian_pdf, make_grid
from gancourse.theory import (
    generator_criterion,
    js_divergence,
    kl_divergence,
    optimal_discriminator,
    value_function,
)

LOG4 = math.log(4.0)
X, DX = make_grid(-12.0, 12.0, 4801)
P_DATA = TOY1D["two_modes"].pdf(X)
GENERATORS = {
    "same": P_DATA,
    "shifted_gaussian": gaussian_pdf(X, 0.5, 1.0),
    "wide_gaussian": gaussian_pdf(X, 0.0, 2.0),
    "one_mode": gaussian_pdf(X, 2.0, 0.5),
    "mixture": Mixture1D((-1.0, 1.5, 3.0), (0.3, 0.8, 0.4), (0.2, 0.5, 0.3)).pdf(X),
}


def test_d_star_is_one_half_where_p_g_equals_p_data():
    d = optimal_discriminator(P_DATA, P_DATA)
    assert d.shape == X.shape
    np.testing.assert_allclose(d, 0.5, atol=1e-15)


def test_d_star_formula_and_range():
    p_g = GENERATORS["shifted_gaussian"]
    d = optimal_discriminator(P_DATA, p_g)
    assert np.all((d >= 0) & (d <= 1))
    inside = (P_DATA + p_g) > 1e-300
    np.testing.assert_allclose(d[inside], (P_DATA / (P_DATA + p_g))[inside], rtol=1e-12)
    assert d[np.argmin(np.abs(X - 2.0))] > 0.5  # more data than fakes at the right mode
    assert d[np.argmin(np.abs(X - 0.5))] < 0.5  # more fakes than data between the modes


def test_d_star_where_both_densities_vanish_is_one_half():
    assert optimal_discriminator([0.0, 1.0], [0.0, 0.0]).tolist() == [0.5, 1.0]


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_d_star_maximises_v_against_perturbations(name):
    p_g = GENERATORS[name]
    d_star = optimal_discriminator(P_DATA, p_g)
    v_star = value_function(d_star, P_DATA, p_g, DX)
    rng = np.random.default_rng(0)
    for _ in range(5):
        d = np.clip(d_star + 0.05 * rng.standard_normal(X.shape), 1e-6, 1 - 1e-6)
        assert value_function(d, P_DATA, p_g, DX) < v_star
    assert value_function(np.full_like(X, 0.5), P_DATA, p_g, DX) <= v_star + 1e-12


def test_value_at_optimum_is_minus_log4_iff_p_g_equals_p_data():
    assert value_function(np.full_like(X, 0.5), P_DATA, P_DATA, DX) == pytest.approx(
        -LOG4, abs=1e-9
    )
    assert generator_criterion(P_DATA, P_DATA, DX) == pytest.approx(-LOG4, abs=1e-9)
    for name, p_g in GENERATORS.items():
        if name != "same":
            assert generator_criterion(P_DATA, p_g, DX) > -LOG4 + 1e-3, name


@pytest.mark.parametrize("name", sorted(GENERATORS))
def test_c_of_g_equals_minus_log4_plus_twice_jsd(name):
    p_g = GENERATORS[name]
    c = generator_criterion(P_DATA, p_g, DX)
    assert c == pytest.approx(-LOG4 + 2 * js_divergence(P_DATA, p_g, DX), abs=1e-8)


def test_value_function_handles_zero_log_zero_and_infinite_cases():
    p, q = np.array([1.0, 0.0]), np.array([0.0, 1.0])
    assert value_function([1.0, 0.0], p, q, 1.0) == 0.0  # perfect D, 0 log 0 = 0
    assert value_function([0.0, 0.0], p, q, 1.0) == -math.inf  # D = 0 on real data


def test_jsd_properties():
    rng = np.random.default_rng(1)
    for name, q in GENERATORS.items():
        j = js_divergence(P_DATA, q, DX)
        assert j == pytest.approx(js_divergence(q, P_DATA, DX), abs=1e-12), name
        assert 0.0 <= j <= math.log(2) + 1e-12
        if name != "same":
            assert j > 1e-3
    assert js_divergence(P_DATA, P_DATA, DX) == pytest.approx(0.0, abs=1e-14)
    # disjoint supports: the largest value, log 2
    p = np.where(X < 0, 1.0, 0.0)
    p /= p.sum() * DX
    q = p[::-1].copy()
    assert js_divergence(p, q, DX) == pytest.approx(math.log(2), abs=1e-12)
    # random histograms
    a, b = rng.random(50), rng.random(50)
    a, b = a / a.sum(), b / b.sum()
    m = (a + b) / 2
    expected = 0.5 * np.sum(a * np.log(a / m)) + 0.5 * np.sum(b * np.log(b / m))
    assert js_divergence(a, b, 1.0) == pytest.approx(expected, rel=1e-12)


def test_kl_divergence_of_two_gaussians_matches_closed_form():
    p, q = gaussian_pdf(X, 0.0, 1.0), gaussian_pdf(X, 1.0, 2.0)
    closed = math.log(2.0) + (1.0 + 1.0) / (2 * 4.0) - 0.5
    assert kl_divergence(p, q, DX) == pytest.approx(closed, abs=1e-8)


@pytest.mark.parametrize(
    "call, match",
    [
        (lambda: optimal_discriminator(np.ones(3), np.ones(4)), "shapes differ"),
        (lambda: optimal_discriminator([1.0, -0.1], [1.0, 1.0]), "p_data has negative"),
        (lambda: optimal_discriminator([1.0, 1.0], [np.nan, 1.0]), "p_g contains NaN"),
        (lambda: optimal_discriminator([], []), "empty"),
        (lambda: value_function([0.5, 1.2], [1.0, 0.0], [0.0, 1.0], 1.0), r"\[0, 1\]"),
        (lambda: value_function([0.5, -0.1], [1.0, 0.0], [0.0, 1.0], 1.0), r"\[0, 1\]"),
        (lambda: value_function([0.5], [1.0, 0.0], [0.0, 1.0], 1.0), "shapes differ"),
        (lambda: value_function([0.5, 0.5], [1.0, 0.0], [0.0, 1.0], 0.0), "dx"),
        (lambda: value_function([0.5, 0.5], [1.0, 0.0], [0.0, -1.0], 1.0), "p_g has negative"),
        (lambda: js_divergence([0.5, 0.5], [0.5, 0.5, 0.0], 1.0), "shapes differ"),
        (lambda: js_divergence([0.5, 0.2], [0.5, 0.5], 1.0), "integrates to 0.7"),
        (lambda: js_divergence([1.5, -0.5], [0.5, 0.5], 1.0), "p has negative"),
        (lambda: js_divergence([0.5, 0.5], [0.5, 0.5], -1.0), "dx"),
    ],
)
def test_bad_inputs_raise_clear_value_errors(call, match):
    with pytest.raises(ValueError, match=match):
        call()


def test_bad_types_raise_type_errors():
    with pytest.raises(TypeError, match="dx"):
        js_divergence([0.5, 0.5], [0.5, 0.5], "1")
    with pytest.raises(TypeError, match="p_data"):
        optimal_discriminator(["a", "b"], [1.0, 1.0])
