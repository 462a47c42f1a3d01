r"""Worksheet 5, fine-tune an embedding model by MRL, every gradient by hand.

Pairs of texts (an anchor and its positive) go through Embed; the Matryoshka loss at
widths 8, 4, 2 scores them; the gradient goes back through the normalisation, both
Dense layers, the pooling and the backbone; one SGD step updates every weight:
``W <- W - lr * dW``. :func:`head_step` is the same step for the projection head alone,
starting from pooled vectors: the worksheet's version, and the one that runs at
EmbeddingGemma's size (768 -> 3072 -> 768, batch 128).
"""

from __future__ import annotations

import math

import numpy as np

from . import _check, backbone, embed, mrl
from .steps import Steps, labels

__all__ = ["head_step", "step", "train", "updated", "HEAD", "TRAINABLE"]

HEAD = ("W_up", "W_down")
TRAINABLE = (*backbone.PARAMS, *HEAD)


def head_step(Xa, Xp, W_up, W_down, *, dims=(8, 4, 2), temperature: float = 1.0, lr: float,
              base: float = math.e, after: bool = False) -> Steps:
    """One SGD step of the projection head on the MRL loss.

    Parameters
    ----------
    Xa, Xp : array, shape (d_model, B)
        Pooled vectors of the anchors and of their positives (column j of each is pair j).
    W_up : array, shape (d_up, d_model)
    W_down : array, shape (d_out, d_up)
    dims, temperature, base
        As in :func:`aibyhand.mrl.forward`.
    lr : float
        Learning rate > 0.
    after : bool
        Also run the forward again with the new weights and record ``losses after``
        (a second forward pass; off for speed).

    Returns
    -------
    Steps
        Forward: ``Xa``, ``Xp``, ``X = [Xa | Xp]``, ``W_up``, ``W_down``, ``U``, ``Y``,
        then the MRL steps on ``A = Y[:, :B]``, ``P = Y[:, B:]`` (``"m=8 / S"`` ...,
        ``losses``, ``loss``: the loss before the update). Backward and update: each
        level's gradient, ``dA``, ``dP``, ``dY = [dA | dP]``, ``dW_down``, ``W_down_new``
        (``W_down - lr dW_down``), ``dU``, ``dW_up``, ``W_up_new``; with ``after``,
        ``losses after`` and ``loss after``. Inputs are not modified.

    Notes
    -----
    The Matryoshka loss normalises the truncated embeddings itself (cosine similarity),
    so it reads ``Y`` directly: normalising Y first would change nothing but the cost.
    """
    # shapes now; NaN or inf in any input reaches Y, so finiteness is checked there, once
    Xa = _check.array("Xa", Xa, what="(d_model, B)", finite=False)
    Xp = _check.array("Xp", Xp, what="(d_model, B)", finite=False)
    _check.same_shape("Xp", Xp, "Xa", Xa)
    _, W_up, W_down = embed.check_head(Xa, W_up, W_down, x_name="Xa", finite=False)
    lr = _check.positive("lr", lr)
    B = Xa.shape[1]
    cols = labels("a", B) + labels("p", B)
    s = Steps("fine-tune the head by MRL", {"lr": lr})
    s.given("Xa", Xa, "pooled anchors", cols=cols[:B])                         # (d_model, B)
    s.given("Xp", Xp, "pooled positives", cols=cols[B:])                       # (d_model, B)
    X = s.add("X", np.concatenate([Xa, Xp], axis=1), "[Xa | Xp]", cols=cols)  # (d_model, 2B)
    Y = embed._dense(s, X, W_up, W_down, cols)                                 # (d_out, 2B)
    _check.finite_from(Y, "the head's output Y", {"Xa": Xa, "Xp": Xp, "W_up": W_up, "W_down": W_down})
    loss = mrl.forward(Y[:, :B], Y[:, B:], dims=dims, temperature=temperature, base=base)
    s.meta.update(loss.meta)
    s.extend(loss, computed=True, formulas={"A": f"Y[:, :{B}], the anchors",
                                            "P": f"Y[:, {B}:], the positives"})  # A, P, m=.. / .., loss
    g = mrl.backward(loss)
    s.extend(g)                                                                # m=.. / dL .., dA, dP
    dY = s.add("dY", np.concatenate([g["dA"], g["dP"]], axis=1), "[dA | dP]", cols=cols)  # (d_out, 2B)
    embed.dense_backward(s, s, dY, cols, need_dx=False, lr=lr)  # dW_down, W_down_new, dU, dW_up, W_up_new
    if after:
        Y_new = s["W_down_new"] @ (s["W_up_new"] @ X)                          # (d_out, 2B)
        again = mrl.forward(Y_new[:, :B], Y_new[:, B:], dims=dims, temperature=temperature, base=base)
        s.add("losses after", again["losses"], "InfoNCE at each width with the new weights",
              cols=s.step("losses").cols)                                      # (1, levels)
        s.add("loss after", again["loss"], "the MRL loss with the new weights")
    return s


def _pairs(anchors, positives) -> tuple[list[str], list[str]]:
    out = []
    for name, texts in (("anchors", anchors), ("positives", positives)):
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, (list, tuple)) or not texts:
            raise ValueError(f"{name}: expected a non-empty list of sentences, got {texts!r}")
        out.append(list(texts))
    if len(out[0]) != len(out[1]):
        raise ValueError(f"positives: expected one positive per anchor ({len(out[0])}), got "
                         f"{len(out[1])}")
    return out[0], out[1]


