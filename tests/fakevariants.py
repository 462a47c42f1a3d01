"""Variants whose final result and boxes a test chooses (seed -> (final, boxes)), so that
every collision a class set sees is known by construction."""

from __future__ import annotations

import numpy as np

from aibyhand.classroom import classset, variants


class FakeVariants:
    MAX_SHARED = variants.MAX_SHARED

    def __init__(self, table):
        self.table = table

    def make(self, name, seed):
        return {"seed": seed}

    def made(self, name, seed):
        return {"seed": seed}, None

    def final(self, name, data):
        return np.atleast_1d(np.asarray(self.table(data["seed"])[0], float))


def fake(mp, table):
    """The class set sees ``table``'s variants (``mp``: a monkeypatch)."""
    fv = FakeVariants(table)
    mp.setattr(classset, "variants", fv)
    mp.setattr(classset, "_marks", lambda name, d, steps=None: (fv.final(name, d),
                                                                np.asarray(table(d["seed"])[1], float)))
    return fv
