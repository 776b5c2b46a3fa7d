"""Training the 2D GANs of lesson 03 with the course's one training core.

:meth:`Game.play_round` is one move of the game (``d_steps`` discriminator steps, then
a generator step, with :func:`gancourse.train.d_step` and :func:`gancourse.train.g_step`);
:func:`train_toy2d` repeats it with fresh samples every step, the learning-rate schedule
and the moving average of G's weights of the lesson's recommended cure.
"""

from __future__ import annotations

import copy
import time
from collections.abc import Callable
from dataclasses import dataclass, field

import torch
from torch import Tensor

from gancourse.data.toy2d import TOY2D, toy2d_sampler
from gancourse.losses import GANLoss, get_loss
from gancourse.models import sample
from gancourse.seeding import seeded
from gancourse.toy2d.config import DATA_SCALE, LATENT_COMPONENTS, Toy2DConfig
from gancourse.toy2d.models import MLPDiscriminator, MLPGenerator
from gancourse.train.steps import d_step, ema_update, g_step


@dataclass
class Toy2DResult:
    """A trained 2D game. ``generator`` is the trained G, ``generator_ema`` its moving
    average (None without EMA); :attr:`sampling_generator` is the one to draw points from.
    The models work in coordinates divided by ``scale``: :meth:`points` maps back."""

    generator: MLPGenerator
    discriminator: MLPDiscriminator
    config: Toy2DConfig
    scale: float
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    generator_ema: MLPGenerator | None = None

    @property
    def sampling_generator(self) -> MLPGenerator:
        return self.generator_ema if self.generator_ema is not None else self.generator

    def points(self, n: int = 2500, *, seed: int = 0) -> Tensor:
        """n generated points (n, 2) in data coordinates, z drawn with ``seed``."""
        return sample(self.sampling_generator, n, seed=seed) * self.scale


def build_models(cfg: Toy2DConfig) -> tuple[MLPGenerator, MLPDiscriminator]:
    """G and D for ``cfg``, initialised from torch's global generator (seed it, or use
    :func:`gancourse.seeding.seeded`)."""
    K = cfg.latent_components
    if K is None:
        K = LATENT_COMPONENTS.get(cfg.data, 0)
    G = MLPGenerator(cfg.z_dim, cfg.g_width, cfg.g_depth, cfg.g_batch_norm, K, cfg.latent_sigma)
    D = MLPDiscriminator(
        cfg.d_width,
        cfg.d_depth,
        cfg.pack,
        cfg.minibatch_std,
        cfg.spectral,
        cfg.d_input_scale,
        cfg.d_maxout,
    )
    if cfg.init_std > 0:
        for model in (G, D):
            _init_normal(model, cfg.init_std)
    return G, D


@torch.no_grad()
def _init_normal(model: torch.nn.Module, std: float) -> None:
    """Weights of every linear layer ~ N(0, std^2), biases 0 (the papers' initialisation)."""
    for m in model.modules():
        if isinstance(m, torch.nn.Linear):
            w = m.parametrizations.weight.original if hasattr(m, "parametrizations") else m.weight
            w.normal_(0.0, std)
            if m.bias is not None:
                m.bias.zero_()


