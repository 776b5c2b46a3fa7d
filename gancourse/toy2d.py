"""Lesson 03: small MLP GANs on 2D data, the cures for mode collapse, and the CLI trainer.

Shapes: ``MLPGenerator(z)`` maps z (N, z_dim) to points (N, 2); ``MLPDiscriminator(x)``
maps points (N, 2) to logits (N // pack,) (one logit per *pack* of ``pack`` points, the
PacGAN idea; pack = 1 is the ordinary discriminator).

Training works in normalised coordinates x / scale (scale = 4 for grid25, 1 for ring8),
so one set of hyperparameters fits both data sets; :func:`generate` maps back.
"""

from __future__ import annotations

import argparse
import copy
import time
from collections.abc import Callable
from dataclasses import asdict, dataclass, field, replace

import numpy as np
import torch
from torch import Tensor, nn

from gancourse.data.toy2d import SAMPLERS, TOY2D, toy2d_sampler
from gancourse.losses import LOSSES, GANLoss, get_loss, gradient_penalty

DATA_SCALE = {"grid25": 4.0, "ring8": 1.0, "spiral": 3.0}
LATENT_COMPONENTS = {"grid25": 50, "ring8": 48, "spiral": 0}
"""K of the recommended mixture latent per data set: the multiple of the number of modes
closest to 50 (with K not a multiple of it, the spare components land between modes)."""


class MLPGenerator(nn.Module):
    """z (N, z_dim) ~ N(0, I) -> x (N, 2): ``depth`` hidden ReLU layers of ``width``, linear output.

    ``components`` = K > 0 gives G a *disconnected* latent space (a mixture prior, as in
    DeLiGAN, Gurumurthy et al. 2017): the first coordinate of z picks one of K equally likely
    components, c = floor(K * Phi(z_0)), and the other d = z_dim - 1 coordinates are the noise
    inside it, h = mu_c + sigma * z_{1:}. The K means start at mu_c ~ N(0, I_d) (torch's global
    generator) and are learned with G's weights, so G can move a whole component from a crowded
    mode to an empty one. The MLP maps h (N, d) to x. A continuous map of a
    connected latent space has a connected image, so only a disconnected latent lets G put
    (almost) no samples between the modes.
    """

    def __init__(
        self,
        z_dim: int = 2,
        width: int = 128,
        depth: int = 3,
        batch_norm: bool = False,
        components: int = 0,
        sigma: float = 0.01,
    ):
        super().__init__()
        if components < 0 or (components > 0 and z_dim < 2):
            raise ValueError(
                f"components must be >= 0 and needs z_dim >= 2, got {components=}, {z_dim=}"
            )
        self.z_dim, self.components, self.sigma = z_dim, components, sigma
        d_latent = z_dim - 1 if components else z_dim  # the MLP's input size
        d_in = d_latent
        layers: list[nn.Module] = []
        for _ in range(depth):
            layers += [nn.Linear(d_in, width)]
            if batch_norm:
                layers += [nn.BatchNorm1d(width)]
            layers += [nn.ReLU()]
            d_in = width
        layers += [nn.Linear(d_in, 2)]
        self.net = nn.Sequential(*layers)
        if components:  # (K, d) component means, learned with G's weights
            self.mu = nn.Parameter(torch.randn(components, d_latent))

    def latent(self, z: Tensor) -> Tensor:
        """The MLP's input: z itself, or h = mu_c + sigma * z_{1:} with c from z_0 (N, d)."""
        if not self.components:
            return z
        c = (torch.special.ndtr(z[:, 0]) * self.components).long().clamp(0, self.components - 1)
        return self.mu[c] + self.sigma * z[:, 1:]

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(self.latent(z))


