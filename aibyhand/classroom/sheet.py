"""Printable worksheets: each page of a :class:`~aibyhand.classroom.layout.Sheet` drawn on
paper, blank or as the answer key.

A page is a small spreadsheet: the items in a row of slots share their top line, the
items in a column share their left edge, so in a product the left factor's rows line up
with the result's rows and the top factor's columns with its columns. Boxes are empty
on the blank sheet and filled in blue on the key; printed numbers are on grey; cells a
box does not ask are not drawn. Every grid has its rows and columns labelled, and every
label keeps its formula on one line. A page's tables sit beside the boxes that use them,
or right under them.

Paper is A4 (595 x 842 pt) or Letter (612 x 792 pt). At its smallest a page prints its
numbers, labels, tables and instructions at 9 pt or more (only where the numbers come
from, in the corner, at 8.5; a long number on the key shrinks to fit its box, to 8 at
least) and its boxes 1.12 x 0.81 cm, room for a pencil's "-0.25"; a page with room to
spare prints everything larger, up to half as large again, rather than leave it blank.
:func:`plan` says where everything goes, :func:`pages` draws it, :func:`save` writes a
PDF (all pages) or PNG files (one per page) with fixed metadata, so the same sheet
always gives the same bytes. A sheet that cannot fit its pages at the smallest print is
refused with one line, never drawn off the page or smaller.
"""

from __future__ import annotations

import io
import math
from fractions import Fraction
from dataclasses import dataclass, field
from functools import lru_cache
from pathlib import Path

import numpy as np

from .. import output
from ..steps import Steps, format_number, hand_style
from . import given, layout, stats, tables
from .layout import Item, Page, Sheet

PAPERS = {"a4": (595 / 72, 842 / 72), "letter": (612 / 72, 792 / 72)}   # inches
PAPER = "a4"
MARGIN = 0.42

# at scale 1, the smallest a page prints; a page with room is drawn larger (SCALES)
BOX_W, BOX_H = 0.44, 0.32            # a box to fill, inches: 1.12 x 0.81 cm
GREY_W, GREY_H = 0.30, 0.22          # the least a printed cell gets
CELL_PAD = 0.08                      # a cell's width beyond its widest number
NUMBER_PT = LABEL_PT = TITLE_PT = TABLE_PT = 9.0
KEY_MIN_PT = 8.0                     # a long key number shrinks to fit its box, no further
TEXT_PT, SETTINGS_PT, PAGE_TITLE_PT, HEADER_PT = 10.0, 9.0, 12.0, 13.0
CORNER_PT = 8.5                      # page number, where the numbers come from
GAP_X, GAP_Y = 0.17, 0.10            # between slots
BLOCK_GAP = 0.20                     # between a page's grids
NEAR = 1.2                           # a table under its boxes (or in a column beside them) starts at most this far below them
SCALES = tuple(round(1.5 - 0.05 * k, 2) for k in range(11))   # 1.5, 1.45 ... 1.0
FOOTER_H = 0.25                      # the name line
STUDENT_H = 0.17                     # a line for the student's name, on a class set's sheet

KEY_COLOR, GIVEN_COLOR, BOX_COLOR = "#1f4e9c", "black", "0.30"
GREY = "0.90"
LABEL_COLOR = "0.30"
FONT = "DejaVu Sans"


class SheetError(ValueError):
    """A sheet that would not fit its page; the message is one line."""


# -- measuring text -------------------------------------------------------------------

def text_width(text: str, pt: float, bold: bool = False) -> float:
    """How wide ``text`` prints at ``pt`` points, in inches (type scales with its size)."""
    return _width_at_10pt(text, bold) * pt / 10


@lru_cache(maxsize=None)
def _width_at_10pt(text: str, bold: bool) -> float:
    return sum(_char_width(c, bold) for c in text)


@lru_cache(maxsize=None)
def _char_width(c: str, bold: bool) -> float:
    """One character's advance at 10 pt, in inches (a line is their sum: the small
    kerning of a pair is left out)."""
    from matplotlib.font_manager import FontProperties

    prop = FontProperties(family=FONT, size=10, weight="bold" if bold else "normal")
    w, _, _ = _text_to_path().get_text_width_height_descent(c, prop, ismath=False)
    return w / 72


@lru_cache(maxsize=1)
def _text_to_path():
    from matplotlib.textpath import TextToPath

    return TextToPath()


def wrap(text: str, pt: float, width: float, bold: bool = False) -> list[str]:
    """Words into lines no wider than ``width`` inches (a word wider than that alone)."""
    lines: list[str] = []
    for word in text.split(" "):
        if not word:
            continue
        if lines and text_width(lines[-1] + " " + word, pt, bold) <= width:
            lines[-1] += " " + word
        else:
            lines.append(word)
    return lines or [""]


