"""Worksheet data files: read, check, and run them.

Each worksheet's numbers live in ``worksheets/NN_name.toml`` as flat keys: the
arguments of the module's functions (matrices as lists of rows, features down, examples
across, as on the sheet) plus settings such as ``temperature`` and ``base``. A file that
cannot be used raises :class:`WorksheetError` with one line naming the file, the key and
what was wrong; nothing in a file can make the reader crash, hang or run out of memory:
sizes are bounded before anything is parsed.
"""

from __future__ import annotations

import math
import numbers
import os
import re
import stat
import sys
from collections.abc import Callable, Mapping
from dataclasses import dataclass
from pathlib import Path

import numpy as np

from ..steps import Steps

if sys.version_info >= (3, 11):
    import tomllib
else:  # pragma: no cover
    import tomli as tomllib

# installed: package data under aibyhand/worksheets; from a checkout: the repository's folder
_PACKAGE = Path(__file__).resolve().parent.parent
WORKSHEETS = _PACKAGE / "worksheets" if (_PACKAGE / "worksheets").is_dir() else _PACKAGE.parent / "worksheets"

MAX_BYTES = 256 * 1024      # a worksheet or answers file is a few kilobytes
MAX_DEPTH = 8               # arrays in arrays: a matrix is 2
MAX_SIDE = 64               # rows or columns of one matrix in a worksheet file
MAX_NUMBER = 1e12           # no worksheet number is larger
MAX_KEY_PARTS = 8           # model.Etok is 2
MAX_SEED = 10**9 - 1        # seeds 0 to 999,999,999: nine digits fit on a sheet


class WorksheetError(ValueError):
    """A worksheet or answers file that cannot be used; the message is one line."""


@dataclass(frozen=True)
class Field:
    """One key of a worksheet file: a matrix, a vector, a number, an integer, words.

    A number or an integer may be bounded: ``minimum`` and ``maximum`` inclusive,
    ``above`` exclusive (``above=0``: a number > 0).
    """

    kind: str  # "matrix", "vector", "number", "integer", "ints", "text", "texts"
    about: str = ""
    minimum: float | None = None
    maximum: float | None = None
    above: float | None = None

    def allowed(self) -> str:
        """The range in words: "> 0", ">= 1", "from 0 to 100,000"."""
        what = "an integer" if self.kind == "integer" else "a number"
        if self.above is not None:
            return f"{what} > {self.above:g}"
        if self.minimum is not None and self.maximum is not None:
            return f"{what} from {self.minimum:,} to {self.maximum:,}"
        if self.minimum is not None:
            return f"{what} >= {self.minimum:g}"
        return f"{what} <= {self.maximum:,}" if self.maximum is not None else what

    def within(self, x) -> bool:
        return not ((self.above is not None and not x > self.above)
                    or (self.minimum is not None and x < self.minimum)
                    or (self.maximum is not None and x > self.maximum))


def read_toml(path: Path) -> dict:
    """A TOML file as a dict, or a one-line :class:`WorksheetError`.

    At most :data:`MAX_BYTES` are read (so ``/dev/zero`` is refused, not read forever)
    and arrays may nest :data:`MAX_DEPTH` deep (the parser recurses).
    """
    try:
        info = os.stat(path)
        if stat.S_ISDIR(info.st_mode):
            raise WorksheetError(f"{path}: is a folder, not a file")
        if not stat.S_ISREG(info.st_mode):  # a FIFO or a device could block or never end
            raise WorksheetError(f"{path}: not a regular file")
        with open(path, "rb") as f:
            raw = f.read(MAX_BYTES + 1)
    except FileNotFoundError:
        raise WorksheetError(f"{path}: no such file") from None
    except IsADirectoryError:
        raise WorksheetError(f"{path}: is a folder, not a file") from None
    except OSError as err:
        raise WorksheetError(f"{path}: cannot be read ({err.strerror or err})") from None
    if len(raw) > MAX_BYTES:
        raise WorksheetError(f"{path}: larger than {MAX_BYTES // 1024} KB; a worksheet or answers "
                             f"file is a few KB")
    try:
        text = raw.decode("utf-8").removeprefix("\ufeff")  # a BOM, as Windows editors save
    except UnicodeDecodeError:
        raise WorksheetError(f"{path}: not a text file (not UTF-8)") from None
    depth, parts = _depth(text)
    if depth > MAX_DEPTH:
        raise WorksheetError(f"{path}: arrays nested {depth} deep; at most {MAX_DEPTH}")
    if parts > MAX_KEY_PARTS:
        raise WorksheetError(f"{path}: a key or table name of {parts} dotted parts; at most "
                             f"{MAX_KEY_PARTS}")
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        hint = ""
        if any(re.search(r"(=|^|[\[,])\s*\[?[\s\d,.\[\]-]*\d+\s*/\s*\d+", _code(line))
               for line in text.splitlines()):  # also a row of a matrix over several lines
            hint = "; write a fraction in quotes, as \"3/13\""
        raise WorksheetError(f"{path}: not valid TOML ({err}){hint}") from None
    except (RecursionError, MemoryError, ValueError) as err:
        raise WorksheetError(f"{path}: cannot be read as TOML ({type(err).__name__})") from None


