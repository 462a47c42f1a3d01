"""An independent student, in plain Python, works every printed worksheet and hands the
answers file to the real ``aibyhand check``.

The student sees what a real one sees: the numbers file (``aibyhand show NAME --save``),
the blank answers file (``aibyhand sheet NAME --answers-template``) and the printed sheet.
Nothing of the package's math is used here: every box is computed below from the
numbers, the way the sheet says, page by page, with lists of floats. The student writes
each box rounded to 2 decimals and carries the WRITTEN values into every later box;
matrices printed on the sheet (grey) are used as printed (whole numbers and small
fractions exactly, anything else to 2 decimals; a printed matrix no box asks for is
computed here once, exactly, from the numbers); powers of 3 and logs come from the table
on the page, with the exponent rounded to the table's grid (or the probability to 2
decimals) as a student would look it up; the Decode sheet's last box is the word.

What the checker must say, for every worksheet, the default numbers and seeds 1-5:

- the honest student: exit 0 and every box right;
- one slip (1 added to one box in the middle of the sheet, carried forward), two seeds
  per worksheet: exit 1, that box the only wrong one; nothing the slip does not feed is
  follow-through (our own dependency tracking: each number carries the set of boxes it
  came from); and every box the slip feeds that it really changed is follow-through.
  "Really changed": moved more than 0.01 outside the range of what honest students write
  there (ours, the exact value, and 24 students who round each box from anywhere within
  0.005 of their own result); a box the slip moved less than that may be right;
- only page 1 filled in: exit 0, page 1 right, everything else unchecked.

The command runs once per file (the honest students of seeds 1-5: once per worksheet, all
five files, whose exit code must then be 0 exactly when no file has a wrong box).
"""

from __future__ import annotations

import json
import math
import os
import random
import re
import subprocess
import sys
from concurrent.futures import ThreadPoolExecutor
from fractions import Fraction
from functools import reduce
from pathlib import Path

import pytest

try:
    import tomllib
except ImportError:  # Python 3.10
    import tomli as tomllib

NAMES = ("decode", "embed", "infonce", "mrl", "finetune", "head")
SEEDS = (0, 1, 2, 3, 4, 5)
# seeds where an honest exponent falls between two entries of the page's table (InfoNCE
# seeds 7 and 20: temperature 1/6, S to 2 decimals moves an exponent by up to 0.04; the
# student reads the nearest entry, -2 for -1.96)
MORE_SEEDS = {"infonce": (7, 20)}
HONEST = [(n, s) for n in NAMES for s in SEEDS + MORE_SEEDS.get(n, ())]
# (seed, box, displayed row, displayed column): one slip each, in the middle of the sheet
SLIPS = {
    "decode": [(0, "H1", 1, -1), (3, "scores", 0, -1)],
    "embed": [(0, "H1", 0, 0), (3, "attn", 1, 2)],
    "infonce": [(0, "sum", 1, 0), (3, "prob", 0, 1)],
    "mrl": [(0, "m=4 / S", 0, 0), (3, "m=2 / prob", 0, 0)],
    "finetune": [(0, "m=2 / prob", 0, 0), (3, "m=4 / S", 1, 0)],
    "head": [(0, "Y", 0, 0), (3, "D", 0, 1)],
}
PARTIAL_SEED = 1
# the words of the vocabulary, as the Decode sheet labels Etok's columns
VOCAB = ("the", "cat", "dog", "sat", "ran", "on", "mat", "park")
LOG3 = math.log(3)
INF = math.inf


# -- numbers that remember which boxes they came from ---------------------------------

class N:
    """A number and the boxes (cell ids) it was computed from, directly or not."""

    __slots__ = ("v", "d")

    def __init__(self, v, d=frozenset()):
        self.v = float(v)
        self.d = d

    def __add__(a, b):
        b = num(b)
        return N(a.v + b.v, a.d | b.d)

    __radd__ = __add__

    def __sub__(a, b):
        b = num(b)
        return N(a.v - b.v, a.d | b.d)

    def __rsub__(a, b):
        return num(b) - a

    def __mul__(a, b):
        b = num(b)
        return N(a.v * b.v, a.d | b.d)

    __rmul__ = __mul__

    def __truediv__(a, b):
        b = num(b)
        return N(a.v / b.v, a.d | b.d)

    def __rtruediv__(a, b):
        return num(b) / a

    def __neg__(a):
        return N(-a.v, a.d)

    def __repr__(self):
        return f"N({self.v})"


def num(x) -> N:
    return x if isinstance(x, N) else N(x)


def total(xs) -> N:
    return reduce(lambda a, b: a + b, xs, N(0.0))


def biggest(xs) -> N:
    xs = list(xs)
    return N(max(x.v for x in xs), frozenset().union(*(x.d for x in xs)))


def apply(f, x: N) -> N:
    return N(f(x.v), x.d)


# -- matrices: lists of rows ----------------------------------------------------------

def mat(rows) -> list[list[N]]:
    if not isinstance(rows, list):
        return [[N(rows)]]
    if rows and not isinstance(rows[0], list):
        return [[N(x)] for x in rows]
    return [[N(x) for x in row] for row in rows]


def const(x):
    return [[N(x)]]


def T(A):
    return [list(col) for col in zip(*A)]


def mm(A, B):
    assert len(A[0]) == len(B), (len(A), len(A[0]), len(B), len(B[0]))
    return [[total(A[i][k] * B[k][j] for k in range(len(B))) for j in range(len(B[0]))]
            for i in range(len(A))]


