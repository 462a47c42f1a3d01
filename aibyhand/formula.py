r"""Formulas: the one description of how each step is computed from earlier steps.

Every step a worksheet computes carries its formula as the sheet writes it, e.g.
``A_hat^T P_hat``, ``3^(logits - max)``, ``(prob - I) / 3``. This module reads such a
formula against the names of the earlier steps and evaluates it, so the printer, the
sheets, the answer checker and the interactive page all use the same description, and a
test can hold every formula to the value the NumPy code computed.

The language, in one paragraph: names of earlier steps (the longest that matches, so
``|A|``, ``m=4 / dA`` and ``A_hat`` are single names; a step under a prefix sees its
level's names first) and of numeric settings (``temperature``, ``lr``); numbers; ``I``
the identity; ``A B`` (juxtaposition) the matrix product, or a scalar times a matrix;
``*`` and ``/`` elementwise with NumPy broadcasting; ``+``, ``-``; ``X^T`` transpose;
``3^(x)`` and ``e^(x)`` powers, ``x^2``; ``X[:m]`` the first m rows, ``X[:, a:b]``
columns, ``X[:, -1]`` the last column; ``[A | B]`` columns side by side; and the
functions in :data:`FUNCTIONS`: ``norm`` (length of each column), ``rowsum``,
``colsum``, ``rowmax``, ``colmax``, ``rowmean``, ``sumall``, ``mean``, ``diag`` (as a
column), ``sqrt``, ``relu``, ``positive`` (1 where x > 0, else 0: ReLU's slope, 0 at 0),
``log_3`` (any ``log_b``) and ``ln``, ``pad(X, n)`` and ``padcols(X, n)`` (zero rows or
columns up to n), ``repeat(x, n)`` (a column n times), ``atlast(x, n)`` (a column in the
last of n zero columns), ``lookup(E, ids)`` (the columns of E at the ids in the first row
of ``ids``), ``scatter(X, ids, n)`` (its reverse: X's columns added into n columns),
``argmax`` (row index of each column's largest entry, the first on a tie), ``rank``.

Values are 2-D arrays (rows x columns) or 0-d numbers. :func:`evaluate` computes a
formula; :func:`enclose` computes an interval guaranteed to hold the formula's value
for every choice of inputs inside the given intervals (the checker's "what rounding of
your inputs allows").
"""

from __future__ import annotations

import math
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from functools import lru_cache

import numpy as np

__all__ = ["FormulaError", "Formula", "parse", "evaluate", "enclose", "FUNCTIONS", "names_in"]


class FormulaError(ValueError):
    """A formula that does not read, or names a step that is not there before it."""


# function name -> number of arguments (the second argument of pad and log_b is a number)
FUNCTIONS = {"norm": 1, "rowsum": 1, "colsum": 1, "rowmax": 1, "colmax": 1, "rowmean": 1,
             "sumall": 1, "mean": 1, "diag": 1, "sqrt": 1, "relu": 1, "positive": 1, "ln": 1,
             "pad": 2, "padcols": 2, "repeat": 2, "atlast": 2, "lookup": 2, "scatter": 3,
             "argmax": 1, "rank": 1}
_LOG = re.compile(r"log_(\d+(?:\.\d+)?|e)")
_IDENT = re.compile(r"[A-Za-z0-9_]")
_NUMBER = re.compile(r"\d+(?:\.\d+)?")


@dataclass(frozen=True)
class Formula:
    """A parsed formula: its text, its tree and the steps it uses (in order of use)."""

    text: str
    tree: tuple
    uses: tuple[str, ...]

    def to_json(self):
        return _json(self.tree)


def _json(node):
    return [_json(x) if isinstance(x, tuple) else x for x in node]


# -- reading ---------------------------------------------------------------------------

