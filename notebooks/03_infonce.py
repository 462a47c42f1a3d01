# %% [markdown]
# # Worksheet 3: InfoNCE
#
# A batch of (anchor, positive) pairs, one pair per column. Each anchor should be more
# similar to its own positive than to the other positives in the batch, which serve as
# its negatives: this is sentence-transformers' `MultipleNegativesRankingLoss`. The sheet
# computes the loss and its gradient back to the anchors, with 3^x instead of e^x so that
# every power is a small fraction, and ends with what the gradient does: it moves an
# anchor toward its own positive and away from the others.
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
# ## Page 1: the loss
#
# Cell (i, j) of S is the cosine of anchor i and positive j: anchors down, candidates
# across. Look at the diagonal: each anchor's own positive. Each row's softmax raises 3
# to (S - the row's largest) / temperature: dividing by the temperature stretches the
# scores, and subtracting the largest makes every power at most 1 without changing the
# softmax. The loss only reads the diagonal of prob.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %%
plots.heatmap(steps, "prob", title="prob: each anchor's softmax over the candidates (rows sum to 1)",
              limits=(0, 1))

# %% [markdown]
# ## Page 2: the gradient back to the anchors
#
# The gradient of the loss with respect to S is prob minus the identity (over the batch
# size and the temperature): push the own positive up, every other candidate down by
# exactly its probability. S = A_hat^T P_hat, so each unit anchor's gradient is dS times
# the positives' unit vectors. A cosine does not change when a vector gets longer, so the
# gradient has no part along the anchor: remove it (`along_A`), then divide by the length.
# Check: each column of dA is perpendicular to the same column of A.

# %%
printout.show_page(ws, steps, 2, keys=keys)
print("A^T dA, column by column (0: perpendicular):", (data["A"] * steps["dA"]).sum(axis=0).round(12) + 0.0)

# %% [markdown]
# ## What this showed
#
# A step down the gradient moves anchor 1 by -dA. How far that moves it along each
# positive's direction is -(dA^T P_hat), anchor 1's row: positive on its own positive,
# negative on the others. The loss pulls an anchor toward its positive and pushes it away
# from the other positives in the batch, its negatives.

# %%
toward = steps["lesson / toward"][0]
print(f"anchor 1 moves along p1 (its own positive): {toward[0]:+.2f}")
for j in range(1, len(toward)):
    print(f"anchor 1 moves along p{j + 1} (a negative):      {toward[j]:+.2f}")

# %% [markdown]
# ## Beyond the sheet: the temperature
#
# On the sheets the temperature is 1/2, 1/3, 1/4 or 1/6, by variant.
# sentence-transformers uses 0.05 (its scale 20): the same cosines become much sharper
# probabilities: an anchor whose own positive is on top gets almost all of it, one whose
# positive is beaten even by a little loses a lot.

# %%
sharp = infonce.forward(data["A"], data["P"], temperature=0.05, base=data["base"])
print(side_by_side(steps, sharp, ["prob", "loss"], titles=("the sheet's temperature", "temperature 0.05"),
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
# 2. Each row of dS adds up to 0. Why?
# 3. What happens to the loss if every column of A is doubled? And to dA?
# 4. Does a lower temperature make the loss larger or smaller? Can it do both, for
#    different anchors?
