"""The six worksheets: data file, what each teaches, how to compute it, its printed sheet
page by page, and fresh variants."""

from __future__ import annotations

import numpy as np

from .. import backbone, decode, embed, finetune, head, infonce, mrl, validate
from ..steps import Steps
from .layout import Page, Sheet, Table, box, grey
from .worksheet import Field, Worksheet

__all__ = ["WORKSHEETS", "get"]

LESSON = "What this showed: "   # the title of every sheet's last part, the lesson


def _variants(name: str):
    """Worksheet ``name``'s fresh variants. The variant generator reads this catalog (it
    holds its numbers to the sheet), so it is imported when a variant is made: the catalog
    never imports it."""
    def make(seed: int) -> dict:
        from . import variants

        return variants.make(name, seed)
    return make


def _infonce(d: dict):
    s = infonce.forward(d["A"], d["P"], temperature=d["temperature"], base=d["base"])
    return [s, infonce.backward(s)]


def _mrl(d: dict):
    s = mrl.forward(d["A"], d["P"], dims=d["dims"], weights=d["weights"],
                    temperature=d["temperature"], base=d["base"])
    return [s, mrl.backward(s)]


def _decode(d: dict):
    parts = []
    n = validate.integer("generate", d["generate"], minimum=1)
    words = decode.generate(d["model"], d["sentence"], n, temperature=d["temperature"], base=d["base"])
    for k, s in enumerate(words, start=1):
        part = Steps(f"Decode, word {k}: what comes after \"{' '.join(s.meta['_words'][0])}\"?", s.meta)
        parts.append(part.extend(s, prefix=f"word {k}") if k > 1 else _printed_reciprocal(part, s))
    return parts + [_decode_lesson(parts[0])]


def _printed_reciprocal(part: Steps, s: Steps) -> Steps:
    """Word 1's steps, with ``rsum = 1 / lsum`` after ``lsum``: the sheet prints it, and
    ``prob = lpow * rsum`` (the same numbers as ``lpow / lsum``), so the student
    multiplies by a 2-decimal number instead of dividing by a 3-digit sum, and a slip
    before the sum still follows through (the checker takes rsum as printed)."""
    for st in s.entries():
        formula = "lpow * rsum" if st.name == "prob" else st.formula
        part.add(f"word 1 / {st.name}", st.value, formula, note=st.note, rows=st.rows, cols=st.cols,
                 blocks=st.blocks, given=st.given)
        if st.name == "lsum":
            part.add("word 1 / rsum", 1.0 / st.value, "1 / lsum", note="1 / lsum, printed on the sheet",
                     cols=st.cols)
    return part


def _decode_lesson(first: Steps) -> Steps:
    """What the Decode sheet showed: the word greedy decoding writes next."""
    prompt = " ".join(first.meta["_words"][0])
    s = Steps(f"What this showed: the model continues \"{prompt}\" with its most likely word", first.meta)
    prob = first["word 1 / prob"]
    s.add("lesson / next", prob.argmax(axis=0)[None, :], "argmax(word 1 / prob)",
          note="the next word: the most likely one (greedy)", cols=first.step("word 1 / prob").cols)
    return s


def _generated(parts) -> str:
    """The words greedy decoding chose (the printout's last line)."""
    parts = [part for part in parts if not part.title.startswith(LESSON)]
    first = parts[0].sub("word 1")
    words = [decode.next_words(part.sub(f"word {k}"))[0] for k, part in enumerate(parts, start=1)]
    return "greedy: " + " ".join(first.meta["_words"][0]) + "".join(f" -> {w}" for w in words)


def _embed(d: dict):
    validate.text("sentence", d["sentence"], "the Embed sheet embeds one sentence")
    s = embed.forward(d["model"], d["sentence"], pooling=d["pooling"], base=d["base"])
    return [s, _embed_lesson(d, s)]


