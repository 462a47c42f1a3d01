"""The sheet's web page marks every box as ``aibyhand check`` does, in a real browser.

Each worksheet's page (its own numbers and two variants) is opened from disk in
Chromium, answer sets are typed into it (an honest student carrying 2-decimal values
forward, the same with one slip, a first page only, garbage, fractions), and every
input's ``data-verdict`` is held to :func:`aibyhand.classroom.check.mark` on the same
answers, box by box. No box's value may be in the page, a hint never gives the number,
and the saved answers file reads back to the same verdicts.
"""

from __future__ import annotations

import json
import os
import re
import warnings
from dataclasses import dataclass
from fractions import Fraction
from functools import cached_property
from pathlib import Path

import numpy as np
import pytest

from aibyhand import formula
from aibyhand.classroom import catalog, check, layout, page, sheet as _sheet, spelling, tables
from aibyhand.classroom.worksheet import WorksheetError
from aibyhand.steps import format_number, hand_style
from aibyhand.classroom.names import slug
from pagekit import browser  # noqa: F401  (a fixture)

SEEDS = (None, 1, 2)
# InfoNCE seed 14: an exponent between two entries of the page's table
CASES = [(name, seed) for name in catalog.WORKSHEETS for seed in SEEDS] + [("infonce", 14)]
UNREADABLE = ("abc", "1,5", "2e3", "25%", "--1", "3/0", "0.5.5", 'a"b\\c', "inf", "\u0663", "1234567890123")
ODD_BUT_READABLE = (" 0.5 ", "+.5", "5.", "-3/13", "- 1", "1.5/2", "\u22121", "\uff15", "\ufeff0.5", "1 / 3")
NUDGES = ("a box holds a number", "check the sign", "check the decimal point",
          "close: check the last digit (round to 2 decimals)", "rows and columns swapped?",
          "redo it from the boxes its formula uses")


@dataclass
class Case:
    """One worksheet with one data set: its steps, its sheet and its page."""

    name: str
    seed: int | None

    @cached_property
    def ws(self):
        """The worksheet."""
        return catalog.get(self.name)

    @cached_property
    def steps(self):
        """Every step, for this data."""
        return self.ws.join(self.ws.run(self.ws.load(seed=self.seed)))

    @property
    def sheet(self):
        """The printed sheet."""
        return self.ws.sheet

    @cached_property
    def html(self) -> str:
        """The page, as ``aibyhand sheet NAME -o page.html`` writes it."""
        return page.render(self.ws, self.ws.load(seed=self.seed), seed=self.seed,
                           source=f"variant --seed {self.seed}" if self.seed is not None else "")

    @cached_property
    def cells(self) -> list[layout.Cell]:
        """Every box, in sheet order."""
        return layout.cells(self.sheet, self.steps)

    @cached_property
    def items(self) -> dict[str, layout.Item]:
        """The boxed items by their name on the sheet."""
        return {it.name: it for it in self.sheet.boxes()}

    def words(self, item: str) -> tuple[str, ...]:
        """The words an argmax box may hold (none for a number box)."""
        return layout.words(self.items[item], self.steps)


def _printed_number(x: float) -> float:
    """What a student reads off a printed cell (the causal mask prints "-inf")."""
    text = layout.printed(float(x))[0]
    return float(text) if text.lstrip("-") == "inf" else check.parse_value(text, "printed")


