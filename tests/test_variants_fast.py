"""The shortcuts that make variants fast decide as the slow checks they stand for.

Seeds 0-31 replay recorded random states through the generators, so a shortcut on their
path must leave every number the same: a screen that skips a forward may only reject what
the forward's own check rejects (and draws no random numbers), and a faster way to draw
must draw the same numbers. Seeds beyond the index draw many candidates at once; there a
screen may only leave out what the full checks (which still run) would reject. Each test
below holds a shortcut to the check it replaces over a few thousand fixed random draws, and
asserts that the shortcut rejects something (so a screen that lets everything through, or
a check that never passes, cannot make the test pass by itself).
"""

from __future__ import annotations

import numpy as np
import pytest

from aibyhand import backbone, decode, embed
from aibyhand.classroom import variants
from aibyhand.vocab import VOCAB

DRAWS = 2500


def _draws(seed: int, k: int = DRAWS):
    """``k`` (phrase words, weights) as _backbone draws them."""
    rng = np.random.default_rng(seed)
    for _ in range(k):
        phrase = variants.PHRASES[rng.integers(len(variants.PHRASES))].split()
        yield phrase, variants._draw_backbone(rng)


def _third_put(p, phrase, rng):
    """``p`` with the third word's column one of the small columns (as _backbone tries)."""
    q = {**p, "Etok": p["Etok"].copy()}
    q["Etok"][:, VOCAB.index(phrase[2])] = variants.COLUMNS[rng.integers(len(variants.COLUMNS))]
    return q


def test_may_be_easy_rejects_only_what_easy_attention_rejects():
    """On the prompt (causal), the three-word sentence (causal) and the sentence
    (bidirectional): never False where easy_attention of the full forward is True; and
    it rejects draws, and some draws pass the full check (the claim is not empty)."""
    rng = np.random.default_rng(7)
    seen = {"rejected": 0, "easy": 0}
    for phrase, p in _draws(1):
        ids = [VOCAB.index(w) for w in phrase[:3]]
        q = _third_put(p, phrase, rng)
        for params, words, mask in ((p, phrase[:2], "causal"), (q, phrase[:3], "causal"),
                                    (q, phrase[:3], "bidirectional")):
            quick = variants.may_be_easy(params, ids[:len(words)], mask)
            full = variants.easy_attention(backbone.forward(params, " ".join(words), mask=mask, base=3))
            assert quick or not full, (phrase, mask, params)
            seen["rejected"] += not quick
            seen["easy"] += full
    assert seen["rejected"] > DRAWS and seen["easy"] > 50, seen


def test_the_margin_screen_rejects_only_columns_the_exact_margins_reject():
    rng = np.random.default_rng(5)
    rejected = passed = 0
    for phrase, p in _draws(2, 600):
        w3, w4 = VOCAB.index(phrase[2]), VOCAB.index(phrase[3])
        q = _third_put(p, phrase, rng)
        h1 = decode.forward(q, " ".join(phrase[:2]), base=3)["h"][:, 0]
        h2 = decode.forward(q, " ".join(phrase[:3]), base=3)["h"][:, 0]
        C4 = variants.COLUMNS[rng.permutation(len(variants.COLUMNS))[:64]]
        screen = variants._margins_may_pass(q["Etok"], h1, h2, w3, w4, C4)
        for c4, ok in zip(C4, screen):
            E = q["Etok"].copy()
            E[:, w4] = c4
            exact = variants._greedy_margin(E.T @ h1, w3) >= 0.05 and variants._greedy_margin(E.T @ h2, w4) >= 0.02
            assert ok or not exact, (phrase, c4)
            rejected += not ok
            passed += exact
    assert rejected and passed, (rejected, passed)


@pytest.mark.parametrize("values", [[-1.0, 1.0], [-1.0, 1.0, 2.0], [-3.0, -2.0, -1.0, 1.0, 2.0, 3.0]])
def test_choice_draws_what_rng_choice_draws(values):
    """The same numbers and the same random state after, for every shape a generator asks."""
    a, b = np.random.default_rng(11), np.random.default_rng(11)
    for size in [(4, 8), (16, 4), (8,), 0, 1, 3, (4, 4)] * 50:
        np.testing.assert_array_equal(variants._choice(a, values, size), b.choice(values, size=size))
        assert a.bit_generator.state == b.bit_generator.state


def _unique_rows(M):
    return len(np.unique(M, axis=0))


def test_rows_apart_and_rows_distinct_agree_with_np_unique():
    """As the np.unique versions they replace: rows equal by value (a -0.0 equals 0.0)."""
    rng = np.random.default_rng(13)
    verdicts = set()
    for _ in range(3000):
        shape = [(4, 4), (8, 4), (4, 8), (16, 4)][rng.integers(4)]
        M = variants._sparse(rng, shape, [-1.0, 1.0], 0.6, rows=True)
        M[rng.random(shape) < 0.1] = -0.0                 # signed zeros, as a negated row holds
        first = M[np.arange(len(M)), np.argmax(M != 0, axis=1)]
        signed = M * np.where(first < 0, -1.0, 1.0)[:, None]
        assert variants.rows_apart(M) == (_unique_rows(signed) == len(M))
        assert variants._rows_distinct(M) == (_unique_rows(M) == len(M))
        verdicts.add((variants.rows_apart(M), variants._rows_distinct(M)))
    assert {(True, True), (False, True), (False, False)} <= verdicts


def test_each_ternary_rows_negative_is_where_the_head_looks_for_it():
    variants._embed_head(np.random.default_rng(0), np.array([[1.0], [2.0], [0.5], [-1.0]]))
    T = variants.TERNARY_16
    assert len(variants._TERNARY_NEG) == len(T)
    for k, j in enumerate(variants._TERNARY_NEG):
        np.testing.assert_array_equal(T[j], -T[k])


