"""What :func:`gancourse.train.train_gan` checks before it starts: the images, and that the
labels or InfoGAN's weight fit the two networks (each mistake named, with what is expected)."""

from __future__ import annotations

from torch import Tensor, nn


def check_images(images: Tensor, needed: int) -> None:
    if not isinstance(images, Tensor) or images.dim() != 4:
        shape = tuple(images.shape) if isinstance(images, Tensor) else type(images).__name__
        raise ValueError(f"images must be a tensor (N, C, H, W), got {shape}")
    if len(images) < needed:
        raise ValueError(
            f"need at least batch_size * n_critic = {needed} images, got {len(images)}"
        )
    lo, hi = float(images.min()), float(images.max())
    if lo < -1.0 - 1e-4 or hi > 1.0 + 1e-4:
        raise ValueError(
            f"images must be in [-1, 1] (G ends in tanh), got values in [{lo:.3g}, {hi:.3g}]"
        )


def check_labels_and_info(
    G: nn.Module, D: nn.Module, images: Tensor, labels, info: float, blind: bool = False
) -> None:
    """Labels go with a generator that draws labels; ``info`` with InfoGAN's pair (and
    ``blind``, InfoGAN's palette-blind Q, with colour images)."""
    draws = hasattr(G, "random_condition")
    if info:
        if not (hasattr(D, "q") and hasattr(G, "n_cat")):
            raise ValueError(
                "info > 0 needs an InfoGenerator and an InfoDiscriminator (gancourse.conditional)"
            )
        if labels is not None:
            raise ValueError("InfoGAN learns without labels: pass labels=None with info > 0")
        if blind and images.shape[1] != 3:
            raise ValueError(
                "info_blind shuffles colour channels: it needs colour images (N, 3, H, W), "
                f"and these have {images.shape[1]} channel(s)"
            )
        return
    if labels is None:
        if draws:
            raise ValueError(
                f"{type(G).__name__} takes a condition: pass the real images' labels "
                "(or info > 0 for InfoGAN's codes)"
            )
        return
    if not draws or not hasattr(G, "n_classes"):
        raise ValueError("labels need a conditional generator (gancourse.conditional)")
    if not isinstance(labels, Tensor) or labels.shape != (len(images),):
        got = tuple(labels.shape) if isinstance(labels, Tensor) else type(labels).__name__
        raise ValueError(f"labels must be a tensor ({len(images)},), one per image, got {got}")
    if labels.is_floating_point() or int(labels.min()) < 0 or int(labels.max()) >= G.n_classes:
        raise ValueError(
            f"labels must be integers from 0 to {G.n_classes - 1}, got {labels.dtype} values "
            f"in [{labels.min().item()}, {labels.max().item()}]"
        )


__all__ = ["check_labels_and_info", "check_images"]
