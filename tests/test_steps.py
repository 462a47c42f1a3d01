"""The one printer: stable fixed-point numbers, worksheet fractions, no -0.00."""

import numpy as np
import pytest

from aibyhand.steps import Steps, format_array, format_number


@pytest.mark.parametrize("x, kw, text", [
    (-0.0001, dict(decimals=2), "0.00"),
    (-0.0, dict(decimals=4), "0.0000"),
    (-1e-20, dict(hand=True), "0"),  # rounding noise of an exact 0
    (3.0 ** -20, dict(hand=True), "0.00"),  # small is not zero: 0 means exactly 0
    (0.0, dict(hand=True), "0"),
    (np.float64(0.5), dict(decimals=4), "0.5000"),
    (np.float64(-2.345), dict(decimals=2), "-2.35"),
    (1 / 9, dict(hand=True), "1/9"),
    (-9 / 13, dict(hand=True), "-9/13"),
    (0.6, dict(hand=True), "0.60"),
    (3 / 5 + 1e-16, dict(hand=True), "0.60"),
    (0.25, dict(hand=True), "0.25"),
    (3.0, dict(hand=True), "3"),
    (np.pi, dict(hand=True), "3.14"),
    (-0.004, dict(hand=True), "0.00"),
    (np.int64(7), dict(), "7"),
    (-np.inf, dict(), "-inf"),
])
def test_numbers(x, kw, text):
    assert format_number(x, **kw) == text


def test_columns_are_right_aligned_with_labels():
    text = format_array(np.array([[1.0, -0.5], [10.25, 0.0]]), decimals=2, rows=["a1", "a2"],
                        cols=["p1", "p2"])
    assert text.splitlines() == [
        "          p1     p2",
        "   a1   1.00  -0.50",
        "   a2  10.25   0.00",
    ]


def test_steps_print_name_formula_shape_and_no_reprs():
    s = Steps("demo", {"temperature": 0.05})
    s.given("X", np.array([[1.0, -0.0], [2.0, 3.0]]), cols=["t1", "t2"])
    s.add("Y", np.array([[2.0, 0.0], [4.0, 6.0]]), "2 X", note="doubled")
    s.add("loss", np.float64(0.123456), "mean(Y)")
    out = s.format(decimals=3)
    assert out.splitlines()[0] == "== demo =="
    assert "temperature = 0.05" in out
    assert "X   given   [2 x 2]" in out
    assert "Y = 2 X   (doubled)   [2 x 2]" in out
    assert "loss = 0.123   (mean(Y))" in out
    assert "np.float64" not in out and "array(" not in out and "-0.000" not in out
    assert str(s) == s.format(decimals=4)


def test_steps_are_a_read_only_ordered_mapping():
    s = Steps("demo")
    x = np.arange(4.0)
    s.add("b", x, "")
    s.add("a", x * 2, "2 b")
    assert list(s) == ["b", "a"] and len(s) == 2
    with pytest.raises(ValueError):
        s["a"][0] = 1
    x[0] = 9  # the caller's own array stays theirs to write
    with pytest.raises(ValueError, match="already recorded"):
        s.add("a", x, "")


def test_a_step_can_never_be_made_writeable_so_no_path_leads_back_to_the_caller():
    """Issue: a stored view of the caller's array, made writeable again, wrote into it."""
    x = np.arange(6.0).reshape(2, 3)
    s = Steps("demo")
    view = s.given("X", x)
    for arr in (view, s["X"], s["X"].view(), s["X"][:, 1:]):
        with pytest.raises(ValueError):
            arr.flags.writeable = True
    np.testing.assert_array_equal(x, np.arange(6.0).reshape(2, 3))


@pytest.mark.parametrize("x", [np.arange(3), np.arange(6.0).reshape(2, 3)[:, ::2], np.arange(4, dtype=">f8"),
                               np.array([True, False]), np.float16([1.5])])
def test_a_step_is_a_view_of_what_was_recorded(x):
    """No copy and no cast: the same dtype, shape and numbers, on the recorder's memory
    (token ids stay integers; a 768 x 3072 weight is not copied at every step)."""
    view = Steps("demo").given("X", x)
    assert view.dtype == x.dtype and view.shape == x.shape and np.array_equal(view, x)
    assert np.shares_memory(view, x) and not view.flags.writeable


def test_meta_is_read_only_and_steps_compare_by_value():
    a = Steps("demo", {"temperature": 0.5})
    b = Steps("demo", {"temperature": 0.5})
    for s in (a, b):
        s.given("X", np.eye(2))
    with pytest.raises(TypeError):
        a.meta["temperature"] = 0  # a backward trusts its forward's settings
    assert a == b and not (a != b)
    c = Steps("demo", {"temperature": 0.25})
    c.given("X", np.eye(2))
    assert a != c
    d = Steps("demo", {"temperature": 0.5})
    d.given("X", 2 * np.eye(2))
    assert a != d and a != {"X": np.eye(2)}


def test_prefix_selection_sub_and_the_graph():
    s = Steps("MRL", {"temperature": 1.0})
    s.given("A", np.eye(2))
    s.add("m=4 / S", np.eye(2), "A / temperature")
    s.add("m=2 / S", np.zeros((2, 2)), "0 A")
    s.add("loss", 1.0, "sumall(m=4 / S)")
    assert s.format("m=4 / ").startswith("m=4 / S")
    assert s.format("m=4") == s.format("m=4 / ")
    assert list(s.sub("m=2")) == ["S"]
    with pytest.raises(KeyError):
        s.sub("m=8")
    assert s.uses("m=4 / S") == ("A", "temperature")
    assert s.uses("loss") == ("m=4 / S",)
    assert s.uses("A") == ()
