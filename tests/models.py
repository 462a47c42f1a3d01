"""Random small models for property tests."""

import numpy as np

from aibyhand import vocab

V = len(vocab.VOCAB)


def random_model(seed, d=4, d_k=None, d_ff=6, n_max=4, d_up=None, d_out=5, scale=0.7):
    rng = np.random.default_rng(seed)
    d_k = d_k or d
    d_up = d_up or 4 * d
    shapes = {"Etok": (d, V), "Pos": (d, n_max), "Wq": (d_k, d), "Wk": (d_k, d), "Wv": (d, d),
              "W1": (d_ff, d), "W2": (d, d_ff), "W_up": (d_up, d), "W_down": (d_out, d_up)}
    return {k: rng.normal(size=s) * scale for k, s in shapes.items()}


def random_sentences(seed, B, n_max):
    rng = np.random.default_rng(seed + 1)
    return [" ".join(rng.choice(vocab.VOCAB, size=rng.integers(1, n_max + 1))) for _ in range(B)]


# The first Decode and Embed worksheets' model: the backbone worked by hand in
# test_backbone.py (its numbers, not a worksheet file, so the working stays true).
HAND_MODEL = {
    "Etok": np.array([[2, 2, -1, 2, 0, -1, 1, 0], [1, 0, 1, 0, 2, 0, 0, 2], [1, 0, -1, 1, 1, 2, 2, 0], [1, 0, 0, -1, 0, -1, 1, 1]], dtype=float),
    "Pos": np.array([[0, -1, 0, 0], [0, 0, 0, 0], [-1, 1, 0, 0], [0, 1, 0, 1]], dtype=float),
    "Wq": np.array([[0, 0, 0, 1], [0, 1, 0, 0], [0, 0, 0, 0], [0, 0, -1, 0]], dtype=float),
    "Wk": np.array([[-1, 0, 0, 0], [-1, 0, 0, 0], [-1, 0, 0, 0], [1, 1, 1, -1]], dtype=float),
    "Wv": np.array([[0, 0, 1, -1], [0, -1, 0, 0], [1, -1, -1, 0], [-1, -1, -1, 1]], dtype=float),
    "W1": np.array([[0, 0, 0, 1], [0, 0, 1, 1], [-1, -1, 0, 1], [-1, 1, 0, 1], [1, 1, 0, 0], [0, 0, 0, 0], [-1, 1, 0, -1], [0, -1, 1, 0]], dtype=float),
    "W2": np.array([[0, 0, 1, 0, -1, 0, 0, 0], [0, 0, 0, 1, 0, 1, -1, 0], [0, -1, 0, 1, 0, 0, 1, 0], [-1, -1, 1, 0, -1, -1, 0, 1]], dtype=float),
}
