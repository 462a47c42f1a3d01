"""The at-scale pieces: the bench's three routes agree; import stays light."""

import subprocess
import sys

import numpy as np
import pytest

from aibyhand import bench, scale


def test_bench_routes_agree_and_report():
    """Each way in its own process; the report's figures are the processes' own."""
    r = bench.step_report(repeats=10, rounds=1, tuned=False, B=16)  # the plumbing, not the timing
    assert set(r["plain"]["median"]) >= {"ours", "floor"}
    assert all(len(v) == 1 and v[0] > 0 for v in r["plain"]["rounds"].values())
    text = bench.format_step(r)
    assert "ours / floor = " in text and "agrees with (b)" in text
    assert "B = 16 pairs" in text


def test_the_budgets_table_names_every_notebook_and_sheet():
    rows = [("import aibyhand", 0.05, bench.IMPORT_BUDGET, ""), ("notebook 07_mrl_at_scale", 70.0,
                                                               bench.SCALE_BUDGET, "")]
    text = bench.format_budgets(rows)
    assert "within" in text.splitlines()[2] and "OVER" in text.splitlines()[3]


def test_floor_does_the_same_products_as_ours():
    p = bench.problem(B=8)
    ours, floor = bench.ours(p), bench.floor(p, bench.operands(p))
    np.testing.assert_allclose(floor["dW_up"], ours["dW_up"], rtol=1e-10, atol=1e-14)
    np.testing.assert_allclose(floor["dW_down"], ours["dW_down"], rtol=1e-10, atol=1e-14)


def test_synthetic_pairs_share_meaning_and_are_deterministic():
    Xa, Xp = scale.pairs(64, seed=3)
    Xa2, _ = scale.pairs(64, seed=3)
    np.testing.assert_array_equal(Xa, Xa2)
    assert Xa.shape == Xp.shape == (768, 64)
    # the raw vectors hardly retrieve (nuisance dominates); a head is needed
    assert scale.top1(Xa, Xp, np.eye(768), np.eye(768))[0] < 0.5


def test_import_is_light():
    """``import aibyhand`` loads the math, not matplotlib or the classroom side (its time is
    measured by ``aibyhand bench``, not asserted here)."""
    code = ("import sys; import aibyhand; "
            "print('matplotlib' in sys.modules, 'aibyhand.classroom' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, check=True)
    assert out.stdout.split() == ["False", "False"]


@pytest.mark.parametrize("bad, words", [(dict(n=0), ["n", "from 1 to 33,554,432", "0"])])
def test_bad_input(bad, words):
    with pytest.raises(ValueError) as info:
        scale.pairs(**bad)
    assert all(w in str(info.value) for w in words)
