r"""Worksheet 2, Embed: the same backbone with a bidirectional mask, then a dense vector.

EmbeddingGemma's recipe, small: every token sees every other token, the hidden states
are mean-pooled into one vector per sentence, and two Dense layers without bias or
activation (768 -> 3072 -> 768 in EmbeddingGemma, 4 -> 16 -> 8 on the sheet) are
followed by L2 normalisation:

.. math::

    x = \frac{1}{n} \sum_t H_{:,t} \text{ (n: the sentence's own length)}, \qquad
    U = W_{up} x, \qquad Y = W_{down} U, \qquad E = Y / |Y|.

Decode (worksheet 1) runs the same backbone with a causal mask and scores the last token
against the vocabulary instead; compare :func:`forward` with
:func:`aibyhand.decode.forward`. ``pooling="last"`` with ``mask="causal"`` is the
Qwen3-Embedding recipe (last-token pooling in a decoder).
"""

from __future__ import annotations

import math

import numpy as np

from . import validate, backbone, ops
from .steps import Steps, labels

__all__ = ["head", "head_backward", "forward", "backward", "POOLINGS"]

POOLINGS = ("mean", "last")


def head(X, W_up, W_down) -> Steps:
    """The projection head: Dense up, Dense down (no bias, identity), L2 normalisation.

    Parameters
    ----------
    X : array, shape (d_model, B)
        Pooled vectors, one sentence per column.
    W_up : array, shape (d_up, d_model)
    W_down : array, shape (d_out, d_up)

    Returns
    -------
    Steps
        ``X``, ``W_up``, ``W_down`` (given), ``U = W_up X`` (d_up x B),
        ``Y = W_down U`` (d_out x B), ``|Y|`` (1 x B) and ``E = Y / |Y|``, unit columns.
    """
    X, W_up, W_down = check_head(X, W_up, W_down)
    s = Steps("projection head")
    cols = labels("x", X.shape[1])
    s.given("X", X, "pooled vectors, one per column", cols=cols)          # (d_model, B)
    _dense(s, X, W_up, W_down, cols)
    _normalize(s, cols)
    return s


def check_head(X, W_up, W_down, x_name: str = "X", finite: bool = True) -> tuple[np.ndarray, ...]:
    X = validate.array(x_name, X, what="(d_model, B)", finite=finite)
    W_up = validate.array("W_up", W_up, what="(d_up, d_model)", finite=finite)
    W_down = validate.array("W_down", W_down, what="(d_out, d_up)", finite=finite)
    validate.shape("W_up", W_up, (None, X.shape[0]), f"(d_up, d_model) with d_model = {X.shape[0]} rows of {x_name}")
    validate.shape("W_down", W_down, (None, W_up.shape[0]), f"(d_out, d_up) with d_up = {W_up.shape[0]} rows of W_up")
    return X, W_up, W_down


def _dense(s: Steps, X: np.ndarray, W_up: np.ndarray, W_down: np.ndarray, cols,
           x_name: str = "X") -> np.ndarray:
    """The two identity Dense layers; records the weights and ``U``, ``Y``."""
    s.given("W_up", W_up, "Dense up, no bias, identity")                  # (d_up, d_model)
    s.given("W_down", W_down, "Dense down, no bias, identity")            # (d_out, d_up)
    U = s.add("U", ops.matmul(W_up, X), f"W_up {x_name}", cols=cols)     # (d_up, B)
    return s.add("Y", ops.matmul(W_down, U), "W_down U", cols=cols)      # (d_out, B)


def _normalize(s: Steps, cols, x_name: str = "X", x_arg: str = "X",
               w_arg: str = "W_up, W_down") -> np.ndarray:
    """E = Y / |Y|; a zero or overlong column of Y is blamed on what the user gave (named
    ``x_arg`` and ``w_arg``): the input column if it is itself zero, else the weights."""
    Y, X = s["Y"], s[x_name]
    n = ops.lengths(Y)[0]
    bad = np.flatnonzero(~(n >= np.finfo(np.float64).tiny) | ~np.isfinite(n))
    if bad.size:
        j = int(bad[0])
        label = f" ({cols[j]})" if cols is not None else ""
        if not np.isfinite(n[j]):
            raise ValueError(f"{x_arg}, {w_arg}: the head's output for column {j}{label} is too "
                             f"long for float64; expected smaller inputs or weights")
        if not X[:, j].any():
            raise ValueError(f"{x_arg}: expected {x_name} with non-zero columns, got the zero "
                             f"vector in column {j}{label}")
        raise ValueError(f"{w_arg}: the head maps column {j}{label} to the zero vector (or "
                         f"nearly); expected weights that keep it")
    return ops.normalize(s, Y, "|Y|", "E", x="Y", cols=cols,
                         note="the embedding: unit columns")             # (d_out, B)


