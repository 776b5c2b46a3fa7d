"""Small helpers the torch exercises share: inputs as float32 tensors, parameters as one vector,
the small critic of the penalty exercises and their outputs."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn

from gancourse.exercises.spec import Unusable
from gancourse.seeding import seeded


def as_float32(a: np.ndarray) -> torch.Tensor:
    """A case's NumPy array as a float32 tensor (the dtype the course's models use)."""
    return torch.tensor(np.asarray(a), dtype=torch.float32)


def flat_params(module: nn.Module) -> torch.Tensor:
    """All of ``module``'s parameters, detached and concatenated into one vector."""
    return torch.cat([p.detach().flatten() for p in module.parameters()])


def small_critic(dim: int, seed: int) -> nn.Module:
    """The penalty exercises' critic: flatten, Linear(dim, 16), tanh, Linear(16, 1)."""
    with seeded(seed):
        return nn.Sequential(
            nn.Flatten(), nn.Linear(dim, 16), nn.Tanh(), nn.Linear(16, 1), nn.Flatten(0)
        )


def gradients(loss, wrt: dict[str, torch.Tensor], why: str) -> dict[str, torch.Tensor | Unusable]:
    """The gradient of a student's ``loss`` with respect to each tensor of ``wrt`` (name ->
    tensor; zeros where the loss does not depend on it), or, when ``loss`` is not a tensor with
    a graph, an :class:`Unusable` saying ``why`` for each name."""
    if not (isinstance(loss, torch.Tensor) and loss.requires_grad):
        return {name: Unusable(why) for name in wrt}
    grads = torch.autograd.grad(loss, list(wrt.values()), allow_unused=True)
    return {
        name: torch.zeros_like(t) if g is None else g for (name, t), g in zip(wrt.items(), grads)
    }


def penalty_outputs(key: str, penalty, critic: nn.Module) -> dict:
    """A penalty and its gradient with respect to ``critic``'s first weight matrix, which exists
    only if the penalty was built with ``create_graph=True``."""
    why = (
        "a penalty with no graph to the critic's weights; "
        "pass create_graph=True to torch.autograd.grad"
    )
    return {key: penalty, **gradients(penalty, {"grad_w": critic[1].weight}, why)}