def carry(case: Case, slip: str | None = None, table: bool = False) -> dict[str, np.ndarray]:
    """An honest student: each box from their own earlier boxes, rounded to 2 decimals,
    printed numbers as printed; ``slip`` (a box's label) is written 1 too high; ``table``:
    a power is read from the page's table at the entry nearest its exponent (exactly, from a
    table of whole exponents, whose entries are fractions).
    Item name -> the displayed matrix (NaN where not asked)."""
    steps, sheet = case.steps, case.sheet
    snaps = {n: v for page in sheet.pages for n, v in tables.snaps(page, steps).items()} if table else {}
    base = float(steps.meta.get("base", 3.0))
    exact = check.exact_values(steps)
    env = {k: v[0] for k, v in check.settings(steps).items()}
    boxed = {it.step: it for it in sheet.boxes()}
    printed = {it.step for _, it in sheet.items() if it.role == "grey"}
    out = {}
    for st in steps.entries():
        n = st.name
        if st.given or not st.formula or n in printed:
            env[n] = np.vectorize(_printed_number)(exact[n]) if n in printed else exact[n]
            continue
        tree = steps.formula(n).tree
        if n in snaps and tree[0] == "exp":
            D = snaps[n][0]
            x = np.floor(np.asarray(formula.evaluate(tree[2], env), float) * D + 0.5) / D
            # a table of whole exponents prints exact fractions (1, 1/3, 1/9 ...): read as such
            v = np.atleast_2d(base ** x if D == 1 else np.round(base ** x, 2))
        else:
            v = np.atleast_2d(formula.evaluate(tree, env))
        v = np.broadcast_to(v, exact[n].shape).astype(float).copy()
        if n in boxed:
            it = boxed[n]
            shown = np.full(layout.shown(it, steps)[0].shape, np.nan)
            asked = np.zeros(v.shape, dtype=bool)
            for c in (c for c in case.cells if c.step == n):
                x = round(float(v[c.index]), 2) + (1.0 if c.label == slip else 0.0)
                v[c.index] = shown[c.row, c.col] = x
                asked[c.index] = True
            if it.rest == "grey":
                v[~asked] = np.vectorize(_printed_number)(exact[n])[~asked]
            out[it.name] = shown
        env[n] = v
    return out


def decimals(x: float, words=()) -> str:
    """A number as a student writes it to 2 decimals (a word for a word's id)."""
    return layout.cell_text(x, words) if words else format_number(x, decimals=2)


def fraction(x: float, words=()) -> str:
    """``a/b``: the exact small fraction, else hundredths."""
    if words:
        return layout.cell_text(x, words)
    f = Fraction(x).limit_denominator(100)
    if abs(float(f) - x) > 1e-9:
        f = Fraction(round(x * 100), 100)
    return f"{f.numerator}/{f.denominator}"


def typed(case: Case, values: dict[str, np.ndarray], write=decimals, only=None) -> dict[tuple, str]:
    """What is typed in each box: ``(item, row, col) -> text`` ("" where blank)."""
    out = {}
    for c in case.cells:
        v = values.get(c.item)
        x = np.nan if v is None else v[c.row, c.col]
        keep = only is None or only(c)
        out[(c.item, c.row, c.col)] = write(float(x), case.words(c.item)) if keep and np.isfinite(x) else ""
    return out


def garbage(case: Case, rng: np.random.Generator) -> dict[tuple, str]:
    """Random 2-decimal numbers, blanks, odd but readable strings and unreadable ones."""
    out = {}
    for k, c in enumerate(case.cells):
        u = rng.random()
        if u < 0.12:
            text = UNREADABLE[k % len(UNREADABLE)]
        elif u < 0.2:
            text = ODD_BUT_READABLE[k % len(ODD_BUT_READABLE)]
        elif u < 0.3:
            text = ""
        else:
            text = format_number(round(float(rng.uniform(-3, 3)), 2), decimals=2)
        out[(c.item, c.row, c.col)] = text
    return out


def readable(text: str, words) -> bool:
    """Whether ``aibyhand check`` reads the text (it refuses the whole file otherwise)."""
    try:
        check.parse_value(text, "typed", words)
    except (WorksheetError, ValueError):
        return False
    return True


def python_marks(case: Case, answers: dict[tuple, str]):
    """check.mark on the same answers, every box read as check.read reads a file (a box
    that cannot be read is marked ``unreadable`` with its reason)."""
    mapping = {}
    for name, it in case.items.items():
        value, _, _ = layout.shown(it, case.steps)
        ask = layout.mask_of(it, case.steps)
        mapping[name] = [[answers[(name, r, c)] if ask[r, c] else "-" for c in range(value.shape[1])]
                         for r in range(value.shape[0])]
    boxes = check.read(case.sheet, case.steps, mapping, "typed")
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore", RuntimeWarning)     # garbage meets NaN and inf
        report = check.mark(case.sheet, case.steps, boxes)
    return {(m.cell.item, m.cell.row, m.cell.col): m for m in report.marks}


