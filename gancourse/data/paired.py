"""Paired image-to-image tasks made from the generated art (lesson 09).

Real paired datasets are hard to come by: someone must draw the sketch of every painting, or
damage a painting and keep the intact original. The course's art generator has the intact
painting by construction, so it can make *perfect* pairs, deterministic from a seed:

========== =================================== ==============================================
task       input                               target
========== =================================== ==============================================
sketch2art a coloured line drawing (3           the painting (3 channels)
           channels): each edge drawn on white
           in the colours it separates
gray2art   the painting in grey (1 channel)     the painting (colourisation)
inpaint    the painting with a square hole      the painting; ``masks`` (1 = missing) says
           (3 channels, the hole set to 0)      where the hole is
========== =================================== ==============================================

:func:`paired_art` makes a training set; :func:`held_out_art` makes paintings of the same
tasks that no training set made with the same ``seed`` contains (another seed of the art
generator). Every image is a float32 tensor in [-1, 1].
"""

from __future__ import annotations

import math
from dataclasses import dataclass, replace

import numpy as np
import torch
import torch.nn.functional as F
from torch import Tensor

from gancourse.data.art import generate_art

TASKS: tuple[str, ...] = ("sketch2art", "gray2art", "inpaint")
HELD_OUT_OFFSET = 500_009
""":func:`held_out_art` uses art seed ``seed + HELD_OUT_OFFSET``: other paintings."""
DEFAULT_HOLE = (0.06, 0.25)
"""Share of the image a hole covers: drawn per image from this range (sides 8-16 px at 32)."""

_LUMA = (0.299, 0.587, 0.114)  # ITU-R BT.601 weights of R, G, B
EDGE_FLOOR, EDGE_RANGE = 0.08, 0.25  # colour changes (in [0, 1] units) that draw a line


@dataclass
class PairedArt:
    """A paired task: ``inputs`` (N, C_in, S, S) -> ``targets`` (N, 3, S, S), both in [-1, 1].

    ``labels`` (N,) are the paintings' styles; ``masks`` (N, 1, S, S) with 1 = missing, for
    ``"inpaint"`` only (else None). :meth:`net_inputs` is what a network reads: the inputs;
    for inpainting their hole filled by diffusion and the mask as a 4th channel (a network
    must know where the hole is).
    """

    task: str
    inputs: Tensor
    targets: Tensor
    labels: Tensor
    masks: Tensor | None = None

    def __post_init__(self) -> None:
        check_pair(self.inputs, self.targets, self.masks)

    def __len__(self) -> int:
        return len(self.targets)

    def __getitem__(self, index) -> PairedArt:
        """A subset (a slice, index tensor or list) as a new :class:`PairedArt`."""
        if isinstance(index, int):
            index = slice(index, index + 1)
        masks = None if self.masks is None else self.masks[index]
        return replace(
            self,
            inputs=self.inputs[index],
            targets=self.targets[index],
            labels=self.labels[index],
            masks=masks,
        )

    def net_inputs(self) -> Tensor:
        """(N, C_in [+ 1], S, S): the inputs, and the mask as one more channel when there is one."""
        return net_inputs(self.inputs, self.masks)

    @property
    def in_channels(self) -> int:
        """Channels of :meth:`net_inputs` (what a translation network takes)."""
        return self.inputs.shape[1] + (self.masks is not None)


def check_pair(inputs: Tensor, targets: Tensor, masks: Tensor | None = None) -> None:
    """Raise ``ValueError`` saying what is wrong unless inputs (N, C, S, S), targets
    (N, C', S, S) and masks (N, 1, S, S) (or None) describe the same N images of one size."""
    for name, x in (("inputs", inputs), ("targets", targets)):
        if not isinstance(x, Tensor) or x.dim() != 4:
            got = tuple(x.shape) if isinstance(x, Tensor) else type(x).__name__
            raise ValueError(f"{name} must be a tensor of images (N, C, H, W), got {got}")
    if inputs.shape[0] != targets.shape[0] or inputs.shape[2:] != targets.shape[2:]:
        raise ValueError(
            f"inputs {tuple(inputs.shape)} and targets {tuple(targets.shape)} are not pairs: "
            "they need the same number of images N and the same height and width"
        )
    if masks is not None:
        want = (targets.shape[0], 1, *targets.shape[2:])
        if not isinstance(masks, Tensor) or tuple(masks.shape) != want:
            got = tuple(masks.shape) if isinstance(masks, Tensor) else type(masks).__name__
            raise ValueError(f"masks must have shape {want} (one channel, 1 = missing), got {got}")


