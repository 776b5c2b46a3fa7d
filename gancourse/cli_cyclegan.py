"""``python -m gancourse train cyclegan``: train lesson 10's CycleGAN between two art styles.

    python -m gancourse train cyclegan --domains A,B [--no-cycle] --epochs E --seed S \\
        --n-samples N --samples-out F.npz [--export-model M.pt]

trains on ``--n-images`` unpaired paintings of each style and writes ``F.npz`` for N held-out
paintings of each domain (none of them seen in training): ``a``, ``a2b``, ``a2b2a``, ``b``,
``b2a``, ``b2a2b`` (N, 3, H, W) float32 in [-1, 1] and ``domains`` (the two style names).
``--no-cycle`` is the ablation without the cycle-consistency loss (and without the identity
loss, weighted as a share of it). The defaults are the lesson's
(:class:`gancourse.translate.cyclegan.CycleGANConfig`); the same command made the shipped
weights in ``gancourse/pretrained``.
"""

from __future__ import annotations

import argparse
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np

from gancourse.cli_dcgan import add_config_flags, config_changes
from gancourse.cli_pix2pix import check_run
from gancourse.data.art import ART_STYLES
from gancourse.losses import LOSSES
from gancourse.models import UPSAMPLE
from gancourse.translate.cyclegan import GENERATORS, CycleGANConfig
from gancourse.translate.networks import GENERATOR_NORMS

CONFIG_FLAGS: tuple[tuple[str, str, object, str], ...] = (
    ("--lambda-cycle", "lam_cycle", float, "weight of the cycle-consistency loss (paper: 10)"),
    ("--lambda-identity", "lam_identity", float, "weight of the identity loss (paper: 5)"),
    ("--gan-loss", "gan_loss", sorted(LOSSES), "adversarial loss (paper: lsgan)"),
    ("--generator", "generator", list(GENERATORS), "the generators' network"),
    ("--width", "width", int, "channels of the generators' first layer"),
    ("--n-blocks", "n_blocks", int, "residual blocks of each ResNet generator"),
    ("--upsample", "upsample", list(UPSAMPLE), "the generators' upsampling"),
    ("--norm", "norm", list(GENERATOR_NORMS), "the generators' normalisation"),
    ("--d-width", "d_width", int, "channels of the discriminators' first layer"),
    ("--d-layers", "d_layers", int, "stride-2 layers of each PatchGAN"),
    ("--batch-size", "batch_size", int, "paintings of each style per batch"),
    ("--lr", "lr", float, "Adam's learning rate (all nets)"),
    ("--pool-size", "pool_size", int, "fakes kept in each discriminator's image pool"),
    ("--n-images", "n_images", int, "training paintings of each style"),
    ("--decay", "decay", float, "share of the steps at the end with lr falling to zero (0 = off)"),
    ("--augment", "augment", str, "what the discriminators see, e.g. hue (default: nothing added)"),
)


