"""Printed sheets a class can finish: sizes, no copy boxes, tables for every power, the
boxes drawn are the answers template's cells, every number on a key is the steps' number.
"""

import math
import re
import sys
from fractions import Fraction

import numpy as np
import pytest

from aibyhand.classroom import build, catalog, check, layout, sheet, stats, tables
from aibyhand.cli import key_answers
from aibyhand.steps import hand_style

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
    cells = sum(1 for f in figs for p in f.artists if p.get_gid() == "cell")
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
            matrix = np.asarray(layout.shown(items[item], steps)[0], float)
            value = float(matrix[r, c])
            expected = layout.cell_text(value, layout.words(items[item], steps), hand_style(matrix))
            assert text in ("", expected), (name, item, r, c)
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


# -- print: paper, type, boxes, labels, tables, blank space ------------------------------

PAPERS = {"a4": (595, 842), "letter": (612, 792)}
PRINTED = [(name, seed, paper) for name in catalog.WORKSHEETS for seed, paper in
           ((None, "a4"), (7, "a4"), (None, "letter"), (23, "letter"))]
CM = 1 / 2.54


def blank_share(fig, dpi: int = 30) -> float:
    """The share of a page's pixel rows (between the header band, the top 8%, and the
    name line, the bottom 6%) in blank runs taller than 3% of the page: what
    ``sheet_print.py`` measures on the PDF, here on the figure drawn at 30 dpi."""
    import io

    buf = io.BytesIO()
    fig.savefig(buf, format="raw", dpi=dpi)
    raw = np.frombuffer(buf.getvalue(), dtype=np.uint8)
    w = int(fig.get_size_inches()[0] * dpi)
    h = raw.size // (4 * w)
    rgba = raw.reshape(h, w, 4)[..., :3].astype(float)
    gray = rgba @ np.array([0.299, 0.587, 0.114])
    ink = (gray[int(h * 0.08):int(h * 0.94)] < 200).any(axis=1)
    run = empty = 0
    for x in list(ink) + [True]:
        if not x:
            run += 1
            continue
        if run > 0.03 * h:
            empty += run
        run = 0
    return empty / len(ink)


def type_sizes(pdf: bytes) -> list:
    """Each page's size in points and how many characters it prints at each type size,
    read from the PDF's text (font size times the text matrix's scale), as
    ``sheet_print.py`` reads them."""
    import io
    from collections import Counter

    from pypdf import PdfReader

    out = []
    for page in PdfReader(io.BytesIO(pdf)).pages:
        sizes = Counter()

        def visit(text, cm, tm, font, size):
            t = text.strip()
            if t:
                scale = abs(tm[3] * cm[3]) or abs(tm[0] * cm[0]) or 1
                sizes[round(size * scale, 1)] += len(t)
        page.extract_text(visitor_text=visit)
        out.append((tuple(round(float(x)) for x in page.mediabox[2:]), sizes))
    return out


