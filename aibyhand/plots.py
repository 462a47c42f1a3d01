"""Pictures for the notebooks (matplotlib is imported here, never by ``import aibyhand``).

Every function returns a closed :class:`matplotlib.figure.Figure`, so a notebook shows
it once, as the cell's result.
"""

from __future__ import annotations

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "aibyhand"  # reproducible files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from .steps import Steps, format_number  # noqa: E402


def heatmap(steps: Steps, name: str, *, block: int = 0, hand: bool = True,
            title: str | None = None, cmap: str = "Blues", limits=None, ax=None):
    """A matrix step as a coloured grid with its numbers, labelled like the worksheet.

    For a batch step (one matrix per sentence) ``block`` picks the sentence. ``limits``
    fixes the colour scale, e.g. (0, 1) for probabilities, (-1, 1) for cosines, so two
    panels compare; by default it spans the values (and 0).
    """
    step = steps.step(name)
    value, rows, cols = _matrix(step, block)
    fig, ax = _axes(ax, figsize=(1.0 + 0.75 * value.shape[1], 0.8 + 0.6 * value.shape[0]))
    shown = np.where(np.isfinite(value), value, np.nan)
    low, high = limits or (min(np.nanmin(shown), 0.0), np.nanmax(shown))
    high = max(high, low + 1e-12)
    ax.imshow(shown, cmap=cmap, vmin=low, vmax=high)
    for (i, j), v in np.ndenumerate(value):
        ax.text(j, i, format_number(v, hand=hand, decimals=2), ha="center", va="center",
                fontsize=9, color="white" if np.isfinite(v) and v > (low + high) / 2 else "black")
    ax.set_xticks(range(value.shape[1]), cols or range(1, value.shape[1] + 1))
    ax.set_yticks(range(value.shape[0]), rows or range(1, value.shape[0] + 1))
    ax.xaxis.tick_top()
    ax.set_title(title or f"{name} = {step.formula}", fontsize=10, pad=22)
    return _done(fig)


def heatmaps(panels, *, hand: bool = True, cmap: str = "Blues", limits=None,
             suptitle: str | None = None):
    """Several heatmaps in one row: ``panels`` is a list of ``(steps, name, title)``."""
    sizes = [_matrix(steps.step(name), 0)[0].shape for steps, name, _ in panels]
    width = sum(1.0 + 0.75 * c for _, c in sizes)
    height = 1.2 + 0.6 * max(r for r, _ in sizes)
    fig, axes = plt.subplots(1, len(panels), figsize=(width, height), layout="constrained",
                             squeeze=False)
    for ax, (steps, name, title) in zip(axes[0], panels):
        heatmap(steps, name, hand=hand, title=title, cmap=cmap, limits=limits, ax=ax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return _done(fig)


def _matrix(step, block: int):
    """A step's 2-D matrix and its labels (one sentence's block, padding cut off)."""
    value = np.atleast_2d(step.value)
    rows, cols = step.rows, step.cols
    if value.ndim == 3:
        value = value[block]
        if rows and isinstance(rows[0], tuple):
            rows = rows[block]
        if cols and isinstance(cols[0], tuple):
            cols = cols[block]
        value = value[:len(rows) if rows else None, :len(cols) if cols else None]
    return value, rows, cols


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _done(fig):
    plt.close(fig)
    return fig
