"""Pictures for the notebooks (matplotlib is imported here, never by ``import aibyhand``).

Every function returns a closed :class:`matplotlib.figure.Figure`, so a notebook shows
it once, as the cell's result.
"""

from __future__ import annotations

import io

import matplotlib

matplotlib.rcParams["svg.hashsalt"] = "aibyhand"  # reproducible files
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

from . import validate  # noqa: E402
from .steps import Steps, format_number, matrix  # noqa: E402


def heatmap(steps: Steps, name: str, *, block: int = 0, hand: bool = True,
            title: str | None = None, cmap: str = "Blues", limits=None, ax=None):
    """A matrix step as a coloured grid with its numbers, labelled like the worksheet.

    For a batch step (one matrix per sentence) ``block`` picks the sentence. ``limits``
    fixes the colour scale, e.g. (0, 1) for probabilities, (-1, 1) for cosines, so two
    panels compare; by default it spans the values (and 0).
    """
    step = _step("steps", steps, name)
    block = validate.integer("block", block, minimum=0,
                             maximum=step.value.shape[0] - 1 if step.value.ndim == 3 else 0)
    _check_look(hand, cmap, limits)
    if title is not None:
        validate.text("title", title)
    value, rows, cols = matrix(step, block)
    fig, ax = _axes(ax, figsize=(1.0 + 0.75 * value.shape[1], 0.8 + 0.6 * value.shape[0]))
    shown = np.where(np.isfinite(value), value, np.nan)
    low, high = limits or (min(np.nanmin(shown), 0.0), np.nanmax(shown))
    high = max(high, low + 1e-12)
    image = ax.imshow(shown, cmap=cmap, vmin=low, vmax=high)
    for (i, j), v in np.ndenumerate(value):
        ax.text(j, i, format_number(v, hand=hand, decimals=2), ha="center", va="center",
                fontsize=9, color=_ink(image, v))
    ax.set_xticks(range(value.shape[1]), cols or range(1, value.shape[1] + 1))
    ax.set_yticks(range(value.shape[0]), rows or range(1, value.shape[0] + 1))
    ax.xaxis.tick_top()
    ax.set_title(title or f"{name} = {step.formula}", fontsize=10, pad=22)
    return _done(fig)


def _ink(image, v: float) -> str:
    """Black on a light cell, white on a dark one: the cell's own colour decides, so a
    diverging map (pale near 0, dark at both ends) stays readable."""
    if not np.isfinite(v):
        return "black"
    r, g, b, _ = image.cmap(image.norm(v))
    return "white" if 0.2126 * r + 0.7152 * g + 0.0722 * b < 0.5 else "black"


def heatmaps(panels, *, hand: bool = True, cmap: str = "Blues", limits=None,
             suptitle: str | None = None):
    """Several heatmaps in one row: ``panels`` is a list of ``(steps, name, title)``."""
    if isinstance(panels, (str, bytes)) or not isinstance(panels, (list, tuple)) or not panels or not all(
            isinstance(p, (list, tuple)) and len(p) == 3 for p in panels):
        raise TypeError(f"panels: expected a non-empty list of (steps, name, title), got "
                        f"{type(panels).__name__} {validate._short(panels)}")
    for k, (steps, name, _) in enumerate(panels):
        _step(f"panels[{k}]", steps, name)
    _check_look(hand, cmap, limits)
    sizes = [matrix(steps.step(name), 0)[0].shape for steps, name, _ in panels]
    width = sum(1.0 + 0.75 * c for _, c in sizes)
    height = 1.2 + 0.6 * max(r for r, _ in sizes)
    fig, axes = plt.subplots(1, len(panels), figsize=(width, height), layout="constrained",
                             squeeze=False)
    for ax, (steps, name, title) in zip(axes[0], panels):
        heatmap(steps, name, hand=hand, title=title, cmap=cmap, limits=limits, ax=ax)
    if suptitle:
        fig.suptitle(suptitle, fontsize=11)
    return _done(fig)


def training(history: Steps):
    """Loss and top-1 retrieval at each width over the steps of a training run
    (:func:`aibyhand.finetune.train`'s history)."""
    loss, top1 = _step("history", history, "loss"), _step("history", history, "top-1")
    steps = np.arange(loss.value.shape[0])
    fig, (left, right) = plt.subplots(1, 2, figsize=(9, 3.2), layout="constrained")
    for j, level in enumerate(loss.cols):
        left.plot(steps, loss.value[:, j], marker=".", label=level)
        right.plot(steps, top1.value[:, j], marker=".", label=level)
    left.set(xlabel="step", ylabel="InfoNCE loss", title="loss at each width")
    right.set(xlabel="step", ylabel="top-1", title="top-1 retrieval at each width", ylim=(-0.05, 1.05))
    for ax in (left, right):
        ax.grid(alpha=0.3)
        ax.legend(fontsize=8)
    return _done(fig)


