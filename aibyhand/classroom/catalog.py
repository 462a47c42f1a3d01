"""The six worksheets: data file, what each teaches, how to compute it, its printed sheet
page by page, and fresh variants."""

from __future__ import annotations

import numpy as np

from .. import backbone, decode, embed, finetune, head, infonce, mrl, ops, validate
from ..steps import Steps, labels
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


LESSON_INFONCE = ("What this showed: the gradient moves each anchor toward its own positive "
                  "and away from the others")


def _infonce(d: dict):
    """The sheet's route to the library's InfoNCE loss (:func:`aibyhand.infonce.forward`)
    and the anchors' gradient (:func:`aibyhand.infonce.backward`), in fewer boxes: the
    temperature goes into the power (no logits box), ``dS = (prob - I) / B /
    temperature`` in one step, the part of each anchor's gradient along the anchor from
    ``S * dS`` (``A_hat . P_hat dS^T`` is a row of ``S`` times a row of ``dS``), and
    ``dA`` in one step. The positives' gradient is the same by columns and not asked.
    The lesson: ``-(dA^T P_hat)``, how far a step down the gradient moves each anchor
    along each positive (positive on its own, negative on the others)."""
    ref = infonce.forward(d["A"], d["P"], temperature=d["temperature"], base=d["base"])
    temperature, base = ref.meta["temperature"], ref.meta["base"]
    A, P = ref["A"], ref["P"]
    B = A.shape[1]
    a, p = labels("a", B), labels("p", B)
    s = Steps("InfoNCE", ref.meta)
    s.given("A", A, "anchors, one per column", cols=a)
    s.given("P", P, "positives, one per column", cols=p)
    nA = s.add("|A|", ref["|A|"], "norm(A)", note="length of each column", cols=a)
    nP = s.add("|P|", ref["|P|"], "norm(P)", note="length of each column", cols=p)
    S = s.add("S", ref["S"], "A^T P / (|A|^T |P|)", note="cos(a_i, p_j)", rows=a, cols=p)
    ops.softmax(s, S, base, axis=1, of="S", scale="temperature", rows=a, cols=p)
    s.add("loss_i", ref["loss_i"], f"-{ops.log_name(base)}(diag(prob))", note="each anchor's loss",
          rows=a)
    s.add("loss", ref["loss"], "mean(loss_i)")
    g = Steps("InfoNCE backward: the anchors", ref.meta)
    dS = g.add("dS", (s["prob"] - np.eye(B)) / B / temperature, f"(prob - I) / {B} / temperature",
               rows=a, cols=p)
    A_hat = g.add("A_hat", ops.divide(A, nA), "A / |A|", note="unit anchors", cols=a)
    P_hat = g.add("P_hat", ops.divide(P, nP), "P / |P|", note="unit positives", cols=p)
    along = g.add("along_A", (S * dS).sum(axis=1, keepdims=True), "rowsum(S * dS)",
                  note="the part of dA_hat along A_hat", rows=a)
    dA = g.add("dA", (ops.matmul(P_hat, dS.T) - A_hat * along.T) / nA,
               "(P_hat dS^T - A_hat * along_A^T) / |A|", cols=a)
    lesson = Steps(LESSON_INFONCE, ref.meta)
    lesson.add("lesson / toward", -ops.matmul(dA.T, P_hat), "-(dA^T P_hat)",
               note="how far a step down the gradient moves each anchor along each positive",
               rows=a, cols=p)
    return [s, g, lesson]


MRL_BY_HAND = 2   # the width whose softmax and gradient the sheet works by hand


def _mrl(d: dict):
    s = mrl.forward(d["A"], d["P"], dims=d["dims"], weights=d["weights"],
                    temperature=d["temperature"], base=d["base"])
    return [_reciprocal_sums(s, MRL_BY_HAND), mrl.backward(s), mrl.lesson(s)]


