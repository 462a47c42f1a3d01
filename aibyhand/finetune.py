r"""Worksheet 5, fine-tune an embedding model by MRL, every gradient by hand.

Pairs of texts (an anchor and its positive) go through Embed; the Matryoshka loss at
widths 8, 4, 2 scores them; the gradient goes back through the normalisation, both
Dense layers, the pooling and the backbone; one SGD step updates every weight:
``W <- W - lr * dW``. :func:`head_step` is the same step for the projection head alone,
starting from pooled vectors: the worksheet's version, and the one that runs at
EmbeddingGemma's size (768 -> 3072 -> 768, batch 128).

The worksheet file ``05_finetune_mrl.toml`` holds both: ``Xa``, ``Xp``, ``W_up``,
``W_down``, ``dims``, ``lr`` are the sheet's :func:`head_step` (a head 4 -> 4 -> 4, MRL
at widths 4 and 2, the top layer ``W_down`` updated only);
``model``, ``anchors``, ``positives`` and ``train_lr`` are the notebook's whole-model
:func:`step` and :func:`train` (default widths 8, 4, 2).
"""

from __future__ import annotations

import contextlib
import math

import numpy as np

from . import backbone, embed, mrl, ops, validate, vocab
from .steps import Steps, labels

__all__ = ["head_step", "step", "train", "updated", "check_inputs", "HEAD", "TRAINABLE", "MAX_STEPS"]

HEAD = ("W_up", "W_down")
TRAINABLE = (*backbone.PARAMS, *HEAD)
MAX_STEPS = 100_000      # steps of one train() call


@validate.overflow_checked
def head_step(Xa, Xp, W_up, W_down, *, dims=(8, 4, 2), temperature: float = 1.0, lr: float,
              base: float = math.e, after: bool = False, update=HEAD) -> Steps:
    """One SGD step of the projection head on the MRL loss.

    Parameters
    ----------
    Xa, Xp : array, shape (d_model, B)
        Pooled vectors of the anchors and of their positives (column j of each is pair j).
    W_up : array, shape (d_up, d_model)
    W_down : array, shape (d_out, d_up)
    dims, temperature, base
        As in :func:`aibyhand.mrl.forward`: MRL at the widths ``dims`` on the head's
        output ``Y``, softmax ``b^x`` and loss ``log_b``.
    lr : float
        Learning rate > 0: ``W_new = W - lr dW``.
    after : bool
        Also run the forward again with the new weights and record it under
        ``"after / "`` (``"after / Y"``, ``"after / m=4 / S"`` ..., ``"after / losses"``,
        ``"after / loss"``); a second forward pass, off for speed.
    update : sequence of {"W_up", "W_down"}
        The weights the step changes (both by default); ``("W_down",)`` trains the top
        layer only, and then ``dU``, ``dW_up`` are not computed.

    Returns
    -------
    Steps
        Forward: ``Xa``, ``Xp``, ``X = [Xa | Xp]``, ``W_up``, ``W_down``, ``U``, ``Y``,
        then the MRL steps on ``A = Y[:, :B]``, ``P = Y[:, B:]`` (``"m=8 / S"`` ...,
        ``losses``, ``loss``: the loss before the update). Backward and update: each
        level's gradient, ``dA``, ``dP``, ``dY = [dA | dP]``, ``dW_down``, ``W_down_new``,
        and for W_up ``dU``, ``dW_up``, ``W_up_new``. Inputs are not modified.

    Notes
    -----
    The Matryoshka loss normalises the truncated embeddings itself (cosine similarity),
    so it reads ``Y`` directly: normalising Y first would change nothing but the cost.
    """
    # shapes now; NaN or inf in any input reaches Y, so finiteness is checked there, once
    Xa = validate.array("Xa", Xa, what="(d_model, B)", finite=False)
    Xp = validate.array("Xp", Xp, what="(d_model, B)", finite=False)
    validate.same_shape("Xp", Xp, "Xa", Xa)
    validate.batch("Xa", Xa.shape[1])
    _, W_up, W_down = embed.check_head(Xa, W_up, W_down, x_name="Xa", finite=False)
    lr = validate.positive("lr", lr)
    update = validate.choices("update", update, HEAD)
    after = validate.boolean("after", after)
    B = Xa.shape[1]
    cols = labels("a", B) + labels("p", B)
    s = Steps("fine-tune the head by MRL", {"lr": lr})
    s.given("Xa", Xa, "pooled anchors", cols=cols[:B])                         # (d_model, B)
    s.given("Xp", Xp, "pooled positives", cols=cols[B:])                       # (d_model, B)
    X = s.add("X", ops.columns(Xa, Xp), "[Xa | Xp]", cols=cols)               # (d_model, 2B)
    Y = embed._dense(s, X, W_up, W_down, cols)                                 # (d_out, 2B)
    validate.finite_from(Y, "the head's output Y", {"Xa": Xa, "Xp": Xp, "W_up": W_up, "W_down": W_down})
    _nonzero_at_every_width(Y, X, dims, cols, ("Xa", "Xp"), "W_up, W_down")
    loss = mrl.forward(Y[:, :B], Y[:, B:], dims=dims, temperature=temperature, base=base)
    s._with_meta(**loss.meta)
    s.extend(loss, formulas={"A": f"Y[:, :{B}]", "P": f"Y[:, {B}:]"},
             notes={"A": "the anchors' outputs", "P": "the positives' outputs"})  # A, P, m=.. / .., loss
    g = mrl.backward(loss)
    s.extend(g)                                                                # m=.. / dlogits .., dA, dP
    dY = s.add("dY", ops.columns(g["dA"], g["dP"]), "[dA | dP]", cols=cols)   # (d_out, 2B)
    embed.dense_backward(s, s, dY, cols, need_dx=False, lr=lr, update=update)  # dW_down, W_down_new, dU ...
    for k in update:
        validate.finite_from(s[f"{k}_new"], f"{k} - lr d{k}", {"lr": np.array(lr)})
    if after:
        new = {k: s[f"{k}_new"] if k in update else s[k] for k in HEAD}
        with _after_the_step(lr):
            with np.errstate(over="ignore", invalid="ignore"):
                Y_new = new["W_down"] @ (new["W_up"] @ X)                          # (d_out, 2B)
            validate.finite_from(Y_new, "Y after the step", {"W_down": new["W_down"], "W_up": new["W_up"]})
            again = mrl.forward(Y_new[:, :B], Y_new[:, B:], dims=dims, temperature=temperature,
                                base=base)
        # top layer alone: W_down_new U = Y - lr dW_down U, no second forward by hand
        s.add("after / Y", Y_new, "Y - lr dW_down U" if update == ("W_down",) else
              ("W_down_new" if "W_down" in update else "W_down") + " "
              + ("W_up_new X" if "W_up" in update else "U"), note="the output with the new weights",
              cols=cols)                                                       # (d_out, 2B)
        s.extend(again, prefix="after", formulas={"A": f"Y[:, :{B}]", "P": f"Y[:, {B}:]"})
    return s


