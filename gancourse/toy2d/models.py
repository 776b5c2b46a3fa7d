"""The small MLP players of lesson 03's 2D games.

Shapes: ``MLPGenerator(z)`` maps z (N, z_dim) to points (N, 2); ``MLPDiscriminator(x)``
maps points (N, 2) to logits (N // pack,) (one logit per *pack* of ``pack`` points, the
PacGAN idea; pack = 1 is the ordinary discriminator).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn


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


class Maxout(nn.Module):
    """A linear layer followed by a maxout over ``pieces`` linear pieces per unit
    (Goodfellow et al. 2013): (N, d_in) -> (N, width), unit j = max_k (W_k x + b_k)_j."""

    def __init__(self, linear: nn.Module, pieces: int):
        super().__init__()
        self.linear, self.pieces = linear, pieces

    def forward(self, x: Tensor) -> Tensor:
        h = self.linear(x)
        return h.view(h.shape[0], -1, self.pieces).amax(dim=2)


class MLPDiscriminator(nn.Module):
    """x (N, 2) -> logits (N // pack,): an MLP with LeakyReLU(0.2), or with maxout units of
    ``maxout`` pieces each (``maxout`` > 1: the discriminator of the PacGAN paper, 5 pieces).

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
        maxout: int = 1,
    ):
        super().__init__()
        self.input_scale = input_scale
        if pack < 1:
            raise ValueError(f"pack must be >= 1, got {pack}")
        if maxout < 1:
            raise ValueError(f"maxout must be >= 1 (1 = LeakyReLU units), got {maxout}")
        self.pack, self.minibatch_std = pack, minibatch_std
        sn = nn.utils.parametrizations.spectral_norm if spectral else (lambda m: m)
        layers: list[nn.Module] = []
        d_in = 2 * pack
        for _ in range(depth):
            if maxout > 1:
                layers += [Maxout(sn(nn.Linear(d_in, width * maxout)), maxout)]
            else:
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
            h = minibatch_std_feature(h)
        return self.head(h).flatten()


def minibatch_std_feature(h: Tensor) -> Tensor:
    """h (N, F) -> (N, F + 1): one more column, the batch's spread (Karras et al. 2018).

    The extra value, the same in every row, is the mean over the F features of each
    feature's standard deviation over the batch (biased, 1/N): a collapsed generator's
    batches have almost none, which a per-sample discriminator could never see.
    """
    s = h.std(dim=0, unbiased=False).mean().expand(h.shape[0], 1)
    return torch.cat([h, s], dim=1)