FILL = """(values) => {
  const by = new Map();
  document.querySelectorAll("input[data-step]").forEach(el =>
    by.set(el.dataset.step + "\\u0000" + el.dataset.row + "\\u0000" + el.dataset.col, el));
  for (const [step, row, col, text] of values) {
    const el = by.get(step + "\\u0000" + row + "\\u0000" + col);
    el.value = text;
    el.dispatchEvent(new Event("input", {bubbles: true}));
  }
  window.aibyhand.settle();
}"""

READ = """() => Array.from(document.querySelectorAll("input[data-step]"), el => [
  el.dataset.step, Number(el.dataset.row), Number(el.dataset.col), el.getAttribute("data-verdict"),
  el.hasAttribute("data-bad"), el.getAttribute("title") || ""])"""


def fill(tab, answers: dict[tuple, str]) -> dict[tuple, tuple]:
    """Type every answer (an input event each) and read back each input's verdict, bad mark and hint."""
    tab.evaluate(FILL, [[k[0], k[1], k[2], v] for k, v in answers.items()])
    return {(s, r, c): (v, bad, title) for s, r, c, v, bad, title in tab.evaluate(READ)}


def hint_text(case: Case, m: check.Mark) -> str:
    """The hint the page must show for a wrong box: its label, check.hint's nudge, its formula."""
    it = case.items[m.cell.item]
    uses = check.sheet_uses(case.sheet, case.steps, it.step)
    return (f"{m.cell.label}: {m.hint}. {it.name} = {check.formula_of(it, case.steps)}"
            + (f"; it uses {', '.join(uses)}" if uses else "") + ".")


TOKEN = re.compile(r"(?<![\w.])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?:/\d+)?(?!\w)")


def tokens(text: str) -> set[str]:
    """The numbers in a text, each as written (no sign)."""
    return set(TOKEN.findall(text))


def assert_same_marks(case: Case, answers: dict[tuple, str], got: dict[tuple, tuple], what: str) -> dict:
    """Hold the page's verdicts, unreadable marks and hints to check.mark on the same answers."""
    want = python_marks(case, answers)
    assert set(got) == set(want), f"{case.name} {case.seed}: the page's inputs are not the sheet's boxes"
    diff = [(key, got[key][0], m.verdict, answers[key]) for key, m in want.items() if got[key][0] != m.verdict]
    assert not diff, f"{case.name} seed {case.seed} {what}: page vs check (box, page, check, typed): {diff[:8]}"
    for key, text in answers.items():
        assert got[key][1] == (not readable(text, case.words(key[0]))), (case.name, what, key, text)
    for key, m in want.items():
        if m.verdict == "unreadable":
            assert got[key][2] == f"{m.cell.label}: cannot be read: {m.hint}.", (case.name, what, key)
        if m.verdict == "wrong":
            hint = got[key][2]
            assert hint == hint_text(case, m), (case.name, what, key)
            static = tokens(hint_text(case, m).replace(m.hint, "") + " ".join(NUDGES))
            assert not hidden(case, m.expected, m.cell.item) & (tokens(hint) - static), (case.name, key, hint)
    return want


def hidden(case: Case, x: float, item: str) -> set[str]:
    """The ways a box's value could be written out: as the key prints it, with 4 decimals,
    in full (as JSON has it). A whole number is looked for in full only ("6.0"): as "6" it
    is everywhere in a page's structure (data-row, grid rows)."""
    x = abs(float(x))
    forms = {layout.cell_text(x, case.words(item)), format_number(x, decimals=4), repr(x)}
    return {f for f in forms if not re.fullmatch(r"\d+", f)}


@pytest.fixture(scope="module")
def cases():
    """Every worksheet with its data, computed once for the module."""
    return {key: Case(*key) for key in CASES}


IDS = [f"{n}-{s if s is not None else 'file'}" for n, s in CASES]


def save(tab, folder) -> tuple:
    """Click the save button: the file's name and what it holds."""
    with tab.expect_download() as download:
        tab.click("#save")
    path = folder / download.value.suggested_filename
    download.value.save_as(path)
    return path, check.read_answers(path)


