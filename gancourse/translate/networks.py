"""The networks of image-to-image translation (lessons 09 and 10).

- :class:`UNet`: pix2pix's generator (Isola et al. 2017). An encoder of stride-2 4x4
  convolutions halves the image down to a small bottleneck; a decoder doubles it back; every
  decoder block also receives the encoder's feature map of the same size (a *skip
  connection*), so the fine detail the input already holds (edges, the known pixels around a
  hole) need not squeeze through the bottleneck.
- :class:`ResnetGenerator`: CycleGAN's generator (Zhu et al. 2017, after Johnson et al. 2016):
  two stride-2 downsamplings, residual blocks at the low resolution, two upsamplings, with
  instance norm and reflection padding.
- :class:`PatchDiscriminator`: pix2pix's "PatchGAN". A fully convolutional D whose output is
  a *grid* of logits, one per overlapping patch of the image; each logit sees only its
  receptive field (:meth:`PatchDiscriminator.geometry`), so D judges texture and local
  structure and leaves the global layout to the L1 (or cycle) loss. Conditional when given
  the input: ``D(x, y)`` judges the pair (input ``y``, output ``x``) stacked as channels.

The course's losses (:mod:`gancourse.losses`) are means over all elements of the logits, so
they work unchanged on a grid of logits: every patch is one real/fake decision.
"""

from __future__ import annotations

import math

import torch
from torch import Tensor, nn

from gancourse.models import UPSAMPLE, _up, init_dcgan_weights

NORMS = ("batch", "instance", "none", "spectral")
GENERATOR_NORMS = NORMS[:3]  # spectral norm is for discriminators


def _norm(kind: str, channels: int) -> nn.Module:
    if kind == "batch":
        return nn.BatchNorm2d(channels)
    if kind == "instance":  # per image and channel, learned scale and shift
        return nn.InstanceNorm2d(channels, affine=True)
    return nn.Identity()


def _check(name: str, value: str, allowed: tuple[str, ...]) -> None:
    if value not in allowed:
        raise ValueError(f"{name} must be one of {allowed}, got {value!r}")


def _check_images(x: Tensor, channels: int, what: str, multiple: int = 1) -> None:
    if x.dim() != 4 or x.shape[1] != channels or x.shape[-1] % multiple or x.shape[-2] % multiple:
        raise ValueError(
            f"{what} expects images (N, {channels}, H, W) with H and W multiples of {multiple}, "
            f"got {tuple(x.shape)}"
        )


class UNet(nn.Module):
    """pix2pix's U-Net: images (N, in_channels, S, S) -> (N, out_channels, S, S) in [-1, 1].

    ``depth`` stride-2 encoder blocks (default: down to 1x1, log2(S) blocks for ``image_size``
    S) with ``width * 2**i`` channels, capped at ``max_width``; LeakyReLU(0.2); ``norm`` after
    every block but the first and the innermost (as in the paper). The decoder mirrors it
    (``upsample``: 4x4 transposed convolutions as in the paper, or nearest-neighbour x2 + 3x3
    conv), ReLU, and concatenates the encoder's map of the same size before each block (the
    skips); ``dropout`` on the innermost decoder blocks is pix2pix's only source of noise.
    ``skips=False`` removes the skip connections (an encoder-decoder, for comparison).
    ``residual=True`` returns the input's first ``out_channels`` channels plus the network's
    correction (its tanh output, in (-1, 1)), clipped to [-1, 1]: the network learns only what
    its input gets wrong (lesson 09's repair: what the diffusion fill in the hole misses).
    """

    def __init__(
        self,
        in_channels: int = 1,
        out_channels: int = 3,
        *,
        width: int = 32,
        max_width: int = 128,
        depth: int | None = None,
        image_size: int = 32,
        norm: str = "batch",
        upsample: str = "transpose",
        dropout: float = 0.0,
        skips: bool = True,
        residual: bool = False,
    ):
        super().__init__()
        _check("norm", norm, GENERATOR_NORMS)
        _check("upsample", upsample, UPSAMPLE)
        depth = int(math.log2(image_size)) if depth is None else depth
        if not 1 <= depth or image_size % 2**depth:
            raise ValueError(f"depth must be >= 1 with 2**depth dividing image_size, got {depth}")
        if residual and in_channels < out_channels:
            raise ValueError(
                f"a residual U-Net adds its correction to the input's first {out_channels} "
                f"channels, so it needs in_channels >= {out_channels}, got {in_channels}"
            )
        self.in_channels, self.out_channels, self.width = in_channels, out_channels, width
        self.depth, self.image_size, self.skips = depth, image_size, skips
        self.residual = residual
        self.config = {
            "in_channels": in_channels,
            "out_channels": out_channels,
            "width": width,
            "max_width": max_width,
            "depth": depth,
            "image_size": image_size,
            "norm": norm,
            "upsample": upsample,
            "dropout": dropout,
            "skips": skips,
            "residual": residual,
        }
        chans = [min(width * 2**i, max_width) for i in range(depth)]
        self.down = nn.ModuleList()
        c_in = in_channels
        for i, c in enumerate(chans):  # (N, c_in, s, s) -> (N, c, s/2, s/2)
            layers: list[nn.Module] = [nn.Conv2d(c_in, c, 4, 2, 1, bias=norm == "none")]
            if 0 < i < depth - 1:
                layers.append(_norm(norm, c))
            layers.append(nn.LeakyReLU(0.2, True))
            self.down.append(nn.Sequential(*layers))
            c_in = c
        self.up = nn.ModuleList()
        for i in reversed(range(depth)):  # innermost first
            c_skip = chans[i] if (skips and i < depth - 1) else 0
            last = i == 0
            c_out = out_channels if last else chans[i - 1]
            layers = [_up(c_in + c_skip, c_out, upsample, bias=last or norm == "none")]
            if last:
                layers.append(nn.Tanh())
            else:
                layers.append(_norm(norm, c_out))
                if dropout and i >= depth - 3:
                    layers.append(nn.Dropout(dropout))
                layers.append(nn.ReLU(True))
            self.up.append(nn.Sequential(*layers))
            c_in = c_out
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor) -> Tensor:
        _check_images(x, self.in_channels, "UNet", 2**self.depth)
        x_in, feats = x, []
        for block in self.down:
            x = block(x)
            feats.append(x)
        feats.pop()  # the bottleneck itself is not a skip
        for block in self.up:
            x = block(x)
            if feats:  # the encoder's map of the size just reached
                skip = feats.pop()
                if self.skips:
                    x = torch.cat([x, skip], dim=1)
        if self.residual:  # input + correction
            return (x_in[:, : self.out_channels] + x).clamp(-1, 1)
        return x