def head_backward(steps: Steps, dE) -> Steps:
    """Manual gradients of the head, given the gradient of the unit embeddings ``E``.

    Returns
    -------
    Steps
        ``dE``, then through the normalisation ``along = colsum(E * dE)`` and ``dY``, then
        ``dW_down = dY U^T``, ``dU = W_down^T dY``, ``dW_up = dU X^T``, ``dX = W_up^T dU``.
    """
    s = validate.steps("steps", steps, ["X", "W_up", "W_down", "U", "Y", "|Y|", "E"], "embed.head")
    dE = validate.array("dE", dE, what="(d_out, B)")
    validate.same_shape("dE", dE, "E", s["E"])
    cols = s.step("E").cols
    g = Steps("projection head backward")
    g.given("dE", dE, "gradient of the loss wrt E", cols=cols)                           # (d_out, B)
    ops.normalize_backward(g, s, "E", "|Y|", "dE", "along", "dY", cols=cols)             # (d_out, B)
    dense_backward(g, s, g["dY"], cols)
    return g


def dense_backward(g: Steps, s: Steps, dY: np.ndarray, cols, x_name: str = "X",
                   need_dx: bool = True, lr: float | None = None,
                   update=("W_up", "W_down")) -> None:
    """Back through ``Y = W_down W_up X``: both weight gradients and (if needed) ``dX``.

    With ``lr``, also the SGD step ``W_new = W - lr dW`` of each weight in ``update``,
    right after its gradient (while that gradient is still in the cache); a weight not
    updated, with ``dX`` not needed, costs no gradient at all.
    """
    dW_down = g.add("dW_down", ops.matmul(dY, s["U"].T), "dY U^T")       # (d_out, d_up)
    if lr is not None and "W_down" in update:
        _sgd(g, s, "W_down", dW_down, lr)
    if need_dx or "W_up" in update:
        dU = g.add("dU", ops.matmul(s["W_down"].T, dY), "W_down^T dY", cols=cols)  # (d_up, B)
        dW_up = g.add("dW_up", ops.matmul(dU, s[x_name].T), f"dU {x_name}^T")      # (d_up, d_model)
        if lr is not None and "W_up" in update:
            _sgd(g, s, "W_up", dW_up, lr)
    if need_dx:
        g.add(f"d{x_name}", s["W_up"].T @ dU, "W_up^T dU", cols=cols)     # (d_model, B)


def _sgd(g: Steps, s: Steps, name: str, grad: np.ndarray, lr: float) -> np.ndarray:
    return g.add(f"{name}_new", ops.sgd(s[name], grad, lr), f"{name} - lr d{name}", note="one SGD step")


def forward(params, sentences, *, pooling: str = "mean", mask: str = "bidirectional",
            base: float = math.e) -> Steps:
    """Sentence embeddings, every step recorded.

    :func:`aibyhand.backbone.forward` with ``mask`` (every softmax in base ``base``),
    then one vector per sentence and the projection head:

    - ``x``: ``pooling="mean"``: the mean of ``H``'s columns over the sentence's real
      tokens (padding excluded), ``x = (1/n) sum_t H[:, t]``; ``"last"``: ``H`` at the
      sentence's last real token;
    - ``U = W_up x``, ``Y = W_down U`` (no bias, no activation), ``E = Y / |Y|`` with
      ``|Y|`` the Euclidean length of each column.

    A zero pooled vector ``x`` (an error naming ``params``), or a zero column of ``Y``,
    is a ``ValueError``: the normalisation divides by it.

    Parameters
    ----------
    params : mapping
        The backbone's weights (:func:`aibyhand.backbone.check_params`) and the head's
        ``W_up`` (d_up x d_model), ``W_down`` (d_out x d_up).
    sentences : str or list of str
    pooling : {"mean", "last"}
        Mean over the sentence's tokens (EmbeddingGemma) or its last token (Qwen3-Embedding).
    mask : {"bidirectional", "causal"}
        EmbeddingGemma is bidirectional; Qwen3-Embedding causal.
    base : float
        The attention softmax uses ``base^x``.

    Returns
    -------
    Steps
        The backbone's steps, then ``x`` (d_model x B, pooled), ``W_up``, ``W_down``,
        ``U``, ``Y``, ``|Y|`` and ``E`` (d_out x B, unit columns).
    """
    pooling = validate.one_of("pooling", pooling, POOLINGS)
    W_up, W_down = _head_params(params)
    s = backbone.forward(params, sentences, mask=mask, base=base)        # the one switch: the mask
    s.title = "Embed"
    s._with_meta(pooling=pooling)
    lengths = np.array(s.meta["_lengths"])
    cols = tuple(" ".join(w) for w in s.meta["_words"])
    # the last layer: pool the tokens into one vector, then the projection head
    x, W_up, W_down = check_head(pool(s["H"], lengths, pooling), W_up, W_down, x_name="x")
    s.add("x", x, "rowmean(H)" if pooling == "mean" else "H[:, -1]",
          note="mean pooling over the tokens" if pooling == "mean" else "last-token pooling",
          cols=cols)                                                      # (d_model, B)
    _dense(s, x, W_up, W_down, cols, x_name="x")
    _normalize(s, cols, x_name="x", x_arg="params")
    return s


