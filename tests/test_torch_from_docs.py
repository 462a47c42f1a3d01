"""An independent torch (float64, autograd) reference for Decode, Embed and finetune.step.

Built from the public docstrings alone (no function body of the package was read): the
backbone block, ``decode.forward`` / ``decode.generate``, ``embed.forward`` and the whole
``finetune.step`` (loss, every weight's gradient by torch autograd, the SGD update and
the loss after) are recomputed here and compared with the package, on random small
models and on the worksheets' own numbers. The package's manual backward is never used
as a reference: only its recorded outputs are compared with autograd.

Tolerance: ``|got - want| <= 1e-10 |want| + 1e-12`` element by element (infinities must
sit at the same places with the same sign; integer outputs must be equal).
"""

from __future__ import annotations

import math

import numpy as np
import pytest

torch = pytest.importorskip("torch")

from aibyhand import backbone, decode, embed, finetune, infonce, mrl  # noqa: E402
from aibyhand.classroom import catalog  # noqa: E402

DT = torch.float64
RTOL = 1e-10
ATOL = 1e-12
N_MODELS = 30  # random models per function (at least)

# From the docstrings: aibyhand.vocab.VOCAB and the parameter names.
VOCAB = ("the", "cat", "dog", "sat", "ran", "on", "mat", "park")
BACKBONE = ("Etok", "Pos", "Wq", "Wk", "Wv", "W1", "W2")
TRAINABLE = BACKBONE + ("W_up", "W_down")
BACKBONE_STEPS = ("X_tok", "X", "Q", "K", "V", "scores", "mask", "masked", "max", "pow",
                  "sum", "attn", "Z", "H1", "F", "R", "G", "H")

WORST = {"rel": 0.0, "where": ""}  # the largest relative error seen, over the whole file


# ----------------------------------------------------------------------------- compare

def _np(x):
    if isinstance(x, torch.Tensor):
        x = x.detach().cpu().numpy()
    return np.asarray(x)


def close(where, got, want):
    """Fail loudly unless ``got`` (the package) equals ``want`` (torch) to 1e-10 relative."""
    got, want = _np(got), _np(want)
    assert got.shape == want.shape, f"{where}: shape {got.shape} != torch {want.shape}"
    if np.issubdtype(want.dtype, np.integer) or np.issubdtype(got.dtype, np.integer):
        assert np.array_equal(got, want), f"{where}: {got} != torch {want}"
        return
    got, want = got.astype(float), want.astype(float)
    inf_g, inf_w = np.isinf(got), np.isinf(want)
    assert np.array_equal(inf_g, inf_w) and np.array_equal(got[inf_g], want[inf_w]), (
        f"{where}: infinities differ\npackage:\n{got}\ntorch:\n{want}")
    assert not np.isnan(got).any() and not np.isnan(want).any(), f"{where}: NaN"
    g, w = got[~inf_g], want[~inf_w]
    if g.size == 0:
        return
    rel = np.abs(g - w) / np.maximum(np.abs(w), ATOL / RTOL)
    k = int(np.argmax(rel))
    if rel[k] > WORST["rel"]:
        WORST.update(rel=float(rel[k]), where=where)
    assert rel[k] <= RTOL, (
        f"{where}: mismatch, relative error {rel[k]:.3e} > {RTOL:g} "
        f"(package {g[k]!r}, torch {w[k]!r})\npackage:\n{got}\ntorch:\n{want}")


# ----------------------------------------------------------- the reference, in torch

def T(a):
    return torch.as_tensor(np.asarray(a, dtype=float), dtype=DT)


def tokenize(sentences):
    if isinstance(sentences, str):
        sentences = [sentences]
    words = [s.split() for s in sentences]
    lengths = [len(w) for w in words]
    n = max(lengths)
    ids = torch.zeros((len(words), n), dtype=torch.long)  # padding holds id 0
    for b, ws in enumerate(words):
        ids[b, : len(ws)] = torch.tensor([VOCAB.index(w) for w in ws])
    return ids, torch.tensor(lengths)


