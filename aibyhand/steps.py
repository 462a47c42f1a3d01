"""Steps: the named intermediates of a worksheet, in order, and the one printer.

Every forward and backward in the package returns a :class:`Steps`. It is a read-only
``Mapping[str, numpy.ndarray]`` whose keys are the worksheet's names for each cell
(``"S"``, ``"m=4 / dA"``), in the order a student computes them. Each entry also
carries the formula that produced it and labels for its rows and columns, so that
printing a step reproduces the worksheet's cell: name, formula, shape, numbers.

Nothing in the package prints by itself; notebooks and the command line call
:meth:`Steps.show` (or ``str``), and the sheet renderer and answer checker read the
same entries.
"""

from __future__ import annotations

import math
from collections.abc import Iterable, Iterator, Mapping, Sequence
from dataclasses import dataclass
from fractions import Fraction
from functools import lru_cache
from types import MappingProxyType

import numpy as np

__all__ = ["Steps", "Step", "format_number", "format_array", "side_by_side", "labels", "matrix"]

# Hand mode prints a value as a fraction when it is one of these (1/9, 9/13, 13/27 ...):
# a small fraction a student writes as it is; 83/55 is 1.51 on a sheet.
HAND_MAX_DENOMINATOR = 100
HAND_MAX_TERM = 30
HAND_DECIMALS = 2


@dataclass(frozen=True)
class Step:
    """One cell of a worksheet: a named array, how it was computed, and its labels.

    ``formula`` is the computation in the worksheet's notation (:mod:`aibyhand.formula`
    reads it), empty for a given; ``note`` says in words what the step is.
    """

    name: str
    value: np.ndarray
    formula: str = ""
    rows: tuple[str, ...] | None = None
    cols: tuple[str, ...] | None = None
    blocks: tuple[str, ...] | None = None
    given: bool = False
    note: str = ""


def _frozen(value) -> np.ndarray:
    """A view that can never be made writeable, whoever owns the data: its base is a
    read-only memoryview, and numpy makes nothing on that buffer writeable."""
    arr = np.asarray(value)
    if arr.dtype.hasobject:
        raise TypeError(f"expected a numeric array, got dtype {arr.dtype}")
    return np.asarray(memoryview(arr).toreadonly())


