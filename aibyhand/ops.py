"""The two pieces of math several worksheets share: L2 normalisation and softmax in base b.

Each forward helper writes its steps into the caller's :class:`~aibyhand.steps.Steps`
(so the printout reads like the worksheet, formulas included) and each backward helper
is the matching chain rule, written once.
"""

from __future__ import annotations

import math
import weakref

import numpy as np

from .steps import Steps


# -- memory for large results ----------------------------------------------------------

class _Block:
    """Recycled memory for one array. Every view of an array made on it keeps the block
    alive (NumPy's chain of bases stops here); when the last view is gone, the memory goes
    back on :data:`_FREE` for the next result of its size, not back to the system."""

    def __init__(self, raw: np.ndarray, shape: tuple[int, ...]):
        self.__array_interface__ = {"data": (raw.ctypes.data, False), "shape": shape,
                                    "typestr": "<f8", "version": 3}
        self._raw = raw


_FREE: dict[int, list[np.ndarray]] = {}   # bytes -> raw memory no array uses
_KEEP = 512 << 20                        # at most this much waits for reuse
_kept = [0]
LARGE = 1 << 17                          # results from this size on are recycled (glibc maps them)


def _release(raw: np.ndarray) -> None:
    if _kept[0] + raw.nbytes <= _KEEP:
        _FREE.setdefault(raw.nbytes, []).append(raw)
        _kept[0] += raw.nbytes


def fresh(shape) -> np.ndarray:
    """An uninitialised float64 array of ``shape`` for a result, on recycled memory when
    it is large.

    Why: memory new to the process costs a page fault at its first write (4 KiB at a
    time), and glibc hands large freed blocks straight back to the system. One head step
    at EmbeddingGemma's size writes about 100 MB of results, and in a loop the next step
    would fault on all of it again; reusing the memory of results nobody holds any more
    saves that, in any process, with no setting. The array behaves as any other; its
    memory is reused only once no view of it is left.
    """
    shape = tuple(int(n) for n in shape)
    nbytes = 8 * math.prod(shape)
    if nbytes < LARGE:
        return np.empty(shape)
    free = _FREE.get(nbytes)
    if free:
        raw = free.pop()
        _kept[0] -= nbytes
    else:
        raw = np.empty(nbytes, dtype=np.uint8)
    block = _Block(raw, shape)
    weakref.finalize(block, _release, raw).atexit = False
    return np.asarray(block)


