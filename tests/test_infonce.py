"""InfoNCE: the loss and its manual gradient against independent routes."""

import math

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from aibyhand import infonce

RTOL = 1e-7


def embeddings(seed, d, B, scale=1.0):
    rng = np.random.default_rng(seed)
    return rng.normal(size=(d, B)) * scale, rng.normal(size=(d, B)) * scale


def naive_loss(A, P, temperature, base):
    """The textbook formula, loop by loop: mean_i -log_b softmax_b(cos(a_i, p_.)/t)_i."""
    B = A.shape[1]
    total = 0.0
    for i in range(B):
        logits = [float(A[:, i] @ P[:, j]) / (np.linalg.norm(A[:, i]) * np.linalg.norm(P[:, j]))
                  / temperature for j in range(B)]
        total += -math.log(base ** logits[i] / sum(base ** x for x in logits), base)
    return total / B


@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 768), B=st.integers(1, 64),
       temperature=st.sampled_from([0.05, 0.1, 0.5, 1.0, 2.0]),
       base=st.sampled_from([math.e, 3.0]))
def test_gradient_matches_finite_differences(seed, d, B, temperature, base):
    A, P = embeddings(seed, d, B)
    g = infonce.backward(infonce.forward(A, P, temperature=temperature, base=base))
    rng = np.random.default_rng(seed)
    loss_of_A = lambda X: float(infonce.forward(X, P, temperature=temperature, base=base)["loss"])
    loss_of_P = lambda X: float(infonce.forward(A, X, temperature=temperature, base=base)["loss"])
    gradcheck.check(loss_of_A, A, g["dA"], rng, rtol=RTOL, coordinates=20)
    gradcheck.check(loss_of_P, P, g["dP"], rng, rtol=RTOL, coordinates=20)


@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 12), B=st.integers(1, 8),
       temperature=st.floats(0.05, 5.0), base=st.floats(1.5, 10.0))
def test_loss_matches_the_naive_formula(seed, d, B, temperature, base):
    A, P = embeddings(seed, d, B)
    s = infonce.forward(A, P, temperature=temperature, base=base)
    assert float(s["loss"]) == pytest.approx(naive_loss(A, P, temperature, base), rel=1e-10, abs=1e-12)


@given(seed=st.integers(0, 2**32 - 1), d=st.integers(2, 16), B=st.integers(1, 8),
       base=st.floats(1.5, 10.0))
def test_base_b_is_scaled_logits_and_loss(seed, d, B, base):
    """Base b is the natural softmax of the logits times ln b, with the loss divided by ln b
    (so the gradient keeps the form softmax - one-hot in every base)."""
    A, P = embeddings(seed, d, B)
    s_b = infonce.forward(A, P, temperature=0.5, base=base)
    s_e = infonce.forward(A, P, temperature=0.5 / math.log(base), base=math.e)
    assert float(s_b["loss"]) == pytest.approx(float(s_e["loss"]) / math.log(base), rel=1e-10, abs=1e-12)
    np.testing.assert_allclose(s_b["prob"], s_e["prob"], rtol=1e-10, atol=1e-14)


# the first InfoNCE worksheet's numbers: three pairs of +-1 vectors of length 2
HAND_A = np.array([[1, 1, 1], [1, -1, 1], [1, 1, -1], [1, 1, 1]], dtype=float)
HAND_P = np.array([[1, 1, -1], [1, -1, 1], [1, 1, -1], [-1, -1, 1]], dtype=float)


def test_cells_worked_by_hand():
    """Three pairs of +-1 vectors, temperature 1/2, base 3, worked with pencil and paper.

    A = columns a1 = (1,1,1,1), a2 = (1,-1,1,1), a3 = (1,1,-1,1);
    P = columns p1 = (1,1,1,-1), p2 = (1,-1,1,-1), p3 = (-1,1,-1,1).
    Every column has length 2, so S = A^T P / (2 * 2).
    a1 . p1 = 1 + 1 + 1 - 1 = 2, so S[a1, p1] = 2/4 = 1/2; a1 . p2 = 1 - 1 + 1 - 1 = 0 and
    a1 . p3 = -1 + 1 - 1 + 1 = 0, so with temperature 1/2 the logits of a1 are (1, 0, 0).
    Row a1: max 1, pow = 3^(logits - 1) = (1, 1/3, 1/3), sum = 5/3, prob = (3/5, 1/5, 1/5),
    loss_1 = -log_3(3/5) = log_3(5/3).
    Row a2: a2 . (p1, p2, p3) = (0, 2, -2), logits (0, 1, -1), pow (1/3, 1, 1/9), sum 13/9,
    prob (3/13, 9/13, 1/13), loss_2 = log_3(13/9). Row a3: a3 . (p1, p2, p3) = (0, -2, 2)
    ... the same numbers with p2 and p3 swapped, loss_3 = log_3(13/9).
    loss = (log_3(5/3) + 2 log_3(13/9)) / 3.
    dlogits[a1, p1] = (3/5 - 1) / 3 = -2/15; dS = dlogits / (1/2) = -4/15.
    """
    s = infonce.forward(HAND_A, HAND_P, temperature=0.5, base=3)
    g = infonce.backward(s)
    assert s["S"][0, 0] == 0.5
    np.testing.assert_array_equal(s["logits"][0], [1, 0, 0])
    assert s["sum"][0, 0] == pytest.approx(5 / 3)
    np.testing.assert_allclose(s["prob"][0], [3 / 5, 1 / 5, 1 / 5])
    np.testing.assert_allclose(s["prob"][1], [3 / 13, 9 / 13, 1 / 13])
    expected = (math.log(5 / 3, 3) + 2 * math.log(13 / 9, 3)) / 3
    assert float(s["loss"]) == pytest.approx(expected, rel=1e-12)
    assert g["dlogits"][0, 0] == pytest.approx(-2 / 15)
    assert g["dS"][0, 0] == pytest.approx(-4 / 15)


