"""The generators hold every criterion of ``variants.problems`` far beyond the kept seeds.

Seeds 0-31 are replayed from ``worksheets/variants.toml`` and checked in
``test_variants.py``; here 200 seeds past them, each built from scratch, must pass every
criterion (no copy box, every power and log on a table, no number too long, no gradient too
small for 2 decimals, the own-positive floor, the worksheet's own lesson ...), the
worksheet's minutes limit and no hard operation. Decode and Embed: test_backbone_variants.py.
"""

from __future__ import annotations

import pytest

from aibyhand.classroom import catalog, stats, variants

MANY = range(variants.DISTINCT, variants.DISTINCT + 200)




def _criteria(name, data):
    got = variants.problems(name, data)
    st = stats.measure(catalog.get(name), data)
    if st.minutes() > 40 or st.hard or st.pages > 4 or st.cells > 160:
        got.append(f"{st.pages} pages, {st.cells} boxes, about {st.minutes()} minutes, hard: {st.hard[:2]}")
    return got


@pytest.mark.parametrize("name", ["infonce", "mrl", "head", "finetune"])
def test_200_fresh_seeds_meet_every_criterion(name):
    bad = {}
    for seed in MANY:
        got = _criteria(name, variants.make(name, seed))
        if got:
            bad[seed] = got
    assert not bad, bad
