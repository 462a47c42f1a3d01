"""The committed notebooks are executed, and exactly what their sources regenerate.

nbval (``pytest --nbval``) re-runs every notebook and compares each stored output; it
cannot notice a cell that was never executed (nothing stored, nothing compared) or a
notebook left behind by its source. These tests do.
"""

import json

import pytest

from aibyhand.classroom import build

SOURCES = build.notebook_sources()
NOTEBOOKS = sorted(build.NOTEBOOKS.glob("*.ipynb"))


def test_every_source_has_its_notebook_and_back():
    assert SOURCES, "no notebook sources found"
    assert [p.stem for p in SOURCES] == [p.stem for p in NOTEBOOKS]


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda p: p.name)
def test_every_code_cell_was_executed_in_order(path):
    cells = [c for c in json.loads(path.read_text())["cells"] if c["cell_type"] == "code"]
    counts = [c["execution_count"] for c in cells]
    assert None not in counts, f"{path.name}: unexecuted cells {[i for i, n in enumerate(counts) if n is None]}; run python -m aibyhand.classroom.build notebooks"
    assert counts == list(range(1, len(cells) + 1)), f"{path.name}: not run top to bottom in one kernel"
    assert sum(len(c["outputs"]) for c in cells) >= len(cells) // 2, f"{path.name}: outputs stripped"


def test_committed_notebooks_are_what_the_sources_regenerate():
    """Byte for byte (their run times are ``aibyhand bench --budgets``'s business, not a test's)."""
    stale = build.stale_notebooks(write=False)
    assert not stale, f"stale: {stale}; run python -m aibyhand.classroom.build notebooks"


def table_rows(path, labels):
    """The rows of a printed table in a notebook's outputs: label -> numbers."""
    nb = json.loads(path.read_text())
    text = "".join("".join(o.get("text", "")) for c in nb["cells"] if c["cell_type"] == "code"
                   for o in c["outputs"])
    rows = {}
    for line in text.splitlines():
        line = line.strip()
        for label in labels:
            cells = line[len(label):].split()
            if line.startswith(label + " ") and cells and all(
                    c.replace(".", "", 1).isdigit() for c in cells):
                rows[label] = cells
    return rows


def test_mrl_at_scale_shows_the_papers_result():
    """Read the printed table of notebook 07 (fresh, by the test above): MRL at or above
    InfoNCE-at-768 at every width, clearly above at 64 and 32, within 1 point at 768."""
    rows = table_rows(build.NOTEBOOKS / "07_mrl_at_scale.ipynb", ("InfoNCE at 768", "MRL"))
    single, mrl = ([float(x) for x in rows[k]] for k in ("InfoNCE at 768", "MRL"))
    assert len(single) == len(mrl) == 6  # widths 768, 512, 256, 128, 64, 32
    assert all(m >= s for m, s in zip(mrl, single)), (single, mrl)
    assert mrl[4] - single[4] >= 2 and mrl[5] - single[5] >= 2, (single, mrl)
    assert abs(mrl[0] - single[0]) <= 1, (single, mrl)


def test_readme_quotes_the_notebooks_table():
    rows = table_rows(build.NOTEBOOKS / "07_mrl_at_scale.ipynb", ("InfoNCE at 768", "MRL"))
    readme = (build.NOTEBOOKS.parent / "README.md").read_text()
    for label, row in (("InfoNCE at 768", "fine-tuned with InfoNCE at 768"), ("MRL", "fine-tuned with MRL")):
        assert f"| {row} | " + " | ".join(rows[label]) + " |" in readme, (row, rows[label])