def test_batch_of_one_has_zero_loss_and_gradient():
    A, P = embeddings(0, 5, 1)
    s = infonce.forward(A, P, temperature=0.05)
    g = infonce.backward(s)
    assert float(s["loss"]) == 0.0
    assert not g["dA"].any() and not g["dP"].any()


@pytest.mark.parametrize("temperature, scale", [(1e-4, 1.0), (0.05, 1e150), (1e-4, 1e-150)])
def test_extreme_valid_input_stays_finite(temperature, scale):
    A, P = embeddings(1, 16, 8, scale)
    s = infonce.forward(A, P, temperature=temperature)
    g = infonce.backward(s)
    assert math.isfinite(float(s["loss"])) and float(s["loss"]) >= 0
    assert np.isfinite(g["dA"]).all() and np.isfinite(g["dP"]).all()
    # scale-free: the loss of the scaled inputs is the loss of the unscaled ones
    A1, P1 = embeddings(1, 16, 8)
    assert float(s["loss"]) == pytest.approx(float(infonce.forward(A1, P1, temperature=temperature)["loss"]), rel=1e-9)


def test_inputs_are_never_modified():
    A, P = embeddings(2, 6, 4)
    A0, P0 = A.copy(), P.copy()
    s = infonce.forward(A, P, temperature=0.1, base=3)
    infonce.backward(s)
    np.testing.assert_array_equal(A, A0)
    np.testing.assert_array_equal(P, P0)
    with pytest.raises(ValueError):
        s["A"][0, 0] = 5.0  # the steps are read-only, so no caller can write through them


def test_steps_are_in_worksheet_order_and_shapes():
    A, P = embeddings(3, 5, 4)
    s = infonce.forward(A, P, temperature=0.1)
    assert list(s) == ["A", "P", "|A|", "|P|", "S", "logits", "max", "pow", "sum", "prob",
                       "loss_i", "loss"]
    assert s["S"].shape == (4, 4) and s["|A|"].shape == (1, 4) and s["loss"].shape == ()
    g = infonce.backward(s)
    assert list(g) == ["dlogits", "dS", "A_hat", "P_hat", "dA_hat", "dP_hat", "along_A", "dA",
                       "along_P", "dP"]
    assert g["dA"].shape == A.shape and g["dP"].shape == P.shape


# -- the worksheet's route: fewer boxes, the library's loss and gradient ----------------

def sheet_steps(A, P, temperature):
    from aibyhand.classroom import catalog

    ws = catalog.get("infonce")
    return ws.steps({"A": A, "P": P, "temperature": temperature, "base": 3})


@pytest.mark.parametrize("seed", range(6))
def test_the_sheets_route_is_the_librarys_loss_and_anchor_gradient(seed):
    """The sheet puts the temperature into the power, takes dS in one step and the part
    along each anchor as a row sum of S * dS (a_hat . P_hat dS^T = row of S times row of
    dS): the same prob, loss, along_A and dA as forward and backward, on any numbers."""
    rng = np.random.default_rng(seed)
    B = int(rng.integers(2, 6))
    A, P = rng.normal(size=(5, B)), rng.normal(size=(5, B))
    temperature = float(rng.choice([0.05, 1 / 3, 0.5, 2.0]))
    s = sheet_steps(A, P, temperature)
    ref = infonce.forward(A, P, temperature=temperature, base=3)
    g = infonce.backward(ref)
    for k in ("S", "prob", "loss_i", "loss"):
        np.testing.assert_allclose(s[k], ref[k], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s["dS"], g["dS"], rtol=1e-12, atol=1e-15)
    np.testing.assert_allclose(s["along_A"].T, g["along_A"], rtol=1e-10, atol=1e-13)
    np.testing.assert_allclose(s["dA"], g["dA"], rtol=1e-10, atol=1e-13)
    P_hat = P / np.linalg.norm(P, axis=0)
    np.testing.assert_allclose(s["lesson / toward"], -(g["dA"].T @ P_hat), rtol=1e-10, atol=1e-13)


def test_the_lesson_is_the_last_part_and_the_generators_screen_computes_it():
    """The sheet's steps end with the part 'What this showed', its steps named 'lesson /';
    the generator's vectorised toward() is the sheet's lesson step, seed by seed."""
    from aibyhand.classroom import catalog, variants

    ws = catalog.get("infonce")
    for seed in range(8):
        data = ws.load(seed=seed)
        parts = ws.run(data)
        assert parts[-1].title.startswith("What this showed: ")
        assert list(parts[-1]) and all(k.startswith("lesson / ") for k in parts[-1])
        got = variants.toward(data["A"][None], data["P"][None], data["temperature"])[0]
        np.testing.assert_allclose(got, ws.steps(data)["lesson / toward"], rtol=1e-10, atol=1e-13)
    last = ws.sheet.pages[-1]
    lesson = [it for row in last.slots for it in row if it is not None and it.step.startswith("lesson / ")]
    assert lesson and all(it.role == "box" for it in lesson)
    from aibyhand.classroom import layout

    cells = [c for c in layout.cells(ws.sheet, ws.steps(data)) if c.step.startswith("lesson / ")]
    assert 1 <= len(cells) <= 3
