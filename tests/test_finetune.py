"""Fine-tuning by MRL: the head step and the full step, gradients by independent routes."""

import math

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradcheck
from aibyhand import catalog, embed, finetune, mrl
from models import random_model, random_sentences


def head_problem(seed, d=4, B=3, d_up=16, d_out=8):
    rng = np.random.default_rng(seed)
    Xa = rng.normal(size=(d, B))
    return (Xa, Xa + 0.5 * rng.normal(size=(d, B)), rng.normal(size=(d_up, d)) * 0.5,
            rng.normal(size=(d_out, d_up)) * 0.5)


def test_head_step_contract():
    Xa, Xp, W_up, W_down = head_problem(0)
    copies = [x.copy() for x in (Xa, Xp, W_up, W_down)]
    s = finetune.head_step(Xa, Xp, W_up, W_down, lr=0.1)
    for key in ("loss", "dW_up", "dW_down", "W_up_new", "W_down_new"):
        assert key in s
    assert s["dW_up"].shape == W_up.shape and s["dW_down"].shape == W_down.shape
    np.testing.assert_array_equal(s["W_up_new"], W_up - 0.1 * s["dW_up"])
    np.testing.assert_array_equal(s["W_down_new"], W_down - 0.1 * s["dW_down"])
    for x, x0 in zip((Xa, Xp, W_up, W_down), copies):
        np.testing.assert_array_equal(x, x0)
    # the loss before the update is the Matryoshka loss of the head's outputs
    Y = W_down @ W_up @ np.concatenate([Xa, Xp], axis=1)
    assert float(s["loss"]) == pytest.approx(float(mrl.forward(Y[:, :3], Y[:, 3:])["loss"]), rel=1e-12)


@given(st.integers(0, 2**32 - 1), st.integers(1, 5), st.integers(1, 6),
       st.sampled_from([(8, 4, 2), (8,), (5, 3, 1)]), st.sampled_from([0.1, 1.0]),
       st.sampled_from([math.e, 3.0]))
def test_head_step_gradients_match_finite_differences(seed, d, B, dims, temperature, base):
    Xa, Xp, W_up, W_down = head_problem(seed, d, B, d_up=4 * d)
    kw = dict(dims=dims, temperature=temperature, base=base)
    s = finetune.head_step(Xa, Xp, W_up, W_down, lr=0.1, **kw)
    X = np.concatenate([Xa, Xp], axis=1)

    def loss(W_up, W_down):  # the loss head_step reports, without its backward
        Y = W_down @ W_up @ X
        return float(mrl.forward(Y[:, :B], Y[:, B:], **kw)["loss"])

    rng = np.random.default_rng(seed)
    gradcheck.check(lambda W: loss(W, W_down), W_up, s["dW_up"], rng, rtol=1e-7, h=1e-4, coordinates=15)
    gradcheck.check(lambda W: loss(W_up, W), W_down, s["dW_down"], rng, rtol=1e-7, h=1e-4, coordinates=15)


@pytest.mark.parametrize("size", ["worksheet", "gemma"])
def test_head_step_equals_torch_autograd(size):
    torch = pytest.importorskip("torch")
    F = torch.nn.functional
    if size == "worksheet":
        d = catalog.get("finetune").load()
        Xa, Xp, W_up, W_down, dims, t, lr, base = (d["Xa"], d["Xp"], d["W_up"], d["W_down"],
                                                   tuple(d["dims"]), d["temperature"], d["lr"], d["base"])
    else:
        Xa, Xp, W_up, W_down = head_problem(1, d=768, B=32, d_up=3072, d_out=768)
        dims, t, lr, base = (768, 512, 256, 128), 0.05, 0.01, math.e
    s = finetune.head_step(Xa, Xp, W_up, W_down, dims=dims, temperature=t, lr=lr, base=base)
    wu = torch.tensor(W_up, requires_grad=True)
    wd = torch.tensor(W_down, requires_grad=True)
    Y = (wd @ (wu @ torch.tensor(np.concatenate([Xa, Xp], axis=1)))).T     # rows are examples
    B = Xa.shape[1]
    loss = 0
    for m in dims:  # sentence-transformers' MatryoshkaLoss over MultipleNegativesRankingLoss
        scores = F.normalize(Y[:B, :m], dim=1) @ F.normalize(Y[B:, :m], dim=1).T / t
        loss = loss + F.cross_entropy(scores * math.log(base), torch.arange(B)) / math.log(base)
    loss.backward()
    assert float(s["loss"]) == pytest.approx(loss.item(), rel=1e-12)
    np.testing.assert_allclose(s["dW_up"], wu.grad.numpy(), rtol=1e-9, atol=1e-13)
    np.testing.assert_allclose(s["dW_down"], wd.grad.numpy(), rtol=1e-9, atol=1e-13)
    with torch.no_grad():
        np.testing.assert_allclose(s["W_up_new"], (wu - lr * wu.grad).numpy(), rtol=1e-12, atol=1e-15)
        np.testing.assert_allclose(s["W_down_new"], (wd - lr * wd.grad).numpy(), rtol=1e-12, atol=1e-15)


