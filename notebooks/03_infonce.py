# %% [markdown]
# # Worksheet 3: InfoNCE
#
# A batch of (anchor, positive) pairs, one pair per column. Each anchor should be more
# similar to its own positive than to the other positives in the batch, which serve as
# its negatives: this is sentence-transformers' `MultipleNegativesRankingLoss`. The sheet
# computes the loss and its whole gradient back to the embeddings, with 3^x instead of
# e^x so that every number is a small fraction.
#
# `aibyhand sheet infonce -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet infonce -o sheet.html` makes the web page that checks each box as it
# is typed; `aibyhand check infonce answers.toml` checks a filled-in answers file.

# %%
from aibyhand import infonce, plots
from aibyhand.classroom import catalog, printout
from aibyhand.steps import side_by_side

ws = catalog.get("infonce")
data = ws.load()  # worksheets/03_infonce.toml, the sheet's numbers (--seed 0)
steps = ws.steps(data)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: scores
#
# Cell (i, j) of S is the cosine of anchor i and positive j: anchors down, candidates
# across. Look at the diagonal: each anchor's own positive. Dividing by the temperature
# (1/2) stretches the scores; subtracting the row's largest makes every power of 3 at
# most 1 and does not change the softmax.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: softmax, loss, and the gradient of the logits
#
# Each row of prob is one anchor's guess at which candidate is its positive. The loss
# only reads the diagonal. Its gradient is simply prob minus the identity (over the
# batch size): push the own positive up, every other candidate down by exactly its
# probability.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %%
plots.heatmap(steps, "prob", title="prob: each anchor's softmax over the candidates (rows sum to 1)",
              limits=(0, 1))

# %% [markdown]
# ## Page 3: back through the scores
#
# S = A_hat^T P_hat, so each side's gradient is dS times the other side's unit vectors:
# an anchor is pulled towards its own positive and pushed away from the others.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %% [markdown]
# ## Page 4: back through the normalisation
#
# A cosine does not change when a vector gets longer, so the gradient cannot have a part
# along the vector: remove it (`along`), then divide by the length. Check: each column
# of dA is perpendicular to the same column of A.

# %%
printout.show_page(ws, steps, 4, keys=keys)

# %% [markdown]
# ## Beyond the sheet: the temperature
#
# The sheet holds the whole backward. What it fixes is the temperature, 1/2.
# sentence-transformers uses 0.05 (its scale 20): the same cosines become much sharper
# probabilities: an anchor whose own positive is on top gets almost all of it, one whose
# positive is beaten even by a little loses a lot.

# %%
sharp = infonce.forward(data["A"], data["P"], temperature=0.05, base=data["base"])
print(side_by_side(steps, sharp, ["prob", "loss"], titles=("temperature 1/2 (the sheet)", "temperature 0.05"),
                   hand=True))

# %% [markdown]
# ## A fresh variant
#
# Every seed gives new numbers with the same easy arithmetic; seeds 0-31 are kept far
# from each other, so neighbours cannot copy. `aibyhand sheet infonce --seed 3 -o
# sheet.pdf` prints this one for a class (add `--key` for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. Which anchor has the smallest loss, and what on page 1 told you so before any softmax?
# 2. Each row of dlogits adds up to 0. Why?
# 3. What happens to the loss if every column of A is doubled? And to dA?
# 4. Does a lower temperature make the loss larger or smaller? Can it do both, for
#    different anchors?
