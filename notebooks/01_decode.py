# %% [markdown]
# # Worksheet 1: Decode
#
# A tiny Transformer block (one attention head, a ReLU feed-forward, two residuals) reads
# a prompt and predicts the next word, as a decoder such as Gemma does. Features are rows,
# words are columns; a layer is `W X`, weights on the left, inputs on top. The mask is
# **causal**: each word sees itself and the words before it. The sheet follows the last
# word only, up to the first generated word; softmax is 3^x.
#
# `aibyhand sheet decode -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet decode -o sheet.html` makes the web page that checks each box as it is
# typed; `aibyhand check decode answers.toml` checks a filled-in answers file.

# %%
from aibyhand import plots
from aibyhand.classroom import catalog, printout

ws = catalog.get("decode")
data = ws.load()  # worksheets/01_decode.toml, the sheet's numbers (--seed 0)
parts = ws.run(data)  # one part per generated word, then the lesson
steps = ws.join(parts)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: from words to vectors
#
# Each word becomes a column: its token embedding plus its position's embedding. Then
# every word gets a key and a value (what it offers) and a query (what it looks for).
# Only the last word's query is needed: we only predict what comes after it.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# ## Page 2: causal attention
#
# Look at the mask: -inf wherever a key comes after the query, so 3^(-inf) = 0 and a
# word never sees the future. The last word sees every word: its column of attn says how
# much of each word's value it takes (the column adds up to 1). H1 adds the input back.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %%
plots.heatmap(steps, "word 1 / attn", title="causal attention (keys down, queries across)",
              limits=(0, 1))

# %% [markdown]
# ## Page 3: feed-forward
#
# Each word on its own, no mixing: up to 8 rows, ReLU sets the negatives to 0, back down
# to 4, add the residual. h is the last word's hidden state: everything the model knows
# about what comes next.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %% [markdown]
# ## Page 4: tied unembedding and the next word
#
# The output layer reuses the input embeddings: each word's logit is the dot product of
# its embedding with h. The word whose embedding points most like h wins.

# %%
printout.show_page(ws, steps, 4, keys=keys)

# %%
plots.heatmap(steps, "word 1 / prob", title="next-word probabilities", limits=(0, 1))

# %% [markdown]
# ## What this showed
#
# The sheet's last box: the next word is the most likely one under the softmax (greedy
# decoding). The page prints 1/lsum, so each probability is a multiplication.

# %%
lesson = parts[-1]
print(lesson.title)
print("lesson / next =", steps.step("word 1 / prob").rows[int(lesson["lesson / next"][0, 0])])

# %% [markdown]
# ## Beyond the sheet: the second word
#
# Greedy decoding appends the chosen word and runs the whole block again. Now every
# column is computed (the sheet asked only the last one).

# %%
steps.show(["word 2 / ids", "word 2 / attn", "word 2 / prob", "word 2 / next"], hand=True)
print(ws.summary(parts))

# %% [markdown]
# The attention of both passes side by side. Compare word 1's columns with the first
# columns of word 2.

# %%
plots.heatmaps([(steps, "word 1 / attn", "predicting word 1"), (steps, "word 2 / attn", "predicting word 2")],
               limits=(0, 1), suptitle="causal attention, keys down, queries across")

# %% [markdown]
# ## A fresh variant
#
# Every seed gives a new prompt and new weights with the same easy arithmetic; seeds
# 0-31 are kept far from each other, so neighbours cannot copy. `aibyhand sheet decode
# --seed 3 -o sheet.pdf` prints this one for a class (add `--key` for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. The first word's column of attn is 1 then 0. Why can the first word only attend to itself?
# 2. Which word's column of Etok is h most similar to? Is that the word chosen?
# 3. Word 2's attention repeats word 1's columns exactly. Why? What could a decoder keep
#    from one word to the next instead of computing it again?
# 4. The sheet never needed the first word's query. Why not?
