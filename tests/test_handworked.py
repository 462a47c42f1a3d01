"""Sheets worked by hand, with only the printed page: the checker must mark them right.

Each file in ``tests/handworked/`` was filled in by an AI assistant acting as a student,
working the blank sheet of ``--seed 0`` from its page images alone: no package, no
calculator for powers, logs or roots (the page's tables), each box written to 2 decimals
or as a fraction, their own written values carried forward. Nothing here came from the
code under test, so the files pin both the sheet (it gives what the work needs) and the
checker (an honest student is right everywhere, also where they read a log or a power
from the page's table, and where they wrote an exact answer that their own rounded
inputs only approach).
"""

from __future__ import annotations

from pathlib import Path

import pytest

from aibyhand.classroom import catalog, check

HERE = Path(__file__).parent / "handworked"
FILES = sorted(HERE.glob("*.toml"))


def test_there_are_hand_worked_sheets():
    assert {f.stem for f in FILES} == {"decode", "embed", "infonce", "mrl", "finetune", "head"}


@pytest.mark.parametrize("path", FILES, ids=lambda p: p.stem)
def test_a_sheet_worked_by_hand_is_right_everywhere(path):
    ws = catalog.get(path.stem)
    steps = ws.steps(ws.load())
    report = check.check(ws.sheet, steps, path)
    n = report.counts()
    assert n["not done"] == 0, report.ids("")
    assert report.ids("wrong") == [] and report.ids("follow") == [], report.format(reveal=True)
    assert n["right"] == len(report.marks)
