"""A tiny neural-network toolkit in NumPy, forward and backward written by hand (lesson 02).

Conventions
-----------
- A batch is a 2D array of shape (N, features). Every layer has ``forward(x)`` and
  ``backward(dout)``: ``dout`` is dL/d(output) of the layer, shape like the output, and
  ``backward`` returns dL/d(input), shape like the input. ``backward`` uses what the last
  ``forward`` cached, so call them in pairs (forward, then backward).
- Parameter gradients are *accumulated* (``+=``) by ``backward``, as in PyTorch; call
  ``zero_grad()`` before each new backward pass.
- ``parameters()`` and ``gradients()`` return aligned lists of the arrays themselves
  (not copies), so optimizers update them in place.
- ``Linear`` computes ``y = x @ W + b`` with ``W`` of shape (in, out). PyTorch's
  ``nn.Linear`` stores the transpose, (out, in): see :func:`to_torch`.

Math notation in the comments: ``*`` is elementwise, ``@`` matrix product, ``sigma`` the
logistic sigmoid, ``1[.]`` an indicator.
"""

from __future__ import annotations

from collections.abc import Sequence

import numpy as np

__all__ = [
    "Module",
    "Linear",
    "ReLU",
    "LeakyReLU",
    "Tanh",
    "Sigmoid",
    "MLP",
    "ACTIVATIONS",
    "sigmoid",
    "bce_with_logits",
    "bce_with_logits_grad",
    "SGD",
    "Adam",
    "sgd_step",
    "adam_step",
    "to_torch",
]


def sigmoid(x: np.ndarray) -> np.ndarray:
    """Logistic sigmoid 1 / (1 + exp(-x)), stable for large |x| (no overflow warnings)."""
    x = np.asarray(x)
    # sigma(x) = exp(-log(1 + exp(-x))); logaddexp(0, -x) = log(1 + exp(-x)) computed safely
    return np.exp(-np.logaddexp(0.0, -x))


