"""Check a student's answers, box by box, the way an exam marker does: follow-through.

A student carries their own written values forward. So each box is judged against the
value its formula gives from the student's *own* earlier boxes (the exact values where
a box is blank), within what the rounding of those boxes allows: every written number
may be up to 0.005 from what the student meant (decimals to 2 places), a blank box up to
0.025 from its value (worked on scrap paper, rounded, carried), and interval arithmetic
(:func:`aibyhand.formula.enclose`) carries that through the formula. Then

- **right**: the value is what the exact chain gives, within rounding;
- **follow-through**: it is not, but it is what the student's own earlier values give
  (a box computed correctly from an earlier slip);
- **wrong**: neither.

So an honest student working to 2 decimals is right everywhere, and one slip gives one
wrong box with follow-through after it. Blank boxes are "not done"; a partial file is
checked as far as it goes. No expected value is printed unless asked (``reveal``).

The answers file is TOML: one key per matrix on the sheet (its name there, quoted when
it has spaces or symbols), a list of rows as the sheet shows them; ``""`` is a box not
yet done, ``"-"`` a cell the sheet does not ask; a box holds a number, a fraction in
quotes (``"3/13"``), or for a word's id the word itself. ``aibyhand sheet NAME
--answers-template`` writes a blank one; ``worksheet`` and ``seed`` keys say which sheet
it is for.

The interactive page (:mod:`aibyhand.classroom.page`) runs this same procedure in the
browser, on the same formulas; a test holds the two to the same verdicts.
"""

from __future__ import annotations

import json
import math
import re
import shlex
import unicodedata
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import formula
from ..steps import Steps, format_number, matrix
from . import layout, spelling, tables
from .layout import Cell, Sheet
from .worksheet import WorksheetError, digits, read_toml

RHO = 0.005          # a number written to 2 decimals is within this of what was meant
SLACK = 1e-9         # float rounding, relative
SKIPPED = 5 * RHO    # how far a box left blank may be from the value it stands for
LARGEST_HINT = "the row of the largest entry: compare them again"
META = ("worksheet", "seed", "student")   # keys of an answers file that are not boxes
NAME_LENGTH = 60     # a student's name, as the class summary prints it
BLANK, NOT_ASKED = "", "-"


# -- the template and reading answers -------------------------------------------------

def check_args(data: str | None) -> str:
    """What ``aibyhand check`` needs beyond the file: the numbers file a sheet was made from."""
    return f" --data {shlex.quote(str(data))}" if data else ""


def template(sheet: Sheet, steps: Steps, worksheet: str | None = None, seed: int | None = None,
             data: str | None = None) -> str:
    """A blank answers file: every box ``""``, every cell not asked ``"-"``, each
    matrix under a comment with its formula. ``data``: the numbers file the sheet was
    made from, which checking needs again."""
    lines = [f"# answers for: {steps.title}",
             "# fill each \"\" with your value: a number (2 decimals), or a fraction in quotes "
             "such as \"3/13\"; \"-\" cells are not asked",
             f"# check: aibyhand check {worksheet or 'NAME'} this-file.toml" + check_args(data), ""]
    if worksheet is not None:
        lines.append(f'worksheet = "{worksheet}"')
    if seed is not None:
        lines.append(f"seed = {seed}")
    if worksheet is not None:
        lines.append('student = ""   # your name, for the class summary')
    if worksheet is not None or seed is not None:
        lines.append("")
    for k, page in enumerate(sheet.pages, start=1):
        lines.append(f"# -- page {k}: {page.title}")
        for row in page.slots:
            for it in row:
                if it is None or it.role != "box":
                    continue
                value, _, _ = layout.shown(it, steps)
                ask = layout.mask_of(it, steps)
                lines.append(f"# {it.name} = {formula_of(it, steps)}")
                key = toml_key(it.name)
                if value.shape == (1, 1):
                    lines.append(f'{key} = ""')
                    continue
                lines.append(f"{key} = [")
                for r in range(value.shape[0]):
                    lines.append("  [" + ", ".join('""' if ask[r, c] else '"-"'
                                                   for c in range(value.shape[1])) + "],")
                lines.append("]")
        lines.append("")
    return "\n".join(lines)


def toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def formula_of(item, steps: Steps) -> str:
    """The formula a box shows (:func:`aibyhand.classroom.layout.formula`)."""
    return layout.formula(item, steps)


