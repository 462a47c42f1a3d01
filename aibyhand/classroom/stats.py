"""How long a sheet takes by hand: the operations a student does for every box, and minutes.

A student works a sheet box by box. For each asked cell this module walks the cell's
formula (:mod:`aibyhand.formula`) at the numbers the student has, and counts the hand
operations it takes, by kind: **multiply**, **add** (subtractions too), **divide**,
**table look-up** (a power of 3, a log, a square root) and **compare** (finding a
largest entry). Then it flags the **hard** ones and turns the counts into minutes.

The numbers the student has
    Printed numbers (givens, and a box's cells the sheet prints) as printed: ``1/3``,
    ``0.47``, ``5``. The student's own boxes as an honest student writes them: a value
    that is a whole number or a small fraction the sheet writes as a fraction (``13/9``)
    exactly, as the instructions ask, anything else rounded to 2 decimals. (So this is
    :func:`aibyhand.classroom.check.honest` except that exact fractions stay exact.)
    Anything computed on the way and not written (an intermediate) is carried unrounded.
    The cells are worked in sheet order (page by page, row by row); what several cells
    share is charged to the first that needs it.

Counting rules
    - Not counted: a multiplication by 0 or by 1 or -1, an addition of 0 (``x + 0``,
      ``0 - x``), ``x - x`` (a row's largest minus itself), ``0 / x``, ``x / x`` and a
      division by 1 or -1. Signs, transposes and picking cells (slices, ``diag``, a
      column of a lookup, padding, ``relu`` and ``positive``, which read a sign) cost
      nothing. A product with a factor 0 does not need the other factor.
    - ``A B`` (a matrix product): each cell is its non-zero products (one multiply each
      unless a factor is 1 or -1) and one addition fewer than there are non-zero terms.
      A sum over the first m rows that extends one already done over the first m' rows
      of the same two matrices (MRL's "width 4 adds two rows to width 2's sums") costs
      only the new rows' products and one addition per new non-zero term.
    - ``*``, ``/``, ``+``, ``-``: one operation per cell. ``x^2``: one multiply.
    - ``3^(x)``: one look-up unless x is 0 or -inf. ``log_3(p)``, ``ln(p)``: one look-up
      unless p is 1. ``sqrt(x)``: one look-up unless x is 0 or 1. A whole power or root
      counts too (the table lists it).
    - ``norm``: a multiply per entry that is not 0, 1 or -1, the additions, and a square
      root. ``rowsum`` and friends: one addition fewer than the non-zero entries.
      ``rowmean``, ``mean``: the sum and one division by the count. ``rowmax``,
      ``colmax``, ``argmax``: k - 1 comparisons over the k finite entries. ``rank`` of a
      matrix of c columns: one comparison per pair of columns (is one a multiple of the
      other?).
    - An earlier step the formula names costs nothing when it is written on the sheet
      (a box, a printed matrix, a given). A step the sheet neither asks nor prints (the
      row's largest before ``3^(logits - max)``, the cells of a partly asked box) is
      computed where it is first needed: only the cells needed, and only once. So is an
      intermediate inside a formula (the grid ``|A|^T |P|`` in ``A^T P / (|A|^T |P|)``).
    - The cells needed are passed down the formula tree: a cell of ``A^T P`` needs one
      column of each, a cell of ``rowsum(X)`` one row of X.

Hard operations (issue 18: no calculator work)
    Significant digits of a number as written: the digits from the first non-zero one to
    the last non-zero one (``1.22`` has 3, ``0.65`` 2, ``2.00`` written ``2`` has 1,
    ``12`` 2, ``120`` 2); a fraction p/q counts by its larger part (``13/9``: 2). An
    intermediate is written as a decimal if it ends within 6 places, else, when it was
    computed from fractions, as a fraction with a denominator up to 1000, else it has
    many digits (``0.125`` has 3, ``1/3 + 1`` is ``4/3``, ``2 / 2.24`` has many).

    - a division by a number of more than 2 significant digits (``/ 17.12``) is hard,
      unless the page prints its reciprocal (a printed matrix whose formula is
      ``1 / (...)``): then it is a multiplication by the reciprocal;
    - a multiplication of two numbers that both have 3 or more significant digits
      (``1.22 x 5.92``) is hard.

    Division by a small whole number (the batch size 2 or 3) is not hard. On a page with
    a table of 1/x (x = 1.00 ... 2.00), dividing by such an x (a row's sum of powers) is
    a look-up and a multiplication by the entry (none when the numerator is 1).

The time model (:data:`MODEL`)
    seconds = 3 s a multiplication (60 s a hard one) + 3 s an addition + 5 s a division
    (10 s a hard one) + 5 s a table look-up + 3 s a comparison + 15 s to write each box
    + 150 s to read each page; minutes rounded to 5 (``about 35 minutes``, at least 5).

    The constants are round numbers fitted to what careful students needed when they
    worked the sheets of issue 18 by hand, seeds 17 and 23 (:data:`CALIBRATION`: this
    counter's counts on those sheets, and the minutes measured). Over the six sheets and
    fine-tune's page 4 the model is within 8% of the measured time on average (root mean
    square) and 15% at most (:func:`fit`); it puts decode and embed a little low and head
    a little high. The fit says boxes and pages, not arithmetic, take most of the time:
    a box is found, its inputs located and read, its number written, even when the
    arithmetic is a copy with a sign (x1 and +0 terms are not counted as operations).
    Six sheets timed at two seeds are few, so the constants are loose: a box of 12 s and a
    page of 180 s fit about as well; a box of 8 s or less fits clearly worse (11%).
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from fractions import Fraction

import numpy as np

from .. import formula
from ..ops import base_name
from ..steps import Steps, format_number, hand_style
from . import check, given, layout
from .layout import Cell, Sheet

__all__ = ["KINDS", "MODEL", "CALIBRATION", "Model", "Hard", "BoxCost", "Stats", "count", "measure",
           "minutes", "significant", "written", "student_writes", "format_stats", "model_text", "fit",
           "features"]

KINDS = ("multiply", "add", "divide", "lookup", "compare")
NAMES = {"multiply": "multiply", "add": "add", "divide": "divide", "lookup": "table look-up",
         "compare": "compare"}
MANY = 9                  # the significant digits of a number that does not end
HARD_DIGITS = {"divide": 3, "multiply": 3}   # hard: divisor from 3 digits, both factors from 3
TINY = 1e-9               # closer than this to 0 or 1 is 0 or 1 (float noise)


@dataclass(frozen=True)
class Model:
    """Seconds per operation of each kind, per hard operation (instead of the easy
    one), per box written and per page read."""

    multiply: float
    add: float
    divide: float
    lookup: float
    compare: float
    hard_multiply: float
    hard_divide: float
    box: float
    page: float

    def seconds(self, ops: Mapping[str, int], hard: Mapping[str, int], boxes: int, pages: int) -> float:
        easy = {k: ops.get(k, 0) - hard.get(k, 0) for k in KINDS}
        return (sum(getattr(self, k) * easy[k] for k in KINDS)
                + self.hard_multiply * hard.get("multiply", 0) + self.hard_divide * hard.get("divide", 0)
                + self.box * boxes + self.page * pages)


MODEL = Model(multiply=3, add=3, divide=5, lookup=5, compare=3, hard_multiply=60, hard_divide=10,
              box=15, page=150)

FEATURES = ("multiply", "add", "divide", "lookup", "compare", "hard multiply", "hard divide",
            "boxes", "pages")

# The sheets students timed (issue 18: the sheets of main at 3226992, seeds 17 and 23), as this
# counter counts them: (what, seed, counts by FEATURES (multiply, divide: the easy ones), the
# minutes measured (low, high)). Fine-tune's page 4 alone took about 25 minutes.
CALIBRATION = (
    ("decode", 17, (9, 44, 3, 8, 15, 0, 4, 93, 4), (40, 45)),
    ("decode", 23, (18, 64, 4, 8, 15, 0, 5, 93, 4), (40, 45)),
    ("embed", 17, (18, 100, 18, 7, 6, 4, 8, 103, 3), (50, 60)),
    ("embed", 23, (25, 103, 22, 7, 6, 4, 8, 103, 3), (50, 60)),
    ("infonce", 17, (66, 62, 58, 9, 6, 0, 0, 118, 4), (50, 60)),
    ("infonce", 23, (71, 61, 54, 9, 6, 0, 6, 118, 4), (50, 60)),
    ("mrl", 17, (57, 82, 38, 26, 18, 0, 15, 127, 4), (50, 60)),
    ("mrl", 23, (58, 88, 42, 27, 18, 0, 12, 127, 4), (50, 60)),
    ("finetune", 17, (56, 85, 10, 12, 6, 10, 26, 145, 4), (60, 75)),
    ("finetune", 23, (57, 62, 11, 12, 6, 8, 18, 145, 4), (60, 75)),
    ("finetune page 4", 17, (28, 39, 1, 4, 2, 8, 6, 40, 1), (25, 25)),
    ("finetune page 4", 23, (42, 35, 1, 4, 2, 8, 6, 40, 1), (25, 25)),
    ("head", 17, (25, 69, 16, 4, 1, 0, 12, 84, 3), (30, 35)),
    ("head", 23, (32, 56, 17, 4, 1, 0, 7, 84, 3), (30, 35)),
)


@dataclass(frozen=True)
class Hard:
    """One hard operation: ``multiply`` or ``divide``, written as the student has it."""

    kind: str
    text: str


@dataclass
class CellCost:
    """One asked cell: its operations, the hard ones, and each operation in words."""

    cell: Cell
    page: int
    ops: Counter
    hard: list
    log: list = field(default_factory=list)


@dataclass
class BoxCost:
    """One matrix of boxes on the sheet: its asked cells and what each costs."""

    page: int
    name: str
    cells: list

    @property
    def ops(self) -> Counter:
        out = Counter()
        for c in self.cells:
            out.update(c.ops)
        return out

    @property
    def hard(self) -> list[tuple[str, Hard]]:
        return [(c.cell.label, h) for c in self.cells for h in c.hard]

    def seconds(self, model: Model = MODEL) -> float:
        return model.seconds(self.ops, Counter(h.kind for _, h in self.hard), len(self.cells), 0)


@dataclass
class Stats:
    """A sheet's operations, box by box, and the time they take."""

    worksheet: str
    source: str
    pages: int
    boxes: list
    titles: tuple = ()

    @property
    def cells(self) -> int:
        return sum(len(b.cells) for b in self.boxes)

    @property
    def ops(self) -> Counter:
        out = Counter({k: 0 for k in KINDS})
        for b in self.boxes:
            out.update(b.ops)
        return out

    @property
    def hard(self) -> list[tuple[int, str, str, Hard]]:
        """``(page, box, cell, Hard)`` for every hard operation."""
        return [(b.page, b.name, label, h) for b in self.boxes for label, h in b.hard]

    def seconds(self, model: Model = MODEL) -> float:
        return model.seconds(self.ops, Counter(h.kind for *_, h in self.hard), self.cells, self.pages)

    def minutes(self, model: Model = MODEL) -> int:
        return round5(self.seconds(model) / 60)

    def page_seconds(self, k: int, model: Model = MODEL) -> float:
        return sum(b.seconds(model) for b in self.boxes if b.page == k) + model.page


