"""A class set: a roster becomes one named variant per student, on paper and as a page.

``aibyhand class NAME ROSTER -o DIR`` reads the roster (:func:`read_roster`), gives each
student a seed (:func:`assign`) and writes (:func:`make`)::

    DIR/roster.toml                      each student's name, id, seed and files
    DIR/all-sheets.pdf                   every student's sheet, ready to print
    DIR/all-keys.pdf                     every student's answer key
    DIR/keys/NAME-STEM-key.pdf           one student's key (for the instructor only)
    DIR/students/STEM/NAME-STEM.pdf      the sheet, with the name and variant at the top
    DIR/students/STEM/NAME-STEM.html     the web page, the name filled in
    DIR/students/STEM/answers-NAME-SLUG.toml   the answers template, student and seed filled in

(``NAME`` is the worksheet, ``SLUG`` the student's :func:`~aibyhand.classroom.names.slug`,
``STEM`` the slug, with the id's slug added where two students share a name.) A
student's folder holds what they may see; the keys are apart. In the print-ready PDFs
every student's pages start on a new leaf when printed on both sides: a sheet of an odd
number of pages is followed by a blank page. They are the students' own PDFs joined
(:class:`_Pdf`), so each sheet is drawn once. Variants are made and sheets written in
:data:`WORKERS` processes (:class:`_Many`, :func:`_mapped`); a variant follows from its
seed alone, so the files are the same as one process writes.

**Seeds.** A student's seed follows from the worksheet and their id (their name where
the roster has no id) alone: the first 8 bytes of SHA-256 over ``aibyhand class set``,
the worksheet, the NFC key and a counter ``k``, as a big-endian integer, modulo
999,999,999, plus 1 (never seed 0, whose key is printed in the repository). So the
same roster gives the same seeds on every machine and Python version, and running the
command again remakes a lost sheet byte for byte. Within a class set (at most
:data:`MAX_STUDENTS` students) no two students share a variant, a final loss (the
sheet's last result: :func:`aibyhand.classroom.variants.final`) or more than a fifth of
their boxes (:func:`aibyhand.classroom.variants.shared`): students are taken in roster
order, each with ``k = 0``; a student whose seed would collide with an earlier one's in
any of these ways takes ``k = 1``, then 2 ..., and ``roster.toml`` records ``k`` and
with whom it collided. A ``roster.toml`` already in DIR keeps its students' seeds (a
student added to the roster later cannot move anyone), and new students are kept apart
from all of them.

**When roster order leaves a collision.** Taking students one at a time can corner a
later one: every seed of theirs collides with someone earlier, though moving that
earlier student would make room. Then the class set untangles (:func:`_untangle`): the
students not pinned by an earlier ``roster.toml`` move among their own first
:data:`MAX_MOVES` seeds until nobody collides (a min-conflicts search, its random draws
seeded by the worksheet and the roster, so the same roster still gives the same class
set), and each then moves back to their smallest ``k`` that adds no collision.
``roster.toml`` records such a move (``moved``, and "moved to keep the class apart").

**When a worksheet has too few variants for the class.** If even untangling leaves
someone colliding, every student still gets a sheet, and ``roster.toml`` records with
whom each still collides (``shares``: only students before them in the roster), as
``aibyhand class`` prints. A hand-friendly sheet's numbers come from a small set
(InfoNCE's powers of 3 are whole fractions; its final loss takes a few hundred values),
so some worksheets cannot keep a large class wholly apart.
"""

from __future__ import annotations

import csv
import hashlib
import io
import os
import re
import sys
import unicodedata
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import output
from . import check, given, names, variants
from .worksheet import WorksheetError, read_toml

MAX_STUDENTS = 300
MAX_SEED = 10**9 - 1
MAX_MOVES = 256         # seeds a student may pass over before the class set gives up (the
                        # hand-friendly sheets share a fifth of their boxes in up to 1 pair in 10)
MAX_ROSTER_BYTES = 1024 * 1024
SALT = "aibyhand class set"


@dataclass
class Student:
    """One roster entry and what the class set gives them."""

    name: str
    id: str = ""
    line: int = 0           # where in the roster (1-based; the header is line 1 of a CSV)
    seed: int = 0
    moved: int = 0          # k: how many of their own seeds were passed over
    why: str = ""           # with whom the seeds passed over collided
    shares: str = ""        # with whom their own seed still collides (no seed was apart from all)
    stem: str = ""          # their folder and file names

    @property
    def key(self) -> str:
        """What their seed is made from: the id, or the name without one."""
        return self.id or self.name


# -- the roster ---------------------------------------------------------------------------

