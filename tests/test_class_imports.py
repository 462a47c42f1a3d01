"""Who imports whom in the classroom package."""

import subprocess
import sys


def test_the_catalog_does_not_import_the_variant_generator():
    """The variants read the catalog; the catalog imports them only when a variant is made."""
    code = ("import sys, aibyhand.classroom.catalog as c\n"
            "assert 'aibyhand.classroom.variants' not in sys.modules\n"
            "c.get('infonce').load(seed=1)\n"
            "assert 'aibyhand.classroom.variants' in sys.modules\n")
    assert subprocess.run([sys.executable, "-c", code], capture_output=True).returncode == 0