def _nonzero_at_every_width(Y, X, dims, cols, x_names, w_name) -> None:
    """Every output column must have a non-zero first m coordinates at every width m
    (cosine similarity divides by them): else name the input column, or the weights."""
    B = X.shape[1] // 2
    dims = validate.dims("dims", dims, Y.shape[0])
    for m in sorted(dims):
        n = ops.lengths(Y[:m])[0]
        bad = np.flatnonzero(n < np.finfo(np.float64).tiny)
        if bad.size:
            j = int(bad[0])
            who = x_names[0] if j < B else x_names[1]
            if not X[:, j].any():
                raise ValueError(f"{who}: expected non-zero columns, got the zero vector in column "
                                 f"{j % B} ({cols[j]})")
            raise ValueError(f"{w_name}: the head maps {cols[j]} to a vector whose first {m} "
                             f"coordinates are 0; cosine similarity at width {m} needs them")


def check_inputs(params, anchors, positives) -> tuple[dict, list[str], list[str]]:
    """What :func:`step` and :func:`train` need, checked before any computing: the
    backbone's weights and the head's (``W_up`` with d_model columns, ``W_down`` with
    d_up columns), as float64 arrays; pairs of sentences of the vocabulary that fit the
    model's positions, one positive per anchor, at most 4,096 pairs."""
    p = backbone.check_params(params)
    W_up, W_down = embed._head_params(params)
    W_up = validate.array("W_up", W_up, what="(d_up, d_model)")
    W_down = validate.array("W_down", W_down, what="(d_out, d_up)")
    validate.shape("W_up", W_up, (None, p["Etok"].shape[0]), "(d_up, d_model) with d_model = the rows of Etok")
    validate.shape("W_down", W_down, (None, W_up.shape[0]), "(d_out, d_up) with d_up = the rows of W_up")
    anchors, positives = _pairs(anchors, positives, p["Pos"].shape[1])
    validate.batch("anchors", len(anchors))
    return {**p, "W_up": W_up, "W_down": W_down}, anchors, positives


def _pairs(anchors, positives, max_len: int | None = None) -> tuple[list[str], list[str]]:
    out = []
    for name, texts in (("anchors", anchors), ("positives", positives)):
        if isinstance(texts, str):
            texts = [texts]
        if not isinstance(texts, (list, tuple)) or not texts:
            got = "an empty list" if isinstance(texts, (list, tuple)) else type(texts).__name__
            raise ValueError(f"{name}: expected a non-empty list of sentences, got {got}")
        out.append(list(texts))
    if len(out[0]) != len(out[1]):
        raise ValueError(f"positives: expected one positive per anchor ({len(out[0])}), got "
                         f"{len(out[1])}")
    for name, texts in zip(("anchors", "positives"), out):
        for j, t in enumerate(texts):
            vocab.encode(t, max_len if max_len is not None else 10**6, name=f"{name}[{j}]")
    return out[0], out[1]


