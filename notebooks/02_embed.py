# %% [markdown]
# # Worksheet 2: Embed
#
# The backbone of worksheet 1, **the same weights**, with a **bidirectional** mask: every
# token sees every token. Then a different last layer: instead of scoring the vocabulary,
# mean-pool the tokens into one vector and project it (Dense up x4, Dense down, no bias,
# no activation), then L2-normalise. This is EmbeddingGemma in small: a Gemma decoder
# turned into an encoder.

# %%
from aibyhand import catalog, decode, embed, plots
from aibyhand.steps import side_by_side

data = catalog.get("embed").load()  # worksheets/02_embed.toml
model = data["model"]
print("sentence:", data["sentence"])
e = embed.forward(model, data["sentence"], pooling=data["pooling"], base=data["base"])
d = decode.forward(model, data["sentence"], base=data["base"])
e.show(["ids", "X", "Q", "K", "V", "scores"], hand=True, header=True)
print("the weights are worksheet 1's (Etok, Pos, Wq, Wk, Wv, W1, W2); aibyhand show embed prints them")

# %% [markdown]
# **1.** Up to the scores, Decode and Embed compute the same numbers. The one switch is the
# mask: causal on the left, bidirectional on the right.

# %%
print(side_by_side(d, e, ["mask", "masked", "A"], titles=("Decode (causal)", "Embed (bidirectional)"),
                   hand=True))

# %%
plots.heatmaps([(d, "A", "Decode: causal A"), (e, "A", "Embed: bidirectional A")],
               limits=(0, 1), suptitle="attention, keys down, queries across")

# %% [markdown]
# **2.** The rest of the block is the same arithmetic on different numbers: softmax per
# column with 3^x ...

# %%
e.show(["col max", "exp", "col sum"], hand=True)

# %% [markdown]
# ... then Z = V A and the residual ...

# %%
e.show(["Z", "H1"], hand=True)

# %% [markdown]
# ... then the feed-forward block and its residual.

# %%
e.show(["F", "R", "G", "H"], hand=True)

# %% [markdown]
# **3.** The last layer differs. Decode takes the last token and scores every word;
# Embed averages all the tokens into one vector.

# %%
print(side_by_side(d, e, ["h", "x", "logits", "prob"], titles=("Decode: last token -> vocabulary",
                                                               "Embed: mean of the tokens"), hand=True))

# %% [markdown]
# **4.** Dense up: multiply W_up (16 x 4) by x.

# %%
e.show(["W_up", "U"], hand=True)

# %% [markdown]
# **5.** Dense down: multiply W_down (8 x 16) by U.

# %%
e.show(["W_down", "Y"], hand=True)

# %% [markdown]
# **6.** L2 normalisation: divide by the length. The result is the sentence's 8-d
# embedding; the dot product of two of them is their cosine similarity.

# %%
e.show(["|Y|", "E"], hand=True)

# %% [markdown]
# **7.** The contrast: Qwen3-Embedding keeps the causal mask and pools the **last** token.

# %%
q = embed.forward(model, data["sentence"], pooling="last", mask="causal", base=data["base"])
print(side_by_side(e, q, ["x", "E"], titles=("EmbeddingGemma: bidirectional, mean",
                                             "Qwen3-Embedding: causal, last token"), hand=True))