def _code(line: str) -> str:
    """A line without its strings and its comment (what a fraction hint may look at)."""
    line = re.sub(r'"(\\.|[^"\\])*"|\'[^\']*\'', '""', line)
    return line.split("#", 1)[0]


def _depth(text: str) -> tuple[int, int]:
    """How deep ``[`` and ``{`` nest outside strings and comments, and the most dotted
    parts of a key or table name: bounds, not a parse (the parser recurses on both)."""
    depth = best = 0
    parts = most = 1
    quote = None           # the quote that opened the current string: ", ', \"\"\" or \'\'\'
    comment = escape = False
    i, n = 0, len(text)
    while i < n:
        c = text[i]
        if comment:
            comment = c != "\n"
        elif quote:
            if escape:
                escape = False
            elif c == "\\" and quote in ('"', '"""'):
                escape = True
            elif text.startswith(quote, i):
                i += len(quote) - 1
                quote = None
        elif text.startswith('"""', i) or text.startswith("\'\'\'", i):
            quote = text[i:i + 3]
            i += 2
        elif c in "\"'":
            quote = c
        elif c == "#":
            comment = True
        elif c in "[{":
            depth += 1
            best = max(best, depth)
        elif c in "]}":
            depth = max(depth - 1, 0)
        elif c == "." and depth <= 1 and _in_key(text, i):
            parts += 1
            most = max(most, parts)
        elif c in "=\n":
            parts = 1
        i += 1
    return best, most


def _in_key(text: str, i: int) -> bool:
    """Whether position i (a dot) is in a key or a table header, not in a number."""
    line_start = text.rfind("\n", 0, i) + 1
    before = text[line_start:i]
    return "=" not in before


def parse(raw: Mapping, fields: Mapping[str, Field], where: str) -> dict:
    """Check every key of ``fields`` is in ``raw`` with the right kind; return NumPy values.

    A table (``[model]``) is addressed with dotted keys (``model.Etok``); the result
    nests again (``data["model"]["Etok"]``).
    """
    try:
        flat = _flatten(raw)
    except RecursionError:
        raise WorksheetError(f"{where}: tables nested too deep") from None
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
    """Worksheet data as a TOML file: settings first, matrices one row per line, tables
    last. Every value reads back as itself (:func:`parse` of the text gives ``data``)."""
    lines = [f"# {line}".rstrip() for line in header.splitlines()]
    tables = {k: v for k, v in data.items() if isinstance(v, Mapping)}
    for key, value in data.items():
        if key not in tables:
            lines += ["", *_toml_value(key, value)] if np.ndim(value) == 2 else _toml_value(key, value)
    for name, table in tables.items():
        lines += ["", f"[{_key(name)}]"]
        for key, value in table.items():
            lines += _toml_value(key, value)
    return "\n".join(lines).lstrip("\n") + "\n"


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else _string(key)


def _string(text: str) -> str:
    """A TOML basic string: quotes, backslashes and control characters escaped."""
    out = []
    for c in text:
        if c in '"\\':
            out.append("\\" + c)
        elif ord(c) < 0x20 or ord(c) == 0x7F:
            out.append(f"\\u{ord(c):04x}")
        else:
            out.append(c)
    return '"' + "".join(out) + '"'


