"""Each criterion of ``variants.problems`` fails a worksheet spoiled in exactly its way.

The kept seeds all pass ``problems()``, so replaying them cannot tell a criterion that
works from one that was dropped. Here seed 0 (the worksheet file) is spoiled one way at a
time, and the criterion's own message must be among the problems found.
"""

from __future__ import annotations

import copy
import re

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from aibyhand import backbone
from aibyhand.steps import Steps
from aibyhand.classroom import catalog, layout, variants


def seed0(name: str) -> dict:
    return copy.deepcopy(catalog.get(name).load())


def found(name: str, data: dict, pattern: str) -> list[str]:
    got = variants.problems(name, data)
    assert any(re.search(pattern, p) for p in got), f"no problem matches {pattern!r}: {got}"
    return got


@pytest.mark.parametrize("name", list(catalog.WORKSHEETS))
def test_the_worksheet_files_pass(name):
    assert variants.problems(name, seed0(name)) == []


def test_a_relu_input_at_0():
    """One weight of W1 moved so that one hidden unit's input, on the first word, is 0."""
    d = seed0("decode")
    m = d["model"]
    run = backbone.forward(m, d["sentence"], mask="causal", base=d["base"])
    H1 = np.asarray(run["H1"], float)[0] if np.ndim(run["H1"]) == 3 else np.asarray(run["H1"], float)
    j = 0
    k = int(np.flatnonzero(H1[:, j])[0])
    W1 = np.array(m["W1"], float)
    rest = W1[0] @ H1[:, j] - W1[0, k] * H1[k, j]
    W1[0, k] = -rest / H1[k, j]
    m["W1"] = W1
    again = backbone.forward(m, d["sentence"], mask="causal", base=d["base"])
    assert np.isclose(np.asarray(again["F"]).reshape(W1.shape[0], -1)[0, j], 0, atol=1e-12)
    found("decode", d, r"F: a ReLU input is exactly 0")


def test_uniform_attention():
    """Keys all zero: every score is equal, every query attends uniformly."""
    d = seed0("decode")
    d["model"]["Wk"] = np.zeros_like(np.asarray(d["model"]["Wk"], float))
    found("decode", d, r"attn: a query attends uniformly")


def test_a_copy_box():
    """Temperature 1/1000: every power but the row's largest is 0 and every sum 1, so
    prob is pow again, a box that copies another."""
    d = seed0("infonce")
    d["temperature"] = 0.001
    found("infonce", d, r"^prob copies pow$")


def copies_pair_by_pair(sheet, steps) -> list[tuple[str, str]]:
    """layout.copies' definition, written plainly: each box against every matrix drawn
    before it, and its transpose, in the sheet's order."""
    seen, out = [], []
    for _, it in sheet.items():
        value = np.asarray(layout.shown(it, steps)[0], float)
        if it.role == "box":
            ask = layout.mask_of(it, steps)
            hit = next((name for name, other in seen for c in (other, other.T)
                        if c.shape == value.shape and np.allclose(c[ask], value[ask], rtol=0, atol=1e-12)), None)
            if hit is not None:
                out.append((it.name, hit))
        seen.append((it.name, value))
    return out


@pytest.mark.parametrize("name", ["infonce", "mrl"])
@pytest.mark.parametrize("spoil", ["tiny temperature", "P = A", "both"])
def test_copies_are_the_first_matrix_copied_in_sheet_order(name, spoil):
    """Positives equal to the anchors make S symmetric and a temperature of 1/1000 makes
    prob equal pow: boxes copy matrices drawn earlier, and on MRL with both one copies a
    transpose only. layout.copies finds the same boxes, each with the same first matrix."""
    d = seed0(name)
    if spoil != "tiny temperature":
        d["P"] = np.array(d["A"], float)
    if spoil != "P = A":
        d["temperature"] = 0.001
    ws = catalog.get(name)
    steps = ws.steps(d)
    want = copies_pair_by_pair(ws.sheet, steps)
    assert layout.copies(ws.sheet, steps) == want
    assert want or spoil == "P = A"


def _with(steps: Steps, name: str, change) -> Steps:
    """The same steps with one changed: ``change(value)`` instead of its value."""
    out = Steps(steps.title, steps.meta)
    for st in steps.entries():
        out.add(st.name, change(np.array(st.value)) if st.name == name else st.value, st.formula, note=st.note,
                rows=st.rows, cols=st.cols, blocks=st.blocks, given=st.given)
    return out


