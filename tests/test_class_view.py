"""The class at a glance: the plot's rows, labels and counts, on a small class."""

import pytest

from aibyhand.classroom import catalog, check, classview, layout, names
from students import work


WS = "mrl"      # three pages: one student stops after page 1, another after page 2


@pytest.fixture(scope="module")
def hand_ins():
    ws = catalog.get(WS)
    assert len(ws.sheet.pages) >= 3
    steps = ws.steps()
    cells = layout.cells(ws.sheet, steps)
    made = [("Ana Lee", "s1", work(ws, steps, upto_page=1)), ("李明", "s2", work(ws, steps)),
            ("Ana Lee", "s3", work(ws, steps, slips={cells[3].id})), ("Eve\u202eevil", "", work(ws, steps, upto_page=2))]
    out = [classview.HandIn(f"/x/{k}.toml", name, sid, 0, check.mark(ws.sheet, steps, boxes))
           for k, (name, sid, boxes) in enumerate(made)]
    return out + [classview.HandIn("/x/broken.toml", error="/x/broken.toml: not valid TOML")]


def test_rows_are_sorted_by_progress_and_a_file_that_cannot_be_read_is_the_last_row(hand_ins):
    fig = classview.plot(hand_ins, title=WS)
    labels = [t.get_text() for t in fig.axes[0].get_yticklabels()]
    assert labels[0] in ("李明", "?? [s2]")      # every box right; the name as far as a font here draws it
    assert labels[1:] == ["Ana Lee [s3]", "Eve<U+202E>evil", "Ana Lee [s1]", "broken"]
    bars = fig.axes[1]
    assert [t.get_text() for t in bars.get_yticklabels()] == [layout.cells(
        catalog.get(WS).sheet, catalog.get(WS).steps())[3].item]
    assert "of 4 read" in bars.get_xlabel()
    assert any("5 files, 1 cannot be read" in t.get_text() for t in fig.texts)


def test_a_name_no_font_here_draws_is_question_marks_and_the_id(hand_ins, monkeypatch):
    monkeypatch.setattr(names, "_glyph_fonts", lambda: [])
    labelled = {h.student: h for h in classview.labelled(hand_ins)}
    assert classview.plot_label(labelled["李明"]) == "?? [s2]"
    assert classview.plot_label(labelled["Ana Lee"]).startswith("Ana Lee [")
    monkeypatch.undo()
    long = classview.HandIn("/x/y.toml", "A" * 60, label="A" * 60)
    assert classview.plot_label(long) == "A" * (classview.LABEL_CHARS - 1) + "\u2026"


def test_a_cell_shows_every_verdict_its_boxes_have_however_few():
    shares = classview.visible({"right": 26 / 27, "follow": 0.0, "wrong": 1 / 27, "": 0.0})
    assert shares == pytest.approx({"right": 1 - classview.MIN_SHARE, "wrong": classview.MIN_SHARE})
    assert classview.visible({"right": 0.5, "follow": 0.5, "wrong": 0, "": 0}) == {"right": 0.5, "follow": 0.5}
