r"""Worksheet 3, InfoNCE: in-batch contrastive loss, forward and manual backward.

The loss of sentence-transformers' ``MultipleNegativesRankingLoss`` with cosine
similarity: every anchor is scored against every positive in the batch, the scores are
divided by a temperature, and each anchor's softmax over the candidates should put its
mass on its own positive.

.. math::

    S_{ij} = \frac{a_i \cdot p_j}{|a_i|\,|p_j|}, \qquad \mathrm{logits} = S / \tau, \qquad
    \mathrm{prob}_{ij} = \frac{b^{\mathrm{logits}_{ij}}}{\sum_k b^{\mathrm{logits}_{ik}}}, \qquad
    \mathrm{loss} = \frac{1}{B} \sum_i -\log_b \mathrm{prob}_{ii}

Columns are examples (a_i is column i of A), as on the worksheets. With base ``b`` the
softmax uses ``b^x`` and the loss ``log_b``, so ``d loss / d logits = (prob - I) / B`` in
every base; base 3 is the hand mode, base e (the default) is the library loss.
sentence-transformers' ``scale=20`` is ``temperature=0.05``.
"""

from __future__ import annotations

import math

import numpy as np

from . import validate, ops
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
        ``A``, ``P``, ``|A|``, ``|P|`` (1 x B lengths), ``S`` (B x B cosines, anchors down,
        positives across), ``logits``, ``max``, ``pow``, ``sum``, ``prob``, ``loss_i``
        (B x 1) and ``loss`` (a 0-d array; ``float(s["loss"])``). Each step's formula
        (``s.step("S").formula``) says how it is computed.
    """
    A = validate.array("A", A, what="(d, B)")
    P = validate.array("P", P, what="(d, B)")
    validate.same_shape("P", P, "A", A)
    validate.batch("A", A.shape[1])
    temperature = validate.scale("temperature", temperature, "logits")
    base = validate.base("base", base)
    return _forward(A, P, temperature, base)


def _forward(A: np.ndarray, P: np.ndarray, temperature: float, base: float,
             what: tuple[str, str] = ("A", "P"),
             about: tuple[str, str] = ("anchors, one per column", "positives, one per column"),
             ) -> Steps:
    B = A.shape[1]
    a, p = labels("a", B), labels("p", B)
    s = Steps("InfoNCE", {"temperature": temperature, "base": base})
    s.given("A", A, about[0], cols=a)                                              # (d, B)
    s.given("P", P, about[1], cols=p)                                              # (d, B)
    nA = ops.norms(s, A, "|A|", x="A", what=what[0], cols=a)                        # (1, B)
    nP = ops.norms(s, P, "|P|", x="P", what=what[1], cols=p)                        # (1, B)
    # the same number as A^T P / (|A|^T |P|), normalised first so that no product of two
    # large (or two tiny) lengths can overflow (or underflow) on the way
    S = s.add("S", ops.matmul(ops.divide(A, nA).T, ops.divide(P, nP)), "A^T P / (|A|^T |P|)",
              note="cos(a_i, p_j)", rows=a, cols=p)                                 # (B, B)
    logits = s.add("logits", S / temperature, "S / temperature", rows=a, cols=p)  # (B, B)
    ops.softmax(s, logits, base, axis=1, of="logits", rows=a, cols=p)             # prob: (B, B)
    # -log_b prob_ii taken as log_b sum_i - (logits_ii - max_i): prob_ii itself can underflow to 0
    loss_i = s.add("loss_i", np.log(s["sum"]) / math.log(base) - (np.diag(logits)[:, None] - s["max"]),
                   f"-{ops.log_name(base)}(diag(prob))", note="each anchor's loss", rows=a)  # (B, 1)
    s.add("loss", loss_i.mean(), "mean(loss_i)")
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
        ``dlogits = (prob - I) / B``, ``dS = dlogits / temperature``, the unit vectors
        ``A_hat = A / |A|``, ``P_hat = P / |P|``, ``dA_hat = P_hat dS^T``,
        ``dP_hat = A_hat dS``, then through each normalisation
        ``along_A = colsum(A_hat * dA_hat)``, ``dA = (dA_hat - A_hat * along_A) / |A|``
        and the same for P (``dA``, ``dP``: shapes of A and P).
    """
    s = validate.steps("steps", steps, ["A", "P", "|A|", "|P|", "S", "prob"], "infonce.forward")
    temperature = s.meta["temperature"]
    B = s["prob"].shape[0]
    a, p = labels("a", B), labels("p", B)
    g = Steps("InfoNCE backward", s.meta)
    dlogits = g.add("dlogits", (s["prob"] - np.eye(B)) / B, f"(prob - I) / {B}", rows=a, cols=p)  # (B, B)
    dS = g.add("dS", dlogits / temperature, "dlogits / temperature", rows=a, cols=p)  # (B, B)
    A_hat = g.add("A_hat", ops.divide(s["A"], s["|A|"]), "A / |A|", note="unit anchors", cols=a)  # (d, B)
    P_hat = g.add("P_hat", ops.divide(s["P"], s["|P|"]), "P / |P|", note="unit positives", cols=p)  # (d, B)
    g.add("dA_hat", ops.matmul(P_hat, dS.T), "P_hat dS^T", cols=a)                    # (d, B)
    g.add("dP_hat", ops.matmul(A_hat, dS), "A_hat dS", cols=p)                        # (d, B)
    # A_hat . dA_hat = row sums of S * dS, P_hat . dP_hat = column sums: B x B work, not d x B
    SdS = s["S"] * dS                                                                 # (B, B)
    ops.normalize_backward(g, g, "A_hat", "|A|", "dA_hat", "along_A", "dA", cols=a,
                           dots=SdS.sum(axis=1), lengths=s["|A|"])                       # (d, B)
    ops.normalize_backward(g, g, "P_hat", "|P|", "dP_hat", "along_P", "dP", cols=p,
                           dots=SdS.sum(axis=0), lengths=s["|P|"])                       # (d, B)
    return g
