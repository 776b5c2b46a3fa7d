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


def test_mmd2_of_sets_of_different_sizes_equals_the_double_sums():
    rng = np.random.default_rng(3)
    x, y = rng.normal(size=(5, 4)), rng.normal(0.5, 1.0, size=(8, 4))
    m, n, d = len(x), len(y), x.shape[1]
    k = lambda a, b: (float(np.dot(a, b)) / d + 1.0) ** 3
    xx = sum(k(x[i], x[j]) for i, j in itertools.permutations(range(m), 2)) / (m * (m - 1))
    yy = sum(k(y[i], y[j]) for i, j in itertools.permutations(range(n), 2)) / (n * (n - 1))
    xy = sum(k(a, b) for a in x for b in y) / (m * n)
    assert mmd2_unbiased(torch.tensor(x), torch.tensor(y)) == pytest.approx(xx + yy - 2 * xy)


def test_kid_computes_the_same_with_and_without_the_whole_kernel_matrices(monkeypatch):
    import importlib

    kid_module = importlib.import_module("gancourse.metrics.kid")
    rng = np.random.default_rng(4)
    a, b = rng.normal(size=(300, 8)), rng.normal(0.2, 1.0, size=(250, 8))
    whole = kid(a, b, n_subsets=7, subset_size=100, seed=5)
    monkeypatch.setattr(kid_module, "_GRAM_LIMIT", 0)  # every subset on its own
    assert kid(a, b, n_subsets=7, subset_size=100, seed=5) == pytest.approx(whole, rel=1e-9)
    # and one subset of everything is the plain estimate of the two whole sets
    mean, std = kid(a[:250], b, n_subsets=1, subset_size=250)
    assert mean == pytest.approx(mmd2_unbiased(torch.tensor(a[:250]), torch.tensor(b)))
    assert std == 0.0


def test_density_can_exceed_one_where_fakes_crowd_real_points():
    real = np.array([[0.0, 0], [1, 0], [0, 1], [1, 1]])  # k = 1: every radius is 1
    fake = np.array([[0.5, 0.5], [0.5, 0.5]])  # inside all four balls
    assert density_coverage(real, fake, k=1) == pytest.approx((4.0, 1.0))


def test_frechet_distance_low_rank_path_equals_the_eigendecomposition():
    from gancourse.metrics import frechet_distance

    rng = np.random.default_rng(5)
    a = rng.normal(size=(40, 60)) * rng.uniform(0.1, 2, size=60)  # N < D: the low-rank path
    b = rng.normal(0.3, 1.0, size=(30, 60))
    sa, sb = np.cov(a.T), np.cov(b.T)
    eig = np.linalg.eigvals(sa @ sb)  # tr sqrt(Sa Sb) from the eigenvalues of the product
    tr_sqrt = np.sqrt(np.clip(eig.real, 0, None)).sum()
    expected = ((a.mean(0) - b.mean(0)) ** 2).sum() + np.trace(sa) + np.trace(sb) - 2 * tr_sqrt
    assert frechet_distance(a, b) == pytest.approx(expected, rel=1e-6)
    assert frechet_distance(a, a) == pytest.approx(0.0, abs=1e-6)


# ------------------------------------------------------------ copies of art, in aligned pixels


@pytest.fixture(scope="module")
def art_sets():
    from gancourse.data import load_images

    train, _ = load_images("art", size=32, n=2000, seed=0)
    novel, _ = load_images("art", size=32, n=500, seed=1)  # the same styles, never seen
    return train, novel


def _rates(flagged, n_novel, kinds):
    false = sum(i in flagged for i in range(n_novel)) / n_novel
    hits = {k: 0 for k in set(kinds)}
    for i, kind in enumerate(kinds):
        hits[kind] += (n_novel + i) in flagged
    return false, {k: v / kinds.count(k) for k, v in hits.items()}


def test_find_image_copies_catches_planted_art_copies_at_few_false_positives(art_sets):
    from gancourse.metrics import find_image_copies, plant_copies

    train, novel = art_sets
    planted, src, kinds = plant_copies(train, 150, seed=0)
    assert sorted(set(kinds)) == ["exact", "recoloured", "shifted"]
    found = find_image_copies(torch.cat([novel, planted]), train)
    flagged = set(found.indices.tolist())
    false, hits = _rates(flagged, len(novel), kinds)
    assert false <= 0.05 and all(rate >= 0.95 for rate in hits.values()), (false, hits)
    for i, j in zip(found.indices.tolist(), found.nearest.tolist()):
        if i >= len(novel):
            assert j == src[i - len(novel)]  # it names the painting that was copied
    with pytest.raises(ValueError, match="image shapes differ"):
        find_image_copies(novel[:, :, :16, :16], train)


def test_find_copies_on_art_descriptors_and_why_the_shift_search_is_needed(art_sets):
    """find_copies on (N, d) art features: exact and recoloured copies are caught; a copy moved
    by one pixel is not, in pixels or in the style classifier's features, which is why
    find_image_copies searches over shifts."""
    from gancourse.metrics import aligned_descriptor, plant_copies

    train, novel = art_sets
    planted, _, kinds = plant_copies(train, 150, seed=1)
    found = find_copies(aligned_descriptor(torch.cat([novel, planted])), aligned_descriptor(train))
    false, hits = _rates(set(found.indices.tolist()), len(novel), kinds)
    assert false <= 0.05 and hits["exact"] == 1.0 and hits["recoloured"] >= 0.95
    assert hits["shifted"] <= 0.5


def test_shift_images_moves_content_and_repeats_the_edge():
    from gancourse.metrics.copies import aligned_descriptor, shift_images

    x = torch.arange(16.0).reshape(1, 1, 4, 4)
    down = shift_images(x, 1, 0)
    assert torch.equal(down[0, 0, 1:], x[0, 0, :3]) and torch.equal(down[0, 0, 0], x[0, 0, 0])
    left = shift_images(x, 0, -1)
    assert torch.equal(left[0, 0, :, :3], x[0, 0, :, 1:])
    assert aligned_descriptor(torch.zeros(2, 3, 32, 32)).shape == (2, 3 * 10 * 10)
    with pytest.raises(ValueError, match=r"\(N, C, H, W\)"):
        aligned_descriptor(torch.zeros(3, 32, 32))
