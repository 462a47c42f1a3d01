"""Hypothesis profiles, and what CI must have: the torch oracle and a real browser.

Locally the optional oracle and the browser tests skip when torch, playwright or Debian's
chromium are missing; in CI (``CI`` set, as ``.ci/run`` does) a missing one is an error,
so those tests can never vanish from a green run.
"""

import os
import shutil

import pytest
from hypothesis import HealthCheck, settings

settings.register_profile(
    "default", max_examples=int(os.environ.get("AIBYHAND_EXAMPLES", "25")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.register_profile(
    "ci", max_examples=int(os.environ.get("AIBYHAND_EXAMPLES", "60")), deadline=None,
    suppress_health_check=[HealthCheck.too_slow], derandomize=True)
settings.load_profile("ci" if os.environ.get("CI") else "default")

CHROMIUM = "/usr/bin/chromium"


def pytest_configure(config):
    if not os.environ.get("CI"):
        return
    missing = []
    for module, why in (("torch", "the torch oracle"), ("playwright", "the browser tests")):
        try:
            __import__(module)
        except ImportError:
            missing.append(f"{module} ({why})")
    if not (os.path.exists(CHROMIUM) or shutil.which("chromium")):
        missing.append(f"Debian's chromium at {CHROMIUM} (the browser tests)")
    if missing:
        raise pytest.UsageError("CI is set but these are missing: " + "; ".join(missing)
                                + ". .ci/run installs them; nothing may skip in CI.")


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    """In CI a skip is a failure: a test that cannot run there has stopped testing."""
    outcome = yield
    report = outcome.get_result()
    if os.environ.get("CI") and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"skipped in CI, where nothing may skip: {report.longrepr}"