def _tokens(text: str, names: Mapping[str, str]) -> list[tuple[str, object]]:
    """Split ``text`` into (kind, value) tokens; ``names`` maps each readable name to the
    full step name it stands for."""
    ordered = sorted(names, key=len, reverse=True)
    out, i = [], 0
    while i < len(text):
        c = text[i]
        if c.isspace():
            i += 1
            continue
        name = next((n for n in ordered if text.startswith(n, i)
                     and not (i + len(n) < len(text) and _IDENT.match(text[i + len(n)])
                              and _IDENT.match(n[-1]))), None)
        if name is not None:
            out.append(("name", names[name]))
            i += len(name)
            continue
        if text.startswith("^T", i) and not (i + 2 < len(text) and _IDENT.match(text[i + 2])):
            out.append(("op", "^T"))
            i += 2
            continue
        m = _LOG.match(text, i)
        if m:
            out.append(("log", math.e if m[1] == "e" else float(m[1])))
            i = m.end()
            continue
        m = _NUMBER.match(text, i)
        if m:
            out.append(("num", float(m[0])))
            i = m.end()
            continue
        m = re.compile(r"[A-Za-z_]\w*").match(text, i)
        if m:
            word = m[0]
            if word in FUNCTIONS:
                out.append(("func", word))
            elif word in ("I", "e"):
                out.append(("const", word))
            else:
                raise FormulaError(f"{text!r}: {word!r} is not a step before this one")
            i = m.end()
            continue
        if c in "+-*/()[],:|^":
            out.append(("op", c))
            i += 1
            continue
        raise FormulaError(f"{text!r}: unexpected {c!r}")
    return out


class _Parser:
    def __init__(self, text: str, tokens):
        self.text, self.toks, self.i = text, tokens, 0

    def peek(self, k: int = 0):
        j = self.i + k
        return self.toks[j] if j < len(self.toks) else ("end", None)

    def take(self, kind=None, value=None):
        tok = self.peek()
        if (kind and tok[0] != kind) or (value is not None and tok[1] != value):
            want = value if value is not None else kind
            raise FormulaError(f"{self.text!r}: expected {want!r}, got {tok[1]!r}")
        self.i += 1
        return tok

    def at(self, kind, value=None) -> bool:
        tok = self.peek()
        return tok[0] == kind and (value is None or tok[1] == value)

    def expr(self):
        node = self.term()
        while self.at("op", "+") or self.at("op", "-"):
            op = self.take()[1]
            node = ("add" if op == "+" else "sub", node, self.term())
        return node

    def _starts_primary(self) -> bool:
        kind, value = self.peek()
        return kind in ("name", "num", "func", "log", "const") or (kind == "op" and value == "(")

    def term(self):
        node = self.unary()
        while True:
            if self.at("op", "*") or self.at("op", "/"):
                op = self.take()[1]
                node = ("mul" if op == "*" else "div", node, self.unary())
            elif self._starts_primary():
                node = ("matmul", node, self.unary())
            else:
                return node

    def unary(self):
        if self.at("op", "-"):
            self.take()
            return ("neg", self.unary())
        return self.power()

    def power(self):
        node = self.postfix()
        if self.at("op", "^"):
            self.take()
            if self.at("op", "("):
                self.take()
                exponent = self.expr()
                self.take("op", ")")
            else:
                exponent = self.postfix()
            if node[0] == "num" or node == ("const", "e"):
                base = math.e if node == ("const", "e") else node[1]
                return ("exp", base, exponent)
            if exponent[0] != "num":
                raise FormulaError(f"{self.text!r}: a power of a matrix needs a number exponent")
            return ("power", node, exponent[1])
        return node

    def postfix(self):
        node = self.primary()
        while True:
            if self.at("op", "^T"):
                self.take()
                node = ("T", node)
            elif self.at("op", "[") and node[0] in ("name", "T", "slice"):
                self.take()
                rows = self.span()
                cols = None
                if self.at("op", ","):
                    self.take()
                    cols = self.span()
                self.take("op", "]")
                node = ("slice", node, rows, cols)
            else:
                return node

    def integer(self):
        sign = -1 if self.at("op", "-") else 1
        if sign < 0:
            self.take()
        value = self.take("num")[1]
        if value != int(value):
            raise FormulaError(f"{self.text!r}: an index must be whole, got {value}")
        return sign * int(value)

    def span(self):
        """``:m``, ``a:b``, ``:``, ``k`` (one row or column, kept 2-D) -> (start, stop)."""
        start = stop = None
        if not self.at("op", ":"):
            start = self.integer()
            if not self.at("op", ":"):
                return (start, start + 1 if start != -1 else None)
        self.take("op", ":")
        if not (self.at("op", ",") or self.at("op", "]")):
            stop = self.integer()
        return (start, stop)

    def primary(self):
        kind, value = self.peek()
        if kind == "num":
            self.take()
            return ("num", value)
        if kind == "name":
            self.take()
            return ("name", value)
        if kind == "const":
            self.take()
            return ("I",) if value == "I" else ("num", math.e)
        if kind in ("func", "log"):
            self.take()
            self.take("op", "(")
            args = [self.expr()]
            while self.at("op", ","):
                self.take()
                args.append(self.expr())
            self.take("op", ")")
            if kind == "log":
                return ("log", value, args[0])
            if len(args) != FUNCTIONS[value]:
                raise FormulaError(f"{self.text!r}: {value} takes {FUNCTIONS[value]} argument(s)")
            return ("call", value, *args)
        if kind == "op" and value == "(":
            self.take()
            node = self.expr()
            self.take("op", ")")
            return node
        if kind == "op" and value == "[":
            self.take()
            parts = [self.expr()]
            while self.at("op", "|"):
                self.take()
                parts.append(self.expr())
            self.take("op", "]")
            return ("cat", *parts)
        raise FormulaError(f"{self.text!r}: unexpected {value!r}")