def ew(op, A, B):
    """Entry by entry; a 1 x n row, an m x 1 column or a 1 x 1 number stretches to fit."""
    rows, cols = max(len(A), len(B)), max(len(A[0]), len(B[0]))
    for X in (A, B):
        assert len(X) in (1, rows) and len(X[0]) in (1, cols)

    def at(X, i, j):
        return X[i if len(X) > 1 else 0][j if len(X[0]) > 1 else 0]

    return [[op(at(A, i, j), at(B, i, j)) for j in range(cols)] for i in range(rows)]


def add(A, B):
    return ew(lambda a, b: a + b, A, B)


def sub(A, B):
    return ew(lambda a, b: a - b, A, B)


def mul(A, B):
    return ew(lambda a, b: a * b, A, B)


def div(A, B):
    return ew(lambda a, b: a / b, A, B)


def eye(n):
    return [[N(1.0 if i == j else 0.0) for j in range(n)] for i in range(n)]


def colsum(A):
    return [[total(row[j] for row in A) for j in range(len(A[0]))]]


def rowsum(A):
    return [[total(row)] for row in A]


def colmax(A):
    return [[biggest(row[j] for row in A) for j in range(len(A[0]))]]


def rowmax(A):
    return [[biggest(row)] for row in A]


def colnorm(A):
    return [[apply(math.sqrt, total(row[j] * row[j] for row in A)) for j in range(len(A[0]))]]


def relu(A):
    return [[apply(lambda v: max(v, 0.0), x) for x in row] for row in A]


def pad(A, n):
    return A + [[N(0.0) for _ in A[0]] for _ in range(n - len(A))]


def cat(A, B):
    return [ra + rb for ra, rb in zip(A, B)]


def cols(A, a, b):
    return [row[a:b] for row in A]


def mean(xs):
    xs = list(xs)
    return total(xs) / len(xs)


def rank(A) -> int:
    """Rank by exact elimination on the numbers as written."""
    rows = [[Fraction(x.v).limit_denominator(10**6) for x in row] for row in A]
    r = 0
    for c in range(len(rows[0])):
        pivot = next((i for i in range(r, len(rows)) if rows[i][c] != 0), None)
        if pivot is None:
            continue
        rows[r], rows[pivot] = rows[pivot], rows[r]
        for i in range(len(rows)):
            if i != r and rows[i][c] != 0:
                f = rows[i][c] / rows[r][c]
                rows[i] = [x - f * y for x, y in zip(rows[i], rows[r])]
        r += 1
    return r


# -- how a student writes and reads numbers -------------------------------------------

def r2(v: float) -> float:
    """To 2 decimals, halves away from zero, as by hand."""
    if not math.isfinite(v):
        return v
    out = math.copysign(math.floor(abs(v) * 100 + 0.5 + 1e-9) / 100, v)
    return out + 0.0 if out != 0 else 0.0


def as_printed(v: float) -> float:
    """A printed (grey) number as the student reads it: whole numbers and small fractions
    (denominator up to 100) exactly, anything else to 2 decimals."""
    if not math.isfinite(v):
        return v
    f = Fraction(v).limit_denominator(100)
    if abs(float(f) - v) <= 1e-9 * max(1.0, abs(v)) and (f != 0 or abs(v) < 1e-12):
        return float(f)
    return r2(v)


def grid_of(xs) -> int | None:
    """The table's grid: the smallest D <= 30 with every exponent a multiple of 1/D."""
    D = 1
    for x in xs:
        f = Fraction(x).limit_denominator(30)
        if abs(float(f) - x) > 1e-9:
            return None
        D = math.lcm(D, f.denominator)
    return D


def power_table(xs) -> int:
    """Which table the page prints for these exact exponents: the grid 1/D, or the
    2-decimal table (D = 100) when there is no small grid or it would be too long."""
    D = grid_of(xs) if xs else 1
    if D is None:
        return 100
    K = round(max(0.0, -min(xs)) * D) if xs else 0
    last = min(K, math.floor(-math.log(0.005) / LOG3 * D))
    return 100 if (D > 1 and last + 1 > 60) else D


def look_up_power(x: float, D: int) -> float:
    """3^x from a table with exponents on a grid of 1/D (entries to 2 decimals; the
    powers table of whole exponents prints 1, 1/3, 1/9 ... exactly)."""
    if math.isnan(x):
        return x
    if x == -INF:
        return 0.0
    k = round(x * D)
    p = 3.0 ** (k / D)
    return p if D == 1 else r2(p)


def look_up_nlog(p: float) -> float:
    """-log_3 p from the table of p = 0.01 ... 1.00 (entries to 2 decimals)."""
    p = r2(p)
    assert p > 0, "a probability of 0.00 is off the -log table"
    return 0.0 if p == 1.0 else r2(-math.log(p) / LOG3)


# -- one pass over a sheet: the exact chain, or a student ----------------------------