def fill(tokens: list[str], pt: float, width: float) -> list[str]:
    """Tokens (each kept whole: a formula is one token) into as few lines as fit ``width``."""
    lines: list[str] = []
    for tok in tokens:
        if lines and text_width(lines[-1] + " " + tok, pt) <= width + 1e-9:
            lines[-1] += " " + tok
        else:
            lines.append(tok)
    return lines or [""]


# -- what an item shows ---------------------------------------------------------------

def _title(item: Item, steps: Steps) -> str:
    """An item's heading: ``name = formula`` for a box, ``name (given)`` for a given."""
    return " ".join(title_tokens(item, steps))


def layout_formula(item: Item, steps: Steps) -> str:
    return layout.formula(item, steps)


def title_tokens(item: Item, steps: Steps) -> list[str]:
    """An item's heading in the pieces a line may break between: the parts of its name
    (``after /``, ``m=2 /``, ``S =``), then its formula whole; a heading in words, word by
    word. A formula is never broken."""
    if item.title:
        return layout.title_of(item, steps).split()
    parts = item.name.split(" / ")
    name = [p + " /" for p in parts[:-1]] + [parts[-1]]
    if item.role == "grey":
        return name + (["(given)"] if steps.step(item.step).given else [])
    name[-1] += " ="
    return name + [layout.formula(item, steps)]


@dataclass
class Placed:
    item: Item
    value: np.ndarray
    rows: tuple | None
    cols: tuple | None
    ask: np.ndarray
    drawn: np.ndarray               # cells drawn at all (boxes, and printed numbers)
    texts: list                     # each cell's printed text
    tokens: list[str]
    title: list[str] = field(default_factory=list)

    @property
    def printed(self) -> bool:
        return self.item.role == "grey" or self.item.rest == "grey"

    @property
    def nrows(self) -> int:
        """The rows it takes on the page: up to its last drawn one."""
        drawn = np.flatnonzero(self.drawn.any(axis=1))
        return int(drawn[-1]) + 1 if drawn.size else 0


def _placed(it: Item, steps: Steps, cache: dict | None = None) -> Placed:
    """An item as a grid draws it (what does not depend on the scale is read once)."""
    if cache is not None:
        if it not in cache:
            cache[it] = _placed(it, steps)
        p = cache[it]
        return Placed(p.item, p.value, p.rows, p.cols, p.ask, p.drawn, p.texts, p.tokens)
    value, rows, cols = layout.shown(it, steps)
    value = np.asarray(value)
    ask = np.asarray(layout.mask_of(it, steps), dtype=bool)
    printed = it.role == "grey" or it.rest == "grey"
    drawn = np.ones(value.shape, dtype=bool) if printed else ask.copy()
    words = layout.words(it, steps)
    style = hand_style(value)   # one way of writing numbers for the whole matrix
    texts = [[layout.cell_text(v, words, style) for v in row] for row in value]
    return Placed(it, value, rows, cols, ask, drawn, texts, title_tokens(it, steps))


def _sentence(label) -> bool:
    return " " in str(label)


def _col_label(label, width: float, pt: float) -> str:
    """A column label as drawn: a sentence in quotes, and only where it fits (a sentence
    over a single column says no more than the page's title)."""
    label = str(label)
    if _sentence(label):
        label = f"\u201c{label}\u201d"
        return label if text_width(label, pt) <= width else ""
    return label


# -- one grid of slots at one scale ---------------------------------------------------