def _head_params(params):
    if not hasattr(params, "keys"):
        raise TypeError(f"params: expected a mapping of weights, got {type(params).__name__}")
    missing = [k for k in ("W_up", "W_down") if k not in params]
    if missing:
        raise ValueError(f"params: missing {', '.join(missing)} (the projection head)")
    return params["W_up"], params["W_down"]


def pool(H: np.ndarray, lengths: np.ndarray, pooling: str) -> np.ndarray:
    """(B, d, n) hidden states -> (d, B): mean over real tokens, or the last one."""
    B, _, n = H.shape
    if pooling == "last":
        return H[np.arange(B), :, lengths - 1].T
    real = np.arange(n)[None, :] < lengths[:, None]                      # (B, n)
    return np.einsum("bdn,bn->db", H, real) / lengths


def unpool(dx: np.ndarray, lengths: np.ndarray, n: int, pooling: str) -> np.ndarray:
    """(d, B) gradient of the pooled vectors -> (B, d, n) gradient of the hidden states."""
    if pooling == "last":
        weight = (np.arange(n)[None, :] == (lengths - 1)[:, None]).astype(float)  # (B, n)
    else:
        weight = (np.arange(n)[None, :] < lengths[:, None]) / lengths[:, None]    # (B, n)
    return dx.T[:, :, None] * weight[:, None, :]                          # (B, d, n)


def backward(params, steps: Steps, dE) -> Steps:
    """Manual gradients of every weight (backbone and head), given the gradient of ``E``.

    Through the normalisation ``dY = (dE - E * colsum(E * dE)) / |Y|``; through the head
    ``dW_down = dY U^T``, ``dU = W_down^T dY``, ``dW_up = dU x^T``, ``dx = W_up^T dU``;
    through mean pooling every real token of a sentence gets ``dx / n`` (last pooling: the
    last token gets ``dx``); then :func:`aibyhand.backbone.backward`.

    Returns
    -------
    Steps
        ``dE``, ``along = colsum(E * dE)`` (1 x B), then the head's backward (``dY``,
        ``dW_down``, ``dU``, ``dW_up``, ``dx``), ``dH`` (B x d x n, the pooled
        gradient spread back over the tokens), then the backbone's backward
        (``dW2`` ... ``dEtok``, ``dPos``).
    """
    s = validate.steps("steps", steps, ["H", "x", "U", "Y", "E"], "embed.forward")
    dE = validate.array("dE", dE, what="(d_out, B)")
    validate.same_shape("dE", dE, "E", s["E"])
    cols = s.step("E").cols
    g = Steps("Embed backward", s.meta)
    g.given("dE", dE, "gradient of the loss wrt E", cols=cols)                           # (d_out, B)
    ops.normalize_backward(g, s, "E", "|Y|", "dE", "along", "dY", cols=cols)             # (d_out, B)
    return _backward_from_dY(params, s, g, cols)


def _backward_from_dY(params, s: Steps, g: Steps, cols) -> Steps:
    """The rest of the backward once ``g`` holds ``dY``: head weights, pooling, backbone."""
    dense_backward(g, s, g["dY"], cols, x_name="x")
    n = s["H"].shape[2]
    mean = s.meta["pooling"] == "mean"
    dH = unpool(g["dx"], np.array(s.meta["_lengths"]), n, s.meta["pooling"])            # (B, d, n)
    return g.extend(backbone.backward(params, s, dH),
                    formulas={"dH": f"repeat(dx, {n}) / {n}" if mean else f"atlast(dx, {n})"},
                    notes={"dH": "dx spread back over the tokens" if mean else "dx at the last token"})