LIMIT_VALUE = 1e12


def read_answers(path: str | Path) -> dict:
    """An answers file as a mapping (bounded in size and nesting; one-line errors)."""
    return read_toml(Path(path))


def student_of(answers: Mapping, where: str) -> str:
    """The student's name in an answers file (``""`` if none): one line of at most
    NAME_LENGTH characters, no control characters (the page saves nothing else)."""
    name = answers.get("student", "")
    if not isinstance(name, str) or len(name) > NAME_LENGTH or any(
            unicodedata.category(ch) == "Cc" for ch in name):
        raise WorksheetError(f"{where}: student: expected a name in quotes (one line, at most "
                             f"{NAME_LENGTH} characters), got {str(name)[:40]!r}")
    return name.strip()


def parse_value(raw, where: str, words: tuple[str, ...] = ()) -> float:
    """One written cell: a number, a fraction in quotes, ``""`` (blank: NaN), or one of
    ``words`` (its index), as :mod:`aibyhand.classroom.spelling` reads a box. A box that
    cannot be read raises :class:`~aibyhand.classroom.spelling.Unreadable` (a
    WorksheetError) with its ``reason``. Bounded: no huge numbers, no exponents, nothing slow."""
    if isinstance(raw, bool):
        raise spelling.Unreadable(spelling.REASONS["other"], f"{where}: {spelling.REASONS['other']}; got {raw!r}")
    if isinstance(raw, int):
        if abs(raw) > LIMIT_VALUE:
            raise spelling.Unreadable(spelling.REASONS["long"], f"{where}: expected a number of at most 12 digits, "
                                      f"got one of {digits(raw)} digits")
        return float(raw)
    if isinstance(raw, float):
        if not math.isfinite(raw) or abs(raw) > LIMIT_VALUE:
            reason = spelling.REASONS["long" if math.isfinite(raw) else "other"]
            raise spelling.Unreadable(reason, f"{where}: expected a number between -1e12 and 1e12, got {raw!r}")
        return raw
    if isinstance(raw, str):
        try:
            return spelling.value(spelling.read(raw, words), words)
        except spelling.Unreadable as err:
            shown = repr(raw) if len(repr(raw)) <= 40 else repr(raw)[:37] + "..."
            raise spelling.Unreadable(err.reason, f"{where}: {err.reason}; got {shown}") from None
    raise WorksheetError(f"{where}: expected a number or a fraction like \"3/13\", got {str(raw)[:40]!r}")


def written(sheet: Sheet, steps: Steps, answers: Mapping, where: str) -> dict[str, np.ndarray]:
    """The student's boxes, item name -> displayed matrix (NaN where blank or not asked).

    Keys not on the sheet, wrong shapes and unreadable cells raise one-line errors;
    missing keys are simply not done.
    """
    items = {it.name: it for it in sheet.boxes()}
    unknown = [k for k in answers if k not in items and k not in META]
    if unknown:
        raise WorksheetError(f"{where}: {unknown[0]!r} is not a box on this sheet (boxes: "
                             f"{', '.join(items)})")
    out = {}
    for name, raw in answers.items():
        if name in META:
            continue
        it = items[name]
        value, rows, _ = layout.shown(it, steps)
        ask = layout.mask_of(it, steps)
        words = layout.words(it, steps)
        shape = value.shape
        if shape == (1, 1) and not isinstance(raw, list):
            raw = [[raw]]
        elif 1 in shape and isinstance(raw, list) and len(raw) == max(shape) and \
                not any(isinstance(x, list) for x in raw):  # one row or column written flat
            raw = [raw] if shape[0] == 1 else [[x] for x in raw]
        if not isinstance(raw, list) or len(raw) != shape[0] or any(
                not isinstance(r, list) or len(r) != shape[1] for r in raw):
            raise WorksheetError(f"{where}: {name}: expected {shape[0]} rows of {shape[1]} "
                                 f"(as on the sheet), got {_shape_of(raw)}")
        got = np.full(shape, np.nan)
        for r in range(shape[0]):
            for c in range(shape[1]):
                cell = raw[r][c]
                if not ask[r, c]:
                    if cell not in (NOT_ASKED, BLANK):
                        raise WorksheetError(f"{where}: {name} row {r + 1} column {c + 1} is not "
                                             f"asked on the sheet; write \"-\" there")
                    continue
                got[r, c] = parse_value(cell, f"{where}: {name} row {r + 1} column {c + 1}", words)
        out[name] = got
    return out


