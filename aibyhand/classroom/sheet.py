"""Printable worksheets: each page of a :class:`~aibyhand.classroom.layout.Sheet` drawn on
paper, blank or as the answer key.

A page is a small spreadsheet: the items in a row of slots share their top line, the
items in a column share their left edge, so in a product the left factor's rows line up
with the result's rows and the top factor's columns with its columns. Boxes are empty
on the blank sheet and filled in blue on the key; printed numbers are on grey; cells a
box does not ask are not drawn. Pages are 8.27 x 11 inches, which prints unscaled on A4
and on Letter. :func:`pages` returns the figures, :func:`save` writes a PDF (all pages)
or PNG files (one per page) with fixed metadata, so the same sheet always gives the
same bytes. A sheet that cannot fit its pages is refused with one line, never drawn off
the page.
"""

from __future__ import annotations

import io
import math
import textwrap
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .. import output
from ..steps import Steps, format_number
from . import given, layout, tables
from .layout import Item, Page, Sheet

PAGE_W, PAGE_H, MARGIN = 8.27, 11.0, 0.45         # inches
CELL_W, CELL_H, MIN_CELL_W = 0.42, 0.22, 0.26      # one number
TITLE_H, TICK_H, GAP = 0.15, 0.12, 0.16            # a title line, column labels, between slots
CHAR_W = 0.058                                     # one character of a 6.5 pt title, generously
TICK_CHAR = 0.040
NUMBER_PT, TITLE_PT, TICK_PT = 6.5, 6.5, 5.0
KEY_COLOR, GIVEN_COLOR, BOX_COLOR = "#1f4e9c", "black", "0.35"
GREY = "0.90"
TABLE_CELL_W, TABLE_CELL_H, TABLE_PT = 0.31, 0.135, 5.2
MAX_TITLE_W = 2.6


class SheetError(ValueError):
    """A sheet that would not fit its page; the message is one line."""


@dataclass
class Placed:
    item: Item
    value: np.ndarray
    rows: tuple | None
    cols: tuple | None
    ask: np.ndarray
    title: list[str]
    words: tuple = ()


def _title(item: Item, steps: Steps) -> str:
    if item.title:
        return item.title
    step = steps.step(item.step)
    if item.role == "grey":
        return item.name + ("  (given)" if step.given else "")
    return f"{item.name} = {layout_formula(item, steps)}"


def layout_formula(item: Item, steps: Steps) -> str:
    return layout.formula(item, steps)


def wrap_title(text: str, width: int) -> list[str]:
    """A box's title in lines of at most ``width`` characters where it can: broken after
    its ``=`` when the formula then fits a line, and never beside a ``/`` (a ``/ 2``
    alone on a line reads as a new formula)."""
    name, eq, rhs = text.partition(" = ")
    rhs = rhs.replace(" / ", "\u00a0/\u00a0")       # in the formula only: a name may hold " / "
    glued = name + eq + rhs
    if len(glued) > width and eq and len(name) + 2 <= width and len(rhs) <= width:
        lines = [name + " =", rhs]
    else:
        lines = textwrap.wrap(glued, width=width, break_long_words=False,
                              break_on_hyphens=False) or [""]
    return [line.replace("\u00a0", " ") for line in lines]


def _label_w(labels) -> float:
    return 0.0 if not labels else max(len(str(r)) for r in labels) * TICK_CHAR + 0.06