def round5(minutes: float) -> int:
    """To the nearest 5 minutes (at least 5)."""
    return max(5, 5 * int(math.floor(minutes / 5 + 0.5)))


# -- numbers as written ------------------------------------------------------------------

def significant(text: str) -> int:
    """Significant digits of a number as written: ``1.22`` 3, ``0.65`` 2, ``2`` 1, ``12``
    2, ``120`` 2, ``13/9`` 2 (a fraction by its larger part); ``0`` has none."""
    t = text.strip().lstrip("+-")
    if t.endswith("..."):
        return MANY
    if "/" in t:
        p, q = t.split("/", 1)
        return max(significant(p), significant(q))
    if t in ("inf", "-inf"):
        return 0
    return len(t.replace(".", "").strip("0"))


def written(x: float, fractions: bool = True) -> str:
    """An unrounded intermediate as a student would carry it: a decimal that ends within 6
    places, else (when it was computed from fractions) a fraction with a denominator up
    to 1000, else many digits (``...``)."""
    x = float(x)
    if not math.isfinite(x):
        return "inf" if x > 0 else "-inf"
    for k in range(7):
        y = x * 10**k
        if abs(y - round(y)) < 1e-6:
            return format_number(round(y) / 10**k, decimals=k)
    f = Fraction(x).limit_denominator(1000)
    if fractions and abs(float(f) - x) <= 1e-9 * max(1.0, abs(x)):
        return f"{f.numerator}/{f.denominator}"
    return f"{x:.4f}..."


