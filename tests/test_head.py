"""The projection head: the contract of embed.head, its gradients, worksheet 6."""

import numpy as np
import pytest
from hypothesis import given
from hypothesis import strategies as st

import gradcheck
from aibyhand import catalog, embed, head


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


@given(st.integers(0, 2**32 - 1))
def test_two_layers_are_one_matrix_and_distillation_gradient(seed):
    X, W_up, W_down = head_inputs(seed, d=4, B=3)
    T = np.random.default_rng(seed + 5).normal(size=(16, 3))
    s = head.forward(X, W_up, W_down, T)
    np.testing.assert_allclose(s["Y via M"], s["Y"], rtol=1e-10, atol=1e-12)
    assert int(s["rank M"]) <= 4
    g = head.backward(s)
    rng = np.random.default_rng(seed)
    loss = lambda W: float(head.forward(X, W, W_down, T)["distill loss"])  # noqa: E731
    gradcheck.check(loss, W_up, g["dW_up"], rng, rtol=1e-7)


def test_head_worksheet_cells_by_hand():
    """worksheets/06_projection_head.toml, by hand from the printed Y.

    Y[:, x1] = (0, 2, -2, 1, -2, 2, -2, 2): squares add to 0+4+4+1+4+4+4+4 = 25, length 5;
    the first four to 9 (length 3), the first two to 4 (length 2).
    Y[:, x2] = (2, 0, -1, 2, 0, 0, 0, -4), also of length 5, 3, 2.
    Width 8: x1 . x2 = 0+0+2+2+0+0+0-8 = -4, cos = -4/25. Width 4: 0+0+2+2 = 4, cos = 4/9.
    Width 2: (0, 2) . (2, 0) = 0.
    M = W_down W_up is 8 x 4; its rank is at most 4.
    """
    s = catalog.get("head").steps()
    np.testing.assert_array_equal(s["Y"][:, 0], [0, 2, -2, 1, -2, 2, -2, 2])
    np.testing.assert_array_equal(s["|Y|"], [[5, 5]])
    np.testing.assert_allclose(s["m=4 / |E[:m]|"], [[3 / 5, 3 / 5]], rtol=1e-15)
    assert s["m=8 / cos"][0, 1] == pytest.approx(-4 / 25, rel=1e-14)
    assert s["m=4 / cos"][0, 1] == pytest.approx(4 / 9, rel=1e-14)
    assert s["m=2 / cos"][0, 1] == pytest.approx(0, abs=1e-15)
    assert s["M"].shape == (8, 4) and int(s["rank M"]) <= 4
