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
from collections.abc import Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import formula
from ..steps import Steps, format_number, matrix
from ..validate import _short
from . import given, layout, names, spelling, tables
from .layout import Cell, Sheet
from .worksheet import WorksheetError, digits, read_toml

RHO = 0.005          # a number written to 2 decimals is within this of what was meant
SLACK = 1e-9         # float rounding, relative
SKIPPED = 5 * RHO    # how far a box left blank may be from the value it stands for
LARGEST_HINT = "the row of the largest entry: compare them again"
META = ("worksheet", "seed", "student", "id")   # keys of an answers file that are not boxes
NAME_LENGTH = 60     # a student's name, as the class summary prints it
BLANK, NOT_ASKED = "", "-"


# -- the template and reading answers -------------------------------------------------

def check_args(data: str | None) -> str:
    """What ``aibyhand check`` needs beyond the file: the numbers file a sheet was made from."""
    return f" --data {shlex.quote(str(data))}" if data else ""


def template(sheet: Sheet, steps: Steps, worksheet: str | None = None, seed: int | None = None,
             data: str | None = None, student: str = "", id: str = "") -> str:
    """A blank answers file: every box ``""``, every cell not asked ``"-"``, each
    matrix under a comment with its formula. ``data``: the numbers file the sheet was
    made from, which checking needs again; ``student`` and ``id``: whose sheet it is (a
    class set fills them in)."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    worksheet, seed = given.optional_text("worksheet", worksheet), given.seed("seed", seed)
    data = None if data is None else str(given.path("data", data))
    student, id = given.text("student", student), given.text("id", id)
    lines = [f"# answers for: {steps.title}",
             "# fill each \"\" with your value: a number (2 decimals), or a fraction in quotes "
             "such as \"3/13\"; \"-\" cells are not asked",
             f"# check: aibyhand check {worksheet or 'NAME'} this-file.toml" + check_args(data), ""]
    if worksheet is not None:
        lines.append(f'worksheet = "{worksheet}"')
    if seed is not None:
        lines.append(f"seed = {seed}")
    if worksheet is not None:
        lines.append(f"student = {toml_string(student)}"
                     + ("" if student else "   # your name, for the class summary"))
    if id:
        lines.append(f"id = {toml_string(id)}")
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


def toml_string(text: str) -> str:
    """A TOML basic string: every control character and every quote escaped (so no
    ``""`` appears inside it), the rest as it is."""
    inner = json.dumps(text, ensure_ascii=False)[1:-1].replace('\\"', "\\u0022")
    return '"' + inner.replace("\x7f", "\\u007f") + '"'


def toml_key(name: str) -> str:
    return name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else json.dumps(name)


def formula_of(item, steps: Steps) -> str:
    """The formula a box shows (:func:`aibyhand.classroom.layout.formula`)."""
    return layout.formula(item, steps)


LIMIT_VALUE = 1e12
SHOWN_LENGTH = 40    # what a student wrote, as a report quotes it


def read_answers(path: str | Path) -> dict:
    """An answers file as a mapping (bounded in size and nesting; one-line errors)."""
    path = given.path("path", path)
    return read_toml(Path(path))


def student_of(answers: Mapping, where: str, key: str = "student") -> str:
    """The student's name (``key="id"``: their id) in an answers file (``""`` if none):
    one line of at most NAME_LENGTH characters, no control characters (the page saves
    nothing else)."""
    answers, where = given.answers("answers", answers), given.text("where", where)
    key = given.one_of("key", key, ("student", "id"))
    name = answers.get(key, "")
    if not isinstance(name, str) or len(name) > NAME_LENGTH or any(
            unicodedata.category(ch) == "Cc" for ch in name):
        what = "a name" if key == "student" else "an id"
        raise WorksheetError(f"{where}: {key}: expected {what} in quotes (one line, at most "
                             f"{NAME_LENGTH} characters), got {names.shown(str(name)[:40])!r}")
    return name.strip()


Unreadable = spelling.Unreadable


def cell_value(raw, words: tuple[str, ...] = ()) -> float:
    """One written cell: a number, a fraction in quotes, ``""`` (blank: NaN), or one of
    ``words`` (its index). Anything else raises :class:`Unreadable` with the reason
    (:mod:`aibyhand.classroom.spelling` decides what a box's text may be). Bounded: no
    huge numbers, no exponents, nothing slow."""
    words = given.words("words", words)
    if isinstance(raw, str):
        return spelling.value(spelling.read(raw, words), words)
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise Unreadable(spelling.REASONS["other"])
    if isinstance(raw, float) and not math.isfinite(raw):
        raise Unreadable(spelling.REASONS["other"])
    if abs(raw) > LIMIT_VALUE:
        raise Unreadable(spelling.REASONS["long"])
    return float(raw)


def parse_value(raw, where: str, words: tuple[str, ...] = ()) -> float:
    """:func:`cell_value`, with a box that cannot be read as a one-line
    :class:`WorksheetError` naming ``where``."""
    where, words = given.text("where", where), given.words("words", words)
    try:
        return cell_value(raw, words)
    except Unreadable as err:
        raise Unreadable(err.reason, f"{where}: {err.reason}; got {as_written(raw)!r}") from None


def as_written(raw) -> str:
    """What a student wrote in a box, for a report: the text as written (a fraction stays
    a fraction), every hidden character spelled out, at most SHOWN_LENGTH characters."""
    if isinstance(raw, str):
        text = names.shown(raw[:SHOWN_LENGTH + 1])
    elif isinstance(raw, int) and not isinstance(raw, bool) and abs(raw) > LIMIT_VALUE:
        text = f"a number of {digits(raw)} digits"
    elif isinstance(raw, float) and math.isfinite(raw) and raw.is_integer() and abs(raw) < 1e15:
        text = str(int(raw))
    elif isinstance(raw, (int, float)) and not isinstance(raw, bool):
        text = repr(raw)
    else:
        text = "something that is not a number"
    return text if len(text) <= SHOWN_LENGTH else text[:SHOWN_LENGTH - 3] + "..."


@dataclass
class Written:
    """An answers file's boxes as read: item name -> the displayed matrix (NaN where
    blank, not asked or unreadable), what was written in each box (as written), and the
    boxes that cannot be read: ``(item, row, col) -> reason``."""

    values: dict[str, np.ndarray]
    texts: dict[tuple, str]
    unreadable: dict[tuple, str]


def read(sheet: Sheet, steps: Steps, answers: Mapping, where: str) -> Written:
    """The student's boxes (:class:`Written`). A key that is not a box on the sheet, or a
    matrix of the wrong shape, raises a one-line :class:`WorksheetError`: the file cannot
    be checked. A box that cannot be read is listed with its reason; the rest is read.
    Missing keys are simply not done."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    answers, where = given.answers("answers", answers), given.text("where", where)
    items = {it.name: it for it in sheet.boxes()}
    unknown = [k for k in answers if k not in items and k not in META]
    if unknown:
        raise WorksheetError(f"{where}: {unknown[0]!r} is not a box on this sheet (boxes: "
                             f"{', '.join(items)})")
    values, texts, unreadable = {}, {}, {}
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
                texts[(name, r, c)] = as_written(cell)
                try:
                    got[r, c] = cell_value(cell, words)
                except Unreadable as err:
                    unreadable[(name, r, c)] = err.reason
        values[name] = got
    return Written(values, texts, unreadable)