def _reciprocal_sums(s: Steps, m: int) -> Steps:
    """``s`` with width m's softmax taken by the reciprocal of each row's sum: ``R = 1 /
    sum`` (printed on the sheet) just before ``prob``, whose formula becomes ``pow * R``
    (the same numbers). A student multiplies by R instead of dividing by a sum such as
    1.42, and is checked against R as printed."""
    level = f"m={m} / "
    if level + "prob" not in s:
        return s
    out = Steps(s.title, s.meta)
    for st in s.entries():
        formula = st.formula
        if st.name == level + "prob":
            out.add(level + "R", 1 / s[level + "sum"], "1 / sum", rows=st.rows,
                    note="the reciprocal of each row's sum, given")                # (B, 1)
            formula = "pow * R"
        out.add(st.name, st.value, formula, note=st.note, rows=st.rows, cols=st.cols,
                blocks=st.blocks, given=st.given)
    return out


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
    t = Steps(f"{LESSON}how near \"{mine}\" is to \"{other}\"", s.meta)
    t.given("lesson / E_other", E_other + 0.0, f'E of "{other}"', cols=(other,))
    t.add("lesson / cos", s["E"].T @ E_other, "E^T E_other",
          note="the cosine of the two sentences (both embeddings have length 1)")
    return t


SHEET_UPDATE = ("W_down",)   # the sheet trains the top layer only: one page of products
LESSON_FINETUNE = "What this showed: the step pulled each anchor toward its positive, and the loss fell"


def _finetune(d: dict):
    finetune.check_inputs(d["model"], d["anchors"], d["positives"])  # the notebook's whole model
    s = finetune.head_step(d["Xa"], d["Xp"], d["W_up"], d["W_down"], dims=d["dims"],
                           temperature=d["temperature"], lr=d["lr"], base=d["base"], after=True,
                           update=SHEET_UPDATE)
    return [_by_hand(s), _lesson(s)]


def _by_hand(s: Steps) -> Steps:
    """The head step as the sheet works it: after the step the outputs' lengths are not
    whole, so at width 2 the page prints their reciprocals and the cosines come from the
    unit vectors (``A * 1/|A|``), products a student does without a calculator."""
    out = Steps(s.title, s.meta)
    for st in s.entries():
        if st.name == "after / m=2 / S":
            for x, cols in (("A", s.step("after / m=2 / A").cols), ("P", s.step("after / m=2 / P").cols)):
                level = "after / m=2 / "
                r = out.add(f"{level}1/|{x}|", 1 / s[f"{level}|{x}|"], f"1 / |{x}|",
                            note=f"one over each length of {x} (printed)", cols=cols)
                out.add(f"{level}{x}_hat", s[f"{level}{x}"] * r, f"{x} * 1/|{x}|",
                        note="unit vectors", cols=cols)
            out.add(st.name, st.value, "A_hat^T P_hat", note=st.note, rows=st.rows, cols=st.cols)
            continue
        out.add(st.name, st.value, st.formula, note=st.note, rows=st.rows, cols=st.cols,
                blocks=st.blocks, given=st.given)
    return out


def _lesson(s: Steps) -> Steps:
    """Before and after side by side: each pair's cosine, and the loss, at each width."""
    levels = [f"m={m}" for m in s.meta["dims"]]
    pairs = [f"{a}, {p}" for a, p in zip(s.step("m=2 / S").rows, s.step("m=2 / S").cols)]
    out = Steps(LESSON_FINETUNE, s.meta)
    for lv in levels:
        out.add(f"lesson / cos{lv[2:]}", np.concatenate(
            [np.diag(s[f"{when}{lv} / S"])[:, None] for when in ("", "after / ")], axis=1),
            f"[diag({lv} / S) | diag(after / {lv} / S)]",
            note=f"each pair's cosine at width {lv[2:]}, before and after the step", rows=pairs,
            cols=["before", "after"])
    out.add("lesson / loss", np.concatenate([s["losses"].T, s["after / losses"].T], axis=1),
            "[losses^T | after / losses^T]", note="the loss at each width, before and after",
            rows=levels, cols=["before", "after"])
    return out


