"""Small helpers the torch exercises share: inputs as float32 tensors, parameters as one vector."""

from __future__ import annotations

import numpy as np
import torch
from torch import nn


def as_float32(a: np.ndarray) -> torch.Tensor:
    """A case's NumPy array as a float32 tensor (the dtype the course's models use)."""
    return torch.tensor(np.asarray(a), dtype=torch.float32)


def flat_params(module: nn.Module) -> torch.Tensor:
    """All of ``module``'s parameters, detached and concatenated into one vector."""
    return torch.cat([p.detach().flatten() for p in module.parameters()])
