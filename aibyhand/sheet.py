"""Printable worksheets: every step of a worksheet laid out as on the AI by Hand sheets.

The layout is read off the steps themselves. A step whose formula is a product of two
other steps (``Wq X``, ``A_hat^T P_hat``, ``dY U^T``) is drawn the worksheet way: the
left factor on the left, the top factor on top, the result where they cross (products
sharing their top factor share one copy of it, so Q, K and V sit under one X). Every
other step is a grid of its own, in order. Given numbers are printed; a cell the student
computes is an empty box, filled in on the answer key. Pages are 8.27 x 11 inches, which
prints unscaled on A4 and on Letter.

:func:`pages` returns the figures; :func:`save` writes a PDF (all pages) or PNG files
(one per page) with fixed metadata, so the same sheet always gives the same bytes.
"""

from __future__ import annotations

import math
import re
import textwrap
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .steps import Step, Steps, format_number, matrix

PAGE_W, PAGE_H, MARGIN = 8.27, 11.0, 0.45         # inches
CELL_W, CELL_H = 0.40, 0.22                        # one number (at most)
LABEL_H, TICK_H, GAP = 0.17, 0.13, 0.18            # a grid's name, its column labels, between items
CHAR_W = 0.052                                     # width of one character of a 6.5 pt label
NUMBER_PT, LABEL_PT, TICK_PT = 6.5, 6.5, 5.0
KEY_COLOR, GIVEN_COLOR, BOX_COLOR = "#1f4e9c", "black", "0.35"


@dataclass
class Grid:
    """One matrix on the sheet: which step, shown transposed or not, its numbers."""

    step: Step
    transpose: bool = False

    @property
    def name(self) -> str:
        return self.step.name.rsplit(" / ", 1)[-1] + ("^T" if self.transpose else "")

    def matrix(self) -> tuple[np.ndarray, tuple | None, tuple | None]:
        value, rows, cols = matrix(self.step)  # a batch of one sentence: that sentence's matrix
        if self.transpose:
            return value.T, cols, rows
        return value, rows, cols

    def size(self, cw: float) -> tuple[float, float]:
        value, rows, cols = self.matrix()
        return (_row_label_w(rows) + value.shape[1] * cw,
                (TICK_H if cols else 0.0) + value.shape[0] * CELL_H)


@dataclass
class Block:
    """A unit of layout: one grid, or products sharing a top factor (left | result rows)."""

    title: str
    grids: list[Grid]                  # a single grid
    top: Grid | None = None
    pairs: list[tuple[Grid, Grid]] = field(default_factory=list)   # (left, result)

    def size(self, cw: float, titled: bool = True) -> tuple[float, float]:
        title_w = len(self.title) * CHAR_W if titled else 0.0
        if self.top is None:
            w, h = self.grids[0].size(cw)
            return max(w, title_w), LABEL_H + h
        lw = max(left.size(cw)[0] for left, _ in self.pairs)
        tw, th = self.top.size(cw)
        rw = max(res.size(cw)[0] for _, res in self.pairs)
        body_h = sum(max(left.size(cw)[1], res.size(cw)[1]) + LABEL_H for left, res in self.pairs)
        return max(lw + GAP + max(tw, rw), title_w), 2 * LABEL_H + th + GAP + body_h


def _row_label_w(rows) -> float:
    return 0.0 if not rows else max(len(r) for r in rows) * CHAR_W * 0.8 + 0.06


_PRODUCT = re.compile(r"^(?P<left>[^\s^]+)(?P<lt>\^T)? (?P<top>[^\s^:]+)(?P<tt>\^T)?(?=$|[\s:])")


def _resolve(steps: list[Steps], prefix: str, name: str) -> Step | None:
    for candidate in (prefix + name, name):
        for part in steps:
            if candidate in part:
                return part.step(candidate)
    return None


