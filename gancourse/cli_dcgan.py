"""``python -m gancourse train dcgan``: train the lesson-05 DCGAN and write samples.

    python -m gancourse train dcgan --data art --epochs E --seed S --samples-out F.npy \\
        [--checkpoint C.pt] [--resume C.pt] [--export-generator G.pt]

writes ``F.npy``: float32 samples (n_samples, C, H, W) in [-1, 1] from the trained generator
(z drawn with ``--seed``). The same command made the shipped weights in
``gancourse/pretrained`` (see the README there).
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dcgan",
        help="train the DCGAN of lesson 05 and write generated samples (.npy)",
        description="Train a DCGAN (gancourse.models) with the course trainer (gancourse.train) "
        "and write (N, C, H, W) float32 samples in [-1, 1] to --samples-out.",
    )
    arg = p.add_argument
    arg("--data", default="art", help="dataset for gancourse.data.load_images (default: art)")
    arg("--epochs", type=int, required=True, help="total passes over the data")
    arg("--seed", type=int, default=0, help="seeds the weights, data order, noise and samples")
    arg("--samples-out", type=Path, required=True, help="where to write the samples (.npy)")
    arg("--n-samples", type=int, default=64, help="number of samples to write (default 64)")
    arg("--checkpoint", type=Path, help="write a resumable checkpoint here every epoch")
    arg("--resume", type=Path, help="continue from this checkpoint (same settings)")
    arg("--export-generator", type=Path, help="also write the generator's weights alone here")
    arg("--n-images", type=int, default=None, help="training images (default: all)")
    arg("--data-seed", type=int, default=0, help="seed of the generated dataset (default 0)")
    arg("--image-size", type=int, default=32, help="image size in pixels (default 32)")
    arg("--batch-size", type=int, default=64)
    arg("--width", type=int, default=32, help="channels of the last hidden block (default 32)")
    arg("--z-dim", type=int, default=64)
    arg("--upsample", choices=("nearest", "transpose"), default="nearest",
        help="G's upsampling: nearest-neighbour + 3x3 conv (default, no checkerboard "
        "artefacts) or the paper's transposed convolutions")
    arg("--loss", default="nonsaturating", help="a name from gancourse.losses.LOSSES")
    arg("--lr", type=float, default=2e-4, help="Adam learning rate of G and D")
    arg("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    arg("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def run(args: argparse.Namespace) -> int:
    import torch

    from gancourse.checkpoint import CheckpointError, save_atomic, save_generator_file
    from gancourse.data import load_images
    from gancourse.losses import LOSSES
    from gancourse.models import Discriminator, Generator, sample
    from gancourse.seeding import seed_everything
    from gancourse.train import TrainingDiverged, train_gan

    if args.loss not in LOSSES:
        print(f"error: unknown --loss {args.loss!r}; choose one of {sorted(LOSSES)}",
              file=sys.stderr)
        return 2
    if args.samples_out.suffix != ".npy":
        print(f"error: --samples-out must end in .npy, got {str(args.samples_out)!r}",
              file=sys.stderr)
        return 2
    if args.epochs < 1 or args.n_samples < 1:
        print("error: --epochs and --n-samples must be >= 1", file=sys.stderr)
        return 2
    try:
        images, _ = load_images(args.data, size=args.image_size, n=args.n_images,
                                seed=args.data_seed)
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2

    seed_everything(args.seed)  # the initial weights
    channels = images.shape[1]
    generator = Generator(args.z_dim, args.width, args.image_size, channels, args.upsample)
    norm = "layer" if LOSSES[args.loss].gp_weight else "batch"  # batch norm breaks the penalty
    discriminator = Discriminator(args.width, args.image_size, channels, norm=norm)
    try:
        result = train_gan(
            generator, discriminator, images, loss=args.loss, epochs=args.epochs,
            batch_size=args.batch_size, lr_g=args.lr, lr_d=args.lr, seed=args.seed,
            device=args.device, checkpoint=args.checkpoint, resume=args.resume,
            progress=not args.quiet,
        )
    except (CheckpointError, ValueError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingDiverged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result.interrupted:
        print("interrupted: no samples written", file=sys.stderr)
        return 130

    x = sample(result.sampling_generator, args.n_samples, seed=args.seed)
    array = x.to(torch.float32).contiguous().numpy()
    save_atomic(array, args.samples_out, write=lambda a, f: np.save(f, a))
    print(f"trained {result.steps} steps ({result.images_per_second:.0f} images/s); "
          f"wrote {array.shape} samples in [{array.min():.2f}, {array.max():.2f}] "
          f"to {args.samples_out}")
    if args.export_generator is not None:
        info = {
            "command": "python -m gancourse train dcgan " + shlex.join(sys.argv[3:])
            if sys.argv[1:3] == ["train", "dcgan"] else "",
            "data": args.data, "n_images": int(images.shape[0]), "data_seed": args.data_seed,
            "epochs": args.epochs, "steps": result.steps, "seed": args.seed,
            "batch_size": args.batch_size, "loss": args.loss, "lr": args.lr,
            "upsample": args.upsample,
            "torch": str(torch.__version__),
        }
        save_generator_file(result.generator, args.export_generator, info)
        print(f"wrote the generator's weights to {args.export_generator}")
    return 0