def _toml_number(x) -> str:
    x = float(x)
    return str(int(x)) if x == int(x) and abs(x) < 2**53 else repr(x)


def _toml_value(key: str, value) -> list[str]:
    key = _key(key)
    if isinstance(value, str):
        return [f"{key} = {_string(value)}"]
    if isinstance(value, (list, tuple)) and value and all(isinstance(v, str) for v in value):
        return [f"{key} = [", *(f"  {_string(v)}," for v in value), "]"]
    value = np.asarray(value)
    if value.ndim == 0:
        return [f"{key} = {_toml_number(value)}"]
    if value.ndim == 1:
        return [f"{key} = [{', '.join(_toml_number(x) for x in value)}]"]
    cells = [[_toml_number(x) for x in row] for row in value]
    width = max(len(c) for row in cells for c in row)
    rows = ["  [" + ", ".join(c.rjust(width) for c in row) + "]," for row in cells]
    return [f"{key} = [", *rows, "]"]


def digits(x) -> int:
    """How many digits the whole part of ``x`` has, without ``str()`` (which refuses an
    integer of more than 4300 digits): a lower bound from its bits, then exact."""
    n = int(abs(x))
    d = max(1, int((n.bit_length() - 1) * 0.30102999566398120))
    while 10 ** d <= n:
        d += 1
    return d


def _number(raw, where: str, *, integer: bool = False):
    if isinstance(raw, bool) or not isinstance(raw, (int, float)):
        raise WorksheetError(f"{where}: expected {'an integer' if integer else 'a number'}, got "
                             f"{_short(raw)}")
    if isinstance(raw, float) and not math.isfinite(raw):
        raise WorksheetError(f"{where}: expected a finite number, got {raw!r}")
    if abs(raw) > MAX_NUMBER:
        raise WorksheetError(f"{where}: expected a number of size at most 1e12, got one of "
                             f"{digits(raw)} digits")
    if integer and isinstance(raw, float):
        if raw != int(raw):
            raise WorksheetError(f"{where}: expected an integer, got {raw!r}")
        raw = int(raw)
    return raw


def _value(raw, field: Field, where: str):
    if field.kind == "text":
        if not isinstance(raw, str):
            raise WorksheetError(f"{where}: expected a string, got {_short(raw)}")
        return raw
    if field.kind in ("number", "integer"):
        x = _number(raw, where, integer=field.kind == "integer")
        if not field.within(x):
            raise WorksheetError(f"{where}: expected {field.allowed()}, got {x!r}")
        return x
    if field.kind == "texts":
        if not isinstance(raw, list) or not all(isinstance(x, str) for x in raw):
            raise WorksheetError(f"{where}: expected a list of strings, got {_short(raw)}")
        if len(raw) > MAX_SIDE:
            raise WorksheetError(f"{where}: {len(raw)} strings; at most {MAX_SIDE}")
        return list(raw)
    ndim = 2 if field.kind == "matrix" else 1
    kind = "a list of rows of numbers" if ndim == 2 else "a list of numbers"
    rows = raw if ndim == 2 else [raw]
    if not isinstance(raw, list) or not all(isinstance(r, list) for r in rows):
        raise WorksheetError(f"{where}: expected {kind}, got {_short(raw)}")
    if len(rows) > MAX_SIDE or any(len(r) > MAX_SIDE for r in rows):
        raise WorksheetError(f"{where}: more than {MAX_SIDE} rows or columns; worksheet matrices "
                             f"are small")
    if ndim == 2 and len({len(r) for r in rows}) > 1:
        raise WorksheetError(f"{where}: rows of different lengths {[len(r) for r in rows]}")
    cells = [[_number(x, f"{where}[{i + 1}]" + (f"[{j + 1}]" if ndim == 2 else ""),
                      integer=field.kind == "ints") for j, x in enumerate(r)]
             for i, r in enumerate(rows)] if ndim == 2 else \
        [[_number(x, f"{where}[{j + 1}]", integer=field.kind == "ints") for j, x in enumerate(raw)]]
    arr = np.array(cells if ndim == 2 else cells[0],
                   dtype=np.int64 if field.kind == "ints" else np.float64)
    if arr.size == 0:
        raise WorksheetError(f"{where}: expected numbers, got an empty list")
    return arr


