"""What a printed worksheet asks, page by page: the one description the sheets, the answers
template, the checker and the interactive page all read.

A worksheet's sheet is a few :class:`Page` s. Each page teaches one idea and holds a
small spreadsheet of slots (rows of :class:`Item` s), laid out the AI by Hand way:
in a product the left factor sits in the result's row and the top factor in the
result's column, so a matrix already on the page is reused where it sits. An item shows
one step of the worksheet's computation (:class:`~aibyhand.steps.Steps`), possibly
transposed, as

- ``box``: cells the student computes (all of them, or a chosen part such as the
  diagonal; the rest of the step is printed, or left out of the sheet), or
- ``grey``: printed numbers, for a given or for a step no box on the sheet asks for.

A step a box asks for is never printed elsewhere on the sheet: a later page that needs
it sends the student back to their own value.
"""

from __future__ import annotations

import re
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, replace
from fractions import Fraction

import numpy as np

from ..steps import Step, Steps, format_number, hand_style, matrix

__all__ = ["Item", "Page", "Sheet", "box", "grey", "Cell", "cells", "printed"]


@dataclass(frozen=True)
class Item:
    """One matrix on a page: which step, boxed or printed, shown transposed or not."""

    step: str
    role: str                       # "box" or "grey"
    T: bool = False                 # drawn transposed (rows become columns)
    ask: str = "all"                # which cells are boxes: see :func:`select`
    rest: str = "grey"              # the other cells of a boxed step: "grey" or "blank"
    title: str | None = None        # a heading other than "name = formula"
    shows: str | None = None        # the formula as the sheet writes it, where it differs
    prefix: str = ""                # a prefix of the step's name the sheet does not show

    @property
    def name(self) -> str:
        """The name on the sheet (and in the answers file): ``S``, ``A_hat^T``, ``m=4 / S``."""
        return local(self.step, self.prefix) + ("^T" if self.T else "")


def local(step: str, prefix: str) -> str:
    """A step's name as the sheet writes it: without the sheet's ``prefix``."""
    return step[len(prefix):] if prefix and step.startswith(prefix) else step


def box(step: str, *, T: bool = False, ask: str = "all", rest: str = "grey",
        title: str | None = None, shows: str | None = None) -> Item:
    """A box: ``shows`` writes its formula as the student computes it on this page (for
    a turned matrix, ``dS P_hat^T`` rather than ``(P_hat dS^T)^T``); the step's own
    formula is still what is checked."""
    return Item(step, "box", T, ask, rest, title, shows)


def grey(step: str, *, T: bool = False, title: str | None = None) -> Item:
    return Item(step, "grey", T, "none", "grey", title)


def title_of(item: Item, steps: Steps) -> str:
    """An item's own heading, ``{note}`` in it replaced by its step's note (a given that
    differs from variant to variant, such as Embed's other sentence)."""
    return (item.title or "").replace("{note}", steps.step(item.step).note)


def formula(item: Item, steps: Steps) -> str:
    """The formula a sheet writes for an item: its own, or the step's (turned: ``(...)^T``)."""
    if item.shows:
        return item.shows
    f = steps.step(item.step).formula
    return f"({f})^T" if item.T else f


@dataclass(frozen=True)
class Table:
    """A table printed on a page so that no step needs a calculator.

    ``kind``: ``"pow"`` (b^(-k/D) for the exponents the listed steps use, on their grid,
    or the 2-decimal table when there is no small grid), ``"pow2dp"`` (b^x for x = 0.00,
    -0.01 ... -2.00), ``"nlog"`` (-log_b p for p = 0.01 ... 1.00), ``"sqrt"`` (square
    roots of 1 ... 100), ``"recip"`` (1/x for x = 1.00 ... 2.00 to 2 decimals, for a
    row's sum of powers; ``of`` names the sums). ``of``: for ``"pow"``, the steps whose
    values are powers. ``columns``: for ``"pow2dp"``, ``"nlog"`` and ``"recip"``, entries a
    row (10: a row a tenth; 5: a row a twentieth, half as wide, for a page that needs two
    tables side by side or a table in a narrow space).
    """

    kind: str
    of: tuple[str, ...] = ()
    columns: int = 10


@dataclass(frozen=True)
class Page:
    """One page: the idea it teaches (its title), what to do, its slots, its tables.

    ``slots`` is rows of items (``None`` for an empty slot); an empty row ``()`` starts a
    new grid below, with columns of its own."""

    title: str
    todo: str
    slots: tuple[tuple[Item | None, ...], ...]
    tables: tuple[Table, ...] = ()