def net_inputs(inputs: Tensor, masks: Tensor | None) -> Tensor:
    """What a translation network reads: ``inputs``; with masks (repair), the damaged
    painting with its hole already filled by diffusion, then the mask as a 4th channel.

    A repair network thus starts from the classical answer (the smooth harmonic fill,
    :func:`gancourse.translate.repair.diffusion_fill`) and learns what it gets wrong: lines,
    edges and stripes that cross the hole. The known pixels are unchanged.
    """
    if masks is None:
        return inputs
    from gancourse.translate.repair import diffusion_fill  # translate imports this module

    check_pair(inputs, inputs, masks)
    return torch.cat([diffusion_fill(inputs, masks), masks.to(inputs.dtype)], dim=1)


# ----------------------------------------------------------------------- the three inputs
def grayscale(images: Tensor) -> Tensor:
    """Luminance (N, 1, S, S) of colour images (N, 3, S, S) in [-1, 1] (BT.601 weights)."""
    _check_rgb(images)
    w = torch.tensor(_LUMA, dtype=images.dtype, device=images.device).view(1, 3, 1, 1)
    return (images * w).sum(1, keepdim=True)


def sketch(images: Tensor) -> Tensor:
    """A coloured line drawing (N, 3, S, S) in [-1, 1] of paintings (N, 3, S, S): on white
    paper, every colour edge is drawn on both of its sides, each side in the painting's colour.

    A pixel's line strength is the largest change, to any of its four neighbours, of the
    colour channel that changes most (colours in [0, 1]), so an edge draws a line two pixels
    wide whose halves carry the two colours it separates, and a boundary between two colours of
    equal brightness is drawn too. Changes below ``EDGE_FLOOR`` (brush texture) draw nothing;
    from there the line's colour goes linearly from the paper's white to the painting's own
    colour at a change of ``EDGE_FLOOR + EDGE_RANGE``. What lies between the lines (texture,
    the inside of a field, drips too thin to outline) is left out. Computed from each painting
    alone: no other image takes part.

    Why coloured lines (lesson 09): from dark lines alone the colours are a guess, and a sharp
    guess drawn from the plausible paintings is, in mean squared error, twice as far from the
    target as their blurry mean (3 dB of PSNR), whatever the network.
    """
    _check_rgb(images)
    x = F.pad((images + 1) / 2, (1, 1, 1, 1), mode="replicate")  # colours in [0, 1]
    centre = x[..., 1:-1, 1:-1]
    neighbours = (x[..., 1:-1, 2:], x[..., 1:-1, :-2], x[..., 2:, 1:-1], x[..., :-2, 1:-1])
    change = torch.stack([(n - centre).abs().amax(1) for n in neighbours]).amax(0)
    line = ((change[:, None] - EDGE_FLOOR) / EDGE_RANGE).clamp(0, 1)  # (N, 1, S, S)
    return (1 - line) + line * images  # white paper (1), the painting's colour on the lines


def _check_rgb(images: Tensor) -> None:
    if not isinstance(images, Tensor) or images.dim() != 4 or images.shape[1] != 3:
        got = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"expected colour images (N, 3, H, W) in [-1, 1], got {got}")


