"""The backbone, Decode and Embed: independent routes and finite differences."""

import math

import numpy as np
import pytest
from hypothesis import assume, given
from hypothesis import strategies as st

import gradcheck
import naive
from aibyhand import backbone, decode, embed, vocab
from aibyhand.classroom import catalog
from models import HAND_MODEL, random_model, random_sentences

RTOL = 1e-6


@st.composite
def cases(draw):
    n_max = draw(st.integers(1, 5))
    return dict(seed=draw(st.integers(0, 2**32 - 1)), d=draw(st.integers(2, 5)),
                d_k=draw(st.integers(1, 4)), d_ff=draw(st.integers(1, 6)), n_max=n_max,
                d_out=draw(st.integers(2, 6)), B=draw(st.integers(1, 3)),
                mask=draw(st.sampled_from(backbone.MASKS)),
                pooling=draw(st.sampled_from(embed.POOLINGS)),
                base=draw(st.sampled_from([math.e, 3.0])))


def ids_of(sentence):
    return [vocab.VOCAB.index(w) for w in sentence.split()]


@given(cases())
def test_every_parameter_gradient_matches_finite_differences(case):
    p = random_model(case["seed"], d=case["d"], d_k=case["d_k"], d_ff=case["d_ff"],
                     n_max=case["n_max"], d_out=case["d_out"])
    sentences = random_sentences(case["seed"], case["B"], case["n_max"])
    kw = dict(pooling=case["pooling"], mask=case["mask"], base=case["base"])
    s = embed.forward(p, sentences, **kw)
    lengths = np.array(s.meta["_lengths"])
    real = np.arange(s["F"].shape[2])[None, :] < lengths[:, None]
    # finite differences are meaningless across the ReLU's kink
    assume(np.abs(s["F"]).transpose(0, 2, 1)[real].min() > 1e-4)
    C = np.random.default_rng(case["seed"] + 2).normal(size=s["E"].shape)
    g = embed.backward(p, s, C)
    rng = np.random.default_rng(case["seed"])
    for name in [*backbone.PARAMS, "W_up", "W_down"]:
        def loss(W, name=name):
            return float(np.sum(C * embed.forward({**p, name: W}, sentences, **kw)["E"]))
        gradcheck.check(loss, p[name], g[f"d{name}"], rng, rtol=RTOL, h=1e-6, coordinates=30)


@given(cases())
def test_decode_equals_the_naive_loop(case):
    p = random_model(case["seed"], d=case["d"], d_k=case["d_k"], d_ff=case["d_ff"], n_max=case["n_max"])
    sentences = random_sentences(case["seed"], case["B"], case["n_max"])
    s = decode.forward(p, sentences, base=case["base"], temperature=0.7)
    for b, sentence in enumerate(sentences):
        probs = naive.next_word_probs(p, ids_of(sentence), case["base"], temperature=0.7)
        np.testing.assert_allclose(s["prob"][:, b], probs, rtol=1e-10, atol=1e-13)
        assert decode.next_words(s)[b] == vocab.VOCAB[int(np.argmax(probs))]


@given(cases())
def test_embed_equals_the_naive_loop(case):
    p = random_model(case["seed"], d=case["d"], d_k=case["d_k"], d_ff=case["d_ff"],
                     n_max=case["n_max"], d_out=case["d_out"])
    sentences = random_sentences(case["seed"], case["B"], case["n_max"])
    s = embed.forward(p, sentences, pooling=case["pooling"], mask=case["mask"], base=case["base"])
    for b, sentence in enumerate(sentences):
        e = naive.embedding(p, ids_of(sentence), case["base"], case["pooling"], case["mask"] == "causal")
        np.testing.assert_allclose(s["E"][:, b], e, rtol=1e-10, atol=1e-13)


def test_padding_does_not_change_a_sentence():
    """A sentence batched with a longer one embeds exactly as on its own."""
    p = random_model(3)
    alone = embed.forward(p, "cat sat")["E"]
    batched = embed.forward(p, ["cat sat", "the dog ran on"])["E"][:, :1]
    np.testing.assert_allclose(alone, batched, rtol=1e-13, atol=1e-15)


