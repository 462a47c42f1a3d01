"""The page on a phone (390 px, touch) and on a laptop (1366 px), in Chromium.

At 390 px, on every worksheet and seeds 0-3: the document never scrolls sideways, every
answer box is on the screen without swiping and in no sideways scroller, at least
44 x 44 CSS px, with its matrix's row and column labels lined up beside and above it;
what stays on screen while scrolling is at most 64 px tall, also with hints showing; a
hint sits under its own box; what a box is computed from is above it on the page or one
tap away; the keyboard a box asks for has a minus, a decimal point and a slash. A hint comes right
under the matrix of its box (no other matrix in between), never in the header. At 1366
px the page keeps the printed sheet's layout: matrices of a slot row start on one line,
those of a slot column at one left edge, and no title runs into another.
"""

from __future__ import annotations

import pytest

from aibyhand.classroom import catalog, layout, page
from pagekit import browser, open_page  # noqa: F401  (browser: a fixture)

SEEDS = (None, 1, 2, 3)
CASES = [(name, seed) for name in catalog.WORKSHEETS for seed in SEEDS]
IDS = [f"{n}-{s if s is not None else 'file'}" for n, s in CASES]
PHONE = dict(viewport={"width": 390, "height": 844}, is_mobile=True, has_touch=True, device_scale_factor=2)
LAPTOP = dict(viewport={"width": 1366, "height": 900})

# every answer box: where it is, how big, whether a scroller holds it, its labels
BOXES = """() => {
  const vw = document.documentElement.clientWidth;
  const scroller = el => { for (let p = el.parentElement; p; p = p.parentElement) {
      const s = getComputedStyle(p);
      if (s.overflowX === "auto" || s.overflowX === "scroll") return true; } return false; };
  return [...document.querySelectorAll("input[data-step]")].map(el => {
    const r = el.getBoundingClientRect(), item = el.closest(".item"), m = el.closest(".m");
    const row = Number(el.dataset.row), col = Number(el.dataset.col);
    const rl = item.querySelector(".rlab"), tk = item.querySelector(".ticks");
    const lab = rl ? rl.children[row].getBoundingClientRect() : null;
    const tick = tk ? tk.children[col].getBoundingClientRect() : null;
    return {step: el.dataset.step, row, col, left: r.left, right: r.right, width: r.width, height: r.height,
            cy: r.top + r.height / 2, cx: r.left + r.width / 2, vw, scroller: scroller(el),
            type: el.type, inputmode: el.getAttribute("inputmode"),
            rows: rl ? rl.children.length : 0, cols: tk ? tk.children.length : 0,
            lab: lab && {cy: lab.top + lab.height / 2, left: lab.left, right: lab.right, w: lab.width},
            tick: tick && {cx: tick.left + tick.width / 2, bottom: tick.bottom, w: tick.width}};
  });
}"""

STUCK = """() => {
  const out = [];
  for (const el of document.querySelectorAll("body *")) {
    const p = getComputedStyle(el).position;
    if ((p === "sticky" || p === "fixed") && el.offsetParent !== null || p === "fixed" && !el.hidden)
      out.push([el.id || el.className, el.getBoundingClientRect().height]);
  }
  return out;
}"""


@pytest.fixture(scope="module")
def pages():
    """Each case's page, built once."""
    out = {}
    for name, seed in CASES:
        ws = catalog.get(name)
        out[(name, seed)] = page.render(ws, ws.load(seed=seed), seed=seed)
    return out


def labelled(name: str, seed) -> dict[str, tuple[int, int]]:
    """Each boxed item's number of row and column labels on the sheet (0: none)."""
    ws = catalog.get(name)
    steps = ws.join(ws.run(ws.load(seed=seed)))
    out = {}
    for it in ws.sheet.boxes():
        _, rows, cols = layout.shown(it, steps)
        out[it.name] = (len(rows or ()), len(cols or ()))
    return out


def type_garbage(tab) -> None:
    """Every third box wrong or unreadable, so that hints show on every page."""
    tab.evaluate("""() => { let k = 0;
      for (const el of document.querySelectorAll("input[data-step]")) {
        k += 1;
        if (k % 3) continue;
        el.value = k % 9 === 0 ? "0,5" : String(k % 7 + 11);
        el.dispatchEvent(new Event("input", {bubbles: true}));
      }
      window.aibyhand.settle(); }""")


