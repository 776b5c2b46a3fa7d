"""Exercises of lesson 02 (a GAN in NumPy); references in :mod:`gancourse.numpy_nn`,
:mod:`gancourse.losses` and :mod:`gancourse.metrics`.

The lesson shows ``Linear``, ``LeakyReLU`` and ``Tanh``, the BCE loss and its gradient and the
Adam step; the exercises ask for what it does not show: a whole two-layer network with a
sigmoid backwards, the gradient of another loss (the hinge loss), and the 1D Wasserstein
distance the lesson measures its GAN with.
"""

from __future__ import annotations

import numpy as np

from gancourse import numpy_nn
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.metrics.wasserstein1d import wasserstein_1d

# --------------------------------------------------------------------------- 02.1

_NET_GRADS = ("dx", "dW1", "db1", "dW2", "db2")


def _net_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, d_in, d_h, d_out in ((5, 3, 4, 2), (16, 1, 8, 1), (1, 2, 3, 4)):
        cases.append(
            {
                "x": rng.normal(size=(n, d_in)),
                "W1": rng.normal(size=(d_in, d_h)),
                "b1": rng.normal(size=d_h),
                "W2": rng.normal(size=(d_h, d_out)),
                "b2": rng.normal(size=d_out),
                "dout": rng.normal(size=(n, d_out)),
            }
        )
    return cases


def _net_reference(c: Case) -> dict:
    """The package's MLP [d_in, d_h, d_out] with a sigmoid between, holding the case's weights."""
    (d_in, d_h), d_out = c["W1"].shape, c["W2"].shape[1]
    mlp = numpy_nn.MLP([d_in, d_h, d_out], activation="sigmoid", dtype=np.float64)
    for param, value in zip(mlp.parameters(), (c["W1"], c["b1"], c["W2"], c["b2"])):
        param[...] = value
    mlp.forward(c["x"].copy())
    dx = mlp.backward(c["dout"].copy())
    return dict(zip(_NET_GRADS, [dx, *(g.copy() for g in mlp.gradients())]))


def _net_call(fn, c: Case) -> dict:
    args = [c[k].copy() for k in ("x", "W1", "b1", "W2", "b2", "dout")]
    return unpack(fn(*args), _NET_GRADS)


TWO_LAYER_BACKWARD = Exercise(
    name="two_layer_backward",
    lesson="02",
    number=1,
    title="Backpropagation through a two-layer network",
    points=3,
    make_cases=_net_cases,
    call=_net_call,
    reference=_net_reference,
    outputs={
        k: OutSpec(kind="array", rtol=1e-6, atol=1e-10, label=f"dL/d{k[1:]}") for k in _NET_GRADS
    },
    reference_api=("gancourse.numpy_nn.MLP",),
    inputs=("x", "W1", "b1", "W2", "b2", "dout"),
)

# --------------------------------------------------------------------------- 02.2


def _hinge_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        {"d_real": rng.normal(scale=2.0, size=n_r), "d_fake": rng.normal(scale=2.0, size=n_f)}
        for n_r, n_f in ((32, 32), (7, 12))
    ]
    # the kinks: exactly at the margins the hinge is flat (relu'(0) = 0, as in torch)
    cases.append(
        {
            "d_real": np.array([[-3.0], [0.5], [1.0], [1.5]]),
            "d_fake": np.array([[-1.5], [-1.0], [-0.5], [2.0]]),
        }
    )
    return cases


def _hinge_reference(c: Case) -> dict:
    """dL/d(logits) by autograd through the package's hinge discriminator loss."""
    import torch

    from gancourse.losses import d_loss_hinge

    d_real = torch.tensor(c["d_real"], dtype=torch.float64, requires_grad=True)
    d_fake = torch.tensor(c["d_fake"], dtype=torch.float64, requires_grad=True)
    grad_real, grad_fake = torch.autograd.grad(d_loss_hinge(d_real, d_fake), [d_real, d_fake])
    return {"grad_real": grad_real.numpy(), "grad_fake": grad_fake.numpy()}


HINGE_LOSS_GRADS = Exercise(
    name="hinge_loss_grads",
    lesson="02",
    number=2,
    title="The gradient of the hinge loss",
    points=2,
    make_cases=_hinge_cases,
    call=lambda fn, c: unpack(
        fn(c["d_real"].copy(), c["d_fake"].copy()), ("grad_real", "grad_fake")
    ),
    reference=_hinge_reference,
    outputs={
        "grad_real": OutSpec(kind="array", rtol=1e-9, atol=1e-12, label="dL/dd_real"),
        "grad_fake": OutSpec(kind="array", rtol=1e-9, atol=1e-12, label="dL/dd_fake"),
    },
    reference_api=("gancourse.losses.d_loss_hinge",),
    inputs=("d_real", "d_fake"),
)

# --------------------------------------------------------------------------- 02.3


def _w1_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        {"a": rng.normal(size=200), "b": rng.normal(loc=0.5, scale=2.0, size=200)},  # equal sizes
        {"a": rng.normal(size=37), "b": rng.uniform(-1, 3, size=50)},  # different sizes
        {"a": rng.normal(size=(10, 3)), "b": rng.normal(size=7)},  # any shapes: flattened
    ]
    a = rng.integers(0, 4, size=12).astype(np.float64)  # ties inside and across the sets
    cases.append({"a": a, "b": np.concatenate([a[:5], [2.0, 2.0, 7.0]])})
    shift = rng.normal(size=25)
    cases.append({"a": shift, "b": shift + 1.5})  # a pure shift: W1 is the shift
    return cases


WASSERSTEIN_1D = Exercise(
    name="wasserstein_1d",
    lesson="02",
    number=3,
    title="The 1D Wasserstein distance between two samples",
    points=3,
    make_cases=_w1_cases,
    call=lambda fn, c: {"w1": fn(c["a"].copy(), c["b"].copy())},
    reference=lambda c: {"w1": wasserstein_1d(c["a"], c["b"])},
    outputs={"w1": OutSpec(kind="number", rtol=1e-9, atol=1e-12, label="W1(a, b)")},
    reference_api=(
        "gancourse.metrics.wasserstein1d.wasserstein_1d",
        "gancourse.metrics.wasserstein_1d",
    ),
    inputs=("a", "b"),
)

EXERCISES = (TWO_LAYER_BACKWARD, HINGE_LOSS_GRADS, WASSERSTEIN_1D)