def _embed_lesson(d: dict, s: Steps) -> Steps:
    """What the Embed sheet showed: the sentence's cosine with another sentence's
    embedding (the same model's, given to 2 decimals). Both have length 1, so the cosine
    is their dot product."""
    other = validate.text("other", d["other"], "the Embed sheet compares with one other sentence")
    if other.split() == d["sentence"].split():
        raise ValueError(f"other: expected a sentence other than {d['sentence']!r}, got {other!r}")
    mine = " ".join(s.meta["_words"][0])
    E_other = np.round(embed.forward(d["model"], other, pooling=d["pooling"], base=d["base"])["E"], 2)
    t = Steps(f"What this showed: how near \"{mine}\" is to \"{other}\"", s.meta)
    t.given("lesson / E_other", E_other + 0.0, f'E of "{other}"', cols=(other,))
    t.add("lesson / cos", s["E"].T @ E_other, "E^T E_other",
          note="the cosine of the two sentences (both embeddings have length 1)")
    return t


SHEET_UPDATE = ("W_down",)   # the sheet trains the top layer only: one page of products


def _finetune(d: dict):
    finetune.check_inputs(d["model"], d["anchors"], d["positives"])  # the notebook's whole model
    return [finetune.head_step(d["Xa"], d["Xp"], d["W_up"], d["W_down"], dims=d["dims"],
                               temperature=d["temperature"], lr=d["lr"], base=d["base"], after=True,
                               update=SHEET_UPDATE)]


def _head(d: dict):
    s = head.forward(d["X"], d["W_up"], d["W_down"], d["T"], dims=d["dims"])
    return [s, head.backward(s)]


_MODEL = {f"model.{k}": Field("matrix", about) for k, about in zip(backbone.PARAMS, (
    "token embeddings, d_model x V (one column per word)", "position embeddings, d_model x max length",
    "query weights", "key weights", "value weights", "feed-forward up", "feed-forward down"))}
_SOFTMAX = {"temperature": Field("number", "temperature > 0", above=0),
            "base": Field("number", "softmax base > 1 (3 on the sheets)", above=1)}
_PAIRS = {"A": Field("matrix", "anchors, d x B, one pair per column"),
          "P": Field("matrix", "positives, d x B"), **_SOFTMAX}
_HEAD = {"W_up": Field("matrix", "Dense up, d_up x d_model"),
         "W_down": Field("matrix", "Dense down, d_out x d_up")}
_MODEL_HEAD = {f"model.{k}": f for k, f in _HEAD.items()}

POW = Table("pow")          # 3^0, 3^-1 ... as fractions
NLOG = Table("nlog")        # -log_3 p for p = 0.01 ... 1.00
POW2DP = Table("pow2dp")    # 3^x to 2 decimals: one layout for every page of a sheet that needs it
NLOG5 = Table("nlog", columns=5)   # the same, five to a row: narrow enough to sit beside the powers

# -- the sheets, page by page -----------------------------------------------------------

INFONCE = Sheet((
    Page("Scores: cosines over the temperature, then powers of 3",
         "Each S[a_i, p_j] is a row of A^T times a column of P, divided by both lengths "
         "(|A|^T |P| is the grid of the products of the lengths). logits = S / temperature. In "
         "each row subtract the row's largest logit and raise 3 to it; add up each row.",
         ((None, None, grey("P")),
          (None, None, grey("|P|")),
          (grey("A", T=True), grey("|A|", T=True), box("S")),
          (None, None, box("logits"), box("max")),
          (None, None, box("pow"), box("sum"))),
         (POW,)),
    Page("Softmax and the loss; its gradient is softmax minus one-hot",
         "Divide each row of pow by its sum. Each anchor's loss is -log_3 of the probability on "
         "its own positive (the diagonal); the loss is their mean. Its gradient with respect to "
         "the logits: prob minus the identity, divided by 3, the number of anchors (the loss "
         "is a mean).",
         ((box("prob"), box("dlogits")),
          (box("loss_i"), box("loss"))),
         (NLOG,)),
    Page("Back through the scores: dS times the other side",
         "Divide by the temperature again: dS. Each anchor's unit vector gets its row of dS "
         "times the positives' unit vectors: dA_hat^T = dS P_hat^T (dS on the left, P_hat^T on "
         "top); each positive's gets A_hat dS (A_hat on the left, dS on top).",
         ((None, None, grey("P_hat", T=True)),
          (None, box("dS"), box("dA_hat", T=True, shows="dS P_hat^T")),
          (grey("A_hat"), box("dP_hat"), None))),
    Page("Back through the normalisation: drop the part along the vector",
         "along = how much of each unit vector's gradient points along the vector: a row of "
         "A_hat^T times the same row of dA_hat^T (page 3), added up. Subtract that much of the "
         "unit vector, then divide by the length. The positives, the same by columns.",
         ((grey("A_hat", T=True), box("along_A", T=True, shows="rowsum(A_hat^T * dA_hat^T)"),
           grey("|A|", T=True)),
          (box("dA", T=True, shows="(dA_hat^T - A_hat^T * along_A^T) / |A|^T"),),
          (),
          (grey("P_hat"), None),
          (box("along_P"), grey("|P|")),
          (box("dP"), None))),
))


