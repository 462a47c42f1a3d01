"""The class set's untangling, rule by rule (see ``classset``'s docstring).

Variants are faked: each seed's final loss and boxes are chosen by the test, so every
collision is known by construction. Written from the mutations an independent audit made
(a threshold off by one, another student's seed taken, the best arrangement not kept, the
tabu never applying, draws that depend on the process, ...), each of which one of these
fails.
"""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap
from pathlib import Path

import numpy as np
import pytest

from aibyhand.classroom import classset, variants
from fakevariants import fake


def students(*names):
    return [classset.Student(n) for n in names]


def sd(key, k=0):
    return classset.seed_of("w", key, k)


def ana_and_ben(mp, ana1_ben0_same=0):
    """Every Ben seed shares 30% of Ana's k = 0; Ana's k = 2 collides with Ben's k = 0; so
    the one way apart is Ana k = 1, Ben k = 0. ``ana1_ben0_same``: boxes Ana's k = 1 shares
    with Ben's k = 0 (2 of 10 is a fifth: still apart)."""
    mp.setattr(classset, "MAX_MOVES", 3)
    ana = [sd("Ana", k) for k in range(3)]
    ben = [sd("Ben", k) for k in range(3)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate(ana + ben)}
    for b in ben:
        boxes[b][:3] = boxes[ana[0]][:3]
    boxes[ana[2]][5:8] = boxes[ben[0]][5:8]
    boxes[ana[1]][8:8 + ana1_ben0_same] = boxes[ben[0]][8:8 + ana1_ben0_same]
    finals = {s: float(s) for s in boxes}
    return ana, ben, boxes, finals


def test_exactly_a_fifth_of_the_boxes_is_apart_while_untangling_too(monkeypatch):
    ana, ben, boxes, finals = ana_and_ben(monkeypatch, ana1_ben0_same=2)
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    st = students("Ana", "Ben")
    classset.assign("w", st)
    assert [(s.seed, s.moved, s.shares) for s in st] == [(ana[1], 1, ""), (ben[0], 0, "")]


def test_a_seed_that_is_another_students_is_passed_over_and_named(monkeypatch):
    a0, c1, c2 = sd("Ana"), sd("Cai", 1), sd("Cai", 2)
    monkeypatch.setattr(classset, "seed_of", lambda w, key, k=0: {"Ana": [a0], "Cai": [a0, c1, c2]}[key][k])
    table = {a0: (0.0, list(range(10))), c1: (1.0, list(range(10, 20)))}
    fake(monkeypatch, lambda s: table[s])
    st = students("Ana", "Cai")
    classset.assign("w", st)
    assert (st[1].seed, st[1].moved, st[1].why) == (c1, 1, f"seed {a0} is Ana's")


@pytest.mark.parametrize("third", ["both", "ana"])
def test_never_another_students_seed_in_the_search_or_the_move_back(monkeypatch, third):
    """Cai's k = 1 is pinned Ana's own seed, free of collisions were it allowed: never taken."""
    monkeypatch.setattr(classset, "MAX_MOVES", 3)
    ana, bo, c0, c2 = sd("Ana"), sd("Bo"), sd("Cai", 0), sd("Cai", 2)
    monkeypatch.setattr(classset, "seed_of",
                        lambda w, key, k=0: {"Ana": [ana], "Bo": [bo], "Cai": [c0, ana, c2]}[key][k])
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([ana, bo, c0, c2])}
    boxes[c0][:3], boxes[c0][5:8] = boxes[ana][:3], boxes[bo][5:8]          # k = 0: Ana and Bo
    if third == "both":                                                     # k = 2: Ana and Bo, more
        boxes[c2][:4], boxes[c2][5:9] = boxes[ana][:4], boxes[bo][5:9]
    else:                                                                   # k = 2: Ana only
        boxes[c2][:3] = boxes[ana][:3]
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    st = students("Ana", "Bo", "Cai")
    classset.assign("w", st, {"Ana": ana, "Bo": bo})
    assert st[2].seed != ana
    assert (st[2].seed, st[2].moved) == ((c0, 0) if third == "both" else (c2, 2))


