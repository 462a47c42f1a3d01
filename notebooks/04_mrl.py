# %% [markdown]
# # Worksheet 4: Matryoshka Representation Learning (widths 8, 4, 2)
#
# One embedding, three sizes: its first 8, 4 and 2 coordinates. The Matryoshka loss is
# InfoNCE (worksheet 3) at every width, on the truncated and re-normalised vectors, added
# up; a model trained with it keeps working when its embeddings are cut short. This is
# sentence-transformers' `MatryoshkaLoss` around `MultipleNegativesRankingLoss`.
#
# `aibyhand sheet mrl -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet mrl -o sheet.html` makes the web page that checks each box as it is
# typed; `aibyhand check mrl answers.toml` checks a filled-in answers file.

# %%
from aibyhand import mrl, plots
from aibyhand.classroom import catalog, printout

ws = catalog.get("mrl")
data = ws.load()  # worksheets/04_mrl.toml, the sheet's numbers (--seed 0)
steps = ws.steps(data)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: truncate and re-normalise
#
# A shorter embedding is just the first rows. Each width has its own lengths, so the
# cosines change with the width: compare the three S matrices row by row. Is each
# anchor's largest cosine still on the diagonal?

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: InfoNCE at width 2, and the Matryoshka loss
#
# The same softmax per anchor as on worksheet 3 (temperature 1), at width 2: the sheet
# gives each row's 1 / sum (R), so the probabilities are the powers of 3 times R. The
# losses at widths 8 and 4 come the same way; the MRL loss is the sum of the three: a
# model is only good under this loss if it is good at every width.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %%
plots.heatmaps([(steps, f"m={m} / prob", f"width {m}") for m in (8, 4, 2)], limits=(0, 1),
               suptitle="prob: each anchor's softmax over the candidates")

# %% [markdown]
# ## Page 3: each width's gradient lands in its first rows, and what this showed
#
# Width m's loss reads only the first m rows, so its gradient has only m rows. Added up,
# rows 1-2 collect a gradient from all three widths, rows 5-8 from width 8 alone. The
# last box is the lesson: for each anchor and width, its own cosine minus its largest
# other one; above 0 where the anchor still ranks its own positive first.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %%
steps.show(["lesson / lead"], hand=True)
first = steps["lesson / lead"] > 0
for i, row in enumerate(first, start=1):
    kept = [f"{m}" for m, ok in zip(steps.meta["dims"], row) if ok]
    print(f"a{i} ranks its own positive first at width(s): {', '.join(kept) or 'none'}")

# %% [markdown]
# ## Beyond the sheet: rankings, and the positives' gradient
#
# How each anchor ranks the candidates at each width (1 = most similar). Cutting the
# embedding short can change the ranking: that is what MRL training guards against.

# %%
ranks = mrl.rankings(steps)
ranks.show(["own rank", "top-1"], hand=True)

# %%
plots.heatmap(ranks, "own rank", title="rank of each anchor's own positive, by width",
              cmap="Reds", limits=(0, 2))

# %% [markdown]
# The sheet follows the anchors back; the positives get a gradient the same way, and
# theirs too is made of each width's gradient in its first rows.

# %%
steps.show(["m=2 / dP", "dP"], hand=True)

# %% [markdown]
# ## A fresh variant
#
# Every seed gives new numbers with the same easy arithmetic (whole-number lengths at
# every width); seeds 0-31 are kept far from each other, so neighbours cannot copy.
# `aibyhand sheet mrl --seed 3 -o sheet.pdf` prints this one for a class (add `--key`
# for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. What changes at width 2? Whose own positive is no longer its best candidate (the
#    lesson box), and from which width on?
# 2. Why is width 2's gradient zero below row 2 (and width 4's below row 4)?
# 3. Which width ranks the pairs right? If you could store only 2 numbers per sentence,
#    what would MRL training do to these embeddings?
# 4. Rows 1-2 of dA get a push from every width. What does that teach a model to put
#    in its first coordinates?