def test_decode_and_embed_share_the_backbone_but_for_the_mask():
    """Worksheets 1 and 2: same weights, same steps up to the scores; then the mask differs.
    The Embed sentence is the Decode prompt and the word greedy decoding adds to it."""
    dec = catalog.get("decode").load()
    emb = catalog.get("embed").load()
    for k in backbone.PARAMS:
        np.testing.assert_array_equal(dec["model"][k], emb["model"][k])
    first = decode.forward(dec["model"], dec["sentence"], base=3)
    assert emb["sentence"] == f"{dec['sentence']} {decode.next_words(first)[0]}"
    d = decode.forward(emb["model"], emb["sentence"], base=3)
    e = embed.forward(emb["model"], emb["sentence"], base=3)
    for name in ["X", "Q", "K", "V", "scores"]:
        np.testing.assert_array_equal(d[name], e[name])
    assert d["mask"].shape == e["mask"].shape == d["scores"].shape
    # causal: a key (row) after the query (column) is hidden; bidirectional: nothing is
    np.testing.assert_array_equal(d["mask"][0], [[0, 0, 0], [-np.inf, 0, 0], [-np.inf, -np.inf, 0]])
    assert not np.isinf(e["mask"]).any()


def test_greedy_generation_appends_each_word_and_stops_at_the_last_position():
    steps = decode.generate(HAND_MODEL, "the cat", 5, base=3)
    # inputs of 2, 3, 4 words; a 4-word input fills the model's 4 positions: no fifth
    assert [len(s.meta["_words"][0]) for s in steps] == [2, 3, 4]
    assert steps[1].meta["_words"][0] == ("the", "cat", decode.next_words(steps[0])[0])


def test_greedy_takes_the_first_word_on_a_tie():
    """Make "cat" and "mat" tie for the largest logit (equal columns of Etok): the first in
    vocabulary order wins, as np.argmax and the docstring say."""
    p = {k: v.copy() for k, v in HAND_MODEL.items()}
    p["Etok"][:, vocab.VOCAB.index("mat")] = p["Etok"][:, vocab.VOCAB.index("cat")]
    p["Etok"][:, vocab.VOCAB.index("sat")] = p["Etok"][:, vocab.VOCAB.index("cat")]
    s = decode.forward(p, "the cat", base=3)
    prob = s["prob"][:, 0]
    best = [vocab.VOCAB[k] for k in np.flatnonzero(np.isclose(prob, prob.max()))]
    assert len(best) >= 2 and decode.next_words(s)[0] == best[0]


