"""A second, deliberately naive Transformer: plain Python, one number at a time.

Written from the worksheet's description, not from aibyhand.backbone, so that agreement
between the two means something.
"""

import math


def col(M, j):
    return [row[j] for row in M]


def matvec(M, v):
    return [sum(M[i][k] * v[k] for k in range(len(v))) for i in range(len(M))]


def softmax(xs, base):
    top = max(xs)
    ex = [base ** (x - top) for x in xs]
    return [e / sum(ex) for e in ex]


def hidden_states(p, ids, causal, base):
    """The block's output, one column (list) per token."""
    n = len(ids)
    X = [[p["Etok"][i][ids[t]] + p["Pos"][i][t] for i in range(len(p["Etok"]))] for t in range(n)]
    Q = [matvec(p["Wq"], x) for x in X]
    K = [matvec(p["Wk"], x) for x in X]
    V = [matvec(p["Wv"], x) for x in X]
    dk = len(p["Wq"])
    H = []
    for q in range(n):
        keys = range(q + 1) if causal else range(n)
        scores = [sum(K[k][i] * Q[q][i] for i in range(dk)) / math.sqrt(dk) for k in keys]
        weights = softmax(scores, base)
        z = [sum(w * V[k][i] for w, k in zip(weights, keys)) for i in range(len(V[0]))]
        h1 = [X[q][i] + z[i] for i in range(len(z))]
        r = [max(f, 0.0) for f in matvec(p["W1"], h1)]
        g = matvec(p["W2"], r)
        H.append([h1[i] + g[i] for i in range(len(h1))])
    return H


def next_word_probs(p, ids, base, temperature=1.0):
    h = hidden_states(p, ids, causal=True, base=base)[-1]
    V = len(p["Etok"][0])
    logits = [sum(p["Etok"][i][v] * h[i] for i in range(len(h))) / temperature for v in range(V)]
    return softmax(logits, base)


def embedding(p, ids, base, pooling="mean", causal=False):
    H = hidden_states(p, ids, causal=causal, base=base)
    if pooling == "mean":
        x = [sum(h[i] for h in H) / len(H) for i in range(len(H[0]))]
    else:
        x = H[-1]
    y = matvec(p["W_down"], matvec(p["W_up"], x))
    norm = math.sqrt(sum(v * v for v in y))
    return [v / norm for v in y]