def _width(m: int) -> tuple:
    """One width's cosine block: P and A^T truncated, their lengths, and S."""
    return ((None, None, grey(f"m={m} / P")),
            (None, None, grey(f"m={m} / |P|")),
            (grey(f"m={m} / A", T=True), grey(f"m={m} / |A|", T=True), box(f"m={m} / S")))


def _infonce_row(m: int, full: bool) -> tuple:
    return (box(f"m={m} / pow"), box(f"m={m} / sum"),
            box(f"m={m} / prob") if full else box(f"m={m} / prob", ask="diag", rest="blank"),
            box(f"m={m} / loss_i"), box(f"m={m} / loss"))


MRL = Sheet((
    Page("Truncate and re-normalise: cosines at widths 2, 4 and 8",
         "At width m keep the first m rows of A and P; their lengths (given) are whole numbers. "
         "S[a_i, p_j] = (the first m entries of a_i and p_j multiplied and added) / (both "
         "lengths). Width 4 adds two rows to width 2's sums, width 8 four more.",
         (*(a + b for a, b in zip(_width(2), _width(4))), (),
          *_width(8))),
    Page("InfoNCE at widths 8 and 4",
         "The temperature is 1, so the logits are S. In each row subtract the row's largest and "
         "raise 3 to it (table, with the exponent to 2 decimals); add up the row; the probability "
         "on the own positive (the diagonal) is its power over the sum; loss_i = -log_3 of it "
         "(table); the loss is the mean.",
         ((None,), _infonce_row(8, False), (None,), _infonce_row(4, False)),
         (POW2DP, NLOG5)),
    Page("Width 2, and the Matryoshka loss",
         "The same at width 2, every probability this time (the gradient needs them). The MRL "
         "loss adds the three widths' losses, each times its weight (all 1 here).",
         (_infonce_row(2, True), (), (box("loss"),)),
         (POW2DP, NLOG5)),
    Page("Back from width 2: each width's gradient lands in its first rows",
         "As on the InfoNCE sheet: dlogits = (prob - I) / 3 (3 anchors; I has 1 on its "
         "diagonal, 0 elsewhere) and dS = dlogits / temperature, written turned, a row per "
         "positive; dA_hat = P_hat dS^T; along_A = how much of dA_hat points along each unit "
         "vector (a column of A_hat times the same column of dA_hat, added up); dA = (dA_hat - "
         "A_hat along_A) / |A|. Then add the widths: width 2 reaches rows 1-2 only, width 4 "
         "rows 1-4, width 8 all.",
         ((None, None, None, None),
          (None, box("m=2 / dS", T=True), None, None),
          (grey("m=2 / P_hat"), box("m=2 / dA_hat"), grey("m=2 / |A|"), None),
          (grey("m=2 / A_hat"), box("m=2 / along_A"), None, None),
          (None, box("m=2 / dA"), None, None),
          (grey("m=8 / dA"), grey("m=4 / dA"),
           box("dA", ask="rows 0:4", shows="m=8 / dA + m=4 / dA (rows 1-4) + m=2 / dA (rows 1-2)"), None))),
))

