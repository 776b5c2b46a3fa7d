"""gancourse.metrics.mode_coverage: the VEEGAN / PacGAN protocol on 2D mixtures."""

from __future__ import annotations

import math

import numpy as np
import pytest
import torch

from gancourse.data.toy2d import TOY2D, grid25, grid25_means, ring8
from gancourse.metrics import PERFECT_HQ, mode_coverage


def test_perfect_hq_constant():
    assert PERFECT_HQ == pytest.approx(1 - math.exp(-4.5))
    assert PERFECT_HQ == pytest.approx(0.9889, abs=1e-4)


@pytest.mark.parametrize("name,sampler,k", [("grid25", grid25, 25), ("ring8", ring8, 8)])
def test_exact_samples_from_the_mixture(name, sampler, k):
    mix = TOY2D[name]
    hqs = []
    for seed in range(4):
        cov = mode_coverage(sampler(2500, seed=seed), mix.means, mix.std)
        assert cov.modes == k and cov.n_modes == k
        assert cov.reverse_kl < 0.02  # histogram close to uniform
        assert cov.counts.sum() == round(cov.hq * 2500)
        hqs.append(cov.hq)
    # binomial sd of one estimate is ~0.2%; the mean over 4 seeds is within ~0.5%
    assert np.mean(hqs) == pytest.approx(PERFECT_HQ, abs=0.005)
    assert max(hqs) < 0.999  # nobody beats 98.9% by more than noise


def test_collapsed_sample_has_few_modes():
    means = grid25_means()
    g = torch.Generator().manual_seed(0)
    # all mass on three modes, precise
    idx = torch.tensor([0, 7, 12]).repeat_interleave(834)[:2500]
    x = means[idx] + 0.02 * torch.randn(2500, 2, generator=g)
    cov = mode_coverage(x, means, 0.05)
    assert cov.modes == 3
    assert cov.hq == pytest.approx(1.0)
    assert cov.reverse_kl == pytest.approx(math.log(25 / 3), abs=1e-3)
    assert sorted(np.flatnonzero(cov.counts)) == [0, 7, 12]


def test_one_mode_gives_log_k():
    cov = mode_coverage(np.zeros((100, 2)), grid25_means(), 0.05)
    assert cov.modes == 1 and cov.reverse_kl == pytest.approx(math.log(25))


def test_points_far_away_are_not_high_quality():
    x = np.full((2500, 2), 1.0)  # halfway between four grid modes
    cov = mode_coverage(x, grid25_means(), 0.05)
    assert cov.hq == 0.0 and cov.modes == 0 and math.isinf(cov.reverse_kl)


def test_threshold_is_three_std():
    means = np.zeros((1, 2))
    inside = np.array([[0.149, 0.0]])
    outside = np.array([[0.151, 0.0]])
    assert mode_coverage(inside, means, 0.05).hq == 1.0
    assert mode_coverage(outside, means, 0.05).hq == 0.0


def test_torch_and_numpy_agree():
    x = grid25(500, seed=3)
    a = mode_coverage(x, grid25_means(), 0.05)
    b = mode_coverage(x.numpy(), grid25_means().numpy(), 0.05)
    assert a.as_dict() == b.as_dict()


@pytest.mark.parametrize(
    "samples,match",
    [
        (np.zeros((10, 3)), "samples must have shape"),
        (np.zeros(10), "samples must have shape"),
        (np.zeros((0, 2)), "samples must have shape"),
        (np.array([[0.0, np.nan]]), "NaN"),
        (np.array([[np.inf, 0.0]]), "NaN or infinite"),
    ],
)
def test_bad_samples_raise(samples, match):
    with pytest.raises(ValueError, match=match):
        mode_coverage(samples, grid25_means(), 0.05)


def test_bad_means_and_std_raise():
    with pytest.raises(ValueError, match="means must have shape"):
        mode_coverage(np.zeros((5, 2)), np.zeros((4, 3)), 0.05)
    for std in (0, -1.0, float("nan")):
        with pytest.raises(ValueError, match="std must be a positive number"):
            mode_coverage(np.zeros((5, 2)), grid25_means(), std)
    with pytest.raises(TypeError, match="samples must be an array"):
        mode_coverage([["a", "b"]], grid25_means(), 0.05)
