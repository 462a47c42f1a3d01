"""Interval arithmetic in :mod:`aibyhand.formula`, one operation or function at a time:
sound (it holds the value at every sampled point of the inputs) and tight (no more than
``intervalcases.TIGHT`` times as wide as the sampled range), against NumPy oracles of its
own, so that a wrong radius or a lost bound fails here, in Python alone (see
``intervalcases.py``)."""

from __future__ import annotations

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aibyhand import formula

import intervalcases as IC


def run(case: IC.Case, seed: int, scale: float | None = None) -> str:
    rng = np.random.default_rng(seed)
    bounds = IC.inputs(case, rng, scale)
    tree = formula.parse(case.text, IC.NAMES).tree
    lo, hi = formula.enclose(tree, bounds)
    with np.errstate(all="ignore"):
        values = case.oracle(IC.samples(bounds, rng))
    return IC.judge(case, lo, hi, values)


@pytest.mark.parametrize("case", IC.CASES, ids=IC.IDS)
@given(seed=st.integers(0, 2**32 - 1), scale=st.sampled_from([None, 0.005, 0.5, 1.0]))
def test_each_enclosure_is_sound_and_tight(case, seed, scale):
    problem = run(case, seed, scale)
    assert not problem, f"{case.text} (seed {seed}, scale {scale}): {problem}"


@pytest.mark.parametrize("case", IC.CASES, ids=IC.IDS)
def test_a_point_encloses_itself(case):
    """Inputs of no width: the enclosure is the value (argmax and rank included)."""
    rng = np.random.default_rng(1)
    bounds = {k: (lo, lo) for k, (lo, _) in IC.inputs(case, rng).items()}
    tree = formula.parse(case.text, IC.NAMES).tree
    lo, hi = formula.enclose(tree, bounds)
    with np.errstate(all="ignore"):
        v = case.oracle({k: (lo_[None, None, None] if np.ndim(lo_) == 0 else lo_[None]) for k, (lo_, _)
                         in bounds.items()})
    np.testing.assert_allclose(np.reshape(lo, -1), np.reshape(v, -1), rtol=1e-12, atol=1e-12)
    np.testing.assert_allclose(np.reshape(hi, -1), np.reshape(v, -1), rtol=1e-12, atol=1e-12)


def test_the_cases_cover_every_function_and_operation():
    texts = " ".join(IC.IDS)
    for f in formula.FUNCTIONS:
        assert f + "(" in texts, f
    trees = [formula.parse(t, IC.NAMES).tree for t in IC.IDS]
    kinds = {n[0] for t in trees for n in _nodes(t)}
    assert kinds >= {"add", "sub", "mul", "div", "matmul", "neg", "T", "exp", "power", "log", "slice", "cat",
                     "call", "name", "num"}, kinds


def _nodes(tree):
    yield tree
    for x in tree[1:]:
        if isinstance(x, tuple) and x and isinstance(x[0], str):
            yield from _nodes(x)


@pytest.mark.parametrize("text, bounds, want", [
    # a square's lower bound: 0 only when the interval holds 0
    ("A^2", ((2.0, 2.01),), (4.0, 4.0401)),
    ("A^2", ((-2.01, -2.0),), (4.0, 4.0401)),
    ("A^2", ((-1.0, 2.0),), (0.0, 4.0)),
    ("norm(A)", ((3.0, 3.0), (4.0, 4.01)), (5.0, float(np.hypot(3.0, 4.01)))),
    # a product's sign cases
    ("A * B", ((-2.0, 3.0), (-5.0, 1.0)), (-15.0, 10.0)),
    ("A B", ((1.0, 2.0), (-1.0, 3.0)), (-2.0, 6.0)),
])
def test_exact_enclosures_of_small_cases(text, bounds, want):
    """Worked by hand: the best enclosure, which these cases reach."""
    tree = formula.parse(text, IC.NAMES).tree
    names = ["A", "B"] if "B" in text else ["A"]
    shape = (2, 1) if text.startswith("norm") else (1, 1)
    if text.startswith("norm"):
        env = {"A": (np.array([[bounds[0][0]], [bounds[1][0]]]), np.array([[bounds[0][1]], [bounds[1][1]]]))}
    else:
        env = {n: (np.full(shape, b[0]), np.full(shape, b[1])) for n, b in zip(names, bounds)}
    lo, hi = formula.enclose(tree, env)
    assert float(np.reshape(lo, -1)[0]) == pytest.approx(want[0], abs=1e-12)
    assert float(np.reshape(hi, -1)[0]) == pytest.approx(want[1], abs=1e-12)
