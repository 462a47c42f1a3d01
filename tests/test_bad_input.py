"""Every class of bad input: a ValueError or TypeError naming the argument, what was expected and what came."""

import re

import numpy as np
import pytest

from aibyhand import infonce, mrl

rng = np.random.default_rng(0)
A = rng.normal(size=(8, 3))
P = rng.normal(size=(8, 3))


def with_value(x, index, value):
    x = x.copy()
    x[index] = value
    return x


def zero_column(x, j, rows=slice(None)):
    x = x.copy()
    x[rows, j] = 0.0
    return x


CASES = [
    # (call, error, words the message must contain)
    (lambda: infonce.forward(A[:, 0], P), ValueError, ["A", "2-D", "(8,)"]),
    (lambda: infonce.forward(A, P[:, :2]), ValueError, ["P", "(8, 3)", "(8, 2)"]),
    (lambda: infonce.forward(A, P[:5]), ValueError, ["P", "shape of A"]),
    (lambda: infonce.forward(np.zeros((8, 0)), np.zeros((8, 0))), ValueError, ["A", "non-empty"]),
    (lambda: infonce.forward(with_value(A, (2, 1), np.nan), P), ValueError, ["A", "finite", "nan", "(2, 1)"]),
    (lambda: infonce.forward(A, with_value(P, (0, 0), np.inf)), ValueError, ["P", "finite", "inf"]),
    (lambda: infonce.forward(A, P, temperature=0), ValueError, ["temperature", "> 0", "0"]),
    (lambda: infonce.forward(A, P, temperature=-1.0), ValueError, ["temperature", "> 0", "-1"]),
    (lambda: infonce.forward(A, P, temperature=float("nan")), ValueError, ["temperature", "finite"]),
    (lambda: infonce.forward(A, P, temperature="0.05"), TypeError, ["temperature", "number", "str"]),
    (lambda: infonce.forward(A, P, base=1), ValueError, ["base", "> 1", "1"]),
    (lambda: infonce.forward(A, P, base=0.5), ValueError, ["base", "> 1", "0.5"]),
    (lambda: infonce.forward(zero_column(A, 1), P), ValueError, ["A", "zero vector", "column 1"]),
    (lambda: infonce.forward(A, zero_column(P, 2)), ValueError, ["P", "zero vector", "column 2"]),
    (lambda: infonce.forward([["a", "b"]], P), TypeError, ["A", "numeric"]),
    (lambda: infonce.forward([[1, 2], [3]], P), ValueError, ["A", "ragged"]),
    (lambda: infonce.backward({"A": A}), TypeError, ["steps", "infonce.forward"]),
    (lambda: infonce.backward(mrl.forward(A, P)), ValueError, ["steps", "infonce.forward", "missing"]),
    (lambda: mrl.forward(A, P, dims=()), ValueError, ["dims", "at least one"]),
    (lambda: mrl.forward(A, P, dims=(4, 4, 2)), ValueError, ["dims", "distinct", "(4, 4, 2)"]),
    (lambda: mrl.forward(A, P, dims=(8, 0)), ValueError, ["dims", "positive", "(8, 0)"]),
    (lambda: mrl.forward(A, P, dims=(8, -2)), ValueError, ["dims", "positive"]),
    (lambda: mrl.forward(A, P, dims=(16, 8)), ValueError, ["dims", "<= the embedding width 8", "16"]),
    (lambda: mrl.forward(A, P, dims=(8, 2.5)), TypeError, ["dims[1]", "integer", "2.5"]),
    (lambda: mrl.forward(A, P, dims=8), TypeError, ["dims", "sequence", "8"]),
    (lambda: mrl.forward(A, P, weights=(1, 1)), ValueError, ["weights", "3 weights", "2"]),
    (lambda: mrl.forward(A, P, weights=(1, -1, 1)), ValueError, ["weights", ">= 0"]),
    (lambda: mrl.forward(A, P, weights=(1, np.nan, 1)), ValueError, ["weights", "finite"]),
    (lambda: mrl.forward(A, P, temperature=0), ValueError, ["temperature", "> 0"]),
    (lambda: mrl.forward(A, P, base=1.0), ValueError, ["base", "> 1"]),
    (lambda: mrl.forward(zero_column(A, 0, slice(0, 2)), P), ValueError, ["A[:2]", "zero vector", "column 0"]),
    (lambda: mrl.forward(A[:, :1], P), ValueError, ["P", "shape of A"]),
    (lambda: mrl.backward(infonce.forward(A, P)), ValueError, ["steps", "mrl.forward"]),
]


