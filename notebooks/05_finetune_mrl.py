# %% [markdown]
# # Worksheet 5: fine-tune an embedding model by MRL
#
# Everything together: a forward pass, the Matryoshka loss, its gradient, and one step
# of gradient descent (W <- W - lr dW) that lowers the loss. The sheet does it for the
# projection head alone, on two pairs of pooled vectors, at widths 4 and 2, and updates
# the top layer W_down; after the sheet, the same step runs through the whole model on
# text.
#
# `aibyhand sheet finetune -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet finetune -o sheet.html` makes the web page that checks each box as it
# is typed; `aibyhand check finetune answers.toml` checks a filled-in answers file.

# %%
from aibyhand import finetune, plots
from aibyhand.classroom import catalog, printout

ws = catalog.get("finetune")
data = ws.load()  # worksheets/05_finetune_mrl.toml, the sheet's numbers (--seed 0)
steps = ws.steps(data)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: forward, and the loss before the step at width 4
#
# Two anchors and their two positives go through the head together, one per column
# (U = W_up X is printed). The first two columns of Y are the anchors' embeddings, the
# last two the positives'. Worksheet 4's loss at width 4: each own positive's
# probability is 1 / (the row's sum of powers), read from the table of 1/x.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: width 2, the gradient, and one step on W_down
#
# The same loss at width 2, and the MRL loss (the two widths added). The gradient at the
# scores is (prob - I) / 2 / temperature; back through the cosines (worksheet 3) and the
# two widths added it is dY (printed). dW_down = dY U^T: each row of W_down moves by its
# row of dY. Only rows 1-2 of Y reach width 2: Y - lr dW_down U gives them after the step.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %% [markdown]
# ## Page 3: what the step did
#
# The loss after the step, at width 2 by hand (the new outputs over their lengths), at
# width 4 from the printed cosines; then before and after side by side: every own
# cosine went up, and the loss went down at both widths.

# %%
printout.show_page(ws, steps, 3, keys=keys)
steps.show(["lesson / cos4", "lesson / cos2", "lesson / loss"], hand=True)

# %% [markdown]
# Before and after the step, at width 2: watch the diagonal, each anchor's own positive.

# %%
plots.heatmaps([(steps, "m=2 / prob", "before the step"), (steps, "after / m=2 / prob", "after the step")],
               limits=(0, 1), suptitle="prob at width 2")

# %%
steps.show(["losses", "after / losses"], hand=True)

# %% [markdown]
# ## Beyond the sheet: the whole model on text
#
# The same step for every weight: the backbone of worksheets 1 and 2 under its own head,
# on text pairs (anchors, then their positives, as one batch). Its embeddings E are 8-d,
# so the loss is worksheet 4's: MRL at widths 8, 4 and 2 (temperature 1). The model and
# its pairs are the same for every variant of the sheet.

# %%
model = data["model"]
anchors, positives = data["anchors"], data["positives"]
whole = finetune.step(model, anchors, positives, dims=(8, 4, 2), lr=data["train_lr"],
                      base=data["base"])
whole.show(["embed / ids", "embed / E", "mrl / losses"], decimals=2)

# %% [markdown]
# The gradient comes back through the normalisation, both Dense layers, the pooling
# (each word gets its share of its sentence's gradient) and the block, down to the
# embeddings: every weight gets one.

# %%
whole.show(["embed / dE", "embed / dW_down", "embed / dW_up", "embed / dWq", "embed / dEtok"], decimals=2)

# %% [markdown]
# One step of every weight (learning rate `data["train_lr"]`), and the loss at each
# width with the new weights.

# %%
whole.show(["losses before", "losses after"], decimals=4)

# %% [markdown]
# ## A short training run
#
# The same step, repeated. Top-1 retrieval: does each anchor find its own positive
# among all the positives, at widths 8, 4 and 2?

# %%
trained, history = finetune.train(model, anchors, positives, n_steps=data["train_steps"],
                                  dims=(8, 4, 2), lr=data["train_lr"], base=data["base"])
history.show(["loss before/after", "top-1 before/after"], decimals=2)

# %%
plots.training(history)

# %%
plots.unit_circle(history["E before"], history["E after"], labels=anchors)

# %% [markdown]
# ## A fresh variant
#
# Every seed gives new numbers with the same easy arithmetic; seeds 0-31 are kept far
# from each other, so neighbours cannot copy. `aibyhand sheet finetune --seed 3 -o
# sheet.pdf` prints this one for a class (add `--key` for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. Why are rows 3-4 of dY width 4's gradient alone, and what would change if the loss
#    also had width 1?
# 2. The sheet updates W_down only. Why does width 2 after the step need only rows 1-2
#    of W_down, and why did the step still raise the cosines at width 4?
# 3. In the whole model, rows 5-8 of dE are zero. Why?
# 4. With the whole model, does one step at the sheet's learning rate lower the loss at
#    both widths? Why might a big step not?
