"""``python -m gancourse train dcgan``: train an image GAN with a recipe and write samples.

    python -m gancourse train dcgan --data art (--epochs E | --minutes M) --seed S \\
        --samples-out F.npy [--recipe recommended|dcgan] [--checkpoint C.pt] [--resume C.pt] \\
        [--export-generator G.pt] [--loss L --d-norm N --lr-g X --lr-d Y --betas B1 B2 ...]

writes ``F.npy``: float32 samples (n_samples, C, H, W) in [-1, 1] from the trained generator
(its moving average when the recipe keeps one; z drawn with ``--seed``). The default recipe
is lesson 07's recommended one; ``--recipe dcgan`` is lesson 05's paper recipe; every field of
a recipe is a flag. The same command made the shipped weights in ``gancourse/pretrained``.
"""

from __future__ import annotations

import argparse
import shlex
import sys
from pathlib import Path

import numpy as np

from gancourse.losses import LOSSES
from gancourse.models import NORMS, UPSAMPLE
from gancourse.recipes import RECIPES
from gancourse.train.state import OPTIMIZERS

# The recipe fields the command line can change: (flag, field, type, help).
RECIPE_FLAGS: tuple[tuple[str, str, object, str], ...] = (
    ("--loss", "loss", sorted(LOSSES), "GAN loss (gancourse.losses)"),
    ("--d-norm", "d_norm", list(NORMS), "D's normalisation"),
    ("--mbstd", "mbstd", bool, "a minibatch standard deviation feature in D (1 = on, 0 = off)"),
    ("--lr-g", "lr_g", float, "G's Adam learning rate"),
    ("--lr-d", "lr_d", float, "D's Adam learning rate (TTUR when it differs from --lr-g)"),
    ("--optimizer", "optimizer", list(OPTIMIZERS), "adam (with --betas) or rmsprop"),
    ("--n-critic", "n_critic", int, "D steps per G step"),
    ("--ema", "ema", float, "decay of the moving average of G's weights (0 = off)"),
    ("--augment", "augment", str, "DiffAugment policy, e.g. translation,cutout ('' = off)"),
    ("--r1", "r1", float, "gamma of the R1 penalty on real images (0 = off)"),
    ("--r1-every", "r1_every", int, "lazy R1: every k-th step, k times as strong"),
    ("--batch-size", "batch_size", int, "images per batch"),
    ("--g-width", "g_width", int, "channels of G's last hidden block"),
    ("--d-width", "d_width", int, "channels of D's first block"),
    ("--z-dim", "z_dim", int, "size of the latent z"),
    ("--upsample", "upsample", list(UPSAMPLE), "G's upsampling: nearest + 3x3 conv, or transposed"),
    ("--n-images", "n_images", int, "training images"),
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "dcgan",
        help="train an image GAN (lessons 05 and 07) and write generated samples (.npy)",
        description="Train a convolutional GAN with a recipe of gancourse.recipes and the course "
        "trainer (gancourse.train), and write (N, C, H, W) float32 samples in [-1, 1] to "
        "--samples-out. Flags left out take the recipe's value.",
    )
    add_training_arguments(p, ".npy")
    p.set_defaults(func=run)
    return p


