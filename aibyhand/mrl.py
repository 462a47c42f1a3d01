r"""Worksheet 4, Matryoshka Representation Learning: InfoNCE at nested widths.

As in sentence-transformers' ``MatryoshkaLoss`` and the MRL paper: for each width m
(largest first) take the first m coordinates of every embedding, re-normalise them
(cosine similarity does that), compute InfoNCE, and add the levels up with weights:

.. math::

    \mathrm{loss} = \sum_m w_m \, \mathrm{InfoNCE}(A_{:m}, P_{:m}), \qquad w_m = 1
    \text{ by default.}

Level m's gradient reaches only the first m coordinates, so the leading coordinates
collect a gradient from every level: that is what teaches the model to put the most
important information first.
"""

from __future__ import annotations

import math

import numpy as np

from . import infonce, ops, validate
from .steps import Steps, labels

__all__ = ["forward", "backward", "lesson", "rankings", "top1"]

LESSON = "What this showed: at which widths each anchor still ranks its own positive first"


@validate.overflow_checked
def forward(A, P, *, dims=(8, 4, 2), weights=None, temperature: float = 1.0,
            base: float = math.e) -> Steps:
    """Matryoshka loss of (anchor, positive) pairs at the widths ``dims``.

    Parameters
    ----------
    A, P : array_like, shape (d, B)
        Embeddings, one pair per column (need not be unit length).
    dims : sequence of int
        Distinct widths, each in 1..d; taken largest first.
    weights : sequence of float, optional
        One weight >= 0 per width (paired with ``dims`` as given); all 1 by default.
    temperature, base : float
        As in :func:`aibyhand.infonce.forward`.

    Returns
    -------
    Steps
        ``A``, ``P``; each level's InfoNCE steps under ``"m=<width> / "`` (``"m=4 / S"``);
        ``losses`` (1 x levels), ``weights`` (1 x levels) and ``loss``, their weighted sum.
        Levels run largest width first, each weight with its width; ``meta["dims"]`` and
        ``meta["weights"]`` hold them in that order.
    """
    A = validate.array("A", A, what="(d, B)")
    P = validate.array("P", P, what="(d, B)")
    validate.same_shape("P", P, "A", A)
    validate.batch("A", A.shape[1])
    dims = validate.dims("dims", dims, A.shape[0])
    w = validate.weights("weights", weights, len(dims))
    temperature = validate.scale("temperature", temperature, "logits")
    base = validate.base("base", base)
    # keep each weight with its width while sorting the widths largest first
    order = np.argsort(dims)[::-1]
    dims, w = tuple(dims[k] for k in order), w[order]
    levels = [f"m={m}" for m in dims]
    s = Steps("MRL", {"dims": dims, "weights": tuple(w.tolist()), "temperature": temperature,
                      "base": base})
    B = A.shape[1]
    s.given("A", A, "anchors, one per column", cols=labels("a", B))  # (d, B)
    s.given("P", P, "positives, one per column", cols=labels("p", B))  # (d, B)
    for m, level in zip(dims, levels):
        s.extend(infonce._forward(A[:m], P[:m], temperature, base, (f"A[:{m}]", f"P[:{m}]"),
                                  (f"first {m} rows of A", f"first {m} rows of P")), prefix=level,
                 formulas={"A": f"A[:{m}]", "P": f"P[:{m}]"})
    losses = s.add("losses", [[float(s[f"{level} / loss"]) for level in levels]],
                   "[" + " | ".join(f"{level} / loss" for level in levels) + "]",
                   note="InfoNCE at each width", cols=levels)                      # (1, levels)
    s.given("weights", w[None, :], "w_m, one per width", cols=levels)            # (1, levels)
    loss = s.add("loss", losses[0] @ w, "rowsum(losses * weights)", note="sum of w_m * loss_m")
    if not np.isfinite(loss):
        raise ValueError(f"weights: {tuple(w.tolist())} make the weighted loss overflow; expected "
                         f"weights whose sum with the losses fits float64")
    return s


def backward(steps: Steps) -> Steps:
    """Manual gradient of the Matryoshka loss back to the full embeddings.

    Parameters
    ----------
    steps : Steps
        What :func:`forward` returned.

    Returns
    -------
    Steps
        Each level's InfoNCE backward under ``"m=<width> / "`` (its ``dA`` is m x B),
        then ``dA``, ``dP`` (d x B): the sum over levels of w_m times each level's
        gradient, padded with zero rows below row m (``pad``).
    """
    s = validate.steps("steps", steps, ["A", "P", "losses", "loss"], "mrl.forward")
    A = s["A"]
    d, B = A.shape
    a, p = labels("a", B), labels("p", B)
    g = Steps("MRL backward", s.meta)
    dims, weights = s.meta["dims"], s.meta["weights"]
    for m in dims:
        g.extend(infonce.backward(s.sub(f"m={m}")), prefix=f"m={m}")
    for x, cols in (("A", a), ("P", p)):
        total = ops.zeros((d, B))                                            # (d, B)
        for m, w in zip(dims, weights):
            total[:m] += g[f"m={m} / d{x}"] if w == 1 else w * g[f"m={m} / d{x}"]  # zero below row m
        terms = [(f"{w:g} " if w != 1 else "") + (f"m={m} / d{x}" if m == d else f"pad(m={m} / d{x}, {d})")
                 for m, w in zip(dims, weights)]
        g.add(f"d{x}", total, " + ".join(terms), note="each width's gradient in its first m rows",
              cols=cols)                                                     # (d, B)
    return g