def scope(full_name: str, earlier: Iterable[str], settings: Iterable[str] = ()) -> dict[str, str]:
    """Readable name -> full step name, for a formula of step ``full_name``.

    Within ``"m=4 / dA"`` the name ``S`` means ``m=4 / S`` if there is one, else ``S``;
    full names always work.
    """
    levels = full_name.split(" / ")[:-1]
    prefixes = [" / ".join(levels[:k]) + " / " for k in range(len(levels), 0, -1)]
    names = {s: s for s in settings}
    for name in earlier:
        names[name] = name
    for prefix in reversed(prefixes):  # deeper levels overwrite shallower ones
        for name in earlier:
            if name.startswith(prefix):
                names[name[len(prefix):]] = name
    return names


def parse(text: str, names: Mapping[str, str]) -> Formula:
    """Read ``text``; ``names`` as :func:`scope` makes it."""
    return _parse(text, tuple(sorted(names.items())))


@lru_cache(maxsize=4096)
def _parse(text: str, names: tuple) -> Formula:
    p = _Parser(text, _tokens(text, dict(names)))
    try:
        tree = p.expr()
    except RecursionError:
        raise FormulaError(f"{text[:40]!r}...: nested too deep") from None
    if p.peek()[0] != "end":
        raise FormulaError(f"{text!r}: unexpected {p.peek()[1]!r}")
    return Formula(text, tree, tuple(dict.fromkeys(names_in(tree))))


def names_in(tree) -> list[str]:
    if tree[0] == "name":
        return [tree[1]]
    return [n for x in tree[1:] if isinstance(x, tuple) for n in names_in(x)]


# -- evaluating ------------------------------------------------------------------------

def evaluate(tree, env: Mapping[str, np.ndarray]) -> np.ndarray:
    """The value of a formula, every named step looked up in ``env``."""
    lo, hi = _eval(tree, {k: (np.asarray(v, float), np.asarray(v, float)) for k, v in env.items()},
                   point=True)
    return lo


def enclose(tree, env: Mapping[str, tuple[np.ndarray, np.ndarray]]) -> tuple[np.ndarray, np.ndarray]:
    """``(low, high)``: bounds on the formula's value over all inputs within ``env``'s
    ``(low, high)`` intervals (interval arithmetic; matrix products by midpoint-radius)."""
    return _eval(tree, env, point=False)


def _shape_scalar(x: np.ndarray) -> bool:
    return x.ndim == 0 or x.size == 1


def _identity_like(other: np.ndarray) -> np.ndarray:
    n = other.shape[-1]
    return np.eye(n)