@pytest.mark.parametrize("key", CASES, ids=IDS)
def test_the_page_marks_every_box_as_check_does(browser, cases, tmp_path, key):
    """Five answer sets typed into the page give check.mark's verdicts, and each saved file reads back to them."""
    case = cases[key]
    path = tmp_path / f"{case.name}.html"
    path.write_text(case.html, encoding="utf-8")
    context = browser.new_context(accept_downloads=True)
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.goto(path.as_uri())
    try:
        assert {v for v, _, _ in fill(tab, {k: "" for k in typed(case, {})}).values()} == {""}
        file, _ = save(tab, tmp_path)
        assert file.name == f"answers-{case.name}-{slug('')}.toml"
        assert file.read_text(encoding="utf-8") == check.template(case.sheet, case.steps, worksheet=case.name,
                                                                   seed=case.seed)
        zoe = "Zoë O'Brien"
        tab.fill("#student", zoe)
        file, saved = save(tab, tmp_path)
        assert file.name == f"answers-{case.name}-{slug(zoe)}.toml"
        assert file.name.startswith(f"answers-{case.name}-zoë-o-brien-")
        assert saved["student"] == "Zoë O'Brien"
        tab.fill("#student", "")
        honest = carry(case)
        middle = case.cells[len(case.cells) // 2].label
        sets = {
            "honest": typed(case, honest),
            "one slip": typed(case, carry(case, slip=middle)),
            "first page": typed(case, honest, only=lambda c: c.item in first_page(case)),
            "last page, a slip": typed(case, carry(case, slip=case.cells[-1].label),
                                       only=lambda c: c.item in last_page(case)),
            "garbage": garbage(case, np.random.default_rng(len(case.cells) + (case.seed or 0))),
            "fractions": typed(case, honest, write=fraction),
            "from the tables": typed(case, carry(case, table=True)),
        }
        by_hand = HANDWORKED / f"{case.name}.toml"
        if case.seed is None and by_hand.exists():
            sets["worked by hand"] = from_file(case, check.read_answers(by_hand))
        seen = set()
        for what, answers in sets.items():
            got = fill(tab, answers)
            want = assert_same_marks(case, answers, got, what)
            seen |= {m.verdict for m in want.values()}
            file, saved = save(tab, tmp_path)
            assert saved.pop("worksheet") == case.name
            assert saved.pop("seed", None) == case.seed
            assert saved.pop("student") == ""
            for c in case.cells:
                cell = saved[c.item] if isinstance(saved[c.item], str) else saved[c.item][c.row][c.col]
                assert cell == answers[(c.item, c.row, c.col)], (what, c.label)
            with warnings.catch_warnings(), np.errstate(all="ignore"):
                warnings.simplefilter("ignore", RuntimeWarning)
                again = check.mark(case.sheet, case.steps, check.read(case.sheet, case.steps, saved, str(file)))
            assert [m.verdict for m in again.marks] == [got[(c.item, c.row, c.col)][0] for c in case.cells]
            if what == "one slip":
                assert [m.cell.label for m in want.values() if m.verdict == "wrong"] == [middle]
            if what in ("honest", "from the tables", "worked by hand"):
                assert {m.verdict for m in want.values()} == {"right"}, what
        assert seen >= {"right", "wrong", "follow", "unreadable", ""}, seen

        # typing for real (key events) re-marks too
        first = case.cells[0]
        box = tab.locator(f'input[data-step="{first.item}"][data-row="{first.row}"][data-col="{first.col}"]')
        box.fill("")
        box.press_sequentially(sets["honest"][(first.item, first.row, first.col)])
        assert box.get_attribute("data-verdict") == "right"
        assert re.fullmatch(r"\d+ of \d+ boxes right(, \d+ [a-z -]+)*", tab.inner_text("#progress"))
        assert not errors, errors
    finally:
        context.close()


HANDWORKED = Path(__file__).parent / "handworked"   # sheets a person worked from the page alone


def from_file(case: Case, data: dict) -> dict[tuple, str]:
    """An answers file's cells as typed into the page, each as the file writes it."""
    out = {}
    for c in case.cells:
        raw = data.get(c.item, "")
        cell = raw[c.row][c.col] if isinstance(raw, list) and isinstance(raw[0], list) else \
            raw[max(c.row, c.col)] if isinstance(raw, list) else raw
        out[(c.item, c.row, c.col)] = cell if isinstance(cell, str) else repr(cell)
    return out


def first_page(case: Case) -> set[str]:
    """The boxes on a sheet's first page."""
    return {it.name for k, it in case.sheet.items() if k == 1 and it.role == "box"}


def last_page(case: Case) -> set[str]:
    """The boxes on a sheet's last page (every box before them blank)."""
    last = len(case.sheet.pages)
    return {it.name for k, it in case.sheet.items() if k == last and it.role == "box"}


def shown_values(case: Case) -> set[str]:
    """Every number the page may legitimately carry: what the sheet prints (givens, grey
    cells, tables, titles, labels, settings), the exact givens and printed values, the
    formulas' numbers, and the page's own code."""
    steps, sheet = case.steps, case.sheet
    exact = check.exact_values(steps)
    printed = {it.step for _, it in sheet.items() if it.role == "grey"}
    texts = [page.asset("page.css"), page.asset("page.js"), *spelling.REASONS.values(), sheet.opening(), _sheet.settings_line(steps),
             case.ws.title, str(case.ws.number), steps.title, f"variant --seed {case.seed}",
             check.template(sheet, steps, worksheet=case.name, seed=case.seed),
             json.dumps({k: float(v[0]) for k, v in check.settings(steps).items()})]
    for k, pg in enumerate(sheet.pages, start=1):
        texts += [str(k), pg.title, pg.todo]
        for g in _sheet.page_tables(pg, steps):
            texts += [g.title, g.note, *g.rows, *g.cols, *(x for row in g.cells for x in row)]
    for _, it in sheet.items():
        value, rows, cols = layout.shown(it, steps)
        texts += [page.item_title(it, steps), *(rows or ()), *(cols or ()), *case.steps.uses(it.step)]
        ask = layout.mask_of(it, steps)
        style = hand_style(value)
        for (r, c), x in np.ndenumerate(value):
            if not ask[r, c]:
                texts.append(layout.cell_text(float(x), layout.words(it, steps), style))
                texts.append(repr(abs(float(x))))
    for st in steps.entries():
        if st.given or st.name in printed:
            texts += [repr(abs(float(x))) for x in exact[st.name].ravel()]
        elif st.formula:
            texts.append(json.dumps(steps.formula(st.name).to_json()))
    return {t.lstrip("-") for t in tokens("\n".join(texts))}


def leaked(case: Case, html: str) -> tuple[list, int]:
    """Box values the page shows that it has no business showing, and how many boxes had
    a form to look for (one the sheet does not print anyway)."""
    allowed = shown_values(case)
    on_page = tokens(html)
    exact = check.exact_values(case.steps)
    out, checked = [], 0
    for c in case.cells:
        forms = hidden(case, exact[c.step][c.index], c.item) - allowed
        checked += bool(forms)
        out += [(c.label, f) for f in forms & on_page]
    return out, checked


@pytest.mark.parametrize("key", CASES, ids=IDS)
def test_no_box_value_is_in_the_page(cases, key):
    """No box's value is in the page's HTML, in any form, unless the sheet prints it anyway."""
    case = cases[key]
    found, checked = leaked(case, case.html)
    assert not found, f"{case.name} seed {case.seed}: box values in the page: {found[:6]}"
    assert checked >= 0.5 * len(case.cells), f"only {checked} of {len(case.cells)} boxes could be checked"
    # the search finds a value that is there
    allowed = shown_values(case)
    exact = check.exact_values(case.steps)
    planted = [sorted(hidden(case, exact[c.step][c.index], c.item) - allowed) for c in case.cells]
    planted = next(f for f in planted if f)
    assert leaked(case, case.html + f'<td class="c g">-{planted[0]}</td>')[0]
    assert leaked(case, case.html + f'<script>{{"value":[[{planted[-1]}]]}}</script>')[0]
    # and the graph the script marks with has no value at any box
    graph = json.loads(re.search(r'<script type="application/json" id="graph">(.*?)</script>', case.html, re.S)[1])
    entries = {s["name"]: s for s in graph["steps"]}
    for c in case.cells:
        st = entries[c.step]
        assert "value" not in st and "tree" in st, c.label
        if "rest" in st:
            assert st["rest"][c.index[0]][c.index[1]] is None, c.label


FORMULAS = ["X + Y", "X - Y", "X * Y", "X / Y", "X / (Y - Y)", "X Z", "2 X", "X s", "s X", "X / s", "-X",
            "X^T", "3^(X)", "e^(X - c)", "X^2", "X^3", "log_3(X)", "ln(X * X)", "X[:2]", "X[:, 1:3]",
            "X[:, -1]", "X[1]", "X[-2:, :-1]", "[X | Y | c]", "norm(X)", "rowsum(X)", "colsum(X)", "rowmax(X)",
            "colmax(X)", "rowmean(X)", "sumall(X)", "mean(X)", "diag(X)", "sqrt(X)", "relu(X)", "positive(X)",
            "pad(X, 5)", "padcols(X, 6)", "repeat(rowsum(X), 3)", "atlast(c, 3)", "lookup(X, ids)",
            "scatter(X, ids, 5)", "argmax(X)", "argmax(Z)", "rank(X)", "rank(Z Z^T)", "Z^T Z - I", "I + W",
            "W I", "(X + c) / (r + 1)", "rowsum(3^(X - rowmax(X)))", "mean(-log_3(diag(W)))"]
BROKEN = ["pad(X, 2)", "X Y", "lookup(X, Y[:1] * 10)", "[X | Z]", "X + Z"]


def environment(rng):
    """Values for the formulas above: matrices, a row of ids, a setting (a 0-d number)."""
    values = {"X": rng.uniform(-2, 2, (3, 4)), "Y": rng.uniform(-2, 2, (3, 4)), "Z": rng.uniform(-2, 2, (4, 2)),
              "W": rng.uniform(0.2, 2, (2, 2)), "c": rng.uniform(-1, 1, (3, 1)), "r": rng.uniform(0, 1, (1, 4)),
              "ids": np.array([[2.0, 0.0, 3.0, 2.0]]), "s": np.array(0.5)}
    values["W"][1, 0] = values["W"][0, 0]          # a tie for argmax (within a column)
    return values


def test_the_script_computes_every_function_as_formula_does(browser, cases, tmp_path):
    """Point values and intervals, for every node kind and function (not only the ones the
    six sheets use), to 1e-12; a formula Python refuses, the script refuses too."""
    case = cases[("infonce", None)]
    path = tmp_path / "page.html"
    path.write_text(case.html, encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    tab.goto(path.as_uri())
    rng = np.random.default_rng(3)
    values = environment(rng)
    bounds = {k: (v, v) if k in ("ids", "s") else
              (v - rng.uniform(0, 0.3, v.shape), v + rng.uniform(0, 0.3, v.shape)) for k, v in values.items()}
    bounds["Y"][0][0, 0], bounds["Y"][1][0, 0] = -0.1, 0.2        # a divisor spanning zero
    names = {k: k for k in values}
    used = set()
    plain = {k: float(v) if v.ndim == 0 else v.tolist() for k, v in values.items()}
    plain_bounds = {k: [float(a) if a.ndim == 0 else a.tolist() for a in v] for k, v in bounds.items()}
    try:
        for text in FORMULAS:
            tree = formula.parse(text, names).tree
            used |= {n[1] for n in _nodes(tree) if n[0] == "call"} | {n[0] for n in _nodes(tree)}
            with np.errstate(all="ignore"):
                want = formula.evaluate(tree, values)
                lo, hi = formula.enclose(tree, bounds)
            got = tab.evaluate("([t, v]) => window.aibyhand.evaluate(t, v)", [_json(tree), plain])
            assert (got["nd"] == 0) == (np.ndim(want) == 0), text
            np.testing.assert_allclose(np.array(got["lo"], float), np.atleast_2d(want), rtol=1e-12, atol=1e-12,
                                       err_msg=text)
            got = tab.evaluate("([t, b]) => window.aibyhand.enclose(t, b)", [_json(tree), plain_bounds])
            np.testing.assert_allclose(np.array(got["lo"], float), np.atleast_2d(lo), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{text} (low)")
            np.testing.assert_allclose(np.array(got["hi"], float), np.atleast_2d(hi), rtol=1e-12, atol=1e-12,
                                       err_msg=f"{text} (high)")
        assert set(formula.FUNCTIONS) <= used
        for text in BROKEN:
            tree = formula.parse(text, names).tree
            with pytest.raises(Exception):
                with np.errstate(all="ignore"):
                    formula.evaluate(tree, values)
            with pytest.raises(Exception, match="FormulaError"):
                tab.evaluate("([t, v]) => { try { window.aibyhand.evaluate(t, v) } "
                             "catch (e) { throw new Error(e.name + ': ' + e.message) } }", [_json(tree), plain])
    finally:
        context.close()


def _nodes(tree):
    """Every node of a formula tree."""
    yield tree
    for x in tree[1:]:
        if isinstance(x, tuple) and x and isinstance(x[0], str):
            yield from _nodes(x)


def _json(tree):
    """A tree as the page carries it (tuples as lists, nothing else)."""
    return json.loads(json.dumps(formula.Formula("", tree, ()).to_json()))


def test_a_formula_the_script_cannot_compute_is_reported_not_thrown(browser, cases, tmp_path):
    """A formula that fails in the browser says so on the page; nothing is thrown."""
    case = cases[("infonce", None)]
    graph_re = re.compile(r'(<script type="application/json" id="graph">)(.*?)(</script>)', re.S)
    graph = json.loads(graph_re.search(case.html)[2])
    step = next(s for s in graph["steps"] if "tree" in s)
    step["tree"] = ["call", "pad", ["name", graph["steps"][0]["name"]], ["num", 1.0]]
    html = graph_re.sub(lambda m: m[1] + json.dumps(graph).replace("<", "\\u003c") + m[3], case.html)
    path = tmp_path / "broken.html"
    path.write_text(html, encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    try:
        tab.goto(path.as_uri())
        first = case.cells[0]
        tab.locator(f'input[data-step="{first.item}"][data-row="{first.row}"][data-col="{first.col}"]').fill("1")
        assert "cannot check this sheet" in tab.inner_text("#status")
        assert "pad" in tab.inner_text("#status")
        assert not errors, errors
    finally:
        context.close()


def test_typed_key_by_key_the_page_settles_to_checks_verdicts(browser, cases, tmp_path):
    """Real keys, no help: a box's own verdict comes at once, the boxes after it are marked
    again after the next frame, and the page ends where check.mark is; what was typed is
    still there after a reload."""
    case = cases[("mrl", None)]
    path = tmp_path / "mrl.html"
    path.write_text(case.html, encoding="utf-8")
    context = browser.new_context()
    tab = context.new_page()
    errors = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.goto(path.as_uri())
    try:
        honest = typed(case, carry(case))
        keys = [k for k in honest if honest[k]][:40]
        first = next(k for k in keys if k[0] == "m=2 / S")     # m=2 / pow, prob, loss_i come from it
        label = next(c.label for c in case.cells if (c.item, c.row, c.col) == first)
        answers = typed(case, carry(case, slip=label))
        for k in keys:
            text = honest[k] if k == first else answers[k]
            tab.locator(f'input[data-step="{k[0]}"][data-row="{k[1]}"][data-col="{k[2]}"]').fill(text)
        box = tab.locator(f'input[data-step="{first[0]}"][data-row="{first[1]}"][data-col="{first[2]}"]')
        box.fill("")
        box.press_sequentially(answers[first])
        assert box.get_attribute("data-verdict") == "wrong"
        tab.wait_for_timeout(300)
        now = {k: (v if k in keys else "") for k, v in answers.items()}
        now[first] = box.input_value()
        got = {(s, r, c): (v, bad, title) for s, r, c, v, bad, title in tab.evaluate(READ)}
        want = python_marks(case, now)
        assert {k: got[k][0] for k in want} == {k: m.verdict for k, m in want.items()}
        assert {m.verdict for m in want.values()} >= {"wrong", "follow"}
        tab.wait_for_timeout(400)                    # what is typed is kept a moment after typing stops
        tab.reload()
        again = {(s, r, c): v for s, r, c, v, _, _ in tab.evaluate(READ)}
        assert again == {k: got[k][0] for k in got}
        assert tab.locator(f'input[data-step="{first[0]}"][data-row="{first[1]}"][data-col="{first[2]}"]'
                           ).input_value() == now[first]
        assert not errors, errors
    finally:
        context.close()
