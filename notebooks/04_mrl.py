# %% [markdown]
# # Worksheet 4: Matryoshka Representation Learning (widths 8, 4, 2)
#
# One embedding, three sizes: the first 8, 4 and 2 coordinates. MRL computes InfoNCE at
# every width (re-normalising the truncated vectors) and adds the losses, so a model
# trained with it keeps working when its embeddings are cut short. This is
# sentence-transformers' `MatryoshkaLoss` around `MultipleNegativesRankingLoss`.

# %%
from aibyhand import catalog, mrl, plots

data = catalog.get("mrl").load()  # worksheets/04_mrl.toml
s = mrl.forward(data["A"], data["P"], dims=tuple(data["dims"]), weights=data["weights"],
                temperature=data["temperature"], base=data["base"])
s.show(["A", "P"], hand=True, header=True)

# %% [markdown]
# **1.** Width 8: the whole vectors. Normalise every column (every length is 5) ...

# %%
s.show(["m=8 / |A|", "m=8 / A_hat", "m=8 / |P|", "m=8 / P_hat"], hand=True)

# %% [markdown]
# ... then as on worksheet 3: cosines, logits, softmax per anchor with 3^x, loss.

# %%
s.show(["m=8 / S", "m=8 / L", "m=8 / E", "m=8 / Z", "m=8 / prob", "m=8 / loss"], hand=True)

# %% [markdown]
# **2.** Width 4: keep the first 4 rows of A and P, re-normalise (every length is 3),
# and repeat.

# %%
s.show(["m=4 / A", "m=4 / |A|", "m=4 / P", "m=4 / |P|", "m=4 / S", "m=4 / E", "m=4 / Z",
        "m=4 / prob", "m=4 / loss"], hand=True)

# %% [markdown]
# **3.** Width 2: the first 2 rows. The cosines are now whole numbers, so the powers of 3
# are easy.

# %%
s.show(["m=2 / A", "m=2 / A_hat", "m=2 / P", "m=2 / P_hat", "m=2 / S", "m=2 / E", "m=2 / Z",
        "m=2 / prob", "m=2 / loss_i", "m=2 / loss"], hand=True)

# %% [markdown]
# **4.** The MRL loss: the weighted sum of the three levels.

# %%
s.show(["losses", "weights", "loss"], hand=True)

# %% [markdown]
# **5.** How each anchor ranks the candidates at each width (1 = most similar). Cutting
# the embedding short changes the ranking: that is what MRL training guards against.

# %%
r = mrl.rankings(s)
r.show(["own rank", "top-1"], hand=True)

# %%
plots.heatmap(r, "own rank", title="rank of each anchor's own positive, by width",
              cmap="Reds", limits=(0, 3))

# %%
plots.heatmap(s, "m=2 / prob", title="prob at width 2", limits=(0, 1))

# %% [markdown]
# ## Backward
#
# **6.** Each level's InfoNCE gradient (as on worksheet 3) reaches only the coordinates
# that level kept: width 2's gradient lands in the first 2 rows.

# %%
g = mrl.backward(s)
g.show(["m=2 / dL", "m=2 / dA", "m=2 / w dA (padded)"], hand=True)

# %%
g.show(["m=4 / w dA (padded)", "m=8 / w dA (padded)"], hand=True)

# %% [markdown]
# **7.** Add the levels: the first 2 coordinates collect a gradient from every level,
# the last 4 only from width 8.

# %%
g.show(["dA", "dP"], hand=True)
