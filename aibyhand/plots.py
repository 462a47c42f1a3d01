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


def heatmap(steps: Steps, name: str, *, hand: bool = True, title: str | None = None,
            cmap: str = "Blues", ax=None):
    """A matrix step as a coloured grid with its numbers, labelled like the worksheet."""
    step = steps.step(name)
    value = np.atleast_2d(step.value)
    fig, ax = _axes(ax, figsize=(1.0 + 0.75 * value.shape[1], 0.8 + 0.6 * value.shape[0]))
    shown = np.where(np.isfinite(value), value, np.nan)
    ax.imshow(shown, cmap=cmap, vmin=np.nanmin(shown) if np.nanmin(shown) < 0 else 0,
              vmax=max(np.nanmax(shown), 1e-12))
    middle = (np.nanmax(shown) + np.nanmin(shown)) / 2
    for (i, j), v in np.ndenumerate(value):
        ax.text(j, i, format_number(v, hand=hand, decimals=2), ha="center", va="center",
                fontsize=9, color="white" if np.isfinite(v) and v > middle else "black")
    ax.set_xticks(range(value.shape[1]), step.cols or range(1, value.shape[1] + 1))
    ax.set_yticks(range(value.shape[0]), step.rows or range(1, value.shape[0] + 1))
    ax.xaxis.tick_top()
    ax.set_title(title or f"{name} = {step.formula}", fontsize=10, pad=22)
    return _done(fig)


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _done(fig):
    plt.close(fig)
    return fig
