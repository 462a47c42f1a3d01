"""The generators hold every criterion of ``variants.problems`` far beyond the kept seeds.

Seeds 0-31 are replayed from ``worksheets/variants.toml`` and checked in
``test_variants.py``; here 200 seeds past them, each built from scratch, must pass every
criterion (no copy box, every power and log on a table, no number too long, no gradient too
small for 2 decimals, the own-positive floor, the worksheet's own lesson ...), the
worksheet's minutes limit and no hard operation. Decode and Embed share one backbone
search per seed (about a second of CPU), held to the same 200 seeds.
"""

from __future__ import annotations

import pytest

from aibyhand.classroom import catalog, stats, variants

MANY = range(variants.DISTINCT, variants.DISTINCT + 200)


BACKBONE_SEEDS = MANY   # one backbone search serves both sheets: about a second a seed
BLOCKS = 4


def _criteria(name, data):
    got = variants.problems(name, data)
    st = stats.measure(catalog.get(name), data)
    if st.minutes() > 40 or st.hard or st.pages > 4 or st.cells > 160:
        got.append(f"{st.pages} pages, {st.cells} boxes, about {st.minutes()} minutes, hard: {st.hard[:2]}")
    return got


@pytest.mark.spread
@pytest.mark.parametrize("name", ["infonce", "mrl", "head", "finetune"])
def test_200_fresh_seeds_meet_every_criterion(name):
    bad = {}
    for seed in MANY:
        got = _criteria(name, variants.make(name, seed))
        if got:
            bad[seed] = got
    assert not bad, bad


@pytest.mark.spread
@pytest.mark.parametrize("block", range(BLOCKS))
def test_fresh_decode_and_embed_seeds_meet_every_criterion(block):
    """Decode and Embed past the kept seeds (one backbone search per seed serves both):
    every criterion, Embed on Decode's backbone, prompt and next word, and Embed's model
    one the fine-tune notebook can train (notebook_pairs, with its full number of runs).
    In :data:`BLOCKS` blocks of seeds, which parallel runs share out."""
    bad = {}
    for seed in BACKBONE_SEEDS[block::BLOCKS]:
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
