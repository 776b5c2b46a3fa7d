"""Named recipes for the image GAN: the models and every training setting, in one place.

- ``"dcgan"``: lesson 05's paper recipe (Radford et al. 2015): batch norm in both nets, the
  non-saturating loss, Adam 2e-4 with betas (0.5, 0.999), no extras.
- ``"recommended"``: lesson 07's recipe, chosen by a study of the course's art on a CPU and
  checked by the same-budget comparison of ``benchmarks/stable_training.py``: the lesson-05
  networks and non-saturating loss, D without batch norm but with a minibatch standard
  deviation feature, the (lazy) R1 penalty, Adam betas (0, 0.99), a moving average of G's
  weights, more training images. The default of ``python -m gancourse train dcgan`` and the
  start of lessons 08-10.

A recipe builds its models (:meth:`Recipe.models`; lesson 08's conditional pair with
:meth:`Recipe.conditional_models`, InfoGAN's with :meth:`Recipe.info_models`) and gives
:func:`gancourse.train.train_gan` its keyword arguments (:meth:`Recipe.train_kwargs`); change
any field with ``recipe("recommended", lr_d=4e-4)``.
"""

from __future__ import annotations

from dataclasses import asdict, dataclass, fields, replace
from typing import Any

from gancourse.conditional.models import (
    ConditionalDiscriminator,
    ConditionalGenerator,
    InfoDiscriminator,
    InfoGenerator,
)
from gancourse.losses import LOSSES
from gancourse.models import NORMS, UPSAMPLE, Discriminator, Generator
from gancourse.seeding import seeded


@dataclass(frozen=True)
class Recipe:
    """Everything that defines an image-GAN run but the data, the budget and the seed."""

    name: str
    loss: str = "nonsaturating"
    d_norm: str = "batch"
    mbstd: bool = False
    g_width: int = 32
    d_width: int = 32
    z_dim: int = 64
    upsample: str = "nearest"
    lr_g: float = 2e-4
    lr_d: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    optimizer: str = "adam"
    n_critic: int = 1
    batch_size: int = 64
    ema: float = 0.0
    augment: str | None = None
    r1: float = 0.0
    r1_every: int = 1
    n_images: int = 12_000

    def __post_init__(self) -> None:
        if self.loss not in LOSSES:
            raise ValueError(f"unknown loss {self.loss!r}; choose one of {sorted(LOSSES)}")
        if self.d_norm not in NORMS:
            raise ValueError(f"d_norm must be one of {NORMS}, got {self.d_norm!r}")
        if self.upsample not in UPSAMPLE:
            raise ValueError(f"upsample must be one of {UPSAMPLE}, got {self.upsample!r}")
        if LOSSES[self.loss].gp_weight and self.d_norm == "batch":
            raise ValueError(
                "the gradient penalty needs a D without batch norm "
                "(d_norm='layer', 'none' or 'spectral')"
            )

    def models(
        self, image_size: int = 32, channels: int = 3, *, seed: int = 0
    ) -> tuple[Generator, Discriminator]:
        """Fresh G and D, initialised from ``seed`` (the global RNG is left alone)."""
        with seeded(seed):
            G = Generator(self.z_dim, self.g_width, image_size, channels, self.upsample)
            D = Discriminator(
                self.d_width, image_size, channels, norm=self.d_norm, mbstd=self.mbstd
            )
        return G, D

    def conditional_models(
        self,
        n_classes: int,
        image_size: int = 32,
        channels: int = 3,
        *,
        condition: str = "projection",
        seed: int = 0,
    ) -> tuple[ConditionalGenerator, ConditionalDiscriminator]:
        """The recipe's networks made conditional (lesson 08): G with class-conditional batch
        norm, D with the label fed by ``condition`` ("projection" or "concat")."""
        with seeded(seed):
            G = ConditionalGenerator(
                self.z_dim, n_classes, self.g_width, image_size, channels, self.upsample
            )
            D = ConditionalDiscriminator(
                n_classes, self.d_width, image_size, channels,
                condition=condition, norm=self.d_norm, mbstd=self.mbstd,
            )  # fmt: skip
        return G, D

    def info_models(
        self, n_cat: int = 6, n_cont: int = 2, image_size: int = 32, channels: int = 3, *, seed=0
    ) -> tuple[InfoGenerator, InfoDiscriminator]:
        """InfoGAN's pair with the recipe's networks: G reads [z, code], D has a Q head."""
        with seeded(seed):
            G = InfoGenerator(
                self.z_dim, n_cat, n_cont, self.g_width, image_size, channels, self.upsample
            )
            D = InfoDiscriminator(
                n_cat, n_cont, self.d_width, image_size, channels,
                norm=self.d_norm, mbstd=self.mbstd,
            )  # fmt: skip
        return G, D

    def train_kwargs(self) -> dict[str, Any]:
        """The keyword arguments of :func:`gancourse.train.train_gan` this recipe sets."""
        keys = (
            "loss",
            "lr_g",
            "lr_d",
            "betas",
            "optimizer",
            "n_critic",
            "batch_size",
            "ema",
            "augment",
            "r1",
            "r1_every",
        )
        return {k: getattr(self, k) for k in keys}

    def describe(self) -> str:
        """One line: every field that differs from lesson 05's paper recipe."""
        base = RECIPES["dcgan"]
        changed = [
            f"{f.name}={getattr(self, f.name)!r}"
            for f in fields(self)
            if f.name != "name" and getattr(self, f.name) != getattr(base, f.name)
        ]
        return f"{self.name}: " + (", ".join(changed) or "lesson 05's DCGAN recipe")

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


RECIPES: dict[str, Recipe] = {
    "dcgan": Recipe("dcgan"),
    "recommended": Recipe(
        "recommended",
        d_norm="none",  # D judges each image on its own ...
        mbstd=True,  # ... and, through one extra feature, how varied the batch is
        r1=10.0,  # a zero-centred gradient penalty on real images keeps D smooth there
        r1_every=4,
        betas=(0.0, 0.99),
        ema=0.999,  # paintings come from the moving average of G's weights
        n_images=50_000,
    ),
}


def recipe(name: str, **changes: Any) -> Recipe:
    """The recipe called ``name`` with ``changes`` applied (``name`` is kept unless given)."""
    if name not in RECIPES:
        raise ValueError(f"unknown recipe {name!r}; choose one of {sorted(RECIPES)}")
    return replace(RECIPES[name], **changes)


__all__ = ["RECIPES", "Recipe", "recipe"]
