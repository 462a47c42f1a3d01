"""The aibyhand command: list, show, sheet, check; bad input exits 2 with one line."""

import re
import subprocess
import sys

import numpy as np
import pytest

from aibyhand import catalog, check
from aibyhand.cli import main

NAMES = ["decode", "embed", "infonce", "mrl", "finetune", "head"]


def run(capsys, *argv):
    code = main(list(argv))
    out, err = capsys.readouterr()
    return code, out, err


def test_list_names_the_six_worksheets(capsys):
    code, out, _ = run(capsys, "list")
    assert code == 0
    assert sorted(line.split()[0] for line in out.splitlines()) == sorted(NAMES)


@pytest.mark.parametrize("name", NAMES)
def test_show_prints_every_step(capsys, name):
    code, out, _ = run(capsys, "show", name)
    assert code == 0
    for step in catalog.get(name).steps():
        assert f"\n{step} = " in "\n" + out or f"\n{step.rsplit(' / ', 1)[-1]} = " in "\n" + out
    assert "np.float64" not in out and "-0.00" not in out


def test_show_a_seed_is_a_different_worksheet_and_repeatable(capsys):
    _, a, _ = run(capsys, "show", "infonce", "--seed", "1")
    _, b, _ = run(capsys, "show", "infonce", "--seed", "1")
    _, c, _ = run(capsys, "show", "infonce")
    assert a == b and a != c


def answers_file(tmp_path, name, change=None):
    """The right answers (exact values), optionally with one cell changed."""
    steps = catalog.get(name).steps(sheet=True)
    lines = []
    for cell in check.cells(steps):
        value = np.asarray(check._sheet_value(steps[cell]), dtype=float)
        if change and cell == change[0]:
            value = value.copy()
            value[change[1]] += 1.0
        text = repr(float(value)) if value.ndim == 0 else "[" + ", ".join(
            "[" + ", ".join(repr(float(x)) for x in row) + "]" for row in value) + "]"
        lines.append(f'"{cell}" = {text}'.replace("inf", "inf"))
    path = tmp_path / "answers.toml"
    path.write_text("\n".join(lines) + "\n")
    return path


def test_check_all_right_exits_0(tmp_path, capsys):
    code, out, _ = run(capsys, "check", "infonce", str(answers_file(tmp_path, "infonce")))
    assert code == 0 and "all 148 cells right" in out


def test_check_names_a_single_wrong_cell(tmp_path, capsys):
    path = answers_file(tmp_path, "infonce", change=("S", (1, 2)))
    code, out, _ = run(capsys, "check", "infonce", str(path))
    assert code == 1
    wrong = [line for line in out.splitlines() if line.startswith("WRONG")]
    assert wrong == ["WRONG  S = A_hat^T P_hat   cos(a_i, p_j)   (uses A_hat, P_hat)"]
    assert "S[a2, p3]: you wrote 0.50, expected -0.50" in out
    assert "1 of 148 cells wrong; go back to S" in out


def test_check_accepts_fractions_and_rounding(tmp_path, capsys):
    path = answers_file(tmp_path, "infonce")
    text = re.sub(r'"Z" = .*', '"Z" = [["5/3"], ["13/9"], [1.44]]', path.read_text())
    assert '"5/3"' in text
    path.write_text(text)
    code, out, _ = run(capsys, "check", "infonce", str(path))
    assert code == 0, out


@pytest.mark.parametrize("edit, words", [
    (lambda t: "S = [[1, 2\n", ["not valid TOML"]),
    (lambda t: t.replace('"loss" = ', '"lost" = '), ["'lost'"]),
    (lambda t: "\n".join(line for line in t.splitlines() if not line.startswith('"dS"')), ["missing key 'dS'"]),
    (lambda t: t.replace('"S" = [[0.5, 0.0, 0.0], ', '"S" = [[0.5, 0.0], '), ["S", "3 rows of 3 numbers"]),
    (lambda t: t.replace('"S" = [[0.5,', '"S" = [["half",'), ["S[1][1]", "'half'"]),
])
def test_malformed_answers_exit_2_with_one_line(tmp_path, edit, words):
    path = answers_file(tmp_path, "infonce")
    path.write_text(edit(path.read_text()))
    result = subprocess.run([sys.executable, "-m", "aibyhand", "check", "infonce", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 2
    assert "Traceback" not in result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and str(path) in lines[0], result.stderr
    for word in words:
        assert word in lines[0]


@pytest.mark.parametrize("argv, words", [
    (["show", "nope"], ["NAME", "decode, embed"]),
    (["show", "mrl", "--data", "missing.toml"], ["missing.toml", "no such file"]),
    (["sheet", "mrl", "-o", "x.txt"], [".pdf or .png"]),
])
def test_bad_command_line_exits_2_with_one_line(argv, words):
    result = subprocess.run([sys.executable, "-m", "aibyhand", *argv], capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
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
    result = subprocess.run([sys.executable, "-m", "aibyhand", "show", "mrl", "--data", str(path)],
                            capture_output=True, text=True)
    assert result.returncode == 2 and "Traceback" not in result.stderr
    assert f"{path}: temperature: expected a finite number, got 'warm'" in result.stderr


def test_sheet_writes_pdf_and_png_pages(tmp_path, capsys):
    code, out, _ = run(capsys, "sheet", "infonce", "--key", "-o", str(tmp_path / "k.png"))
    assert code == 0 and (tmp_path / "k.png").exists() and (tmp_path / "k-2.png").exists()
    code, out, _ = run(capsys, "sheet", "head", "--seed", "4", "-o", str(tmp_path / "h.pdf"))
    assert code == 0 and (tmp_path / "h.pdf").read_bytes().startswith(b"%PDF")


def test_answers_template_has_every_cell(capsys):
    import tomllib

    code, out, _ = run(capsys, "sheet", "mrl", "--answers-template", "--seed", "4")
    parsed = tomllib.loads(out)
    assert code == 0 and parsed.pop("worksheet") == "mrl" and parsed.pop("seed") == 4
    assert list(parsed) == check.cells(catalog.get("mrl").steps(sheet=True, seed=4))


def test_check_uses_the_seed_the_answers_were_made_for(tmp_path, capsys):
    code, out, _ = run(capsys, "sheet", "infonce", "--seed", "3", "--answers-template",
                       "-o", str(tmp_path / "a.toml"))
    assert code == 0
    code, out, _ = run(capsys, "sheet", "infonce", "--answers-template", "-o", str(tmp_path / "a.toml"))
    assert code == 2  # never overwrites a student's file
    code, out, _ = run(capsys, "check", "infonce", str(tmp_path / "a.toml"))
    assert code == 1 and "cells wrong" in out  # checked against seed 3: the zeros are wrong
    code, _, err = run(capsys, "check", "mrl", str(tmp_path / "a.toml"))
    assert code == 2 and "for worksheet 'infonce'" in err
    code, _, err = run(capsys, "check", "infonce", str(tmp_path / "a.toml"), "--seed", "4")
    assert code == 2 and "--seed 3, not --seed 4" in err
