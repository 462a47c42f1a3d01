"""MRL at EmbeddingGemma's size, with the worksheet's own functions.

The experiment of the MRL paper in small: train the 768 -> 3072 -> 768 projection head
with :func:`aibyhand.finetune.head_step` two ways from the same start, InfoNCE at 768
only and MRL at 768/512/256/128/64/32, then truncate both models' embeddings to every
width and measure top-1 retrieval on held-out pairs.

The data are synthetic with a known structure. Every pair shares a meaning ``z`` of
``k`` dimensions, written into the 768-d pooled vectors through one fixed random map;
on top of that, each pooled vector carries strong nuisance in other directions, which
tells pairs apart less well than the meaning does. A head that keeps the meaning and
drops the nuisance retrieves well; where in its 768 outputs it puts the meaning is up to
the loss. MRL asks for it in the first coordinates.
"""

from __future__ import annotations

import math

import numpy as np

from . import validate, finetune, mrl
from .steps import Steps

WIDTHS = (768, 512, 256, 128, 64, 32)


def pairs(n: int, *, d: int = 768, k: int = 256, nuisance: int = 96, noise: float = 0.6,
          strength: float = 3.0, decay: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (anchor, positive) pooled vectors, columns of two (d, n) arrays.

    Each pair's meaning ``z`` (k numbers, the i-th of spread ``(1 + i)^-decay``: some
    aspects of meaning matter more than others) enters both vectors through the same
    map ``M`` (d x k). Each vector adds its own noise: isotropic of size ``noise``, and
    ``strength`` times a draw in a ``nuisance``-dimensional subspace.
    """
    n = validate.integer("n", n, minimum=1)
    rng = np.random.default_rng([seed, 7])
    world = np.random.default_rng(12345)           # the same map for every split and seed
    M = world.normal(size=(d, k)) / math.sqrt(k)   # (d, k)
    N = world.normal(size=(d, nuisance)) / math.sqrt(nuisance)  # (d, nuisance)
    spread = (1 + np.arange(k)) ** -decay
    spread *= math.sqrt(k / np.sum(spread**2))     # some meanings matter more; the total stays k
    z = rng.normal(size=(k, n)) * spread[:, None]  # (k, n): what the pair means
    def view():
        return M @ z + strength * (N @ rng.normal(size=(nuisance, n))) + noise * rng.normal(size=(d, n))
    return view(), view()


def init_head(d: int = 768, d_up: int = 3072, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random head, scaled so that its outputs start at the inputs' size."""
    rng = np.random.default_rng([seed, 8])
    return rng.normal(size=(d_up, d)) / math.sqrt(d), rng.normal(size=(d, d_up)) / math.sqrt(d_up)


def train(Xa, Xp, W_up, W_down, *, dims, steps: int, batch: int = 128, lr: float,
          temperature: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SGD on random batches of the training pairs; returns the head and the loss per step."""
    rng = np.random.default_rng([seed, 9])
    losses = []
    for _ in range(steps):
        idx = rng.choice(Xa.shape[1], size=batch, replace=False)
        s = finetune.head_step(Xa[:, idx], Xp[:, idx], W_up, W_down, dims=dims,
                               temperature=temperature, lr=lr)
        W_up, W_down = s["W_up_new"], s["W_down_new"]
        losses.append(float(s["loss"]))
    return W_up, W_down, np.array(losses)


def top1(Xa, Xp, W_up, W_down, widths=WIDTHS) -> np.ndarray:
    """Top-1 retrieval of each anchor among all positives, at every width."""
    Y_a, Y_p = W_down @ (W_up @ Xa), W_down @ (W_up @ Xp)
    return mrl.top1(Y_a, Y_p, widths)


def experiment(*, n_train: int = 4096, n_test: int = 1024, pretrain: int = 60,
               steps: int = 100, lr: float = 0.1, pretrain_lr: float = 0.5,
               temperature: float = 0.05, seed: int = 0) -> Steps:
    """Fine-tune one pretrained head two ways; top-1 at every width for both.

    The start is a random head trained ``pretrain`` steps with InfoNCE at 768 (the
    "pretrained model"). From it, ``steps`` more steps with InfoNCE at 768 only, and
    as many with MRL at 768/512/256/128/64/32 (weights 1): the sentence-transformers
    choice between ``MultipleNegativesRankingLoss`` and ``MatryoshkaLoss`` around it.

    Returns
    -------
    Steps
        ``top-1`` (3 x widths: the start, fine-tuned at 768, fine-tuned with MRL) on
        held-out pairs and ``top-1 (%)``, ``raw`` (1 x widths: the pooled inputs
        truncated, no head), ``loss pretrain``, ``loss single``, ``loss MRL`` (one per
        step) and ``losses`` (their first step and last ten, per width).
    """
    Xa, Xp = pairs(n_train, seed=seed)
    Ta, Tp = pairs(n_test, seed=seed + 1)
    W_up, W_down, pre = train(Xa, Xp, *init_head(seed=seed), dims=(768,), steps=pretrain,
                              lr=pretrain_lr, temperature=temperature, seed=seed + 2)
    single = train(Xa, Xp, W_up, W_down, dims=(768,), steps=steps, lr=lr,
                   temperature=temperature, seed=seed)
    nested = train(Xa, Xp, W_up, W_down, dims=WIDTHS, steps=steps, lr=lr,
                   temperature=temperature, seed=seed)
    cols = [f"m={m}" for m in WIDTHS]
    s = Steps("MRL at scale", {"pairs": n_train, "held out": n_test, "pretrain": pretrain,
                               "steps": steps, "lr": lr, "temperature": temperature})
    rows = ("start", "InfoNCE at 768", "MRL")
    top = s.add("top-1", np.stack([top1(Ta, Tp, W_up, W_down), top1(Ta, Tp, *single[:2]),
                                   top1(Ta, Tp, *nested[:2])]),
                "", note="held-out top-1 retrieval at each width", rows=rows, cols=cols)  # (3, widths)
    s.add("top-1 (%)", 100 * top, "100 top-1", note="the same, in percent", rows=rows, cols=cols)
    s.add("raw", mrl.top1(Ta, Tp, WIDTHS)[None, :], "", note="no head: the pooled inputs, truncated",
          cols=cols)
    s.add("loss pretrain", pre, "", note="pretraining loss, InfoNCE at 768")
    s.add("loss single", single[2], "", note="fine-tuning loss, InfoNCE at 768")
    s.add("loss MRL", nested[2], "", note="fine-tuning loss, MRL (the sum over 6 widths)")
    per_width = [pre, single[2], nested[2] / len(WIDTHS)]
    s.add("losses", [[run[0], run[-10:].mean()] for run in per_width],
          "", note="training loss per width (MRL's sum divided by 6)",
          rows=("pretrain", "fine-tune at 768", "fine-tune MRL"), cols=("first step", "last 10 steps"))
    return s