def read_roster(path: str | Path) -> list[Student]:
    """The students of a roster file: a CSV (``.csv``: a header row with a ``name``
    column and optionally ``id``, any case; comma, semicolon or tab between fields, as
    the header uses) or a text file with one name per line. Blank lines are skipped;
    spaces at either end of a name or id are dropped. Raises a one-line
    :class:`WorksheetError` for a file that cannot be used: not UTF-8, more than
    :data:`MAX_STUDENTS` students, a name that is empty, longer than
    :data:`~aibyhand.classroom.check.NAME_LENGTH` or holds a control character, the
    same id twice, or the same name twice without ids to tell the two apart."""
    path = given.path("path", path)
    try:
        raw = path.read_bytes()[:MAX_ROSTER_BYTES + 1] if path.is_file() else None
    except OSError as err:
        raise WorksheetError(f"{path}: cannot be read ({err.strerror or err})") from None
    if raw is None:
        raise WorksheetError(f"{path}: no such file" if not path.exists() else f"{path}: not a file")
    if len(raw) > MAX_ROSTER_BYTES:
        raise WorksheetError(f"{path}: larger than {MAX_ROSTER_BYTES // 1024} KB; a roster is a few KB")
    try:
        text = raw.decode("utf-8-sig")
    except UnicodeDecodeError:
        raise WorksheetError(f"{path}: not a text file in UTF-8 (save the roster as UTF-8)") from None
    # lines end at \n, \r\n or \r only: str.splitlines would also split a name at a
    # line separator or a control character (U+2028, U+001C), which the checks below refuse
    students = _csv(text, path) if path.suffix.lower() == ".csv" else [
        Student(line.strip(), line=k) for k, line in enumerate(re.split(r"\r\n|\r|\n", text), start=1)
        if line.strip()]
    if not students:
        raise WorksheetError(f"{path}: no students in it")
    if len(students) > MAX_STUDENTS:
        raise WorksheetError(f"{path}: {len(students)} students; a class set holds at most "
                             f"{MAX_STUDENTS} (split the roster)")
    for s in students:
        for what, value in (("name", s.name), ("id", s.id)):
            if (what == "name" and not value) or len(value) > check.NAME_LENGTH or any(
                    unicodedata.category(ch) in ("Cc", "Zl", "Zp") for ch in value):
                raise WorksheetError(f"{path}: line {s.line}: {what}: expected one line of 1 to "
                                     f"{check.NAME_LENGTH} characters, got {names.shown(value[:40])!r}")
    _no_two_alike(students, path)
    return students


def _csv(text: str, path: Path) -> list[Student]:
    lines = text.splitlines()
    header = next((ln for ln in lines if ln.strip()), "")
    delimiter = next((d for d in ",;\t" if d in header), ",")
    reader = csv.reader(io.StringIO(text), delimiter=delimiter)
    try:
        rows = list(reader)
    except csv.Error as err:  # a field over csv's limit (128 KB), say
        raise WorksheetError(f"{path}: line {reader.line_num}: cannot be read as CSV ({err}); a name "
                             f"is at most {check.NAME_LENGTH} characters") from None
    start = next((k for k, row in enumerate(rows) if any(c.strip() for c in row)), 0)
    head = [c.strip().lower() for c in rows[start]] if rows else []
    if "name" not in head:
        raise WorksheetError(f"{path}: expected a header row with a 'name' column (and "
                             f"optionally 'id'), got {names.shown(header[:60])!r}")
    twice = next((c for c in ("name", "id") if head.count(c) > 1), None)
    if twice:      # which of the two would be the student's is anybody's guess
        raise WorksheetError(f"{path}: the header row has the column {twice!r} twice; give it once")
    at_name, at_id = head.index("name"), head.index("id") if "id" in head else None
    out = []
    for k, row in enumerate(rows[start + 1:], start=start + 2):
        if not any(c.strip() for c in row):
            continue
        name = row[at_name].strip() if at_name < len(row) else ""
        sid = row[at_id].strip() if at_id is not None and at_id < len(row) else ""
        out.append(Student(name, sid, line=k))
    return out


def _no_two_alike(students: list[Student], path: Path) -> None:
    """No id twice; no name twice unless each of them has an id."""
    by_id: dict[str, Student] = {}
    by_name: dict[str, Student] = {}
    for s in students:
        if s.id:
            key = unicodedata.normalize("NFC", s.id)
            if key in by_id:
                raise WorksheetError(f"{path}: line {s.line}: the id {names.shown(s.id)!r} again "
                                     f"(line {by_id[key].line})")
            by_id[key] = s
        key = unicodedata.normalize("NFC", s.name)
        other = by_name.setdefault(key, s)
        if other is not s and not (s.id and other.id):
            raise WorksheetError(f"{path}: line {s.line}: the name {names.shown(s.name)!r} again "
                                 f"(line {other.line}); two students of one name need an id each "
                                 f"(a CSV with name and id columns)")


# -- seeds --------------------------------------------------------------------------------

def seed_of(worksheet: str, key: str, k: int = 0) -> int:
    """Seed ``k`` (>= 0) of a student whose key (id, or name) is ``key``: 1 ... 999,999,999."""
    worksheet, key = given.text("worksheet", worksheet), given.text("key", key)
    k = given.integer("k", k, minimum=0)
    return _seed_of(worksheet, key, k)


