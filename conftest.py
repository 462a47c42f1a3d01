"""nbval: compare every stored output of the notebooks except stderr (warnings, progress)."""


def pytest_collectstart(collector):
    if getattr(collector, "fspath", None) is not None and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