class Run:
    """Exact mode (``exact is None``): every box and printed matrix at full precision,
    and the exponents each power table is made from. Student mode: each box written to
    2 decimals (one of them slipped, maybe), printed matrices read as printed, tables
    looked up."""

    def __init__(self, asks=None, exact: Run | None = None, slip=None, jitter=None):
        self.asks = asks
        self.ex = exact
        self.slip = slip
        self.jitter = jitter                     # a random.Random: what each box means drifts
        self.values: dict[str, list] = {}        # exact mode: every named matrix
        self.exponents: dict[str, list] = {}     # exact mode: table -> exact exponents
        self.written: dict[tuple, float] = {}    # student: (box, r, c) -> written value
        self.deps: dict[tuple, frozenset] = {}   # student: (box, r, c) -> boxes it uses

    @property
    def student(self) -> bool:
        return self.ex is not None

    def grey(self, name, compute):
        """A printed matrix: computed exactly once, then read as printed."""
        if not self.student:
            self.values[name] = compute()
            return self.values[name]
        return [[N(as_printed(x.v)) for x in row] for row in self.ex.values[name]]

    def box(self, name, M, rest=None):
        if not self.student:
            self.values[name] = M
            return M
        ask = self.asks[name]
        assert (len(M), len(M[0])) == (len(ask), len(ask[0])), (name, len(M), len(M[0]))
        slip = None
        if self.slip and self.slip[0] == name:
            slip = (self.slip[1] % len(M), self.slip[2] % len(M[0]))
        out = []
        for r, row in enumerate(M):
            out.append([])
            for c, x in enumerate(row):
                if ask[r][c]:
                    drift = self.jitter.uniform(-0.005, 0.005) if self.jitter else 0.0
                    v = r2(x.v + drift) + (1.0 if (r, c) == slip else 0.0)
                    assert math.isfinite(v), f"{name}[{r}, {c}] needs a cell the sheet does not ask"
                    self.written[(name, r, c)] = v
                    self.deps[(name, r, c)] = x.d
                    out[-1].append(N(v, x.d | {(name, r, c)}))
                elif rest == "grey":      # the sheet prints the cells it does not ask
                    out[-1].append(N(as_printed(self.ex.values[name][r][c].v)))
                else:
                    assert rest == "blank", f"{name}: cells not asked, but rest={rest!r}"
                    out[-1].append(N(math.nan))
        return out

    def word(self, name, M, words):
        """The next word: the most likely one (the first, on a tie)."""
        column = [row[0] for row in M]
        k = max(range(len(column)), key=lambda i: (column[i].v, -i))
        x = N(k, frozenset().union(*(c.d for c in column)))
        if not self.student:
            self.values[name] = [[x]]
            return k
        if self.jitter:  # a near tie may go either way
            k = max(range(len(column)), key=lambda i: (column[i].v, self.jitter.random()))
        self.written[(name, 0, 0)] = words[k]
        self.deps[(name, 0, 0)] = x.d
        return k

    def power(self, table, M, D=None):
        """3^x entry by entry: exact, or from the page's table ``table``."""
        if not self.student:
            self.exponents.setdefault(table, []).extend(
                x.v for row in M for x in row if math.isfinite(x.v))
            return [[apply(lambda v: 3.0 ** v, x) for x in row] for row in M]
        D = D or power_table(self.ex.exponents[table])
        return [[apply(lambda v: look_up_power(v, D), x) for x in row] for row in M]

    def recip(self, x: N) -> N:
        """1/x for x = 1.00 ... 2.00 from the page's table (to 2 decimals, at x to 2)."""
        if not self.student:
            return apply(lambda v: 1 / v, x)
        return apply(lambda v: r2(1 / r2(v)), x)

    def values_of(self, name):
        """A box written earlier on the sheet, as this run has it (the lesson copies)."""
        if not self.student:
            return self.values[name]
        ask = self.asks[name]
        return [[N(self.written[(name, r, c)], self.deps[(name, r, c)] | {(name, r, c)})
                 if ask[r][c] else N(math.nan) for c in range(len(ask[0]))]
                for r in range(len(ask))]

    def nlog(self, p: N) -> N:
        return apply(look_up_nlog if self.student else (lambda v: -math.log(v) / LOG3), p)


# -- the six sheets, page by page (boxes named as on the sheet) ----------------------

def decode(d, s: Run):
    m = d["model"]
    Etok, Pos = mat(m["Etok"]), mat(m["Pos"])
    Wq, Wk, Wv, W1, W2 = (mat(m[k]) for k in ("Wq", "Wk", "Wv", "W1", "W2"))
    words = d["sentence"].split()
    n = len(words)
    ids = [VOCAB.index(w) for w in words]
    # page 1: keys, values, the last word's query
    X_tok = s.grey("X_tok", lambda: [[row[i] for i in ids] for row in Etok])
    X = s.box("X", add(X_tok, cols(Pos, 0, n)))
    K = s.box("K", mm(Wk, X))
    V = s.box("V", mm(Wv, X))
    Q = s.box("Q", mm(Wq, X), rest="blank")
    # page 2: causal attention, the last word's column
    mask = s.grey("mask", lambda: [[N(0.0 if k <= q else -INF) for q in range(n)] for k in range(n)])
    scores = s.box("scores", div(mm(T(K), Q), const(2)), rest="blank")
    masked = add(scores, mask)
    pw = s.box("pow", s.power("page 2", sub(masked, colmax(masked))), rest="blank")
    sm = s.box("sum", colsum(pw), rest="blank")
    attn = s.box("attn", div(pw, sm), rest="blank")
    Z = s.box("Z", mm(V, attn), rest="blank")
    H1 = s.box("H1", add(X, Z), rest="blank")
    # page 3: feed-forward of the last word
    F = s.box("F", mm(W1, H1), rest="blank")
    R = s.box("R", relu(F), rest="blank")
    G = s.box("G", mm(W2, R), rest="blank")
    h = s.box("h", [[H1[r][n - 1] + G[r][n - 1]] for r in range(len(H1))])
    # page 4: tied unembedding, softmax over the vocabulary, the next word
    logits = s.box("logits", mm(T(Etok), h))
    lpow = s.box("lpow", s.power("page 4", div(sub(logits, colmax(logits)), const(d["temperature"]))))
    lsum = s.box("lsum", colsum(lpow))
    rsum = s.grey("rsum", lambda: div(const(1.0), lsum))      # 1/lsum, printed
    prob = s.box("prob", mul(lpow, rsum))
    # what this showed: the next word
    s.word("lesson / next", prob, VOCAB)