class Steps(Mapping):
    """Ordered worksheet steps: ``name -> numpy.ndarray``.

    Parameters
    ----------
    title : str
        The worksheet (or part of it) these steps belong to, printed as a heading.
    meta : mapping, optional
        Settings that produced the steps (temperature, base, dims ...); a backward
        reads them, the printer shows them under the title, and formulas may name the
        numeric ones (``S / temperature``). Read-only once given.

    Notes
    -----
    Every array is stored as a view that cannot be made writeable (no copy of large
    inputs, and no way from a step back into an array the caller owns). Two Steps are
    equal when they hold the same names, in the same order, with equal arrays and meta.
    """

    def __init__(self, title: str = "", meta: Mapping | None = None):
        self.title = title
        self._meta = dict(meta or {})
        self._steps: dict[str, Step] = {}

    @property
    def meta(self) -> Mapping:
        """The settings, read-only (a backward trusts them)."""
        return MappingProxyType(self._meta)

    def _with_meta(self, **settings) -> Steps:
        """Add settings while a module builds these steps; returns self."""
        self._meta.update(settings)
        return self

    # -- building ---------------------------------------------------------------------
    def add(self, name: str, value, formula: str, *, note: str = "", rows=None, cols=None,
            blocks=None, given: bool = False) -> np.ndarray:
        """Record ``value`` under ``name``, computed by ``formula``; return it read-only."""
        if name in self._steps:
            raise ValueError(f"step {name!r} is already recorded in {self.title!r}")
        arr = np.asarray(value)
        if arr.dtype.kind not in "biuf":
            raise TypeError(f"step {name!r}: expected a numeric array, got dtype {arr.dtype}")
        view = _frozen(arr)
        self._steps[name] = Step(name, view, formula, _labels(rows), _labels(cols),
                                 _labels(blocks), given, note)
        return view

    def given(self, name: str, value, note: str = "", **labels) -> np.ndarray:
        """Record an input the worksheet prints for the student (not computed)."""
        return self.add(name, value, "", note=note, given=True, **labels)

    def extend(self, other: Steps, prefix: str = "", *, formulas: Mapping[str, str] | None = None,
               notes: Mapping[str, str] | None = None) -> Steps:
        """Append every step of ``other``, its names prefixed by ``prefix + " / "``.

        ``formulas`` makes some of ``other``'s givens (or steps) computed here, by the
        formula given for them (a loss's given embeddings are a slice of a result here);
        ``notes`` rewrites their notes.
        """
        formulas, notes = formulas or {}, notes or {}
        for step in other.entries():
            name = f"{prefix} / {step.name}" if prefix else step.name
            if name in self._steps:
                raise ValueError(f"step {name!r} is already recorded in {self.title!r}")
            formula = formulas.get(step.name, step.formula)
            self._steps[name] = Step(name, step.value, formula, step.rows, step.cols, step.blocks,
                                     step.given and step.name not in formulas,
                                     notes.get(step.name, step.note))
        return self

    def sub(self, prefix: str) -> Steps:
        """The steps recorded under ``prefix + " / "``, with the prefix removed."""
        head = f"{prefix} / "
        out = Steps(f"{self.title} {prefix}".strip(), self._meta)
        for step in self.entries():
            if step.name.startswith(head):
                local = step.name[len(head):]
                out._steps[local] = Step(local, step.value, step.formula, step.rows, step.cols,
                                         step.blocks, step.given, step.note)
        if not out._steps:
            raise KeyError(f"no steps under {prefix!r} in {self.title!r}")
        return out

    # -- the graph --------------------------------------------------------------------
    def formula(self, name: str):
        """The parsed formula of a computed step (:class:`aibyhand.formula.Formula`): what
        it computes and which earlier steps it uses."""
        from . import formula as f

        step = self.step(name)
        if step.given or not step.formula:
            raise ValueError(f"{name!r} has no formula ({'given' if step.given else step.note})")
        names = list(self._steps)
        earlier = names[:names.index(name)]
        settings = [k for k, v in self._meta.items() if isinstance(v, (int, float))
                    and not isinstance(v, bool) and not k.startswith("_")]
        return f.parse(step.formula, f.scope(name, earlier, settings))

    def uses(self, name: str) -> tuple[str, ...]:
        """The earlier steps (and settings) a step is computed from, read off its formula
        (none for a given, or a step described only in words)."""
        step = self.step(name)
        return () if step.given or not step.formula else self.formula(name).uses

    # -- Mapping ----------------------------------------------------------------------
    def __getitem__(self, name: str) -> np.ndarray:
        try:
            return self._steps[name].value
        except KeyError:
            raise KeyError(f"{name!r} is not a step of {self.title!r}; steps: "
                           f"{', '.join(self._steps)}") from None

    def __iter__(self) -> Iterator[str]:
        return iter(self._steps)

    def __len__(self) -> int:
        return len(self._steps)

    def __eq__(self, other) -> bool:
        if not isinstance(other, Steps):
            return NotImplemented
        return (list(self) == list(other) and dict(self._meta).keys() == dict(other._meta).keys()
                and all(_same(self._meta[k], other._meta[k]) for k in self._meta)
                and all(self[k].shape == other[k].shape
                        and np.array_equal(self[k], other[k], equal_nan=True) for k in self))

    __hash__ = None

    def step(self, name: str) -> Step:
        """The full record (value, formula, labels) of one step."""
        self[name]  # the helpful KeyError
        return self._steps[name]

    def entries(self) -> list[Step]:
        return list(self._steps.values())

    # -- printing ---------------------------------------------------------------------
    def format(self, names: str | Iterable[str] | None = None, *, hand: bool = False,
               decimals: int = 4, header: bool | None = None) -> str:
        """The worksheet printout of some or all steps.

        Parameters
        ----------
        names : str or iterable of str, optional
            One step, several, or all (``None``). A prefix such as ``"m=4"`` (or
            ``"m=4 / "``) selects every step under it.
        hand : bool
            Print as on a worksheet: exact small fractions (``3/5``, ``1/9``) where a
            value is one, otherwise two decimals.
        decimals : int
            Fixed decimals when ``hand`` is false.
        header : bool, optional
            Print the title and settings first; by default only when printing all steps.
        """
        _decimals(decimals)
        if names is not None and not isinstance(names, str):
            given = names
            names = list(names) if isinstance(names, Iterable) and not isinstance(names, (bytes, np.ndarray)) else None
            if names is None or not all(isinstance(n, str) for n in names):
                raise TypeError(f"names: expected a step's name or a list of them, got "
                                f"{type(given).__name__} {_short(given)}")
        if not isinstance(hand, (bool, np.bool_)):
            raise TypeError(f"hand: expected True or False, got {type(hand).__name__} {_short(hand)}")
        if header is not None and not isinstance(header, (bool, np.bool_)):
            raise TypeError(f"header: expected True, False or None, got {type(header).__name__} {_short(header)}")
        chosen = self._select(names)
        if header is None:
            header = names is None
        parts = []
        if header:
            parts.append(self._header())
        parts += [format_step(step, hand=hand, decimals=decimals) for step in chosen]
        return "\n\n".join(parts)

    def show(self, names: str | Iterable[str] | None = None, *, hand: bool = False,
             decimals: int = 4, header: bool | None = None) -> None:
        """Print :meth:`format` (the one place the package prints steps)."""
        print(self.format(names, hand=hand, decimals=decimals, header=header))

    def __str__(self) -> str:
        return self.format()

    def __repr__(self) -> str:
        return f"<Steps {self.title!r}: {', '.join(self._steps)}>"

    def _header(self) -> str:
        title = self.title or "steps"
        # settings only; meta keys starting with "_" are bookkeeping (lengths, words)
        settings = ", ".join(f"{k} = {_format_meta(v)}" for k, v in self._meta.items()
                             if not k.startswith("_"))
        return f"== {title} ==" + (f"\n   {settings}" if settings else "")

    def _select(self, names) -> list[Step]:
        if names is None:
            return self.entries()
        if isinstance(names, str):
            names = [names]
        chosen = []
        for name in names:
            under = [s for s in self.entries() if s.name.startswith(name.rstrip(" /") + " / ")]
            if name in self._steps:
                chosen.append(self._steps[name])
            elif under:  # "m=4 / " or just "m=4": every step at that level
                chosen += under
            else:
                chosen.append(self.step(name))
        return chosen


