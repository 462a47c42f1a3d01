"""Fine-tuning by MRL: the head step and the full step, gradients by independent routes."""

import math
import os

import numpy as np
import pytest
from hypothesis import assume, given, settings
from hypothesis import strategies as st

import gradcheck
from aibyhand import embed, finetune, mrl
from aibyhand.classroom import catalog
from models import HAND_MODEL, random_model, random_sentences


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
                B=draw(st.integers(2, 3)), freeze=draw(st.booleans()),
                temperature=draw(st.sampled_from([0.1, 0.5, 1.0, 2.0])),
                base=draw(st.sampled_from([math.e, 3.0])))


@settings(max_examples=int(os.environ.get("AIBYHAND_STEP_EXAMPLES", "30" if os.environ.get("CI") else "15")))
@given(model_cases())
def test_full_step_gradients_match_finite_differences(case):
    """Every weight's gradient of the whole step (backbone, pooling, head, MRL) against
    central differences, with B >= 2 pairs (B = 1 has loss 0 and zero gradients, a check
    that cannot fail) and drawn temperatures."""
    p = random_model(case["seed"], d=case["d"], d_ff=case["d_ff"], n_max=case["n_max"], d_out=case["d_out"])
    B = case["B"]
    texts = random_sentences(case["seed"], 2 * B, case["n_max"])
    dims = sorted({case["d_out"], max(1, case["d_out"] // 2)}, reverse=True)
    kw = dict(dims=dims, temperature=case["temperature"], base=case["base"])
    s = finetune.step(p, texts[:B], texts[B:], lr=0.1, freeze_backbone=case["freeze"], after=False, **kw)
    F = s["embed / F"]
    lengths = np.array([len(t.split()) for t in texts])
    real = np.arange(F.shape[2])[None, :] < lengths[:, None]                     # (2B, n)
    assume(np.abs(F).transpose(0, 2, 1)[real].min() > 1e-4)  # not on the ReLU's kink
    assume(float(s["loss"]) > 1e-6)

    def loss(name, W):
        E = embed.forward({**p, name: W}, texts, base=case["base"])["E"]
        return float(mrl.forward(E[:, :B], E[:, B:], **kw)["loss"])

    rng = np.random.default_rng(case["seed"])
    for name in finetune.TRAINABLE:
        grad = s[f"embed / d{name}"]
        gradcheck.check(lambda W, name=name: loss(name, W), p[name], grad, rng, rtol=1e-6,
                        h=1e-6, coordinates=25)
        new = s[f"new / {name}"]
        if case["freeze"] and name not in finetune.HEAD:
            np.testing.assert_array_equal(new, p[name])
        else:
            np.testing.assert_allclose(new, p[name] - 0.1 * grad, rtol=1e-15, atol=1e-15)


def test_relu_slope_at_zero_is_zero_and_one_sided_differences_agree():
    """ReLU'(0) is taken as 0 (``positive(F)``). In HAND_MODEL the sixth row of W1 is all
    zeros, so that unit's pre-activation is exactly 0 for every token: its gradient is
    exactly 0, which is the one-sided derivative from the side where ReLU is flat (moving
    the row so that every token's pre-activation goes below 0); from the other side the
    derivative is not 0, which is why the rule has to be stated."""
    p = {**HAND_MODEL, "W_up": np.random.default_rng(1).normal(size=(16, 4)),
         "W_down": np.random.default_rng(2).normal(size=(8, 16))}
    anchors, positives = ["the", "cat"], ["dog", "sat"]
    texts = anchors + positives
    s = finetune.step(p, anchors, positives, lr=0.1, base=3, after=False)
    assert not s["embed / F"][:, 5, :].any()           # exactly 0: the kink, for every token
    assert not s["embed / dW1"][5].any()                # ReLU'(0) = 0: no gradient through it
    H1 = s["embed / H1"][:, :, 0]                       # (2B, d): each one-word sentence's token
    candidates = np.random.default_rng(0).normal(size=(1000, 4))
    down = candidates[np.flatnonzero((H1 @ candidates.T < -0.1).all(axis=0))[0]]
    assert (H1 @ down < 0).all()                        # a direction to the flat side for all

    def loss(row):
        W1 = p["W1"].copy()
        W1[5] = row
        E = embed.forward({**p, "W1": W1}, texts, base=3)["E"]
        return float(mrl.forward(E[:, :2], E[:, 2:], base=3)["loss"])

    h = 1e-4
    assert (loss(h * down) - loss(0 * down)) / h == pytest.approx(0, abs=1e-12)
    assert abs(loss(-h * down) - loss(0 * down)) / h > 1e-6


def test_worksheet_step_lowers_the_loss_at_every_width():
    d = catalog.get("finetune").load()
    sheet = catalog.get("finetune").steps(d)
    assert (sheet["after / losses"] < sheet["losses"]).all()
    whole = finetune.step(d["model"], d["anchors"], d["positives"], lr=d["train_lr"], base=d["base"])
    assert (whole["losses after"] < whole["losses before"]).all()


def test_worksheet_training_raises_top1_at_every_width():
    d = catalog.get("finetune").load()
    _, h = finetune.train(d["model"], d["anchors"], d["positives"], n_steps=d["train_steps"],
                          lr=d["train_lr"], base=d["base"])
    before, after = h["top-1"][0], h["top-1"][-1]
    assert (after > before).all(), (before, after)
    assert (h["loss"][-1] < h["loss"][0]).all()


def test_frozen_backbone_trains_the_head_only():
    d = catalog.get("finetune").load()
    p, _ = finetune.train(d["model"], d["anchors"], d["positives"], n_steps=3, lr=d["train_lr"],
                          base=3, freeze_backbone=True)
    for k in finetune.TRAINABLE:
        changed = not np.array_equal(p[k], d["model"][k])
        assert changed == (k in finetune.HEAD), k


@pytest.mark.parametrize("n_steps", [0, 2])
def test_trained_weights_are_new_arrays(n_steps):
    """The weights train returns, frozen or not, share no memory with the caller's: writing
    into them leaves the model the caller still holds as it was."""
    d = catalog.get("finetune").load()
    model = {k: np.array(v, dtype=np.float64) for k, v in d["model"].items()}
    p, _ = finetune.train(model, d["anchors"], d["positives"], n_steps=n_steps, lr=d["train_lr"],
                          base=3, freeze_backbone=True)
    for k in finetune.TRAINABLE:
        assert not np.shares_memory(p[k], model[k]), k
        assert p[k].flags.writeable, k


@pytest.mark.parametrize("n_steps", [0, 3])
def test_training_history_ends_are_its_first_and_last_rows(n_steps):
    """loss and top-1 have a row before each step and one after the last (``step 0`` ...);
    the before/after entries are their first and last rows; ``E before`` is the model's
    embeddings at the weights given, ``E after`` at the weights returned."""
    d = catalog.get("finetune").load()
    texts = list(d["anchors"]) + list(d["positives"])
    p, h = finetune.train(d["model"], d["anchors"], d["positives"], n_steps=n_steps, lr=d["train_lr"], base=3)
    for k in ("loss", "top-1"):
        assert h[k].shape[0] == n_steps + 1
        assert h.step(k).rows == tuple(f"step {t}" for t in range(n_steps + 1))
        assert np.array_equal(h[f"{k} before/after"], h[k][[0, -1]])
    np.testing.assert_allclose(h["E before"], embed.forward(d["model"], texts, base=3)["E"], rtol=1e-13, atol=1e-13)
    np.testing.assert_allclose(h["E after"], embed.forward(p, texts, base=3)["E"], rtol=1e-13, atol=1e-13)
    assert (n_steps == 0) == np.allclose(h["E before"], h["E after"])


def test_the_top_layer_alone_is_what_the_sheet_trains():
    """update=("W_down",): W_up stays, no gradient is spent on it, the loss after is the
    model with the new W_down alone."""
    Xa, Xp, W_up, W_down = head_problem(4, d=2, B=2, d_up=4, d_out=4)
    s = finetune.head_step(Xa, Xp, W_up, W_down, dims=(4, 2), lr=0.5, base=3, after=True,
                           update=("W_down",))
    assert "dW_up" not in s and "W_up_new" not in s
    np.testing.assert_allclose(s["after / Y"], s["W_down_new"] @ (W_up @ np.concatenate([Xa, Xp], 1)),
                               rtol=1e-13)
    # written as the sheet has it: no second forward, the step's change of Y
    assert s.step("after / Y").formula == "Y - lr dW_down U"
    np.testing.assert_allclose(s["after / Y"], s["Y"] - 0.5 * s["dW_down"] @ s["U"], rtol=1e-12, atol=1e-12)


# the first fine-tune worksheet's numbers (its --seed 0)
HAND_XA = np.array([[-1, 0], [-2, 2]], dtype=float)
HAND_XP = np.array([[0, -2], [-1, 1]], dtype=float)
HAND_W_UP = np.array([[0, 2], [1, 1], [-1, 0], [2, 0]], dtype=float)
HAND_W_DOWN = np.array([[0, -1, 0, 0], [-1, 2, 3, 0], [1, -3, -2, 0], [0, 2, 1, -1]], dtype=float)


def test_finetune_cells_by_hand():
    """The first anchor through the head, and its cosines at width 2, by hand.

    x_a1 = (-1, -2): U[:, a1] = W_up x = ((0,2).x, (1,1).x, (-1,0).x, (2,0).x) = (-4, -3, 1, -2).
    Y[:, a1] = W_down U: (0,-1,0,0) -> 3; (-1,2,3,0) -> 4 - 6 + 3 = 1;
    (1,-3,-2,0) -> -4 + 9 - 2 = 3; (0,2,1,-1) -> -6 + 1 + 2 = -3. So Y[:, a1] = (3, 1, 3, -3).
    x_p1 = (0, -1): U = (-2, -1, 0, 0), Y[:, p1] = (1, 0, 1, -2); x_p2 = (-2, 1): U = (2, -1, 2, -4),
    Y[:, p2] = (1, 2, 1, 4).
    Width 2: a1 = (3, 1), p1 = (1, 0), p2 = (1, 2): S[a1, p1] = 3 / sqrt(10),
    S[a1, p2] = (3 + 2) / (sqrt(10) sqrt(5)) = 1 / sqrt(2).
    """
    s = finetune.head_step(HAND_XA, HAND_XP, HAND_W_UP, HAND_W_DOWN, dims=(4, 2), lr=1.0, base=3,
                           after=True, update=("W_down",))
    np.testing.assert_array_equal(s["U"][:, 0], [-4, -3, 1, -2])
    np.testing.assert_array_equal(s["Y"][:, 0], [3, 1, 3, -3])
    np.testing.assert_array_equal(s["Y"][:, 2:], [[1, 1], [0, 2], [1, 1], [-2, 4]])
    np.testing.assert_allclose(s["m=2 / S"][0], [3 / 10 ** 0.5, 2 ** -0.5], rtol=1e-14)