def embedding(m, words) -> list[list[N]]:
    """A sentence's embedding E, exactly (the Embed sheet gives another sentence's)."""
    Etok, Pos = mat(m["Etok"]), mat(m["Pos"])
    Wq, Wk, Wv, W1, W2 = (mat(m[k]) for k in ("Wq", "Wk", "Wv", "W1", "W2"))
    ids = [VOCAB.index(w) for w in words]
    X = add([[row[i] for i in ids] for row in Etok], cols(Pos, 0, len(ids)))
    scores = div(mm(T(mm(Wk, X)), mm(Wq, X)), const(2))
    pw = [[apply(lambda v: 3.0 ** v, x) for x in row] for row in sub(scores, colmax(scores))]
    Z = mm(mm(Wv, X), div(pw, colsum(pw)))
    H1 = add(X, Z)
    H = add(H1, mm(W2, relu(mm(W1, H1))))
    Y = mm(mat(m["W_down"]), mm(mat(m["W_up"]), [[mean(row)] for row in H]))
    return div(Y, colnorm(Y))


def embed(d, s: Run):
    m = d["model"]
    Etok, Pos = mat(m["Etok"]), mat(m["Pos"])
    Wq, Wk, Wv, W1, W2 = (mat(m[k]) for k in ("Wq", "Wk", "Wv", "W1", "W2"))
    W_up, W_down = mat(m["W_up"]), mat(m["W_down"])
    ids = [VOCAB.index(w) for w in d["sentence"].split()]
    n = len(ids)
    X0 = add([[row[i] for i in ids] for row in Etok], cols(Pos, 0, n))
    # page 1: attention, no mask
    Q = s.grey("Q", lambda: mm(Wq, X0))
    K = s.grey("K", lambda: mm(Wk, X0))
    V = s.grey("V", lambda: mm(Wv, X0))
    scores = s.box("scores", div(mm(T(K), Q), const(2)))
    pw = s.box("pow", s.power("page 1", sub(scores, colmax(scores))))
    attn = s.box("attn", div(pw, colsum(pw)))                 # the sum on scratch paper
    Z = s.box("Z", mm(V, attn))
    # page 2: residuals, the feed-forward's output (printed), mean pooling
    X = s.grey("X", lambda: X0)
    H1 = s.box("H1", add(X, Z))
    G = s.grey("G", lambda: mm(W2, relu(mm(W1, H1))))
    H = s.box("H", add(H1, G))
    x = s.box("x", [[mean(row)] for row in H])
    # page 3: Dense up (its last 8 rows printed), Dense down, L2 (the length printed)
    U = s.box("U", mm(W_up, x), rest="grey")
    Y = s.box("Y", mm(W_down, U))
    length = s.grey("|Y|", lambda: colnorm(Y))
    E = s.box("E", div(Y, length))
    # what this showed: the cosine with another sentence's embedding, given to 2 decimals
    E_other = s.grey("lesson / E_other", lambda: [[N(r2(x.v))] for x in
                                                  (row[0] for row in embedding(m, d["other"].split()))])
    s.box("lesson / cos", mm(T(E), E_other))


def infonce(d, s: Run):
    A, P, t = mat(d["A"]), mat(d["P"]), d["temperature"]
    B = len(A[0])
    # page 1: cosines; each row's powers (from the table; anchor 1's written), their sum, prob; the loss
    lP = s.grey("|P|", lambda: colnorm(P))
    lA = s.grey("|A|", lambda: colnorm(A))
    S = s.box("S", div(mm(T(A), P), mm(T(lA), lP)))
    pw = s.power("page 1", div(sub(S, rowmax(S)), const(t)))
    s.box("pow", pw, rest="blank")   # anchor 1's powers written; the sums use the table's
    sm = s.box("sum", rowsum(pw))
    prob = s.box("prob", div(pw, sm))
    loss_i = s.box("loss_i", [[s.nlog(prob[i][i])] for i in range(B)])
    s.box("loss", [[mean(row[0] for row in loss_i)]])
    # page 2: back to the anchors, and the lesson
    dS = s.box("dS", div(div(sub(prob, eye(B)), const(B)), const(t)))
    along_A = s.box("along_A", rowsum(mul(S, dS)))
    P_hat = s.grey("P_hat", lambda: div(P, lP))
    A_hat = s.grey("A_hat", lambda: div(A, lA))
    dA = s.box("dA", div(sub(mm(P_hat, T(dS)), mul(A_hat, T(along_A))), lA))
    s.box("lesson / toward", [[-x for x in row] for row in mm(T(dA), P_hat)], rest="blank")


def _grad_A(A, P, lA, lP, prob, t):
    """An anchor's gradient through InfoNCE and the normalisation (exact, for the
    widths whose gradient the sheet prints)."""
    B = len(prob)
    dS = div(div(sub(prob, eye(B)), const(B)), const(t))
    A_hat, P_hat = div(A, lA), div(P, lP)
    dA_hat = mm(P_hat, T(dS))
    along = colsum(mul(A_hat, dA_hat))
    dP_hat = mm(A_hat, dS)
    along_P = colsum(mul(P_hat, dP_hat))
    return (div(sub(dA_hat, mul(A_hat, along)), lA),
            div(sub(dP_hat, mul(P_hat, along_P)), lP))


def _prob(A, P, t):
    """InfoNCE's softmax per anchor, exact."""
    S = div(mm(T(A), P), mm(T(colnorm(A)), colnorm(P)))
    logits = div(S, const(t))
    pw = [[apply(lambda v: 3.0 ** v, x) for x in row] for row in sub(logits, rowmax(logits))]
    return div(pw, rowsum(pw))


