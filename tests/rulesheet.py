"""A small worksheet made for the marking rules: every number chosen so that one rule, and
only that rule, decides a box's verdict (the rule tests in Python and in the page share it).

Page 1: ``x = 1`` printed; ``u = x / 3``, ``v = 100 u``, ``v2 = v / 10`` boxed. An honest
student writes u = 0.33, v = 33.00 (100 x 0.33), and then ``v2`` written as its exact value
rounded, 3.33, lies outside what their own v allows (3.2995 to 3.3005): right only by the
rule "the exact value is right". ``k2 = argmax(v * E + G)`` compares 100 u with 33.2
(``E``, ``G`` given, not printed): exactly, row 0 (33.33 > 33.2); from the honest v = 33.00
(carried as 33.00 to 33.005) only row 1 can be largest, so row 0 is right only as the exact
value; after a slip v = 32 (wrong), row 1 is what the student's own v gives (follow-through)
while a student right so far would have row 0.

Page 2: ``t = 0.3372``, printed "0.34" (so within 0.005); ``y = 100 t``, ``z = 2 y`` boxed.
With y left blank, y stands for its value 33.72 within the blank-box allowance (0.025, as the
docstring of :mod:`aibyhand.classroom.check` says), although what 0.34 +- 0.005 allows for y is
33.5 to 34.5: z written from y = 33.70 (67.40) is right, from y = 33.6825 (67.365) wrong.
``P`` (whole numbers, printed exactly) has a tie at the top of each column; ``k = argmax(P)``;
``r`` is one row (1 x 3) and ``c`` one column (3 x 1), with different numbers in every cell,
for answers written as flat lists.
"""

from __future__ import annotations

import numpy as np

from aibyhand.classroom.layout import Page, Sheet, box, grey
from aibyhand.classroom.worksheet import Worksheet
from aibyhand.steps import Steps

T = 0.3372            # printed 0.34
P = np.array([[1.0, 2.0], [3.0, 2.0], [3.0, 1.0]])   # column 0: rows 1 and 2 tie; column 1: rows 0 and 1


def compute(_data):
    s = Steps("Marking rules", {"base": 3.0})
    x = s.given("x", np.array([[1.0]]))
    t = s.given("t", np.array([[T]]))
    p = s.given("P", P)
    u = s.add("u", x / 3, "x / 3")
    v = s.add("v", 100 * u, "100 u")
    s.add("v2", v / 10, "v / 10")
    e = s.given("E", np.array([[1.0], [0.0]]))
    g = s.given("G", np.array([[0.0], [33.2]]))
    s.add("k2", np.argmax(v * e + g, axis=0)[None, :].astype(float), "argmax(v * E + G)")
    y = s.add("y", 100 * t, "100 t")
    s.add("z", 2 * y, "2 y")
    s.add("k", np.argmax(p, axis=0)[None, :].astype(float), "argmax(P)")
    s.add("r", p[:, :1].T * np.array([[1.0, 2.0, 1.5]]), "P^T[:1] * [1 | 2 | 1.5]")
    s.add("c", p.sum(axis=1, keepdims=True), "rowsum(P)")
    return [s]


SHEET = Sheet((
    Page("Drift", "Work down the page.", ((grey("x"), box("u"), box("v"), box("v2"), box("k2")),)),
    Page("Blanks, ties, one row, one column", "Work down the page.",
         ((grey("t"), box("y"), box("z")), (), (grey("P"), box("k"), box("r"), box("c")))),
))

WS = Worksheet("rules", 99, "Marking rules", "the checker's rules, one box each", {}, compute, SHEET)


def steps() -> Steps:
    return WS.steps({})


def boxes(**written) -> dict[str, np.ndarray]:
    """Item name -> the matrix written (a number for a 1 x 1 box; NaN: blank)."""
    shapes = {"u": (1, 1), "v": (1, 1), "v2": (1, 1), "y": (1, 1), "z": (1, 1), "k": (1, 2), "k2": (1, 1),
              "r": (1, 3), "c": (3, 1)}
    return {k: np.array(v, dtype=float).reshape(shapes[k]) for k, v in written.items()}
