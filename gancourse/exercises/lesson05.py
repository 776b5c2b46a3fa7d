"""Exercises of lesson 05 (DCGAN); references in :mod:`gancourse.models`,
:mod:`gancourse.metrics.features` and :mod:`gancourse.train`.

The lesson trains the nearest-neighbour generator and shows the training core (``d_step``,
``g_step``); the exercises ask for the paper's transposed-convolution block, the paper's
initialisation, the Fréchet distance the lesson only states as a formula, and a training run
that adds what the lesson's loop does not have: a moving average of G's weights. The core
may be used in answers; ``reference_api`` names what would answer an exercise outright.
"""

from __future__ import annotations

import copy

import numpy as np
import torch
from torch import nn

from gancourse import models, train
from gancourse.exercises.spec import Case, Exercise, OutSpec, unpack
from gancourse.exercises.tensors import as_float32, flat_params
from gancourse.losses import get_loss
from gancourse.metrics.features import frechet_distance
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


def _fd_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for n_a, n_b, dim, shift in ((300, 200, 6, 0.5), (40, 60, 3, 2.0), (10, 12, 16, 0.1)):
        mix = rng.normal(size=(dim, dim)) / np.sqrt(dim)  # correlated features
        a = rng.normal(size=(n_a, dim)) @ mix
        b = rng.normal(size=(n_b, dim)) @ (mix + 0.3 * rng.normal(size=(dim, dim))) + shift
        cases.append({"feats_a": a, "feats_b": b})  # the last one has fewer images than features
    same = rng.normal(size=(50, 4))
    cases.append({"feats_a": same, "feats_b": same.copy()})  # identical sets: FD = 0
    return cases


FRECHET_DISTANCE = Exercise(
    name="frechet_distance",
    lesson="05",
    number=3,
    title="The Fréchet distance, with a matrix square root by eigendecomposition",
    points=3,
    make_cases=_fd_cases,
    call=lambda fn, c: {"fd": fn(c["feats_a"].copy(), c["feats_b"].copy())},
    reference=lambda c: {"fd": frechet_distance(c["feats_a"], c["feats_b"])},
    outputs={"fd": OutSpec(kind="number", rtol=1e-5, atol=1e-6, label="Fréchet distance")},
    reference_api=(
        "gancourse.metrics.features.frechet_distance",
        "gancourse.metrics.frechet_distance",
    ),
    inputs=("feats_a", "feats_b"),
)


def _ema_cases(rng: np.random.Generator) -> list[Case]:
    cases = []
    for steps, n, channels, decay in ((3, 8, 3, 0.9), (2, 6, 1, 0.5)):
        cases.append(
            {
                "x_real": rng.uniform(-1, 1, size=(steps, n, channels, 8, 8)),
                "z": rng.normal(size=(steps, n, 8)),
                "decay": np.float64(decay),
                "seed": np.int64(rng.integers(0, 2**31)),
            }
        )
    return cases


_NONSATURATING = get_loss("nonsaturating")


def _small_generator(z_dim: int, channels: int) -> nn.Module:
    """z (N, z_dim) -> images (N, channels, 8, 8): a DCGAN generator of two blocks."""
    return nn.Sequential(
        nn.Unflatten(1, (z_dim, 1, 1)),
        nn.ConvTranspose2d(z_dim, 8, 4, 1, 0, bias=False),
        nn.BatchNorm2d(8),
        nn.ReLU(),
        nn.ConvTranspose2d(8, channels, 4, 2, 1),
        nn.Tanh(),
    )


def _small_discriminator(channels: int) -> nn.Module:
    """images (N, channels, 8, 8) -> logits (N,): a DCGAN discriminator of three convolutions."""
    return nn.Sequential(
        nn.Conv2d(channels, 4, 4, 2, 1),
        nn.LeakyReLU(0.2),
        nn.Conv2d(4, 8, 4, 2, 1, bias=False),
        nn.BatchNorm2d(8),
        nn.LeakyReLU(0.2),
        nn.Conv2d(8, 1, 2, 1, 0),
        nn.Flatten(0),
    )


def _ema_run(c: Case, fn=None) -> dict:
    x_real, z = as_float32(c["x_real"]), as_float32(c["z"])
    channels, decay = x_real.shape[2], float(c["decay"])
    with seeded(int(c["seed"])):  # small DCGAN players for 8x8 images
        # built from torch.nn: models.Generator answers 05.1, its init 05.2
        g, d = _small_generator(z.shape[-1], channels), _small_discriminator(channels)
    g_ema = copy.deepcopy(g).requires_grad_(False)
    opt_g = torch.optim.Adam(g.parameters(), lr=2e-3, betas=(0.5, 0.999))
    opt_d = torch.optim.Adam(d.parameters(), lr=2e-3, betas=(0.5, 0.999))
    if fn is None:  # the training core, then the average of G's weights after each step
        loss_d, loss_g = torch.zeros(len(z)), torch.zeros(len(z))
        for t in range(len(z)):
            x_fake = g(z[t])
            loss_d[t] = train.d_step(d, _NONSATURATING, opt_d, x_real[t], x_fake)[0]
            loss_g[t] = train.g_step(d, _NONSATURATING, opt_g, x_fake)
            train.ema_update(g_ema, g, decay)
        models.refresh_batch_norm(g_ema, latents=z)  # its own statistics, on every z[t]
    else:
        out = unpack(fn(g, d, g_ema, opt_g, opt_d, x_real, z, decay), ("loss_d", "loss_g"))
        loss_d, loss_g = out["loss_d"], out["loss_g"]
    return {
        "loss_d": loss_d,
        "loss_g": loss_g,
        "g_params": flat_params(g),
        "ema_params": flat_params(g_ema),
        "ema_buffers": torch.cat([b.detach().float().flatten() for b in g_ema.buffers()]),
        "d_params": flat_params(d),
    }


TRAIN_WITH_EMA = Exercise(
    name="train_with_ema",
    lesson="05",
    number=4,
    title="DCGAN training steps with a moving average of the generator",
    points=4,
    make_cases=_ema_cases,
    call=lambda fn, c: _ema_run(c, fn),
    reference=lambda c: _ema_run(c),
    outputs={
        "loss_d": OutSpec(kind="array", rtol=1e-4, atol=1e-5, label="D losses per step"),
        "loss_g": OutSpec(kind="array", rtol=1e-4, atol=1e-5, label="G losses per step"),
        "g_params": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="G's parameters"),
        "ema_params": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="G_ema's parameters"),
        "ema_buffers": OutSpec(
            kind="tensor",
            rtol=1e-4,
            atol=1e-5,
            label="G_ema's batch-norm statistics, re-estimated on its own outputs",
        ),
        "d_params": OutSpec(kind="tensor", rtol=1e-4, atol=1e-5, label="D's parameters"),
    },
    reference_api=(
        "gancourse.train.ema_update",
        "gancourse.train.steps.ema_update",
        "gancourse.models.refresh_batch_norm",
    ),
    inputs=("x_real", "z", "decay", "seed"),
)

EXERCISES = (GENERATOR_BLOCK, INIT_WEIGHTS, FRECHET_DISTANCE, TRAIN_WITH_EMA)
