"""Argument checks for the classroom's public functions (marking, sheets, pages, printouts).

Each returns the argument (made plain where that is harmless) or raises a one-line
``TypeError`` or ``ValueError`` that starts with the argument's name, says what was
expected and shows what came, as :mod:`aibyhand.validate` does for the math.
"""

from __future__ import annotations

import numbers
import os
from collections.abc import Mapping
from pathlib import Path

import numpy as np

from ..steps import Steps
from ..validate import _short, boolean, integer, one_of
from .layout import Sheet

__all__ = ["sheet", "steps", "sheet_and_steps", "answers", "answers_or_path", "path", "text", "optional_text",
           "words", "mapping", "worksheet", "parts", "optional_path", "hand_ins", "seed",
           "decimals", "number_of", "boolean", "integer", "one_of"]


def sheet(name: str, x) -> Sheet:
    if not isinstance(x, Sheet):
        raise TypeError(f"{name}: expected a worksheet's Sheet (catalog.get(NAME).sheet), got "
                        f"{type(x).__name__} {_short(x)}")
    return x


def steps(name: str, x) -> Steps:
    if not isinstance(x, Steps):
        raise TypeError(f"{name}: expected the Steps of a worksheet (catalog.get(NAME).steps()), "
                        f"got {type(x).__name__} {_short(x)}")
    return x


def sheet_and_steps(sheet_, steps_) -> tuple[Sheet, Steps]:
    """A sheet and the Steps of the same worksheet: every step the sheet shows is one of
    the Steps' (another worksheet's Steps is a one-line error, not a KeyError)."""
    sheet_, steps_ = sheet("sheet", sheet_), steps("steps", steps_)
    for _, item in sheet_.items():
        if item.step not in steps_:
            raise ValueError(f"steps: expected the Steps of this sheet's worksheet, got {steps_.title!r} "
                             f"without the sheet's step {item.step!r}")
    return sheet_, steps_


def answers(name: str, x) -> dict:
    """A mapping of box names to what is written in them; NumPy arrays and numbers in it
    become the lists and numbers an answers file holds."""
    if not isinstance(x, Mapping):
        raise TypeError(f"{name}: expected a mapping of box names to values (an answers file "
                        f"read with read_answers), got {type(x).__name__} {_short(x)}")
    bad = [k for k in x if not isinstance(k, str)]
    if bad:
        raise TypeError(f"{name}: expected box names (strings) as keys, got {type(bad[0]).__name__} "
                        f"{_short(bad[0])}")
    out = {}
    for k, v in x.items():
        try:
            out[k] = plain(v)
        except RecursionError:
            raise ValueError(f"{name}: {k}: lists nested more than {MAX_DEPTH} deep; a box's matrix "
                             f"is a list of rows") from None
    return out


def mapping(name: str, x, what: str) -> Mapping:
    if not isinstance(x, Mapping):
        raise TypeError(f"{name}: expected a mapping of {what}, got {type(x).__name__} {_short(x)}")
    return x


MAX_DEPTH = 8   # lists in lists, as an answers file may nest them (worksheet.MAX_DEPTH)


def plain(v, depth: int = 0):
    """NumPy arrays and scalars as Python lists and numbers (what a TOML file gives).
    Lists nested more than :data:`MAX_DEPTH` deep raise ``RecursionError``."""
    if depth > MAX_DEPTH:
        raise RecursionError("nested too deep")
    if isinstance(v, np.ndarray):
        if v.ndim > MAX_DEPTH:
            raise RecursionError("nested too deep")
        return plain(v.tolist(), depth)
    if isinstance(v, np.generic):
        return v.item()
    if isinstance(v, (list, tuple)):
        return [plain(x, depth + 1) for x in v]
    return v


def answers_or_path(name: str, x):
    """A mapping of answers (see :func:`answers`) or the path of an answers file."""
    if isinstance(x, Mapping):
        return answers(name, x)
    if isinstance(x, (str, os.PathLike)) and not isinstance(x, bytes):
        return path(name, x)
    raise TypeError(f"{name}: expected a mapping of box names to values or an answers file's "
                    f"path, got {type(x).__name__} {_short(x)}")


def path(name: str, x) -> Path:
    if isinstance(x, bytes) or not isinstance(x, (str, os.PathLike)):
        raise TypeError(f"{name}: expected a file name, got {type(x).__name__} {_short(x)}")
    text_ = os.fspath(x)
    if not isinstance(text_, str) or not text_ or "\0" in text_:
        raise ValueError(f"{name}: expected a file name, got {_short(text_)}")
    return Path(text_)


def text(name: str, x) -> str:
    if not isinstance(x, str):
        raise TypeError(f"{name}: expected a string, got {type(x).__name__} {_short(x)}")
    try:
        x.encode("utf-8")
    except UnicodeEncodeError as err:   # a lone surrogate: no file or page can hold it
        raise ValueError(f"{name}: expected text, got a lone surrogate U+{ord(x[err.start]):04X} "
                         f"at character {err.start}") from None
    return x


def optional_text(name: str, x) -> str | None:
    return None if x is None else text(name, x)


def words(name: str, x) -> tuple[str, ...]:
    """A list or tuple of strings (the words a box may hold instead of a number, names)."""
    if isinstance(x, (str, bytes)) or not isinstance(x, (list, tuple)) or not all(isinstance(w, str) for w in x):
        raise TypeError(f"{name}: expected a tuple of strings, got {type(x).__name__} {_short(x)}")
    return tuple(x)


def worksheet(name: str, x):
    from .worksheet import Worksheet

    if not isinstance(x, Worksheet):
        raise TypeError(f"{name}: expected a worksheet (catalog.get(NAME)), got {type(x).__name__} "
                        f"{_short(x)}")
    return x


def parts(name: str, x):
    """None, or what a worksheet's ``run`` returned: a non-empty list of Steps."""
    if x is not None and (not isinstance(x, (list, tuple)) or not x or not all(isinstance(p, Steps) for p in x)):
        raise TypeError(f"{name}: expected what the worksheet's run(data) returned (a list of Steps), "
                        f"got {type(x).__name__} {_short(x)}")
    return x


def optional_path(name: str, x) -> str | None:
    return None if x is None else str(path(name, x))


def hand_ins(name: str, x) -> list:
    """A list of :class:`~aibyhand.classroom.classview.HandIn` (one per answers file)."""
    from .classview import HandIn

    if isinstance(x, (str, bytes)) or not isinstance(x, (list, tuple)) or not all(isinstance(h, HandIn) for h in x):
        raise TypeError(f"{name}: expected a list of HandIn (one per answers file), got "
                        f"{type(x).__name__} {_short(x)}")
    return list(x)


def seed(name: str, x) -> int | None:
    from .worksheet import MAX_SEED

    return None if x is None else integer(name, x, minimum=0, maximum=MAX_SEED)


def decimals(name: str, x) -> int:
    return integer(name, x, minimum=0, maximum=17)


def number_of(name: str, x, count: int, what: str) -> int:
    """A 1-based position among ``count`` (a page of a sheet)."""
    if isinstance(x, bool) or not isinstance(x, numbers.Integral):
        raise TypeError(f"{name}: expected {what} from 1 to {count}, got {type(x).__name__} {_short(x)}")
    return integer(name, x, minimum=1, maximum=count)
