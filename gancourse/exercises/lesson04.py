"""Exercises of lesson 04 (from NumPy to PyTorch); references in :mod:`gancourse.numpy_nn`,
:mod:`gancourse.losses` and :mod:`gancourse.train`.

The lesson writes the discriminator and generator steps of the original (BCE) game and trains
with them; the exercises ask for the least-squares game (Mao et al. 2017) instead, with several
discriminator steps per generator step in the training run. The course's training core
(``gancourse.train.d_step`` / ``g_step``, shown in lessons 03 and 05) computes the references
and may be used in answers; ``reference_api`` names what would answer an exercise outright: the
package's least-squares losses (blocked while grading, so ``get_loss("lsgan")`` and
``LOSSES["lsgan"]``, which hand the same functions out, do not answer it either).
"""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gancourse import losses, numpy_nn, train
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.exercises.tensors import as_float32, flat_params, penalty_outputs, small_critic
from gancourse.seeding import seeded


def _linear_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {"W": rng.normal(size=(i, o)), "b": rng.normal(size=o), "x": rng.normal(size=(n, i))}
        for i, o, n in ((3, 5, 4), (8, 1, 16), (1, 2, 3))
    ]


def _linear_run(c: Case, build) -> dict:
    lin = build(c["W"].copy(), c["b"].copy())
    if not isinstance(lin, nn.Module):
        raise TypeError(f"expected an nn.Linear, got {type(lin).__name__}")
    weight = getattr(lin, "weight", None)
    dtype = weight.dtype if isinstance(weight, torch.Tensor) else torch.float32
    with torch.no_grad():
        y = lin(torch.tensor(c["x"], dtype=dtype))
    return {"weight": weight, "y": y}


def _linear_reference(W: np.ndarray, b: np.ndarray) -> nn.Module:
    """The package's converter: a one-layer NumPy MLP holding W, b, through to_torch."""
    mlp = numpy_nn.MLP([W.shape[0], W.shape[1]], dtype=np.float64)
    layer = mlp.layers[0]
    layer.W[...] = W
    layer.b[...] = b
    return numpy_nn.to_torch(mlp)[0]


LINEAR_TO_TORCH = Exercise(
    name="linear_to_torch",
    lesson="04",
    number=1,
    title="A NumPy Linear layer as an nn.Linear",
    points=2,
    make_cases=_linear_cases,
    call=lambda fn, c: _linear_run(c, fn),
    reference=lambda c: _linear_run(c, _linear_reference),
    outputs={
        "weight": OutSpec(kind="tensor", rtol=1e-6, atol=1e-6, label="weight (out, in)"),
        "y": OutSpec(kind="tensor", rtol=1e-5, atol=1e-5, label="output on a batch"),
    },
    reference_api=("gancourse.numpy_nn.to_torch",),
    inputs=("W", "b", "x"),
)


def _gp_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape in ((8, 2), (4, 1, 4, 4), (6, 3)):
        cases.append(
            {
                "x_real": rng.normal(size=shape),
                "x_fake": rng.normal(size=shape),
                "seed": np.int64(rng.integers(0, 2**31)),
            }
        )
    return cases


def _gp_run(c: Case, fn=None) -> dict:
    x_real, x_fake = as_float32(c["x_real"]), as_float32(c["x_fake"])
    critic = small_critic(int(np.prod(x_real.shape[1:])), int(c["seed"]))
    gen = torch.Generator().manual_seed(int(c["seed"]) + 1)
    if fn is None:  # the package draws eps itself with torch.rand (N, 1, ..., 1)
        gp = losses.gradient_penalty(critic, x_real, x_fake, generator=gen)
    else:
        eps = torch.rand((x_real.shape[0],) + (1,) * (x_real.dim() - 1), generator=gen)
        gp = fn(critic, x_real, x_fake, eps)
    return penalty_outputs("gp", gp, critic)


GRADIENT_PENALTY = Exercise(
    name="gradient_penalty",
    lesson="04",
    number=4,
    title="The WGAN-GP gradient penalty",
    points=3,
    make_cases=_gp_cases,
    call=lambda fn, c: _gp_run(c, fn),
    reference=lambda c: _gp_run(c),
    outputs={
        "gp": OutSpec(kind="tensor", rtol=1e-4, atol=1e-6, label="penalty"),
        "grad_w": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-6, label="d penalty / d critic weights"
        ),
    },
    reference_api=("gancourse.losses.gradient_penalty",),
    inputs=("x_real", "x_fake", "seed"),
)


def _toy_nets(seed: int, z_dim: int, x_dim: int) -> tuple[nn.Module, nn.Module]:
    with seeded(seed):
        g = nn.Sequential(nn.Linear(z_dim, 16), nn.ReLU(), nn.Linear(16, x_dim))
        d = nn.Sequential(nn.Linear(x_dim, 16), nn.LeakyReLU(0.2), nn.Linear(16, 1), nn.Flatten(0))
    return g, d


def _step_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, z_dim, x_dim in ((32, 2, 2), (10, 4, 3)):
        cases.append(
            {
                "x_real": rng.normal(size=(n, x_dim)),
                "z": rng.normal(size=(n, z_dim)),
                "seed": np.int64(rng.integers(0, 2**31)),
            }
        )
    return cases


def _step_setup(c: Case):
    x_real, z = as_float32(c["x_real"]), as_float32(c["z"])
    g, d = _toy_nets(int(c["seed"]), z.shape[1], x_real.shape[1])
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-2, betas=(0.5, 0.999))
    return x_real, z, g, d, opt_g, opt_d