def written(sheet: Sheet, steps: Steps, answers: Mapping, where: str) -> dict[str, np.ndarray]:
    """The student's boxes, item name -> displayed matrix (NaN where blank or not asked),
    as :func:`read` reads them, but strict: a box that cannot be read raises a one-line
    :class:`WorksheetError` too."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    answers, where = given.answers("answers", answers), given.text("where", where)
    got = read(sheet, steps, answers, where)
    if got.unreadable:
        (name, r, c), reason = next(iter(got.unreadable.items()))
        raise Unreadable(reason, f"{where}: {name} row {r + 1} column {c + 1}: {reason}; got "
                                 f"{got.texts[(name, r, c)]!r}")
    return got.values


def _shape_of(raw) -> str:
    if not isinstance(raw, list):
        return f"a single value {raw!r}"[:60]
    lengths = sorted({len(r) if isinstance(r, list) else 1 for r in raw})
    return f"{len(raw)} rows of {', '.join(str(n) for n in lengths)}"


# -- marking --------------------------------------------------------------------------

@dataclass
class Mark:
    """One box's verdict: ``right``, ``follow``, ``wrong``, ``unreadable`` (the text
    cannot be read: ``hint`` is why) or ``""`` (not done). ``text``: what was written,
    as written."""

    cell: Cell
    verdict: str
    wrote: float = math.nan
    expected: float = math.nan        # the exact value (shown only with reveal)
    follow: tuple = (math.nan, math.nan)   # what the student's own inputs give, as an interval
    hint: str = ""
    text: str = ""
    page: int = 0


VERDICTS = {"right": "right", "follow": "follow-through", "wrong": "wrong",
            "unreadable": "cannot read", "": "not done"}


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
        """Nothing wrong and nothing that cannot be read (``check`` exits 0)."""
        return not self.ids("wrong") and not self.ids("unreadable")

    @property
    def first_wrong(self) -> Mark | None:
        return next((m for m in self.marks if m.verdict == "wrong"), None)

    @property
    def last_page(self) -> int:
        """The last page with a box written on it (0: nothing written)."""
        return max((m.page for m in self.marks if m.verdict), default=0)

    def counts(self) -> dict[str, int]:
        c = Counter(m.verdict for m in self.marks)
        return {"right": c["right"], "follow": c["follow"], "wrong": c["wrong"],
                "cannot read": c["unreadable"], "not done": c[""]}

    def page_scores(self) -> list[float]:
        """Each page's share of boxes right or follow-through."""
        out = []
        for k in range(1, len(self.sheet.pages) + 1):
            on = [m for m in self.marks if m.page == k]
            out.append(sum(m.verdict in ("right", "follow") for m in on) / len(on) if on else 0.0)
        return out

    @property
    def score(self) -> float:
        """(right + follow-through) / boxes."""
        n = self.counts()
        return (n["right"] + n["follow"]) / len(self.marks) if self.marks else 0.0

    def to_json(self) -> dict:
        first = self.first_wrong
        return {"right": self.ids("right"), "follow_through": self.ids("follow"),
                "wrong": self.ids("wrong"), "unreadable": self.ids("unreadable"),
                "unchecked": self.ids(""), "first_wrong": first.cell.id if first else None,
                "reasons": {m.cell.id: m.hint for m in self.marks if m.verdict == "unreadable"},
                "last_page": self.last_page, "score": round(self.score, 4)}

    def format(self, *, reveal: bool = False) -> str:
        """One line per matrix on the sheet, the wrong and unreadable boxes under it, each
        with a hint (or why it cannot be read)."""
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
                    parts = [f"{c[v]} {VERDICTS[v]}" for v in VERDICTS if c[v]]
                    lines.append(f"  {_status(c, len(marks)):<14} {it.name} = "
                                 f"{formula_of(it, self.steps)}   ({', '.join(parts)})")
                    for m in marks:
                        if m.verdict not in ("wrong", "unreadable"):
                            continue
                        if m.verdict == "unreadable":
                            lines.append(f"           {m.cell.id}: cannot read {m.text}: {m.hint}")
                            continue
                        text = f"           {m.cell.id}: you wrote {m.text or _show(m.wrote)}"
                        if reveal:
                            text += f", expected {format_number(m.expected, hand=True)}"
                            if not _close(m.follow, m.expected):
                                text += (f" (from your own earlier boxes: "
                                         f"{_interval(m.follow)})")
                        lines.append(text + (f"; {m.hint}" if m.hint else ""))
        total = Counter(m.verdict for m in self.marks)
        lines.append("")
        lines.append(", ".join(f"{total[v]} {VERDICTS[v]}" for v in VERDICTS
                               if total[v] or v != "unreadable") + f" (of {len(self.marks)} boxes)")
        first = self.first_wrong
        if first is not None:
            uses = sheet_uses(self.sheet, self.steps, first.cell.step)
            lines.append(f"go back to {first.cell.id} = {formula_of_cell(first, self)}"
                         + (f"; it uses {', '.join(uses)}" if uses else ""))
        return "\n".join(lines)


