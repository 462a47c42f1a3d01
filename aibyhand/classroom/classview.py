"""A class's hand-ins at a glance: one line per student, a gradebook, JSON, a plot.

``aibyhand check NAME FILES...`` marks every file (:mod:`aibyhand.classroom.check`) and
hands the outcomes here as :class:`HandIn` s, one per file (a file reached by two paths
is one file). Every file given is counted: one that cannot be read at all keeps its line,
its row in the gradebook (with no score) and its entry in the JSON, with the reason.

- :func:`summary`: per student, right, follow-through, wrong, cannot read, not done, the
  first wrong box and the last page reached; then the matrices most students got wrong.
- :func:`csv_bytes`: a gradebook (UTF-8 with a byte-order mark, so a spreadsheet reads
  names in every script; comma-separated, one header row): student, id, seed, score =
  (right + follow-through) / boxes to 4 decimals, a score per page, first wrong, then the
  counts, the last page, the file and a note (why a file could not be read; its scores
  are left empty, which a gradebook import reads as "no grade"). A text cell starting
  with ``=``, ``+``, ``-``, ``@``, a tab or a carriage return is written after a ``'``,
  so no spreadsheet runs it as a formula.
- :func:`to_json` (:func:`json_text`): always a list, one object per file with the keys of :data:`JSON_KEYS`.
- :func:`plot`: students (most progress first) by the sheet's matrices, each cell split
  into its boxes' shares of right, follow-through, wrong (a box that cannot be read counts
  as wrong) and not done; beside it, the matrices most students got wrong.

A name is never printed as it is: :func:`aibyhand.classroom.names.shown` first.
"""

from __future__ import annotations

import csv
import io
import json
import os
import unicodedata
from collections import Counter
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from . import given, names
from .check import Report

JSON_KEYS = ("student", "id", "seed", "file", "score", "right", "follow_through", "wrong",
             "unreadable", "unchecked", "first_wrong", "last_page", "reasons", "error")
COLOURS = {"right": "#009E73", "follow": "#56B4E9", "wrong": "#D55E00", "": "#E4E4E4"}  # Okabe-Ito
LEGEND = {"right": "right", "follow": "follow-through", "wrong": "wrong or cannot read",
          "": "not done"}
MOST_MISSED = 15      # matrices listed beside the plot


@dataclass
class HandIn:
    """One answers file: whose (as the file says), and its :class:`Report`, or why it
    cannot be read at all (``error``)."""

    file: str
    student: str = ""
    id: str = ""
    seed: int | None = None
    report: Report | None = None
    error: str = ""
    label: str = ""     # the name the summary prints: set by :func:`labelled`

    def __post_init__(self):
        if not isinstance(self.file, (str, os.PathLike)):
            raise TypeError(f"file: expected a path, got {type(self.file).__name__} "
                            f"{given._short(self.file)}")
        self.file = os.fspath(self.file)
        for key in ("student", "id", "error", "label"):
            given.text(key, getattr(self, key))
        given.seed("seed", self.seed)


