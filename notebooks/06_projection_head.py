# %% [markdown]
# # Worksheet 6: the projection head
#
# EmbeddingGemma ends with Dense 768 -> 3072 and Dense 3072 -> 768, both without bias or
# activation. Two linear layers with nothing between them are one matrix, so why expand
# at all? The sheet works it out in small (2 -> 8 -> 4): the one matrix and its rank,
# Matryoshka truncation of the output, and a reason for the wide middle: matching a
# wider teacher there.
#
# `aibyhand sheet head -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet head -o sheet.html` makes the web page that checks each box as it is
# typed; `aibyhand check head answers.toml` checks a filled-in answers file.

# %%
from aibyhand import embed, head
from aibyhand.classroom import catalog, printout
from aibyhand.steps import side_by_side

ws = catalog.get("head")
data = ws.load()  # worksheets/06_projection_head.toml, the sheet's numbers (--seed 0)
steps = ws.steps(data)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: two Dense layers are one matrix
#
# M = W_down W_up does both layers at once, and Y = M X is the head's output without the
# wide middle.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: why expand? Match a wider teacher
#
# During training the 8-wide middle U can be matched to a teacher's 8-d embeddings T
# (embedding-matching distillation). The loss is the squared distance; its gradient
# reaches W_up only. The sheet asks the gradient's first 2 rows; here are all of them.

# %%
printout.show_page(ws, steps, 2, keys=keys)
steps.show("dW_up", hand=True)

# %% [markdown]
# ## Page 3: Matryoshka truncation after the head, and what this showed
#
# Normalise the outputs, then keep the first 2 rows (Y2) and normalise again: the smaller
# embedding. The page prints R = 100 / |Y| (and R2 = 100 / |Y2|), so E = Y * R / 100 needs
# no long division. Compare the two inputs' cosine at width 4 and at width 2.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %% [markdown]
# ### What this showed
#
# M has only as many columns as the input has rows, so its rank is at most that:
# whatever the input, every output lies in that small space, and the wide middle adds
# nothing at inference. Truncation to width 2 keeps the first 2 coordinates of each
# output; `moved` is how far that moves the two inputs' cosine.

# %%
lesson = ws.run(data)[-1]
print(lesson.title)
lesson.show(hand=True, header=False)

# %% [markdown]
# ## Beyond the sheet: one matrix or two layers, the same output
#
# Running the two layers one after the other (as `embed.head` does, through U) gives
# exactly Y = M X.

# %%
layers = embed.head(data["X"], data["W_up"], data["W_down"])
print(side_by_side(steps, layers, ["Y"], titles=("one matrix", "two layers"), hand=True))

# %% [markdown]
# One step of distillation, W_up - lr dW_up with lr = 1/4 (`head.backward` gives dW_up):
# the student moves towards the teacher, and since Y = W_down U, the final embeddings move
# too.

# %%
step = head.forward(data["X"], data["W_up"] - 0.25 * head.backward(steps)["dW_up"], data["W_down"],
                    data["T"], dims=data["dims"])
print(side_by_side(steps, step, ["distill loss", "Y"], titles=("before", "after one step"), hand=True))

# %% [markdown]
# ## A fresh variant
#
# Every seed gives new numbers with the same easy arithmetic; seeds 0-31 are kept far
# from each other, so neighbours cannot copy. `aibyhand sheet head --seed 3 -o
# sheet.pdf` prints this one for a class (add `--key` for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. rank M is 2 although the middle is 8 wide. What does that say about every output of
#    this head, whatever the input?
# 2. What would have to sit between the two layers for the middle to add something?
# 3. Why does the distillation gradient reach W_up and not W_down?
# 4. The width-2 embedding needs only rows 1-2 of Y. Which rows of W_down does it use, and
#    which would MRL training at width 2 change?
