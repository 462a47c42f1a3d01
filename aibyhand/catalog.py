"""The worksheets: name -> data file, what it teaches, how to compute it, fresh variants."""

from __future__ import annotations

from . import backbone, decode, embed, finetune, head, infonce, mrl, variants
from .steps import Steps
from .worksheet import Field, Worksheet

__all__ = ["WORKSHEETS", "get"]


def _infonce(d: dict):
    s = infonce.forward(d["A"], d["P"], temperature=d["temperature"], base=d["base"])
    return [s, infonce.backward(s)]


def _mrl(d: dict):
    s = mrl.forward(d["A"], d["P"], dims=tuple(int(m) for m in d["dims"]), weights=d["weights"],
                    temperature=d["temperature"], base=d["base"])
    return [s, mrl.backward(s)]


def _decode(d: dict):
    parts = []
    words = decode.generate(d["model"], d["sentence"], d["generate"], temperature=d["temperature"],
                            base=d["base"])
    for k, s in enumerate(words, start=1):
        part = Steps(f"Decode, word {k}: what comes after \"{' '.join(s.meta['_words'][0])}\"?", s.meta)
        parts.append(part.extend(s, prefix=f"word {k}"))
    return parts


def _generated(parts) -> str:
    """The words greedy decoding chose (the printout's last line; the sheet asks for them)."""
    first = parts[0].sub("word 1")
    words = [decode.next_words(part.sub(f"word {k}"))[0] for k, part in enumerate(parts, start=1)]
    return "greedy: " + " ".join(first.meta["_words"][0]) + "".join(f" -> {w}" for w in words)


def _embed(d: dict):
    return [embed.forward(d["model"], d["sentence"], pooling=d["pooling"], base=d["base"])]


def _finetune(d: dict):
    return [finetune.head_step(d["Xa"], d["Xp"], d["W_up"], d["W_down"], dims=tuple(int(m) for m in d["dims"]),
                               temperature=d["temperature"], lr=d["lr"], base=d["base"], after=True)]


def finetune_model(d: dict) -> dict:
    """The whole embedding model of the fine-tune sheet: its backbone under its head."""
    return {**d["model"], "W_up": d["W_up"], "W_down": d["W_down"]}


def _head(d: dict):
    s = head.forward(d["X"], d["W_up"], d["W_down"], d["T"], dims=tuple(int(m) for m in d["dims"]))
    return [s, head.backward(s)]


_MODEL = {f"model.{k}": Field("matrix", about) for k, about in zip(backbone.PARAMS, (
    "token embeddings, d_model x V (one column per word)", "position embeddings, d_model x max length",
    "query weights", "key weights", "value weights", "feed-forward up", "feed-forward down"))}

_SOFTMAX = {"temperature": Field("number", "temperature > 0"),
            "base": Field("number", "softmax base > 1 (3 on the sheets)")}
_PAIRS = {"A": Field("matrix", "anchors, d x B, one pair per column"),
          "P": Field("matrix", "positives, d x B"), **_SOFTMAX}
_HEAD = {"W_up": Field("matrix", "Dense up, d_up x d_model"),
         "W_down": Field("matrix", "Dense down, d_out x d_up")}

WORKSHEETS = {
    ws.name: ws for ws in sorted([
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
        Worksheet("decode", 1, "Decode",
                  "a tiny Transformer with a causal mask; the last token's hidden state through "
                  "the tied unembedding, softmax over the vocabulary, greedy next word",
                  {"sentence": Field("text", "the words to continue"),
                   "generate": Field("integer", "how many words to generate greedily"),
                   **_SOFTMAX, **_MODEL},
                  _decode, variants.decode, sheet_parts=1, summary=_generated),
        Worksheet("embed", 2, "Embed",
                  "the same backbone with a bidirectional mask, mean pooling, Dense up x4, Dense "
                  "down, L2 normalisation: an 8-d sentence embedding",
                  {"sentence": Field("text", "the words to embed"),
                   "pooling": Field("text", "mean or last"),
                   "base": _SOFTMAX["base"], **_MODEL,
                   **{f"model.{k}": f for k, f in _HEAD.items()}},
                  _embed, variants.embed),
        Worksheet("finetune", 5, "Fine-tune an embedding model by MRL",
                  "one SGD step of the projection head on the MRL loss at 8, 4, 2: forward, loss "
                  "per width, manual backward to both Dense layers, update, loss after",
                  {"dims": Field("ints", "Matryoshka widths"), **_SOFTMAX,
                   "lr": Field("number", "learning rate > 0"),
                   "Xa": Field("matrix", "pooled anchors, d_model x B"),
                   "Xp": Field("matrix", "pooled positives, d_model x B"), **_HEAD,
                   "anchors": Field("texts", "anchor sentences, for the whole model"),
                   "positives": Field("texts", "one positive per anchor"),
                   "train_steps": Field("integer", "steps of the training run"),
                   "train_lr": Field("number", "learning rate of the training run"), **_MODEL},
                  _finetune, variants.finetune, stem="finetune_mrl"),
        Worksheet("head", 6, "Projection head",
                  "why two identity Dense layers (768 -> 3072 -> 768): one matrix W_down W_up, its "
                  "rank, distillation to a wider teacher at the expanded width, MRL truncation",
                  {"X": Field("matrix", "pooled vectors, d_model x B"), **_HEAD,
                   "T": Field("matrix", "teacher embeddings, d_up x B"),
                   "dims": Field("ints", "Matryoshka widths of the output")},
                  _head, variants.head, stem="projection_head"),
    ], key=lambda ws: ws.number)
}


def get(name: str) -> Worksheet:
    try:
        return WORKSHEETS[name]
    except KeyError:
        raise ValueError(f"NAME: expected one of {', '.join(WORKSHEETS)}, got {name!r}") from None
