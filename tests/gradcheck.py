"""Central finite differences in float64, the independent route for every manual gradient."""

from __future__ import annotations

import numpy as np


def derivative(f, x: np.ndarray, v: np.ndarray, h: float) -> float:
    """d/dt f(x + t v) at t = 0 by the fourth-order central stencil (error O(h^4))."""
    f2 = f(x + 2 * h * v) - f(x - 2 * h * v)
    f1 = f(x + h * v) - f(x - h * v)
    return (8 * f1 - f2) / (12 * h)


def check(f, x: np.ndarray, grad: np.ndarray, rng: np.random.Generator, *, rtol: float,
          h: float = 1e-3, coordinates: int = 200) -> None:
    """Assert ``grad`` is the gradient of the scalar ``f`` at ``x``.

    Small arrays: every coordinate. Larger: ``coordinates`` random ones, plus one
    direction that moves every coordinate (by sign(grad) times a random weight in
    [0.5, 1.5], so the terms add up instead of cancelling and each coordinate's error
    shows in the sum).
    """
    x = np.asarray(x, dtype=float)
    assert grad.shape == x.shape, (grad.shape, x.shape)
    # below this, a difference quotient is rounding noise in f, not a derivative
    noise = 100 * np.finfo(float).eps * max(1.0, abs(f(x))) / h
    scale = max(np.abs(grad).max(), noise / rtol)
    idx = np.arange(x.size) if x.size <= coordinates else rng.choice(x.size, coordinates, replace=False)
    for k in idx:
        e = np.zeros(x.size)
        e[k] = 1.0
        fd = derivative(f, x, e.reshape(x.shape), h)
        an = grad.flat[k]
        # a coordinate is judged against the gradient's largest entry: FD cannot resolve
        # an entry far below the others' scale to 1e-7 of itself
        assert abs(fd - an) <= rtol * scale, (k, fd, an, scale)
    v = (np.sign(grad) + (grad == 0)) * rng.uniform(0.5, 1.5, size=x.shape)
    fd = derivative(f, x, v, h)
    an = float(np.sum(grad * v))
    assert abs(fd - an) <= max(rtol * abs(an), noise), (fd, an)