@pytest.mark.parametrize("key", CASES, ids=IDS)
def test_every_box_is_in_reach_on_a_phone(browser, pages, tmp_path, key):
    ctx, tab, errors = open_page(browser, pages[key], tmp_path, **PHONE)
    try:
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        labels = labelled(*key)
        boxes = tab.evaluate(BOXES)
        assert boxes
        for b in boxes:
            where = f"{b['step']}[{b['row']}, {b['col']}]"
            assert 0 <= b["left"] and b["right"] <= b["vw"] + 0.5, f"{where} is off the screen: {b}"
            assert not b["scroller"], f"{where} is inside a sideways scroller"
            assert b["width"] >= 44 and b["height"] >= 44, f"{where} is {b['width']} x {b['height']}"
            assert b["type"] == "text" and b["inputmode"] not in ("numeric", "decimal", "tel", "none"), where
            n, m = labels[b["step"]]
            if n:
                assert b["rows"] == n and b["lab"], f"{where} lost its row labels"
                assert abs(b["lab"]["cy"] - b["cy"]) <= 2 and b["lab"]["right"] <= b["left"] + 1, where
                assert b["lab"]["left"] >= 0 and b["lab"]["w"] > 0, where
            if m:
                assert b["cols"] == m and b["tick"], f"{where} lost its column labels"
                assert abs(b["tick"]["cx"] - b["cx"]) <= 2 and b["tick"]["bottom"] <= b["cy"], where
        stuck = tab.evaluate(STUCK)
        assert stuck and all(h <= 64 for _, h in stuck), stuck
        type_garbage(tab)
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 390
        stuck = tab.evaluate(STUCK)
        assert all(h <= 64 for _, h in stuck), stuck
        assert not errors, errors
    finally:
        ctx.close()


# each box written wrong, scrolled to the middle of the screen as a student would see it
# (at 390 px an item far off the screen is not laid out until it comes near: its matrices
# are left out of "between" by checkVisibility)
HINTS = """async () => {
  const frame = () => new Promise(r => requestAnimationFrame(() => requestAnimationFrame(r)));
  const out = [];
  for (const el of document.querySelectorAll("input[data-step][title]")) {
    el.scrollIntoView({block: "center"});
    await frame();
    const item = el.closest(".item"), hint = item.querySelector(".hint");
    const label = el.title.split(": ")[0], r = el.getBoundingClientRect();
    const line = hint && [...hint.children].find(d => d.firstChild.textContent === label + ": ");
    const h = line && line.getBoundingClientRect();
    const between = h ? [...document.querySelectorAll(".m")].filter(m => {
      const q = m.getBoundingClientRect();
      return m.checkVisibility({contentVisibilityAuto: true}) && q.top >= r.bottom && q.bottom <= h.top; }).length : null;
    out.push({label, title: el.title, line: line ? line.textContent : null, hidden: hint ? hint.hidden : true,
              below: h ? h.top - r.bottom : null, between, left: h ? h.left : null, right: h ? h.right : null,
              vw: document.documentElement.clientWidth, bar: document.querySelector(".bar").textContent});
  }
  return out;
}"""


@pytest.mark.parametrize("viewport", [PHONE, LAPTOP], ids=["390", "1366"])
@pytest.mark.parametrize("name", catalog.WORKSHEETS)
def test_a_hint_shows_under_its_box_not_in_the_header(browser, pages, tmp_path, name, viewport):
    ctx, tab, errors = open_page(browser, pages[(name, None)], tmp_path, **viewport)
    try:
        type_garbage(tab)
        hints = tab.evaluate(HINTS)
        assert len(hints) >= 5
        for h in hints:
            assert h["line"] and not h["hidden"], h
            assert h["line"].split(": ", 1)[1].rstrip(".") in h["title"], h
            assert h["below"] >= 0 and h["between"] == 0, f"{h['label']}: its hint is not right under its matrix"
            assert 0 <= h["left"] and h["right"] <= h["vw"] + 0.5, h
            assert h["label"] not in h["bar"], "a hint in the header"
        assert not errors, errors
    finally:
        ctx.close()


