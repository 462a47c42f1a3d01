"""Decode and Embed beyond the kept seeds hold every criterion, as the other sheets do in
``test_variants_many.py``: the same 200 seeds, one backbone search per seed serving both
sheets (about a second of CPU a seed). A file of its own, early in the order, so that a
parallel run starts it first.
"""

from __future__ import annotations

import pytest

from aibyhand.classroom import variants
from test_variants_many import MANY, _criteria

BLOCKS = 4


@pytest.mark.parametrize("block", range(BLOCKS))
def test_fresh_decode_and_embed_seeds_meet_every_criterion(block):
    """Decode and Embed past the kept seeds (one backbone search per seed serves both):
    every criterion, Embed on Decode's backbone, prompt and next word, and Embed's model
    one the fine-tune notebook can train (notebook_pairs, with its full number of runs).
    In :data:`BLOCKS` blocks of seeds."""
    bad = {}
    for seed in MANY[block::BLOCKS]:
        dec, emb = variants.make("decode", seed), variants.make("embed", seed)
        got = _criteria("decode", dec) + _criteria("embed", emb)
        if not emb["sentence"].startswith(dec["sentence"] + " ") or any(
                (dec["model"][k] != emb["model"][k]).any() for k in dec["model"]):
            got.append("embed is not on decode's backbone and prompt")
        if variants.notebook_pairs(emb["model"]) is None:   # a pure function of the model
            got.append("the fine-tune notebook cannot train embed's model")
        if got:
            bad[seed] = got
    assert not bad, bad
