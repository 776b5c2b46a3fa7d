"""Exercises of lesson 03 (2D GANs and mode collapse); references in
:mod:`gancourse.toy2d.models` and :mod:`gancourse.metrics.modes`.

The lesson shows packing (``MLPDiscriminator.forward``) and describes the papers' protocol in
words and formulas; it does not show ``minibatch_std_feature`` nor ``mode_coverage``, which
these exercises ask for.
"""

from __future__ import annotations

import numpy as np
import torch

from gancourse.data import toy2d
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.metrics.modes import mode_coverage
from gancourse.toy2d.models import minibatch_std_feature


def _mbstd_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {"h": rng.normal(scale=s, size=(n, f))}
        for n, f, s in ((8, 4, 1.0), (32, 16, 3.0), (5, 2, 0.1))
    ]


MINIBATCH_STD = Exercise(
    name="minibatch_std",
    lesson="03",
    number=1,
    title="The minibatch standard deviation feature",
    points=2,
    make_cases=_mbstd_cases,
    call=lambda fn, c: {"out": fn(torch.tensor(c["h"], dtype=torch.float32))},
    reference=lambda c: {"out": minibatch_std_feature(torch.tensor(c["h"], dtype=torch.float32))},
    outputs={
        "out": OutSpec(kind="tensor", rtol=1e-5, atol=1e-6, label="features with the std column")
    },
    reference_api=("gancourse.toy2d.models.minibatch_std_feature",),
    inputs=("h",),
)


def _coverage_cases(rng: np.random.Generator) -> list[Case]:
    means = toy2d.grid25_means().numpy().astype(np.float64)
    std = toy2d.GRID25_STD
    cases = []
    # a healthy sampler, a collapsed one (3 modes), one with wide noise, one far away from all
    for modes, noise, n in ((25, 1.0, 500), (3, 1.0, 300), (25, 4.0, 400), (0, 0.0, 50)):
        if modes:
            pick = rng.choice(25, size=modes, replace=False)
            centres = means[rng.choice(pick, size=n)]
            x = centres + noise * std * rng.normal(size=(n, 2))
        else:
            x = rng.uniform(10, 20, size=(n, 2))
        cases.append({"samples": x, "means": means, "std": np.float64(std)})
    ring = toy2d.ring8_means().numpy().astype(np.float64)
    x = ring[rng.integers(0, 8, size=200)] + toy2d.RING8_STD * rng.normal(size=(200, 2)) * 2
    cases.append({"samples": x, "means": ring, "std": np.float64(toy2d.RING8_STD)})
    return cases


def _modes_call(fn, c: Case) -> dict:
    return unpack(fn(c["samples"].copy(), c["means"].copy(), float(c["std"])), ("modes", "hq"))


def _modes_reference(c: Case) -> dict:
    cov = mode_coverage(c["samples"], c["means"], float(c["std"]))
    return {"modes": cov.modes, "hq": cov.hq}


MODES_AND_QUALITY = Exercise(
    name="modes_and_quality",
    lesson="03",
    number=2,
    title="Modes captured and high-quality samples",
    points=3,
    make_cases=_coverage_cases,
    call=_modes_call,
    reference=_modes_reference,
    outputs={
        "modes": OutSpec(kind="number", label="modes captured"),
        "hq": OutSpec(kind="number", rtol=1e-9, atol=1e-9, label="high-quality fraction"),
    },
    reference_api=("gancourse.metrics.modes.mode_coverage",),
    inputs=("samples", "means", "std"),
)

REVERSE_KL = Exercise(
    name="reverse_kl",
    lesson="03",
    number=3,
    title="Reverse KL of the mode histogram",
    points=2,
    make_cases=_coverage_cases,
    call=lambda fn, c: {"kl": fn(c["samples"].copy(), c["means"].copy(), float(c["std"]))},
    reference=lambda c: {"kl": mode_coverage(c["samples"], c["means"], float(c["std"])).reverse_kl},
    outputs={"kl": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="reverse KL")},
    reference_api=("gancourse.metrics.modes.mode_coverage",),
    inputs=("samples", "means", "std"),
)

EXERCISES = (MINIBATCH_STD, MODES_AND_QUALITY, REVERSE_KL)