USES = """() => [...document.querySelectorAll(".item.box")].map(item => {
  const box = item.querySelector("input[data-step]");
  const links = [...item.querySelectorAll(".uses a")].map(a => {
    const target = document.getElementById(a.getAttribute("href").slice(1));
    return {name: a.textContent, found: !!target,
            same: !!target && target.closest(".item").dataset.name === a.textContent,
            above: !!target && !!(target.compareDocumentPosition(box) & Node.DOCUMENT_POSITION_FOLLOWING)};
  });
  return {step: box.dataset.step, links, shown: getComputedStyle(item.querySelector(".uses") || item).display};
})"""


@pytest.mark.parametrize("name", catalog.WORKSHEETS)
def test_what_a_box_uses_is_above_it_or_a_tap_away(browser, pages, tmp_path, name):
    """On a phone each box lists what its formula uses, each a link to where the page shows
    it; what is printed on the box's own page comes before it."""
    ws = catalog.get(name)
    steps = ws.join(ws.run(ws.load()))
    on_sheet = {it.step for _, it in ws.sheet.items()}
    ctx, tab, errors = open_page(browser, pages[(name, None)], tmp_path, **PHONE)
    try:
        got = {b["step"]: b for b in tab.evaluate(USES)}
        for it in ws.sheet.boxes():
            want = [u for u in steps.uses(it.step) if u in on_sheet]
            links = got[it.name]["links"]
            assert len(links) == len(want), (it.name, links, want)
            assert all(x["found"] and x["same"] for x in links), (it.name, links)
            if want:
                assert got[it.name]["shown"] != "none", it.name
        pages_of = {}
        for k, it in ws.sheet.items():
            pages_of.setdefault(it.step, set()).add(k)
        for k, it in ws.sheet.items():
            if it.role != "box":
                continue
            for x, u in zip(got[it.name]["links"], [u for u in steps.uses(it.step) if u in on_sheet]):
                if k in pages_of[u]:
                    assert x["above"], f"{it.name}: {x['name']} is on its page but below it"
        assert not errors, errors
    finally:
        ctx.close()


LAYOUT = """() => [...document.querySelectorAll(".grid")].map(g => ({
  stacked: g.classList.contains("stack") || getComputedStyle(g).display !== "grid",
  items: [...g.querySelectorAll(".item")].map(it => {
    const m = it.querySelector(".m").getBoundingClientRect();
    const range = document.createRange();
    range.selectNodeContents(it.querySelector(".ttl"));
    const t = range.getBoundingClientRect();
    return {t: it.style.getPropertyValue("--t"), c: it.style.getPropertyValue("--c"), top: m.top, left: m.left,
            text: [t.left, t.top, t.right, t.bottom], name: it.dataset.name};
  })}))"""


@pytest.mark.parametrize("key", CASES, ids=IDS)
def test_on_a_laptop_the_page_keeps_the_sheets_layout(browser, pages, tmp_path, key):
    ctx, tab, errors = open_page(browser, pages[key], tmp_path, **LAPTOP)
    try:
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 1366
        for grid in tab.evaluate(LAYOUT):
            assert not grid["stacked"], "a grid of the sheet is shown one matrix after another"
            for a in grid["items"]:
                for b in grid["items"]:
                    if a["t"] == b["t"]:
                        assert abs(a["top"] - b["top"]) < 1, (a, b)
                    if a["c"] == b["c"]:
                        assert abs(a["left"] - b["left"]) < 1, (a, b)
                    if a is not b:
                        (l1, t1, r1, b1), (l2, t2, r2, b2) = a["text"], b["text"]
                        assert r1 <= l2 or r2 <= l1 or b1 <= t2 or b2 <= t1, f"{a['name']}'s title runs into {b['name']}'s"
        boxes = tab.evaluate(BOXES)
        assert all(b["width"] >= 44 and b["height"] >= 44 and not b["scroller"] for b in boxes)
        assert all(0 <= b["left"] and b["right"] <= b["vw"] for b in boxes)
        assert not errors, errors
    finally:
        ctx.close()


