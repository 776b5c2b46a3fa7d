"""A small convolutional VAE (Kingma and Welling 2014) on the course's art, for lesson 11.

It is built from the GAN's own networks, so a comparison measures the *objective*, not the
architecture: the encoder is the body of the course's :class:`~gancourse.models.Discriminator`
(four stride-2 convolutions, batch norm) followed by a linear layer to the mean and log-variance
of q(z|x) = N(mu(x), diag(exp(logvar(x)))); the decoder is the course's
:class:`~gancourse.models.Generator` (nearest-neighbour upsampling), whose tanh output is the mean
of p(x|z) = N(G(z), sigma^2 I), with one learned sigma for all pixels (the "sigma-VAE" of Rivera
et al. 2021: the maximum-likelihood sigma sets the balance between the two terms by itself).

The loss is the negative ELBO, per image, in nats:

    -ELBO(x) = E_q[-log p(x|z)] + KL(q(z|x) || N(0, I))
    -log p(x|z) = sum_pixels (x - G(z))^2 / (2 sigma^2) + D (log sigma + log(2 pi) / 2)
    KL = 1/2 sum_latents (mu^2 + exp(logvar) - 1 - logvar)

with one z = mu + exp(logvar / 2) * eps per image (the reparameterisation trick). The VAE is
not a GAN: there is no discriminator and no ``d_step`` / ``g_step``; :func:`train_vae` is the
plain loop of maximum likelihood, with the same wall-clock budget (``minutes``) as
:func:`gancourse.train.train_gan` for same-budget comparisons.
"""

from __future__ import annotations

import math
import time
from dataclasses import dataclass, field
from typing import NamedTuple

import torch
from torch import Tensor, nn

from gancourse.device import get_device
from gancourse.models import Discriminator, Generator
from gancourse.seeding import seeded


