"""Fresh variants: same structure as the worksheet file, easy arithmetic, over many seeds.

Each property is checked on the numbers themselves (not through the generator's own
acceptance test), and on the committed worksheet file too.
"""

import math

import numpy as np
import pytest

from aibyhand import backbone, catalog, finetune, mrl, variants

SEEDS = range(40)


def whole(x):
    return np.allclose(x, np.round(x), atol=1e-9)


def prefix_lengths_whole(Y, widths=(2, 4, 8)):
    return all(whole(np.linalg.norm(Y[:m], axis=0)) and (np.linalg.norm(Y[:m], axis=0) > 0).all()
               for m in widths)


def cos(A, P):
    return (A / np.linalg.norm(A, axis=0)).T @ (P / np.linalg.norm(P, axis=0))


@pytest.mark.parametrize("name", list(catalog.WORKSHEETS))
def test_a_variant_has_the_worksheet_files_keys_and_shapes(name):
    ws = catalog.get(name)
    base, fresh = ws.load(), ws.load(seed=3)
    flat = lambda d, p="": {k2: v2 for k, v in d.items() for k2, v2 in  # noqa: E731
                            (flat(v, f"{p}{k}.").items() if isinstance(v, dict) else [(p + k, v)])}
    a, b = flat(base), flat(fresh)
    assert a.keys() == b.keys()
    for k in a:
        assert np.shape(a[k]) == np.shape(b[k]) or isinstance(a[k], str) or k in ("anchors", "positives"), k
    assert ws.load(seed=3).keys() == fresh.keys()
    ws.run(fresh)  # and it runs


@pytest.mark.parametrize("seed", SEEDS)
def test_infonce_variant_is_easy(seed):
    d = variants.infonce(seed)
    A, P = d["A"], d["P"]
    assert set(np.unique(np.concatenate([A, P]))) <= {-1.0, 1.0}          # every length 2
    logits = cos(A, P) / d["temperature"]
    assert whole(logits) and np.abs(logits).max() <= 2                    # 3^x with x in -2..2
    assert (logits.argmax(axis=1) == np.arange(3)).all()
    assert (np.sort(logits, axis=1)[:, -2] < logits.max(axis=1)).all()   # own positive strictly best


@pytest.mark.parametrize("seed", SEEDS)
def test_mrl_variant_is_easy(seed):
    d = variants.mrl(seed)
    for X in (d["A"], d["P"]):
        assert whole(X) and prefix_lengths_whole(X)
    assert (cos(d["A"], d["P"]).argmax(axis=1) == np.arange(3)).all()     # width 8: all own
    assert not (cos(d["A"][:2], d["P"][:2]).argmax(axis=1) == np.arange(3)).all()  # width 2: not
    assert tuple(d["dims"]) == (8, 4, 2)


def easy_attention(p, sentence):
    for mask in backbone.MASKS:
        s = backbone.forward(p, sentence, mask=mask, base=3)
        scores = s["scores"][0]
        assert whole(scores)
        visible = np.isfinite(s["masked"][0])
        spread = np.where(visible, s["masked"][0] - s["col max"][0], 0)
        assert spread.min() >= -2                                          # 1, 1/3, 1/9
        assert np.abs(s["H"]).max() <= 12


@pytest.mark.parametrize("seed", SEEDS[:15])
def test_decode_and_embed_variants_are_easy_and_share_the_backbone(seed):
    dec, emb = variants.decode(seed), variants.embed(seed)
    for k in backbone.PARAMS:
        np.testing.assert_array_equal(dec["model"][k], emb["model"][k])
        assert whole(dec["model"][k]) and np.abs(dec["model"][k]).max() <= 2
    easy_attention(dec["model"], dec["sentence"])
    easy_attention(emb["model"], emb["sentence"])
    assert whole(emb["model"]["W_up"]) and whole(emb["model"]["W_down"])


@pytest.mark.parametrize("seed", SEEDS)
def test_head_variant_is_easy(seed):
    d = variants.head(seed)
    Y = d["W_down"] @ d["W_up"] @ d["X"]
    assert all(whole(d[k]) for k in ("X", "W_up", "W_down", "T"))
    assert prefix_lengths_whole(Y)
    for m in (8, 4, 2):
        assert abs(cos(Y[:m, :1], Y[:m, 1:])[0, 0]) < 1 - 1e-9           # never parallel


@pytest.mark.parametrize("seed", SEEDS[:6])
def test_finetune_variant_is_easy_and_learns(seed):
    d = variants.finetune(seed)
    Y = d["W_down"] @ d["W_up"] @ np.concatenate([d["Xa"], d["Xp"]], axis=1)
    assert all(whole(d[k]) and np.abs(d[k]).max() <= 3 for k in ("Xa", "Xp", "W_up", "W_down"))
    assert prefix_lengths_whole(Y)
    s = finetune.head_step(d["Xa"], d["Xp"], d["W_up"], d["W_down"], lr=d["lr"], base=3, after=True)
    assert (s["losses after"] < s["losses"]).all()


def test_the_worksheet_files_are_easy_too():
    mrl_file = catalog.get("mrl").load()
    assert prefix_lengths_whole(mrl_file["A"]) and prefix_lengths_whole(mrl_file["P"])
    head_file = catalog.get("head").load()
    assert prefix_lengths_whole(head_file["W_down"] @ head_file["W_up"] @ head_file["X"])
    dec = catalog.get("decode").load()
    easy_attention(dec["model"], dec["sentence"])
    easy_attention(dec["model"], catalog.get("embed").load()["sentence"])
    ft = catalog.get("finetune").load()
    assert prefix_lengths_whole(ft["W_down"] @ ft["W_up"] @ np.concatenate([ft["Xa"], ft["Xp"]], axis=1))


def test_seeds_are_repeatable_and_differ():
    for name in catalog.WORKSHEETS:
        ws = catalog.get(name)
        a, b, c = ws.load(seed=1), ws.load(seed=1), ws.load(seed=2)
        assert repr(a) == repr(b) and repr(a) != repr(c), name
    assert math.isfinite(float(mrl.forward(variants.mrl(0)["A"], variants.mrl(0)["P"])["loss"]))