def _product(steps: list[Steps], step: Step) -> tuple[Grid, Grid] | None:
    """The (left, top) factors when a step's formula is a product of two steps."""
    match = _PRODUCT.match(step.formula)
    if not match:
        return None
    prefix = step.name.rsplit(" / ", 1)[0] + " / " if " / " in step.name else ""
    left = _resolve(steps, prefix, match["left"])
    top = _resolve(steps, prefix, match["top"])
    if left is None or top is None or left.name == step.name or top.name == step.name:
        return None
    both = _resolve(steps, prefix, f"{match['left']} {match['top']}")
    if both is not None and both.name != step.name:  # "L exp / L sum": one name, not a product
        return None
    return Grid(left, bool(match["lt"])), Grid(top, bool(match["tt"]))


def _names_in(formula: str) -> set[str]:
    return set(re.findall(r"[A-Za-z_][\w.]*", formula))


def blocks(parts: list[Steps]) -> list[tuple[str, list[Block]]]:
    """The sheet's sections (a part, or a prefix such as ``m=4``) and their blocks, in order.

    A given that only ever enters a product is drawn there (weights on the left), not
    on its own; a given already drawn with the same numbers is not drawn again.
    """
    factors = {step.name: _product(parts, step) for part in parts for step in part.entries()}
    read_alone = set()  # given names some formula reads other than as a product's factor
    for part in parts:
        for step in part.entries():
            if factors[step.name] is None:
                read_alone |= _names_in(step.formula)
    in_products = {g.step.name for f in factors.values() if f for g in f}
    shown: list[Step] = []
    sections: list[tuple[str, list[Block]]] = []
    for part in parts:
        common = _common_prefix(part)
        current = None
        for step in part.entries():
            local = step.name.rsplit(" / ", 1)[-1]
            if step.given:
                if step.name in in_products and local not in read_alone:
                    continue
                if any(s.name.rsplit(" / ", 1)[-1] == local and np.array_equal(s.value, step.value)
                       for s in shown):
                    continue
                shown.append(step)
            prefix = step.name.rsplit(" / ", 1)[0] if " / " in step.name else ""
            heading = part.title + (f": {prefix}" if prefix and prefix != common else "")
            if heading != current:
                sections.append((heading, []))
                current = heading
            out = sections[-1][1]
            title = Grid(step).name + (f" = {step.formula}" if step.formula and not step.given else "")
            if factors[step.name] is None:
                out.append(Block(title if not step.given else f"{Grid(step).name} (given)", [Grid(step)]))
                continue
            left, top = factors[step.name]
            last = out[-1] if out else None
            if last is not None and last.top is not None and last.top.step.name == top.step.name \
                    and last.top.transpose == top.transpose:
                last.pairs.append((left, Grid(step)))
                last.title += f";  {title}"
            else:
                out.append(Block(title, [], top, [(left, Grid(step))]))
    return sections


def _common_prefix(part: Steps) -> str:
    prefixes = {name.rsplit(" / ", 1)[0] if " / " in name else "" for name in part}
    return prefixes.pop() if len(prefixes) == 1 else ""


# -- drawing --------------------------------------------------------------------------

class _Page:
    def __init__(self, header: str, sub: str, number: int):
        import matplotlib.pyplot as plt

        self.fig = plt.figure(figsize=(PAGE_W, PAGE_H))
        self.ax = self.fig.add_axes((0, 0, 1, 1))
        self.ax.set_xlim(0, PAGE_W)
        self.ax.set_ylim(PAGE_H, 0)  # y grows downwards, in inches
        self.ax.axis("off")
        self.y = MARGIN
        self.ax.text(MARGIN, self.y, header, fontsize=12, fontweight="bold", va="top")
        self.ax.text(MARGIN, PAGE_H - MARGIN / 2, "name: ______________________________",
                     fontsize=8, va="bottom")
        self.ax.text(PAGE_W - MARGIN, PAGE_H - MARGIN / 2, f"page {number}", fontsize=7,
                     va="bottom", ha="right", color="0.4")
        self.y += 0.26
        for line in textwrap.wrap(sub, width=int((PAGE_W - 2 * MARGIN) / 0.058)):
            self.ax.text(MARGIN, self.y, line, fontsize=7.5, va="top", color="0.25")
            self.y += 0.16
        self.y += 0.14

    def text(self, x, y, s, **kw):
        self.ax.text(x, y, s, **kw)


