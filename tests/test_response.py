"""Lesson 11's response matrix: the controlled failures and the alarm of each metric."""

from __future__ import annotations

import matplotlib.pyplot as plt
import pytest
import torch

from gancourse.metrics.response import (
    METRICS,
    add_noise,
    alarms,
    few_variations,
    keep_styles,
    measure,
    truncated_sample,
)
from gancourse.plotting.response import plot_response_matrix


def _toy():
    images = torch.arange(60.0)[:, None, None, None].expand(60, 3, 4, 4).clone()
    labels = torch.arange(60) % 6
    return images, labels


def test_keep_styles_and_few_variations():
    images, labels = _toy()
    kept = keep_styles(images, labels, [1, 4], 10, seed=0)
    styles = kept[:, 0, 0, 0].long() % 6
    assert len(kept) == 10 and sorted(styles.tolist()) == [1] * 5 + [4] * 5
    assert len(set(kept[:, 0, 0, 0].tolist())) == 10  # no repeats while the pool lasts
    few = few_variations(images, labels, 2, 30, seed=0)
    values = few[:, 0, 0, 0]
    assert len(few) == 30 and len(set(values.tolist())) == 12  # 2 per style, repeated
    assert sorted({int(v) % 6 for v in values}) == list(range(6))
    with pytest.raises(ValueError, match="no image has label 9"):
        keep_styles(images, labels, [9], 5)


def test_add_noise_and_truncation():
    from gancourse.models import Generator

    x = torch.zeros(100, 3, 8, 8)
    noisy = add_noise(x, 0.1, seed=1)
    assert torch.equal(noisy, add_noise(x, 0.1, seed=1)) and 0.09 < noisy.std() < 0.11
    torch.manual_seed(0)
    G = Generator(z_dim=4, width=4, image_size=8).eval()
    same = truncated_sample(G, 3, 0.0)  # psi = 0: every latent is the mean
    assert torch.allclose(same[0], same[1]) and torch.allclose(same[0], same[2])
    assert not torch.allclose(*truncated_sample(G, 2, 1.0))


def test_measure_and_alarms_point_the_bad_way():
    g = torch.Generator().manual_seed(0)
    real = torch.randn(400, 5, generator=g)
    refs = [
        measure(real, torch.randn(400, 5, generator=g), n_subsets=5, subset_size=200)
        for _ in range(3)
    ]
    assert set(METRICS) <= set(refs[0]) and "KID_std" in refs[0]
    collapsed = real[:50].repeat(8, 1) + 0.01 * torch.randn(400, 5, generator=g)
    table = {"same": refs[0], "collapsed": measure(real, collapsed, n_subsets=5, subset_size=200)}
    z = alarms(table, refs[1:])
    assert abs(z["same"]["FD"]) < 5
    assert z["collapsed"]["recall"] > 3 and z["collapsed"]["coverage"] > 3
    assert z["collapsed"]["precision"] < 3  # every fake sits on a real point: not noticed
    with pytest.raises(ValueError, match="at least two"):
        alarms(table, refs[:1])
    ax = plot_response_matrix(
        table, z, list(METRICS), clean=("same",), formats={"recall": "{:.0%}"}
    )
    texts = [t.get_text() for t in ax.texts]
    assert any("fooled" in t for t in texts) and ax.get_title()
    plt.close("all")
