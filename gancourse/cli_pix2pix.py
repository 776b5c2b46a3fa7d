"""``python -m gancourse train pix2pix``: train lesson 09's pix2pix on a paired art task.

    python -m gancourse train pix2pix --task {sketch2art,gray2art,inpaint} [--loss {l1,l1+gan}] \\
        --epochs E --seed S --n-samples N --samples-out F.npz [--export-model M.pt [--export-half]]

trains on ``--n-images`` pairs made by ``gancourse.data.paired_art`` and writes ``F.npz`` for
N held-out paintings no training pair contains: ``inputs`` (N, C_in, H, W), ``targets`` and
``outputs`` (N, 3, H, W), float32 in [-1, 1], and for ``inpaint`` also ``masks`` (N, 1, H, W),
1 = missing. ``--loss l1`` trains the U-Net by the L1 alone (no discriminator). The defaults
are the lesson's (:class:`gancourse.translate.pix2pix.Pix2PixConfig`); the same command made
the shipped weights in ``gancourse/pretrained``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from gancourse.cli_dcgan import add_config_flags, check_arguments, command_line, config_changes
from gancourse.data.paired import DEFAULT_HOLE, TASKS
from gancourse.losses import LOSSES
from gancourse.models import UPSAMPLE
from gancourse.translate.pix2pix import LOSS_MODES, Pix2PixConfig

# Config fields the command line can change: (flag, field, type, help).
CONFIG_FLAGS: tuple[tuple[str, str, object, str], ...] = (
    ("--lambda", "lam", float, "weight of the L1 term (pix2pix: 100)"),
    ("--gan-loss", "gan_loss", sorted(LOSSES), "adversarial loss (gancourse.losses)"),
    ("--width", "width", int, "channels of the U-Net's first level (and of D's)"),
    ("--max-width", "max_width", int, "channel cap of the deeper levels"),
    ("--n-layers", "n_layers", int, "stride-2 layers of the PatchGAN (1: 16x16 patches)"),
    ("--upsample", "upsample", list(UPSAMPLE), "the U-Net's upsampling"),
    ("--batch-size", "batch_size", int, "pairs per batch"),
    ("--lr", "lr", float, "Adam's learning rate (both nets)"),
    ("--n-images", "n_images", int, "training pairs"),
    ("--residual", "residual", bool, "G outputs its input plus a correction (1 = on, 0 = off)"),
    ("--decay", "decay", float, "share of the steps at the end with lr falling to zero (0 = off)"),
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "pix2pix",
        help="train pix2pix on a paired art task (lesson 09) and write held-out outputs (.npz)",
        description="Train a U-Net (and a conditional PatchGAN) on pairs made from the "
        "generated art, and write inputs, targets and outputs of held-out paintings to "
        "--samples-out. Flags left out take the lesson's values.",
    )
    arg = p.add_argument
    arg("--task", required=True, choices=TASKS, help="the paired task")
    arg("--loss", choices=LOSS_MODES, default="l1+gan", help="L1 alone, or L1 + GAN (default)")
    arg("--epochs", type=int, required=True, help="passes over the training pairs")
    arg("--seed", type=int, default=0, help="seeds the weights and the data order")
    arg("--n-samples", type=int, default=64, help="held-out paintings to write (default 64)")
    arg("--samples-out", type=Path, required=True, help="where to write the arrays (.npz)")
    arg("--export-model", type=Path, help="also write the trained U-Net here")
    arg("--export-half", action="store_true", help="store the exported weights as float16")
    arg("--data-seed", type=int, default=0, help="seed of the paired art (default 0)")
    arg("--image-size", type=int, default=32, help="image size in pixels (default 32)")
    arg(
        "--hole",
        type=float,
        nargs=2,
        metavar=("LO", "HI"),
        default=DEFAULT_HOLE,
        help=f"inpaint: share of the image a hole covers, drawn from [LO, HI] "
        f"(default {DEFAULT_HOLE[0]} {DEFAULT_HOLE[1]})",
    )
    add_config_flags(arg, CONFIG_FLAGS)
    arg("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    arg("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def config_from_args(args: argparse.Namespace) -> Pix2PixConfig:
    return replace(Pix2PixConfig(), **config_changes(args, CONFIG_FLAGS))


def check_run(args: argparse.Namespace) -> None:
    """Raise ValueError with the first thing wrong with --samples-out (.npz), --epochs or
    --n-samples (``train dcgan``'s check)."""
    problem = check_arguments(args, ".npz")
    if problem:
        raise ValueError(problem)


def run(args: argparse.Namespace) -> int:
    from gancourse.data.paired import held_out_art, paired_art
    from gancourse.train import TrainingDiverged
    from gancourse.translate.pix2pix import train_pix2pix

    hole = {"hole": tuple(args.hole)} if args.task == "inpaint" else {}
    try:
        check_run(args)
        cfg = config_from_args(args)
        data = paired_art(args.task, cfg.n_images, args.image_size, args.data_seed, **hole)
        test = held_out_art(args.task, args.n_samples, args.image_size, args.data_seed, **hole)
        G, D = cfg.models(
            data.in_channels, image_size=args.image_size, seed=args.seed, gan=args.loss == "l1+gan"
        )
        result = train_pix2pix(
            G,
            D,
            data,
            epochs=args.epochs,
            **cfg.train_kwargs(),
            seed=args.seed,
            device=args.device,
            progress=not args.quiet,
        )
    except (ValueError, TypeError) as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 2
    except TrainingDiverged as exc:
        print(f"error: {exc}", file=sys.stderr)
        return 1
    if result.interrupted:
        print("interrupted: nothing written", file=sys.stderr)
        return 130
    _write_outputs(args, cfg, result, test)
    return 0


def _write_outputs(args, cfg: Pix2PixConfig, result, test) -> None:
    import torch

    from gancourse.checkpoint import save_atomic
    from gancourse.translate.common import save_translator
    from gancourse.translate.pix2pix import translate

    G = result.models["G"]
    arrays = {
        "inputs": test.inputs,
        "targets": test.targets,
        "outputs": translate(G, test.inputs, test.masks),
    }
    if test.masks is not None:
        arrays["masks"] = test.masks
    arrays = {k: v.to(torch.float32).contiguous().numpy() for k, v in arrays.items()}
    save_atomic(arrays, args.samples_out, write=lambda a, f: np.savez(f, **a))
    print(
        f"trained {result.steps} steps in {result.seconds:.0f} s "
        f"({result.images_per_second:.0f} pairs/s); wrote "
        + ", ".join(f"{k} {v.shape}" for k, v in arrays.items())
        + f" to {args.samples_out}"
    )
    if args.export_model is not None:
        info = {
            "command": command_line("pix2pix"),
            "task": args.task,
            "loss": args.loss,
            "epochs": args.epochs,
            "seed": args.seed,
            "data_seed": args.data_seed,
            "hole": list(args.hole) if args.task == "inpaint" else None,
            "steps": result.steps,
            "seconds": round(result.seconds, 1),
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.as_dict().items()},
            "torch": str(torch.__version__),
        }
        save_translator({"G": G.to("cpu")}, args.export_model, info, half=args.export_half)
        print(f"wrote the trained U-Net to {args.export_model}")
