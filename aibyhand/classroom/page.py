"""The sheet's web page: one self-contained HTML file that checks answers as they are typed.

On a wide screen the page is laid out as the printed sheet (:mod:`aibyhand.classroom.sheet`):
every page in order, each grid of slots with the same rows and columns, so that in a
product the left factor sits in the result's row and the top factor in its column;
printed numbers on grey, cells a box does not ask left out (as on paper), the page's
tables under it. On a phone (or where a grid is wider than the screen) a grid's matrices
follow one another instead, each with its own row and column labels, the printed ones a
box is computed from just before it and what it uses one tap away (:func:`_phone_order`);
nothing scrolls sideways but a wide printed matrix. Every box is an ``<input
data-step="NAME" data-row="R" data-col="C">`` (``NAME`` as on the sheet and in the
answers file, ``R``, ``C`` 0-based in the matrix the sheet shows), at least 44 px
square, with a keyboard that has a minus sign, a decimal point and a slash.

As the student types, the script marks the boxes by the procedure of
:func:`aibyhand.classroom.check.mark` (follow-through, the same intervals), reading each
box as :mod:`aibyhand.classroom.spelling` does, sets ``data-verdict`` on each input
(``right``, ``follow``, ``wrong``, ``unreadable`` or ``""``), counts, and gives a hint
under a wrong or unreadable box, never its number. For that the page carries the graph
once, as JSON: each step's formula tree, and exact values only for the givens and the
cells printed on the sheet; the script recomputes everything else from them. A button
saves the typed answers as the answers file :func:`aibyhand.classroom.check.template`
lays out, for ``aibyhand check``, under ``answers-WORKSHEET-SLUG.toml`` (SLUG:
:func:`aibyhand.classroom.names.slug` of the student's name).

No network, no server, no external file: it works opened from disk, on a phone too. The
script and the style are files of their own, ``page.js`` and ``page.css`` beside this
module, inlined into every page (:func:`asset`).
"""

from __future__ import annotations

import hashlib
import html
import json
import math
import re
import unicodedata
from pathlib import Path

import numpy as np

from ..steps import Steps, hand_style
from . import check, given, layout, names, sheet as _sheet, spelling, tables
from .layout import Item, Page, Sheet
from .worksheet import WorksheetError

__all__ = ["render", "graph", "asset"]

LABEL_CHAR_PX = 6.6     # one character of an 11 px row label, at most
PHONE_WIDTH = 300       # px a printed matrix may take on a 390 px screen before it scrolls
MAX_BOXES, MAX_CELLS = 400, 3000   # more than any sheet that prints (160 boxes, 4 pages)


