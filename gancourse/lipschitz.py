"""Keeping a critic Lipschitz (lesson 07): the spectral norm by power iteration, gradient norms.

The Wasserstein critic must be 1-Lipschitz, |f(x) - f(y)| <= |x - y|. For a network of
linear layers and 1-Lipschitz activations, Lip(f) <= prod_l sigma(W_l), the product of the
layers' spectral norms (largest singular values). Spectral normalisation (Miyato et al.
2018) divides each W_l by an estimate of sigma(W_l) that power iteration refreshes with one
step per training step:

    v <- W^T u / |W^T u|,   u <- W v / |W v|,   sigma ~ u^T W v.
"""

from __future__ import annotations

import torch
import torch.nn.functional as F
from torch import Tensor, nn


def power_iteration(
    W: Tensor,
    n_iter: int = 20,
    u: Tensor | None = None,
    *,
    generator: torch.Generator | None = None,
) -> tuple[Tensor, Tensor, Tensor]:
    """The largest singular value of ``W`` by power iteration: ``(sigma, u, v)``.

    ``W`` (out, ...) is flattened to a matrix (out, rest), as spectral normalisation does for
    a convolution's kernel. ``u`` (out,) is the starting left vector (default: a random unit
    vector from ``generator``); pass the returned ``u`` back in to keep refining, one step
    per call, as a training loop does. ``sigma = u^T W v`` (a scalar tensor).
    """
    W2 = W.reshape(W.shape[0], -1)
    if n_iter < 1:
        raise ValueError(f"n_iter must be >= 1, got {n_iter}")
    if u is None:
        u = torch.randn(W2.shape[0], generator=generator, dtype=W2.dtype).to(W2.device)
    u = F.normalize(u, dim=0)
    for _ in range(n_iter):
        v = F.normalize(W2.T @ u, dim=0)
        u = F.normalize(W2 @ v, dim=0)
    return u @ W2 @ v, u, v


def conv_operator_norm(
    weight: Tensor, image_size: int, *, stride: int = 1, padding: int = 0
) -> Tensor:
    """The exact spectral norm of the convolution ``x -> conv2d(x, weight, stride, padding)``
    as a linear map of images (C_in, S, S), S = ``image_size``: the largest singular value of
    its matrix, built column by column from the basis images (small sizes only).

    This is the convolution's true Lipschitz constant; spectral normalisation instead uses
    the norm of the kernel flattened to (C_out, C_in k k), which differs from it.
    """
    c_in = weight.shape[1]
    n = c_in * image_size * image_size
    if n > 4096:
        raise ValueError(f"C_in * S * S = {n} is too large to build the matrix; use <= 4096")
    basis = torch.eye(n, dtype=weight.dtype, device=weight.device).reshape(
        n, c_in, image_size, image_size
    )
    columns = F.conv2d(basis, weight, stride=stride, padding=padding).reshape(n, -1)
    return torch.linalg.matrix_norm(columns.T, ord=2)


def input_gradient_norms(critic: nn.Module, x: Tensor) -> Tensor:
    """|grad_x f(x)|_2 for each sample of ``x`` (N, ...): (N,). A 1-Lipschitz critic keeps
    every one <= 1; WGAN-GP pushes them towards exactly 1 between real and fake data."""
    x = x.detach().requires_grad_(True)
    (grad,) = torch.autograd.grad(critic(x).sum(), x)
    return grad.flatten(1).norm(dim=1)


def layer_gradient_norms(model: nn.Module) -> list[float]:
    """The norm of the gradient of each weight matrix (parameters with >= 2 dims), in order,
    after a ``backward()``: vanishing or exploding gradients show as a trend along layers."""
    return [p.grad.norm().item() for p in model.parameters() if p.dim() >= 2 and p.grad is not None]


__all__ = [
    "conv_operator_norm",
    "input_gradient_norms",
    "layer_gradient_norms",
    "power_iteration",
]