def _decimals(decimals) -> None:
    if isinstance(decimals, (bool, np.bool_)) or not isinstance(decimals, (int, np.integer)) \
            or not 0 <= decimals <= 17:
        raise ValueError(f"decimals: expected an integer from 0 to 17, got {_short(decimals)}")


def _short(x) -> str:
    text = " ".join(repr(x).split())
    return text if len(text) <= 40 else text[:37] + "..."


def _same(a, b) -> bool:
    try:
        return bool(np.array_equal(a, b)) if isinstance(a, np.ndarray) or isinstance(b, np.ndarray) \
            else a == b
    except (TypeError, ValueError):
        return False


@lru_cache(maxsize=64)
def labels(prefix: str, n: int) -> tuple[str, ...]:
    """``("a1", "a2", ...)``: the names of n columns (made once per size)."""
    return tuple(f"{prefix}{k + 1}" for k in range(n))


def _labels(labels) -> tuple | None:
    """Row or column labels: strings, or one tuple of strings per block of a 3-D step."""
    if labels is None or isinstance(labels, tuple):
        return labels
    return tuple(x if isinstance(x, tuple) else str(x) for x in labels)


def _format_meta(value) -> str:
    """A setting as the header shows it: short (``0.5``, ``3``), and never a different
    number (1/3 is ``1/3``, not ``0.333333``; 1.0000000001 is not ``1``)."""
    if isinstance(value, float):
        short = f"{value:g}"
        if not math.isfinite(value) or float(short) == value:
            return short
        f = Fraction(value).limit_denominator(30)
        if abs(float(f) - value) <= 1e-12 * abs(value):
            d = f.denominator
            for p in (2, 5):
                while d % p == 0:
                    d //= p
            return f"{f.numerator}/{f.denominator}" if d > 1 else f"{float(f):g}"   # 1/3; 3/10 as 0.3
        return repr(value)
    if isinstance(value, (tuple, list)):
        return "(" + ", ".join(_format_meta(v) for v in value) + ")"
    return str(value)


