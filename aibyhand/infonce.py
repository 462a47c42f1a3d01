r"""Worksheet 3, InfoNCE: in-batch contrastive loss, forward and manual backward.

The loss of sentence-transformers' ``MultipleNegativesRankingLoss`` with cosine
similarity: every anchor is scored against every positive in the batch, the scores are
divided by a temperature, and each anchor's softmax over the candidates should put its
mass on its own positive.

.. math::

    S_{ij} = \frac{a_i \cdot p_j}{|a_i|\,|p_j|}, \qquad L = S / \tau, \qquad
    \mathrm{prob}_{ij} = \frac{b^{L_{ij}}}{\sum_k b^{L_{ik}}}, \qquad
    \mathrm{loss} = \frac{1}{B} \sum_i -\log_b \mathrm{prob}_{ii}

Columns are examples (a_i is column i of A), as on the worksheets. With base ``b`` the
softmax uses ``b^x`` and the loss ``log_b``, so ``d loss / dL = (prob - I) / B`` in every
base; base 3 is the hand mode, base e (the default) is the library loss.
sentence-transformers' ``scale=20`` is ``temperature=0.05``.
"""

from __future__ import annotations

import math

import numpy as np

from . import _check, ops
from .steps import Steps, labels

__all__ = ["forward", "backward"]


def forward(A, P, *, temperature: float = 0.05, base: float = math.e) -> Steps:
    """InfoNCE loss of a batch of (anchor, positive) pairs, every step recorded.

    Parameters
    ----------
    A, P : array_like, shape (d, B)
        Anchor and positive embeddings, one pair per column, not necessarily unit length.
    temperature : float
        ``tau > 0``; the logits are cosine similarities divided by it.
    base : float
        ``b > 1``: the softmax uses ``b^x`` and the loss ``log_b`` (3 on the worksheets).

    Returns
    -------
    Steps
        ``A``, ``P``, ``|A|``, ``A_hat``, ``|P|``, ``P_hat``, ``S`` (B x B, anchors down,
        positives across), ``L``, ``max``, ``E``, ``Z``, ``prob``, ``loss_i`` (B x 1) and
        ``loss`` (a 0-d array; ``float(s["loss"])``).
    """
    A = _check.array("A", A, what="(d, B)")
    P = _check.array("P", P, what="(d, B)")
    _check.same_shape("P", P, "A", A)
    temperature = _check.positive("temperature", temperature)
    base = _check.base("base", base)
    return _forward(A, P, temperature, base)


def _forward(A: np.ndarray, P: np.ndarray, temperature: float, base: float,
             what: tuple[str, str] = ("A", "P"),
             about: tuple[str, str] = ("anchors, one per column", "positives, one per column"),
             ) -> Steps:
    B = A.shape[1]
    a, p = labels("a", B), labels("p", B)
    s = Steps("InfoNCE", {"temperature": temperature, "base": base})
    s.given("A", A, about[0], cols=a)                                               # (d, B)
    s.given("P", P, about[1], cols=p)                                               # (d, B)
    A_hat = ops.normalize(s, A, "|A|", "A_hat", what=what[0], cols=a)               # (d, B)
    P_hat = ops.normalize(s, P, "|P|", "P_hat", what=what[1], cols=p)               # (d, B)
    S = s.add("S", A_hat.T @ P_hat, "A_hat^T P_hat   cos(a_i, p_j)", rows=a, cols=p)  # (B, B)
    L = s.add("L", S / temperature, "S / temperature", rows=a, cols=p)             # (B, B)
    ops.softmax(s, L, base, axis=1, rows=a, cols=p)                                 # prob: (B, B)
    # -log_b prob_ii taken as log_b Z_i - (L_ii - max_i): prob_ii itself can underflow to 0
    loss_i = s.add("loss_i", np.log(s["Z"]) / math.log(base) - (np.diag(L)[:, None] - s["max"]),
                   f"-log_{ops.base_name(base)} of the diagonal of prob", rows=a)                    # (B, 1)
    s.add("loss", loss_i.mean(), "mean of loss_i")
    return s


def backward(steps: Steps) -> Steps:
    """Manual gradient of the InfoNCE loss back to the embeddings.

    Parameters
    ----------
    steps : Steps
        What :func:`forward` returned.

    Returns
    -------
    Steps
        ``dL = (prob - I) / B``, ``dS = dL / temperature``, ``dA_hat = P_hat dS^T``,
        ``dP_hat = A_hat dS``, then through each normalisation ``dA`` and ``dP``
        (shapes of A and P).
    """
    s = _check.steps("steps", steps, ["A_hat", "P_hat", "|A|", "|P|", "prob"], "infonce.forward")
    temperature = s.meta["temperature"]
    B = s["prob"].shape[0]
    a, p = labels("a", B), labels("p", B)
    g = Steps("InfoNCE backward", s.meta)
    dL = g.add("dL", (s["prob"] - np.eye(B)) / B, "(prob - I) / B", rows=a, cols=p)  # (B, B)
    dS = g.add("dS", dL / temperature, "dL / temperature", rows=a, cols=p)          # (B, B)
    g.add("dA_hat", s["P_hat"] @ dS.T, "P_hat dS^T", cols=a)                        # (d, B)
    g.add("dP_hat", s["A_hat"] @ dS, "A_hat dS", cols=p)                            # (d, B)
    # A_hat . dA_hat = row sums of S * dS, P_hat . dP_hat = column sums: B x B work, not d x B
    SdS = s["S"] * dS                                                               # (B, B)
    ops.normalize_backward(g, s, "A_hat", "|A|", "dA_hat", "A_hat.dA_hat", "dA", cols=a,
                           dots=SdS.sum(axis=1))                                    # (d, B)
    ops.normalize_backward(g, s, "P_hat", "|P|", "dP_hat", "P_hat.dP_hat", "dP", cols=p,
                           dots=SdS.sum(axis=0))                                    # (d, B)
    return g