def step(params, anchors, positives, *, dims=(8, 4, 2), temperature: float = 1.0, lr: float,
         base: float = math.e, freeze_backbone: bool = False, after: bool = True) -> Steps:
    """One SGD step of the whole embedding model on text pairs, every step recorded.

    Parameters
    ----------
    params : mapping
        The backbone's weights and the head's ``W_up``, ``W_down`` (see
        :func:`aibyhand.embed.forward`).
    anchors, positives : list of str
        Pair j is ``(anchors[j], positives[j])``.
    dims, temperature, base
        As in :func:`aibyhand.mrl.forward`.
    lr : float
        Learning rate > 0.
    freeze_backbone : bool
        Update the head only; the backbone's gradients are still computed and shown.
    after : bool
        Run the model again with the new weights and record the losses after the step.

    Returns
    -------
    Steps
        ``embed / ...`` (the forward of all 2B sentences), ``mrl / ...`` (the loss on
        ``A = E[:, :B]``, ``P = E[:, B:]``), ``mrl backward / ...``, ``embed backward /
        ...`` (``dE = [dA | dP]`` back to every weight), ``new / <weight>`` for every
        weight (unchanged when frozen), ``losses before`` and ``losses after`` (1 x
        levels), ``loss`` and ``loss after``. :func:`updated` reads the new weights.
    """
    anchors, positives = _pairs(anchors, positives)
    lr = _check.positive("lr", lr)
    B = len(anchors)
    e = embed.forward(params, anchors + positives, base=base)
    p = {**backbone.check_params(params), **dict(zip(HEAD, embed._head_params(params)))}
    loss = mrl.forward(e["E"][:, :B], e["E"][:, B:], dims=dims, temperature=temperature, base=base)
    g_loss = mrl.backward(loss)
    g_embed = embed.backward(params, e, np.concatenate([g_loss["dA"], g_loss["dP"]], axis=1))
    trained = HEAD if freeze_backbone else TRAINABLE
    s = Steps("fine-tune by MRL", {**loss.meta, "lr": lr, "freeze_backbone": freeze_backbone})
    for prefix, part in (("embed", e), ("mrl", loss), ("mrl backward", g_loss), ("embed backward", g_embed)):
        s.extend(part, prefix=prefix)
    new = {k: s.add(f"new / {k}", p[k] - lr * g_embed[f"d{k}"] if k in trained else p[k],
                    f"{k} - lr d{k}" if k in trained else f"{k} (frozen)") for k in TRAINABLE}
    s.add("losses before", loss["losses"], "InfoNCE at each width", cols=loss.step("losses").cols)
    s.add("loss", loss["loss"], "the MRL loss before the step")
    if after:
        E = embed.forward(new, anchors + positives, base=base)["E"]
        again = mrl.forward(E[:, :B], E[:, B:], dims=dims, temperature=temperature, base=base)
        s.add("losses after", again["losses"], "InfoNCE at each width with the new weights",
              cols=loss.step("losses").cols)
        s.add("loss after", again["loss"], "the MRL loss after the step")
    return s


def updated(steps: Steps) -> dict[str, np.ndarray]:
    """The new weights a :func:`step` computed, as a params mapping."""
    s = _check.steps("steps", steps, [f"new / {k}" for k in TRAINABLE], "finetune.step")
    return {k: np.array(s[f"new / {k}"]) for k in TRAINABLE}


def train(params, anchors, positives, *, n_steps: int, dims=(8, 4, 2), temperature: float = 1.0,
          lr: float, base: float = math.e, freeze_backbone: bool = False) -> tuple[dict, Steps]:
    """A short SGD run; returns the trained weights and its history.

    Returns
    -------
    params : dict
        The weights after ``n_steps`` steps.
    history : Steps
        ``loss`` and ``top-1`` ((n_steps + 1) x levels: row t is before step t+1, the last
        row after training; top-1 is the share of anchors whose own positive is the most
        similar of all positives at that width), their first and last rows as
        ``loss before/after`` and ``top-1 before/after``, ``E before`` and ``E after``
        (d_out x 2B: the anchors' then the positives' embeddings).
    """
    n_steps = _check.integer("n_steps", n_steps, minimum=0)
    anchors, positives = _pairs(anchors, positives)
    B = len(anchors)
    losses, top1 = [], []
    p = dict(params)
    E0 = None
    for t in range(n_steps + 1):
        if t < n_steps:
            s = step(p, anchors, positives, dims=dims, temperature=temperature, lr=lr, base=base,
                     freeze_backbone=freeze_backbone, after=False)
            E, loss = s["embed / E"], s["losses before"][0]
            p = updated(s)
        else:
            E = embed.forward(p, anchors + positives, base=base)["E"]
            loss = mrl.forward(E[:, :B], E[:, B:], dims=dims, temperature=temperature, base=base)["losses"][0]
        E0 = E if E0 is None else E0
        losses.append(loss)
        top1.append(mrl.top1(E[:, :B], E[:, B:], sorted(dims, reverse=True)))
    levels = [f"m={m}" for m in sorted(dims, reverse=True)]
    rows = [f"step {t}" for t in range(n_steps + 1)]
    cols = labels("a", B) + labels("p", B)
    h = Steps("training", {"lr": lr, "dims": tuple(sorted(dims, reverse=True)), "n_steps": n_steps})
    losses = h.add("loss", np.array(losses), "InfoNCE at each width, before each step", rows=rows, cols=levels)
    top1 = h.add("top-1", np.array(top1), "share of anchors whose own positive ranks first", rows=rows,
                 cols=levels)
    ends = ("before", "after")
    h.add("loss before/after", losses[[0, -1]], "InfoNCE at each width", rows=ends, cols=levels)
    h.add("top-1 before/after", top1[[0, -1]], "top-1 retrieval at each width", rows=ends, cols=levels)
    h.add("E before", E0, "embeddings before training", cols=cols)
    h.add("E after", E, "embeddings after training", cols=cols)
    return p, h
