"""Every rule the README and the docstrings state about marking, one test each, in Python
(``test_page_rules.py`` holds the page's script to the same rules, box by box).

The expected verdicts are the rules' own, worked out by hand on the small sheet of
``rulesheet.py`` (its docstring gives the numbers), never taken from the checker.
"""

from __future__ import annotations

import json
import math

import numpy as np
import pytest

from aibyhand import formula
from aibyhand.classroom import check, classview
from aibyhand.classroom.worksheet import WorksheetError

import rulesheet as R


@pytest.fixture(scope="module")
def steps():
    return R.steps()


def verdicts(steps, **written) -> dict[str, str]:
    """Cell id -> verdict, for the boxes written (the rest are blank)."""
    report = check.mark(R.SHEET, steps, R.boxes(**written))
    return {m.cell.id: m.verdict for m in report.marks}


def mark_of(steps, cell: str, **written) -> check.Mark:
    return next(m for m in check.mark(R.SHEET, steps, R.boxes(**written)).marks if m.cell.id == cell)


# -- the exact value is right ------------------------------------------------------------

def test_the_exact_value_rounded_is_right_where_the_students_own_inputs_do_not_give_it(steps):
    """u = 0.33 and v = 33.00 (100 x 0.33) are right; v2 = v / 10 written 3.33, the exact
    3.333... rounded, is right although the student's own v gives 3.2995 to 3.3005."""
    got = verdicts(steps, u=0.33, v=33.0, v2=3.33)
    assert got == {"u": "right", "v": "right", "v2": "right", "k2": "", "y": "", "z": "", "k[1]": "", "k[2]": "",
                   "r[1]": "", "r[2]": "", "r[3]": "", "c[1]": "", "c[2]": "", "c[3]": ""}
    m = mark_of(steps, "v2", u=0.33, v=33.0, v2=3.33)
    assert not (m.follow[0] - check.RHO <= 3.33 <= m.follow[1] + check.RHO), m.follow  # the rule decides
    assert m.expected == pytest.approx(10 / 3)
    # and what the student's own v gives is right too; a value neither gives is wrong
    assert verdicts(steps, u=0.33, v=33.0, v2=3.30)["v2"] == "right"
    assert verdicts(steps, u=0.33, v=33.0, v2=3.32)["v2"] == "wrong"


def test_the_exact_value_is_right_only_within_rounding(steps):
    """3.333... written 3.3383 is right (within 0.005); 3.3393 is not (and is not what
    the student's own v = 33.00 gives either)."""
    assert verdicts(steps, u=0.33, v=33.0, v2=10 / 3 + 0.0049)["v2"] == "right"
    assert verdicts(steps, u=0.33, v=33.0, v2=10 / 3 + 0.006)["v2"] == "wrong"


# -- follow-through is not right -----------------------------------------------------------

def test_a_box_worked_right_from_a_slip_is_follow_through_not_right(steps):
    """u slipped to 1.33: wrong. v = 133 and v2 = 13.3, worked right from it: follow-through
    (not right, not wrong). v = 33.33, the exact chain's, after the slip: right."""
    got = verdicts(steps, u=1.33, v=133.0, v2=13.3)
    assert (got["u"], got["v"], got["v2"]) == ("wrong", "follow", "follow")
    report = check.mark(R.SHEET, steps, R.boxes(u=1.33, v=133.0, v2=13.3))
    assert report.counts()["follow"] == 2 and report.counts()["right"] == 0
    assert not report.ok and report.first_wrong.cell.id == "u"
    assert verdicts(steps, u=1.33, v=33.33)["v"] == "right"
    assert verdicts(steps, u=1.33, v=134.0)["v"] == "wrong"


# -- a blank box stands for its value within its allowance --------------------------------

ALLOWANCE = 0.025     # check's docstring: "a blank box up to 0.025 from its value"


def test_the_allowance_is_what_the_docstring_says():
    assert check.SKIPPED == pytest.approx(ALLOWANCE) and check.RHO == pytest.approx(0.005)
    assert "a blank box up to 0.025 from its value" in " ".join(check.__doc__.split())


@pytest.mark.parametrize("y, verdict", [
    (33.72, "right"),                        # the value itself
    (33.72 - 0.8 * ALLOWANCE, "right"),      # within the allowance, both ways
    (33.72 + 0.8 * ALLOWANCE, "right"),
    (33.72 - 1.5 * ALLOWANCE, "wrong"),      # off by more (though 0.34 +- 0.005 allows y from 33.5 to 34.5)
    (33.72 + 1.5 * ALLOWANCE, "wrong"),
    (33.72 - 4 * ALLOWANCE, "wrong"),
    (34.0, "wrong"),                         # 100 x the printed 0.34: more than the allowance away
])
def test_a_blank_box_stands_for_its_value_within_its_allowance_and_no_more(steps, y, verdict):
    """y = 100 t left blank; z = 2 y worked from a y on scrap paper."""
    got = verdicts(steps, z=round(2 * y, 4))
    assert got["y"] == "" and got["z"] == verdict, (y, got["z"])


