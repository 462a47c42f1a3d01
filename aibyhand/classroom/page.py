"""The sheet's web page: one self-contained HTML file that checks answers as they are typed.

The page is laid out as the printed sheet (:mod:`aibyhand.classroom.sheet`): every page in
order, each grid of slots with the same rows and columns, so that in a product the left
factor sits in the result's row and the top factor in its column; printed numbers on
grey, cells a box does not ask left out (as on paper), the page's tables under it. Every box is an
``<input data-step="NAME" data-row="R" data-col="C">`` (``NAME`` as on the sheet and in
the answers file, ``R``, ``C`` 0-based in the matrix the sheet shows).

As the student types, the script re-marks every box by the procedure of
:func:`aibyhand.classroom.check.mark` (follow-through, the same intervals), sets
``data-verdict`` on each input, counts, and gives a hint for a wrong box, never its
number. For that the page carries the graph once, as JSON: each step's formula tree, and
exact values only for the givens and the cells printed on the sheet; the script
recomputes everything else from them. A button saves the typed answers as the answers
file :func:`aibyhand.classroom.check.template` lays out, for ``aibyhand check``.

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
from pathlib import Path

import numpy as np

from ..steps import Steps
from . import check, layout, sheet as _sheet, spelling, tables
from .layout import Item, Page, Sheet

__all__ = ["render", "graph", "asset"]

LABEL_CHAR_PX = 6.6     # one character of an 11 px row label, at most


def render(ws, data, *, source: str = "", parts=None, seed: int | None = None,
           data_file: str | None = None) -> str:
    """The interactive page of worksheet ``ws`` for ``data``, as one HTML document.

    ``source`` says where the numbers come from (shown under the settings); ``parts`` is
    what ``ws.run(data)`` returned, when the caller has run it already; ``seed`` (the
    variant the data is) goes into the saved answers file, as ``aibyhand sheet
    --answers-template --seed N`` writes it; ``data_file``, the numbers file the data
    came from, goes into the check command the page shows.
    """
    parts = ws.run(data) if parts is None else parts
    steps = ws.join(parts)
    sheet = ws.sheet
    title = f"Worksheet {ws.number}: {ws.title}"
    data_json = graph(sheet, steps, worksheet=ws.name, seed=seed, data_file=data_file)
    settings = "; ".join(x for x in (_sheet.settings_line(steps), source) if x)
    head = [f"<h1>{_e(title)}</h1>",
            f'<p class="instructions">{_e(sheet.opening())}</p>']
    if settings:
        head.append(f'<p class="settings">{_e(settings)}</p>')
    head.append('<p class="legend"><span class="key right">right</span> '
                '<span class="key follow">follow-through (right from your own earlier boxes)</span> '
                '<span class="key wrong">wrong</span> <span class="key bad">cannot be read</span></p>')
    pages = [_page_html(k, page, sheet, steps) for k, page in enumerate(sheet.pages, start=1)]
    payload = json.dumps(data_json, separators=(",", ":"), allow_nan=False)
    payload = payload.replace("<", "\\u003c").replace(">", "\\u003e").replace("&", "\\u0026")
    return "\n".join([
        "<!doctype html>",
        '<html lang="en">',
        "<head>",
        '<meta charset="utf-8">',
        '<meta name="viewport" content="width=device-width, initial-scale=1">',
        '<meta name="color-scheme" content="light">',
        f"<title>{_e(title)}</title>",
        f"<style>{asset('page.css')}</style>",
        "</head>",
        "<body>",
        '<header class="bar">',
        f'<div id="progress" aria-live="polite">0 of {len(data_json["cells"])} boxes right</div>',
        f'<input id="student" type="text" maxlength="{check.NAME_LENGTH}" autocomplete="name" '
        'placeholder="your name" aria-label="your name (it goes into the saved file)">',
        '<button type="button" id="save" title="what you typed, as an answers file for aibyhand check">'
        "Save answers</button>",
        '<div id="status" aria-live="polite"></div>',
        "</header>",
        "<main>",
        *head,
        *pages,
        "</main>",
        f'<script type="application/json" id="graph">{payload}</script>',
        f"<script>{asset('page.js')}</script>",
        "</body>",
        "</html>",
        ""])


# -- the graph the script marks with ----------------------------------------------------

def graph(sheet: Sheet, steps: Steps, *, worksheet: str, seed: int | None = None,
          data_file: str | None = None) -> dict:
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
                      "uses": [layout.local(u, sheet.prefix) for u in steps.uses(it.step)]})
    cells = [[index[c.item], c.row, c.col, c.label] for c in layout.cells(sheet, steps)]
    keep = set(needed)
    return {
        "worksheet": worksheet, "seed": seed, "title": steps.title,
        "settings": {k: float(v[0]) for k, v in check.settings(steps).items()},
        "base": float(steps.meta.get("base", 3.0)),
        "steps": out_steps, "boxes": boxes, "cells": cells,
        "printed_on": {str(k): [n for n in names if n in keep] for k, names in printed_on.items()},
        "toml": _template_pieces(sheet, steps, worksheet, seed, len(cells), data_file),
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
    return np.vectorize(lambda x: layout.printed(float(x))[1], otypes=[float])(v) if v.size else v


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


def _template_pieces(sheet: Sheet, steps: Steps, worksheet: str, seed, n: int, data_file=None) -> list[str]:
    """:func:`check.template`'s text cut at the student's name and at every box (each
    ``""``): the script writes the name, then the typed values in the order of
    :func:`layout.cells`, in between."""
    text = check.template(sheet, steps, worksheet=worksheet, seed=seed, data=data_file)
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
        return item.title
    if item.role == "grey":
        return item.name + ("  (given)" if steps.step(item.step).given else "")
    return f"{item.name} = {layout.formula(item, steps)}"


def _page_html(k: int, page: Page, sheet: Sheet, steps: Steps) -> str:
    """One page of the sheet: its title, what to do, its grids, its tables, its hints."""
    grids = "\n".join('<p class="swipe" hidden>wider than the screen: swipe sideways for the rest</p>'
                      f'<div class="scroll">{_grid_html(g, steps)}</div>' for g in layout.grids(page))
    tables = "".join(_table_html(g) for g in _sheet.page_tables(page, steps))
    return (f'<section class="page" id="page-{k}">\n'
            f'<h2>{k}. {_e(page.title)}</h2>\n<p class="todo">{_e(page.todo)}</p>\n{grids}\n'
            + (f'<div class="tables">{tables}</div>\n' if tables else "")
            + '<ul class="hints" hidden></ul>\n</section>')


def _grid_html(grid: list[tuple], steps: Steps) -> str:
    """One grid of slots. Each slot column is two grid columns (row labels, matrix) and
    each slot row three grid rows (titles, column labels, matrices), so that the matrices
    of a row start on one line and those of a column at one left edge. The label column
    has a fixed width, so a long title widens only the matrix column."""
    ncol = max(len(row) for row in grid)
    rows = [list(row) + [None] * (ncol - len(row)) for row in grid]
    widths = []
    for c in range(ncol):
        longest = max((len(str(x)) for row in rows if row[c] is not None
                       for x in (layout.shown(row[c], steps)[1] or ())), default=0)
        widths.append(f"{math.ceil(longest * LABEL_CHAR_PX) + 5}px auto" if longest else "0 auto")
    out = [f'<div class="grid" style="grid-template-columns:{" ".join(widths)}">']
    for r, row in enumerate(rows):
        for c, it in enumerate(row):
            if it is None:
                continue
            span = 1
            while c + span < ncol and row[c + span] is None:
                span += 1
            out.append(_item_html(it, steps, 3 * r + 1, 2 * c + 1, span))
    out.append("</div>")
    return "".join(out)


def _item_html(it: Item, steps: Steps, row: int, col: int, span: int) -> str:
    """One matrix on a page: its title, column and row labels, and its cells (grey, an input, or left out)."""
    value, rows, cols = layout.shown(it, steps)
    ask = layout.mask_of(it, steps)
    words = layout.words(it, steps)
    n, m = value.shape
    title = item_title(it, steps)
    cls = "box" if it.role == "box" else "grey"
    parts = [f'<div class="ttl {cls}" style="grid-row:{row};grid-column:{col}/span {2 * span}">'
             f'{_e(title)}</div>']
    if cols:
        ticks = "".join(f"<span>{_e(x)}</span>" for x in cols)
        parts.append(f'<div class="ticks" style="grid-row:{row + 1};grid-column:{col + 1};--n:{m}">{ticks}</div>')
    if rows:
        labels = "".join(f"<div>{_e(x)}</div>" for x in rows)
        parts.append(f'<div class="rlab" style="grid-row:{row + 2};grid-column:{col}">{labels}</div>')
    cells = []
    for i in range(n):
        for j in range(m):
            if ask[i, j]:
                label = layout.cell_label(it.name, value.shape, i, j, rows, cols)
                cells.append(f'<div class="c b"><input data-step="{_e(it.name)}" data-row="{i}" '
                             f'data-col="{j}" data-verdict="" aria-label="{_e(label)}" inputmode="text" '
                             f'autocomplete="off" autocapitalize="off" spellcheck="false" '
                             f'enterkeyhint="next"></div>')
            elif it.role == "grey" or it.rest == "grey":
                cells.append(f'<div class="c g">{_e(layout.cell_text(float(value[i, j]), words))}</div>')
            else:
                cells.append('<div class="c s"></div>')
    parts.append(f'<div class="m {cls}" style="grid-row:{row + 2};grid-column:{col + 1};--n:{m}">'
                 f'{"".join(cells)}</div>')
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
