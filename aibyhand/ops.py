"""The two pieces of math several worksheets share: L2 normalisation and softmax in base b.

Each forward helper writes its steps into the caller's :class:`~aibyhand.steps.Steps`
(so the printout reads like the worksheet) and each backward helper is the matching
chain rule, written once.
"""

from __future__ import annotations

import math

import numpy as np

from .steps import Steps


def base_name(base: float) -> str:
    """How a worksheet writes the base: ``e``, ``3``, ``2.5``."""
    return "e" if base == math.e else f"{base:g}"


def lengths(X: np.ndarray) -> np.ndarray:
    """Euclidean length of every column, (1, B), without overflow or underflow on the way
    (inf only where the length itself exceeds float64)."""
    with np.errstate(over="ignore"):  # an overflow is caught and redone just below
        n = np.sqrt(np.einsum("ij,ij->j", X, X))[None, :]
        if n.max() > 1e150 or n.min() < 1e-150:  # squares may have overflowed or underflowed
            n = np.hypot.reduce(X, axis=0, keepdims=True)
    return n


def normalize(s: Steps, X: np.ndarray, norm: str, unit: str, *, what: str,
              cols=None) -> np.ndarray:
    """Unit columns ``X / |X|``; records the norms (1 x B) and the unit vectors.

    ``what`` names the argument in the error for a zero column.
    """
    n = s.add(norm, lengths(X), f"length of each column of {what}", cols=cols)  # (1, B)
    # below float64's smallest normal number, 1 / |x| in the gradient is already infinite
    short = np.flatnonzero(n[0] < np.finfo(np.float64).tiny)
    if short.size:
        j = int(short[0])
        got = "the zero vector" if n[0, j] == 0 else f"a vector of length {n[0, j]:.3g}"
        where = f"{j} ({cols[j]})" if cols is not None else str(j)
        raise ValueError(f"{what}: expected non-zero columns to normalise, got {got} in column {where}")
    if not np.isfinite(n).all():
        j = int(np.flatnonzero(~np.isfinite(n[0]))[0])
        where = f"{j} ({cols[j]})" if cols is not None else str(j)
        raise ValueError(f"{what}: expected columns whose length fits in float64, got a longer one "
                         f"in column {where}")
    return s.add(unit, X / n, f"{what} / {norm.rsplit(' / ', 1)[-1]}", cols=cols)  # (d, B)


def normalize_backward(g: Steps, s: Steps, unit: str, norm: str, d_unit: str, dot: str,
                       out: str, *, cols=None, dots: np.ndarray | None = None) -> np.ndarray:
    """Through ``y = x / |x|``: ``dx = (dy - y (y . dy)) / |x|``, column by column.

    ``s`` holds the forward's ``unit`` and ``norm``; ``g`` holds ``d_unit`` and receives
    ``dot`` (1 x B) and ``out``. ``dots``: the column sums of ``y * dy`` when the caller
    has a cheaper way to them.
    """
    y, dy = s[unit], g[d_unit]
    dots = np.einsum("ij,ij->j", y, dy) if dots is None else dots
    yg = g.add(dot, dots[None, :], f"column sums of {unit} * {d_unit}", cols=cols)  # (1, B)
    # dy - y yg, written so NumPy builds the result in one temporary (no fresh array per step)
    return g.add(out, (y * -yg + dy) / s[norm], f"({d_unit} - {unit} {dot}) / {norm}", cols=cols)  # (d, B)


def softmax(s: Steps, L: np.ndarray, base: float, *, axis: int, names=("max", "E", "Z", "prob"),
            of: str = "L", rows=None, cols=None, blocks=None) -> np.ndarray:
    """Softmax in base ``b`` along ``axis``: ``b^(L - max) / sum``; ``of`` names ``L``.

    Subtracting the max changes nothing in the result and keeps every power <= 1,
    so no base or temperature can overflow it.
    """
    by_row = axis % L.ndim == L.ndim - 1
    along = "row" if by_row else "column"
    # a max or sum of each row keeps the row labels; of each column, the column labels
    keep = dict(rows=rows if by_row else None, cols=None if by_row else cols, blocks=blocks)
    every = dict(rows=rows, cols=cols, blocks=blocks)
    mx, E, Z, prob = names
    m = s.add(mx, L.max(axis=axis, keepdims=True), f"max of each {along} of {of}", **keep)
    e = s.add(E, np.exp((L - m) * math.log(base)), f"{base_name(base)}^({of} - {mx})", **every)  # b^x
    z = s.add(Z, e.sum(axis=axis, keepdims=True), f"sum of each {along} of {E}", **keep)
    return s.add(prob, e / z, f"{E} / {Z}", **every)


def softmax_backward(prob: np.ndarray, d_prob: np.ndarray, base: float, axis: int) -> np.ndarray:
    """Through ``p = softmax(L ln b)`` along ``axis``: ``dL = ln b * p * (dp - sum(p dp))``."""
    return math.log(base) * prob * (d_prob - (prob * d_prob).sum(axis=axis, keepdims=True))