def t_backbone(W, sentences, mask, base):
    """backbone.forward's math: arrays (B, rows, tokens); keys down, queries across."""
    ids, lengths = tokenize(sentences)
    B, n = ids.shape
    lnb = math.log(base)
    X_tok = W["Etok"][:, ids].permute(1, 0, 2)                  # (B, d, n)
    X = X_tok + W["Pos"][:, :n]                                 # the same Pos columns for all
    Q, K, V = W["Wq"] @ X, W["Wk"] @ X, W["Wv"] @ X
    scores = K.transpose(1, 2) @ Q / math.sqrt(W["Wq"].shape[0])
    key = torch.arange(n).view(1, n, 1)
    query = torch.arange(n).view(1, 1, n)
    hidden = key >= lengths.view(B, 1, 1)                       # padding keys: always -inf
    if mask == "causal":
        hidden = hidden | (key > query)
    else:
        assert mask == "bidirectional"
        hidden = hidden.expand(B, n, n)
    M = torch.zeros((B, n, n), dtype=DT).masked_fill(hidden, -math.inf)
    masked = scores + M
    attn = torch.softmax(masked * lnb, dim=1)                   # softmax_b per column
    mx = masked.detach().max(dim=1, keepdim=True).values
    pw = torch.exp((masked.detach() - mx) * lnb)
    Z = V @ attn
    H1 = X + Z
    F = W["W1"] @ H1
    R = torch.relu(F)                                           # slope 0 at exactly 0
    G = W["W2"] @ R
    H = H1 + G
    return dict(ids=ids, X_tok=X_tok, X=X, Q=Q, K=K, V=V, scores=scores, mask=M,
                masked=masked, max=mx, pow=pw, sum=pw.sum(dim=1, keepdim=True), attn=attn,
                Z=Z, H1=H1, F=F, R=R, G=G, H=H, lengths=lengths)


def last_token(H, lengths):
    return H[torch.arange(H.shape[0]), :, lengths - 1].T          # (d, B)


def first_argmax(col):
    col = _np(col)
    return int(np.flatnonzero(col == col.max())[0])


def t_decode(W, sentences, temperature=1.0, base=math.e):
    s = t_backbone(W, sentences, "causal", base)
    lnb = math.log(base)
    h = last_token(s["H"], s["lengths"])
    logits = W["Etok"].T @ h
    lmax = logits.max(dim=0, keepdim=True).values
    lpow = torch.exp((logits - lmax) / temperature * lnb)
    lsum = lpow.sum(dim=0, keepdim=True)
    prob = torch.softmax(logits / temperature * lnb, dim=0)
    nxt = torch.tensor([[first_argmax(prob[:, b]) for b in range(prob.shape[1])]])
    s.update(h=h, logits=logits, lmax=lmax, lpow=lpow, lsum=lsum, prob=prob, next=nxt)
    return s


def t_generate(W, sentence, n, temperature=1.0, base=math.e):
    words, out, n_max = sentence.split(), [], W["Pos"].shape[1]
    for _ in range(n):
        s = t_decode(W, " ".join(words), temperature, base)
        w = VOCAB[int(s["next"][0, 0])]
        out.append((w, s))
        if len(words) >= n_max:       # the sentence fills Pos: decoded, not appended
            break
        words.append(w)
    return out


def t_embed(W, sentences, pooling="mean", mask="bidirectional", base=math.e):
    s = t_backbone(W, sentences, mask, base)
    H, lengths = s["H"], s["lengths"]
    if pooling == "mean":
        real = (torch.arange(H.shape[2]).view(1, 1, -1) < lengths.view(-1, 1, 1)).to(DT)
        x = ((H * real).sum(dim=2) / lengths.view(-1, 1).to(DT)).T
    else:
        assert pooling == "last"
        x = last_token(H, lengths)
    U = W["W_up"] @ x
    Y = W["W_down"] @ U
    nY = torch.linalg.vector_norm(Y, dim=0, keepdim=True)
    s.update(x=x, U=U, Y=Y, **{"|Y|": nY}, E=Y / nY)
    return s


