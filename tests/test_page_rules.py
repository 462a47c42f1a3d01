"""The page's script held to the marking rules on its own, in Chromium: the verdicts the
rules give (worked by hand on ``rulesheet.py``'s sheet, as ``test_marking_rules.py`` does for
Python), not the verdicts Python gives, so that a bug made the same way on both sides still
fails here. And its interval arithmetic, one operation or function at a time, sound and
tight against NumPy oracles (``intervalcases.py``), on random cases."""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from aibyhand import formula
from aibyhand.classroom import check, page

import intervalcases as IC
import rulesheet as R
from pagekit import browser, open_page  # noqa: F401  (browser: a fixture)

CELLS = {"u": ("u", 0, 0), "v": ("v", 0, 0), "v2": ("v2", 0, 0), "k2": ("k2", 0, 0), "y": ("y", 0, 0), "z": ("z", 0, 0),
         "k[1]": ("k", 0, 0), "k[2]": ("k", 0, 1), "r[1]": ("r", 0, 0), "r[2]": ("r", 0, 1),
         "r[3]": ("r", 0, 2), "c[1]": ("c", 0, 0), "c[2]": ("c", 1, 0), "c[3]": ("c", 2, 0)}

FILL = """(values) => {
  document.querySelectorAll("input[data-step]").forEach(el => { el.value = ""; });
  const by = new Map();
  document.querySelectorAll("input[data-step]").forEach(el =>
    by.set(el.dataset.step + "\\u0000" + el.dataset.row + "\\u0000" + el.dataset.col, el));
  for (const [step, row, col, text] of values) {
    const el = by.get(step + "\\u0000" + row + "\\u0000" + col);
    el.value = text;
  }
  for (const el of by.values()) el.dispatchEvent(new Event("input", {bubbles: true}));
  window.aibyhand.settle();
  return Array.from(document.querySelectorAll("input[data-step]"), el => [
    el.dataset.step, Number(el.dataset.row), Number(el.dataset.col), el.getAttribute("data-verdict"),
    el.getAttribute("title") || ""]);
}"""


@pytest.fixture(scope="module")
def tab(browser, tmp_path_factory):
    ctx, tab, errors = open_page(browser, page.render(R.WS, {}), tmp_path_factory.mktemp("rules"),
                                 accept_downloads=True)
    yield tab
    assert not errors, errors
    ctx.close()


def verdicts(tab, **written) -> dict[str, str]:
    """Type the boxes (cell id -> text; every other box blank): cell id -> the page's verdict."""
    values = [[*CELLS[cell], text] for cell, text in written.items()]
    got = {(s, r, c): v for s, r, c, v, _ in tab.evaluate(FILL, values)}
    assert set(got) == set(CELLS.values())
    return {cell: got[key] for cell, key in CELLS.items()}


def hints(tab, **written) -> dict[str, str]:
    values = [[*CELLS[cell], text] for cell, text in written.items()]
    got = {(s, r, c): t for s, r, c, _, t in tab.evaluate(FILL, values)}
    return {cell: got[key] for cell, key in CELLS.items()}


def test_the_exact_value_rounded_is_right_where_the_students_own_inputs_do_not_give_it(tab):
    """As in Python: u = 0.33, v = 33.00, v2 = 3.33 (the exact 3.333... rounded; the
    student's own v gives 3.2995 to 3.3005): all right. 3.30 right; 3.32 wrong."""
    got = verdicts(tab, u="0.33", v="33.00", v2="3.33")
    assert (got["u"], got["v"], got["v2"]) == ("right", "right", "right")
    assert {got[c] for c in CELLS if c not in ("u", "v", "v2")} == {""}
    assert verdicts(tab, u="0.33", v="33.00", v2="3.30")["v2"] == "right"
    assert verdicts(tab, u="0.33", v="33.00", v2="3.32")["v2"] == "wrong"
    assert verdicts(tab, u="0.33", v="33.00", v2="3.3382")["v2"] == "right"
    assert verdicts(tab, u="0.33", v="33.00", v2="3.3393")["v2"] == "wrong"


def test_a_box_worked_right_from_a_slip_is_follow_through_not_right(tab):
    got = verdicts(tab, u="1.33", v="133", v2="13.3")
    assert (got["u"], got["v"], got["v2"]) == ("wrong", "follow", "follow")
    assert tab.inner_text("#progress").startswith("0 of 14 boxes right, 2 follow-through, 1 wrong, 11 not done")
    assert verdicts(tab, u="1.33", v="33.33")["v"] == "right"
    assert verdicts(tab, u="1.33", v="134")["v"] == "wrong"


