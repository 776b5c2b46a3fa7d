"""``python -m gancourse train toy2d``: train a 2D GAN of lesson 03 and write its samples.

    python -m gancourse train toy2d --data grid25 --steps N --seed S --samples-out F.npy

writes ``F.npy``: float32 points (n_samples, 2) of the trained generator, and prints their
mode coverage. The defaults are lesson 03's recommended recipe, which needs no knowledge of
the number of modes; ``--preset NAME`` starts from another of lesson 03's configurations
(``vanilla``, ``pacgan2``, ``mixture-latent``, ...) and every other flag changes one field on
top of it, e.g. ``--latent-components 50`` for a mixture latent of 50 components.
"""

from __future__ import annotations

import argparse
from dataclasses import asdict

import numpy as np

from gancourse.data.toy2d import SAMPLERS, TOY2D
from gancourse.losses import LOSSES
from gancourse.toy2d.config import LATENT_COMPONENTS, PRESETS, Toy2DConfig, preset
from gancourse.toy2d.training import train_toy2d

_BOOL = argparse.BooleanOptionalAction

# Every Toy2DConfig field the command line sets: (field, type or action, help).
CONFIG_FLAGS: tuple[tuple[str, object, str], ...] = (
    ("data", sorted(SAMPLERS), "toy distribution"),
    ("loss", sorted(LOSSES), "GAN loss (gancourse.losses)"),
    ("steps", "positive", "generator updates"),
    ("batch_size", "positive", "batch size"),
    ("pack", "positive", "PacGAN packing degree (1 = off)"),
    ("minibatch_std", _BOOL, "minibatch-std feature in D"),
    ("spectral", _BOOL, "spectral norm in D"),
    ("lr_g", float, "generator learning rate"),
    ("lr_d", float, "discriminator learning rate (TTUR: larger)"),
    ("d_steps", "positive", "D updates per G update"),
    ("ema", float, "EMA decay of G's weights (0 = off)"),
    (
        "latent_components",
        int,
        "K > 0: a mixture latent of K components (beyond the papers: K should be a multiple "
        "of the number of modes, e.g. "
        + ", ".join(f"{k} for {name}" for name, k in LATENT_COMPONENTS.items() if k)
        + "; lesson 03 uses it with --z-dim 5); 0: a plain Gaussian z",
    ),
    ("latent_sigma", float, "std of each latent component"),
    ("z_dim", "positive", "dimension of z ~ N(0, I)"),
    ("finish_frac", float, "last fraction of steps with decaying lr"),
)


def add_parser(train_subparsers) -> argparse.ArgumentParser:
    """Register ``train toy2d`` (defaults: the lesson's recommended, data-agnostic recipe)."""
    defaults = Toy2DConfig()
    p = train_subparsers.add_parser(
        "toy2d",
        help="train a small MLP GAN on 2D toy data (lesson 03)",
        description="Train a GAN on 2D toy data and save samples of the trained generator. "
        "The defaults are lesson 03's recommended recipe against mode collapse (it needs no "
        "knowledge of the number of modes); --preset starts from another configuration of "
        "the lesson, and each flag changes one field on top of it. "
        f"Losses: {', '.join(sorted(LOSSES))}.",
    )
    p.add_argument(
        "--preset",
        choices=sorted(PRESETS),
        default="recommended",
        help="the configuration to start from (default: recommended, the defaults below)",
    )
    for field, kind, text in CONFIG_FLAGS:
        flag, default = "--" + field.replace("_", "-"), getattr(defaults, field)
        text = f"{text} (recommended: {default})"
        if kind is _BOOL:
            p.add_argument(flag, action=_BOOL, default=None, help=text)
        elif isinstance(kind, list):
            p.add_argument(flag, choices=kind, default=None, help=text)
        else:
            p.add_argument(
                flag, type=_positive_int if kind == "positive" else kind, default=None, help=text
            )
    p.add_argument(
        "--seed", type=int, default=0, help="random seed (CPU runs are repeatable; default 0)"
    )
    p.add_argument(
        "--samples-out", default=None, help="write (N, 2) float32 samples to this .npy file"
    )
    p.add_argument(
        "--n-samples",
        type=_positive_int,
        default=2500,
        help="number of samples to write (default 2500)",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda or mps (default cpu)")
    p.set_defaults(func=run)
    return p


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def config_from_args(args: argparse.Namespace) -> Toy2DConfig:
    """The ``--preset`` configuration with every flag given on the command line on top."""
    changes = {f: getattr(args, f) for f, _, _ in CONFIG_FLAGS if getattr(args, f) is not None}
    return preset(getattr(args, "preset", "recommended"), **changes)


def run(args: argparse.Namespace) -> int:
    """``python -m gancourse train toy2d ...``: train, report mode coverage, save samples."""
    cfg = config_from_args(args)
    if cfg.batch_size % cfg.pack:
        raise SystemExit(f"--batch-size {cfg.batch_size} must be a multiple of --pack {cfg.pack}")
    try:
        result = train_toy2d(cfg, seed=args.seed, device=args.device)
    except ValueError as exc:  # a config the models refuse, e.g. components with z_dim 1
        raise SystemExit(f"error: {exc}") from exc
    x = result.points(args.n_samples, seed=args.seed)
    print(f"trained toy2d {asdict(cfg)} seed={args.seed} in {result.seconds:.1f} s")
    if cfg.data in TOY2D:
        from gancourse.metrics.modes import mode_coverage

        mix = TOY2D[cfg.data]
        print(f"mode coverage: {mode_coverage(x, mix.means, mix.std)}")
    if args.samples_out:
        np.save(args.samples_out, x.numpy().astype(np.float32))
        print(f"wrote {tuple(x.shape)} samples to {args.samples_out}")
    return 0