@pytest.fixture(scope="module")
def printed():
    """Blank sheets as printed, on both papers: ``(name, seed, paper) -> record``, each
    page's type sizes and paper size (from the PDF), blank share, box sizes and texts
    (from the figures drawn)."""
    import io

    out = {}
    for name, seed, paper in PRINTED:
        ws = catalog.get(name)
        data = ws.load() if seed is None else ws.load(seed=seed)
        figs, _ = sheet.worksheet_pages(ws, data, paper=paper, source=f"--seed {seed or 0}")
        boxes = [[(p.get_width(), p.get_height()) for p in f.artists
                  if p.get_gid() == "cell" and p.get_facecolor()[:3] == (1.0, 1.0, 1.0)] for f in figs]
        texts = [[t.get_text() for t in f.texts] for f in figs]
        blank = [blank_share(f) for f in figs]
        pdf = io.BytesIO()
        sheet.save_pdf(figs, pdf)
        sheet.close(figs)
        out[name, seed, paper] = {"sizes": type_sizes(pdf.getvalue()), "blank": blank, "boxes": boxes,
                                  "texts": texts}
    return out


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: f"{c[0]}-{c[1] or 0}-{c[2]}")
def test_a_sheet_prints_on_its_paper_in_large_type(printed, case):
    """Every page is the paper asked for; every character on it is 8 pt or more and at
    least 90% of them 9 pt or more, read from the PDF."""
    for k, ((w, h), sizes) in enumerate(printed[case]["sizes"], start=1):
        assert (w, h) == PAPERS[case[2]], (case, k)
        total = sum(sizes.values())
        assert total > 200, (case, k)   # the page's text was read
        assert min(sizes) >= 8, (case, k, sorted(sizes.items())[:3])
        assert sum(n for pt, n in sizes.items() if pt >= 8.95) / total >= 0.9, (case, k, sizes)


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: f"{c[0]}-{c[1] or 0}-{c[2]}")
def test_a_box_has_room_for_a_pencils_number(printed, case):
    """Every box to fill is at least 1.1 x 0.8 cm: room to write -0.25 in pencil."""
    boxes = [b for page in printed[case]["boxes"] for b in page]
    assert len(boxes) >= len(layout.cells(catalog.get(case[0]).sheet, load(catalog.get(case[0]), case[1])[1]))
    assert min(w for w, _ in boxes) >= 1.1 * CM - 1e-9 and min(h for _, h in boxes) >= 0.8 * CM - 1e-9


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: f"{c[0]}-{c[1] or 0}-{c[2]}")
def test_no_page_but_the_last_is_more_than_40_percent_blank(printed, case):
    blank = printed[case]["blank"]
    assert all(b <= 0.40 for b in blank[:-1]), (case, [round(b, 2) for b in blank])


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: f"{c[0]}-{c[1] or 0}-{c[2]}")
def test_the_header_says_how_long_and_the_opening_how_to_round(printed, case):
    ws = catalog.get(case[0])
    steps = load(ws, case[1])[1]
    first = printed[case]["texts"][0]
    assert any(f"about {stats.minutes(ws, steps=steps)} minutes" in t for t in first), first[:3]
    opening = " ".join(first).replace("\u00a0", " ")
    assert "Round to 2 decimals; a 5 in the third place may go either way" in opening


@pytest.mark.parametrize("case", PRINTED, ids=lambda c: f"{c[0]}-{c[1] or 0}-{c[2]}")
def test_no_code_notation_without_words_on_a_blank_sheet(printed, case):
    """"the first 2 rows of Y", not "Y[:2]" alone; "widths 4 and 2", not "dims (4, 2)"."""
    for k, texts in enumerate(printed[case]["texts"], start=1):
        for t in texts:
            assert not re.search(r"\bdims\b|pad\(|\(\d+, \d+", t), (case, k, t)
            if re.search(r"\[[^\]]*:[^\]]*\]", t):
                assert re.search(r"the first \d+ rows", t), (case, k, t)


def plans(name: str):
    """The layout of every seed 0-31 on both papers: ``(seed, paper, steps, plans)``."""
    ws = catalog.get(name)
    for seed in range(32):
        steps = ws.join(ws.run(ws.load(seed=seed)))
        for paper in PAPERS:
            yield seed, paper, steps, sheet.plan(ws.sheet, steps, settings=sheet.settings_line(steps), paper=paper)


