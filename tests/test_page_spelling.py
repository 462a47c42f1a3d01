"""What a box may hold, read the same way by ``check`` and by the page, on one list.

``tests/spellings.toml`` lists typed texts (stray BOMs, zero-width and bidirectional
characters, NBSP, full-width digits, Unicode minus signs, decimal commas, percent signs,
other scripts' digits, fractions over 0, long numbers) with the value each reads as or the
reason it cannot be read. :mod:`aibyhand.classroom.spelling` (which ``check`` calls) and
the page's script (``spell`` in ``page.js``, in Chromium) are both held to it, case by case.
The page saves answers under ``names.slug`` of the student's name; that is held to the
Python rule on names in several scripts.
"""

from __future__ import annotations

import math
import tomllib
from fractions import Fraction
from pathlib import Path

import pytest

from aibyhand.classroom import catalog, check, page, spelling
from aibyhand.classroom.names import slug
from pagekit import browser, open_page  # noqa: F401  (browser: a fixture)

CASES = tomllib.loads((Path(__file__).parent / "spellings.toml").read_text(encoding="utf-8"))["cases"]
IDS = [ascii(c["typed"])[1:-1][:30] + (" (words)" if "words" in c else "") for c in CASES]


def expected(case) -> float:
    """The value a case reads as (NaN: blank), from its float or its exact "a/b"."""
    v = case["value"]
    return float(Fraction(v)) if isinstance(v, str) else float(v)


def same(a: float, b: float) -> bool:
    return (math.isnan(a) and math.isnan(b)) or a == b


def test_the_list_covers_every_rule_and_every_reason():
    reasons = {c["reason"].split(", or one of")[0] for c in CASES if "reason" in c}
    assert reasons == set(spelling.REASONS.values())
    typed = "".join(c["typed"] for c in CASES)
    for ch in "\ufeff\u200b\u200c\u200d\u2060\u200e\u200f\u202a\u202b\u202c\u202d\u202e\u2066\u2067\u2068\u2069" \
              "\u00a0\u3000\u2212\u2010\u2011\u2012\u2013\ufe63\uff15":
        assert ch in typed, f"U+{ord(ch):04X} is in no case"
    assert sum("value" in c for c in CASES) >= 60 and sum("reason" in c for c in CASES) >= 50


@pytest.mark.parametrize("case", CASES, ids=IDS)
def test_spelling_reads_each_case(case):
    words = tuple(case.get("words", ()))
    if "value" in case:
        text = spelling.read(case["typed"], words)
        assert text.isascii() and text == text.strip()
        assert same(spelling.value(text, words), expected(case))
        assert same(check.parse_value(case["typed"], "box", words), expected(case))
    else:
        with pytest.raises(spelling.Unreadable) as err:
            spelling.read(case["typed"], words)
        assert err.value.reason == case["reason"]
        with pytest.raises(spelling.Unreadable) as err:
            check.parse_value(case["typed"], "answers.toml: loss", words)
        assert err.value.reason == case["reason"]
        assert str(err.value).startswith(f"answers.toml: loss: {case['reason']}; got ")
        assert "\n" not in str(err.value)


def test_a_long_text_is_read_in_bounded_time():
    """A million characters: one reason, not a hang (the rules are linear)."""
    for text, reason in (("7" * 10 ** 6, "long"), ("\u200b" * 10 ** 6 + "x", "other"), (" " * 10 ** 6, None)):
        if reason is None:
            assert spelling.read(text) == ""
        else:
            with pytest.raises(spelling.Unreadable, match=spelling.REASONS[reason]):
                spelling.read(text)


@pytest.fixture(scope="module")
def tab(browser, tmp_path_factory):
    """The decode page (it has a next-word box) open in Chromium."""
    ws = catalog.get("decode")
    ctx, tab, errors = open_page(browser, page.render(ws, ws.load()), tmp_path_factory.mktemp("spell"),
                                 accept_downloads=True)
    yield tab
    assert not errors, errors
    ctx.close()