def test_a_grid_too_wide_for_its_page_is_shown_one_matrix_after_another(browser, pages, tmp_path):
    """Between a phone and a laptop (an 800 px tablet), a grid that does not fit is stacked;
    one that fits keeps the sheet's layout (MRL's page 1 is the widest: widths 2 and 4
    side by side)."""
    ctx, tab, errors = open_page(browser, pages[("mrl", None)], tmp_path, viewport={"width": 800, "height": 900})
    try:
        grids = tab.evaluate(LAYOUT)
        assert any(g["stacked"] for g in grids) and not all(g["stacked"] for g in grids)
        assert tab.evaluate("() => document.documentElement.scrollWidth") <= 800
        boxes = tab.evaluate(BOXES)
        assert all(0 <= b["left"] and b["right"] <= b["vw"] and not b["scroller"] for b in boxes)
        tab.set_viewport_size({"width": 1366, "height": 900})
        tab.wait_for_timeout(100)
        assert not any(g["stacked"] for g in tab.evaluate(LAYOUT))
        assert not errors, errors
    finally:
        ctx.close()


def test_a_jump_keeps_the_title_and_the_box_in_view(browser, pages, tmp_path):
    """Following a 'uses' link shows the matrix's title under the bar, not behind it; Enter
    goes to the next box and scrolls it into view below the bar."""
    ctx, tab, errors = open_page(browser, pages[("infonce", None)], tmp_path, **PHONE)
    try:
        bar = tab.evaluate("() => document.querySelector('.bar').getBoundingClientRect().bottom")
        links = tab.locator(".item.box .uses a")
        for k in (0, 3, links.count() - 1):
            link = links.nth(k)
            target = link.get_attribute("href")[1:]
            link.click()
            tab.wait_for_timeout(100)
            top, bottom = tab.evaluate(f"() => {{ const r = document.getElementById({target!r}).getBoundingClientRect();"
                                       " return [r.top, r.bottom]; }")
            assert bar <= top and bottom <= 844, (target, top, bar)
        boxes = tab.locator("input[data-step]")
        boxes.nth(0).focus()
        for k in range(1, boxes.count()):
            tab.keyboard.press("Enter")
            assert tab.evaluate("() => document.activeElement === document.querySelectorAll('input[data-step]')"
                                f"[{k}]"), k
            top, bottom = tab.evaluate("() => { const r = document.activeElement.getBoundingClientRect();"
                                       " return [r.top, r.bottom]; }")
            assert bar <= top and bottom <= 844, (k, top, bottom)
        assert not errors, errors
    finally:
        ctx.close()


@pytest.mark.parametrize("name", catalog.WORKSHEETS)
def test_a_reload_or_an_address_with_an_id_lands_where_it_should(browser, pages, tmp_path, name):
    """At 390 px the page skips drawing what is far off the screen; a reload (a phone drops a
    tab it does not show) still comes back to the box the student was at, and an address
    ending in #id shows that matrix just under the bar."""
    ctx, tab, errors = open_page(browser, pages[(name, None)], tmp_path, **PHONE)
    top = "(k) => document.querySelectorAll('input[data-step]')[k].getBoundingClientRect().top"
    try:
        n = tab.evaluate("() => document.querySelectorAll('input[data-step]').length")
        for k in (n * 2 // 3, n - 1):
            for _ in range(40):                      # a finger's scrolling, down to the box
                if tab.evaluate(top, k) < 600:
                    break
                tab.mouse.wheel(0, 400)
                tab.wait_for_timeout(50)
            tab.wait_for_timeout(300)
            before = tab.evaluate(top, k)
            tab.reload()
            tab.wait_for_timeout(500)
            assert abs(tab.evaluate(top, k) - before) <= 2, (k, before, tab.evaluate(top, k))
        target = tab.evaluate("() => [...document.querySelectorAll('section.page')].at(-1).querySelector('.ttl[id]').id")
        tab.goto(tab.url.split("#")[0] + "#" + target)
        tab.reload()
        tab.wait_for_timeout(500)
        bar, got, end = tab.evaluate(f"""() => [document.querySelector('.bar').getBoundingClientRect().bottom,
            document.getElementById({target!r}).getBoundingClientRect().top,
            Math.ceil(scrollY + innerHeight) >= document.documentElement.scrollHeight]""")
        assert bar <= got and (got <= bar + 100 or end), (target, bar, got)   # its title and a margin
        assert not errors, errors
    finally:
        ctx.close()
