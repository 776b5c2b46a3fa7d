"""Exercises of lesson 01 (the minimax game); references in :mod:`gancourse.theory`."""

from __future__ import annotations

import numpy as np

from gancourse import theory
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack


def _density(x: np.ndarray, rng: np.random.Generator, k: int) -> np.ndarray:
    """A normalised mixture of ``k`` Gaussians on the grid ``x`` (float64, >= 0)."""
    means = rng.uniform(-3, 3, size=k)
    stds = rng.uniform(0.3, 1.2, size=k)
    w = rng.dirichlet(np.ones(k))
    p = sum(
        wi * np.exp(-0.5 * ((x - m) / s) ** 2) / (s * np.sqrt(2 * np.pi))
        for wi, m, s in zip(w, means, stds)
    )
    p = np.where(p < 1e-12, 0.0, p)  # no denormal tails: D* would round to exactly 0 or 1 there
    return p / (p.sum() * (x[1] - x[0]))


def _grid_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, k in ((201, 1), (400, 2), (1000, 3)):
        x = np.linspace(-8, 8, n)
        dx = x[1] - x[0]
        p_data, p_g = _density(x, rng, k), _density(x, rng, 3 - k + 1)
        cases.append({"p_data": p_data, "p_g": p_g, "dx": np.float64(dx)})
    # edge case: disjoint supports, and a region where both densities are exactly zero
    x = np.linspace(-4, 4, 161)
    dx = x[1] - x[0]
    p_data = np.where(x < -1, 1.0, 0.0)
    p_g = np.where(x > 2, 1.0, 0.0)
    cases.append(
        {
            "p_data": p_data / (p_data.sum() * dx),
            "p_g": p_g / (p_g.sum() * dx),
            "dx": np.float64(dx),
        }
    )
    return cases


def _d_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    grids = _grid_cases(rng)
    for case in grids[:3]:
        d = rng.uniform(0.05, 0.95, size=case["p_data"].shape)
        cases.append({"d": d, **case})
    # D = D* (the maximum), 0 and 1 exactly where the other density is zero: 0 log 0 = 0
    edge = grids[-1]
    cases.append({"d": theory.optimal_discriminator(edge["p_data"], edge["p_g"]), **edge})
    return cases


OPTIMAL_DISCRIMINATOR = Exercise(
    name="optimal_discriminator",
    lesson="01",
    number=1,
    title="The optimal discriminator on a grid",
    points=2,
    make_cases=lambda rng: [{k: c[k] for k in ("p_data", "p_g")} for c in _grid_cases(rng)],
    call=lambda fn, c: {"d": fn(c["p_data"].copy(), c["p_g"].copy())},
    reference=lambda c: {"d": theory.optimal_discriminator(c["p_data"], c["p_g"])},
    outputs={"d": OutSpec(kind="array", rtol=1e-6, atol=1e-9, label="D*(x)")},
    reference_api=("gancourse.theory.optimal_discriminator",),
    inputs=("p_data", "p_g"),
)

JS_DIVERGENCE = Exercise(
    name="js_divergence",
    lesson="01",
    number=2,
    title="The Jensen-Shannon divergence on a grid",
    points=3,
    make_cases=lambda rng: [
        {"p": c["p_data"], "q": c["p_g"], "dx": c["dx"]} for c in _grid_cases(rng)
    ],
    call=lambda fn, c: {"jsd": fn(c["p"].copy(), c["q"].copy(), float(c["dx"]))},
    reference=lambda c: {"jsd": theory.js_divergence(c["p"], c["q"], float(c["dx"]))},
    outputs={"jsd": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="JSD(p || q)")},
    reference_api=("gancourse.theory.js_divergence",),
    inputs=("p", "q", "dx"),
)


def _logit_cases(rng: np.random.Generator) -> list[Case]:
    cases = [{"d_fake": rng.normal(scale=s, size=n)} for n, s in ((50, 1.0), (7, 5.0))]
    cases.append({"d_fake": np.array([-60.0, -20.0, 0.0, 20.0, 60.0])})  # saturated: no overflow
    return cases


def _loss_grads_reference(c: Case) -> dict:
    """Per-logit derivatives by autograd through the package's two generator losses."""
    import torch

    from gancourse import losses

    out = {}
    for key, loss in (
        ("grad_saturating", losses.g_loss_saturating),
        ("grad_nonsaturating", losses.g_loss_nonsaturating),
    ):
        d_fake = torch.tensor(c["d_fake"], dtype=torch.float64, requires_grad=True)
        (grad,) = torch.autograd.grad(loss(d_fake) * d_fake.numel(), d_fake)  # undo the mean
        out[key] = grad.numpy()
    return out


def _loss_grads_call(fn, c: Case) -> dict:
    return unpack(fn(c["d_fake"].copy()), ("grad_saturating", "grad_nonsaturating"))


GENERATOR_LOSS_GRADS = Exercise(
    name="generator_loss_grads",
    lesson="01",
    number=3,
    title="Why the saturating loss stalls: both generator gradients",
    points=2,
    make_cases=_logit_cases,
    call=_loss_grads_call,
    reference=_loss_grads_reference,
    outputs={
        "grad_saturating": OutSpec(
            kind="array", rtol=1e-6, atol=1e-12, label="d log(1 - D) / d logit"
        ),
        "grad_nonsaturating": OutSpec(
            kind="array", rtol=1e-6, atol=1e-12, label="d (-log D) / d logit"
        ),
    },
    reference_api=("gancourse.losses.g_loss_saturating", "gancourse.losses.g_loss_nonsaturating"),
    inputs=("d_fake",),
)

VALUE_FUNCTION = Exercise(
    name="value_function",
    lesson="01",
    number=4,
    title="The value function V(D, G)",
    points=2,
    make_cases=_d_cases,
    call=lambda fn, c: {
        "v": fn(c["d"].copy(), c["p_data"].copy(), c["p_g"].copy(), float(c["dx"]))
    },
    reference=lambda c: {"v": theory.value_function(c["d"], c["p_data"], c["p_g"], float(c["dx"]))},
    outputs={"v": OutSpec(kind="number", rtol=1e-6, atol=1e-8, label="V(D, G)")},
    reference_api=("gancourse.theory.value_function",),
    inputs=("d", "p_data", "p_g", "dx"),
)

EXERCISES = (OPTIMAL_DISCRIMINATOR, JS_DIVERGENCE, GENERATOR_LOSS_GRADS, VALUE_FUNCTION)
