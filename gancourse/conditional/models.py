"""Networks that take a condition (lesson 08): G(z, y), D(x, y) and InfoGAN's G(z, c) with Q.

- :class:`ConditionalGenerator`: lesson 05's DCGAN generator with **class-conditional batch
  norm** (:class:`ConditionalBatchNorm2d`): every batch norm normalises without its own scale
  and shift, then applies a scale gamma_y and a shift beta_y looked up for the requested class
  (de Vries et al. 2017; Miyato & Koyama 2018; BigGAN). ``y`` is a label (N,) or a row of class
  weights (N, K): a mix of two styles interpolates their gammas and betas.
- :class:`ConditionalDiscriminator`: the recipe's D with the label fed in one of two ways:
  ``"concat"`` (the one-hot label tiled as K extra input channels, as most tutorials do) or
  ``"projection"`` (Miyato & Koyama 2018): ``logit = psi(phi(x)) + embed(y) . phi(x)``.
- :class:`InfoGenerator` and :class:`InfoDiscriminator` (Chen et al. 2016): G reads a code
  vector (a one-hot categorical code and continuous codes) next to z; D has a second head Q on
  its convolutional body that predicts the code back.

Generators that take a condition also say how to draw one (``random_condition``, balanced
over the classes, used by the trainer and to re-estimate batch-norm statistics) and which one
the fixed sample grid uses (``grid_condition``).
"""

from __future__ import annotations

import torch
from torch import Tensor, nn

from gancourse.models import Discriminator, Generator

CONDITIONS = ("projection", "concat")


def balanced_labels(n: int, n_classes: int, generator: torch.Generator | None = None) -> Tensor:
    """``n`` labels in [0, n_classes), every class ``n // K`` or ``n // K + 1`` times, in random
    order (drawn with ``generator``, on its device); which classes get one more is random too."""
    device = generator.device if generator is not None else torch.device("cpu")
    order = torch.randperm(n, generator=generator, device=device)
    shift = torch.randint(n_classes, (1,), generator=generator, device=device)
    return (order + shift) % n_classes


def check_condition(y, n: int, n_classes: int, *, soft: bool = True) -> Tensor:
    """``y`` as a tensor, after checking it: labels (n,) of integers in [0, n_classes), or
    (when ``soft``) class weights (n, n_classes), non-negative, each row summing to 1."""
    if not isinstance(y, Tensor):
        raise TypeError(f"the condition y must be a tensor of labels, got {type(y).__name__}")
    if not y.is_floating_point():
        if y.shape != (n,):
            raise ValueError(f"expected labels y of shape ({n},), got {tuple(y.shape)}")
        if n and (int(y.min()) < 0 or int(y.max()) >= n_classes):
            raise ValueError(
                f"label out of range: got values in [{int(y.min())}, {int(y.max())}], "
                f"expected 0 to {n_classes - 1} ({n_classes} classes)"
            )
        return y.long()
    if not soft:
        raise TypeError(f"expected integer labels y (N,), got a {y.dtype} tensor")
    if y.shape != (n, n_classes):
        raise ValueError(
            f"expected labels (N,) or class weights of shape ({n}, {n_classes}), "
            f"got {tuple(y.shape)}"
        )
    if n and (float(y.min()) < 0 or not torch.allclose(y.sum(1), torch.ones_like(y[:, 0]))):
        raise ValueError("class weights must be >= 0 and each row must sum to 1")
    return y


def all_class_logits(phi: Tensor, psi_weight: Tensor, psi_bias: Tensor, embed: Tensor) -> Tensor:
    """A projection D's logits for every class at once: (N, K) with entry (i, k) =
    psi(phi_i) + embed_k . phi_i, for features phi (N, F), psi's weight (F,) and bias (),
    and the class embeddings (K, F). The argmax over k is the class D finds most plausible."""
    return phi @ embed.T + (phi @ psi_weight.reshape(-1) + psi_bias.reshape(()))[:, None]


class ConditionalBatchNorm2d(nn.Module):
    """Batch norm whose scale and shift depend on the class: gamma_y * x_hat + beta_y.

    ``weight`` and ``bias`` (K, C) hold one gamma and one beta per class; ``y`` is a label
    (N,) or class weights (N, K) (then gamma = y @ weight: a mix of classes mixes them).
    The normalisation itself (and its running statistics) is shared by all classes.
    """

    def __init__(self, num_features: int, n_classes: int):
        super().__init__()
        self.bn = nn.BatchNorm2d(num_features, affine=False)
        self.weight = nn.Parameter(1.0 + 0.02 * torch.randn(n_classes, num_features))
        self.bias = nn.Parameter(torch.zeros(n_classes, num_features))

    def forward(self, x: Tensor, y: Tensor) -> Tensor:
        if y.is_floating_point():
            gamma, beta = y @ self.weight, y @ self.bias
        else:
            gamma, beta = self.weight[y], self.bias[y]
        return self.bn(x) * gamma[:, :, None, None] + beta[:, :, None, None]