@pytest.mark.parametrize("name", list(catalog.WORKSHEETS))
def test_every_seed_lays_out_at_full_size_with_labels_whole_formulas_and_tables_by_their_boxes(name):
    """Seeds 0-31 on A4 and Letter, at scale 1 or more (every page fits at the smallest
    print, or plan refuses): every matrix labels each drawn row and column (one of a single
    row or column may go without); a box's heading keeps its formula on one line; each
    table sits by the boxes that use it: to their right, level with them or in a column of
    tables starting at most ``sheet.NEAR`` below them, or under them, at most that far below; and a sheet prints one layout of each kind of table."""
    for seed, paper, steps, pps in plans(name):
        kinds = {}
        for k, pp in enumerate(pps, start=1):
            assert pp.scale >= 1.0
            for p, (x0, y0, x1, y1), cell, rows, cols in pp.items():
                where = (name, seed, paper, k, p.item.name)
                n_rows, n_cols = int(p.drawn.any(axis=1).sum()), int(p.drawn.any(axis=0).sum())
                if n_rows > 1:
                    assert len(rows) == n_rows, where
                if n_cols > 1:
                    assert len(cols) == n_cols, where
                if p.item.role == "box" and not p.item.title:
                    formula = layout.formula(p.item, steps)
                    assert any(formula in line for line in p.title), (where, p.title)
            for g, (tx0, ty0, tx1, ty1), u in pp.tables():
                assert u, (name, seed, k, g.title)
                beside = tx0 >= u[2] - 1e-9 and ty0 < u[3] + sheet.NEAR and ty1 > u[1]
                under = tx0 < u[2] and tx1 > u[0] and u[3] - 1e-9 <= ty0 <= u[3] + sheet.NEAR
                assert beside or under, (name, seed, paper, k, g.title, (tx0, ty0, tx1, ty1), u)
                kind = ("exact powers" if g.title.startswith("powers") else g.title.split(",")[0].split(" for")[0])
                kinds.setdefault(kind, set()).add((g.title, len(g.cols)))
        assert all(len(v) == 1 for v in kinds.values()), (name, seed, kinds)


def table_rows(g: tables.Grid, step: float) -> list[tuple[float, float]]:
    """The range of values each row of a table gives, ``(low, high)``."""
    out = []
    for r in g.rows:
        lo = float(r)
        out.append((lo - step, lo) if lo <= 0 and "3^x" in g.title else (lo, lo + step))
    return out


@pytest.mark.parametrize("ws, seed", list(cases()))
def test_a_trimmed_table_still_has_every_value_its_page_needs(ws, seed):
    """A long table prints only the rows its page can need: the row of every value the
    page looks up, and the rows on either side of it (where the table has them)."""
    steps = load(ws, seed)[1]
    for page in ws.sheet.pages:
        for t in page.tables:
            g = tables.build(t, page, steps)
            if g.title.startswith("3^x,"):     # row -0.3 holds x = -0.30 ... -0.39 (10 columns)
                step, first, last, values = t.columns / 100, 0.0, 2.0, -tables.needed(t, page, steps)
            elif g.title.startswith("-log"):
                step, first, last, values = t.columns / 100, 0.0, 1 - t.columns / 100, tables.needed(t, page, steps)
            elif g.title.startswith("square"):
                step, first, last, values = 10, 0, 100, tables.needed(t, page, steps)
            else:
                continue
            lows = [abs(float(r)) for r in g.rows if r != tables.SKIP]
            if len(values) <= 2 and values.size:                 # a few values: a few rows
                assert len(lows) <= 3 * len(values) + 1, (ws.name, page.title, g.rows)
            for x in values:
                row = math.floor(x / step + 1e-9) * step
                for near in (row - step, row, row + step):
                    if first - 1e-9 <= near <= last + 1e-9:
                        assert any(abs(lo - near) < 1e-9 for lo in lows), (ws.name, page.title, x, near, g.rows)


@pytest.mark.parametrize("kind", ["pow2dp", "nlog", "recip"])
@pytest.mark.parametrize("columns", [10, 5])
def test_every_entry_of_a_long_table_is_its_function_at_row_plus_column(kind, columns):
    """3^x at x = row - column/100, -log_3 p at p = row + column/100, 1/x at x = row +
    column/100, to 2 decimals, whether a row holds a tenth (10 columns) or a twentieth (5)."""
    ws = catalog.get("finetune")
    steps = ws.join(ws.run(ws.load()))
    page = layout.Page("t", "", ())
    g = tables.build(layout.Table(kind, ("m=4 / pow",) if kind == "pow2dp" else ("m=4 / sum",), columns=columns),
                     page, steps)
    assert len(g.cols) == columns and [int(c) for c in g.cols] == list(range(columns))
    f = {"pow2dp": lambda r, c: 3.0 ** (r - c / 100), "nlog": lambda r, c: -math.log(r + c / 100, 3),
         "recip": lambda r, c: 1 / (r + c / 100)}[kind]
    seen = 0
    for r, row in zip(g.rows, g.cells):
        if r == tables.SKIP:
            continue
        for c, cell in zip(g.cols, row):
            if cell:
                assert float(cell) == pytest.approx(round(f(float(r), int(c)), 2), abs=1e-9), (r, c, cell)
                seen += 1
    assert seen >= columns * 3


