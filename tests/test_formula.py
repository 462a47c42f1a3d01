"""Formulas: the one description of each step, held to the NumPy code that computed it."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

from aibyhand import formula
from aibyhand.classroom import catalog, check
from aibyhand.steps import Steps

NAMES = {n: n for n in ("A", "P", "A_hat", "P_hat", "prob", "logits", "max", "dS", "X", "Xa", "Xp",
                        "W", "dW", "lr", "|A|", "m=8 / dA", "m=4 / dA", "K", "Q", "temperature")}


@pytest.mark.parametrize("text, tree", [
    ("A_hat^T P_hat", ("matmul", ("T", ("name", "A_hat")), ("name", "P_hat"))),
    ("K^T Q / 2", ("div", ("matmul", ("T", ("name", "K")), ("name", "Q")), ("num", 2.0))),
    ("3^(logits - max)", ("exp", 3.0, ("sub", ("name", "logits"), ("name", "max")))),
    ("(prob - I) / 3", ("div", ("sub", ("name", "prob"), ("I",)), ("num", 3.0))),
    ("W - lr dW", ("sub", ("name", "W"), ("matmul", ("name", "lr"), ("name", "dW")))),
    ("[Xa | Xp]", ("cat", ("name", "Xa"), ("name", "Xp"))),
    ("m=8 / dA + pad(m=4 / dA, 8)", ("add", ("name", "m=8 / dA"),
                                     ("call", "pad", ("name", "m=4 / dA"), ("num", 8.0)))),
    ("-log_3(diag(prob))", ("neg", ("log", 3.0, ("call", "diag", ("name", "prob"))))),
    ("X[:, -1]", ("slice", ("name", "X"), (None, None), (-1, None))),
    ("A[:4]", ("slice", ("name", "A"), (None, 4), None)),
    ("A / |A|", ("div", ("name", "A"), ("name", "|A|"))),
])
def test_formulas_read_as_the_sheet_writes_them(text, tree):
    assert formula.parse(text, NAMES).tree == tree


@pytest.mark.parametrize("text, words", [
    ("A_hat^T Phat", ["'Phat'", "not a step before this one"]),
    ("(A + P", ["expected ')'"]),
    ("A + ", ["unexpected None"]),
    ("pad(A)", ["pad takes 2 argument(s)"]),
    ("A ^ A", ["needs a number exponent"]),
])
def test_a_formula_that_does_not_read_says_why(text, words):
    with pytest.raises(formula.FormulaError) as info:
        formula.parse(text, NAMES)
    for w in words:
        assert w in str(info.value)
    assert repr(text) in str(info.value)


def test_a_step_sees_its_own_level_first_and_never_a_later_step():
    s = Steps("demo")
    s.given("A", np.ones((2, 2)))
    s.add("m=2 / A", np.ones((2, 2)), "A[:2]")
    s.add("m=2 / B", 2 * np.ones((2, 2)), "2 A")
    s.add("C", np.ones((2, 2)), "m=2 / B / 2")
    assert s.uses("m=2 / A") == ("A",)          # its own name is not yet there: the outer A
    assert s.uses("m=2 / B") == ("m=2 / A",)    # within the level, the level's A
    assert s.uses("C") == ("m=2 / B",)
    s.add("D", np.ones((2, 2)), "E")
    s.add("E", np.ones((2, 2)), "A")
    with pytest.raises(formula.FormulaError, match="'E' is not a step before this one"):
        s.uses("D")


def worksheet_steps():
    for ws in catalog.WORKSHEETS.values():
        for seed in (None, 1, 2, 3):
            yield ws.name, seed, ws.steps(seed=seed) if seed is not None else ws.steps()


def test_every_formula_of_every_worksheet_computes_its_step():
    """Default numbers and seeds 1-3: each computed step's formula, evaluated on the
    earlier steps, gives the value the NumPy code recorded (a formula, its uses, and the
    code can never drift apart)."""
    checked = 0
    for name, seed, steps in worksheet_steps():
        env = {**check.exact_values(steps), **{k: v[0] for k, v in check.settings(steps).items()}}
        for st_ in steps.entries():
            if st_.given:
                continue
            assert st_.formula, (name, st_.name)
            got = np.atleast_2d(formula.evaluate(steps.formula(st_.name).tree, env))
            want = env[st_.name]
            assert got.shape == want.shape or got.size == want.size, (name, seed, st_.name)
            np.testing.assert_allclose(got.reshape(want.shape), want, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{name} seed {seed}: {st_.name} = {st_.formula}")
            checked += 1
    assert checked > 1000


def test_every_formula_holds_at_a_relu_kink_and_a_next_word_tie():
    """Where the worksheets never go: a ReLU input exactly 0 (HAND_MODEL's sixth unit, for
    every token) through the whole fine-tune step's backward, and two words with equal
    logits for decode's next word; each formula still computes the recorded step."""
    from aibyhand import decode, embed
    from aibyhand.steps import Steps
    from models import HAND_MODEL

    p = {**HAND_MODEL, "W_up": np.random.default_rng(1).normal(size=(16, 4)),
         "W_down": np.random.default_rng(2).normal(size=(8, 16))}
    e = embed.forward(p, "the cat sat", base=3)            # one sentence: the sheets' shape
    kink = Steps("kink").extend(e).extend(
        embed.backward(p, e, np.random.default_rng(3).normal(size=(8, 1))))
    assert not kink["F"][:, 5, :].any() and not kink["dW1"][5].any()
    tie_model = {k: np.array(v, float) for k, v in HAND_MODEL.items()}
    best = int(decode.forward(tie_model, "the cat", base=3)["next"][0, 0])
    later = [k for k in range(best + 1, 8) if k not in (0, 1)][0]   # not a word of the prompt
    tie_model["Etok"][:, later] = tie_model["Etok"][:, best]        # two words, the same top score
    tie = decode.forward(tie_model, "the cat", base=3)
    assert np.sum(tie["logits"][:, 0] == tie["logits"][:, 0].max()) == 2
    assert int(tie["next"][0, 0]) == best
    for steps in (kink, tie):
        env = {**check.exact_values(steps), **{k: v[0] for k, v in check.settings(steps).items()}}
        for st_ in steps.entries():
            if st_.given or not st_.formula:
                continue
            got = np.atleast_2d(formula.evaluate(steps.formula(st_.name).tree, env))
            want = env[st_.name]
            got = got.reshape(want.shape) if got.size == want.size else np.broadcast_to(got, want.shape)
            np.testing.assert_allclose(got, want, rtol=1e-9, atol=1e-12,
                                       err_msg=f"{st_.name} = {st_.formula}")


