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
# ## Page 1: forward, up then down
#
# Two anchors and their two positives go through the head together, one per column.
# The first two columns of Y are the anchors' embeddings, the last two the positives'.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: the loss before the step
#
# Worksheet 4's Matryoshka loss, at widths 4 and 2. Look at width 2: how sure is each
# anchor of its own positive? That is the loss the step will lower.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %% [markdown]
# ## Page 3: the gradient at Y
#
# Worksheet 3's backward, once per width. Width 2 reaches rows 1-2 of Y only, width 4
# rows 1-4: rows 1-2 add both.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %% [markdown]
# ## Page 4: one step, and the loss after
#
# dW_down = dY U^T: each row of W_down moves by its row of dY. Rows 3-4 of W_down do not
# change width 2's embeddings at all, so the loss after at width 2 needs only rows 1-2.

# %%
printout.show_page(ws, steps, 4, keys=keys)

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
# so the loss is worksheet 4's: MRL at widths 8, 4 and 2.

# %%
model = data["model"]
anchors, positives = data["anchors"], data["positives"]
whole = finetune.step(model, anchors, positives, dims=(8, 4, 2), temperature=data["temperature"],
                      lr=data["train_lr"], base=data["base"])
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
                                  dims=(8, 4, 2), temperature=data["temperature"],
                                  lr=data["train_lr"], base=data["base"])
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
# 2. The sheet updates W_down only. Which rows of W_down did the loss at width 2 move?
# 3. In the whole model, rows 5-8 of dE are zero. Why?
# 4. With the whole model, does one step at the sheet's learning rate lower the loss at
#    both widths? Why might a big step not?
