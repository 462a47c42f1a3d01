"""Every class of bad input in DESIGN.md: a ValueError or TypeError naming the argument."""

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
