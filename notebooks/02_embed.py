# %% [markdown]
# # Worksheet 2: Embed
#
# The backbone of worksheet 1, **the same weights**, with two changes that turn a decoder
# into an encoder, as EmbeddingGemma does with Gemma: the mask is **bidirectional** (every
# word sees every word), and instead of scoring the vocabulary the words are averaged
# into one vector, projected (Dense up x4, Dense down, no bias, no activation) and
# normalised to length 1: the sentence's embedding.
#
# `aibyhand sheet embed -o sheet.pdf` prints the sheet (`--key` the answer key);
# `aibyhand sheet embed -o sheet.html` makes the web page that checks each box as it is
# typed; `aibyhand check embed answers.toml` checks a filled-in answers file.

# %%
from aibyhand import decode, embed, plots
from aibyhand.classroom import catalog, printout
from aibyhand.steps import side_by_side

ws = catalog.get("embed")
data = ws.load()  # worksheets/02_embed.toml, the sheet's numbers (--seed 0)
steps = ws.steps(data)
keys = printout.key_pages(ws, data, source=f"numbers from {ws.path.name}")

# %% [markdown]
# ## Page 1: every word attends to every word
#
# The weights are worksheet 1's, and the sentence is its prompt plus the word it
# generated, so Q, K and V are the ones Decode computed for its second word. The only
# switch is the mask: none. Every column of attn spreads over all the words, the first
# word's too, and every word's Z mixes the whole sentence.

# %%
printout.show_page(ws, steps, 1, keys=keys)

# %% [markdown]
# The same sentence through Decode (causal) and Embed (bidirectional): the lower triangle
# that the causal mask zeroes is filled in.

# %%
causal = decode.forward(data["model"], data["sentence"], base=data["base"])
plots.heatmaps([(causal, "attn", "Decode: causal"), (steps, "attn", "Embed: bidirectional")],
               limits=(0, 1), suptitle="attention, keys down, queries across")

# %% [markdown]
# ## Page 2: residuals, feed-forward, mean pooling, Dense up
#
# The block ends as in Decode. Then, instead of taking the last word, average all the
# words' columns: x is one vector for the whole sentence, whatever its length. The
# projection head starts here: U = W_up x.

# %%
printout.show_page(ws, steps, 2, keys=keys)

# %% [markdown]
# ## Page 3: Dense down, L2 normalisation, and a cosine
#
# Up to 16 rows (on page 2), down to 8, then divide by the length (printed: a whole number). E has
# length 1, so the dot product of two sentences' embeddings is their cosine similarity:
# the page ends with one.

# %%
printout.show_page(ws, steps, 3, keys=keys)

# %% [markdown]
# ## What this showed
#
# The sheet ends with what an embedding is for: comparing sentences. E_other is another
# sentence's embedding from the same model (given to 2 decimals); both have length 1, so
# their cosine is the dot product E^T E_other.

# %%
lesson = ws.run(data)[-1]
print(lesson.title)
lesson.show(["lesson / E_other", "lesson / cos"], hand=True)

# %% [markdown]
# ## Beyond the sheet: Embed next to Decode
#
# Up to the scores both compute the same numbers; the mask is the one switch.

# %%
print(side_by_side(causal, steps, ["mask", "attn"], titles=("Decode (causal)", "Embed (bidirectional)"),
                   hand=True))

# %% [markdown]
# The sheet gives G; here is the feed-forward that makes it (as on the Decode sheet, for
# every word).

# %%
steps.show(["F", "R", "G"], hand=True)

# %% [markdown]
# The last layer differs: Decode scores the vocabulary from the last word's column h,
# Embed averages all the words. Qwen3-Embedding makes the other choice: it keeps the
# causal mask and pools the **last** word, the only one that has seen the whole sentence
# (its x is Decode's h).

# %%
last = embed.forward(data["model"], data["sentence"], pooling="last", mask="causal", base=data["base"])
print(side_by_side(steps, last, ["x", "E"], titles=("EmbeddingGemma: bidirectional, mean",
                                                    "Qwen3-Embedding: causal, last word"), hand=True))

# %% [markdown]
# ## A fresh variant
#
# Every seed gives a new sentence and new weights with the same easy arithmetic; seeds
# 0-31 are kept far from each other, so neighbours cannot copy. `aibyhand sheet embed
# --seed 3 -o sheet.pdf` prints this one for a class (add `--key` for its answer key).

# %%
v = ws.steps(seed=3)
printout.show_page(ws, v, 1)

# %% [markdown]
# ## Questions for the class
#
# 1. In Decode the first word saw only itself; here it sees every word. If a fourth word
#    were added, which columns of Z would change in Decode, and which in Embed?
# 2. Qwen3-Embedding pools the last word only. Why would that be a bad idea with the
#    bidirectional mask? And why is mean pooling a bad idea with the causal one?
# 3. Would the sentence with its words in another order get the same x? What in the model
#    knows the order?
# 4. Why divide by the length at the end? What does the dot product of two embeddings
#    become?