DECODE = Sheet((
    Page("From words to vectors: keys, values, and the last word's query",
         "X_tok holds each word's column of the token embeddings; add its position's column of "
         "Pos (t1, t2). Then multiply by each weight matrix (weights on the left, X on top). Only "
         "the last word's query is needed to predict the next word.",
         ((None, box("word 1 / X", shows="X_tok + Pos (t1, t2)"), grey("word 1 / X_tok"),
           grey("word 1 / Pos")),
          (grey("word 1 / Wk"), box("word 1 / K")),
          (grey("word 1 / Wv"), box("word 1 / V")),
          (grey("word 1 / Wq"), box("word 1 / Q", ask="cols -1:", rest="blank")))),
    Page("Causal attention: the last word looks back at every word",
         "Scores: each key (page 1) times the last query, over 2. The mask (keys down, queries "
         "across) hides later words from earlier ones: -inf, whose power is 0; the last word "
         "sees every word, so its column is the scores. Subtract the column's largest, raise 3 "
         "to it, divide by the sum. Then mix the values (Z = V attn) and add the residual.",
         ((grey("word 1 / mask", title="mask (given): keys down, queries across"),
           box("word 1 / scores", ask="cols -1:", rest="blank"),
           box("word 1 / pow", ask="cols -1:", rest="blank", shows="3^(scores + mask - max)")),
          (None, box("word 1 / sum", ask="cols -1:", rest="blank"),
           box("word 1 / attn", ask="cols -1:", rest="blank")),
          (None, box("word 1 / Z", ask="cols -1:", rest="blank"),
           box("word 1 / H1", ask="cols -1:", rest="blank"))),
         (POW,)),
    Page("Feed-forward: the hidden state of the last word",
         "F = W1 H1 for the last word (H1 from page 2), ReLU (negatives become 0), then back down "
         "with W2, and add the residual: h is the last word's hidden state.",
         ((grey("word 1 / W1"), box("word 1 / F", ask="cols -1:", rest="blank")),
          (None, box("word 1 / R", ask="cols -1:", rest="blank")),
          (grey("word 1 / W2"), box("word 1 / G", ask="cols -1:", rest="blank"),
           box("word 1 / h", shows="H1 + G, at the last word")))),
    Page("Tied unembedding: a score for every word, and the next word",
         "The output layer is the input embeddings turned: logits = Etok^T h, a score for every "
         "word. Softmax over the vocabulary, lmax the largest logit (exponents from the table, anything "
         "below its last entry is 0.00); 1/lsum is printed: multiply by it. What this showed: the "
         "next word is the most likely one; write the word.",
         ((grey("word 1 / Etok", T=True), box("word 1 / logits"), box("word 1 / lpow"),
           box("word 1 / prob", shows="lpow * (1/lsum)")),
          (None, None, box("word 1 / lsum"), grey("word 1 / rsum", title="1/lsum (printed)")),
          (None, None, None, box("lesson / next", title="lesson / next = argmax(prob): the word"))),
         (Table("pow", ("word 1 / lpow",)),)),
), prefix="word 1 / ")

EMBED = Sheet((
    Page("Every word attends to every word (no mask)",
         "Q, K and V (each W X, as on the Decode sheet) are printed, now for all three words. "
         "Scores = K^T Q / 2 (keys down, queries across). In each column subtract its largest, "
         "raise 3 to it, divide by the column's sum. Then mix the values: Z = V attn.",
         ((None, grey("Q")),
          (grey("K", T=True), box("scores"), box("pow", shows="3^(scores - max)")),
          (None, box("attn"), box("sum")),
          (grey("V"), box("Z"))),
         (POW,)),
    Page("Residuals, the feed-forward, mean pooling, and Dense up",
         "The residuals add X to the attention's Z (page 1), and the feed-forward's output G to "
         "that: H = X + Z + G. The feed-forward is as on the Decode sheet, word by word: G is "
         "given. x is the mean of H's three columns, one vector for the sentence. Then the "
         "projection head's Dense up, 4 rows to 16 (no bias, no activation): weights on the "
         "left, x on top.",
         ((grey("X"), grey("G"), box("H", shows="X + Z + G"), box("x", shows="mean of H's columns")),
          (grey("W_up"), box("U")))),
    Page("Dense down, L2 normalisation, and what an embedding is for",
         "Dense down, 16 rows to 8 (no bias, no activation): weights on the left, U from page 2 "
         "on top. Then divide by the length |Y| (printed: a whole number): the embedding E has "
         "length 1. What this showed: two sentences are compared by the cosine of their "
         "embeddings, here the dot product, as both have length 1. E_other is another "
         "sentence's embedding, given.",
         ((grey("W_down"), box("Y"), grey("|Y|", title="|Y| (printed)"), box("E")),
          (),
          (grey("lesson / E_other", title="E_other: {note} (given)"), box("lesson / cos")))),
))