class MLPDiscriminator(nn.Module):
    """x (N, 2) -> logits (N // pack,): an MLP with LeakyReLU(0.2).

    ``pack`` > 1 concatenates ``pack`` points into one input of size 2 * pack (PacGAN).
    ``minibatch_std`` appends the batch standard deviation of the last hidden features
    (one scalar, Karras et al. 2018) before the output layer. ``spectral`` wraps every
    linear layer in spectral normalisation (Miyato et al. 2018).
    """

    def __init__(
        self,
        width: int = 128,
        depth: int = 3,
        pack: int = 1,
        minibatch_std: bool = False,
        spectral: bool = False,
        input_scale: float = 1.0,
    ):
        super().__init__()
        self.input_scale = input_scale
        if pack < 1:
            raise ValueError(f"pack must be >= 1, got {pack}")
        self.pack, self.minibatch_std = pack, minibatch_std
        sn = nn.utils.parametrizations.spectral_norm if spectral else (lambda m: m)
        layers: list[nn.Module] = []
        d_in = 2 * pack
        for _ in range(depth):
            layers += [sn(nn.Linear(d_in, width)), nn.LeakyReLU(0.2)]
            d_in = width
        self.body = nn.Sequential(*layers)
        self.head = sn(nn.Linear(d_in + int(minibatch_std), 1))

    def forward(self, x: Tensor) -> Tensor:
        if x.dim() != 2 or x.shape[1] != 2:
            raise ValueError(f"expected points of shape (N, 2), got {tuple(x.shape)}")
        if x.shape[0] % self.pack:
            raise ValueError(f"batch size {x.shape[0]} is not a multiple of pack={self.pack}")
        h = self.body(self.input_scale * x.reshape(-1, 2 * self.pack))
        if self.minibatch_std:
            s = h.std(dim=0, unbiased=False).mean().expand(h.shape[0], 1)
            h = torch.cat([h, s], dim=1)
        return self.head(h).flatten()


@dataclass(frozen=True)
class Toy2DConfig:
    """Everything that defines a run. The defaults are the lesson's recommended cure:
    non-saturating loss, PacGAN-style packing, two time-scale learning rates (TTUR), an
    exponential moving average (EMA) of G's weights, a finishing phase with a decaying
    learning rate, and a mixture latent of K components (``MLPGenerator(components=K)``,
    K = ``LATENT_COMPONENTS[data]``), so G need not stretch samples between the modes."""

    data: str = "grid25"
    loss: str = "nonsaturating"
    steps: int = 30000
    batch_size: int = 256
    z_dim: int = 5  # with the mixture latent: 1 coordinate picks the component, 4 inside it
    g_width: int = 128
    g_depth: int = 3
    d_width: int = 128
    d_depth: int = 3
    pack: int = 2
    minibatch_std: bool = False
    spectral: bool = False
    lr_g: float = 3e-4
    lr_d: float = 1e-3
    betas: tuple[float, float] = (0.5, 0.999)
    d_steps: int = 1
    finish_frac: float = 0.3  # last fraction of steps: lr decays linearly to finish_lr_frac * lr
    finish_lr_frac: float = 0.0
    ema: float = 0.999  # EMA decay of G's weights (0 = no EMA)
    gp_weight: float | None = None  # None: the loss's own (10 for wgan-gp, else 0)
    scale: float | None = None  # None: DATA_SCALE[data]
    g_batch_norm: bool = False
    d_input_scale: float = 1.0
    latent_components: int | None = None  # K: mixture latent; None = LATENT_COMPONENTS[data]
    latent_sigma: float = 0.01  # std of each latent component


_GAUSSIAN_Z = dict(z_dim=2, latent_components=0)  # z ~ N(0, I_2), no mixture latent
_VANILLA = dict(pack=1, lr_g=1e-3, lr_d=1e-3, ema=0.0, finish_frac=0.0, **_GAUSSIAN_Z)

PRESETS: dict[str, dict] = {
    "vanilla-minimax": dict(_VANILLA, loss="minimax"),
    "vanilla": dict(_VANILLA, loss="nonsaturating"),
    "minibatch-std": dict(_VANILLA, minibatch_std=True),
    "pacgan4": dict(_VANILLA, pack=4),
    "wgan-gp": dict(_VANILLA, loss="wgan-gp", betas=(0.5, 0.9), lr_g=3e-4, lr_d=1e-3),
    "sn-hinge": dict(_VANILLA, loss="hinge", spectral=True, lr_g=3e-4, lr_d=1e-3),
    "ttur": dict(_VANILLA, lr_g=3e-4, lr_d=1e-3),
    "pack2-ttur-ema": _GAUSSIAN_Z,
    "recommended": {},
}
"""Named configurations compared in lesson 03 (changes to :class:`Toy2DConfig`'s defaults).

``vanilla``: one D step per G step, Adam at 1e-3 for both nets, a Gaussian z in 2D, nothing
else. Every other entry adds one cure to it; ``recommended`` is the defaults (all cures
together); ``pack2-ttur-ema`` is the recommended cure with an ordinary Gaussian latent.
"""


