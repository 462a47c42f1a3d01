"""``aibyhand bench``'s variants report (issue 19 §2): the seconds per variant of each
worksheet and the seconds for a class set. The plumbing and the lines, never a time."""

import re
from pathlib import Path

import pytest

from aibyhand import bench
from aibyhand.classroom import catalog
from aibyhand.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def test_the_report_gives_each_sheets_median_and_worst_and_the_class_set():
    """Made-up seconds for every worksheet: a line each with median, worst and the verdict
    against 1 s and 3 s; the class set's line names its worksheet and its size."""
    r = {"seeds": 20, "first": bench.FIRST_SEED, "class_size": 60,
         "times": {n: [0.2, 0.5, 4.0] if n == "embed" else [0.1, 0.3] for n in catalog.WORKSHEETS},
         "class": {"infonce": (90.0, 80.5, 0), "mrl": (200.0, 190.0, 17)}}
    lines = bench.format_variants(r).splitlines()
    assert lines[0].startswith("seconds per variant: seeds 32-51 of each worksheet")
    assert "median 1 s, worst 3 s" in lines[0]
    rows = {line.split()[0]: line.split()[1:] for line in lines[2:2 + len(catalog.WORKSHEETS)]}
    assert set(rows) == set(catalog.WORKSHEETS)
    assert rows["embed"] == ["0.50s", "4.00s", "OVER"] and rows["head"] == ["0.20s", "0.30s", "within"]
    assert lines[-2] == ("class set of 60: aibyhand class infonce ROSTER -o DIR, a fresh process: "
                         "90.0 s (1.50 s a student; CPU 80.5 s)")
    assert lines[-1] == ("class set of 60: aibyhand class mrl ROSTER -o DIR, a fresh process: "
                         "200.0 s (3.33 s a student; CPU 190.0 s; 17 not kept apart from every other)")


def test_variants_are_timed_from_nothing_and_a_class_set_really_runs():
    """One seed of one sheet timed in this process; a class set of 2 made by the command."""
    r = bench.variants_report(names=["head"], seeds=1, class_sheets=("head",), class_size=2)
    assert list(r["times"]) == ["head"] and len(r["times"]["head"]) == 1 and r["times"]["head"][0] > 0
    text = bench.format_variants(r)
    assert re.search(r"^  head +\d+\.\d\ds +\d+\.\d\ds  (within|OVER)$", text, re.M), text
    assert re.search(r"^class set of 2: aibyhand class head ROSTER -o DIR, a fresh process: \d+\.\d s", text,
                     re.M), text


def test_the_roster_has_as_many_different_names_as_asked():
    names = bench.roster(60).splitlines()
    assert len(names) == 60 == len(set(names))


def test_seeds_and_class_sheet_are_checked_and_stated(capsys):
    for argv in (["bench", "--seeds", "0"], ["bench", "--seeds", "201"], ["bench", "--class-sheet", "nope"]):
        with pytest.raises(SystemExit) as e:
            main(argv)
        assert e.value.code == 2, argv
    assert "1 to 200" in capsys.readouterr().err
    readme = " ".join(README.split())
    assert "`--seeds N` (1 to 200;" in readme and "`aibyhand bench --variants`" in readme


def test_a_browser_that_will_not_start_is_one_line_not_a_traceback(monkeypatch, tmp_path):
    """`bench --page` where Chromium cannot start (here: a program that is not a browser)
    reports why in one line instead of playwright's traceback."""
    pytest.importorskip("playwright")
    from aibyhand.classroom import pagebench

    fake = tmp_path / "chromium"
    fake.write_text("#!/bin/sh\nexit 1\n")
    fake.chmod(0o755)
    monkeypatch.setattr(pagebench, "CHROMIUM", str(fake))
    line = pagebench.report()
    assert "\n" not in line and "not measured here" in line and "did not start" in line, line


def test_a_class_set_that_cannot_be_made_is_reported_in_one_line_not_a_traceback():
    """A class the class set refuses (here 301 students, over its 300) is a line of the
    report saying why; the variant times are still reported."""
    r = bench.variants_report(names=["head"], seeds=1, class_sheets=("head",), class_size=301)
    text = bench.format_variants(r)
    line = next(ln for ln in text.splitlines() if ln.startswith("class set of 301"))
    assert "could not be made" in line and "at most 300" in line, line
    assert any(ln.strip().startswith("head") for ln in text.splitlines())