def random_class(mp, r, n_free=4, moves=4):
    """Students whose seeds carry 3 random tags of 3 boxes each: an equal tag is 30% of
    the boxes shared, so many such classes cannot be kept wholly apart."""
    rng = np.random.default_rng(r)
    mp.setattr(classset, "MAX_MOVES", moves)
    who = [f"S{r}-{j}" for j in range(n_free)]
    pool = [sd(w, k) for w in who for k in range(moves)]
    boxes = {}
    for n, s in enumerate(pool):
        tags = rng.integers(0, 3, size=3)
        boxes[s] = [500 + 10 * j + tags[j] for j in range(3) for _ in range(3)] + [1000 * n]
    return who, boxes


def colliding(st, boxes):
    bad = set()
    for i in range(len(st)):
        for j in range(i):
            a, b = np.array(boxes[st[i].seed]), np.array(boxes[st[j].seed])
            if st[i].seed == st[j].seed or (a == b).mean() > variants.MAX_SHARED:
                bad |= {i, j}
    return len(bad)


def test_the_untangling_keeps_the_best_arrangement_it_saw(monkeypatch):
    """Never more students colliding at the end than the untangling last reported (nor
    than roster order left, its first report), over 40 random classes."""
    monkeypatch.setattr(classset, "UNTANGLE_PATIENCE", 6)
    for r in range(40):
        who, boxes = random_class(monkeypatch, r)
        fake(monkeypatch, lambda s: (float(s), boxes[s]))
        st, told = students(*who), []
        classset.assign("w", st, untangling=told.append)
        if told:
            assert colliding(st, boxes) <= told[-1] <= told[0], r


class SpyRng:
    def __init__(self, real, seen):
        self.real, self.seen = real, seen

    def integers(self, *a, **k):
        return self.real.integers(*a, **k)

    def choice(self, a, *x, **k):
        self.seen.append(len(a))
        return self.real.choice(a, *x, **k)


def test_a_seed_just_left_is_not_taken_again_while_tabu(monkeypatch):
    """Ana's three seeds all collide with pinned Zed alike: her first move may go to
    either other seed; her second has one choice, not the seed she just left."""
    monkeypatch.setattr(classset, "MAX_MOVES", 3)
    monkeypatch.setattr(classset, "UNTANGLE_PATIENCE", 20)
    zed, ana = sd("Zed"), [sd("Ana", k) for k in range(3)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([zed, *ana])}
    for a in ana:
        boxes[a][:3] = boxes[zed][:3]
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    seen, real = [], np.random.default_rng
    monkeypatch.setattr(classset.np.random, "default_rng", lambda *a: SpyRng(real(*a), seen))
    classset.assign("w", students("Zed", "Ana"), {"Zed": zed})
    assert seen[0] == 2 and seen[1] == 1


SCRIPT = textwrap.dedent("""
    import sys
    sys.path.insert(0, {here!r})
    import test_class_untangle as t
    from aibyhand.classroom import classset

    class MP:
        def setattr(self, o, n, v):
            setattr(o, n, v)

    out = []
    for r in range(6):
        who, boxes = t.random_class(MP(), r, n_free=6, moves=6)
        t.fake(MP(), lambda s, b=boxes: (float(s), b[s]))
        st = t.students(*who)
        classset.assign("w", st)
        out.append([s.seed for s in st])
    print(out)
""")


def test_the_same_roster_gives_the_same_class_set_in_every_process():
    """Classes with many equally good arrangements, in processes whose string hashing
    differs: the untangling's random draws depend on the worksheet and roster alone."""
    script = SCRIPT.format(here=str(Path(__file__).resolve().parent))
    runs = {subprocess.run([sys.executable, "-c", script], capture_output=True, text=True, check=True,
                           env={**os.environ, "PYTHONHASHSEED": str(h)}).stdout for h in (1, 2, 3)}
    assert len(runs) == 1 and "[" in runs.pop()


def test_the_progress_counts_those_colliding_not_the_class(monkeypatch):
    ana, ben, boxes, finals = ana_and_ben(monkeypatch)
    cai = sd("Cai")
    boxes[cai], finals[cai] = list(range(900, 910)), -1.0
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    told = []
    classset.assign("w", students("Ana", "Ben", "Cai"), untangling=told.append)
    assert told[0] == 2 and told[-1] == 0


