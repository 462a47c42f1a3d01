"""The sheet's printout: every step a printed sheet asks, page by page, in its order.

What a notebook shows on the projector and ``aibyhand show NAME --sheet`` prints: each
page's title and what to do, then each matrix on the page as the sheet draws it (turned
where the sheet turns it), the given ones marked, every box filled in. The one printer
(:func:`aibyhand.steps.format_array`) formats the numbers.
"""

from __future__ import annotations

from ..steps import Steps, format_array
from . import given, layout, sheet as _sheet
from .layout import Sheet


def page_text(sheet: Sheet, steps: Steps, k: int, *, hand: bool = True, decimals: int = 4) -> str:
    """Page ``k`` (from 1): its title, what to do, and every matrix on it."""
    sheet, steps = given.sheet_and_steps(sheet, steps)
    k = given.number_of("k", k, len(sheet.pages), "a page number")
    hand, decimals = given.boolean("hand", hand), given.decimals("decimals", decimals)
    page = sheet.pages[k - 1]
    out = [f"== page {k} of {len(sheet.pages)}: {page.title} ==", page.todo]
    seen = set()
    for row in page.slots:
        for it in row:
            if it is None or it.name in seen:
                continue
            seen.add(it.name)
            value, rows, cols = layout.shown(it, steps)
            words = layout.words(it, steps)
            shape = " x ".join(str(n) for n in value.shape)
            if it.role == "box":
                asked = int(layout.mask_of(it, steps).sum())
                part = "" if asked == value.size else f"; the sheet asks {asked} of its {value.size} cells"
                head = f"{it.name} = {_sheet.layout_formula(it, steps)}   [{shape}{part}]"
            else:
                step = steps.step(it.step)
                how = "given" if step.given else f"printed on the sheet: {_sheet.layout_formula(it, steps)}"
                head = f"{it.name}   ({how})   [{shape}]"
            if words:
                body = "   " + "  ".join(layout.cell_text(v, words) for v in value.ravel())
            else:
                body = format_array(value, hand=hand, decimals=decimals, rows=_fit(rows, value.shape[0]),
                                    cols=_fit(cols, value.shape[1]))
            out.append(head + "\n" + body)
    return "\n\n".join(out)


def _fit(labels, n):
    return labels if labels is not None and len(labels) == n else None


def sheet_text(sheet: Sheet, steps: Steps, *, hand: bool = True, decimals: int = 4) -> str:
    """Every page's :func:`page_text`, in order."""
    return "\n\n\n".join(page_text(sheet, steps, k, hand=hand, decimals=decimals)
                         for k in range(1, len(sheet.pages) + 1))


def key_pages(ws, data: dict, *, dpi: float = 50, source: str = ""):
    """The answer key's pages as figures, small enough to show in a notebook after each
    page's printout. ``dpi``: more than 0, at most 600."""
    dpi = _dpi(dpi)
    figs, _ = _sheet.worksheet_pages(ws, data, key=True, source=source)
    _sheet.close(figs)  # shown where the notebook displays them, not all at once; closing resets dpi
    for fig in figs:
        fig.set_dpi(dpi)
        # an empty Axes under the page: IPython shows a figure only if it has one (a
        # sheet's page draws on the figure itself)
        fig.add_axes((0, 0, 1, 1)).axis("off")
    return figs


def _dpi(dpi) -> float:
    from ..validate import positive

    dpi = positive("dpi", dpi)
    if dpi > 600:
        raise ValueError(f"dpi: expected a number > 0 and at most 600, got {dpi:g}")
    return dpi


def show_page(ws, steps: Steps, k: int, *, hand: bool = True, keys=None):
    """Print page ``k`` of a worksheet's sheet (a notebook cell's one line). With
    ``keys`` (from :func:`key_pages`) return page ``k`` of the key, so the cell shows the
    printout and then the key page under it."""
    print(page_text(ws.sheet, steps, k, hand=hand))
    return keys[k - 1] if keys is not None else None
