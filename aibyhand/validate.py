"""Argument checks shared by every public function.

Each raises ``TypeError`` or ``ValueError`` with a message that names the argument,
says what was expected and what came, so bad input never reaches NumPy as a
broadcasting error or leaves as a silent NaN.
"""

from __future__ import annotations

import functools
import math
import numbers
from collections.abc import Mapping, Sequence

import numpy as np

MAX_BATCH = 4096   # pairs in one batch: a B x B matrix of 2^24 entries (128 MB of float64)


def array(name: str, x, *, ndim: int | None = 2, what: str = "", finite: bool = True) -> np.ndarray:
    """``x`` as a finite, row-major float64 array (the same array when it already is one).

    ``what`` describes the expected shape in the message, e.g. ``"(d, B)"``.
    ``finite=False`` leaves NaN and infinity to a later :func:`finite_from`.
    """
    what = f" {what}" if what else ""
    if isinstance(x, (str, bytes)) or x is None:
        raise TypeError(f"{name}: expected a numeric array{what}, got {type(x).__name__}")
    if isinstance(x, np.ma.MaskedArray) and np.ma.getmaskarray(x).any():
        raise TypeError(f"{name}: expected a plain array{what}, got a masked array with masked "
                        f"entries (fill or drop them first)")
    try:
        arr = np.asarray(x)
    except ValueError:  # ragged nested lists
        raise ValueError(f"{name}: expected a numeric array{what}, got a ragged "
                         f"sequence") from None
    if arr.dtype.kind not in "biuf":
        raise TypeError(f"{name}: expected a numeric array{what}, got dtype {arr.dtype}")
    if arr.dtype.kind == "f" and arr.dtype.itemsize > 8:
        with np.errstate(over="ignore"):  # float128 and the like: what overflows is checked below
            arr = arr.astype(np.float64)
    if ndim is not None and arr.ndim != ndim:
        raise ValueError(f"{name}: expected a {ndim}-D array{what}, got shape {arr.shape}")
    if arr.size == 0:
        raise ValueError(f"{name}: expected a non-empty array{what}, got shape {arr.shape}")
    # row-major float64 (a copy only when it is not already): strided views slow every step
    arr = np.ascontiguousarray(arr, dtype=np.float64)
    if finite:
        all_finite(name, arr)
    return arr


def all_finite(name: str, arr: np.ndarray) -> None:
    """Reject NaN and infinity, naming the first bad position."""
    # one cheap reduction first: a finite sum proves every entry finite (an overflowing
    # sum of finite numbers only sends us to the exact check)
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(float(np.add.reduce(arr, axis=None))):
            return
    bad = ~np.isfinite(arr)
    if bad.any():
        where = tuple(int(i) for i in np.argwhere(bad)[0])
        raise ValueError(f"{name}: expected finite numbers, got {arr[where]} at index "
                         f"{where if len(where) != 1 else where[0]}")


def overflow_checked(fn):
    """For a function that checks every result it computes with :func:`finite_from`: an
    overflow on the way is reported once, by that check's one-line error, not also by
    NumPy's RuntimeWarning."""
    @functools.wraps(fn)
    def run(*args, **kwargs):
        with np.errstate(over="ignore", invalid="ignore"):
            return fn(*args, **kwargs)
    return run


def finite_from(result: np.ndarray, what: str, inputs: dict) -> None:
    """After a product: NaN or inf in any input makes ``result`` non-finite, so a result
    that is finite clears them all at the cost of one small check; otherwise name the
    input that is to blame (or the overflow, when every input is finite)."""
    with np.errstate(over="ignore", invalid="ignore"):
        if math.isfinite(float(np.add.reduce(result, axis=None))):
            return
    for name, x in inputs.items():
        all_finite(name, x)
    if not np.isfinite(result).all():
        raise ValueError(f"{', '.join(inputs)}: expected values whose products stay finite, got "
                         f"an overflow in {what}")


def batch(name: str, B: int, what: str = "pairs") -> None:
    """At most MAX_BATCH columns: every pair is scored against every other, B x B."""
    if B > MAX_BATCH:
        raise ValueError(f"{name}: {B:,} {what} in one batch make {B:,} x {B:,} matrices; expected at "
                         f"most {MAX_BATCH:,} columns")


def same_shape(name: str, x: np.ndarray, other_name: str, other: np.ndarray) -> None:
    if x.shape != other.shape:
        raise ValueError(f"{name}: expected the shape of {other_name} {other.shape}, "
                         f"got {x.shape}")


def shape(name: str, x: np.ndarray, expected: tuple, what: str = "") -> None:
    """``expected`` holds ints, or None for "any"."""
    if x.ndim != len(expected) or any(e is not None and e != n for e, n in zip(expected, x.shape)):
        exp = "(" + ", ".join("any" if e is None else str(e) for e in expected) + ")"
        raise ValueError(f"{name}: expected shape {exp}{' ' + what if what else ''}, got "
                         f"{x.shape}")


def number(name: str, x) -> float:
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Real):
        raise TypeError(f"{name}: expected a real number, got {type(x).__name__} {_short(x)}")
    try:
        x = float(x)
    except OverflowError:
        raise ValueError(f"{name}: expected a finite number, got one beyond float64's range") from None
    if not math.isfinite(x):
        raise ValueError(f"{name}: expected a finite number, got {x}")
    return x


def _short(x) -> str:
    """``repr(x)`` on one line, at most 40 characters (an array's repr has line breaks)."""
    try:
        text = " ".join(repr(x).split())
    except Exception:  # noqa: BLE001  a repr that fails still gets a message
        text = f"<{type(x).__name__}>"
    return text if len(text) <= 40 else text[:37] + "..."