def test_a_student_the_untangling_leaves_alone_keeps_their_reasons(monkeypatch):
    ana, ben, boxes, finals = ana_and_ben(monkeypatch)
    d0, d1 = sd("Dan"), sd("Dan", 1)
    boxes[d0], boxes[d1] = list(range(800, 810)), list(range(810, 820))
    finals[d0], finals[d1] = finals[ana[0]], -1.0
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    st = students("Ana", "Ben", "Dan")
    classset.assign("w", st)
    assert st[0].moved == 1 and (st[2].seed, st[2].moved, st[2].why) == (d1, 1, "the same final result as Ana")


def test_final_results_of_several_numbers_are_the_same_only_if_all_are(monkeypatch):
    a, b = sd("A"), sd("B")
    table = {a: ([1.0, 2.0], list(range(10))), b: ([1.0, 3.0], list(range(10, 20)))}
    fake(monkeypatch, lambda s: table[s])
    st = students("A", "B")
    classset.assign("w", st)
    assert (st[1].seed, st[1].moved, st[1].why) == (b, 0, "")


def test_the_untangling_looks_past_the_first_batch_of_seeds(monkeypatch):
    """Ana's k = 1 ... 39 collide with every Ben seed: the way apart is Ana's k = 40, past
    the first batches made, within her first 256."""
    ana = [sd("Ana", k) for k in range(classset.MAX_MOVES)]
    ben = [sd("Ben", k) for k in range(classset.MAX_MOVES)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate(ana + ben)}
    for b in ben:
        boxes[b][:3] = boxes[ana[0]][:3]
        boxes[b][5:8] = [555, 556, 557]
    for a in ana[1:40]:
        boxes[a][5:8] = [555, 556, 557]
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    st = students("Ana", "Ben")
    classset.assign("w", st)
    assert [(s.seed, s.moved, s.shares) for s in st] == [(ana[40], 40, ""), (ben[0], 0, "")]


def test_no_seed_is_made_twice_in_a_class_set(monkeypatch):
    """A seed a student passed over while choosing is one of their first seeds again
    while untangling: its variant is made once (a variant takes up to a second)."""
    made, real = [], classset._made
    monkeypatch.setattr(classset, "_made", lambda w, s: (made.append(s), real(w, s))[1])
    for r in range(6):
        who, boxes = random_class(monkeypatch, r, n_free=6, moves=6)
        fake(monkeypatch, lambda s, b=boxes: (float(s), b[s]))
        classset.assign("w", students(*who))
    assert len(made) > 6 * 6 and len(made) == len(set(made))


def test_whom_a_students_seeds_collide_with_stays_right_as_the_class_moves():
    """The untangling compares a student's seeds again only with those who moved since
    (``_Seen``): after any moves, what it holds is what a fresh comparison gives."""
    rng = np.random.default_rng(0)
    n, width = 7, 10

    def variant():   # boxes from a small set, so that a fifth is often shared
        return rng.integers(0, 3, width).astype(float), rng.integers(0, 4, 1).astype(float), int(rng.integers(50))

    pools = {i: [variant() for _ in range(2)] for i in range(n)}
    now = [pools[i][0] for i in range(n)]
    seen = classset._Seen(n)
    for _ in range(400):
        i = int(rng.integers(n))
        if rng.random() < 0.3:
            pools[i].append(variant())
        b_i, f_i, s_i = (np.array(x) for x in zip(*pools[i]))
        b, f, s = (np.array(x) for x in zip(*now))
        got = seen.hits(i, s_i, b_i, f_i, b, f, s)
        want = classset._collide(b_i, f_i, s_i, b, f, s)
        want[:, i] = False
        assert (got == want).all()
        j = int(rng.integers(n))
        now[j] = pools[j][int(rng.integers(len(pools[j])))]
        seen.moved(j)


def test_boxes_are_equal_as_np_isclose_says_with_no_rtol_and_nan_equal_to_nothing():
    v = np.array([0.0, 1e-9, -1e-9, 2e-9, 0.25, 0.25 + 1e-9, 1.0, np.inf, -np.inf, np.nan])
    a, b = v[:, None], v[None, :]
    assert (classset._close(a, b) == np.isclose(a, b, rtol=0, atol=1e-9)).all()


class InlinePool:
    """A process pool that makes the variants in this process and records each batch."""

    def __init__(self):
        self.batches = []

    def map(self, fn, *args, chunksize=1):
        calls = list(zip(*args))
        self.batches.append([a[-1] for a in calls])
        return [fn(*a) for a in calls]

    def shutdown(self, **kw):
        pass