def _value_of(text: str) -> float:
    if text in ("inf", "-inf"):
        return float(text)
    return float(Fraction(text))


def student_writes(v: float, key: float) -> tuple[str, float]:
    """How an honest student writes a box whose value, from their own numbers, is ``v``
    (and whose exact value is ``key``): a whole number as it is, a small fraction exactly
    where the key has a fraction too, anything else to 2 decimals; and the value written."""
    if not math.isfinite(v):
        return layout.printed(v)[0], v
    text = format_number(v, hand=True)
    whole = "." not in text and "/" not in text
    if whole or ("/" in text and "/" in format_number(key, hand=True)):
        return text, _value_of(text)
    r = round(v, 2)
    text = format_number(r, decimals=2)
    return text, _value_of(text)


def _zero(x) -> bool:
    return abs(x) < TINY


def _one(x) -> bool:
    return abs(abs(x) - 1) < TINY


# -- the student's numbers ---------------------------------------------------------------

class _Sheet:
    """One sheet and steps: what the student has, and the counting walk."""

    def __init__(self, sheet: Sheet, steps: Steps):
        self.sheet, self.steps = sheet, steps
        self.items = sheet.items()
        self.printed = {it.step for _, it in self.items if it.role == "grey"}
        self.boxed = {it.step: it for _, it in self.items if it.role == "box"}
        self.asked: dict[str, np.ndarray] = {}
        self.cells = layout.cells(sheet, steps)
        exact = check.exact_values(steps)
        for c in self.cells:
            self.asked.setdefault(c.step, np.zeros(exact[c.step].shape, bool))[c.index] = True
        self.env: dict[str, np.ndarray] = {k: lo for k, (lo, _) in check.settings(steps).items()}
        self.text: dict[str, np.ndarray] = {k: np.array(written(float(v))) for k, v in self.env.items()}
        self.free: dict[str, np.ndarray] = {}
        self.trees: dict[str, tuple] = {}
        self.views: dict[str, tuple] = {}
        for st in steps.entries():
            name = st.name
            shape = exact[name].shape
            if st.formula and not st.given and _moves(steps.formula(name).tree):
                self.views[name] = steps.formula(name).tree
            style = hand_style(exact[name])   # a printed matrix is written one way
            if st.given or not st.formula or name in self.printed:
                text = np.vectorize(lambda x: layout.printed(x, style)[0], otypes=[object])(exact[name])
                self.env[name] = np.vectorize(_value_of, otypes=[float])(text) if text.size else exact[name]
                self.text[name] = text
                self.free[name] = np.ones(shape, bool)
                continue
            tree = steps.formula(name).tree
            self.trees[name] = tree
            with np.errstate(all="ignore"):
                v = np.broadcast_to(np.atleast_2d(np.asarray(formula.evaluate(tree, self.env), float)),
                                    shape).copy()
            fractions = any("/" in str(t) for n in steps.uses(name) if n in self.text
                            for t in np.ravel(self.text[n]))
            text = np.vectorize(lambda x: written(x, fractions), otypes=[object])(v) if v.size \
                else np.empty(shape, object)
            free = np.zeros(shape, bool)
            if name in self.boxed:
                asked = self.asked.get(name, np.zeros(shape, bool))
                for i in zip(*np.nonzero(asked)):
                    text[i], v[i] = student_writes(float(v[i]), float(exact[name][i]))
                free |= asked
                if self.boxed[name].rest == "grey":
                    for i in zip(*np.nonzero(~asked)):
                        text[i] = layout.printed(float(exact[name][i]), style)[0]
                        v[i] = _value_of(text[i])
                    free[:] = True
            self.env[name], self.text[name], self.free[name] = v, text, free
        self.charged: dict = {}
        self.sums: set = set()
        self.values: dict = {}
        self.texts: dict = {}
        self.provs: dict = {}
        self.recips: dict[int, list[tuple[float, str]]] = {}
        for k, it in self.items:
            st = steps.step(it.step)
            if it.role == "grey" and st.formula and not st.given:
                t = steps.formula(it.step).tree
                if t[0] == "div" and t[1] == ("num", 1.0):
                    texts = self.text[it.step]
                    of = np.broadcast_to(self.value(t[2]), texts.shape)
                    self.recips.setdefault(k, []).extend(
                        (float(x), str(r)) for x, r in zip(of.ravel(), texts.ravel()) if x)
        # a page with a table of 1/x (x from 1.00 to 2.00): dividing by such an x is a
        # look-up and a multiplication by the table's entry
        self.recip_pages = {k for k, page in enumerate(sheet.pages, start=1)
                            if any(t.kind == "recip" for t in page.tables)}

    # -- values, texts and where cells come from, at every node of a tree -----------------
    def value(self, node) -> np.ndarray:
        if node not in self.values:
            if node[0] == "I":
                raise ValueError("I has no value of its own")
            with np.errstate(all="ignore"):
                self.values[node] = np.atleast_2d(np.asarray(formula.evaluate(node, self.env), float))
        return self.values[node]

    def operands(self, node):
        """The two operands of a binary node as arrays (``I`` sized to the other)."""
        a, b = node[1], node[2]
        va = None if a[0] == "I" else self.value(a)
        vb = None if b[0] == "I" else self.value(b)
        if va is None:
            va = np.eye(vb.shape[-1])
        if vb is None:
            vb = np.eye(va.shape[-1])
        return va, vb

    def text_of(self, node, shape=None) -> np.ndarray:
        """How the student has each cell of a node written (as printed, as written in a
        box, or as an intermediate)."""
        if node[0] == "I":
            return np.full(shape, "1", object)
        if node not in self.texts:
            kind = node[0]
            if kind == "name":
                out = self.text[node[1]]
            elif kind == "T":
                out = self.text_of(node[1]).T
            elif kind == "slice":
                out = self.text_of(node[1])[formula._index(node[2], node[3])]
            elif kind == "neg":
                out = self.text_of(node[1])
            else:
                v = self.value(node)
                kids = [x for x in node[1:] if isinstance(x, tuple) and x and x[0] not in ("I",)]
                fractions = any("/" in str(t) for x in kids for t in self.text_of(x).ravel())
                out = np.vectorize(lambda x: written(x, fractions), otypes=[object])(v) if v.size \
                    else np.empty(v.shape, object)
            self.texts[node] = np.atleast_2d(out)
        return self.texts[node]

    def prov(self, node) -> np.ndarray:
        """Where each cell of a node comes from, through names, transposes and slices: the
        same key for the same number (so a sum over rows of A[:4] extends one over A[:2])."""
        if node not in self.provs:
            kind = node[0]
            if kind == "name" and node[1] in self.views:
                out = self.prov(self.views[node[1]])
            elif kind == "T":
                out = self.prov(node[1]).T
            elif kind == "slice":
                out = self.prov(node[1])[formula._index(node[2], node[3])]
            else:
                v = self.value(node)
                out = np.empty(v.shape, object)
                for i in np.ndindex(v.shape):
                    out[i] = (node, i)
            self.provs[node] = np.atleast_2d(out)
        return self.provs[node]

    # -- the walk ----------------------------------------------------------------------
    def count(self) -> list[BoxCost]:
        by_item: dict[str, BoxCost] = {}
        page_of = {it.name: k for k, it in self.items if it.role == "box"}
        for k, it in self.items:
            if it.role == "box":
                by_item[it.name] = BoxCost(k, it.name, [])
        for c in self.cells:
            page = page_of[c.item]
            acc = _Acc(page)
            tree = self.trees.get(c.step)
            if tree is None:  # a box described only in words: nothing to count
                by_item[c.item].cells.append(CellCost(c, page, acc.ops, acc.hard, acc.log))
                continue
            shape = self.env[c.step].shape
            need = np.zeros(shape, bool)
            need[c.index] = True
            self.cost(tree, _fit_mask(need, self.value(tree).shape), acc)
            by_item[c.item].cells.append(CellCost(c, page, acc.ops, acc.hard, acc.log))
        return [by_item[it.name] for _, it in self.items if it.role == "box"]

    def cost(self, node, need: np.ndarray, acc: _Acc) -> None:
        """Count the operations for the cells ``need`` of ``node`` not counted before."""
        kind = node[0]
        if kind in ("num", "I") or not need.any():
            return
        if kind == "name":
            name = node[1]
            if name not in self.trees:
                return
            todo = need & ~self.free[name]
            if todo.any():
                tree = self.trees[name]
                self.cost(tree, _fit_mask(todo, self.value(tree).shape), acc)
            return
        done = self.charged.get(node)
        if done is not None:
            need = need & ~done
            if not need.any():
                return
        self.charged[node] = need if done is None else (done | need)
        if kind in ("neg",):
            self.cost(node[1], need, acc)
        elif kind == "T":
            self.cost(node[1], need.T, acc)
        elif kind == "slice":
            child = np.zeros(self.value(node[1]).shape, bool)
            child[formula._index(node[2], node[3])] = need
            self.cost(node[1], child, acc)
        elif kind == "cat":
            at = 0
            for part in node[1:]:
                w = self.value(part).shape[-1]
                self.cost(part, need[:, at:at + w], acc)
                at += w
        elif kind in ("add", "sub", "mul", "div"):
            self._elementwise(node, need, acc)
        elif kind == "matmul":
            a, b = self.value(node[1]), self.value(node[2])
            if a.size == 1 or b.size == 1:
                self._elementwise(("mul", node[1], node[2]), need, acc)
            else:
                self._matmul(node, need, acc)
        elif kind == "exp":
            x = self.value(node[2])
            x = np.broadcast_to(x, need.shape)
            for i in zip(*np.nonzero(need)):
                if not (_zero(x[i]) or x[i] == -np.inf):
                    acc.add("lookup", 1, f"{base_name(node[1])}^({written(x[i])})")
            self.cost(node[2], _fit_mask(need, self.value(node[2]).shape), acc)
        elif kind == "power":
            x = self.value(node[1])
            t = self.text_of(node[1])
            k = node[2]
            for i in zip(*np.nonzero(need)):
                if not (_zero(x[i]) or _one(x[i])) and float(k).is_integer() and k >= 2:
                    for _ in range(int(k) - 1):
                        acc.multiply(t[i], t[i])
            self.cost(node[1], need, acc)
        elif kind == "log":
            x = self.value(node[2])
            for i in zip(*np.nonzero(need)):
                if not abs(x[i] - 1) < TINY:
                    acc.add("lookup", 1, f"log({written(x[i])})")
            self.cost(node[2], need, acc)
        elif kind == "call":
            self._call(node, need, acc)
        else:
            raise ValueError(f"stats: cannot count {kind!r}")

    def _elementwise(self, node, need, acc):
        kind = node[0]
        a, b = self.operands(node)
        shape = need.shape
        A, B = np.broadcast_to(a, shape), np.broadcast_to(b, shape)
        ta = np.broadcast_to(self.text_of(node[1], a.shape), shape)
        tb = np.broadcast_to(self.text_of(node[2], b.shape), shape)
        need_a, need_b = np.zeros(shape, bool), np.zeros(shape, bool)
        for i in zip(*np.nonzero(need)):
            x, y = float(A[i]), float(B[i])
            na = nb = True
            if kind in ("add", "sub"):
                if not (math.isfinite(x) and math.isfinite(y)) or _zero(x) or _zero(y):
                    pass
                elif kind == "sub" and x == y:
                    pass
                else:
                    acc.add("add", 1, f"{ta[i]} {'+' if kind == 'add' else '-'} {tb[i]}")
            elif kind == "mul":
                if _zero(x):
                    nb = False
                elif _zero(y):
                    na = False
                elif not (_one(x) or _one(y)):
                    acc.multiply(ta[i], tb[i])
            else:  # div
                if _zero(x):
                    nb = False
                elif _one(y) or x == y or not (math.isfinite(x) and math.isfinite(y)):
                    pass
                else:
                    acc.divide(ta[i], tb[i], y, self.recips.get(acc.page, ()),
                               acc.page in self.recip_pages)
            need_a[i], need_b[i] = na, nb
        if node[1][0] != "I":
            self.cost(node[1], _fit_mask(need_a, a.shape), acc)
        if node[2][0] != "I":
            self.cost(node[2], _fit_mask(need_b, b.shape), acc)

    def _matmul(self, node, need, acc):
        a, b = self.value(node[1]), self.value(node[2])
        ta, tb = self.text_of(node[1]), self.text_of(node[2])
        pa, pb = self.prov(node[1]), self.prov(node[2])
        need_a, need_b = np.zeros(a.shape, bool), np.zeros(b.shape, bool)
        K = a.shape[1]
        for i, j in zip(*np.nonzero(need)):
            keys = tuple((pa[i, k], pb[k, j]) for k in range(K))
            if keys in self.sums:
                start = K
            else:
                start = next((n for n in range(K - 1, 0, -1) if keys[:n] in self.sums), 0)
            self.sums.add(keys)
            nz_before = sum(1 for k in range(start) if not (_zero(a[i, k]) or _zero(b[k, j])))
            terms = 0
            for k in range(start, K):
                x, y = a[i, k], b[k, j]
                if _zero(x):
                    need_a[i, k] = True
                    continue
                if _zero(y):
                    need_b[k, j] = True
                    continue
                need_a[i, k] = need_b[k, j] = True
                terms += 1
                if not (_one(x) or _one(y)):
                    acc.multiply(ta[i, k], tb[k, j])
            adds = max(nz_before + terms - 1, 0) - max(nz_before - 1, 0)
            acc.add("add", adds, "in a sum of products")
        self.cost(node[1], need_a, acc)
        self.cost(node[2], need_b, acc)

    def _call(self, node, need, acc):
        name = node[1]
        arg = node[2]
        if name in ("pad", "padcols"):
            v = self.value(arg)
            self.cost(arg, need[:v.shape[0], :v.shape[1]].copy(), acc)
            return
        if name == "repeat":
            self.cost(arg, need.any(axis=1, keepdims=True), acc)
            return
        if name == "atlast":
            self.cost(arg, need[:, -1:].copy(), acc)
            return
        if name == "lookup":
            v = self.value(arg)
            ids = self.value(node[3])[0].astype(int)
            child = np.zeros(v.shape, bool)
            for j, col in enumerate(ids):
                child[:, col] |= need[:, j]
            self.cost(arg, child, acc)
            return
        if name == "scatter":
            v = self.value(arg)
            ids = self.value(node[3])[0].astype(int)
            child = np.zeros(v.shape, bool)
            for i, c in zip(*np.nonzero(need)):
                cols = [j for j, col in enumerate(ids) if col == c]
                child[i, cols] = True
                acc.add("add", max(sum(1 for j in cols if not _zero(v[i, j])) - 1, 0), "in scatter")
            self.cost(arg, child, acc)
            return
        v = self.value(arg)
        t = self.text_of(arg)
        if name in ("relu", "positive"):
            self.cost(arg, need, acc)
            return
        if name in ("sqrt", "ln"):
            for i in zip(*np.nonzero(need)):
                if name == "sqrt" and not (_zero(v[i]) or abs(v[i] - 1) < TINY):
                    acc.add("lookup", 1, f"sqrt({t[i]})")
                if name == "ln" and abs(v[i] - 1) >= TINY:
                    acc.add("lookup", 1, f"ln({t[i]})")
            self.cost(arg, need, acc)
            return
        if name == "diag":
            child = np.zeros(v.shape, bool)
            for i in np.nonzero(need.any(axis=1))[0]:
                child[i, i] = True
            self.cost(arg, child, acc)
            return
        if name == "rank":
            c = v.shape[1]
            acc.add("compare", c * (c - 1) // 2, "rank")
            self.cost(arg, np.ones(v.shape, bool), acc)
            return
        # reductions: which cells of the argument each needed output cell reads
        groups = []
        if name in ("norm", "colsum", "colmax", "argmax"):
            for j in np.nonzero(need.any(axis=0))[0]:
                groups.append([(r, j) for r in range(v.shape[0])])
        elif name in ("rowsum", "rowmax", "rowmean"):
            for i in np.nonzero(need.any(axis=1))[0]:
                groups.append([(i, c) for c in range(v.shape[1])])
        elif name in ("sumall", "mean"):
            groups.append([(r, c) for r in range(v.shape[0]) for c in range(v.shape[1])])
        else:
            raise ValueError(f"stats: cannot count {name}()")
        child = np.zeros(v.shape, bool)
        for cells in groups:
            for i in cells:
                child[i] = True
            xs = [float(v[i]) for i in cells]
            nonzero = [i for i in cells if not _zero(v[i])]
            if name in ("rowmax", "colmax", "argmax"):
                acc.add("compare", max(sum(1 for x in xs if math.isfinite(x)) - 1, 0), f"{name}")
            elif name == "norm":
                squares = 0.0
                for i in nonzero:
                    if not _one(v[i]):
                        acc.multiply(t[i], t[i])
                    squares += float(v[i]) ** 2
                acc.add("add", max(len(nonzero) - 1, 0), "in a sum of squares")
                if not (_zero(squares) or abs(squares - 1) < TINY):
                    acc.add("lookup", 1, f"sqrt({written(squares)})")
            else:
                acc.add("add", max(len(nonzero) - 1, 0), f"in {name}")
                if name in ("rowmean", "mean") and len(cells) > 1 and nonzero:
                    acc.divide(written(sum(xs)), str(len(cells)), float(len(cells)), ())
        self.cost(arg, child, acc)


class _Acc:
    """The operations one asked cell costs (on its page), and the hard ones."""

    def __init__(self, page: int):
        self.page = page
        self.ops: Counter = Counter()
        self.hard: list[Hard] = []
        self.log: list[str] = []

    def add(self, kind: str, n: int = 1, what: str = "") -> None:
        if n:
            self.ops[kind] += n
            self.log.append(f"{n} {kind}" + (f" {what}" if what else ""))

    def multiply(self, a: str, b: str) -> None:
        self.ops["multiply"] += 1
        self.log.append(f"multiply {a} x {b}")
        if significant(str(a)) >= HARD_DIGITS["multiply"] and significant(str(b)) >= HARD_DIGITS["multiply"]:
            self.hard.append(Hard("multiply", f"{_bare(a)} x {_bare(b)}"))

    def divide(self, a: str, b: str, y: float, recips: Sequence[tuple[float, str]],
               table: bool = False) -> None:
        given = next((s for r, s in recips if abs(r - y) <= 1e-9 * max(1.0, abs(y))), None)
        if given is not None:
            self.multiply(a, given)
            return
        if table and 1 - 1e-9 <= y <= 2 + 1e-9 and significant(str(b)) > HARD_DIGITS["divide"] - 1:
            self.ops["lookup"] += 1
            self.log.append(f"1/{b} from the table")
            if a.strip().lstrip("+-") != "1":
                self.multiply(a, format_number(1 / round(y, 2), decimals=2))
            return
        self.ops["divide"] += 1
        self.log.append(f"divide {a} / {b}")
        if significant(str(b)) >= HARD_DIGITS["divide"]:
            self.hard.append(Hard("divide", f"{_bare(a, sign=True)} / {_bare(b)}"))


def _bare(text, sign: bool = False) -> str:
    t = str(text)
    return t if sign else t.lstrip("-")


def _moves(tree) -> bool:
    """Is a formula only another step's cells, moved (a slice or a transpose of a name)?"""
    def moves(t):
        return t[0] == "name" or (t[0] in ("T", "slice") and moves(t[1]))
    return tree[0] in ("T", "slice") and moves(tree)


def _fit_mask(need: np.ndarray, shape: tuple) -> np.ndarray:
    """A mask over a broadcast result, reduced to an operand of ``shape``: a cell of the
    operand is needed if any result cell it reaches is."""
    need = np.atleast_2d(need)
    shape = tuple(shape) if len(shape) == 2 else (1,) * (2 - len(shape)) + tuple(shape)
    out = need
    if shape[0] == 1 and out.shape[0] != 1:
        out = out.any(axis=0, keepdims=True)
    if shape[1] == 1 and out.shape[1] != 1:
        out = out.any(axis=1, keepdims=True)
    return np.broadcast_to(out, shape).copy()


# -- the public face ---------------------------------------------------------------------

def count(sheet: Sheet, steps: Steps) -> list[BoxCost]:
    """Every boxed matrix of ``sheet`` with what each of its asked cells costs, in sheet
    order (see the module docstring for the rules)."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    return _Sheet(sheet, steps).count()


def measure(ws, data: Mapping | None = None, *, source: str = "", steps: Steps | None = None) -> Stats:
    """A worksheet's :class:`Stats` for its numbers ``data`` (``ws.load(...)``), or for
    ``steps`` already run."""
    ws, source = given.worksheet("ws", ws), given.text("source", source)
    steps = None if steps is None else given.steps("steps", steps)
    steps = ws.steps(data) if steps is None else steps
    return Stats(ws.name, source, len(ws.sheet.pages), count(ws.sheet, steps),
                 tuple(p.title for p in ws.sheet.pages))


def minutes(ws, data: Mapping | None = None, *, steps: Steps | None = None) -> int:
    """About how many minutes a careful student needs for the sheet, rounded to 5: what
    the sheet's header prints as "about N minutes". ``steps``: ``ws.steps(data)`` when the
    caller has it already."""
    ws = given.worksheet("ws", ws)
    steps = None if steps is None else given.steps("steps", steps)
    return measure(ws, data, steps=steps).minutes()


def model_text(model: Model = MODEL) -> str:
    """The model in words, as ``--stats`` prints it."""
    def s(x):
        return f"{x:g} s"
    return (f"{s(model.multiply)} a multiplication ({s(model.hard_multiply)} a hard one), "
            f"{s(model.add)} an addition, {s(model.divide)} a division ({s(model.hard_divide)} a "
            f"hard one), {s(model.lookup)} a table look-up, {s(model.compare)} a comparison, "
            f"{s(model.box)} to write a box, {s(model.page)} to read a page; rounded to 5 minutes")


def _ops_line(ops: Mapping[str, int]) -> str:
    return ", ".join(f"{ops.get(k, 0)} {NAMES[k]}" for k in KINDS)


def format_stats(st: Stats, *, model: Model = MODEL, top: int = 5) -> str:
    """What ``aibyhand sheet NAME --stats`` prints: pages, boxes, operations by kind, the
    hard operations by box and cell, the minutes and the model; then each page's share
    and the costliest boxes."""
    if not isinstance(st, Stats):
        raise TypeError(f"st: expected the Stats of stats.measure(ws), got {type(st).__name__}")
    top = given.integer("top", top, minimum=0)
    src = f" ({st.source})" if st.source else ""
    lines = [f"{st.worksheet}{src}: {st.pages} pages, {st.cells} boxes",
             f"operations: {_ops_line(st.ops)} (not counting x0, x+-1, +0)"]
    hard = st.hard
    if not hard:
        lines.append("hard: none")
    else:
        kinds = Counter(h.kind for *_, h in hard)
        lines.append("hard: " + ", ".join(
            f"{kinds[k]} {w}" for k, w in (("multiply", "multiplications of two 3-digit numbers"),
                                           ("divide", "divisions by a 3-digit number")) if kinds[k]))
        by_cell: dict[tuple, list[str]] = {}
        for page, _, cell, h in hard:
            by_cell.setdefault((page, cell), []).append(h.text)
        for (page, cell), texts in by_cell.items():
            lines.append(f"  page {page}, {cell}: {'; '.join(texts)}")
    lines.append(f"about {st.minutes(model)} minutes (model: {model_text(model)})")
    lines.append("")
    lines.append("by page (minutes, reading the page included):")
    for k in range(1, st.pages + 1):
        boxes = [b for b in st.boxes if b.page == k]
        ops = Counter()
        for b in boxes:
            ops.update(b.ops)
        title = st.titles[k - 1] if k <= len(st.titles) else ""
        lines.append(f"  {k}. {st.page_seconds(k, model) / 60:4.1f}  {sum(len(b.cells) for b in boxes)} "
                     f"boxes, {_ops_line(ops)}" + (f"  ({title})" if title else ""))
    lines.append("costliest boxes (minutes):")
    for b in sorted(st.boxes, key=lambda b: -b.seconds(model))[:top]:
        lines.append(f"  {b.seconds(model) / 60:4.1f}  page {b.page}, {b.name}: {len(b.cells)} boxes, "
                     f"{_ops_line(b.ops)}" + (f", {len(b.hard)} hard" if b.hard else ""))
    return "\n".join(lines)


def features(boxes: Sequence[BoxCost], pages: int) -> tuple[int, ...]:
    """Counts by :data:`FEATURES` (multiply and divide: the easy ones), for a row of
    :data:`CALIBRATION`."""
    ops, hard = Counter(), Counter()
    for b in boxes:
        ops.update(b.ops)
        hard.update(h.kind for _, h in b.hard)
    return (ops["multiply"] - hard["multiply"], ops["add"], ops["divide"] - hard["divide"],
            ops["lookup"], ops["compare"], hard["multiply"], hard["divide"],
            sum(len(b.cells) for b in boxes), pages)


def fit(model: Model = MODEL) -> list[tuple[str, int, float, tuple]]:
    """``(what, seed, the model's minutes, measured (low, high))`` for every row of
    :data:`CALIBRATION`: how well the model reproduces the times students needed."""
    out = []
    for what, seed, counts, measured in CALIBRATION:
        f = dict(zip(FEATURES, counts))
        ops = {"multiply": f["multiply"] + f["hard multiply"], "add": f["add"],
               "divide": f["divide"] + f["hard divide"], "lookup": f["lookup"], "compare": f["compare"]}
        hard = {"multiply": f["hard multiply"], "divide": f["hard divide"]}
        out.append((what, seed, model.seconds(ops, hard, f["boxes"], f["pages"]) / 60, measured))
    return out