# -- the printer ----------------------------------------------------------------------

WHOLE, FRACTION, DECIMAL = "whole", "fraction", "decimal"


def format_number(x, *, decimals: int = 4, hand: bool = False, style: str | None = None) -> str:
    """One number as a worksheet shows it: fixed decimals, never ``-0.00``.

    In hand mode a value is printed the way a student writes it: an integer as an
    integer, an exact small fraction that two decimals cannot show as a fraction
    (``1/9``, ``-9/13``: numerator and denominator at most 30), anything else with two
    decimals (``0.60``, ``0.47``, ``1.51`` for 83/55). ``style`` (from
    :func:`hand_style`) writes it as the rest of its matrix: whole, as a fraction
    (``1/2`` beside ``1/3``), or with two decimals (``1.00``, ``0.33`` beside ``0.47``).
    """
    _decimals(decimals)
    if isinstance(x, (bool, np.bool_)):
        return str(int(x))
    if isinstance(x, (int, np.integer)) and not (hand and style == DECIMAL):
        return str(int(x))
    if not isinstance(x, (float, np.floating)) and not (isinstance(x, np.ndarray) and x.ndim == 0
                                                        and x.dtype.kind in "biuf"):
        raise TypeError(f"x: expected a real number, got {type(x).__name__} {_short(x)}")
    x = float(x)
    if not np.isfinite(x):
        return "nan" if np.isnan(x) else ("inf" if x > 0 else "-inf")
    if hand:
        style = style or hand_style(np.array([x]))
        if style != DECIMAL:
            frac = _small_fraction(x)
            if frac is not None:
                return str(frac)
        decimals = HAND_DECIMALS
    text = f"{x:.{decimals}f}"
    if float(text) == 0.0:
        text = f"{0.0:.{decimals}f}"
    return text


def hand_style(value) -> str:
    """How hand mode writes a whole matrix, one way for every entry: ``"whole"`` when
    every entry is a whole number; ``"fraction"`` when every entry is whole or a small
    fraction (terms at most 30) and some entry is one two decimals cannot show
    (``1/3``); else ``"decimal"``, every entry to two decimals (``0`` as ``0.00`` beside
    ``0.47``). Infinities (a mask's) do not count."""
    v = np.asarray(value, dtype=float).ravel()
    v = v[np.isfinite(v)]
    fracs = [_small_fraction(float(x)) for x in v]
    if all(f is not None and f.denominator == 1 for f in fracs):
        return WHOLE
    if all(f is not None and max(abs(f.numerator), f.denominator) <= HAND_MAX_TERM for f in fracs) \
            and any(100 % f.denominator for f in fracs):
        return FRACTION
    return DECIMAL


def _small_fraction(x: float) -> Fraction | None:
    if abs(x) < 1e-12:  # rounding noise of an exact zero (9/13 - 9/13 ...)
        return Fraction(0)
    frac = Fraction(x).limit_denominator(HAND_MAX_DENOMINATOR)
    if frac == 0:  # a small number is not zero on the sheet: it prints as 0.00
        return None
    if abs(float(frac) - x) <= 1e-9 * max(1.0, abs(x)):
        return frac
    return None


