"""Exercises of lesson 06 (exploring the latent space); references in :mod:`gancourse.latent`.

The lesson states slerp as a formula (it does not show ``latent.slerp``), and shows
``find_directions``, which calls ``pca`` without showing it: the exercises ask for slerp, a
slerp path, and the principal components themselves.
"""

from __future__ import annotations

import numpy as np
import torch

from gancourse import latent
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack


def _pair_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for d, t in ((8, 0.3), (64, 0.5), (100, 0.9), (16, 0.0), (16, 1.0)):
        cases.append({"z0": rng.normal(size=d), "z1": rng.normal(size=d), "t": np.float64(t)})
    z0 = rng.normal(size=12)
    cases.append({"z0": z0, "z1": 2.0 * z0, "t": np.float64(0.25)})  # parallel: the angle is 0
    return cases


def _slerp_run(c: Case, fn) -> dict:
    z0 = torch.tensor(c["z0"], dtype=torch.float32)
    z1 = torch.tensor(c["z1"], dtype=torch.float32)
    return {"z": fn(z0.clone(), z1.clone(), float(c["t"]))}


SLERP = Exercise(
    name="slerp",
    lesson="06",
    number=1,
    title="Spherical interpolation (slerp)",
    points=3,
    make_cases=_pair_cases,
    call=lambda fn, c: _slerp_run(c, fn),
    reference=lambda c: _slerp_run(c, latent.slerp),
    outputs={
        "z": OutSpec(kind="tensor", dtype="float32", rtol=1e-4, atol=1e-5, label="slerp(z0, z1, t)")
    },
    reference_api=("gancourse.latent.slerp",),
    inputs=("z0", "z1", "t"),
)


def _path_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {"z0": rng.normal(size=d), "z1": rng.normal(size=d), "steps": np.int64(s)}
        for d, s in ((8, 5), (64, 9), (3, 2))
    ]


def _path_run(c: Case, fn=None) -> dict:
    z0 = torch.tensor(c["z0"], dtype=torch.float32)
    z1 = torch.tensor(c["z1"], dtype=torch.float32)
    if fn is None:
        return {"path": latent.interpolation_path(z0, z1, int(c["steps"]), method="slerp")}
    return {"path": fn(z0.clone(), z1.clone(), int(c["steps"]))}


INTERPOLATION_PATH = Exercise(
    name="interpolation_path",
    lesson="06",
    number=2,
    title="A slerp path of evenly spaced steps",
    points=2,
    make_cases=_path_cases,
    call=lambda fn, c: _path_run(c, fn),
    reference=lambda c: _path_run(c),
    outputs={"path": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="path (steps, D)")},
    reference_api=("gancourse.latent.interpolation_path", "gancourse.latent.slerp"),
    inputs=("z0", "z1", "steps"),
)


def _pca_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, f, k in ((200, 6, 3), (40, 12, 5), (8, 30, 4)):  # the last: fewer rows than columns
        scales = np.geomspace(3.0, 0.2, f)  # distinct variances: the components are well defined
        basis = np.linalg.qr(rng.normal(size=(f, f)))[0]
        x = (rng.normal(size=(n, f)) * scales) @ basis.T + rng.normal(size=f)
        cases.append({"x": x, "k": np.int64(k)})
    return cases


def _pca_run(fn, c: Case) -> dict:
    x = torch.tensor(c["x"], dtype=torch.float32)
    return unpack(fn(x.clone(), int(c["k"])), ("components", "explained", "mean"))


PCA = Exercise(
    name="pca",
    lesson="06",
    number=3,
    title="Principal components with a fixed sign",
    points=3,
    make_cases=_pca_cases,
    call=_pca_run,
    reference=lambda c: _pca_run(lambda x, k: latent.pca(x, k, exact=True), c),
    outputs={
        "components": OutSpec(kind="tensor", rtol=1e-3, atol=1e-4, label="components (k, F)"),
        "explained": OutSpec(kind="tensor", rtol=1e-4, atol=1e-6, label="explained share (k,)"),
        "mean": OutSpec(kind="tensor", rtol=1e-5, atol=1e-5, label="mean (F,)"),
    },
    reference_api=("gancourse.latent.directions.pca", "gancourse.latent.pca"),
    inputs=("x", "k"),
)

EXERCISES = (SLERP, INTERPOLATION_PATH, PCA)
