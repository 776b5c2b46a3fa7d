"""``python -m gancourse train vae``: train lesson 11's convolutional VAE and write samples.

    python -m gancourse train vae --data art (--epochs E | --minutes M) --seed S \\
        --n-samples N --samples-out F.npy [--n-images 50000] [--z-dim 64] [--width 32] ...

writes ``F.npy``: float32 samples (N, C, H, W) in [-1, 1], the decoder's mean images G(z) for
z ~ N(0, I) drawn with ``--seed`` (:func:`gancourse.vae.sample_vae`). ``--minutes`` gives the
same wall-clock budget as ``train dcgan --minutes`` for same-budget comparisons.
"""

from __future__ import annotations

import argparse
import sys
from pathlib import Path

import numpy as np

from gancourse.cli_dcgan import check_arguments


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "vae",
        help="train lesson 11's convolutional VAE and write generated samples (.npy)",
        description="Train a convolutional VAE (gancourse.vae: the GAN's discriminator body as "
        "encoder, its generator as decoder) by maximising the ELBO, and write (N, C, H, W) "
        "float32 samples in [-1, 1] to --samples-out.",
    )
    arg = p.add_argument
    arg("--data", default="art", help="dataset for gancourse.data.load_images (default: art)")
    arg("--epochs", type=int, help="total passes over the data")
    arg("--minutes", type=float, help="wall-clock budget in minutes (with or instead of --epochs)")
    arg("--seed", type=int, default=0, help="seeds the weights, data order, noise and samples")
    arg("--samples-out", type=Path, required=True, help="where to write the samples (.npy)")
    arg("--n-samples", type=int, default=64, help="number of samples to write (default 64)")
    arg("--n-images", type=int, default=50_000, help="training images for art (default 50,000)")
    arg("--data-seed", type=int, default=0, help="seed of the generated dataset (default 0)")
    arg("--image-size", type=int, default=32, help="image size in pixels (default 32)")
    arg("--z-dim", type=int, default=64, help="size of the latent z (default 64)")
    arg("--width", type=int, default=32, help="channels of the networks' outer blocks (32)")
    arg("--batch-size", type=int, default=64, help="images per batch (default 64)")
    arg("--lr", type=float, default=1e-3, help="Adam's learning rate (default 1e-3)")
    arg("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    arg("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def _check(args: argparse.Namespace) -> str | None:
    """The first thing wrong with the arguments, said plainly, or None."""
    problem = check_arguments(args)  # the output file, the budget and --n-samples, as train dcgan
    if problem:
        return problem
    for name in ("n_images", "z_dim", "width", "batch_size"):
        if getattr(args, name) < 1:
            return f"--{name.replace('_', '-')} must be >= 1, got {getattr(args, name)}"
    if not args.lr > 0:
        return f"--lr must be > 0, got {args.lr}"
    return None


def run(args: argparse.Namespace) -> int:
    import torch

    from gancourse.checkpoint import save_atomic
    from gancourse.data import load_images
    from gancourse.vae import build_vae, sample_vae, train_vae

    try:
        problem = _check(args)
        if problem:
            raise ValueError(problem)
        n = args.n_images if args.data == "art" else None  # other data: the whole set
        images, _ = load_images(args.data, size=args.image_size, n=n, seed=args.data_seed)
        model = build_vae(args.z_dim, args.width, args.image_size, images.shape[1], seed=args.seed)
        result = train_vae(
            model,
            images,
            epochs=args.epochs,
            minutes=args.minutes,
            batch_size=args.batch_size,
            lr=args.lr,
            seed=args.seed,
            device=args.device,
            progress=not args.quiet,
        )
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    if not all(np.isfinite(result.nll[-1:] + result.kl[-1:])):
        print("error: the loss became NaN or infinite; try a smaller --lr", file=sys.stderr)
        return 1
    array = sample_vae(result.model, args.n_samples, seed=args.seed)
    array = array.to(torch.float32).contiguous().numpy()
    save_atomic(array, args.samples_out, write=lambda a, f: np.save(f, a))
    print(
        f"trained {result.steps} steps in {result.seconds:.0f} s; last -ELBO terms: "
        f"reconstruction {result.nll[-1]:.1f}, KL {result.kl[-1]:.1f} nats per image; "
        f"wrote {array.shape} samples in [{array.min():.2f}, {array.max():.2f}] "
        f"to {args.samples_out}"
    )
    return 0