def _loss(A, P, t):
    """InfoNCE loss, exact."""
    prob = _prob(A, P, t)
    return mean(apply(lambda v: -math.log(v) / LOG3, prob[i][i]) for i in range(len(prob)))


def mrl(d, s: Run):
    A, P, t = mat(d["A"]), mat(d["P"]), d["temperature"]
    w = dict(zip(d["dims"], d["weights"]))
    B = len(A[0])
    lA, lP, S = {}, {}, {}
    # page 1: cosines at widths 2, 4, 8
    for m in (2, 4, 8):
        lP[m] = s.grey(f"m={m} / |P|", lambda m=m: colnorm(P[:m]))
        lA[m] = s.grey(f"m={m} / |A|", lambda m=m: colnorm(A[:m]))
        S[m] = s.box(f"m={m} / S", div(mm(T(A[:m]), P[:m]), mm(T(lA[m]), lP[m])))
    # page 2: InfoNCE at width 2: the powers from the table, times the printed
    # reciprocal of each row's sum; the gradient; the losses of widths 8 and 4 printed,
    # and the MRL loss
    logits = div(S[2], const(t))
    pw = s.box("m=2 / pow", s.power("page 2", sub(logits, rowmax(logits))))
    R = s.grey("m=2 / R", lambda: [[apply(lambda v: 1 / v, x[0])] for x in rowsum(pw)])
    prob = s.box("m=2 / prob", mul(pw, R))
    loss_i = s.box("m=2 / loss_i", [[s.nlog(prob[i][i])] for i in range(B)])
    loss = {2: s.box("m=2 / loss", [[mean(row[0] for row in loss_i)]])}
    dS = s.box("m=2 / dS", div(div(sub(prob, eye(B)), const(B)), const(t)))
    for m in (8, 4):
        loss[m] = s.grey(f"m={m} / loss", lambda m=m: [[_loss(A[:m], P[:m], t)]])
    s.box("loss", [[total(loss[m][0][0] * w[m] for m in (8, 4, 2))]])
    # page 3: back from width 2, the widths' gradients added row by row, the lesson
    P_hat = s.grey("m=2 / P_hat", lambda: div(P[:2], lP[2]))
    A_hat = s.grey("m=2 / A_hat", lambda: div(A[:2], lA[2]))
    dA_hat = s.box("m=2 / dA_hat", mm(P_hat, T(dS)))
    along = s.box("m=2 / along_A", colsum(mul(A_hat, dA_hat)))
    dA2 = s.box("m=2 / dA", div(sub(dA_hat, mul(A_hat, along)), lA[2]))
    dA8 = s.grey("m=8 / dA", lambda: _grad_A(A, P, lA[8], lP[8], _prob(A, P, t), t)[0])
    dA4 = s.grey("m=4 / dA", lambda: _grad_A(A[:4], P[:4], lA[4], lP[4], _prob(A[:4], P[:4], t), t)[0])
    s.box("dA", add(dA8, add(pad(dA4, 8), pad(dA2, 8))), rest="grey")
    # own cosine minus the best other one, per anchor (rows) and width (8, 4, 2)
    s.box("lesson / lead", [[S[m][i][i] - biggest(S[m][i][j] for j in range(B) if j != i)
                             for m in (8, 4, 2)] for i in range(B)])


def finetune(d, s: Run):
    Xa, Xp, W_up, W_down = (mat(d[k]) for k in ("Xa", "Xp", "W_up", "W_down"))
    t, lr = d["temperature"], d["lr"]
    B = len(Xa[0])
    # page 1: Y from the printed U (its first two rows are U's), the loss at width 4
    U = s.grey("U", lambda: mm(W_up, cat(Xa, Xp)))
    Y = s.box("Y", mm(W_down, U), rest="grey")
    A, P = cols(Y, 0, B), cols(Y, B, 2 * B)
    loss = {}
    for m in (4, 2):
        # page 1 (width 4), page 2 (width 2): the own positive's probability is 1/sum,
        # 1/sum read from the page's table of 1/x
        lP = s.grey(f"m={m} / |P|", lambda m=m: colnorm(P[:m]))
        lA = s.grey(f"m={m} / |A|", lambda m=m: colnorm(A[:m]))
        S = s.box(f"m={m} / S", div(mm(T(A[:m]), P[:m]), mm(T(lA), lP)))
        logits = div(S, const(t))
        pw = s.power(f"m={m}", sub(logits, rowmax(logits)), D=100)
        sm = s.box(f"m={m} / sum", rowsum(pw))
        own = [[mul([[pw[i][i]]], [[s.recip(sm[i][0])]])[0][0]] for i in range(B)]
        if m == 2:
            own = s.box("m=2 / prob", [[own[i][0] if j == i else N(math.nan) for j in range(B)]
                                        for i in range(B)], rest="blank")
            own = [[own[i][i]] for i in range(B)]
        loss_i = s.box(f"m={m} / loss_i", [[s.nlog(own[i][0])] for i in range(B)])
        loss[m] = s.box(f"m={m} / loss", [[mean(row[0] for row in loss_i)]])
        if m == 2:
            s.box("loss", [[loss[4][0][0] + loss[2][0][0]]])
            prob2 = own
    # page 2: the gradient at the scores (width 2, the diagonal), dY printed, the step
    s.box("m=2 / dS", [[(prob2[i][0] - 1) / B / t if j == i else N(math.nan) for j in range(B)]
                       for i in range(B)], rest="blank")
    dY = s.grey("dY", lambda: _dY_exact(A, P, t))
    dW = s.box("dW_down", mm(dY, T(U)), rest="blank")
    Y_after = s.box("after / Y", sub(Y, mul(const(lr), mm(dW, U))), rest="blank")
    # page 3: width 2 after the step from the unit vectors (1 / lengths printed); width 4's
    # cosines printed
    A2, P2 = cols(Y_after[:2], 0, B), cols(Y_after[:2], B, 2 * B)
    rA = s.grey("after / m=2 / 1/|A|", lambda: [[1 / x for x in row] for row in colnorm(A2)])
    rP = s.grey("after / m=2 / 1/|P|", lambda: [[1 / x for x in row] for row in colnorm(P2)])
    A_hat = s.box("after / m=2 / A_hat", mul(A2, rA))
    P_hat = s.box("after / m=2 / P_hat", mul(P2, rP))
    after_S = {2: s.box("after / m=2 / S", mm(T(A_hat), P_hat))}
    after_S[4] = s.grey("after / m=4 / S", lambda: _cosines(Y_after, B))
    after = {}
    for m in (2, 4):
        logits = div(after_S[m], const(t))
        pw = s.power("page 3", sub(logits, rowmax(logits)), D=100)
        own = [mul([[pw[i][i]]], [[s.recip(total(pw[i]))]])[0][0] for i in range(B)]
        loss_i = s.box(f"after / m={m} / loss_i", [[s.nlog(own[i])] for i in range(B)])
        after[m] = s.box(f"after / m={m} / loss", [[mean(row[0] for row in loss_i)]])
    s.box("after / loss", [[after[4][0][0] + after[2][0][0]]])
    # the lesson: each pair's cosine and each width's loss, before and after
    before_S = {m: s.values_of(f"m={m} / S") for m in (4, 2)}
    for m in (4, 2):
        s.box(f"lesson / cos{m}", [[before_S[m][i][i], after_S[m][i][i]] for i in range(B)])
    s.box("lesson / loss", [[loss[m][0][0], after[m][0][0]] for m in (4, 2)])


