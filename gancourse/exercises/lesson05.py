"""Exercises of lesson 05 (DCGAN); references in :mod:`gancourse.models` and
:mod:`gancourse.plotting`."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gancourse import models, plotting
from gancourse.exercises.spec import Case, Exercise, OutSpec
from gancourse.seeding import seeded


def _block_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for out_ch, size, n in ((4, 4, 3), (8, 8, 2), (3, 5, 4)):
        cases.append(
            {
                "in_channels": np.int64(2 * out_ch),
                "out_channels": np.int64(out_ch),
                "x": rng.normal(size=(n, 2 * out_ch, size, size)),
                "seed": np.int64(rng.integers(0, 2**31)),
            }
        )
    return cases


def _reference_block(in_channels: int, out_channels: int) -> nn.Sequential:
    """The first upsampling block of the package's DCGAN generator (it halves the channels)."""
    if in_channels != 2 * out_channels:  # pragma: no cover - the cases always halve
        raise ValueError("the reference block halves the channels")
    g = models.Generator(z_dim=1, width=out_channels, image_size=16, channels=1)
    return nn.Sequential(*list(g.net.children())[3:6])


def _block_run(c: Case, build) -> dict:
    block = build(int(c["in_channels"]), int(c["out_channels"]))
    if not isinstance(block, nn.Module):
        raise TypeError(f"expected an nn.Module (e.g. nn.Sequential), got {type(block).__name__}")
    params = list(block.parameters())
    n_params = sum(p.numel() for p in params)
    # grader-chosen weights, filled in order, so the outputs compare exactly
    g = torch.Generator().manual_seed(int(c["seed"]))
    with torch.no_grad():
        for p in params:
            p.copy_(0.3 * torch.randn(p.shape, generator=g))
    block.train()
    x = torch.tensor(c["x"], dtype=torch.float32)
    y = block(x)
    return {
        "y": y,
        "n_params": n_params,
        "y_shape": torch.tensor(tuple(y.shape)) if isinstance(y, torch.Tensor) else y,
    }


GENERATOR_BLOCK = Exercise(
    name="generator_block",
    lesson="05",
    number=1,
    title="A DCGAN generator block",
    points=3,
    make_cases=_block_cases,
    call=lambda fn, c: _block_run(c, fn),
    reference=lambda c: _block_run(c, _reference_block),
    outputs={
        "y_shape": OutSpec(kind="array", label="output shape (N, C, H, W)"),
        "n_params": OutSpec(kind="number", label="number of parameters"),
        "y": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="block output"),
    },
    reference_api=("gancourse.models.Generator",),
    inputs=("in_channels", "out_channels", "x", "seed"),
)


def _init_cases(rng: np.random.Generator) -> list[Case]:
    return [{"seed": np.int64(rng.integers(0, 2**31)), "width": np.int64(w)} for w in (8, 16)]


def _init_net(width: int) -> nn.Module:
    """The layer types of a DCGAN generator, with PyTorch's default init, built from torch.nn
    (the package's Generator is not available while grading; the weights are never used)."""
    return nn.Sequential(
        nn.ConvTranspose2d(16, 2 * width, 4, 1, 0, bias=False),
        nn.BatchNorm2d(2 * width),
        nn.ReLU(True),
        nn.ConvTranspose2d(2 * width, width, 3, 1, 1, bias=False),
        nn.BatchNorm2d(width),
        nn.ReLU(True),
        nn.ConvTranspose2d(width, 3, 4, 2, 1, bias=True),
        nn.Tanh(),
    )


def _init_run(c: Case, init) -> dict:
    with seeded(int(c["seed"])):  # init draws from torch's global generator: seed it, then restore
        net = _init_net(int(c["width"]))
        result = net.apply(init)
    del result
    stats = {
        "conv_std": [],
        "conv_mean": [],
        "bn_weight_mean": [],
        "bn_weight_std": [],
        "bias_absmax": [],
    }
    for m in net.modules():
        if isinstance(m, (nn.ConvTranspose2d, nn.Conv2d, nn.Linear)):
            stats["conv_std"].append(m.weight.std().item())
            stats["conv_mean"].append(m.weight.mean().item())
        if isinstance(m, nn.BatchNorm2d):
            stats["bn_weight_mean"].append(m.weight.mean().item())
            stats["bn_weight_std"].append(m.weight.std().item())
        bias = getattr(m, "bias", None)
        if isinstance(bias, torch.Tensor):
            stats["bias_absmax"].append(bias.abs().max().item())
    return {k: np.array(v) for k, v in stats.items()}


INIT_WEIGHTS = Exercise(
    name="init_weights",
    lesson="05",
    number=2,
    title="DCGAN weight initialisation",
    points=2,
    make_cases=_init_cases,
    call=lambda fn, c: _init_run(c, fn),
    reference=lambda c: _init_run(c, models.init_dcgan_weights),
    outputs={
        # statistics of random draws: compared with tolerances that a wrong std (e.g. 0.2,
        # or PyTorch's default init) or a forgotten layer type cannot meet
        "conv_std": OutSpec(kind="array", rtol=0.0, atol=0.004, label="std of each conv weight"),
        "conv_mean": OutSpec(kind="array", rtol=0.0, atol=0.004, label="mean of each conv weight"),
        "bn_weight_mean": OutSpec(
            kind="array", rtol=0.0, atol=0.02, label="mean of each BatchNorm scale"
        ),
        "bn_weight_std": OutSpec(
            kind="array", rtol=0.0, atol=0.02, label="std of each BatchNorm scale"
        ),
        "bias_absmax": OutSpec(
            kind="array", rtol=0.0, atol=1e-7, label="largest |bias| of each layer"
        ),
    },
    reference_api=("gancourse.models.init_dcgan_weights",),
    inputs=("seed", "width"),
)


def _image_cases(rng: np.random.Generator) -> list[Case]:
    cases = [
        {"x": rng.uniform(-1.2, 1.2, size=(c, h, w))}
        for c, h, w in ((3, 8, 8), (1, 5, 7), (3, 16, 4))
    ]
    return cases


def _image_run(c: Case, fn=None) -> dict:
    x = torch.tensor(c["x"], dtype=torch.float32)
    if fn is None:
        return {"img": plotting.to_grid(x[None], nrow=1, padding=0)}
    return {"img": fn(x.clone())}


TO_IMAGE = Exercise(
    name="to_image",
    lesson="05",
    number=3,
    title="From a generator's output to a picture",
    points=2,
    make_cases=_image_cases,
    call=lambda fn, c: _image_run(c, fn),
    reference=lambda c: _image_run(c),
    outputs={"img": OutSpec(kind="array", rtol=1e-5, atol=1e-6, label="image (H, W, 3) in [0, 1]")},
    reference_api=("gancourse.plotting.to_grid",),
    inputs=("x",),
)

EXERCISES = (GENERATOR_BLOCK, INIT_WEIGHTS, TO_IMAGE)