@dataclass(frozen=True)
class Sheet:
    """A printed worksheet: its pages and the one line of instructions it opens with.

    ``prefix``: a prefix every step name on this sheet has and the sheet does not print
    (Decode's ``"word 1 / "``).
    """

    pages: tuple[Page, ...]
    prefix: str = ""
    instructions: str = ""          # the opening line; by default made from the tables

    def opening(self) -> str:
        """The one line of instructions the sheet opens with (a formula in it is kept on
        one line: its spaces do not break)."""
        if self.instructions:
            return self.instructions
        tables = any(page.tables for page in self.pages)
        glue = "\u00a0"
        return ("Round to 2 decimals; a 5 in the third place may go either way; a fraction may stay a "
                "fraction. Go on with your own numbers. "
                + ("No calculator: use the tables on the page. " if tables else "No calculator is needed. ")
                + f"A{glue}B is a matrix product; A{glue}*{glue}B and A{glue}/{glue}B go entry by entry "
                f"(a row or column repeats to fit). Check with the sheet's web page or aibyhand{glue}check.")

    def __post_init__(self):
        if self.prefix:
            pages = tuple(replace(page, slots=tuple(
                tuple(None if it is None else replace(it, prefix=self.prefix) for it in row)
                for row in page.slots)) for page in self.pages)
            object.__setattr__(self, "pages", pages)

    def items(self):
        """``(page number, item)`` for every item, page by page, row by row."""
        return [(k, it) for k, page in enumerate(self.pages, start=1)
                for row in page.slots for it in row if it is not None]

    def boxes(self) -> list[Item]:
        return [it for _, it in self.items() if it.role == "box"]


def grids(page: Page) -> list[list[tuple]]:
    """The page's rows of slots, split into independent grids at empty rows (the sheet and
    the web page lay each grid out on its own)."""
    out, cur = [], []
    for row in page.slots:
        if len(row) == 0:
            if cur:
                out.append(cur)
            cur = []
        else:
            cur.append(row)
    if cur:
        out.append(cur)
    return out


# -- which cells ----------------------------------------------------------------------

def select(ask: str, shape: tuple[int, int]) -> np.ndarray:
    """The cells of a (displayed) matrix a box asks for, as a boolean mask.

    ``all``; ``none``; ``diag``; ``upper`` (strictly above the diagonal); ``rows a:b``
    and ``cols a:b`` (0-based, b excluded; ``cols -1:`` the last column); several joined
    by ``&`` (all must hold).
    """
    out = np.ones(shape, dtype=bool)
    for part in ask.split("&"):
        part = part.strip()
        if part == "all":
            continue
        if part == "none":
            out[:] = False
            continue
        if part in ("diag", "upper"):
            i, j = np.indices(shape)
            out &= (i == j) if part == "diag" else (j > i)
            continue
        m = re.fullmatch(r"(rows|cols) (-?\d*):(-?\d*)", part)
        if not m:
            raise ValueError(f"ask: cannot read {part!r}")
        start = int(m[2]) if m[2] else None
        stop = int(m[3]) if m[3] else None
        keep = np.zeros(shape[0] if m[1] == "rows" else shape[1], dtype=bool)
        keep[slice(start, stop)] = True
        out &= keep[:, None] if m[1] == "rows" else keep[None, :]
    return out


def shown(item: Item, steps: Steps) -> tuple[np.ndarray, tuple | None, tuple | None]:
    """The matrix an item shows (a sentence's matrix for a batch of one; transposed if
    asked) with its row and column labels."""
    value, rows, cols = matrix(steps.step(item.step), 0)
    # every grid is labelled: rows and columns without names (features, a weight
    # matrix's entries) are numbered, so a student can find an entry
    if not rows and value.shape[0] > 1:
        rows = tuple(str(i + 1) for i in range(value.shape[0]))
    if not cols and value.shape[1] > 1:
        cols = tuple(str(j + 1) for j in range(value.shape[1]))
    if item.T:
        return value.T, cols, rows
    return value, rows, cols


def mask_of(item: Item, steps: Steps) -> np.ndarray:
    """Which displayed cells of an item are boxes."""
    return select(item.ask, shown(item, steps)[0].shape) if item.role == "box" else \
        np.zeros(shown(item, steps)[0].shape, dtype=bool)


@dataclass(frozen=True)
class Cell:
    """One box: the item's name, its displayed (row, col), and the step's cell it is
    (``index`` in the step's own 2-D matrix: a number is a 1 x 1 matrix)."""

    item: str
    row: int
    col: int
    step: str
    index: tuple
    label: str

    @property
    def id(self) -> str:
        return self.label


