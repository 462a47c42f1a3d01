r"""Worksheet 6, the projection head: why two linear layers that collapse into one?

EmbeddingGemma ends with Dense 768 -> 3072 and Dense 3072 -> 768, both without bias or
activation. Three facts, each a page of the sheet:

1. They are one matrix: ``Y = W_down (W_up X) = (W_down W_up) X = M X``, and ``M``
   (d_out x d_model) has rank at most min(d_model, d_out): at inference the wide middle
   adds no expressive power, and every output lies in a space of at most d_model
   dimensions.
2. Matryoshka truncation after the head: the first m coordinates of each output,
   re-normalised, are the smaller embeddings; their cosines show what each width keeps.
3. So why expand? One motivation discussed publicly for EmbeddingGemma (not something
   its report states as the reason): the wide middle is a place where a wider teacher's
   embeddings could be matched, as in embedding-matching distillation (EmbedDistill),
   before the head compresses again. Here the matching loss is
   ``(1 / 2B) sum_b |u_b - t_b|^2`` with ``U = W_up X``; its gradient is
   ``dW_up = (U - T) X^T / B``.
"""

from __future__ import annotations

import numpy as np

from . import embed, ops, validate
from .steps import Steps, labels

__all__ = ["forward", "backward"]


@validate.overflow_checked
def forward(X, W_up, W_down, T, *, dims=(4, 2)) -> Steps:
    """The head as one matrix, its truncations, and distillation to a wider teacher.

    Parameters
    ----------
    X : array, shape (d_model, B)
        Pooled vectors, one input per column.
    W_up : array, shape (d_up, d_model)
    W_down : array, shape (d_out, d_up)
    T : array, shape (d_up, B)
        The teacher's embeddings of the same B inputs, as wide as the expanded layer.
    dims : sequence of int
        Matryoshka widths of the output, each in 1..d_out.

    Returns
    -------
    Steps
        ``X``, ``W_up``, ``W_down`` (given); ``M = W_down W_up``, ``rank M``, ``Y = M X``
        (the head's output, by one matrix); ``|Y|``, ``E = Y / |Y|``; for each width m
        below d_out ``Ym`` (the first m rows of Y), ``|Ym|`` and ``Em = Ym / |Ym|``
        (re-normalised); for every width ``cosm = Em^T Em`` (B x B cosines; ``E^T E`` at
        d_out); ``U = W_up X`` (the expanded vectors), ``T`` (given), ``D = U - T`` and
        ``distill loss = sumall(D * D) / 2B``.
    """
    X, W_up, W_down = embed.check_head(X, W_up, W_down)
    validate.batch("X", X.shape[1], "inputs")   # every width's B x B cosines
    T = validate.array("T", T, what="(d_up, B)")
    validate.shape("T", T, (W_up.shape[0], X.shape[1]),
                   "(d_up, B): the teacher is as wide as the expanded layer W_up X")
    dims = sorted(validate.dims("dims", dims, W_down.shape[0]), reverse=True)
    B, d_out = X.shape[1], W_down.shape[0]
    cols = labels("x", B)
    s = Steps("projection head", {"dims": tuple(dims)})
    s.given("X", X, "pooled vectors, one per column", cols=cols)                        # (d_model, B)
    s.given("W_up", W_up, "Dense up, no bias, identity")                                # (d_up, d_model)
    s.given("W_down", W_down, "Dense down, no bias, identity")                          # (d_out, d_up)
    # 1. two identity layers are one matrix
    M = s.add("M", W_down @ W_up, "W_down W_up", note="both layers as one matrix")      # (d_out, d_model)
    validate.finite_from(M, "M = W_down W_up", {"W_up": W_up, "W_down": W_down})
    s.add("rank M", np.linalg.matrix_rank(M), "rank(M)")
    Y = s.add("Y", M @ X, "M X", note="the head's output", cols=cols)                   # (d_out, B)
    validate.finite_from(Y, "the head's output Y = M X", {"X": X, "M": M})
    # 2. Matryoshka truncation of the output
    E = ops.normalize(s, Y, "|Y|", "E", x="Y", cols=cols, note="the embedding")         # (d_out, B)
    for m in dims:
        if m < d_out:
            Ym = s.add(f"Y{m}", Y[:m], f"Y[:{m}]", note=f"the first {m} rows of Y", cols=cols)  # (m, B)
            E = ops.normalize(s, Ym, f"|Y{m}|", f"E{m}", x=f"Y{m}", cols=cols,
                              note=f"the first {m} coordinates, re-normalised")         # (m, B)
        s.add(f"cos{m}", E.T @ E, f"E{m}^T E{m}" if m < d_out else "E^T E",
              note=f"cosines at width {m}", rows=cols, cols=cols)                       # (B, B)
    # 3. embedding matching at the expanded width
    U = s.add("U", W_up @ X, "W_up X", note="the expanded vectors", cols=cols)          # (d_up, B)
    validate.finite_from(U, "U = W_up X", {"X": X, "W_up": W_up})
    s.given("T", T, "teacher embeddings, as wide as U", cols=cols)                      # (d_up, B)
    D = s.add("D", U - T, "U - T", note="student minus teacher", cols=cols)             # (d_up, B)
    loss = s.add("distill loss", np.sum(D * D) / (2 * B), f"sumall(D * D) / {2 * B}")
    if not np.isfinite(loss):
        raise ValueError("X, W_up, T: expected a teacher and expanded vectors whose distance fits "
                         "in float64, got an overflow in the distillation loss")
    return s


def backward(steps: Steps) -> Steps:
    """Gradient of the distillation loss: it reaches ``W_up`` only.

    Returns
    -------
    Steps
        ``dW_up = D X^T / B`` (d_up x d_model), the gradient of
        ``sumall(D * D) / 2B`` with ``D = W_up X - T``.
    """
    s = validate.steps("steps", steps, ["X", "D", "distill loss"], "head.forward")
    B = s["X"].shape[1]
    g = Steps("distillation backward", s.meta)
    g.add("dW_up", s["D"] @ s["X"].T / B, f"D X^T / {B}")                                # (d_up, d_model)
    return g
