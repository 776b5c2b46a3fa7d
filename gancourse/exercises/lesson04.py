"""Exercises of lesson 04 (from NumPy to PyTorch); references in :mod:`gancourse.numpy_nn`,
:mod:`gancourse.losses` and :mod:`gancourse.train`."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gancourse import losses, numpy_nn, train
from gancourse.exercises.spec import Case, Exercise, OutSpec, Unusable, unpack
from gancourse.seeding import seeded


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.float32)


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


def _critic(dim: int, seed: int) -> nn.Module:
    with seeded(seed):
        return nn.Sequential(
            nn.Flatten(), nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0)
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
    x_real, x_fake = _t(c["x_real"]), _t(c["x_fake"])
    critic = _critic(int(np.prod(x_real.shape[1:])), int(c["seed"]))
    gen = torch.Generator().manual_seed(int(c["seed"]) + 1)
    if fn is None:  # the package draws eps itself with torch.rand (N, 1, ..., 1)
        gp = losses.gradient_penalty(critic, x_real, x_fake, generator=gen)
    else:
        eps = torch.rand((x_real.shape[0],) + (1,) * (x_real.dim() - 1), generator=gen)
        gp = fn(critic, x_real, x_fake, eps)
    out = {"gp": gp}
    if isinstance(gp, torch.Tensor) and gp.requires_grad:
        # the penalty must be differentiable w.r.t. the critic's weights (create_graph=True)
        (g,) = torch.autograd.grad(gp, [critic[1].weight], allow_unused=True)
        out["grad_w"] = torch.zeros_like(critic[1].weight) if g is None else g
    else:
        out["grad_w"] = Unusable(
            "a penalty with no graph to the critic's weights; "
            "pass create_graph=True to torch.autograd.grad"
        )
    return out


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


def _params(m: nn.Module) -> torch.Tensor:
    return torch.cat([p.detach().flatten() for p in m.parameters()])


def _step_setup(c: Case):
    x_real, z = _t(c["x_real"]), _t(c["z"])
    g, d = _toy_nets(int(c["seed"]), z.shape[1], x_real.shape[1])
    opt_g = torch.optim.Adam(g.parameters(), lr=1e-2, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=1e-2, betas=(0.5, 0.999))
    return x_real, z, g, d, opt_g, opt_d


NONSATURATING = losses.get_loss("nonsaturating")


def _d_step_run(c: Case, fn=None) -> dict:
    x_real, z, g, d, opt_g, opt_d = _step_setup(c)
    if fn is None:  # the course's D step on x_fake = G(z)
        loss_d = train.d_step(d, NONSATURATING, opt_d, x_real, g(z))[0]
    else:
        loss_d = fn(g, d, opt_d, x_real, z)
    return {"loss_d": loss_d, "d_params": _params(d), "g_params": _params(g)}


DISCRIMINATOR_STEP = Exercise(
    name="discriminator_step",
    lesson="04",
    number=2,
    title="The discriminator step with autograd",
    points=3,
    make_cases=_step_cases,
    call=lambda fn, c: _d_step_run(c, fn),
    reference=lambda c: _d_step_run(c),
    outputs={
        "loss_d": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_d"),
        "d_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters after the step"
        ),
        "g_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters (unchanged)"
        ),
    },
    reference_api=("gancourse.train.d_step", "gancourse.losses.d_loss_bce"),
    inputs=("x_real", "z", "seed"),
)


def _g_step_run(c: Case, fn=None) -> dict:
    x_real, z, g, d, opt_g, _ = _step_setup(c)
    if fn is None:  # the course's G step on x_fake = G(z)
        loss_g = train.g_step(d, NONSATURATING, opt_g, g(z))
    else:
        loss_g = fn(g, d, opt_g, z)
    return {"loss_g": loss_g, "g_params": _params(g), "d_params": _params(d)}


GENERATOR_STEP = Exercise(
    name="generator_step",
    lesson="04",
    number=3,
    title="The generator step (non-saturating loss)",
    points=3,
    make_cases=_step_cases,
    call=lambda fn, c: _g_step_run(c, fn),
    reference=lambda c: _g_step_run(c),
    outputs={
        "loss_g": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_g"),
        "g_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters after the step"
        ),
        "d_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters (unchanged)"
        ),
    },
    reference_api=("gancourse.train.g_step", "gancourse.losses.g_loss_nonsaturating"),
    inputs=("x_real", "z", "seed"),
)


def _step_run(c: Case, fn=None) -> dict:
    x_real, z, g, d, opt_g, opt_d = _step_setup(c)
    if fn is None:  # D step, then G step on the same x_fake = G(z)
        x_fake = g(z)
        loss_d = train.d_step(d, NONSATURATING, opt_d, x_real, x_fake)[0]
        loss_g = train.g_step(d, NONSATURATING, opt_g, x_fake)
    else:
        out = unpack(fn(g, d, opt_g, opt_d, x_real, z), ("loss_d", "loss_g"))
        loss_d, loss_g = out["loss_d"], out["loss_g"]
    return {"loss_d": loss_d, "loss_g": loss_g, "g_params": _params(g), "d_params": _params(d)}


TRAIN_STEP = Exercise(
    name="train_step",
    lesson="04",
    number=5,
    title="One alternating training step (D, then G)",
    points=4,
    make_cases=_step_cases,
    call=lambda fn, c: _step_run(c, fn),
    reference=lambda c: _step_run(c),
    outputs={
        "loss_d": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_d"),
        "loss_g": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="loss_g"),
        "d_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters after the step"
        ),
        "g_params": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters after the step"
        ),
    },
    reference_api=("gancourse.train.d_step", "gancourse.train.g_step"),
    inputs=("x_real", "z", "seed"),
)

EXERCISES = (LINEAR_TO_TORCH, DISCRIMINATOR_STEP, GENERATOR_STEP, GRADIENT_PENALTY, TRAIN_STEP)