def cells(sheet: Sheet, steps: Steps) -> list[Cell]:
    """Every box of the sheet, page by page, in reading order."""
    out = []
    for _, it in sheet.items():
        if it.role != "box":
            continue
        value, rows, cols = shown(it, steps)
        for (r, c) in zip(*np.nonzero(mask_of(it, steps))):
            r, c = int(r), int(c)
            index = (c, r) if it.T else (r, c)
            out.append(Cell(it.name, r, c, it.step, index, cell_label(it.name, value.shape, r, c, rows, cols)))
    return out


def cell_label(name: str, shape, r: int, c: int, rows, cols) -> str:
    """``S[a2, p3]``, ``loss``, ``|A|[a1]``: a cell as a student would name it."""
    if shape == (1, 1):
        return name
    parts = []
    if shape[0] > 1:
        parts.append(str(rows[r]) if rows and r < len(rows) else str(r + 1))
    if shape[1] > 1:
        parts.append(str(cols[c]) if cols and c < len(cols) else str(c + 1))
    return f"{name}[{', '.join(parts)}]"


def words(item: Item, steps: Steps) -> tuple[str, ...]:
    """For a box holding a word's id (an argmax over the vocabulary), the words by id:
    the sheet shows the word, and an answer may give the word."""
    step = steps.step(item.step)
    if not step.formula.startswith("argmax("):
        return ()
    uses = steps.uses(item.step)
    rows = steps.step(uses[0]).rows if uses else None
    return tuple(rows) if rows and all(isinstance(r, str) for r in rows) else ()


def cell_text(value: float, names: tuple[str, ...] = (), style: str | None = None) -> str:
    """A number as the sheet prints it (a word, for a word's id); ``style``: its matrix's
    (:func:`~aibyhand.steps.hand_style`), so that a matrix is written one way."""
    if names and float(value).is_integer() and 0 <= value < len(names):
        return names[int(value)]
    return format_number(value, hand=True, style=style).replace("-inf", "-\u221e")


def printed(value: float, style: str | None = None) -> tuple[str, float]:
    """How the sheet prints a number (in its matrix's ``style``), and how far the printed
    number may be from it (0 when it is exact: a whole number or a small fraction)."""
    text = format_number(value, hand=True, style=style)
    if not np.isfinite(value):
        return text, 0.0
    try:
        exact = float(Fraction(text)) == value
    except ValueError:
        exact = False
    return text, 0.0 if exact else 0.005


def radius(value) -> np.ndarray:
    """How far each printed number of a matrix may be from its value, the matrix written
    one way (:func:`~aibyhand.steps.hand_style`)."""
    v = np.asarray(value, dtype=float)
    if not v.size:
        return v
    style = hand_style(v)
    return np.vectorize(lambda x: printed(float(x), style)[1], otypes=[float])(v)


def check_sheet(sheet: Sheet, steps: Steps) -> None:
    """A sheet must name real steps, ask a step in one place only, and print no step
    some box asks for."""
    asked: dict[str, int] = {}
    for k, it in sheet.items():
        steps.step(it.step)
        if it.role == "box":
            if it.step in asked:
                raise ValueError(f"{it.step!r} is boxed twice (pages {asked[it.step]} and {k})")
            asked[it.step] = k
    for k, it in sheet.items():
        if it.role == "grey" and it.step in asked:
            raise ValueError(f"page {k} prints {it.step!r}, which page {asked[it.step]} asks for")


def copies(sheet: Sheet, steps: Steps) -> list[tuple[str, str]]:
    """Boxes that are copies: whose asked cells equal the same cells of a matrix drawn
    earlier on the sheet (a box or a printed one), or of its transpose. ``(box, what it
    copies)``: the first such matrix in the sheet's order."""
    seen: dict[tuple, list[tuple[str, np.ndarray]]] = {}   # shape -> the matrices so far, and transposes, of it
    out = []
    for _, it in sheet.items():
        value = np.asarray(shown(it, steps)[0], dtype=float)
        if it.role == "box":
            ask = select(it.ask, value.shape)
            mine = value[ask]
            # |a - b| <= 1e-12 everywhere: np.allclose's test, without its overhead (a hot path)
            same = next((name for name, c in seen.get(value.shape, ()) if np.all(np.abs(c[ask] - mine) <= 1e-12)), None)
            if same is not None:
                out.append((it.name, same))
        seen.setdefault(value.shape, []).append((it.name, value))
        seen.setdefault(value.T.shape, []).append((it.name, value.T))
    return out