class _Layout:
    """Where every item of one grid goes, for a cell width ``cw``."""

    def __init__(self, grid: list[tuple], steps: Steps, cw: float):
        self.cw = cw
        ncol = max(len(r) for r in grid)
        self.cells: list[list[Placed | None]] = []
        for row in grid:
            placed = []
            for it in list(row) + [None] * (ncol - len(row)):
                if it is None:
                    placed.append(None)
                    continue
                value, rows, cols = layout.shown(it, steps)
                ask = layout.mask_of(it, steps)
                placed.append(Placed(it, np.asarray(value), rows, cols, ask, [_title(it, steps)],
                                     layout.words(it, steps)))
            self.cells.append(placed)
        self.label_w = [max((_label_w(p.rows) for p in col if p), default=0.0)
                        for col in zip(*self.cells)]
        grid_w = [max((p.value.shape[1] * cw for p in col if p), default=0.0) for col in zip(*self.cells)]
        title_w = [max((min(len(p.title[0]) * CHAR_W, MAX_TITLE_W) for p in col if p), default=0.0)
                   for col in zip(*self.cells)]
        self.col_w = [max(lw + gw, tw * 0.55) for lw, gw, tw in zip(self.label_w, grid_w, title_w)]
        # a title wider than its column wraps; it may also run into an empty column beside it
        for r, row in enumerate(self.cells):
            for c, p in enumerate(row):
                if p is None:
                    continue
                room = self.col_w[c]
                k = c + 1
                while k < len(row) and row[k] is None:
                    room += self.col_w[k] + GAP
                    k += 1
                room = max(room, 0.3)
                p.title = wrap_title(p.title[0], max(int(room / CHAR_W), 5))
        self.title_lines = [max((len(p.title) for p in row if p), default=0) for row in self.cells]
        self.ticks = [any(p.cols for p in row if p) for row in self.cells]
        self.row_h = [n * TITLE_H + (TICK_H if t else 0) + max((p.value.shape[0] * CELL_H for p in row if p),
                                                                default=0.0)
                      for row, n, t in zip(self.cells, self.title_lines, self.ticks)]

    @property
    def width(self) -> float:
        return sum(self.col_w) + GAP * (len(self.col_w) - 1)

    @property
    def height(self) -> float:
        return sum(self.row_h) + GAP * (len(self.row_h) - 1)


class _Page:
    def __init__(self, title: str, number: int, of: int, corner: str = ""):
        import matplotlib.pyplot as plt

        self.fig = plt.figure(figsize=(PAGE_W, PAGE_H))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, PAGE_W)
        self.ax.set_ylim(PAGE_H, 0)  # y grows downwards, in inches
        self.ax.axis("off")
        self.ax.text(MARGIN, MARGIN, title, fontsize=12, fontweight="bold", va="top")
        self.ax.text(PAGE_W - MARGIN, MARGIN + 0.02, f"page {number} of {of}", fontsize=7.5,
                     va="top", ha="right", color="0.35")
        self.ax.text(MARGIN, PAGE_H - MARGIN / 2, "name: ______________________________",
                     fontsize=8, va="bottom")
        if corner:
            self.ax.text(PAGE_W - MARGIN, PAGE_H - MARGIN / 2, corner, fontsize=6.5, va="bottom",
                         ha="right", color="0.45")
        self.y = MARGIN + 0.32

    def text(self, x, y, s, **kw):
        self.ax.text(x, y, s, **kw)

    def lines(self, text: str, *, size: float, color: str = "0.2", bold: bool = False,
              width: float = PAGE_W - 2 * MARGIN, step: float | None = None) -> None:
        step = step or size / 72 * 1.35
        for line in textwrap.wrap(text, width=int(width / (size / 72 * 0.52))):
            self.text(MARGIN, self.y, line, fontsize=size, va="top", color=color,
                      fontweight="bold" if bold else "normal")
            self.y += step


def _fit_label(label: str, width: float) -> str:
    """A column label that fits its cell, or none (a sentence over one column says no more
    than the page's title)."""
    label = str(label)
    if " " in label:  # a sentence: in quotes, so that it does not read as two columns
        label = f"\u201c{label}\u201d"
    return label if len(label) * TICK_CHAR <= width else ""


