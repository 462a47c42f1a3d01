"""The projection head: the contract of embed.head, its gradients, worksheet 6."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from aibyhand import embed, head


def head_inputs(seed, d=4, B=3, d_up=16, d_out=8):
    rng = np.random.default_rng(seed)
    return (rng.normal(size=(d, B)), rng.normal(size=(d_up, d)), rng.normal(size=(d_out, d_up)))


@given(st.integers(0, 2**32 - 1), st.integers(1, 8), st.integers(1, 6), st.integers(1, 12), st.integers(1, 7))
def test_head_contract_and_a_second_route(seed, d, B, d_up, d_out):
    X, W_up, W_down = head_inputs(seed, d, B, d_up, d_out)
    s = embed.head(X, W_up, W_down)
    assert s["E"].shape == (d_out, B)
    np.testing.assert_allclose(np.linalg.norm(s["E"], axis=0), 1.0, rtol=1e-14)
    Y = W_down @ (W_up @ X)
    np.testing.assert_allclose(s["E"], Y / np.linalg.norm(Y, axis=0), rtol=1e-12, atol=1e-14)


@given(st.integers(0, 2**32 - 1), st.integers(1, 6), st.integers(1, 5))
def test_head_gradients_match_finite_differences(seed, d, B):
    X, W_up, W_down = head_inputs(seed, d, B, d_up=4 * d, d_out=5)
    C = np.random.default_rng(seed + 1).normal(size=(5, B))
    g = embed.head_backward(embed.head(X, W_up, W_down), C)
    rng = np.random.default_rng(seed)
    loss = lambda X, W_up, W_down: float(np.sum(C * embed.head(X, W_up, W_down)["E"]))  # noqa: E731
    gradcheck.check(lambda W: loss(X, W, W_down), W_up, g["dW_up"], rng, rtol=1e-7)
    gradcheck.check(lambda W: loss(X, W_up, W), W_down, g["dW_down"], rng, rtol=1e-7)
    gradcheck.check(lambda Z: loss(Z, W_up, W_down), X, g["dX"], rng, rtol=1e-7)


def test_head_equals_sentence_transformers_dense_dense_normalize():
    """sentence_transformers.models.Dense(bias=False, activation_function=Identity) is an
    nn.Linear without bias; Normalize is F.normalize(p=2, dim=1). Rows are examples."""
    torch = pytest.importorskip("torch")
    X, W_up, W_down = head_inputs(0, d=768, B=16, d_up=3072, d_out=768)
    up = torch.nn.Linear(768, 3072, bias=False, dtype=torch.float64)
    down = torch.nn.Linear(3072, 768, bias=False, dtype=torch.float64)
    with torch.no_grad():
        up.weight.copy_(torch.from_numpy(W_up))
        down.weight.copy_(torch.from_numpy(W_down))
        e = torch.nn.functional.normalize(down(up(torch.from_numpy(X.T))), p=2, dim=1)
    np.testing.assert_allclose(embed.head(X, W_up, W_down)["E"], e.numpy().T, rtol=1e-10, atol=1e-13)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 6), st.integers(1, 4))
def test_two_layers_are_one_matrix_of_rank_at_most_d_model(seed, d, d_out, B):
    """Y = M X equals the two layers applied in turn (embed.head's Y, a second route); M
    has the rank its factors allow: min(d_model, d_out) for random weights, 1 when W_up
    has one distinct column direction."""
    X, W_up, W_down = head_inputs(seed, d, B, d_up=4 * d, d_out=d_out)
    T = np.random.default_rng(seed + 5).normal(size=(4 * d, B))
    s = head.forward(X, W_up, W_down, T, dims=(d_out,))
    np.testing.assert_allclose(s["Y"], embed.head(X, W_up, W_down)["Y"], rtol=1e-10, atol=1e-12)
    assert int(s["rank M"]) == min(d, d_out)
    flat = np.repeat(W_up[:, :1], d, axis=1) * np.arange(1, d + 1)   # every column parallel
    assert int(head.forward(X, flat, W_down, T, dims=(d_out,))["rank M"]) == 1


@given(st.integers(0, 2**32 - 1), st.integers(1, 4), st.integers(1, 4))
def test_distillation_gradient_matches_finite_differences(seed, d, B):
    X, W_up, W_down = head_inputs(seed, d=d, B=B, d_up=4 * d, d_out=3)
    T = np.random.default_rng(seed + 5).normal(size=(4 * d, B))
    g = head.backward(head.forward(X, W_up, W_down, T, dims=(3, 2)))
    rng = np.random.default_rng(seed)
    loss = lambda W: float(head.forward(X, W, W_down, T, dims=(3, 2))["distill loss"])  # noqa: E731
    gradcheck.check(loss, W_up, g["dW_up"], rng, rtol=1e-7)


# the first projection-head worksheet's numbers (its --seed 0), written here so the
# working below stays true whatever the worksheet file becomes
HAND_X = np.array([[1, 2], [0, 1]], dtype=float)
HAND_W_UP = np.array([[2, 0], [1, -2], [-1, 1], [0, 2], [1, 2], [-1, 2], [0, 1], [1, 0]], dtype=float)
HAND_W_DOWN = np.array([[1, -1, 0, 0, 0, 0, -3, 2], [-1, 0, -1, 0, 0, 0, -1, 0],
                        [0, -1, 1, 0, 0, 0, -3, 0], [-1, 0, 0, 0, 0, 1, -1, 3]], dtype=float)
HAND_T = np.array([[-2, 1], [3, -2], [-3, 0], [-2, 0], [-3, 4], [-4, -3], [-2, 4], [-1, -1]],
                  dtype=float)


def test_head_cells_by_hand():
    """By hand, with pencil and paper.

    M = W_down W_up: row 1 of W_down (1,-1,0,0,0,0,-3,2) times W_up's columns
    (2,1,-1,0,1,-1,0,1) and (0,-2,1,2,2,2,1,0): 2 - 1 + 2 = 3 and 2 - 3 = -1.
    In all M = [[3, -1], [-1, -2], [-2, 0], [0, 1]]; its columns are not parallel: rank 2.
    Y = M X with X = [[1, 2], [0, 1]]: Y[:, x1] = M's first column = (3, -1, -2, 0);
    Y[:, x2] = 2 (first column) + (second) = (5, -4, -4, 1).
    |Y| = (sqrt(9 + 1 + 4), sqrt(25 + 16 + 16 + 1)) = (sqrt 14, sqrt 58).
    cos at width 4 = (15 + 4 + 8 + 0) / sqrt(14 * 58) = 27 / sqrt(812);
    at width 2 = (15 + 4) / (sqrt 10 sqrt 41) = 19 / sqrt(410).
    U = W_up X: row 1 (2, 0) -> (2, 4); D = U - T: row 1 (2 + 2, 4 - 1) = (4, 3).
    D's squares: rows (16+9, 4+4, 4+1, 4+4, 16+0, 9+9, 4+9, 4+9) add to 106: loss 106 / 4.
    dW_up = D X^T / 2: row 1 ((4 * 1 + 3 * 2) / 2, (4 * 0 + 3 * 1) / 2) = (5, 3/2).
    """
    s = head.forward(HAND_X, HAND_W_UP, HAND_W_DOWN, HAND_T, dims=(4, 2))
    np.testing.assert_array_equal(s["M"], [[3, -1], [-1, -2], [-2, 0], [0, 1]])
    assert int(s["rank M"]) == 2
    np.testing.assert_array_equal(s["Y"], [[3, 5], [-1, -4], [-2, -4], [0, 1]])
    np.testing.assert_allclose(s["|Y|"], [[14 ** 0.5, 58 ** 0.5]], rtol=1e-15)
    assert s["cos4"][0, 1] == pytest.approx(27 / 812 ** 0.5, rel=1e-14)
    assert s["cos2"][0, 1] == pytest.approx(19 / 410 ** 0.5, rel=1e-14)
    np.testing.assert_array_equal(s["Y2"], [[3, 5], [-1, -4]])
    np.testing.assert_allclose(s["|Y2|"], [[10 ** 0.5, 41 ** 0.5]], rtol=1e-15)
    np.testing.assert_array_equal(s["D"][0], [4, 3])
    assert float(s["distill loss"]) == 106 / 4
    np.testing.assert_allclose(head.backward(s)["dW_up"][0], [5, 1.5], rtol=1e-15)


def test_the_head_sheet_ends_with_what_this_showed():
    """The sheet's last part is the lesson (issue 18 §4): titled "What this showed: ", its
    steps named "lesson / ", 1 to 3 boxes, all on the last page, in the same answers file:
    rank M (the collapsed matrix's rank, every seed 2: the input is 2-d) and moved = cos2 -
    cos4 (what truncation to width 2 does to the two inputs' cosine). The notebook prints
    them."""
    from pathlib import Path

    from aibyhand.classroom import catalog, check, layout

    ws = catalog.get("head")
    for seed in (0, 1, 2, 17):
        data = ws.load(seed=seed)
        lesson = ws.run(data)[-1]
        assert lesson.title.startswith("What this showed: ")
        assert list(lesson) and all(n.startswith("lesson / ") for n in lesson)
        steps = ws.steps(data)
        cells = [c for c in layout.cells(ws.sheet, steps) if c.step.startswith("lesson / ")]
        assert 1 <= len(cells) <= 3 and {c.step for c in cells} == set(lesson)
        last = {it.step for row in ws.sheet.pages[-1].slots for it in row if it is not None}
        assert set(lesson) <= last
        assert int(steps["lesson / rank M"]) == np.linalg.matrix_rank(steps["M"]) == 2
        np.testing.assert_allclose(steps["lesson / moved"], steps["cos2"] - steps["cos4"], rtol=0, atol=1e-15)
        template = check.template(ws.sheet, steps, worksheet="head")
        assert '"lesson / rank M" = ""' in template and '"lesson / moved" = [' in template
    source = (Path(__file__).resolve().parent.parent / "notebooks" / "06_projection_head.py").read_text()
    assert "ws.run(data)[-1]" in source and "lesson.show(" in source


def test_the_head_sheet_divides_no_length_by_hand():
    """The sheet's E and E2 are the library's Y / |Y| (every value head.forward's), written
    Y * R / 100 with R = 100 / |Y| printed (R2 for Y2, the first 2 rows of Y), for every
    seed 0-31; no code notation ("Y[:2]") on the sheet."""
    from aibyhand.classroom import catalog, layout

    ws = catalog.get("head")
    for seed in range(32):
        data = ws.load(seed=seed)
        steps = ws.steps(data)
        ref = head.forward(data["X"], data["W_up"], data["W_down"], data["T"], dims=data["dims"])
        for name in ("M", "Y", "E", "E2", "cos4", "cos2", "U", "D", "distill loss"):
            np.testing.assert_array_equal(steps[name], ref[name])
        np.testing.assert_allclose(steps["R"], 100 / np.linalg.norm(ref["Y"], axis=0, keepdims=True), rtol=1e-15)
        np.testing.assert_allclose(steps["R2"], 100 / np.linalg.norm(ref["Y"][:2], axis=0, keepdims=True),
                                   rtol=1e-15)
        np.testing.assert_allclose(steps["E"], steps["Y"] * steps["R"] / 100, rtol=1e-14)
        assert steps.step("E").formula == "Y * R / 100" and steps.step("E2").formula == "Y2 * R2 / 100"
    shown = {layout.formula(it, steps) for _, it in ws.sheet.items() if it.role == "box"}
    words = " ".join([p.todo for p in ws.sheet.pages] + [p.title for p in ws.sheet.pages] + list(shown))
    assert "[:" not in words and "the first 2 rows of Y" in words