def test_intervals_hold_every_value_the_inputs_allow():
    """For every computed step of every worksheet: inputs moved anywhere within +-0.005
    (corners and random points) give a value inside the enclosure of those intervals."""
    rng = np.random.default_rng(0)
    for name, seed, steps in worksheet_steps():
        if seed not in (None, 1):
            continue
        exact = {**check.exact_values(steps), **{k: v[0] for k, v in check.settings(steps).items()}}
        for st_ in steps.entries():
            if st_.given or st_.formula.startswith(("argmax", "rank")):
                continue
            f = steps.formula(st_.name)
            box = {k: (v - 0.005, v + 0.005) if k in f.uses and np.all(np.isfinite(v)) and not k.endswith("ids") else (v, v)
                   for k, v in exact.items()}
            lo, hi = (np.atleast_2d(x) for x in formula.enclose(f.tree, box))
            for _ in range(4):
                point = {k: np.asarray(rng.uniform(a, b)) if np.any(a != b) else a for k, (a, b) in box.items()}
                with np.errstate(all="ignore"):
                    v = np.atleast_2d(formula.evaluate(f.tree, point))
                ok = np.isnan(v) | ((lo - 1e-9 <= v) & (v <= hi + 1e-9))
                assert ok.all(), (name, st_.name, st_.formula)


OPS = ["A + B", "A - B", "A * B", "A B", "A^T B", "3^(A - B)", "A / B", "relu(A)", "rowsum(A * B)",
       "colmax(A)", "norm(A)", "-ln(B)", "sqrt(B)", "[A | B]", "A[:2] B[:, :2]", "diag(A B)"]