def _shape_of(raw) -> str:
    if not isinstance(raw, list):
        return f"a single value {raw!r}"[:60]
    lengths = sorted({len(r) if isinstance(r, list) else 1 for r in raw})
    return f"{len(raw)} rows of {', '.join(str(n) for n in lengths)}"


# -- marking --------------------------------------------------------------------------

@dataclass
class Mark:
    """One box's verdict: ``right``, ``follow``, ``wrong`` or ``""`` (not done)."""

    cell: Cell
    verdict: str
    wrote: float = math.nan
    expected: float = math.nan        # the exact value (shown only with reveal)
    follow: tuple = (math.nan, math.nan)   # what the student's own inputs give, as an interval
    hint: str = ""


@dataclass
class Report:
    """The outcome of :func:`mark`: every box's verdict, in sheet order."""

    marks: list[Mark]
    sheet: Sheet
    steps: Steps
    where: str = "answers"

    def ids(self, verdict: str) -> list[str]:
        return [m.cell.id for m in self.marks if m.verdict == verdict]

    @property
    def ok(self) -> bool:
        return not self.ids("wrong")

    @property
    def first_wrong(self) -> Mark | None:
        return next((m for m in self.marks if m.verdict == "wrong"), None)

    def counts(self) -> dict[str, int]:
        c = Counter(m.verdict for m in self.marks)
        return {"right": c["right"], "follow": c["follow"], "wrong": c["wrong"], "not done": c[""]}

    def to_json(self) -> dict:
        first = self.first_wrong
        return {"right": self.ids("right"), "wrong": self.ids("wrong"),
                "follow_through": self.ids("follow"), "unchecked": self.ids(""),
                "first_wrong": first.cell.id if first else None}

    def format(self, *, reveal: bool = False) -> str:
        """One line per matrix on the sheet, the wrong boxes under it with a hint."""
        lines = []
        by_item: dict[str, list[Mark]] = {}
        for m in self.marks:
            by_item.setdefault(m.cell.item, []).append(m)
        for k, page in enumerate(self.sheet.pages, start=1):
            lines.append(f"page {k}: {page.title}")
            for row in page.slots:
                for it in row:
                    if it is None or it.role != "box":
                        continue
                    marks = by_item[it.name]
                    c = Counter(m.verdict for m in marks)
                    status = ("WRONG " if c["wrong"] else "right " if c["right"] + c["follow"] == len(marks)
                              else "      ")
                    parts = [f"{c['right']} right"] if c["right"] else []
                    if c["follow"]:
                        parts.append(f"{c['follow']} follow-through")
                    if c["wrong"]:
                        parts.append(f"{c['wrong']} wrong")
                    if c[""]:
                        parts.append(f"{c['']} not done")
                    lines.append(f"  {status} {it.name} = {formula_of(it, self.steps)}   ({', '.join(parts)})")
                    words = layout.words(it, self.steps)
                    for m in marks:
                        if m.verdict != "wrong":
                            continue
                        text = f"           {m.cell.id}: you wrote {_show(m.wrote, words)}"
                        if reveal:
                            text += f", expected {format_number(m.expected, hand=True)}"
                            if not _close(m.follow, m.expected):
                                text += (f" (from your own earlier boxes: "
                                         f"{_interval(m.follow)})")
                        lines.append(text + (f"; {m.hint}" if m.hint else ""))
        n = self.counts()
        lines.append("")
        lines.append(f"{n['right']} right, {n['follow']} follow-through, {n['wrong']} wrong, "
                     f"{n['not done']} not done (of {len(self.marks)} boxes)")
        first = self.first_wrong
        if first is not None:
            uses = [layout.local(u, self.sheet.prefix) for u in self.steps.uses(first.cell.step)]
            lines.append(f"go back to {first.cell.id} = {formula_of_cell(first, self)}"
                         + (f"; it uses {', '.join(uses)}" if uses else ""))
        return "\n".join(lines)


def formula_of_cell(m: Mark, report: Report) -> str:
    item = next(it for it in report.sheet.boxes() if it.name == m.cell.item)
    return formula_of(item, report.steps)


