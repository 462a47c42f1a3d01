r"""Worksheet 6, the projection head: why two linear layers that collapse into one?

EmbeddingGemma ends with Dense 768 -> 3072 and Dense 3072 -> 768, both without bias or
activation. Three facts, each a step on the sheet:

1. They are one matrix: ``Y = W_down (W_up X) = (W_down W_up) X = M X``, and ``M``
   (d_out x d_model) has rank at most min(d_model, d_out): the 4x wider middle adds no
   expressive power at inference.
2. The wide middle is a place to meet a wider teacher: embedding-matching distillation
   (EmbedDistill) pulls the student's expanded vectors ``U = W_up X`` towards a teacher's
   embeddings ``T`` of that width, here with the loss
   ``(1 / 2B) sum_b |u_b - t_b|^2``, whose gradient is ``dU = (U - T) / B``,
   ``dW_up = dU X^T``. After training, the head still compresses to d_out.
3. Matryoshka truncation after the head: the first m coordinates of each output,
   re-normalised, are the smaller embeddings; their cosines show what each width keeps.
"""

from __future__ import annotations

import numpy as np

from . import _check, embed, ops
from .steps import Steps

__all__ = ["forward", "backward"]


def forward(X, W_up, W_down, T, *, dims=(8, 4, 2)) -> Steps:
    """The head, its collapse into one matrix, distillation to a teacher, MRL truncation.

    Parameters
    ----------
    X : array, shape (d_model, B)
        Pooled vectors.
    W_up : array, shape (d_up, d_model)
    W_down : array, shape (d_out, d_up)
    T : array, shape (d_up, B)
        The teacher's embeddings of the same B inputs, as wide as the expanded layer.
    dims : sequence of int
        Matryoshka widths of the output, each in 1..d_out.

    Returns
    -------
    Steps
        :func:`aibyhand.embed.head`'s steps (``X``, ``W_up``, ``W_down``, ``U``, ``Y``,
        ``|Y|``, ``E``); ``M = W_down W_up``, ``Y via M`` (``M X``, equal to ``Y``),
        ``rank M``; ``T``, ``U - T``, ``distill loss``; for each width
        ``"m=<width> / |E[:m]|"``, ``"m=<width> / E_hat"`` (the first m coordinates of E,
        re-normalised) and ``"m=<width> / cos"`` (B x B).
    """
    s = embed.head(X, W_up, W_down)
    s.title = "projection head"
    X, W_up, W_down, U = s["X"], s["W_up"], s["W_down"], s["U"]
    T = _check.array("T", T, what="(d_up, B)")
    _check.shape("T", T, U.shape, "(d_up, B): the teacher is as wide as the expanded layer U")
    dims = _check.dims("dims", dims, W_down.shape[0])
    cols = s.step("E").cols
    B = X.shape[1]
    # 1. two identity layers are one matrix
    M = s.add("M", W_down @ W_up, "W_down W_up: both layers as one matrix")            # (d_out, d_model)
    s.add("Y via M", M @ X, "M X (the same as Y)", cols=cols)                                     # (d_out, B)
    s.add("rank M", np.linalg.matrix_rank(M), f"at most min(d_model, d_out) = {min(M.shape)}")
    # 2. embedding matching at the expanded width
    s.given("T", T, "teacher embeddings, as wide as U", cols=cols)                      # (d_up, B)
    D = s.add("U - T", U - T, "student's expanded vectors minus the teacher's", cols=cols)  # (d_up, B)
    s.add("distill loss", np.sum(D * D) / (2 * B), "sum of (U - T)^2 / 2B")
    # 3. Matryoshka truncation of the output
    for m in sorted(dims, reverse=True):
        unit = ops.normalize(s, s["E"][:m], f"m={m} / |E[:m]|", f"m={m} / E_hat", what=f"E[:{m}]",
                             cols=cols)                                                  # (m, B)
        s.add(f"m={m} / cos", unit.T @ unit, f"E_hat^T E_hat (cosines of the first {m} coordinates)",
              rows=cols, cols=cols)                                                      # (B, B)
    return s


def backward(steps: Steps) -> Steps:
    """Gradient of the distillation loss: it reaches ``W_up`` only.

    Returns
    -------
    Steps
        ``dU = (U - T) / B`` and ``dW_up = dU X^T``.
    """
    s = _check.steps("steps", steps, ["X", "U - T", "distill loss"], "head.forward")
    B = s["X"].shape[1]
    cols = s.step("U - T").cols
    g = Steps("distillation backward")
    dU = g.add("dU", s["U - T"] / B, "(U - T) / B", cols=cols)                          # (d_up, B)
    g.add("dW_up", dU @ s["X"].T, "dU X^T")                                              # (d_up, d_model)
    return g
