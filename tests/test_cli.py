"""The aibyhand command: list, show, sheet, check; exit codes 0, 1, 2; one line on error."""

import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest

from aibyhand.classroom import catalog, check, layout
from aibyhand.cli import main
from students import answers_toml, work

NAMES = ["decode", "embed", "infonce", "mrl", "finetune", "head"]

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def cli(*argv, **kw):
    return subprocess.run([sys.executable, "-m", "aibyhand", *argv], capture_output=True, text=True, **kw)


def test_list_names_the_six_worksheets(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert sorted(line.split()[0] for line in out.splitlines()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_show_prints_every_step(capsys, name):
    code, out, _ = run(capsys, "show", name)
    assert code == 0
    for step in catalog.get(name).steps():
        local = step.rsplit(" / ", 1)[-1]
        assert any(f"\n{x} = " in "\n" + out or f"\n{x}   given" in "\n" + out for x in (step, local)), step
    assert "np.float64" not in out and "-0.00" not in out and "array(" not in out


@pytest.mark.parametrize("name", NAMES)
def test_show_sheet_prints_every_box_page_by_page(capsys, name):
    code, out, _ = run(capsys, "show", name, "--sheet")
    assert code == 0
    ws = catalog.get(name)
    at = [out.index(f"== page {k} of {len(ws.sheet.pages)}: {p.title} ==") for k, p in enumerate(ws.sheet.pages, 1)]
    assert at == sorted(at)
    for k, page in enumerate(ws.sheet.pages):
        part = out[at[k]:at[k + 1] if k + 1 < len(at) else None]
        for row in page.slots:
            for it in row:
                if it is not None:
                    assert f"\n{it.name} = " in part or f"\n{it.name}   (" in part, (name, k, it.name)


def test_show_a_seed_is_a_different_worksheet_and_repeatable(capsys):
    _, a, _ = run(capsys, "show", "infonce", "--seed", "1")
    _, b, _ = run(capsys, "show", "infonce", "--seed", "1")
    _, c, _ = run(capsys, "show", "infonce")
    _, d, _ = run(capsys, "show", "infonce", "--seed", "0")
    assert a == b and a != c and c == d


def test_check_exit_codes_0_1_2(tmp_path, capsys):
    ws = catalog.get("infonce")
    steps = ws.steps()
    right, wrong = tmp_path / "right.toml", tmp_path / "wrong.toml"
    right.write_text(answers_toml(ws, steps, work(ws, steps)))
    wrong.write_text(answers_toml(ws, steps, work(ws, steps, slips={layout.cells(ws.sheet, steps)[0].id})))
    assert run(capsys, "check", "infonce", str(right))[0] == 0
    code, out, _ = run(capsys, "check", "infonce", str(wrong))
    assert code == 1 and "go back to S[a1, p1] = A^T P / (|A|^T |P|); it uses A, P, |A|, |P|" in out
    (tmp_path / "bad.toml").write_text("S = [[1, 2\n")
    code, _, err = run(capsys, "check", "infonce", str(tmp_path / "bad.toml"))
    assert code == 2 and len(err.strip().splitlines()) == 1


def test_wrong_answers_exit_1_even_through_a_closed_pipe(tmp_path):
    """| head -1 closes the pipe: the exit code is still 1 (some answers wrong), not 0."""
    ws = catalog.get("mrl")
    steps = ws.steps()
    path = tmp_path / "w.toml"
    path.write_text(answers_toml(ws, steps, {k: v + 3 for k, v in work(ws, steps).items()}))
    result = subprocess.run(f"set -o pipefail; {sys.executable} -m aibyhand check mrl {path} | head -1",
                            shell=True, executable="/bin/bash", capture_output=True, text=True)
    assert result.returncode == 1 and "Traceback" not in result.stderr


ROW = '["", "", ""]'


@pytest.mark.parametrize("text, words", [
    ("S = [[1, 2\n", ["not valid TOML"]),
    (f"SS = [{ROW}, {ROW}, {ROW}]", ["'SS' is not a box on this sheet"]),
    ("S = [[1, 2], [3, 4]]", ["S: expected 3 rows of 3"]),
    ("x = " + "[" * 100 + "]" * 100, ["nested 100 deep"]),
    ('S = "3/0"', ["S: expected 3 rows of 3"]),
])
def test_malformed_answers_exit_2_with_one_line(tmp_path, text, words):
    path = tmp_path / "answers.toml"
    path.write_text('worksheet = "infonce"\n' + text + "\n")
    result = cli("check", "infonce", str(path), timeout=60)
    assert result.returncode == 2, (result.stdout, result.stderr)
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.stderr
    for word in words:
        assert word in lines[0], lines[0]


@pytest.mark.parametrize("argv, words", [
    (["show", "nope"], ["NAME", "decode, embed"]),
    (["show", "mrl", "--data", "missing.toml"], ["missing.toml", "no such file"]),
    (["sheet", "mrl", "-o", "x.txt"], [".pdf, .png, .html or .toml", "x.txt"]),
    (["sheet", "mrl", "-o", "x.toml"], ["--key"]),
    (["show", "mrl", "--seed", "-1"], ["--seed", "from 0 to 999,999,999", "got -1"]),
    (["show", "mrl", "--seed", "2", "--data", "x.toml"], ["--data and a seed"]),
])
def test_bad_command_line_exits_2_with_one_line(argv, words):
    result = cli(*argv)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1
    for word in words:
        assert word in result.stderr


def test_a_saved_variant_is_a_worksheet_file(tmp_path, capsys):
    for name in NAMES:
        path = tmp_path / f"{name}.toml"
        _, seeded, _ = run(capsys, "show", name, "--seed", "6", "--save", str(path))
        code, from_file, _ = run(capsys, "show", name, "--data", str(path))
        assert code == 0 and from_file == seeded, name


def test_malformed_worksheet_file_names_file_and_key(tmp_path):
    text = catalog.get("mrl").path.read_text().replace("temperature = 1", 'temperature = "warm"')
    path = tmp_path / "mine.toml"
    path.write_text(text)
    result = cli("show", "mrl", "--data", str(path))
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}: temperature: expected a number, got 'warm'" in result.stderr


def test_sheet_writes_pdf_png_and_html(tmp_path, capsys):
    code, out, _ = run(capsys, "sheet", "infonce", "--key", "-o", str(tmp_path / "k.png"))
    pages = len(catalog.get("infonce").sheet.pages)
    pngs = {p.name for p in tmp_path.glob("k*.png")}
    assert code == 0 and pngs == {"k.png"} | {f"k-{n}.png" for n in range(2, pages + 1)}
    code, out, _ = run(capsys, "sheet", "head", "--seed", "4", "-o", str(tmp_path / "h.pdf"))
    assert code == 0 and (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")
    code, out, _ = run(capsys, "sheet", "mrl", "--seed", "4", "-o", str(tmp_path / "m.html"))
    assert code == 0 and (tmp_path / "m.html").read_text().lstrip().lower().startswith("<!doctype html")


def test_the_key_as_an_answers_file_is_all_right(tmp_path, capsys):
    key = tmp_path / "key.toml"
    code, _, _ = run(capsys, "sheet", "mrl", "--seed", "3", "--key", "-o", str(key))
    assert code == 0
    raw = tomllib.loads(key.read_text())
    assert raw["worksheet"] == "mrl" and raw["seed"] == 3
    code, out, _ = run(capsys, "check", "mrl", str(key))
    assert code == 0 and " 0 wrong, 0 not done" in out


def test_answers_template_has_every_box(capsys):
    code, out, _ = run(capsys, "sheet", "mrl", "--answers-template", "--seed", "4")
    parsed = tomllib.loads(out)
    assert code == 0 and parsed.pop("worksheet") == "mrl" and parsed.pop("seed") == 4 and parsed.pop("student") == ""
    ws = catalog.get("mrl")
    assert list(parsed) == [it.name for it in ws.sheet.boxes()]


def test_check_uses_the_seed_the_answers_were_made_for(tmp_path, capsys):
    code, out, _ = run(capsys, "sheet", "infonce", "--seed", "3", "--answers-template",
                       "-o", str(tmp_path / "a.toml"))
    assert code == 0
    code, out, _ = run(capsys, "sheet", "infonce", "--answers-template", "-o", str(tmp_path / "a.toml"))
    assert code == 2  # never overwrites a student's file
    ws = catalog.get("infonce")
    steps = ws.steps(seed=3)
    (tmp_path / "a.toml").write_text(answers_toml(ws, steps, work(ws, steps), seed=3))
    code, out, _ = run(capsys, "check", "infonce", str(tmp_path / "a.toml"))
    assert code == 0  # checked against seed 3's numbers
    code, _, err = run(capsys, "check", "mrl", str(tmp_path / "a.toml"))
    assert code == 2 and "for worksheet 'infonce'" in err
    code, _, err = run(capsys, "check", "infonce", str(tmp_path / "a.toml"), "--seed", "4")
    assert code == 2 and "--seed 3, not --seed 4" in err


def test_output_that_cannot_be_written_is_one_line(tmp_path):
    result = subprocess.run(f"{sys.executable} -m aibyhand show infonce > /dev/full", shell=True,
                            capture_output=True, text=True)
    assert result.returncode == 2 and "cannot write the output" in result.stderr
    assert len(result.stderr.strip().splitlines()) == 1


def test_a_sheet_from_a_numbers_file_says_how_to_check_it(capsys, tmp_path):
    """The blank answers file and the key of a sheet made with --data name that file in
    their check command, and that command checks them."""
    data = Path(__file__).parent.parent / "worksheets" / "03_infonce.toml"
    code, out, _ = run(capsys, "sheet", "infonce", "--data", str(data), "--answers-template")
    assert code == 0 and f"# check: aibyhand check infonce this-file.toml --data {data}" in out
    key = tmp_path / "key.toml"
    code, _, _ = run(capsys, "sheet", "infonce", "--data", str(data), "--key", "-o", str(key))
    assert code == 0 and f"--data {data}" in key.read_text()
    assert run(capsys, "check", "infonce", str(key), "--data", str(data))[0] == 0
    code, out, _ = run(capsys, "sheet", "infonce", "--answers-template")
    assert code == 0 and "# check: aibyhand check infonce this-file.toml\n" in out
