r"""Worksheet 1, Decode: the backbone with a causal mask, then the vocabulary.

The last real position's hidden state ``h`` is scored against every word through the
tied unembedding (Gemma reuses the input embeddings as the output layer):

.. math::

    \mathrm{logits} = E_{tok}^\top h, \qquad
    \mathrm{prob} = \mathrm{softmax}_b(\mathrm{logits} / T), \qquad
    \text{next} = \arg\max \mathrm{prob} \text{ (greedy)}.

Embed (worksheet 2) runs the same backbone with a bidirectional mask and a different
last layer; compare :func:`forward` with :func:`aibyhand.embed.forward`.
"""

from __future__ import annotations

import math

import numpy as np

from . import _check, backbone, ops, vocab
from .steps import Steps

__all__ = ["forward", "generate", "next_words"]


def forward(params, sentences, *, temperature: float = 1.0, base: float = math.e) -> Steps:
    """Next-token distribution after each sentence, every step recorded.

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
        The backbone's steps, then ``h`` (d x B), ``logits`` (V x B, one row per word),
        ``L``, ``L max``, ``L exp``, ``L sum``, ``prob`` and ``next`` (1 x B token ids;
        :func:`next_words` reads them as words).
    """
    temperature = _check.positive("temperature", temperature)
    s = backbone.forward(params, sentences, mask="causal", base=base)        # the mask: causal
    s.title, s.meta["temperature"] = "Decode", temperature
    lengths = np.array(s.meta["_lengths"])
    B = len(lengths)
    who = tuple(" ".join(w) for w in s.meta["_words"])
    words = vocab.VOCAB
    # the last layer: hidden state of the last real token, scored against every word
    h = s.add("h", s["H"][np.arange(B), :, lengths - 1].T, "H at each sentence's last token", cols=who)  # (d, B)
    logits = s.add("logits", np.asarray(params["Etok"], dtype=float).T @ h, "Etok^T h (tied)", rows=words, cols=who)  # (V, B)
    L = s.add("L", logits / temperature, "logits / temperature", rows=words, cols=who)  # (V, B)
    prob = ops.softmax(s, L, s.meta["base"], axis=0, names=("L max", "L exp", "L sum", "prob"),
                       rows=words, cols=who)                                            # (V, B)
    best = prob.argmax(axis=0)
    s.meta["_next"] = tuple(words[k] for k in best)
    s.add("next", best[None, :], "id of the most likely word (greedy)", cols=who)  # (1, B)
    return s


def next_words(steps: Steps) -> tuple[str, ...]:
    """The words :func:`forward` chose, one per sentence (its ``next`` ids, read as words)."""
    return _check.steps("steps", steps, ["next"], "decode.forward").meta["_next"]


def generate(params, sentence: str, n: int, *, temperature: float = 1.0,
             base: float = math.e) -> list[Steps]:
    """Greedy generation of ``n`` words: each step's :class:`Steps`, in order.

    Step k decodes the sentence with the k-1 words generated so far appended;
    ``next_words(steps[k - 1])[0]`` is word k. Generation stops early at the model's longest
    sentence (the number of columns of ``Pos``).
    """
    n = _check.integer("n", n, minimum=1)
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
