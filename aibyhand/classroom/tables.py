"""The tables printed on a page so that no step needs a calculator, as log tables were.

Each table is a small grid (a title, row labels, column labels, cells), so the PDF and
the web page draw it the same way, and :func:`problems` tells a variant generator when
a step's numbers would fall outside every table on its page.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from fractions import Fraction
from functools import reduce

import numpy as np

from ..ops import base_name
from ..steps import Steps, format_number, matrix
from .layout import Page, Table

MAX_DENOMINATOR = 30      # exponents on a grid of 1/D, D at most this
GRID_ENTRIES = 60         # a grid table longer than this gives way to the 2-decimal table
SMALLEST = 0.005          # a power below this prints as 0.00


@dataclass(frozen=True)
class Grid:
    title: str
    rows: tuple[str, ...]
    cols: tuple[str, ...]
    cells: tuple[tuple[str, ...], ...]
    note: str = ""


def power_steps(page: Page, steps: Steps, base: float) -> list[str]:
    """The steps on a page whose formula is a power of the base (``3^(...)``) and that the
    student works out (a printed power needs no table)."""
    b = base_name(base)
    return [it.step for row in page.slots for it in row
            if it is not None and it.role != "grey" and steps.step(it.step).formula.startswith(f"{b}^(")]


def exponents(steps: Steps, names, base: float) -> np.ndarray:
    """The exponents x of every positive value b^x in the named steps."""
    xs = [np.asarray(matrix(steps.step(n), 0)[0], float).ravel() for n in names]
    v = np.concatenate(xs) if xs else np.zeros(0)
    v = v[v > 0]
    return np.log(v) / math.log(base)


def grid_of(xs: np.ndarray) -> int | None:
    """The smallest D with every x a multiple of 1/D (D <= 30), or None."""
    dens = []
    for x in xs:
        f = Fraction(float(x)).limit_denominator(MAX_DENOMINATOR)
        if abs(float(f) - x) > 1e-9:
            return None
        dens.append(f.denominator)
    return reduce(math.lcm, dens, 1)


def build(table: Table, page: Page, steps: Steps) -> Grid:
    """The grid a :class:`~aibyhand.classroom.layout.Table` prints for these steps.

    A long table (the 2-decimal powers, the logs, the square roots) keeps only the rows
    its page can need: the row of each value the page's steps look up, with a row more on
    either side, so that a student whose number is a little off still finds it (and the
    powers' first row, x = 0); a row :data:`SKIP` stands for the rows left out between.
    """
    base = float(steps.meta.get("base", 3.0))
    b = base_name(base)
    if table.kind == "nlog":
        n = table.columns
        keep = _rows_near(needed(table, page, steps), 100 / n, 100 // n)
        rows, cells = _rows(keep, lambda i: f"{i * n / 100:.{1 if n == 10 else 2}f}", n, lambda i, j: (
            "" if i == j == 0 else format_number(-math.log((i * n + j) / 100) / math.log(base), decimals=2)))
        return Grid(f"-log_{b} p, for p = row + column/100", rows, tuple(f"{j}" for j in range(n)), cells,
                    "p = 1.00: 0" if keep[-1] == 100 // n - 1 else "")
    if table.kind == "sqrt":
        keep = _rows_near(needed(table, page, steps), 1 / 10, 11)
        rows, cells = _rows(keep, lambda i: f"{10 * i}", 10, lambda i, j: (
            format_number(math.sqrt(10 * i + j), decimals=2) if 10 * i + j <= 100 else ""))
        return Grid("square roots: sqrt(n) for n = row + column", rows, tuple(f"{j}" for j in range(10)), cells)
    if table.kind == "recip":
        n = table.columns
        per = 100 // n                                   # rows per unit of x
        keep = _rows_near(needed(table, page, steps), per, 2 * per + 1)
        keep = [i for i in keep if per <= i <= 2 * per] or list(range(per, 2 * per + 1))
        rows, cells = _rows(keep, lambda i: f"{i / per:.{1 if n == 10 else 2}f}", n, lambda i, j: (
            format_number(1 / (i / per + j / 100), decimals=2) if i < 2 * per or j == 0 else ""))
        return Grid("1/x, for x = row + column/100", rows, tuple(f"{j}" for j in range(n)), cells)
    if table.kind == "pow2dp":
        n = table.columns
        places = 1 if n == 10 else 2
        keep = _rows_near(-needed(table, page, steps), 100 / n, 200 // n + 1, always=(0,))
        rows, cells = _rows(keep, lambda i: f"-{i * n / 100:.{places}f}" if i else f"{0:.{places}f}", n, lambda i, j: (
            format_number(base ** (-(i * n + j) / 100), decimals=2) if i * n + j <= 200 else ""))
        return Grid(f"{b}^x, for x = row - column/100", rows, tuple(f"{j}" for j in range(n)), cells)
    names = list(table.of) or power_steps(page, steps, base)
    xs = exponents(steps, names, base)
    D, last, K = _grid(xs, base)
    if D is None:
        return build(Table("pow2dp", tuple(names)), page, steps)
    if D == 1:
        entries = [(f"{b}^{-k}" if k else f"{b}^0", "1" if k == 0 else f"1/{round(base ** k)}"
                    if float(base).is_integer() else format_number(base ** -k, decimals=2))
                   for k in range(max(last, 2) + 1)]
        return Grid(f"powers of {b}", tuple(e[0] for e in entries), ("",),
                    tuple((e[1],) for e in entries), "smaller powers: 0.00" if last < K else "")
    per_row = 10 if D % 10 == 0 or D > 10 else D
    nrows = last // per_row + 1
    exact = 100 % D == 0          # multiples of 1/D are decimals of 2 places: label them so

    def x(k: int) -> str:
        return ("-" + format_number(k / D, decimals=2) if exact else f"-{k}/{D}") if k else "0"

    rows = tuple(x(r * per_row) for r in range(nrows))
    cols = tuple(x(j) if j else "-0" for j in range(per_row))
    cells = tuple(tuple(format_number(base ** (-(r * per_row + j) / D), decimals=2)
                        if r * per_row + j <= last else "" for j in range(per_row)) for r in range(nrows))
    note = "x below the table: 3^x is 0.00" if last < K else ""
    return Grid(f"{b}^x for x = row + column (multiples of 1/{D})", rows, cols, cells, note)


def users(table: Table, page: Page, steps: Steps) -> list[str]:
    """The steps on a page a table sits by: those it serves, or, when they are not on the
    page (powers the student adds up without writing them), the page's steps computed from
    them, through any steps the page leaves out."""
    served = sources(table, page, steps)
    on_page = [it.step for row in page.slots for it in row if it is not None]
    here = [n for n in served if n in on_page]
    if here or not served:
        return here
    behind, out = set(served), []
    for n in steps:                    # in order, so a left-out step is known before its users
        if set(steps.uses(n)) & behind:
            if n in on_page:
                out.append(n)
            else:
                behind.add(n)
    return out


def sources(table: Table, page: Page, steps: Steps) -> list[str]:
    """The steps a table serves: its powers, its logs, or the lengths whose square roots
    it gives."""
    base = float(steps.meta.get("base", 3.0))
    if table.kind in ("pow", "pow2dp"):
        return list(table.of) or power_steps(page, steps, base)
    if table.kind == "nlog":
        return log_steps(page, steps)
    if table.kind == "recip":
        return list(table.of)
    return [it.step for row in page.slots for it in row
            if it is not None and it.role == "box" and steps.step(it.step).formula.startswith("norm(")]


def needed(table: Table, page: Page, steps: Steps) -> np.ndarray:
    """The values a student looks up in a table: exponents x of the powers b^x, the p of
    each -log_b p, or the n of each sqrt(n)."""
    base = float(steps.meta.get("base", 3.0))
    names = sources(table, page, steps)
    if table.kind in ("pow", "pow2dp"):
        return exponents(steps, names, base)
    v = np.concatenate([np.asarray(matrix(steps.step(n), 0)[0], float).ravel() for n in names]) \
        if names else np.zeros(0)
    v = v[np.isfinite(v)]
    if table.kind == "recip":
        return v
    return base ** -v if table.kind == "nlog" else np.round(v * v)


SKIP = "\u22ee"   # a table row standing for the rows left out


def _rows_near(values: np.ndarray, per_row: float, nrows: int, always=()) -> list[int]:
    """The table rows (row ``i`` holds values from ``i / per_row``) within one of a row
    that holds a value, and the rows ``always``; every row when there is no value."""
    if not values.size:
        return list(range(nrows))
    keep = set(always)
    for v in values:
        r = int(math.floor(float(v) * per_row + 1e-9))
        keep |= {r - 1, r, r + 1}
    return sorted(k for k in keep if 0 <= k < nrows)


def _rows(keep: list[int], label, n: int, cell) -> tuple[tuple, tuple]:
    """The labels and cells of the rows kept, a :data:`SKIP` row where rows are left out."""
    rows, cells = [], []
    for k, i in enumerate(keep):
        if k and i != keep[k - 1] + 1:
            rows.append(SKIP)
            cells.append(("",) * n)
        rows.append(label(i))
        cells.append(tuple(cell(i, j) for j in range(n)))
    return tuple(rows), tuple(cells)


def snaps(page: Page, steps: Steps) -> dict[str, tuple[int, int, bool]]:
    """How a student reads each power or log on the page from its table: ``name -> (D,
    last, zero_below)``: the exponent goes to the nearest multiple of 1/D, the table ends
    at exponent ``-last/D``, and below it the power is 0.00 when the table says so; for a
    ``-log_b p`` read from the log table, p goes to the nearest multiple of 1/D."""
    base = float(steps.meta.get("base", 3.0))
    out = {}
    for t in page.tables:
        if t.kind == "nlog":
            out.update({name: (100, 0, False) for name in log_steps(page, steps)})
        if t.kind not in ("pow", "pow2dp"):
            continue
        names = list(t.of) or power_steps(page, steps, base)
        D, last, K = _grid(exponents(steps, names, base), base) if t.kind == "pow" else (None, 0, 0)
        for name in names:
            out[name] = (100, 200, False) if D is None else (D, last, last < K)
    return out


def log_steps(page: Page, steps: Steps) -> list[str]:
    """The steps on a page whose formula is ``-log_b(...)``, read from its log table."""
    return [it.step for row in page.slots for it in row
            if it is not None and it.role == "box" and steps.step(it.step).formula
            and is_log(steps.formula(it.step).tree)]


def is_log(tree) -> bool:
    """Is a formula's tree ``-log_b(x)``?"""
    return tree[0] == "neg" and tree[1][0] == "log"


def read_log(lo, hi, plo, phi, base: float, snap: tuple[int, int, bool]):
    """Widen the bounds ``(lo, hi)`` on ``-log_b p`` (p within ``(plo, phi)``) to what the
    table gives: the entry at the p nearest each end (half-way rounds up, as the page's
    script does); a p that would read as 0.00, off the table, widens nothing."""
    D = snap[0]
    out = []
    for p in (plo, phi):
        g = np.floor(np.asarray(p, float) * D + 0.5) / D
        with np.errstate(divide="ignore", invalid="ignore"):
            v = -np.log(g) / math.log(base)
        out.append(np.where(g > 0, v, np.nan))
    return np.fmin(lo, np.fmin(*out)), np.fmax(hi, np.fmax(*out))


def read_power(lo, hi, xlo, xhi, base: float, snap: tuple[int, int, bool]):
    """Widen the bounds ``(lo, hi)`` on ``base^x`` (x within ``(xlo, xhi)``) to what the
    table gives: the power at the table entry nearest each end of x (half-way rounds up,
    as the page's script does)."""
    D, last, zero_below = snap
    out = []
    for x in (xlo, xhi):
        g = np.floor(np.asarray(x, float) * D + 0.5) / D
        with np.errstate(over="ignore"):
            v = np.power(base, g)
        out.append(np.where(g * D < -last - 1e-9, 0.0, v) if zero_below else v)
    return np.minimum(lo, np.minimum(*out)), np.maximum(hi, np.maximum(*out))


def _grid(xs: np.ndarray, base: float):
    """``(D, last, K)``: the grid 1/D of the exponents (None when the 2-decimal table
    serves better), the last entry worth printing, and the lowest exponent times D."""
    D = grid_of(xs) if xs.size else 1
    if D is None:
        return None, 0, 0
    K = int(round(max(0.0, -float(xs.min())) * D)) if xs.size else 0
    # beyond the smallest printable power the table stops: every smaller one is 0.00
    last = min(K, int(math.floor(-math.log(SMALLEST) / math.log(base) * D)))
    if D > 1 and last + 1 > GRID_ENTRIES:
        return None, 0, 0
    return D, last, K


def problems(page: Page, steps: Steps) -> list[str]:
    """What a page's tables cannot give: exponents off every grid and off the 2-decimal
    table, or a power with no table on its page."""
    out = []
    base = float(steps.meta.get("base", 3.0))
    covered = set()
    for t in page.tables:
        if t.kind == "recip":
            x = needed(t, page, steps)
            if x.size and (x.min() < 1 - 1e-9 or x.max() > 2 + 1e-9):
                out.append(f"{', '.join(t.of)}: a number off the table of 1/x (1.00 to 2.00)")
        if t.kind not in ("pow", "pow2dp"):
            continue
        names = list(t.of) or power_steps(page, steps, base)
        covered |= set(names)
        xs = exponents(steps, names, base)
        if (t.kind == "pow2dp" or _grid(xs, base)[0] is None) and xs.size and xs.min() < -2 - 1e-9:
            out.append(f"{', '.join(names)}: an exponent below -2, off the 2-decimal table")
    for name in power_steps(page, steps, base):
        if name not in covered:
            out.append(f"{name}: a power with no table on its page")
    return out