@given(st.sampled_from(OPS), st.integers(0, 2**31), st.floats(0.0, 0.5))
def test_an_interval_contains_the_value_at_any_point_in_it(text, seed, radius):
    rng = np.random.default_rng(seed)
    A = rng.normal(size=(3, 3))
    B = rng.uniform(0.6, 2.0, size=(3, 3))  # positive, away from 0: logs, roots, division
    rA, rB = rng.uniform(0, radius, size=(3, 3)), rng.uniform(0, min(radius, 0.5), size=(3, 3))
    tree = formula.parse(text, {"A": "A", "B": "B"}).tree
    lo, hi = formula.enclose(tree, {"A": (A - rA, A + rA), "B": (B - rB, B + rB)})
    for _ in range(8):
        a = rng.uniform(A - rA, A + rA)
        b = rng.uniform(B - rB, B + rB)
        v = formula.evaluate(tree, {"A": a, "B": b})
        assert np.all((lo - 1e-9 * (1 + abs(v)) <= v) & (v <= hi + 1e-9 * (1 + abs(v)))), text
    if radius == 0:
        np.testing.assert_allclose(lo, hi, rtol=1e-12, atol=1e-12)


def test_functions_compute_what_they_say():
    X = np.array([[3.0, -1.0], [4.0, 2.0]])
    ev = lambda t: formula.evaluate(formula.parse(t, {"X": "X"}).tree, {"X": X})  # noqa: E731
    np.testing.assert_allclose(ev("norm(X)"), [[5, math.sqrt(5)]])
    np.testing.assert_allclose(ev("rowmean(X)"), [[1], [3]])
    np.testing.assert_allclose(ev("pad(X, 3)"), [[3, -1], [4, 2], [0, 0]])
    np.testing.assert_allclose(ev("atlast(X[:, 0], 3)"), [[0, 0, 3], [0, 0, 4]])
    np.testing.assert_allclose(ev("repeat(X[:, 1], 2) / 2"), [[-0.5, -0.5], [1, 1]])
    np.testing.assert_allclose(ev("positive(X)"), [[1, 0], [1, 1]])
    np.testing.assert_array_equal(ev("argmax(X)"), [[1, 1]])
    # the two rules a worksheet states: ReLU's slope is 0 at 0; argmax takes the first on a tie
    K = np.array([[0.0, 2.0, -1.0], [0.0, 2.0, 1.0]])
    ek = lambda t: formula.evaluate(formula.parse(t, {"K": "K"}).tree, {"K": K})  # noqa: E731
    np.testing.assert_array_equal(ek("positive(K)"), [[0, 1, 0], [0, 1, 1]])
    np.testing.assert_array_equal(ek("argmax(K)"), [[0, 0, 1]])
    lo, hi = formula.enclose(formula.parse("positive(K)", {"K": "K"}).tree, {"K": (K, K)})
    np.testing.assert_array_equal(lo, [[0, 1, 0], [0, 1, 1]])
    assert float(ev("rank(X)")) == 2
    np.testing.assert_allclose(ev("(X - I) / 2"), [[1, -0.5], [2, 0.5]])


def test_a_rank_from_rounded_entries_is_bounded_below():
    """A 4 x 3 matrix of rank 2 written to 2 decimals: every matrix within the rounding has
    rank 2 or 3 (Weyl: the two large singular values stay far above the rounding), so the
    enclosure is [2, 3], and neither 0 nor 1 is accepted as its rank."""
    rng = np.random.default_rng(7)
    M = rng.integers(-3, 4, (4, 2)) @ rng.integers(-3, 4, (2, 3)) / 3.0
    assert np.linalg.matrix_rank(M) == 2
    tree = formula.parse("rank(M)", {"M": "M"}).tree
    lo, hi = formula.enclose(tree, {"M": (M - 0.005, M + 0.005)})
    assert (float(lo), float(hi)) == (2.0, 3.0)
    for _ in range(50):
        r = np.linalg.matrix_rank(rng.uniform(M - 0.005, M + 0.005))
        assert lo <= r <= hi
    lo, hi = formula.enclose(tree, {"M": (M - 2.0, M + 2.0)})  # so wide that any rank could be
    assert float(lo) < 2
    M[0, 0] = np.inf  # a box written "inf": any rank, and no error
    assert [float(x) for x in formula.enclose(tree, {"M": (M - 0.005, M + 0.005)})] == [0.0, 3.0]
