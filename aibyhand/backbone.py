r"""The one tiny Transformer backbone under Decode and Embed, forward and manual backward.

One block, features in rows and tokens in columns (as on the worksheets), for a batch of
sentences padded to the longest (arrays are ``(B, rows, tokens)``):

.. math::

    X = E_{tok}[:, ids] + Pos[:, :n], \quad Q = W_q X, \; K = W_k X, \; V = W_v X, \\
    \mathrm{scores} = K^\top Q / \sqrt{d_k} \text{ (keys down, queries across)}, \quad
    \mathrm{attn} = \mathrm{softmax}_b(\mathrm{scores} + M) \text{ per column}, \\
    Z = V\,\mathrm{attn}, \quad H_1 = X + Z, \quad F = W_1 H_1, \quad
    H = H_1 + W_2\, \mathrm{ReLU}(F).

Here ``n`` is the batch's longest sentence: every sentence starts at position 0 and is
padded on the right (with token 0, ``"the"``), so all use the same columns of ``Pos``.
``softmax_b`` of a column is ``b^(x - max) / sum of b^(x - max)`` (the max of the column
subtracted first; the same numbers as ``b^x / sum b^x``). The mask ``M`` is the one
switch: ``"causal"`` (a query sees itself and earlier keys: 0 where key position <= query
position, ``-inf`` elsewhere; Decode, Qwen3-Embedding) or ``"bidirectional"`` (every real
token; EmbeddingGemma's encoder). Keys past a sentence's end (padding) are always
``-inf``; columns past a sentence's end are computed like any column (as token 0 at that
position) and carry no meaning: only real columns reach Decode, Embed and the losses. The
backward takes ReLU's slope at exactly 0 as 0.

How this block differs from EmbeddingGemma's (Gemma 3) and why the sheets leave it out:

=============================  ==============================  ======================================
here                           EmbeddingGemma                  why the sheet leaves it out
=============================  ==============================  ======================================
1 layer, 1 head, d_model 4     24 layers, 3 query heads (GQA),  a page holds one block; every head
                               d_model 768                      repeats the same arithmetic
learned absolute positions     RoPE (rotary positions)          adding a column of Pos is one
(Pos, added to X)                                               addition; a rotation is trigonometry
ReLU, two matrices (W1, W2)    gated GELU (three matrices)      GELU needs a table of tanh; the gate
                                                                 a third product per token
no normalisation               RMSNorm before and after          a square root of a mean of squares
                               attention and the MLP, QK-norm,   for every token; the lesson (same
                               a final norm                      backbone, other last layer) does not
                                                                 need it
no sqrt(d_model) scale of X    embeddings times sqrt(768)        a constant factor, nothing to learn
all layers global              local sliding-window layers      one short sentence: the window
                               interleaved with global ones     would see all of it anyway
8 whitespace words             262k SentencePiece tokens, BOS,  a vocabulary that fits a page
                               EOS, task prompts such as
                               "task: search result | query: "
no biases, no output W_o       no biases; W_o after attention   with one head W_o W_v is one matrix
=============================  ==============================  ======================================

The embedding model's training (``finetune``) is in-batch InfoNCE at Matryoshka widths;
EmbeddingGemma also uses hard negatives, a spread-out regulariser and distillation from
a larger model.
"""

from __future__ import annotations

import math

import numpy as np

from . import validate, ops, vocab
from .steps import Steps, labels

__all__ = ["forward", "backward", "check_params", "PARAMS", "MASKS"]

PARAMS = ("Etok", "Pos", "Wq", "Wk", "Wv", "W1", "W2")
VOCABULARY = ", ".join(f"{k} {w}" for k, w in enumerate(vocab.VOCAB))  # how ids read as words
MASKS = ("causal", "bidirectional")


def check_params(params, names=PARAMS) -> dict[str, np.ndarray]:
    """The backbone's weights as float64 arrays of consistent shapes, or a clear error.

    ``Etok`` (d x V) fixes the width d; V must be the vocabulary's size, 8 (one column per
    word of :data:`aibyhand.vocab.VOCAB`, in its order). ``Pos`` (d x n_max) fixes the
    longest sentence, ``Wq``, ``Wk`` (d_k x d), ``Wv`` (d x d), ``W1`` (d_ff x d),
    ``W2`` (d x d_ff).
    """
    if not hasattr(params, "keys"):
        raise TypeError(f"params: expected a mapping of {', '.join(names)}, got {type(params).__name__}")
    missing = [k for k in names if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)} (expected {', '.join(names)})")
    p = {k: validate.array(k, params[k], what="matrix") for k in names}
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
            validate.shape(k, p[k], shape, about[k])
    return p