def preset(name: str, **changes) -> Toy2DConfig:
    """The :data:`PRESETS` entry ``name`` as a config, with ``changes`` on top."""
    if name not in PRESETS:
        raise ValueError(f"unknown preset {name!r}; choose one of {sorted(PRESETS)}")
    return replace(Toy2DConfig(), **{**PRESETS[name], **changes})


def _lr_factor(step: int, cfg: Toy2DConfig) -> float:
    start = int(cfg.steps * (1 - cfg.finish_frac))
    if step < start or cfg.finish_frac <= 0:
        return 1.0
    t = (step - start) / max(1, cfg.steps - start)
    return 1.0 + t * (cfg.finish_lr_frac - 1.0)


@dataclass
class Toy2DResult:
    generator: MLPGenerator
    discriminator: MLPDiscriminator
    config: Toy2DConfig
    scale: float
    history: dict = field(default_factory=dict)
    seconds: float = 0.0
    raw_generator: MLPGenerator | None = None


def build_models(cfg: Toy2DConfig) -> tuple[MLPGenerator, MLPDiscriminator]:
    K = cfg.latent_components
    if K is None:
        K = LATENT_COMPONENTS.get(cfg.data, 0)
    G = MLPGenerator(cfg.z_dim, cfg.g_width, cfg.g_depth, cfg.g_batch_norm, K, cfg.latent_sigma)
    D = MLPDiscriminator(
        cfg.d_width, cfg.d_depth, cfg.pack, cfg.minibatch_std, cfg.spectral, cfg.d_input_scale
    )
    return G, D


def train_step(
    G: MLPGenerator,
    D: MLPDiscriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: GANLoss,
    x_real: Tensor,
    z: Tensor,
    z_g: Tensor,
    gp_weight: float = 0.0,
) -> tuple[float, float]:
    """One round of the game: a D update on (x_real, G(z)), then a G update on G(z_g).

    Returns (d_loss, g_loss) as floats. ``gp_weight`` > 0 adds the WGAN-GP penalty.
    """
    # discriminator: d_real = D(x), d_fake = D(G(z)); G is frozen (no_grad)
    with torch.no_grad():
        x_fake = G(z)
    d_real, d_fake = D(x_real), D(x_fake)
    d_loss = loss.d_loss(d_real, d_fake)
    if gp_weight > 0:
        d_loss = d_loss + gp_weight * gradient_penalty(D, x_real, x_fake)
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    # generator: a fresh z; the loss flows back through D into G
    g_loss = loss.g_loss(D(G(z_g)))
    opt_g.zero_grad(set_to_none=True)
    g_loss.backward()
    opt_g.step()
    return float(d_loss.detach()), float(g_loss.detach())


def d_update(
    G: nn.Module,
    D: nn.Module,
    opt_d: torch.optim.Optimizer,
    loss: GANLoss,
    x_real: Tensor,
    z: Tensor,
    gp_weight: float = 0.0,
) -> float:
    """A discriminator-only update (the extra D steps of ``d_steps`` > 1); returns d_loss."""
    with torch.no_grad():
        x_fake = G(z)
    d_loss = loss.d_loss(D(x_real), D(x_fake))
    if gp_weight > 0:
        d_loss = d_loss + gp_weight * gradient_penalty(D, x_real, x_fake)
    opt_d.zero_grad(set_to_none=True)
    d_loss.backward()
    opt_d.step()
    return float(d_loss.detach())


@torch.no_grad()
def ema_update(G_ema: nn.Module, G: nn.Module, decay: float) -> None:
    """G_ema <- decay * G_ema + (1 - decay) * G, parameter by parameter."""
    for p_ema, p in zip(G_ema.parameters(), G.parameters()):
        p_ema.lerp_(p, 1.0 - decay)