def _status(c: Counter, n: int) -> str:
    """A matrix's heading: WRONG, cannot read, right (all right), follow-through (all
    done, none wrong, some follow-through), or nothing while boxes are not done."""
    if c["wrong"]:
        return "WRONG"
    if c["unreadable"]:
        return "cannot read"
    if c["right"] == n:
        return "right"
    if c["right"] + c["follow"] == n:
        return "follow-through"
    return ""


def sheet_uses(sheet: Sheet, steps: Steps, step: str) -> list[str]:
    """What a step's formula uses, named as on the sheet: a step the sheet neither asks
    nor prints stands for what it is computed from, down to steps the sheet has (a box
    or a printed matrix) and the settings under the page titles."""
    on_sheet = {it.step: it for _, it in sheet.items()}
    settings_shown = {k for k in steps.meta if not k.startswith("_")}
    out: list[str] = []
    seen: set[str] = set()

    def visit(name: str) -> None:
        for u in steps.uses(name):
            if u in seen:
                continue
            seen.add(u)
            if u in on_sheet:
                out.append(layout.local(u, sheet.prefix))
            elif u in settings_shown:
                out.append(u)
            else:
                visit(u)

    visit(step)
    return list(dict.fromkeys(out))


def formula_of_cell(m: Mark, report: Report) -> str:
    item = next(it for it in report.sheet.boxes() if it.name == m.cell.item)
    return formula_of(item, report.steps)


