"""Fresh worksheet numbers from a seed: same structure, new small integers, easy arithmetic.

Every generator returns the same keys as the worksheet's data file, and keeps the
properties each sheet's docstring below names (whole-number lengths where a sheet
normalises given integers, whole-number logits on the InfoNCE sheet, whole attention
scores with powers of 3 no smaller than 1/9); ``tests/test_variants.py`` checks them
over many seeds. Some steps still need a calculator: 3^x of a fraction (the MRL sheet
at widths 8 and 4, the vocabulary softmax of Decode) and the length of Embed's output.
"""

from __future__ import annotations

import numpy as np


def _pick(rng: np.random.Generator, draw, accept):
    """The first of batches of drawn candidates that ``accept`` passes (vectorised rejection)."""
    while True:
        cand = draw(rng, 512)
        ok = np.flatnonzero(accept(*cand))
        if ok.size:
            return tuple(c[ok[0]] for c in cand)


def _cosines(A: np.ndarray, P: np.ndarray) -> np.ndarray:
    """Cosines of every anchor with every positive, for a stack of batches (K, d, B)."""
    A = A / np.linalg.norm(A, axis=-2, keepdims=True)
    P = P / np.linalg.norm(P, axis=-2, keepdims=True)
    return np.swapaxes(A, -1, -2) @ P                                   # (K, B, B)


def _own_best(S: np.ndarray) -> tuple[np.ndarray, np.ndarray]:
    """Per batch: every anchor's own positive is its best match; every best is strict."""
    top = np.sort(S, axis=-1)
    strict = (top[..., -1] - top[..., -2] > 1e-9).all(axis=-1)
    own = (S.argmax(axis=-1) == np.arange(S.shape[-1])).all(axis=-1)
    return own, strict


def infonce(seed: int) -> dict:
    """Three pairs of 4-d vectors of +-1 (every norm 2), temperature 1/2, base 3.

    Cosines are multiples of 1/2, so the logits are whole numbers in -2..2 and every
    power of 3 is 1, 1/3, 1/9, 1/27 or 1/81. Each anchor's own positive is its strict
    best match (the sheet teaches the loss, not a tie-break).
    """
    def draw(rng, k):
        return rng.choice([-1.0, 1.0], size=(2, k, 4, 3))

    def accept(A, P):
        own, strict = _own_best(_cosines(A, P))
        return own & strict

    A, P = _pick(np.random.default_rng(seed), draw, accept)
    return {"A": A, "P": P, "temperature": 0.5, "base": 3}