def play_round(
    G: MLPGenerator,
    D: MLPDiscriminator,
    opt_g: torch.optim.Optimizer,
    opt_d: torch.optim.Optimizer,
    loss: GANLoss,
    cfg: Toy2DConfig,
    sampler: Callable,
    gen: torch.Generator,
    scale: float,
    gp_weight: float = 0.0,
    device: str | torch.device = "cpu",
) -> tuple[float, float]:
    """One G update after ``cfg.d_steps - 1`` D-only updates, with fresh real points x / scale
    and noise z, z_g (drawn from ``gen`` in that order) for every D step. Returns
    (d_loss, g_loss) of the last step."""
    b = cfg.batch_size
    for k in range(cfg.d_steps):
        x_real = (sampler(b, generator=gen) / scale).to(device)
        z = torch.randn(b, cfg.z_dim, generator=gen).to(device)
        z_g = torch.randn(b, cfg.z_dim, generator=gen).to(device)
        if k < cfg.d_steps - 1:  # extra D steps: D only
            d_update(G, D, opt_d, loss, x_real, z, gp_weight)
        else:
            return train_step(G, D, opt_g, opt_d, loss, x_real, z, z_g, gp_weight)
    raise ValueError(f"d_steps must be >= 1, got {cfg.d_steps}")


def train_toy2d(
    cfg: Toy2DConfig,
    *,
    seed: int = 0,
    device: str | torch.device = "cpu",
    callback: Callable | None = None,
    callback_every: int = 0,
) -> Toy2DResult:
    """Train ``cfg`` from scratch, deterministically for a given ``seed`` on CPU.

    ``callback(step, G, D)`` runs every ``callback_every`` steps and at the end (G is the
    EMA generator when ``cfg.ema`` > 0). Data are fresh samples every step (x / scale).
    """
    torch.manual_seed(seed)
    device = torch.device(device)
    loss = get_loss(cfg.loss)
    gp_weight = loss.gp_weight if cfg.gp_weight is None else cfg.gp_weight
    sampler = toy2d_sampler(cfg.data)
    scale = DATA_SCALE[cfg.data] if cfg.scale is None else cfg.scale
    gen = torch.Generator().manual_seed(seed + 1_000_003)
    G, D = build_models(cfg)
    G.to(device)
    D.to(device)
    G_ema = copy.deepcopy(G).requires_grad_(False) if cfg.ema > 0 else G
    opt_g = torch.optim.Adam(G.parameters(), lr=cfg.lr_g, betas=cfg.betas)
    opt_d = torch.optim.Adam(D.parameters(), lr=cfg.lr_d, betas=cfg.betas)
    hist: dict[str, list] = {"step": [], "d_loss": [], "g_loss": []}
    t0 = time.perf_counter()
    for step in range(cfg.steps):
        f = _lr_factor(step, cfg)
        for pg in opt_g.param_groups:
            pg["lr"] = cfg.lr_g * f
        for pg in opt_d.param_groups:
            pg["lr"] = cfg.lr_d * f
        d_val, g_val = play_round(
            G, D, opt_g, opt_d, loss, cfg, sampler, gen, scale, gp_weight, device
        )
        if cfg.ema > 0:
            ema_update(G_ema, G, cfg.ema)
        if step % 50 == 0 or step == cfg.steps - 1:
            hist["step"].append(step)
            hist["d_loss"].append(d_val)
            hist["g_loss"].append(g_val)
        if (
            callback is not None
            and callback_every
            and (step % callback_every == 0 or step == cfg.steps - 1)
        ):
            callback(step, G_ema, D)
    return Toy2DResult(G_ema, D, cfg, scale, hist, time.perf_counter() - t0, G)


def generate(result: Toy2DResult, n: int = 2500, *, seed: int = 0) -> Tensor:
    g = torch.Generator().manual_seed(seed)
    G = result.generator
    z = torch.randn(n, G.z_dim, generator=g).to(next(G.parameters()).device)
    with torch.no_grad():
        return (G(z) * result.scale).cpu()


