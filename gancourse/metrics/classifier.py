"""A small CNN that tells the classes (art styles, digits) of real images apart.

Its job in the course is to *measure* generated images: its penultimate layer is the
feature space of the Fréchet distance and of precision / recall
(:mod:`gancourse.metrics.features`), and its predictions give the style histogram of a
generator's samples. Trained from scratch on real data in seconds to a minute on a CPU.

Shapes: images (N, C, S, S) in [-1, 1], any S >= 8 (global average pooling at the end);
``model(x)`` gives logits (N, n_classes), ``model.features(x)`` gives (N, feat_dim).
"""

from __future__ import annotations

import time
from dataclasses import dataclass

import torch
import torch.nn.functional as F
from torch import Tensor, nn

from gancourse.seeding import seeded


class StyleClassifier(nn.Module):
    """Three stride-2 conv blocks (conv 4x4, batch norm, ReLU: S -> S/8), average pooling to
    4x4, a ``feat_dim`` ReLU layer (the *features*) and a linear head (the logits).

    Keeping a 4x4 layout (not one global average) lets it tell rings from stripes.
    """

    def __init__(self, n_classes: int = 6, channels: int = 3, width: int = 16, feat_dim: int = 64):
        super().__init__()
        self.n_classes, self.channels, self.width, self.feat_dim = (
            n_classes,
            channels,
            width,
            feat_dim,
        )
        blocks: list[nn.Module] = []
        c_in = channels
        for c_out in (width, 2 * width, 4 * width):
            blocks += [
                nn.Conv2d(c_in, c_out, 4, stride=2, padding=1, bias=False),
                nn.BatchNorm2d(c_out),
                nn.ReLU(inplace=True),
            ]
            c_in = c_out
        self.body = nn.Sequential(*blocks, nn.AdaptiveAvgPool2d(4), nn.Flatten())
        self.embed = nn.Sequential(nn.Linear(c_in * 16, feat_dim), nn.ReLU(inplace=True))
        self.head = nn.Linear(feat_dim, n_classes)

    def features(self, x: Tensor) -> Tensor:
        """Penultimate features (N, feat_dim) of images (N, C, S, S) in [-1, 1], S >= 8."""
        if x.dim() != 4 or x.shape[1] != self.channels or x.shape[-1] < 8:
            raise ValueError(
                f"expected images of shape (N, {self.channels}, S, S) with S >= 8, "
                f"got {tuple(x.shape)}"
            )
        return self.embed(self.body(x))

    def forward(self, x: Tensor) -> Tensor:
        """Logits (N, n_classes)."""
        return self.head(self.features(x))


@dataclass
class ClassifierResult:
    """What :func:`train_classifier` returns: the model (in eval mode) and how good it is."""

    model: StyleClassifier
    accuracy: float  # on held-out real images, in [0, 1]
    n_train: int
    n_test: int
    seconds: float  # wall time of the training loop

    def __iter__(self):  # ``model, acc = train_classifier(...)``
        return iter((self.model, self.accuracy))


@torch.no_grad()
def batched(
    model: nn.Module, images: Tensor, batch_size: int = 500, features: bool = False
) -> Tensor:
    """``model(x)`` (or ``model.features(x)``) over ``images`` in batches, in eval mode, on the
    model's device; float32 result on the CPU. The model's train/eval mode is restored."""
    was_training = model.training
    model.eval()
    fn = model.features if features else model
    device = next(model.parameters()).device
    try:
        out = [
            fn(images[i : i + batch_size].to(device, torch.float32)).float().cpu()
            for i in range(0, len(images), batch_size)
        ]
    finally:
        model.train(was_training)
    if not out:
        raise ValueError("no images given")
    return torch.cat(out)


def predict(model: nn.Module, images: Tensor, batch_size: int = 500) -> Tensor:
    """Predicted class ids (N,) int64 of images (N, C, S, S) in [-1, 1]."""
    return batched(model, images, batch_size).argmax(1)


