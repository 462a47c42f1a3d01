"""The instructor's loop, end to end: a roster becomes a class set, the class hands in
answers files, ``check`` reads every one of them and gives one line per student, a
gradebook, JSON and a plot. And the class set's own rules, one test each."""

from __future__ import annotations

import csv
import io
import json
import os
import re
import tomllib
from pathlib import Path
import unicodedata
from html import escape

import numpy as np
import pytest

from aibyhand.classroom import catalog, check, classset, classview, layout, names, sheet, variants
from aibyhand.classroom.worksheet import WorksheetError
from aibyhand.cli import main
from fakevariants import fake
from students import work

WS = "infonce"   # today the quickest variants to make beyond seed 31
HALF = len(catalog.get(WS).sheet.pages) - 1   # the page a half-done student stops after

ROSTER = [  # name, id: several scripts, accents, one name twice (told apart by id)
    ("Ana Lee", "s01"), ("José Núñez", "s02"), ("Jose Nunez", "s03"), ("李明", "s04"),
    ("王芳", "s05"), ("محمد علي", "s06"), ("فاطمة الزهراء", "s07"), ("Ольга Иванова", "s08"),
    ("Дмитрий Петров", "s09"), ("देवनागरी शर्मा", "s10"), ("Νίκος Παπαδόπουλος", "s11"),
    ("Zoë O'Brien", "s12"), ("Eve\u202eevil", "s13"), ("=HYPERLINK(1)", "s14"), ("Kim Min-jun", "s15"),
    ("김민준", "s16"), ("Søren Kierkegaard", "s17"), ("Łukasz Nowak", "s18"), ("Ngọc Anh", "s19"),
    ("Ana Lee", "s20"), ("Amélie Poulain", "s21"), ("Björk Guðmundsdóttir", "s22"),
    ("Tanaka Hiroshi", "s23"), ("田中 広", "s24"), ("Chidi Okafor", "s25"), ("Aroha Ngata", "s26"),
    ("Mateo García", "s27"), ("Mateo Garcia", "s28"), ("Priya Patel", "s29"), ("Олена Коваль", "s30"),
]


def pdf_pages(data: bytes) -> int:
    """How many pages a PDF matplotlib wrote has (its page tree's count, and as many page objects)."""
    count = [int(n) for n in re.findall(rb"/Type\s*/Pages\b[^>]*?/Count (\d+)", data, flags=re.S)] or \
        [int(n) for n in re.findall(rb"/Count (\d+)", data)]
    pages = len(re.findall(rb"/Type\s*/Page(?![s\w])", data))
    assert count and count[0] == pages
    return pages


def test_a_sheet_for_a_student_names_them_and_their_variant_on_every_page():
    from aibyhand.classroom import sheet

    ws = catalog.get(WS)
    figs, _ = sheet.worksheet_pages(ws, ws.load(seed=3), source="variant 3", student="Eve\u202eevil")
    try:
        for fig in figs:
            texts = [t.get_text() for t in fig.texts]
            assert "Eve<U+202E>evil \u00b7 variant 3" in texts and "name: Eve<U+202E>evil" in texts
            assert not any("\u202e" in t for t in texts)
    finally:
        sheet.close(figs)
    figs, _ = sheet.worksheet_pages(ws, ws.load(seed=3), source="variant 3")
    assert not any("variant 3 " in t.get_text() or t.get_text().startswith("name: ") and "___" not in t.get_text()
                   for fig in figs for t in fig.texts)
    sheet.close(figs)


def csv_text(rows) -> str:
    out = io.StringIO()
    csv.writer(out).writerows([["name", "id"], *rows])
    return out.getvalue()


@pytest.fixture(scope="module")
def class_set(tmp_path_factory):
    """The class set of the roster above, made once by the command line."""
    root = tmp_path_factory.mktemp("class")
    roster = root / "roster.csv"
    roster.write_text(csv_text(ROSTER), encoding="utf-8")
    out = root / "set"
    assert main(["class", WS, str(roster), "-o", str(out)]) == 0
    made = tomllib.loads((out / "roster.toml").read_text(encoding="utf-8"))
    return root, out, made["student"]


def template_of(out, entry) -> dict:
    folder = out / entry["files"]
    [path] = folder.glob(f"answers-{WS}-*.toml")
    assert path.name == f"answers-{WS}-{names.slug(entry['name'])}.toml"
    return tomllib.loads(path.read_text(encoding="utf-8"))


def filled(template: dict, boxes: dict, ws, steps, texts=None) -> str:
    """The template with a student's boxes written in (``texts``: cell id -> text)."""
    texts = texts or {}
    lines = [f"{k} = {check.toml_string(v) if isinstance(v, str) else v}" for k, v in template.items()
             if k in check.META]
    at = {c.id: c for c in layout.cells(ws.sheet, steps)}
    by_item = {}
    for cid, c in at.items():
        by_item.setdefault(c.item, []).append(c)
    for it in ws.sheet.boxes():
        value = boxes.get(it.name)
        ask = layout.mask_of(it, steps)
        rows = [[("" if value is None or np.isnan(value[r, c]) else float(value[r, c])) if ask[r, c] else "-"
                 for c in range(ask.shape[1])] for r in range(ask.shape[0])]
        for c in by_item.get(it.name, []):
            if c.id in texts:
                rows[c.row][c.col] = texts[c.id]
        lines.append(f"{check.toml_key(it.name)} = {json.dumps(rows, ensure_ascii=False)}")
    return "\n".join(lines) + "\n"