def _draw_item(page: _Page, p: Placed, x: float, y: float, label_w: float, title_lines: int,
               ticks: bool, cw: float, key: bool, drawn: list) -> None:
    from matplotlib.patches import Rectangle

    for i, line in enumerate(p.title):
        page.text(x, y + (i + 1) * TITLE_H - 0.03, line, fontsize=TITLE_PT, va="bottom",
                  color="0.1" if p.item.role == "box" else "0.35")
    y += title_lines * TITLE_H
    gx = x + label_w
    printed = p.item.role == "grey" or p.item.rest == "grey"
    drawn_cell = np.ones(p.value.shape, dtype=bool) if printed else np.asarray(p.ask, dtype=bool)
    if p.cols:
        for j, c in enumerate(p.cols):
            if not drawn_cell[:, j].any():
                continue  # no cell of this column is on the sheet
            page.text(gx + (j + 0.5) * cw, y + TICK_H - 0.015, _fit_label(c, cw), fontsize=TICK_PT,
                      ha="center", va="bottom", color="0.45")
    if ticks:
        y += TICK_H
    if p.rows:
        for i, r in enumerate(p.rows):
            if not drawn_cell[i].any():
                continue
            page.text(gx - 0.04, y + (i + 0.5) * CELL_H, str(r), fontsize=TICK_PT, ha="right",
                      va="center", color="0.45")
    n, m = p.value.shape
    for (i, j), v in np.ndenumerate(p.value):
        cx, cy = gx + j * cw, y + i * CELL_H
        box = p.ask[i, j]
        shown = not box and printed
        if not drawn_cell[i, j]:
            continue  # a cell the sheet does not ask is not drawn: every empty box is one to fill
        page.ax.add_patch(Rectangle((cx, cy), cw, CELL_H, facecolor="white" if box else GREY,
                                    edgecolor=BOX_COLOR, lw=0.7 if box else 0.35))
        if box and not key:
            drawn.append((p.item.name, i, j, ""))
            continue
        text = layout.cell_text(v, p.words)
        # narrow cells (a wide page) get smaller digits, so a number never leaves its box
        size = NUMBER_PT * min(1.0, cw / CELL_W * 1.1, cw / (0.062 * max(len(text), 1)))
        page.text(cx + cw / 2, cy + CELL_H / 2, text, fontsize=size, ha="center", va="center",
                  color=KEY_COLOR if box else GIVEN_COLOR)
        drawn.append((p.item.name, i, j, text))


def _draw_grid(page: _Page, lay: _Layout, key: bool, drawn: list) -> None:
    y = page.y
    for r, row in enumerate(lay.cells):
        x = MARGIN
        for c, p in enumerate(row):
            if p is not None:
                _draw_item(page, p, x, y, lay.label_w[c], lay.title_lines[r], lay.ticks[r], lay.cw,
                           key, drawn)
            x += lay.col_w[c] + GAP
        y += lay.row_h[r] + GAP
    page.y = y


def _table_size(g: tables.Grid) -> tuple[float, float]:
    w = (len(g.cols) + 1) * TABLE_CELL_W
    h = (len(g.rows) + 2) * TABLE_CELL_H + (TABLE_CELL_H if g.note else 0)
    return w, h


def _draw_table(page: _Page, g: tables.Grid, x: float, y: float) -> None:
    from matplotlib.patches import Rectangle

    page.text(x, y, g.title, fontsize=TABLE_PT + 0.8, va="top", fontweight="bold", color="0.2")
    y += TABLE_CELL_H * 1.2
    if any(g.cols):
        for j, c in enumerate(g.cols):
            page.text(x + (j + 1.5) * TABLE_CELL_W, y + TABLE_CELL_H / 2, c, fontsize=TABLE_PT,
                      ha="center", va="center", color="0.4")
        y += TABLE_CELL_H
    for i, (r, row) in enumerate(zip(g.rows, g.cells)):
        page.text(x + TABLE_CELL_W - 0.03, y + TABLE_CELL_H / 2, r, fontsize=TABLE_PT, ha="right",
                  va="center", color="0.4")
        for j, v in enumerate(row):
            if i % 2 == 0:
                page.ax.add_patch(Rectangle((x + (j + 1) * TABLE_CELL_W, y), TABLE_CELL_W, TABLE_CELL_H,
                                            facecolor="0.95", edgecolor="none"))
            page.text(x + (j + 1.5) * TABLE_CELL_W, y + TABLE_CELL_H / 2, v, fontsize=TABLE_PT,
                      ha="center", va="center")
        y += TABLE_CELL_H
    if g.note:
        page.text(x, y + 0.02, g.note, fontsize=TABLE_PT + 1, va="top", color="0.1", fontweight="bold")


