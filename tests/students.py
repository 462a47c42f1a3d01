"""A student who works a sheet in order, writes every box to 2 decimals and carries their
own written values forward (optionally with slips), and the answers file they hand in."""

from __future__ import annotations

import math

import numpy as np

from aibyhand import formula
from aibyhand.classroom import check, layout


def work(ws, steps, *, slips=(), decimals=2, upto_page=None) -> dict[str, np.ndarray]:
    """The boxes, item name -> displayed matrix (NaN where not asked or not reached).

    ``slips``: cell ids (``"S[a2, p3]"``) written 1 too high; later boxes use them.
    """
    sheet = ws.sheet
    exact = check.exact_values(steps)
    env = {k: v[0] for k, v in check.settings(steps).items()}
    boxed = {it.step: (k, it) for k, it in sheet.items() if it.role == "box"}
    printed = {it.step for _, it in sheet.items() if it.role == "grey"}
    cells = layout.cells(sheet, steps)
    out = {}
    for st in steps.entries():
        n = st.name
        if st.given or not st.formula or n in printed:
            env[n] = np.vectorize(_as_printed, otypes=[float])(exact[n]) if n in printed else exact[n]
            continue
        val = np.broadcast_to(np.atleast_2d(formula.evaluate(steps.formula(n).tree, env)),
                              exact[n].shape).astype(float).copy()
        if n in boxed:
            page, it = boxed[n]
            mine = np.full(layout.shown(it, steps)[0].shape, np.nan)
            asked = np.zeros(val.shape, dtype=bool)
            for c in (c for c in cells if c.step == n):
                asked[c.index] = True
                x = round(float(val[c.index]), decimals) + (1.0 if c.id in slips else 0.0)
                val[c.index] = x
                if upto_page is None or page <= upto_page:
                    mine[c.row, c.col] = x
            if it.rest == "grey":
                val[~asked] = np.vectorize(_as_printed, otypes=[float])(exact[n][~asked])
            out[it.name] = mine
        env[n] = val
    return out


def _as_printed(x: float) -> float:
    text = layout.printed(x)[0]
    try:
        from fractions import Fraction
        return float(Fraction(text)) if math.isfinite(x) else x
    except ValueError:
        return x


def answers_toml(ws, steps, boxes: dict[str, np.ndarray], *, seed=None, fractions=False) -> str:
    """The answers file a student hands in: the template with their values written in."""
    lines = [f'worksheet = "{ws.name}"'] + ([f"seed = {seed}"] if seed is not None else [])
    for it in ws.sheet.boxes():
        value = boxes.get(it.name)
        ask = layout.mask_of(it, steps)
        if value is None:
            continue

        def cell(r, c):
            if not ask[r, c]:
                return '"-"'
            v = value[r, c]
            if math.isnan(v):
                return '""'
            if fractions:
                from fractions import Fraction
                return f'"{Fraction(v).limit_denominator(1000)}"'
            return repr(float(v))

        rows = ["[" + ", ".join(cell(r, c) for c in range(ask.shape[1])) + "]" for r in range(ask.shape[0])]
        key = check.toml_key(it.name)
        lines.append(f"{key} = {cell(0, 0)}" if ask.shape == (1, 1) else f"{key} = [{', '.join(rows)}]")
    return "\n".join(lines) + "\n"
