"""How fast is the sheet's web page on a low-end phone? The page part of ``aibyhand bench``.

Headless Chromium (Debian's ``/usr/bin/chromium`` through playwright, both only where
installed: neither is a dependency of the package) at 390 x 844, touch, with the CPU
slowed :data:`THROTTLE` times (DevTools' CPU throttling, as a low-end phone):

- **load**: each worksheet's page (seed 0) opened from disk, :data:`LOADS` times in a
  fresh tab; the time from navigation to the page's script being ready to mark
  (``performance.mark("aibyhand:ready")`` in ``page.js``), median and worst;
- **typing**: on the sheet with the most boxes, every :data:`EVERY`-th box typed key by
  key (a 2-decimal value, every fifth one off by 1, :data:`KEY_GAP` s between keys and
  between the tap on a box and its first key, as a person types); for
  each key the time from its keydown to the first task after the next frame (the verdict
  painted), median and worst; beside it the part the page's script spends marking, and
  the floor: the same keys into the same page with its script never told of them (the
  browser's own work for a key, which no page script can go below); and the same keys
  into a bare page of the same boxes and nothing else (:func:`bare_page`), what a key
  costs this browser at this throttling on any page at all.

A measurement, never a test: on a shared machine the figures move with its load, so the
report gives the load average before and after.
"""

from __future__ import annotations

import html
import json
import os
import statistics
import tempfile
from pathlib import Path

from . import catalog, check, layout, page

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]
PHONE = {"viewport": {"width": 390, "height": 844}, "is_mobile": True, "has_touch": True}
THROTTLE = 6
LOADS = 5
EVERY = 2
KEY_GAP = 0.12
LOAD_BUDGET, KEY_MEDIAN_BUDGET, KEY_WORST_BUDGET = 1.5, 0.030, 0.100


def _tab(browser, path: Path, probe: str, floor: bool = False):
    """A phone-sized tab at THROTTLE x CPU with the probe installed, the page loaded
    (floor: the page's own script never sees a key)."""
    ctx = browser.new_context(**PHONE)
    tab = ctx.new_page()
    ctx.new_cdp_session(tab).send("Emulation.setCPUThrottlingRate", {"rate": THROTTLE})
    tab.add_init_script(probe)
    tab.goto(path.as_uri() + ("#floor" if floor else ""), wait_until="load")
    return ctx, tab


def _type(tab, values) -> dict:
    """Type every value into its box, key by key, as a person does: a box tapped (the page
    scrolls it into view), then its keys; the probe's figures."""
    for c, text in values:
        tab.locator(f'input[data-step="{c.item}"][data-row="{c.row}"][data-col="{c.col}"]').focus()
        tab.wait_for_timeout(KEY_GAP * 1000)
        tab.keyboard.type(text, delay=KEY_GAP * 1000)
    tab.wait_for_timeout(500)
    return _figures(tab)


def _figures(tab) -> dict:
    """What the probe (pagebench.js) has measured so far."""
    return json.loads(tab.get_attribute("html", "data-bench"))


def typed_values(ws, steps) -> list[tuple[layout.Cell, str]]:
    """Every EVERY-th box and what is typed in it: its value to 2 decimals (a word for a
    word), every fifth one off by 1."""
    exact = check.exact_values(steps)
    items = {it.name: it for it in ws.sheet.boxes()}
    out = []
    for k, c in enumerate(layout.cells(ws.sheet, steps)[::EVERY]):
        v = float(exact[c.step][c.index]) + (1.0 if k % 5 == 4 else 0.0)
        words = layout.words(items[c.item], steps)
        out.append((c, layout.cell_text(v, words) if words else f"{round(v, 2):.2f}".replace("-0.00", "0.00")))
    return out


