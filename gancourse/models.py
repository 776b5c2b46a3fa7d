"""DCGAN generator and discriminator (Radford et al. 2015), sized by arguments.

Guidelines followed: strided (transposed) convolutions instead of pooling, batch norm in
both nets (not on G's output nor D's input), ReLU in G with tanh output, LeakyReLU(0.2)
in D, no fully connected hidden layers, weights from N(0, 0.02).

Shapes: ``Generator(z)`` maps z of shape (N, z_dim) to images (N, channels, S, S) in
[-1, 1]; ``Discriminator(x)`` maps images (N, channels, S, S) to logits of shape (N,).
S = ``image_size`` is a power of two >= 8; the nets go 4x4 <-> S, doubling per block.

G upsamples either with transposed convolutions (``upsample="transpose"``, the paper's
choice) or with nearest-neighbour upsampling followed by a 3x3 convolution
(``upsample="nearest"``, Odena et al. 2016, "Deconvolution and checkerboard artifacts"),
which avoids the checkerboard pattern that overlapping transposed kernels print on images.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

NORMS = ("batch", "none", "spectral", "layer")
UPSAMPLE = ("transpose", "nearest")


def _check_size(image_size: int) -> int:
    n_up = math.log2(image_size) - 2 if image_size > 0 else -1
    if image_size < 8 or n_up != int(n_up):
        raise ValueError(
            f"image_size must be a power of two >= 8 (8, 16, 32, 64, ...), got {image_size}"
        )
    return int(n_up)


def init_dcgan_weights(module: nn.Module) -> None:
    """N(0, 0.02) for (transposed) convolutions and linear layers; N(1, 0.02) for norm scales."""
    if isinstance(module, (nn.Conv2d, nn.ConvTranspose2d, nn.Linear)):
        nn.init.normal_(module.weight, 0.0, 0.02)
        if module.bias is not None:
            nn.init.zeros_(module.bias)
    elif isinstance(module, (nn.BatchNorm2d, nn.GroupNorm)):
        nn.init.normal_(module.weight, 1.0, 0.02)
        nn.init.zeros_(module.bias)


def _up(c_in: int, c_out: int, upsample: str, bias: bool) -> nn.Module:
    """(N, c_in, H, W) -> (N, c_out, 2H, 2W)."""
    if upsample == "transpose":
        return nn.ConvTranspose2d(c_in, c_out, 4, 2, 1, bias=bias)
    return nn.Sequential(
        nn.Upsample(scale_factor=2, mode="nearest"), nn.Conv2d(c_in, c_out, 3, 1, 1, bias=bias)
    )


class Generator(nn.Module):
    """z (N, z_dim) -> image (N, channels, image_size, image_size) in [-1, 1].

    ``width`` is the channel count of the last hidden block; block i (from the output)
    has ``width * 2**i`` channels, so the 4x4 block has ``width * 2**(n_up - 1)``.
    ``upsample``: ``"transpose"`` (4x4 transposed conv, stride 2) or ``"nearest"``
    (nearest-neighbour x2, then a 3x3 conv). Either way ``net`` is a flat ``nn.Sequential``
    of (upsampling layer, BatchNorm2d, ReLU) blocks, so ``net[:3]`` is the 4x4 block.
    """

    def __init__(
        self,
        z_dim: int = 64,
        width: int = 64,
        image_size: int = 32,
        channels: int = 3,
        upsample: str = "transpose",
    ):
        super().__init__()
        n_up = _check_size(image_size)
        if upsample not in UPSAMPLE:
            raise ValueError(f"upsample must be one of {UPSAMPLE}, got {upsample!r}")
        self.z_dim, self.width, self.image_size, self.channels = z_dim, width, image_size, channels
        self.upsample = upsample
        ch = width * 2 ** (n_up - 1)
        layers: list[nn.Module] = [
            # (N, z_dim, 1, 1) -> (N, ch, 4, 4)
            nn.ConvTranspose2d(z_dim, ch, 4, 1, 0, bias=False),
            nn.BatchNorm2d(ch),
            nn.ReLU(True),
        ]
        for _ in range(n_up - 1):  # each block doubles H and W and halves the channels
            up = _up(ch, ch // 2, upsample, bias=False)
            layers += [up, nn.BatchNorm2d(ch // 2), nn.ReLU(True)]
            ch //= 2
        layers += [_up(ch, channels, upsample, bias=True), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, z: Tensor) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        return self.net(z[:, :, None, None])


def _d_norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "layer":  # one group = layer norm over (C, H, W); safe with a gradient penalty
        return nn.GroupNorm(1, channels)
    return nn.Identity()


class MinibatchStd(nn.Module):
    """Append one feature map: how much the images of a group differ (Karras et al. 2018).

    The batch is split into groups of ``group`` images (the whole batch when it does not
    divide); for each group the standard deviation of every feature over its images is
    averaged into one number, broadcast as an extra channel to the group's images. A D with
    it sees whether a batch is as varied as real batches are: a generator that paints one
    picture per style, or drops a style, is caught. (N, C, H, W) -> (N, C + 1, H, W).
    """

    def __init__(self, group: int = 4):
        super().__init__()
        self.group = group

    def forward(self, x: Tensor) -> Tensor:
        n, c, h, w = x.shape
        g = self.group if n % self.group == 0 else n
        y = x.reshape(g, n // g, c, h, w)  # image i belongs to group i % (n // g)
        std = (y.var(dim=0, unbiased=False) + 1e-8).sqrt().mean(dim=(1, 2, 3))  # (n // g,)
        feature = std.repeat(g)[:, None, None, None].expand(n, 1, h, w)
        return torch.cat([x, feature.to(x.dtype)], dim=1)


class Discriminator(nn.Module):
    """image (N, channels, image_size, image_size) -> logits (N,).

    ``norm``: ``"batch"`` (DCGAN), ``"none"`` or ``"layer"`` (use with a gradient penalty,
    which batch norm breaks), or ``"spectral"`` (spectral normalisation on every conv).
    ``mbstd``: a :class:`MinibatchStd` feature before the last convolution, so D judges how
    varied a batch is (batch norm does that crudely through its batch statistics).
    """

    def __init__(
        self,
        width: int = 64,
        image_size: int = 32,
        channels: int = 3,
        norm: str = "batch",
        mbstd: bool = False,
    ):
        super().__init__()
        if norm not in NORMS:
            raise ValueError(f"norm must be one of {NORMS}, got {norm!r}")
        n_down = _check_size(image_size)
        self.width, self.image_size, self.channels, self.norm = width, image_size, channels, norm
        self.mbstd = mbstd
        sn = nn.utils.spectral_norm if norm == "spectral" else (lambda m: m)
        ch = width
        # (N, C, S, S) -> (N, width, S/2, S/2); no norm on D's input layer
        layers: list[nn.Module] = [sn(nn.Conv2d(channels, ch, 4, 2, 1)), nn.LeakyReLU(0.2, True)]
        for _ in range(n_down - 1):  # halve H and W, double the channels
            layers += [
                sn(nn.Conv2d(ch, ch * 2, 4, 2, 1, bias=norm != "batch")),
                _d_norm(norm, ch * 2),
            ]
            layers += [nn.LeakyReLU(0.2, True)]
            ch *= 2
        if mbstd:
            layers += [MinibatchStd()]  # (N, ch, 4, 4) -> (N, ch + 1, 4, 4)
        layers += [sn(nn.Conv2d(ch + int(mbstd), 1, 4, 1, 0))]  # -> (N, 1, 1, 1)
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor) -> Tensor:
        expected = (self.channels, self.image_size, self.image_size)
        if x.dim() != 4 or tuple(x.shape[1:]) != expected:
            shape = ", ".join(map(str, expected))
            raise ValueError(f"expected images of shape (N, {shape}), got {tuple(x.shape)}")
        return self.net(x).flatten()


def count_parameters(model: nn.Module) -> int:
    """Number of trainable parameters."""
    return sum(p.numel() for p in model.parameters() if p.requires_grad)


def sample_latents(n: int, z_dim: int, *, seed: int = 0) -> Tensor:
    """n latents (n, z_dim) ~ N(0, I) drawn with ``seed`` (the z's :func:`sample` uses)."""
    if n < 1 or z_dim < 1:
        raise ValueError(f"n and z_dim must be positive, got n={n}, z_dim={z_dim}")
    return torch.randn(n, z_dim, generator=torch.Generator().manual_seed(seed))


@torch.no_grad()
def generate(
    generator: nn.Module, z: Tensor, condition: Tensor | None = None, *, batch_size: int = 256
) -> Tensor:
    """G(z) for z (N, z_dim) or (z_dim,) in eval mode, without gradients, batch by batch.

    Runs on the generator's device and returns (N, ...) on the CPU (images (N, C, H, W) in
    [-1, 1] for an image G); the generator's train/eval mode is restored afterwards. A
    generator that takes a condition (lesson 08) gets ``condition`` (N, ...): G(z, condition).
    """
    if z.dim() == 1:
        z = z[None]
        condition = None if condition is None else condition[None]
    try:
        device = next(generator.parameters()).device
    except StopIteration:  # a parameter-free generator
        device = torch.device("cpu")
    was_training = generator.training
    generator.eval()
    try:
        out = []
        for i in range(0, len(z), batch_size):
            args = [t[i : i + batch_size].to(device) for t in (z, condition) if t is not None]
            out.append(generator(*args).cpu())
    finally:
        generator.train(was_training)
    return torch.cat(out)


@torch.no_grad()
def refresh_batch_norm(
    generator: nn.Module,
    *,
    latents=None,
    n_batches: int = 16,
    batch_size: int = 256,
    seed: int = 0,
) -> nn.Module:
    """Re-estimate the generator's batch-norm running statistics from its own activations.

    Needed after averaging weights (an EMA generator, or SWA, whose ``torch.optim.swa_utils
    .update_bn`` does the same for a classifier): the running means and variances were
    collected by *other* weights, so in eval mode they would shift and scale every feature
    map wrongly. Runs ``latents`` (an iterable of z batches (B, z_dim)), or else ``n_batches``
    batches of z ~ N(0, I) drawn with ``seed``, through G in train mode with a cumulative
    average (``momentum=None``), then restores G's mode and momenta. A generator that takes a
    condition gets conditions from its ``random_condition`` (balanced labels, InfoGAN's codes).
    A generator without batch norm is returned unchanged. Returns ``generator``.
    """
    norms = [m for m in generator.modules() if isinstance(m, nn.modules.batchnorm._BatchNorm)]
    if not norms:
        return generator
    momenta = [m.momentum for m in norms]
    for m in norms:
        m.reset_running_stats()
        m.momentum = None  # a plain average over all batches seen
    was_training = generator.training
    generator.train()
    device = next(generator.parameters()).device
    if latents is None:
        gen = torch.Generator().manual_seed(seed)
        latents = (
            torch.randn(batch_size, generator.z_dim, generator=gen) for _ in range(n_batches)
        )
    draw, gen_y = getattr(generator, "random_condition", None), torch.Generator().manual_seed(seed)
    for z in latents:
        y = () if draw is None else (draw(len(z), gen_y).to(device),)
        generator(z.to(device), *y)
    for m, momentum in zip(norms, momenta):
        m.momentum = momentum
    generator.train(was_training)
    return generator


def sample(
    generator: nn.Module, n: int, *, seed: int = 0, condition: Tensor | None = None
) -> Tensor:
    """n samples of ``generator`` (eval mode, on the CPU) from z ~ N(0, I) drawn with ``seed``
    (and ``condition`` (n, ...) for a generator that takes one)."""
    return generate(generator, sample_latents(n, generator.z_dim, seed=seed), condition)