def _show(x: float, words: tuple[str, ...] = ()) -> str:
    """A value the checker read, where the text is not at hand: a word (in a word box),
    a whole number, or up to 4 decimals."""
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


def mark(sheet: Sheet, steps: Steps, boxes: Mapping[str, np.ndarray] | Written, *,
         where: str = "answers") -> Report:
    """Judge every box of ``sheet`` given the student's values (:func:`written`, or all
    of :func:`read`: a box that cannot be read is then marked ``unreadable`` with its
    reason, and the boxes after it are judged as if it were blank).

    Three environments run along the steps. ``follow``: the student's own boxes (each
    within :data:`RHO` of what they wrote), for follow-through. ``clean``: what a student
    right so far could have, for "right": the student's own value where a box is right,
    else the reference ``ref`` (within RHO), a point: the formula evaluated on the
    student's right boxes and the reference elsewhere. (Widening a wrong box to every value
    an honest student might reach instead would grow at every step after it, until a
    value the slip changed counted as right.) A power is read from the page's table: its
    exponent may go to the table's nearest entry.
    """
    sheet, steps = given.sheet_and_steps(sheet, steps)
    if not isinstance(boxes, Written):
        boxes = _boxes(sheet, steps, given.mapping("boxes", boxes, "box names to written values (check.read)"))
    where = given.text("where", where)
    got = boxes if isinstance(boxes, Written) else Written(dict(boxes), {}, {})
    boxes = got.values
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
        r = layout.radius(v)
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
            where_written = (it.name, c.row, c.col)
            if where_written in got.unreadable:
                verdict, nudge = "unreadable", got.unreadable[where_written]
            marks[(name, i)] = Mark(c, verdict, y, e, f_iv, nudge, got.texts.get(where_written, ""),
                                    page_of[name])
        follow[name], clean[name], ref[name] = (fl, fh), (cl, ch), R
    order = [marks[(c.step, c.index)] for c in layout.cells(sheet, steps)]
    return Report(order, sheet, steps, where)


