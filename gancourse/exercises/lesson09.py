"""Exercises of lesson 09 (paired image-to-image); references in
:mod:`gancourse.translate.networks`, :mod:`gancourse.translate.repair` and
:mod:`gancourse.translate.measures`.

The lesson *measures* the PatchGAN's receptive field by backpropagation, *states* the diffusion
fill as an equation and *uses* the L1 in the hole inside the trainer; the exercises ask for the
calculation, the solver and the loss.
"""

from __future__ import annotations

import numpy as np
import torch

from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.exercises.tensors import gradients
from gancourse.translate import measures, networks, repair


def _field_cases(rng: np.random.Generator) -> list[Case]:
    stacks = [
        [(4, 2, 1), (4, 1, 1), (4, 1, 1)],  # the lesson's PatchGAN at 32x32
        [(4, 2, 1)] * 3 + [(4, 1, 1)] * 2,  # the paper's 70x70 PatchGAN
        [(3, 1, 1), (3, 2, 0), (5, 1, 2), (2, 2, 0)],
    ]
    stacks.append([(int(k), int(s), int(k // 2)) for k, s in rng.integers([2, 1], [6, 3], (4, 2))])
    sizes = (32, 256, 40, int(rng.integers(48, 97)))
    return [
        {"layers": np.array(layers, dtype=np.int64), "image_size": np.int64(size)}
        for layers, size in zip(stacks, sizes)
    ]


def _field_run(c: Case, fn) -> dict:
    layers = [tuple(int(v) for v in row) for row in c["layers"]]
    return unpack(fn(layers, int(c["image_size"])), ("field", "grid"))


PATCH_RECEPTIVE_FIELD = Exercise(
    name="patch_receptive_field",
    lesson="09",
    number=1,
    title="The receptive field and the logit grid of a PatchGAN",
    points=3,
    make_cases=_field_cases,
    call=lambda fn, c: _field_run(c, fn),
    reference=lambda c: _field_run(c, networks.conv_geometry),
    outputs={
        "field": OutSpec(kind="number", rtol=0, atol=0, label="receptive field (pixels)"),
        "grid": OutSpec(kind="number", rtol=0, atol=0, label="side of the logit grid"),
    },
    reference_api=("gancourse.translate.networks.conv_geometry",),
    inputs=("layers", "image_size"),
)


def _fill_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, size, holes in ((2, 12, ((3, 4, 4), (6, 2, 5))), (1, 10, ((0, 3, 4),)),
                           (3, 8, ((2, 2, 3), (5, 5, 3), (1, 4, 2)))):  # fmt: skip
        images = rng.uniform(-1, 1, (n, 3, size, size))
        masks = np.zeros((n, 1, size, size))
        for i, (top, left, side) in enumerate(holes):
            masks[i, 0, top : top + side, left : left + side] = 1
        cases.append({"images": images * (1 - masks), "masks": masks})
    return cases


def _fill_run(c: Case, fn) -> dict:
    images = torch.tensor(c["images"], dtype=torch.float32)
    masks = torch.tensor(c["masks"], dtype=torch.float32)
    return {"filled": fn(images.clone(), masks.clone())}


DIFFUSION_FILL = Exercise(
    name="diffusion_fill",
    lesson="09",
    number=2,
    title="Harmonic inpainting: fill a hole by diffusion",
    points=4,
    make_cases=_fill_cases,
    call=lambda fn, c: _fill_run(c, fn),
    reference=lambda c: _fill_run(c, lambda x, m: repair.diffusion_fill(x, m, tol=1e-7)),
    outputs={"filled": OutSpec(kind="tensor", rtol=0, atol=2e-3, label="filled images")},
    reference_api=("gancourse.translate.repair.diffusion_fill",),
    inputs=("images", "masks"),
)


def _l1_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n, c, size in ((2, 3, 6), (4, 1, 5), (3, 3, 8)):
        masks = (rng.random((n, 1, size, size)) < 0.3).astype(np.float64)
        masks[:, 0, 0, 0] = 1  # every image has a missing pixel
        cases.append(
            {
                "outputs": rng.uniform(-1, 1, (n, c, size, size)),
                "targets": rng.uniform(-1, 1, (n, c, size, size)),
                "masks": masks,
            }
        )
    return cases


def _l1_run(c: Case, fn) -> dict:
    out = torch.tensor(c["outputs"], dtype=torch.float32, requires_grad=True)
    targets = torch.tensor(c["targets"], dtype=torch.float32)
    masks = torch.tensor(c["masks"], dtype=torch.float32)
    loss = fn(out, targets, masks)
    why = "a loss with no graph to the outputs: use torch operations"
    return {"loss": loss, **gradients(loss, {"grad": out}, why)}


MASKED_L1 = Exercise(
    name="masked_l1",
    lesson="09",
    number=3,
    title="The L1 loss inside the hole",
    points=2,
    make_cases=_l1_cases,
    call=lambda fn, c: _l1_run(c, fn),
    reference=lambda c: _l1_run(c, measures.masked_l1),
    outputs={
        "loss": OutSpec(kind="tensor", rtol=1e-5, atol=1e-6, label="loss"),
        "grad": OutSpec(kind="tensor", rtol=1e-4, atol=1e-7, label="d loss / d outputs"),
    },
    reference_api=("gancourse.translate.measures.masked_l1",),
    inputs=("outputs", "targets", "masks"),
)

EXERCISES = (PATCH_RECEPTIVE_FIELD, DIFFUSION_FILL, MASKED_L1)
