"""nbval: compare every stored output of the notebooks except stderr (warnings, progress).

Parallel runs (pytest-xdist, ``--dist loadgroup``): the tests of a file stay in one process
(a notebook's cells use the cells before them; a module's browser or class set is made
once), except tests marked ``spread``, which go wherever a process is free (the long
seed sweeps, so that no one process is left with all of them at the end).
"""

import pytest


def pytest_collectstart(collector):
    if getattr(collector, "fspath", None) is not None and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)


def pytest_configure(config):
    config.addinivalue_line("markers", "spread: may run in another process than the rest of its file")


def pytest_collection_modifyitems(items):
    for item in items:
        group = item.nodeid if item.get_closest_marker("spread") else item.nodeid.split("::")[0]
        item.add_marker(pytest.mark.xdist_group(group))