def labelled(hand_ins: Sequence[HandIn]) -> list[HandIn]:
    """Each hand-in named for print: the student's name (shown safely) or the file's
    stem; where two hand-ins would print the same name, each adds its id (if the ids
    tell them apart) or its file."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    base = [names.shown(h.student) if h.student else names.shown(Path(h.file).stem)
            for h in hand_ins]
    seen = Counter(base)
    ids = Counter((b, h.id) for h, b in zip(hand_ins, base))
    for h, b in zip(hand_ins, base):
        if seen[b] == 1:
            h.label = b
        elif h.id and ids[(b, h.id)] == 1:
            h.label = f"{b} [{names.shown(h.id)}]"
        else:
            h.label = f"{b} ({names.shown(h.file)})"
    return list(hand_ins)


# -- one line per student ------------------------------------------------------------

def width(text: str) -> int:
    """Columns a terminal gives ``text``: 2 for a wide (CJK) character, 0 for a mark."""
    return sum(0 if unicodedata.combining(ch) else
               2 if unicodedata.east_asian_width(ch) in "WF" else 1 for ch in text)


def _pad(text: str, n: int) -> str:
    return text + " " * max(n - width(text), 0)


def summary(hand_ins: Sequence[HandIn]) -> str:
    """One line per file, then the matrices most students got wrong."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    hand_ins = labelled(hand_ins)
    w = max(width(h.label) for h in [*hand_ins, HandIn("", label="student")])
    head = (f"{_pad('student', w)}  {'seed':>9}  right  follow  wrong  cannot read  not done  "
            f"{'last page':>9}  first wrong")
    lines = [head]
    for h in hand_ins:
        seed = "" if h.seed is None else str(h.seed)
        if h.report is None:
            lines.append(f"{_pad(h.label, w)}  {seed:>9}  cannot be read: {h.error}")
            continue
        n, r = h.report.counts(), h.report
        first = r.first_wrong.cell.id if r.first_wrong else "-"
        last = f"{r.last_page} of {len(r.sheet.pages)}"
        lines.append(f"{_pad(h.label, w)}  {seed:>9}  {n['right']:>5}  {n['follow']:>6}  "
                     f"{n['wrong']:>5}  {n['cannot read']:>11}  {n['not done']:>8}  {last:>9}  {first}")
    if not any(h.report for h in hand_ins):
        return "\n".join(lines)
    missed = missed_most(hand_ins)
    read = sum(h.report is not None for h in hand_ins)
    lines.append("")
    if missed:
        lines.append(f"missed most (students with a wrong box there, of {read} read):")
        lines += [f"  {count:>3}  {item}" for item, count in missed]
    else:
        lines.append(f"no box was wrong in the {read} file{'s' if read != 1 else ''} read")
    return "\n".join(lines)


def missed_most(hand_ins: Sequence[HandIn]) -> list[tuple[str, int]]:
    """``(matrix on the sheet, how many students got a box of it wrong)``, most first,
    then in sheet order."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    reports = [h.report for h in hand_ins if h.report is not None]
    order = list(dict.fromkeys(m.cell.item for r in reports for m in r.marks))
    counts = Counter()
    for r in reports:
        counts.update({m.cell.item for m in r.marks if m.verdict == "wrong"})
    return sorted(((k, counts[k]) for k in order if counts[k]),
                  key=lambda kv: (-kv[1], order.index(kv[0])))


# -- JSON and the gradebook -------------------------------------------------------------

def to_json(hand_ins: Sequence[HandIn]) -> list[dict]:
    """One object per file, every one with the keys :data:`JSON_KEYS` (lists of box
    ids; ``error`` is null for a file that was read, and the lists are empty for one that
    was not)."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    out = []
    for h in hand_ins:
        entry = {"student": h.student, "id": h.id, "seed": h.seed, "file": h.file}
        if h.report is not None:
            entry.update(h.report.to_json())
            entry["error"] = None
        else:
            entry.update({"score": None, "right": [], "follow_through": [], "wrong": [],
                          "unreadable": [], "unchecked": [], "first_wrong": None,
                          "last_page": 0, "reasons": {}, "error": h.error})
        out.append({k: entry[k] for k in JSON_KEYS})
    return out


def json_text(hand_ins: Sequence[HandIn]) -> str:
    """:func:`to_json` as JSON text: names exact, but every control, format or
    line-separator character escaped (``\\u202e``), so printing it cannot reverse or
    break a terminal's lines; other characters as they are."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    text = json.dumps(to_json(hand_ins), indent=1, ensure_ascii=False)
    return "".join(json.dumps(ch)[1:-1] if unicodedata.category(ch) in names.HIDDEN and ch != "\n"
                   else ch for ch in text)   # a raw line break is the layout's: json.dumps escapes the strings' own


FORMULA_START = ("=", "+", "-", "@", "\t", "\r")


def cell(text: str) -> str:
    """A text cell a spreadsheet shows as text: hidden characters spelled out, and a
    leading ``'`` where it would start a formula."""
    text = names.shown(text)
    return "'" + text if text.startswith(FORMULA_START) else text