def scale(name: str, x, what: str) -> float:
    """A positive divisor (a temperature) whose reciprocal still fits float64."""
    x = positive(name, x)
    if not math.isfinite(1.0 / x):
        raise ValueError(f"{name}: {x:g} makes the {what} overflow; expected a number >= "
                         f"{np.finfo(np.float64).tiny:g}")
    return x


def positive(name: str, x) -> float:
    x = number(name, x)
    if x <= 0:
        raise ValueError(f"{name}: expected a number > 0, got {x:g}")
    return x


def base(name: str, x) -> float:
    x = number(name, x)
    if x <= 1:
        raise ValueError(f"{name}: expected a number > 1 (e for natural softmax, 3 for the "
                         f"hand worksheets), got {x:g}")
    return x


def text(name: str, x, what: str = "") -> str:
    """One string (not bytes, not a list of strings)."""
    if not isinstance(x, str):
        raise TypeError(f"{name}: expected a string{' (' + what + ')' if what else ''}, got "
                        f"{type(x).__name__} {_short(x)}")
    return x


def boolean(name: str, x) -> bool:
    """True or False only: a string such as "False" is an error, not a true value."""
    if not isinstance(x, (bool, np.bool_)):
        raise TypeError(f"{name}: expected True or False, got {type(x).__name__} {_short(x)}")
    return bool(x)


def integer(name: str, x, *, minimum: int | None = None, maximum: int | None = None) -> int:
    """An integer (not a bool, not a float that happens to be whole) in the bounds given."""
    if isinstance(x, (bool, np.bool_)) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name}: expected an integer, got {type(x).__name__} {_short(x)}")
    x = int(x)
    if (minimum is not None and x < minimum) or (maximum is not None and x > maximum):
        shown = x if abs(x) < 10**40 else f"an integer of {len(str(abs(x)))} digits" \
            if abs(x) < 10**4000 else "an integer of more than 4000 digits"
        if maximum is None:
            raise ValueError(f"{name}: expected an integer >= {minimum}, got {shown}")
        if minimum is None:
            raise ValueError(f"{name}: expected an integer <= {maximum:,}, got {shown}")
        raise ValueError(f"{name}: expected an integer from {minimum:,} to {maximum:,}, got {shown}")
    return x


def one_of(name: str, x, allowed: Sequence[str]) -> str:
    """One of the strings ``allowed`` (never compared as an array)."""
    if not isinstance(x, str) or x not in allowed:
        raise ValueError(f"{name}: expected one of {', '.join(allowed)}, got {_short(x)}")
    return x


def dims(name: str, x, width: int) -> tuple[int, ...]:
    """Matryoshka widths: non-empty, positive, distinct, at most ``width``; in the given order."""
    if isinstance(x, (str, bytes, numbers.Number)) or not isinstance(x, (Sequence, np.ndarray)) \
            or (isinstance(x, np.ndarray) and x.ndim != 1):
        raise TypeError(f"{name}: expected a sequence of integers such as (8, 4, 2), got "
                        f"{type(x).__name__} {_short(x)}")
    values = [integer(f"{name}[{i}]", v) for i, v in enumerate(x)]
    if not values:
        raise ValueError(f"{name}: expected at least one width, got an empty sequence")
    if len(set(values)) != len(values):
        raise ValueError(f"{name}: expected distinct widths, got {tuple(values)}")
    if min(values) <= 0:
        raise ValueError(f"{name}: expected positive widths, got {tuple(values)}")
    if max(values) > width:
        raise ValueError(f"{name}: expected widths <= the embedding width {width}, got "
                         f"{tuple(values)}")
    return tuple(values)


def weights(name: str, x, n: int) -> np.ndarray:
    if x is None:
        return np.ones(n)
    if isinstance(x, (str, bytes, numbers.Number)):
        raise TypeError(f"{name}: expected a sequence of {n} numbers, got {type(x).__name__} {_short(x)}")
    w = array(name, x, ndim=1, what=f"of {n} numbers")
    if w.shape != (n,):
        raise ValueError(f"{name}: expected {n} weights (one per width), got {w.shape[0]}")
    if (w < 0).any():
        raise ValueError(f"{name}: expected weights >= 0, got {tuple(w.tolist())}")
    return w


def choices(name: str, x, allowed: Sequence[str]) -> tuple[str, ...]:
    """A non-empty subset of ``allowed``, as a tuple in ``allowed``'s order."""
    if isinstance(x, str) or not isinstance(x, (Sequence, set, frozenset)):
        raise TypeError(f"{name}: expected a sequence of names from {', '.join(allowed)}, got "
                        f"{type(x).__name__} {_short(x)}")
    bad = [v for v in x if not isinstance(v, str) or v not in allowed]
    if bad or not x:
        raise ValueError(f"{name}: expected one or more of {', '.join(allowed)}, got {_short(tuple(x))}")
    return tuple(v for v in allowed if v in x)


def steps(name: str, s, required: Sequence[str], made_by: str):
    """A backward's argument must be the Steps its forward returned."""
    if not isinstance(s, Mapping) or not hasattr(s, "meta"):
        raise TypeError(f"{name}: expected the Steps returned by {made_by}, got "
                        f"{type(s).__name__}")
    missing = [k for k in required if k not in s]
    if missing:
        raise ValueError(f"{name}: expected the Steps returned by {made_by}; missing "
                         f"{', '.join(missing)}")
    return s