def _show(x: float, words: tuple[str, ...] = ()) -> str:
    """What a student wrote, as the checker read it: a word (in a word box), a whole
    number, or up to 4 decimals."""
    if not math.isfinite(x):
        return "inf" if x > 0 else "-inf"
    if words and x.is_integer() and 0 <= x < len(words):
        return words[int(x)]
    text = f"{x:.4f}".rstrip("0").rstrip(".")
    return "0" if text == "-0" else text


def _interval(iv) -> str:
    lo, hi = iv
    if abs(hi - lo) < 0.01:
        return format_number((lo + hi) / 2, decimals=2)
    return f"{format_number(lo, decimals=2)} to {format_number(hi, decimals=2)}"


def _close(iv, x) -> bool:
    return iv[0] - RHO <= x <= iv[1] + RHO


def settings(steps: Steps) -> dict[str, tuple[np.ndarray, np.ndarray]]:
    return {k: (np.array(float(v)),) * 2 for k, v in steps.meta.items()
            if isinstance(v, (int, float)) and not isinstance(v, bool) and not k.startswith("_")}


def exact_values(steps: Steps) -> dict[str, np.ndarray]:
    """Every step as the 2-D matrix the sheet shows (a sentence's own, for a batch of one)."""
    return {st.name: np.asarray(matrix(st, 0)[0], dtype=float) for st in steps.entries()}


def mark(sheet: Sheet, steps: Steps, boxes: Mapping[str, np.ndarray], *, where: str = "answers") -> Report:
    """Judge every box of ``sheet`` given the student's values (:func:`written`).

    Three environments run along the steps. ``follow``: the student's own boxes (each
    within :data:`RHO` of what they wrote), for follow-through. ``clean``: what a student
    right so far could have, for "right": the student's own value where a box is right,
    else the reference ``ref`` (within RHO), a point: the formula evaluated on the
    student's right boxes and the reference elsewhere. (Widening a wrong box to every value
    an honest student might reach instead would grow at every step after it, until a
    value the slip changed counted as right.) A power is read from the page's table: its
    exponent may go to the table's nearest entry.
    """
    exact = exact_values(steps)
    follow = settings(steps)
    clean = dict(follow)
    ref = {k: lo for k, (lo, _) in follow.items()}
    items = sheet.items()
    boxed = {it.step: it for _, it in items if it.role == "box"}
    page_of = {it.step: k for k, it in items if it.role == "box"}
    snap = {n: v for page in sheet.pages for n, v in tables.snaps(page, steps).items()}
    base = float(steps.meta.get("base", 3.0))
    printed_on: dict[int, set[str]] = {}
    for k, it in items:
        if it.role == "grey":
            printed_on.setdefault(k, set()).add(it.step)
    printed_anywhere = set().union(*printed_on.values()) if printed_on else set()
    cells = {c.step: [] for c in layout.cells(sheet, steps)}
    for c in layout.cells(sheet, steps):
        cells[c.step].append(c)
    marks: dict[tuple, Mark] = {}

    def printed_interval(name: str):
        v = exact[name]
        r = np.vectorize(lambda x: layout.printed(x)[1])(v) if v.size else v
        return v - r, v + r

    def fit(x, shape):
        return np.broadcast_to(np.atleast_2d(np.asarray(x, float)), shape).copy()

    for st in steps.entries():
        name = st.name
        if st.given or not st.formula or name in printed_anywhere:
            iv = printed_interval(name) if name in printed_anywhere else (exact[name], exact[name])
            follow[name] = clean[name] = iv
            ref[name] = exact[name]
            continue
        tree = steps.formula(name).tree
        f_env, c_env, r_env = follow, clean, ref
        shown_here = printed_on.get(page_of.get(name, 0), set())
        if shown_here:
            f_env = {**follow, **{n: printed_interval(n) for n in shown_here}}
            c_env = {**clean, **{n: printed_interval(n) for n in shown_here}}
            r_env = {**ref, **{n: exact[n] for n in shown_here}}
        shape = exact[name].shape
        F = [fit(x, shape) for x in formula.enclose(tree, f_env)]
        C = [fit(x, shape) for x in formula.enclose(tree, c_env)]
        R = fit(formula.evaluate(tree, r_env), shape)
        if name in snap and tree[0] == "exp":
            for bounds, env in ((F, f_env), (C, c_env)):
                x = [fit(b, shape) for b in formula.enclose(tree[2], env)]
                bounds[:] = tables.read_power(*bounds, *x, base, snap[name])
        elif name in snap and tables.is_log(tree):
            for bounds, env in ((F, f_env), (C, c_env)):
                p = [fit(b, shape) for b in formula.enclose(tree[1][2], env)]
                bounds[:] = tables.read_log(*bounds, *p, base, snap[name])
        if name not in boxed:
            follow[name], clean[name], ref[name] = tuple(F), tuple(C), R
            continue
        # argmax's interval spans the rows that could be largest; a row between two of
        # them that could not is no answer: judged by the set itself
        could = [formula.could_be_largest(*formula.enclose(tree[2], env)) for env in (f_env, c_env)] \
            if tree[0] == "call" and tree[1] == "argmax" else None
        it = boxed[name]
        mine = boxes.get(it.name)
        fl, fh, cl, ch = (x.copy() for x in (*F, *C))
        # cells of a boxed step that the sheet prints are used as printed
        if it.rest == "grey":
            asked = np.zeros(shape, dtype=bool)
            for c in cells[name]:
                asked[c.index] = True
            plo, phi = printed_interval(name)
            fl[~asked], fh[~asked], cl[~asked], ch[~asked] = plo[~asked], phi[~asked], plo[~asked], phi[~asked]
            R[~asked] = exact[name][~asked]
        for c in cells[name]:
            i = c.index
            y = math.nan if mine is None else float(mine[c.row, c.col])
            e = float(exact[name][i])
            f_iv, c_iv = (float(F[0][i]), float(F[1][i])), (float(C[0][i]), float(C[1][i]))
            if math.isnan(y):
                verdict = ""
                cl[i], ch[i] = _skipped(float(R[i]), c_iv, float(R[i]))
                mid = (f_iv[0] + f_iv[1]) / 2
                fl[i], fh[i] = _skipped(mid if math.isfinite(mid) else float(R[i]), f_iv, float(R[i]))
            else:
                # the exact value is right whatever the boxes before it say (a length the
                # page says is whole, written whole from drifted inputs)
                if could is not None:
                    f_ok, c_ok = (_one_of(y, x[:, i[-1]]) for x in could)
                    verdict = "right" if c_ok or y == e else "follow" if f_ok else "wrong"
                else:
                    verdict = ("right" if _within(y, c_iv) or _within(y, (e, e)) else
                               "follow" if _within(y, f_iv) else "wrong")
                fl[i], fh[i] = y - RHO, y + RHO
                if verdict == "right":
                    R[i] = y
                cl[i], ch[i] = _carried(float(R[i]), c_iv)
            nudge = "" if verdict != "wrong" else LARGEST_HINT if could is not None else \
                hint(y, f_iv, name, i, exact)
            marks[(name, i)] = Mark(c, verdict, y, e, f_iv, nudge)
        follow[name], clean[name], ref[name] = (fl, fh), (cl, ch), R
    order = [marks[(c.step, c.index)] for c in layout.cells(sheet, steps)]
    return Report(order, sheet, steps, where)


