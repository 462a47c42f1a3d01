r"""The one tiny Transformer backbone under Decode and Embed, forward and manual backward.

One block, features in rows and tokens in columns (as on the worksheets), for a batch of
sentences padded to the longest (arrays are ``(B, rows, tokens)``):

.. math::

    X = E_{tok}[:, ids] + Pos, \quad Q = W_q X, \; K = W_k X, \; V = W_v X, \quad
    A = \mathrm{softmax}_b\!\left(\frac{K^\top Q}{\sqrt{d_k}} + M\right) \text{ per column}, \\
    H_1 = X + V A, \qquad H = H_1 + W_2\, \mathrm{ReLU}(W_1 H_1).

The mask ``M`` is the one switch: ``"causal"`` (a query sees itself and earlier keys,
as in a decoder; Decode, Qwen3-Embedding) or ``"bidirectional"`` (every real token,
as in EmbeddingGemma's encoder). Padding keys are always masked with ``-inf``.

No normalisation inside the block: Gemma's RMSNorm divides every token by a square root
of a mean of squares, which no student can do by hand for every token, and the lesson
(same backbone, different last layer) does not depend on it. The one normalisation in
the package's embedding model is the L2 normalisation at the end of Embed, where it
defines cosine similarity. There is one attention head and no output projection (with
one head, ``W_o W_v`` is one matrix) and no biases (Gemma has none).
"""

from __future__ import annotations

import math

import numpy as np

from . import _check, ops, vocab
from .steps import Steps, labels

__all__ = ["forward", "backward", "check_params", "PARAMS", "MASKS"]

PARAMS = ("Etok", "Pos", "Wq", "Wk", "Wv", "W1", "W2")
VOCABULARY = ", ".join(f"{k} {w}" for k, w in enumerate(vocab.VOCAB))  # how ids read as words
MASKS = ("causal", "bidirectional")


def check_params(params, names=PARAMS) -> dict[str, np.ndarray]:
    """The backbone's weights as float64 arrays of consistent shapes, or a clear error.

    ``Etok`` (d x V) fixes the width d and the vocabulary size, ``Pos`` (d x n_max) the
    longest sentence, ``Wq``, ``Wk`` (d_k x d), ``Wv`` (d x d), ``W1`` (d_ff x d),
    ``W2`` (d x d_ff).
    """
    if not hasattr(params, "keys"):
        raise TypeError(f"params: expected a mapping of {', '.join(names)}, got {type(params).__name__}")
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)} (expected {', '.join(names)})")
    p = {k: _check.array(k, params[k], what="matrix") for k in names}
    d, V = p["Etok"].shape
    if V != len(vocab.VOCAB):
        raise ValueError(f"Etok: expected one column per word of the vocabulary ({len(vocab.VOCAB)}: "
                         f"{' '.join(vocab.VOCAB)}), got {V}")
    d_k, d_ff = p["Wq"].shape[0], p["W1"].shape[0]
    expected = {"Pos": (d, None), "Wq": (d_k, d), "Wk": (d_k, d), "Wv": (d, d),
                "W1": (d_ff, d), "W2": (d, d_ff)}
    about = {"Pos": "(d_model, max length)", "Wq": "(d_k, d_model)", "Wk": "(d_k, d_model) like Wq",
             "Wv": "(d_model, d_model)", "W1": "(d_ff, d_model)", "W2": "(d_model, d_ff)"}
    for k, shape in expected.items():
        if k in p:
            _check.shape(k, p[k], shape, about[k])
    return p