class ResidualBlock(nn.Module):
    """x + conv(relu(norm(conv(x)))) with 3x3 convolutions, reflection padding and norm."""

    def __init__(self, channels: int, norm: str = "instance"):
        super().__init__()
        self.body = nn.Sequential(
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=norm == "none"),
            _norm(norm, channels),
            nn.ReLU(True),
            nn.ReflectionPad2d(1),
            nn.Conv2d(channels, channels, 3, bias=norm == "none"),
            _norm(norm, channels),
        )

    def forward(self, x: Tensor) -> Tensor:
        return x + self.body(x)


class ResnetGenerator(nn.Module):
    """CycleGAN's generator: images (N, in_channels, S, S) -> (N, out_channels, S, S) in [-1, 1].

    A 7x7 convolution to ``width`` channels, ``n_down`` stride-2 3x3 convolutions (doubling
    the channels), ``n_blocks`` residual blocks, ``n_down`` upsamplings (``upsample``:
    ``"nearest"`` x2 + 3x3 conv, the cure for checkerboard patterns, or ``"transpose"`` as in
    the paper) and a 7x7 convolution with tanh; ``norm`` after every hidden convolution
    (``"instance"`` in the paper), reflection padding throughout.
    """

    def __init__(
        self,
        in_channels: int = 3,
        out_channels: int = 3,
        *,
        width: int = 16,
        n_down: int = 2,
        n_blocks: int = 3,
        norm: str = "instance",
        upsample: str = "nearest",
    ):
        super().__init__()
        _check("norm", norm, GENERATOR_NORMS)
        _check("upsample", upsample, UPSAMPLE)
        self.in_channels, self.out_channels, self.width = in_channels, out_channels, width
        self.n_down, self.n_blocks, self.norm, self.upsample = n_down, n_blocks, norm, upsample
        self.config = {
            "in_channels": in_channels,
            "out_channels": out_channels,
            "width": width,
            "n_down": n_down,
            "n_blocks": n_blocks,
            "norm": norm,
            "upsample": upsample,
        }
        bias = norm == "none"
        layers: list[nn.Module] = [
            nn.ReflectionPad2d(3),
            nn.Conv2d(in_channels, width, 7, bias=bias),
            _norm(norm, width),
            nn.ReLU(True),
        ]
        c = width
        for _ in range(n_down):
            layers += [nn.Conv2d(c, 2 * c, 3, 2, 1, bias=bias), _norm(norm, 2 * c), nn.ReLU(True)]
            c *= 2
        layers += [ResidualBlock(c, norm) for _ in range(n_blocks)]
        for _ in range(n_down):
            up = (
                nn.ConvTranspose2d(c, c // 2, 3, 2, 1, output_padding=1, bias=bias)
                if upsample == "transpose"
                else _up(c, c // 2, "nearest", bias)
            )
            layers += [up, _norm(norm, c // 2), nn.ReLU(True)]
            c //= 2
        layers += [nn.ReflectionPad2d(3), nn.Conv2d(c, out_channels, 7), nn.Tanh()]
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor) -> Tensor:
        _check_images(x, self.in_channels, "ResnetGenerator", 2**self.n_down)
        return self.net(x)


class PatchDiscriminator(nn.Module):
    """pix2pix's PatchGAN: images (N, channels, H, W) [+ condition (N, cond_channels, H, W)]
    -> a grid of logits (N, 1, h, w), one per patch.

    ``n_layers`` stride-2 4x4 convolutions (``width * 2**i`` channels, capped at
    ``max_width``), then a stride-1 4x4 convolution and a stride-1 4x4 convolution to one
    channel, LeakyReLU(0.2), ``norm`` on every hidden layer but the first. The paper's 70x70
    PatchGAN is ``n_layers=3`` on 256x256 images; at 32x32, ``n_layers=1`` sees 16x16 patches
    and ``n_layers=2`` 34x34 ones (:meth:`geometry`). With ``cond_channels`` > 0, ``D(x, y)``
    judges the pair (condition ``y``, image ``x``) stacked as channels.
    """

    def __init__(
        self,
        channels: int = 3,
        cond_channels: int = 0,
        *,
        width: int = 32,
        max_width: int = 128,
        n_layers: int = 1,
        norm: str = "batch",
    ):
        super().__init__()
        _check("norm", norm, NORMS)
        if n_layers < 0:
            raise ValueError(f"n_layers must be >= 0, got {n_layers}")
        self.channels, self.cond_channels, self.n_layers = channels, cond_channels, n_layers
        self.width, self.norm = width, norm
        sn = nn.utils.spectral_norm if norm == "spectral" else (lambda m: m)
        c_in, layers = channels + cond_channels, []
        for i in range(n_layers + 1):  # n_layers stride-2 convs, then one stride-1 conv
            c = min(width * 2**i, max_width)
            layers.append(sn(nn.Conv2d(c_in, c, 4, 2 if i < n_layers else 1, 1)))
            if i > 0:
                layers.append(_norm("none" if norm == "spectral" else norm, c))
            layers.append(nn.LeakyReLU(0.2, True))
            c_in = c
        layers.append(sn(nn.Conv2d(c_in, 1, 4, 1, 1)))
        self.net = nn.Sequential(*layers)
        self.apply(init_dcgan_weights)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        _check_images(x, self.channels, "PatchDiscriminator")
        if self.cond_channels:
            if y is None or y.shape[0] != x.shape[0] or y.shape[2:] != x.shape[2:]:
                got = None if y is None else tuple(y.shape)
                raise ValueError(
                    f"this PatchDiscriminator judges pairs: give the condition y of shape "
                    f"({x.shape[0]}, {self.cond_channels}, {x.shape[2]}, {x.shape[3]}), got {got}"
                )
            _check_images(y, self.cond_channels, "PatchDiscriminator's condition")
            x = torch.cat([y, x], dim=1)
        elif y is not None:
            raise ValueError("this PatchDiscriminator is unconditional (cond_channels=0): no y")
        return self.net(x)

    def geometry(self, image_size: int) -> tuple[int, int]:
        """(receptive field in pixels, side of the logit grid) on ``image_size`` images."""
        return conv_geometry(conv_layers(self), image_size)


def conv_layers(model: nn.Module) -> list[tuple[int, int, int]]:
    """(kernel, stride, padding) of every convolution of ``model``, in order (square kernels)."""
    return [
        (m.kernel_size[0], m.stride[0], m.padding[0])
        for m in model.modules()
        if isinstance(m, nn.Conv2d)
    ]


def conv_geometry(layers: list[tuple[int, int, int]], image_size: int) -> tuple[int, int]:
    """Receptive field and output size of a stack of convolutions ``(kernel, stride, padding)``.

    Walking from the input: each layer widens the field by ``(kernel - 1) * jump`` input
    pixels, where ``jump`` (the product of the strides so far) is the distance in input pixels
    between neighbouring units; the output side is ``(side + 2 padding - kernel) // stride + 1``.
    """
    field, jump, side = 1, 1, image_size
    for k, s, p in layers:
        field += (k - 1) * jump
        jump *= s
        side = (side + 2 * p - k) // s + 1
    return field, side


__all__ = [
    "GENERATOR_NORMS",
    "NORMS",
    "PatchDiscriminator",
    "ResidualBlock",
    "ResnetGenerator",
    "UNet",
    "conv_geometry",
    "conv_layers",
]