def step(params, anchors, positives, *, dims=(8, 4, 2), temperature: float = 1.0, lr: float,
         base: float = math.e, freeze_backbone: bool = False, after: bool = True) -> Steps:
    """One SGD step of the whole embedding model on text pairs, every step recorded.

    The model is :func:`aibyhand.embed.forward` with its defaults: the backbone with the
    bidirectional mask, mean pooling over each sentence's tokens, Dense up, Dense down,
    L2 normalisation. The 2B sentences (anchors, then positives) run as one padded
    batch; the loss is :func:`aibyhand.mrl.forward` on ``A = E[:, :B]``,
    ``P = E[:, B:]``; the gradient goes back by :func:`aibyhand.mrl.backward` and
    :func:`aibyhand.embed.backward`; every weight takes the step ``W - lr dW``.

    Parameters
    ----------
    params : mapping
        The backbone's weights and the head's ``W_up``, ``W_down`` (see
        :func:`aibyhand.embed.forward`).
    anchors, positives : list of str
        Pair j is ``(anchors[j], positives[j])``.
    dims, temperature : as in :func:`aibyhand.mrl.forward`, every width's weight 1. Every
        anchor and positive needs a non-zero embedding in its first m coordinates at every
        width m (cosine similarity divides by that length), else a ``ValueError``.
    base : float
        ``b > 1`` for every softmax: the attention inside the backbone and the loss's
        (``b^x``, loss ``log_b``), as in the hand worksheets (3) or the library (e).
    lr : float
        Learning rate > 0.
    freeze_backbone : bool
        Update the head only; the backbone's gradients are still computed and shown.
    after : bool
        Run the model again with the new weights and record that too.

    Returns
    -------
    Steps
        ``embed / ...`` (the forward of all 2B sentences, then its backward from
        ``embed / dE = [mrl / dA | mrl / dP]`` to every weight), ``mrl / ...`` (the loss
        and its gradient), ``new / <weight>`` for every weight (unchanged when frozen),
        ``losses before`` (1 x levels) and ``loss``; with ``after``, the new model's
        forward on the same pairs, with the same dims, temperature and base, under
        ``after / embed / ...``, ``after / mrl / ...``, and ``losses after``,
        ``loss after``. :func:`updated` reads the new weights.
    """
    lr = validate.positive("lr", lr)
    freeze_backbone = validate.boolean("freeze_backbone", freeze_backbone)
    after = validate.boolean("after", after)
    p, anchors, positives = check_inputs(params, anchors, positives)
    B = len(anchors)
    trained = HEAD if freeze_backbone else TRAINABLE
    e, loss, g_loss, g_embed = _gradient(p, anchors, positives, dims, temperature, base)
    s = Steps("fine-tune by MRL", {**loss.meta, "lr": lr, "freeze_backbone": freeze_backbone})
    pair = {"A": f"embed / E[:, :{B}]", "P": f"embed / E[:, {B}:]"}
    s.extend(e, prefix="embed")
    s.extend(loss, prefix="mrl", formulas=pair)
    s.extend(g_loss, prefix="mrl")
    s.extend(g_embed, prefix="embed", formulas={"dE": "[mrl / dA | mrl / dP]"})
    new = {k: s.add(f"new / {k}", w, f"embed / {k} - lr embed / d{k}" if k in trained else f"embed / {k}",
                    note="one SGD step" if k in trained else "frozen")
           for k, w in _sgd(p, g_embed, lr, trained).items()}
    levels = loss.step("losses").cols
    s.add("losses before", loss["losses"], "mrl / losses", note="InfoNCE at each width", cols=levels)
    s.add("loss", loss["loss"], "mrl / loss", note="the MRL loss before the step")
    if after:
        with _after_the_step(lr):
            e2 = embed.forward(new, anchors + positives, base=base)
            again = mrl.forward(e2["E"][:, :B], e2["E"][:, B:], dims=dims, temperature=temperature,
                                base=base)
        s.extend(e2, prefix="after / embed", formulas={k: f"new / {k}" for k in TRAINABLE})
        s.extend(again, prefix="after / mrl",
                 formulas={k: "after / " + v for k, v in pair.items()})
        s.add("losses after", again["losses"], "after / mrl / losses",
              note="InfoNCE at each width with the new weights", cols=levels)
        s.add("loss after", again["loss"], "after / mrl / loss", note="the MRL loss after the step")
    return s