def _seed_of(worksheet: str, key: str, k: int = 0) -> int:
    """Seed ``k`` of a student (see the module docstring): 1 ... 999,999,999."""
    text = f"{SALT}\n{worksheet}\n{unicodedata.normalize('NFC', key)}\n{k}"
    h = int.from_bytes(hashlib.sha256(text.encode("utf-8")).digest()[:8], "big")
    return 1 + h % MAX_SEED


def _marks(name: str, data: dict, steps) -> tuple[np.ndarray, np.ndarray]:
    """A variant's final result and box values (what tells two variants apart), from
    its steps."""
    return np.ravel(variants.final(name, data, steps)), variants.box_values(name, data, steps)


@dataclass
class _Kept:
    seeds: list
    finals: list
    boxes: list
    who: list
    _rows_of: tuple = (0, None, None)   # (how many students, their boxes' rows, finals' rows)

    def rows(self) -> tuple[np.ndarray, np.ndarray]:
        """The kept students' boxes and final results as :func:`_rows` matrices."""
        if self._rows_of[0] != len(self.boxes):
            self._rows_of = (len(self.boxes), _rows(self.boxes), _rows(self.finals))
        return self._rows_of[1], self._rows_of[2]


def assign(worksheet: str, students: list[Student], pinned: dict[str, int] | None = None,
           progress=None, untangling=None, workers: int = 1, many: _Many | None = None) -> list[Student]:
    """Give every student a seed, in roster order, then untangle where that left any
    collision (see the module docstring). ``pinned``: key -> seed for students a class
    set made before (kept as they are). ``progress``: called once per student;
    ``untangling``: with how many students still collide, as the untangling starts and
    each time that falls; ``workers``: processes making variants (the same seeds
    whatever the number: a variant follows from its seed alone); ``many``: where they
    are made, when the caller wants the chosen ones' numbers (``many.data``)."""
    pinned = pinned or {}
    kept = _Kept([], [], [], [])
    order = sorted(students, key=lambda s: s.key not in pinned)   # the pinned first, each in roster order
    firsts = [pinned.get(t.key) or seed_of(worksheet, t.key) for t in order]
    with many or _Many(worksheet, workers) as many:
        for i, s in enumerate(order):
            if firsts[i] not in many.made:   # with the next students' first seeds, one a process
                many.marks(_unmade(many, firsts[i:], many.workers))
            if s.key in pinned:
                s.seed, s.moved, s.why = pinned[s.key], 0, ""
                marks = many.marks([s.seed])[0]
                s.shares = "; ".join(text for _, _, text in _clashes_of(kept, *marks))
                _keep(kept, s, marks)
            else:
                _choose(kept, worksheet, s, many, firsts[i + 1:])
            if progress:
                progress(s)
        if any(s.shares for s in order if s.key not in pinned):
            _untangle(worksheet, order, kept, [s.key not in pinned for s in order], untangling, many)
    return students


def _made(worksheet: str, seed: int) -> tuple[dict, tuple[np.ndarray, np.ndarray]]:
    """Seed ``seed``'s numbers, and their final result and box values."""
    data, steps = variants.made(worksheet, seed)
    return data, _marks(worksheet, data, steps)