# -- argmax on ties ---------------------------------------------------------------------

def test_could_be_largest_includes_every_tied_row_of_point_intervals():
    lo = np.array([[1.0, 2.0], [3.0, 2.0], [3.0, 1.0]])
    np.testing.assert_array_equal(formula.could_be_largest(lo, lo),
                                  [[False, True], [True, True], [True, False]])
    # an interval whose high end only reaches the best low end could be largest too
    np.testing.assert_array_equal(formula.could_be_largest([[1.0], [0.0]], [[1.0], [1.0]]), [[True], [True]])
    np.testing.assert_array_equal(formula.could_be_largest([[1.0], [0.0]], [[1.0], [0.999]]), [[True], [False]])


def test_argmax_of_a_tie_spans_the_tied_rows():
    tree = formula.parse("argmax(P)", {"P": "P"}).tree
    lo, hi = formula.enclose(tree, {"P": (R.P, R.P)})
    np.testing.assert_array_equal(lo, [[1, 0]])
    np.testing.assert_array_equal(hi, [[2, 1]])
    np.testing.assert_array_equal(formula.evaluate(tree, {"P": R.P}), [[1, 0]])   # the first on a tie


@pytest.mark.parametrize("written, want", [
    ([1, 0], ("right", "right")),     # the first of each tie: the exact value
    ([2, 1], ("right", "right")),     # the other tied row: right too
    ([0, 2], ("wrong", "wrong")),     # a row below the top
])
def test_either_tied_row_is_right_and_no_other(steps, written, want):
    got = verdicts(steps, k=written)
    assert (got["k[1]"], got["k[2]"]) == want
    if "wrong" in want:
        assert mark_of(steps, "k[1]", k=written).hint == check.LARGEST_HINT


def test_the_exact_row_is_right_where_the_students_own_values_rule_it_out(steps):
    """k2 = argmax(v * E + G): from the honest v = 33.00 only row 1 can be largest; row 0,
    the exact argmax, is right all the same, and so is row 1."""
    assert verdicts(steps, u=0.33, v=33.0, k2=0)["k2"] == "right"
    assert verdicts(steps, u=0.33, v=33.0, k2=1)["k2"] == "right"
    assert verdicts(steps, k2=0)["k2"] == "right" and verdicts(steps, k2=1)["k2"] == "wrong"


def test_the_row_a_slip_gives_is_follow_through_not_right(steps):
    """After v = 32 (wrong), row 1 is what the student's own v gives: follow-through; row 0,
    what a student right so far has: right. After v = 34, row 1 is neither."""
    assert verdicts(steps, v=32.0, k2=1) == {**verdicts(steps, v=32.0), "k2": "follow"}
    assert verdicts(steps, v=32.0, k2=0)["k2"] == "right"
    assert verdicts(steps, v=34.0, k2=1)["k2"] == "wrong"


# -- division by an interval through 0 ------------------------------------------------------

@pytest.mark.filterwarnings("ignore:All-NaN slice")
@pytest.mark.parametrize("b", [(0.0, 1.0), (-1.0, 0.0), (-1.0, 1.0), (0.0, 0.0), (-0.5, 2.0)])
@pytest.mark.parametrize("a", [(1.0, 2.0), (-2.0, -1.0), (0.0, 0.0), (-1.0, 3.0)])
def test_division_by_an_interval_through_0_is_everything(a, b):
    tree = formula.parse("A / B", {"A": "A", "B": "B"}).tree
    with np.errstate(all="ignore"):
        lo, hi = formula.enclose(tree, {"A": tuple(np.array([[x]]) for x in a),
                                        "B": tuple(np.array([[x]]) for x in b)})
    assert (float(lo[0, 0]), float(hi[0, 0])) == (-math.inf, math.inf)


def test_division_by_an_interval_away_from_0_is_finite():
    tree = formula.parse("A / B", {"A": "A", "B": "B"}).tree
    lo, hi = formula.enclose(tree, {"A": (np.array([[1.0]]), np.array([[2.0]])),
                                    "B": (np.array([[-4.0]]), np.array([[-0.5]]))})
    assert (float(lo[0, 0]), float(hi[0, 0])) == (-4.0, -0.25)


# -- flat lists for a 1-row and a 1-column box --------------------------------------------

