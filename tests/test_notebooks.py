"""The committed notebooks are executed, and exactly what their sources regenerate.

nbval (``pytest --nbval``) re-runs every notebook and compares each stored output; it
cannot notice a cell that was never executed (nothing stored, nothing compared) or a
notebook left behind by its source. These tests do.
"""

import json

import pytest

from aibyhand import build

SOURCES = build.notebook_sources()
NOTEBOOKS = sorted(build.NOTEBOOKS.glob("*.ipynb"))


def test_every_source_has_its_notebook_and_back():
    assert SOURCES, "no notebook sources found"
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: unexecuted cells {[i for i, n in enumerate(counts) if n is None]}; run python -m aibyhand.build"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not run top to bottom in one kernel"
    assert sum(len(c["outputs"]) for c in cells) >= len(cells) // 2, f"{path.name}: outputs stripped"


def test_committed_notebooks_are_what_the_sources_regenerate():
    stale = build.stale_notebooks(write=False)
    assert not stale, f"stale: {stale}; run python -m aibyhand.build"