def test_decode_cells_by_hand():
    """The first Decode worksheet's model (tests/models.py HAND_MODEL), prompt "the cat",
    worked by hand to the next word.

    X = Etok[:, ids] + Pos: the = (2,1,1,1) + (0,0,-1,0) = (2,1,0,1);
    cat = (2,0,0,0) + (-1,0,1,1) = (1,0,1,1).
    Q = Wq X (rows (0,0,0,1), (0,1,0,0), 0, (0,0,-1,0)): the -> (1,1,0,0), cat -> (1,0,0,-1).
    K = Wk X (rows (-1,0,0,0) three times, then (1,1,1,-1)): the -> (-2,-2,-2,2),
    cat -> (-1,-1,-1,1).
    scores = K^T Q / 2, keys down: [[-4/2, -4/2], [-2/2, -2/2]] = [[-2, -2], [-1, -1]].
    Causal: "the" sees only itself, attn = 1. "cat" sees both keys, scores (-2, -1): minus
    the max, 3^-1 and 3^0, so (1/3, 1) / (4/3) = (1/4, 3/4).
    V = Wv X (rows (0,0,1,-1), (0,-1,0,0), (1,-1,-1,0), (-1,-1,-1,1)):
    the (2,1,0,1) -> (0 - 1, -1, 2 - 1, -2 - 1 + 1) = (-1, -1, 1, -2);
    cat (1,0,1,1) -> (1 - 1, 0, 1 - 1, -1 - 1 + 1) = (0, 0, 0, -1).
    Z for "cat" = 1/4 (-1,-1,1,-2) + 3/4 (0,0,0,-1) = (-1/4, -1/4, 1/4, -5/4);
    H1 = X + Z = (3/4, -1/4, 5/4, -1/4).
    F = W1 H1, row by row: (0,0,0,1) -> -1/4; (0,0,1,1) -> 5/4 - 1/4 = 1;
    (-1,-1,0,1) -> -3/4 + 1/4 - 1/4 = -3/4; (-1,1,0,1) -> -3/4 - 1/4 - 1/4 = -5/4;
    (1,1,0,0) -> 3/4 - 1/4 = 1/2; (0,0,0,0) -> 0; (-1,1,0,-1) -> -3/4 - 1/4 + 1/4 = -3/4;
    (0,-1,1,0) -> 1/4 + 5/4 = 3/2.
    R = relu(F) = (0, 1, 0, 0, 1/2, 0, 0, 3/2).
    G = W2 R: row 1 (0,0,1,0,-1,0,0,0) -> -1/2; row 2 (0,0,0,1,0,1,-1,0) -> 0;
    row 3 (0,-1,0,1,0,0,1,0) -> -1; row 4 (-1,-1,1,0,-1,-1,0,1) -> -1 - 1/2 + 3/2 = 0.
    h = H1 + G = (1/4, -1/4, 1/4, -1/4).
    logits = Etok^T h: the (2,1,1,1) -> 1/2 - 1/4 + 1/4 - 1/4 = 1/4; cat (2,0,0,0) -> 1/2;
    sat (2,0,1,-1) -> 1/2 + 1/4 + 1/4 = 1; on (-1,0,2,-1) -> -1/4 + 1/2 + 1/4 = 1/2;
    mat (1,0,2,1) -> 1/4 + 1/2 - 1/4 = 1/2; the others are lower. The largest is "sat".
    """
    s = decode.forward(HAND_MODEL, "the cat", base=3)
    np.testing.assert_array_equal(s["X"][0], [[2, 1], [1, 0], [0, 1], [1, 1]])
    np.testing.assert_array_equal(s["scores"][0], [[-2, -2], [-1, -1]])
    np.testing.assert_allclose(s["attn"][0], [[1, 1 / 4], [0, 3 / 4]], rtol=1e-15)
    np.testing.assert_allclose(s["H1"][0][:, 1], [3 / 4, -1 / 4, 5 / 4, -1 / 4], rtol=1e-15)
    np.testing.assert_allclose(s["F"][0][:, 1], [-1 / 4, 1, -3 / 4, -5 / 4, 1 / 2, 0, -3 / 4, 3 / 2],
                               atol=1e-15)
    np.testing.assert_allclose(s["h"][:, 0], [1 / 4, -1 / 4, 1 / 4, -1 / 4], atol=1e-15)
    logits = dict(zip(vocab.VOCAB, s["logits"][:, 0]))
    assert logits["sat"] == pytest.approx(1) and logits["on"] == pytest.approx(1 / 2)
    assert decode.next_words(s) == ("sat",)


def test_embed_cells_by_hand():
    """HAND_MODEL on "the cat sat", bidirectional attention by hand.

    X_sat = Etok[:, sat] + Pos[:, 2] = (2,0,1,-1); Q_sat = (-1,0,0,-1); K_sat = (-2,-2,-2,4).
    With Q, K of "the" and "cat" as in test_decode_cells_by_hand, scores = K^T Q / 2 =
    [[-2, -2, 0], [-1, -1, 0], [-2, -3, -1]] (keys down, queries across).
    Column "the": (-2,-1,-2) -> 3^(x+1) = (1/3, 1, 1/3), sum 5/3: attn = (1/5, 3/5, 1/5).
    Column "cat": (-2,-1,-3) -> (1/3, 1, 1/9), sum 13/9: attn = (3/13, 9/13, 1/13).
    Column "sat": (0,0,-1) -> (1, 1, 1/3), sum 7/3: attn = (3/7, 3/7, 1/7).
    """
    p = {**HAND_MODEL, "W_up": np.eye(16, 4), "W_down": np.eye(8, 16)}
    s = embed.forward(p, "the cat sat", base=3)
    np.testing.assert_array_equal(s["X"][0][:, 2], [2, 0, 1, -1])
    np.testing.assert_array_equal(s["scores"][0], [[-2, -2, 0], [-1, -1, 0], [-2, -3, -1]])
    np.testing.assert_allclose(s["attn"][0], [[1 / 5, 3 / 13, 3 / 7], [3 / 5, 9 / 13, 3 / 7],
                                              [1 / 5, 1 / 13, 1 / 7]], rtol=1e-14)
    np.testing.assert_allclose(np.linalg.norm(s["E"], axis=0), 1.0, rtol=1e-15)


def test_inputs_are_never_modified():
    p = random_model(5)
    copies = {k: v.copy() for k, v in p.items()}
    s = embed.forward(p, ["the cat", "dog ran on mat"])
    embed.backward(p, s, np.ones(s["E"].shape))
    decode.generate(p, "the", 3)
    for k in p:
        np.testing.assert_array_equal(p[k], copies[k])
