"""Fresh worksheet numbers from a seed: same structure, new small integers, easy arithmetic.

Every generator returns the same keys as the worksheet's data file and keeps the
properties that make the sheet doable by hand (whole-number norms, integer logits,
small exponents); ``tests/test_variants.py`` checks them over many seeds.
"""

from __future__ import annotations

import numpy as np


def _pick(rng: np.random.Generator, draw, accept):
    """The first of batches of drawn candidates that ``accept`` passes (vectorised rejection)."""
    while True:
        cand = draw(rng, 512)
        ok = np.flatnonzero(accept(*cand))
        if ok.size:
            return tuple(c[ok[0]] for c in cand)


def _cosines(A: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Cosines of every anchor with every positive, for a stack of batches (K, d, B)."""
    A = A / np.linalg.norm(A, axis=-2, keepdims=True)
    P = P / np.linalg.norm(P, axis=-2, keepdims=True)
    return np.swapaxes(A, -1, -2) @ P                                   # (K, B, B)


def _own_best(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per batch: every anchor's own positive is its best match; every best is strict."""
    top = np.sort(S, axis=-1)
    strict = (top[..., -1] - top[..., -2] > 1e-9).all(axis=-1)
    own = (S.argmax(axis=-1) == np.arange(S.shape[-1])).all(axis=-1)
    return own, strict


def infonce(seed: int) -> dict:
    """Three pairs of 4-d vectors of +-1 (every norm 2), temperature 1/2, base 3.

    Cosines are multiples of 1/2, so the logits are whole numbers in -2..2 and every
    power of 3 is 1, 1/3, 1/9, 1/27 or 1/81. Each anchor's own positive is its strict
    best match (the sheet teaches the loss, not a tie-break).
    """
    def draw(rng, k):
        return rng.choice([-1.0, 1.0], size=(2, k, 4, 3))

    def accept(A, P):
        own, strict = _own_best(_cosines(A, P))
        return own & strict

    A, P = _pick(np.random.default_rng(seed), draw, accept)
    return {"A": A, "P": P, "temperature": 0.5, "base": 3}


def mrl_columns(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """``k`` stacks of ``n`` 8-d integer columns whose widths 2, 4, 8 have whole lengths.

    Length 1 or 2 at width 2, 3 at width 4, 5 at width 8: (1,0 | 2,2 | ...) or
    (2,0 | 1,2 | ...), then a last four of length 4 such as (2,2,2,2) or (0,4,0,0).
    """
    sign = lambda *shape: rng.choice([-1.0, 1.0], size=shape)  # noqa: E731
    v = np.zeros((k, n, 8))                          # one row per column until the end
    short = rng.random((k, n, 1)) < 0.5              # first two of length 1, else 2
    first = np.where(rng.random((k, n, 1)) < 0.5, [1.0, 0.0], [0.0, 1.0])
    v[..., :2] = first * np.where(short, 1, 2) * sign(k, n, 1)
    swap = rng.random((k, n, 1)) < 0.5
    v[..., 2:4] = np.where(short, 2, np.where(swap, [2.0, 1.0], [1.0, 2.0])) * sign(k, n, 2)
    spread = rng.random((k, n, 1)) < 0.5             # last four (2,2,2,2) or a single 4
    one = np.eye(4)[rng.integers(4, size=(k, n))] * 4
    v[..., 4:] = np.where(spread, 2.0, one) * sign(k, n, 4)
    return np.swapaxes(v, -1, -2) + 0.0              # (k, 8, n); + 0.0 turns -0.0 into 0.0


def mrl(seed: int) -> dict:
    """Three pairs of 8-d vectors with whole lengths at widths 8, 4 and 2.

    At width 8 every anchor's own positive is its strict best match, at width 2 at
    least one is not: the ranking changes as the embedding is truncated.
    """
    def draw(rng, k):
        return mrl_columns(rng, k, 3), mrl_columns(rng, k, 3)

    def accept(A, P):
        own8, strict8 = _own_best(_cosines(A, P))
        _, strict4 = _own_best(_cosines(A[:, :4], P[:, :4]))
        own2, strict2 = _own_best(_cosines(A[:, :2], P[:, :2]))
        return own8 & strict8 & strict4 & strict2 & ~own2

    A, P = _pick(np.random.default_rng(seed), draw, accept)
    return {"A": A, "P": P, "dims": np.array([8, 4, 2]), "weights": np.ones(3),
            "temperature": 1.0, "base": 3}
