"""gancourse.numpy_nn and gancourse.gradcheck: hand-written backprop, checked two ways.

Every layer and the MLP against centred finite differences (relative error < 1e-6 in
float64) and against torch autograd on identical weights; the loss, its gradient and the
optimizers against torch; determinism of a short 1D GAN run, bit for bit.
"""

from __future__ import annotations

import numpy as np
import pytest
import torch

from gancourse.data.toy1d import TOY1D
from gancourse.gradcheck import check_module_gradients, numerical_gradient, relative_error
from gancourse.numpy_nn import (
    MLP,
    SGD,
    Adam,
    LeakyReLU,
    Linear,
    ReLU,
    Sigmoid,
    Tanh,
    adam_step,
    bce_with_logits,
    bce_with_logits_grad,
    sigmoid,
    to_torch,
)

TOL = 1e-6


def _x(shape=(6, 3), seed=0):
    return np.random.default_rng(seed).standard_normal(shape)


LAYERS = {
    "linear": lambda: Linear(3, 4, seed=1),
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
    "mlp_leaky": lambda: MLP([3, 8, 8, 2], seed=2),
    "mlp_relu": lambda: MLP([3, 5, 2], activation="relu", seed=3),
    "mlp_tanh_sigmoid_out": lambda: MLP(
        [3, 5, 5, 1], activation="tanh", output_activation="sigmoid"
    ),
}


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_matches_finite_differences(name):
    errors = check_module_gradients(LAYERS[name](), _x(), seed=5)
    assert errors and max(errors.values()) < TOL, errors


def test_gradient_checker_catches_a_wrong_backward():
    class BrokenLeaky(LeakyReLU):
        def backward(self, dout):
            return dout * self.mask  # forgot the slope on the negative side

    errors = check_module_gradients(BrokenLeaky(), _x())
    assert errors["x"] > 1e-2


def test_gradient_checker_refuses_float32():
    with pytest.raises(TypeError, match="float64"):
        check_module_gradients(MLP([3, 2], dtype=np.float32), _x())


def test_numerical_gradient_restores_the_array():
    w = _x((3, 2))
    before = w.copy()
    g = numerical_gradient(lambda: float(np.sum(w**2)), w)
    np.testing.assert_array_equal(w, before)
    np.testing.assert_allclose(g, 2 * w, rtol=1e-7)
    assert relative_error(g, 2 * w) < 1e-8
    assert relative_error(np.zeros(2), np.zeros(2)) == 0.0


@pytest.mark.parametrize("name", sorted(LAYERS))
def test_backward_matches_torch_autograd(name):
    layer = LAYERS[name]()
    mlp = layer if isinstance(layer, MLP) else None
    if mlp is None:  # wrap a single layer so to_torch can copy it
        mlp = MLP([3, 3])
        mlp.layers = [layer]
    x = _x()
    r = np.random.default_rng(7).standard_normal(mlp.forward(x).shape)
    mlp.zero_grad()
    out = mlp.forward(x)
    dx = mlp.backward(r)

    net = to_torch(mlp)
    xt = torch.from_numpy(x).requires_grad_(True)
    out_t = net(xt)
    (out_t * torch.from_numpy(r)).sum().backward()
    np.testing.assert_allclose(out, out_t.detach().numpy(), rtol=1e-12, atol=1e-14)
    np.testing.assert_allclose(dx, xt.grad.numpy(), rtol=1e-10, atol=1e-14)
    torch_grads = []
    for m in net:
        if isinstance(m, torch.nn.Linear):
            torch_grads += [m.weight.grad.numpy().T, m.bias.grad.numpy()]
    assert len(torch_grads) == len(mlp.gradients())
    for g, gt in zip(mlp.gradients(), torch_grads):
        np.testing.assert_allclose(g, gt, rtol=1e-10, atol=1e-14)


def test_bce_with_logits_matches_torch_and_is_stable():
    rng = np.random.default_rng(3)
    logits = np.concatenate([rng.standard_normal(20) * 5, [-800.0, 800.0, 0.0]])
    for target in (1.0, 0.0, rng.random(logits.shape)):
        lt = torch.from_numpy(logits).requires_grad_(True)
        tt = torch.as_tensor(np.broadcast_to(target, logits.shape).copy())
        loss_t = torch.nn.functional.binary_cross_entropy_with_logits(lt, tt)
        loss_t.backward()
        loss = bce_with_logits(logits, target)
        assert np.isfinite(loss)
        assert loss == pytest.approx(loss_t.item(), rel=1e-12)
        np.testing.assert_allclose(
            bce_with_logits_grad(logits, target), lt.grad.numpy(), atol=1e-15
        )
    assert np.all(np.isfinite(sigmoid(np.array([-1e4, 1e4]))))
    with pytest.raises(ValueError, match="targets"):
        bce_with_logits(np.zeros(3), 2.0)


def test_bce_gradient_matches_finite_differences():
    logits = _x((8, 1), seed=4) * 3
    target = (np.arange(8) % 2).reshape(8, 1).astype(float)
    num = numerical_gradient(lambda: bce_with_logits(logits, target), logits)
    assert relative_error(bce_with_logits_grad(logits, target), num) < TOL