@pytest.mark.parametrize("by, copy", [(0.0, True), (1e-13, True), (1e-6, False)])
def test_a_copy_is_equal_to_1e_12(by, copy):
    """prob copies pow at a temperature of 1/1000; one of its asked cells moved by 1e-13 it
    still does, by 1e-6 it does not (a box a student must work out again)."""
    d = seed0("infonce")
    d["temperature"] = 0.001
    ws = catalog.get("infonce")

    def moved(v):
        v.flat[0] += by
        return v

    steps = _with(ws.steps(d), "prob", moved)
    assert (("prob", "pow") in layout.copies(ws.sheet, steps)) == copy
    assert layout.copies(ws.sheet, steps) == copies_pair_by_pair(ws.sheet, steps)


def test_a_power_off_the_table():
    """A temperature of 0.37 puts the exponents off every table on the page."""
    d = seed0("infonce")
    d["temperature"] = 0.37
    found("infonce", d, r"^pow: .*table")


def test_a_number_too_long_for_its_box():
    """Inputs 100 times larger: the head's outputs run to 3 digits before the point."""
    d = seed0("head")
    d["X"] = np.asarray(d["X"], float) * 100
    found("head", d, r": a number too long for its box")


def test_a_gradient_too_small_for_2_decimals():
    """Temperature 100: every probability is about a third, every gradient about 0.00."""
    d = seed0("infonce")
    d["temperature"] = 100.0
    found("infonce", d, r"^dS: a gradient too small for 2 decimals")


@pytest.mark.parametrize("residue", [0.0, 6.9e-18, -2e-16])
def test_a_gradients_rounding_residue_counts_as_0(monkeypatch, residue):
    """A gradient of 0 comes out as 0 on one CPU and 1e-17 on another: the verdict is the
    same, so every machine accepts the same draws and a seed gives the same numbers
    everywhere. MRL's dA at width 2 (4 cells): one cell below 0.015 of four is a quarter,
    still worth 2 decimals; two are a half, too small, residue or not."""
    from aibyhand.classroom import layout

    real, target = layout.shown, "m=2 / dA"

    def spoil(first_three):
        def shown(it, steps):
            value, rows, cols = real(it, steps)
            if it.name == target:
                value = np.array(value, float)
                cells = np.flatnonzero(layout.select(it.ask, value.shape))
                assert len(cells) == 4
                flat = value.reshape(-1)
                flat[cells] = 0.5
                flat[cells[:3]] = first_three
            return value, rows, cols
        monkeypatch.setattr(layout, "shown", shown)
        return [p for p in variants.problems("mrl", seed0("mrl")) if p.startswith(target + ":")]

    assert spoil([0.0, residue, 0.0088]) == []
    assert spoil([0.0091, residue, 0.0088]) == [f"{target}: a gradient too small for 2 decimals"]


def _mispaired(temperature: float) -> tuple[dict, float]:
    """Each anchor paired with another's positive: the data, and the smallest
    own-positive probability at this temperature."""
    d = seed0("infonce")
    d["P"] = np.roll(np.asarray(d["P"], float), 1, axis=1)
    d["temperature"] = temperature
    return d, float(np.diagonal(catalog.get("infonce").steps(d)["prob"]).min())


def _temperature_for(p: float) -> float:
    """The temperature at which the mispaired sheet's smallest own-positive probability
    is ``p`` (it grows with the temperature)."""
    lo, hi = 0.01, 10.0
    for _ in range(60):
        mid = (lo * hi) ** 0.5
        lo, hi = (mid, hi) if _mispaired(mid)[1] < p else (lo, mid)
    return lo


@pytest.mark.parametrize("p,flagged", [(0.015, True), (0.025, False)])
def test_an_own_positive_probability_below_the_floor_of_0_02(p, flagged):
    d, least = _mispaired(_temperature_for(p))
    assert abs(least - p) < 1e-3
    got = variants.problems("infonce", d)
    hit = [q for q in got if re.search(r"prob: an own-positive probability below 0\.02", q)]
    assert bool(hit) == flagged, got


def test_a_step_that_leaves_a_cosine_too_near_1():
    """A learning rate of 5: after the step an anchor and its positive are almost one
    direction, and 2-decimal rounding would push an honest cosine past 1."""
    d = seed0("finetune")
    d["lr"] = 5.0
    found("finetune", d, r"after / .*S: a cosine of 0\.9\d\d, too near 1 for rounding")