def mrl_columns(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """``k`` stacks of ``n`` 8-d integer columns whose widths 2, 4, 8 have whole lengths.

    Length 1 or 2 at width 2, 3 at width 4, 5 at width 8: (1,0 | 2,2 | ...) or
    (2,0 | 1,2 | ...), then a last four of length 4 such as (2,2,2,2) or (0,4,0,0).
    """
    sign = lambda *shape: rng.choice([-1.0, 1.0], size=shape)  # noqa: E731
    v = np.zeros((k, n, 8))                          # one row per column until the end
    short = rng.random((k, n, 1)) < 0.5              # first two of length 1, else 2
    first = np.where(rng.random((k, n, 1)) < 0.5, [1.0, 0.0], [0.0, 1.0])
    v[..., :2] = first * np.where(short, 1, 2) * sign(k, n, 1)
    swap = rng.random((k, n, 1)) < 0.5
    v[..., 2:4] = np.where(short, 2, np.where(swap, [2.0, 1.0], [1.0, 2.0])) * sign(k, n, 2)
    spread = rng.random((k, n, 1)) < 0.5             # last four (2,2,2,2) or a single 4
    one = np.eye(4)[rng.integers(4, size=(k, n))] * 4
    v[..., 4:] = np.where(spread, 2.0, one) * sign(k, n, 4)
    return np.swapaxes(v, -1, -2) + 0.0              # (k, 8, n); + 0.0 turns -0.0 into 0.0


def mrl(seed: int) -> dict:
    """Three pairs of 8-d vectors with whole lengths at widths 8, 4 and 2.

    At width 8 every anchor's own positive is its strict best match, at width 2 at
    least one is not: the ranking changes as the embedding is truncated.
    """
    def draw(rng, k):
        return mrl_columns(rng, k, 3), mrl_columns(rng, k, 3)

    def accept(A, P):
        own8, strict8 = _own_best(_cosines(A, P))
        _, strict4 = _own_best(_cosines(A[:, :4], P[:, :4]))
        own2, strict2 = _own_best(_cosines(A[:, :2], P[:, :2]))
        return own8 & strict8 & strict4 & strict2 & ~own2

    A, P = _pick(np.random.default_rng(seed), draw, accept)
    return {"A": A, "P": P, "dims": np.array([8, 4, 2]), "weights": np.ones(3),
            "temperature": 1.0, "base": 3}


# -- the tiny Transformer (worksheets 1, 2, 5) -----------------------------------------

D_MODEL, D_FF, MAX_LEN, D_UP, D_OUT = 4, 8, 4, 16, 8


def _sparse(rng: np.random.Generator, shape, values, zeros: float) -> np.ndarray:
    """Small integers, a share ``zeros`` of them 0, so a row times a column is quick."""
    return np.where(rng.random(shape) < zeros, 0.0, rng.choice(values, size=shape)) + 0.0


def _draw_backbone(rng: np.random.Generator) -> dict:
    from .vocab import VOCAB

    d, V = D_MODEL, len(VOCAB)
    return {"Etok": _sparse(rng, (d, V), [-1.0, 1.0, 2.0], 0.4),
            "Pos": _sparse(rng, (d, MAX_LEN), [-1.0, 1.0], 0.7),
            "Wq": _sparse(rng, (d, d), [-1.0, 1.0], 0.6),
            "Wk": _sparse(rng, (d, d), [-1.0, 1.0], 0.6),
            "Wv": _sparse(rng, (d, d), [-1.0, 1.0], 0.6),
            "W1": _sparse(rng, (D_FF, d), [-1.0, 1.0], 0.5),
            "W2": _sparse(rng, (d, D_FF), [-1.0, 1.0], 0.6)}


def easy_backbone(params: dict, sentences) -> bool:
    """Hand-friendly on these sentences, under both masks.

    Every score ``K^T Q / 2`` is a whole number; within each query's column the powers of
    3 are 1, 1/3 or 1/9 (after subtracting the column's max), so each attention weight is
    a small fraction; hidden values stay within +-12; the ReLU zeroes something; and
    attention is not uniform everywhere (some query prefers some key).
    """
    from . import backbone

    relu_acts = prefers = False
    for sentence in sentences:
        for mask in backbone.MASKS:
            s = backbone.forward(params, sentence, mask=mask, base=3)
            scores, shift = s["scores"][0], (s["masked"] - s["col max"])[0]
            if not np.array_equal(scores, np.round(scores)):
                return False
            if shift[np.isfinite(shift)].min() < -2 or np.abs(s["H"]).max() > 12:
                return False
            relu_acts |= bool((s["F"] < 0).any())
            prefers |= bool(((shift < 0) & np.isfinite(shift)).any())
    return relu_acts and prefers


def _words(rng: np.random.Generator, n: int) -> str:
    from .vocab import VOCAB

    return " ".join(rng.choice(VOCAB, size=n))


def backbone_model(seed: int, prompt: str | None = None, sentence: str | None = None,
                   generate: int = 2) -> tuple[dict, str, str]:
    """Backbone weights with a Decode prompt and an Embed sentence they keep easy.

    The prompt (2 words) and every continuation greedy decoding makes of it, and the
    sentence (3 words), all pass :func:`easy_backbone`; each generated word beats the
    runner-up by more than 0.02 in probability, so the sheet has one right answer. Decode and Embed of the same seed
    share these weights, as the two worksheets share one backbone.
    """
    from . import decode

    rng = np.random.default_rng([seed, 1])
    while True:
        p = _draw_backbone(rng)
        pr = prompt or _words(rng, 2)
        se = sentence or _words(rng, 3)
        if not easy_backbone(p, [pr, se]):
            continue
        steps = decode.generate(p, pr, generate, base=3)
        texts = [" ".join(st.meta["_words"][0]) for st in steps]
        # one right answer per word: the best word ahead of the next by a visible margin
        clear = all(np.diff(np.sort(st["prob"][:, 0])[-2:])[0] > 0.02 for st in steps)
        if clear and easy_backbone(p, texts):
            return p, pr, se


def _head_weights(rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray]:
    W_up = _sparse(rng, (D_UP, D_MODEL), [-1.0, 1.0], 0.6)
    W_down = _sparse(rng, (D_OUT, D_UP), [-1.0, 1.0], 0.75)
    return W_up, W_down


def decode(seed: int) -> dict:
    """A fresh Decode sheet: new easy weights, a 2-word prompt, 2 greedy words, base 3."""
    p, prompt, _ = backbone_model(seed)
    return {"sentence": prompt, "generate": 2, "temperature": 1.0, "base": 3, "model": p}


def embed(seed: int) -> dict:
    """A fresh Embed sheet: Decode's weights of the same seed, a 3-word sentence, a head."""
    p, _, sentence = backbone_model(seed)
    W_up, W_down = _head_weights(np.random.default_rng([seed, 2]))
    return {"sentence": sentence, "pooling": "mean", "base": 3,
            "model": {**p, "W_up": W_up, "W_down": W_down}}


def _ternary_rows(n: int, most: int) -> np.ndarray:
    """Every row of n entries in {-1, 0, 1} with at most ``most`` non-zeros, sparsest first."""
    from itertools import combinations, product

    rows = [np.zeros(n)]
    for k in range(1, most + 1):
        for where in combinations(range(n), k):
            for signs in product((-1.0, 1.0), repeat=k):
                row = np.zeros(n)
                row[list(where)] = signs
                rows.append(row)
    return np.array(rows)


def head(seed: int) -> dict:
    """A fresh projection-head sheet: 2 pooled vectors, a 4 -> 16 -> 8 head, a teacher.

    The outputs ``Y = W_down W_up X`` are drawn first, with whole lengths at widths 8, 4
    and 2 (as on the MRL sheet) and never parallel, so the normalised and truncated
    embeddings are exact fractions; then each row of W_down is the sparsest row of -1, 0,
    1 (at most 3 non-zeros) that maps ``U = W_up X`` onto that row of Y.
    """
    rng = np.random.default_rng([seed, 3])
    rows = _ternary_rows(D_UP, 3)                                           # (C, 16)
    weight = np.abs(rows).sum(axis=1)
    while True:
        X = _sparse(rng, (D_MODEL, 2), [-1.0, 1.0, 2.0], 0.3)
        W_up = _sparse(rng, (D_UP, D_MODEL), [-1.0, 1.0], 0.7)
        Y = mrl_columns(rng, 1, 2)[0]                                       # (8, 2)
        if any(abs(_cosines(Y[None, :m], Y[None, :m])[0, 0, 1]) > 1 - 1e-9 for m in (2, 4, 8)):
            continue
        hits = rows @ (W_up @ X)                                            # (C, 2)
        W_down = []
        for target in Y:
            match = np.flatnonzero((hits == target).all(axis=1))
            if not match.size:
                break
            sparsest = match[weight[match] == weight[match].min()]
            W_down.append(rows[rng.choice(sparsest)])
        else:
            T = _sparse(rng, (D_UP, 2), [-1.0, 1.0, 2.0], 0.4)
            return {"X": X, "W_up": W_up, "W_down": np.array(W_down), "T": T,
                    "dims": np.array([8, 4, 2])}


PAIRS = (("cat sat", "the cat sat on"), ("dog ran", "the dog ran"),
         ("on the mat", "sat on mat"), ("the park", "ran on park"))
LEARNING_RATES = (0.5, 0.2, 0.1, 0.05)


def _unimodular(rng: np.random.Generator, k: int, n: int) -> np.ndarray:
    """``k`` integer n x n matrices of determinant 1 (so their inverses are integer too)."""
    low = np.tril(rng.choice([-1.0, 0.0, 0.0, 1.0], size=(k, n, n)), -1) + np.eye(n)
    up = np.triu(rng.choice([-1.0, 0.0, 0.0, 1.0], size=(k, n, n)), 1) + np.eye(n)
    return low @ up


def finetune_head(rng: np.random.Generator) -> dict:
    """Two pairs of pooled vectors and a 4 -> 16 -> 8 head whose outputs have whole lengths.

    The outputs ``Y = W_down W_up [Xa | Xp]`` are drawn first from the MRL sheet's
    vectors (lengths 1 or 2, 3 and 5 at widths 2, 4, 8; each anchor's own positive its
    strict best match at width 8). ``X = [Xa | Xp]`` has determinant 1, so
    ``M = Y X^-1`` is an integer matrix; the head is ``W_up = [I; R]``,
    ``W_down = [M - S R | S]`` with sparse R, S, rows shuffled, every weight in -3..3.
    """
    k = 4096
    while True:
        Y = np.concatenate([mrl_columns(rng, k, 2), mrl_columns(rng, k, 2)], axis=2)  # (k, 8, 4)
        X = _unimodular(rng, k, D_MODEL)                                             # (k, 4, 4)
        M = Y @ np.round(np.linalg.inv(X))                                           # (k, 8, 4)
        own, strict = _own_best(_cosines(Y[..., :2], Y[..., 2:]))
        _, strict4 = _own_best(_cosines(Y[:, :4, :2], Y[:, :4, 2:]))
        _, strict2 = _own_best(_cosines(Y[:, :2, :2], Y[:, :2, 2:]))
        ok = np.flatnonzero(own & strict & strict4 & strict2 & (np.abs(M).max(axis=(1, 2)) <= 3)
                            & (np.abs(X).max(axis=(1, 2)) <= 2))
        for i in ok:
            R = _sparse(rng, (D_UP - D_MODEL, D_MODEL), [-1.0, 1.0], 0.75)
            S = _sparse(rng, (D_OUT, D_UP - D_MODEL), [-1.0, 1.0], 0.8)
            left = M[i] - S @ R
            if np.abs(left).max() > 3:
                continue
            order = rng.permutation(D_UP)
            W_up = np.concatenate([np.eye(D_MODEL), R])[order] + 0.0
            W_down = np.concatenate([left, S], axis=1)[:, order] + 0.0
            return {"Xa": X[i][:, :2] + 0.0, "Xp": X[i][:, 2:] + 0.0, "W_up": W_up, "W_down": W_down}


def finetune(seed: int) -> dict:
    """A fresh fine-tune sheet: the head step's numbers, the text pairs and model.

    The backbone (``model``) is Decode's and Embed's of the same seed, under the sheet's
    head (``W_up``, ``W_down``); the learning rate is the
    largest of :data:`LEARNING_RATES` with which one step lowers the loss at every width,
    both for the sheet's head step and for the whole model on the text pairs.
    """
    from . import finetune as ft

    p, _, _ = backbone_model(seed)
    rng = np.random.default_rng([seed, 4])
    anchors, positives = [a for a, _ in PAIRS], [b for _, b in PAIRS]
    while True:
        head = finetune_head(rng)
        model = {**p, "W_up": head["W_up"], "W_down": head["W_down"]}
        for lr in LEARNING_RATES:
            sheet = ft.head_step(head["Xa"], head["Xp"], head["W_up"], head["W_down"], lr=lr, base=3,
                                 after=True)
            whole = ft.step(model, anchors, positives, lr=lr, base=3)
            if (sheet["losses after"] < sheet["losses"]).all() and \
                    (whole["losses after"] < whole["losses before"]).all():
                return {"dims": np.array([8, 4, 2]), "temperature": 1.0, "base": 3, "lr": lr,
                        **head, "anchors": anchors, "positives": positives, "train_steps": 40, "train_lr": 0.2,
                        "model": p}