def test_a_one_row_and_a_one_column_box_may_be_written_as_flat_lists(steps):
    """r is 1 x 3 and c is 3 x 1 on the sheet: each may be written [a, b, c]; the row goes
    across, the column down, every number to its own cell."""
    got = check.read(R.SHEET, steps, {"r": [1.0, 6.0, 4.5], "c": [3.0, 5.0, 4.0]}, "answers")
    np.testing.assert_array_equal(got.values["r"], [[1.0, 6.0, 4.5]])
    np.testing.assert_array_equal(got.values["c"], [[3.0], [5.0], [4.0]])
    report = check.mark(R.SHEET, steps, got)
    assert {m.cell.id: m.verdict for m in report.marks if m.cell.item in ("r", "c")} == {
        "r[1]": "right", "r[2]": "right", "r[3]": "right", "c[1]": "right", "c[2]": "right", "c[3]": "right"}
    # as rows, the same
    again = check.read(R.SHEET, steps, {"r": [[1.0, 6.0, 4.5]], "c": [[3.0], [5.0], [4.0]]}, "answers")
    np.testing.assert_array_equal(again.values["r"], got.values["r"])
    np.testing.assert_array_equal(again.values["c"], got.values["c"])
    # a flat list of the wrong length is refused, with the shape the sheet has
    for key, raw in (("r", [1.0, 6.0]), ("c", [3.0, 5.0, 4.0, 1.0])):
        with pytest.raises(WorksheetError, match="expected 1 rows of 3|expected 3 rows of 1"):
            check.read(R.SHEET, steps, {key: raw}, "answers")


# -- names at the length limit ------------------------------------------------------------

@pytest.mark.parametrize("name", ["x" * 60, "é" * 60, "Ana " + "b" * 56])
def test_a_name_of_exactly_60_characters_is_read(name):
    assert check.NAME_LENGTH == 60
    assert check.student_of({"student": name}, "a.toml") == name


@pytest.mark.parametrize("name", ["x" * 61, "é" * 61])
def test_a_name_one_over_is_refused(name):
    with pytest.raises(WorksheetError, match="at most 60 characters"):
        check.student_of({"student": name}, "a.toml")


def test_an_id_at_the_limit_is_read_and_one_over_refused():
    assert check.student_of({"id": "7" * 60}, "a.toml", key="id") == "7" * 60
    with pytest.raises(WorksheetError, match="expected an id"):
        check.student_of({"id": "7" * 61}, "a.toml", key="id")


# -- formula names where one is a prefix of another ---------------------------------------

@pytest.mark.parametrize("names", [("S", "S'"), ("S'", "S")])
def test_the_longest_name_is_read_first(names):
    scope = {n: n for n in names}
    assert formula.parse("S' - S", scope).tree == ("sub", ("name", "S'"), ("name", "S"))
    assert formula.parse("S S'", scope).tree == ("matmul", ("name", "S"), ("name", "S'"))
    assert formula.parse("S'^T", scope).tree == ("T", ("name", "S'"))
    assert formula.parse("S' - S", scope).uses == ("S'", "S")


def test_a_level_name_that_starts_another_is_read_whole():
    """|A| and A, m=4 / dA and dA, A_hat and A: each the longest name that matches."""
    scope = {n: n for n in ("A", "|A|", "A_hat", "dA", "m=4 / dA")}
    assert formula.parse("A_hat / |A| + m=4 / dA - dA A", scope).tree == (
        "sub", ("add", ("div", ("name", "A_hat"), ("name", "|A|")), ("name", "m=4 / dA")),
        ("matmul", ("name", "dA"), ("name", "A")))


# -- the class summary's order ------------------------------------------------------------

def test_missed_most_is_most_first_then_in_sheet_order_as_printed(steps):
    """Wrong boxes: ana v2 and k; ben v2 and z; cai u, v2 and z; dee r. So v2 (3), z (2),
    then u, k, r (1 each) in the sheet's order: not alphabetical, not reversed."""
    wrong = {"ana": dict(u=0.33, v=33.0, v2=9.0, k=[0, 2]), "ben": dict(u=0.33, v=33.0, v2=9.0, z=1.0),
             "cai": dict(u=5.0, v=500.0, v2=9.0, z=1.0), "dee": dict(r=[9.0, 9.0, 9.0])}
    hand_ins = [classview.HandIn(f"/x/{who}.toml", who, "", None, check.mark(R.SHEET, steps, R.boxes(**w)))
                for who, w in wrong.items()]
    meant = {"ana": {"v2", "k"}, "ben": {"v2", "z"}, "cai": {"u", "v2", "z"}, "dee": {"r"}}
    for h in hand_ins:   # the wrong boxes are the ones meant
        assert {m.cell.item for m in h.report.marks if m.verdict == "wrong"} == meant[h.student]
    assert classview.missed_most(hand_ins) == [("v2", 3), ("z", 2), ("u", 1), ("k", 1), ("r", 1)]
    text = classview.summary(hand_ins)
    lines = text.splitlines()
    head = lines.index("missed most (students with a wrong box there, of 4 read):")
    assert lines[head + 1:] == ["    3  v2", "    2  z", "    1  u", "    1  k", "    1  r"]
    as_json = json.loads(classview.json_text(hand_ins))
    assert [e["wrong"] for e in as_json] == [["v2", "k[1]", "k[2]"], ["v2", "z"], ["u", "v2", "z"],
                                             ["r[1]", "r[2]", "r[3]"]]
