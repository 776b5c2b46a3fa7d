"""Small pretrained weights shipped with the course, so later lessons can start without training.

Each file was written by the course's own command (the exact command is in ``README.md`` next
to the files and in each file's metadata):

- ``art_dcgan_g.pt``: the unconditional art generator (lessons 05-07);
- ``art_cgan_g.pt``: lesson 08's conditional generator, G(z, y) for the six styles;
- ``art_infogan_g.pt``: lesson 08's InfoGAN generator, G(z, code), trained without labels;
- ``art_inpaint_g.pt``: lesson 09's repair network, a pix2pix U-Net (L1 + GAN) that fills holes;
- ``art_cyclegan_g.pt``, ``art_cyclegan_nocycle_g.pt``: lesson 10's CycleGAN between Albers and
  Rothko (the generators ``G_ab`` and ``G_ba``), and the same training without the cycle loss.

::

    from gancourse.pretrained import load_art_generator, load_art_cgan
    G = load_art_generator()                  # Generator in eval mode, on the CPU
    x = G(torch.randn(16, G.z_dim))           # (16, 3, 32, 32) in [-1, 1]
    C = load_art_cgan()                       # ConditionalGenerator
    x = C(torch.randn(6, C.z_dim), torch.arange(6))   # one painting of each style
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from gancourse.checkpoint import load_generator_file
from gancourse.models import Generator

PRETRAINED_DIR = Path(__file__).resolve().parent
ART_GENERATOR_PATH = PRETRAINED_DIR / "art_dcgan_g.pt"
ART_CGAN_PATH = PRETRAINED_DIR / "art_cgan_g.pt"
ART_INFOGAN_PATH = PRETRAINED_DIR / "art_infogan_g.pt"
ART_INPAINT_PATH = PRETRAINED_DIR / "art_inpaint_g.pt"
ART_CYCLEGAN_PATH = PRETRAINED_DIR / "art_cyclegan_g.pt"
ART_CYCLEGAN_NOCYCLE_PATH = PRETRAINED_DIR / "art_cyclegan_nocycle_g.pt"


def load_art_generator(device: torch.device | str = "cpu") -> Generator:
    """The shipped art DCGAN generator: z (N, z_dim) -> images (N, 3, 32, 32) in [-1, 1].

    Returned in eval mode (batch norm uses its running statistics) on ``device``; its
    ``z_dim`` attribute gives the latent size. Training details (command, seed, epochs)
    are in ``art_generator_info()``.
    """
    generator, _ = load_generator_file(ART_GENERATOR_PATH, device=device)
    return generator


def art_generator_info() -> dict[str, Any]:
    """Metadata stored with the shipped generator: model config, training command, seed, epochs."""
    _, info = load_generator_file(ART_GENERATOR_PATH, device="cpu")
    return info


def load_art_cgan(device: torch.device | str = "cpu") -> Generator:
    """The shipped conditional art generator (lesson 08): G(z, y) with y a style label (N,)
    or style weights (N, 6), in eval mode on ``device``. Its command: ``art_cgan_info()``."""
    return load_generator_file(ART_CGAN_PATH, device=device)[0]


def art_cgan_info() -> dict[str, Any]:
    """Metadata stored with the shipped conditional generator (command, seed, epochs, ...)."""
    return load_generator_file(ART_CGAN_PATH, device="cpu")[1]


def load_art_infogan(device: torch.device | str = "cpu") -> Generator:
    """The shipped InfoGAN art generator (lesson 08): G(z, code), the code from
    ``gancourse.conditional.make_code``; in eval mode. Its command: ``art_infogan_info()``."""
    return load_generator_file(ART_INFOGAN_PATH, device=device)[0]


def art_infogan_info() -> dict[str, Any]:
    """Metadata stored with the shipped InfoGAN generator."""
    return load_generator_file(ART_INFOGAN_PATH, device="cpu")[1]


def load_art_inpainter(device: torch.device | str = "cpu") -> torch.nn.Module:
    """The shipped repair network (lesson 09): a U-Net that reads a damaged painting (its hole
    filled by diffusion) and its mask, ``net_inputs(images, masks)`` (N, 4, 32, 32), and
    paints the hole; use it with ``gancourse.translate.pix2pix.translate``. In eval mode; its
    command: ``art_inpainter_info()``."""
    from gancourse.translate.common import load_translator

    return load_translator(ART_INPAINT_PATH, device=device)[0]["G"]


def art_inpainter_info() -> dict[str, Any]:
    """Metadata stored with the shipped repair network (command, task, hole sizes, epochs, ...)."""
    from gancourse.translate.common import load_translator

    return load_translator(ART_INPAINT_PATH)[1]


def _cyclegan_path(cycle: bool) -> Path:
    return ART_CYCLEGAN_PATH if cycle else ART_CYCLEGAN_NOCYCLE_PATH


def load_art_cyclegan(
    *, cycle: bool = True, device: torch.device | str = "cpu"
) -> tuple[torch.nn.Module, torch.nn.Module]:
    """Lesson 10's shipped CycleGAN generators ``(G_ab, G_ba)``: Albers -> Rothko and back
    (``cycle=False``: the ablation trained without the cycle and identity losses). ResNet
    generators in eval mode; use them with ``gancourse.translate.pix2pix.translate``. Their
    command and domains: :func:`art_cyclegan_info`."""
    from gancourse.translate.common import load_translator

    nets = load_translator(_cyclegan_path(cycle), device)[0]
    return nets["G_ab"], nets["G_ba"]


def art_cyclegan_info(*, cycle: bool = True) -> dict[str, Any]:
    """Metadata stored with a shipped CycleGAN (command, domains, epochs, steps, config)."""
    from gancourse.translate.common import load_translator

    return load_translator(_cyclegan_path(cycle))[1]


__all__ = [
    "ART_CGAN_PATH",
    "ART_CYCLEGAN_NOCYCLE_PATH",
    "ART_CYCLEGAN_PATH",
    "ART_GENERATOR_PATH",
    "ART_INFOGAN_PATH",
    "ART_INPAINT_PATH",
    "PRETRAINED_DIR",
    "art_cgan_info",
    "art_cyclegan_info",
    "art_generator_info",
    "art_inpainter_info",
    "art_infogan_info",
    "load_art_cgan",
    "load_art_cyclegan",
    "load_art_generator",
    "load_art_inpainter",
    "load_art_infogan",
]