# -- seeds beyond the index ---------------------------------------------------------------

def test_backbones_drawn_at_once_are_drawn_as_one_is():
    """Every backbone of _draw_backbones has what _draw_backbone guarantees: entries from
    its value sets, Wq even, no row of Wq, Wk, Wv, W1, W2 all 0, no two rows of Wv, W1, W2
    equal or opposite."""
    phrase, P = variants._draw_backbones(np.random.default_rng(17), 512)
    assert len(phrase) == len(P["Etok"]) > 50
    assert set(np.unique(P["Etok"])) <= {-1.0, 0.0, 1.0, 2.0} and set(np.unique(P["Wq"])) <= {-2.0, 0.0, 2.0}
    for name in ("Pos", "Wk", "Wv", "W1", "W2"):
        assert set(np.unique(P[name])) <= {-1.0, 0.0, 1.0}, name
    for i in range(len(phrase)):
        for name in ("Wq", "Wk", "Wv", "W1", "W2"):
            assert P[name][i].any(axis=1).all(), (name, i)
        for name in ("Wv", "W1", "W2"):
            assert variants.rows_apart(P[name][i]), (name, i)


def test_the_prompt_screen_of_many_backbones_is_may_be_easy_of_each():
    phrase, P = variants._draw_backbones(np.random.default_rng(19), 1024)
    screen = variants._prompts_may_be_easy(phrase, P)
    one = [variants.may_be_easy({n: w[i] for n, w in P.items()},
                                [VOCAB.index(w) for w in variants.PHRASES[phrase[i]].split()[:2]], "causal")
           for i in range(len(phrase))]
    np.testing.assert_array_equal(screen, one)
    assert 0 < screen.sum() < len(screen)


def test_the_third_word_screen_rejects_only_what_the_backbone_checks_reject():
    """_thirds_may_work is False only where the three-word sentence's attention is not
    easy (causal or bidirectional), its last hidden state is off a grid of 1/15 or its
    pooled state off one of 1/60: what _backbone_on asks of the third word."""
    rng = np.random.default_rng(23)
    rejected = passed = 0
    phrase, P = variants._draw_backbones(rng, 2048)
    for i in np.flatnonzero(variants._prompts_may_be_easy(phrase, P))[:60]:
        words = variants.PHRASES[phrase[i]].split()
        p = {n: w[i].copy() for n, w in P.items()}
        ids = [VOCAB.index(w) for w in words[:3]]
        C3 = variants.COLUMNS[rng.permutation(len(variants.COLUMNS))[:40]]
        for c3, ok in zip(C3, variants._thirds_may_work(p, ids, C3)):
            q = {**p, "Etok": p["Etok"].copy()}
            q["Etok"][:, ids[2]] = c3
            sentence = " ".join(words[:3])
            causal = decode.forward(q, sentence, base=3)
            bi = backbone.forward(q, sentence, mask="bidirectional", base=3)
            full = (variants.easy_attention(causal) and variants.easy_attention(bi)
                    and variants._denominator(causal["h"][:, 0], 15) is not None
                    and variants._denominator(embed.pool(bi["H"], np.array([3]), "mean"), 60) is not None)
            assert ok or not full, (words, c3)
            rejected += not ok
            passed += full
    assert rejected and passed, (rejected, passed)


def test_a_head_drawn_beyond_the_index_is_whole_and_of_whole_length():
    """_embed_head(beyond=True) keeps its promise: W_up's rows distinct, W_down rows of
    -1, 0, 1 with no two equal or opposite, and Y = W_down W_up x whole, within +-4, of
    whole length, with at least 3 sizes."""
    x = variants._embed_input(variants.make("decode", 0))[1]
    rng, made = np.random.default_rng(29), 0
    for _ in range(40):
        got = variants._embed_head(rng, x, beyond=True)
        if got is None:
            continue
        made += 1
        W_up, W_down = got
        assert variants._rows_distinct(W_up) and variants.rows_apart(W_down)
        assert set(np.unique(W_down)) <= {-1.0, 0.0, 1.0}
        Y = (W_down @ W_up @ x)[:, 0]
        np.testing.assert_allclose(Y, np.round(Y), atol=1e-9)
        Y = np.round(Y)
        assert np.abs(Y).max() <= 4 and len(set(np.abs(Y))) >= 3
        n = float(Y @ Y)
        assert round(n ** 0.5) ** 2 == n
    assert made > 10, made


def test_pairs_the_head_cannot_step_on_are_passed_over_not_raised(monkeypatch):
    """notebook_pairs tries text pairs in a fixed order; pairs on which the whole model
    cannot take a step (finetune refuses them: the head maps a text to 0 at a width) are
    not pairs to train on: the next pairs are tried, and a model with none is None, never
    an error from inside a variant's search."""
    from aibyhand import finetune

    model = variants.make("embed", 0)["model"]
    real = finetune.step
    calls = []

    def refuse_first(*args, **kwargs):
        calls.append(1)
        if len(calls) == 1:
            raise ValueError("W_up, W_down: the head maps the park to a vector whose first 2 coordinates are 0")
        return real(*args, **kwargs)

    variants._PAIRS_OF.clear()
    expected = variants.notebook_pairs(model)
    variants._PAIRS_OF.clear()
    monkeypatch.setattr(finetune, "step", refuse_first)
    got = variants.notebook_pairs(model)
    assert got is not None and len(calls) >= 2
    monkeypatch.setattr(finetune, "step", lambda *a, **k: (_ for _ in ()).throw(ValueError("no")))
    variants._PAIRS_OF.clear()
    assert variants.notebook_pairs(model) is None
    variants._PAIRS_OF.clear()
    assert expected is not None