class _Grid:
    """Where every item of one grid goes at scale ``s``, relative to the grid's corner."""

    def __init__(self, rows: list[tuple], steps: Steps, s: float, edge: float | None = None,
                 cache: dict | None = None):
        self.s = s
        self.edge = edge
        ncol = max(len(r) for r in rows)
        self.cells: list[list[Placed | None]] = [
            [None if it is None else _placed(it, steps, cache) for it in list(row) + [None] * (ncol - len(row))]
            for row in rows]
        cols = list(zip(*self.cells))
        num, lab, tit = NUMBER_PT * s, LABEL_PT * s, TITLE_PT * s
        pad = CELL_PAD * s
        # a cell's width: a box's at least; a printed matrix's fitted to its numbers and
        # labels, unless it stands over (or under) a box with as many columns, whose
        # columns it then shares
        self.cell_w: dict[tuple[int, int], float] = {}
        self.label_w, self.col_w = [], []
        for c, col in enumerate(cols):
            items = [(r, p) for r, p in enumerate(col) if p]
            own = {}
            for r, p in items:
                w = BOX_W * s if p.ask.any() else GREY_W * s
                if p.printed:
                    w = max([w] + [text_width(t, num) + pad for (i, j), t in _cells(p) if not p.ask[i, j]])
                if p.cols and len(p.cols) > 1:
                    w = max([w] + [text_width(str(x), lab) + pad for x in p.cols if not _sentence(x)])
                own[r] = w
            for r, p in items:
                m = p.value.shape[1]
                shared = [own[q] for q, o in items if o.value.shape[1] == m and (o.ask.any() or p.ask.any())]
                self.cell_w[r, c] = max([own[r]] + shared)
            self.label_w.append(max((text_width(str(x), lab) for _, p in items for x in (p.rows or ())),
                                    default=-0.07 * s) + 0.07 * s)
            self.col_w.append(self.label_w[-1] + max((p.value.shape[1] * self.cell_w[r, c] for r, p in items),
                                                     default=0.0))
        # a heading keeps each piece on one line: where the widest piece is wider than its
        # column and the empty slots beside it, the column widens
        for c in range(ncol):
            for r, row in enumerate(self.cells):
                p = row[c]
                if p is None:
                    continue
                need = max(text_width(t, tit) for t in p.tokens)
                room = self._room(r, c)
                if need > room:
                    self.col_w[c] += need - room
        for r, row in enumerate(self.cells):
            for c, p in enumerate(row):
                if p is not None:
                    p.title = fill(p.tokens, tit, self._room(r, c))
        self.line_h = tit / 72 * 1.2
        self.tick_h = lab / 72 * 1.4
        self.title_lines = [max((len(p.title) for p in row if p), default=0) for row in self.cells]
        self.ticks = [any(_col_label(x, self.cell_w[r, c], lab) for c, p in enumerate(row) if p
                          for j, x in enumerate(p.cols or ()) if p.drawn[:, j].any())
                      for r, row in enumerate(self.cells)]
        self.cell_h = [(BOX_H if any(p.ask.any() for p in row if p) else GREY_H) * s for row in self.cells]
        self.row_h = [n * self.line_h + (self.tick_h if t else 0.0)
                      + max((p.nrows for p in row if p), default=0) * h
                      for row, n, t, h in zip(self.cells, self.title_lines, self.ticks, self.cell_h)]
        self.col_x = [sum(self.col_w[:c]) + c * GAP_X * s for c in range(ncol)]
        self.row_y = [sum(self.row_h[:r]) + r * GAP_Y * s for r in range(len(self.cells))]

    def _room(self, r: int, c: int) -> float:
        """How wide item (r, c)'s heading may be: its column and the empty slots to its
        right, up to the grid's right edge, or to ``edge`` (the page's) when nothing
        stands to its right."""
        row = self.cells[r]
        room = self.col_w[c]
        k = c + 1
        while k < len(row) and row[k] is None:
            room += GAP_X * self.s + self.col_w[k]
            k += 1
        if k == len(row) and self.edge is not None:
            room = max(room, self.edge - sum(self.col_w[:c]) - GAP_X * self.s * c)
        return room

    @property
    def width(self) -> float:
        """From the left edge to the right end of the widest column or heading."""
        cols = sum(self.col_w) + GAP_X * self.s * (len(self.col_w) - 1)
        heads = max((self.col_x[c] + max(text_width(t, TITLE_PT * self.s) for t in p.title)
                     for row in self.cells for c, p in enumerate(row) if p), default=0.0)
        return max(cols, heads)

    @property
    def height(self) -> float:
        return sum(self.row_h) + GAP_Y * self.s * (len(self.row_h) - 1)

    def where(self, r: int, c: int) -> tuple[float, float]:
        """The top-left corner of item (r, c)'s cells."""
        return (self.col_x[c] + self.label_w[c],
                self.row_y[r] + self.title_lines[r] * self.line_h + (self.tick_h if self.ticks[r] else 0.0))

    def rects(self) -> list[tuple[float, float, float, float]]:
        """Every item's rectangle (x0, y0, x1, y1): its heading, labels and cells."""
        out = []
        for r, row in enumerate(self.cells):
            for c, p in enumerate(row):
                if p is None:
                    continue
                x, y = self.where(r, c)
                n, m = p.nrows, p.value.shape[1]
                heads = max(text_width(t, TITLE_PT * self.s) for t in p.title)
                out.append((self.col_x[c], self.row_y[r], max(x + m * self.cell_w[r, c], self.col_x[c] + heads),
                            y + n * self.cell_h[r]))
        return out

    def boxes_of(self, names) -> tuple[float, float, float, float] | None:
        """The rectangle (x0, y0, x1, y1) around the cells of the named steps' items."""
        out = None
        for r, row in enumerate(self.cells):
            for c, p in enumerate(row):
                if p is None or p.item.step not in names:
                    continue
                x, y = self.where(r, c)
                n, m = p.nrows, p.value.shape[1]
                box = (x, y, x + m * self.cell_w[r, c], y + n * self.cell_h[r])
                out = box if out is None else (min(out[0], box[0]), min(out[1], box[1]),
                                               max(out[2], box[2]), max(out[3], box[3]))
        return out


