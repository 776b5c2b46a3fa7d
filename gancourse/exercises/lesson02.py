"""Exercises of lesson 02 (a GAN in NumPy); references in :mod:`gancourse.numpy_nn`."""

from __future__ import annotations

import numpy as np

from gancourse import numpy_nn
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack


def _leaky_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, slope in (((16, 8), 0.2), ((5, 3), 0.01), ((64, 1), 0.5)):
        x = rng.normal(size=shape)
        x.flat[:3] = (0.0, -0.0, 1e-9)  # the kink: x = 0 counts as "not > 0"
        cases.append({"dout": rng.normal(size=shape), "x": x, "slope": np.float64(slope)})
    return cases


def _leaky_reference(c: Case) -> dict:
    layer = numpy_nn.LeakyReLU(float(c["slope"]))
    layer.forward(c["x"].copy())
    return {"dx": layer.backward(c["dout"].copy())}


LEAKY_RELU_BACKWARD = Exercise(
    name="leaky_relu_backward",
    lesson="02",
    number=1,
    title="LeakyReLU backward",
    points=2,
    make_cases=_leaky_cases,
    call=lambda fn, c: {"dx": fn(c["dout"].copy(), c["x"].copy(), float(c["slope"]))},
    reference=_leaky_reference,
    outputs={"dx": OutSpec(kind="array", label="dL/dx")},
    reference_api=("gancourse.numpy_nn.LeakyReLU",),
    inputs=("dout", "x", "slope"),
)


def _bce_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape in ((32, 1), (7,), (128, 1)):
        logits = rng.normal(scale=3.0, size=shape)
        target = rng.integers(0, 2, size=shape).astype(np.float64)
        cases.append({"logits": logits, "target": target})
    big = np.array([[-800.0], [-40.0], [0.0], [40.0], [800.0]])  # must not overflow
    cases.append({"logits": big, "target": np.array([[1.0], [0.0], [1.0], [1.0], [0.0]])})
    return cases


BCE_WITH_LOGITS_GRAD = Exercise(
    name="bce_with_logits_grad",
    lesson="02",
    number=2,
    title="The gradient of BCE-with-logits",
    points=2,
    make_cases=_bce_cases,
    call=lambda fn, c: {"grad": fn(c["logits"].copy(), c["target"].copy())},
    reference=lambda c: {"grad": numpy_nn.bce_with_logits_grad(c["logits"], c["target"])},
    outputs={"grad": OutSpec(kind="array", rtol=1e-6, atol=1e-10, label="dL/dlogits")},
    reference_api=("gancourse.numpy_nn.bce_with_logits_grad",),
    inputs=("logits", "target"),
)


def _adam_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for shape, t, lr, betas in (
        ((4, 3), 1, 1e-3, (0.9, 0.999)),
        ((10,), 7, 2e-4, (0.5, 0.999)),
        ((2, 5), 100, 1e-2, (0.0, 0.9)),
    ):
        cases.append(
            {
                "param": rng.normal(size=shape),
                "grad": rng.normal(size=shape),
                "m": rng.normal(scale=0.1, size=shape) if t > 1 else np.zeros(shape),
                "v": rng.uniform(0, 0.1, size=shape) if t > 1 else np.zeros(shape),
                "t": np.int64(t),
                "lr": np.float64(lr),
                "beta1": np.float64(betas[0]),
                "beta2": np.float64(betas[1]),
                "eps": np.float64(1e-8),
            }
        )
    return cases


def _adam_args(c: Case) -> tuple:
    return (
        c["param"].copy(),
        c["grad"].copy(),
        c["m"].copy(),
        c["v"].copy(),
        int(c["t"]),
        float(c["lr"]),
        float(c["beta1"]),
        float(c["beta2"]),
        float(c["eps"]),
    )


def _adam_call(fn, c: Case) -> dict:
    args = _adam_args(c)
    result = fn(*args)
    if result is None:  # updated in place, like the package's adam_step
        return {"param": args[0], "m": args[2], "v": args[3]}
    return unpack(result, ("param", "m", "v"), "(param, m, v) or None (in place)")


def _adam_reference(c: Case) -> dict:
    args = _adam_args(c)
    numpy_nn.adam_step(*args)  # in place
    return {"param": args[0], "m": args[2], "v": args[3]}


ADAM_STEP = Exercise(
    name="adam_step",
    lesson="02",
    number=3,
    title="One Adam step",
    points=3,
    make_cases=_adam_cases,
    call=_adam_call,
    reference=_adam_reference,
    outputs={
        "param": OutSpec(kind="array", rtol=1e-6, atol=1e-10, label="new param"),
        "m": OutSpec(kind="array", rtol=1e-6, atol=1e-10, label="new m"),
        "v": OutSpec(kind="array", rtol=1e-6, atol=1e-12, label="new v"),
    },
    reference_api=("gancourse.numpy_nn.adam_step", "gancourse.numpy_nn.Adam"),
    inputs=("param", "grad", "m", "v", "t", "lr", "beta1", "beta2", "eps"),
)

EXERCISES = (LEAKY_RELU_BACKWARD, BCE_WITH_LOGITS_GRAD, ADAM_STEP)