ALLOWANCE = 0.025     # check's docstring: "a blank box up to 0.025 from its value"


@pytest.mark.parametrize("y, verdict", [
    (33.72, "right"), (33.72 - 0.8 * ALLOWANCE, "right"), (33.72 + 0.8 * ALLOWANCE, "right"),
    (33.72 - 1.5 * ALLOWANCE, "wrong"), (33.72 + 1.5 * ALLOWANCE, "wrong"), (33.72 - 4 * ALLOWANCE, "wrong"),
    (34.0, "wrong"),
])
def test_a_blank_box_stands_for_its_value_within_its_allowance_and_no_more(tab, y, verdict):
    got = verdicts(tab, z=f"{2 * y:.4f}")
    assert got["y"] == "" and got["z"] == verdict, (y, got["z"])


@pytest.mark.parametrize("written, want", [
    (("1", "0"), ("right", "right")), (("2", "1"), ("right", "right")), (("0", "2"), ("wrong", "wrong")),
])
def test_either_tied_row_is_right_and_no_other(tab, written, want):
    got = verdicts(tab, **{"k[1]": written[0], "k[2]": written[1]})
    assert (got["k[1]"], got["k[2]"]) == want
    if "wrong" in want:
        assert hints(tab, **{"k[1]": written[0]})["k[1]"].startswith("k[1]: " + check.LARGEST_HINT)


def test_the_exact_row_is_right_where_the_students_own_values_rule_it_out(tab):
    """As in Python: after the honest v = 33.00 both row 0 (exact) and row 1 are right;
    with v blank, row 1 is wrong."""
    assert verdicts(tab, u="0.33", v="33.00", k2="0")["k2"] == "right"
    assert verdicts(tab, u="0.33", v="33.00", k2="1")["k2"] == "right"
    assert verdicts(tab, k2="0")["k2"] == "right" and verdicts(tab, k2="1")["k2"] == "wrong"


def test_the_row_a_slip_gives_is_follow_through_not_right(tab):
    assert verdicts(tab, v="32", k2="1")["k2"] == "follow"
    assert verdicts(tab, v="32", k2="0")["k2"] == "right"
    assert verdicts(tab, v="34", k2="1")["k2"] == "wrong"


def test_a_one_row_and_a_one_column_box_are_marked_cell_by_cell(tab):
    """The page shows r across and c down; each cell is marked against its own value."""
    got = verdicts(tab, **{"r[1]": "1", "r[2]": "6", "r[3]": "4.5", "c[1]": "3", "c[2]": "5", "c[3]": "4"})
    assert {got[c] for c in ("r[1]", "r[2]", "r[3]", "c[1]", "c[2]", "c[3]")} == {"right"}
    got = verdicts(tab, **{"r[1]": "6", "r[2]": "1", "c[1]": "5", "c[2]": "3"})
    assert {got[c] for c in ("r[1]", "r[2]", "c[1]", "c[2]")} == {"wrong"}


def test_a_name_of_60_characters_is_kept_and_saved_and_one_more_is_not_typed(tab, tmp_path):
    """The name box takes at most 60 characters (check's limit); a 60-character name is
    saved whole and check reads it; typing a 61st does nothing."""
    box = tab.locator("#student")
    assert box.get_attribute("maxlength") == str(check.NAME_LENGTH) == "60"
    box.fill("")
    box.press_sequentially("n" * 61)
    assert tab.eval_on_selector("#student", "el => el.value") == "n" * 60
    with tab.expect_download() as download:
        tab.click("#save")
    path = tmp_path / "a.toml"
    download.value.save_as(path)
    assert check.student_of(check.read_answers(path), str(path)) == "n" * 60
    box.fill("")


# -- the page's interval arithmetic -------------------------------------------------------

def plain(x):
    return float(x) if np.ndim(x) == 0 else np.asarray(x, float).tolist()


ENCLOSE = """([trees, bounds]) => trees.map((t, i) => {
  try { return window.aibyhand.enclose(t, bounds[i]); } catch (e) { return {error: e.name + ": " + e.message}; }
})"""


def enclose(tab, texts, bounds):
    trees = [formula.parse(t, IC.NAMES).to_json() for t in texts]
    got = tab.evaluate(ENCLOSE, [json.loads(json.dumps(trees)),
                                 [{k: [plain(a), plain(b)] for k, (a, b) in bd.items()} for bd in bounds]])
    out = []
    for g in got:
        assert "error" not in g, g
        out.append((np.array(g["lo"], dtype=float), np.array(g["hi"], dtype=float)))
    return out


