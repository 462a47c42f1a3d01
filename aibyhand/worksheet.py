"""Worksheet data files: read, check, and run them.

Each worksheet's numbers live in ``worksheets/NN_name.toml`` as flat keys: the
arguments of the module's functions (matrices as lists of rows, features down, examples
across, as on the sheet) plus settings such as ``temperature`` and ``base``. A malformed
file raises :class:`WorksheetError` with one line naming the file and the key.
"""

from __future__ import annotations

import math
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from .steps import Steps

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# installed: package data under aibyhand/worksheets; from a checkout: the repository's folder
_HERE = Path(__file__).resolve().parent
WORKSHEETS = _HERE / "worksheets" if (_HERE / "worksheets").is_dir() else _HERE.parent / "worksheets"


class WorksheetError(ValueError):
    """A worksheet or answers file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Field:
    """One key of a worksheet file: a matrix (``ndim`` 2), a vector, a number or words."""

    kind: str  # "matrix", "vector", "number", "integer", "text", "ints"
    about: str = ""


def read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as f:
            return tomllib.load(f)
    except FileNotFoundError:
        raise WorksheetError(f"{path}: no such file") from None
    except tomllib.TOMLDecodeError as err:
        raise WorksheetError(f"{path}: not valid TOML ({err})") from None
    except (OSError, UnicodeDecodeError) as err:
        raise WorksheetError(f"{path}: cannot be read ({err})") from None


def parse(raw: Mapping, fields: Mapping[str, Field], where: str) -> dict:
    """Check every key of ``fields`` is in ``raw`` with the right kind; return NumPy values.

    A table (``[model]``) is addressed with dotted keys (``model.Etok``); the result
    nests again (``data["model"]["Etok"]``).
    """
    flat = _flatten(raw)
    unknown = [k for k in flat if k not in fields]
    if unknown:
        raise WorksheetError(f"{where}: unknown key {unknown[0]!r} (keys: {', '.join(fields)})")
    data: dict = {}
    for key, field in fields.items():
        if key not in flat:
            raise WorksheetError(f"{where}: missing key {key!r} ({field.about or field.kind})")
        *tables, last = key.split(".")
        into = data
        for t in tables:
            into = into.setdefault(t, {})
        into[last] = _value(flat[key], field, f"{where}: {key}")
    return data


def _flatten(raw: Mapping, prefix: str = "") -> dict:
    out = {}
    for k, v in raw.items():
        if isinstance(v, Mapping):
            out.update(_flatten(v, f"{prefix}{k}."))
        else:
            out[f"{prefix}{k}"] = v
    return out


def to_toml(data: Mapping, header: str = "") -> str:
    """Worksheet data as a TOML file: settings first, matrices one row per line, tables last."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for key, value in data.items():
        if key not in tables:
            lines += ["", *_toml_value(key, value)] if np.ndim(value) == 2 else _toml_value(key, value)
    for name, table in tables.items():
        lines += ["", f"[{name}]"]
        for key, value in table.items():
            lines += _toml_value(key, value)
    return "\n".join(lines).lstrip("\n") + "\n"


def _toml_number(x) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 2**53 else repr(x)


def _toml_value(key: str, value) -> list[str]:
    if isinstance(value, str):
        return [f'{key} = "{value}"']
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return [f"{key} = [", *(f'  "{v}",' for v in value), "]"]
    value = np.asarray(value)
    if value.ndim == 0:
        return [f"{key} = {_toml_number(value)}"]
    if value.ndim == 1:
        return [f"{key} = [{', '.join(_toml_number(x) for x in value)}]"]
    cells = [[_toml_number(x) for x in row] for row in value]
    width = max(len(c) for row in cells for c in row)
    rows = ["  [" + ", ".join(c.rjust(width) for c in row) + "]," for row in cells]
    return [f"{key} = [", *rows, "]"]


def _value(raw, field: Field, where: str):
    if field.kind == "text":
        if not isinstance(raw, str):
            raise WorksheetError(f"{where}: expected a string, got {raw!r}")
        return raw
    if field.kind in ("number", "integer"):
        if isinstance(raw, bool) or not isinstance(raw, (int, float)) or not math.isfinite(raw):
            raise WorksheetError(f"{where}: expected a finite number, got {raw!r}")
        if field.kind == "integer" and not isinstance(raw, int):
            raise WorksheetError(f"{where}: expected an integer, got {raw!r}")
        return raw
    if field.kind == "texts":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise WorksheetError(f"{where}: expected a list of strings, got {raw!r}")
        return list(raw)
    ndim = {"matrix": 2, "vector": 1, "ints": 1}[field.kind]
    if not _numeric_nested(raw, ndim):
        raise WorksheetError(f"{where}: expected a {'list of rows of numbers' if ndim == 2 else 'list of numbers'}, got {_short(raw)}")
    if ndim == 2 and len({len(r) for r in raw}) > 1:
        raise WorksheetError(f"{where}: rows of different lengths {[len(r) for r in raw]}")
    arr = np.array(raw, dtype=np.int64 if field.kind == "ints" else np.float64)
    if arr.size == 0:
        raise WorksheetError(f"{where}: expected numbers, got an empty list")
    return arr


def _numeric_nested(raw, ndim: int) -> bool:
    if not isinstance(raw, list):
        return False
    if ndim == 1:
        return all(isinstance(x, (int, float)) and not isinstance(x, bool) and math.isfinite(x)
                   for x in raw)
    return all(_numeric_nested(r, ndim - 1) for r in raw)


def _short(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Worksheet:
    """A worksheet: its data file, what it teaches, and how to compute it.

    ``run(data)`` returns the parts of the printout in worksheet order (a forward, a
    backward ...), each a :class:`Steps`. ``variant(seed)`` returns fresh data with the
    same keys and the same easy arithmetic.
    """

    name: str
    number: int
    title: str
    teaches: str
    fields: Mapping[str, Field]
    run: Callable[[dict], list[Steps]]
    variant: Callable[[int], dict] | None = None
    stem: str = ""  # the data file's name without number and suffix, if not ``name``
    sheet_parts: int | None = None  # how many of run's parts the printed sheet holds (all)
    summary: Callable[[list[Steps]], str] | None = None  # a closing line for the printout

    @property
    def path(self) -> Path:
        return WORKSHEETS / f"{self.number:02d}_{self.stem or self.name}.toml"

    def load(self, path: str | Path | None = None, seed: int | None = None) -> dict:
        """The worksheet's numbers: from ``path``, a ``seed`` variant, or the worksheet file."""
        if seed is not None:
            if path is not None:
                raise ValueError("give a data file or a seed, not both")
            if self.variant is None:
                raise ValueError(f"{self.name}: no variants")
            return self.variant(seed)
        path = Path(path) if path is not None else self.path
        return parse(read_toml(path), self.fields, str(path))

    def steps(self, data: Mapping | None = None, *, sheet: bool = False, **load) -> Steps:
        """Every cell of the worksheet in one :class:`Steps` (the parts joined).

        ``sheet=True``: only the parts on the printed sheet (what ``check`` marks).
        """
        return self.join(self.run(dict(data) if data is not None else self.load(**load)), sheet=sheet)

    def join(self, parts: list[Steps], *, sheet: bool = False) -> Steps:
        """The parts :attr:`run` returned, as one :class:`Steps` (the sheet's parts only)."""
        if sheet:
            parts = parts[:self.sheet_parts]
        out = Steps(self.title, parts[0].meta)
        for part in parts:
            out.extend(part)
        return out