def _cells(p: Placed):
    for (i, j), t in np.ndenumerate(np.array(p.texts, dtype=object)):
        yield (i, j), t


# -- tables ---------------------------------------------------------------------------

class _Table:
    """A table's size at scale ``s``."""

    def __init__(self, g: tables.Grid, users: list[str], s: float):
        self.g, self.users, self.s = g, users, s
        pt = TABLE_PT * s
        self.pt = pt
        texts = [t for row in g.cells for t in row] + [c for c in g.cols if c]
        self.cell_w = max(text_width(t, pt) for t in texts if t) + 0.07 * s
        self.label_w = max((text_width(r, pt) for r in g.rows if r != tables.SKIP), default=0.0) + 0.08 * s
        self.cell_h = pt / 72 * 1.42
        self.line_h = (pt + 0.5) / 72 * 1.3
        self.head = any(g.cols)
        body = self.label_w + len(g.cols) * self.cell_w
        self.title = wrap(g.title, pt + 0.5, body, bold=True)   # a title wider than the table wraps
        self.title_h = self.line_h * len(self.title) + 0.04 * s
        self.w = max([body] + [text_width(t, pt + 0.5, True) for t in self.title])
        self.skip_h = self.cell_h * 0.8
        skips = sum(1 for r in g.rows if r == tables.SKIP)
        self.h = self.title_h + (self.cell_h if self.head else 0.0) + (len(g.rows) - skips) * self.cell_h \
            + skips * self.skip_h + (self.line_h + 0.04 * s if g.note else 0.0)


def page_tables(page: Page, steps: Steps) -> list[tables.Grid]:
    """The distinct tables a page prints (two widths wanting the same 2-decimal table get one)."""
    return [g for g, _ in _page_tables(page, steps)]


def _page_tables(page: Page, steps: Steps) -> list[tuple[tables.Grid, list[str]]]:
    """Each distinct table a page prints, with the steps that use it."""
    out: list[tuple[tables.Grid, list[str]]] = []
    for t in page.tables:
        g = tables.build(t, page, steps)
        users = tables.users(t, page, steps)
        for k, (h, u) in enumerate(out):
            if h == g:
                out[k] = (h, u + [n for n in users if n not in u])
                break
        else:
            out.append((g, users))
    return out


# -- a page's body: its grids, each with the tables its boxes use ------------------------

@dataclass
class _Block:
    grid: _Grid
    tables: list[tuple[_Table, float, float]]     # (table, x, y) relative to the block
    width: float
    height: float
    near: bool = True                             # every table beside or right under its boxes
    close: bool = True                            # or, failing that, in a column of tables beside them


def _block(rows: list[tuple], steps: Steps, tabs: list[_Table], s: float, usable: float,
           cache: dict | None = None) -> _Block:
    """A grid and its tables, each table beside the grid level with the boxes that use it,
    or right under those boxes in the first space free of other items; of every way to
    place them so, one with every table near its boxes, and the shortest."""
    wide = _Grid(rows, steps, s, edge=usable, cache=cache)
    if not tabs:
        return _Block(wide, [], wide.width, wide.height)
    options = [_place(wide, tabs, usable, s, beside=False),
               _place(_Grid(rows, steps, s, cache=cache), tabs, usable, s, beside=True)]
    return min(options, key=lambda o: o[0])[1]


