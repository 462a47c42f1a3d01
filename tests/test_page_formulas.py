"""The page's formula evaluation and interval arithmetic against :mod:`aibyhand.formula`,
on random formulas and random inputs, in Chromium.

Beyond the whole-page cases (``test_page.py``), random formula trees of every node kind
(sums, products, broadcasting, transposes, powers, logs, slices, side-by-side columns,
padding, reductions, the identity) over random matrices of every shape up to 4 x 4 are
evaluated by the page's script (``window.aibyhand.evaluate``, ``enclose``) and by
``formula.evaluate`` and ``formula.enclose``: the same values and the same intervals, to
1e-9; and every point drawn inside the input intervals lands inside the page's interval.
A seeded random generator, so a failure names a formula that can be run again.
"""

from __future__ import annotations

import json
import math
import random

import numpy as np
import pytest

from aibyhand import formula
from aibyhand.classroom import catalog, page
from pagekit import browser, open_page  # noqa: F401  (browser: a fixture)

SIZES = (1, 2, 3, 4)
FORMULAS = 400
POINTS = 3


def name(shape) -> str:
    return "s" if shape == () else f"A{shape[0]}{shape[1]}"


def gen(rng: random.Random, shape, depth: int):
    """A random formula tree whose value has ``shape`` ((rows, cols), or () for a number)."""
    def sub(s):
        return gen(rng, s, depth - 1)

    if shape == ():
        pick = rng.randrange(6) if depth > 0 else rng.randrange(2)
        if pick == 0:
            return ("name", "s")
        if pick == 1:
            return ("num", float(rng.choice((0.5, 2.0, 3.0))))
        if pick in (2, 3):
            return ("call", rng.choice(("sumall", "mean")), sub((rng.choice(SIZES), rng.choice(SIZES))))
        return (rng.choice(("add", "sub", "mul")), sub(()), sub(()))
    r, c = shape
    if depth <= 0 or rng.random() < 0.15:
        return ("name", name(shape))
    kinds = ["elementwise", "broadcast", "div", "matmul", "scale", "T", "neg", "exp", "power", "log", "func",
             "slice", "cat", "pad", "identity", "reduce"]
    kind = rng.choice(kinds)
    if kind == "elementwise":
        return (rng.choice(("add", "sub", "mul")), sub(shape), sub(shape))
    if kind == "broadcast":
        other = sub(rng.choice([(r, 1), (1, c), ()]))
        pair = (sub(shape), other) if rng.random() < 0.5 else (other, sub(shape))
        return (rng.choice(("add", "sub", "mul")),) + pair
    if kind == "div":      # over a number that keeps away from 0, so that rounding stays small
        return ("div", sub(shape), ("add", ("num", 1.0), ("power", sub(rng.choice([shape, (r, 1), (1, c)])), 2.0)))
    if kind == "matmul":
        k = rng.choice(SIZES)
        return ("matmul", sub((r, k)), sub((k, c)))
    if kind == "scale":
        return ("matmul", sub(()), sub(shape)) if rng.random() < 0.5 else ("matmul", sub(shape), sub(()))
    if kind == "T":
        return ("T", sub((c, r)))
    if kind == "neg":
        return ("neg", sub(shape))
    if kind == "exp":
        return ("exp", rng.choice((3.0, math.e)), ("mul", ("num", 0.5), sub(shape)))
    if kind == "power":
        return ("power", sub(shape), rng.choice((2.0, 3.0)))
    if kind == "log":
        inner = ("add", ("num", 1.0), ("power", sub(shape), 2.0)) if rng.random() < 0.7 else sub(shape)
        return ("log", rng.choice((3.0, math.e)), inner)
    if kind == "func":
        f = rng.choice(("sqrt", "relu", "positive", "ln"))
        inner = ("power", sub(shape), 2.0) if f in ("sqrt", "ln") and rng.random() < 0.7 else sub(shape)
        return ("call", f, inner)
    if kind == "slice":
        R, C = rng.randint(r, 4), rng.randint(c, 4)
        a, b = rng.randint(0, R - r), rng.randint(0, C - c)
        rows = rng.choice([(a, a + r), (a - R, a - R + r) if a - R + r < 0 else (a - R, None)])
        cols = rng.choice([(b, b + c), (b - C, b - C + c) if b - C + c < 0 else (b - C, None)])
        return ("slice", sub((R, C)), None if (R == r and rng.random() < 0.5) else rows,
                None if (C == c and rng.random() < 0.5) else cols)
    if kind == "cat" and c > 1:
        k = rng.randint(1, c - 1)
        return ("cat", sub((r, k)), sub((r, c - k)))
    if kind == "pad":
        if rng.random() < 0.5:
            return ("call", "pad", sub((rng.randint(1, r), c)), ("num", float(r)))
        if c > 1 and rng.random() < 0.5:
            return ("call", "repeat", sub((r, 1)), ("num", float(c)))
        return ("call", "padcols", sub((r, rng.randint(1, c))), ("num", float(c)))
    if kind == "identity" and r == c:
        return ("add", sub(shape), ("I",)) if rng.random() < 0.5 else ("matmul", ("I",), sub(shape))
    if kind == "reduce":
        if c == 1:
            if rng.random() < 0.3:
                return ("call", "diag", sub((r, r)))
            return ("call", rng.choice(("rowsum", "rowmax", "rowmean")), sub((r, rng.choice(SIZES))))
        if r == 1:
            return ("call", rng.choice(("colsum", "colmax", "norm")), sub((rng.choice(SIZES), c)))
    return ("name", name(shape))