def _cosines(Y, B):
    A, P = cols(Y, 0, B), cols(Y, B, 2 * B)
    return div(mm(T(A), P), mm(T(colnorm(A)), colnorm(P)))


def _dY_exact(A, P, t):
    """The gradient at Y (exact): each width's InfoNCE gradient through the cosines, the
    two widths added (width 2's in rows 1-2)."""
    B = len(A[0])
    out = {}
    for m in (4, 2):
        lA, lP = colnorm(A[:m]), colnorm(P[:m])
        S = div(mm(T(A[:m]), P[:m]), mm(T(lA), lP))
        logits = div(S, const(t))
        pw = [[apply(lambda v: 3.0 ** v, x) for x in row] for row in sub(logits, rowmax(logits))]
        out[m] = _grad_A(A[:m], P[:m], lA, lP, div(pw, rowsum(pw)), t)
    return cat(add(out[4][0], pad(out[2][0], 4)), add(out[4][1], pad(out[2][1], 4)))


def head(d, s: Run):
    X, W_up, W_down, Tt = (mat(d[k]) for k in ("X", "W_up", "W_down", "T"))
    B = len(X[0])
    # page 1: one matrix
    M = s.box("M", mm(W_down, W_up))
    Y = s.box("Y", mm(M, X))
    # page 2: distillation; the gradient's first 2 rows only
    U = s.box("U", mm(W_up, X))
    D = s.box("D", sub(U, Tt))
    s.box("dW_up", div(mm(D, T(X)), const(B)), rest="blank")
    s.box("distill loss", [[total(x * x for row in D for x in row) / (2 * B)]])
    # page 3: truncation; 100 over each length is printed, so no long division
    R = s.grey("R", lambda: [[N(100 / x.v) for x in colnorm(Y)[0]]])
    R2 = s.grey("R2", lambda: [[N(100 / x.v) for x in colnorm(Y[:2])[0]]])
    E = s.box("E", div(mul(Y, R), const(100)))
    E2 = s.box("E2", div(mul(Y[:2], R2), const(100)))
    cos4 = s.box("cos4", mm(T(E), E), rest="blank")
    cos2 = s.box("cos2", mm(T(E2), E2), rest="blank")
    # what this showed
    s.box("lesson / rank M", [[N(rank(M), frozenset().union(*(x.d for row in M for x in row)))]])
    s.box("lesson / moved", sub(cos2, cos4), rest="blank")


SHEETS = {"decode": decode, "embed": embed, "infonce": infonce, "mrl": mrl,
          "finetune": finetune, "head": head}


# -- the answers file -----------------------------------------------------------------

def parse_template(text: str):
    """Boxes in sheet order: key -> ask mask (the template's ``""`` cells), and the page
    each key is on."""
    data = tomllib.loads(text)
    asks, page_of, page = {}, {}, 0
    for line in text.splitlines():
        m = re.match(r"# -- page (\d+):", line)
        if m:
            page = int(m[1])
        elif " = " in line and not line.startswith("#"):
            key = line.split(" = ", 1)[0]
            key = json.loads(key) if key.startswith('"') else key
            if key not in ("worksheet", "seed", "student"):
                page_of[key] = page
    for key in page_of:
        v = data[key]
        asks[key] = [[True]] if v == "" else [[c == "" for c in row] for row in v]
    return asks, page_of


def cells_in_order(asks):
    return [(k, r, c) for k, ask in asks.items() for r, row in enumerate(ask)
            for c, a in enumerate(row) if a]


def fmt(v) -> str:
    if isinstance(v, str):
        return json.dumps(v)
    assert math.isfinite(v)
    if abs(v - round(v)) < 1e-9:
        return str(int(round(v)))
    return f"{v:.2f}"


