"""``python -m gancourse train cgan | infogan``: lesson 08's controllable GANs from the shell.

    python -m gancourse train cgan --data art --epochs E --seed S --n-samples N \\
        --samples-out F.npz [--condition projection|concat] [recipe flags, files as for dcgan]

writes ``F.npz`` with ``images`` (N, C, H, W) float32 in [-1, 1] and ``labels`` (N,) int64, the
requested class of each image (0, 1, ..., K-1, 0, 1, ...: balanced over the classes).

    python -m gancourse train infogan --data art --epochs E --seed S --n-samples N \\
        --samples-out F.npz [--n-cat 6] [--n-cont 2] [--info 1.0] \\
        [--info-blind] [--info-real 3]

writes ``images`` and ``codes`` (N,) int64, the categorical code that produced each image
(balanced; the continuous codes drawn from U(-1, 1) with the seed). No labels are used. By
default it is the paper's InfoGAN; ``--info-blind`` makes Q read colour images through a
palette-blind view and ``--info-real W`` adds Q's clustering of the real images (weight W).

Both train with lesson 07's recommended recipe by default (every field a flag, as for
``train dcgan``) through the one trainer, ``gancourse.train.train_gan``; samples come from the
moving average of G's weights, z drawn with ``--seed``.
"""

from __future__ import annotations

import argparse
import sys

import numpy as np

from gancourse.cli_dcgan import (
    CommandError,
    add_training_arguments,
    export_generator,
    load_data,
    report_samples,
    train_from_args,
)
from gancourse.conditional.models import CONDITIONS


def add_parser(subparsers: argparse._SubParsersAction) -> None:
    cgan = subparsers.add_parser(
        "cgan",
        help="train a conditional GAN (lesson 08) and write samples with their labels (.npz)",
        description="Train G(z, y) against D(x, y) on labelled images and write images (N, C, H, "
        "W) in [-1, 1] and the requested labels (N,), balanced over the classes, to --samples-out.",
    )
    add_training_arguments(cgan, ".npz")
    cgan.add_argument(
        "--condition",
        choices=CONDITIONS,
        default="projection",
        help="how D reads the label: projection (default) or concat (one-hot channels)",
    )
    cgan.set_defaults(func=run_cgan)
    info = subparsers.add_parser(
        "infogan",
        help="train an InfoGAN (lesson 08) and write samples with their categorical codes (.npz)",
        description="Train InfoGAN without labels and write images (N, C, H, W) in [-1, 1] and "
        "the categorical code (N,) that produced each, balanced, to --samples-out.",
    )
    add_training_arguments(info, ".npz")
    arg = info.add_argument
    arg("--n-cat", type=int, help="values of the categorical code (default: the data's classes)")
    arg("--n-cont", type=int, default=2, help="continuous codes, U(-1, 1) (default 2)")
    arg("--info", type=float, default=1.0, help="weight of the mutual-information term (1)")
    arg(
        "--info-blind",
        action=argparse.BooleanOptionalAction,
        default=False,
        help="Q reads every image through a random palette-blind view (colour images only; "
        "default off)",
    )
    arg(
        "--info-real",
        type=float,
        default=0.0,
        help="weight of Q's clustering loss on the real images (default 0: off; lesson 08 uses 3)",
    )
    info.set_defaults(func=run_infogan)


def run_cgan(args: argparse.Namespace) -> int:
    try:
        rec, images, labels = load_data(args, ".npz")
        k = int(labels.max()) + 1
        G, D = rec.conditional_models(
            k, args.image_size, images.shape[1], condition=args.condition, seed=args.seed
        )
        result = train_from_args(args, rec, G, D, images, labels=labels)
    except CommandError as exc:
        return _fail(exc)
    import torch

    requested = torch.arange(args.n_samples) % k
    _write(args, result, {"labels": requested}, requested, rec, len(images), "cgan")
    return 0


def run_infogan(args: argparse.Namespace) -> int:
    from gancourse.conditional.info import make_code

    try:
        rec, images, labels = load_data(args, ".npz")
        n_cat = int(labels.max()) + 1 if args.n_cat is None else args.n_cat
        if n_cat < 2 or args.n_cont < 0 or not args.info > 0 or not args.info_real >= 0:
            raise CommandError(
                "need --n-cat >= 2, --n-cont >= 0, --info > 0 and --info-real >= 0", 2
            )
        G, D = rec.info_models(n_cat, args.n_cont, args.image_size, images.shape[1], seed=args.seed)
        info = {"info": args.info, "info_blind": args.info_blind, "info_real": args.info_real}
        result = train_from_args(args, rec, G, D, images, **info)
    except CommandError as exc:
        return _fail(exc)
    import torch

    codes = torch.arange(args.n_samples) % n_cat
    gen = torch.Generator().manual_seed(args.seed + 1)
    u = torch.rand(args.n_samples, args.n_cont, generator=gen) * 2 - 1
    code = make_code(codes, u, n_cat)
    _write(args, result, {"codes": codes}, code, rec, len(images), "infogan")
    return 0


def _fail(exc: CommandError) -> int:
    print(f"error: {exc}" if exc.code != 130 else str(exc), file=sys.stderr)
    return exc.code


def _write(args, result, arrays: dict, condition, rec, n_images: int, target: str) -> None:
    """Sample the trained G on ``condition``, write the .npz atomically, export if asked."""
    import torch

    from gancourse.checkpoint import save_atomic
    from gancourse.models import sample

    G = result.sampling_generator
    images = sample(G, args.n_samples, seed=args.seed, condition=condition)
    out = {"images": images.to(torch.float32).contiguous().numpy()}
    out.update({k: v.to(torch.int64).numpy() for k, v in arrays.items()})
    save_atomic(out, args.samples_out, write=lambda a, f: np.savez(f, **a))
    report_samples(result, out["images"], args.samples_out)
    export_generator(args, target, rec, result, n_images)


__all__ = ["add_parser", "run_cgan", "run_infogan"]