def t_infonce(A, P, temperature, base):
    """mean_i -log_b softmax_b(cos(a_i, p_j) / tau)_ii."""
    lnb = math.log(base)
    S = (A / torch.linalg.vector_norm(A, dim=0)).T @ (P / torch.linalg.vector_norm(P, dim=0))
    logp = torch.log_softmax(S / temperature * lnb, dim=1)
    loss_i = -torch.diagonal(logp) / lnb
    return loss_i.mean(), S


def t_mrl(A, P, dims, temperature, base, weights=None):
    weights = [1.0] * len(dims) if weights is None else list(weights)
    levels = sorted(zip(dims, weights), key=lambda mw: -mw[0])    # largest width first
    losses = torch.stack([t_infonce(A[:m], P[:m], temperature, base)[0] for m, _ in levels])
    w = torch.tensor([wm for _, wm in levels], dtype=DT)
    return (w * losses).sum(), losses


def t_finetune_step(params, anchors, positives, *, dims, temperature, lr, base,
                    freeze_backbone):
    W = {k: T(params[k]).requires_grad_(True) for k in TRAINABLE}
    B = len(anchors)
    s = t_embed(W, list(anchors) + list(positives), "mean", "bidirectional", base)
    E = s["E"]
    E.retain_grad()
    loss, losses = t_mrl(E[:, :B], E[:, B:], dims, temperature, base)
    loss.backward()
    grads = {k: W[k].grad for k in TRAINABLE}
    with torch.no_grad():
        new = {k: (W[k] if (freeze_backbone and k in BACKBONE) else W[k] - lr * grads[k])
               for k in TRAINABLE}
        new = {k: v.detach().clone() for k, v in new.items()}
        s2 = t_embed(new, list(anchors) + list(positives), "mean", "bidirectional", base)
        loss2, losses2 = t_mrl(s2["E"][:, :B], s2["E"][:, B:], dims, temperature, base)
    return dict(E=E, dE=E.grad, loss=loss, losses=losses, grads=grads, new=new,
                loss_after=loss2, losses_after=losses2, F=s["F"])


# --------------------------------------------------------------------- random models

def random_model(rng, *, d=None, head=False):
    d = d or int(rng.integers(2, 6))
    d_k, d_ff, n_max = int(rng.integers(1, 5)), int(rng.integers(2, 9)), int(rng.integers(3, 7))
    shapes = dict(Etok=(d, len(VOCAB)), Pos=(d, n_max), Wq=(d_k, d), Wk=(d_k, d), Wv=(d, d),
                  W1=(d_ff, d), W2=(d, d_ff))
    if head:
        d_up = int(rng.integers(3, 17))
        d_out = int(rng.choice([2, 3, 4, 6, 8]))
        shapes.update(W_up=(d_up, d), W_down=(d_out, d_up))
    if rng.random() < 0.5:                    # integer-ish weights, as on the sheets
        return {k: rng.integers(-2, 3, size=sh).astype(float) for k, sh in shapes.items()}
    return {k: rng.normal(0.0, 0.8, size=sh) for k, sh in shapes.items()}


def random_sentences(rng, n_max, k):
    return [" ".join(rng.choice(VOCAB, size=int(rng.integers(1, n_max + 1))))
            for _ in range(k)]


def relu_safe(F):
    """No ReLU input within 1e-6 of 0 (where the two sides of the kink would differ)."""
    return bool((_np(F).__abs__() >= 1e-6).all())