def _place(grid: _Grid, tabs: list[_Table], usable: float, s: float, beside: bool):
    """The tables placed around ``grid``: ``((far tables, tables in a column below their
    boxes, height, beside), block)``."""
    taken = grid.rects()
    best = None
    for order in _orders(len(tabs)):
        placed, far, below, rects = [None] * len(tabs), 0, 0, list(taken)
        for k in order:
            t = tabs[k]
            u = grid.boxes_of(set(t.users)) or (0.0, 0.0, grid.width, grid.height)
            mine = rects[len(taken):]
            starts = [(x, u[3] + GAP_Y * 2 * s) for x in
                      [u[0] - t.label_w, u[0], u[2] - t.w, 0.0, usable - t.w]
                      + [r[2] + GAP_X * 2 * s for r in mine] + [r[0] - t.w - GAP_X * 2 * s for r in mine]]
            if beside:
                starts.insert(0, (grid.width + GAP_X * 2 * s, max(u[1] - t.title_h, 0.0)))
            spots = []
            for n, (x, y) in enumerate(starts):
                if x + t.w > usable + 1e-9 and n == 0 and beside:
                    continue
                x = max(0.0, min(x, usable - t.w))
                while True:
                    hits = [r for r in rects if r[0] < x + t.w + GAP_X * s and x < r[2] + GAP_X * s
                            and r[1] < y + t.h + GAP_Y * s and y < r[3] + GAP_Y * s]
                    if not hits:
                        break
                    y = max(r[3] for r in hits) + GAP_Y * 2 * s
                beside_it = x >= u[2] - 1e-9 and y < u[3] and y + t.h > u[1]
                under = x < u[2] and x + t.w > u[0] and u[3] - 1e-9 <= y <= u[3] + NEAR
                column = x >= u[2] - 1e-9 and u[3] - 1e-9 <= y <= u[3] + NEAR
                spots.append((0 if beside_it or under else 1 if column else 2, y, n, x))
            miss, y, _, x = min(spots)
            far += miss == 2
            below += miss == 1
            placed[k] = (t, x, y)
            rects.append((x, y, x + t.w, y + t.h))
        h = max([grid.height] + [y + t.h for t, _, y in placed])
        width = max([grid.width] + [x + t.w for t, x, _ in placed])
        key = (far, below, h, 0 if beside else 1)
        if best is None or key < best[0]:
            best = (key, _Block(grid, placed, width, h, far + below == 0, far == 0))
    return best


def _orders(n: int) -> list[tuple[int, ...]]:
    """The orders in which to place ``n`` tables: as listed, then the others."""
    from itertools import permutations

    return list(permutations(range(n)))


def _body(page: Page, steps: Steps, s: float, usable: float, cache: dict | None = None) -> list[_Block]:
    cache = {} if cache is None else cache
    grids = layout.grids(page)
    mine: list[list[_Table]] = [[] for _ in grids]
    if "tables" not in cache:
        cache["tables"] = _page_tables(page, steps)
    for g, users in cache["tables"]:
        k = next((k for k, rows in enumerate(grids)
                  if any(it is not None and it.step in users for row in rows for it in row)), len(grids) - 1)
        mine[k].append(_Table(g, users, s))
    return [_block(rows, steps, tabs, s, usable, cache) for rows, tabs in zip(grids, mine)]


def _body_size(blocks: list[_Block], s: float) -> tuple[float, float]:
    return (max((b.width for b in blocks), default=0.0),
            sum(b.height for b in blocks) + BLOCK_GAP * s * max(len(blocks) - 1, 0))


# -- the page around the body ---------------------------------------------------------

class _Page:
    def __init__(self, paper: str, header: str, number: int, of: int, corner: str, minutes: int | None,
                 student: str = ""):
        import matplotlib.pyplot as plt
        from matplotlib.transforms import Affine2D

        self.w, self.h = PAPERS[paper]
        self.usable = self.w - 2 * MARGIN
        self.fig = plt.figure(figsize=(self.w, self.h))
        # inches from the page's top left, y growing downwards; the artists go on the
        # figure itself (an Axes would clip each one to itself, which costs and shows nothing)
        self.at = Affine2D().scale(1 / self.w, -1 / self.h).translate(0, 1) + self.fig.transFigure
        right = f"page {number} of {of}"
        if minutes is not None:
            right = f"about {minutes} minutes \u00b7 " + right
        rw = text_width(right, CORNER_PT + 0.5)
        size = HEADER_PT
        while size > 10 and text_width(header, size, True) > self.usable - rw - 0.2:
            size -= 0.5
        self.text(MARGIN, MARGIN, header, fontsize=size, fontweight="bold", va="top")
        self.text(self.w - MARGIN, MARGIN + 0.03, right, fontsize=CORNER_PT + 0.5, va="top", ha="right",
                  color="0.25")
        if student:   # whose sheet: the name and its numbers under the page number, the name in its field
            from . import names

            name = names.drawable(names.shown(student))
            self.fig.text(self.w - MARGIN, MARGIN + 0.03 + STUDENT_H, " \u00b7 ".join(x for x in (name, corner) if x),
                          fontsize=CORNER_PT + 0.5, va="top", ha="right", color="0.15", family=names.fonts(),
                          transform=self.at)
            self.fig.text(MARGIN, self.h - MARGIN / 2, f"name: {name}", fontsize=TEXT_PT, va="bottom",
                          family=names.fonts(), transform=self.at)
        else:
            self.text(MARGIN, self.h - MARGIN / 2, "name: ______________________________", fontsize=TEXT_PT,
                      va="bottom")
        if corner:
            self.text(self.w - MARGIN, self.h - MARGIN / 2, corner, fontsize=CORNER_PT, va="bottom",
                      ha="right", color="0.35")

    def text(self, x, y, s, **kw):
        self.fig.text(x, y, s, family=FONT, transform=self.at, **kw)

    def add(self, patch) -> None:
        patch.set_transform(self.at)
        self.fig.add_artist(patch)