@validate.overflow_checked
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
        ``ids``, ``X_tok = Etok[:, ids]``, ``X``, ``Q``, ``K``, ``V``, ``scores`` (keys x
        queries), ``mask`` (M), ``masked = scores + mask``, ``max`` (each column's largest),
        ``pow = b^(masked - max)``, ``sum`` (each column's sum of pow), ``attn = pow / sum``
        (each column a query's weights over the keys), ``Z``, ``H1``, ``F``,
        ``R = ReLU(F)``, ``G = W2 R``, ``H``: arrays ``(B, rows, tokens)``. ``meta`` holds
        ``mask``, ``base`` and, as bookkeeping, ``_lengths`` and ``_words`` (each
        sentence's length and words).
    """
    p = check_params(params)
    mask = validate.one_of("mask", mask, MASKS)
    base = validate.base("base", base)
    ids, lengths, words = vocab.encode(sentences, p["Pos"].shape[1])
    B, n = ids.shape
    if B * n * n > validate.MAX_BATCH**2:
        raise ValueError(f"sentence: {B:,} sentences of up to {n:,} words make {B * n * n:,} attention "
                         f"scores; expected at most {validate.MAX_BATCH**2:,}")
    d_k = p["Wq"].shape[0]
    root = math.isqrt(d_k)
    sqrt_dk = str(root) if root * root == d_k else f"sqrt({d_k})"
    blocks = tuple(" ".join(w) for w in words)
    tok = dict(cols=words, blocks=blocks)             # columns: tokens
    kq = dict(rows=words, cols=words, blocks=blocks)  # rows: keys, columns: queries
    s = Steps(f"backbone ({mask})", {"mask": mask, "base": base, "_lengths": tuple(lengths.tolist()),
                                     "_words": words, "vocabulary": VOCABULARY})
    s.given("ids", ids, "token ids, one sentence per row", rows=blocks)                   # (B, n)
    s.given("Etok", p["Etok"], "token embeddings, one column per word", cols=vocab.VOCAB)  # (d, V)
    s.given("Pos", p["Pos"], "position embeddings, one column per position",
            cols=labels("t", p["Pos"].shape[1]))                                          # (d, n_max)
    for name in PARAMS[2:]:
        s.given(name, p[name], "weights")
    X_tok = s.add("X_tok", np.swapaxes(p["Etok"][:, ids], 0, 1), "lookup(Etok, ids)",
                  note="each word's column of Etok", **tok)                              # (B, d, n)
    X = s.add("X", X_tok + p["Pos"][:, :n], f"X_tok + Pos[:, :{n}]", **tok)               # (B, d, n)
    Q = s.add("Q", p["Wq"] @ X, "Wq X", **tok)                                            # (B, d_k, n)
    K = s.add("K", p["Wk"] @ X, "Wk X", **tok)                                            # (B, d_k, n)
    V = s.add("V", p["Wv"] @ X, "Wv X", **tok)                                            # (B, d, n)
    scores = s.add("scores", np.swapaxes(K, 1, 2) @ Q / math.sqrt(d_k), f"K^T Q / {sqrt_dk}",
                   note="keys down, queries across", **kq)                                # (B, n, n)
    validate.finite_from(scores, "the attention scores K^T Q",
                         {k: p[k] for k in ("Etok", "Pos", "Wq", "Wk")})
    M = s.given("mask", _mask(mask, lengths, n), f"{mask}: 0 = visible, -inf = hidden", **kq)
    masked = s.add("masked", scores + M, "scores + mask", **kq)                           # (B, n, n)
    attn = ops.softmax(s, masked, base, axis=1, of="masked", names=("max", "pow", "sum", "attn"),
                       **kq)                                                              # (B, n, n)
    Z = s.add("Z", V @ attn, "V attn", note="each query's mix of the values", **tok)      # (B, d, n)
    H1 = s.add("H1", X + Z, "X + Z", note="residual", **tok)                              # (B, d, n)
    F = s.add("F", p["W1"] @ H1, "W1 H1", **tok)                                          # (B, d_ff, n)
    R = s.add("R", np.maximum(F, 0.0), "relu(F)", **tok)                                  # (B, d_ff, n)
    G = s.add("G", p["W2"] @ R, "W2 R", **tok)                                            # (B, d, n)
    H = s.add("H", H1 + G, "H1 + G", note="residual", **tok)                              # (B, d, n)
    validate.finite_from(H, "the hidden states H", {k: p[k] for k in PARAMS})
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
        ``dH`` (given, padding zeroed), then back through the block in reverse: ``dG``,
        ``dW2``, ``dR``, ``dF``, ``dW1``, ``dH1``, ``dZ``, ``dV``, ``dattn``, ``dscores``,
        ``dQ``, ``dK``, ``dWq``, ``dWk``, ``dWv``, ``dX``, ``dEtok``, ``dPos`` (each
        weight's gradient has its shape and is summed over the sentences). ReLU's
        derivative is taken as 0 where ``F`` is exactly 0 (``positive(F)``).
    """
    p = check_params(params)
    s = validate.steps("steps", steps, ["X", "attn", "H1", "F", "R", "H"], "backbone.forward")
    for k in PARAMS:   # other weights would mix with the forward's activations: wrong gradients
        if k in s and not np.array_equal(p[k], s[k]):
            raise ValueError(f"params: {k} is not the {k} the forward ran with; expected the weights "
                             f"that made steps")
    dH = validate.array("dH", dH, ndim=3, what="(B, d, n)")
    validate.same_shape("dH", dH, "H", s["H"])
    real = np.arange(dH.shape[2])[None, :] < np.array(s.meta["_lengths"])[:, None]  # (B, n)
    dH = dH * real[:, None, :]
    base, d_k = s.meta["base"], p["Wq"].shape[0]
    b = ops.base_name(base)
    root = math.isqrt(d_k)
    sqrt_dk = str(root) if root * root == d_k else f"sqrt({d_k})"
    X, attn, H1, F, R = s["X"], s["attn"], s["H1"], s["F"], s["R"]
    T = lambda M: np.swapaxes(M, 1, 2)  # noqa: E731  transpose each sentence's matrix
    outer = lambda G, M: np.einsum("bin,bjn->ij", G, M)  # noqa: E731  sum over sentences of G M^T
    step = s.step("H")
    tok = dict(cols=step.cols, blocks=step.blocks)
    kq = dict(rows=step.cols, cols=step.cols, blocks=step.blocks)
    g = Steps(f"backbone backward ({s.meta['mask']})", s.meta)
    dH = g.given("dH", dH, "gradient of the loss wrt H (zero at padding)", **tok)           # (B, d, n)
    dG = g.add("dG", dH, "dH", note="residual: H = H1 + G", **tok)                       # (B, d, n)
    g.add("dW2", outer(dG, R), "dG R^T", note="summed over sentences")                    # (d, d_ff)
    dR = g.add("dR", p["W2"].T @ dG, "W2^T dG", **tok)                                    # (B, d_ff, n)
    dF = g.add("dF", dR * (F > 0), "dR * positive(F)", note="ReLU passes where F > 0", **tok)  # (B, d_ff, n)
    g.add("dW1", outer(dF, H1), "dF H1^T", note="summed over sentences")                  # (d_ff, d)
    dH1 = g.add("dH1", dH + p["W1"].T @ dF, "dH + W1^T dF", **tok)                        # (B, d, n)
    dZ = g.add("dZ", dH1, "dH1", note="residual: H1 = X + Z", **tok)                      # (B, d, n)
    dV = g.add("dV", dZ @ T(attn), "dZ attn^T", **tok)                                    # (B, d, n)
    dattn = g.add("dattn", T(s["V"]) @ dZ, "V^T dZ", **kq)                                # (B, n, n)
    dS = g.add("dscores", ops.softmax_backward(attn, dattn, base, axis=1),
               f"ln({b}) attn * (dattn - colsum(attn * dattn))", **kq)                    # (B, n, n)
    dQ = g.add("dQ", s["K"] @ dS / math.sqrt(d_k), f"K dscores / {sqrt_dk}", **tok)       # (B, d_k, n)
    dK = g.add("dK", s["Q"] @ T(dS) / math.sqrt(d_k), f"Q dscores^T / {sqrt_dk}", **tok)  # (B, d_k, n)
    g.add("dWq", outer(dQ, X), "dQ X^T", note="summed over sentences")                    # (d_k, d)
    g.add("dWk", outer(dK, X), "dK X^T", note="summed over sentences")                    # (d_k, d)
    g.add("dWv", outer(dV, X), "dV X^T", note="summed over sentences")                    # (d, d)
    dX = g.add("dX", dH1 + p["Wq"].T @ dQ + p["Wk"].T @ dK + p["Wv"].T @ dV,
               "dH1 + Wq^T dQ + Wk^T dK + Wv^T dV", **tok)                                # (B, d, n)
    validate.finite_from(dX, "the gradients", {"dH": dH, **{k: p[k] for k in PARAMS}})
    dEtok = np.zeros(p["Etok"].shape[::-1])                                               # (V, d)
    np.add.at(dEtok, s["ids"], T(dX))  # a word used twice collects both gradients
    g.add("dEtok", dEtok.T, f"scatter(dX, ids, {dEtok.shape[0]})",
          note="each token's dX added into its word's column", cols=vocab.VOCAB)           # (d, V)
    dPos = np.zeros_like(p["Pos"])
    dPos[:, :dX.shape[2]] = dX.sum(axis=0)
    g.add("dPos", dPos, f"padcols(dX, {dPos.shape[1]})",
          note="dX summed over sentences, position by position")                          # (d, n_max)
    return g