FINETUNE = Sheet((
    Page("Forward: up, then down",
         "X = [Xa | Xp]: two anchors, then their positives. U = W_up X, Y = W_down U (weights on "
         "the left, inputs on top).",
         ((None, grey("X")),
          (grey("W_up"), box("U")),
          (grey("W_down"), box("Y")))),
    Page("The loss before the step, at widths 4 and 2",
         "A is the first two columns of Y, P the last two; at width m keep their first m rows "
         "(their lengths are given). Cosines as on the MRL sheet; the logits are S / temperature; "
         "the softmax of each row (tables), the loss per width, and the MRL loss: their "
         "sum (weights 1).",
         ((None, grey("m=4 / |P|")),
          (grey("m=4 / |A|", T=True), box("m=4 / S"), box("m=4 / pow")),
          (None, box("m=4 / prob", ask="diag", rest="blank"), box("m=4 / sum")),
          (None, box("m=4 / loss_i"), box("m=4 / loss")),
          (None, grey("m=2 / |P|")),
          (grey("m=2 / |A|", T=True), box("m=2 / S"), box("m=2 / pow")),
          (None, box("m=2 / prob"), box("m=2 / sum")),
          (None, box("m=2 / loss_i"), box("m=2 / loss")),
          (None, box("loss"))),
         (Table("pow", ("m=4 / pow", "m=2 / pow")), NLOG)),
    Page("The gradient at Y",
         "At width 2, by hand: the unit vectors, dS = (prob - I) / 2 / temperature (2 anchors), "
         "dA_hat = P_hat dS^T and dP_hat = A_hat dS, and back through each normalisation as on the "
         "InfoNCE sheet. Width 4's gradients are given. dY = [dA | dP]: rows 1-2 add width 2's "
         "gradient to width 4's rows 1-2; rows 3-4 are width 4's alone.",
         ((box("m=2 / P_hat"), box("m=2 / dS", shows="(prob - I) / 2 / temperature"), box("m=2 / A_hat")),
          (box("m=2 / dA_hat"), None, box("m=2 / dP_hat")),
          (box("m=2 / along_A"), None, box("m=2 / along_P")),
          (box("m=2 / dA"), None, box("m=2 / dP")),
          (grey("m=4 / dA"), None, grey("m=4 / dP")),
          (box("dY", ask="rows 0:2"), None, None))),
    Page("One SGD step on W_down, and the loss after at width 2",
         "dW_down = dY U^T (U from page 1); W_down_new = W_down - lr dW_down (lr from the top of "
         "page 1). Only rows 1-2 reach width 2: the new outputs' first two rows, their cosines "
         "with the lengths printed here (use them even if yours differ a little), and the loss "
         "at width 2 again.",
         ((box("dW_down", ask="rows 0:2", rest="blank"), box("W_down_new", ask="rows 0:2", rest="blank"),
           box("after / Y", ask="rows 0:2", rest="blank")),
          (),
          (None, grey("after / m=2 / |P|")),
          (grey("after / m=2 / |A|", T=True), box("after / m=2 / S"), box("after / m=2 / pow")),
          (None, box("after / m=2 / prob", ask="diag", rest="blank"), box("after / m=2 / sum")),
          (None, box("after / m=2 / loss_i"), box("after / m=2 / loss")),
          (),
          (box("after / loss"), grey("after / m=4 / loss"))),
         (Table("pow2dp"), NLOG)),
))


HEAD = Sheet((
    Page("Two Dense layers are one matrix",
         "M = W_down W_up (W_down on the left, W_up on top), then Y = M X for the two inputs "
         "(M on the left, X on top). The rank of M: how many of its columns are independent (none "
         "a combination of the others); two columns are, unless one is a multiple of the other.",
         ((None, grey("W_up"), grey("X")),
          (grey("W_down"), box("M"), box("Y")),
          (None, box("rank M"), None))),
    Page("Matryoshka truncation after the head",
         "Each column of Y divided by its length (square roots from the table) is an embedding "
         "E. Keep the first 2 rows of Y, divide by their own length: E2. The cosine of the two "
         "inputs at each width is one column times the other.",
         ((box("|Y|"), box("|Y[:2]|", shows="length of the first 2 rows of Y")),
          (),
          (box("E"), box("E2", shows="(the first 2 rows of Y) / |Y[:2]|")),
          (box("cos4", ask="upper", rest="blank"), box("cos2", ask="upper", rest="blank"))),
         (Table("sqrt"),)),
    Page("Why expand? Match a wider teacher at the expanded width",
         "U = W_up X is as wide as a teacher's embeddings T of the same B = 2 inputs. D = U - T; "
         "the distillation loss is the sum of D's squares over 2B = 4; its gradient for W_up is "
         "D X^T / B (D on the left, X^T on top).",
         ((None, grey("X"), None, None, grey("X", T=True)),
          (grey("W_up"), box("U"), grey("T"), box("D"), box("dW_up")),
          (None, None, None, box("distill loss"), None))),
))