def _draw_item(page: _Page, grid: _Grid, r: int, c: int, ox: float, oy: float, key: bool,
               drawn: list) -> None:
    from matplotlib.patches import Rectangle

    p = grid.cells[r][c]
    s = grid.s
    x, y = ox + grid.col_x[c], oy + grid.row_y[r]
    for i, line in enumerate(p.title):
        page.text(x, y + (i + 1) * grid.line_h - 0.035 * s, line, fontsize=TITLE_PT * s, va="baseline",
                  color="0.05" if p.item.role == "box" else "0.30")
    gx, gy = grid.where(r, c)
    gx, gy = gx + ox, gy + oy
    cw, ch = grid.cell_w[r, c], grid.cell_h[r]
    lab = LABEL_PT * s
    if p.cols:
        for j, label in enumerate(p.cols):
            if not p.drawn[:, j].any():
                continue  # no cell of this column is on the sheet
            page.text(gx + (j + 0.5) * cw, gy - 0.04 * s, _col_label(label, cw, lab), fontsize=lab,
                      ha="center", va="baseline", color=LABEL_COLOR)
    if p.rows:
        for i, label in enumerate(p.rows):
            if not p.drawn[i].any():
                continue
            first = int(np.argmax(p.drawn[i]))  # the label stands by the row's first drawn cell
            page.text(gx + first * cw - 0.05 * s, gy + (i + 0.5) * ch, str(label), fontsize=lab, ha="right",
                      va="center_baseline", color=LABEL_COLOR)
    for (i, j), text in _cells(p):
        if not p.drawn[i, j]:
            continue  # a cell the sheet does not ask is not drawn: every empty box is one to fill
        box = bool(p.ask[i, j])
        cx, cy = gx + j * cw, gy + i * ch
        page.add(Rectangle((cx, cy), cw, ch, facecolor="white" if box else GREY,
                           edgecolor=BOX_COLOR, lw=0.8 if box else 0.4, gid="cell"))
        if box and not key:
            drawn.append((p.item.name, i, j, ""))
            continue
        size = NUMBER_PT * s
        room = cw - CELL_PAD * s * 0.6
        if text_width(text, size) > room:  # a long key number shrinks to fit its box
            size = max(KEY_MIN_PT, math.floor(size * room / text_width(text, size) * 4) / 4)
        page.text(cx + cw / 2, cy + ch / 2, text, fontsize=size, ha="center", va="center_baseline",
                  color=KEY_COLOR if box else GIVEN_COLOR)
        drawn.append((p.item.name, i, j, text))


def _draw_table(page: _Page, t: _Table, x: float, y: float) -> None:
    from matplotlib.patches import Rectangle

    g, pt = t.g, t.pt
    for i, line in enumerate(t.title):
        page.text(x, y + (i + 0.8) * t.line_h, line, fontsize=pt + 0.5, va="baseline", fontweight="bold",
                  color="0.15")
    y += t.title_h
    cx = x + t.label_w
    if t.head:
        for j, c in enumerate(g.cols):
            page.text(cx + (j + 0.5) * t.cell_w, y + t.cell_h / 2, c, fontsize=pt, ha="center",
                      va="center_baseline", color=LABEL_COLOR)
        y += t.cell_h
    for i, (r, row) in enumerate(zip(g.rows, g.cells)):
        if r == tables.SKIP:   # rows left out: a short gap, marked
            page.text(cx + len(g.cols) * t.cell_w / 2, y + t.skip_h / 2, r, fontsize=pt, ha="center",
                      va="center", color=LABEL_COLOR)
            y += t.skip_h
            continue
        page.text(cx - 0.05 * t.s, y + t.cell_h / 2, r, fontsize=pt, ha="right", va="center_baseline",
                  color=LABEL_COLOR)
        n = sum(1 for v in row if v)
        page.add(Rectangle((cx, y), n * t.cell_w, t.cell_h, facecolor="0.94" if i % 2 == 0 else "white",
                           edgecolor="0.75", lw=0.3, gid="table"))
        for j, v in enumerate(row):
            if v:
                page.text(cx + (j + 0.5) * t.cell_w, y + t.cell_h / 2, v, fontsize=pt, ha="center",
                          va="center_baseline")
        y += t.cell_h
    if g.note:
        page.text(x, y + 0.04 * t.s + 0.8 * t.line_h, g.note, fontsize=pt, va="baseline", color="0.1",
                  fontweight="bold")