@pytest.mark.parametrize("workers", [1, 2])
def test_many_answers_every_seed_asked_in_order_and_makes_each_once(monkeypatch, workers):
    made = []
    monkeypatch.setattr(classset, "_made", lambda w, s: (
        made.append(s), ({"seed": s}, (np.array([s], float), np.array([s], float))))[1])
    with classset._Many("w", workers) as many:
        many.pool = InlinePool() if workers > 1 else None
        many.marks([5])
        got = many.marks([7, 5, 7, 9, 5])
    assert [int(f[0]) for f, _ in got] == [7, 5, 7, 9, 5]
    assert made == [5, 7, 9] and many.data == {s: {"seed": s} for s in (5, 7, 9)}


def test_a_pinned_student_is_kept_by_their_pinned_seed_not_their_first(monkeypatch):
    """Ana was kept at her k = 1 seed by an earlier class set; Ben's k = 0 shares 30% of
    that seed's boxes (not of Ana's k = 0): Ben moves, and Ana's k = 0 is never made."""
    a0, a1, b0, b1 = sd("Ana"), sd("Ana", 1), sd("Ben"), sd("Ben", 1)
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([a0, a1, b0, b1])}
    boxes[b0][:3] = boxes[a1][:3]
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    made, real = [], classset._made
    monkeypatch.setattr(classset, "_made", lambda w, s: (made.append(s), real(w, s))[1])
    st = students("Ana", "Ben")
    classset.assign("w", st, {"Ana": a1})
    assert [(s.seed, s.moved) for s in st] == [(a1, 0), (b1, 1)]
    assert a0 not in made


def test_the_next_students_first_seeds_are_made_together_one_a_process(monkeypatch):
    """Pinned Cai (at k = 1) first, then Ana, Ben, Dee, all apart, 2 workers: Cai's pinned
    seed with Ana's first, then Ben's first with Dee's; every seed's numbers kept."""
    c1, a0, b0, d0 = sd("Cai", 1), sd("Ana"), sd("Ben"), sd("Dee")
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([c1, a0, b0, d0])}
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    many = classset._Many("w", 2)
    many.pool = InlinePool()
    st = students("Ana", "Ben", "Cai", "Dee")
    classset.assign("w", st, {"Cai": c1}, many=many)
    assert [s.seed for s in st] == [a0, b0, c1, d0]
    assert many.pool.batches == [[c1, a0], [b0, d0]]
    assert set(many.data) == {c1, a0, b0, d0}


def test_a_student_who_moves_makes_their_next_seed_with_a_later_students_first(monkeypatch):
    """Ben's first seed has Ana's final result, his second is apart; 2 workers. His second
    seed is made with Cai's first (which is made anyway), not with his own third, which
    nobody needs: every seed made is one a student took or passed over."""
    a0, b0, b1, c0, d0 = sd("Ana"), sd("Ben"), sd("Ben", 1), sd("Cai"), sd("Dee")
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([a0, b0, b1, c0, d0])}
    final = {s: float(s) for s in boxes}
    final[b0] = final[a0]
    fake(monkeypatch, lambda s: (final.get(s, float(s)), boxes.get(s, list(range(s % 97, s % 97 + 10)))))
    many = classset._Many("w", 2)
    many.pool = InlinePool()
    st = students("Ana", "Ben", "Cai", "Dee")
    classset.assign("w", st, many=many)
    assert [(s.seed, s.moved) for s in st] == [(a0, 0), (b1, 1), (c0, 0), (d0, 0)]
    assert many.pool.batches == [[a0, b0], [b1, c0]]   # Dee's, the last, alone (in this process)
    assert set(many.made) == {a0, b0, b1, c0, d0}


def test_the_seeds_made_ahead_are_the_first_not_made_yet():
    """``_unmade``: in order, skipping seeds already made, at most ``most`` of them."""
    many = classset._Many("w", 2)
    many.made = {5: None, 7: None}
    assert classset._unmade(many, [5, 6, 7, 8, 9], 2) == [6, 8]
    assert classset._unmade(many, [5, 7], 3) == []
    assert classset._unmade(many, [9, 8, 6], 1) == [9]