@pytest.mark.parametrize("call, error, words", CASES)
def test_bad_input_names_the_argument(call, error, words):
    with pytest.raises(error) as info:
        call()
    message = str(info.value)
    for word in words:
        assert word in message, f"{word!r} not in {message!r}"
    # the argument's name comes first, as "name: expected ..."
    assert re.match(rf"{re.escape(words[0])}: ", message), message


# -- the backbone, Decode, Embed, the head ---------------------------------------------

from aibyhand import decode, embed, head  # noqa: E402
from models import random_model  # noqa: E402

M = random_model(0)


def without(key):
    return {k: v for k, v in M.items() if k != key}


def reshaped(key, shape):
    return {**M, key: np.ones(shape)}


X4 = rng.normal(size=(4, 3))
MODEL_CASES = [
    (lambda: decode.forward(M, "the cat flew"), ValueError,
     ["sentence", "'flew'", "the cat dog sat ran on mat park"]),
    (lambda: embed.forward(M, ["the cat", "a dog"]), ValueError, ["sentence[1]", "'a'", "vocabulary"]),
    (lambda: decode.forward(M, ""), ValueError, ["sentence", "empty"]),
    (lambda: embed.forward(M, "   "), ValueError, ["sentence", "empty"]),
    (lambda: embed.forward(M, []), ValueError, ["sentence", "non-empty list"]),
    (lambda: decode.forward(M, "the cat sat on mat"), ValueError, ["sentence", "5 words", "4 positions"]),
    (lambda: embed.forward(M, ["the", 3]), TypeError, ["sentence[1]", "string"]),
    (lambda: decode.forward(reshaped("Wq", (4, 3)), "the cat"), ValueError, ["Wq", "(4, 4)", "(4, 3)"]),
    (lambda: decode.forward(reshaped("Wk", (3, 4)), "the cat"), ValueError, ["Wk", "(4, 4)", "(3, 4)"]),
    (lambda: decode.forward(reshaped("W2", (4, 5)), "the cat"), ValueError, ["W2", "(4, 6)", "(4, 5)"]),
    (lambda: decode.forward(reshaped("Etok", (4, 7)), "the cat"), ValueError, ["Etok", "vocabulary", "7"]),
    (lambda: decode.forward(reshaped("Pos", (3, 4)), "the cat"), ValueError, ["Pos", "(4, any)", "(3, 4)"]),
    (lambda: decode.forward(without("W1"), "the cat"), ValueError, ["params", "missing W1"]),
    (lambda: decode.forward({**M, "Wv": np.full((4, 4), np.nan)}, "the"), ValueError, ["Wv", "finite"]),
    (lambda: embed.forward(without("W_down"), "the cat"), ValueError, ["params", "missing W_down"]),
    (lambda: embed.forward(reshaped("W_down", (5, 15)), "the cat"), ValueError, ["W_down", "(any, 16)", "(5, 15)"]),
    (lambda: embed.forward(M, "the cat", mask="sideways"), ValueError, ["mask", "causal, bidirectional", "'sideways'"]),
    (lambda: embed.forward(M, "the cat", pooling="max"), ValueError, ["pooling", "mean, last", "'max'"]),
    (lambda: decode.forward(M, "the cat", temperature=0), ValueError, ["temperature", "> 0"]),
    (lambda: decode.forward(M, "the cat", base=1), ValueError, ["base", "> 1"]),
    (lambda: decode.generate(M, "the cat", 0), ValueError, ["n", ">= 1"]),
    (lambda: embed.head(X4, np.ones((16, 3)), np.ones((8, 16))), ValueError, ["W_up", "(any, 4)", "(16, 3)"]),
    (lambda: embed.head(X4, np.ones((16, 4)), np.ones((8, 12))), ValueError, ["W_down", "(any, 16)", "(8, 12)"]),
    (lambda: embed.head(X4[:, 0], np.ones((16, 4)), np.ones((8, 16))), ValueError, ["X", "2-D", "(4,)"]),
    (lambda: embed.head(np.zeros((4, 3)), np.ones((16, 4)), np.ones((8, 16))), ValueError, ["X", "zero vector", "column 0"]),
    (lambda: embed.head(X4, np.full((16, 4), np.inf), np.ones((8, 16))), ValueError, ["W_up", "finite"]),
    (lambda: head.forward(X4, np.ones((16, 4)), np.ones((8, 16)), np.ones((8, 3))), ValueError, ["T", "(16, 3)", "(8, 3)"]),
    (lambda: head.forward(X4, rng.normal(size=(16, 4)), rng.normal(size=(8, 16)), np.ones((16, 3)), dims=(9,)), ValueError, ["dims", "<= the embedding width 8"]),
    (lambda: embed.head_backward(embed.head(X4, np.ones((16, 4)), rng.normal(size=(8, 16))), np.ones((8, 2))), ValueError, ["dE", "shape of E"]),
]