# -- the sheet --------------------------------------------------------------------------

@dataclass
class PagePlan:
    """Where everything on one page goes: the lines above its body (``(y, text, size,
    color, bold)``), the scale its body prints at, and the body's blocks from ``top``."""

    paper: str
    head: list
    top: float
    scale: float
    blocks: list[_Block]

    def placed(self):
        """Each block with its top edge on the page."""
        y = self.top
        for b in self.blocks:
            yield b, y
            y += b.height + BLOCK_GAP * self.scale

    def items(self):
        """Every item as drawn: ``(placed item, cells (x0, y0, x1, y1), cell width and
        height, row labels drawn, column labels drawn)``, in inches from the page's corner."""
        for b, y in self.placed():
            g = b.grid
            for r, row in enumerate(g.cells):
                for c, p in enumerate(row):
                    if p is None:
                        continue
                    x0, y0 = g.where(r, c)
                    cw, ch = g.cell_w[r, c], g.cell_h[r]
                    rows = [str(x) for i, x in enumerate(p.rows or ()) if p.drawn[i].any()]
                    cols = [_col_label(x, cw, LABEL_PT * g.s) for j, x in enumerate(p.cols or ())
                            if p.drawn[:, j].any()]
                    yield (p, (MARGIN + x0, y + y0, MARGIN + x0 + p.value.shape[1] * cw, y + y0 + p.nrows * ch),
                           (cw, ch), [x for x in rows if x], [x for x in cols if x])

    def tables(self):
        """Every table: ``(grid, its rectangle, the rectangle of the boxes that use it)``."""
        for b, y in self.placed():
            for t, x, ty in b.tables:
                u = b.grid.boxes_of(set(t.users))
                yield (t.g, (MARGIN + x, y + ty, MARGIN + x + t.w, y + ty + t.h),
                       u and (MARGIN + u[0], y + u[1], MARGIN + u[2], y + u[3]))


def _head(sheet: Sheet, page: Page, k: int, settings: str, usable: float, student: bool = False
          ) -> tuple[list, float]:
    """The lines above a page's body and where the body starts (a line lower on a
    student's sheet, under their name)."""
    out, y = [], MARGIN + 0.30 + (STUDENT_H if student else 0.0)

    def lines(text, size, color, bold=False):
        nonlocal y
        for line in wrap(text, size, usable, bold):
            out.append((y, line, size, color, bold))
            y += size / 72 * 1.32

    if k == 1:
        lines(sheet.opening(), TEXT_PT, "0.1")
        y += 0.08
    lines(f"{k}. {page.title}", PAGE_TITLE_PT, "0.05", bold=True)
    if settings:
        lines(settings, SETTINGS_PT, "0.35")
    lines(page.todo, TEXT_PT, "0.2")
    return out, y + 0.12


def plan(sheet: Sheet, steps: Steps, *, settings: str = "", paper: str = PAPER,
         student: bool = False) -> list[PagePlan]:
    """Where everything goes on every page, at the largest print each page has room for
    (``student``: under a line with the student's name)."""
    if paper not in PAPERS:
        raise ValueError(f"paper: expected one of {', '.join(PAPERS)}, got {paper!r}")
    w, h = PAPERS[paper]
    usable, bottom = w - 2 * MARGIN, h - MARGIN / 2 - FOOTER_H
    out = []
    for k, page in enumerate(sheet.pages, start=1):
        head, top = _head(sheet, page, k, settings, usable, student)
        s, blocks = fit(page, steps, usable, bottom - top, k)
        out.append(PagePlan(paper, head, top, s, blocks))
    return out


def fit(page: Page, steps: Steps, usable: float, room: float, k: int = 0) -> tuple[float, list[_Block]]:
    """The largest scale at which a page's body fits ``usable`` x ``room`` inches with every
    table beside or right under its boxes (else in a column beside them, else the largest at
    which it fits), and its blocks; a body that does not fit at scale 1 is refused."""
    fits, cache = [], {}
    for s in SCALES:
        blocks = _body(page, steps, s, usable, cache)
        w, h = _body_size(blocks, s)
        if w <= usable + 1e-9 and h <= room + 1e-9:
            if all(b.near for b in blocks):
                return s, blocks
            fits.append((s, blocks))   # a table is far from its boxes: try smaller print first
    if fits:
        return next((f for f in fits if all(b.close for b in f[1])), fits[0])
    raise SheetError(f"page {k} ({page.title}) needs {w:.1f} x {h:.1f} in at the smallest print, "
                     f"the page has {usable:.1f} x {room:.1f}: the numbers are too many for a printed sheet")


