"""An argument parser whose mistakes are one line on stderr and exit code 2."""

from __future__ import annotations

import argparse
import sys


class Parser(argparse.ArgumentParser):
    """``argparse`` prints the whole usage before the error; a class at a projector needs
    only the line that says what to change, and where to look for the rest."""

    def error(self, message: str):
        try:
            print(f"{self.prog}: {message} (see {self.prog} --help)", file=sys.stderr)
        except (OSError, AttributeError, ValueError):
            pass
        raise SystemExit(2)