def _shelves(grids: list[tables.Grid], usable: float) -> list[tuple[list[tables.Grid], float]]:
    """Tables side by side while they fit the page's width, then a new row: (tables, height)."""
    out: list[tuple[list[tables.Grid], float]] = []
    x = 0.0
    for g in grids:
        w, h = _table_size(g)
        if not out or x + w > usable:
            out.append(([], 0.0))
            x = 0.0
        out[-1] = (out[-1][0] + [g], max(out[-1][1], h))
        x += w + GAP * 2
    return out


def page_tables(page: Page, steps: Steps) -> list[tables.Grid]:
    """The distinct tables a page prints (two widths wanting the same 2-decimal table get one)."""
    out = []
    for t in page.tables:
        g = tables.build(t, page, steps)
        if g not in out:
            out.append(g)
    return out


def pages(sheet: Sheet, steps: Steps, *, title: str, settings: str = "", source: str = "",
          key: bool = False):
    """Draw every page; returns ``(figures, drawn)``.

    ``settings`` (temperature, base ...) is printed under every page's title, where the
    page may need it; ``source`` (which numbers: ``--seed 5``) in the bottom corner.
    ``drawn`` lists every cell drawn with a number or as an empty box, as ``(item name,
    row, col, text)`` (text ``""`` for an empty box), so tests can hold the sheet to the
    steps and to the answers template.
    """
    header = title + ("  \u2014  answer key" if key else "")
    figs, drawn = [], []
    usable = PAGE_W - 2 * MARGIN
    for k, page in enumerate(sheet.pages, start=1):
        p = _Page(header, k, len(sheet.pages), source)
        if k == 1:
            p.lines(sheet.opening(), size=7.5, color="0.15", bold=False)
            p.y += 0.05
        p.lines(f"{k}. {page.title}", size=10, color="0.1", bold=True, step=0.2)
        if settings:
            p.lines(settings, size=7, color="0.4")
        p.lines(page.todo, size=7.5, color="0.25")
        p.y += 0.08
        grids = [_fit(g, steps, usable, k) for g in layout.grids(page)]
        shelves = _shelves(page_tables(page, steps), usable)
        tab_h = sum(h for _, h in shelves) + GAP * max(len(shelves) - 1, 0)
        need = sum(g.height for g in grids) + GAP * (len(grids) - 1) + (tab_h + 0.25 if shelves else 0)
        room = PAGE_H - MARGIN - 0.3 - p.y
        if need > room:
            for f in figs + [p.fig]:
                _close(f)
            raise SheetError(f"page {k} ({page.title}) needs {need:.1f} in of height, the page has "
                             f"{room:.1f}: the numbers are too many for a printed sheet")
        for g in grids:
            _draw_grid(p, g, key, drawn)
        y = PAGE_H - MARGIN - 0.3 - tab_h
        for shelf, h in shelves:
            x = MARGIN
            for t in shelf:
                _draw_table(p, t, x, y)
                x += _table_size(t)[0] + GAP * 2
            y += h + GAP
        figs.append(p.fig)
    return figs, drawn


def _fit(grid, steps: Steps, usable: float, k: int) -> _Layout:
    """Lay a grid out at the widest cell that fits the page, or refuse."""
    lay = _Layout(grid, steps, CELL_W)
    if lay.width <= usable:
        return lay
    fixed = _Layout(grid, steps, 0.0).width
    per_cell = _Layout(grid, steps, 1.0).width - fixed
    cw = (usable - fixed) / per_cell if per_cell > 0 else CELL_W
    if cw < MIN_CELL_W:
        widest = max(len(c) for c in grid)
        raise SheetError(f"page {k}: a row of {widest} matrices needs {per_cell * MIN_CELL_W + fixed:.1f} in at "
                         f"the smallest print, the page has {usable:.1f}: too many columns for a printed sheet")
    return _Layout(grid, steps, math.floor(cw * 100) / 100)


