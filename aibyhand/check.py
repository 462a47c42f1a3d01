"""Check a student's answers, cell by cell, against the worksheet's steps.

An answers file is TOML: one key per step the student computes (its name on the sheet,
quoted when it has spaces or slashes), a number for a single cell, a list of rows for a
matrix. A cell may be a number, a fraction written as a string (``"3/13"``), or ``inf``
/ ``-inf`` (a masked score). ``aibyhand sheet NAME --answers-template`` prints a file to
fill in::

    S = [
      [0.5, 0, 0],
      [0, "1/2", -0.5],
      [0, -0.5, 0.5],
    ]
    "m=4 / loss" = 0.73

A cell is right when it is within 0.006 + 3% of the exact value: a value copied with
two decimals is right, and so is one that carried two decimals through a few steps. A
value smaller than that in size (many gradients) cannot be told from 0 at two decimals.
``worksheet`` and ``seed`` keys, as the template writes them, say which sheet the
answers are for.
"""

from __future__ import annotations

import math
import re
from collections.abc import Mapping
from dataclasses import dataclass, field
from fractions import Fraction
from pathlib import Path

import numpy as np

from .steps import Steps, format_number
from .worksheet import WorksheetError, read_toml

ABS_TOL, REL_TOL = 0.006, 0.03


def cells(steps: Steps) -> list[str]:
    """The steps a student computes: everything on the sheet that is not given."""
    return [step.name for step in steps.entries() if not step.given]


META = ("worksheet", "seed")  # keys of an answers file that are not cells


def template(steps: Steps, worksheet: str | None = None, seed: int | None = None) -> str:
    """An answers file for these steps: every cell 0, each step's formula as a comment.

    ``worksheet`` and ``seed``, when given, are written into the file, so that
    ``aibyhand check`` knows which sheet the answers belong to.
    """
    lines = [f"# answers for: {steps.title}",
             "# replace every 0 by your value: a number, a fraction in quotes such as \"3/13\","
             " or -inf", ""]
    if worksheet is not None:
        lines.append(f'worksheet = "{worksheet}"')
    if seed is not None:
        lines.append(f"seed = {seed}")
    if worksheet is not None or seed is not None:
        lines.append("")
    for name in cells(steps):
        step = steps.step(name)
        value = _sheet_value(step.value)
        key = name if re.fullmatch(r"[A-Za-z0-9_-]+", name) else f'"{name}"'
        lines.append(f"# {name} = {step.formula}" if step.formula else f"# {name}")
        if value.ndim == 0:
            lines.append(f"{key} = 0")
        else:
            lines.append(f"{key} = [")
            lines += ["  [" + ", ".join("0" for _ in row) + "]," for row in value]
            lines.append("]")
    return "\n".join(lines) + "\n"


def _sheet_value(value: np.ndarray) -> np.ndarray:
    """What the sheet shows of a step: a batch of one sentence is that sentence's matrix."""
    value = np.asarray(value)
    return value[0] if value.ndim == 3 and value.shape[0] == 1 else value


@dataclass
class Wrong:
    name: str
    index: tuple
    given: float
    expected: float


@dataclass
class Report:
    """The outcome of :func:`check`: every cell counted, the wrong ones listed."""

    steps: Steps
    right: int = 0
    wrong: list[Wrong] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.wrong

    def format(self) -> str:
        lines = []
        for name in cells(self.steps):
            bad = [w for w in self.wrong if w.name == name]
            size = _sheet_value(self.steps[name]).size
            if not bad:
                lines.append(f"right  {name}  ({size} cell{'s' * (size != 1)})")
                continue
            step = self.steps.step(name)
            uses = depends_on(self.steps, name)
            lines.append(f"WRONG  {name} = {step.formula}" + (f"   (uses {', '.join(uses)})" if uses else ""))
            for w in bad:
                where = self._where(name, w.index)
                lines.append(f"         {name}{where}: you wrote {_show(w.given)}, "
                             f"expected {format_number(w.expected, hand=True)}")
        total = self.right + len(self.wrong)
        lines.append("")
        if self.ok:
            lines.append(f"all {total} cells right")
        else:
            first = self.wrong[0].name
            lines.append(f"{len(self.wrong)} of {total} cells wrong; go back to {first}"
                         + (f", and check what it uses: {', '.join(depends_on(self.steps, first))}"
                            if depends_on(self.steps, first) else ""))
        return "\n".join(lines)

    def _where(self, name: str, index: tuple) -> str:
        if not index:
            return ""
        step = self.steps.step(name)
        rows, cols = step.rows, step.cols
        if np.ndim(step.value) == 3:
            rows = rows[0] if rows and isinstance(rows[0], tuple) else rows
            cols = cols[0] if cols and isinstance(cols[0], tuple) else cols
        labels = []
        for k, labs in zip(index, (rows, cols)):
            labels.append(labs[k] if labs and k < len(labs) else str(k + 1))
        return "[" + ", ".join(labels) + "]"


