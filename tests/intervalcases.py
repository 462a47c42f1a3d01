"""Interval arithmetic held to the values it encloses: one case per operation and function
of :mod:`aibyhand.formula`, each with its own NumPy oracle (never ``formula.evaluate``), for
``test_interval_props.py`` (formula.py) and ``test_page_rules.py`` (the page's script).

For a case and a seed: input intervals (midpoints and radii drawn at random, radii from
0.001 to 1 so that narrow intervals, where a lost bound shows most, come up often), the
enclosure's ``(low, high)``, and the oracle's value at sampled points of the inputs: the
all-low and all-high corners, random corners and random inner points. Then

- **sound**: every sampled value lies within ``[low, high]`` (up to float rounding);
- **tight**: ``high - low`` is at most TIGHT times the sampled range, plus float rounding.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

TIGHT = 4.0
CORNERS, INSIDE = 64, 64


@dataclass(frozen=True)
class Case:
    text: str                       # the formula, as a sheet writes it
    shapes: object                  # (r, c, k) -> {name: shape} (shape () for a number)
    oracle: object                  # {name: (n, ...) samples} -> (n, ...) values
    domain: dict                    # name -> "any", "positive" (0.5 to 3), "away" (|x| 0.5 to 3), "ids"
    tight: bool = True              # argmax and rank: sound only (their enclosures are set-valued)


def _sq(r, c, k):
    return {"A": (r, c), "B": (r, c)}


def _one(r, c, k):
    return {"A": (r, c)}


def _pos(r, c, k):
    return {"B": (r, c)}


def _mm(r, c, k):
    return {"A": (r, k), "B": (k, c)}


def _square(r, c, k):
    return {"A": (r, r)}


def _col(r, c, k):
    return {"A": (r, c), "b": (r, 1)}


def _row(r, c, k):
    return {"A": (r, c), "b": (1, c)}


def _scalar(r, c, k):
    return {"s": (), "A": (r, c)}


def _ids(r, c, k):
    return {"A": (r, 4), "ids": (1, 3)}


T = lambda x: np.swapaxes(x, -1, -2)  # noqa: E731
ANY = {"A": "any", "B": "any", "b": "any", "s": "any"}

CASES = [
    Case("A + B", _sq, lambda e: e["A"] + e["B"], ANY),
    Case("A + b", _col, lambda e: e["A"] + e["b"], ANY),
    Case("b - A", _row, lambda e: e["b"] - e["A"], ANY),
    Case("A - B", _sq, lambda e: e["A"] - e["B"], ANY),
    Case("A * B", _sq, lambda e: e["A"] * e["B"], ANY),
    Case("A * b", _row, lambda e: e["A"] * e["b"], ANY),
    Case("A / B", _sq, lambda e: e["A"] / e["B"], {"A": "any", "B": "away"}),
    Case("A / b", _col, lambda e: e["A"] / e["b"], {"A": "any", "b": "away"}),
    Case("A B", _mm, lambda e: e["A"] @ e["B"], ANY),
    Case("A^T A", _one, lambda e: T(e["A"]) @ e["A"], ANY, tight=True),
    Case("s A", _scalar, lambda e: e["s"] * e["A"], ANY),
    Case("A s", _scalar, lambda e: e["A"] * e["s"], ANY),
    Case("-A", _one, lambda e: -e["A"], ANY),
    Case("A^T", _one, lambda e: T(e["A"]), ANY),
    Case("3^(A)", _one, lambda e: 3.0 ** e["A"], ANY),
    Case("e^(A)", _one, lambda e: np.exp(e["A"]), ANY),
    Case("2^(A - B)", _sq, lambda e: 2.0 ** (e["A"] - e["B"]), ANY),
    Case("A^2", _one, lambda e: e["A"] ** 2, ANY),
    Case("A^3", _one, lambda e: e["A"] ** 3, ANY),
    Case("log_3(B)", _pos, lambda e: np.log(e["B"]) / math.log(3), {"B": "positive"}),
    Case("log_e(B)", _pos, lambda e: np.log(e["B"]), {"B": "positive"}),
    Case("ln(B)", _pos, lambda e: np.log(e["B"]), {"B": "positive"}),
    Case("sqrt(B)", _pos, lambda e: np.sqrt(e["B"]), {"B": "positive"}),
    Case("relu(A)", _one, lambda e: np.maximum(e["A"], 0), ANY),
    Case("positive(A)", _one, lambda e: (e["A"] > 0).astype(float), ANY),
    Case("norm(A)", _one, lambda e: np.sqrt((e["A"] ** 2).sum(axis=-2, keepdims=True)), ANY),
    Case("rowsum(A)", _one, lambda e: e["A"].sum(axis=-1, keepdims=True), ANY),
    Case("colsum(A)", _one, lambda e: e["A"].sum(axis=-2, keepdims=True), ANY),
    Case("rowmax(A)", _one, lambda e: e["A"].max(axis=-1, keepdims=True), ANY),
    Case("colmax(A)", _one, lambda e: e["A"].max(axis=-2, keepdims=True), ANY),
    Case("rowmean(A)", _one, lambda e: e["A"].mean(axis=-1, keepdims=True), ANY),
    Case("sumall(A)", _one, lambda e: e["A"].sum(axis=(-2, -1)), ANY),
    Case("mean(A)", _one, lambda e: e["A"].mean(axis=(-2, -1)), ANY),
    Case("diag(A)", _square, lambda e: np.diagonal(e["A"], axis1=-2, axis2=-1)[..., :, None], ANY),
    Case("A[:1]", _one, lambda e: e["A"][..., :1, :], ANY),
    Case("A[:, -1]", _one, lambda e: e["A"][..., :, -1:], ANY),
    Case("[A | B]", _sq, lambda e: np.concatenate([e["A"], e["B"]], axis=-1), ANY),
    Case("pad(A, 4)", _one, lambda e: np.concatenate(
        [e["A"], np.zeros(e["A"].shape[:-2] + (4 - e["A"].shape[-2], e["A"].shape[-1]))], axis=-2), ANY),
    Case("padcols(A, 4)", _one, lambda e: np.concatenate(
        [e["A"], np.zeros(e["A"].shape[:-1] + (4 - e["A"].shape[-1],))], axis=-1), ANY),
    Case("repeat(b, 3)", _col, lambda e: np.repeat(e["b"], 3, axis=-1), ANY),
    Case("atlast(b, 3)", _col, lambda e: np.concatenate([np.zeros(e["b"].shape[:-1] + (2,)), e["b"]], axis=-1),
         ANY),
    Case("lookup(A, ids)", _ids, lambda e: e["A"][..., [2, 0, 2]], {"A": "any", "ids": "ids"}),
    Case("scatter(A[:, :3], ids, 4)", _ids, lambda e: np.stack(
        [e["A"][..., 1], np.zeros_like(e["A"][..., 0]), e["A"][..., 0] + e["A"][..., 2],
         np.zeros_like(e["A"][..., 0])], axis=-1), {"A": "any", "ids": "ids"}),
    Case("argmax(A)", _one, lambda e: np.argmax(e["A"], axis=-2)[..., None, :].astype(float), ANY, tight=False),
    Case("rank(A)", _one, lambda e: np.linalg.matrix_rank(e["A"]).astype(float), ANY, tight=False),
]
IDS = [c.text for c in CASES]
NAMES = {n: n for n in ("A", "B", "b", "s", "ids")}


def inputs(case: Case, rng: np.random.Generator, scale: float | None = None):
    """``{name: (low, high)}`` for one draw: shapes up to 3 x 3 (4 columns for ids cases);
    ``scale``: the largest radius (default drawn from 0.001 to 1)."""
    r, c, k = (int(x) for x in rng.integers(1, 4, 3))
    scale = 10 ** rng.uniform(-3, 0) if scale is None else scale
    out = {}
    for name, shape in case.shapes(r, c, k).items():
        kind = case.domain.get(name, "any")
        if kind == "ids":
            ids = np.array([[2.0, 0.0, 2.0]])       # a repeated id: scatter adds, lookup copies
            out[name] = (ids, ids)
            continue
        if kind == "any":
            mid = rng.uniform(-2, 2, shape)
            if rng.random() < 0.25:   # ties and whole numbers: argmax and relu's edges
                mid = np.round(mid)
        else:
            mid = rng.uniform(0.5, 3, shape) * (rng.choice([-1.0, 1.0], shape) if kind == "away" else 1.0)
        rad = rng.uniform(0, 1, shape) * scale
        if kind != "any":
            rad = np.minimum(rad, 0.4 * np.abs(mid))     # stays away from 0
        if rng.random() < 0.15:
            rad = np.zeros(shape)                         # a point
        out[name] = (mid - rad, mid + rad)
    return out


def samples(bounds: dict, rng: np.random.Generator) -> dict:
    """``{name: (n, ...)}``: both extreme corners, random corners, random inner points."""
    n = 2 + CORNERS + INSIDE
    out = {}
    for name, (lo, hi) in bounds.items():
        shape = np.shape(lo)
        u = np.empty((n,) + shape)
        u[0], u[1] = 0.0, 1.0
        u[2:2 + CORNERS] = rng.integers(0, 2, (CORNERS,) + shape)
        u[2 + CORNERS:] = rng.uniform(0, 1, (INSIDE,) + shape)
        x = lo + u * (hi - lo)
        out[name] = x[:, None, None] if shape == () else x   # a number broadcasts as a 1 x 1
    return out


def judge(case: Case, lo, hi, values) -> str:
    """"" if (lo, hi) encloses every sampled value soundly and tightly, else what is wrong."""
    values = np.asarray(values, float)
    n = values.shape[0]
    lo, hi = np.asarray(lo, float).reshape(-1), np.asarray(hi, float).reshape(-1)
    v = values.reshape(n, -1)
    if v.shape[1] != lo.size:
        return f"shape: {lo.size} entries for {v.shape[1]}"
    scale = 1 + np.abs(v).max(axis=0)
    tol = 1e-9 * scale
    below = v < lo - tol
    above = v > hi + tol
    if below.any() or above.any():
        j = int(np.argmax((below | above).any(axis=0)))
        return (f"unsound: entry {j}: values {v[:, j].min():.6g} to {v[:, j].max():.6g} "
                f"outside [{lo[j]:.6g}, {hi[j]:.6g}]")
    if case.tight:
        seen = v.max(axis=0) - v.min(axis=0)
        width = hi - lo
        loose = ~(width <= TIGHT * seen + tol)
        if loose.any():
            j = int(np.argmax(loose))
            return (f"loose: entry {j}: width {width[j]:.6g} for values {v[:, j].min():.6g} to "
                    f"{v[:, j].max():.6g} (range {seen[j]:.6g})")
    return ""