def _eval(node, env, point: bool):
    kind = node[0]
    if kind == "name":
        lo, hi = env[node[1]]
        return np.asarray(lo, float), np.asarray(hi, float)
    if kind == "num":
        v = np.array(node[1], float)
        return v, v
    if kind == "I":
        return None, None  # resolved by the binary operation it sits in
    if kind in ("add", "sub", "mul", "div", "matmul"):
        a = _eval(node[1], env, point)
        b = _eval(node[2], env, point)
        if a[0] is None:
            a = (_identity_like(b[0]),) * 2
        if b[0] is None:
            b = (_identity_like(a[0]),) * 2
        return _BINARY[kind](a, b, point)
    if kind == "neg":
        lo, hi = _eval(node[1], env, point)
        return -hi, -lo
    if kind == "T":
        lo, hi = _eval(node[1], env, point)
        return np.swapaxes(np.atleast_2d(lo), -1, -2), np.swapaxes(np.atleast_2d(hi), -1, -2)
    if kind == "exp":
        lo, hi = _eval(node[2], env, point)
        with np.errstate(over="ignore"):
            f = math.log(node[1])
            return np.exp(lo * f), np.exp(hi * f)
    if kind == "power":
        lo, hi = _eval(node[1], env, point)
        k = node[2]
        if point or k != 2:
            return lo**k, hi**k
        return _square(lo, hi)
    if kind == "log":
        lo, hi = _eval(node[2], env, point)
        f = math.log(node[1])
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.maximum(lo, 0)) / f, np.log(np.maximum(hi, 0)) / f
    if kind == "slice":
        lo, hi = _eval(node[1], env, point)
        index = _index(node[2], node[3])
        return np.atleast_2d(lo)[index], np.atleast_2d(hi)[index]
    if kind == "cat":
        parts = [_eval(x, env, point) for x in node[1:]]
        return (np.concatenate([np.atleast_2d(p[0]) for p in parts], axis=-1),
                np.concatenate([np.atleast_2d(p[1]) for p in parts], axis=-1))
    if kind == "call":
        return _call(node, env, point)
    raise FormulaError(f"unknown node {kind!r}")


def _index(rows, cols):
    def sl(span):
        return slice(None) if span is None else slice(span[0], span[1])
    return (..., sl(rows), sl(cols))


def _square(lo, hi):
    a, b = lo * lo, hi * hi
    low = np.where((lo <= 0) & (hi >= 0), 0.0, np.minimum(a, b))
    return low, np.maximum(a, b)


def _add(a, b, point):
    return a[0] + b[0], a[1] + b[1]


def _sub(a, b, point):
    return a[0] - b[1], a[1] - b[0]


def _mul(a, b, point):
    if point:
        v = a[0] * b[0]
        return v, v
    c = np.stack(np.broadcast_arrays(a[0] * b[0], a[0] * b[1], a[1] * b[0], a[1] * b[1]))
    with np.errstate(invalid="ignore"):
        return np.nanmin(c, axis=0), np.nanmax(c, axis=0)


def _div(a, b, point):
    with np.errstate(divide="ignore", invalid="ignore"):
        if point:
            v = a[0] / b[0]
            return v, v
        c = np.stack(np.broadcast_arrays(a[0] / b[0], a[0] / b[1], a[1] / b[0], a[1] / b[1]))
        lo, hi = np.nanmin(c, axis=0), np.nanmax(c, axis=0)
    spans_zero = np.broadcast_to((b[0] <= 0) & (b[1] >= 0), lo.shape)
    return np.where(spans_zero, -np.inf, lo), np.where(spans_zero, np.inf, hi)


def _matmul(a, b, point):
    if _shape_scalar(a[0]) or _shape_scalar(b[0]):  # a number times a matrix
        s, m = (a, b) if _shape_scalar(a[0]) else (b, a)
        s = (s[0].reshape(()), s[1].reshape(()))
        return _mul(s, m, point)
    if point:
        v = a[0] @ b[0]
        return v, v
    am, ar = (a[0] + a[1]) / 2, (a[1] - a[0]) / 2
    bm, br = (b[0] + b[1]) / 2, (b[1] - b[0]) / 2
    with np.errstate(invalid="ignore"):
        cm = am @ bm
        cr = np.abs(am) @ br + ar @ np.abs(bm) + ar @ br
    # the midpoint product's own rounding
    cr = cr + 4 * np.finfo(float).eps * (np.abs(am) @ np.abs(bm))
    return cm - cr, cm + cr


_BINARY = {"add": _add, "sub": _sub, "mul": _mul, "div": _div, "matmul": _matmul}


def could_be_largest(lo, hi) -> np.ndarray:
    """Which rows could hold their column's largest entry, for entries between ``lo`` and
    ``hi``: those whose high end reaches the column's best low end."""
    lo, hi = np.atleast_2d(lo), np.atleast_2d(hi)
    return hi >= lo.max(axis=-2, keepdims=True)


