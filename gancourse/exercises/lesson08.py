"""Exercises of lesson 08 (controllable art); references in :mod:`gancourse.conditional`.

The lesson shows the projection discriminator scoring an image against *one* label, InfoGAN's
loss with a fixed-variance Gaussian for the continuous codes, and it *uses* the normalised
mutual information without showing it. The exercises ask for D's logits against every class at
once, the NMI from its definition, and the paper's Gaussian with a learned standard deviation.
"""

from __future__ import annotations

import numpy as np
import torch

from gancourse.conditional import info, measure, models
from gancourse.exercises.spec import Case, Exercise, OutSpec


def _projection_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {
            "phi": rng.normal(size=(n, f)),
            "psi_weight": rng.normal(size=f),
            "psi_bias": np.float64(rng.normal()),
            "embed": rng.normal(size=(k, f)),
        }
        for n, f, k in ((5, 8, 3), (7, 16, 6), (1, 4, 10))
    ]


def _projection_run(c: Case, fn) -> dict:
    t = {k: torch.tensor(v, dtype=torch.float64) for k, v in c.items()}
    return {"logits": fn(t["phi"], t["psi_weight"], t["psi_bias"], t["embed"])}


ALL_CLASS_LOGITS = Exercise(
    name="all_class_logits",
    lesson="08",
    number=1,
    title="The projection discriminator's logits for every class at once",
    points=3,
    make_cases=_projection_cases,
    call=lambda fn, c: _projection_run(c, fn),
    reference=lambda c: _projection_run(c, models.all_class_logits),
    outputs={"logits": OutSpec(kind="tensor", rtol=1e-6, atol=1e-8, label="logits (N, K)")},
    reference_api=("gancourse.conditional.models.all_class_logits",),
    inputs=("phi", "psi_weight", "psi_bias", "embed"),
)


def _nmi_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, ka, kb, shared in (
        (300, 6, 6, 0.7),
        (500, 10, 6, 0.3),
        (200, 3, 4, 0.0),
        (60, 6, 6, 1.0),
    ):
        a = rng.integers(0, ka, n)
        b = rng.integers(0, kb, n)
        tied = rng.random(n) < shared
        b[tied] = a[tied] % kb  # partly a function of a
        cases.append({"codes": a.astype(np.int64), "styles": b.astype(np.int64)})
    y = np.arange(120) % 6
    cases.append({"codes": ((y + 2) % 6).astype(np.int64), "styles": y.astype(np.int64)})
    return cases


NORMALIZED_MUTUAL_INFO = Exercise(
    name="normalized_mutual_info",
    lesson="08",
    number=2,
    title="Normalised mutual information between a code and a style",
    points=3,
    make_cases=_nmi_cases,
    call=lambda fn, c: {"nmi": fn(c["codes"].copy(), c["styles"].copy())},
    reference=lambda c: {"nmi": measure.normalized_mutual_info(c["codes"], c["styles"])},
    outputs={"nmi": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="NMI")},
    reference_api=("gancourse.conditional.measure.normalized_mutual_info",),
    inputs=("codes", "styles"),
)


def _nll_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {
            "u": rng.uniform(-1, 1, size=(n, m)),
            "mean": rng.normal(scale=0.5, size=(n, m)),
            "log_std": rng.normal(scale=0.7, size=(n, m)),
        }
        for n, m in ((8, 2), (5, 1), (16, 3))
    ]


def _nll_run(c: Case, fn) -> dict:
    u, mean, log_std = (torch.tensor(c[k], dtype=torch.float64) for k in ("u", "mean", "log_std"))
    return {"nll": fn(u, mean, log_std)}


GAUSSIAN_CODE_NLL = Exercise(
    name="gaussian_code_nll",
    lesson="08",
    number=3,
    title="InfoGAN's continuous codes with a learned standard deviation",
    points=2,
    make_cases=_nll_cases,
    call=lambda fn, c: _nll_run(c, fn),
    reference=lambda c: _nll_run(c, info.gaussian_code_nll),
    outputs={"nll": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="-log Q(u | x)")},
    reference_api=("gancourse.conditional.info.gaussian_code_nll",),
    inputs=("u", "mean", "log_std"),
)

EXERCISES = (ALL_CLASS_LOGITS, NORMALIZED_MUTUAL_INFO, GAUSSIAN_CODE_NLL)