@dataclass
class Game:
    """One 2D game: the players, their optimisers, the data and the noise.

    ``gen`` (CPU) draws the real points and z; ``gen_penalty`` (on ``device``) the mixing
    weights of the gradient penalty. Build one with :meth:`new`.
    """

    G: MLPGenerator
    D: MLPDiscriminator
    opt_g: torch.optim.Optimizer
    opt_d: torch.optim.Optimizer
    loss: GANLoss
    cfg: Toy2DConfig
    scale: float
    gen: torch.Generator
    gen_penalty: torch.Generator
    device: torch.device

    @classmethod
    def new(cls, cfg: Toy2DConfig, *, seed: int = 0, device: str | torch.device = "cpu") -> Game:
        """Fresh players for ``cfg``, initialised from ``seed`` (the global RNG is left alone)."""
        device = torch.device(device)
        with seeded(seed):
            G, D = build_models(cfg)
        G.to(device)
        D.to(device)
        return cls(
            G,
            D,
            torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas),
            torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas),
            get_loss(cfg.loss),
            cfg,
            DATA_SCALE[cfg.data] if cfg.scale is None else cfg.scale,
            torch.Generator().manual_seed(seed + 1_000_003),
            torch.Generator(device=device).manual_seed(seed + 2_000_003),
            device,
        )

    def set_learning_rates(self, lr_g: float, lr_d: float) -> None:
        for opt, lr in ((self.opt_g, lr_g), (self.opt_d, lr_d)):
            for pg in opt.param_groups:
                pg["lr"] = lr

    def real_batch(self) -> Tensor:
        """A fresh batch of real points (batch_size, 2), divided by ``scale``, on ``device``."""
        x = toy2d_sampler(self.cfg.data)(self.cfg.batch_size, generator=self.gen)
        return (x / self.scale).to(self.device)

    def fake_batch(self) -> Tensor:
        """G(z) for a fresh z (batch_size, z_dim) ~ N(0, I): generated points carrying G's graph."""
        z = torch.randn(self.cfg.batch_size, self.cfg.z_dim, generator=self.gen)
        return self.G(z.to(self.device))

    def d_move(self) -> tuple[Tensor, Tensor]:
        """One ``d_step`` on fresh real points x / scale and G(z) for a fresh z.
        Returns (loss_d, x_fake), x_fake still carrying G's graph."""
        gp_weight = self.loss.gp_weight if self.cfg.gp_weight is None else self.cfg.gp_weight
        x_real, x_fake = self.real_batch(), self.fake_batch()
        loss_d, _, _ = d_step(
            self.D,
            self.loss,
            self.opt_d,
            x_real,
            x_fake,
            gp_weight=gp_weight,
            generator=self.gen_penalty,
        )
        return loss_d, x_fake

    def play_round(self) -> tuple[float, float]:
        """``d_steps`` D moves, then one G step on the last ``x_fake``.
        Returns (loss_d, loss_g) as floats."""
        for _ in range(self.cfg.d_steps):
            loss_d, x_fake = self.d_move()
        loss_g = g_step(self.D, self.loss, self.opt_g, x_fake)
        return float(loss_d), float(loss_g)

    def discriminator_turn(self, steps: int) -> float:
        """Only D moves: ``steps`` D moves against the current, fixed G.
        Returns the last D loss. (Lesson 03's best-response experiment.)"""
        loss_d = torch.tensor(float("nan"))
        for _ in range(steps):
            loss_d, _ = self.d_move()
        return float(loss_d)

    def generator_turn(self, steps: int) -> float:
        """Only G moves: ``steps`` calls of ``g_step`` against the current, fixed D: G's best
        response to that D, found by gradient descent. Returns the last G loss."""
        loss_g = torch.tensor(float("nan"))
        for _ in range(steps):
            loss_g = g_step(self.D, self.loss, self.opt_g, self.fake_batch())
        return float(loss_g)


def lr_factor(step: int, cfg: Toy2DConfig) -> float:
    """1 until the last ``finish_frac`` of the steps, then linearly down to ``finish_lr_frac``."""
    start = int(cfg.steps * (1 - cfg.finish_frac))
    if step < start or cfg.finish_frac <= 0:
        return 1.0
    t = (step - start) / max(1, cfg.steps - start)
    return 1.0 + t * (cfg.finish_lr_frac - 1.0)


def train_toy2d(
    cfg: Toy2DConfig,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    callback: Callable | None = None,
    callback_every: int = 0,
) -> Toy2DResult:
    """Train ``cfg`` from scratch, deterministically for a given ``seed`` on the CPU (the
    global RNG is left as it was). ``callback(step, G, D)`` runs every ``callback_every``
    steps and at the end, with the EMA generator when ``cfg.ema`` > 0."""
    game = Game.new(cfg, seed=seed, device=device)
    G_ema = copy.deepcopy(game.G).requires_grad_(False) if cfg.ema > 0 else None
    hist: dict[str, list] = {"step": [], "d_loss": [], "g_loss": []}
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        f = lr_factor(step, cfg)
        game.set_learning_rates(cfg.lr_g * f, cfg.lr_d * f)
        d_val, g_val = game.play_round()
        if G_ema is not None:
            ema_update(G_ema, game.G, cfg.ema)
        if step % 50 == 0 or step == cfg.steps - 1:
            for k, v in (("step", step), ("d_loss", d_val), ("g_loss", g_val)):
                hist[k].append(v)
        if (
            callback is not None
            and callback_every
            and (step % callback_every == 0 or step == cfg.steps - 1)
        ):
            callback(step, G_ema if G_ema is not None else game.G, game.D)
    return Toy2DResult(game.G, game.D, cfg, game.scale, hist, time.perf_counter() - t0, G_ema)


def evaluate_modes(result: Toy2DResult, n: int = 2500, *, seed: int = 0):
    """:func:`gancourse.metrics.mode_coverage` of n generated points (grid25 / ring8 only)."""
    from gancourse.metrics.modes import mode_coverage

    if result.config.data not in TOY2D:
        raise ValueError(
            f"mode coverage needs a mixture of Gaussians ({sorted(TOY2D)}), "
            f"not {result.config.data!r}"
        )
    mix = TOY2D[result.config.data]
    return mode_coverage(result.points(n, seed=seed), mix.means, mix.std)


__all__ = [
    "Game",
    "Toy2DResult",
    "build_models",
    "evaluate_modes",
    "lr_factor",
    "train_toy2d",
]