def worksheet_pages(ws, data: dict, *, key: bool = False, source: str = "", parts=None,
                    student: str = ""):
    """The pages of a catalogued worksheet for some data: its title, a line with its
    settings and where its numbers come from, and a name field on every page.

    ``parts``: what ``ws.run(data)`` returned, when the caller has run it already;
    ``student``: whose sheet it is (a class set's), printed with ``source`` at the top
    right of every page and in its name field.
    """
    ws, parts = given.worksheet("ws", ws), given.parts("parts", parts)
    key, source = given.boolean("key", key), given.text("source", source)
    student = given.text("student", student)
    parts = ws.run(data) if parts is None else parts
    steps = ws.join(parts)
    figs, drawn = pages(ws.sheet, steps, title=f"Worksheet {ws.number}: {ws.title}",
                        settings=settings_line(steps), source=source, key=key)
    if student:
        _name(figs, student, source)
    return figs, drawn


def _name(figs, student: str, source: str) -> None:
    """Whose sheet: the name and ``source`` under the page number, and the name in the
    name field (as :func:`aibyhand.classroom.names.drawable` draws it)."""
    from . import names

    name = names.drawable(names.shown(student))
    for fig in figs:
        ax = fig.axes[0]
        right = ax.get_xlim()[1] - MARGIN
        ax.text(right, MARGIN + 0.19, " \u00b7 ".join(x for x in (name, source) if x), fontsize=8.5,
                va="top", ha="right", color="0.15", family=names.fonts())
        for t in ax.texts:
            if t.get_text().startswith("name: ___"):
                t.set_text(f"name: {name}")
                t.set_family(names.fonts())


def settings_line(steps: Steps) -> str:
    """The settings a page's formulas may need: ``temperature 1/2 · base 3 · lr 1``."""
    return " \u00b7 ".join(f"{k} {_setting(v)}" for k, v in steps.meta.items()
                           if not k.startswith("_") and k not in ("mask", "vocabulary", "pooling"))


def _setting(v) -> str:
    if isinstance(v, float):
        return "e" if v == math.e else format_number(v, hand=True)
    if isinstance(v, tuple):
        return "(" + ", ".join(_setting(x) for x in v) + ")"
    return str(v)


PDF_METADATA = {"Creator": "aibyhand", "Producer": "aibyhand", "CreationDate": None, "ModDate": None}
PNG_OPTIONS = {"dpi": 110, "metadata": {"Software": None}}


def save_pdf(figs, file) -> None:
    """All pages into one PDF (a path or a binary file), with no dates in it."""
    from matplotlib.backends.backend_pdf import PdfPages

    with PdfPages(file, metadata=PDF_METADATA) as pdf:
        for fig in figs:
            pdf.savefig(fig)


def _close(fig) -> None:
    import matplotlib.pyplot as plt

    plt.close(fig)


def close(figs) -> None:
    for fig in figs:
        _close(fig)


def save(figs, path: str | Path) -> list[Path]:
    """Write the pages: one PDF, or one PNG per page (``name.png``, ``name-2.png`` ...),
    drawn in memory first, then written by :func:`aibyhand.output.write_all` (all or
    nothing; one line naming the file when it cannot be)."""
    try:
        path = output.check(path, suffixes=(".pdf", ".png"))
        if path.suffix.lower() == ".pdf":
            buf = io.BytesIO()
            save_pdf(figs, buf)
            files = [(path, buf.getvalue())]
        else:
            files = []
            for k, fig in enumerate(figs, start=1):
                buf = io.BytesIO()
                fig.savefig(buf, format="png", **PNG_OPTIONS)
                files.append((path if k == 1 else path.with_name(f"{path.stem}-{k}{path.suffix}"),
                              buf.getvalue()))
    finally:
        close(figs)
    return output.write_all(files)