def accuracy(model: nn.Module, images: Tensor, labels: Tensor, batch_size: int = 500) -> float:
    """Fraction of ``images`` whose predicted class equals ``labels``."""
    return float((predict(model, images, batch_size) == labels.cpu()).float().mean())


def fit_classifier(
    images: Tensor,
    labels: Tensor,
    n_classes: int,
    *,
    epochs: int = 3,
    batch_size: int = 64,
    lr: float = 3e-3,
    width: int = 16,
    feat_dim: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> StyleClassifier:
    """Train a :class:`StyleClassifier` on ``images`` (N, C, S, S) in [-1, 1] and int64
    ``labels``: cross-entropy, Adam with the learning rate falling linearly to 0 (a steady
    final model). Deterministic from ``seed`` on the CPU; returns the model in eval mode."""
    if len(images) != len(labels):
        raise ValueError(f"{len(images)} images but {len(labels)} labels")
    gen = torch.Generator().manual_seed(seed)
    with seeded(seed):  # the layers' initial weights; the caller's global RNG is left alone
        model = StyleClassifier(n_classes, images.shape[1], width, feat_dim).to(device)
    opt = torch.optim.Adam(model.parameters(), lr=lr)
    steps = epochs * -(-len(images) // batch_size)
    sched = torch.optim.lr_scheduler.LambdaLR(opt, lambda t: max(0.0, 1.0 - t / steps))
    model.train()
    for _ in range(epochs):
        order = torch.randperm(len(images), generator=gen)
        for i in range(0, len(images), batch_size):
            idx = order[i : i + batch_size]
            if len(idx) < 2:  # batch norm needs two images
                continue
            x, y = images[idx].to(device), labels[idx].to(device)
            loss = F.cross_entropy(model(x), y)
            opt.zero_grad(set_to_none=True)
            loss.backward()
            opt.step()
            sched.step()
    return model.eval()


def train_classifier(
    name: str = "art",
    size: int = 32,
    *,
    n_train: int | None = None,
    n_test: int | None = None,
    epochs: int = 3,
    width: int = 16,
    feat_dim: int = 64,
    seed: int = 0,
    device: torch.device | str = "cpu",
) -> ClassifierResult:
    """Train the measuring classifier on real images of dataset ``name`` and test it.

    Loads ``n_train + n_test`` images with :func:`gancourse.data.load_images` (seed
    ``seed + 7919``, so for ``"art"`` they are not the images of a GAN trained with
    ``load_images("art", seed=seed)``), trains on the first ``n_train`` and reports the
    accuracy on the other ``n_test``. Defaults: 6,000 + 1,200 for ``"art"``; for a finite
    dataset (``"digits"``) 80% / 20% of it. ``width`` and ``feat_dim`` size the network
    (:class:`StyleClassifier`): another seed and shape give an independent second opinion.
    Returns a :class:`ClassifierResult`, which unpacks as ``model, accuracy``.
    """
    from gancourse.data.images import class_names, load_images

    if name == "art":
        n_train = 6000 if n_train is None else n_train
        n_test = 1200 if n_test is None else n_test
        images, labels = load_images(name, size=size, n=n_train + n_test, seed=seed + 7919)
    else:
        images, labels = load_images(name, size=size, seed=seed + 7919)
        n_test = max(1, len(images) // 5) if n_test is None else n_test
        n_train = len(images) - n_test if n_train is None else n_train
        if n_train + n_test > len(images):
            raise ValueError(f"{name!r} has {len(images)} images, asked for {n_train} + {n_test}")
    if n_train < 2 or n_test < 1:
        raise ValueError(f"need n_train >= 2 and n_test >= 1, got {n_train} and {n_test}")
    t0 = time.perf_counter()
    model = fit_classifier(
        images[:n_train],
        labels[:n_train],
        len(class_names(name)),
        epochs=epochs,
        width=width,
        feat_dim=feat_dim,
        seed=seed,
        device=device,
    )
    seconds = time.perf_counter() - t0
    test = slice(n_train, n_train + n_test)
    acc = accuracy(model, images[test], labels[test])
    return ClassifierResult(model, acc, n_train, n_test, seconds)
