"""Exercises of lesson 07 (stable training); references in :mod:`gancourse.lipschitz` and
:mod:`gancourse.losses`."""

from __future__ import annotations

import numpy as np
import torch

from gancourse import lipschitz, losses
from gancourse.exercises.spec import Case, Exercise, OutSpec
from gancourse.exercises.tensors import penalty_outputs, small_critic


def _conv_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for c_out, c_in, k, stride, padding, size in (
        (8, 3, 4, 2, 1, 8),
        (6, 4, 3, 1, 1, 6),
        (4, 2, 4, 2, 1, 12),
    ):
        cases.append(
            {
                "weight": rng.normal(size=(c_out, c_in, k, k)) / k,
                "stride": np.int64(stride),
                "padding": np.int64(padding),
                "image_size": np.int64(size),
                "u0": rng.normal(size=(1, c_in, size, size)),
            }
        )
    return cases


def _conv_run(c: Case, fn=None) -> dict:
    w = torch.tensor(c["weight"], dtype=torch.float64)
    stride, padding, size = int(c["stride"]), int(c["padding"]), int(c["image_size"])
    if fn is None:  # exact: the largest singular value of the unrolled convolution matrix
        return {"sigma": lipschitz.conv_operator_norm(w, size, stride=stride, padding=padding)}
    u0 = torch.tensor(c["u0"], dtype=torch.float64)
    return {"sigma": fn(w.clone(), stride, padding, u0.clone(), 1000)}


CONV_SPECTRAL_NORM = Exercise(
    name="conv_spectral_norm",
    lesson="07",
    number=1,
    title="The true spectral norm of a convolution, by power iteration",
    points=4,
    make_cases=_conv_cases,
    call=lambda fn, c: _conv_run(c, fn),
    reference=lambda c: _conv_run(c),
    outputs={"sigma": OutSpec(kind="number", rtol=5e-3, atol=1e-6, label="sigma")},
    reference_api=("gancourse.lipschitz.conv_operator_norm",),
    inputs=("weight", "stride", "padding", "u0"),
)


def _r1_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {"x_real": rng.normal(size=shape), "seed": np.int64(rng.integers(0, 2**31))}
        for shape in ((8, 2), (5, 1, 4, 4), (6, 3))
    ]


def _r1_run(c: Case, fn=None) -> dict:
    x = torch.tensor(c["x_real"], dtype=torch.float32)
    critic = small_critic(int(np.prod(x.shape[1:])), int(c["seed"]))
    if fn is None:
        x_req = x.clone().requires_grad_(True)
        penalty = losses.r1_penalty(critic(x_req), x_req)
    else:
        penalty = fn(critic, x.clone())
    return penalty_outputs("r1", penalty, critic)


R1_PENALTY = Exercise(
    name="r1_penalty",
    lesson="07",
    number=2,
    title="The R1 penalty on real images",
    points=3,
    make_cases=_r1_cases,
    call=lambda fn, c: _r1_run(c, fn),
    reference=lambda c: _r1_run(c),
    outputs={
        "r1": OutSpec(kind="tensor", rtol=1e-4, atol=1e-6, label="penalty"),
        "grad_w": OutSpec(
            kind="tensor", rtol=1e-4, atol=1e-6, label="d penalty / d critic weights"
        ),
    },
    reference_api=("gancourse.losses.r1_penalty",),
    inputs=("x_real", "seed"),
)

EXERCISES = (CONV_SPECTRAL_NORM, R1_PENALTY)
