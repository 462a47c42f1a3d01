# %% [markdown]
# # MRL at EmbeddingGemma's size
#
# The worksheets run MRL at widths 8, 4, 2. Here the very same function,
# `finetune.head_step`, trains EmbeddingGemma's projection head (768 -> 3072 -> 768,
# batch 128, temperature 0.05) on synthetic retrieval pairs whose meaning is spread
# over 256 directions of the 768-d pooled vectors, buried under stronger nuisance.
#
# One head is first trained briefly with InfoNCE (the "pretrained model"). From that
# same start it is fine-tuned two ways: InfoNCE at 768 only, and MRL at
# 768/512/256/128/64/32. Then both are cut short to every width and asked to find each
# held-out anchor's positive among 1024.

# %%
from aibyhand import plots, scale

s = scale.experiment()  # deterministic: seeds fixed inside
print(s.title, " ".join(f"{k}={v}" for k, v in s.meta.items()))

# %% [markdown]
# **Top-1 retrieval (%) at every width.** Fine-tuned at 768 only, the model is good at
# full width and falls off as it is truncated; fine-tuned with MRL it keeps its accuracy
# down to 32 coordinates and loses nothing at 768.

# %%
s.show(["top-1 (%)"], decimals=1)

# %%
plots.accuracy_by_width(s)

# %% [markdown]
# **Where MRL puts the meaning.** The MRL gradient at width m reaches only the first m
# coordinates, so the first 32 collect the gradient of all six widths: they learn the most
# important directions first. At 768 the MRL loss is the sum of six InfoNCE losses, one
# per width; below it is divided by 6 to compare with InfoNCE at 768.

# %%
s.show("losses", decimals=3)