class Module:
    """Base class: a layer with no parameters unless it overrides the two lists."""

    def forward(self, x: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def backward(self, dout: np.ndarray) -> np.ndarray:  # pragma: no cover - abstract
        raise NotImplementedError

    def __call__(self, x: np.ndarray) -> np.ndarray:
        return self.forward(x)

    def parameters(self) -> list[np.ndarray]:
        """The trainable arrays (the objects themselves, updated in place by optimizers)."""
        return []

    def gradients(self) -> list[np.ndarray]:
        """dL/d(parameter) for each array of ``parameters()``, same order and shapes."""
        return []

    def zero_grad(self) -> None:
        """Set every accumulated gradient to 0 (in place, so optimizers keep their views)."""
        for g in self.gradients():
            g.fill(0.0)

    def _cached(self, name: str):
        value = getattr(self, name, None)
        if value is None:
            raise RuntimeError(f"{type(self).__name__}.backward called before forward")
        return value


class Linear(Module):
    """Affine layer ``y = x @ W + b``: x (N, in) -> y (N, out); W (in, out), b (out,).

    Initialised like PyTorch's ``nn.Linear``: W and b ~ U(-1/sqrt(in), 1/sqrt(in)),
    drawn from ``rng`` (a ``np.random.Generator``) or a fresh one seeded with ``seed``.
    """

    def __init__(
        self,
        n_in: int,
        n_out: int,
        rng: np.random.Generator | None = None,
        seed: int = 0,
        dtype: type = np.float64,
    ):
        if int(n_in) < 1 or int(n_out) < 1:
            raise ValueError(f"Linear needs n_in >= 1 and n_out >= 1, got {n_in}, {n_out}")
        rng = rng if rng is not None else np.random.default_rng(seed)
        bound = 1.0 / np.sqrt(n_in)
        self.W = rng.uniform(-bound, bound, size=(n_in, n_out)).astype(dtype)
        self.b = rng.uniform(-bound, bound, size=(n_out,)).astype(dtype)
        self.dW = np.zeros_like(self.W)
        self.db = np.zeros_like(self.b)
        self.x: np.ndarray | None = None

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.x = x  # cache the input: dL/dW needs it
        return x @ self.W + self.b  # y = x W + b

    def backward(self, dout: np.ndarray) -> np.ndarray:
        x = self._cached("x")
        self.dW += x.T @ dout  # dL/dW = x^T dL/dy        (in, N) @ (N, out) -> (in, out)
        self.db += dout.sum(axis=0)  # dL/db = sum over the batch of dL/dy        -> (out,)
        return dout @ self.W.T  # dL/dx = dL/dy W^T      (N, out) @ (out, in) -> (N, in)

    def parameters(self) -> list[np.ndarray]:
        return [self.W, self.b]

    def gradients(self) -> list[np.ndarray]:
        return [self.dW, self.db]


class ReLU(Module):
    """``y = max(x, 0)`` elementwise."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0  # cache where the unit is active
        return np.where(self.mask, x, 0.0).astype(x.dtype, copy=False)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        mask = self._cached("mask")
        return dout * mask  # dy/dx = 1[x > 0]  =>  dL/dx = dL/dy * 1[x > 0]


class LeakyReLU(Module):
    """``y = x`` for x > 0, ``slope * x`` otherwise (slope 0.2 by default, as in DCGAN's D)."""

    def __init__(self, slope: float = 0.2):
        self.slope = float(slope)

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.mask = x > 0
        return np.where(self.mask, x, self.slope * x)

    def backward(self, dout: np.ndarray) -> np.ndarray:
        mask = self._cached("mask")
        # dy/dx = 1 where x > 0, slope elsewhere  =>  dL/dx = dL/dy * (1 or slope)
        return dout * np.where(mask, 1.0, self.slope).astype(dout.dtype, copy=False)


class Tanh(Module):
    """``y = tanh(x)``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = np.tanh(x)  # cache the output: the derivative is written with it
        return self.y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        y = self._cached("y")
        return dout * (1.0 - y**2)  # d tanh(x)/dx = 1 - tanh(x)^2 = 1 - y^2


class Sigmoid(Module):
    """``y = sigma(x) = 1 / (1 + exp(-x))``."""

    def forward(self, x: np.ndarray) -> np.ndarray:
        self.y = sigmoid(x)
        return self.y

    def backward(self, dout: np.ndarray) -> np.ndarray:
        y = self._cached("y")
        return dout * y * (1.0 - y)  # d sigma(x)/dx = sigma(x) (1 - sigma(x)) = y (1 - y)


#: Activation names accepted by :class:`MLP` and the layer class each builds.
ACTIVATIONS: dict[str, type[Module]] = {
    "relu": ReLU,
    "leaky_relu": LeakyReLU,
    "tanh": Tanh,
    "sigmoid": Sigmoid,
}


def _activation(name: str) -> Module:
    try:
        return ACTIVATIONS[name]()
    except KeyError:
        raise ValueError(
            f"unknown activation {name!r}; choose one of {sorted(ACTIVATIONS)}"
        ) from None


class MLP(Module):
    """A multilayer perceptron: Linear, activation, Linear, activation, ..., Linear.

    ``sizes``: layer widths, e.g. ``[1, 32, 32, 1]`` maps (N, 1) -> (N, 1) through two
    hidden layers of 32 units. ``activation``: one of ``ACTIVATIONS`` between the linear
    layers; ``output_activation``: an optional one after the last (``None``: raw outputs,
    e.g. a discriminator's logits). ``seed`` fixes the initial weights; ``dtype`` is the
    float type of weights and computations (float64 for gradient checks).
    """

    def __init__(
        self,
        sizes: Sequence[int],
        activation: str = "leaky_relu",
        seed: int = 0,
        dtype: type = np.float64,
        output_activation: str | None = None,
    ):
        sizes = [int(s) for s in sizes]
        if len(sizes) < 2 or min(sizes) < 1:
            raise ValueError(
                f"sizes needs at least 2 positive widths, e.g. [1, 32, 1]; got {sizes}"
            )
        if np.dtype(dtype).kind != "f":
            raise TypeError(f"dtype must be a float type (np.float32 or np.float64), got {dtype}")
        self.sizes, self.dtype = sizes, np.dtype(dtype)
        rng = np.random.default_rng(seed)
        self.layers: list[Module] = []
        for i, (n_in, n_out) in enumerate(zip(sizes[:-1], sizes[1:])):
            self.layers.append(Linear(n_in, n_out, rng=rng, dtype=dtype))
            if i < len(sizes) - 2:
                self.layers.append(_activation(activation))
        if output_activation is not None:
            self.layers.append(_activation(output_activation))

    def forward(self, x: np.ndarray) -> np.ndarray:
        """x (N, sizes[0]) -> output (N, sizes[-1]); x is cast to the model's dtype."""
        x = np.asarray(x, dtype=self.dtype)
        if x.ndim != 2 or x.shape[1] != self.sizes[0]:
            raise ValueError(f"expected x of shape (N, {self.sizes[0]}), got {x.shape}")
        for layer in self.layers:
            x = layer.forward(x)
        return x

    def backward(self, dout: np.ndarray) -> np.ndarray:
        """dout (N, sizes[-1]) = dL/d(output) -> dL/dx (N, sizes[0]); accumulates gradients."""
        dout = np.asarray(dout, dtype=self.dtype)
        for layer in reversed(self.layers):  # chain rule: walk the layers backwards
            dout = layer.backward(dout)
        return dout

    def parameters(self) -> list[np.ndarray]:
        return [p for layer in self.layers for p in layer.parameters()]

    def gradients(self) -> list[np.ndarray]:
        return [g for layer in self.layers for g in layer.gradients()]


def _logits_targets(
    logits: np.ndarray, target: np.ndarray | float
) -> tuple[np.ndarray, np.ndarray]:
    logits = np.asarray(logits)
    if logits.dtype.kind != "f":
        logits = logits.astype(np.float64)
    target = np.broadcast_to(np.asarray(target, dtype=logits.dtype), logits.shape)
    if logits.size == 0:
        raise ValueError("logits is empty")
    if np.any((target < 0) | (target > 1)):
        raise ValueError("targets must lie in [0, 1] (1 = real, 0 = fake)")
    return logits, target


def bce_with_logits(logits: np.ndarray, target: np.ndarray | float) -> float:
    """Mean binary cross-entropy of ``sigma(logits)`` against ``target``, computed stably.

    ``L = mean(-t log sigma(l) - (1 - t) log(1 - sigma(l)))``, written as
    ``max(l, 0) - l t + log(1 + exp(-|l|))``, finite for any logit. ``logits``: any shape;
    ``target``: same shape or a scalar (1.0 for "real", 0.0 for "fake").
    """
    logits, target = _logits_targets(logits, target)
    per_sample = np.maximum(logits, 0.0) - logits * target + np.log1p(np.exp(-np.abs(logits)))
    return float(per_sample.mean())


def bce_with_logits_grad(logits: np.ndarray, target: np.ndarray | float) -> np.ndarray:
    """dL/d(logits) of :func:`bce_with_logits` (the mean): ``(sigma(l) - t) / N``.

    Same shape as ``logits``; N = ``logits.size``.
    """
    logits, target = _logits_targets(logits, target)
    return (sigmoid(logits) - target) / logits.size


def sgd_step(param: np.ndarray, grad: np.ndarray, lr: float) -> None:
    """One SGD step in place: ``param <- param - lr * grad``."""
    param -= lr * grad


def adam_step(
    param: np.ndarray,
    grad: np.ndarray,
    m: np.ndarray,
    v: np.ndarray,
    t: int,
    lr: float = 1e-3,
    beta1: float = 0.9,
    beta2: float = 0.999,
    eps: float = 1e-8,
) -> None:
    """One Adam step (Kingma & Ba 2015) for one array, updating ``param``, ``m``, ``v`` in place.

    ``t`` >= 1 is the step number (for bias correction); ``m`` and ``v`` are the running
    first and second moments (start at zeros). Same formula as ``torch.optim.Adam``.
    """
    m *= beta1
    m += (1 - beta1) * grad  # m_t = beta1 m_{t-1} + (1 - beta1) g
    v *= beta2
    v += (1 - beta2) * grad * grad  # v_t = beta2 v_{t-1} + (1 - beta2) g^2
    m_hat = m / (1 - beta1**t)  # bias corrections: the moments start at 0
    v_hat = v / (1 - beta2**t)
    param -= lr * m_hat / (np.sqrt(v_hat) + eps)  # theta <- theta - lr m_hat / (sqrt(v_hat) + eps)


class _Optimizer:
    def __init__(self, params: Sequence[np.ndarray], grads: Sequence[np.ndarray], lr: float):
        self.params, self.grads = list(params), list(grads)
        if len(self.params) != len(self.grads):
            raise ValueError(f"{len(self.params)} parameters but {len(self.grads)} gradients")
        for i, (p, g) in enumerate(zip(self.params, self.grads)):
            if p.shape != g.shape:
                raise ValueError(f"parameter {i} has shape {p.shape} but its gradient {g.shape}")
        if not lr > 0:
            raise ValueError(f"lr must be > 0, got {lr}")
        self.lr = float(lr)


class SGD(_Optimizer):
    """Plain gradient descent on ``params`` using ``grads`` (aligned lists, e.g. from an MLP)."""

    def step(self) -> None:
        for p, g in zip(self.params, self.grads):
            sgd_step(p, g, self.lr)


class Adam(_Optimizer):
    """Adam on ``params`` using ``grads``; ``betas=(0.5, 0.999)`` is the usual GAN choice."""

    def __init__(
        self,
        params: Sequence[np.ndarray],
        grads: Sequence[np.ndarray],
        lr: float = 1e-3,
        betas: tuple[float, float] = (0.9, 0.999),
        eps: float = 1e-8,
    ):
        super().__init__(params, grads, lr)
        self.beta1, self.beta2 = (float(b) for b in betas)
        self.eps = float(eps)
        self.m = [np.zeros_like(p) for p in self.params]
        self.v = [np.zeros_like(p) for p in self.params]
        self.t = 0

    def step(self) -> None:
        self.t += 1
        for p, g, m, v in zip(self.params, self.grads, self.m, self.v):
            adam_step(p, g, m, v, self.t, self.lr, self.beta1, self.beta2, self.eps)


def to_torch(mlp: MLP):
    """A ``torch.nn.Sequential`` with the same layers and *identical* weights as ``mlp``.

    Used by lesson 04 and the tests to compare hand-written gradients with autograd.
    PyTorch stores ``nn.Linear.weight`` as (out, in), the transpose of our ``W`` (in, out).
    The torch model uses the MLP's dtype (float64 gives agreement to ~1e-15).
    """
    import torch
    from torch import nn

    torch_dtype = torch.float64 if mlp.dtype == np.float64 else torch.float32
    modules: list[nn.Module] = []
    for layer in mlp.layers:
        if isinstance(layer, Linear):
            lin = nn.Linear(*layer.W.shape, dtype=torch_dtype)
            with torch.no_grad():
                lin.weight.copy_(torch.from_numpy(layer.W.T.copy()))
                lin.bias.copy_(torch.from_numpy(layer.b.copy()))
            modules.append(lin)
        elif isinstance(layer, LeakyReLU):
            modules.append(nn.LeakyReLU(layer.slope))
        elif isinstance(layer, ReLU):
            modules.append(nn.ReLU())
        elif isinstance(layer, Tanh):
            modules.append(nn.Tanh())
        elif isinstance(layer, Sigmoid):
            modules.append(nn.Sigmoid())
        else:  # pragma: no cover - every layer type above is handled
            raise TypeError(f"no torch equivalent for {type(layer).__name__}")
    return nn.Sequential(*modules)