def forward(params, sentences, *, mask: str, base: float = math.e) -> Steps:
    """Run the block on one sentence or a batch, every intermediate recorded.

    Parameters
    ----------
    params : mapping
        ``Etok``, ``Pos``, ``Wq``, ``Wk``, ``Wv``, ``W1``, ``W2`` (see :func:`check_params`).
    sentences : str or list of str
        Words of :data:`aibyhand.vocab.VOCAB`, separated by spaces.
    mask : {"causal", "bidirectional"}
    base : float
        The attention softmax uses ``base^x`` (3 on the worksheets).

    Returns
    -------
    Steps
        ``ids``, ``X_tok``, ``X``, ``Q``, ``K``, ``V``, ``scores`` (keys x queries),
        ``mask``, ``masked``, ``col max``, ``exp``, ``col sum``, ``A``, ``Z``, ``H1``,
        ``F``, ``R``, ``G``, ``H``: arrays ``(B, rows, tokens)``. ``meta`` holds the
        lengths and words of the sentences.
    """
    p = check_params(params)
    if mask not in MASKS:
        raise ValueError(f"mask: expected one of {', '.join(MASKS)}, got {mask!r}")
    base = _check.base("base", base)
    ids, lengths, words = vocab.encode(sentences, p["Pos"].shape[1])
    B, n = ids.shape
    d_k = p["Wq"].shape[0]
    blocks = tuple(" ".join(w) for w in words)
    tok = dict(cols=words, blocks=blocks)          # columns: tokens
    kq = dict(rows=words, cols=words, blocks=blocks)  # rows: keys, columns: queries
    s = Steps(f"backbone ({mask})", {"mask": mask, "base": base, "_lengths": tuple(lengths.tolist()),
                                     "_words": words, "vocabulary": VOCABULARY})
    s.given("ids", ids, "token ids, one sentence per row", rows=blocks)                   # (B, n)
    s.given("Etok", p["Etok"], "token embeddings, one column per word", cols=vocab.VOCAB)  # (d, V)
    s.given("Pos", p["Pos"], "position embeddings, one column per position",
            cols=labels("t", p["Pos"].shape[1]))                                          # (d, n_max)
    for name in PARAMS[2:]:
        s.given(name, p[name], "weights")
    X_tok = s.add("X_tok", np.swapaxes(p["Etok"][:, ids], 0, 1), "Etok[:, ids]", **tok)   # (B, d, n)
    X = s.add("X", X_tok + p["Pos"][:, :n], "X_tok + Pos", **tok)                         # (B, d, n)
    Q = s.add("Q", p["Wq"] @ X, "Wq X", **tok)                                            # (B, d_k, n)
    K = s.add("K", p["Wk"] @ X, "Wk X", **tok)                                            # (B, d_k, n)
    V = s.add("V", p["Wv"] @ X, "Wv X", **tok)                                            # (B, d, n)
    scores = s.add("scores", np.swapaxes(K, 1, 2) @ Q / math.sqrt(d_k),
                   f"K^T Q / sqrt({d_k}): keys down, queries across", **kq)                                          # (B, n, n)
    M = s.add("mask", _mask(mask, lengths, n), f"{mask}: 0 = visible, -inf = hidden", **kq)
    masked = s.add("masked", scores + M, "scores + mask", **kq)                           # (B, n, n)
    A = ops.softmax(s, masked, base, axis=1, names=("col max", "exp", "col sum", "A"),
                     of="masked", **kq)  # (B, n, n)
    Z = s.add("Z", V @ A, "V A", **tok)                                                   # (B, d, n)
    H1 = s.add("H1", X + Z, "X + Z", **tok)                                               # (B, d, n)
    F = s.add("F", p["W1"] @ H1, "W1 H1", **tok)                                          # (B, d_ff, n)
    R = s.add("R", np.maximum(F, 0.0), "ReLU(F)", **tok)                                  # (B, d_ff, n)
    G = s.add("G", p["W2"] @ R, "W2 R", **tok)                                            # (B, d, n)
    s.add("H", H1 + G, "H1 + G", **tok)                                                   # (B, d, n)
    return s


def _mask(kind: str, lengths: np.ndarray, n: int) -> np.ndarray:
    """(B, n, n), keys down, queries across: 0 where allowed, -inf elsewhere."""
    key = np.arange(n)[:, None]
    query = np.arange(n)[None, :]
    allowed = (key[None] < lengths[:, None, None]) & (query[None] >= 0)  # padding is never a key
    if kind == "causal":
        allowed = allowed & (key <= query)[None]
    return np.where(allowed, 0.0, -np.inf)                    # (B, n, n)


