"""What the page tests share: Debian's Chromium through playwright (no browser is downloaded)."""

from __future__ import annotations

import os

import pytest

CHROMIUM = "/usr/bin/chromium"
ARGS = ["--headless", "--no-sandbox", "--disable-gpu", "--disable-quic", "--no-first-run",
        "--disable-background-networking", "--disable-component-update", "--disable-sync"]


def unavailable(reason: str):
    """No browser here: a failure in CI, a skip on a machine without Chromium."""
    if os.environ.get("CI") or os.path.exists(CHROMIUM):
        pytest.fail(f"the page tests need Chromium and playwright: {reason}")
    pytest.skip(f"the page tests need Chromium at {CHROMIUM} ({reason}); CI runs them")


@pytest.fixture(scope="module")
def browser():
    """One Chromium for the module."""
    if not os.path.exists(CHROMIUM):
        unavailable(f"{CHROMIUM} is missing")
    try:
        from playwright.sync_api import sync_playwright
    except ImportError as err:
        unavailable(str(err))
    pw = sync_playwright().start()
    b = pw.chromium.launch(executable_path=CHROMIUM, args=ARGS)
    yield b
    b.close()
    pw.stop()


def open_page(browser, html: str, folder, name: str = "page.html", **context):
    """The page opened from disk in a new context: (context, tab, errors thrown in it)."""
    path = folder / name
    path.write_text(html, encoding="utf-8")
    ctx = browser.new_context(**context)
    tab = ctx.new_page()
    errors: list[str] = []
    tab.on("pageerror", lambda err: errors.append(str(err)))
    tab.goto(path.as_uri())
    return ctx, tab, errors