def fill(template: str, asks, written: dict, pages=None, page_of=None, student="") -> str:
    """The template with the student's values in its ``""`` cells (in order); boxes on
    pages not in ``pages`` left blank."""
    values = []
    for cell in cells_in_order(asks):
        if pages is not None and page_of[cell[0]] not in pages:
            values.append('""')
        else:
            values.append(fmt(written[cell]))
    it = iter(values)
    out = []
    for line in template.splitlines():
        if line.startswith("student = "):
            line = f"student = {json.dumps(student)}"
        elif not line.startswith("#") and not line.startswith("worksheet"):
            line = re.sub(r'""', lambda _: next(it), line)
        out.append(line)
    assert next(it, None) is None
    return "\n".join(out) + "\n"


# -- what honest students write -------------------------------------------------------

HONEST_STUDENTS = 24


def honest_range(name, numbers, asks, exact: Run, clean: Run) -> dict:
    """For each box, the lowest and highest value honest students write: ours, the exact
    value, and students whose every box is rounded from anywhere within 0.005 of their
    own result (so a near tie in the rounding goes either way). A later box the slip
    moved outside this range (by more than 0.01) is one a slip really changed."""
    rng = random.Random(f"{name} {numbers!r}")
    runs = [clean]
    for _ in range(HONEST_STUDENTS):
        run = Run(asks, exact, jitter=rng)
        SHEETS[name](numbers, run)
        runs.append(run)
    out = {}
    for cell in clean.written:
        vs = [run.written[cell] for run in runs]
        if isinstance(vs[0], str):
            out[cell] = set(vs)
        else:
            vs.append(exact.values[cell[0]][cell[1]][cell[2]].v)   # boxes are kept as shown
            out[cell] = (min(vs), max(vs))
    return out


def outside(v, honest, margin=0.01) -> bool:
    if isinstance(honest, set):
        return v not in honest
    return not honest[0] - margin - 1e-9 <= v <= honest[1] + margin + 1e-9


# -- the command ----------------------------------------------------------------------

def cli(*args, check_rc=True):
    p = subprocess.run([sys.executable, "-m", "aibyhand", *args], capture_output=True,
                       text=True, timeout=120)
    if check_rc:
        assert p.returncode == 0, (args, p.stdout, p.stderr)
    return p


def seed_args(seed):
    return ["--seed", str(seed)] if seed else []


def parallel(fn, jobs):
    with ThreadPoolExecutor(max_workers=max(4, min(8, 2 * (os.cpu_count() or 2)))) as pool:
        return list(pool.map(fn, jobs))


def by_file(reports):
    """``check --json`` gives a list, one report per file read; index it by file stem."""
    return {Path(r["file"]).stem: r for r in reports}


@pytest.fixture(scope="module")
def classroom(tmp_path_factory):
    """Every sheet and seed: the numbers and template the student gets, our students'
    answers files, and what ``aibyhand check --json`` said about each (run once)."""
    root = tmp_path_factory.mktemp("students")
    cases = HONEST

    def get(case):
        name, seed = case
        path = root / f"{name}-{seed}.numbers.toml"
        try:
            cli("show", name, *seed_args(seed), "--save", str(path))
            template = cli("sheet", name, *seed_args(seed), "--answers-template").stdout
            return tomllib.loads(path.read_text()), template
        except AssertionError as err:  # reported by the tests of this case
            return err

    got = dict(zip(cases, parallel(get, cases)))

    # which checker id is which of our cells: a blank file lists every box, in order
    blanks = {}
    for (name, seed), g in got.items():
        if not isinstance(g, Exception):
            f = root / f"{name}-{seed}-blank.toml"
            f.write_text(g[1])
            blanks.setdefault(name, []).append(str(f))

    def blank(name):
        p = cli("check", name, *blanks[name], "--json", check_rc=False)
        try:
            return json.loads(p.stdout)
        except ValueError:
            return []

    blank_out = dict(zip(blanks, parallel(blank, list(blanks))))

    out, jobs = {}, []
    for (name, seed), g in got.items():
        out[(name, seed)] = case = {}
        try:
            if isinstance(g, Exception):
                raise g
            numbers, template = g
            asks, page_of = parse_template(template)
            order = cells_in_order(asks)
            ids = by_file(blank_out[name])[f"{name}-{seed}-blank"]["unchecked"]
            case.update(asks=asks, page_of=page_of, ids=dict(zip(order, ids)), n_ids=len(ids),
                        order=order)
            exact = Run()
            SHEETS[name](numbers, exact)
            runs = {"clean": Run(asks, exact)}
            for sseed, *slip in SLIPS[name]:
                if sseed == seed:
                    runs["slip"] = Run(asks, exact, tuple(slip))
            for run in runs.values():
                SHEETS[name](numbers, run)
            if "slip" in runs:
                case["honest"] = honest_range(name, numbers, asks, exact, runs["clean"])
        except Exception as err:  # reported by the test of this case
            case["error"] = err
            continue
        case["runs"] = runs
        for kind, run in runs.items():
            f = root / f"{name}-{seed}-{kind}.toml"
            f.write_text(fill(template, asks, run.written, student=f"{kind} {name} {seed}"))
            jobs.append((name, seed, kind, f))
        if seed == PARTIAL_SEED:
            f = root / f"{name}-{seed}-partial.toml"
            f.write_text(fill(template, asks, runs["clean"].written, pages={1}, page_of=page_of))
            jobs.append((name, seed, "partial", f))

    # one command per file, except the honest students of seeds 1-5: one command per
    # worksheet for those (several files: one JSON object per file; exit 0 iff no file
    # has a wrong box)
    single = [j for j in jobs if not (j[2] == "clean" and j[1] != 0)]
    batches = {}
    for j in jobs:
        if j[2] == "clean" and j[1] != 0:
            batches.setdefault(j[0], []).append(j)
    commands = [[j] for j in single] + list(batches.values())

    def check(group):
        name = group[0][0]
        p = cli("check", name, *(str(j[3]) for j in group), "--json", check_rc=False)
        return p.returncode, p.stdout, p.stderr

    for group, (rc, stdout, stderr) in zip(commands, parallel(check, commands)):
        try:
            got_json = json.loads(stdout)
        except ValueError:
            got_json = None
        reports = by_file(got_json or [])
        for name, seed, kind, f in group:
            mine = reports.get(f.stem)
            batch = None if len(group) == 1 or got_json is None else got_json
            if batch is not None and len(batch) != len(group):
                mine = None   # the command reported a file as unusable
            out[(name, seed)].setdefault("checked", {})[kind] = (f, rc, mine, stderr, batch)
    return out


