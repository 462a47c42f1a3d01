"""Matryoshka loss: built from InfoNCE at nested widths, gradient by hand."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from aibyhand import mrl
from test_infonce import embeddings, naive_loss

RTOL = 1e-7


@st.composite
def problems(draw):
    d = draw(st.integers(2, 768))
    B = draw(st.integers(1, 64))
    dims = draw(st.lists(st.integers(1, d), min_size=1, max_size=5, unique=True))
    weights = draw(st.none() | st.lists(st.floats(0.0, 3.0), min_size=len(dims), max_size=len(dims)))
    return dict(seed=draw(st.integers(0, 2**32 - 1)), d=d, B=B, dims=dims, weights=weights,
                temperature=draw(st.sampled_from([0.05, 0.2, 1.0, 3.0])),
                base=draw(st.sampled_from([math.e, 3.0])))


@given(problems())
def test_gradient_matches_finite_differences(case):
    A, P = embeddings(case["seed"], case["d"], case["B"])
    if 1 in case["dims"]:
        # at width 1 the normalised coordinate is sign(x): a step at 0, where a difference
        # quotient straddling it measures the jump, not a derivative
        A[0] += np.sign(A[0]) * 0.1
        P[0] += np.sign(P[0]) * 0.1
    kw = {k: case[k] for k in ("dims", "weights", "temperature", "base")}
    g = mrl.backward(mrl.forward(A, P, **kw))
    rng = np.random.default_rng(case["seed"])
    gradcheck.check(lambda X: float(mrl.forward(X, P, **kw)["loss"]), A, g["dA"], rng,
                    rtol=RTOL, coordinates=20)
    gradcheck.check(lambda X: float(mrl.forward(A, X, **kw)["loss"]), P, g["dP"], rng,
                    rtol=RTOL, coordinates=20)


@given(problems())
def test_loss_is_weighted_sum_of_truncated_infonce(case):
    """The MatryoshkaLoss definition, from the loop-by-loop InfoNCE formula."""
    if case["d"] * case["B"] > 2000:
        case["d"], case["dims"] = 8, [m for m in case["dims"] if m <= 8] or [8]
        case["weights"] = None
    A, P = embeddings(case["seed"], case["d"], min(case["B"], 8))
    s = mrl.forward(A, P, dims=case["dims"], weights=case["weights"],
                    temperature=case["temperature"], base=case["base"])
    w = case["weights"] or [1.0] * len(case["dims"])
    expected = sum(wm * naive_loss(A[:m], P[:m], case["temperature"], case["base"])
                   for m, wm in zip(case["dims"], w))
    assert float(s["loss"]) == pytest.approx(expected, rel=1e-9, abs=1e-12)


@given(problems())
def test_each_level_reaches_only_its_first_rows(case):
    """Each width's gradient is m x B; the total is their weighted sum, each padded with
    zeros below row m, so rows below the largest width that is not d get nothing from it."""
    A, P = embeddings(case["seed"], case["d"], case["B"])
    s = mrl.forward(A, P, dims=case["dims"], weights=case["weights"])
    g = mrl.backward(s)
    total = {x: np.zeros(A.shape) for x in "AP"}
    for m, w in zip(s.meta["dims"], s.meta["weights"]):
        for x in "AP":
            level = g[f"m={m} / d{x}"]
            assert level.shape == (m, A.shape[1])
            total[x][:m] += w * level
    np.testing.assert_allclose(g["dA"], total["A"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(g["dP"], total["P"], rtol=1e-12, atol=1e-15)
    widest = max(case["dims"])
    assert not g["dA"][widest:].any() and not g["dP"][widest:].any()


def test_weights_follow_their_widths_when_dims_are_unsorted():
    A, P = embeddings(4, 8, 5)
    a = mrl.forward(A, P, dims=(2, 8, 4), weights=(3.0, 1.0, 0.5))
    b = mrl.forward(A, P, dims=(8, 4, 2), weights=(1.0, 0.5, 3.0))
    assert float(a["loss"]) == float(b["loss"])
    assert a.meta["dims"] == (8, 4, 2)


# the first MRL worksheet's numbers: whole lengths 1|2, 3 and 5 at widths 2, 4 and 8
HAND_A = np.array([[0, 0, -1], [2, -1, 0], [-1, -2, 2], [2, -2, 2], [-2, 0, 0], [-2, 0, 0],
                   [2, 0, 0], [2, 4, -4]], dtype=float)
HAND_P = np.array([[0, -1, 0], [1, 0, -2], [2, -2, -1], [2, -2, 2], [-2, 0, -2], [2, 0, 2],
                   [2, 4, 2], [2, 0, -2]], dtype=float)


def test_cells_worked_by_hand():
    """The width-2 level and one width-8 cell, by hand (temperature 1, base 3).

    Width 2: a1 = (0, 2), a2 = (0, -1), a3 = (-1, 0); p1 = (0, 1), p2 = (-1, 0), p3 = (0, -2).
    Lengths: |a1| = 2, |p3| = 2, the rest 1. S[a1, p1] = (0*0 + 2*1) / (2 * 1) = 1,
    S[a1, p3] = (2 * -2) / (2 * 2) = -1; in all S = [[1, 0, -1], [-1, 0, 1], [0, 1, 0]],
    and temperature 1 makes the logits S.
    Row a1: 3^(S - 1) = (1, 1/3, 1/9), sum = 13/9, prob = (9/13, 3/13, 1/13).
    Row a2: prob = (1/13, 3/13, 9/13): a2 ranks p3 first. Row a3: 3^(S - 1) = (1/3, 1, 1/3),
    sum 5/3, prob (1/5, 3/5, 1/5).
    loss at width 2 = (-log_3(9/13) - log_3(3/13) - log_3(1/5)) / 3
                    = (log_3(13/9) + log_3(13/3) + log_3(5)) / 3.
    Width 8: a1 . p1 = 0 + 2 - 2 + 4 + 4 - 4 + 4 + 4 = 12, both of length 5: S = 12/25.
    Width 4: |a1[:4]| = sqrt(0 + 4 + 1 + 4) = 3, and so for every column.
    """
    s = mrl.forward(HAND_A, HAND_P, dims=(8, 4, 2), temperature=1.0, base=3)
    np.testing.assert_allclose(s["m=2 / S"], [[1, 0, -1], [-1, 0, 1], [0, 1, 0]], atol=1e-15)
    np.testing.assert_allclose(s["m=2 / prob"][0], [9 / 13, 3 / 13, 1 / 13])
    np.testing.assert_allclose(s["m=2 / prob"][2], [1 / 5, 3 / 5, 1 / 5])
    loss2 = (math.log(13 / 9, 3) + math.log(13 / 3, 3) + math.log(5, 3)) / 3
    assert float(s["m=2 / loss"]) == pytest.approx(loss2, rel=1e-12)
    assert s["m=8 / S"][0, 0] == pytest.approx(12 / 25, rel=1e-12)
    np.testing.assert_array_equal(s["m=4 / |A|"], [[3, 3, 3]])


def test_batch_of_one_has_zero_loss():
    A, P = embeddings(0, 8, 1)
    s = mrl.forward(A, P)
    assert float(s["loss"]) == 0.0
    assert not mrl.backward(s)["dA"].any()


def test_extreme_valid_input_stays_finite():
    A, P = embeddings(5, 768, 16, scale=1e150)
    s = mrl.forward(A, P, dims=(768, 512, 256, 128), temperature=1e-4)
    g = mrl.backward(s)
    assert math.isfinite(float(s["loss"]))
    assert np.isfinite(g["dA"]).all() and np.isfinite(g["dP"]).all()


def test_inputs_are_never_modified():
    A, P = embeddings(6, 8, 4)
    w = np.array([1.0, 2.0, 0.5])
    copies = A.copy(), P.copy(), w.copy()
    mrl.backward(mrl.forward(A, P, weights=w, base=3))
    for x, x0 in zip((A, P, w), copies):
        np.testing.assert_array_equal(x, x0)


def test_lesson_is_each_anchors_own_cosine_minus_its_best_other_at_every_width():
    """By hand, widths 2 and 4 of two pairs: a1 = (1, 0, 0, 2), a2 = (0, 1, 2, 0); p1 =
    (0, 1, 0, 2), p2 = (1, 0, 2, 0). Width 2: a1 . p1 = 0, a1 . p2 = 1, all lengths 1:
    a1 leads by 0 - 1 = -1 (p2 first), a2 by 0 - 1 = -1. Width 4: every length sqrt(5),
    a1 . p1 = 4, a1 . p2 = 1: a1 leads by 4/5 - 1/5 = 3/5; a2 . p2 = 4, a2 . p1 = 1:
    a2 by 3/5. The own positive comes first exactly where the lead is above 0."""
    A = np.array([[1, 0], [0, 1], [0, 2], [2, 0]], float)
    P = np.array([[0, 1], [1, 0], [0, 2], [2, 0]], float)
    s = mrl.forward(A, P, dims=(2, 4), temperature=1.0, base=3)
    lead = mrl.lesson(s)["lesson / lead"]
    np.testing.assert_allclose(lead, [[0.6, -1], [0.6, -1]], rtol=1e-12)   # widths 4, 2
    ranks = mrl.rankings(s)["own rank"]
    np.testing.assert_array_equal(lead > 0, ranks == 1)


@given(problems())
def test_lesson_formula_and_sign_agree_with_the_rankings(case):
    """The lead's formula (what the checker evaluates) gives its value, and it is above 0
    exactly where the own positive ranks first, strictly (a tie is not first)."""
    from aibyhand import formula
    from aibyhand.steps import Steps

    B = max(case["B"], 2)
    A, P = embeddings(case["seed"], min(case["d"], 64), min(B, 16))
    dims = [m for m in case["dims"] if m <= A.shape[0]] or [A.shape[0]]
    s = mrl.forward(A, P, dims=dims)
    lesson = mrl.lesson(s)
    assert lesson.title == mrl.LESSON and lesson.title.startswith("What this showed: ")
    assert all(name.startswith("lesson / ") for name in lesson)
    lead = lesson["lesson / lead"]
    both = Steps("both", s.meta).extend(s).extend(lesson)
    env = {n: both[n] for n in both}
    np.testing.assert_allclose(formula.evaluate(both.formula("lesson / lead").tree, env), lead,
                               rtol=0, atol=1e-12)
    own = mrl.rankings(s)["own rank"]
    tie = np.abs(lead) < 1e-12          # rank 1 shared with another positive: not first
    assert ((lead > 0) == ((own == 1) & ~tie)).all()


def test_lesson_needs_two_pairs():
    A, P = embeddings(0, 8, 1)
    with pytest.raises(ValueError, match="at least 2 pairs"):
        mrl.lesson(mrl.forward(A, P))