def test_numbers_that_do_not_run():
    d = seed0("infonce")
    d["temperature"] = -1.0
    found("infonce", d, r"^does not run: temperature")


def _scaled(data, by):
    """``data`` with every matrix ``by`` times larger (not settings such as the widths)."""
    if isinstance(data, dict):
        return {k: _scaled(v, by) for k, v in data.items()}
    if isinstance(data, np.ndarray) and data.dtype.kind in "if" and data.size > 3:
        return data * by
    return data


@pytest.mark.parametrize("name", list(catalog.WORKSHEETS))
def test_a_draw_is_usable_exactly_when_it_has_no_problems(name):
    """Drawing stops at a draw's first problem (``variants._usable``): it must refuse
    and accept what the full list of ``problems()`` does: the worksheet file, it with
    every matrix 30 times larger, and raw MRL draws (most of them refused)."""
    cases = [seed0(name), _scaled(seed0(name), 30)]
    rng = np.random.default_rng(7)
    cases += [d for d in (variants._draw_once("mrl", 40, rng) for _ in range(10)) if d is not None]
    said = [(variants._usable(n, d), not variants.problems(n, d))
            for n, d in [(name, cases[0]), (name, cases[1])] + [("mrl", d) for d in cases[2:]]]
    assert all(a == b for a, b in said) and said[0] == (True, True) and said[1] == (False, False), said
    assert {b for _, b in said[2:]} == {True, False}, said


def test_problems_lists_every_problem_while_a_draw_is_refused_at_its_first():
    """At temperature 100 three gradients of InfoNCE are too small for 2 decimals:
    ``problems()`` names all three (only ``_usable`` stops at the first)."""
    d = seed0("infonce")
    d["temperature"] = 100.0
    got = variants.problems("infonce", d)
    assert [p for p in got if p.endswith("a gradient too small for 2 decimals")] == \
        [f"{b}: a gradient too small for 2 decimals" for b in ("dS", "along_A", "dA")]
    assert not variants._usable("infonce", d)


def test_the_mrl_screen_refuses_only_draws_problems_refuses_and_most_of_them():
    """Before a draw's steps are worked out and checked, MRL's draws pass a quick screen
    (``variants._mrl_may_pass``: the asked gradients worked out directly). A draw it
    refuses must be one ``problems()`` refuses (or a seed's numbers would change); and it
    must refuse most of those refused for a gradient too small, or it saves nothing."""
    rng = np.random.default_rng(11)
    draws = [d for d in (variants._draw_once("mrl", 40, rng) for _ in range(300)) if d is not None]
    screened = [(variants._mrl_may_pass(d), variants.problems("mrl", d)) for d in draws]
    assert all(got for ok, got in screened if not ok)
    small = [ok for ok, got in screened if any(g.endswith("a gradient too small for 2 decimals")
                                               and g.split(":")[0] in ("m=2 / dA", "dA") for g in got)]
    assert len(small) > 100 and small.count(False) >= 0.9 * len(small), (len(small), small.count(False))
    assert any(ok and not got for ok, got in screened)


@pytest.mark.parametrize("cell, rows", [("m=2 / dA", slice(0, 2)), ("dA", slice(0, 4))])
def test_the_mrl_screen_reads_the_cells_the_sheet_asks(cell, rows):
    """The screen's gradients are the sheet's own (``m=2 / dA`` whole, the first 4 rows
    of ``dA``) to rounding, on the worksheet file and raw draws."""
    rng = np.random.default_rng(3)
    for d in [seed0("mrl")] + [x for x in (variants._draw_once("mrl", 40, rng) for _ in range(20)) if x]:
        steps = catalog.get("mrl").steps(d)
        A, P = d["A"][None], d["P"][None]
        mine = sum(w * np.pad(variants._dA(A[:, :m], P[:, :m], d["temperature"], d["base"])[0][0],
                              ((0, A.shape[1] - m), (0, 0)))
                   for m, w in zip(d["dims"], d["weights"]) if cell == "dA" or m == 2)
        want = np.asarray(steps[cell])[rows]
        np.testing.assert_allclose(variants._asked("mrl", cell, mine[:want.shape[0]] if cell != "dA" else mine),
                                   want.ravel(), rtol=0, atol=1e-12)