LSGAN = losses.get_loss("lsgan")


def _lsgan_d_run(c: Case, fn=None) -> dict:
    x_real, z, g, d, opt_g, opt_d = _step_setup(c)
    if fn is None:  # the course's D step with the least-squares loss, on x_fake = G(z)
        loss_d = train.d_step(d, LSGAN, opt_d, x_real, g(z))[0]
    else:
        loss_d = fn(g, d, opt_d, x_real, z)
    g_grads = sum(float(p.grad.abs().sum()) for p in g.parameters() if p.grad is not None)
    return {
        "loss_d": loss_d,
        "d_params": flat_params(d),
        "g_params": flat_params(g),
        "g_grads": g_grads,
    }


LSGAN_D_STEP = Exercise(
    name="lsgan_d_step",
    lesson="04",
    number=2,
    title="The least-squares discriminator step",
    points=3,
    make_cases=_step_cases,
    call=lambda fn, c: _lsgan_d_run(c, fn),
    reference=lambda c: _lsgan_d_run(c),
    outputs={
        "loss_d": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_d"),
        "d_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters after the step"
        ),
        "g_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters (unchanged)"
        ),
        "g_grads": OutSpec(
            kind="number",
            rtol=0.0,
            atol=0.0,
            label="sum of |G's gradients| (D's step gives G none)",
        ),
    },
    reference_api=("gancourse.losses.d_loss_lsgan",),
    inputs=("x_real", "z", "seed"),
)


def _lsgan_g_run(c: Case, fn=None) -> dict:
    x_real, z, g, d, opt_g, _ = _step_setup(c)
    if fn is None:  # the course's G step with the least-squares loss, on x_fake = G(z)
        loss_g = train.g_step(d, LSGAN, opt_g, g(z))
    else:
        loss_g = fn(g, d, opt_g, z)
    return {"loss_g": loss_g, "g_params": flat_params(g), "d_params": flat_params(d)}


LSGAN_G_STEP = Exercise(
    name="lsgan_g_step",
    lesson="04",
    number=3,
    title="The least-squares generator step",
    points=3,
    make_cases=_step_cases,
    call=lambda fn, c: _lsgan_g_run(c, fn),
    reference=lambda c: _lsgan_g_run(c),
    outputs={
        "loss_g": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_g"),
        "g_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters after the step"
        ),
        "d_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters (unchanged)"
        ),
    },
    reference_api=("gancourse.losses.g_loss_lsgan",),
    inputs=("x_real", "z", "seed"),
)


def _run_cases(rng: np.random.Generator) -> list[Case]:
    """Rounds of d_steps D updates then one G update: x_real (T, K, N, d), z (T, K + 1, N, z)."""
    cases = []
    for rounds, d_steps, n, z_dim, x_dim in ((3, 2, 16, 2, 2), (2, 1, 8, 4, 3), (2, 3, 12, 2, 1)):
        cases.append(
            {
                "x_real": rng.normal(size=(rounds, d_steps, n, x_dim)),
                "z": rng.normal(size=(rounds, d_steps + 1, n, z_dim)),
                "seed": np.int64(rng.integers(0, 2**31)),
            }
        )
    return cases


def _lsgan_run(c: Case, fn=None) -> dict:
    x_real, z = as_float32(c["x_real"]), as_float32(c["z"])
    g, d = _toy_nets(int(c["seed"]), z.shape[-1], x_real.shape[-1])
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-2, betas=(0.5, 0.999))
    if fn is None:  # the course's core: each round d_steps D steps, then one G step
        rounds, d_steps = x_real.shape[:2]
        loss_d, loss_g = torch.zeros(rounds, d_steps), torch.zeros(rounds)
        for t in range(rounds):
            for k in range(d_steps):
                loss_d[t, k] = train.d_step(d, LSGAN, opt_d, x_real[t, k], g(z[t, k]))[0]
            loss_g[t] = train.g_step(d, LSGAN, opt_g, g(z[t, d_steps]))
    else:
        out = unpack(fn(g, d, opt_g, opt_d, x_real, z), ("loss_d", "loss_g"))
        loss_d, loss_g = out["loss_d"], out["loss_g"]
    return {
        "loss_d": loss_d,
        "loss_g": loss_g,
        "g_params": flat_params(g),
        "d_params": flat_params(d),
    }


TRAIN_LSGAN = Exercise(
    name="train_lsgan",
    lesson="04",
    number=5,
    title="A least-squares GAN training run with several D steps per G step",
    points=4,
    make_cases=_run_cases,
    call=lambda fn, c: _lsgan_run(c, fn),
    reference=lambda c: _lsgan_run(c),
    outputs={
        "loss_d": OutSpec(kind="array", rtol=1e-4, atol=1e-6, label="D losses (rounds, d_steps)"),
        "loss_g": OutSpec(kind="array", rtol=1e-4, atol=1e-6, label="G losses (rounds,)"),
        "d_params": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters at the end"),
        "g_params": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters at the end"),
    },
    reference_api=("gancourse.losses.d_loss_lsgan", "gancourse.losses.g_loss_lsgan"),
    inputs=("x_real", "z", "seed"),
)

EXERCISES = (LINEAR_TO_TORCH, LSGAN_D_STEP, LSGAN_G_STEP, GRADIENT_PENALTY, TRAIN_LSGAN)