def _show(x: float) -> str:
    return format_number(x, hand=True) if math.isfinite(x) else ("inf" if x > 0 else "-inf")


def depends_on(steps: Steps, name: str) -> list[str]:
    """The steps a step's formula reads, by name (those at the same level first)."""
    step = steps.step(name)
    prefix = name.rsplit(" / ", 1)[0] + " / " if " / " in name else ""
    found = []
    for other in steps:
        if other == name:
            continue
        local = other[len(prefix):] if prefix and other.startswith(prefix) else other
        if " / " in local:
            continue
        if re.search(rf"(?<![\w.|]){re.escape(local)}(?![\w.|])", step.formula) and other not in found:
            found.append(other)
    return found


def read_answers(path: str | Path) -> dict:
    try:
        return read_toml(Path(path))
    except WorksheetError as err:
        if "not valid TOML" in str(err):  # most often an unquoted fraction
            raise WorksheetError(f"{err}; write a fraction in quotes, as \"3/13\"") from None
        raise


def check(steps: Steps, answers: Mapping | str | Path, *, where: str | None = None) -> Report:
    """Compare answers with the steps; a malformed answer raises WorksheetError.

    Parameters
    ----------
    steps : Steps
        The worksheet's cells, e.g. ``catalog.get("infonce").steps()``.
    answers : mapping or path
        ``{step name: number or list of rows}``, or an answers TOML file.
    where : str, optional
        How to name the answers in an error (the file's path).
    """
    if not isinstance(answers, Mapping):
        where = where or str(answers)
        answers = read_answers(answers)
    where = where or "answers"
    answers = {k: v for k, v in answers.items() if k not in META}
    unknown = [k for k in answers if k not in steps or steps.step(k).given]
    if unknown:
        raise WorksheetError(f"{where}: {unknown[0]!r} is not a cell to compute on this sheet")
    report = Report(steps)
    for name in cells(steps):
        if name not in answers:
            raise WorksheetError(f"{where}: missing key {name!r}")
        expected = _sheet_value(steps[name])
        given = _parse(answers[name], expected.shape, f"{where}: {name}")
        for index in np.ndindex(*expected.shape):
            e, g = float(expected[index]), given[index]
            if _close(g, e):
                report.right += 1
            else:
                report.wrong.append(Wrong(name, index, g, e))
    return report


def _close(given: float, expected: float) -> bool:
    if not (math.isfinite(given) and math.isfinite(expected)):
        return given == expected
    return abs(given - expected) <= ABS_TOL + REL_TOL * abs(expected)


def _parse(raw, shape: tuple, where: str) -> np.ndarray:
    if len(shape) == 0:
        return np.array(_number(raw, where))
    if 1 in shape and isinstance(raw, list) and len(raw) == max(shape) and \
            not any(isinstance(x, list) for x in raw):  # a single row or column, written flat
        raw = [raw] if shape[0] == 1 else [[x] for x in raw]
    if not isinstance(raw, list) or len(raw) != shape[0] or any(
            not isinstance(r, list) or len(r) != shape[1] for r in raw):
        got = _shape_of(raw)
        raise WorksheetError(f"{where}: expected {shape[0]} rows of {shape[1]} numbers, got {got}")
    return np.array([[_number(x, f"{where}[{i + 1}][{j + 1}]") for j, x in enumerate(row)]
                     for i, row in enumerate(raw)])


def _shape_of(raw) -> str:
    if not isinstance(raw, list):
        return f"a single value {raw!r}"
    lengths = [len(r) if isinstance(r, list) else 1 for r in raw]
    return f"{len(raw)} rows of {', '.join(str(n) for n in sorted(set(lengths)))}"


def _number(x, where: str) -> float:
    if isinstance(x, bool):
        raise WorksheetError(f"{where}: expected a number or a fraction like \"3/13\", got {x!r}")
    if isinstance(x, (int, float)):
        return float(x)
    if isinstance(x, str):
        text = x.strip().replace(" ", "")
        if text in ("inf", "+inf", "-inf"):
            return float(text)
        try:
            return float(Fraction(text))
        except (ValueError, ZeroDivisionError):
            pass
    raise WorksheetError(f"{where}: expected a number or a fraction like \"3/13\", got {x!r}")