def _draw_grid(page: _Page, grid: Grid, x: float, y: float, *, cw: float, key: bool,
               drawn: list) -> None:
    value, rows, cols = grid.matrix()
    given = grid.step.given
    if cols:
        for j, c in enumerate(cols):
            page.text(x + _row_label_w(rows) + (j + 0.5) * cw, y + TICK_H - 0.02, str(c),
                      fontsize=TICK_PT, ha="center", va="bottom", color="0.45")
        y += TICK_H
    if rows:
        for i, r in enumerate(rows):
            page.text(x + _row_label_w(rows) - 0.04, y + (i + 0.5) * CELL_H, str(r),
                      fontsize=TICK_PT, ha="right", va="center", color="0.45")
        x += _row_label_w(rows)
    from matplotlib.patches import Rectangle

    page.ax.add_patch(Rectangle((x, y), value.shape[1] * cw, value.shape[0] * CELL_H,
                                fill=given, facecolor="0.93", edgecolor=BOX_COLOR, lw=0.6))
    for i in range(1, value.shape[0]):
        page.ax.plot([x, x + value.shape[1] * cw], [y + i * CELL_H] * 2, color=BOX_COLOR, lw=0.3)
    for j in range(1, value.shape[1]):
        page.ax.plot([x + j * cw] * 2, [y, y + value.shape[0] * CELL_H], color=BOX_COLOR, lw=0.3)
    if not (given or key):
        return
    for (i, j), v in np.ndenumerate(value):
        text = format_number(v, hand=True).replace("-inf", "-\u221e")
        page.text(x + (j + 0.5) * cw, y + (i + 0.5) * CELL_H, text, fontsize=NUMBER_PT,
                  ha="center", va="center", color=GIVEN_COLOR if given else KEY_COLOR)
        index = (j, i) if grid.transpose else (i, j)
        drawn.append((grid.step.name, index[2 - _sheet_ndim(grid.step):], text))


def _sheet_ndim(step: Step) -> int:
    """How many indices a cell of this step has on the sheet (a batch of one has 2)."""
    return min(np.ndim(step.value), 2)


def _draw_block(page: _Page, block: Block, x: float, *, cw: float, key: bool, drawn: list) -> None:
    y = page.y
    page.text(x, y + LABEL_H - 0.04, block.title, fontsize=LABEL_PT, va="bottom")
    if block.top is None:
        _draw_grid(page, block.grids[0], x, y + LABEL_H, cw=cw, key=key, drawn=drawn)
        return
    lw = max(left.size(cw)[0] for left, _ in block.pairs)
    rx = x + lw + GAP
    top_h = block.top.size(cw)[1]
    y += 2 * LABEL_H  # the title's line, then the top factor's name
    # the top factor's cells line up with the result's columns
    res_label = max(_row_label_w(res.matrix()[1]) for _, res in block.pairs)
    top_label = _row_label_w(block.top.matrix()[1])
    page.text(rx + res_label - top_label, y - 0.02, block.top.name, fontsize=TICK_PT + 0.5,
              va="bottom", ha="left", color="0.2")
    _draw_grid(page, block.top, rx + res_label - top_label, y, cw=cw, key=key, drawn=drawn)
    y += top_h + GAP
    for left, res in block.pairs:
        h = max(left.size(cw)[1], res.size(cw)[1])
        page.text(x, y + 0.02, left.name, fontsize=TICK_PT + 0.5, va="bottom", color="0.2")
        page.text(rx, y + 0.02, res.name, fontsize=TICK_PT + 0.5, va="bottom", color="0.2")
        # the left factor's rows line up with the result's rows
        lrows = left.matrix()[2] is not None
        rrows = res.matrix()[2] is not None
        _draw_grid(page, left, x + lw - left.size(cw)[0], y + 0.04 + (TICK_H if rrows and not lrows else 0),
                   cw=cw, key=key, drawn=drawn)
        _draw_grid(page, res, rx + res_label - _row_label_w(res.matrix()[1]),
                   y + 0.04 + (TICK_H if lrows and not rrows else 0), cw=cw, key=key, drawn=drawn)
        y += h + LABEL_H