def verdicts(case, kind):
    """The exit code, the JSON verdicts and the file; for a file checked with others,
    the exit code this file alone would give (the command's exit code is checked to be
    0 exactly when no file of the batch has a wrong box)."""
    f, rc, v, stderr, batch = case["checked"][kind]
    assert rc in (0, 1) and v is not None, f"{f}: exit {rc}\n{stderr}"
    if batch is not None:
        assert rc == (1 if any(b["wrong"] for b in batch) else 0)
        rc = 1 if v["wrong"] else 0
    return rc, v, f


def describe(case, run, ids, honest=None):
    """Our values of some boxes, for a failure message."""
    inv = {v: k for k, v in case["ids"].items()}
    return "; ".join(f"{i} = {run.written.get(inv.get(i))!r}"
                     + (f" (honest: {honest[inv[i]]})" if honest else "") for i in ids)


def _case(classroom, name, seed):
    case = classroom[(name, seed)]
    if "error" in case:
        raise case["error"]
    assert case["n_ids"] == len(case["order"]), \
        f"the checker has {case['n_ids']} boxes, the template {len(case['order'])}"
    for (key, r, c), i in case["ids"].items():
        assert i == key or i.startswith(key + "["), (key, r, c, i)
    assert set(case["runs"]["clean"].written) == set(case["order"]), \
        "our student must fill exactly the template's boxes"
    return case


# -- the tests ------------------------------------------------------------------------

@pytest.mark.parametrize("name,seed", HONEST)
def test_honest_student_is_right_everywhere(classroom, name, seed):
    case = _case(classroom, name, seed)
    rc, v, f = verdicts(case, "clean")
    not_right = v["wrong"] + v["follow_through"] + v["unchecked"]
    assert not not_right, (f"{f}: not right: {not_right}; we wrote "
                           + describe(case, case["runs"]["clean"], not_right))
    assert rc == 0
    assert v["right"] == [case["ids"][c] for c in case["order"]]
    assert v["first_wrong"] is None


@pytest.mark.parametrize("name,seed", [(n, s[0]) for n in NAMES for s in SLIPS[n]])
def test_one_slip_is_one_wrong_box_and_follow_through(classroom, name, seed):
    case = _case(classroom, name, seed)
    clean, slipped = case["runs"]["clean"], case["runs"]["slip"]
    key, r, c = slipped.slip
    ask = case["asks"][key]
    cell = (key, r % len(ask), c % len(ask[0]))
    assert cell in slipped.written and slipped.written[cell] == clean.written[cell] + 1
    ids = case["ids"]
    feeds = {x for x, deps in slipped.deps.items() if cell in deps}
    changed = {x for x in slipped.written if x != cell and slipped.written[x] != clean.written[x]}
    assert changed <= feeds, f"our dependency tracking missed {changed - feeds}"
    assert changed, "a slip in the middle of the sheet must change a later box"
    # the slip must be a middle box: not on the last page
    assert case["page_of"][key] < max(case["page_of"].values())

    rc, v, f = verdicts(case, "slip")
    assert v["wrong"] == [ids[cell]], (
        f"{f}: wrong {v['wrong']} (slip: {ids[cell]}); we wrote " + describe(case, slipped, v["wrong"]))
    assert rc == 1
    assert v["first_wrong"] == ids[cell]
    follow = set(v["follow_through"])
    # really changed: moved out of what honest students write
    moved = {x for x in changed if outside(slipped.written[x], case["honest"][x])}
    assert moved, "the slip must move a later box out of the honest range"
    missed = sorted({ids[x] for x in moved} - follow, key=list(ids.values()).index)
    assert not missed, (f"{f}: moved by the slip out of the honest range, but not "
                        f"follow-through: {missed}; " + describe(case, slipped, missed, case["honest"]))
    stray = follow - {ids[x] for x in feeds}
    assert not stray, f"{f}: follow-through the slip does not feed: {sorted(stray)}"
    assert not v["unchecked"]
    assert set(v["right"]) == set(ids.values()) - follow - {ids[cell]}


@pytest.mark.parametrize("name", NAMES)
def test_partial_file_checks_page_one_only(classroom, name):
    case = _case(classroom, name, PARTIAL_SEED)
    rc, v, f = verdicts(case, "partial")
    ids = case["ids"]
    first = [ids[x] for x in case["order"] if case["page_of"][x[0]] == 1]
    rest = [ids[x] for x in case["order"] if case["page_of"][x[0]] != 1]
    assert first and rest
    assert rc == 0, f"{f}: {v}"
    assert v["right"] == first
    assert v["unchecked"] == rest
    assert not v["wrong"] and not v["follow_through"]