def test_paper_is_a4_or_letter_and_refused_otherwise(tmp_path):
    from aibyhand import cli

    ws = catalog.get("head")
    with pytest.raises(ValueError, match="paper"):
        sheet.worksheet_pages(ws, ws.load(), paper="a5")
    assert cli.main(["sheet", "head", "--paper", "letter", "-o", str(tmp_path / "h.pdf")]) == 0
    assert type_sizes((tmp_path / "h.pdf").read_bytes())[0][0] == PAPERS["letter"]


def test_a_matrix_is_written_one_way(renders):
    """One number format within a matrix, in the one printer (``aibyhand show`` and the
    sheets): a 0 beside 0.50 is 0.00, a 1/2 beside a third is a fraction."""
    from aibyhand.steps import format_array

    assert format_array(np.array([[0.0, 0.5], [1.0, 0.003]]), hand=True).split() == ["0.00", "0.50", "1.00", "0.00"]
    assert format_array(np.array([[1.0, 1 / 3, 0.5]]), hand=True).split() == ["1", "1/3", "1/2"]
    assert format_array(np.array([[1.0, -2.0]]), hand=True).split() == ["1", "-2"]
    for _, _, name, key, drawn in renders:
        if not key:
            continue
        ws = catalog.get(name)
        styles = {}
        for item, _, _, text in drawn:
            if re.fullmatch(r"-?\d+", text):
                styles.setdefault(item, set()).add("whole")
            elif re.fullmatch(r"-?\d+/\d+", text):
                styles.setdefault(item, set()).add("fraction")
            elif re.fullmatch(r"-?\d+\.\d\d", text):
                styles.setdefault(item, set()).add("decimal")
        for item, kinds in styles.items():
            assert not ("decimal" in kinds and len(kinds) > 1), (ws.name, item, kinds)


def test_a_key_prints_every_number_at_8_pt_or_more(renders):
    """On the answer key a long number shrinks to fit its box, never below 8 pt."""
    for path, data, name, key, _ in renders:
        if key and path.suffix == ".pdf":
            for k, (_, sizes) in enumerate(type_sizes(data), start=1):
                assert min(sizes) >= 8, (path.name, k, sorted(sizes.items())[:3])


# -- Decode and Embed: the lesson on the last page ---------------------------------------

LESSONS = {"decode": ("lesson / next",), "embed": ("lesson / cos",)}


@pytest.mark.parametrize("name", sorted(LESSONS))
def test_the_sheet_ends_with_the_lesson_on_its_last_page(name):
    """The last part's title begins "What this showed: ", its steps "lesson / "; its boxes
    (1 to 3: Decode's next word, Embed's cosine) are on the last page, in the answers."""
    ws = catalog.get(name)
    for seed in (0, 1, 7):
        parts = ws.run(ws.load(seed=seed))
        lesson = parts[-1]
        assert lesson.title.startswith(catalog.LESSON), lesson.title
        assert all(n.startswith("lesson / ") for n in lesson)
        assert not any(p.title.startswith(catalog.LESSON) for p in parts[:-1])
        boxes = [(k, it.step) for k, it in ws.sheet.items() if it.role == "box" and it.step in lesson]
        assert [s for _, s in boxes] == list(LESSONS[name]) and 1 <= len(boxes) <= 3
        assert {k for k, _ in boxes} == {len(ws.sheet.pages)}
        steps = ws.join(parts)
        assert {c.item for c in layout.cells(ws.sheet, steps)} >= set(LESSONS[name])