@pytest.mark.parametrize("call, error, words", MODEL_CASES)
def test_bad_model_input_names_the_argument(call, error, words):
    test_bad_input_names_the_argument(call, error, words)


# -- fine-tuning -----------------------------------------------------------------------

from aibyhand import finetune  # noqa: E402

Xa3 = rng.normal(size=(4, 3))
Wu, Wd = rng.normal(size=(16, 4)), rng.normal(size=(8, 16))
FINETUNE_CASES = [
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd, lr=0), ValueError, ["lr", "> 0"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd, lr=-0.1), ValueError, ["lr", "> 0"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd, lr=float("inf")), ValueError, ["lr", "finite"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd, lr=None), TypeError, ["lr", "number"]),
    (lambda: finetune.head_step(np.zeros((4, 0)), np.zeros((4, 0)), Wu, Wd, lr=0.1), ValueError, ["Xa", "non-empty"]),
    (lambda: finetune.head_step(Xa3, Xa3[:, :2], Wu, Wd, lr=0.1), ValueError, ["Xp", "shape of Xa"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd, dims=(16, 8), lr=0.1), ValueError, ["dims", "<= the embedding width 8"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu[:, :3], Wd, lr=0.1), ValueError, ["W_up", "(any, 4)", "(16, 3)"]),
    (lambda: finetune.head_step(Xa3, Xa3, Wu, Wd[:, :8], lr=0.1), ValueError, ["W_down", "(any, 16)", "(8, 8)"]),
    (lambda: finetune.step(M, ["the cat"], ["the dog", "a"], lr=0.1), ValueError, ["positives", "one positive per anchor"]),
    (lambda: finetune.step(M, [], [], lr=0.1), ValueError, ["anchors", "non-empty"]),
    (lambda: finetune.step(M, ["the cat"], ["the dog"], lr=0), ValueError, ["lr", "> 0"]),
    (lambda: finetune.step(M, ["the cat"], ["the dog"], dims=(6,), lr=0.1), ValueError, ["dims", "<= the embedding width 5"]),
    (lambda: finetune.step(reshaped("W_up", (16, 3)), ["the cat"], ["the dog"], lr=0.1), ValueError, ["W_up", "(any, 4)"]),
    (lambda: finetune.train(M, ["the cat"], ["the dog"], n_steps=-1, lr=0.1), ValueError, ["n_steps", "from 0 to 100,000", "-1"]),
]


@pytest.mark.parametrize("call, error, words", FINETUNE_CASES)
def test_bad_finetune_input_names_the_argument(call, error, words):
    test_bad_input_names_the_argument(call, error, words)


# -- float64's edges: an error, never a silent inf ---------------------------------------

EDGE_CASES = [
    (lambda: infonce.forward(np.array([[1.7e308, 1.0], [1.7e308, 2.0]]), np.eye(2)), ValueError,
     ["A", "length fits in float64", "column 0"]),
    (lambda: mrl.forward(with_value(with_value(A, (0, 1), 1e-310), (1, 1), 0.0), P), ValueError,
     ["A[:2]", "length", "column 1"]),
]


@pytest.mark.parametrize("call, error, words", EDGE_CASES)
def test_float64_edges_raise(call, error, words):
    test_bad_input_names_the_argument(call, error, words)


def test_backbone_backward_ignores_gradient_at_padding():
    from aibyhand import backbone

    s = backbone.forward(M, ["the cat sat on", "dog"], mask="bidirectional")
    dH = np.zeros(s["H"].shape)
    dH[1, :, 3] = 1.0  # a padded column of the one-word sentence
    g = backbone.backward(M, s, dH)
    assert not any(g[f"d{k}"].any() for k in backbone.PARAMS)