def environment(rng: np.random.Generator):
    """A point for every name, and an interval around it."""
    values = {"s": np.array(rng.uniform(-1, 1))}
    for r in SIZES:
        for c in SIZES:
            values[name((r, c))] = rng.uniform(-2, 2, (r, c))
    bounds = {}
    for k, v in values.items():
        w = rng.uniform(0, 0.05, np.shape(v))
        bounds[k] = (v - w, v + w)
    return values, bounds


def plain(x):
    return float(x) if np.ndim(x) == 0 else np.asarray(x).tolist()


RUN = """([trees, values, bounds, points]) => trees.map(t => {
  try {
    const point = window.aibyhand.evaluate(t, values);
    const box = window.aibyhand.enclose(t, bounds);
    return {point, box, inside: points.map(p => window.aibyhand.evaluate(t, p))};
  } catch (e) { return {error: e.name + ": " + e.message}; }
})"""


def rows(x):
    """A JS result's rows as floats (playwright hands NaN and the infinities back as they are)."""
    return np.array([[np.nan if v is None else v for v in row] for row in x], dtype=float)


@pytest.fixture(scope="module")
def tab(browser, tmp_path_factory):
    ws = catalog.get("head")
    ctx, tab, errors = open_page(browser, page.render(ws, ws.load()), tmp_path_factory.mktemp("formulas"))
    yield tab
    assert not errors, errors
    ctx.close()


def close_enough(got, want, what):
    got, want = np.atleast_2d(got), np.atleast_2d(np.asarray(want, dtype=float))
    assert got.shape == want.shape, what
    finite = np.isfinite(want)
    assert np.array_equal(got[~finite], want[~finite], equal_nan=True), what
    np.testing.assert_allclose(got[finite], want[finite], rtol=1e-9, atol=1e-9, err_msg=what)


@pytest.mark.parametrize("seed", range(4))
def test_random_formulas_agree_with_formula_py(tab, seed):
    rng = random.Random(seed)
    nrng = np.random.default_rng(seed)
    values, bounds = environment(nrng)
    points = []
    for _ in range(POINTS):
        points.append({k: lo + nrng.uniform(0, 1, np.shape(lo)) * (hi - lo) for k, (lo, hi) in bounds.items()})
    shapes = [()] + [(r, c) for r in SIZES for c in SIZES]
    trees = [gen(rng, rng.choice(shapes), rng.randint(1, 4)) for _ in range(FORMULAS // 4)]
    as_json = [json.loads(json.dumps(formula.Formula("", t, ()).to_json())) for t in trees]
    got = tab.evaluate(RUN, [as_json, {k: plain(v) for k, v in values.items()},
                             {k: [plain(a), plain(b)] for k, (a, b) in bounds.items()},
                             [{k: plain(v) for k, v in p.items()} for p in points]])
    kinds, refused = set(), []
    for tree, mine in zip(trees, got):
        what = repr(tree)
        try:
            with np.errstate(all="ignore"):
                want = formula.evaluate(tree, values)
                lo, hi = formula.enclose(tree, bounds)
        except Exception as err:       # refused by both (formula.py may say it less well)
            assert mine.get("error", "").startswith("FormulaError"), (what, repr(err), mine)
            refused.append((what, repr(err)))
            continue
        assert "error" not in mine, (what, mine)
        assert (mine["point"]["nd"] == 0) == (np.ndim(want) == 0), what
        close_enough(rows(mine["point"]["lo"]), want, what)
        close_enough(rows(mine["box"]["lo"]), lo, what + " (low)")
        close_enough(rows(mine["box"]["hi"]), hi, what + " (high)")
        blo, bhi = rows(mine["box"]["lo"]), rows(mine["box"]["hi"])
        for p in mine["inside"]:
            x = rows(p["lo"])
            with np.errstate(invalid="ignore"):
                above = (blo == -np.inf) | (x >= blo - 1e-9 * (1 + np.where(np.isfinite(blo), abs(blo), 0)))
                below = (bhi == np.inf) | (x <= bhi + 1e-9 * (1 + np.where(np.isfinite(bhi), abs(bhi), 0)))
            ok = np.isnan(x) | np.isnan(blo) | np.isnan(bhi) | (above & below)
            assert ok.all(), (what, x, blo, bhi)
        kinds |= {n[0] if n[0] != "call" else n[1] for n in nodes(tree)}
    assert len(kinds) >= 20, kinds
    assert len(refused) <= len(trees) // 10, refused


def nodes(tree):
    yield tree
    for x in tree[1:]:
        if isinstance(x, tuple) and x and isinstance(x[0], str):
            yield from nodes(x)


def test_a_broken_tree_is_refused_by_both(tab):
    """Shapes that do not fit: formula.py raises, the page's script throws a FormulaError."""
    rng = np.random.default_rng(0)
    values, _ = environment(rng)
    broken = [("add", ("name", "A23"), ("name", "A32")), ("matmul", ("name", "A23"), ("name", "A23")),
              ("cat", ("name", "A23"), ("name", "A32")), ("call", "pad", ("name", "A33"), ("num", 2.0)),
              ("name", "nothing")]
    for tree in broken:
        with pytest.raises(Exception):
            with np.errstate(all="ignore"):
                formula.evaluate(tree, values)
        got = tab.evaluate(RUN, [[json.loads(json.dumps(formula.Formula("", tree, ()).to_json()))],
                                 {k: plain(v) for k, v in values.items()}, {}, []])
        assert got[0].get("error", "").startswith("FormulaError"), (tree, got)