def _one_of(y: float, rows: np.ndarray) -> bool:
    """Whether ``y`` is the index of a row marked True."""
    return float(y).is_integer() and 0 <= y < len(rows) and bool(rows[int(y)])


def _boxes(sheet: Sheet, steps: Steps, boxes: Mapping) -> dict[str, np.ndarray]:
    """``boxes`` for :func:`mark`: each a box of the sheet, a matrix of numbers (NaN where
    blank) of the shape the sheet shows; else a one-line error naming the box."""
    shapes = {it.name: layout.shown(it, steps)[0].shape for it in sheet.boxes()}
    out = {}
    for name, value in boxes.items():
        if name not in shapes:
            raise ValueError(f"boxes: {_short(name)} is not a box on this sheet (boxes: {', '.join(shapes)})")
        try:
            arr = np.asarray(value, dtype=float)
        except (TypeError, ValueError):
            raise TypeError(f"boxes: {name}: expected a matrix of numbers (NaN where blank), got "
                            f"{type(value).__name__}") from None
        if arr.shape != shapes[name]:
            raise ValueError(f"boxes: {name}: expected shape {shapes[name]} (as on the sheet), got "
                             f"{arr.shape}")
        out[name] = arr
    return out


def honest(sheet: Sheet, steps: Steps, decimals: int = 2) -> dict[str, np.ndarray]:
    """What a student who makes no slip writes: every box rounded to ``decimals`` and
    carried forward, each step computed by its formula from the student's own values
    (the givens and the steps the sheet prints as printed exactly). Step name -> matrix.

    The variant generator uses it to keep a sheet whose rounding drift would mislead (a
    cosine past 1 from drifted inputs and exact printed lengths)."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    decimals = given.decimals("decimals", decimals)
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
    """A nudge that does not give the number away. A sign or a decimal point is named
    only where the value it points to is not a whole number: turning a written 1 into -1,
    or 20 into 2, would be the answer itself, not a place to look."""
    if not math.isfinite(y):
        return "a box holds a number"
    if _within(-y, iv) and abs(y) > RHO and not _whole(-y):
        return "check the sign"
    lo, hi = iv
    away = lo > 2 * RHO or hi < -2 * RHO  # only a value with digits to shift has a decimal point to misplace
    if away and abs(y) > RHO and any(_within(y * f, iv) and not _whole(y * f) for f in (0.1, 10, 0.01, 100)):
        return "check the decimal point"
    if lo - 3 * RHO <= y <= hi + 3 * RHO:
        return "close: check the last digit (round to 2 decimals)"
    v = exact[name]
    if v.ndim == 2 and index[0] != index[1] and v.shape[0] == v.shape[1]:
        if _within(y, (float(v[index[::-1]]) - RHO, float(v[index[::-1]]) + RHO)):
            return "rows and columns swapped?"
    return "redo it from the boxes its formula uses"


def _whole(x: float) -> bool:
    return abs(x - round(x)) <= SLACK * max(1.0, abs(x))


# -- one file, or a class --------------------------------------------------------------

def check(sheet: Sheet, steps: Steps, answers: Mapping | str | Path, *, where: str | None = None) -> Report:
    """Mark an answers mapping or file against a sheet (see the module docstring)."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    answers, where = given.answers_or_path("answers", answers), given.optional_text("where", where)
    if not isinstance(answers, Mapping):
        where = where or str(answers)
        answers = read_answers(answers)
    where = where or "answers"
    return mark(sheet, steps, read(sheet, steps, answers, where), where=where)
