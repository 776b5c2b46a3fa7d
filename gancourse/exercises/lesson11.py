"""Exercises of lesson 11 (judging generative art); references in :mod:`gancourse.metrics.kid`,
:mod:`gancourse.metrics.copies` and :mod:`gancourse.vae`.

The lesson states KID's estimator for two subsets of the *same* size, density and coverage, the
copy detector's calibration rule and the VAE's KL term to a standard normal in formulas, and only
calls the package's code. The exercises ask one step further: the unbiased MMD^2 for sets of
*different* sizes, density and coverage from scratch, a copy detector on any features with its
leave-one-out threshold, and the KL divergence between two arbitrary diagonal Gaussians.
"""

from __future__ import annotations

import numpy as np
import torch

from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.metrics.copies import copy_threshold, find_copies
from gancourse.metrics.kid import density_coverage, mmd2_unbiased
from gancourse.vae import kl_diag_gaussians


def _t(a: np.ndarray) -> torch.Tensor:
    return torch.tensor(np.asarray(a), dtype=torch.float64)


# ----------------------------------------------------------------------------- 11.1 MMD^2
def _mmd_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for m, n, d, shift in ((6, 9, 3, 0.0), (20, 13, 8, 0.5), (5, 5, 2, 2.0), (40, 25, 16, 0.2)):
        cases.append({"x": rng.normal(size=(m, d)), "y": rng.normal(shift, 1.0, size=(n, d))})
    return cases


MMD2_UNBIASED = Exercise(
    name="mmd2_unbiased",
    lesson="11",
    number=1,
    title="The unbiased MMD^2 of KID, for sets of different sizes",
    points=3,
    make_cases=_mmd_cases,
    call=lambda fn, c: {"mmd2": fn(_t(c["x"]), _t(c["y"]))},
    reference=lambda c: {"mmd2": mmd2_unbiased(_t(c["x"]), _t(c["y"]))},
    outputs={"mmd2": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="unbiased MMD^2")},
    reference_api=("gancourse.metrics.kid.mmd2_unbiased",),
    inputs=("x", "y"),
)


# ------------------------------------------------------------------- 11.2 density, coverage
def _dc_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, m, d, k, spread in ((30, 25, 2, 3, 1.0), (50, 40, 5, 5, 0.5), (12, 30, 3, 1, 2.0)):
        cases.append(
            {
                "real": rng.normal(size=(n, d)),
                "fake": rng.normal(0.3, spread, size=(m, d)),
                "k": np.int64(k),
            }
        )
    return cases


def _dc(fn, c: Case) -> dict:
    out = fn(_t(c["real"]), _t(c["fake"]), int(c["k"]))
    return unpack(out, ("density", "coverage"))


DENSITY_COVERAGE = Exercise(
    name="density_coverage",
    lesson="11",
    number=2,
    title="Density and coverage",
    points=3,
    make_cases=_dc_cases,
    call=_dc,
    reference=lambda c: _dc(density_coverage, c),
    outputs={
        "density": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="density"),
        "coverage": OutSpec(kind="number", rtol=1e-6, atol=1e-9, label="coverage"),
    },
    reference_api=("gancourse.metrics.kid.density_coverage", "gancourse.metrics.density_coverage"),
    inputs=("real", "fake", "k"),
)


# ----------------------------------------------------------------------- 11.3 copy detector
def _copy_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n_train, n_gen, d, q in ((60, 20, 4, 0.05), (150, 40, 8, 0.01), (40, 30, 2, 0.2)):
        train = rng.normal(size=(n_train, d))
        gen = rng.normal(size=(n_gen, d))
        copied = rng.choice(n_train, size=n_gen // 4, replace=False)
        gen[: len(copied)] = train[copied] + 1e-3 * rng.normal(size=(len(copied), d))
        cases.append({"generated": gen, "training": train, "quantile": np.float64(q)})
    return cases


def _copy_reference(generated, training, quantile) -> tuple[float, torch.Tensor]:
    threshold = copy_threshold(training, quantile=quantile, n_calibration=len(training))
    found = find_copies(generated, training, threshold=threshold)
    flagged = torch.zeros(len(generated), dtype=torch.bool)
    flagged[found.indices] = True
    return threshold, flagged


def _copy_run(fn, c: Case) -> dict:
    out = fn(_t(c["generated"]), _t(c["training"]), float(c["quantile"]))
    return unpack(out, ("threshold", "flagged"))


COPY_DETECTOR = Exercise(
    name="copy_detector",
    lesson="11",
    number=3,
    title="A copy detector with a leave-one-out threshold",
    points=3,
    make_cases=_copy_cases,
    call=_copy_run,
    reference=lambda c: _copy_run(_copy_reference, c),
    outputs={
        "threshold": OutSpec(kind="number", rtol=1e-4, atol=1e-6, label="threshold"),  # float32
        "flagged": OutSpec(kind="tensor", dtype="bool", label="flagged (N,) bool"),
    },
    reference_api=(
        "gancourse.metrics.copies.copy_threshold",
        "gancourse.metrics.copies.find_copies",
        "gancourse.metrics.copy_threshold",
        "gancourse.metrics.find_copies",
    ),
    inputs=("generated", "training", "quantile"),
)


# ----------------------------------------------------------------------- 11.4 KL divergence
def _kl_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, z, per_row in ((4, 3, False), (6, 8, True), (1, 2, False)):
        shape_p = (n, z) if per_row else (z,)
        cases.append(
            {
                "mu_q": rng.normal(size=(n, z)),
                "logvar_q": rng.normal(0, 0.5, size=(n, z)),
                "mu_p": rng.normal(size=shape_p),
                "logvar_p": rng.normal(0, 0.5, size=shape_p),
            }
        )
    return cases


def _kl_run(fn, c: Case) -> dict:
    args = [_t(c[k]) for k in ("mu_q", "logvar_q", "mu_p", "logvar_p")]
    return {"kl": fn(*args)}


KL_DIAG_GAUSSIANS = Exercise(
    name="kl_diag_gaussians",
    lesson="11",
    number=4,
    title="The KL divergence between two diagonal Gaussians",
    points=3,
    make_cases=_kl_cases,
    call=_kl_run,
    reference=lambda c: _kl_run(kl_diag_gaussians, c),
    outputs={"kl": OutSpec(kind="tensor", rtol=1e-6, atol=1e-9, label="KL per row (N,)")},
    reference_api=("gancourse.vae.kl_diag_gaussians",),
    inputs=("mu_q", "logvar_q", "mu_p", "logvar_p"),
)

EXERCISES = (MMD2_UNBIASED, DENSITY_COVERAGE, COPY_DETECTOR, KL_DIAG_GAUSSIANS)