def _one_of(y: float, rows: np.ndarray) -> bool:
    """Whether ``y`` is the index of a row marked True."""
    return float(y).is_integer() and 0 <= y < len(rows) and bool(rows[int(y)])


def honest(sheet: Sheet, steps: Steps, decimals: int = 2) -> dict[str, np.ndarray]:
    """What a student who makes no slip writes: every box rounded to ``decimals`` and
    carried forward, each step computed by its formula from the student's own values
    (the givens and the steps the sheet prints as printed exactly). Step name -> matrix.

    The variant generator uses it to keep a sheet whose rounding drift would mislead (a
    cosine past 1 from drifted inputs and exact printed lengths)."""
    exact = exact_values(steps)
    env = {k: lo for k, (lo, _) in settings(steps).items()}
    cells: dict[str, list[Cell]] = {}
    for c in layout.cells(sheet, steps):
        cells.setdefault(c.step, []).append(c)
    for st in steps.entries():
        name = st.name
        if st.given or not st.formula:
            env[name] = exact[name]
            continue
        shape = exact[name].shape
        with np.errstate(all="ignore"):
            v = np.broadcast_to(np.atleast_2d(np.asarray(
                formula.evaluate(steps.formula(name).tree, env), float)), shape).copy()
        for c in cells.get(name, []):
            v[c.index] = round(float(v[c.index]), decimals)
        env[name] = v
    return env