def backward(params, steps: Steps, dH) -> Steps:
    """Manual gradients of every backbone weight, given the gradient of ``H``.

    Parameters
    ----------
    params : mapping
        The weights :func:`forward` ran with.
    steps : Steps
        What :func:`forward` returned.
    dH : array, shape (B, d, n)
        The gradient of the loss with respect to ``H``. Its columns past a sentence's end
        are padding, which no loss can depend on: they are ignored.

    Returns
    -------
    Steps
        Back through the block in reverse: ``dG``, ``dW2``, ``dR``, ``dF``, ``dW1``,
        ``dH1``, ``dZ``, ``dV``, ``dA``, ``dscores``, ``dQ``, ``dK``, ``dWq``, ``dWk``,
        ``dWv``, ``dX``, ``dEtok``, ``dPos`` (each weight's gradient has its shape).
    """
    p = check_params(params)
    s = _check.steps("steps", steps, ["X", "A", "H1", "F", "R", "H"], "backbone.forward")
    dH = _check.array("dH", dH, ndim=3, what="(B, d, n)")
    _check.same_shape("dH", dH, "H", s["H"])
    real = np.arange(dH.shape[2])[None, :] < np.array(s.meta["_lengths"])[:, None]  # (B, n)
    dH = dH * real[:, None, :]
    base, d_k = s.meta["base"], p["Wq"].shape[0]
    X, A, H1, F, R = s["X"], s["A"], s["H1"], s["F"], s["R"]
    T = lambda M: np.swapaxes(M, 1, 2)  # noqa: E731  transpose each sentence's matrix
    outer = lambda G, M: np.einsum("bin,bjn->ij", G, M)  # noqa: E731  sum over sentences of G M^T
    step = s.step("H")
    tok = dict(cols=step.cols, blocks=step.blocks)
    kq = dict(rows=step.cols, cols=step.cols, blocks=step.blocks)
    g = Steps(f"backbone backward ({s.meta['mask']})", s.meta)
    dG = g.add("dG", dH, "dH (residual: H = H1 + G)", **tok)                             # (B, d, n)
    g.add("dW2", outer(dG, R), "sum over sentences of dG R^T")                            # (d, d_ff)
    dR = g.add("dR", p["W2"].T @ dG, "W2^T dG", **tok)                                    # (B, d_ff, n)
    dF = g.add("dF", dR * (F > 0), "dR where F > 0, else 0", **tok)                       # (B, d_ff, n)
    g.add("dW1", outer(dF, H1), "sum over sentences of dF H1^T")                          # (d_ff, d)
    dH1 = g.add("dH1", dH + p["W1"].T @ dF, "dH + W1^T dF", **tok)                        # (B, d, n)
    dZ = g.add("dZ", dH1, "dH1 (residual: H1 = X + Z)", **tok)                            # (B, d, n)
    dV = g.add("dV", dZ @ T(A), "dZ A^T", **tok)                                          # (B, d, n)
    dA = g.add("dA", T(s["V"]) @ dZ, "V^T dZ", **kq)                                      # (B, n, n)
    dS = g.add("dscores", ops.softmax_backward(A, dA, base, axis=1),
               "ln b * A * (dA - column sums of A * dA)", **kq)                           # (B, n, n)
    dQ = g.add("dQ", s["K"] @ dS / math.sqrt(d_k), f"K dscores / sqrt({d_k})", **tok)    # (B, d_k, n)
    dK = g.add("dK", s["Q"] @ T(dS) / math.sqrt(d_k), f"Q dscores^T / sqrt({d_k})", **tok)  # (B, d_k, n)
    g.add("dWq", outer(dQ, X), "sum over sentences of dQ X^T")                            # (d_k, d)
    g.add("dWk", outer(dK, X), "sum over sentences of dK X^T")                            # (d_k, d)
    g.add("dWv", outer(dV, X), "sum over sentences of dV X^T")                            # (d, d)
    dX = g.add("dX", dH1 + p["Wq"].T @ dQ + p["Wk"].T @ dK + p["Wv"].T @ dV,
               "dH1 + Wq^T dQ + Wk^T dK + Wv^T dV", **tok)                                # (B, d, n)
    dEtok = np.zeros(p["Etok"].shape[::-1])                                               # (V, d)
    np.add.at(dEtok, s["ids"], T(dX))  # a word used twice collects both gradients
    g.add("dEtok", dEtok.T, "dX added into the column of each token's word",
          cols=vocab.VOCAB)                                                               # (d, V)
    dPos = np.zeros_like(p["Pos"])
    dPos[:, :dX.shape[2]] = dX.sum(axis=0)
    g.add("dPos", dPos, "dX summed over sentences, position by position")                 # (d, n_max)
    return g
