"""A page is refused where its printed sheet would be.

Numbers from a file are laid out on the sheet's pages first: the page is made exactly
when the sheet can be (the sheet's own check decides, whatever it is); and any data far
beyond a printed sheet (the issue's B = 60 InfoNCE: 22,861 boxes, a 6 MB page that took
22 s to load) is refused before anything is built.
"""

from __future__ import annotations

import subprocess
import sys

import numpy as np
import pytest

from aibyhand.classroom import catalog, page, sheet
from aibyhand.classroom.worksheet import WorksheetError


def infonce_file(tmp_path, B: int, seed: int = 1):
    """An InfoNCE numbers file with a batch of B pairs (no zero vector)."""
    rng = np.random.default_rng(seed)
    A, P = rng.integers(-2, 3, (4, B)), rng.integers(-2, 3, (4, B))
    A[0], P[0] = 1, 1

    def rows(M):
        return "[\n" + "".join("  [" + ", ".join(str(int(x)) for x in r) + "],\n" for r in M) + "]\n"

    path = tmp_path / f"infonce-{B}.toml"
    path.write_text(f"A = {rows(A)}\nP = {rows(P)}\ntemperature = 0.5\nbase = 3\n", encoding="utf-8")
    return path


def sheet_fits(ws, data) -> bool:
    try:
        figs, _ = sheet.worksheet_pages(ws, data)
    except sheet.SheetError:
        return False
    sheet.close(figs)
    return True


def test_a_page_is_made_exactly_when_its_sheet_is(tmp_path):
    ws = catalog.get("infonce")
    seen = set()
    for B in (2, 3, 4, 6):
        path = infonce_file(tmp_path, B)
        data = ws.load(path=path)
        fits = sheet_fits(ws, data)
        try:
            page.render(ws, data, data_file=str(path))
            made = True
        except WorksheetError as err:
            made = False
            assert str(err).startswith(f"{path}: ") and "\n" not in str(err)
        assert made == fits, B
        seen.add(made)
    assert seen == {True, False}


def test_far_too_much_is_refused_before_anything_is_built(tmp_path):
    ws = catalog.get("infonce")
    path = infonce_file(tmp_path, 60)
    data = ws.load(path=path)
    with pytest.raises(ValueError, match=r"11\d\d\d boxes .* more than a printed sheet holds"):
        page.render(ws, data)
    with pytest.raises(WorksheetError, match=str(path)):
        page.render(ws, data, data_file=str(path))
    assert page.MAX_BOXES >= 160 * 2          # the largest sheet the design allows, twice


def test_the_command_refuses_it_with_one_line(tmp_path):
    path = infonce_file(tmp_path, 60)
    out = tmp_path / "big.html"
    result = subprocess.run([sys.executable, "-m", "aibyhand", "sheet", "infonce", "--data", str(path), "-o", str(out)],
                            capture_output=True, text=True, timeout=120)
    assert result.returncode == 2, result
    assert str(path) in result.stderr and len(result.stderr.strip().splitlines()) == 1
    assert "Traceback" not in result.stderr
    assert not out.exists()