def _short(raw) -> str:
    text = repr(raw)
    return text if len(text) <= 60 else text[:57] + "..."


@dataclass(frozen=True)
class Worksheet:
    """A worksheet: its data file, what it teaches, how to compute it, its sheet.

    ``run(data)`` returns the parts of the printout in worksheet order (a forward, a
    backward ...), each a :class:`Steps`: ``compute(data)`` after checking that ``data``
    is a mapping with every key of ``fields``. ``sheet`` says what the printed sheet asks,
    page by page (:mod:`aibyhand.classroom.layout`). ``variant(seed)`` returns fresh data
    with the same keys and the same easy arithmetic.
    """

    name: str
    number: int
    title: str
    teaches: str
    fields: Mapping[str, Field]
    compute: Callable[[dict], list[Steps]]
    sheet: object
    variant: Callable[[int], dict] | None = None
    stem: str = ""  # the data file's name without number and suffix, if not ``name``
    summary: Callable[[list[Steps]], str] | None = None  # a closing line for the printout

    @property
    def path(self) -> Path:
        return WORKSHEETS / f"{self.number:02d}_{self.stem or self.name}.toml"

    @property
    def file_stem(self) -> str:
        return f"{self.number:02d}_{self.stem or self.name}"

    def load(self, path: str | Path | None = None, seed: int | None = None) -> dict:
        """The worksheet's numbers: from ``path``, a ``seed`` variant (0 to
        :data:`MAX_SEED`), or the worksheet file."""
        if path is not None and (isinstance(path, bytes) or not isinstance(path, (str, os.PathLike))):
            raise TypeError(f"path: expected a file name, got {type(path).__name__} {_short(path)}")
        if seed is not None:
            if isinstance(seed, bool) or not isinstance(seed, numbers.Integral):
                raise TypeError(f"seed: expected an integer from 0 to {MAX_SEED:,}, got "
                                f"{type(seed).__name__} {_short(seed)}")
            if not 0 <= seed <= MAX_SEED:
                raise ValueError(f"seed: expected an integer from 0 to {MAX_SEED:,}, got "
                                 f"{seed if abs(seed) < 10**40 else 'one of more than 40 digits'}")
            if path is not None:
                raise ValueError("path, seed: give a data file or a seed, not both")
            if self.variant is None:
                raise ValueError(f"seed: {self.name} has no variants")
            return self.variant(int(seed))
        path = Path(path) if path is not None else self.path
        return parse(read_toml(path), self.fields, str(path))

    def run(self, data: Mapping) -> list[Steps]:
        """The printout's parts for ``data`` (the mapping :meth:`load` returns)."""
        return self.compute(self.check(data))

    def check(self, data) -> dict:
        """``data`` as a dict, when it is a mapping with every key of :attr:`fields`
        (``model.Etok`` is ``data["model"]["Etok"]``); else a one-line error naming the
        key. The values themselves are checked where they are used."""
        if not isinstance(data, Mapping):
            raise TypeError(f"data: expected a mapping of {', '.join(self.fields)}, got "
                            f"{type(data).__name__} {_short(data)}")
        for key, field in self.fields.items():
            into = data
            for part in key.split("."):
                if not isinstance(into, Mapping) or part not in into:
                    raise ValueError(f"data: missing key {key!r} ({field.about or field.kind})")
                into = into[part]
        return dict(data)

    def steps(self, data: Mapping | None = None, **load) -> Steps:
        """Every step of the worksheet in one :class:`Steps` (the parts joined)."""
        return self.join(self.run(data if data is not None else self.load(**load)))

    def join(self, parts: list[Steps]) -> Steps:
        """The parts :attr:`run` returned, as one :class:`Steps`."""
        from . import given

        parts = given.parts("parts", parts)
        if parts is None:
            raise TypeError("parts: expected what the worksheet's run(data) returned (a list of Steps), got None")
        out = Steps(self.title, parts[0].meta)
        for part in parts:
            out.extend(part)
        return out