def add_training_arguments(p: argparse.ArgumentParser, suffix: str) -> None:
    """The flags every image-GAN command shares (dcgan, and lesson 08's cgan and infogan):
    data, recipe and its fields, budget, seed, samples file (ending in ``suffix``), files."""
    arg = p.add_argument
    arg("--data", default="art", help="dataset for gancourse.data.load_images (default: art)")
    arg(
        "--recipe",
        choices=sorted(RECIPES),
        default="recommended",
        help="lesson 07's recommended recipe (default) or lesson 05's dcgan",
    )
    arg("--epochs", type=int, help="total passes over the data")
    arg("--minutes", type=float, help="wall-clock budget in minutes (with or instead of --epochs)")
    arg("--seed", type=int, default=0, help="seeds the weights, data order, noise and samples")
    arg("--samples-out", type=Path, required=True, help=f"where to write the samples ({suffix})")
    arg("--n-samples", type=int, default=64, help="number of samples to write (default 64)")
    arg("--checkpoint", type=Path, help="write a resumable checkpoint here every epoch")
    arg("--resume", type=Path, help="continue from this checkpoint (same settings)")
    arg("--export-generator", type=Path, help="also write the sampling generator alone here")
    arg("--data-seed", type=int, default=0, help="seed of the generated dataset (default 0)")
    arg("--image-size", type=int, default=32, help="image size in pixels (default 32)")
    arg("--betas", type=float, nargs=2, metavar=("BETA1", "BETA2"), help="Adam's betas")
    add_config_flags(arg, RECIPE_FLAGS)
    arg("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    arg("--quiet", action="store_true", help="no progress bar")


def add_config_flags(arg, flags) -> None:
    """Add one option per ``(flag, field, kind, help)`` of ``flags`` (default None: the
    config's own value); ``kind`` is a type, a list of choices, or ``bool`` (written 0 or 1).
    Shared by ``train dcgan``, ``cgan``, ``infogan``, ``pix2pix`` and ``cyclegan``."""
    for flag, field, kind, text in flags:
        if isinstance(kind, list):
            arg(flag, dest=field, choices=kind, help=text)
        elif kind is bool:
            arg(flag, dest=field, type=_flag, choices=(False, True), metavar="{0,1}", help=text)
        else:
            arg(flag, dest=field, type=kind, help=text)


def config_changes(args: argparse.Namespace, flags) -> dict:
    """The config fields set on the command line (the flags of :func:`add_config_flags`)."""
    return {f: getattr(args, f) for _, f, _, _ in flags if getattr(args, f) is not None}


def _flag(text: str) -> bool:
    if text not in ("0", "1"):
        raise argparse.ArgumentTypeError(f"expected 0 or 1, got {text!r}")
    return text == "1"


def recipe_from_args(args: argparse.Namespace):
    from gancourse.recipes import recipe

    changes = config_changes(args, RECIPE_FLAGS)
    if args.betas is not None:
        changes["betas"] = tuple(args.betas)
    if changes.get("augment") == "":
        changes["augment"] = None
    return recipe(args.recipe, **changes)


def check_arguments(args: argparse.Namespace, suffix: str = ".npy") -> str | None:
    """The first thing wrong with the output file (its ``suffix``), the budget or --n-samples,
    said plainly, or None (``train cgan``, ``infogan``, ``vae``, ``pix2pix`` and ``cyclegan``
    check theirs the same way)."""
    if args.samples_out.suffix != suffix:
        return f"--samples-out must end in {suffix}, got {str(args.samples_out)!r}"
    minutes = getattr(args, "minutes", None)  # train pix2pix and cyclegan have --epochs only
    if args.epochs is None and minutes is None:
        return "give a budget: --epochs E and/or --minutes M"
    if (args.epochs is not None and args.epochs < 1) or args.n_samples < 1:
        return "--epochs and --n-samples must be >= 1"
    if minutes is not None and not minutes > 0:
        return f"--minutes must be > 0, got {minutes}"
    return None


class CommandError(Exception):
    """Stop a training command with this message and exit code."""

    def __init__(self, message: str, code: int):
        super().__init__(message)
        self.code = code


def load_data(args: argparse.Namespace, suffix: str):
    """(recipe, images, labels) for the arguments; :class:`CommandError` (code 2) if wrong."""
    from gancourse.data import load_images

    try:
        problem = check_arguments(args, suffix)
        if problem:
            raise ValueError(problem)
        rec = recipe_from_args(args)
        n = rec.n_images if args.data == "art" else None  # other data: the whole set
        images, labels = load_images(args.data, size=args.image_size, n=n, seed=args.data_seed)
    except (ValueError, TypeError) as exc:
        raise CommandError(str(exc), 2) from exc
    return rec, images, labels


def train_from_args(args: argparse.Namespace, rec, G, D, images, **extra):
    """``train_gan`` with the command's budget, seed and files; errors as
    :class:`CommandError` (2: bad input or checkpoint, 1: diverged, 130: interrupted)."""
    from gancourse.checkpoint import CheckpointError
    from gancourse.train import TrainingDiverged, train_gan

    print(f"recipe {rec.describe()}", flush=True)
    try:
        result = train_gan(
            G,
            D,
            images,
            **rec.train_kwargs(),
            **extra,
            epochs=args.epochs,
            minutes=args.minutes,
            seed=args.seed,
            device=args.device,
            checkpoint=args.checkpoint,
            resume=args.resume,
            progress=not args.quiet,
        )
    except (CheckpointError, ValueError) as exc:
        raise CommandError(str(exc), 2) from exc
    except TrainingDiverged as exc:
        raise CommandError(str(exc), 1) from exc
    if result.interrupted:
        raise CommandError("interrupted: no samples written", 130)
    return result


def run(args: argparse.Namespace) -> int:
    try:
        rec, images, _ = load_data(args, ".npy")
        G, D = rec.models(args.image_size, images.shape[1], seed=args.seed)
        result = train_from_args(args, rec, G, D, images)
    except CommandError as exc:
        print(f"error: {exc}" if exc.code != 130 else str(exc), file=sys.stderr)
        return exc.code
    _write_outputs(args, rec, result, len(images))
    return 0


def _write_outputs(args: argparse.Namespace, rec, result, n_images: int) -> None:
    import torch

    from gancourse.checkpoint import save_atomic
    from gancourse.models import sample

    G = result.sampling_generator
    array = sample(G, args.n_samples, seed=args.seed).to(torch.float32).contiguous().numpy()
    save_atomic(array, args.samples_out, write=lambda a, f: np.save(f, a))
    report_samples(result, array, args.samples_out)
    export_generator(args, "dcgan", rec, result, n_images)


def report_samples(result, images: np.ndarray, path: Path) -> None:
    print(
        f"trained {result.steps} steps in {result.seconds:.0f} s "
        f"({result.images_per_second:.0f} images/s); wrote {images.shape} samples in "
        f"[{images.min():.2f}, {images.max():.2f}] to {path}"
    )


def command_line(target: str) -> str:
    """The command that is running, as a string to store next to what it wrote
    (``python -m gancourse train <target> ...``; '' when the code was not started that way).
    ``--resume FILE`` is left out: resuming is exact, so the command without it gives the same
    result."""
    if sys.argv[1:3] != ["train", target]:
        return ""
    argv = sys.argv[3:]
    if "--resume" in argv:
        i = argv.index("--resume")
        argv = argv[:i] + argv[i + 2 :]
    return f"python -m gancourse train {target} " + shlex.join(argv)


def export_generator(args: argparse.Namespace, target: str, rec, result, n_images: int) -> None:
    """With ``--export-generator``: the sampling generator's file, with the command that made
    it (``python -m gancourse train <target> ...``) and the run's details in its metadata."""
    import torch

    from gancourse.checkpoint import save_generator_file

    if args.export_generator is None:
        return
    info = {
        "command": command_line(target),
        "data": args.data,
        "n_images": n_images,
        "data_seed": args.data_seed,
        "epochs": args.epochs,
        "minutes": args.minutes,
        "steps": result.steps,
        "seconds": round(result.seconds, 1),  # of this session (the last, when resumed)
        "resumed": args.resume is not None,
        "seed": args.seed,
        "recipe": rec.name,
        "settings": rec.describe(),
        "torch": str(torch.__version__),
        "ema": bool(result.generator_ema is not None),
    }
    save_generator_file(result.sampling_generator, args.export_generator, info)
    print(f"wrote the generator's weights to {args.export_generator}")