@pytest.mark.parametrize("b", [(0.0, 1.0), (-1.0, 0.0), (-1.0, 1.0), (0.0, 0.0), (-0.5, 2.0)])
def test_division_by_an_interval_through_0_is_everything(tab, b):
    texts, bounds = [], []
    for a in ((1.0, 2.0), (-2.0, -1.0), (0.0, 0.0), (-1.0, 3.0)):
        texts.append("A / B")
        bounds.append({"A": (np.array([[a[0]]]), np.array([[a[1]]])), "B": (np.array([[b[0]]]), np.array([[b[1]]]))})
    for lo, hi in enclose(tab, texts, bounds):
        assert (lo[0, 0], hi[0, 0]) == (-math.inf, math.inf)
    (lo, hi), = enclose(tab, ["A / B"], [{"A": (np.array([[1.0]]), np.array([[2.0]])),
                                         "B": (np.array([[-4.0]]), np.array([[-0.5]]))}])
    assert (lo[0, 0], hi[0, 0]) == (-4.0, -0.25)


def test_argmax_of_a_tie_spans_the_tied_rows(tab):
    (lo, hi), (lo2, hi2) = enclose(tab, ["argmax(A)", "argmax(A)"], [
        {"A": (R.P, R.P)}, {"A": (np.array([[1.0], [0.0]]), np.array([[1.0], [1.0]]))}])
    np.testing.assert_array_equal(lo, [[1, 0]])
    np.testing.assert_array_equal(hi, [[2, 1]])
    np.testing.assert_array_equal(lo2, [[0]])      # a high end that only reaches the best low end
    np.testing.assert_array_equal(hi2, [[1]])


SEEDS = 16


def test_each_enclosure_is_sound_and_tight(tab):
    """SEEDS random cases of every operation and function (radii at every scale, and at
    0.005, 0.5 and 1), judged against the NumPy oracle's sampled values."""
    texts, bounds, draws = [], [], []
    for case in IC.CASES:
        for seed in range(SEEDS):
            rng = np.random.default_rng(1000 + seed)
            scale = (None, 0.005, 0.5, 1.0)[seed % 4]
            bd = IC.inputs(case, rng, scale)
            texts.append(case.text)
            bounds.append(bd)
            draws.append((case, seed, bd, rng))
    problems = []
    for (case, seed, bd, rng), (lo, hi) in zip(draws, enclose(tab, texts, bounds)):
        with np.errstate(all="ignore"):
            values = case.oracle(IC.samples(bd, rng))
        problem = IC.judge(case, lo, hi, values)
        if problem:
            problems.append(f"{case.text} (seed {seed}): {problem}")
    assert not problems, problems[:6]


# -- audit 2 survivors: the page's argmax on a tie (C5) and its sign hint (C10) ----------------

ARGMAX = "([t, v]) => window.aibyhand.evaluate(t, v)"


def test_argmax_of_a_tie_is_the_first_row_as_numpy(tab):
    """formula's docstring and the page's: argmax takes each column's first largest row,
    as NumPy. P's column 0 (1, 3, 3) ties rows 1 and 2: row 1; column 1 (2, 2, 1) ties
    rows 0 and 1: row 0. [[1], [1]]: row 0."""
    tree = json.loads(json.dumps(formula.parse("argmax(A)", {"A": "A"}).to_json()))
    for a, want in ((R.P, [[1, 0]]), (np.array([[1.0], [1.0]]), [[0]]), (np.array([[2.0, 0.0], [2.0, 0.0]]), [[0, 0]])):
        got = tab.evaluate(ARGMAX, [tree, {"A": plain(a)}])
        np.testing.assert_array_equal(np.array(got["lo"], float), want)


def test_no_sign_hint_where_the_value_is_whole(tab):
    """check.hint, on the page too: "check the sign" is not given where the value it
    points to is whole (it would give the answer away). c[1] = rowsum(P)[0] = 1 + 2 = 3:
    written -3, wrong, and no sign hint; r[3] = 3 * 1.5 = 4.5 written -4.5 gets one."""
    got = verdicts(tab, **{"c[1]": "-3"})
    assert got["c[1]"] == "wrong"
    assert "check the sign" not in hints(tab, **{"c[1]": "-3"})["c[1]"]
    assert hints(tab, **{"r[3]": "-4.5"})["r[3]"].startswith("r[3]: check the sign")