def _call(node, env, point):
    name = node[1]
    if name in ("pad", "padcols", "repeat", "atlast"):
        lo, hi = (np.atleast_2d(x) for x in _eval(node[2], env, point))
        n = int(_eval(node[3], env, True)[0])
        axis = -2 if name == "pad" else -1
        extra = n - lo.shape[axis]
        if name == "repeat":
            return np.repeat(lo, n, axis=-1), np.repeat(hi, n, axis=-1)
        if name == "atlast":
            extra, width = n - 1, [(0, 0)] * (lo.ndim - 1) + [(n - 1, 0)]
            return np.pad(lo, width), np.pad(hi, width)
        if extra < 0:
            raise FormulaError(f"{name}: {lo.shape[axis]} is more than {n}")
        width = [(0, 0)] * lo.ndim
        width[axis] = (0, extra)
        return np.pad(lo, width), np.pad(hi, width)
    if name in ("lookup", "scatter"):
        lo, hi = (np.atleast_2d(x) for x in _eval(node[2], env, point))
        ids = np.atleast_2d(_eval(node[3], env, True)[0])[0].astype(int)
        if name == "lookup":
            return lo[..., ids], hi[..., ids]
        n = int(_eval(node[4], env, True)[0])
        out = [np.zeros(lo.shape[:-1] + (n,)) for _ in range(2)]
        for x, o in zip((lo, hi), out):
            np.add.at(np.moveaxis(o, -1, 0), ids, np.moveaxis(x, -1, 0))
        return out[0], out[1]
    lo, hi = _eval(node[2], env, point)
    lo2, hi2 = np.atleast_2d(lo), np.atleast_2d(hi)
    if name == "norm":
        sl, sh = _square(lo2, hi2) if not point else (lo2 * lo2, hi2 * hi2)
        return np.sqrt(sl.sum(axis=-2, keepdims=True)), np.sqrt(sh.sum(axis=-2, keepdims=True))
    if name in ("rowsum", "colsum", "rowmax", "colmax", "rowmean"):
        axis = -1 if name.startswith("row") else -2
        f = {"sum": np.sum, "max": np.max, "mean": np.mean}[name[3:]]
        return f(lo2, axis=axis, keepdims=True), f(hi2, axis=axis, keepdims=True)
    if name in ("sumall", "mean"):
        f = np.sum if name == "sumall" else np.mean
        return np.array(f(lo2)), np.array(f(hi2))
    if name == "diag":
        return (np.diagonal(lo2, axis1=-2, axis2=-1)[..., :, None],
                np.diagonal(hi2, axis1=-2, axis2=-1)[..., :, None])
    if name == "sqrt":
        return np.sqrt(np.maximum(lo, 0)), np.sqrt(np.maximum(hi, 0))
    if name == "relu":
        return np.maximum(lo, 0), np.maximum(hi, 0)
    if name == "positive":
        return (lo > 0).astype(float), (hi > 0).astype(float)
    if name == "ln":
        with np.errstate(divide="ignore", invalid="ignore"):
            return np.log(np.maximum(lo, 0)), np.log(np.maximum(hi, 0))
    if name == "argmax":
        if point:
            v = np.argmax(lo2, axis=-2)[..., None, :].astype(float)
            return v, v
        could = could_be_largest(lo2, hi2)
        rows = np.arange(lo2.shape[-2])[:, None]
        return (np.where(could, rows, np.inf).min(axis=-2, keepdims=True),
                np.where(could, rows, -np.inf).max(axis=-2, keepdims=True))
    if name == "rank":
        if not point and not np.array_equal(lo, hi):
            # Weyl: a matrix within `half` (Frobenius) of `mid` keeps every singular value of
            # mid above `half`, so its rank is at least their count, and at most min(r, c)
            with np.errstate(invalid="ignore", over="ignore"):  # inf - inf: caught below
                mid, half = (lo2 + hi2) / 2, np.sqrt(np.sum(((hi2 - lo2) / 2) ** 2))
            if not (np.all(np.isfinite(mid)) and np.isfinite(half)):  # a box unread or infinite: any rank
                return np.array(0.0), np.array(float(min(lo2.shape[-2:])))
            kept = np.sum(np.linalg.svd(mid, compute_uv=False) > half * (1 + 1e-9))
            return np.array(float(kept)), np.array(float(min(lo2.shape[-2:])))
        v = np.array(float(np.linalg.matrix_rank(lo2)))
        return v, v
    raise FormulaError(f"unknown function {name!r}")
