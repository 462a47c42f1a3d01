"""Checking answers as an exam marker does: follow-through, partial files, no answers given away."""

import json

import numpy as np
import pytest

from aibyhand.classroom import catalog, check, classview, layout
from aibyhand.cli import main
from students import answers_toml, work

NAMES = list(catalog.WORKSHEETS)


def load(name, seed=None):
    ws = catalog.get(name)
    steps = ws.steps(seed=seed) if seed is not None else ws.steps()
    return ws, steps


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [None, 1, 2, 3, 4, 5])
def test_an_honest_student_working_to_2_decimals_is_right_everywhere(name, seed):
    ws, steps = load(name, seed)
    report = check.mark(ws.sheet, steps, work(ws, steps))
    assert report.counts() == {"right": len(report.marks), "follow": 0, "wrong": 0, "cannot read": 0, "not done": 0}


def middle(ws, steps):
    """A box from the middle of the sheet on that later boxes use (a slip there changes a
    later box: some cells, such as one multiplied by a 0, change nothing)."""
    cells = layout.cells(ws.sheet, steps)
    later = {c.step for c in cells}
    for c in cells[len(cells) // 3:]:
        users = [n for n in later if c.step in steps.uses(n)]
        if users:
            report = check.mark(ws.sheet, steps, work(ws, steps, slips={c.id}))
            if report.ids("follow"):
                return c
    raise AssertionError("no box in the second part of the sheet feeds a later one")


@pytest.mark.parametrize("name", NAMES)
@pytest.mark.parametrize("seed", [None, 1, 2])
def test_one_slip_is_one_wrong_box_and_what_it_feeds_is_follow_through(name, seed):
    ws, steps = load(name, seed)
    slip = middle(ws, steps)
    report = check.mark(ws.sheet, steps, work(ws, steps, slips={slip.id}))
    assert report.ids("wrong") == [slip.id]
    assert report.first_wrong.cell.id == slip.id
    follow = report.ids("follow")
    assert follow, "a slip that feeds nothing"
    # every follow-through box comes after the slip and depends on its step
    order = [m.cell.id for m in report.marks]
    assert all(order.index(f) > order.index(slip.id) for f in follow)
    assert report.counts()["not done"] == 0


def test_a_slip_in_a_box_nothing_uses_is_only_that_box():
    ws, steps = load("infonce")
    last = layout.cells(ws.sheet, steps)[-1]
    report = check.mark(ws.sheet, steps, work(ws, steps, slips={last.id}))
    assert report.ids("wrong") == [last.id] and report.ids("follow") == []


@pytest.mark.parametrize("name", NAMES)
def test_a_partial_file_is_checked_as_far_as_it_goes(name):
    ws, steps = load(name)
    report = check.mark(ws.sheet, steps, work(ws, steps, upto_page=1))
    n = report.counts()
    assert report.ok and n["wrong"] == 0 and n["not done"] > 0 and n["right"] > 0
    first_page = {it.name for row in ws.sheet.pages[0].slots for it in row if it is not None}
    assert all(m.verdict == "right" for m in report.marks if m.cell.item in first_page)


def test_tolerance_is_what_2_decimal_rounding_allows_and_no_more():
    """An exact box (S = 5/6 on the InfoNCE sheet) written 0.834 or 0.83 is right; 0.82,
    0.85 or 0.9 are wrong: the tolerance is half a unit of the second decimal, not a
    percentage of the value."""
    ws, steps = load("infonce")
    boxes = work(ws, steps)
    first = ws.sheet.boxes()[0]
    values = np.asarray(layout.shown(first, steps)[0], float)
    i, j = np.argwhere(np.abs(values) >= 0.1)[0]    # a cell whose 10% is more than rounding
    exact = float(values[i, j])
    for written, verdict in ((exact, "right"), (round(exact, 2), "right"), (exact + 0.004, "right"),
                             (exact - 0.0049, "right"), (exact + 0.006, "wrong"), (exact - 0.006, "wrong"),
                             (exact + 0.012, "wrong"), (exact - 0.012, "wrong"), (exact * 1.1, "wrong")):
        b = {k: v.copy() for k, v in boxes.items()}
        b[first.name][i, j] = written
        m = next(m for m in check.mark(ws.sheet, steps, b).marks if m.cell.item == first.name
                 and (m.cell.row, m.cell.col) == (i, j))
        assert m.verdict == verdict, (written, exact, m.verdict)


def test_a_blank_template_is_all_not_done_and_gives_nothing_away(tmp_path, capsys):
    ws, steps = load("mrl")
    path = tmp_path / "blank.toml"
    path.write_text(check.template(ws.sheet, steps, worksheet="mrl"))
    assert main(["check", "mrl", str(path)]) == 0
    out = capsys.readouterr().out
    assert "0 right, 0 follow-through, 0 wrong, 127 not done" in out or "not done (of" in out
    assert "expected" not in out


def printed_values(ws, steps, cells):
    items = {it.name: it for it in ws.sheet.boxes()}
    out = {}
    for c in cells:
        v = float(np.asarray(layout.shown(items[c.item], steps)[0], float)[c.row, c.col])
        out[c.id] = {layout.cell_text(v), f"{v:.2f}", f"{v:.3f}"}
    return out


@pytest.mark.parametrize("name", NAMES)
def test_without_reveal_no_expected_value_is_printed(name, tmp_path, capsys):
    """Every box written wrong (each 7 too high): the report names each wrong box and its
    hint, and never the value it should have; with --reveal it does."""
    ws, steps = load(name)
    boxes = {k: v + 7 for k, v in work(ws, steps).items()}
    path = tmp_path / "wrong.toml"
    path.write_text(answers_toml(ws, steps, boxes))
    assert main(["check", name, str(path)]) == 1
    out = capsys.readouterr().out
    cells = layout.cells(ws.sheet, steps)
    expected = printed_values(ws, steps, cells)
    seen = 0
    for line in out.splitlines():
        text = line.strip()
        for c in cells:
            if text.startswith(f"{c.id}: you wrote "):
                seen += 1
                _, _, hint = text.partition(";")
                assert "expected" not in text
                assert not set(hint.replace(",", " ").split()) & expected[c.id], (c.id, line)
    assert seen == len(check.mark(ws.sheet, steps, boxes).ids("wrong")) > 0
    assert main(["check", name, str(path), "--reveal"]) == 1
    assert "expected" in capsys.readouterr().out


def test_json_is_a_list_of_students_listing_every_box_once(tmp_path, capsys):
    ws, steps = load("infonce")
    slip = middle(ws, steps)
    path = tmp_path / "a.toml"
    page = next(i for i, pg in enumerate(ws.sheet.pages, start=1)
                if any(it is not None and it.name == slip.item for row in pg.slots for it in row))
    assert page < len(ws.sheet.pages)
    path.write_text(answers_toml(ws, steps, work(ws, steps, slips={slip.id}, upto_page=page)))
    assert main(["check", "infonce", str(path), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)
    assert isinstance(got, list) and len(got) == 1 and tuple(got[0]) == classview.JSON_KEYS
    got = got[0]
    ids = got["right"] + got["wrong"] + got["follow_through"] + got["unchecked"] + got["unreadable"]
    assert sorted(ids) == sorted(c.id for c in layout.cells(ws.sheet, steps)) and len(set(ids)) == len(ids)
    assert got["wrong"] == [slip.id] and got["first_wrong"] == slip.id and got["unchecked"]
    assert got["error"] is None and got["last_page"] == page and got["file"] == str(path)
    assert got["score"] == round((len(got["right"]) + len(got["follow_through"])) / len(ids), 4)


def test_fractions_and_words_are_answers_too(tmp_path, capsys):
    for name in ("infonce", "decode"):
        ws, steps = load(name)
        path = tmp_path / f"{name}.toml"
        text = answers_toml(ws, steps, work(ws, steps, decimals=12), fractions=True)
        if name == "decode":   # the next word, written as the word
            nxt = steps["lesson / next"][0, 0]
            text = text.replace(f'next" = "{int(nxt)}"', f'next" = "{steps.step("word 1 / prob").rows[int(nxt)]}"')
            assert '"lesson / next" = "' in text
            assert not text.split('"lesson / next" = "')[1].startswith(str(int(nxt)))
        path.write_text(text)
        assert main(["check", name, str(path)]) == 0, capsys.readouterr()


def students(tmp_path, ws, steps):
    """Five answers files: one perfect, one partial, three with different slips."""
    cells = layout.cells(ws.sheet, steps)
    picks = [cells[len(cells) // 5], cells[len(cells) // 2], cells[(4 * len(cells)) // 5]]
    files = {"ada": work(ws, steps), "ben": work(ws, steps, upto_page=2)}
    for who, c in zip(("cy", "dee", "eli"), picks):
        files[who] = work(ws, steps, slips={c.id})
    paths = []
    for who, boxes in files.items():
        p = tmp_path / f"{who}.toml"
        p.write_text(answers_toml(ws, steps, boxes))
        paths.append(str(p))
    return paths, picks


def summary_rows(out: str) -> dict[str, list[str]]:
    """The class summary's lines by student: the columns after the name."""
    lines = out.splitlines()
    assert lines[0].split() == ["student", "seed", "right", "follow", "wrong", "cannot", "read", "not",
                                "done", "last", "page", "first", "wrong"], lines[0]
    rows = {}
    for line in lines[1:]:
        if not line.strip():
            break
        name, *rest = line.split()
        rows[name] = rest
    return rows


def test_a_class_summary_and_its_chart(tmp_path, capsys):
    ws, steps = load("mrl")
    paths, picks = students(tmp_path, ws, steps)
    chart = tmp_path / "missed.png"
    assert main(["check", "mrl", *paths, "--plot", str(chart)]) == 1
    out = capsys.readouterr().out
    rows = summary_rows(out)
    assert list(rows) == ["ada", "ben", "cy", "dee", "eli"]
    # right follow wrong cannot-read not-done last-page ("3 of 3") first-wrong
    n = str(len(ws.sheet.pages))
    assert rows["ada"][2:4] == ["0", "0"] and rows["ada"][5:8] == [n, "of", n] and rows["ada"][8] == "-"
    assert rows["ben"][2] == "0" and int(rows["ben"][4]) > 0 and rows["ben"][5:8] == ["2", "of", n]
    for who, c in zip(("cy", "dee", "eli"), picks):
        assert rows[who][2] == "1" and " ".join(rows[who][8:]) == c.id
    lines = out.splitlines()
    head = next(line for line in lines if line.startswith("missed most"))
    assert "of 5 read" in head
    missed = [line.split(maxsplit=1)[1] for line in lines[lines.index(head) + 1:] if line.startswith("  ")]
    assert sorted(missed) == sorted({c.item for c in picks})
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_a_class_summary_keeps_every_file_apart(tmp_path, capsys, monkeypatch):
    """Files saved under the same name in different folders, and names written in the
    files, each keep their own line: nobody's work is dropped from the summary. The same
    file reached by several paths (relative, ./, absolute, a link) counts once."""
    ws, steps = load("infonce")
    full = answers_toml(ws, steps, {})
    paths = []
    for who in ("ana", "ben"):
        (tmp_path / who).mkdir()
        p = tmp_path / who / "answers-infonce.toml"
        p.write_text(full)
        paths.append(str(p))
    named = tmp_path / "answers-infonce-cai.toml"
    named.write_text(full.replace('worksheet = "infonce"\n', 'worksheet = "infonce"\nstudent = "Cai Lin"\n', 1))
    link = tmp_path / "link.toml"
    link.symlink_to(named)
    monkeypatch.chdir(tmp_path)
    again = ["answers-infonce-cai.toml", "./answers-infonce-cai.toml", str(link), "ana/../ana/answers-infonce.toml"]
    assert main(["check", "infonce", *paths, str(named), paths[0], *again, "--json"]) == 0
    got = json.loads(capsys.readouterr().out)
    assert [(g["student"], g["file"]) for g in got] == [("", paths[0]), ("", paths[1]), ("Cai Lin", str(named))]
    assert main(["check", "infonce", *paths, str(named), *again]) == 0
    out = capsys.readouterr().out
    assert [line.split()[0] for line in out.splitlines()[1:4]] == ["answers-infonce", "answers-infonce", "Cai"]
    assert paths[0] in out.splitlines()[1] and paths[1] in out.splitlines()[2]


@pytest.mark.parametrize("student", [7, "x" * 61, "two\nlines", ["a"]])
def test_a_student_name_that_is_not_one_is_refused(tmp_path, capsys, student):
    ws, steps = load("infonce")
    p = tmp_path / "a.toml"
    p.write_text(f"worksheet = \"infonce\"\nstudent = {json.dumps(student)}\n")
    assert main(["check", "infonce", str(p)]) == 2
    assert "student: expected a name in quotes" in capsys.readouterr().err


def test_a_rank_is_checked_even_from_written_entries(tmp_path):
    """The head sheet's rank M (its lesson, on the last page), after M written right: the
    true rank is right, a smaller one wrong (a student writing 0 or 1 for a rank-2 matrix
    is not told "right")."""
    ws, steps = load("head")
    exact = check.exact_values(steps)
    assert float(np.squeeze(exact["lesson / rank M"])) == 2
    for rank, verdict in ((2, "right"), (1, "wrong"), (0, "wrong")):
        boxes = {"M": exact["M"], "lesson / rank M": np.array([[float(rank)]])}
        report = check.mark(ws.sheet, steps, boxes)
        got = {m.cell.item: m.verdict for m in report.marks if m.cell.item == "lesson / rank M"}
        assert got == {"lesson / rank M": verdict}, rank


def test_what_a_student_wrote_is_shown_as_written():
    assert check._show(6.0, ("the", "cat", "sat", "on", "mat", "dog", "ran", "park")) == "ran"
    assert check._show(2.0) == "2" and check._show(0.3333) == "0.3333" and check._show(-0.00001) == "0"
    assert check._show(0.25) == "0.25"


def test_no_decimal_point_hint_where_the_answer_is_zero():
    assert check.hint(0.03, (0.0, 0.0), "x", (0, 0), {"x": np.zeros((1, 1))}) != "check the decimal point"
    assert check.hint(-1.0, (0.0, 0.0), "x", (0, 0), {"x": np.zeros((1, 1))}) != "check the decimal point"
    assert check.hint(2.5, (0.25, 0.25), "x", (0, 0), {"x": np.zeros((1, 1))}) == "check the decimal point"


def test_the_go_back_line_names_boxes_as_the_sheet_does(tmp_path):
    ws, steps = load("decode")
    exact = check.exact_values(steps)
    x = next(it for it in ws.sheet.boxes() if it.name == "X")
    wrong = exact[x.step].copy()
    wrong[0, 0] += 1
    text = check.mark(ws.sheet, steps, {"X": wrong}).format()
    go_back = [line for line in text.splitlines() if line.startswith("go back to")]
    assert go_back and "word 1 /" not in go_back[0] and "X_tok" in go_back[0]


def test_a_file_that_cannot_be_read_keeps_its_line_in_the_summary(tmp_path, capsys):
    ws, steps = load("infonce")
    good = tmp_path / "ana.toml"
    good.write_text(answers_toml(ws, steps, {}))
    bad = tmp_path / "ben.toml"
    bad.write_text('worksheet = "infonce"\nloss = [1, 2]\n')
    assert main(["check", "infonce", str(good), str(bad)]) == 2
    got = capsys.readouterr()
    rows = got.out.splitlines()
    assert rows[1].split()[0] == "ana" and rows[2].split()[:4] == ["ben", "cannot", "be", "read:"]
    assert str(bad) in rows[2] and "loss" in rows[2]
    assert str(bad) in got.err and "loss" in got.err


def test_the_next_word_is_one_the_written_probabilities_allow():
    """A student whose own prob ties "cat" (row 1) and "on" (row 5) at the top: either is
    follow-through; "sat" (row 3, between them) is wrong, though it lies between the two
    in the vocabulary's order."""
    ws, steps = load("decode")
    exact = check.exact_values(steps)
    prob = exact["word 1 / prob"].copy()
    prob[:] = 0.05
    prob[1, 0] = prob[5, 0] = 0.35
    verdicts = {}
    for word in ("cat", "on", "sat", "ran"):
        words = layout.words(next(it for it in ws.sheet.boxes() if it.name == "lesson / next"), steps)
        boxes = {"prob": prob, "lesson / next": np.array([[float(words.index(word))]])}
        report = check.mark(ws.sheet, steps, boxes)
        mark = next(m for m in report.marks if m.cell.item == "lesson / next")
        verdicts[word] = mark.verdict
        assert mark.hint == (check.LARGEST_HINT if mark.verdict == "wrong" else "")
    assert verdicts == {"cat": "follow", "on": "follow", "sat": "wrong", "ran": "right"}


@pytest.mark.parametrize("name", NAMES)
def test_a_box_after_blank_boxes_is_not_right_for_any_value(name):
    """Only the last box written, every box before it blank: its exact value is right,
    and the value 1 away (or, for a word, every other word) is wrong, on every sheet.
    Blank boxes stand for their exact values within rounding; a run of them must not
    widen until anything is right."""
    ws, steps = load(name)
    exact = check.exact_values(steps)
    last = ws.sheet.boxes()[-1]
    value, _, _ = layout.shown(last, steps)
    ask = layout.mask_of(last, steps)
    words = layout.words(last, steps)
    i = tuple(np.argwhere(ask)[0])
    right = np.full(value.shape, np.nan)
    right[i] = value[i]
    wrongs = [float(w) for w in range(len(words)) if w != value[i]] if words else [value[i] + 1, value[i] - 1]
    verdict = lambda v: next(m.verdict for m in check.mark(ws.sheet, steps, {last.name: v}).marks  # noqa: E731
                             if m.cell.item == last.name and m.cell.index == (i if not last.T else i[::-1]))
    assert verdict(right) == "right"
    for w in wrongs:
        bad = right.copy()
        bad[i] = w
        assert verdict(bad) == "wrong", (name, last.name, w)


def test_a_name_the_page_saves_is_a_name_check_reads(tmp_path, capsys):
    """A non-breaking space, a zero-width space, an accent: what the page keeps, check reads."""
    ws, steps = load("infonce")
    p = tmp_path / "a.toml"
    p.write_text(answers_toml(ws, steps, {}).replace(
        'worksheet = "infonce"\n', 'worksheet = "infonce"\nstudent = "Ana\\u00a0L\\u200bée"\n', 1))
    assert main(["check", "infonce", str(p), str(p.with_name("b.toml"))]) == 2  # b.toml is missing
    assert "Ana\u00a0L<U+200B>ée" in capsys.readouterr().out


@pytest.mark.parametrize("name", NAMES)
def test_an_honest_student_who_leaves_boxes_blank_is_never_wrong(name):
    """Every run of one or two blank boxes in an honest 2-decimal file (worked on scrap
    paper and carried on): nothing wrong, nothing follow-through, default and seed 1."""
    for seed in (None, 1):
        ws, steps = load(name, seed)
        boxes = work(ws, steps)
        names = list(boxes)
        for k in range(len(names)):
            for run in (1, 2):
                blank = names[k:k + run]
                b = {n: (np.full_like(v, np.nan) if n in blank else v) for n, v in boxes.items()}
                c = check.mark(ws.sheet, steps, b).counts()
                assert c["wrong"] == c["follow"] == 0, (name, seed, blank)


def with_cells(ws, steps, boxes, texts):
    """An answers file of ``boxes`` with some cells written as text: ``{cell id: text}``."""
    out = {}
    for it in ws.sheet.boxes():
        value = boxes.get(it.name)
        if value is None:
            continue
        ask = layout.mask_of(it, steps)
        out[it.name] = [[float(value[r, c]) if ask[r, c] else "-" for c in range(ask.shape[1])]
                        for r in range(ask.shape[0])]
    for c in layout.cells(ws.sheet, steps):
        if c.id in texts:
            out[c.item][c.row][c.col] = texts[c.id]
    return {"worksheet": ws.name, **out}


def test_a_box_that_cannot_be_read_is_marked_with_its_reason_and_the_rest_is_checked(tmp_path, capsys):
    """One box "0,25", one "half", one "25%": those three are "cannot read" with the
    page's reasons; the file is still checked (every other box right), and the exit code
    is 1, as for a wrong box. The same boxes in Unicode spellings the rules accept (a
    Unicode minus, full-width digits, a stray BOM) are read and right."""
    ws, steps = load("infonce")
    boxes = work(ws, steps)
    cells = layout.cells(ws.sheet, steps)
    a, b, c = cells[2], cells[20], cells[40]
    value = {x.id: float(boxes[x.item][x.row, x.col]) for x in (a, b, c)}
    texts = {a.id: f"{value[a.id]:.2f}".replace(".", ","), b.id: "half", c.id: "25%"}
    path = tmp_path / "a.toml"
    path.write_text(answers_toml_of(with_cells(ws, steps, boxes, texts)))
    assert main(["check", "infonce", str(path)]) == 1
    out = capsys.readouterr().out
    assert f"{a.id}: cannot read {texts[a.id]}: a decimal comma? write 0.25 with a point" in out
    assert f"{b.id}: cannot read half: not a number: write a number like -0.25 or a fraction like 3/13" in out
    assert f"{c.id}: cannot read 25%: a percent sign? write the number itself, 0.25 for 25%" in out
    assert f"{len(cells) - 3} right, 0 follow-through, 0 wrong, 3 cannot read, 0 not done" in out
    assert main(["check", "infonce", str(path), "--json"]) == 1
    got = json.loads(capsys.readouterr().out)[0]
    assert got["unreadable"] == [a.id, b.id, c.id] and got["wrong"] == [] and got["error"] is None
    assert got["reasons"][a.id].startswith("a decimal comma")
    full = lambda x: f"{x:.2f}".translate(str.maketrans("0123456789.-", "０１２３４５６７８９．－"))  # noqa: E731
    texts = {a.id: f"{value[a.id]:.2f}".replace("-", "\u2212"), b.id: full(value[b.id]),
             c.id: f"\ufeff{value[c.id]:.2f}\u200b "}
    path.write_text(answers_toml_of(with_cells(ws, steps, boxes, texts)))
    assert main(["check", "infonce", str(path)]) == 0, capsys.readouterr().out


def answers_toml_of(mapping: dict) -> str:
    lines = []
    for k, v in mapping.items():
        lines.append(f"{check.toml_key(k)} = {json.dumps(v, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


def test_you_wrote_quotes_the_box_as_written(tmp_path, capsys):
    """3/13 stays 3/13 (not 0.2308), a hidden character is spelled out."""
    ws, steps = load("infonce")
    boxes = work(ws, steps)
    first = layout.cells(ws.sheet, steps)[0]
    for text, shown in (("3/13", "3/13"), ("0.2308", "0.2308"), ("7\u200b/9", "7<U+200B>/9")):
        path = tmp_path / "a.toml"
        path.write_text(answers_toml_of(with_cells(ws, steps, boxes, {first.id: text})))
        assert main(["check", "infonce", str(path)]) == 1
        out = capsys.readouterr().out
        assert f"{first.id}: you wrote {shown};" in out, out


def test_no_sign_or_decimal_point_hint_where_it_would_be_the_value():
    """A value of -1 written 1: "check the sign" would be the answer. -0.37 written 0.37
    gets it. 2 written 20 gets no decimal point hint; 0.25 written 2.5 does."""
    z = {"x": np.zeros((1, 1))}
    assert check.hint(1.0, (-1.0, -1.0), "x", (0, 0), z) != "check the sign"
    assert check.hint(-3.0, (3.0, 3.0), "x", (0, 0), z) != "check the sign"
    assert check.hint(0.37, (-0.37, -0.37), "x", (0, 0), z) == "check the sign"
    assert check.hint(20.0, (2.0, 2.0), "x", (0, 0), z) != "check the decimal point"
    assert check.hint(2.5, (0.25, 0.25), "x", (0, 0), z) == "check the decimal point"


@pytest.mark.parametrize("name", NAMES)
def test_no_hint_or_go_back_line_names_a_step_the_sheet_does_not_have(name):
    """Every box of every sheet written wrong in turn: the go-back line names only the
    sheet's own boxes, its printed matrices and the settings under its titles (the
    fine-tune sheet has no m=2 / dlogits)."""
    ws, steps = load(name)
    on_sheet = {it.name.removesuffix("^T") for _, it in ws.sheet.items()} | \
        {layout.local(it.step, ws.sheet.prefix) for _, it in ws.sheet.items()} | set(steps.meta)
    exact = check.exact_values(steps)
    for it in ws.sheet.boxes():
        wrong = {it.name: np.where(layout.mask_of(it, steps), np.asarray(layout.shown(it, steps)[0]) + 7, np.nan)}
        text = check.mark(ws.sheet, steps, wrong).format()
        go_back = next(line for line in text.splitlines() if line.startswith("go back to"))
        _, _, uses = go_back.partition("; it uses ")
        for used in filter(None, uses.split(", ")):
            assert used in on_sheet, (name, it.name, used)
    assert exact


def test_a_matrix_of_only_follow_through_boxes_is_headed_follow_through():
    ws, steps = load("infonce")
    slip = layout.cells(ws.sheet, steps)[0]
    report = check.mark(ws.sheet, steps, work(ws, steps, slips={slip.id}))
    lines = report.format().splitlines()
    heads = {line.split(" = ")[0].split(None, 1)[1].strip(): line.split()[0] for line in lines
             if " = " in line and line.startswith("  ") and not line.startswith("     ")}
    all_follow = [it.name for it in ws.sheet.boxes()
                  if {m.verdict for m in report.marks if m.cell.item == it.name} == {"follow"}]
    mixed = [it.name for it in ws.sheet.boxes()
             if {m.verdict for m in report.marks if m.cell.item == it.name} == {"follow", "right"}]
    assert all_follow, "a slip in the first box that nothing follows through from"
    for item in all_follow + mixed:
        assert heads[item] == "follow-through", (item, heads[item])
    assert heads[slip.item] == "WRONG"
    assert all(heads[it.name] == "right" for it in ws.sheet.boxes()
               if {m.verdict for m in report.marks if m.cell.item == it.name} == {"right"})


def test_the_exit_codes_are_in_check_help(capsys):
    with pytest.raises(SystemExit) as done:
        main(["check", "--help"])
    assert done.value.code == 0
    out = capsys.readouterr().out
    assert "exit codes:" in out
    for code in ("0  every file was read and no box is wrong", "1  a box is wrong, or a box cannot be read",
                 "2  a file cannot be read at all"):
        assert code in out, code
