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

import contextlib
import math

import numpy as np

from . import embed, finetune, mrl, validate
from .steps import Steps

WIDTHS = (768, 512, 256, 128, 64, 32)
MAX_NUMBERS = 2**25      # entries of one array pairs() or init_head() makes: 256 MB of float64
MAX_STEPS = 100_000      # SGD steps of one train() call


@validate.overflow_checked
def pairs(n: int, *, d: int = 768, k: int = 256, nuisance: int = 96, noise: float = 0.6,
          strength: float = 3.0, decay: float = 0.5, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """``n`` (anchor, positive) pooled vectors, columns of two (d, n) arrays.

    Each pair's meaning ``z`` (k numbers, the i-th of spread ``(1 + i)^-decay``: some
    aspects of meaning matter more than others) enters both vectors through the same
    map ``M`` (d x k). Each vector adds its own noise: isotropic of size ``noise``, and
    ``strength`` times a draw in a ``nuisance``-dimensional subspace. ``noise``,
    ``strength`` and ``decay`` are >= 0; ``seed`` >= 0; no array made has more than
    :data:`MAX_NUMBERS` entries (``d`` times ``n``, ``k`` or ``nuisance``).
    """
    n = validate.integer("n", n, minimum=1, maximum=MAX_NUMBERS)
    d = validate.integer("d", d, minimum=1, maximum=MAX_NUMBERS)
    k = validate.integer("k", k, minimum=1, maximum=MAX_NUMBERS)
    nuisance = validate.integer("nuisance", nuisance, minimum=0, maximum=MAX_NUMBERS)
    for name, cols in (("n", n), ("k", k), ("nuisance", nuisance)):
        _fits(name, d, cols)
    noise = _at_least_0("noise", noise)
    strength = _at_least_0("strength", strength)
    decay = _at_least_0("decay", decay)
    seed = validate.integer("seed", seed, minimum=0)
    rng = np.random.default_rng([seed, 7])
    world = np.random.default_rng(12345)           # the same map for every split and seed
    M = world.normal(size=(d, k)) / math.sqrt(k)   # (d, k)
    N = world.normal(size=(d, nuisance)) / math.sqrt(nuisance)  # (d, nuisance)
    spread = (1 + np.arange(k)) ** -decay
    spread *= math.sqrt(k / np.sum(spread**2))     # some meanings matter more; the total stays k
    z = rng.normal(size=(k, n)) * spread[:, None]  # (k, n): what the pair means
    def view():
        return M @ z + strength * (N @ rng.normal(size=(nuisance, n))) + noise * rng.normal(size=(d, n))
    Xa, Xp = view(), view()
    validate.finite_from(Xa + Xp, "the pairs", {"noise": np.array(noise), "strength": np.array(strength)})
    return Xa, Xp


def _fits(name: str, d: int, cols: int) -> None:
    """A (d, cols) array of at most MAX_NUMBERS entries."""
    if d * cols > MAX_NUMBERS:
        raise ValueError(f"{name}: {d} x {cols} = {d * cols:,} numbers in one array; expected at "
                         f"most {MAX_NUMBERS:,} (256 MB of float64)")


def _at_least_0(name: str, x) -> float:
    x = validate.number(name, x)
    if x < 0:
        raise ValueError(f"{name}: expected a number >= 0, got {x:g}")
    return x


def init_head(d: int = 768, d_up: int = 3072, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """A random head, scaled so that its outputs start at the inputs' size: ``W_up``
    (d_up, d) and ``W_down`` (d, d_up), each of at most :data:`MAX_NUMBERS` entries."""
    d = validate.integer("d", d, minimum=1, maximum=MAX_NUMBERS)
    d_up = validate.integer("d_up", d_up, minimum=1, maximum=MAX_NUMBERS)
    _fits("d_up", d, d_up)
    seed = validate.integer("seed", seed, minimum=0)
    rng = np.random.default_rng([seed, 8])
    return rng.normal(size=(d_up, d)) / math.sqrt(d), rng.normal(size=(d, d_up)) / math.sqrt(d_up)


def train(Xa, Xp, W_up, W_down, *, dims, steps: int, batch: int = 128, lr: float,
          temperature: float = 0.05, seed: int = 0) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """SGD on random batches of the training pairs; returns the head and the loss per step.

    ``Xa``, ``Xp`` (d, N): the pairs; ``batch``: 1 to N pairs a step, drawn without
    replacement; ``steps``: 0 to :data:`MAX_STEPS`; ``dims``, ``temperature``, ``lr`` as in
    :func:`aibyhand.finetune.head_step`.
    """
    Xa = validate.array("Xa", Xa, what="(d, N)")
    Xp = validate.array("Xp", Xp, what="(d, N)")
    validate.same_shape("Xp", Xp, "Xa", Xa)
    _, W_up, W_down = embed.check_head(Xa, W_up, W_down, x_name="Xa")
    validate.dims("dims", dims, W_down.shape[0])
    steps = validate.integer("steps", steps, minimum=0, maximum=MAX_STEPS)
    batch = validate.integer("batch", batch, minimum=1, maximum=min(Xa.shape[1], validate.MAX_BATCH))
    lr = validate.positive("lr", lr)
    temperature = validate.scale("temperature", temperature, "logits")
    seed = validate.integer("seed", seed, minimum=0)
    rng = np.random.default_rng([seed, 9])
    losses = []
    for t in range(steps):
        idx = rng.choice(Xa.shape[1], size=batch, replace=False)
        with finetune._after_the_step(lr) if t else contextlib.nullcontext():   # the weights are lr's
            s = finetune.head_step(Xa[:, idx], Xp[:, idx], W_up, W_down, dims=dims,
                                   temperature=temperature, lr=lr)
        W_up, W_down = s["W_up_new"], s["W_down_new"]
        losses.append(float(s["loss"]))
    return W_up, W_down, np.array(losses)


def top1(Xa, Xp, W_up, W_down, widths=WIDTHS) -> np.ndarray:
    """Top-1 retrieval of each anchor among all positives, at every width: ``Xa``, ``Xp``
    (d, N) pooled pairs through the head ``W_up`` (d_up, d), ``W_down`` (d_out, d_up),
    then :func:`aibyhand.mrl.top1` at ``widths`` (each 1 to d_out)."""
    Xa, W_up, W_down = embed.check_head(Xa, W_up, W_down, x_name="Xa")
    Xp = validate.array("Xp", Xp, what="(d, N)")
    validate.same_shape("Xp", Xp, "Xa", Xa)
    validate.batch("Xa", Xa.shape[1])
    widths = validate.dims("widths", widths, W_down.shape[0])
    Y_a, Y_p = W_down @ (W_up @ Xa), W_down @ (W_up @ Xp)
    validate.finite_from(Y_a + Y_p, "the head's outputs", {"Xa": Xa, "Xp": Xp, "W_up": W_up, "W_down": W_down})
    return mrl.top1(Y_a, Y_p, widths)


def experiment(*, n_train: int = 4096, n_test: int = 1024, pretrain: int = 60,
               steps: int = 100, lr: float = 0.1, pretrain_lr: float = 0.5,
               temperature: float = 0.05, seed: int = 0) -> Steps:
    """Fine-tune one pretrained head two ways; top-1 at every width for both.

    The start is a random head trained ``pretrain`` steps with InfoNCE at 768 (the
    "pretrained model"). From it, ``steps`` more steps with InfoNCE at 768 only, and
    as many with MRL at 768/512/256/128/64/32 (weights 1): the sentence-transformers
    choice between ``MultipleNegativesRankingLoss`` and ``MatryoshkaLoss`` around it.
    ``pretrain`` and ``steps``: 1 to :data:`MAX_STEPS`; ``n_train``: 128 to 43,690 (the
    768-d pairs in :data:`MAX_NUMBERS`); ``n_test``: 1 to 4,096.

    Returns
    -------
    Steps
        ``top-1`` (3 x widths: the start, fine-tuned at 768, fine-tuned with MRL) on
        held-out pairs and ``top-1 (%)``, ``raw`` (1 x widths: the pooled inputs
        truncated, no head), ``loss pretrain``, ``loss single``, ``loss MRL`` (one per
        step) and ``losses`` (their first step and last ten, per width).
    """
    d = WIDTHS[0]
    # one batch of 128; the (768, n_train) pairs within MAX_NUMBERS
    n_train = validate.integer("n_train", n_train, minimum=128, maximum=MAX_NUMBERS // d)
    n_test = validate.integer("n_test", n_test, minimum=1, maximum=validate.MAX_BATCH)
    # at least one step of each: the loss table reports each run's first step
    pretrain = validate.integer("pretrain", pretrain, minimum=1, maximum=MAX_STEPS)
    steps = validate.integer("steps", steps, minimum=1, maximum=MAX_STEPS)
    lr = validate.positive("lr", lr)
    pretrain_lr = validate.positive("pretrain_lr", pretrain_lr)
    temperature = validate.scale("temperature", temperature, "logits")
    seed = validate.integer("seed", seed, minimum=0)
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
