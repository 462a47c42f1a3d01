r"""Worksheet 2, Embed: the same backbone with a bidirectional mask, then a dense vector.

EmbeddingGemma's recipe, small: every token sees every other token, the hidden states
are mean-pooled into one vector per sentence, and two Dense layers without bias or
activation (768 -> 3072 -> 768 in EmbeddingGemma, 4 -> 16 -> 8 on the sheet) are
followed by L2 normalisation:

.. math::

    x = \frac{1}{n} \sum_t H_{:,t}, \qquad U = W_{up} x, \qquad Y = W_{down} U, \qquad
    E = Y / |Y|.

Decode (worksheet 1) runs the same backbone with a causal mask and scores the last token
against the vocabulary instead; compare :func:`forward` with
:func:`aibyhand.decode.forward`. ``pooling="last"`` with ``mask="causal"`` is the
Qwen3-Embedding recipe (last-token pooling in a decoder).
"""

from __future__ import annotations

import math

import numpy as np

from . import _check, backbone, ops
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
    X = _check.array(x_name, X, what="(d_model, B)", finite=finite)
    W_up = _check.array("W_up", W_up, what="(d_up, d_model)", finite=finite)
    W_down = _check.array("W_down", W_down, what="(d_out, d_up)", finite=finite)
    _check.shape("W_up", W_up, (None, X.shape[0]), f"(d_up, d_model) with d_model = {X.shape[0]} rows of {x_name}")
    _check.shape("W_down", W_down, (None, W_up.shape[0]), f"(d_out, d_up) with d_up = {W_up.shape[0]} rows of W_up")
    return X, W_up, W_down


def _dense(s: Steps, X: np.ndarray, W_up: np.ndarray, W_down: np.ndarray, cols,
           x_name: str = "X") -> np.ndarray:
    """The two identity Dense layers; records the weights and ``U``, ``Y``."""
    s.given("W_up", W_up, "Dense up, no bias, identity")                  # (d_up, d_model)
    s.given("W_down", W_down, "Dense down, no bias, identity")            # (d_out, d_up)
    U = s.add("U", W_up @ X, f"W_up {x_name}", cols=cols)                 # (d_up, B)
    return s.add("Y", W_down @ U, "W_down U", cols=cols)                  # (d_out, B)


def _normalize(s: Steps, cols) -> np.ndarray:
    return ops.normalize(s, s["Y"], "|Y|", "E", what="Y", cols=cols)      # (d_out, B)


def head_backward(steps: Steps, dE) -> Steps:
    """Manual gradients of the head, given the gradient of the unit embeddings ``E``.

    Returns
    -------
    Steps
        ``dE``, then through the normalisation ``Y.dE`` and ``dY``, then
        ``dW_down = dY U^T``, ``dU = W_down^T dY``, ``dW_up = dU X^T``, ``dX = W_up^T dU``.
    """
    s = _check.steps("steps", steps, ["X", "W_up", "W_down", "U", "Y", "|Y|", "E"], "embed.head")
    dE = _check.array("dE", dE, what="(d_out, B)")
    _check.same_shape("dE", dE, "E", s["E"])
    cols = s.step("E").cols
    g = Steps("projection head backward")
    g.given("dE", dE, "gradient of the loss wrt E", cols=cols)                           # (d_out, B)
    ops.normalize_backward(g, s, "E", "|Y|", "dE", "E.dE", "dY", cols=cols)               # (d_out, B)
    dense_backward(g, s, g["dY"], cols)
    return g


def dense_backward(g: Steps, s: Steps, dY: np.ndarray, cols, x_name: str = "X",
                   need_dx: bool = True, lr: float | None = None) -> None:
    """Back through ``Y = W_down W_up X``: both weight gradients and (if needed) ``dX``.

    With ``lr``, also the SGD step ``W_new = W - lr dW`` of each weight, right after its
    gradient (while that gradient is still in the cache).
    """
    dW_down = g.add("dW_down", dY @ s["U"].T, "dY U^T")                   # (d_out, d_up)
    if lr is not None:
        _sgd(g, s, "W_down", dW_down, lr)
    dU = g.add("dU", s["W_down"].T @ dY, "W_down^T dY", cols=cols)       # (d_up, B)
    dW_up = g.add("dW_up", dU @ s[x_name].T, f"dU {x_name}^T")            # (d_up, d_model)
    if lr is not None:
        _sgd(g, s, "W_up", dW_up, lr)
    if need_dx:
        g.add(f"d{x_name}", s["W_up"].T @ dU, "W_up^T dU", cols=cols)     # (d_model, B)


def _sgd(g: Steps, s: Steps, name: str, grad: np.ndarray, lr: float) -> np.ndarray:
    # -lr dW + W rather than W - lr dW: NumPy then adds W into the one temporary in place
    return g.add(f"{name}_new", -lr * grad + s[name], f"{name} - lr d{name}")


def forward(params, sentences, *, pooling: str = "mean", mask: str = "bidirectional",
            base: float = math.e) -> Steps:
    """Sentence embeddings, every step recorded.

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
    if pooling not in POOLINGS:
        raise ValueError(f"pooling: expected one of {', '.join(POOLINGS)}, got {pooling!r}")
    W_up, W_down = _head_params(params)
    s = backbone.forward(params, sentences, mask=mask, base=base)        # the one switch: the mask
    s.title = "Embed"
    s.meta["pooling"] = pooling
    lengths = np.array(s.meta["_lengths"])
    cols = tuple(" ".join(w) for w in s.meta["_words"])
    # the last layer: pool the tokens into one vector, then the projection head
    x, W_up, W_down = check_head(pool(s["H"], lengths, pooling), W_up, W_down, x_name="x")
    s.add("x", x, "mean of H over each sentence's tokens" if pooling == "mean" else
          "H at each sentence's last token", cols=cols)                   # (d_model, B)
    _dense(s, x, W_up, W_down, cols, x_name="x")
    _normalize(s, cols)
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

    Returns
    -------
    Steps
        The head's backward (``dY`` ... ``dW_up``, ``dx``), ``dH`` (B x d x n, the pooled
        gradient spread back over the tokens), then the backbone's backward
        (``dW2`` ... ``dEtok``, ``dPos``).
    """
    s = _check.steps("steps", steps, ["H", "x", "U", "Y", "E"], "embed.forward")
    dE = _check.array("dE", dE, what="(d_out, B)")
    _check.same_shape("dE", dE, "E", s["E"])
    cols = s.step("E").cols
    g = Steps("Embed backward", s.meta)
    g.given("dE", dE, "gradient of the loss wrt E", cols=cols)                           # (d_out, B)
    ops.normalize_backward(g, s, "E", "|Y|", "dE", "E.dE", "dY", cols=cols)               # (d_out, B)
    return _backward_from_dY(params, s, g, cols)


def _backward_from_dY(params, s: Steps, g: Steps, cols) -> Steps:
    """The rest of the backward once ``g`` holds ``dY``: head weights, pooling, backbone."""
    dense_backward(g, s, g["dY"], cols, x_name="x")
    H = s.step("H")
    dH = g.add("dH", unpool(g["dx"], np.array(s.meta["_lengths"]), s["H"].shape[2], s.meta["pooling"]),
               "dx spread over each sentence's tokens (1/n each)" if s.meta["pooling"] == "mean"
               else "dx at each sentence's last token", cols=H.cols, blocks=H.blocks)  # (B, d, n)
    return g.extend(backbone.backward(params, s, dH))