def render(ws, data, *, source: str = "", parts=None, seed: int | None = None,
           data_file: str | None = None, student: str = "", student_id: str = "") -> str:
    """The interactive page of worksheet ``ws`` for ``data``, as one HTML document.

    A page is refused where its printed sheet would be: numbers from a file
    (``data_file``) are laid out on the sheet's pages first, and a sheet that does not
    fit them refuses the page too (a :class:`WorksheetError` naming the file); any data
    with more than :data:`MAX_BOXES` boxes or :data:`MAX_CELLS` cells, far more than a
    printed sheet holds, is refused at once (a ``ValueError``).

    ``source`` says where the numbers come from (shown under the settings); ``parts`` is
    what ``ws.run(data)`` returned, when the caller has run it already; ``seed`` (the
    variant the data is) goes into the saved answers file, as ``aibyhand sheet
    --answers-template --seed N`` writes it; ``data_file``, the numbers file the data
    came from, goes into the check command the page shows. ``student`` fills in the name
    box (a class set's page for one student) and ``student_id`` goes into the saved file.
    """
    ws, parts, source = given.worksheet("ws", ws), given.parts("parts", parts), given.text("source", source)
    seed, data_file = given.seed("seed", seed), given.optional_path("data_file", data_file)
    student, student_id = _name("student", student), _name("student_id", student_id)
    parts = ws.run(data) if parts is None else parts
    steps = ws.join(parts)
    sheet = ws.sheet
    if data_file is not None:
        try:
            _bounded(sheet, steps)
            figs, _ = _sheet.worksheet_pages(ws, data, parts=parts)
        except ValueError as err:
            raise WorksheetError(f"{data_file}: {err}") from None
        _sheet.close(figs)
    _bounded(sheet, steps)
    title = f"Worksheet {ws.number}: {ws.title}"
    data_json = graph(sheet, steps, worksheet=ws.name, seed=seed, data_file=data_file, student_id=student_id)
    settings = "; ".join(x for x in (_sheet.settings_line(steps), source) if x)
    n = len(data_json["cells"])
    head = [f"<h1>{_e(title)}</h1>",
            f'<p class="instructions">{_e(sheet.opening())}</p>']
    if settings:
        head.append(f'<p class="settings">{_e(settings)}</p>')
    head.append('<p class="name"><label for="student">Your name</label> '
                f'<input id="student" type="text" maxlength="{check.NAME_LENGTH}" autocomplete="name" '
                + (f'value="{_e(student)}" ' if student else "")
                + 'placeholder="as your teacher knows it" aria-describedby="name-note">'
                '<span id="name-note">it goes into the saved file</span></p>')
    head.append('<p class="legend"><span class="key right">right</span> '
                '<span class="key follow">follow-through (right from your own earlier boxes)</span> '
                '<span class="key wrong">wrong</span> <span class="key bad">cannot be read</span></p>')
    where = _anchors(sheet)
    pages = [_page_html(k, page, sheet, steps, where) for k, page in enumerate(sheet.pages, start=1)]
    payload = json.dumps(data_json, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return "\n".join([
        "<!doctype html>",
        '<html lang="en" class="draw-all">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light">',
        f"<title>{_e(title)}</title>",
        f"<style>{asset('page.css')}</style>",
        "</head>",
        "<body>",
        '<header class="bar">',
        f'<div id="progress" aria-live="polite"><span class="long">0 of {n} boxes right, {n} not done</span>'
        f'<span class="short">0 of {n} right</span></div>',
        '<button type="button" id="save" title="what you typed, as an answers file for aibyhand check">'
        "Save answers</button>",
        '<div class="meter" aria-hidden="true"><i></i></div>',
        "</header>",
        "<main>",
        *head,
        *pages,
        "</main>",
        '<div id="status" role="status" hidden><span></span><button type="button" aria-label="close">'
        "\u00d7</button></div>",
        f'<script type="application/json" id="graph">{payload}</script>',
        f"<script>{asset('page.js')}</script>",
        "</body>",
        "</html>",
        ""])


def _bounded(sheet: Sheet, steps: Steps) -> None:
    """Refuse a page far larger than a printed sheet holds (before anything is built)."""
    boxes = cells = 0
    for _, it in sheet.items():
        n = layout.shown(it, steps)[0].size
        cells += n
        boxes += int(layout.mask_of(it, steps).sum()) if it.role == "box" else 0
    if boxes > MAX_BOXES or cells > MAX_CELLS:
        raise ValueError(f"{boxes} boxes and {cells} cells: more than a printed sheet holds (at most "
                         f"{MAX_BOXES} boxes and {MAX_CELLS} cells for a page), so no page is made either")


# -- the graph the script marks with ----------------------------------------------------

def _name(what: str, x) -> str:
    """A name or id the page saves into the answers file: what ``check`` reads back (one
    line of at most NAME_LENGTH characters, no control characters)."""
    x = given.text(what, x)
    if len(x) > check.NAME_LENGTH or any(unicodedata.category(c) in ("Cc", "Zl", "Zp") for c in x):
        raise ValueError(f"{what}: expected one line of at most {check.NAME_LENGTH} characters, got "
                         f"{names.shown(x[:40])!r}")
    return x


def graph(sheet: Sheet, steps: Steps, *, worksheet: str, seed: int | None = None,
          data_file: str | None = None, student_id: str = "") -> dict:
    """What the page's script needs to mark, as JSON-ready data.

    ``steps``: the steps the boxes depend on, in order; each has its ``shape`` (the
    matrix the checker works with) and either ``value`` (a given, or a step printed on the
    sheet, with ``radius``: how far the printed number may be from it) or ``tree`` (its
    formula); a boxed step whose other cells the sheet prints has them in ``rest`` (null
    at the boxes) with ``rest_radius``; a power the student reads from its page's table
    has ``snap`` (:func:`~aibyhand.classroom.tables.snaps`, with ``base``). ``boxes``: each
    boxed item in sheet order; ``cells``:
    every box cell in sheet order, ``[box index, row, col, label]``. ``printed_on``: page
    -> the steps printed there. ``toml``: the answers template cut at each box.
    No exact value of a box is in it.
    """
    exact = check.exact_values(steps)
    items = sheet.items()
    boxed = {it.step: (k, it) for k, it in items if it.role == "box"}
    printed_on: dict[int, list[str]] = {}
    for k, it in items:
        if it.role == "grey":
            printed_on.setdefault(k, [])
            if it.step not in printed_on[k]:
                printed_on[k].append(it.step)
    printed_anywhere = {n for names in printed_on.values() for n in names}
    needed = _needed(steps, boxed)

    snap = {n: v for page in sheet.pages for n, v in tables.snaps(page, steps).items()}
    out_steps = []
    for name in needed:
        st = steps.step(name)
        v = exact[name]
        entry: dict = {"name": name, "shape": list(v.shape)}
        if st.given or not st.formula or name in printed_anywhere:
            entry["value"] = _rows(v)
            if name in printed_anywhere:
                entry["radius"] = _rows(_radius(v))
        else:
            entry["tree"] = steps.formula(name).to_json()
            if name in snap:
                entry["snap"] = [int(snap[name][0]), int(snap[name][1]), bool(snap[name][2])]
            if name in boxed and boxed[name][1].rest == "grey":
                asked = _asked(boxed[name][1], steps, v.shape)
                entry["rest"] = _rows(np.where(asked, np.nan, v), nan_as_null=True)
                entry["rest_radius"] = _rows(np.where(asked, 0.0, _radius(v)))
        out_steps.append(entry)

    boxes, index = [], {}
    for k, it in items:
        if it.role != "box":
            continue
        index[it.name] = len(boxes)
        value, _, _ = layout.shown(it, steps)
        boxes.append({"item": it.name, "step": it.step, "T": it.T, "page": k, "rest": it.rest,
                      "shape": list(value.shape), "words": list(layout.words(it, steps)),
                      "formula": check.formula_of(it, steps),
                      "uses": check.sheet_uses(sheet, steps, it.step)})
    cells = [[index[c.item], c.row, c.col, c.label] for c in layout.cells(sheet, steps)]
    keep = set(needed)
    return {
        "worksheet": worksheet, "seed": seed, "title": steps.title,
        "settings": {k: float(v[0]) for k, v in check.settings(steps).items()},
        "base": float(steps.meta.get("base", 3.0)),
        "steps": out_steps, "boxes": boxes, "cells": cells,
        "printed_on": {str(k): [n for n in names if n in keep] for k, names in printed_on.items()},
        "toml": _template_pieces(sheet, steps, worksheet, seed, len(cells), data_file, student_id),
        "check_args": check.check_args(data_file),
        "largest_hint": check.LARGEST_HINT, "skipped": check.SKIPPED,
        "id": _digest(worksheet, seed, out_steps),
        "reasons": spelling.REASONS, "digits": spelling.DIGITS,
    }


def _needed(steps: Steps, boxed) -> list[str]:
    """The boxed steps and every step they are computed from, in the steps' order."""
    need, todo = set(boxed), list(boxed)
    while todo:
        for u in steps.uses(todo.pop()):
            if u in steps and u not in need:
                need.add(u)
                todo.append(u)
    return [n for n in steps if n in need]


def _asked(it: Item, steps: Steps, shape) -> np.ndarray:
    """Which cells of a boxed step (in the step's own orientation) the sheet asks."""
    mask = layout.mask_of(it, steps)
    mask = mask.T if it.T else mask
    return np.broadcast_to(mask, shape)


def _radius(v: np.ndarray) -> np.ndarray:
    """How far each printed number may be from the value (0 where it is exact)."""
    return layout.radius(v)


def _number(x: float, nan_as_null: bool = False):
    """A float for JSON: the script reads ``"Infinity"``, ``"-Infinity"``, ``"NaN"`` back."""
    x = float(x)
    if math.isfinite(x):
        return x
    if math.isnan(x):
        return None if nan_as_null else "NaN"
    return "Infinity" if x > 0 else "-Infinity"


def _rows(v: np.ndarray, nan_as_null: bool = False) -> list:
    """A matrix as JSON rows (non-finite numbers as strings, NaN as null if asked)."""
    return [[_number(x, nan_as_null) for x in row] for row in np.atleast_2d(v)]


def _template_pieces(sheet: Sheet, steps: Steps, worksheet: str, seed, n: int, data_file=None,
                     student_id: str = "") -> list[str]:
    """:func:`check.template`'s text cut at the student's name and at every box (each
    ``""``): the script writes the name, then the typed values in the order of
    :func:`layout.cells`, in between."""
    text = check.template(sheet, steps, worksheet=worksheet, seed=seed, data=data_file, id=student_id)
    pieces, last, at = [], 0, 0
    for line in text.splitlines(keepends=True):
        if not line.lstrip().startswith("#"):
            value = line.split(" = ", 1)[1] if " = " in line and not line.startswith("  ") else line
            start = at + len(line) - len(value)
            for m in re.finditer(r'""', value):
                pieces.append(text[last:start + m.start()])
                last = start + m.end()
        at += len(line)
    pieces.append(text[last:])
    if len(pieces) != n + 2:  # the student's name, then the boxes
        raise ValueError(f"the answers template has {len(pieces) - 2} boxes, the sheet {n}")
    return pieces


def _digest(worksheet: str, seed, out_steps) -> str:
    """A name for the typed answers in the browser's storage: the same sheet, the same name."""
    text = json.dumps([worksheet, seed, out_steps], sort_keys=True)
    return f"aibyhand:{worksheet}:{seed}:" + hashlib.sha256(text.encode()).hexdigest()[:16]


# -- the page, as the printed sheet lays it out ---------------------------------------------

def _e(text) -> str:
    """Text escaped for HTML (quotes too: it goes into attributes)."""
    return html.escape(str(text), quote=True)


def item_title(item: Item, steps: Steps) -> str:
    """An item's heading, as the printed sheet writes it."""
    if item.title:
        return layout.title_of(item, steps)
    if item.role == "grey":
        return item.name + ("  (given)" if steps.step(item.step).given else "")
    return f"{item.name} = {layout.formula(item, steps)}"


def _page_html(k: int, page: Page, sheet: Sheet, steps: Steps, where: dict) -> str:
    """One page of the sheet: its title, what to do, its grids, its tables."""
    grids = "\n".join(_grid_html(g, steps, k, n, where) for n, g in enumerate(layout.grids(page)))
    tables = "".join(_table_html(g) for g in _sheet.page_tables(page, steps))
    return (f'<section class="page" id="page-{k}">\n'
            f'<h2>{k}. {_e(page.title)}</h2>\n<p class="todo">{_e(page.todo)}</p>\n{grids}\n'
            + (f'<div class="tables">{tables}</div>\n' if tables else "") + "</section>")


def _anchors(sheet: Sheet) -> dict[str, list[tuple[int, str, str]]]:
    """Step -> where the page shows it, as ``(page, id of its title, its name there)``, in sheet order."""
    out: dict[str, list[tuple[int, str, str]]] = {}
    for k, page in enumerate(sheet.pages, start=1):
        for n, grid in enumerate(layout.grids(page)):
            for r, c, it in _slots(grid):
                out.setdefault(it.step, []).append((k, _item_id(k, n, r, c), it.name))
    return out


def _item_id(k: int, n: int, r: int, c: int) -> str:
    """The id of an item's title: page, grid, slot row and column."""
    return f"p{k}-g{n}-{r}-{c}"


def _slots(grid: list[tuple]):
    """``(row, col, item)`` for every item of a grid, row by row."""
    return [(r, c, it) for r, row in enumerate(grid) for c, it in enumerate(row) if it is not None]


def _phone_order(grid: list[tuple], steps: Steps) -> list[tuple[int, int, Item]]:
    """The grid's items one after another, as a narrow screen shows them: the boxes in
    reading order, except that a box comes after the boxes of the grid it is computed
    from; each printed matrix right before the first box that uses it (or that it stands
    above or beside), so the givens a box is computed from come just before it."""
    slots = _slots(grid)
    boxes = [n for n, (_, _, it) in enumerate(slots) if it.role == "box"]
    box_of = {slots[n][2].step: n for n in boxes}
    order, pending = [], list(boxes)
    while pending:
        n = next((n for n in pending if {box_of[u] for u in steps.uses(slots[n][2].step)
                                         if u in box_of} - {n} <= set(order)), pending[0])
        pending.remove(n)
        order.append(n)
    rank = {n: k for k, n in enumerate(order)}

    def key(n: int):
        r, c, it = slots[n]
        if it.role == "box":
            return (rank[n], 1, n)
        users = [rank[b] for b in boxes if it.step in steps.uses(slots[b][2].step)]
        near = [rank[b] for b in boxes if (slots[b][1] == c and slots[b][0] > r)
                or (slots[b][0] == r and slots[b][1] > c)]
        later = [rank[b] for b in boxes if b > n]
        return (min(users or near or later or [len(order)]), 0, n)

    return [slots[n] for n in sorted(range(len(slots)), key=key)]


def _cell_chars(it: Item, steps: Steps) -> int:
    """The longest number (or word) a printed cell of the item shows."""
    value, _, _ = layout.shown(it, steps)
    words = layout.words(it, steps)
    ask = layout.mask_of(it, steps)
    return max((len(layout.cell_text(float(x), words)) for (i, j), x in np.ndenumerate(value)
                if not ask[i, j]), default=1)


def _grid_html(grid: list[tuple], steps: Steps, k: int, n: int, where: dict) -> str:
    """One grid of slots. On a wide screen (the sheet's own layout) each slot column is two
    grid columns (row labels, matrix) and each slot row three grid rows (titles, column
    labels, matrices) and a row for each box's hints, so that the matrices of a row start
    on one line and those of a column at one left edge; the cells of a column are as wide
    as its widest number (a box's width where it has a box); a last column takes the rest
    of the page's width, for the hints under the boxes. On a narrow screen the items
    follow one another (:func:`_phone_order`), each with its own labels."""
    ncol = max(len(row) for row in grid)
    rows = [list(row) + [None] * (ncol - len(row)) for row in grid]
    widths, cell_w = [], []
    for c in range(ncol):
        col = [row[c] for row in rows if row[c] is not None]
        longest = max((len(str(x)) for it in col for x in (layout.shown(it, steps)[1] or ())), default=0)
        widths.append(f"{math.ceil(longest * LABEL_CHAR_PX) + 5}px auto" if longest else "0 auto")
        chars = max((_cell_chars(it, steps) for it in col), default=1)
        cell_w.append("var(--box)" if any(it.role == "box" for it in col) else _grey_w(chars))
    base, at = [], 1
    for row in rows:
        base.append(at)
        at += 3 + sum(1 for it in row if it is not None and it.role == "box")
    out = [f'<div class="grid" style="grid-template-columns:{" ".join(widths)} 1fr">']
    for r, c, it in _phone_order(grid, steps):
        span = 1
        while c + span < ncol and rows[r][c + span] is None:
            span += 1
        hint_row = base[r] + 3 + sum(1 for x in rows[r][:c] if x is not None and x.role == "box")
        place = (f"--t:{base[r]};--k:{base[r] + 1};--x:{base[r] + 2};--h:{hint_row};--c:{2 * c + 1};"
                 f"--c2:{2 * c + 2};--s:{2 * span};--sw:{cell_w[c]};--gw:{_grey_w(_cell_chars(it, steps))}")
        out.append(_item_html(it, steps, _item_id(k, n, r, c), place, _uses(it, steps, k, where)))
    out.append("</div>")
    return "".join(out)


def _grey_w(chars: int) -> str:
    """The width of a printed cell holding ``chars`` characters of tabular digits."""
    return f"max(30px,calc({chars}ch + 12px))"


def _uses(it: Item, steps: Steps, k: int, where: dict) -> list[tuple[str, str]]:
    """What a box's formula uses, as ``(name, id of where it is shown)``: on this page if
    it is there, else the last page before this one that shows it. The name is the one
    the page shows it under (``A^T`` where A is drawn turned)."""
    if it.role != "box":
        return []
    out = []
    for u in steps.uses(it.step):
        shown = where.get(u, [])
        here = [x for x in shown if x[0] == k] or [x for x in shown if x[0] < k][-1:] or shown[:1]
        if here:
            out.append((here[0][2], here[0][1]))
    return out


def _title_html(title: str) -> str:
    """A title that breaks only between its name and its formula or at a space in the
    formula: never inside the name, after a minus sign, nor beside a "/" (a "/ 2" alone on
    a line reads as a new formula)."""
    name, eq, rhs = title.partition(" = ")
    if not eq:
        return _e(title)
    words = rhs.replace(" / ", "\u00a0/\u00a0").split(" ")
    rhs = " ".join(f'<span class="nm">{_e(w)}</span>' if "-" in w else _e(w) for w in words)
    return f'<span class="nm">{_e(name)}</span> = {rhs}'


def _item_html(it: Item, steps: Steps, ident: str, place: str, uses) -> str:
    """One matrix on a page: its title, what a box uses, column and row labels, its cells
    (grey, an input, or left out), and a place for a box's hints."""
    value, rows, cols = layout.shown(it, steps)
    ask = layout.mask_of(it, steps)
    words = layout.words(it, steps)
    style = hand_style(value)
    n, m = value.shape
    cls = "box" if it.role == "box" else "grey"
    if it.role == "grey" and m * max(30, 9 * _cell_chars(it, steps) + 13) > PHONE_WIDTH:
        cls += " wide"      # may scroll sideways on a phone: it holds no box
    drawn = np.ones(value.shape, dtype=bool) if it.role == "grey" or it.rest == "grey" else ask
    row_off = [" x" if not drawn[i].any() else "" for i in range(n)]   # a row or column with no cell on
    col_off = [" x" if not drawn[:, j].any() else "" for j in range(m)]  # paper: gone on a phone
    parts = [f'<div class="item {cls}" data-name="{_e(it.name)}" '
             f'style="{place};--n:{m};--n2:{sum(not x for x in col_off)}">',
             f'<div class="ttl" id="{ident}">{_title_html(item_title(it, steps))}</div>']
    if uses:
        links = ", ".join(f'<a href="#{ref}">{_e(name)}</a>' for name, ref in uses)
        parts.append(f'<p class="uses">uses {links}</p>')
    if cols:
        parts.append('<div class="ticks">' + "".join(f'<span class="t{o}">{_e(x)}</span>'
                                                     for x, o in zip(cols, col_off)) + "</div>")
    if rows:
        parts.append('<div class="rlab">' + "".join(f'<div class="t{o}">{_e(x)}</div>'
                                                    for x, o in zip(rows, row_off)) + "</div>")
    cells = []
    for i in range(n):
        for j in range(m):
            if ask[i, j]:
                label = layout.cell_label(it.name, value.shape, i, j, rows, cols)
                cells.append(f'<div class="c b"><input data-step="{_e(it.name)}" data-row="{i}" '
                             f'data-col="{j}" data-verdict="" aria-label="{_e(label)}" type="text" '
                             f'inputmode="text" autocomplete="off" autocapitalize="off" autocorrect="off" '
                             f'spellcheck="false" enterkeyhint="next"></div>')
            elif it.role == "grey" or it.rest == "grey":
                cells.append(f'<div class="c g">{_e(layout.cell_text(float(value[i, j]), words, style))}</div>')
            else:
                cells.append(f'<div class="c s{row_off[i] or col_off[j]}"></div>')
    parts.append(f'<div class="m">{"".join(cells)}</div>')
    if it.role == "box":
        parts.append(f'<div class="hint" data-item="{_e(it.name)}" aria-live="polite" hidden></div>')
    parts.append("</div>")
    return "".join(parts)


def _table_html(g) -> str:
    """A table printed on the page (powers, logs, square roots), as a small HTML table."""
    head = ""
    if any(g.cols):
        head = "<thead><tr><th></th>" + "".join(f"<th>{_e(c)}</th>" for c in g.cols) + "</tr></thead>"
    body = "".join("<tr><th>" + _e(r) + "</th>" + "".join(f"<td>{_e(v)}</td>" for v in row) + "</tr>"
                   for r, row in zip(g.rows, g.cells))
    note = f'<p class="note">{_e(g.note)}</p>' if g.note else ""
    return (f'<figure class="table"><figcaption>{_e(g.title)}</figcaption><div class="scroll">'
            f"<table>{head}<tbody>{body}</tbody></table></div>{note}</figure>")


def asset(name: str) -> str:
    """The text of the page's own script (``"page.js"``) or style (``"page.css"``), as
    inlined into every page. Refused if it could end its ``<script>`` or ``<style>``
    element early."""
    return inlinable(name, Path(__file__).with_name(name).read_text(encoding="utf-8"))


def inlinable(name: str, text: str) -> str:
    """``text``, if it can go inside a ``<script>`` or ``<style>`` element as it is: no
    closing tag, no comment opener (either would end the element early or hide the rest)."""
    if re.search(r"</(script|style)|<!--", text, re.I):
        raise ValueError(f"{name} holds a closing tag or a comment opener; it cannot be inlined")
    return text
