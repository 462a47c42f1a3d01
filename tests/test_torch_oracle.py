"""The same losses by torch autograd, written as sentence-transformers writes them.

``MultipleNegativesRankingLoss``: scores = cos_sim(anchors, positives) * scale,
cross_entropy(scores, arange(B)); ``MatryoshkaLoss``: that loss on the embeddings
truncated to each width, times the width's weight, summed. Skipped where torch is absent.
"""

import numpy as np
import pytest

torch = pytest.importorskip("torch")
F = torch.nn.functional

from aibyhand import infonce, mrl  # noqa: E402


def mnrl(a, p, scale):
    """sentence-transformers' MultipleNegativesRankingLoss with cos_sim; rows are examples."""
    scores = F.normalize(a, dim=1) @ F.normalize(p, dim=1).T * scale
    return F.cross_entropy(scores, torch.arange(a.shape[0]))


def torch_grads(loss_fn, A, P):
    a = torch.tensor(A.T, requires_grad=True)
    p = torch.tensor(P.T, requires_grad=True)
    loss = loss_fn(a, p)
    loss.backward()
    return loss.item(), a.grad.numpy().T, p.grad.numpy().T


@pytest.mark.parametrize("d, B", [(8, 3), (64, 16), (768, 128)])
def test_infonce_equals_multiple_negatives_ranking_loss(d, B):
    rng = np.random.default_rng(d + B)
    A, P = rng.normal(size=(d, B)), rng.normal(size=(d, B))
    s = infonce.forward(A, P, temperature=0.05)
    g = infonce.backward(s)
    loss, dA, dP = torch_grads(lambda a, p: mnrl(a, p, scale=20.0), A, P)
    assert float(s["loss"]) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(g["dA"], dA, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(g["dP"], dP, rtol=1e-9, atol=1e-15)


@pytest.mark.parametrize("dims, weights", [((768, 512, 256, 128), None), ((64, 8, 300), (1.0, 0.25, 2.0))])
def test_mrl_equals_matryoshka_loss(dims, weights):
    rng = np.random.default_rng(7)
    A, P = rng.normal(size=(768, 128)), rng.normal(size=(768, 128))
    s = mrl.forward(A, P, dims=dims, weights=weights, temperature=0.05)
    g = mrl.backward(s)
    w = weights or [1.0] * len(dims)
    loss, dA, dP = torch_grads(
        lambda a, p: sum(wm * mnrl(a[:, :m], p[:, :m], 20.0) for m, wm in zip(dims, w)), A, P)
    assert float(s["loss"]) == pytest.approx(loss, rel=1e-12)
    np.testing.assert_allclose(g["dA"], dA, rtol=1e-9, atol=1e-15)
    np.testing.assert_allclose(g["dP"], dP, rtol=1e-9, atol=1e-15)