class ConvVAE(nn.Module):
    """x (N, C, S, S) in [-1, 1] -> q(z|x); z (N, z_dim) -> the mean image G(z) in [-1, 1]."""

    def __init__(self, z_dim: int = 64, width: int = 32, image_size: int = 32, channels: int = 3):
        super().__init__()
        self.z_dim, self.width, self.image_size, self.channels = z_dim, width, image_size, channels
        body = Discriminator(width, image_size, channels, norm="batch").net[:-1]  # -> (N, ch, 4, 4)
        ch = width * 2 ** (int(math.log2(image_size)) - 3)
        self.encoder = nn.Sequential(*body, nn.Flatten(), nn.Linear(ch * 16, 2 * z_dim))
        self.decoder = Generator(z_dim, width, image_size, channels, upsample="nearest")
        self.log_sigma = nn.Parameter(torch.tensor(math.log(0.2)))  # pixel noise, [-1, 1] units

    def encode(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """(mu, logvar) of q(z|x), each (N, z_dim)."""
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            shape = ", ".join(map(str, expected))
            raise ValueError(f"expected images of shape (N, {shape}), got {tuple(x.shape)}")
        mu, logvar = self.encoder(x).chunk(2, dim=1)
        return mu, logvar

    def decode(self, z: Tensor) -> Tensor:
        """The mean image G(z) (N, C, S, S) of p(x|z)."""
        return self.decoder(z)

    def forward(
        self, x: Tensor, generator: torch.Generator | None = None
    ) -> tuple[Tensor, Tensor, Tensor]:
        """(x_mean, mu, logvar): the reconstruction's mean from one z ~ q(z|x)."""
        mu, logvar = self.encode(x)
        eps = torch.randn(mu.shape, generator=generator, device=mu.device, dtype=mu.dtype)
        return self.decode(mu + (0.5 * logvar).exp() * eps), mu, logvar


def gaussian_nll(x: Tensor, mean: Tensor, log_sigma: Tensor) -> Tensor:
    """-log N(x; mean, sigma^2 I) per image (N,), summed over the pixels of x (N, ...)."""
    d = x[0].numel()
    sq = ((x - mean) ** 2).flatten(1).sum(1)
    return sq / (2 * torch.exp(2 * log_sigma)) + d * (log_sigma + 0.5 * math.log(2 * math.pi))


def kl_diag_gaussians(mu_q: Tensor, logvar_q: Tensor, mu_p=0.0, logvar_p=0.0) -> Tensor:
    """KL(N(mu_q, diag e^logvar_q) || N(mu_p, diag e^logvar_p)) per row (N,) of (N, z_dim)."""
    mu_p, logvar_p = torch.as_tensor(mu_p), torch.as_tensor(logvar_p)
    ratio = torch.exp(logvar_q - logvar_p)
    return 0.5 * (ratio + (mu_q - mu_p) ** 2 / torch.exp(logvar_p) - 1 - logvar_q + logvar_p).sum(1)


class ElboTerms(NamedTuple):
    """The two terms of -ELBO per image (N,), in nats: reconstruction and KL."""

    nll: Tensor
    kl: Tensor

    @property
    def loss(self) -> Tensor:
        """The mean negative ELBO over the batch (what training minimises)."""
        return (self.nll + self.kl).mean()


def elbo_terms(model: ConvVAE, x: Tensor, generator: torch.Generator | None = None) -> ElboTerms:
    """-log p(x|z) with z ~ q(z|x) (one sample) and KL(q(z|x) || N(0, I)), per image."""
    x_mean, mu, logvar = model(x, generator)
    return ElboTerms(gaussian_nll(x, x_mean, model.log_sigma), kl_diag_gaussians(mu, logvar))


@dataclass
class VAEResult:
    """What :func:`train_vae` returns: the model (eval mode), per-step mean terms, timings."""

    model: ConvVAE
    nll: list[float] = field(default_factory=list)
    kl: list[float] = field(default_factory=list)
    steps: int = 0
    seconds: float = 0.0
    cpu_seconds: float = 0.0


def train_vae(
    model: ConvVAE,
    images: Tensor,
    *,
    epochs: int | None = None,
    minutes: float | None = None,
    batch_size: int = 64,
    lr: float = 1e-3,
    seed: int = 0,
    device: torch.device | str | None = None,
    progress: bool = True,
) -> VAEResult:
    """Minimise -ELBO with Adam on ``images`` (N, C, S, S) in [-1, 1] for ``epochs`` passes
    and/or ``minutes`` of wall-clock time (whichever ends first; the last incomplete batch of
    an epoch is dropped). Data order and the reparameterisation noise come from ``seed``."""
    from tqdm.auto import tqdm

    if epochs is None and minutes is None:
        raise ValueError("give a budget: epochs=E (passes over the data) and/or minutes=M")
    if len(images) < batch_size:
        raise ValueError(f"need at least batch_size={batch_size} images, got {len(images)}")
    device = torch.device(device) if device is not None else get_device()
    model.to(device).train()
    data, gen = images.to(device), torch.Generator(device).manual_seed(seed)
    order_gen = torch.Generator().manual_seed(seed + 1)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    per_epoch = len(images) // batch_size
    total = epochs * per_epoch if epochs is not None else math.inf
    deadline = time.perf_counter() + (60 * minutes if minutes is not None else math.inf)
    result, t0, c0 = VAEResult(model), time.perf_counter(), time.process_time()
    bar = tqdm(total=None if math.isinf(total) else total, disable=not progress, unit="step")
    while result.steps < total and time.perf_counter() < deadline:
        order = torch.randperm(len(images), generator=order_gen).to(device)
        for i in range(per_epoch):
            if result.steps >= total or time.perf_counter() >= deadline:
                break
            terms = elbo_terms(model, data[order[i * batch_size : (i + 1) * batch_size]], gen)
            opt.zero_grad(set_to_none=True)
            terms.loss.backward()
            opt.step()
            result.nll.append(float(terms.nll.detach().mean()))
            result.kl.append(float(terms.kl.detach().mean()))
            result.steps += 1
            bar.update(1)
    bar.close()
    result.seconds, result.cpu_seconds = time.perf_counter() - t0, time.process_time() - c0
    model.eval()
    return result


@torch.no_grad()
def sample_vae(model: ConvVAE, n: int, *, seed: int = 0, batch_size: int = 500) -> Tensor:
    """``n`` paintings (n, C, S, S) in [-1, 1]: the decoder's means G(z) for z ~ N(0, I) drawn
    with ``seed`` (on the CPU; the model's train/eval mode is restored)."""
    z = torch.randn(n, model.z_dim, generator=torch.Generator().manual_seed(seed))
    was_training, device = model.training, next(model.parameters()).device
    model.eval()
    try:
        out = [
            model.decode(z[i : i + batch_size].to(device)).cpu() for i in range(0, n, batch_size)
        ]
    finally:
        model.train(was_training)
    return torch.cat(out)


def build_vae(
    z_dim: int = 64, width: int = 32, image_size: int = 32, channels: int = 3, *, seed: int = 0
) -> ConvVAE:
    """A fresh :class:`ConvVAE` initialised from ``seed`` (the global RNG is left alone)."""
    with seeded(seed):
        return ConvVAE(z_dim, width, image_size, channels)


__all__ = [
    "ConvVAE",
    "ElboTerms",
    "VAEResult",
    "build_vae",
    "elbo_terms",
    "gaussian_nll",
    "kl_diag_gaussians",
    "sample_vae",
    "train_vae",
]
