"""Lesson 11 metrics: KID, density / coverage, and the copy detector."""

from __future__ import annotations

import itertools

import numpy as np
import pytest
import torch

from gancourse.metrics import density_coverage, find_copies, kid
from gancourse.metrics.copies import copy_threshold
from gancourse.metrics.kid import mmd2_unbiased


def _direct_mmd2(x, y):
    """The unbiased MMD^2 as written in Binkowski et al., with explicit double sums."""
    m, d = len(x), x.shape[1]
    k = lambda a, b: (float(np.dot(a, b)) / d + 1.0) ** 3
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    xy = sum(k(x[i], y[j]) for i in range(m) for j in range(m)) / m**2
    return xx + yy - 2 * xy


def test_mmd2_equals_the_double_sums():
    rng = np.random.default_rng(0)
    x, y = rng.normal(size=(7, 3)), rng.normal(1.0, 1.0, size=(7, 3))
    got = mmd2_unbiased(torch.tensor(x), torch.tensor(y))
    assert got == pytest.approx(_direct_mmd2(x, y), rel=1e-10)


def test_kid_is_zero_within_its_std_for_one_distribution_and_positive_otherwise():
    rng = np.random.default_rng(1)
    a, b = rng.normal(size=(2000, 16)), rng.normal(size=(2000, 16))
    mean, std = kid(a, b, n_subsets=30, subset_size=500)
    assert abs(mean) <= 3 * std and std > 0
    shifted, _ = kid(a, b + 0.3, n_subsets=30, subset_size=500)
    assert shifted > 10 * std
    assert kid(a, b, seed=3) == kid(a, b, seed=3)  # seeded subsets


def test_kid_and_coverage_errors_are_clear():
    with pytest.raises(ValueError, match="feature sizes differ"):
        kid(np.zeros((10, 3)), np.zeros((10, 4)))
    with pytest.raises(ValueError, match=r"\(N, D\)"):
        density_coverage(np.zeros(10), np.zeros((10, 3)))
    with pytest.raises(ValueError, match="k must be"):
        density_coverage(np.zeros((5, 2)), np.zeros((5, 2)), k=5)


def test_density_and_coverage_on_a_hand_computed_example():
    # real points on a line at 0, 1, 2, 10; k = 1: radii = 1, 1, 1, 8
    real = np.array([[0.0, 0], [1, 0], [2, 0], [10, 0]])
    fake = np.array([[0.5, 0], [9.5, 0], [30, 0]])
    density, coverage = density_coverage(real, fake, k=1)
    # fake (0.5, 0) lies in the balls of real 0 and 1; (9.5, 0) in the ball of 10 (radius 8)
    # and of 2 (|9.5 - 2| = 7.5 > 1: no); (30, 0) in none: 3 memberships / (1 * 3)
    assert density == pytest.approx(3 / 3)
    assert coverage == pytest.approx(3 / 4)  # reals 0, 1 and 10 have a fake in their ball


def test_find_copies_flags_planted_copies_and_few_honest_items():
    rng = np.random.default_rng(2)
    train = rng.normal(size=(3000, 32))
    novel = rng.normal(size=(1000, 32))  # the same distribution, never seen: honest novelty
    src = rng.choice(len(train), 200, replace=False)
    planted = train[src] + rng.normal(0, 0.02, size=(200, 32))  # near copies
    planted[:50] = train[src[:50]]  # exact copies
    found = find_copies(np.concatenate([novel, planted]), train)
    flagged = set(found.indices.tolist())
    hits = sum(1 for i in range(1000, 1200) if i in flagged)
    false = sum(1 for i in range(1000) if i in flagged)
    assert hits >= 0.95 * 200 and false <= 0.05 * 1000
    for i, j in zip(found.indices.tolist(), found.nearest.tolist()):
        if i >= 1000:
            assert j == src[i - 1000]  # and says which training item it copies
    assert found.threshold == pytest.approx(copy_threshold(train))
    with pytest.raises(ValueError, match="feature sizes differ"):
        find_copies(novel[:, :5], train)