@pytest.fixture(scope="module")
def handed_in(class_set):
    """What the class hands in: honest, slipped, half-done, an unreadable box, answers
    worked on another student's variant, a file that cannot be read at all, and one file
    given twice (by two paths)."""
    root, out, entries = class_set
    ws = catalog.get(WS)
    inbox = root / "inbox"
    inbox.mkdir()
    plan = {}
    for k, e in enumerate(entries):
        steps = ws.steps(variants.make(WS, e["seed"]))
        cells = layout.cells(ws.sheet, steps)
        kind = ["honest", "slip", "half", "unreadable", "other seed", "honest"][k % 6]
        texts = {}
        if kind == "honest":
            boxes = work(ws, steps)
        elif kind == "slip":
            slip = cells[len(cells) // 3]
            boxes = work(ws, steps, slips={slip.id})
            plan[e["seed"]] = slip.id
        elif kind == "half":
            boxes = work(ws, steps, upto_page=HALF)
        elif kind == "unreadable":
            boxes = work(ws, steps)
            c = cells[5]
            texts[c.id] = f"{boxes[c.item][c.row, c.col]:.2f}".replace(".", ",")
            plan[e["seed"]] = c.id
        else:   # worked on the next student's variant, handed in under their own seed
            other = entries[(k + 1) % len(entries)]
            boxes = work(ws, ws.steps(variants.make(WS, other["seed"])))
        (inbox / f"{k:02d}.toml").write_text(filled(template_of(out, e), boxes, ws, steps, texts),
                                             encoding="utf-8")
        e["kind"] = kind
    (inbox / "broken.toml").write_text('worksheet = "infonce"\nS = [1, 2\n', encoding="utf-8")
    return root, inbox, entries, plan


def run_check(capsys, *argv) -> tuple[int, str, str]:
    code = main(["check", WS, *argv])
    got = capsys.readouterr()
    return code, got.out, got.err


def test_a_class_of_30_from_roster_to_gradebook(class_set, handed_in, capsys):
    root, inbox, entries, plan = handed_in
    files = sorted(str(p) for p in inbox.glob("*.toml"))
    again = inbox / "00.toml"
    gradebook, chart = root / "grades.csv", root / "class.png"
    code, out, err = run_check(capsys, *files, str(again).replace("/inbox/", "/inbox/./"), "--json",
                               "--csv", str(gradebook), "--plot", str(chart))
    assert code == 2    # one file cannot be read at all
    assert "\u202e" not in out and "\\u202e" in out     # the name exact, but escaped for the terminal
    got = json.loads(out)
    assert isinstance(got, list) and len(got) == len(entries) + 1      # the same file twice counts once
    assert all(tuple(g) == classview.JSON_KEYS for g in got)
    broken = [g for g in got if g["error"]]
    assert len(broken) == 1 and broken[0]["file"].endswith("broken.toml") and "broken.toml" in err
    assert broken[0]["right"] == [] and broken[0]["score"] is None
    by_seed = {g["seed"]: g for g in got if not g["error"]}
    assert sorted(by_seed) == sorted(e["seed"] for e in entries)
    n_boxes = len(layout.cells(catalog.get(WS).sheet, catalog.get(WS).steps()))
    for e in entries:
        g = by_seed[e["seed"]]
        assert g["student"] == e["name"] and g["id"] == e["id"]
        ids = g["right"] + g["follow_through"] + g["wrong"] + g["unreadable"] + g["unchecked"]
        assert len(ids) == len(set(ids)) == n_boxes
        if e["kind"] == "honest":
            assert len(g["right"]) == n_boxes and g["score"] == 1.0
        elif e["kind"] == "slip":
            assert g["wrong"] == [plan[e["seed"]]] and g["first_wrong"] == plan[e["seed"]]
            assert g["follow_through"]
        elif e["kind"] == "half":
            assert g["wrong"] == [] and g["unchecked"] and g["last_page"] == HALF
        elif e["kind"] == "unreadable":
            assert g["unreadable"] == [plan[e["seed"]]] and g["wrong"] == []
            assert g["reasons"] == {plan[e["seed"]]: "a decimal comma? write 0.25 with a point"}
            assert len(g["right"]) == n_boxes - 1
        else:
            assert len(g["wrong"]) > n_boxes // 4, "another variant's answers pass as this one's"
    rows = list(csv.DictReader(io.StringIO(gradebook.read_text(encoding="utf-8-sig"))))
    assert gradebook.read_bytes().startswith(b"\xef\xbb\xbf")
    assert len(rows) == len(entries) + 1
    head = list(rows[0])
    assert head[:4] == ["student", "id", "seed", "score"] and "first wrong" in head
    pages = [h for h in head if h.startswith("page ")]
    assert pages == [f"page {k}" for k in range(1, len(catalog.get(WS).sheet.pages) + 1)]
    for row in rows:
        if row["note"]:
            assert row["score"] == "" and row["file"].endswith("broken.toml")
            continue
        g = by_seed[int(row["seed"])]
        assert row["id"] == g["id"] and float(row["score"]) == pytest.approx(g["score"], abs=5e-5)
        assert row["score"] == f"{float(row['score']):.4f}"
        assert row["first wrong"] == (g["first_wrong"] or "")
        assert row["student"] == classview.cell(g["student"])
        assert all(0 <= float(row[p]) <= 1 for p in pages)
    shown = {row["student"] for row in rows}
    assert "Eve<U+202E>evil" in shown and "'=HYPERLINK(1)" in shown and "李明" in shown
    assert not any(unicodedata.category(ch) in ("Cc", "Cf") for row in rows for v in row.values() for ch in v)
    assert chart.read_bytes().startswith(b"\x89PNG")


def test_the_class_summary_is_one_line_per_student_and_prints_no_name_raw(handed_in, capsys):
    root, inbox, entries, plan = handed_in
    files = sorted(str(p) for p in inbox.glob("*.toml"))
    code, out, err = run_check(capsys, *files)
    assert code == 2 and "\u202e" not in out and "Eve<U+202E>evil" in out
    lines = out.splitlines()
    assert len([ln for ln in lines[1:] if ln.strip() and not ln.startswith(" ")]) >= len(entries) + 1
    slipped = next(e for e in entries if e["kind"] == "slip")
    line = next(ln for ln in lines if str(slipped["seed"]) in ln)
    pages = len(catalog.get(WS).sheet.pages)
    assert line.rstrip().endswith(plan[slipped["seed"]]) and f"{pages} of {pages}" in line
    half = next(e for e in entries if e["kind"] == "half")
    assert f"{HALF} of {pages}" in next(ln for ln in lines if str(half["seed"]) in ln)
    assert any("cannot be read" in ln and "broken.toml" in ln for ln in lines)
    assert code == 2 and main(["check", WS, *[f for f in files if "broken" not in f]]) == 1


def test_the_plot_sorts_students_by_progress_and_counts_every_file(handed_in):
    root, inbox, entries, plan = handed_in
    import argparse

    from aibyhand import cli

    args = argparse.Namespace(name=WS, seed=None, data=None)
    hand_ins = [cli._hand_in(args, str(p)) for p in sorted(inbox.glob("*.toml"))]
    fig = classview.plot(hand_ins, title=WS)
    grid = fig.axes[0]
    labels = [t.get_text() for t in grid.get_yticklabels()]
    assert len(labels) == len(hand_ins) == len(entries) + 1
    order = sorted(classview.labelled(hand_ins), key=classview.progress, reverse=True)
    assert labels == [classview.plot_label(h) for h in order]
    assert labels[-1] == "broken"    # a file that cannot be read is a row too, at the bottom
    assert any(f"{len(entries) + 1} files, 1 cannot be read" in t.get_text() for t in fig.texts)
    assert not any("\u202e" in label for label in labels) and "Eve<U+202E>evil" in labels
    assert all(len(label) <= classview.LABEL_CHARS or label.endswith("]") for label in labels)
    two = [label for label in labels if label.startswith("Ana Lee")]
    assert sorted(two) == ["Ana Lee [s01]", "Ana Lee [s20]"]
    assert grid.get_xticklabels()[0].get_text() == catalog.get(WS).sheet.boxes()[0].name


def test_every_student_gets_a_sheet_a_page_a_key_and_an_answers_file(class_set):
    root, out, entries = class_set
    assert len(entries) == len(ROSTER)

    for e, (name, sid) in zip(entries, ROSTER):
        assert e["name"] == name and e["id"] == sid
        folder = out / e["files"]
        stem = folder.name
        assert sorted(p.name for p in folder.iterdir()) == sorted(
            [f"{WS}-{stem}.pdf", f"{WS}-{stem}.html", f"answers-{WS}-{names.slug(name)}.toml"])
        assert (out / "keys" / f"{WS}-{stem}-key.pdf").exists()
        t = template_of(out, e)
        assert (t["worksheet"], t["seed"], t["student"], t["id"]) == (WS, e["seed"], name, sid)
        html = (folder / f"{WS}-{stem}.html").read_text(encoding="utf-8")
        assert f"variant {e['seed']}" in html and f'value="{escape(name, quote=True)}"' in html
    pages = len(catalog.get(WS).sheet.pages)
    for pdf in ("all-sheets.pdf", "all-keys.pdf"):
        assert pdf_pages((out / pdf).read_bytes()) == len(entries) * (pages + pages % 2)
    # the print-ready PDFs are the students' own pages, in roster order, each on a new leaf
    from pypdf import PdfReader

    def drawn(path, n=None):
        return [pg.get_contents().get_data() for pg in PdfReader(path).pages[:n]]
    for pdf, own in (("all-sheets.pdf", lambda stem: out / "students" / stem / f"{WS}-{stem}.pdf"),
                     ("all-keys.pdf", lambda stem: out / "keys" / f"{WS}-{stem}-key.pdf")):
        together = drawn(out / pdf)
        for i, e in enumerate(entries):
            mine = drawn(own(Path(e["files"]).name))
            assert len(mine) == pages and together[i * (pages + pages % 2):][:pages] == mine, (pdf, e["name"])
    # names that differ only by accents are different students with different files
    folders = [e["files"] for e in entries]
    assert len(set(folders)) == len(folders)
    two = [e for e in entries if e["name"] == "Ana Lee"]
    assert len(two) == 2 and two[0]["files"] != two[1]["files"] and two[1]["files"].endswith("-s20")


@pytest.mark.parametrize("who", ["first", "first moved", "last moved"])
def test_each_students_sheet_key_and_page_are_their_own_seeds(class_set, who):
    """What a student is handed is their seed's variant, drawn here from the seed alone
    (the class set keeps the numbers it made while choosing, for the sheets); students
    who moved hold a seed other than their first."""
    from aibyhand.classroom import page

    _, out, entries = class_set
    moved = [e for e in entries if e.get("moved", 0) > 0]
    assert moved
    e, ws = {"first": entries[0], "first moved": moved[0], "last moved": moved[-1]}[who], catalog.get(WS)
    data, source = variants.make(WS, e["seed"]), f"variant {e['seed']}"
    stem = Path(e["files"]).name
    for key, path in ((False, out / e["files"] / f"{WS}-{stem}.pdf"), (True, out / "keys" / f"{WS}-{stem}-key.pdf")):
        figs, _ = sheet.worksheet_pages(ws, data, key=key, source=source, student=e["name"])
        mine = io.BytesIO()
        sheet.save_pdf(figs, mine)
        sheet.close(figs)
        assert path.read_bytes() == mine.getvalue(), path.name
    html = page.render(ws, data, source=source, seed=e["seed"], student=e["name"], student_id=e["id"])
    assert (out / e["files"] / f"{WS}-{stem}.html").read_text(encoding="utf-8") == html


def test_no_two_students_share_a_variant_a_final_loss_or_a_fifth_of_their_boxes(class_set):
    root, out, entries = class_set
    seeds = [e["seed"] for e in entries]
    assert len(set(seeds)) == len(seeds) and all(1 <= s <= 999_999_999 for s in seeds)
    data = [variants.make(WS, s) for s in seeds]
    finals = [variants.final(WS, d) for d in data]
    boxes = np.array([variants.box_values(WS, d) for d in data])
    for i in range(len(data)):
        same = np.isclose(boxes[:i], boxes[i], rtol=0, atol=1e-9).mean(axis=1)
        assert np.all(same <= variants.MAX_SHARED), (entries[i]["name"], same.max())
        for j in range(i):
            assert not np.allclose(finals[i], finals[j], rtol=0, atol=1e-9), (entries[i]["name"], entries[j]["name"])
    for i, j in [(1, 0), (2, 1), (9, 4), (len(data) - 1, 0)]:   # the shares are the variants' own
        assert variants.shared(WS, data[i], data[j]) == pytest.approx(
            np.isclose(boxes[i], boxes[j], rtol=0, atol=1e-9).mean(), abs=1e-12)
    for e in entries:   # each seed follows from the worksheet and the id, after `moved` seeds passed over
        assert e["seed"] == classset.seed_of(WS, e["id"], e.get("moved", 0))
        assert bool(e.get("moved")) == bool(e.get("why")) and "shares" not in e


def test_seeds_are_the_same_on_every_machine():
    """SHA-256 over UTF-8: fixed numbers, whatever Python's own hash does. NFC and NFD
    spellings of a name are the same key; a counter gives a student's next seed."""
    assert classset.seed_of("infonce", "Ana Lee") == 833986639
    assert classset.seed_of("infonce", "Ana Lee", 1) != 833986639
    assert classset.seed_of("mrl", "Ana Lee") != 833986639
    assert classset.seed_of("infonce", unicodedata.normalize("NFD", "José Núñez")) == \
        classset.seed_of("infonce", "José Núñez") != classset.seed_of("infonce", "Jose Nunez")
    h = int.from_bytes(__import__("hashlib").sha256("aibyhand class set\ninfonce\nAna Lee\n0".encode()).digest()[:8], "big")
    assert classset.seed_of("infonce", "Ana Lee") == 1 + h % 999_999_999


def test_a_collision_moves_the_later_student_to_their_own_next_seed(monkeypatch):
    """Ben's first seed would give Ana's final loss, Cai's first two a third of Ana's
    boxes: the earlier student keeps theirs, the later takes the next seed of their own."""
    ana0 = classset.seed_of("w", "Ana")
    ben0, ben1 = classset.seed_of("w", "Ben"), classset.seed_of("w", "Ben", 1)
    cai0, cai1, cai2 = (classset.seed_of("w", "Cai", k) for k in range(3))
    boxes = {s: list(range(10 * n, 10 * n + 15)) for n, s in enumerate([ana0, ben0, ben1, cai0, cai1, cai2])}
    boxes[cai0][:4] = boxes[ana0][:4]      # 4 of 15 boxes: more than a fifth
    boxes[cai1][5:9] = boxes[ben1][5:9]
    finals = {s: float(n) for n, s in enumerate(boxes)}
    finals[ben0] = finals[ana0]
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    students = [classset.Student("Ana"), classset.Student("Ben"), classset.Student("Cai")]
    classset.assign("w", students)
    assert [(s.seed, s.moved) for s in students] == [(ana0, 0), (ben1, 1), (cai2, 2)]
    assert students[1].why == "the same final result as Ana"
    assert students[2].why == "4 of 15 boxes the same as Ana's; 4 of 15 boxes the same as Ben's"
    text = classset.roster_toml("w", students)
    got = tomllib.loads(text)["student"]
    assert [(g["seed"], g.get("moved", 0), g.get("why", "")) for g in got] == \
        [(s.seed, s.moved, s.why) for s in students]


def test_a_fifth_of_the_boxes_may_be_shared_but_no_more(monkeypatch):
    a, b = classset.seed_of("w", "A"), classset.seed_of("w", "B")
    for same, moved in ((3, 0), (4, 1)):
        boxes = {a: list(range(15)), b: list(range(100, 115))}
        boxes[b][:same] = boxes[a][:same]
        boxes.setdefault(classset.seed_of("w", "B", 1), list(range(200, 215)))
        fake(monkeypatch, lambda s: (float(s), boxes[s]))
        students = [classset.Student("A"), classset.Student("B")]
        classset.assign("w", students)
        assert students[1].moved == moved, same


def test_students_in_roster_toml_keep_their_seeds_when_the_roster_grows(monkeypatch, tmp_path):
    """A class set made for Ben and Cai; Ana joins at the top of the roster, with Ben's
    seed's final loss: Ana moves, nobody else does."""
    ben0, cai0 = classset.seed_of("w", "Ben"), classset.seed_of("w", "Cai")
    ana0, ana1 = classset.seed_of("w", "Ana"), classset.seed_of("w", "Ana", 1)
    table = {ben0: (1.0, [1] * 5), cai0: (2.0, [2] * 5), ana0: (1.0, [3] * 5), ana1: (3.0, [4] * 5)}
    fake(monkeypatch, lambda s: table[s])
    first = classset.assign("w", [classset.Student("Ben"), classset.Student("Cai")])
    (tmp_path / "roster.toml").write_text(classset.roster_toml("w", first))
    pinned = classset.read_pinned(tmp_path / "roster.toml", "w")
    later = classset.assign("w", [classset.Student("Ana"), classset.Student("Ben"), classset.Student("Cai")], pinned)
    assert [(s.name, s.seed, s.moved) for s in later] == [("Ana", ana1, 1), ("Ben", ben0, 0), ("Cai", cai0, 0)]


def test_with_no_seed_apart_from_all_a_student_takes_the_nearest_and_it_is_recorded(monkeypatch):
    """Ben's three seeds all collide with Ana or Cai, whose seeds a class set made before
    (pinned: nobody may move them): he takes the one colliding with the fewest students
    (then with the smallest share of boxes), never none at all, and roster.toml says
    with whom it collides."""
    monkeypatch.setattr(classset, "MAX_MOVES", 3)
    ana, cai = classset.seed_of("w", "Ana"), classset.seed_of("w", "Cai")
    ben = [classset.seed_of("w", "Ben", k) for k in range(3)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate([ana, cai, *ben])}
    boxes[ben[0]][:3] = boxes[ana][:3]                               # 30% of Ana's, one student
    boxes[ben[1]][:3], boxes[ben[1]][5:8] = boxes[ana][:3], boxes[cai][5:8]   # two students
    boxes[ben[2]][:5] = boxes[cai][:5]                               # 50% of Cai's, one student
    finals = {s: float(n) for n, s in enumerate(boxes)}
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    pinned = {"Ana": ana, "Cai": cai}
    students = [classset.Student("Ana"), classset.Student("Cai"), classset.Student("Ben")]
    classset.assign("w", students, pinned)
    assert (students[2].seed, students[2].moved) == (ben[0], 0)
    assert students[2].shares == "3 of 10 boxes the same as Ana's"
    assert "none of their 3 seeds" in students[2].why
    assert not students[0].shares and not students[1].shares
    got = tomllib.loads(classset.roster_toml("w", students))["student"]
    assert got[2]["shares"] == "3 of 10 boxes the same as Ana's" and "shares" not in got[0]
    boxes[ben[0]][3:6] = boxes[cai][3:6]           # now k = 0 collides with two students, at 30%
    for shares in ("5 of 10 boxes the same as Cai's", "the same final result as Ana"):
        if shares.startswith("the same"):          # k = 2: Ana's final loss, no box of anyone's
            boxes[ben[2]], finals[ben[2]] = list(range(900, 910)), finals[ana]
        students = [classset.Student("Ana"), classset.Student("Cai"), classset.Student("Ben")]
        classset.assign("w", students, pinned)
        assert (students[2].seed, students[2].moved, students[2].shares) == (ben[2], 2, shares)


def test_where_roster_order_leaves_a_collision_an_earlier_student_moves_to_make_room(monkeypatch):
    """Ana takes her first seed; every one of Ben's three collides with it, but his first
    is apart from Ana's second: the class set moves Ana (k = 1) and gives Ben k = 0,
    both recorded, nobody colliding."""
    monkeypatch.setattr(classset, "MAX_MOVES", 3)
    ana = [classset.seed_of("w", "Ana", k) for k in range(3)]
    ben = [classset.seed_of("w", "Ben", k) for k in range(3)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate(ana + ben)}
    for b in ben:
        boxes[b][:3] = boxes[ana[0]][:3]          # 30% of Ana's first
    boxes[ana[2]][5:8] = boxes[ben[0]][5:8]       # Ana's third collides with Ben's first
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    students = [classset.Student("Ana"), classset.Student("Ben")]
    told = []
    classset.assign("w", students, untangling=told.append)
    assert told[0] == 2 and told[-1] == 0 and told == sorted(told, reverse=True)
    assert [(s.seed, s.moved, s.shares) for s in students] == [(ana[1], 1, ""), (ben[0], 0, "")]
    assert "keep the class apart" in students[0].why and not students[1].why
    got = tomllib.loads(classset.roster_toml("w", students))["student"]
    assert [(g["seed"], g.get("moved", 0)) for g in got] == [(ana[1], 1), (ben[0], 0)]
    assert all("shares" not in g for g in got)
    again = [classset.Student("Ana"), classset.Student("Ben")]
    classset.assign("w", again)                       # the same roster, the same class set
    assert [(s.seed, s.moved, s.why) for s in again] == [(s.seed, s.moved, s.why) for s in students]


def test_a_student_who_passed_over_many_seeds_is_told_the_first_three_reasons(monkeypatch):
    """Dan's first five seeds each give Ana's final loss: he takes k = 5, and his line
    names the first three collisions and how many more, not all five."""
    ana = classset.seed_of("w", "Ana")
    dan = [classset.seed_of("w", "Dan", k) for k in range(6)]
    table = {s: (float(n), list(range(10 * n, 10 * n + 10))) for n, s in enumerate([ana, *dan])}
    for d in dan[:5]:
        table[d] = (0.0, table[d][1])
    fake(monkeypatch, lambda s: table[s])
    students = [classset.Student("Ana"), classset.Student("Dan")]
    classset.assign("w", students)
    assert (students[1].seed, students[1].moved) == (dan[5], 5)
    assert students[1].why == "; ".join(["the same final result as Ana"] * 3) + "; and 2 more"


def test_untangling_never_moves_a_pinned_student_nor_gives_two_students_one_seed(monkeypatch):
    """As above, but Ana's seed is pinned by an earlier class set: Ben cannot be kept
    apart and says so; Ana keeps her seed. And where Cai's only way apart is Ana's seed,
    he does not take it."""
    monkeypatch.setattr(classset, "MAX_MOVES", 3)
    ana = [classset.seed_of("w", "Ana", k) for k in range(3)]
    ben = [classset.seed_of("w", "Ben", k) for k in range(3)]
    boxes = {s: list(range(100 * n, 100 * n + 10)) for n, s in enumerate(ana + ben)}
    for b in ben:
        boxes[b][:3] = boxes[ana[0]][:3]
    fake(monkeypatch, lambda s: (float(s), boxes[s]))
    students = [classset.Student("Ana"), classset.Student("Ben")]
    classset.assign("w", students, {"Ana": ana[0]})
    assert (students[0].seed, students[0].moved, students[0].shares, students[0].why) == (ana[0], 0, "", "")
    assert students[1].shares == "3 of 10 boxes the same as Ana's"
    # Dee, kept from before too, shares Ana's final loss: recorded, and no reason is made up for her
    dee = classset.seed_of("w", "Dee")
    boxes[dee] = list(range(700, 710))
    finals = {s: float(s) for s in boxes}
    finals[dee] = finals[ana[0]]
    fake(monkeypatch, lambda s: (finals[s], boxes[s]))
    students = [classset.Student("Ben"), classset.Student("Ana"), classset.Student("Dee")]
    classset.assign("w", students, {"Ana": ana[0], "Dee": dee})
    assert [(s.seed, s.shares, s.why) for s in students[1:]] == \
        [(ana[0], "", ""), (dee, "the same final result as Ana", "")]
    assert students[0].shares == "3 of 10 boxes the same as Ana's"
    # Cai's three seeds: Ana's own first one, then two that collide with Ana's first
    cai = [classset.seed_of("w", "Cai", k) for k in range(3)]
    table = {ana[0]: (0.0, list(range(10)))}
    for k, c in enumerate(cai):
        table[c] = (1.0 + k, list(range(3)) + list(range(50 + 10 * k, 57 + 10 * k)))
    table[ana[1]], table[ana[2]] = (9.0, [9] * 10), (8.0, [8] * 10)
    monkeypatch.setattr(classset, "seed_of", lambda w, key, k=0: {"Ana": ana, "Cai": [ana[0], *cai[1:]]}[key][k])
    fake(monkeypatch, lambda s: table[s])
    students = [classset.Student("Ana"), classset.Student("Cai")]
    classset.assign("w", students)
    seeds = [s.seed for s in students]
    assert len(set(seeds)) == 2 and not any(s.shares for s in students)


def test_a_class_too_large_for_its_variants_says_who_is_not_kept_apart(tmp_path, capsys, monkeypatch):
    """One seed a student: on InfoNCE some of eight collide. The students the command
    names as not kept apart are exactly those whose variant collides with an earlier
    one's (checked here from the variants themselves), and the rest of the set is made."""
    monkeypatch.setattr(classset, "MAX_MOVES", 1)
    roster = tmp_path / "names.txt"
    who = [f"Student {k}" for k in range(8)]
    roster.write_text("\n".join(who) + "\n", encoding="utf-8")
    assert main(["class", WS, str(roster), "-o", str(tmp_path / "set")]) == 0
    out, err = capsys.readouterr()
    data = [variants.make(WS, classset.seed_of(WS, w)) for w in who]
    finals = [variants.final(WS, d) for d in data]
    collide = {who[i] for i in range(len(who)) for j in range(i)
               if np.allclose(finals[i], finals[j], rtol=0, atol=1e-9)
               or variants.shared(WS, data[i], data[j]) > variants.MAX_SHARED}
    assert collide, "eight InfoNCE students on one seed each: expected some to collide"
    named = {w for w in who if f"  {w}: seed" in out and "NOT kept apart" in out.split(f"  {w}: seed")[1].split("\n")[0]}
    assert named == collide
    assert f"{len(collide)} of 8 students could not be kept apart" in err
    entries = tomllib.loads((tmp_path / "set" / "roster.toml").read_text(encoding="utf-8"))["student"]
    assert {e["name"] for e in entries if "shares" in e} == collide
    assert all((tmp_path / "set" / "students").glob("*/*.pdf"))


def test_the_command_counts_the_students_who_moved_in_one_line(tmp_path, capsys):
    """Students who passed over seeds are counted, not listed one line each (roster.toml
    says how many and why); the count is theirs in roster.toml."""
    roster = tmp_path / "names.txt"
    roster.write_text("".join(f"Student {k}\n" for k in range(8)), encoding="utf-8")
    assert main(["class", WS, str(roster), "-o", str(tmp_path / "set")]) == 0
    out = capsys.readouterr().out
    entries = tomllib.loads((tmp_path / "set" / "roster.toml").read_text(encoding="utf-8"))["student"]
    moved = [e["name"] for e in entries if e.get("moved") and "shares" not in e]
    assert moved, "eight InfoNCE students: expected some to pass over a seed"
    assert f"  {len(moved)} of 8 students passed over a seed or more" in out
    assert not any(f"  {w}: seed" in out for w in moved)


@pytest.mark.parametrize("moved, shares, said", [
    ((1, 0, 0), ("", "", ""), "  1 of 3 students passed over"),
    ((1, 2, 0), ("", "3 of 10 boxes the same as A's", ""), "  1 of 3 students passed over"),
    ((0, 2, 0), ("", "3 of 10 boxes the same as A's", ""), None),
])
def test_the_moved_count_leaves_out_who_is_not_kept_apart(tmp_path, capsys, monkeypatch, moved, shares, said):
    """One student who moved is counted; one who moved and still collides is told on their
    own line ("NOT kept apart"), not counted among the kept; no count when nobody else moved."""
    students = [classset.Student(n, seed=k, moved=m, why="x" * bool(m), shares=sh)
                for k, (n, m, sh) in enumerate(zip("ABC", moved, shares))]
    monkeypatch.setattr(classset, "make", lambda *a, **k: classset.Made(students, tmp_path / "set", []))
    roster = tmp_path / "names.txt"
    roster.write_text("A\nB\nC\n", encoding="utf-8")
    assert main(["class", WS, str(roster), "-o", str(tmp_path / "set")]) == 0
    out = capsys.readouterr().out
    assert ("passed over" in out) == (said is not None)
    assert said is None or said in out
    assert ("  B: seed 1, NOT kept apart" in out) == bool(shares[1])


def test_the_same_command_remakes_a_lost_sheet_byte_for_byte(tmp_path, capsys):
    roster = tmp_path / "names.txt"
    roster.write_text("Ana Lee\n\n  李明  \n", encoding="utf-8")
    out = tmp_path / "set"
    assert main(["class", WS, str(roster), "-o", str(out)]) == 0
    before = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    lost = next(p for p in before if p.suffix == ".pdf" and "students" in p.parts)
    lost.unlink()
    answered = next(p for p in before if p.name.startswith("answers-"))
    answered.write_text(answered.read_text(encoding="utf-8").replace('"loss" = ""', '"loss" = "1/3"'))
    if "1/3" not in answered.read_text(encoding="utf-8"):
        answered.write_text(answered.read_text(encoding="utf-8") + "# my work\n")
    mine = answered.read_bytes()
    assert main(["class", WS, str(roster), "-o", str(out)]) == 0
    said = capsys.readouterr().out
    after = {p: p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert set(after) == set(before)
    assert all(after[p] == before[p] for p in before if p != answered)
    assert after[answered] == mine and f"kept {answered}" in said     # answers are never overwritten
    assert tomllib.loads((out / "roster.toml").read_text(encoding="utf-8"))["student"][1]["name"] == "李明"


def test_seeds_are_the_same_chosen_in_one_process_or_several(monkeypatch):
    """Variants made in worker processes: the same seeds, moves and reasons. 30 InfoNCE
    students with 10 seeds each: roster order passes over seeds (made a batch at a time)
    and leaves collisions to untangle."""
    monkeypatch.setattr(classset, "MAX_MOVES", 10)
    chosen = {}
    for n in (1, 2):
        students = [classset.Student(name, sid) for name, sid in ROSTER]
        told = []
        classset.assign("infonce", students, untangling=told.append, workers=n)
        chosen[n] = [(s.seed, s.moved, s.why, s.shares) for s in students], told
    assert chosen[1] == chosen[2]
    assert any(moved for _, moved, _, _ in chosen[1][0]) and chosen[1][1][0] > chosen[1][1][-1] == 0


def test_a_class_set_is_the_same_written_in_one_process_or_several(tmp_path):
    """Sheets written in worker processes: the same bytes in every file."""
    roster = tmp_path / "names.txt"
    roster.write_text("Ana Lee\n李明\nZoë O'Brien\n", encoding="utf-8")
    files = {}
    for n in (1, 2):
        out = classset.make(WS, roster, tmp_path / f"w{n}", workers=n).folder
        files[n] = {p.relative_to(out): p.read_bytes() for p in out.rglob("*") if p.is_file()}
    assert files[1] == files[2] and len(files[1]) == 3 + 4 * 3


@pytest.mark.parametrize("text, suffix, words", [
    ("", ".txt", ["no students"]),
    ("Ana\nAna\n", ".txt", ["line 2", "'Ana' again (line 1)", "an id each"]),
    ("name,id\nAna,1\nBen,1\n", ".csv", ["line 3", "the id '1' again (line 2)"]),
    ("name,id\nAna,1\nAna,\n", ".csv", ["line 3", "'Ana' again"]),
    ("who,id\nAna,1\n", ".csv", ["'name' column"]),
    ("name,name\nAna,Ben\n", ".csv", ["'name' twice"]),
    ("Name,id,ID\nAna,1,2\n", ".csv", ["'id' twice"]),
    ("name\n" + "x" * 61 + "\n", ".csv", ["line 2", "1 to 60 characters"]),
    ("name\nA\x07na\n", ".csv", ["line 2", "<U+0007>"]),
    ("\n".join(f"s{k}" for k in range(301)), ".txt", ["301 students", "at most 300"]),
])
def test_a_roster_that_cannot_be_used_is_one_line_and_exit_2(tmp_path, capsys, text, suffix, words):
    roster = tmp_path / f"roster{suffix}"
    roster.write_text(text, encoding="utf-8")
    assert main(["class", WS, str(roster), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and str(roster) in err[0]
    for w in words:
        assert w in err[0], err[0]
    assert not (tmp_path / "out").exists()


def test_a_roster_in_latin_1_is_refused_and_a_byte_order_mark_is_read(tmp_path):
    p = tmp_path / "r.txt"
    p.write_bytes("José\n".encode("latin-1"))
    with pytest.raises(WorksheetError, match="UTF-8"):
        classset.read_roster(p)
    p.write_bytes("\ufeffJosé\n".encode("utf-8"))
    assert [s.name for s in classset.read_roster(p)] == ["José"]


@pytest.mark.parametrize("delimiter", [",", ";", "\t"])
def test_a_csv_roster_reads_its_name_and_id_columns_in_any_order_and_case(tmp_path, delimiter):
    p = tmp_path / "r.csv"
    p.write_text(delimiter.join(["ID", " Name ", "email"]) + "\n" +
                 delimiter.join(["7", "Ana Lee", "a@x"]) + "\n\n" + delimiter.join(["8", '"Lee, Ana"', "b@x"]) + "\n")
    got = classset.read_roster(p)
    assert [(s.name, s.id, s.line) for s in got] == [("Ana Lee", "7", 2), ("Lee, Ana", "8", 4)]


def test_the_print_ready_pdf_starts_every_student_on_a_new_leaf(tmp_path):
    """A 3-page sheet is followed by a blank page; a 4-page one is not."""
    import matplotlib.pyplot as plt

    pdf = classset._Pdf()
    for n in (3, 4, 1):
        figs = [plt.figure(figsize=(8.27, 11.69)) for _ in range(n)]
        one = io.BytesIO()
        sheet.save_pdf(figs, one)
        pdf.add(one.getvalue())
        for f in figs:
            plt.close(f)
    assert pdf_pages(pdf.close()) == 4 + 4 + 2


def _children(pid: int) -> list[int]:
    """The processes whose parent is ``pid`` (from /proc)."""
    out = []
    for stat in Path("/proc").glob("[0-9]*/stat"):
        try:
            fields = stat.read_text().rsplit(")", 1)[1].split()
        except OSError:
            continue
        if int(fields[1]) == pid:
            out.append(int(stat.parent.name))
    return out


def _running(pid: int) -> bool:
    try:
        return Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()[0] != "Z"
    except OSError:
        return False


def test_a_killed_class_set_leaves_no_worker_behind(tmp_path):
    """The command killed (SIGKILL: no clean-up of its own) while its workers write
    sheets: every worker ends too, none is left waiting for work forever."""
    import subprocess
    import sys
    import time

    roster = tmp_path / "names.txt"
    roster.write_text("".join(f"Student {k}\n" for k in range(8)), encoding="utf-8")
    run = subprocess.Popen([sys.executable, "-c", "import sys; from aibyhand.classroom import classset; "
                            "classset.make('head', sys.argv[1], sys.argv[2], workers=2)",
                            str(roster), str(tmp_path / "out")])
    workers = []
    for _ in range(1200):                       # until its workers have started (at most 2 minutes)
        workers = _children(run.pid)
        if len(workers) >= 2 or run.poll() is not None:
            break
        time.sleep(0.1)
    run.kill()
    run.wait()
    assert len(workers) >= 2, "the class set never started its workers"
    for _ in range(300):                        # the workers end (at most 30 s)
        if not any(_running(w) for w in workers):
            break
        time.sleep(0.1)
    left = [w for w in workers if _running(w)]
    for w in left:
        os.kill(w, 9)
    assert not left, "workers outlived the class set"


def test_the_progress_bar_draws_only_on_a_terminal():
    class Stream(io.StringIO):
        def __init__(self, tty):
            super().__init__()
            self.tty = tty

        def isatty(self):
            return self.tty

    quiet, loud = Stream(False), Stream(True)
    for stream in (quiet, loud):
        with classset.progress(3, "writing", stream) as bar:
            for name in ("Ana", "Eve\u202e", "李明"):
                classset._step(bar, name)
    assert quiet.getvalue() == ""
    text = loud.getvalue()
    last = text.rstrip("\n").split("\r")[-1]          # what the terminal shows at the end
    assert last.startswith("writing") and "3/3" in last and "李明" in last and text.endswith("\n")
    assert "\u202e" not in text and "Eve<U+202E>" in text



def test_a_class_set_into_a_file_is_one_line_and_exit_2(tmp_path, capsys):
    roster = tmp_path / "r.txt"
    roster.write_text("Ana\n", encoding="utf-8")
    (tmp_path / "out").write_text("not a folder")
    assert main(["class", WS, str(roster), "-o", str(tmp_path / "out")]) == 2
    err = capsys.readouterr().err.strip().splitlines()
    assert len(err) == 1 and "is a file" in err[0]