def lesson(steps: Steps) -> Steps:
    """What the widths did to the ranking, from :func:`forward`'s steps: the worksheet's
    last part (titled :data:`LESSON`).

    Returns
    -------
    Steps
        ``lesson / lead`` (B x levels, widths largest first): each anchor's cosine with its
        own positive minus its largest cosine with another positive, at each width.
        Positive: the anchor still ranks its own positive first at that width; 0 or
        negative: another positive is as close or closer. (Cosines lie in [-1, 1], so
        ``S - I - I`` puts the own positive at or below every other before the row's largest
        is taken.)
    """
    s = validate.steps("steps", steps, ["A", "P", "losses", "loss"], "mrl.forward")
    B = s["A"].shape[1]
    if B < 2:
        raise ValueError(f"steps: a batch of {B} pair has no other positive to rank; expected "
                         f"at least 2 pairs")
    levels = [f"m={m}" for m in s.meta["dims"]]
    out = Steps(LESSON, s.meta)
    lead = []
    for level in levels:
        S = s[f"{level} / S"]                                                # (B, B)
        other = np.where(np.eye(B, dtype=bool), -np.inf, S).max(axis=1)      # (B,)
        lead.append(np.diag(S) - other)
    out.add("lesson / lead", np.stack(lead, axis=1),
            " | ".join(f"diag({level} / S) - rowmax({level} / S - I - I)" for level in levels)
            .join("[]") if len(levels) > 1 else f"diag({levels[0]} / S) - rowmax({levels[0]} / S - I - I)",
            note="own cosine minus the largest other: > 0 where the own positive is still first",
            rows=labels("a", B), cols=levels)                                 # (B, levels)
    return out


def rankings(steps: Steps) -> Steps:
    """How every anchor ranks the candidates at each width, from :func:`forward`'s steps.

    Returns
    -------
    Steps
        ``"m=<width> / rank"`` (B x B): the rank of p_j among anchor a_i's candidates,
        1 for the most similar (ties share a rank); ``own rank`` (B x levels): each
        anchor's rank for its own positive; ``top-1`` (1 x levels): the share of
        anchors whose own positive ranks first.
    """
    s = validate.steps("steps", steps, ["A", "P", "losses", "loss"], "mrl.forward")
    dims = s.meta["dims"]
    B = s["A"].shape[1]
    a, p = labels("a", B), labels("p", B)
    levels = [f"m={m}" for m in dims]
    r = Steps("MRL rankings", s.meta)
    own = []
    for level in levels:
        S = s[f"{level} / S"]
        rank = r.add(f"{level} / rank", 1 + (S[:, None, :] > S[:, :, None]).sum(axis=2), "",
                     note="1 + how many candidates score higher", rows=a, cols=p)  # (B, B)
        own.append(np.diag(rank))
    own = r.add("own rank", np.stack(own, axis=1), "", note="rank of each anchor's own positive",
                rows=a, cols=levels)                                          # (B, levels)
    r.add("top-1", (own == 1).mean(axis=0)[None, :], "", note="share of anchors ranking their "
          "own positive first", cols=levels)                                  # (1, levels)
    return r


def top1(A, P, dims) -> np.ndarray:
    """Top-1 retrieval at each width: the share of anchors whose own positive is the
    strictly most similar of all positives, after truncating to the first m coordinates.

    A vectorised evaluation for real sizes (no Steps): ``A``, ``P`` (d, B), ``dims`` as
    in :func:`forward`; returns one accuracy per width, in the order given.
    """
    A = validate.array("A", A, what="(d, B)")
    P = validate.array("P", P, what="(d, B)")
    validate.same_shape("P", P, "A", A)
    validate.batch("A", A.shape[1])
    dims = validate.dims("dims", dims, A.shape[0])
    out = []
    for m in dims:
        scratch = Steps("top-1")
        nA = ops.norms(scratch, A[:m], "|A|", x=f"A[:{m}]")                   # (1, B)
        nP = ops.norms(scratch, P[:m], "|P|", x=f"P[:{m}]")                   # (1, B)
        S = (A[:m] / nA).T @ (P[:m] / nP)                                     # (B, B)
        own = np.diag(S).copy()
        np.fill_diagonal(S, -np.inf)
        out.append(float((own > S.max(axis=1)).mean()))
    return np.array(out)