def no_near_tie(prob):
    """The argmax is not decided by rounding: a tie is exact or the gap is > 1e-9."""
    p = np.sort(_np(prob), axis=0)
    gap = p[-1] - p[-2]
    return bool(((gap == 0) | (gap > 1e-9)).all())


def tensors(params):
    return {k: T(v) for k, v in params.items()}


def draw(seed, want, head=False, tries=200):
    """A random model and batch for which ``want(model, sentences)`` holds."""
    rng = np.random.default_rng(seed)
    for _ in range(tries):
        p = random_model(rng, head=head)
        sents = random_sentences(rng, p["Pos"].shape[1], int(rng.integers(1, 5)))
        if want(p, sents, rng):
            return p, sents, rng
    raise AssertionError(f"seed {seed}: no acceptable random model in {tries} draws")


def compare_backbone(where, got, ref, names=BACKBONE_STEPS):
    close(f"{where} ids", got["ids"], ref["ids"].numpy())
    for k in names:
        close(f"{where} {k}", got[k], ref[k])


# ------------------------------------------------------------------------------ tests

@pytest.mark.parametrize("mask", ["causal", "bidirectional"])
@pytest.mark.parametrize("base", [math.e, 3.0])
def test_backbone_forward(mask, base):
    def ok(p, sents, rng):
        return relu_safe(t_backbone(tensors(p), sents, mask, base)["F"])

    for seed in range(N_MODELS):
        p, sents, _ = draw(1000 + seed, ok)
        got = backbone.forward(p, sents, mask=mask, base=base)
        compare_backbone(f"backbone[{mask}, b={base:.3g}, seed {seed}, {sents}]", got,
                         t_backbone(tensors(p), sents, mask, base))


@pytest.mark.parametrize("base", [math.e, 3.0])
def test_decode_forward_and_generate(base):
    temps = (1.0, 0.5, 2.0, 0.1)
    for seed in range(N_MODELS):
        T_ = temps[seed % len(temps)]

        def ok(p, sents, rng):
            W = tensors(p)
            r = t_decode(W, sents, T_, base)
            if not (relu_safe(r["F"]) and no_near_tie(r["prob"])):
                return False
            return all(relu_safe(s["F"]) and no_near_tie(s["prob"])
                       for _, s in t_generate(W, sents[0], 4, T_, base))

        p, sents, rng = draw(2000 + seed, ok)
        where = f"decode[b={base:.3g}, T={T_}, seed {seed}, {sents}]"
        got = decode.forward(p, sents, temperature=T_, base=base)
        ref = t_decode(tensors(p), sents, T_, base)
        compare_backbone(where, got, ref)
        for k in ("h", "logits", "lmax", "lpow", "lsum", "prob", "next"):
            close(f"{where} {k}", got[k], ref[k])
        assert decode.next_words(got) == tuple(VOCAB[i] for i in ref["next"][0].tolist())

        gen = decode.generate(p, sents[0], 4, temperature=T_, base=base)
        tgen = t_generate(tensors(p), sents[0], 4, T_, base)
        words = [decode.next_words(s)[0] for s in gen]
        assert words == [w for w, _ in tgen], f"{where} generate: {words} != {tgen}"
        for k, (s, (_, r)) in enumerate(zip(gen, tgen)):
            close(f"{where} generate step {k + 1} prob", s["prob"], r["prob"])


def test_decode_tie_takes_first_word():
    """Two identical columns of Etok give exactly tied logits: the first word wins."""
    hits = 0
    for seed in range(400):
        rng = np.random.default_rng(3000 + seed)
        p = random_model(rng)
        j = int(rng.integers(0, 7))
        p["Etok"][:, j + 1] = p["Etok"][:, j]
        sents = random_sentences(rng, p["Pos"].shape[1], 3)
        ref = t_decode(tensors(p), sents, 1.0, 3.0)
        if not relu_safe(ref["F"]):
            continue
        got = decode.forward(p, sents, base=3.0)
        close(f"tie seed {seed} prob", got["prob"], ref["prob"])
        close(f"tie seed {seed} next", got["next"], ref["next"])
        hits += int((ref["next"][0] == j).sum())
        if hits >= 10:
            break
    assert hits >= 10, "too few exact ties drawn"