def test_the_page_reads_every_case_as_spelling_does(tab):
    got = tab.evaluate("""(cases) => cases.map(c => {
        const r = window.aibyhand.spell(c.typed, c.words || []);
        return r.reason === undefined ? {text: r.text, value: window.aibyhand.value(c.typed, c.words || [])}
                                      : {reason: r.reason};
    })""", CASES)
    wrong = []
    for case, mine in zip(CASES, got):
        words = tuple(case.get("words", ()))
        if "value" in case:
            ok = ("text" in mine and mine["text"] == spelling.read(case["typed"], words)
                  and same(math.nan if mine["value"] is None else float(mine["value"]), expected(case)))
        else:
            ok = mine.get("reason") == case["reason"]
        if not ok:
            wrong.append((case, mine))
    assert not wrong, wrong[:5]


def _box(tab, typed: str) -> dict:
    """Type into the page's first box; what the page shows for it."""
    box = tab.locator("input[data-step]").first
    box.fill(typed)
    return tab.evaluate("""() => {
        const el = document.querySelector("input[data-step]");
        return {bad: el.hasAttribute("data-bad"), verdict: el.getAttribute("data-verdict"),
                title: el.getAttribute("title") || "", v: el.parentNode.getAttribute("data-v")};
    }""")


@pytest.mark.parametrize("typed, reason", [("0,25", "comma"), ("25%", "percent"), ("\u0663", "digits"),
                                           ("1/0", "zero"), ("1234567890123", "long"), ("abc", "other")])
def test_a_box_that_cannot_be_read_shows_its_reason(tab, typed, reason):
    shown = _box(tab, typed)
    assert shown["bad"] and shown["v"] == "bad" and shown["verdict"] == "unreadable"
    assert spelling.REASONS[reason] in shown["title"]
    assert "cannot be read" in shown["title"]


@pytest.mark.parametrize("typed", ["\u22121", "\uff15", "\ufeff0.5", " 1 / 3 ", "\u202e0.5"])
def test_a_box_the_rules_read_gets_a_verdict(tab, typed):
    shown = _box(tab, typed)
    assert not shown["bad"] and shown["verdict"] in ("right", "wrong", "follow")


def test_a_saved_file_keeps_what_was_typed_and_check_reads_it_the_same(tab, tmp_path):
    """What cannot be read is saved as typed (a string), never as a number; check gives the same reason."""
    _box(tab, "0,25")
    tab.fill("#student", "")
    with tab.expect_download() as download:
        tab.click("#save")
    path = tmp_path / download.value.suggested_filename
    download.value.save_as(path)
    saved = check.read_answers(path)
    first = tab.evaluate("() => document.querySelector('input[data-step]').dataset.step")
    cell = saved[first] if isinstance(saved[first], str) else saved[first][0][0]
    assert cell == "0,25"
    with pytest.raises(spelling.Unreadable) as err:
        check.parse_value(cell, "file")
    assert err.value.reason == spelling.REASONS["comma"]
    assert "cannot be read" in tab.inner_text("#status")
    _box(tab, "")


NAMES = ["", "ana lee", "Ana Lee", "Ana María", "José Núñez", "Jose Nunez", "李明", "李 明", "김민준", "Мария Иванова",
         "мария иванова", "محمد علي", "أحمد", "श्रेया", "Zoë O'Brien", "ZOË", "zoe\u0308", "İlker Çelik", "ΣΟΦΙΑ",
         "Nguyễn Văn An", "  spaced   out  ", "---", "!!!", "a" * 60, "ab " * 30, "x\u202ey", "tab\there",
         "emoji 😀 name", "𝔄𝔫𝔞", "a" * 39 + " b", "a" * 38 + "!! bc", "😀" * 50 + "x", "ｆｕｌｌ", "٣٤٥", "mary-jane", "o'neil", "ß", "ﬁne", "\ufeffbom", "e\u0301"]


def test_the_page_saves_under_names_slug(tab):
    got = tab.evaluate("(names) => names.map(n => window.aibyhand.slug(n))", NAMES)
    assert got == [slug(n) for n in NAMES]
    assert len(set(got)) == len(NAMES)
    assert tab.evaluate("() => window.aibyhand.slug('zo\\u00eb') === window.aibyhand.slug('zoe\\u0308')")


def test_names_that_differ_only_by_accents_save_apart(tab):
    got = tab.evaluate("(names) => names.map(n => window.aibyhand.slug(n))", ["José Núñez", "Jose Nunez", "李明"])
    assert got[0] != got[1] and got[2] == "李明"
