"""The tiny vocabulary every worksheet shares, and its whitespace tokenizer.

Token ``k`` is column ``k`` of the token-embedding matrix ``Etok`` (d_model x V).
"""

from __future__ import annotations

import numbers
from collections.abc import Sequence

import numpy as np

VOCAB = ("the", "cat", "dog", "sat", "ran", "on", "mat", "park")


def encode(sentences, max_len: int, vocab: Sequence[str] = VOCAB,
           name: str = "sentence") -> tuple[np.ndarray, np.ndarray, tuple[tuple[str, ...], ...]]:
    """Token ids of one sentence or a list of them, padded to the longest.

    Returns
    -------
    ids : (B, n) int array
        Token ids; positions past a sentence's end hold 0 and are masked downstream.
    lengths : (B,) int array
    words : tuple of tuples of str
        Each sentence's tokens, for labelling the printout.
    """
    if isinstance(sentences, str):
        sentences = [sentences]
    elif isinstance(sentences, (bytes, bytearray)):
        raise TypeError(f"{name}: expected a string of words, got {type(sentences).__name__} "
                        f"{_short(sentences)} (decode it to a string first)")
    elif not isinstance(sentences, Sequence):
        raise TypeError(f"{name}: expected a sentence (a string) or a non-empty list of them, got "
                        f"{type(sentences).__name__} {_short(sentences)}")
    elif not sentences:
        raise ValueError(f"{name}: expected a sentence or a non-empty list of sentences, got an "
                         f"empty {type(sentences).__name__}")
    if isinstance(max_len, bool) or not isinstance(max_len, numbers.Integral) or max_len < 1:
        raise ValueError(f"max_len: expected an integer >= 1, got {_short(max_len)}")
    index = {w: k for k, w in enumerate(vocab)}
    words = []
    for b, sentence in enumerate(sentences):
        where = name if len(sentences) == 1 else f"{name}[{b}]"
        if not isinstance(sentence, str):
            raise TypeError(f"{where}: expected a string of words, got {type(sentence).__name__} "
                            f"{_short(sentence)}")
        toks = tuple(sentence.split())
        if not toks:
            raise ValueError(f"{where}: expected at least one word, got an empty sentence")
        unknown = [w for w in toks if w not in index]
        if unknown:
            raise ValueError(f"{where}: unknown word {_short(unknown[0])}; the vocabulary is: "
                             f"{' '.join(vocab)}")
        if len(toks) > max_len:
            raise ValueError(f"{where}: {len(toks)} words, longer than the model's {max_len} "
                             f"positions")
        words.append(toks)
    n = max(len(t) for t in words)
    ids = np.zeros((len(words), n), dtype=np.int64)
    for b, toks in enumerate(words):
        ids[b, :len(toks)] = [index[w] for w in toks]
    return ids, np.array([len(t) for t in words]), tuple(words)


def _short(x) -> str:
    text = " ".join(repr(x).split())
    return text if len(text) <= 40 else text[:37] + "..."