def matmul(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``a @ b`` of two matrices, into :func:`fresh` memory."""
    return np.matmul(a, b, out=fresh((a.shape[0], b.shape[1])))


def divide(a: np.ndarray, b) -> np.ndarray:
    """``a / b`` (``b`` broadcast, as a row of lengths), into :func:`fresh` memory."""
    return np.divide(a, b, out=fresh(np.broadcast_shapes(a.shape, np.shape(b))))


def zeros(shape) -> np.ndarray:
    """Zeros of ``shape``, in :func:`fresh` memory."""
    out = fresh(shape)
    out.fill(0.0)
    return out


def columns(*blocks: np.ndarray) -> np.ndarray:
    """``[A | B | ...]``: matrices side by side, into :func:`fresh` memory."""
    out = fresh((blocks[0].shape[0], sum(b.shape[1] for b in blocks)))
    return np.concatenate(blocks, axis=1, out=out)


def sgd(W: np.ndarray, grad: np.ndarray, lr: float) -> np.ndarray:
    """``W - lr grad`` into :func:`fresh` memory (no temporary of W's size)."""
    out = np.multiply(grad, -lr, out=fresh(W.shape))
    out += W
    return out


def base_name(base: float) -> str:
    """How a formula writes the base: ``e``, ``3``, ``2.5`` (every digit kept)."""
    if base == math.e:
        return "e"
    return np.format_float_positional(float(base), trim="-")


def log_name(base: float) -> str:
    """How a formula writes log base b: ``ln``, ``log_3``."""
    return "ln" if base == math.e else f"log_{base_name(base)}"


def lengths(X: np.ndarray) -> np.ndarray:
    """Euclidean length of every column, (1, B), without overflow or underflow on the way
    (inf only where the length itself exceeds float64)."""
    with np.errstate(over="ignore"):  # an overflow is caught and redone just below
        n = np.sqrt(np.einsum("ij,ij->j", X, X))[None, :]
        if n.max() > 1e150 or n.min() < 1e-150:  # squares may have overflowed or underflowed
            n = np.hypot.reduce(X, axis=0, keepdims=True)
    return n


def norms(s: Steps, X: np.ndarray, norm: str, *, x: str, what: str | None = None,
          cols=None) -> np.ndarray:
    """The length of every column of ``X`` (1 x B), recorded; a zero or overlong column
    is an error naming ``what`` (the user's argument; ``x``, its formula, by default)."""
    what = what or x
    n = s.add(norm, lengths(X), f"norm({x})", note="length of each column", cols=cols)  # (1, B)
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
    return n


def normalize(s: Steps, X: np.ndarray, norm: str, unit: str, *, x: str, what: str | None = None,
              cols=None, note: str = "") -> np.ndarray:
    """Unit columns ``X / |X|``; records the lengths (1 x B) and the unit vectors.

    ``x`` is the formula of ``X`` (a step's name, or ``E[:4]``); ``what`` names the
    user's argument in the error for a zero or overlong column (``x`` by default).
    """
    n = norms(s, X, norm, x=x, what=what, cols=cols)                                # (1, B)
    return s.add(unit, X / n, f"{x} / {norm.rsplit(' / ', 1)[-1]}", note=note, cols=cols)  # (d, B)


def normalize_backward(g: Steps, s: Steps, unit: str, norm: str, d_unit: str, along: str,
                       out: str, *, cols=None, dots: np.ndarray | None = None,
                       lengths: np.ndarray | None = None) -> np.ndarray:
    """Through ``y = x / |x|``: ``dx = (dy - y (y . dy)) / |x|``, column by column.

    ``s`` holds ``unit`` and the lengths ``norm`` (or pass them as ``lengths``); ``g``
    holds ``d_unit`` and receives ``along`` (1 x B: how much of each column of ``dy``
    points along ``y``) and ``out``. ``dots``: those column sums, when the caller has a
    cheaper way to them.
    """
    lengths_ = s[norm] if lengths is None else lengths
    y, dy = s[unit], g[d_unit]
    dots = np.einsum("ij,ij->j", y, dy) if dots is None else dots
    yg = g.add(along, dots[None, :], f"colsum({unit} * {d_unit})",
               note=f"the part of {d_unit} along {unit}", cols=cols)  # (1, B)
    dx = np.multiply(y, -yg, out=fresh(y.shape))                      # dy - y yg, in place
    dx += dy
    dx /= lengths_
    return g.add(out, dx, f"({d_unit} - {unit} * {along}) / {norm}", cols=cols)  # (d, B)


def softmax(s: Steps, L: np.ndarray, base: float, *, axis: int, of: str,
            names=("max", "pow", "sum", "prob"), scale: str = "", rows=None, cols=None,
            blocks=None) -> np.ndarray:
    """Softmax in base ``b`` along ``axis``: ``b^(L - max) / sum``; ``of`` names ``L``.

    ``scale``: a divisor written into the power (``"temperature"``: ``b^((L - max) / T)``,
    the softmax of ``L / T`` without a step of its own). Subtracting the max changes
    nothing in the result and keeps every power <= 1, so nothing can overflow.
    """
    by_row = axis % L.ndim == L.ndim - 1
    along = "row" if by_row else "col"
    # a max or sum of each row keeps the row labels; of each column, the column labels
    keep = dict(rows=rows if by_row else None, cols=None if by_row else cols, blocks=blocks)
    every = dict(rows=rows, cols=cols, blocks=blocks)
    mx, pw, total, prob = names
    b = base_name(base)
    m = s.add(mx, L.max(axis=axis, keepdims=True), f"{along}max({of})", **keep)
    exponent = f"({of} - {mx}) / {scale}" if scale else f"{of} - {mx}"
    divisor = s.meta[scale] if scale else 1.0
    e = s.add(pw, np.exp((L - m) * (math.log(base) / divisor)), f"{b}^({exponent})", **every)  # b^x
    z = s.add(total, e.sum(axis=axis, keepdims=True), f"{along}sum({pw})", **keep)
    return s.add(prob, e / z, f"{pw} / {total}", **every)


def softmax_backward(prob: np.ndarray, d_prob: np.ndarray, base: float, axis: int) -> np.ndarray:
    """Through ``p = softmax(L ln b)`` along ``axis``: ``dL = ln b * p * (dp - sum(p dp))``."""
    return math.log(base) * prob * (d_prob - (prob * d_prob).sum(axis=axis, keepdims=True))