def _skipped(v: float, iv, ref: float) -> tuple[float, float]:
    """What a student who did not write a box may carry on from it: the formula's bounds
    ``iv`` rounded once (RHO), but never more than SKIPPED from ``v`` (their own value)
    and reaching ``ref`` (the exact chain's): a run of blank boxes widens nothing
    further, so a later box is not right for any value at all."""
    lo, hi = iv
    return (min(max(lo - RHO, v - SKIPPED), ref - RHO), max(min(hi + RHO, v + SKIPPED), ref + RHO))


def _carried(v: float, iv) -> tuple[float, float]:
    """What a student right so far carries on from a box written as ``v``: between ``v``
    and the formula's own bounds ``iv``, and never more than RHO from ``v``."""
    lo, hi = iv
    return max(v - RHO, min(v, lo)), min(v + RHO, max(v, hi))


def _within(y: float, iv) -> bool:
    lo, hi = iv
    if not math.isfinite(y):  # only an infinite bound admits an infinite answer
        return y == lo or y == hi
    if not (math.isfinite(lo) and math.isfinite(hi)):
        if math.isinf(y) and (y == lo or y == hi):
            return True
        if math.isnan(lo) or math.isnan(hi):
            return False
    slack = SLACK * max(1.0, abs(y))
    return lo - RHO - slack <= y <= hi + RHO + slack


def hint(y: float, iv, name: str, index: tuple, exact: Mapping[str, np.ndarray]) -> str:
    """A nudge that does not give the number away."""
    if not math.isfinite(y):
        return "a box holds a number"
    if _within(-y, iv) and abs(y) > RHO:
        return "check the sign"
    lo, hi = iv
    away = lo > 2 * RHO or hi < -2 * RHO  # only a value with digits to shift has a decimal point to misplace
    if away and abs(y) > RHO and any(_within(y * f, iv) for f in (0.1, 10, 0.01, 100)):
        return "check the decimal point"
    if lo - 3 * RHO <= y <= hi + 3 * RHO:
        return "close: check the last digit (round to 2 decimals)"
    v = exact[name]
    if v.ndim == 2 and index[0] != index[1] and v.shape[0] == v.shape[1]:
        if _within(y, (float(v[index[::-1]]) - RHO, float(v[index[::-1]]) + RHO)):
            return "rows and columns swapped?"
    return "redo it from the boxes its formula uses"


# -- one file, or a class --------------------------------------------------------------

def check(sheet: Sheet, steps: Steps, answers: Mapping | str | Path, *, where: str | None = None) -> Report:
    """Mark an answers mapping or file against a sheet (see the module docstring)."""
    if not isinstance(answers, Mapping):
        where = where or str(answers)
        answers = read_answers(answers)
    where = where or "answers"
    return mark(sheet, steps, written(sheet, steps, answers, where), where=where)


def summary(reports: Mapping[str, Report], unread: Sequence[str] = ()) -> str:
    """One line per student, then the boxes the class missed most. ``unread``: files that
    could not be read, each on a line of its own (why: on stderr), so nobody is missed."""
    width = max(len(n) for n in [*reports, *unread, "student"])
    lines = [f"{'student':<{width}}  right  follow  wrong  not done"]
    for name, r in reports.items():
        n = r.counts()
        lines.append(f"{name:<{width}}  {n['right']:>5}  {n['follow']:>6}  {n['wrong']:>5}  {n['not done']:>8}")
    for path in unread:
        lines.append(f"{path:<{width}}  cannot be read (the reason is below)")
    if not reports:
        return "\n".join(lines)
    missed = missed_most(reports)
    lines.append("")
    if missed:
        lines.append("missed most (students with a wrong box there):")
        lines += [f"  {count:>3}  {item}" for item, count in missed]
    else:
        lines.append("no box was wrong")
    return "\n".join(lines)


def missed_most(reports: Mapping[str, Report]) -> list[tuple[str, int]]:
    """``(matrix on the sheet, how many students got a box of it wrong)``, most first,
    then in sheet order."""
    order = list(dict.fromkeys(m.cell.item for r in reports.values() for m in r.marks))
    counts = Counter()
    for r in reports.values():
        counts.update({m.cell.item for m in r.marks if m.verdict == "wrong"})
    return sorted(((k, counts[k]) for k in order if counts[k]), key=lambda kv: (-kv[1], order.index(kv[0])))
