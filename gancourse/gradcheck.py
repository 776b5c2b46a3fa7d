"""Check hand-written gradients against centred finite differences (lesson 02).

:math:`\\partial f / \\partial x_i \\approx (f(x + h e_i) - f(x - h e_i)) / (2h)`, with error
O(h^2). In float64 with h = 1e-6 a correct backward pass agrees to a relative error of
about 1e-9 or better; a wrong one is off by 1e-2 or more.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

__all__ = ["numerical_gradient", "relative_error", "check_module_gradients"]


def numerical_gradient(f: Callable[[], float], x: np.ndarray, h: float = 1e-6) -> np.ndarray:
    """Centred-difference gradient of the scalar ``f()`` with respect to the array ``x``.

    ``f`` takes no arguments and reads ``x`` (e.g. a layer's weight array), which is
    perturbed in place one entry at a time and restored exactly afterwards. Returns an
    array of ``x``'s shape. Cost: 2 * x.size calls of ``f``.
    """
    if not isinstance(x, np.ndarray) or x.dtype.kind != "f":
        raise TypeError("x must be a float NumPy array (perturbed in place)")
    grad = np.zeros_like(x)
    it = np.nditer(x, flags=["multi_index"])
    for _ in it:
        i = it.multi_index
        old = x[i].copy()
        x[i] = old + h
        f_plus = f()
        x[i] = old - h
        f_minus = f()
        x[i] = old  # restore
        grad[i] = (f_plus - f_minus) / (2.0 * h)
    return grad


def relative_error(a: np.ndarray, b: np.ndarray) -> float:
    """``||a - b|| / (||a|| + ||b||)`` (0 when both are 0): scale-free, in [0, 1]."""
    a, b = np.asarray(a, dtype=np.float64), np.asarray(b, dtype=np.float64)
    if a.shape != b.shape:
        raise ValueError(f"shapes differ: {a.shape} vs {b.shape}")
    denom = np.linalg.norm(a) + np.linalg.norm(b)
    return 0.0 if denom == 0 else float(np.linalg.norm(a - b) / denom)


def check_module_gradients(
    module, x: np.ndarray, seed: int = 0, h: float = 1e-6
) -> dict[str, float]:
    """Compare ``module.backward`` with finite differences on the loss ``L = sum(r * module(x))``.

    ``module``: anything with ``forward``, ``backward``, ``parameters``, ``gradients`` and
    ``zero_grad`` (every layer of :mod:`gancourse.numpy_nn`). ``x``: an input batch (a
    float64 copy is perturbed). ``r`` is a fixed random projection drawn with ``seed``, so
    every output entry matters. Returns ``{"x": err, "param0": err, ...}``: the relative
    error of the input gradient and of each parameter gradient.
    """
    bad = [p.dtype for p in module.parameters() if p.dtype != np.float64]
    if bad:
        raise TypeError(
            f"gradient checks need float64 parameters, got {bad[0]}: build the module with "
            "dtype=np.float64 (float32 rounding swamps the finite differences)"
        )
    x = np.array(x, dtype=np.float64)
    rng = np.random.default_rng(seed)
    r = rng.standard_normal(module.forward(x).shape)

    def loss() -> float:
        return float(np.sum(r * module.forward(x)))

    module.zero_grad()
    module.forward(x)
    dx = module.backward(r)  # dL/d(out) = r
    analytic = [dx] + [g.copy() for g in module.gradients()]
    numeric = [numerical_gradient(loss, x, h)] + [
        numerical_gradient(loss, p, h) for p in module.parameters()
    ]
    names = ["x"] + [f"param{i}" for i in range(len(analytic) - 1)]
    return {n: relative_error(a, b) for n, a, b in zip(names, analytic, numeric)}