LESSON_HEAD = ("What this showed: the two layers are one matrix whose rank the 2-d input caps, "
               "however wide the middle; width 2 keeps the first 2 coordinates, and moves the cosine")
RECIPROCAL = 100   # the sheet prints R = 100 / |Y|: E = Y * R / 100 is a product, no long division


def _head(d: dict):
    """The sheet's route to :func:`aibyhand.head.forward` and :func:`~aibyhand.head.backward`,
    every value theirs, in the sheet's order: the one matrix; the teacher at the expanded
    width and the gradient; then truncation, with no division by a length by hand: the page
    prints ``R = 100 / |Y|`` for each output and ``E = Y * R / 100`` (likewise ``R2`` for
    ``Y2``, the first 2 rows of Y). The lesson: ``rank M`` (every output of the head lies in
    a space of that many dimensions) and ``moved = cos2 - cos4``, how far truncation to
    width 2 moves the two inputs' cosine."""
    ref = head.forward(d["X"], d["W_up"], d["W_down"], d["T"], dims=d["dims"])
    d_out = ref["Y"].shape[0]

    def keep(s: Steps, name: str, formula: str | None = None):
        st = ref.step(name)
        return s.add(name, st.value, st.formula if formula is None else formula, note=st.note,
                     rows=st.rows, cols=st.cols, given=st.given)

    s = Steps(ref.title, ref.meta)
    for name in ("X", "W_up", "W_down", "M", "Y", "U", "T", "D", "distill loss"):
        keep(s, name)
    cols = ref.step("Y").cols
    cut = Steps("Matryoshka truncation after the head", ref.meta)
    for m in ref.meta["dims"]:
        if m < d_out:
            keep(cut, f"Y{m}")
        y, r = ("Y", "R") if m == d_out else (f"Y{m}", f"R{m}")
        n = keep(cut, f"|{y}|")
        cut.add(r, RECIPROCAL / n, f"{RECIPROCAL} / |{y}|", note=f"{RECIPROCAL} over each column's length",
                cols=cols)
        keep(cut, "E" if m == d_out else f"E{m}", f"{y} * {r} / {RECIPROCAL}")
        keep(cut, f"cos{m}")
    lesson = Steps(LESSON_HEAD, ref.meta)
    lesson.add("lesson / rank M", ref["rank M"], "rank(M)",
               note="every output of the head lies in a space of this many dimensions")
    small = min(ref.meta["dims"])
    lesson.add("lesson / moved", ref[f"cos{small}"] - ref[f"cos{d_out}"], f"cos{small} - cos{d_out}",
               note=f"how far truncation to width {small} moves the cosines", rows=cols, cols=cols)
    return [s, head.backward(ref), cut, lesson]


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
    Page("Cosines, and the softmax of each row",
         "S[a_i, p_j] = a row of A^T times a column of P, over both lengths. In each row: "
         "3^((S - the row's largest) / temperature) from the table (write anchor 1's, keep the "
         "others beside you), added up: sum; prob = each power / the row's sum.",
         ((None, None, grey("P")),
          (None, None, grey("|P|")),
          (grey("A", T=True), grey("|A|", T=True), box("S"),
           box("sum", shows="the powers added")),
          (None, None, box("pow", ask="rows 0:1", rest="blank")),
          (None, None, box("prob", shows="power / sum"))),
         (POW,)),
    Page("The loss, its gradient back to the anchors, and what this showed",
         "loss_i = -log_3 of the own positive's prob (the diagonal; table; boxes at the foot of "
         "the page); the loss is their mean. Its gradient with respect to S: dS = (prob - I) / 3 / temperature (I: 1 on the "
         "diagonal, 0 elsewhere; 3 anchors). Each unit anchor's gradient is P_hat dS^T; a cosine "
         "does not change when a vector gets longer, so drop its part along the anchor: since "
         "A_hat^T P_hat = S, that part is along_A = the row sum of S * dS (S from page 1). Then "
         "divide by the length: dA. What this showed: a step down the gradient moves anchor 1 by "
         "-dA; -(dA^T P_hat) says how far along each positive: toward its own (positive), away "
         "from the others (negative).",
         ((box("dS"), box("along_A"), grey("|A|")),
          (grey("P_hat"), grey("A_hat"), box("dA")),
          (box("loss_i"), box("loss"), box("lesson / toward", ask="rows 0:1", rest="blank",
                                           shows="-(anchor 1's column of dA)^T P_hat"))),
         (NLOG5,)),
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
    Page("InfoNCE at width 2, its gradient, and the Matryoshka loss",
         "The temperature is 1, so the logits are width 2's S (page 1). In each row subtract the "
         "row's largest and raise 3 to it (table): pow. R, the reciprocal of each row's sum of "
         "pow, is given: prob = pow times R. loss_i = -log_3 of the probability "
         "on the own positive (the diagonal; table); the loss is their mean. Its gradient: dS = "
         "(prob - I) / 2 / temperature (2 anchors; I has 1 on its diagonal, 0 elsewhere). The "
         "losses at widths 8 and 4 come the same way (given); the MRL loss adds the three, each "
         "times its weight (all 1).",
         ((box("m=2 / pow", shows="3^(S - max)"), grey("m=2 / R"), box("m=2 / prob")),
          (),
          (box("m=2 / loss_i"), box("m=2 / loss"), None, box("m=2 / dS", shows="(prob - I) / 2 / temperature")),
          (),
          (grey("m=8 / loss"), grey("m=4 / loss"), box("loss", shows="m=8 / loss + m=4 / loss + m=2 / loss"))),
         (POW, NLOG)),
    Page("Back from width 2: each width's gradient lands in its first rows",
         "As on the InfoNCE sheet: dA_hat = P_hat dS^T (dS from page 2, turned); along_A = how "
         "much of dA_hat points along each unit vector (a column of A_hat times the same column "
         "of dA_hat, added up); dA = (dA_hat - A_hat along_A) / |A|. Add the widths (8 and 4 "
         "given): width 2 reaches rows 1-2 only, width 4 rows 1-4, width 8 all. Last, the "
         "lesson: each anchor's own S minus its largest other S (page 1), at each width: above "
         "0 where the own positive still comes first.",
         ((grey("m=2 / P_hat"), box("m=2 / dA_hat"), grey("m=2 / |A|")),
          (grey("m=2 / A_hat"), box("m=2 / along_A"), None),
          (None, box("m=2 / dA"), None),
          (),
          (grey("m=8 / dA"), grey("m=4 / dA"),
           box("dA", ask="rows 0:4", shows="m=8 / dA + m=4 / dA (rows 1-4) + m=2 / dA (rows 1-2)")),
          (),
          (box("lesson / lead", shows="own S - largest other S, at widths 8 | 4 | 2"),))),
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
          (None, None, None, box("lesson / next", title="lesson / next = argmax(prob): the word", shows="argmax(prob)"))),
         (Table("pow", ("word 1 / lpow",)),)),
), prefix="word 1 / ")

