"""Printed sheets a class can finish: sizes, no copy boxes, tables for every power, the
boxes drawn are the answers template's cells, every number on a key is the steps' number.
"""

import re
import sys
from fractions import Fraction

import numpy as np
import pytest

from aibyhand.classroom import build, catalog, check, layout, sheet, tables
from aibyhand.cli import key_answers

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

MAX_PAGES, MAX_BOXES, MAX_PER_PAGE = 4, 160, 52
SEEDS = (None, 1, 2, 3)


def cases():
    for ws in catalog.WORKSHEETS.values():
        for seed in SEEDS:
            yield pytest.param(ws, seed, id=f"{ws.name}-{'file' if seed is None else seed}")


def load(ws, seed):
    data = ws.load() if seed is None else ws.load(seed=seed)
    return data, ws.join(ws.run(data))


@pytest.fixture(scope="module")
def renders():
    return build.sheet_renders()


def test_committed_sheets_are_what_the_worksheet_files_regenerate(renders):
    stale = build.stale_sheets(write=False, renders=renders)
    assert not stale, f"stale: {stale}; run python -m aibyhand.classroom.build sheets"


def test_committed_worksheet_files_are_their_generators_seed_0():
    stale = build.stale_worksheets(write=False)
    assert not stale, f"stale: {stale}; run python -m aibyhand.classroom.build worksheets"


def test_all_six_worksheets_have_a_blank_sheet_and_a_key(renders):
    made = {(name, key) for _, _, name, key, _ in renders}
    assert made == {(name, key) for name in catalog.WORKSHEETS for key in (False, True)}
    assert len(catalog.WORKSHEETS) == 6


@pytest.mark.parametrize("ws, seed", list(cases()))
def test_a_sheet_a_class_can_finish(ws, seed):
    """At most 4 pages, 160 boxes, about 50 on a page; no box copies an earlier matrix,
    a given or its transpose; every power of 3 on a page is on one of its tables."""
    data, steps = load(ws, seed)
    layout.check_sheet(ws.sheet, steps)
    cells = layout.cells(ws.sheet, steps)
    assert len(ws.sheet.pages) <= MAX_PAGES
    assert len(cells) <= MAX_BOXES
    for k, page in enumerate(ws.sheet.pages, start=1):
        names = {it.name for row in page.slots for it in row if it is not None}
        assert sum(c.item in names for c in cells) <= MAX_PER_PAGE, (ws.name, k)
        assert not tables.problems(page, steps), (ws.name, k, tables.problems(page, steps))
    assert not layout.copies(ws.sheet, steps), layout.copies(ws.sheet, steps)
    figs, _ = sheet.worksheet_pages(ws, data)
    sheet.close(figs)
    assert len(figs) == len(ws.sheet.pages)


def template_cells(text: str) -> set:
    """The cells an answers template asks for, read back from the TOML a student gets."""
    raw = tomllib.loads(text)
    out = set()
    for name, value in raw.items():
        if name in check.META:
            continue
        rows = [[value]] if not isinstance(value, list) else value
        for r, row in enumerate(rows):
            for c, cell in enumerate(row):
                if cell == "":
                    out.add((name, r, c))
    return out


@pytest.mark.parametrize("ws, seed", list(cases()))
def test_the_boxes_drawn_empty_are_the_answers_templates_cells(ws, seed):
    data, steps = load(ws, seed)
    figs, drawn = sheet.worksheet_pages(ws, data)
    # what a person sees: every cell drawn is a box or a printed number (a cell the sheet does
    # not ask is not drawn, so no empty cell looks like a box to fill that is not one)
    cells = sum(1 for f in figs for ax in f.axes for p in ax.patches if abs(p.get_height() - sheet.CELL_H) < 1e-9)
    sheet.close(figs)
    assert cells == len(drawn)
    empty = {(name, r, c) for name, r, c, text in drawn if text == ""}
    assert empty == template_cells(check.template(ws.sheet, steps))
    assert empty == {(c.item, c.row, c.col) for c in layout.cells(ws.sheet, steps)}


def test_every_number_on_a_key_is_the_steps_and_every_box_is_filled(renders):
    for _, _, name, key, drawn in renders:
        ws = catalog.get(name)
        steps = ws.steps()
        items = {it.name: it for _, it in ws.sheet.items()}
        boxes = {(c.item, c.row, c.col) for c in layout.cells(ws.sheet, steps)}
        filled = set()
        for item, r, c, text in drawn:
            value = float(np.asarray(layout.shown(items[item], steps)[0], float)[r, c])
            assert text in ("", layout.cell_text(value, layout.words(items[item], steps))), (name, item, r, c)
            if text and (item, r, c) in boxes:
                filled.add((item, r, c))
            if not key and (item, r, c) in boxes:
                assert text == "", (name, item, r, c)   # a blank sheet never shows a box's value
        if key:
            assert filled == boxes, (name, boxes - filled)


def test_no_answer_is_written_in_a_label_on_the_blank_sheet():
    """The titles and instructions of a blank sheet never contain the printed value of a
    box (a value such as 0.47 or 5/13; whole numbers below 10 are left out: a formula's
    own constants are such numbers, as is 0.00, the rule for a power below the table)."""
    for ws in catalog.WORKSHEETS.values():
        steps = ws.steps()
        words = " ".join([ws.sheet.instructions] + [p.title + " " + p.todo for p in ws.sheet.pages]
                         + [sheet._title(it, steps) for _, it in ws.sheet.items()])
        for cell in layout.cells(ws.sheet, steps):
            item = next(it for it in ws.sheet.boxes() if it.name == cell.item)
            value = float(np.asarray(layout.shown(item, steps)[0], float)[cell.row, cell.col])
            text = layout.cell_text(value)
            shown = float(Fraction(text)) if re.fullmatch(r"-?[\d./]+", text) else None
            if shown is not None and shown.is_integer() and abs(shown) < 10:  # also "0.00"
                continue
            assert f" {text} " not in f" {words} ".replace("(", " ").replace(")", " "), (ws.name, cell.id, text)


@pytest.mark.parametrize("name", list(catalog.WORKSHEETS))
def test_the_key_as_an_answers_file_checks_all_right(name, tmp_path):
    ws = catalog.get(name)
    for seed in (None, 11):
        data, steps = load(ws, seed)
        text = key_answers(ws, steps, seed)
        report = check.check(ws.sheet, steps, tomllib.loads(text))
        n = report.counts()
        assert n["right"] == len(report.marks) and n["wrong"] == n["follow"] == n["not done"] == 0


def test_same_seed_same_sheet_bytes(tmp_path):
    ws = catalog.get("mrl")
    paths = []
    for k in range(2):
        figs, _ = sheet.worksheet_pages(ws, ws.load(seed=5), key=True, source="variant --seed 5")
        paths += sheet.save(figs, tmp_path / f"mrl{k}.pdf")
    assert paths[0].read_bytes() == paths[1].read_bytes()


def test_a_sheet_too_wide_for_its_page_is_refused_in_one_line():
    ws = catalog.get("infonce")
    rng = np.random.default_rng(0)
    data = {"A": rng.normal(size=(4, 40)), "P": rng.normal(size=(4, 40)), "temperature": 0.5, "base": 3}
    with pytest.raises(sheet.SheetError) as info:
        sheet.worksheet_pages(ws, data)
    assert "page 1" in str(info.value) and "\n" not in str(info.value)