def pages(sheet: Sheet, steps: Steps, *, title: str, settings: str = "", source: str = "",
          key: bool = False, paper: str = PAPER, minutes: int | None = None, student: str = ""):
    """Draw every page; returns ``(figures, drawn)``.

    ``paper``: ``"a4"`` or ``"letter"``. ``settings`` (temperature, base ...) is printed
    under every page's title, where the page may need it; ``source`` (which numbers:
    ``--seed 5``) in the bottom corner; ``minutes``, the time the sheet takes, in the header;
    ``student``: whose sheet, with ``source`` under the page number and in the name field.
    ``drawn`` lists every cell drawn with a number or as an empty box, as ``(item name,
    row, col, text)`` (text ``""`` for an empty box), so tests can hold the sheet to the
    steps and to the answers template.
    """
    plans = plan(sheet, steps, settings=settings, paper=paper, student=bool(student))
    header = title + ("  \u2014  answer key" if key else "")
    figs, drawn = [], []
    for k, pp in enumerate(plans, start=1):
        p = _Page(paper, header, k, len(plans), source, minutes, student)
        figs.append(p.fig)
        for y, line, size, color, bold in pp.head:
            p.text(MARGIN, y, line, fontsize=size, va="top", color=color, fontweight="bold" if bold else "normal")
        for b, y in pp.placed():
            for r, row in enumerate(b.grid.cells):
                for c, it in enumerate(row):
                    if it is not None:
                        _draw_item(p, b.grid, r, c, MARGIN, y, key, drawn)
            for t, tx, ty in b.tables:
                _draw_table(p, t, MARGIN + tx, y + ty)
    return figs, drawn


def worksheet_pages(ws, data: dict, *, key: bool = False, source: str = "", parts=None,
                    student: str = "", paper: str = PAPER):
    """The pages of a catalogued worksheet for some data: its title, a line with its
    settings and where its numbers come from, the time it takes, and a name field on
    every page.

    ``parts``: what ``ws.run(data)`` returned, when the caller has run it already;
    ``student``: whose sheet it is (a class set's), printed with ``source`` at the top
    right of every page and in its name field; ``paper``: ``"a4"`` (the default) or
    ``"letter"``.
    """
    ws, parts = given.worksheet("ws", ws), given.parts("parts", parts)
    key, source = given.boolean("key", key), given.text("source", source)
    student = given.text("student", student)
    parts = ws.run(data) if parts is None else parts
    steps = ws.join(parts)
    return pages(ws.sheet, steps, title=f"Worksheet {ws.number}: {ws.title}",
                 settings=settings_line(steps), source=source, key=key, paper=paper,
                 minutes=stats.minutes(ws, steps=steps), student=student)


def settings_line(steps: Steps) -> str:
    """The settings a page's formulas may need, in words: ``widths 4 and 2 · temperature
    1/2 · base 3``."""
    out = []
    for k, v in steps.meta.items():
        if k.startswith("_") or k in ("mask", "vocabulary", "pooling"):
            continue
        if k == "dims":
            out.append("widths " + _and(v))
        elif k == "weights":
            out.append("weights " + _and(v))
        else:
            out.append(f"{k} {_setting(v)}")
    return " \u00b7 ".join(out)


def _and(v) -> str:
    words = [_setting(x) for x in (v if isinstance(v, (tuple, list)) else (v,))]
    return words[0] if len(words) == 1 else ", ".join(words[:-1]) + " and " + words[-1]


def _setting(v) -> str:
    if isinstance(v, float):
        if v == math.e:
            return "e"
        text = format_number(v, hand=True)
        # as the sheet writes numbers, unless that hides the value (base 1.0000001 is not 1)
        try:
            shown = float(Fraction(text))
        except ValueError:
            shown = None
        return text if shown == v else f"{v:.12g}"
    if isinstance(v, tuple):
        return _and(v)
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
    from matplotlib.figure import Figure

    if isinstance(figs, (str, bytes)) or not isinstance(figs, (list, tuple)) or not figs \
            or not all(isinstance(f, Figure) for f in figs):
        raise TypeError(f"figs: expected a non-empty list of pages (the figures worksheet_pages "
                        f"returns), got {type(figs).__name__}")
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