def unit_circle(before: np.ndarray, after: np.ndarray, *, labels=None):
    """The first 2 coordinates of every embedding, re-normalised onto the unit circle,
    before and after training; anchor j (column j) is joined to its positive (column B + j).
    ``before``, ``after``: (d, 2B) with d >= 2 and no column whose first two coordinates
    are both 0 (it has no direction); ``labels``: B strings, or None.
    """
    before = validate.array("before", before, what="(d, 2B)")
    after = validate.array("after", after, what="(d, 2B)")
    validate.same_shape("after", after, "before", before)
    if before.shape[0] < 2 or before.shape[1] % 2:
        raise ValueError(f"before: expected (d, 2B) with d >= 2 and an even number of columns (anchors, "
                         f"then positives), got {before.shape}")
    for name, E in (("before", before), ("after", after)):
        flat = np.flatnonzero(np.hypot(E[0], E[1]) < np.finfo(np.float64).tiny)
        if flat.size:
            raise ValueError(f"{name}: column {int(flat[0])} has 0 in both of its first two coordinates; "
                             f"expected a direction to draw")
    B = before.shape[1] // 2
    if labels is not None and (isinstance(labels, (str, bytes)) or not isinstance(labels, (list, tuple))
                               or len(labels) != B or not all(isinstance(x, str) for x in labels)):
        raise TypeError(f"labels: expected {B} strings (one per anchor) or None, got "
                        f"{type(labels).__name__} {validate._short(labels)}")
    fig, axes = plt.subplots(1, 2, figsize=(7.5, 3.8), layout="constrained")
    theta = np.linspace(0, 2 * np.pi, 200)
    colors = plt.rcParams["axes.prop_cycle"].by_key()["color"]
    for ax, E, title in zip(axes, (before, after), ("before", "after")):
        xy = E[:2] / np.linalg.norm(E[:2], axis=0)                        # (2, 2B)
        ax.plot(np.cos(theta), np.sin(theta), color="0.8", lw=1)
        for j in range(B):
            c = colors[j % len(colors)]
            ax.plot(xy[0, [j, B + j]], xy[1, [j, B + j]], color=c, lw=1.5)
            ax.plot(*xy[:, j], "o", color=c, ms=7)
            ax.plot(*xy[:, B + j], "s", color=c, ms=7, mfc="white")
            if labels is not None:
                ax.annotate(labels[j], xy[:, j] * 1.12, fontsize=7, ha="center", va="center", color=c)
        ax.set(aspect="equal", xlim=(-1.4, 1.4), ylim=(-1.4, 1.4), title=f"width 2, {title}")
        ax.set_xticks([])
        ax.set_yticks([])
    fig.suptitle("anchors (dots) joined to their positives (squares)", fontsize=10)
    return _done(fig)


def accuracy_by_width(steps: Steps, name: str = "top-1", baseline: str | None = None):
    """Top-1 against width on a log axis, one curve per row of the step (as in the MRL paper)."""
    step = _step("steps", steps, name)
    if step.cols is None or not all(isinstance(c, str) and c[:2] == "m=" and c[2:].isdigit() for c in step.cols):
        raise ValueError(f"name: expected a step with a column per width (m=768, m=512 ...), got {name!r}")
    if baseline is not None:
        _step("steps", steps, baseline)
    widths = [int(c.split("=")[1]) for c in step.cols]
    fig, ax = plt.subplots(figsize=(6.4, 3.8), layout="constrained")
    for row, label in zip(step.value, step.rows):
        ax.plot(widths, 100 * row, marker="o", label=label)
    if baseline:
        ax.plot(widths, 100 * steps[baseline][0], marker=".", color="0.6", ls=":",
                label="no head (inputs truncated)")
    ax.set_xscale("log", base=2)
    ax.set_xticks(widths, [str(w) for w in widths])
    ax.set(xlabel="embedding width (first m coordinates)", ylabel="held-out top-1 (%)",
           title="truncating the embedding: MRL keeps its accuracy")
    ax.grid(alpha=0.3)
    ax.legend(fontsize=8)
    return _done(fig)


def _step(what: str, steps, name):
    """The step ``name`` of ``steps``, or a one-line error naming the argument."""
    if not isinstance(steps, Steps):
        raise TypeError(f"{what}: expected a Steps, got {type(steps).__name__} {validate._short(steps)}")
    if not isinstance(name, str):
        raise TypeError(f"name: expected a step's name, got {type(name).__name__} {validate._short(name)}")
    if name not in steps:
        raise ValueError(f"name: {validate._short(name)} is not a step of {steps.title!r}")
    return steps.step(name)


def _check_look(hand, cmap, limits) -> None:
    validate.boolean("hand", hand)
    if not isinstance(cmap, str) or cmap not in plt.colormaps():
        raise ValueError(f"cmap: expected the name of a matplotlib colour map such as 'Blues', got "
                         f"{validate._short(cmap)}")
    if limits is not None:
        if isinstance(limits, (str, bytes)) or not isinstance(limits, (list, tuple)) or len(limits) != 2:
            raise TypeError(f"limits: expected (low, high) or None, got {validate._short(limits)}")
        low, high = (validate.number("limits", x) for x in limits)
        if not low < high:
            raise ValueError(f"limits: expected low < high, got {tuple(limits)}")


def _axes(ax, figsize):
    if ax is not None:
        return ax.figure, ax
    fig, ax = plt.subplots(figsize=figsize, layout="constrained")
    return fig, ax


def _done(fig):
    plt.close(fig)
    return fig


def png(fig, *, dpi: float = 110) -> bytes:
    """A figure as PNG bytes, with no software stamp (so the same figure gives the same
    bytes), for :func:`aibyhand.output.write`."""
    buf = io.BytesIO()
    fig.savefig(buf, format="png", dpi=dpi, metadata={"Software": None})
    return buf.getvalue()