def add_parser(subparsers: argparse._SubParsersAction) -> argparse.ArgumentParser:
    p = subparsers.add_parser(
        "cyclegan",
        help="train a CycleGAN between two art styles (lesson 10) and write translations (.npz)",
        description="Train two generators and two discriminators on unpaired paintings of two "
        "art styles, and write held-out paintings, their translations and their cycle "
        "reconstructions to --samples-out. Flags left out take the lesson's values.",
    )
    arg = p.add_argument
    arg(
        "--domains",
        required=True,
        metavar="A,B",
        help=f"two different art styles, e.g. albers,rothko ({', '.join(ART_STYLES)})",
    )
    arg("--no-cycle", action="store_true", help="the ablation: no cycle (and no identity) loss")
    arg("--epochs", type=int, required=True, help="passes over the training paintings")
    arg("--seed", type=int, default=0, help="seeds the weights, data order and image pools")
    arg("--n-samples", type=int, default=64, help="held-out paintings per style (default 64)")
    arg("--samples-out", type=Path, required=True, help="where to write the arrays (.npz)")
    arg("--export-model", type=Path, help="also write the two trained generators here")
    arg("--export-half", action="store_true", help="store the exported weights as float16")
    arg("--data-seed", type=int, default=0, help="seed of the paintings (default 0)")
    arg("--image-size", type=int, default=32, help="image size in pixels (default 32)")
    add_config_flags(arg, CONFIG_FLAGS)
    arg("--device", default=None, help="cpu, cuda or mps (default: the best available)")
    arg("--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=run)
    return p


def parse_domains(text: str) -> tuple[str, str]:
    """``"albers,rothko"`` -> ("albers", "rothko"), checked."""
    from gancourse.translate.cyclegan import check_domains

    parts = [s.strip() for s in text.split(",")]
    if len(parts) != 2:
        raise ValueError(
            f"--domains takes two styles separated by a comma, e.g. albers,rothko; got {text!r}"
        )
    return check_domains(*parts)


def config_from_args(args: argparse.Namespace) -> CycleGANConfig:
    changes = config_changes(args, CONFIG_FLAGS)
    if args.no_cycle:
        changes.update(lam_cycle=0.0, lam_identity=0.0)
    return replace(CycleGANConfig(), **changes)


def run(args: argparse.Namespace) -> int:
    from gancourse.train import TrainingDiverged
    from gancourse.translate.cyclegan import domain_images, train_cyclegan

    try:
        check_run(args)
        a, b = parse_domains(args.domains)
        cfg = config_from_args(args)
        images = [domain_images(s, cfg.n_images, args.image_size, args.data_seed) for s in (a, b)]
        nets = cfg.models(seed=args.seed)
        result = train_cyclegan(
            nets,
            *images,
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
    _write_outputs(args, cfg, result, (a, b))
    return 0


def _write_outputs(args, cfg: CycleGANConfig, result, domains: tuple[str, str]) -> None:
    import torch

    from gancourse.checkpoint import save_atomic
    from gancourse.cli_dcgan import command_line
    from gancourse.translate.common import save_translator
    from gancourse.translate.cyclegan import held_out_domain
    from gancourse.translate.pix2pix import translate

    G_ab, G_ba = result.models["G_ab"], result.models["G_ba"]
    a, b = (held_out_domain(s, args.n_samples, args.image_size, args.data_seed) for s in domains)
    a2b, b2a = translate(G_ab, a), translate(G_ba, b)
    arrays = {
        "a": a,
        "a2b": a2b,
        "a2b2a": translate(G_ba, a2b),
        "b": b,
        "b2a": b2a,
        "b2a2b": translate(G_ab, b2a),
    }
    arrays = {k: v.to(torch.float32).contiguous().numpy() for k, v in arrays.items()}
    arrays["domains"] = np.array(domains)
    save_atomic(arrays, args.samples_out, write=lambda x, f: np.savez(f, **x))
    cycle = (
        np.abs(arrays["a2b2a"] - arrays["a"]).mean() + np.abs(arrays["b2a2b"] - arrays["b"]).mean()
    )
    print(
        f"trained {result.steps} steps in {result.seconds:.0f} s "
        f"({result.images_per_second:.0f} images/s); mean cycle L1 of the held-out paintings "
        f"{cycle / 2:.3f}; wrote a, a2b, a2b2a, b, b2a, b2a2b {arrays['a'].shape} and "
        f"domains {list(domains)} to {args.samples_out}"
    )
    if args.export_model is not None:
        info = {
            "command": command_line("cyclegan"),
            "domains": list(domains),
            "no_cycle": bool(args.no_cycle),
            "epochs": args.epochs,
            "seed": args.seed,
            "data_seed": args.data_seed,
            "steps": result.steps,
            "seconds": round(result.seconds, 1),
            "config": {k: list(v) if isinstance(v, tuple) else v for k, v in cfg.as_dict().items()},
            "torch": str(torch.__version__),
        }
        save_translator(
            {"G_ab": G_ab.to("cpu"), "G_ba": G_ba.to("cpu")},
            args.export_model,
            info,
            half=args.export_half,
        )
        print(f"wrote the two generators to {args.export_model}")
