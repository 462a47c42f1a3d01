r"""Worksheet 1, Decode: the backbone with a causal mask, then the vocabulary.

The last real position's hidden state ``h`` is scored against every word through the
tied unembedding (Gemma reuses the input embeddings as the output layer):

.. math::

    \mathrm{logits} = E_{tok}^\top h, \qquad
    \mathrm{prob} = \mathrm{softmax}_b(\mathrm{logits} / T), \qquad
    \text{next} = \arg\max \mathrm{prob} \text{ (greedy; the first word on a tie)}.

Embed (worksheet 2) runs the same backbone with a bidirectional mask and a different
last layer; compare :func:`forward` with :func:`aibyhand.embed.forward`.
"""

from __future__ import annotations

import math

import numpy as np

from . import validate, backbone, ops, vocab
from .steps import Steps

__all__ = ["forward", "generate", "next_words"]


def forward(params, sentences, *, temperature: float = 1.0, base: float = math.e) -> Steps:
    """Next-token distribution after each sentence, every step recorded.

    :func:`aibyhand.backbone.forward` with the causal mask (attention softmax in base
    ``base``), then ``h`` = ``H`` at each sentence's last real token,
    ``logits = Etok^T h`` (the tied unembedding: the input embeddings, turned),
    ``prob = b^((logits - max) / T) / sum`` over the vocabulary (the softmax of
    ``logits / T`` in base ``b``), and ``next`` = the row of the largest ``prob``, the
    first in vocabulary order on a tie (a tie: exactly equal computed float64
    probabilities, so a reimplementation may break a near-tie differently).

    Parameters
    ----------
    params : mapping
        The backbone's weights (:func:`aibyhand.backbone.check_params`).
    sentences : str or list of str
    temperature : float
        ``T > 0``: the logits are divided by it before the softmax.
    base : float
        ``b > 1``: every softmax (attention and vocabulary) uses ``b^x``.

    Returns
    -------
    Steps
        The backbone's steps (causal mask), then ``h`` (d x B), ``logits`` (V x B, one
        row per word), ``lmax``, ``lpow`` (``b^((logits - lmax) / T)``), ``lsum``,
        ``prob`` and ``next`` (1 x B: the row of the largest probability, the first one
        if several tie; :func:`next_words` reads them as words).
    """
    temperature = validate.scale("temperature", temperature, "logits")
    s = backbone.forward(params, sentences, mask="causal", base=base)        # the mask: causal
    s.title = "Decode"
    s._with_meta(temperature=temperature)
    lengths = np.array(s.meta["_lengths"])
    B = len(lengths)
    who = tuple(" ".join(w) for w in s.meta["_words"])
    words = vocab.VOCAB
    # the last layer: hidden state of the last real token, scored against every word
    h = s.add("h", s["H"][np.arange(B), :, lengths - 1].T, "H[:, -1]",
              note="H at the last token", cols=who)                                       # (d, B)
    logits = s.add("logits", s["Etok"].T @ h, "Etok^T h", note="tied unembedding",
                   rows=words, cols=who)                                                   # (V, B)
    validate.finite_from(logits, "the logits Etok^T h", {"Etok": s["Etok"], "W1": s["W1"], "W2": s["W2"]})
    prob = ops.softmax(s, logits, s.meta["base"], axis=0, of="logits", scale="temperature",
                       names=("lmax", "lpow", "lsum", "prob"), rows=words, cols=who)       # (V, B)
    if not np.isfinite(prob).all():
        raise ValueError(f"temperature: {temperature:g} makes the softmax over the vocabulary "
                         f"overflow")
    best = prob.argmax(axis=0)
    s._with_meta(_next=tuple(words[k] for k in best))
    s.add("next", best[None, :], "argmax(prob)", note="the most likely word's id (greedy)",
          cols=who)                                                                        # (1, B)
    return s


def next_words(steps: Steps) -> tuple[str, ...]:
    """The words :func:`forward` chose, one per sentence (its ``next`` ids, read as words)."""
    return validate.steps("steps", steps, ["next"], "decode.forward").meta["_next"]


def generate(params, sentence: str, n: int, *, temperature: float = 1.0,
             base: float = math.e) -> list[Steps]:
    """Greedy generation of up to ``n`` words: each step's :class:`Steps`, in order.

    ``n`` >= 1. Step k decodes the sentence with the k-1 words generated so far appended;
    ``next_words(steps[k - 1])[0]`` is word k (the most likely word, the first in
    vocabulary order if several tie). Generation stops after ``n`` words, or as soon as
    the sentence fills the model's positions (the columns of ``Pos``): a sentence of
    that length is still decoded and its step returned, but its word is not appended.
    """
    n = validate.integer("n", n, minimum=1)
    if not isinstance(sentence, str):
        raise TypeError(f"sentence: expected a string of words, got {type(sentence).__name__}")
    out = []
    for _ in range(n):
        s = forward(params, sentence, temperature=temperature, base=base)
        out.append(s)
        if len(sentence.split()) >= np.shape(params["Pos"])[1]:
            break
        sentence = f"{sentence} {s.meta['_next'][0]}"
    return out