def evaluate(result: Toy2DResult, n: int = 2500, *, seed: int = 0):
    """:func:`gancourse.metrics.mode_coverage` of n generated points (grid25 / ring8 only)."""
    from gancourse.metrics.modes import mode_coverage

    if result.config.data not in TOY2D:
        raise ValueError(
            f"mode coverage needs a mixture of Gaussians ({sorted(TOY2D)}), "
            f"not {result.config.data!r}"
        )
    mix = TOY2D[result.config.data]
    return mode_coverage(generate(result, n, seed=seed), mix.means, mix.std)


@dataclass(frozen=True)
class TableRow:
    """One configuration over several seeds: per-seed (modes, hq, reverse_kl, seconds)."""

    name: str
    data: str
    steps: int
    per_seed: tuple

    def stat(self, i: int) -> tuple[float, float]:
        """(mean, standard deviation) over seeds of column i (0 modes, 1 hq, 2 kl, 3 s)."""
        v = np.array([r[i] for r in self.per_seed], dtype=float)
        if not np.isfinite(v).all():  # e.g. reverse KL = inf when a seed covers no mode
            return float(v.mean()), float("nan")
        return float(v.mean()), float(v.std(ddof=1)) if len(v) > 1 else 0.0


def compare(
    names,
    data: str,
    seeds=(0, 1, 2),
    *,
    steps: int | None = None,
    n: int = 2500,
    verbose: bool = True,
    **changes,
) -> list[TableRow]:
    """Train every preset in ``names`` on ``data`` for each seed; score n samples each.

    All runs share ``steps`` (default: the config's) and ``batch_size``: the same budget.
    """
    rows = []
    for name in names:
        per_seed = []
        for seed in seeds:
            extra = dict(changes, data=data)
            if steps is not None:
                extra["steps"] = steps
            result = train_toy2d(preset(name, **extra), seed=seed)
            cov = evaluate(result, n, seed=seed)
            per_seed.append((cov.modes, cov.hq, cov.reverse_kl, result.seconds))
            if verbose:
                print(f"{name:>16} {data} seed {seed}: {cov}  ({result.seconds:.0f} s)", flush=True)
        rows.append(TableRow(name, data, result.config.steps, tuple(per_seed)))
    return rows


def _pm(mean: float, std: float) -> str:
    return f"{mean:.2f} ± {std:.2f}" if np.isfinite(std) else f"{mean:.2f}"


def format_table(rows: list[TableRow]) -> str:
    """A Markdown table: modes and high-quality % as mean ± std over seeds, seconds per run."""
    lines = [
        "| model | data | steps | seeds | modes | high quality % | reverse KL | s / run "
        "| all modes + target HQ |",
        "|---|---|---|---|---|---|---|---|---|",
    ]
    for r in rows:
        (m, ms), (h, hs), (k, ks), (t, _) = (r.stat(i) for i in range(4))
        k_max = 25 if r.data == "grid25" else 8
        target = 0.95 if r.data == "grid25" else 0.97
        ok = sum(1 for s in r.per_seed if s[0] == k_max and s[1] >= target)
        lines.append(
            f"| {r.name} | {r.data} | {r.steps} | {len(r.per_seed)} | {m:.1f} ± {ms:.1f} | "
            f"{100 * h:.1f} ± {100 * hs:.1f} | {_pm(k, ks)} | {t:.0f} | "
            f"{ok}/{len(r.per_seed)} |"
        )
    return "\n".join(lines)


# ----------------------------------------------------------------------------- command line


