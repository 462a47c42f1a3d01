"""``aibyhand bench``'s page part measures what it says (never how fast: no time is asserted)."""

from __future__ import annotations

import os

import pytest

from aibyhand.classroom import catalog, layout, pagebench
from pagekit import CHROMIUM, unavailable


def test_it_loads_each_page_and_times_every_key(monkeypatch):
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing")
    try:
        import playwright  # noqa: F401
    except ImportError as err:
        unavailable(str(err))
    monkeypatch.setattr(pagebench, "LOADS", 2)
    monkeypatch.setattr(pagebench, "EVERY", 12)
    r = pagebench.measure(["head", "infonce"])
    assert set(r["loads"]) == {"head", "infonce"} and all(len(t) == 2 for t in r["loads"].values())
    assert all(t > 0 for times in r["loads"].values() for t in times)
    assert r["typing"]["sheet"] == "head"                         # the one with more boxes
    ws = catalog.get("head")
    steps = ws.join(ws.run(ws.load()))
    values = pagebench.typed_values(ws, steps)
    assert r["typing"]["boxes"] == len(values) == -(-len(layout.cells(ws.sheet, steps)) // 12)
    keys = sum(len(text) for _, text in values)
    assert len(r["typing"]["keys"]) == len(r["typing"]["script"]) == len(r["typing"]["floor"]) == keys
    assert len(r["typing"]["bare"]) == keys and all(t > 0 for t in r["typing"]["bare"])
    assert all(t > 0 for t in r["typing"]["keys"])
    text = pagebench.format_report(r)
    assert "infonce" in text and "load average" in text and ("within" in text or "OVER" in text)
    assert "never told" in text and "nothing else" in text


def test_the_bare_page_holds_the_typed_boxes_and_nothing_else():
    ws = catalog.get("mrl")
    steps = ws.join(ws.run(ws.load()))
    values = pagebench.typed_values(ws, steps)
    bare = pagebench.bare_page(values)
    assert "<script" not in bare and bare.count("<input") == len(values)
    for c, _ in values:
        assert f'data-step="{c.item}" data-row="{c.row}" data-col="{c.col}"' in bare


@pytest.mark.parametrize("keys, verdict", [([0.01] * 9 + [0.2], "OVER"), ([0.01] * 10, "within")])
def test_the_report_holds_typing_to_its_budget(keys, verdict):
    r = {"throttle": 6, "browser": "x", "cpus": 2, "load_average": [1.0, 1.0],
         "loads": {"head": [0.5, 0.6]}, "sizes": {"head": (84, 95000)},
         "typing": {"sheet": "head", "boxes": 3, "keys": keys, "script": keys}}
    line = next(x for x in pagebench.format_report(r).splitlines() if "typing on" in x)
    assert line.endswith(f"{verdict})")


def test_a_box_is_tapped_then_typed_key_by_key_a_key_gap_apart():
    """As a person types: the box focused, KEY_GAP s, then its keys KEY_GAP s apart."""
    calls = []

    class Tab:
        def locator(self, sel):
            calls.append(("tap", sel))
            return self

        def focus(self):
            pass

        def wait_for_timeout(self, ms):
            calls.append(("wait", ms))

        @property
        def keyboard(self):
            return self

        def type(self, text, delay):
            calls.append(("type", text, delay))

        def get_attribute(self, sel, name):
            return '{"keys": []}'

    ws = catalog.get("head")
    values = pagebench.typed_values(ws, ws.join(ws.run(ws.load())))[:2]
    pagebench._type(Tab(), values)
    gap = pagebench.KEY_GAP * 1000
    for k, (c, text) in enumerate(values):
        tap, wait, typed = calls[3 * k: 3 * k + 3]
        assert tap[0] == "tap" and f'data-row="{c.row}"' in tap[1] and wait == ("wait", gap)
        assert typed == ("type", text, gap)