def test_decode_lesson_is_the_greedy_word_and_prob_multiplies_by_the_printed_reciprocal():
    """lesson / next is word 1's greedy word; 1/lsum is printed beside the sum, and prob =
    lpow * rsum gives the softmax itself."""
    ws = catalog.get("decode")
    for seed in (0, 5):
        steps = ws.steps(ws.load(seed=seed))
        assert steps["lesson / next"][0, 0] == steps["word 1 / next"][0, 0]
        np.testing.assert_allclose(steps["word 1 / rsum"], 1 / steps["word 1 / lsum"], rtol=1e-15)
        assert steps.step("word 1 / prob").formula == "lpow * rsum"
        np.testing.assert_allclose(steps["word 1 / prob"], steps["word 1 / lpow"] / steps["word 1 / lsum"],
                                   rtol=1e-12)
    printed = {it.step for _, it in ws.sheet.items() if it.role == "grey"}
    assert "word 1 / rsum" in printed


def test_embed_lesson_gives_the_other_sentence_embedding_to_2_decimals_named_in_its_heading():
    """E_other is the other sentence's embedding (same model) to 2 decimals, its heading
    names that sentence; cos = E^T E_other; |Y| is printed, a whole number; attn needs no
    sum box and U's last 8 rows are printed."""
    from aibyhand import embed

    ws = catalog.get("embed")
    for seed in (0, 3):
        data = ws.load(seed=seed)
        steps = ws.steps(data)
        other = embed.forward(data["model"], data["other"], pooling="mean", base=3)["E"]
        np.testing.assert_array_equal(steps["lesson / E_other"], np.round(other, 2))
        np.testing.assert_allclose(steps["lesson / cos"], steps["E"].T @ steps["lesson / E_other"], rtol=1e-12)
        item = next(it for _, it in ws.sheet.items() if it.step == "lesson / E_other")
        assert f'"{data["other"]}"' in " ".join(sheet.title_tokens(item, steps))
        assert float(steps["|Y|"][0, 0]).is_integer()
        asked = {(c.item, c.row) for c in layout.cells(ws.sheet, steps)}
        assert {r for i, r in asked if i == "U"} == set(range(8))
        assert not any(i in ("sum", "|Y|") for i, _ in asked)
    printed = {it.step for _, it in ws.sheet.items() if it.role == "grey"}
    assert "|Y|" in printed
    with pytest.raises(ValueError, match="other"):
        ws.steps({**ws.load(), "other": ws.load()["sentence"]})


@pytest.mark.parametrize("paper", ["a4", "letter"])
def test_the_page_number_stands_at_the_top_right_margin_and_every_cell_inside_the_margins(paper):
    """Where things land on the page, measured in the drawn figure (not against a
    committed file): the page number's right edge at the right margin, its top at the top
    margin, every cell within the margins."""
    ws = catalog.get("infonce")
    figs, _ = sheet.worksheet_pages(ws, ws.load(), key=True, paper=paper)
    try:
        fig = figs[0]
        fig.canvas.draw()
        r, dpi = fig.canvas.get_renderer(), fig.dpi
        w, h = sheet.PAPERS[paper]
        (num,) = [t for t in fig.texts if " of " in t.get_text() and t.get_text().startswith(("page", "about"))]
        bb = num.get_window_extent(r)                                     # pixels, y up
        assert bb.x1 == pytest.approx((w - sheet.MARGIN) * dpi, abs=1.5)
        assert bb.y1 == pytest.approx((h - sheet.MARGIN - 0.03) * dpi, abs=1.5)
        cells = [a for a in fig.get_children() if a.get_gid() == "cell"]
        assert len(cells) > 20
        for c in cells:
            e = c.get_window_extent(r)
            assert sheet.MARGIN * dpi - 1 <= e.x0 and e.x1 <= (w - sheet.MARGIN) * dpi + 1
            assert sheet.MARGIN * dpi - 1 <= e.y0 and e.y1 <= (h - sheet.MARGIN) * dpi + 1
    finally:
        sheet.close(figs)


def test_a_notebooks_key_page_has_an_axes_so_ipython_shows_it():
    """IPython shows no figure without an Axes, and a sheet's page draws on the figure."""
    from aibyhand.classroom import printout

    ws = catalog.get("mrl")
    figs = printout.key_pages(ws, ws.load())
    assert figs and all(f.axes for f in figs)