@pytest.mark.parametrize("pooling", ["mean", "last"])
@pytest.mark.parametrize("mask", ["bidirectional", "causal"])
def test_embed_forward(pooling, mask):
    for seed in range(N_MODELS):
        base = (math.e, 3.0)[seed % 2]

        def ok(p, sents, rng):
            return relu_safe(t_backbone(tensors(p), sents, mask, base)["F"])

        p, sents, _ = draw(4000 + seed, ok, head=True)
        where = f"embed[{pooling}, {mask}, b={base:.3g}, seed {seed}, {sents}]"
        got = embed.forward(p, sents, pooling=pooling, mask=mask, base=base)
        ref = t_embed(tensors(p), sents, pooling, mask, base)
        compare_backbone(where, got, ref)
        for k in ("x", "U", "Y", "|Y|", "E"):
            close(f"{where} {k}", got[k], ref[k])


def compare_step(where, got, ref, params, freeze_backbone, lr):
    close(f"{where} E", got["embed / E"], ref["E"])
    close(f"{where} losses before", got["losses before"], ref["losses"].reshape(1, -1))
    close(f"{where} loss", got["loss"], ref["loss"])
    close(f"{where} embed / dE", got["embed / dE"], ref["dE"])
    for k in TRAINABLE:
        close(f"{where} embed / d{k}", got[f"embed / d{k}"], ref["grads"][k])
        close(f"{where} new / {k}", got[f"new / {k}"], ref["new"][k])
        if freeze_backbone and k in BACKBONE:
            assert np.array_equal(got[f"new / {k}"], params[k]), f"{where}: {k} moved"
    new = finetune.updated(got)
    for k in TRAINABLE:
        close(f"{where} updated {k}", new[k], ref["new"][k])
    close(f"{where} losses after", got["losses after"], ref["losses_after"].reshape(1, -1))
    close(f"{where} loss after", got["loss after"], ref["loss_after"])


