# %% [markdown]
# # Worksheet 6: the projection head
#
# EmbeddingGemma ends with Dense 768 -> 3072 and Dense 3072 -> 768, both without bias or
# activation. Two linear layers with nothing between them are one matrix, so why expand
# at all? Here in small: 4 -> 16 -> 8.

# %%
from aibyhand import catalog, head, plots

data = catalog.get("head").load()  # worksheets/06_projection_head.toml
s = head.forward(data["X"], data["W_up"], data["W_down"], data["T"], dims=tuple(data["dims"]))
s.show(["X", "W_up"], hand=True, header=True)

# %% [markdown]
# **1.** Dense up: multiply W_up by X.

# %%
s.show("U", hand=True)

# %% [markdown]
# **2.** Dense down: multiply W_down by U, then normalise.

# %%
s.show(["W_down", "Y", "|Y|", "E"], hand=True)

# %% [markdown]
# **3.** The two layers as one: multiply W_down by W_up once. M X is Y again, and M has
# rank at most 4: the 16-wide middle adds nothing at inference.

# %%
s.show(["M", "Y via M", "rank M"], hand=True)

# %% [markdown]
# **4.** Why expand, then: during training the 16-wide layer can be matched to a wider
# teacher's embeddings T (embedding-matching distillation, as in EmbedDistill). Subtract,
# square, add up, divide by 2B.

# %%
s.show(["T", "U - T", "distill loss"], hand=True)

# %% [markdown]
# **5.** The gradient of that loss reaches W_up only: dU = (U - T) / B, dW_up = dU X^T.

# %%
head.backward(s).show(hand=True)

# %% [markdown]
# **6.** Matryoshka truncation after the head: keep the first 8, 4, 2 coordinates of each
# output, re-normalise, and compare the two inputs by cosine at each width.

# %%
s.show(["m=8 / cos", "m=4 / E_hat", "m=4 / cos", "m=2 / E_hat", "m=2 / cos"], hand=True)

# %%
plots.heatmaps([(s, f"m={m} / cos", f"cos at width {m}") for m in (8, 4, 2)], cmap="RdBu_r",
               limits=(-1, 1))