def format_array(value: np.ndarray, *, hand: bool = False, decimals: int = 4,
                 rows: Sequence[str] | None = None, cols: Sequence[str] | None = None,
                 indent: str = "   ") -> str:
    """A 0-, 1- or 2-D array as right-aligned columns, one worksheet row per line.

    A 1-D array prints as one row.
    """
    value = np.asarray(value)
    if value.ndim == 0:
        return indent + format_number(value[()], hand=hand, decimals=decimals)
    grid = np.atleast_2d(value)
    style = hand_style(grid) if hand else None
    cells = [[format_number(v, hand=hand, decimals=decimals, style=style) for v in row] for row in grid]
    ncols = grid.shape[1]
    head = list(cols) if cols is not None else None
    widths = [max(len(r[j]) for r in cells) for j in range(ncols)]
    if head is not None:
        widths = [max(w, len(h)) for w, h in zip(widths, head)]
    lab = list(rows) if rows is not None and len(rows) == grid.shape[0] else None
    lw = max((len(r) for r in lab), default=0) if lab else 0
    lines = []
    if head is not None:
        lines.append(indent + " " * lw + "".join("  " + h.rjust(w) for h, w in zip(head, widths)))
    for i, row in enumerate(cells):
        left = lab[i].ljust(lw) if lab else ""
        lines.append(indent + left + "".join("  " + c.rjust(w) for c, w in zip(row, widths)))
    return "\n".join(lines)


def format_step(step: Step, *, hand: bool = False, decimals: int = 4) -> str:
    """Name, formula (or "given") and shape on one line, then the numbers.

    A 3-D step is a batch of sentences: one block each, headed by the sentence, with
    that sentence's own labels and without the padding past its end.
    """
    value = step.value
    shape = " x ".join(str(n) for n in value.shape)
    how = ("given" + (f": {step.note}" if step.note else "")) if step.given else \
        "   ".join(filter(None, (step.formula, f"({step.note})" if step.note else "")))
    if value.ndim == 0:
        number = format_number(value[()], hand=hand, decimals=decimals)
        return f"{step.name} = {number}" + (f"   ({how})" if how else "")
    joint = "   " if step.given or not step.formula else " = "
    title = step.name + (joint + how if how else "") + f"   [{shape}]"
    if value.ndim <= 2:
        return title + "\n" + format_array(value, hand=hand, decimals=decimals,
                                           rows=_fit(step.rows, value.shape[0]),
                                           cols=_fit(step.cols, value.shape[-1]))
    out = [title]
    for b in range(value.shape[0]):
        block, rows, cols = matrix(step, b)
        name = step.blocks[b] if step.blocks and b < len(step.blocks) else str(b)
        out.append(f"   [{name}]")
        out.append(format_array(block, hand=hand, decimals=decimals, rows=rows, cols=cols,
                                indent="     "))
    return "\n".join(out)


def matrix(step: Step, b: int = 0) -> tuple[np.ndarray, tuple | None, tuple | None]:
    """A step as one 2-D matrix with the labels that fit it: for a batch step, sentence
    ``b`` with its own labels and without the padding past its end."""
    value = np.asarray(step.value)
    rows, cols = step.rows, step.cols
    if value.ndim == 3:
        value = value[b]
        rows, cols = _block(rows, b), _block(cols, b)
        value = value[:len(rows) if rows else None, :len(cols) if cols else None]
    value = np.atleast_2d(value)
    return value, _fit(rows, value.shape[0]), _fit(cols, value.shape[1])


def _fit(labels, n):
    """Labels that fit ``n`` rows or columns, else none (a max or sum keeps one)."""
    return labels if labels is not None and len(labels) == n else None


def _block(labels, b):
    """Block ``b``'s labels: its own when they are given per block."""
    if not labels:
        return None
    if isinstance(labels[0], tuple):
        return labels[b] if b < len(labels) else None
    return labels


def side_by_side(left: Steps, right: Steps, names: Iterable[str], *, titles=("", ""),
                 hand: bool = False, decimals: int = 4, gap: int = 6) -> str:
    """The same steps of two worksheets next to each other, line by line.

    A name missing from one side leaves that side blank, so what differs stands out.
    """
    out = []
    if any(titles):
        out.append((titles[0], titles[1]))
    for name in names:
        a = left.format(name, hand=hand, decimals=decimals) if name in left else ""
        b = right.format(name, hand=hand, decimals=decimals) if name in right else ""
        la, lb = a.splitlines(), b.splitlines()
        out += [(la[i] if i < len(la) else "", lb[i] if i < len(lb) else "")
                for i in range(max(len(la), len(lb)))]
        out.append(("", ""))
    width = max(len(x) for x, _ in out) + gap
    return "\n".join((x.ljust(width) + y).rstrip() for x, y in out).rstrip() + "\n"
