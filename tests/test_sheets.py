"""Printable sheets: committed files are fresh, every number on a key is the module's."""

from fractions import Fraction

import numpy as np
import pytest

from aibyhand import build, catalog, check, sheet


@pytest.fixture(scope="module")
def renders():
    return build.sheet_renders()


def test_committed_sheets_are_what_the_worksheet_files_regenerate(renders):
    stale = build.stale_sheets(write=False, renders=renders)
    assert not stale, f"stale: {stale}; run python -m aibyhand.build sheets"


def test_all_six_worksheets_have_a_blank_sheet_and_a_key(renders):
    made = {(name, key) for _, _, name, key, _ in renders}
    assert made == {(name, key) for name in catalog.WORKSHEETS for key in (False, True)}
    assert len(catalog.WORKSHEETS) == 6


def parse(text: str) -> float:
    return float(Fraction(text)) if "\u221e" not in text else -np.inf


def test_every_number_on_a_key_is_the_steps_number(renders):
    """Read back from what was drawn: each number equals the step's value at its place
    (up to the sheet's two decimals), and every cell the student computes is filled."""
    for _, _, name, key, drawn in renders:
        if not key:
            continue
        ws = catalog.get(name)
        steps = ws.steps(sheet=True)
        filled = set()
        for step_name, index, text in drawn:
            value = float(check._sheet_value(steps[step_name])[index])
            assert text.replace("\u221e", "inf") == sheet.format_number(value, hand=True), (name, step_name, index)
            assert abs(parse(text) - value) <= 0.005 or parse(text) == value, (name, step_name, index, text)
            filled.add((step_name, index))
        for cell in check.cells(steps):
            for index in np.ndindex(*check._sheet_value(steps[cell]).shape):
                assert (cell, index) in filled, (name, cell, index)


def test_a_blank_sheet_shows_given_numbers_only(renders):
    for _, _, name, key, drawn in renders:
        if key:
            continue
        steps = catalog.get(name).steps(sheet=True)
        leaked = {step_name for step_name, _, _ in drawn if not steps.step(step_name).given}
        assert not leaked, (name, leaked)


def test_a_variant_passes_check_against_its_own_key():
    """The numbers on a --seed variant's key, as a student would copy them, are right."""
    for ws in catalog.WORKSHEETS.values():
        data = ws.variant(11)
        figs, drawn = sheet.worksheet_pages(ws, data, key=True)
        sheet.close(figs)
        answers = {}
        steps = ws.steps(data, sheet=True)
        for name in check.cells(steps):
            answers[name] = np.zeros(check._sheet_value(steps[name]).shape).tolist()
        for name, index, text in drawn:
            if name in answers:
                cell = answers[name]
                if index == ():
                    answers[name] = text
                elif len(index) == 2:
                    cell[index[0]][index[1]] = text.replace("\u221e", "inf")
        report = check.check(steps, answers)
        assert report.ok, (ws.name, report.format())


def test_same_seed_same_sheet_bytes(tmp_path):
    ws = catalog.get("infonce")
    paths = []
    for k in range(2):
        figs, _ = sheet.worksheet_pages(ws, ws.variant(5), key=True, source="variant --seed 5")
        paths += sheet.save(figs, tmp_path / f"infonce{k}.pdf")
    assert paths[0].read_bytes() == paths[1].read_bytes()