@pytest.mark.parametrize("freeze_backbone", [False, True])
def test_finetune_step(freeze_backbone):
    temps = (1.0, 0.5, 0.1, 0.05)
    for seed in range(N_MODELS):
        base = (math.e, 3.0)[seed % 2]
        temperature = temps[(seed // 2) % len(temps)]
        rng = np.random.default_rng(5000 + seed)
        for _ in range(200):
            p = random_model(rng, head=True)
            n_max = p["Pos"].shape[1]
            B = int(rng.integers(2, 5))
            anchors = random_sentences(rng, n_max, B)
            positives = random_sentences(rng, n_max, B)
            d_out = p["W_down"].shape[0]
            widths = {d_out, max(d_out // 2, 1)} | ({1} if seed % 3 == 0 else set())
            dims = tuple(sorted(widths, reverse=seed % 2 == 0))  # given in either order
            lr = float(rng.choice([0.05, 0.3, 1.0]))
            ref = t_finetune_step(p, anchors, positives, dims=dims, temperature=temperature,
                                  lr=lr, base=base, freeze_backbone=freeze_backbone)
            if relu_safe(ref["F"]):
                break
        else:
            raise AssertionError("no acceptable model")
        where = (f"finetune.step[freeze={freeze_backbone}, b={base:.3g}, T={temperature}, "
                 f"dims={dims}, lr={lr}, seed {seed}, {anchors} / {positives}]")
        got = finetune.step(p, anchors, positives, dims=dims, temperature=temperature,
                            lr=lr, base=base, freeze_backbone=freeze_backbone)
        compare_step(where, got, ref, p, freeze_backbone, lr)


def t_top1(A, P, dims):
    """Top-1 at each width (largest first) from torch's cosine similarity: the anchors
    whose own positive is strictly the most similar, and whether any gap is under 1e-9."""
    out, near = [], False
    for m in sorted(dims, reverse=True):
        S = torch.nn.functional.cosine_similarity(A[:m].T.unsqueeze(1), P[:m].T.unsqueeze(0), dim=2, eps=0)
        own = torch.diagonal(S)
        others = S.masked_fill(torch.eye(S.shape[0], dtype=torch.bool), -math.inf).max(dim=1).values
        near |= bool(((own - others).abs() < 1e-9).any())
        out.append(float((own > others).to(DT).mean()))
    return out, near


@pytest.mark.parametrize("freeze_backbone", [False, True])
def test_finetune_train(freeze_backbone):
    """train(n_steps) is n steps of SGD, each torch's, from the weights the step before left:
    the loss and top-1 before every step and after the last, and the weights at the end."""
    n_steps, compared = 6, 0
    for seed in range(N_MODELS // 3):
        base, temperature = (math.e, 3.0)[seed % 2], (1.0, 0.5)[(seed // 2) % 2]
        rng = np.random.default_rng(5500 + seed)
        for _ in range(200):
            p = random_model(rng, head=True)
            B = int(rng.integers(2, 5))
            anchors = random_sentences(rng, p["Pos"].shape[1], B)
            positives = random_sentences(rng, p["Pos"].shape[1], B)
            d_out = p["W_down"].shape[0]
            dims = tuple(sorted({d_out, max(d_out // 2, 1)}, reverse=True))
            lr = float(rng.choice([0.05, 0.3]))
            W, losses, top1, safe = dict(p), [], [], True
            for t in range(n_steps + 1):
                ref = t_finetune_step(W, anchors, positives, dims=dims, temperature=temperature,
                                      lr=lr, base=base, freeze_backbone=freeze_backbone)
                E = ref["E"].detach()
                hits, near = t_top1(E[:, :B], E[:, B:], dims)
                safe &= relu_safe(ref["F"]) and not near
                losses.append(_np(ref["losses"]))
                top1.append(hits)
                if t < n_steps:
                    W = {k: _np(v) for k, v in ref["new"].items()}
            if safe:
                break
        else:
            raise AssertionError("no acceptable model")
        where = (f"finetune.train[freeze={freeze_backbone}, b={base:.3g}, T={temperature}, dims={dims}, "
                 f"lr={lr}, seed {seed}]")
        got, h = finetune.train(p, anchors, positives, n_steps=n_steps, dims=dims,
                                temperature=temperature, lr=lr, base=base, freeze_backbone=freeze_backbone)
        close(f"{where} loss", h["loss"], np.array(losses))
        assert np.array_equal(h["top-1"], np.array(top1)), f"{where}: top-1 {h['top-1']} != torch {top1}"
        close(f"{where} E after", h["E after"], E)
        for k in TRAINABLE:
            close(f"{where} {k}", got[k], W[k])
        compared += 1
    assert compared == N_MODELS // 3


def test_relu_slope_at_exact_zero():
    """A zero row of W1 makes F exactly 0 there: its slope is 0, so that row of dW1 is 0."""
    compared = 0
    for seed in range(3 * N_MODELS):
        rng = np.random.default_rng(6000 + seed)
        p = random_model(rng, head=True)
        p["W1"][0] = 0.0
        n_max = p["Pos"].shape[1]
        anchors, positives = random_sentences(rng, n_max, 3), random_sentences(rng, n_max, 3)
        dims = (p["W_down"].shape[0],)
        ref = t_finetune_step(p, anchors, positives, dims=dims, temperature=0.5, lr=0.1,
                              base=3.0, freeze_backbone=False)
        F = _np(ref["F"])
        if not (np.abs(F[:, 1:]) >= 1e-6).all():
            continue
        assert (F[:, 0] == 0).all()
        got = finetune.step(p, anchors, positives, dims=dims, temperature=0.5, lr=0.1,
                            base=3.0)
        assert (got["embed / F"][:, 0] == 0).all()
        assert (got["embed / dW1"][0] == 0).all()
        compare_step(f"relu zero seed {seed}", got, ref, p, False, 0.1)
        compared += 1
        if compared >= 10:
            break
    assert compared >= 10, f"only {compared} models with an exact-zero ReLU input"


# ------------------------------------------------------------- the worksheets' numbers

def test_worksheet_decode():
    d = catalog.get("decode").load()
    p, sent, T_, base = d["model"], d["sentence"], float(d["temperature"]), float(d["base"])
    got = decode.forward(p, sent, temperature=T_, base=base)
    ref = t_decode(tensors(p), sent, T_, base)
    compare_backbone("decode sheet", got, ref)
    for k in ("h", "logits", "lmax", "lpow", "lsum", "prob", "next"):
        close(f"decode sheet {k}", got[k], ref[k])
    for n in (int(d["generate"]), 6):
        gen = decode.generate(p, sent, n, temperature=T_, base=base)
        tgen = t_generate(tensors(p), sent, n, T_, base)
        assert [decode.next_words(s)[0] for s in gen] == [w for w, _ in tgen]
        for k, (s, (_, r)) in enumerate(zip(gen, tgen)):
            compare_backbone(f"decode sheet generate {k + 1}", s, r)
            close(f"decode sheet generate {k + 1} prob", s["prob"], r["prob"])
    for mask in ("causal", "bidirectional"):
        for b in (base, math.e):
            sents = [sent, "the cat sat on", "dog"]
            compare_backbone(f"decode sheet backbone {mask} {b}",
                             backbone.forward(p, sents, mask=mask, base=b),
                             t_backbone(tensors(p), sents, mask, b))


def test_worksheet_embed():
    d = catalog.get("embed").load()
    p, sent, base = d["model"], d["sentence"], float(d["base"])
    for pooling in ("mean", "last"):
        for mask in ("bidirectional", "causal"):
            for sents in (sent, [sent, "cat", "the dog ran on"]):
                got = embed.forward(p, sents, pooling=pooling, mask=mask, base=base)
                ref = t_embed(tensors(p), sents, pooling, mask, base)
                compare_backbone(f"embed sheet {pooling} {mask}", got, ref)
                for k in ("x", "U", "Y", "|Y|", "E"):
                    close(f"embed sheet {pooling} {mask} {k}", got[k], ref[k])
    got = embed.forward(p, sent, pooling=d["pooling"], base=base)
    close("embed sheet as given E", got["E"], t_embed(tensors(p), sent, d["pooling"],
                                                       "bidirectional", base)["E"])


def test_worksheet_finetune():
    d = catalog.get("finetune").load()
    dims, T_, base = tuple(int(m) for m in d["dims"]), float(d["temperature"]), float(d["base"])
    for freeze in (False, True):
        for dd, b in ((dims, base), ((8, 4, 2), math.e), ((8, 4), 3.0)):
            lr = float(d["train_lr"])
            got = finetune.step(d["model"], d["anchors"], d["positives"], dims=dd,
                                temperature=T_, lr=lr, base=b, freeze_backbone=freeze)
            ref = t_finetune_step(d["model"], d["anchors"], d["positives"], dims=dd,
                                  temperature=T_, lr=lr, base=b, freeze_backbone=freeze)
            compare_step(f"finetune sheet freeze={freeze} dims={dd} b={b:.3g}", got, ref,
                         d["model"], freeze, lr)
    # The page's own exercise: the head alone from pooled vectors (finetune.head_step).
    Xa, Xp, Wu, Wd, lr = d["Xa"], d["Xp"], d["W_up"], d["W_down"], float(d["lr"])
    got = finetune.head_step(Xa, Xp, Wu, Wd, dims=dims, temperature=T_, lr=lr, base=base,
                             after=True)
    Wu_t, Wd_t = T(Wu).requires_grad_(True), T(Wd).requires_grad_(True)
    Y = Wd_t @ (Wu_t @ torch.cat([T(Xa), T(Xp)], dim=1))
    B = Xa.shape[1]
    loss, losses = t_mrl(Y[:, :B], Y[:, B:], dims, T_, base)
    loss.backward()
    close("head_step sheet Y", got["Y"], Y)
    close("head_step sheet losses", got["losses"], losses.reshape(1, -1))
    close("head_step sheet loss", got["loss"], loss)
    close("head_step sheet dW_down", got["dW_down"], Wd_t.grad)
    close("head_step sheet dW_up", got["dW_up"], Wu_t.grad)
    with torch.no_grad():
        Wu_new, Wd_new = Wu_t - lr * Wu_t.grad, Wd_t - lr * Wd_t.grad
        Y2 = Wd_new @ (Wu_new @ torch.cat([T(Xa), T(Xp)], dim=1))
        loss2, losses2 = t_mrl(Y2[:, :B], Y2[:, B:], dims, T_, base)
    close("head_step sheet W_down_new", got["W_down_new"], Wd_new)
    close("head_step sheet W_up_new", got["W_up_new"], Wu_new)
    close("head_step sheet after / losses", got["after / losses"], losses2.reshape(1, -1))
    close("head_step sheet after / loss", got["after / loss"], loss2)


def test_worksheet_infonce_mrl_head():
    d = catalog.get("infonce").load()
    A, P = T(d["A"]).requires_grad_(True), T(d["P"]).requires_grad_(True)
    loss, S = t_infonce(A, P, float(d["temperature"]), float(d["base"]))
    loss.backward()
    got = infonce.forward(d["A"], d["P"], temperature=float(d["temperature"]),
                          base=float(d["base"]))
    close("infonce sheet S", got["S"], S)
    close("infonce sheet loss", got["loss"], loss)
    back = infonce.backward(got)
    close("infonce sheet dA", back["dA"], A.grad)
    close("infonce sheet dP", back["dP"], P.grad)

    d = catalog.get("mrl").load()
    A, P = T(d["A"]).requires_grad_(True), T(d["P"]).requires_grad_(True)
    dims, w = tuple(int(m) for m in d["dims"]), tuple(float(x) for x in d["weights"])
    for dd, ww in ((dims, w), (tuple(reversed(dims)), (0.5, 2.0, 1.0))):
        A.grad = P.grad = None
        loss, losses = t_mrl(A, P, dd, float(d["temperature"]), float(d["base"]), ww)
        loss.backward()
        got = mrl.forward(d["A"], d["P"], dims=dd, weights=ww,
                          temperature=float(d["temperature"]), base=float(d["base"]))
        close(f"mrl sheet losses {dd}", got["losses"], losses.reshape(1, -1))
        close(f"mrl sheet loss {dd}", got["loss"], loss)
        back = mrl.backward(got)
        close(f"mrl sheet dA {dd}", back["dA"], A.grad)
        close(f"mrl sheet dP {dd}", back["dP"], P.grad)

    d = catalog.get("head").load()
    got = embed.head(d["X"], d["W_up"], d["W_down"])
    Y = T(d["W_down"]) @ (T(d["W_up"]) @ T(d["X"]))
    close("head sheet U", got["U"], T(d["W_up"]) @ T(d["X"]))
    close("head sheet Y", got["Y"], Y)
    close("head sheet E", got["E"], Y / torch.linalg.vector_norm(Y, dim=0))


def test_zz_report_worst_error():
    """Printed with -s: the largest relative error any comparison above saw."""
    print(f"\nlargest relative error: {WORST['rel']:.3e} at {WORST['where']}")
    assert WORST["rel"] <= RTOL
