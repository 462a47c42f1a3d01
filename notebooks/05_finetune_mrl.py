# %% [markdown]
# # Worksheet 5: fine-tune an embedding model by MRL
#
# Everything together. Pairs of texts (an anchor and its positive) go through Embed; the
# Matryoshka loss at widths 8, 4, 2 scores them; the gradient goes back by hand through
# the normalisation, both Dense layers, the pooling and the backbone; one SGD step
# (W <- W - lr dW) updates the weights, and the loss at every width goes down.
#
# Part 1 is the sheet: the projection head alone, on two pairs of pooled vectors.

# %%
from aibyhand import catalog, finetune, plots

data = catalog.get("finetune").load()  # worksheets/05_finetune_mrl.toml
s = finetune.head_step(data["Xa"], data["Xp"], data["W_up"], data["W_down"], dims=tuple(data["dims"]),
                       temperature=data["temperature"], lr=data["lr"], base=data["base"], after=True)
s.show(["Xa", "Xp", "X"], hand=True, header=True)

# %% [markdown]
# **1.** Forward through the head: U = W_up X, Y = W_down U. The first two columns of Y
# are the anchors A, the last two their positives P.

# %%
s.show(["W_up", "U", "W_down", "Y"], hand=True)

# %% [markdown]
# **2.** The MRL loss, as on worksheet 4: at each width, normalise, cosine, softmax per
# anchor, -log of the own positive's probability.

# %%
s.show(["m=8 / |A|", "m=8 / |P|", "m=8 / S", "m=8 / prob", "m=8 / loss"], hand=True)

# %%
s.show(["m=4 / |A|", "m=4 / |P|", "m=4 / S", "m=4 / prob", "m=4 / loss"], hand=True)

# %%
s.show(["m=2 / A_hat", "m=2 / P_hat", "m=2 / S", "m=2 / E", "m=2 / Z", "m=2 / prob", "m=2 / loss"], hand=True)

# %%
s.show(["losses", "loss"], hand=True)

# %% [markdown]
# **3.** Backward, one width at a time (worksheet 3's backward), each landing in that
# width's first rows; then add the widths up.

# %%
s.show(["m=2 / dL", "m=2 / dS", "m=2 / dA", "m=2 / dP"], hand=True)

# %%
s.show(["dA", "dP", "dY"], hand=True)

# %% [markdown]
# **4.** Back through the two Dense layers: dW_down = dY U^T, dU = W_down^T dY,
# dW_up = dU X^T.

# %%
s.show(["dW_down", "dU", "dW_up"], hand=True)

# %% [markdown]
# **5.** The update, and the loss at every width with the new weights.

# %%
s.show(["W_up_new", "W_down_new", "losses", "losses after"], hand=True)

# %% [markdown]
# ## Part 2: the whole model on text
#
# The same step for every weight: the backbone of worksheets 1 and 2 under this head, on
# text pairs. The forward embeds all anchors and positives in one batch.

# %%
model = catalog.finetune_model(data)
anchors, positives = data["anchors"], data["positives"]
for a, p in zip(anchors, positives):
    print(f"{a!r:14} -> {p!r}")
t = finetune.step(model, anchors, positives, dims=tuple(data["dims"]), temperature=data["temperature"],
                  lr=data["lr"], base=data["base"])
t.show(["embed / x", "embed / E"], decimals=2)

# %% [markdown]
# **6.** The MRL loss on the embeddings, and its gradient dE = [dA | dP].

# %%
t.show(["mrl / losses", "mrl / loss", "embed backward / dE"], decimals=2)

# %% [markdown]
# **7.** Back through the normalisation, the head, the pooling (each token gets 1/n of
# its sentence's gradient), and the block, layer by layer.

# %%
t.show(["embed backward / dY", "embed backward / dW_down", "embed backward / dW_up",
        "embed backward / dx"], decimals=2)

# %%
t.show(["embed backward / dW2", "embed backward / dW1", "embed backward / dWv",
        "embed backward / dWq", "embed backward / dWk", "embed backward / dEtok",
        "embed backward / dPos"], decimals=3)

# %% [markdown]
# **8.** One SGD step of every weight lowers the loss at every width.

# %%
t.show(["losses before", "losses after"], decimals=4)

# %% [markdown]
# ## Part 3: a short training run
#
# The same step, repeated (with a smaller learning rate). Top-1 retrieval: does each anchor find its own positive among
# all positives, at width 8, 4 and 2?

# %%
trained, history = finetune.train(model, anchors, positives, n_steps=data["train_steps"],
                                  dims=tuple(data["dims"]), temperature=data["temperature"],
                                  lr=data["train_lr"], base=data["base"])
history.show(["top-1 before/after", "loss before/after"], decimals=2)

# %%
plots.training(history)

# %%
plots.unit_circle(history["E before"], history["E after"], labels=anchors)