def pages(parts: list[Steps], *, title: str, subtitle: str = "", key: bool = False):
    """Lay out and draw the sheet; returns ``(figures, drawn)``.

    ``drawn`` lists every number written on the sheet as ``(step name, index, text)``,
    so a test can hold the sheet to the steps.
    """
    header = title + ("  \u2014  answer key" if key else "")
    figs, drawn = [], []
    page = _Page(header, subtitle, 1)
    figs.append(page.fig)
    usable = PAGE_W - 2 * MARGIN
    sections = blocks(parts)
    # one cell width for the whole sheet: the widest block (its grids) fits the page
    cw = CELL_W
    for _, section in sections:
        for block in section:
            fixed = block.size(0.0, titled=False)[0]
            per_cell = block.size(1.0, titled=False)[0] - fixed
            cw = min(cw, (usable - fixed) / per_cell)
    for heading, section in sections:
        first = section[0].size(cw)[1] if section else 0.0
        if page.y + 0.24 + min(first, 3.0) > PAGE_H - MARGIN:  # no heading alone at a page's foot
            page = _Page(header, subtitle, len(figs) + 1)
            figs.append(page.fig)
        page.text(MARGIN, page.y, heading, fontsize=8.5, fontweight="bold", va="top", color="0.15")
        page.y += 0.24
        x, row_h = MARGIN, 0.0
        for block in section:
            w, h = block.size(cw)
            w = min(w, usable)  # a long title may run over the edge of its row, not the page
            if x > MARGIN and x + w > MARGIN + usable:
                page.y += row_h + GAP
                x, row_h = MARGIN, 0.0
            if page.y + h > PAGE_H - MARGIN - 0.25:  # above the footer
                page = _Page(header, subtitle, len(figs) + 1)
                figs.append(page.fig)
                page.text(MARGIN, page.y, f"{heading} (continued)", fontsize=8.5,
                          fontweight="bold", va="top", color="0.15")
                page.y += 0.24
                x, row_h = MARGIN, 0.0
            _draw_block(page, block, x, cw=cw, key=key, drawn=drawn)
            x += w + GAP * 2
            row_h = max(row_h, h)
        page.y += row_h + GAP * 2
    return figs, drawn


def worksheet_pages(ws, data: dict, *, key: bool = False, source: str = "", parts=None):
    """The pages of a catalogued worksheet for some data: its printed parts, its title,
    a line with its settings and where its numbers come from, and a name field.

    ``parts``: what ``ws.run(data)`` returned, when the caller has run it already.
    """
    parts = (ws.run(data) if parts is None else parts)[:ws.sheet_parts]
    settings = "; ".join(f"{k} {_setting(v)}" for k, v in parts[0].meta.items()
                         if not k.startswith("_") and k != "mask")
    subtitle = f"{settings}   ({source})".strip() if source else settings
    return pages(parts, title=f"Worksheet {ws.number}: {ws.title}",
                 subtitle=subtitle, key=key)


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


def close(figs) -> None:
    import matplotlib.pyplot as plt

    for fig in figs:
        plt.close(fig)


def save(figs, path: str | Path) -> list[Path]:
    """Write the pages: one PDF, or one PNG per page (``name.png``, ``name-2.png`` ...)."""
    path = Path(path)
    suffix = path.suffix.lower()
    if suffix not in (".pdf", ".png"):
        close(figs)
        raise ValueError(f"-o: expected a file name ending in .pdf or .png, got {str(path)!r}")
    written = []
    if suffix == ".pdf":
        save_pdf(figs, path)
        written.append(path)
    else:
        for k, fig in enumerate(figs, start=1):
            out = path if k == 1 else path.with_name(f"{path.stem}-{k}{path.suffix}")
            fig.savefig(out, **PNG_OPTIONS)
            written.append(out)
    close(figs)
    return written
