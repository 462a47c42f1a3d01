# %% [markdown]
# # Worksheet 1: Decode
#
# A tiny Transformer block (one attention head, a ReLU feed-forward, two residuals) reads
# a prompt and predicts the next word. Features are rows, tokens are columns; a layer is
# `W @ X`, weights on the left, inputs on top. The mask is **causal**: each token sees
# itself and the tokens before it. Hand mode: softmax with 3^x.

# %%
from aibyhand import catalog, decode, plots
from aibyhand.vocab import VOCAB

data = catalog.get("decode").load()  # worksheets/01_decode.toml
model = data["model"]
print("vocabulary:", " ".join(VOCAB))
print("prompt:", data["sentence"])
s = decode.forward(model, data["sentence"], temperature=data["temperature"], base=data["base"])
s.show(["ids"], hand=True, header=True)

# %% [markdown]
# **1.** Look up each word's column of the token embeddings, and add the position
# embeddings.

# %%
s.show(["Etok", "Pos", "X_tok", "X"], hand=True)

# %% [markdown]
# **2.** Multiply Wq, Wk, Wv (left) by X (top): queries, keys, values.

# %%
s.show(["Wq", "Q", "Wk", "K", "Wv", "V"], hand=True)

# %% [markdown]
# **3.** Multiply K transposed (left) by Q (top), divide by sqrt(d_k) = 2: one row per
# key, one column per query.

# %%
s.show("scores", hand=True)

# %% [markdown]
# **4.** Add the causal mask: a query must not see the keys after it.

# %%
s.show(["mask", "masked"], hand=True)

# %% [markdown]
# **5.** Softmax each column (each query) with 3^x: subtract the column's max, raise 3 to
# it, divide by the column's sum.

# %%
s.show(["col max", "exp", "col sum", "A"], hand=True)

# %%
plots.heatmap(s, "A", title="causal attention A (keys down, queries across)",
             limits=(0, 1))

# %% [markdown]
# **6.** Multiply V by A: each token's output is a weighted average of the values it sees.
# Add the input back (residual).

# %%
s.show(["Z", "H1"], hand=True)

# %% [markdown]
# **7.** Feed-forward: multiply W1 (left) by H1 (top), set the negatives to 0 (ReLU).

# %%
s.show(["W1", "F", "R"], hand=True)

# %% [markdown]
# **8.** Multiply W2 by R, and add the residual H1.

# %%
s.show(["W2", "G", "H"], hand=True)

# %% [markdown]
# **9.** The last layer of a decoder: take the last token's column h and multiply the
# token embeddings transposed by it (Gemma ties the output layer to the input embeddings).

# %%
s.show(["h", "logits"], hand=True)

# %% [markdown]
# **10.** Divide by the temperature and softmax over the vocabulary with 3^x.

# %%
s.show(["L", "L max", "L exp", "L sum", "prob"], hand=True)

# %% [markdown]
# **11.** Pick the most likely word (greedy).

# %%
s.show("next", hand=True)
print("next word:", decode.next_words(s)[0])

# %%
plots.heatmap(s, "prob", title="next-word probabilities", limits=(0, 1))

# %% [markdown]
# **12.** Greedy generation: append the word and run the whole block again.

# %%
words = decode.generate(model, data["sentence"], data["generate"], temperature=data["temperature"],
                        base=data["base"])
for k, step in enumerate(words, start=1):
    step.show(["ids", "A", "prob", "next"], hand=True)
    print(f"word {k}: {decode.next_words(step)[0]}\n")
