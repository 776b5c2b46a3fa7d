"""Lesson 07's Lipschitz tools: power iteration, input and layer gradient norms."""

from __future__ import annotations

import pytest
import torch
from torch import nn

from gancourse.lipschitz import input_gradient_norms, layer_gradient_norms, power_iteration
from gancourse.losses import gradient_penalty


@pytest.mark.parametrize("shape", [(8, 5), (16, 3, 4, 4), (1, 7), (32, 32)])
def test_power_iteration_matches_the_matrix_norm(shape):
    g = torch.Generator().manual_seed(sum(shape))
    W = torch.randn(*shape, generator=g, dtype=torch.float64)
    sigma, u, v = power_iteration(W, n_iter=100, generator=g)
    exact = torch.linalg.matrix_norm(W.reshape(shape[0], -1), ord=2)
    assert sigma.item() == pytest.approx(exact.item(), rel=1e-2)
    assert u.norm().item() == pytest.approx(1.0) and v.norm().item() == pytest.approx(1.0)


def test_power_iteration_refines_from_the_last_u_one_step_at_a_time():
    g = torch.Generator().manual_seed(0)
    W = torch.randn(20, 30, generator=g, dtype=torch.float64)
    exact = torch.linalg.matrix_norm(W, ord=2).item()
    u, errors = None, []
    for _ in range(30):  # one step per call, as spectral normalisation does during training
        sigma, u, _ = power_iteration(W, n_iter=1, u=u, generator=g)
        errors.append(abs(sigma.item() - exact) / exact)
    assert errors[-1] < 0.01 and errors[-1] < errors[0]
    assert all(s <= exact + 1e-9 for s in [power_iteration(W, 1, u)[0].item()])  # a lower bound
    with pytest.raises(ValueError, match="n_iter"):
        power_iteration(W, n_iter=0)


def test_gradient_penalty_is_zero_for_unit_gradient_and_positive_otherwise():
    w = torch.randn(3, 4, 4)
    unit = lambda x: (x * (w / w.norm())).flatten(1).sum(1)  # |grad| = 1 everywhere
    steep = lambda x: 3.0 * unit(x)  # |grad| = 3 everywhere: penalty (3 - 1)^2 = 4
    x_real, x_fake = torch.randn(6, 3, 4, 4), torch.randn(6, 3, 4, 4)
    gen = torch.Generator().manual_seed(0)
    assert gradient_penalty(unit, x_real, x_fake, generator=gen).item() == pytest.approx(
        0, abs=1e-10
    )
    assert gradient_penalty(steep, x_real, x_fake, generator=gen).item() == pytest.approx(4.0)
    assert torch.allclose(input_gradient_norms(steep, x_real), torch.full((6,), 3.0))


def test_layer_gradient_norms_one_per_weight_matrix():
    net = nn.Sequential(nn.Linear(2, 8), nn.ReLU(), nn.Linear(8, 8), nn.ReLU(), nn.Linear(8, 1))
    net(torch.randn(5, 2)).sum().backward()
    norms = layer_gradient_norms(net)
    assert len(norms) == 3 and all(n >= 0 for n in norms)
