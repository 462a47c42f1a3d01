"""nbval: compare every stored output of the notebooks except stderr (warnings, progress).
And one BLAS thread in each test process."""

import os

# pytest-xdist runs up to 4 test processes on the machine's cores, and nbval a kernel in
# one: a BLAS thread pool in each would oversubscribe the cores (OpenBLAS's threads spin
# while they wait). Set here, before the processes start, so all of them inherit it; the
# results are the same (the committed notebooks still regenerate byte for byte).
for _var in ("OPENBLAS_NUM_THREADS", "OMP_NUM_THREADS"):
    os.environ.setdefault(_var, "1")


def pytest_collectstart(collector):
    if getattr(collector, "fspath", None) is not None and collector.fspath.ext == ".ipynb":
        collector.skip_compare += ("stderr",)
