"""The page's script and style are files of their own, inlined into one offline page.

No Python string in ``aibyhand/`` holds a script (or a style sheet): the page's
JavaScript is ``aibyhand/classroom/page.js``, its CSS ``page.css``, and a built page
carries both verbatim and reaches for nothing outside itself.
"""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

from aibyhand.classroom import catalog, page

PACKAGE = Path(page.__file__).resolve().parents[1]

SCRIPT_LIKE = [
    re.compile(r"\bfunction\s*[\w$]*\s*\([^()]*\)\s*\{"),           # function f(a) {
    re.compile(r"\b(document|window)\.[A-Za-z]"),                   # document.getElementById
    re.compile(r"addEventListener|=>\s*\{|\bvar\s+\w+\s*="),         # handlers, arrows, var x =
    re.compile(r"<[a-z][^>]*\son[a-z]+\s*=", re.I),                 # <a onclick=...>
    re.compile(r"javascript:", re.I),
    re.compile(r"<script(\s[^>]*)?>\s*[\w(;{]"),                    # <script>code
]
STYLE_LIKE = [
    re.compile(r"[\w\-.#:\])*>]+\s*\{[^{}]*\b(position|top|left|color|display|margin|padding|font|background|"
               r"border|width|height|overflow|gap|grid|flex|align|justify|text|line|z-index|box|outline|"
               r"visibility|content|cursor|transform|opacity)[\w-]*\s*:[^{}]*\}"),   # sel{display:grid}
    re.compile(r"<style(\s[^>]*)?>\s*[\w.#:*@\[]"),
]


def strings(path: Path):
    """Every string constant in a Python file (the literal parts of f-strings too), with its line."""
    for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
        if isinstance(node, ast.Constant) and isinstance(node.value, str):
            yield node.lineno, node.value


def script_or_style(text: str) -> str | None:
    """What a string holds that belongs in page.js or page.css, if anything."""
    for pattern in SCRIPT_LIKE + STYLE_LIKE:
        m = pattern.search(text)
        if m:
            return m[0]
    return None


def test_no_python_string_in_the_package_holds_a_script_or_a_style():
    found = [(f"{p.relative_to(PACKAGE.parent)}:{line}", hit) for p in sorted(PACKAGE.rglob("*.py"))
             for line, text in strings(p) if (hit := script_or_style(text))]
    assert not found, found


@pytest.mark.parametrize("text", [
    "(function () {\n  var x = 1;\n})();",
    "el.addEventListener('input', refresh)",
    "document.getElementById('save')",
    '<button onclick="save()">',
    "<script>alert(1)</script>",
    ".bar{position:sticky;top:0}",
    "main{max-width:1240px;margin:0 auto}",
    "<style>p{}</style>",
])
def test_the_search_finds_a_script_or_a_style(text):
    assert script_or_style(text)


@pytest.mark.parametrize("text", [
    "{where}: expected a number, got {shown}", "x = {value:.2f}", "<script>", "</script>",
    'style="grid-row:3;grid-column:1/span 2"', "a function of the boxes", "window of 4 tokens",
])
def test_the_search_leaves_plain_strings_alone(text):
    assert script_or_style(text) is None


def test_the_script_and_style_are_package_files():
    for name in ("page.js", "page.css"):
        text = (PACKAGE / "classroom" / name).read_text(encoding="utf-8")
        assert len(text.splitlines()) > 50, name
        assert page.asset(name) == text


def test_a_built_page_inlines_them_and_reaches_for_nothing_outside():
    ws = catalog.get("mrl")
    html = page.render(ws, ws.load())
    assert f"<script>{page.asset('page.js')}</script>" in html
    assert f"<style>{page.asset('page.css')}</style>" in html
    assert html.count("<script") == 2                         # the graph (JSON) and the script
    markup = html.replace(page.asset("page.js"), "").replace(page.asset("page.css"), "")
    assert not re.search(r"""\b(src|href)\s*=\s*(?!["']?#)""", markup, re.I)
    assert not re.search(r"@import|\burl\(|https?://|\bfetch\(|XMLHttpRequest|\bimport\(", html)


@pytest.mark.parametrize("text", ["x</script>", "a</STYLE >", "<!-- no -->"])
def test_a_file_that_would_end_its_element_early_is_refused(text):
    with pytest.raises(ValueError, match="cannot be inlined"):
        page.inlinable("page.js", text)
    assert page.inlinable("page.js", "a < b && c > d") == "a < b && c > d"