def gradebook(hand_ins: Sequence[HandIn]) -> list[list[str]]:
    """The gradebook's rows, the header first (see the module docstring)."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    pages = max((len(h.report.sheet.pages) for h in hand_ins if h.report), default=0)
    rows = [["student", "id", "seed", "score", *[f"page {k}" for k in range(1, pages + 1)],
             "first wrong", "right", "follow-through", "wrong", "cannot read", "not done",
             "last page", "file", "note"]]
    for h in hand_ins:
        row = [cell(h.student), cell(h.id), "" if h.seed is None else str(h.seed)]
        if h.report is None:
            rows.append(row + [""] * (pages + 8) + [cell(h.file), cell(h.error)])
            continue
        r, n = h.report, h.report.counts()
        first = r.first_wrong.cell.id if r.first_wrong else ""
        rows.append(row + [f"{r.score:.4f}", *(f"{s:.4f}" for s in r.page_scores()), cell(first),
                           *(str(n[k]) for k in ("right", "follow", "wrong", "cannot read", "not done")),
                           str(r.last_page), cell(h.file), ""])
    return rows


def csv_bytes(hand_ins: Sequence[HandIn]) -> bytes:
    """The gradebook as a CSV file's bytes: UTF-8 with a byte-order mark (Excel reads
    UTF-8 names only with it), rows ended by CRLF."""
    hand_ins = given.hand_ins("hand_ins", hand_ins)
    text = io.StringIO()
    csv.writer(text).writerows(gradebook(hand_ins))
    return text.getvalue().encode("utf-8-sig")


# -- the plot ---------------------------------------------------------------------------

def progress(h: HandIn) -> tuple:
    """How far a student got, for sorting: boxes right or follow-through, then boxes
    written, then fewer wrong."""
    if h.report is None:
        return (-1, -1, 0)
    n = h.report.counts()
    done = len(h.report.marks) - n["not done"]
    return (n["right"] + n["follow"], done, -n["wrong"] - n["cannot read"])


def shares(report: Report) -> list[tuple[str, dict[str, float]]]:
    """Per matrix on the sheet, in sheet order: its boxes' shares of right, follow,
    wrong (with cannot read) and not done."""
    by_item: dict[str, Counter] = {}
    for m in report.marks:
        v = "wrong" if m.verdict == "unreadable" else m.verdict
        by_item.setdefault(m.cell.item, Counter())[v] += 1
    return [(item, {v: c[v] / sum(c.values()) for v in COLOURS}) for item, c in by_item.items()]


MIN_SHARE = 0.25      # the narrowest a share of a cell is drawn, so one wrong box shows


def visible(share: dict[str, float]) -> dict[str, float]:
    """A cell's shares as drawn: every share there is at least MIN_SHARE wide, the
    others narrowed to make room (the colours' order stays right, follow, wrong, not
    done)."""
    there = {v: x for v, x in share.items() if x > 0}
    small = {v for v, x in there.items() if x < MIN_SHARE}
    rest = sum(x for v, x in there.items() if v not in small)
    room = 1 - MIN_SHARE * len(small)
    return {v: MIN_SHARE if v in small else x * room / rest for v, x in there.items()}


ROW_H, COL_W = 0.22, 0.24       # inches: a student's row, a matrix's column
LABEL_CHARS = 28                # a student's name as the plot prints it, at most


def plot(hand_ins: Sequence[HandIn], *, title: str):
    """The class at a glance (see the module docstring); a closed matplotlib figure.

    Laid out in inches, so that every row, column and label keeps its size however many
    students there are: the grid on the left, the most-missed matrices at its top right."""
    hand_ins, title = given.hand_ins("hand_ins", hand_ins), given.text("title", title)
    if not hand_ins:
        raise ValueError("hand_ins: expected at least one answers file, got none")
    import matplotlib.pyplot as plt
    from matplotlib.patches import Patch, Rectangle
    from matplotlib.ticker import MaxNLocator

    hand_ins = sorted(labelled(hand_ins), key=progress, reverse=True)
    read = [h for h in hand_ins if h.report is not None]
    sheet = read[0].report.sheet if read else None
    items = [it.name for it in sheet.boxes()] if sheet else []
    page_of = {it.name: k for k, it in sheet.items() if it.role == "box"} if sheet else {}
    labels = [plot_label(h) for h in hand_ins]
    missed = missed_most(hand_ins)[:MOST_MISSED]
    n_rows, n_cols = len(hand_ins), max(len(items), 1)
    left = 0.25 + 0.068 * max([len(x) for x in labels] + [8])
    top = 0.75 + 0.062 * max([len(x) for x in items] + [4])
    grid_w, grid_h = COL_W * n_cols, ROW_H * n_rows
    bars_left = 0.3 + 0.068 * max([len(k) for k, _ in missed] + [10])
    bars_w = 2.2
    fig_w = left + grid_w + 0.4 + bars_left + bars_w + 0.3
    fig_h = top + grid_h + 0.95
    fig = plt.figure(figsize=(fig_w, fig_h))
    grid = fig.add_axes((left / fig_w, 0.95 / fig_h, grid_w / fig_w, grid_h / fig_h))
    for y, h in enumerate(hand_ins):
        if h.report is None:
            grid.text(0.1, y + 0.5, f"cannot be read: {names.shown(h.error)}"[:int(grid_w / 0.055)],
                      ha="left", va="center", fontsize=7, color="0.3",
                      bbox={"facecolor": "white", "edgecolor": "none", "pad": 1})
            continue
        for x, (_, share) in enumerate(shares(h.report)):
            at = x + 0.04
            for v, w in visible(share).items():
                grid.add_patch(Rectangle((at, y + 0.1), w * 0.92, 0.8, color=COLOURS[v], lw=0))
                at += w * 0.92
    pages = sorted(set(page_of.values()))
    for k in pages:
        xs = [i for i, name in enumerate(items) if page_of[name] == k]
        if k != pages[0]:
            grid.axvline(min(xs), color="0.25", lw=0.8)
        grid.text((min(xs) + max(xs) + 1) / 2, n_rows + 0.2, f"page {k}", ha="center", va="top",
                  fontsize=8, color="0.25")
    grid.set_xlim(0, n_cols)
    grid.set_ylim(n_rows, 0)
    grid.set_xticks([i + 0.5 for i in range(len(items))], items, rotation=90, fontsize=7)
    grid.xaxis.tick_top()
    grid.tick_params(length=0, pad=2)
    grid.set_yticks([y + 0.5 for y in range(n_rows)], labels, fontsize=8, fontfamily=names.fonts())
    for side in grid.spines.values():
        side.set_visible(False)
    fig.legend(handles=[Patch(color=COLOURS[v], label=LEGEND[v]) for v in COLOURS], ncol=4,
               loc="lower left", bbox_to_anchor=(left / fig_w, 0.1 / fig_h), fontsize=8, frameon=False)
    unread = len(hand_ins) - len(read)
    fig.text(0.25 / fig_w, 1 - 0.15 / fig_h,
             f"{title}: {len(hand_ins)} file{'s' if len(hand_ins) != 1 else ''}"
             + (f", {unread} cannot be read" if unread else "") + ", most progress at the top",
             fontsize=11, va="top")
    bar_h = 0.28 * max(len(missed), 2)
    x0 = (left + grid_w + 0.4 + bars_left) / fig_w
    bars = fig.add_axes((x0, 1 - (top + bar_h) / fig_h, bars_w / fig_w, bar_h / fig_h))
    if missed:
        names_, values = zip(*missed)
        bars.barh(range(len(names_)), values, color=COLOURS["wrong"], height=0.7)
        bars.set_yticks(range(len(names_)), names_, fontsize=8)
        for yy, v in enumerate(values):
            bars.text(v, yy, f" {v}", va="center", fontsize=8)
        bars.set_ylim(max(len(names_), 2) - 0.5, -0.5)
    else:
        bars.text(0.5, 0.5, f"no box was wrong in the {len(read)} file{'s' if len(read) != 1 else ''} read",
                  ha="center", va="center", transform=bars.transAxes, fontsize=8)
        bars.set_yticks([])
    bars.set_xlim(0, max(len(read), 1) * 1.1)
    bars.xaxis.set_major_locator(MaxNLocator(integer=True, nbins=5))
    bars.tick_params(labelsize=8)
    bars.set_xlabel(f"students with a wrong box there (of {len(read)} read)", fontsize=8)
    bars.set_title("missed most", fontsize=10, loc="left")
    bars.grid(axis="x", alpha=0.3)
    plt.close(fig)
    return fig


def plot_label(h: HandIn) -> str:
    """A student's row label: the name as :func:`labelled` gives it, at most LABEL_CHARS
    characters; a character no installed font draws is ``?``, and then the id (or the
    file's name) follows in brackets, so the row is still somebody's."""
    text = names.drawable(h.label)
    if len(text) > LABEL_CHARS:
        text = text[:LABEL_CHARS - 1] + "\u2026"
    if "?" in text and "?" not in h.label and "[" not in h.label:
        text += f" [{names.shown(h.id) or names.shown(Path(h.file).stem)}]"
    return text