def hole_masks(
    n: int, size: int = 32, fraction: float | tuple[float, float] = DEFAULT_HOLE, seed: int = 0
) -> Tensor:
    """``n`` masks (n, 1, size, size), float32, 1 inside one square hole per image, else 0.

    ``fraction``: the share of the image the hole covers, one number or a range (lo, hi) drawn
    uniformly per image. The hole's side is ``round(sqrt(fraction) * size)`` (at least 1), so
    it covers ``side**2 / size**2`` of the image, the nearest a square can get; it lies wholly
    inside the image, at a uniformly random place. Deterministic from ``seed``.
    """
    lo, hi = (fraction, fraction) if np.isscalar(fraction) else tuple(fraction)
    if not 0 < lo <= hi < 1:
        raise ValueError(f"fraction must be in (0, 1) (or a range lo <= hi in it), got {fraction}")
    rng = np.random.default_rng([int(seed), 77])
    f = rng.uniform(lo, hi, n)
    side = np.array([hole_side(x, size) for x in f], dtype=int)
    top = (rng.random(n) * (size - side + 1)).astype(int)
    left = (rng.random(n) * (size - side + 1)).astype(int)
    return square_masks(size, top, left, side)


def square_masks(size: int, top, left, side) -> Tensor:
    """Masks (n, 1, size, size) with a square of ``side`` at (``top``, ``left``) set to 1;
    each argument an int or one value per mask."""
    top, left, side = np.broadcast_arrays(
        *(np.atleast_1d(np.asarray(v)) for v in (top, left, side))
    )
    if (
        (side < 1).any()
        or (top < 0).any()
        or (left < 0).any()
        or (np.maximum(top, left) + side > size).any()
    ):
        raise ValueError(f"the square must lie inside the {size}x{size} image and have side >= 1")
    r = np.arange(size)
    rows = (r[None] >= top[:, None]) & (r[None] < (top + side)[:, None])  # (n, size)
    cols = (r[None] >= left[:, None]) & (r[None] < (left + side)[:, None])
    return torch.from_numpy((rows[:, :, None] & cols[:, None, :])[:, None].astype(np.float32))


def damage(images: Tensor, masks: Tensor) -> Tensor:
    """``images`` with the masked pixels (mask 1) set to 0, the middle of [-1, 1]."""
    check_pair(images, images, masks)
    return images * (1 - masks)


# ------------------------------------------------------------------------------ the tasks
def paired_art(
    task: str,
    n: int,
    size: int = 32,
    seed: int = 0,
    *,
    styles=None,
    hole: float | tuple[float, float] = DEFAULT_HOLE,
) -> PairedArt:
    """``n`` pairs of ``task`` (one of :data:`TASKS`) made from ``generate_art(n, size, seed,
    styles)``: pair i is painting i and its sketch, its grey version, or it with a hole of
    ``hole`` (a share of the image, or a range) cut out. Deterministic from ``seed``."""
    if task not in TASKS:
        raise ValueError(f"unknown task {task!r}; choose one of {', '.join(TASKS)}")
    targets, labels = generate_art(n, size=size, seed=seed, styles=styles)
    masks = None
    if task == "sketch2art":
        inputs = sketch(targets)
    elif task == "gray2art":
        inputs = grayscale(targets)
    else:
        masks = hole_masks(n, size, hole, seed=seed)
        inputs = damage(targets, masks)
    return PairedArt(task, inputs, targets, labels, masks)


def held_out_art(task: str, n: int, size: int = 32, seed: int = 0, **kw) -> PairedArt:
    """Pairs of ``task`` made from paintings that ``paired_art(task, m, size, seed)`` never
    contains, for any m (the art generator with seed ``seed + HELD_OUT_OFFSET``)."""
    return paired_art(task, n, size, seed + HELD_OUT_OFFSET, **kw)


def hole_side(fraction: float, size: int = 32) -> int:
    """The side of the square hole that covers ``fraction`` of a ``size`` image."""
    return int(min(size - 1, max(1, round(math.sqrt(fraction) * size))))


__all__ = [
    "DEFAULT_HOLE",
    "HELD_OUT_OFFSET",
    "PairedArt",
    "TASKS",
    "check_pair",
    "damage",
    "grayscale",
    "held_out_art",
    "hole_masks",
    "hole_side",
    "net_inputs",
    "paired_art",
    "sketch",
    "square_masks",
]