class ConditionalGenerator(Generator):
    """G(z, y): z (N, z_dim) and labels y (N,) or class weights (N, K) -> images in [-1, 1].

    Lesson 05's DCGAN generator (same arguments, same layers) with every batch norm made
    class-conditional (:class:`ConditionalBatchNorm2d`).
    """

    def __init__(
        self,
        z_dim: int = 64,
        n_classes: int = 6,
        width: int = 32,
        image_size: int = 32,
        channels: int = 3,
        upsample: str = "nearest",
    ):
        super().__init__(z_dim, width, image_size, channels, upsample)
        if not isinstance(n_classes, int) or n_classes < 2:
            raise ValueError(f"n_classes must be an int >= 2, got {n_classes!r}")
        self.n_classes = n_classes
        for i, layer in enumerate(self.net):
            if isinstance(layer, nn.BatchNorm2d):
                self.net[i] = ConditionalBatchNorm2d(layer.num_features, n_classes)

    def forward(self, z: Tensor, y: Tensor | None = None) -> Tensor:
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        if y is None:
            raise ValueError("a conditional generator needs the labels: G(z, y)")
        y = check_condition(y, len(z), self.n_classes)
        x = z[:, :, None, None]
        for layer in self.net:
            x = layer(x, y) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        return x

    def random_condition(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """``n`` labels balanced over the classes, in random order."""
        return balanced_labels(n, self.n_classes, generator)

    def grid_condition(self, n: int) -> Tensor:
        """Labels 0, 1, ..., K-1, 0, 1, ... (rows of K in a grid: one column per class)."""
        return torch.arange(n) % self.n_classes


def _trunk(width: int, image_size: int, channels: int, norm: str, mbstd: bool):
    """The recipe's D split in three: its convolutional body to the 4x4 features, the
    minibatch-std layer (or an identity), and its last 4x4 convolution."""
    base = Discriminator(width, image_size, channels, norm=norm, mbstd=mbstd)
    layers = list(base.net)
    last = layers.pop()
    std = layers.pop() if mbstd else nn.Identity()
    return nn.Sequential(*layers), std, last


def _check_images(x: Tensor, channels: int, size: int) -> None:
    if x.dim() != 4 or tuple(x.shape[1:]) != (channels, size, size):
        raise ValueError(
            f"expected images of shape (N, {channels}, {size}, {size}), got {tuple(x.shape)}"
        )


class ConditionalDiscriminator(nn.Module):
    """D(x, y): images (N, C, S, S) and labels y (N,) -> logits (N,).

    ``condition="projection"``: phi(x) (the flattened 4x4 features, after the minibatch-std
    feature when ``mbstd``) gives ``psi(phi) + embed(y) . phi``, psi a linear layer and embed
    one learned vector per class. ``condition="concat"``: the one-hot label, tiled to S x S,
    enters as K extra input channels, and the logit is psi(phi) of that input.
    """

    def __init__(
        self,
        n_classes: int = 6,
        width: int = 32,
        image_size: int = 32,
        channels: int = 3,
        *,
        condition: str = "projection",
        norm: str = "none",
        mbstd: bool = True,
    ):
        super().__init__()
        if condition not in CONDITIONS:
            raise ValueError(f"condition must be one of {CONDITIONS}, got {condition!r}")
        self.n_classes, self.condition = n_classes, condition
        self.width, self.image_size, self.channels, self.norm = width, image_size, channels, norm
        extra = n_classes if condition == "concat" else 0
        body, std, last = _trunk(width, image_size, channels + extra, norm, mbstd)
        self.body = nn.Sequential(*body, std)
        self.phi_dim = last.in_channels * 16
        self.psi = nn.Linear(self.phi_dim, 1)
        nn.init.normal_(self.psi.weight, 0.0, 0.02)
        nn.init.zeros_(self.psi.bias)
        if condition == "projection":
            self.embed = nn.Embedding(n_classes, self.phi_dim)
            nn.init.normal_(self.embed.weight, 0.0, 0.02)

    def features(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        """phi (N, phi_dim): the flattened 4x4 features (of [x, one-hot y] for ``concat``)."""
        _check_images(x, self.channels, self.image_size)
        if self.condition == "concat":
            y = check_condition(y, len(x), self.n_classes, soft=False)
            onehot = nn.functional.one_hot(y, self.n_classes).to(x.dtype)
            x = torch.cat([x, onehot[:, :, None, None].expand(-1, -1, *x.shape[2:])], 1)
        return self.body(x).flatten(1)

    def forward(self, x: Tensor, y: Tensor | None = None) -> Tensor:
        if y is None:
            raise ValueError("a conditional discriminator needs the labels: D(x, y)")
        y = check_condition(y, len(x), self.n_classes, soft=False)
        phi = self.features(x, y)
        logit = self.psi(phi).flatten()
        if self.condition == "projection":
            logit = logit + (self.embed(y) * phi).sum(1)
        return logit

    def class_logits(self, x: Tensor) -> Tensor:
        """A projection D's logits of ``x`` against every class (N, K): its own style verdict."""
        if self.condition != "projection":
            raise ValueError("class_logits needs the projection discriminator")
        w, b = self.psi.weight, self.psi.bias
        return all_class_logits(self.features(x), w, b, self.embed.weight)


class InfoGenerator(ConditionalGenerator):
    """G(z, code): noise z (N, z_dim) and a code vector (N, n_cat + n_cont) -> images.

    The code is the one-hot categorical code followed by the continuous codes
    (:func:`gancourse.conditional.info.make_code`). G is the conditional generator above with
    the categorical code in place of the label: it reaches every layer through the
    class-conditional batch norms (as a style label does), while the continuous codes join z
    at the input (the InfoGAN paper's small networks concatenate the one-hot code to z
    instead). ``z_dim`` is the size of the noise alone.
    """

    def __init__(
        self,
        z_dim: int = 64,
        n_cat: int = 6,
        n_cont: int = 2,
        width: int = 32,
        image_size: int = 32,
        channels: int = 3,
        upsample: str = "nearest",
    ):
        if n_cat < 2 or n_cont < 0:
            raise ValueError(f"need n_cat >= 2 and n_cont >= 0, got {n_cat} and {n_cont}")
        super().__init__(z_dim + n_cont, n_cat, width, image_size, channels, upsample)
        self.z_dim, self.n_cat, self.n_cont = z_dim, n_cat, n_cont

    def forward(self, z: Tensor, code: Tensor | None = None) -> Tensor:
        width = self.n_cat + self.n_cont
        if z.dim() != 2 or z.shape[1] != self.z_dim:
            raise ValueError(f"expected z of shape (N, {self.z_dim}), got {tuple(z.shape)}")
        if code is None or code.shape != (len(z), width) or not code.is_floating_point():
            got = None if code is None else tuple(code.shape)
            raise ValueError(
                f"expected a code of shape ({len(z)}, {width}) (one-hot of {self.n_cat} "
                f"classes, then {self.n_cont} continuous codes: make_code), got {got}"
            )
        onehot, u = code[:, : self.n_cat], code[:, self.n_cat :]
        x = torch.cat([z, u.to(z.dtype)], 1)[:, :, None, None]
        for layer in self.net:
            x = layer(x, onehot) if isinstance(layer, ConditionalBatchNorm2d) else layer(x)
        return x

    def random_condition(self, n: int, generator: torch.Generator | None = None) -> Tensor:
        """Codes of InfoGAN's prior: categorical balanced over n_cat, continuous U(-1, 1)."""
        from gancourse.conditional.info import make_code

        c = balanced_labels(n, self.n_cat, generator)
        u = torch.rand(n, self.n_cont, generator=generator, device=c.device) * 2 - 1
        return make_code(c, u, self.n_cat)

    def grid_condition(self, n: int) -> Tensor:
        """Categorical codes 0, 1, ..., n_cat-1, 0, ... with the continuous codes at 0."""
        from gancourse.conditional.info import make_code

        return make_code(torch.arange(n) % self.n_cat, torch.zeros(n, self.n_cont), self.n_cat)


class InfoDiscriminator(nn.Module):
    """InfoGAN's D and Q sharing one body: ``D(x)`` -> logits (N,); ``D.q(x)`` -> (logits of
    the categorical code (N, n_cat), predicted continuous codes (N, n_cont)).

    Q reads the body's 4x4 features before the minibatch-std feature (Q judges each image on
    its own) through one hidden layer of 128 units.
    """

    def __init__(
        self,
        n_cat: int = 6,
        n_cont: int = 2,
        width: int = 32,
        image_size: int = 32,
        channels: int = 3,
        *,
        norm: str = "none",
        mbstd: bool = True,
    ):
        super().__init__()
        self.n_cat, self.n_cont = n_cat, n_cont
        self.width, self.image_size, self.channels, self.norm = width, image_size, channels, norm
        self.body, std, last = _trunk(width, image_size, channels, norm, mbstd)
        self.head = nn.Sequential(std, last, nn.Flatten(0))
        features = (last.in_channels - int(mbstd)) * 16
        self.q_head = nn.Sequential(
            nn.Flatten(),
            nn.Linear(features, 128),
            nn.LeakyReLU(0.2),
            nn.Linear(128, n_cat + n_cont),
        )

    def forward(self, x: Tensor) -> Tensor:
        _check_images(x, self.channels, self.image_size)
        return self.head(self.body(x))

    def q(self, x: Tensor) -> tuple[Tensor, Tensor]:
        """Q's reading of the code: (categorical logits (N, n_cat), continuous means (N, M))."""
        _check_images(x, self.channels, self.image_size)
        out = self.q_head(self.body(x))
        return out[:, : self.n_cat], out[:, self.n_cat :]


__all__ = [
    "CONDITIONS",
    "all_class_logits",
    "ConditionalBatchNorm2d",
    "ConditionalDiscriminator",
    "ConditionalGenerator",
    "InfoDiscriminator",
    "InfoGenerator",
    "balanced_labels",
    "check_condition",
]
