"""Recycled memory for large results (ops.fresh): reused only once nothing can see it.

The head step at EmbeddingGemma's size writes ~100 MB of results; ops.fresh hands the
memory of results nobody holds any more to the next result of the same size, so a
training loop does not page-fault on all of it again. These tests hold the one promise
that makes that safe: memory is reused only when no array, view or step can reach it.
"""

from __future__ import annotations

import gc
import pickle

import numpy as np

from aibyhand import finetune, ops
from aibyhand.steps import Steps

SHAPE = (384, 512)     # 1.5 MiB: large enough to be recycled


def _address(a: np.ndarray) -> int:
    return a.__array_interface__["data"][0]


def test_memory_comes_back_only_when_no_view_is_left():
    a = ops.fresh(SHAPE)
    a[:] = 7.0
    where = _address(a)
    view = a[10:].T                       # a view keeps the memory, whatever happens to a
    del a
    gc.collect()
    b = ops.fresh(SHAPE)
    assert not np.shares_memory(b, view)
    b[:] = -1.0
    assert (view == 7.0).all()
    del view
    gc.collect()
    c = ops.fresh(SHAPE)                  # now nothing sees the first block: it is reused
    assert _address(c) == where
    assert not np.shares_memory(c, b)


def test_a_recorded_step_keeps_its_memory():
    s = Steps("t")
    a = ops.fresh(SHAPE)
    a[:] = 3.0
    s.add("x", a, "")
    del a
    gc.collect()
    others = [ops.fresh(SHAPE) for _ in range(3)]
    for o in others:
        o[:] = 0.0
    assert not any(np.shares_memory(o, s["x"]) for o in others)
    assert (s["x"] == 3.0).all()


def test_a_recycled_array_is_an_ordinary_array():
    a = ops.fresh(SHAPE)
    a[:] = np.arange(a.size).reshape(SHAPE)
    assert a.dtype == np.float64 and a.shape == SHAPE and a.flags.writeable and a.flags.c_contiguous
    back = pickle.loads(pickle.dumps(a))
    np.testing.assert_array_equal(back, a)
    small = ops.fresh((3, 4))              # small results are plain NumPy arrays
    assert small.flags.owndata


def test_products_and_the_update_are_what_numpy_gives():
    rng = np.random.default_rng(0)
    W, G, X = rng.normal(size=(700, 300)), rng.normal(size=(700, 300)), rng.normal(size=(300, 520))
    np.testing.assert_array_equal(ops.matmul(W, X), W @ X)
    np.testing.assert_array_equal(ops.columns(W, G), np.concatenate([W, G], axis=1))
    np.testing.assert_allclose(ops.sgd(W, G, 0.1), W - 0.1 * G, rtol=0, atol=1e-15)


def test_steps_in_a_loop_do_not_share_what_the_caller_keeps():
    """A training loop keeps every step's new weights: none may be overwritten later."""
    rng = np.random.default_rng(1)
    Xa, Xp = rng.normal(size=(64, 16)), rng.normal(size=(64, 16))
    W_up, W_down = rng.normal(size=(256, 64)) * 0.1, rng.normal(size=(64, 256)) * 0.1
    kept = []
    for _ in range(4):
        s = finetune.head_step(Xa, Xp, W_up, W_down, dims=(64, 32), lr=0.1)
        kept.append((np.array(s["W_up_new"]), s["W_up_new"], s["dW_up"]))
        W_up, W_down = s["W_up_new"], s["W_down_new"]
        del s
        gc.collect()
    for copy, new, grad in kept:
        np.testing.assert_array_equal(copy, new)
    for (_, a, _), (_, b, _) in zip(kept, kept[1:]):
        assert not np.shares_memory(a, b)
