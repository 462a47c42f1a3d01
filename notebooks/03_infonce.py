# %% [markdown]
# # Worksheet 3: InfoNCE
#
# A batch of (anchor, positive) pairs. Each anchor should be more similar to its own
# positive than to the other positives in the batch, which serve as its negatives.
# This is sentence-transformers' `MultipleNegativesRankingLoss`.
#
# Hand mode: the sheet uses base 3 (3^x instead of e^x) and log base 3; the gradient
# keeps the form softmax - one-hot in every base. Numbers print as the sheet writes them:
# exact small fractions, otherwise two decimals.

# %%
from aibyhand import catalog, infonce, plots

data = catalog.get("infonce").load()  # worksheets/03_infonce.toml
s = infonce.forward(data["A"], data["P"], temperature=data["temperature"], base=data["base"])
s.show(["A", "P"], hand=True, header=True)

# %% [markdown]
# **1.** Find the length of every column of A, and divide each column by its length.

# %%
s.show(["|A|", "A_hat"], hand=True)

# %% [markdown]
# **2.** The same for P.

# %%
s.show(["|P|", "P_hat"], hand=True)

# %% [markdown]
# **3.** Multiply A_hat transposed (left) by P_hat (top): cell (i, j) is cos(a_i, p_j).
# Anchors run down the rows, candidates across.

# %%
s.show("S", hand=True)

# %% [markdown]
# **4.** Divide by the temperature to get the logits.

# %%
s.show("L", hand=True)

# %% [markdown]
# **5.** In each row, subtract the row's largest logit and raise 3 to the result.
# (The softmax does not change, and every power is at most 1.)

# %%
s.show(["max", "E"], hand=True)

# %% [markdown]
# **6.** Add up each row, and divide the row by its sum: each row is now a probability
# distribution over the candidates.

# %%
s.show(["Z", "prob"], hand=True)

# %%
plots.heatmap(s, "prob", title="prob: each anchor's softmax over the candidates",
              limits=(0, 1))

# %% [markdown]
# **7.** Each anchor's loss is -log_3 of the probability on its own positive (the
# diagonal); the batch loss is their mean.

# %%
s.show(["loss_i", "loss"], hand=True)

# %% [markdown]
# ## Backward
#
# **8.** The gradient of the loss with respect to the logits: probabilities minus the
# identity, divided by the batch size. Then divide by the temperature.

# %%
g = infonce.backward(s)
g.show(["dL", "dS"], hand=True)

# %% [markdown]
# **9.** Back through S = A_hat^T P_hat: multiply P_hat by dS transposed, and A_hat by dS.

# %%
g.show(["dA_hat", "dP_hat"], hand=True)

# %% [markdown]
# **10.** Back through the normalisation: remove the part of the gradient along the
# unit vector, then divide by the length.

# %%
g.show(["A_hat.dA_hat", "dA", "P_hat.dP_hat", "dP"], hand=True)
