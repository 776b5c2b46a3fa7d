"""Exercises of lesson 10 (CycleGAN and neural style transfer); references in
:mod:`gancourse.translate.cyclegan`, :mod:`gancourse.translate.style` and
:mod:`gancourse.translate.measures`.

The lesson states the cycle-consistency loss and the Gram-matrix style loss as formulas and
uses the package's implementations; the exercises ask for them, and for the palette distance
the lesson measures content with.
"""

from __future__ import annotations

import numpy as np
from torch import nn

from gancourse.exercises.spec import Case, Exercise, OutSpec
from gancourse.exercises.tensors import as_float32, gradients
from gancourse.seeding import seeded
from gancourse.translate import cyclegan, measures, style


def _translator(seed: int, channels: int) -> nn.Module:
    """A small image-to-image network (conv, tanh), weights drawn from ``seed``."""
    with seeded(seed):
        return nn.Sequential(nn.Conv2d(channels, channels, 3, padding=1), nn.Tanh())


def _cycle_cases(rng: np.random.Generator) -> list[Case]:
    return [
        {
            "a": rng.uniform(-1, 1, (n, c, s, s)),
            "b": rng.uniform(-1, 1, (n + 1, c, s, s)),
            "seed": np.int64(rng.integers(0, 2**31)),
        }
        for n, c, s in ((2, 3, 6), (3, 1, 5), (1, 3, 8))
    ]


def _cycle_run(c: Case, fn) -> dict:
    a, b = as_float32(c["a"]), as_float32(c["b"])
    G_ab, G_ba = (
        _translator(int(c["seed"]), a.shape[1]),
        _translator(int(c["seed"]) + 1, a.shape[1]),
    )
    loss = fn(G_ab, G_ba, a.clone(), b.clone())
    why = "a loss with no graph to the generators' weights: use torch operations"
    weights = {"grad_ab": G_ab[0].weight, "grad_ba": G_ba[0].weight}
    return {"loss": loss, **gradients(loss, weights, why)}


CYCLE_CONSISTENCY_LOSS = Exercise(
    name="cycle_consistency_loss",
    lesson="10",
    number=1,
    title="The cycle-consistency loss",
    points=3,
    make_cases=_cycle_cases,
    call=lambda fn, c: _cycle_run(c, fn),
    reference=lambda c: _cycle_run(c, cyclegan.cycle_loss),
    outputs={
        "loss": OutSpec(kind="tensor", rtol=1e-5, atol=1e-6, label="loss"),
        "grad_ab": OutSpec(kind="tensor", rtol=1e-4, atol=1e-6, label="d loss / d G_ab's weight"),
        "grad_ba": OutSpec(kind="tensor", rtol=1e-4, atol=1e-6, label="d loss / d G_ba's weight"),
    },
    reference_api=("gancourse.translate.cyclegan.cycle_loss",),
    inputs=("a", "b", "seed"),
)


def _style_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, shapes in ((1, ((4, 8, 8), (6, 4, 4))), (2, ((3, 6, 6),)), (3, ((2, 5, 5), (5, 3, 3)))):
        case: Case = {"n_layers": np.int64(len(shapes))}
        for k, (c, h, w) in enumerate(shapes):
            case[f"features_{k}"] = np.abs(rng.normal(size=(n, c, h, w)))
            case[f"style_{k}"] = np.abs(rng.normal(size=(1, c, h, w)))
        cases.append(case)
    return cases


def _style_run(c: Case, fn) -> dict:
    k = int(c["n_layers"])
    feats = [as_float32(c[f"features_{i}"]).requires_grad_() for i in range(k)]
    style_feats = [as_float32(c[f"style_{i}"]) for i in range(k)]
    loss = fn(list(feats), list(style_feats))
    why = "a loss with no graph to the features: use torch operations"
    return {"loss": loss, **gradients(loss, {"grad": feats[0]}, why)}


GRAM_STYLE_LOSS = Exercise(
    name="gram_style_loss",
    lesson="10",
    number=2,
    title="The Gram-matrix style loss",
    points=3,
    make_cases=_style_cases,
    call=lambda fn, c: _style_run(c, fn),
    reference=lambda c: _style_run(c, style.style_loss),
    outputs={
        "loss": OutSpec(kind="tensor", rtol=1e-4, atol=1e-7, label="loss"),
        "grad": OutSpec(kind="tensor", rtol=1e-3, atol=1e-7, label="d loss / d first features"),
    },
    reference_api=("gancourse.translate.style.style_loss", "gancourse.translate.style.gram_matrix"),
    inputs=("features", "style_features"),
)


def _hist_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, size, bins in ((2, 8, 4), (3, 5, 2), (1, 6, 3)):
        a = rng.uniform(-1, 1, (n, 3, size, size))
        b = np.where(rng.random((n, 3, size, size)) < 0.5, a, rng.uniform(-1, 1, a.shape))
        a[:, :, 0, 0] = 1.0  # the top edge of the range falls in the last bin
        cases.append({"a": a, "b": b, "bins": np.int64(bins)})
    return cases


def _hist_run(c: Case, fn) -> dict:
    a, b = as_float32(c["a"]), as_float32(c["b"])
    return {"distance": fn(a, b, int(c["bins"]))}


PALETTE_DISTANCE = Exercise(
    name="palette_distance",
    lesson="10",
    number=3,
    title="How far apart two palettes are",
    points=2,
    make_cases=_hist_cases,
    call=lambda fn, c: _hist_run(c, fn),
    reference=lambda c: _hist_run(c, measures.histogram_distance),
    outputs={"distance": OutSpec(kind="array", rtol=1e-5, atol=1e-6, label="distance per pair")},
    reference_api=(
        "gancourse.translate.measures.histogram_distance",
        "gancourse.translate.measures.colour_histograms",
    ),
    inputs=("a", "b", "bins"),
)

EXERCISES = (CYCLE_CONSISTENCY_LOSS, GRAM_STYLE_LOSS, PALETTE_DISTANCE)
