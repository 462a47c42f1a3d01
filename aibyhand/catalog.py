"""The worksheets: name -> data file, what it teaches, how to compute it, fresh variants."""

from __future__ import annotations

from . import infonce, mrl, variants
from .worksheet import Field, Worksheet

__all__ = ["WORKSHEETS", "get"]


def _infonce(d: dict):
    s = infonce.forward(d["A"], d["P"], temperature=d["temperature"], base=d["base"])
    return [s, infonce.backward(s)]


def _mrl(d: dict):
    s = mrl.forward(d["A"], d["P"], dims=tuple(int(m) for m in d["dims"]), weights=d["weights"],
                    temperature=d["temperature"], base=d["base"])
    return [s, mrl.backward(s)]


_PAIRS = {
    "A": Field("matrix", "anchors, d x B, one pair per column"),
    "P": Field("matrix", "positives, d x B"),
    "temperature": Field("number", "temperature > 0"),
    "base": Field("number", "softmax base > 1 (3 on the sheets)"),
}

WORKSHEETS = {
    ws.name: ws for ws in [
        Worksheet("infonce", 3, "InfoNCE",
                  "in-batch contrastive loss: cosine similarities, temperature, softmax per "
                  "anchor, -log p(own positive), and its gradient back to the embeddings",
                  _PAIRS, _infonce, variants.infonce),
        Worksheet("mrl", 4, "Matryoshka (MRL) at widths 8, 4, 2",
                  "truncate embeddings to their first m coordinates, re-normalise, InfoNCE at "
                  "each width, weighted sum; each level's gradient lands in its first m rows",
                  {**_PAIRS, "dims": Field("ints", "widths, e.g. [8, 4, 2]"),
                   "weights": Field("vector", "one weight per width")},
                  _mrl, variants.mrl),
    ]
}


def get(name: str) -> Worksheet:
    try:
        return WORKSHEETS[name]
    except KeyError:
        raise ValueError(f"NAME: expected one of {', '.join(WORKSHEETS)}, got {name!r}") from None