WORKSHEETS = {
    ws.name: ws for ws in sorted([
        Worksheet("infonce", 3, "InfoNCE",
                  "in-batch contrastive loss: cosine similarities, temperature, softmax per "
                  "anchor, -log p(own positive), and its gradient back to the embeddings",
                  _PAIRS, _infonce, INFONCE, _variants("infonce")),
        Worksheet("mrl", 4, "Matryoshka (MRL) at widths 8, 4, 2",
                  "truncate embeddings to their first m coordinates, re-normalise, InfoNCE at "
                  "each width, weighted sum; each level's gradient lands in its first m rows",
                  {**_PAIRS, "dims": Field("ints", "widths, e.g. [8, 4, 2]"),
                   "weights": Field("vector", "one weight per width")},
                  _mrl, MRL, _variants("mrl")),
        Worksheet("decode", 1, "Decode",
                  "a tiny Transformer with a causal mask; the last token's hidden state through "
                  "the tied unembedding, softmax over the vocabulary, greedy next word",
                  {"sentence": Field("text", "the words to continue"),
                   "generate": Field("integer", "how many words to generate greedily", minimum=1),
                   **_SOFTMAX, **_MODEL},
                  _decode, DECODE, _variants("decode"), summary=_generated),
        Worksheet("embed", 2, "Embed",
                  "the same backbone with a bidirectional mask, mean pooling, Dense up x4, Dense "
                  "down, L2 normalisation: an 8-d sentence embedding",
                  {"sentence": Field("text", "the words to embed"),
                   "pooling": Field("text", "mean or last"),
                   "other": Field("text", "another sentence: its embedding is given, for the cosine"),
                   "base": _SOFTMAX["base"], **_MODEL, **_MODEL_HEAD},
                  _embed, EMBED, _variants("embed")),
        Worksheet("finetune", 5, "Fine-tune an embedding model by MRL",
                  "one SGD step of a small projection head on the MRL loss at widths 4 and 2: "
                  "forward, loss per width, gradient, update of the top layer, loss after",
                  {"dims": Field("ints", "Matryoshka widths"), **_SOFTMAX,
                   "lr": Field("number", "learning rate > 0", above=0),
                   "Xa": Field("matrix", "pooled anchors, d_model x B"),
                   "Xp": Field("matrix", "pooled positives, d_model x B"), **_HEAD,
                   "anchors": Field("texts", "anchor sentences, for the whole model"),
                   "positives": Field("texts", "one positive per anchor"),
                   "train_steps": Field("integer", "steps of the training run", minimum=0,
                                        maximum=finetune.MAX_STEPS),
                   "train_lr": Field("number", "learning rate of the training run", above=0),
                   **_MODEL, **_MODEL_HEAD},
                  _finetune, FINETUNE, _variants("finetune"), stem="finetune_mrl"),
        Worksheet("head", 6, "Projection head",
                  "why two identity Dense layers (768 -> 3072 -> 768): one matrix W_down W_up, its "
                  "rank, MRL truncation, distillation to a wider teacher at the expanded width",
                  {"X": Field("matrix", "pooled vectors, d_model x B"), **_HEAD,
                   "T": Field("matrix", "teacher embeddings, d_up x B"),
                   "dims": Field("ints", "Matryoshka widths of the output")},
                  _head, HEAD, _variants("head"), stem="projection_head"),
    ], key=lambda ws: ws.number)
}


def get(name: str) -> Worksheet:
    try:
        return WORKSHEETS[name]
    except KeyError:
        raise ValueError(f"NAME: expected one of {', '.join(WORKSHEETS)}, got {name!r}") from None