EMBED = Sheet((
    Page("Every word attends to every word (no mask)",
         "Q, K and V (each W X, as on the Decode sheet) are printed, now for all three words. "
         "Scores = K^T Q / 2 (keys down, queries across). In each column subtract its largest, "
         "raise 3 to it, divide by the column's sum (on scrap paper). Then mix the values: Z = V attn.",
         ((None, grey("Q")),
          (grey("K", T=True), box("scores"), box("pow", shows="3^(scores - max)")),
          (None, box("attn", shows="pow / (its column's sum)")),
          (grey("V"), box("Z"))),
         (POW,)),
    Page("Residuals, the feed-forward, mean pooling, and Dense up",
         "H1 = X + Z. The feed-forward is as on the Decode sheet, word by word: its output G is "
         "given. H = H1 + G; x is the mean of H's three columns, one vector for the sentence. "
         "Then the projection head's Dense up, 4 rows to 16 (no bias, no activation; its last 8 "
         "rows printed): U = W_up x, each row of W_up times x.",
         ((grey("X"), box("H1"), grey("G"), box("H")),
          (),
          (box("x", shows="mean of H's columns"), grey("W_up"), box("U", ask="rows 0:8")))),
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

def _loss_rows(level: str) -> tuple:
    """One width's loss from its cosines: the own positive's probability, each anchor's
    loss and their mean."""
    return ((None, box(f"{level} / prob", ask="diag", rest="blank")),
            (None, box(f"{level} / loss_i")),
            (None, box(f"{level} / loss")))


def _loss_at(level: str, *, prob: bool, last=()) -> tuple:
    """One width's loss before the step: the cosines, each row's sum of powers, the own
    positive's probability (where the gradient needs it), each anchor's loss, the mean."""
    return ((None, grey(f"{level} / |P|"), *((None,) * 3 if last else ()), *last),
            (grey(f"{level} / |A|", T=True), box(f"{level} / S"), box(f"{level} / sum"),
             *((box(f"{level} / prob", ask="diag", rest="blank", shows="1 / sum"),) if prob else ()),
             box(f"{level} / loss_i", shows=None if prob else "-log_3(1 / sum)"),
             box(f"{level} / loss")))


def _before_tables(level: str) -> tuple:
    return (Table("pow2dp", (f"{level} / pow",), columns=5), Table("recip", (f"{level} / sum",), columns=5), NLOG5)


FINETUNE = Sheet((
    Page("Forward, and the loss before the step at width 4",
         "Y = W_down U (its rows 1-2 are U's). A = the first two columns of Y (anchors), P = the "
         "last two (their positives); width m keeps their first m rows. S = A^T P / (|A|^T |P|). "
         "In each row add up 3^((S - the row's largest) / temperature) (table): sum; 1/sum is "
         "the own positive's probability (table); loss_i = -log_3 of it (table); loss = mean.",
         ((None, grey("U", title="U = W_up X (given)")),
          (grey("W_down"), box("Y", ask="rows 2:4")),
          (),
          *_loss_at("m=4", prob=False)),
         _before_tables("m=4")),
    Page("Width 2; the gradient, and one SGD step on W_down",
         "Width 2 as width 4 (its powers printed); MRL loss = the widths' sum. dS = (prob - I) / 2 / temperature; "
         "dY (printed): the gradient back through the cosines. dW_down = dY U^T; rows 1-2 of "
         "Y after the step: Y - lr dW_down U.",
         ((None, grey("m=2 / |P|"), grey("m=2 / pow", title="m=2 / pow = 3^(S - max) (given)")),
          _loss_at("m=2", prob=True)[1],
          (),
          (box("m=2 / dS", ask="diag", rest="blank", shows="(prob - I) / 2 / temperature"),
           box("loss", shows="m=4 / loss + m=2 / loss")),
          (grey("dY"), box("dW_down", ask="rows 0:2", rest="blank"),
           box("after / Y", ask="rows 0:2", rest="blank"))),
         _before_tables("m=2")[1:]),
    Page("What the step did: the loss after, at widths 2 and 4",
         "After the step. Width 2: A_hat = A * 1/|A| and P_hat = P * 1/|P| (new outputs from page 2, 1/length printed), S = A_hat^T "
         "P_hat, loss_i = -log_3(1/sum); width 4's S printed. Lessons: before and after.",
         ((grey("after / m=2 / 1/|A|", title="1/|A| (given)"),
           grey("after / m=2 / 1/|P|", title="1/|P| (given)")),
          (box("after / m=2 / A_hat", title="A_hat"),
           box("after / m=2 / P_hat", title="P_hat")),
          (),
          (box("after / m=2 / S", title="m=2 / S = A_hat^T P_hat"),
           box("after / m=2 / loss_i", title="m=2 / loss_i"), box("after / m=2 / loss", title="m=2 / loss"),
           box("lesson / cos2", title="lesson / cos2: own pairs")),
          (grey("after / m=4 / S", title="m=4 / S (given)"),
           box("after / m=4 / loss_i", title="m=4 / loss_i"), box("after / m=4 / loss", title="m=4 / loss"),
           box("lesson / cos4", title="lesson / cos4: own pairs")),
          (None, None, None, box("after / loss", title="loss = the sum")),
          (None, None, None, box("lesson / loss", title="lesson / loss at each width"))),
         (Table("pow2dp", ("after / m=2 / pow", "after / m=4 / pow"), columns=5),
          Table("recip", ("after / m=2 / sum", "after / m=4 / sum"), columns=5), NLOG5)),
))


HEAD = Sheet((
    Page("Two Dense layers are one matrix",
         "M = W_down W_up (W_down on the left, W_up on top): both layers as one matrix. Then Y = M "
         "X for the two inputs x1 and x2 (M on the left, X on top): the head's output, without "
         "the 8-wide middle.",
         ((None, grey("W_up"), grey("X")),
          (grey("W_down"), box("M"), box("Y")))),
    Page("Why expand? Match a wider teacher at the expanded width",
         "U = W_up X is as wide as a teacher's embeddings T of the same B = 2 inputs. D = U - T; "
         "the distillation loss is the sum of D's squares over 2B = 4; its gradient for W_up is "
         "D X^T / B (D on the left, X^T on top): its first 2 rows, the rest is the same work.",
         ((None, grey("X"), None, None, grey("X", T=True)),
          (grey("W_up"), box("U"), grey("T"), box("D"), box("dW_up", ask="rows 0:2", rest="blank")),
          (None, None, None, box("distill loss"), None))),
    Page("Matryoshka truncation after the head, and what this showed",
         "Each column of Y (page 1) divided by its length is an embedding: E = Y / |Y|. No long "
         "division: R = 100 / |Y| is printed, so E = Y * R / 100 (each entry times its column's R, "
         "then the point moved 2 places left). Y2 is the first 2 rows of Y; R2 = 100 / |Y2|, and "
         "E2 = Y2 * R2 / 100 is the width-2 embedding. The cosine of the two inputs at each width "
         "is one column times the other, added up. Last, what this showed: the rank of M (page "
         "1), how many of its columns are independent, none a multiple of another: every output "
         "of the head lies in a space of that many dimensions, however wide the middle; and "
         "moved = cos2 - cos4, how far keeping only width 2 moves the two inputs' cosine.",
         ((grey("R"), grey("R2")),
          (box("E"), box("E2")),
          (box("cos4", ask="upper", rest="blank"), box("cos2", ask="upper", rest="blank")),
          (),
          (box("lesson / rank M"), box("lesson / moved", ask="upper", rest="blank")))),
))


WORKSHEETS = {
    ws.name: ws for ws in sorted([
        Worksheet("infonce", 3, "InfoNCE",
                  "in-batch contrastive loss: cosine similarities, temperature, softmax per "
                  "anchor, -log p(own positive), and its gradient back to the embeddings",
                  _PAIRS, _infonce, INFONCE, _variants("infonce")),
        Worksheet("mrl", 4, "Matryoshka (MRL) at widths 8, 4, 2",
                  "truncate embeddings to their first m coordinates, re-normalise, InfoNCE at "
                  "each width, weighted sum; each level's gradient lands in its first m rows; "
                  "at which widths each anchor still ranks its own positive first",
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
                  "forward, loss per width, gradient, update of the top layer, loss after, "
                  "before and after side by side",
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
    if not isinstance(name, str):
        raise ValueError(f"NAME: expected one of {', '.join(WORKSHEETS)}, got {type(name).__name__} "
                        f"{validate._short(name)}")
    try:
        return WORKSHEETS[name]
    except KeyError:
        raise ValueError(f"NAME: expected one of {', '.join(WORKSHEETS)}, got {name!r}") from None