def add_parser(train_subparsers) -> argparse.ArgumentParser:
    """Register ``train toy2d`` (defaults: the lesson's recommended cure)."""
    d = Toy2DConfig()
    p = train_subparsers.add_parser(
        "toy2d",
        help="train a small MLP GAN on 2D toy data (lesson 03)",
        description=(
            "Train a GAN on 2D toy data and save samples of the trained generator. "
            "The defaults are lesson 03's recommended cure against mode collapse. "
            f"Losses: {', '.join(sorted(LOSSES))}."
        ),
        formatter_class=argparse.ArgumentDefaultsHelpFormatter,
    )
    p.add_argument("--data", choices=sorted(SAMPLERS), default=d.data, help="toy distribution")
    p.add_argument(
        "--loss", choices=sorted(LOSSES), default=d.loss, help="GAN loss (gancourse.losses)"
    )
    p.add_argument("--steps", type=_positive_int, default=d.steps, help="generator updates")
    p.add_argument("--seed", type=int, default=0, help="random seed (CPU runs are repeatable)")
    p.add_argument(
        "--samples-out", default=None, help="write (N, 2) float32 samples to this .npy file"
    )
    p.add_argument(
        "--n-samples", type=_positive_int, default=2500, help="number of samples to write"
    )
    p.add_argument("--batch-size", type=_positive_int, default=d.batch_size, help="batch size")
    p.add_argument(
        "--pack", type=_positive_int, default=d.pack, help="PacGAN packing degree (1 = off)"
    )
    p.add_argument(
        "--minibatch-std",
        action=argparse.BooleanOptionalAction,
        default=d.minibatch_std,
        help="minibatch-std feature in D",
    )
    p.add_argument(
        "--spectral",
        action=argparse.BooleanOptionalAction,
        default=d.spectral,
        help="spectral norm in D",
    )
    p.add_argument("--lr-g", type=float, default=d.lr_g, help="generator learning rate")
    p.add_argument(
        "--lr-d", type=float, default=d.lr_d, help="discriminator learning rate (TTUR: larger)"
    )
    p.add_argument(
        "--d-steps", type=_positive_int, default=d.d_steps, help="D updates per G update"
    )
    p.add_argument("--ema", type=float, default=d.ema, help="EMA decay of G's weights (0 = off)")
    p.add_argument(
        "--latent-components",
        type=int,
        default=None,
        help="K of G's mixture latent (0 = a plain Gaussian z; default: "
        + ", ".join(f"{k} for {name}" for name, k in LATENT_COMPONENTS.items())
        + ")",
    )
    p.add_argument(
        "--latent-sigma", type=float, default=d.latent_sigma, help="std of each latent component"
    )
    p.add_argument("--z-dim", type=_positive_int, default=d.z_dim, help="dimension of z ~ N(0, I)")
    p.add_argument(
        "--finish-frac",
        type=float,
        default=d.finish_frac,
        help="last fraction of steps with decaying lr",
    )
    p.add_argument("--device", default="cpu", help="cpu, cuda or mps")
    p.set_defaults(func=run)
    return p


def _positive_int(text: str) -> int:
    value = int(text)
    if value < 1:
        raise argparse.ArgumentTypeError(f"must be a positive integer, got {text}")
    return value


def config_from_args(args: argparse.Namespace) -> Toy2DConfig:
    return replace(
        Toy2DConfig(),
        data=args.data,
        loss=args.loss,
        steps=args.steps,
        batch_size=args.batch_size,
        pack=args.pack,
        minibatch_std=args.minibatch_std,
        spectral=args.spectral,
        lr_g=args.lr_g,
        lr_d=args.lr_d,
        d_steps=args.d_steps,
        ema=args.ema,
        finish_frac=args.finish_frac,
        latent_components=args.latent_components,
        latent_sigma=args.latent_sigma,
        z_dim=args.z_dim,
    )


def run(args: argparse.Namespace) -> int:
    """``python -m gancourse train toy2d ...``: train, report mode coverage, save samples."""
    cfg = config_from_args(args)
    if cfg.batch_size % cfg.pack:
        raise SystemExit(f"--batch-size {cfg.batch_size} must be a multiple of --pack {cfg.pack}")
    try:
        result = train_toy2d(cfg, seed=args.seed, device=args.device)
    except ValueError as exc:  # a config the models refuse, e.g. components with z_dim 1
        raise SystemExit(f"error: {exc}") from exc
    x = generate(result, args.n_samples, seed=args.seed)
    print(f"trained toy2d {asdict(cfg)} seed={args.seed} in {result.seconds:.1f} s")
    if cfg.data in TOY2D:
        from gancourse.metrics.modes import mode_coverage

        mix = TOY2D[cfg.data]
        print(f"mode coverage: {mode_coverage(x, mix.means, mix.std)}")
    if args.samples_out:
        np.save(args.samples_out, x.numpy().astype(np.float32))
        print(f"wrote {tuple(x.shape)} samples to {args.samples_out}")
    return 0