def _gradient(p: dict, anchors: list[str], positives: list[str], dims, temperature: float,
              base: float) -> tuple[Steps, Steps, Steps, Steps]:
    """The whole model's forward on checked inputs (:func:`check_inputs`), the MRL loss and
    its gradient back to every weight: ``(embed, mrl, mrl backward, embed backward)``."""
    B = len(anchors)
    e = embed.forward(p, anchors + positives, base=base)
    _nonzero_at_every_width(e["E"], e["x"], dims, e.step("E").cols, ("anchors", "positives"), "params")
    loss = mrl.forward(e["E"][:, :B], e["E"][:, B:], dims=dims, temperature=temperature, base=base)
    g_loss = mrl.backward(loss)
    g_embed = embed.backward(p, e, np.concatenate([g_loss["dA"], g_loss["dP"]], axis=1))
    return e, loss, g_loss, g_embed


def _sgd(p: dict, g_embed: Steps, lr: float, trained) -> dict[str, np.ndarray]:
    """Every weight after one SGD step, ``W - lr dW`` (the ones not ``trained`` as they were)."""
    new = {k: p[k] - lr * g_embed[f"d{k}"] if k in trained else p[k] for k in TRAINABLE}
    for k in trained:
        validate.finite_from(new[k], f"{k} - lr d{k}", {"lr": np.array(lr)})
    return new


@contextlib.contextmanager
def _after_the_step(lr: float):
    """The forward with the new weights: a weight the step made too large is the step's
    doing, so the message names ``lr`` first."""
    try:
        yield
    except ValueError as err:
        raise ValueError(f"lr: {lr:g} moved the weights too far for the forward after the step "
                         f"({err}); expected a smaller lr") from None


def updated(steps: Steps) -> dict[str, np.ndarray]:
    """The new weights a :func:`step` computed, as a params mapping."""
    s = validate.steps("steps", steps, [f"new / {k}" for k in TRAINABLE], "finetune.step")
    return {k: np.array(s[f"new / {k}"]) for k in TRAINABLE}


def train(params, anchors, positives, *, n_steps: int, dims=(8, 4, 2), temperature: float = 1.0,
          lr: float, base: float = math.e, freeze_backbone: bool = False) -> tuple[dict, Steps]:
    """A short SGD run of :func:`step` (same model, loss and arguments), full batch:
    every step uses all the pairs; ``n_steps`` from 0 to :data:`MAX_STEPS`. Returns the
    trained weights and the history.

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
    n_steps = validate.integer("n_steps", n_steps, minimum=0, maximum=MAX_STEPS)
    lr = validate.positive("lr", lr)
    freeze_backbone = validate.boolean("freeze_backbone", freeze_backbone)
    p, anchors, positives = check_inputs(params, anchors, positives)
    B, trained = len(anchors), HEAD if freeze_backbone else TRAINABLE
    losses, top1 = [], []
    E0 = None
    for t in range(n_steps + 1):
        with _after_the_step(lr) if t else contextlib.nullcontext():
            if t < n_steps:    # step(p, ...) without recording it
                e, scored, _, g_embed = _gradient(p, anchors, positives, dims, temperature, base)
                E, loss = e["E"], scored["losses"][0]
                p = _sgd(p, g_embed, lr, trained)
            else:
                E = embed.forward(p, anchors + positives, base=base)["E"]
                loss = mrl.forward(E[:, :B], E[:, B:], dims=dims, temperature=temperature,
                                   base=base)["losses"][0]
        E0 = E if E0 is None else E0
        losses.append(loss)
        top1.append(mrl.top1(E[:, :B], E[:, B:], sorted(dims, reverse=True)))
    levels = [f"m={m}" for m in sorted(dims, reverse=True)]
    rows = [f"step {t}" for t in range(n_steps + 1)]
    cols = labels("a", B) + labels("p", B)
    h = Steps("training", {"lr": lr, "dims": tuple(sorted(dims, reverse=True)), "n_steps": n_steps})
    losses = h.add("loss", np.array(losses), "", note="InfoNCE at each width, before each step",
                   rows=rows, cols=levels)
    top1 = h.add("top-1", np.array(top1), "", note="share of anchors whose own positive ranks first",
                 rows=rows, cols=levels)
    ends = ("before", "after")
    h.add("loss before/after", losses[[0, -1]], "", note="InfoNCE at each width", rows=ends, cols=levels)
    h.add("top-1 before/after", top1[[0, -1]], "", note="top-1 retrieval at each width", rows=ends,
          cols=levels)
    h.add("E before", E0, "", note="embeddings before training", cols=cols)
    h.add("E after", E, "", note="embeddings after training", cols=cols)
    return {k: np.array(w) for k, w in p.items()}, h   # the caller's own arrays never come back