def measure(names=None) -> dict:
    """The figures; raises ImportError or OSError where playwright or Chromium is missing."""
    from playwright.sync_api import Error as BrowserError
    from playwright.sync_api import sync_playwright

    if not Path(CHROMIUM).exists():
        raise OSError(f"{CHROMIUM} is missing")
    names = list(names or catalog.WORKSHEETS)
    probe = Path(__file__).with_name("pagebench.js").read_text(encoding="utf-8")
    out: dict = {"throttle": THROTTLE, "loads": {}, "sizes": {}, "cpus": os.cpu_count(),
                 "load_average": [os.getloadavg()[0]]}
    with tempfile.TemporaryDirectory() as tmp, sync_playwright() as pw:
        try:
            browser = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
        except BrowserError as err:    # no display, too little memory, not a browser at all
            raise OSError(f"{CHROMIUM} did not start: {str(err).strip().splitlines()[0]}") from None
        out["browser"] = browser.version
        built = {}
        for name in names:
            ws = catalog.get(name)
            data = ws.load()
            parts = ws.run(data)
            path = Path(tmp) / f"{name}.html"
            path.write_text(page.render(ws, data, parts=parts), encoding="utf-8")
            built[name] = (ws, ws.join(parts), path)
            times = []
            for _ in range(LOADS):
                ctx, tab = _tab(browser, path, probe)
                got = _figures(tab)
                times.append(got["ready"] / 1000)
                ctx.close()
            out["loads"][name] = times
            out["sizes"][name] = (got["boxes"], path.stat().st_size)
        largest = max(names, key=lambda n: out["sizes"][n][0])
        ws, steps, path = built[largest]
        values = typed_values(ws, steps)
        bare = Path(tmp) / "bare.html"
        bare.write_text(bare_page(values), encoding="utf-8")
        runs = {}
        for run, where, floor in (("page", path, False), ("floor", path, True), ("bare", bare, False)):
            ctx, tab = _tab(browser, where, probe, floor)
            runs[run] = _type(tab, values)
            ctx.close()
        browser.close()
    out["load_average"].append(os.getloadavg()[0])
    out["typing"] = {"sheet": largest, "boxes": len(values), "keys": [t / 1000 for t in runs["page"]["keys"]],
                     "script": [t / 1000 for t in runs["page"]["script"]],
                     "floor": [t / 1000 for t in runs["floor"]["keys"]],
                     "bare": [t / 1000 for t in runs["bare"]["keys"]]}
    return out


def bare_page(values) -> str:
    """The boxes typed into and nothing else: no sheet around them, no script, no style
    but their size. What a key costs this browser on any page at all."""
    size = 'style="display:block;width:3.6rem;height:44px;font-size:16px"'   # the page's box size
    boxes = "".join(f'<input data-step="{html.escape(c.item)}" data-row="{c.row}" data-col="{c.col}" {size}>'
                    for c, _ in values)
    return ('<!doctype html><html lang="en"><head><meta charset="utf-8">'
            '<meta name="viewport" content="width=device-width,initial-scale=1"><title>bare</title></head>'
            f"<body>{boxes}</body></html>")


def _ms(x: float) -> str:
    return f"{x * 1000:.0f} ms"


def format_report(r: dict) -> str:
    """The report, as ``aibyhand bench`` prints it."""
    lines = [f"the web page at {r['throttle']}x CPU throttling (a low-end phone), 390 x 844, headless "
             f"Chromium {r['browser']}",
             f"  {'sheet':<10} {'boxes':>5} {'HTML':>7}   load: median, worst of {LOADS}   budget"]
    for name, times in r["loads"].items():
        boxes, size = r["sizes"][name]
        worst = max(times)
        lines.append(f"  {name:<10} {boxes:>5} {size / 1000:>5.0f} kB   {statistics.median(times):5.2f} s, "
                     f"{worst:5.2f} s        {LOAD_BUDGET:.1f} s  {'within' if worst <= LOAD_BUDGET else 'OVER'}")
    t = r["typing"]
    keys, script = t["keys"], t["script"]
    med, worst = statistics.median(keys), max(keys)
    ok = med <= KEY_MEDIAN_BUDGET and worst <= KEY_WORST_BUDGET
    lines.append(f"  typing on {t['sheet']}: {t['boxes']} boxes, {len(keys)} keys; a key to its painted "
                 f"verdict: median {_ms(med)}, worst {_ms(worst)} (budget {_ms(KEY_MEDIAN_BUDGET)}, "
                 f"{_ms(KEY_WORST_BUDGET)}: {'within' if ok else 'OVER'})")
    lines.append(f"    of which the script marking: median {_ms(statistics.median(script))}, "
                 f"worst {_ms(max(script))}")
    if t.get("floor"):
        lines.append(f"    the same keys with the page's script never told (the browser's own work): "
                     f"median {_ms(statistics.median(t['floor']))}, worst {_ms(max(t['floor']))}")
    if t.get("bare"):
        lines.append(f"    the same keys into a page of those boxes and nothing else (what a key costs "
                     f"on any page): median {_ms(statistics.median(t['bare']))}, worst {_ms(max(t['bare']))}")
    lines.append(f"  (the machine's load average meanwhile: {r['load_average'][0]:.1f} before, "
                 f"{r['load_average'][1]:.1f} after, on {r['cpus']} CPUs)")
    return "\n".join(lines)


def report() -> str:
    """The report, or one line saying why it could not be measured here."""
    try:
        return format_report(measure())
    except (ImportError, OSError) as err:
        return f"the web page: not measured here ({err}); it needs playwright and Debian's chromium"