@st.composite
def model_cases(draw):
    n_max = draw(st.integers(1, 4))
    return dict(seed=draw(st.integers(0, 2**32 - 1)), d=draw(st.integers(2, 4)),
                d_ff=draw(st.integers(1, 5)), n_max=n_max, d_out=draw(st.integers(2, 5)),
                B=draw(st.integers(1, 3)), freeze=draw(st.booleans()),
                base=draw(st.sampled_from([math.e, 3.0])))


@settings(max_examples=15)  # each example runs the whole model some 900 times
@given(model_cases())
def test_full_step_gradients_match_finite_differences(case):
    p = random_model(case["seed"], d=case["d"], d_ff=case["d_ff"], n_max=case["n_max"], d_out=case["d_out"])
    B = case["B"]
    texts = random_sentences(case["seed"], 2 * B, case["n_max"])
    dims = sorted({case["d_out"], max(1, case["d_out"] // 2)}, reverse=True)
    kw = dict(dims=dims, temperature=0.5, base=case["base"])
    s = finetune.step(p, texts[:B], texts[B:], lr=0.1, freeze_backbone=case["freeze"], after=False, **kw)
    F = s["embed / F"]
    real = np.arange(F.shape[2])[None, :] < np.array(s.meta.get("_lengths", [F.shape[2]] * F.shape[0]))[:, None]
    assume(np.abs(F).transpose(0, 2, 1)[real].min() > 1e-4)  # not on the ReLU's kink

    def loss(name, W):
        E = embed.forward({**p, name: W}, texts, base=case["base"])["E"]
        return float(mrl.forward(E[:, :B], E[:, B:], **kw)["loss"])

    rng = np.random.default_rng(case["seed"])
    for name in finetune.TRAINABLE:
        grad = s[f"embed backward / d{name}"]
        gradcheck.check(lambda W, name=name: loss(name, W), p[name], grad, rng, rtol=1e-6,
                        h=1e-6, coordinates=25)
        new = s[f"new / {name}"]
        if case["freeze"] and name not in finetune.HEAD:
            np.testing.assert_array_equal(new, p[name])
        else:
            np.testing.assert_allclose(new, p[name] - 0.1 * grad, rtol=1e-15, atol=1e-15)


def test_worksheet_step_lowers_the_loss_at_every_width():
    d = catalog.get("finetune").load()
    sheet = catalog.get("finetune").run(d)[0]
    assert (sheet["losses after"] < sheet["losses"]).all()
    whole = finetune.step(catalog.finetune_model(d), d["anchors"], d["positives"], dims=tuple(d["dims"]),
                          temperature=d["temperature"], lr=d["lr"], base=d["base"])
    assert (whole["losses after"] < whole["losses before"]).all()


def test_worksheet_training_raises_top1_at_every_width():
    d = catalog.get("finetune").load()
    _, h = finetune.train(catalog.finetune_model(d), d["anchors"], d["positives"], n_steps=d["train_steps"],
                          dims=tuple(d["dims"]), temperature=d["temperature"], lr=d["train_lr"],
                          base=d["base"])
    before, after = h["top-1"][0], h["top-1"][-1]
    assert (after > before).all(), (before, after)
    assert (h["loss"][-1] < h["loss"][0]).all()


def test_frozen_backbone_trains_the_head_only():
    d = catalog.get("finetune").load()
    p, _ = finetune.train(catalog.finetune_model(d), d["anchors"], d["positives"], n_steps=3, lr=d["lr"],
                          base=3, freeze_backbone=True)
    for k in finetune.TRAINABLE:
        changed = not np.array_equal(p[k], catalog.finetune_model(d)[k])
        assert changed == (k in finetune.HEAD), k


def test_finetune_worksheet_cells_by_hand():
    """worksheets/05_finetune_mrl.toml, the first anchor and the width-2 level by hand.

    a1 = (1,0,0,0): U[:, a1] is column 0 of W_up, which has 1 in rows 0 and 3 and -1 in
    rows 4 and 11; so Y[:, a1] = W_down[:, 0] + W_down[:, 3] - W_down[:, 4] - W_down[:, 11]
    = (1,0,0,-1,0,1,0,0) + (0,-1,2,-1,-2,1,1,2) - (0,0,0,0,0,0,-1,0) - (1,0,0,0,0,0,0,0)
    = (0,-1,2,-2,-2,2,2,2): length 1 at width 2, 3 at width 4, 5 at width 8.
    Width 2: a1 -> (0,-1), a2 -> (0,1), p1 = (2,0) -> (1,0), p2 -> (0,-1).
    S = [[0, 1], [0, -1]]; temperature 1. Row a1: 3^(L - 1) = (1/3, 1), Z = 4/3,
    prob = (1/4, 3/4), own 1/4. Row a2: (1, 1/3) -> (3/4, 1/4), own 1/4.
    Width-2 loss = log_3 4; dL row a1 = (1/4 - 1, 3/4) / 2 = (-3/8, 3/8).
    """
    s = catalog.get("finetune").steps()
    np.testing.assert_array_equal(s["Y"][:, 0], [0, -1, 2, -2, -2, 2, 2, 2])
    np.testing.assert_array_equal(s["m=2 / S"], [[0, 1], [0, -1]])
    assert float(s["m=2 / loss"]) == pytest.approx(math.log(4, 3), rel=1e-14)
    np.testing.assert_allclose(s["m=2 / dL"][0], [-3 / 8, 3 / 8], rtol=1e-14)