def test_parameters_and_gradients_are_aligned_views():
    mlp = MLP([1, 4, 1])
    params, grads = mlp.parameters(), mlp.gradients()
    assert [p.shape for p in params] == [g.shape for g in grads] == [(1, 4), (4,), (4, 1), (1,)]
    assert params[0] is mlp.layers[0].W and grads[0] is mlp.layers[0].dW
    x = _x((5, 1))
    mlp.forward(x)
    mlp.backward(np.ones((5, 1)))
    first = [g.copy() for g in grads]
    mlp.forward(x)
    mlp.backward(np.ones((5, 1)))  # gradients accumulate
    for g, g1 in zip(mlp.gradients(), first):
        np.testing.assert_allclose(g, 2 * g1)
    mlp.zero_grad()
    assert all(not g.any() for g in grads) and grads[0] is mlp.layers[0].dW


def test_adam_matches_torch_adam():
    mlp = MLP([2, 6, 1], seed=4)
    net = to_torch(mlp)
    opt = Adam(mlp.parameters(), mlp.gradients(), lr=0.01, betas=(0.5, 0.999))
    opt_t = torch.optim.Adam(net.parameters(), lr=0.01, betas=(0.5, 0.999))
    x = _x((16, 2), seed=9)
    for _ in range(5):
        mlp.zero_grad()
        out = mlp.forward(x)
        mlp.backward(bce_with_logits_grad(out, 1.0))
        opt.step()
        opt_t.zero_grad()
        torch.nn.functional.binary_cross_entropy_with_logits(
            net(torch.from_numpy(x)), torch.ones(16, 1, dtype=torch.float64)
        ).backward()
        opt_t.step()
    np.testing.assert_allclose(
        mlp.layers[0].W, net[0].weight.detach().numpy().T, rtol=1e-10, atol=1e-13
    )
    np.testing.assert_allclose(
        mlp.layers[-1].b, net[-1].bias.detach().numpy(), rtol=1e-10, atol=1e-13
    )


def test_adam_step_and_sgd_update_in_place():
    p, g = np.array([1.0, -2.0]), np.array([0.5, -0.5])
    m, v = np.zeros(2), np.zeros(2)
    adam_step(p, g, m, v, t=1, lr=0.1)
    np.testing.assert_allclose(p, [0.9, -1.9], rtol=1e-6)  # first step moves by lr * sign(g)
    np.testing.assert_allclose(m, 0.1 * g)
    np.testing.assert_allclose(v, 0.001 * g**2)
    q = np.array([1.0, 1.0])
    SGD([q], [np.array([1.0, -2.0])], lr=0.5).step()
    np.testing.assert_allclose(q, [0.5, 2.0])


def test_float32_dtype_is_kept():
    mlp = MLP([2, 4, 1], dtype=np.float32)
    out = mlp.forward(_x((3, 2)))
    assert out.dtype == np.float32 and all(p.dtype == np.float32 for p in mlp.parameters())
    assert mlp.backward(np.ones((3, 1), np.float32)).dtype == np.float32


def test_bad_inputs_raise_clear_errors():
    with pytest.raises(ValueError, match="unknown activation"):
        MLP([1, 2, 1], activation="swish")
    with pytest.raises(ValueError, match="sizes"):
        MLP([3])
    with pytest.raises(ValueError, match=r"shape \(N, 2\)"):
        MLP([2, 3]).forward(np.zeros((4, 3)))
    with pytest.raises(TypeError, match="dtype"):
        MLP([2, 3], dtype=np.int64)
    with pytest.raises(RuntimeError, match="before forward"):
        Linear(2, 2).backward(np.zeros((1, 2)))
    with pytest.raises(ValueError, match="shape"):
        Adam([np.zeros(2)], [np.zeros(3)])


def _short_gan_run(seed: int, steps: int = 30) -> list[float]:
    """A few alternating non-saturating GAN steps on the 1D mixture; returns all losses."""
    rng = np.random.default_rng(seed)
    G, D = MLP([2, 16, 1], seed=seed), MLP([1, 16, 1], seed=seed + 1)
    opt_g = Adam(G.parameters(), G.gradients(), lr=1e-3, betas=(0.5, 0.999))
    opt_d = Adam(D.parameters(), D.gradients(), lr=1e-3, betas=(0.5, 0.999))
    losses = []
    for _ in range(steps):
        x = TOY1D["two_modes"].sample(32, rng)[:, None]
        x_fake = G.forward(rng.standard_normal((32, 2)))
        D.zero_grad()
        d_real = D.forward(x)
        D.backward(bce_with_logits_grad(d_real, 1.0))
        d_fake = D.forward(x_fake)
        D.backward(bce_with_logits_grad(d_fake, 0.0))
        opt_d.step()
        G.zero_grad()
        D.zero_grad()
        d_fake = D.forward(G.forward(rng.standard_normal((32, 2))))
        G.backward(D.backward(bce_with_logits_grad(d_fake, 1.0)))
        opt_g.step()
        losses += [bce_with_logits(d_real, 1.0), bce_with_logits(d_fake, 1.0)]
    return losses


def test_same_seed_gives_the_same_losses_bit_for_bit():
    a, b, c = _short_gan_run(0), _short_gan_run(0), _short_gan_run(1)
    assert a == b  # exact float equality, not approx
    assert a != c