class _Many:
    """Many variants' marks at once, in ``workers`` processes (1: in this one); each
    seed's made once (a student's seeds passed over while choosing are their first
    seeds again while untangling), and its numbers kept (``data``) for the sheets."""

    def __init__(self, worksheet: str, workers: int):
        self.worksheet, self.workers, self.pool = worksheet, max(1, workers), None
        self.made: dict[int, tuple[np.ndarray, np.ndarray]] = {}
        self.data: dict[int, dict] = {}

    def batch(self, tried: int) -> int:
        """How many seeds a student who has tried ``tried`` makes next: 1 (most keep their
        first), then ``workers``, then twice and four times as many (Decode's and Embed's
        take a second or two each: a guess too far ahead costs)."""
        if tried == 0 or self.workers == 1:
            return 1
        return self.workers * min(4, 2 ** (tried // self.workers // 2))

    def marks(self, seeds) -> list[tuple[np.ndarray, np.ndarray]]:
        seeds = [int(x) for x in seeds]
        new = [x for x in dict.fromkeys(seeds) if x not in self.made]
        if self.workers == 1 or len(new) < 2:
            got = [_made(self.worksheet, x) for x in new]
        else:
            if self.pool is None:
                self.pool = _pool(self.workers)
            got = self.pool.map(_made, [self.worksheet] * len(new), new,
                                chunksize=max(1, len(new) // (2 * self.workers)))
        for x, (data, marks) in zip(new, got):
            self.data[x], self.made[x] = data, marks
        return [self.made[x] for x in seeds]

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        if self.pool is not None:
            self.pool.shutdown(cancel_futures=True)


def _unmade(many: _Many, seeds, most: int) -> list[int]:
    """The first ``most`` of ``seeds`` (in order) not made yet, looking a few past them
    (not down a whole roster for every batch)."""
    return [x for x in seeds[:4 * most + 4] if x not in many.made][:most]


def _choose(kept: _Kept, worksheet: str, s: Student, many: _Many, ahead=()) -> None:
    """Student ``s``'s first seed apart from everyone kept, or (none is) the nearest.
    Their seeds are made a batch at a time (:meth:`_Many.batch`). ``ahead``: the first
    seeds of the students after them, which are made anyway: a batch past their own
    first seed holds one of those for every worker but one, instead of a seed of theirs
    that may not be needed (a guess that costs a Decode variant, a second or two)."""
    why, nearest = [], None
    k = 0
    while k < MAX_MOVES:
        size = many.batch(k)
        spare = _unmade(many, ahead, many.workers - 1) if k else []
        batch = [(j, seed_of(worksheet, s.key, j)) for j in range(k, min(MAX_MOVES, k + max(1, size - len(spare))))]
        k = batch[-1][0] + 1
        many.marks([seed for _, seed in batch if seed not in kept.seeds] + spare)
        for j, seed in batch:
            if seed in kept.seeds:
                why.append(f"seed {seed} is {names.shown(kept.who[kept.seeds.index(seed)])}'s")
                continue
            clashes = _clashes_of(kept, *many.made[seed])
            if not clashes:
                s.seed, s.moved, s.why = seed, j, _listed(why)
                _keep(kept, s, many.made[seed])
                return
            why.append(clashes[0][2])
            cost = (len(clashes), max(share for _, share, _ in clashes))
            if nearest is None or cost < nearest[0]:
                nearest = (cost, j, seed, clashes)
    if nearest is None:   # every seed was another student's: cannot happen with 10^9 seeds
        raise WorksheetError(f"{names.shown(s.name)}: all {MAX_MOVES} seeds of theirs are other students'")
    _, k, seed, clashes = nearest
    s.seed, s.moved = seed, k
    s.why = f"none of their {MAX_MOVES} seeds was apart from all {len(kept.seeds)} students before"
    s.shares = "; ".join(text for _, _, text in clashes)
    _keep(kept, s, many.made[seed])


def _listed(why: list[str], most: int = 3) -> str:
    """The first ``most`` reasons, and how many more (a line an instructor reads)."""
    more = len(why) - most
    return "; ".join(why[:most]) + (f"; and {more} more" if more > 0 else "")


def _clashes_of(kept: _Kept, final: np.ndarray, boxes: np.ndarray) -> list[tuple[int, float, str]]:
    if not kept.who:
        return []
    share, same = _compare(_rows([boxes]), _rows([final]), *kept.rows())
    out, n = [], len(boxes)   # told as a count: "20%" would hide 21%
    for j in np.flatnonzero(same[0] | (share[0] > variants.MAX_SHARED)):
        who = names.shown(kept.who[j])
        text = (f"the same final result as {who}" if same[0, j]
                else f"{round(share[0, j] * n)} of {n} boxes the same as {who}'s")
        out.append((int(j), float(share[0, j]), text))
    return out


def _keep(kept: _Kept, s: Student, marks: tuple[np.ndarray, np.ndarray]) -> None:
    kept.seeds.append(s.seed)
    kept.finals.append(marks[0])
    kept.boxes.append(marks[1])
    kept.who.append(s.name)


UNTANGLE_PATIENCE = 4000   # moves without fewer students colliding before the untangling stops
TABU = 10                  # moves before a student may take again a seed they have just left
POOL_STEP = 32             # a student's seeds are made this many at a time while untangling


def _untangle(worksheet: str, order: list[Student], kept: _Kept, free: list[bool], report,
              many: _Many) -> None:
    """Students in ``order`` (kept as ``kept``) still collide: move the ``free`` ones among
    their own first :data:`MAX_MOVES` seeds until none does. A min-conflicts search, as
    for graph colouring: a colliding student, drawn at random (a generator seeded by the
    worksheet and the roster, so the same roster gives the same class set), moves to the
    seed of theirs that collides with the fewest others (a seed left in the last
    :data:`TABU` moves counts half a collision more; ties drawn at random; never another
    student's seed; a student's seeds are made :data:`POOL_STEP` at a time, the next
    ones only when none made so far is free of collisions). It stops when no one
    collides, or after :data:`UNTANGLE_PATIENCE` moves without fewer students colliding,
    and keeps the arrangement with the fewest. ``report``: called with how many students
    collide, at the start and each time that falls; ``many``: where the seeds are made."""
    n = len(order)
    rng = np.random.default_rng(int.from_bytes(hashlib.sha256(
        "\n".join([SALT, worksheet, *(s.key for s in order)]).encode("utf-8")).digest()[:8], "big"))
    pools: dict[int, tuple] = {}

    def pool(i: int, size: int) -> tuple:   # student i's seeds k = 0 ... size - 1 at least, boxes, finals
        if i not in pools or len(pools[i][0]) < size:
            got = [seed_of(worksheet, order[i].key, k) for k in range(size)]
            marks = many.marks(got)
            pools[i] = (np.array(got), _rows([b for _, b in marks]), _rows([f for f, _ in marks]))
        return pools[i]

    def collisions(boxes, finals, seeds) -> np.ndarray:   # (n, n) who collides with whom
        M = _collide(boxes, finals, seeds, boxes, finals, seeds)
        np.fill_diagonal(M, False)
        return M | M.T

    def take(i: int, k: int, hit_k: np.ndarray) -> None:   # student i moves to their seed k
        seed_i, boxes_i, finals_i = pools[i]
        pick[i], chosen[i] = k, many.made[int(seed_i[k])]
        boxes[i], finals[i], seeds[i] = boxes_i[k], finals_i[k], seed_i[k]
        M[i, :], M[:, i] = hit_k, hit_k
        seen.moved(i)

    pick = [s.moved for s in order]
    chosen = [(kept.finals[i], kept.boxes[i]) for i in range(n)]
    boxes, finals, seeds = _rows(kept.boxes), _rows(kept.finals), np.array(kept.seeds)
    M = collisions(boxes, finals, seeds)
    seen = _Seen(n)
    tabu = np.zeros((n, MAX_MOVES), int)
    best, since = int(M.any(axis=1).sum()), 0
    saved = (list(pick), list(chosen), seeds.copy())    # roster order's, unless the search beats it
    if report:
        report(best)
    for step in range(1, 10**9):
        stuck = np.flatnonzero(M.any(axis=1) & np.array(free))
        if not len(stuck) or since >= UNTANGLE_PATIENCE:
            break
        i = int(stuck[rng.integers(len(stuck))])
        size = POOL_STEP
        while True:
            seed_i, boxes_i, finals_i = pool(i, min(size, MAX_MOVES))
            hit = seen.hits(i, seed_i, boxes_i, finals_i, boxes, finals, seeds)
            taken = np.isin(seed_i, np.delete(seeds, i))
            cost = hit.sum(axis=1) + 0.5 * (tabu[i, :len(seed_i)] > step) + np.where(taken, np.inf, 0.0)
            if pick[i] < len(cost):
                cost[pick[i]] = np.inf
            if cost.min() == 0 or len(seed_i) >= MAX_MOVES:
                break
            size = len(seed_i) + POOL_STEP
        if not np.isfinite(cost.min()):
            since += 1
            continue
        k = int(rng.choice(np.flatnonzero(cost == cost.min())))
        tabu[i, pick[i]] = step + TABU
        take(i, k, hit[k])
        now = int(M.any(axis=1).sum())
        if now < best:
            best, since, saved = now, 0, (list(pick), list(chosen), seeds.copy())
            if report:
                report(best)
        else:
            since += 1
    if int(M.any(axis=1).sum()) > best:
        pick, chosen, seeds = saved
        boxes, finals = _rows([b for _, b in chosen]), _rows([f for f, _ in chosen])
        M = collisions(boxes, finals, seeds)
    for i in np.flatnonzero(free):    # then each moves back to their smallest k that adds no collision
        if pick[i] == 0 or i not in pools or pick[i] >= len(pools[i][0]):
            continue
        seed_i, boxes_i, finals_i = pools[i]
        hit = _collide(boxes_i[:pick[i]], finals_i[:pick[i]], seed_i[:pick[i]], boxes, finals, seeds)
        hit[:, i] = False
        free_seed = ~np.isin(seed_i[:pick[i]], np.delete(seeds, i))
        fits = np.flatnonzero(~(hit & ~M[i]).any(axis=1) & free_seed)
        if len(fits):
            take(i, int(fits[0]), hit[fits[0]])
    _record(order, free, pick, chosen, seeds)


class _Seen:
    """Whom each student's seeds collide with, kept between the untangling's moves: a
    student's seeds are compared again only with the students who moved since (a move
    changes one student of the class; the untangling makes thousands)."""

    def __init__(self, n: int):
        self.n, self.moves, self.seen = n, np.zeros(n, int), {}

    def moved(self, j: int) -> None:
        """Student ``j`` took another seed."""
        self.moves[j] += 1

    def hits(self, i: int, seed_i, boxes_i, finals_i, boxes, finals, seeds) -> np.ndarray:
        """(seeds of student i, n): seed k of theirs collides with student j as the class
        is now (``boxes``, ``finals``, ``seeds``: its rows); never with themself."""
        then, old = self.seen.get(i, (self.moves, np.zeros((0, self.n), bool)))
        hit = np.empty((len(seed_i), self.n), bool)
        hit[:len(old)] = old
        stale = np.flatnonzero(self.moves != then)
        if len(stale) and len(old):
            hit[:len(old), stale] = _collide(boxes_i[:len(old)], finals_i[:len(old)], seed_i[:len(old)],
                                             boxes[stale], finals[stale], seeds[stale])
        hit[len(old):] = _collide(boxes_i[len(old):], finals_i[len(old):], seed_i[len(old):],
                                  boxes, finals, seeds)
        hit[:, i] = False
        self.seen[i] = (self.moves.copy(), hit)
        return hit


def _record(order: list[Student], free: list[bool], pick: list, chosen: list, seeds) -> None:
    """Each student's seed, ``k`` and collisions with the students before them, after
    untangling (a student kept from an earlier class set has no reason to give)."""
    before = _Kept([], [], [], [])
    for i, s in enumerate(order):
        if s.seed != int(seeds[i]):
            s.seed, s.moved = int(seeds[i]), pick[i]
            s.why = "moved to keep the class apart" if s.moved else ""
        clashes = _clashes_of(before, *chosen[i])
        s.shares = "; ".join(text for _, _, text in clashes)
        if not s.shares and s.why.startswith("none of their"):
            s.why = ""
        if s.shares and not s.why and free[i]:
            s.why = f"none of their {MAX_MOVES} seeds kept the class apart"
        before.seeds.append(s.seed)
        before.finals.append(chosen[i][0])
        before.boxes.append(chosen[i][1])
        before.who.append(s.name)


def _rows(arrays) -> np.ndarray:
    """Flattened arrays as the rows of one matrix, padded with NaN (equal to nothing)."""
    flat = [np.ravel(np.asarray(a, float)) for a in arrays]
    out = np.full((len(flat), max((len(f) for f in flat), default=0)), np.nan)
    for r, f in enumerate(flat):
        out[r, :len(f)] = f
    return out


def _compare(boxes_a, finals_a, boxes_b, finals_b) -> tuple[np.ndarray, np.ndarray]:
    """(len a, len b) each, for rows of :func:`_rows`: the share of boxes equal (0 where
    the sheets' box counts differ), and whether the final results are equal."""
    def width(x, w):
        return x if x.shape[1] == w else np.pad(x, ((0, 0), (0, w - x.shape[1])), constant_values=np.nan)
    w = max(boxes_a.shape[1], boxes_b.shape[1])
    boxes_a, boxes_b = width(boxes_a, w), width(boxes_b, w)
    w = max(finals_a.shape[1], finals_b.shape[1])
    finals_a, finals_b = width(finals_a, w), width(finals_b, w)
    same = _close(boxes_a[:, None, :], boxes_b[None, :, :]).sum(axis=2)
    count_a, count_b = (~np.isnan(boxes_a)).sum(axis=1), (~np.isnan(boxes_b)).sum(axis=1)
    share = np.where(count_a[:, None] == count_b[None, :], same / np.maximum(count_a, 1)[:, None], 0.0)
    a, b = finals_a[:, None, :], finals_b[None, :, :]
    final = (_close(a, b) | (np.isnan(a) & np.isnan(b))).all(axis=2)
    return share, final


def _close(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    """``np.isclose(a, b, rtol=0, atol=1e-9)`` (NaN equal to nothing), without its checks
    and copies: the untangling compares a student's seeds with the class thousands of
    times."""
    with np.errstate(invalid="ignore"):      # inf - inf
        return (np.abs(a - b) <= 1e-9) | (a == b)     # == for infinities, whose difference is NaN


def _collide(boxes_a, finals_a, seeds_a, boxes_b, finals_b, seeds_b) -> np.ndarray:
    """(len a, len b): variant a collides with variant b, as :func:`_clashes_of` decides
    (the same seed or final result, or more than a fifth of the boxes the same)."""
    share, final = _compare(boxes_a, finals_a, boxes_b, finals_b)
    return (share > variants.MAX_SHARED) | final | (seeds_a[:, None] == seeds_b[None, :])


def stems(students: list[Student]) -> None:
    """Each student's folder and file stem: their slug, with their id's added where two
    students share a slug."""
    count: dict[str, int] = {}
    for s in students:
        count[names.slug(s.name)] = count.get(names.slug(s.name), 0) + 1
    for s in students:
        base = names.slug(s.name)
        s.stem = base if count[base] == 1 else f"{base}-{names.slug(s.id)}"


# -- roster.toml ----------------------------------------------------------------------------

def roster_toml(worksheet: str, students: list[Student]) -> str:
    """The class set's record: per student name, id, seed, and where a seed was passed
    over, how many (``moved``) and why."""
    q = check.toml_string
    lines = [f"# a class set of worksheet {worksheet}: aibyhand class {worksheet} ROSTER -o DIR",
             "# each student's seed follows from the worksheet and their id (or name); 'moved' counts",
             "# the seeds a student passed over to stay apart from the students before them; 'shares'",
             "# (where no seed of theirs was apart from all) with whom their variant still collides",
             f"worksheet = {q(worksheet)}", ""]
    for s in students:
        lines += ["[[student]]", f"name = {q(s.name)}"]
        if s.id:
            lines.append(f"id = {q(s.id)}")
        lines += [f"seed = {s.seed}", f"files = {q('students/' + s.stem)}"]
        if s.moved:
            lines.append(f"moved = {s.moved}")
        if s.why:
            lines.append(f"why = {q(s.why)}")
        if s.shares:
            lines.append(f"shares = {q(s.shares)}")
        lines.append("")
    return "\n".join(lines)


def read_pinned(path: Path, worksheet: str) -> dict[str, int]:
    """key -> seed from a class set's ``roster.toml`` made before (empty if none)."""
    if not path.exists():
        return {}
    got = read_toml(path)
    if got.get("worksheet") != worksheet:
        raise WorksheetError(f"{path}: a class set of {names.shown(str(got.get('worksheet')))!r}, "
                             f"not {worksheet!r}: choose another folder")
    out = {}
    for k, entry in enumerate(got.get("student", []), start=1):
        if not isinstance(entry, dict) or not isinstance(entry.get("seed"), int) or \
                isinstance(entry.get("seed"), bool) or not isinstance(entry.get("name"), str):
            raise WorksheetError(f"{path}: student {k}: expected a name and a seed")
        out[entry.get("id") or entry["name"]] = entry["seed"]
    return out


# -- progress -------------------------------------------------------------------------------

def progress(total: int, what: str, stream=None):
    """A tqdm progress bar on ``stream`` (stderr), drawn only when it is a terminal; its
    note is the student's name, shown safely (:func:`~aibyhand.classroom.names.shown`)."""
    from tqdm import tqdm

    stream = sys.stderr if stream is None else stream
    try:
        on = bool(stream.isatty())
    except (AttributeError, ValueError, OSError):   # no stream, or a closed one
        on = False
    return tqdm(total=total, desc=what, file=stream, disable=not on, ascii=True, ncols=78,
                mininterval=0, leave=True,   # a step is a student's sheet: draw every one
                bar_format="{desc} |{bar}| {n_fmt}/{total_fmt} [{elapsed}<{remaining}]{postfix}")


def _step(bar, name: str) -> None:
    bar.set_postfix_str(names.shown(name)[:30], refresh=False)
    bar.update()


# -- the files ------------------------------------------------------------------------------

@dataclass
class Made:
    """What :func:`make` wrote."""

    students: list[Student]
    folder: Path
    kept: list[Path]        # answers files left as they were (they differ from a blank template)


WORKERS = min(8, len(os.sched_getaffinity(0)) if hasattr(os, "sched_getaffinity") else os.cpu_count() or 1)


def make(worksheet: str, roster: str | Path, folder: str | Path, *, paper: str | None = None,
         stream=None, workers: int = WORKERS) -> Made:
    """The class set of ``worksheet`` for ``roster`` in ``folder`` (see the module
    docstring); a progress bar on ``stream`` (stderr) when it is a terminal. An answers
    file already in a student's folder that is not the blank template is kept as it is
    (it may hold answers); every other file is written again, each whole or not at all
    (:mod:`aibyhand.output`). ``workers``: processes making variants and writing sheets
    (the same files whatever the number)."""
    from . import catalog

    ws = catalog.get(worksheet)
    students = read_roster(roster)
    folder = Path(given.path("folder", folder))
    if folder.exists() and not folder.is_dir():
        raise WorksheetError(f"-o {folder}: is a file; expected a folder for the class set")
    _writable(folder)   # before the variants are chosen: that takes a while for a large class
    pinned = read_pinned(folder / "roster.toml", ws.name)
    many = _Many(ws.name, workers)
    with progress(len(students), "choosing variants", stream) as bar:
        assign(ws.name, students, pinned, progress=lambda s: _step(bar, s.name),
               untangling=lambda n: bar.set_postfix_str(f"keeping apart: {n} collide"), many=many)
    stems(students)
    (folder / "keys").mkdir(parents=True, exist_ok=True)
    kept = []
    sheets, keys = _Pdf(), _Pdf()
    tasks = [(ws.name, s, folder, paper, many.data[s.seed]) for s in students]
    with progress(len(students), "writing sheets", stream) as bar:
        for s, (left, sheet_pdf, key_pdf) in zip(students, _mapped(_write_student, tasks, workers)):
            kept += left
            sheets.add(sheet_pdf.read_bytes())
            keys.add(key_pdf.read_bytes())
            _step(bar, s.name)
    output.write(folder / "all-sheets.pdf", sheets.close())
    output.write(folder / "all-keys.pdf", keys.close())
    output.write(folder / "roster.toml", roster_toml(ws.name, students))
    return Made(students, folder, kept)


def _mapped(fn, tasks: list, workers: int):
    """``fn`` over ``tasks``, in order, in ``workers`` processes (1: in this one)."""
    if workers <= 1 or len(tasks) < 2:
        yield from map(fn, tasks)
        return
    with _pool(min(workers, len(tasks))) as pool:
        yield from pool.map(fn, tasks)


def _pool(workers: int):
    """``workers`` worker processes, each ending with this one (:func:`_end_with_parent`)."""
    from concurrent.futures import ProcessPoolExecutor

    return ProcessPoolExecutor(workers, initializer=_end_with_parent)


def _end_with_parent() -> None:
    """In a worker process: end when the class set's own process ends, however it ends
    (Linux's PR_SET_PDEATHSIG), so that a killed command leaves no worker behind."""
    import ctypes
    import signal

    try:
        ctypes.CDLL(None, use_errno=True).prctl(1, signal.SIGTERM)   # 1: PR_SET_PDEATHSIG
    except (OSError, AttributeError):   # not Linux: Python's own pool ends its workers
        pass


def _writable(folder: Path) -> None:
    """Make ``folder`` (and its parents) and check it can be written in, or a one-line
    :class:`WorksheetError` naming ``-o``."""
    try:
        folder.mkdir(parents=True, exist_ok=True)
        ok = os.access(folder, os.W_OK)
    except OSError as err:
        raise WorksheetError(f"-o {folder}: cannot be written ({output._why(err, folder)})") from None
    if not ok:
        raise WorksheetError(f"-o {folder}: cannot be written (no permission to write in {str(folder)!r})")


def _write_student(task) -> tuple[list[Path], Path, Path]:
    """Write one student's sheet, key, page and answers template (``task``: worksheet,
    student, folder, paper, the numbers of their seed); the answers file kept as it was
    (if it was), where the sheet's PDF and the key's are."""
    from . import catalog, page, sheet

    name, s, folder, paper, data = task
    ws = catalog.get(name)
    parts = ws.run(data)
    steps = ws.join(parts)
    mine = folder / "students" / s.stem
    mine.mkdir(parents=True, exist_ok=True)
    stem = f"{ws.name}-{s.stem}"
    source = f"variant {s.seed}"
    pdfs = []
    for key, out in ((False, mine / f"{stem}.pdf"), (True, folder / "keys" / f"{stem}-key.pdf")):
        figs, _ = sheet.worksheet_pages(ws, data, key=key, source=source, parts=parts, student=s.name,
                                        **_supported(sheet.worksheet_pages, paper=paper))
        try:
            one = io.BytesIO()
            sheet.save_pdf(figs, one)
        finally:
            sheet.close(figs)
        pdfs.append(output.write(out, one.getvalue()))
    html = page.render(ws, data, source=source, parts=parts, seed=s.seed, student=s.name, student_id=s.id)
    output.write(mine / f"{stem}.html", html)
    template = check.template(ws.sheet, steps, worksheet=ws.name, seed=s.seed, student=s.name, id=s.id)
    answers = mine / f"answers-{ws.name}-{names.slug(s.name)}.toml"
    left = []
    if answers.exists() and answers.read_bytes() != template.encode("utf-8"):
        left.append(answers)
    else:
        output.write(answers, template)
    return left, pdfs[0], pdfs[1]


def _supported(fn, **options) -> dict:
    """The options ``fn`` takes (and that are given)."""
    import inspect

    params = inspect.signature(fn).parameters
    return {k: v for k, v in options.items() if k in params and v is not None}


class _Pdf:
    """One PDF of many students' PDFs, one after another, each student's first page on a
    new leaf when printed on both sides (a blank page after an odd number of pages).
    Joined with pypdf: each sheet is drawn once, for its student's own PDF."""

    def __init__(self):
        from pypdf import PdfWriter

        self.writer = PdfWriter()
        self.blanks: dict[tuple[float, float], bytes] = {}

    def add(self, pdf: bytes) -> None:
        from pypdf import PdfReader

        reader = PdfReader(io.BytesIO(pdf))
        self.writer.append(reader)
        if len(reader.pages) % 2:
            box = reader.pages[-1].mediabox
            self.writer.append(PdfReader(io.BytesIO(self._blank(float(box.width), float(box.height)))))

    def _blank(self, width: float, height: float) -> bytes:   # in points
        if (width, height) not in self.blanks:
            import matplotlib.pyplot as plt

            from .sheet import save_pdf

            blank = plt.figure(figsize=(width / 72, height / 72))
            blank.text(0.5, 0.04, "(left blank: the next sheet starts on a new leaf)", ha="center",
                       fontsize=7, color="0.6")
            one = io.BytesIO()
            save_pdf([blank], one)
            plt.close(blank)
            self.blanks[width, height] = one.getvalue()
        return self.blanks[width, height]

    def close(self) -> bytes:
        """The PDF's bytes."""
        from .sheet import PDF_METADATA

        self.writer.add_metadata({f"/{k}": v for k, v in PDF_METADATA.items() if v is not None})
        self.writer.compress_identical_objects()   # the fonts and the blank page, kept once
        out = io.BytesIO()
        self.writer.write(out)
        return out.getvalue()
