"""What README.md promises: its printout is what the command prints, its commands run, its
tables are the package's numbers."""

import re
import shlex
import subprocess
import sys
from pathlib import Path

import pytest

from aibyhand.classroom import catalog, layout
from aibyhand.cli import main

README = (Path(__file__).resolve().parent.parent / "README.md").read_text()


def blocks(kind: str) -> list[str]:
    return re.findall(rf"```{kind}\n(.*?)```", README, flags=re.S)


def test_the_printout_is_what_its_command_prints(capsys):
    section = README.split("## A printout", 1)[1]
    intro = re.search(r"`(aibyhand show [^`]+)` prints", section)
    assert intro, "the printout's command is named above it"
    argv = shlex.split(intro.group(1))[1:]
    assert main(argv) == 0
    out = capsys.readouterr().out
    printout = re.search(r"```text\n(.*?)```", section, flags=re.S).group(1)
    assert printout.strip() in out, "README's printout differs from what the command prints"


def command_lines():
    """Every ``aibyhand ...`` line of the README's command blocks, placeholders filled."""
    out = []
    for block in blocks("bash"):
        for line in block.splitlines():
            line = line.split("#", 1)[0].strip()
            if line.startswith("aibyhand ") and "bench" not in line:
                out.append(line)
    return out


def concrete(line: str, tmp: Path) -> list[str]:
    line = (line.replace("NAME", "mrl").replace("[--seed N]", "--seed 2").replace("--seed N", "--seed 2")
            .replace("[--data FILE]", "").replace("[--key]", "--key").replace("[more.toml ...]", "")
            .replace("hand-ins/*.toml", f"{tmp}/a.toml {tmp}/b.toml"))
    argv = shlex.split(line)[1:]
    out = []
    for a in argv:
        if a.endswith((".toml", ".pdf", ".png", ".html", ".csv", ".txt")) and "/" not in a:
            a = str(tmp / a)
        out.append(a)
    return out


def test_every_command_the_readme_shows_runs(tmp_path):
    lines = command_lines()
    assert len(lines) >= 10
    # the answers files the check lines read: what the template and the key write
    ws = catalog.get("mrl")
    for name in ("a.toml", "b.toml"):
        (tmp_path / name).write_text(
            subprocess.run([sys.executable, "-m", "aibyhand", "sheet", "mrl", "--key", "-o", "/dev/stdout"],
                           capture_output=True, text=True).stdout.split("\nwrote")[0])
    ran = 0
    for line in lines:
        argv = concrete(line, tmp_path)
        if "--answers-template" in argv and "-o" in argv:
            target = Path(argv[argv.index("-o") + 1])
            target.unlink(missing_ok=True)
        if argv[:1] == ["class"]:   # a class set of two
            Path(argv[2]).write_text("Ana Lee\n李明\n", encoding="utf-8")
        if argv[:1] == ["check"] and not any(Path(a).exists() for a in argv if a.endswith(".toml")):
            (tmp_path / "answers.toml").write_text((tmp_path / "a.toml").read_text())
        result = subprocess.run([sys.executable, "-m", "aibyhand", *argv], capture_output=True,
                                text=True, timeout=300, cwd=tmp_path)
        assert result.returncode in (0, 1), (line, argv, result.stderr)
        assert "Traceback" not in result.stderr, (line, result.stderr)
        ran += 1
    assert ran == len(lines)
    assert ws.name == "mrl"


def test_the_worksheet_table_gives_each_sheets_pages_boxes_and_minutes():
    """Pages and boxes of --seed 0, and the minutes the sheet's header states."""
    from aibyhand.classroom import stats

    for ws in catalog.WORKSHEETS.values():
        steps = ws.steps()
        row = next(line for line in README.splitlines() if f"| `{ws.name}` |" in line)
        counts = f"{len(ws.sheet.pages)}, {len(layout.cells(ws.sheet, steps))}"
        assert row.rstrip().endswith(f"| {counts}, {stats.minutes(ws, steps=steps)} |"), row


@pytest.mark.parametrize("path", ["worksheets/04_mrl-1.png", "worksheets/03_infonce_key-1.png"])
def test_the_pictures_it_shows_exist(path):
    assert f"]({path})" in README
    assert (Path(__file__).resolve().parent.parent / path).read_bytes().startswith(b"\x89PNG")
