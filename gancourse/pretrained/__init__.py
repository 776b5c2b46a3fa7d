"""Small pretrained weights shipped with the course, so later lessons can start without training.

``art_dcgan_g.pt`` is the generator of the art DCGAN of lesson 05, written by the course's
own command (the exact command is in ``README.md`` next to the file)::

    from gancourse.pretrained import load_art_generator
    G = load_art_generator()                  # Generator in eval mode, on the CPU
    x = G(torch.randn(16, G.z_dim))           # (16, 3, 32, 32) in [-1, 1]
"""

from __future__ import annotations

from pathlib import Path
from typing import Any

import torch

from gancourse.checkpoint import load_generator_file
from gancourse.models import Generator

PRETRAINED_DIR = Path(__file__).resolve().parent
ART_GENERATOR_PATH = PRETRAINED_DIR / "art_dcgan_g.pt"


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


__all__ = ["ART_GENERATOR_PATH", "PRETRAINED_DIR", "art_generator_info", "load_art_generator"]
