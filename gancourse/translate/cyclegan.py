"""CycleGAN (Zhu et al. 2017): translation between two art styles without pairs (lesson 10).

Two generators, ``G_ab``: A -> B and ``G_ba``: B -> A, and two discriminators, ``D_b`` (is
this a real painting of style B?) and ``D_a``. With no pairs, nothing says *which* B painting
an A painting should become; the cycle-consistency loss asks that translating there and back
gives the input again, ``G_ba(G_ab(a)) ~ a`` and ``G_ab(G_ba(b)) ~ b``, so the translation must
keep what it needs to undo itself (the palette, the layout). The identity loss asks
``G_ab(b) ~ b``: a painting that is already of style B should pass unchanged, which keeps
colours from drifting. D learns from a pool of earlier fakes (:class:`ImagePool`).

Why not :func:`gancourse.train.train_gan`: two generators and two discriminators. Each step
is still the course's game (:func:`cyclegan_step`): for each direction one
:func:`~gancourse.train.g_step` against that direction's D, the cycle and identity terms
passed as ``extra`` (one optimiser holds both generators, as in the paper, so each term
trains both), then one :func:`~gancourse.train.d_step` per D. Least-squares losses.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import asdict, dataclass
from typing import Any

import torch
from torch import Tensor, nn

from gancourse.augment import augmenter, policy_names
from gancourse.data.art import ART_STYLES, render_style
from gancourse.data.paired import HELD_OUT_OFFSET
from gancourse.device import get_device
from gancourse.losses import LOSSES, GANLoss, get_loss
from gancourse.models import UPSAMPLE
from gancourse.seeding import seeded
from gancourse.train.history import divergence_advice
from gancourse.train.steps import d_step, g_step
from gancourse.translate.common import (
    Session,
    TranslationResult,
    check_budget,
    check_decay,
    epoch_batches,
    linear_decay,
)
from gancourse.translate.networks import (
    GENERATOR_NORMS,
    PatchDiscriminator,
    ResnetGenerator,
    UNet,
)

GENERATORS = ("resnet", "unet")


# --------------------------------------------------------------------------------- data
def check_domains(a: str, b: str) -> tuple[str, str]:
    """The two style names, checked: known art styles, and not the same one."""
    for name in (a, b):
        if name not in ART_STYLES:
            raise ValueError(f"unknown art style {name!r}; choose two of {', '.join(ART_STYLES)}")
    if a == b:
        raise ValueError(f"the two domains must be different styles, got {a!r} twice")
    return a, b


def domain_images(style: str, n: int, size: int = 32, seed: int = 0) -> Tensor:
    """``n`` paintings of one style (n, 3, size, size) in [-1, 1], deterministic from ``seed``."""
    return torch.from_numpy(render_style(style, n, size, seed) * 2 - 1)


def held_out_domain(style: str, n: int, size: int = 32, seed: int = 0) -> Tensor:
    """Paintings of ``style`` that ``domain_images(style, m, size, seed)`` never contains."""
    return domain_images(style, n, size, seed + HELD_OUT_OFFSET)


# ------------------------------------------------------------------------------- losses
def cycle_loss(G_ab: nn.Module, G_ba: nn.Module, a: Tensor, b: Tensor) -> Tensor:
    """Cycle consistency: mean |G_ba(G_ab(a)) - a| + mean |G_ab(G_ba(b)) - b| (0-d)."""
    return (G_ba(G_ab(a)) - a).abs().mean() + (G_ab(G_ba(b)) - b).abs().mean()


def identity_loss(G_ab: nn.Module, G_ba: nn.Module, a: Tensor, b: Tensor) -> Tensor:
    """Identity: mean |G_ab(b) - b| + mean |G_ba(a) - a|: a painting already of the target
    style should pass through unchanged (0-d)."""
    return (G_ab(b) - b).abs().mean() + (G_ba(a) - a).abs().mean()


def direction_terms(
    forward: nn.Module,
    backward: nn.Module,
    x: Tensor,
    fake: Tensor,
    y: Tensor,
    lam_cycle: float,
    lam_identity: float,
) -> tuple[Tensor, Tensor, Tensor]:
    """The extra terms of one direction's generator step, for ``fake = forward(x)``:
    ``lam_cycle * |backward(fake) - x| + lam_identity * |forward(y) - y|`` (mean L1), and the
    two errors themselves (detached; a term of weight 0 is only measured, without a graph)."""
    with torch.set_grad_enabled(lam_cycle > 0 and torch.is_grad_enabled()):
        cycle = (backward(fake) - x).abs().mean()
    with torch.set_grad_enabled(lam_identity > 0 and torch.is_grad_enabled()):
        identity = (forward(y) - y).abs().mean()
    extra = lam_cycle * cycle if lam_cycle > 0 else fake.new_zeros(())
    if lam_identity > 0:
        extra = extra + lam_identity * identity
    return extra, cycle.detach(), identity.detach()


class ImagePool:
    """A buffer of ``size`` earlier generated images that D also learns from (Shrivastava et al.
    2017), so D does not forget what G used to paint and G cannot just hop between modes.

    :meth:`query` takes a batch of new fakes and returns a batch of the same size: while the
    pool is filling, each new image is stored and returned; afterwards each is, with
    probability ``p``, swapped for a random stored image (which is returned, the new one
    stored in its place), and otherwise returned as it is. Random draws come from ``seed``.
    """

    def __init__(self, size: int = 50, p: float = 0.5, seed: int = 0):
        if size < 0 or not 0 <= p <= 1:
            raise ValueError(f"need size >= 0 and 0 <= p <= 1, got size={size}, p={p}")
        self.size, self.p = size, p
        self.images: list[Tensor] = []
        self.generator = torch.Generator().manual_seed(seed)

    @torch.no_grad()
    def query(self, images: Tensor) -> Tensor:
        if self.size == 0:
            return images.detach()
        out = []
        for image in images.detach():
            if len(self.images) < self.size:
                self.images.append(image.clone())
                out.append(image)
            elif torch.rand((), generator=self.generator) < self.p:
                i = int(torch.randint(len(self.images), (), generator=self.generator))
                out.append(self.images[i])
                self.images[i] = image.clone()
            else:
                out.append(image)
        return torch.stack(out)


# ------------------------------------------------------------------------------ config
@dataclass(frozen=True)
class CycleGANConfig:
    """The course's CycleGAN at 32x32: networks and training settings in one place.

    ``generator``: ``"resnet"`` (the paper's ResNet generator) or ``"unet"`` (lesson 09's
    U-Net with ``width`` channels first: its skips carry the input's details past the
    bottleneck, so the way back can find them; ``n_blocks`` and ``n_down`` are the ResNet's).
    ``width``, ``n_blocks``, ``n_down``, ``upsample``, ``norm``: the generators
    (``norm="batch"``, not the paper's instance norm: instance norm removes each image's own
    colour shift and scale after the first convolution, so the generator could not see, let
    alone keep, the palette of a flat-colour painting; lesson 10 measures it); ``d_width``,
    ``d_layers``: the PatchGAN discriminators (instance norm, as in the paper); ``lam_cycle``,
    ``lam_identity``: the weights of the two L1 terms (paper: 10 and half of it);
    ``pool_size``: the image pool; ``n_images``: training paintings per style; ``decay``: the
    share of the steps at the end over which the learning rates fall linearly to zero (the
    paper: half; 0 = constant); ``augment``: what the discriminators see (a
    :mod:`gancourse.augment` policy such as ``"hue"``; ``""``: the paintings as they are).
    """

    generator: str = "resnet"
    width: int = 16
    n_blocks: int = 3
    n_down: int = 2
    upsample: str = "nearest"
    norm: str = "batch"
    d_width: int = 32
    d_layers: int = 2
    lam_cycle: float = 10.0
    lam_identity: float = 5.0
    gan_loss: str = "lsgan"
    batch_size: int = 16
    lr: float = 2e-4
    betas: tuple[float, float] = (0.5, 0.999)
    pool_size: int = 50
    n_images: int = 3000
    decay: float = 0.0
    augment: str = ""

    def __post_init__(self) -> None:
        if self.gan_loss not in LOSSES:
            raise ValueError(f"unknown loss {self.gan_loss!r}; choose one of {sorted(LOSSES)}")
        if self.generator not in GENERATORS:
            raise ValueError(f"generator must be one of {GENERATORS}, got {self.generator!r}")
        if self.norm not in GENERATOR_NORMS:
            raise ValueError(f"norm must be one of {GENERATOR_NORMS}, got {self.norm!r}")
        if self.upsample not in UPSAMPLE:
            raise ValueError(f"upsample must be one of {UPSAMPLE}, got {self.upsample!r}")
        if self.lam_cycle < 0 or self.lam_identity < 0:
            raise ValueError("lam_cycle and lam_identity must be >= 0")
        check_decay(self.decay)
        policy_names(self.augment)

    def models(self, channels: int = 3, *, seed: int = 0) -> dict[str, nn.Module]:
        """Fresh ``G_ab``, ``G_ba``, ``D_a``, ``D_b``, initialised from ``seed``."""
        kw = {"width": self.width, "upsample": self.upsample, "norm": self.norm}
        if self.generator == "resnet":
            make = ResnetGenerator
            kw.update(n_blocks=self.n_blocks, n_down=self.n_down)
        else:
            make = UNet
        with seeded(seed):
            nets = {"G_ab": make(channels, channels, **kw), "G_ba": make(channels, channels, **kw)}
            for name in ("D_a", "D_b"):
                nets[name] = PatchDiscriminator(
                    channels, width=self.d_width, n_layers=self.d_layers, norm="instance"
                )
        return nets

    def train_kwargs(self) -> dict[str, Any]:
        """The arguments of :func:`train_cyclegan` this config sets."""
        keys = (
            "lam_cycle",
            "lam_identity",
            "gan_loss",
            "batch_size",
            "lr",
            "betas",
            "pool_size",
            "decay",
            "augment",
        )
        return {k: getattr(self, k) for k in keys}

    def as_dict(self) -> dict[str, Any]:
        return asdict(self)


# ------------------------------------------------------------------------------ training
def cyclegan_step(
    nets: dict[str, nn.Module],
    loss: GANLoss,
    opt: dict[str, torch.optim.Optimizer],
    pools: dict[str, ImagePool],
    a: Tensor,
    b: Tensor,
    *,
    lam_cycle: float = 10.0,
    lam_identity: float = 5.0,
    augment: Callable[[Tensor], Tensor] | None = None,
) -> tuple[Tensor, ...]:
    """One CycleGAN update on a batch ``a`` of style A and a batch ``b`` of style B.

    A -> B, then B -> A: each a ``g_step`` against that direction's D with the cycle and
    identity terms as ``extra`` (``opt["G"]`` holds both generators); then each D takes a
    ``d_step`` on real paintings against fakes from its pool. ``augment``: what each D sees
    of real and fake paintings alike, in both steps (e.g. :func:`gancourse.augment.hue`: a
    D shown hue-turned paintings judges the composition, not the palette). Returns the detached
    (adversarial) ``(loss_g_ab, loss_g_ba, loss_d_b, loss_d_a, cycle error, identity error)``.
    """
    G_ab, G_ba, D_a, D_b = nets["G_ab"], nets["G_ba"], nets["D_a"], nets["D_b"]
    fake_b = G_ab(a)
    extra, cyc_a, idt_b = direction_terms(G_ab, G_ba, a, fake_b, b, lam_cycle, lam_identity)
    loss_g_ab = g_step(D_b, loss, opt["G"], fake_b, augment=augment, extra=lambda _, e=extra: e)
    loss_g_ab = loss_g_ab - extra.detach()
    fake_a = G_ba(b)
    extra, cyc_b, idt_a = direction_terms(G_ba, G_ab, b, fake_a, a, lam_cycle, lam_identity)
    loss_g_ba = g_step(D_a, loss, opt["G"], fake_a, augment=augment, extra=lambda _, e=extra: e)
    loss_g_ba = loss_g_ba - extra.detach()
    loss_d_b = d_step(D_b, loss, opt["D_b"], b, pools["b"].query(fake_b), augment=augment)[0]
    loss_d_a = d_step(D_a, loss, opt["D_a"], a, pools["a"].query(fake_a), augment=augment)[0]
    return loss_g_ab, loss_g_ba, loss_d_b, loss_d_a, cyc_a + cyc_b, idt_a + idt_b


STATS = ("loss_g_ab", "loss_g_ba", "loss_d_b", "loss_d_a", "cycle", "identity")


def train_cyclegan(
    nets: dict[str, nn.Module],
    images_a: Tensor,
    images_b: Tensor,
    *,
    epochs: int,
    lam_cycle: float = 10.0,
    lam_identity: float = 5.0,
    gan_loss: str = "lsgan",
    batch_size: int = 16,
    lr: float = 2e-4,
    betas: tuple[float, float] = (0.5, 0.999),
    pool_size: int = 50,
    decay: float = 0.0,
    augment: str = "",
    seed: int = 0,
    device: torch.device | str | None = None,
    callback: Callable[[int, dict[str, nn.Module]], None] | None = None,
    callback_every: int = 100,
    progress: bool = True,
    max_abs_loss: float = 1e4,
) -> TranslationResult:
    """Train the four ``nets`` (:meth:`CycleGANConfig.models`) on unpaired ``images_a`` and
    ``images_b`` (N, C, H, W) in [-1, 1].

    ``epochs`` passes over the smaller set, each step a batch of each style in orders drawn
    from ``seed`` (:func:`cyclegan_step`); ``lam_cycle = 0`` is the ablation without the cycle
    (the identity term, which the paper weights as a share of it, is then usually 0 too).
    Adam(``lr``, ``betas``): one optimiser for both generators, one per discriminator, their
    rates falling linearly to zero over the last ``decay`` share of the steps
    (:func:`~gancourse.translate.common.linear_decay`). ``augment``: a DiffAugment policy
    (:mod:`gancourse.augment`, e.g. ``"hue"``) applied to everything the discriminators see,
    its draws from ``seed``; ``""``: none.
    ``callback(step, nets)`` every ``callback_every`` steps and after the last. Ctrl-C stops
    cleanly; a NaN or exploding loss raises :class:`~gancourse.train.TrainingDiverged`.
    """
    n = min(len(images_a), len(images_b))
    total = check_budget(epochs, batch_size, n)
    dev = get_device(None if device is None else str(device))
    a_all, b_all = images_a.to(dev), images_b.to(dev)
    nets = {k: m.to(dev).train() for k, m in nets.items()}
    gens = list(nets["G_ab"].parameters()) + list(nets["G_ba"].parameters())
    opt = {"G": torch.optim.Adam(gens, lr=lr, betas=betas)}
    opt.update(
        {k: torch.optim.Adam(nets[k].parameters(), lr=lr, betas=betas) for k in ("D_a", "D_b")}
    )
    schedules = linear_decay(list(opt.values()), total, decay)
    pools = {k: ImagePool(pool_size, seed=seed + i) for i, k in enumerate("ab")}
    aug = None
    if augment:  # its own seeded draws, so the data order and pools are the same with or without
        aug = augmenter(augment, torch.Generator(device=dev).manual_seed(seed + 12))
    loss = get_loss(gan_loss)
    run = Session(
        STATS,
        total,
        dev,
        desc="CycleGAN",
        progress=progress,
        advice=divergence_advice(loss, lr, lr, None),
        max_abs_loss=max_abs_loss,
    )
    gen_a, gen_b = (torch.Generator().manual_seed(seed + k) for k in (10, 11))
    step = 0
    try:
        for ia, ib in zip(
            epoch_batches(len(a_all), batch_size, epochs, gen_a),
            epoch_batches(len(b_all), batch_size, epochs, gen_b),
        ):
            stats = cyclegan_step(
                nets,
                loss,
                opt,
                pools,
                a_all[ia],
                b_all[ib],
                lam_cycle=lam_cycle,
                lam_identity=lam_identity,
                augment=aug,
            )
            for schedule in schedules:
                schedule.step()
            step += 1
            run.record(step, *stats)
            if callback is not None and (step % callback_every == 0 or step == total):
                callback(step, nets)
            if step == total:
                break
    except KeyboardInterrupt:
        run.stopped(step)
    return run.finish(nets, step, 2 * step * batch_size)


__all__ = [
    "GENERATORS",
    "STATS",
    "CycleGANConfig",
    "ImagePool",
    "check_domains",
    "cycle_loss",
    "cyclegan_step",
    "direction_terms",
    "domain_images",
    "held_out_domain",
    "identity_loss",
    "train_cyclegan",
]