EDGES = [0.015, 0.05, variants.ZERO]   # too_small's bounds: where rounding could tip it
entry = st.one_of(st.floats(-0.2, 0.2), st.builds(lambda e, s, d: s * e + d, st.sampled_from(EDGES),
                                                  st.sampled_from([1, -1]), st.floats(-3e-9, 3e-9)))


@settings(max_examples=500, deadline=None)
@given(st.lists(entry, min_size=1, max_size=8), st.integers(0, 2**32 - 1))
def test_a_gradient_too_small_with_room_is_too_small_after_any_rounding_within_it(v, seed):
    """``too_small(v, room)`` (a screen's test) must imply ``too_small`` of the sheet's
    own numbers, which differ from the screen's by less than ``room``."""
    v = np.array(v)
    near = v + np.random.default_rng(seed).uniform(-1, 1, v.shape) * 0.999 * variants.SURE
    if variants.too_small(v, variants.SURE):
        assert variants.too_small(near)


def test_a_gradient_too_small_is_the_sheets_rule():
    """More than a quarter of the entries below 0.015 (a rounding residue of 1e-9 or
    less counts as 0), or none as large as 0.05."""
    assert variants.too_small(np.array([0.2, 0.2, 0.01, 0.01]))          # half tiny
    assert not variants.too_small(np.array([0.2, 0.2, 0.2, 0.01]))       # a quarter
    assert not variants.too_small(np.array([0.2, 1e-17, 1e-17, 0.2]))    # residue is 0, not tiny
    assert variants.too_small(np.array([0.049, -0.03, 0.02]))            # none reaches 0.05
    assert not variants.too_small(np.array([0.05, -0.03, 0.02]))


@pytest.mark.parametrize("name", ["infonce", "mrl", "head", "finetune"])
def test_made_is_make_and_the_steps_of_its_numbers(name):
    """A class set takes a seed's numbers and steps from ``variants.made`` (the steps
    worked out while checking the draw): the same as ``make`` and the steps worked out
    from its numbers afresh."""
    ws = catalog.get(name)
    for seed in (0, 5, 40, 5001):
        data, steps = variants.made(name, seed)
        want = variants.make(name, seed)
        assert data.keys() == want.keys()
        for k in want:
            if isinstance(want[k], np.ndarray):
                np.testing.assert_array_equal(data[k], want[k])
        fresh = ws.steps(want)
        assert [e.name for e in steps.entries()] == [e.name for e in fresh.entries()]
        for a, b in zip(steps.entries(), fresh.entries()):
            np.testing.assert_array_equal(a.value, b.value)


@pytest.mark.parametrize("args", [("nope", 1), ("mrl", -1), ("mrl", 1.5), ("mrl", 10**12), (None, 3)])
def test_made_refuses_what_make_refuses_in_the_same_words(args):
    with pytest.raises((ValueError, TypeError)) as want:
        variants.make(*args)
    with pytest.raises(type(want.value), match=re.escape(str(want.value))):
        variants.made(*args)


@pytest.mark.parametrize("weights", [[0.05] * 3, [3.0, 0.5, 1.0], [1.0, 1.0, 0.1]])
def test_the_mrl_screen_refuses_only_what_problems_refuses_whatever_the_weights(weights):
    """The screen weighs each width's gradient as the sheet does (the sheets' weights are
    all 1 today): weights of 0.05 make every summed gradient small, so it must refuse
    some, and only ones ``problems()`` refuses."""
    refused = 0
    for seed in range(40):
        data = dict(variants.make("mrl", seed), weights=np.array(weights))
        if not variants._mrl_may_pass(data):
            refused += 1
            assert variants.problems("mrl", data), (seed, weights)
    assert refused or weights != [0.05] * 3


def test_the_screen_reads_a_transposed_boxs_cells_as_the_sheet_shows_them(monkeypatch):
    """A box drawn transposed (``T``) asks cells of the matrix as shown: ``rows 0:1`` of
    the transpose is the step's first column (no box is transposed today)."""
    import dataclasses

    it = dataclasses.replace(variants._box_item("mrl", "dA"), T=True, ask="rows 0:1")
    monkeypatch.setattr(variants, "_box_item", lambda name, item: it)
    value = np.arange(12.0).reshape(4, 3)
    assert list(variants._asked("mrl", "dA", value)) == list(value[:, 0])
