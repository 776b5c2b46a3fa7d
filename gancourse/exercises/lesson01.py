"""Exercises of lesson 01 (the minimax game); references in :mod:`gancourse.theory` and
:mod:`gancourse.losses`."""

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


def _ls_cases(rng: np.random.Generator) -> list[Case]:
    """Grids with the labels of Mao et al. (a = -1, b = 1), the 0/1 labels, and random ones."""
    labels = [(-1.0, 1.0), (0.0, 1.0)] + [
        tuple(sorted(rng.uniform(-2, 2, size=2))) for _ in range(2)
    ]
    return [
        {"p_data": c["p_data"], "p_g": c["p_g"], "a": np.float64(a), "b": np.float64(b)}
        for c, (a, b) in zip(_grid_cases(rng), labels)
    ]


def _ls_reference(c: Case) -> dict:
    """(b p_data + a p_g) / (p_data + p_g) = a + (b - a) D*, with D* the game's own optimum."""
    a, b = float(c["a"]), float(c["b"])
    return {"d": a + (b - a) * theory.optimal_discriminator(c["p_data"], c["p_g"])}


OPTIMAL_LS_DISCRIMINATOR = Exercise(
    name="optimal_ls_discriminator",
    lesson="01",
    number=1,
    title="The optimal least-squares discriminator",
    points=2,
    make_cases=_ls_cases,
    call=lambda fn, c: {"d": fn(c["p_data"].copy(), c["p_g"].copy(), float(c["a"]), float(c["b"]))},
    reference=_ls_reference,
    outputs={"d": OutSpec(kind="array", rtol=1e-6, atol=1e-9, label="D*(x)")},
    reference_api=("gancourse.theory.optimal_discriminator",),
    inputs=("p_data", "p_g", "a", "b"),
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


def _game_cases(rng: np.random.Generator) -> list[Case]:
    """A Gaussian generator x = mu + s z against a logistic discriminator logit = w x + c."""
    cases = []
    # D sure the fakes are fake (D(G(z)) ~ 1e-3), undecided, fooled; then saturated logits
    for n, mu, w, c in ((64, 0.0, 2.0, -7.0), (16, 1.0, 0.5, 0.0), (9, -1.0, -1.5, 3.0)):
        cases.append(
            {
                "mu": np.float64(mu + rng.normal(scale=0.3)),
                "s": np.float64(rng.uniform(0.5, 1.5)),
                "z": rng.normal(size=n),
                "w": np.float64(w),
                "c": np.float64(c),
            }
        )
    z = np.array([-1.0, 0.0, 1.0, 2.0])
    cases.append(
        {
            "mu": np.float64(0.0),
            "s": np.float64(1.0),
            "z": z,
            "w": np.float64(40.0),
            "c": np.float64(-60.0),
        }
    )  # logits down to -100: no overflow
    return cases


def _loss_grads_reference(c: Case) -> dict:
    """d loss / d (mu, s) by autograd through the package's two generator losses."""
    import torch

    from gancourse import losses

    out = {}
    for key, loss in (
        ("grad_saturating", losses.g_loss_saturating),
        ("grad_nonsaturating", losses.g_loss_nonsaturating),
    ):
        mu = torch.tensor(float(c["mu"]), dtype=torch.float64, requires_grad=True)
        s = torch.tensor(float(c["s"]), dtype=torch.float64, requires_grad=True)
        x_fake = mu + s * torch.from_numpy(c["z"])
        d_fake = float(c["w"]) * x_fake + float(c["c"])  # the discriminator's logits
        out[key] = torch.stack(torch.autograd.grad(loss(d_fake), [mu, s])).numpy()
    return out


def _loss_grads_call(fn, c: Case) -> dict:
    args = (float(c["mu"]), float(c["s"]), c["z"].copy(), float(c["w"]), float(c["c"]))
    return unpack(fn(*args), ("grad_saturating", "grad_nonsaturating"))


GENERATOR_LOSS_GRADS = Exercise(
    name="generator_loss_grads",
    lesson="01",
    number=3,
    title="How hard each generator loss pushes the generator's parameters",
    points=3,
    make_cases=_game_cases,
    call=_loss_grads_call,
    reference=_loss_grads_reference,
    outputs={
        "grad_saturating": OutSpec(
            kind="array", rtol=1e-6, atol=1e-12, label="d mean log(1 - D) / d (mu, s)"
        ),
        "grad_nonsaturating": OutSpec(
            kind="array", rtol=1e-6, atol=1e-12, label="d mean(-log D) / d (mu, s)"
        ),
    },
    reference_api=("gancourse.losses.g_loss_saturating", "gancourse.losses.g_loss_nonsaturating"),
    inputs=("mu", "s", "z", "w", "c"),
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

EXERCISES = (OPTIMAL_LS_DISCRIMINATOR, JS_DIVERGENCE, GENERATOR_LOSS_GRADS, VALUE_FUNCTION)
