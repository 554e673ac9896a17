"""Figures of the reports. Each function returns a matplotlib Figure and draws nothing else.

The figures are drawn at the size the PDF places them (at most the text width, `FULL_WIDTH_IN`), so that
their text keeps the size it is drawn at: every tick label, legend and annotation is at least
`SMALLEST_TEXT_PT` there (tests/test_figure_fonts.py reads each figure's text at its placed size).
"""

import textwrap

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from matplotlib.ticker import FuncFormatter, LogFormatter, MaxNLocator

LABEL_WIDTH = 12  # class names longer than this wrap onto further lines in figure labels
# The PDF's text width is 472 pt (A4 less the template's 2.2 cm margins, report_a4/index.tex.j2), 6.56 in;
# a figure up to that wide is placed at 100 %. Drawn at 6.3 in, a figure keeps a little room for what its
# tight bounding box adds (labels, a colour bar) and is still placed unscaled.
FULL_WIDTH_IN = 6.3
SMALLEST_TEXT_PT = 7.0  # the smallest text of any figure, at its size in the PDF
LEGEND_PT = 8.0  # legends and their titles


def use_report_style() -> None:
    """The reports' figure style: seaborn's white grid at its "paper" scale (labels 9.6 pt, ticks and
    legends 8.8 pt), which reads at the size the PDF places the figures (`FULL_WIDTH_IN`)."""
    sns.set_theme(style="whitegrid", context="paper")
    matplotlib.rcParams["legend.title_fontsize"] = LEGEND_PT


def _wrapped(name, width: int = LABEL_WIDTH) -> str:
    """A class name broken into lines of at most `width` characters (at spaces, / and -), so that a label
    of any length stays within its image's column."""
    text = str(name)
    if len(text) <= width:
        return text
    pieces = textwrap.wrap(text.replace("/", "/ ").replace("-", "- "), width, break_long_words=True)
    return "\n".join(piece.replace("/ ", "/").replace("- ", "-").strip() for piece in pieces)


def _label_size(
    labels, column_inches: float, largest: float = 9.0, smallest: float = SMALLEST_TEXT_PT
) -> float:
    """A font size at which the longest line of any label fits a column `column_inches` wide, but never
    below `smallest` (a longer label reaches a little into the next column)."""
    longest = max((len(line) for label in labels for line in str(label).split("\n")), default=1)
    fitting = column_inches * 72 / (0.6 * max(longest, 1))  # about 0.6 em per character
    return float(min(largest, max(smallest, fitting)))


def _integer_ticks(axis, which: str = "x") -> None:
    """Whole-number ticks (epochs, patience, counts): never 1.5 or 2.5."""
    (axis.xaxis if which == "x" else axis.yaxis).set_major_locator(MaxNLocator(integer=True))


def _percent_axis(axis, points: bool = False) -> None:
    """An accuracy axis (fractions) labelled in percent like the tables, or in percentage points for a
    difference of accuracies."""
    unit = "" if points else "%"
    # the digits the tick needs (95.6 %, 99.55 %), never trailing zeros such as "95.600%"
    axis.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{100 * value:g}{unit}"))


def _legend_above(fig: plt.Figure, axis, title: str) -> None:
    """The legend of `axis` above the panels, outside the data, in as many columns as fit the figure's
    width (a constrained-layout figure makes room for it)."""
    handles, labels = axis.get_legend_handles_labels()
    if not handles:
        return
    # an entry: its line (about 2.5 em), the gap and the label (about 0.55 em per character), in inches
    entry_in = max((2.5 + 1.5 + 0.55 * len(label)) * LEGEND_PT / 72 for label in labels)
    title_in = (len(title) * 0.55 + 1) * LEGEND_PT / 72
    columns = max(1, min(len(labels), int((0.95 * fig.get_figwidth() - title_in) // entry_in)))
    fig.legend(
        handles,
        labels,
        loc="outside upper center",
        ncols=columns,
        title=title,
        fontsize=LEGEND_PT,
        title_fontsize=LEGEND_PT,
        frameon=False,
    )


class _PlainLogFormatter(LogFormatter):
    """Matplotlib's choice of which log ticks to label, each labelled as a plain number: 0.003, 0.1, 10,
    and 1e-05 below 0.0001."""

    def _num_to_string(self, x, vmin, vmax):
        if x == 0 or 1e-4 <= abs(x) < 1e6:
            return f"{x:.6f}".rstrip("0").rstrip(".")
        return f"{x:.0e}"


def _plain_log_labels(axis, which: str = "y") -> None:
    """A log axis labelled in plain numbers (0.1, 0.01) instead of 10 to a power, whose superscript is
    drawn at 70 % of the tick size: below 7 pt at the reports' 8.8-pt ticks."""
    target = axis.xaxis if which == "x" else axis.yaxis
    target.set_major_formatter(_PlainLogFormatter())
    target.set_minor_formatter(_PlainLogFormatter(labelOnlyBase=False))


def _epoch_axis(axis, **labels) -> None:
    """An x axis of epochs: labelled and with whole-number ticks."""
    axis.set(xlabel="epoch", **labels)
    _integer_ticks(axis)


def sample_grid(
    images: np.ndarray, labels: np.ndarray, class_names, per_class: int, seed: int = 0
) -> plt.Figure:
    """One row per class, `per_class` random examples of it; the class name left of its row, right-aligned
    (the figure grows to the left for long names, which wrap), so it never runs into the images."""
    rng = np.random.default_rng(seed)
    cell = 0.45  # inches per image: ten classes of ten images fit under a page's opening text
    fig, axes = plt.subplots(
        len(class_names), per_class, figsize=(per_class * cell, len(class_names) * cell), squeeze=False
    )
    names = [_wrapped(name) for name in class_names]
    size = _label_size(names, 1.2)
    for row, name in enumerate(names):
        members = np.flatnonzero(labels == row)
        chosen = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for column, axis in enumerate(axes[row]):
            axis.axis("off")
            if column < len(chosen):
                axis.imshow(images[chosen[column]], cmap="gray_r")
        first = axes[row][0]
        first.text(-0.15, 0.5, name, transform=first.transAxes, ha="right", va="center", fontsize=size)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def class_counts(counts: pd.DataFrame) -> plt.Figure:
    """Grouped bars: rows are classes, columns are subsets (train/validation/test)."""
    fig, axis = plt.subplots(figsize=(FULL_WIDTH_IN, 2.8))
    counts.plot.bar(ax=axis, rot=0 if max(len(str(name)) for name in counts.index) <= 3 else 45, width=0.8)
    axis.set_xlabel("class")
    axis.set_ylabel("images")
    # The legend sits above the plot, outside the bars' area
    axis.legend(
        title="subset",
        ncols=len(counts.columns),
        loc="lower center",
        bbox_to_anchor=(0.5, 1.0),
        fontsize=LEGEND_PT,
        title_fontsize=LEGEND_PT,
    )
    if axis.get_xticklabels() and axis.get_xticklabels()[0].get_rotation():
        plt.setp(axis.get_xticklabels(), ha="right", rotation_mode="anchor")
    return fig


def mean_images(images: np.ndarray, labels: np.ndarray, class_names) -> plt.Figure:
    width = min(FULL_WIDTH_IN, len(class_names) * 0.63)  # ten classes: 0.63 in each
    fig, axes = plt.subplots(1, len(class_names), figsize=(width, 1.1), squeeze=False)
    names = [_wrapped(name, 10) for name in class_names]
    size = _label_size(names, 0.95 * width / len(class_names))
    for index, (axis, name) in enumerate(zip(axes[0], names)):
        axis.imshow(images[labels == index].mean(axis=0), cmap="magma")
        axis.set_title(name, fontsize=size)
        axis.axis("off")
    return fig


def pixel_histogram(images: np.ndarray) -> plt.Figure:
    fig, axis = plt.subplots(figsize=(FULL_WIDTH_IN, 2.6))
    counts = np.bincount(images.ravel(), minlength=256)
    axis.fill_between(np.arange(256), counts / counts.sum(), step="mid", alpha=0.8)
    axis.set_yscale("log")
    _plain_log_labels(axis)
    axis.set_xlabel("pixel intensity (0 = background)")
    axis.set_ylabel("share of pixels")
    return fig


def learning_curves(histories: pd.DataFrame, hue: str = "seed") -> plt.Figure:
    """Loss and accuracy per epoch, training dashed and validation solid, one colour per `hue` value."""
    fig, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(FULL_WIDTH_IN, 3.0), layout="constrained")
    palette = dict(zip(histories[hue].unique(), sns.color_palette(n_colors=histories[hue].nunique())))
    for key, run in histories.groupby(hue, sort=False):
        for metric, axis in (("loss", loss_axis), ("accuracy", accuracy_axis)):
            axis.plot(run["epoch"], run[metric], "--", color=palette[key], alpha=0.8, label=f"{key} train")
            if f"val_{metric}" in run:
                axis.plot(
                    run["epoch"], run[f"val_{metric}"], "-", color=palette[key], label=f"{key} validation"
                )
    _epoch_axis(loss_axis, ylabel="cross-entropy loss", yscale="log")
    _plain_log_labels(loss_axis)
    _epoch_axis(accuracy_axis, ylabel="accuracy")
    _percent_axis(accuracy_axis)
    _legend_above(fig, accuracy_axis, hue)
    return fig


def confusion_heatmap(matrix: np.ndarray, class_names) -> plt.Figure:
    """Counts per (true, predicted) pair; the diagonal is muted so the mistakes stand out."""
    fig, axis = plt.subplots(figsize=(5.6, 4.7))  # fits under a table on the same page
    off_diagonal = np.where(np.eye(len(matrix), dtype=bool), 0, matrix)
    sns.heatmap(
        off_diagonal,
        annot=matrix,
        fmt=",d",  # 1,135 as in the tables
        cmap="Reds",
        cbar_kws={"label": "misclassified images"},
        xticklabels=class_names,
        yticklabels=class_names,
        linewidths=0.5,
        linecolor="white",
        ax=axis,
        annot_kws={"fontsize": 8},
    )
    axis.set(xlabel="predicted class", ylabel="true class")
    axis.tick_params(axis="y", rotation=0)
    axis.collections[0].colorbar.locator = MaxNLocator(integer=True)  # whole images: 0, 5, 10, not 2.5
    axis.collections[0].colorbar.update_ticks()
    return fig


def confidence_text(probability: float) -> str:
    """A model's confidence for a gallery title: whole percent, one decimal above 99.5 % and '>99.9%' above
    99.95 %, so that no mistake reads as a certain '100%'."""
    if probability >= 0.9995:
        return ">99.9%"
    return f"{probability:.1%}" if probability >= 0.995 else f"{probability:.0%}"


def misclassified_gallery(images: np.ndarray, mistakes: pd.DataFrame, class_names, count: int) -> plt.Figure:
    """The `count` most confident mistakes, each titled above its image 'true', '→ predicted' and the
    confidence, one per line; long class names wrap and the titles shrink to fit their column."""
    shown = mistakes.head(count)
    columns = 8
    rows = max(1, int(np.ceil(len(shown) / columns)))
    titles = [
        "\n".join(
            (
                _wrapped(class_names[row.true]),
                f"→ {_wrapped(class_names[row.predicted])}",
                confidence_text(row.confidence),
            )
        )
        for row in shown.itertuples()
    ]
    size = _label_size(titles, 0.8, largest=8.0)
    lines = max((title.count("\n") + 1 for title in titles), default=3)
    fig, axes = plt.subplots(
        rows, columns, figsize=(columns * 0.8, rows * (0.8 + lines * size * 1.25 / 72)), squeeze=False
    )
    for axis in axes.ravel():
        axis.axis("off")
    for axis, row, title in zip(axes.ravel(), shown.itertuples(), titles):
        axis.imshow(images[row.index], cmap="gray_r")
        axis.set_title(title, fontsize=size, linespacing=1.1)
    fig.tight_layout(pad=0.2, h_pad=0.3, w_pad=0.2)
    return fig


def accuracy_curves_side_by_side(
    histories: pd.DataFrame, panel: str = "model", hue: str = "seed"
) -> plt.Figure:
    """Accuracy per epoch, one panel per `panel` value on a shared axis: training dashed, validation solid.
    The axis starts 0.5 points below the lowest validation accuracy (early training points may lie below)."""
    panels = list(histories[panel].unique())
    fig, axes = plt.subplots(
        1,
        len(panels),
        figsize=(min(FULL_WIDTH_IN, 3.4 * len(panels)), 3.0),
        sharey=True,
        squeeze=False,
        layout="constrained",
    )
    palette = dict(zip(histories[hue].unique(), sns.color_palette(n_colors=histories[hue].nunique())))
    for axis, name in zip(axes[0], panels):
        for key, run in histories[histories[panel] == name].groupby(hue, sort=False):
            axis.plot(
                run["epoch"], run["accuracy"], "--", color=palette[key], alpha=0.7, label=f"{key} train"
            )
            axis.plot(
                run["epoch"],
                run["val_accuracy"],
                "-o",
                markersize=3,
                color=palette[key],
                label=f"{key} validation",
            )
        _epoch_axis(axis, title=name)
    axes[0][0].set_ylabel("accuracy")
    low = max(0.0, float(histories["val_accuracy"].min()) - 0.005)
    axes[0][0].set_ylim(low, 1.0)
    _percent_axis(axes[0][0])
    _legend_above(fig, axes[0][-1], hue)
    return fig


def sweep_curve(
    sweep: pd.DataFrame, strength_label: str, log_x: bool = False, reference: dict | None = None
) -> plt.Figure:
    """Validation accuracy (left) and train − validation accuracy gap (right) against a regularizer's
    strength (`sweep` columns: value, validation_accuracy, gap); the unregularized run as a dotted line."""
    fig, (accuracy_axis, gap_axis) = plt.subplots(1, 2, figsize=(FULL_WIDTH_IN, 2.6))
    for axis, column, label in (
        (accuracy_axis, "validation_accuracy", "validation accuracy"),
        (gap_axis, "gap", "gap (points)"),
    ):
        axis.plot(sweep["value"], sweep[column], "o-")
        if reference is not None:
            axis.axhline(reference[column], color="grey", linestyle=":", label="no regularizer")
            axis.legend(fontsize=LEGEND_PT)
        axis.set(xlabel=strength_label, ylabel=label, xscale="log" if log_x else "linear")
        if log_x:
            _plain_log_labels(axis, "x")
        _percent_axis(axis, points=column == "gap")
        if not log_x and all(float(value).is_integer() for value in sweep["value"]):
            _integer_ticks(axis)  # a patience in epochs, a whole-number radius
    fig.tight_layout()
    return fig


def confusion_comparison(panels: dict[str, np.ndarray], class_names, columns: int = 2) -> plt.Figure:
    """Row-normalised confusion matrices side by side on one shared colour scale, so that equal colours
    mean equal error rates in every panel: `panels` maps a panel title to a (classes, classes) integer
    matrix of counts (true class by row, predicted by column, e.g. summed over seeds). Each off-diagonal
    cell shows the percentage of its true class's test images predicted as that column (one decimal;
    empty where no image was); the diagonal (correct predictions) is left blank. At most 5.8 inches wide,
    so the PDF shows it unscaled (figures up to 0.9 of the text width, 5.9 inches, keep their size) and
    every font is 7 pt or more on the page. Raises ValueError for a matrix whose shape does not match
    `class_names`."""
    names = [_wrapped(name) for name in class_names]
    size = len(names)
    for title, matrix in panels.items():
        if np.shape(matrix) != (size, size):
            raise ValueError(
                f"panel {title!r}: matrix of shape {np.shape(matrix)}, expected ({size}, {size})"
            )
    rates = {
        title: 100 * np.asarray(matrix, float) / np.maximum(np.asarray(matrix).sum(axis=1, keepdims=True), 1)
        for title, matrix in panels.items()
    }
    off_diagonal = {title: np.where(np.eye(size, dtype=bool), np.nan, rate) for title, rate in rates.items()}
    top = max(float(np.nanmax(rate)) for rate in off_diagonal.values()) or 1.0
    rows = int(np.ceil(len(panels) / columns))
    width = 5.8  # inches: the widest figure the PDF shows unscaled
    cell = min(0.3, (width / columns - 0.8) / size)  # inches per cell, with room for the class labels
    fig, axes = plt.subplots(
        rows,
        columns,
        figsize=(min(width, columns * (size * cell + 0.8) + 0.4), rows * (size * cell + 0.6) + 0.45),
        squeeze=False,
        constrained_layout=True,
    )
    rotate = max(len(line) for name in names for line in name.split("\n")) > 2
    mappable = None
    for axis, (title, rate) in zip(axes.ravel(), off_diagonal.items()):
        mappable = axis.imshow(rate, cmap="Reds", vmin=0, vmax=top)
        for row in range(size):
            for column in range(size):
                value = rate[row, column]
                if row != column and round(value, 1) > 0:  # a share that prints as 0.0 stays empty
                    axis.text(
                        column,
                        row,
                        f"{value:.1f}",
                        ha="center",
                        va="center",
                        fontsize=7 if size > 6 else 9,
                        color="white" if value > 0.6 * top else "black",
                    )
        axis.set_xticks(
            range(size), names, fontsize=8, rotation=45 if rotate else 0, ha="right" if rotate else "center"
        )
        axis.set_yticks(range(size), names, fontsize=8)
        axis.set_xlabel("predicted class", fontsize=8)
        axis.set_ylabel("true class", fontsize=8)
        axis.set_title(title, fontsize=9)
        axis.grid(False)
        axis.tick_params(length=0)
    for axis in axes.ravel()[len(panels) :]:
        axis.axis("off")
    bar = fig.colorbar(
        mappable, ax=axes.ravel().tolist(), orientation="horizontal", shrink=0.5, aspect=40, pad=0.02
    )
    bar.set_label("% of the true class's test images", fontsize=8)
    bar.ax.tick_params(labelsize=8)
    return fig


# Where `label_points` tries a label, as (dx, dy, horizontal, vertical alignment) in points from its point:
# beside it first, then above and below, then the corners, then the same twice and three times as far.
_LABEL_PLACES = [
    (dx * scale, dy * scale, ha, va, scale > 1)
    for scale in (1, 2, 3.5)
    for dx, dy, ha, va in (
        (6, 0, "left", "center"),
        (-6, 0, "right", "center"),
        (0, 6, "center", "bottom"),
        (0, -6, "center", "top"),
        (5, 5, "left", "bottom"),
        (-5, 5, "right", "bottom"),
        (5, -5, "left", "top"),
        (-5, -5, "right", "top"),
    )
]


def label_points(axis, x, y, labels, lines=(), bars=None, fontsize: float = 8, pad: float = 2.0) -> list:
    """Name each point (`x`, `y` in data coordinates, `labels` its texts) beside it, where its text covers
    no point, no other label, no horizontal reference line at a y of `lines` and no vertical error bar
    (`bars`: one half-length per point, in y units, or None) and stays inside the axes: the first free
    place of `_LABEL_PLACES`, else the one that covers least; a label placed further away than the nearest
    places gets a thin line to its point. Draw the figure's final layout (axis limits
    and scales) before calling. Returns the texts (matplotlib Annotations)."""
    renderer = axis.figure.canvas.get_renderer()
    to_pixels = axis.transData.transform
    box = axis.get_window_extent(renderer)
    points = to_pixels(np.column_stack([x, y]))
    obstacles = [(px - 5, py - 5, px + 5, py + 5) for px, py in points]
    for value in lines:
        line_y = to_pixels((1, value))[1]
        obstacles.append((box.x0, line_y - 1.5, box.x1, line_y + 1.5))
    for (px, _), x_value, y_value, half in zip(points, x, y, bars if bars is not None else [0] * len(points)):
        if half:
            low, high = to_pixels((x_value, y_value - half))[1], to_pixels((x_value, y_value + half))[1]
            obstacles.append((px - 3, low, px + 3, high))

    def overlap(first, second) -> float:
        width = min(first[2], second[2]) - max(first[0], second[0])
        height = min(first[3], second[3]) - max(first[1], second[1])
        return max(0.0, width) * max(0.0, height)

    texts = []
    for x_value, y_value, text in zip(x, y, labels):
        best = None
        for dx, dy, ha, va, far in _LABEL_PLACES:
            candidate = axis.annotate(
                text,
                (x_value, y_value),
                xytext=(dx, dy),
                textcoords="offset points",
                ha=ha,
                va=va,
                fontsize=fontsize,
                # a label away from its point gets a thin line to it
                arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5, "shrinkB": 4}
                if far
                else None,
            )
            extent = candidate.get_window_extent(renderer)
            area = (extent.x0 - pad, extent.y0 - pad, extent.x1 + pad, extent.y1 + pad)
            outside = extent.width * extent.height - overlap(area, (box.x0, box.y0, box.x1, box.y1))
            cost = sum(overlap(area, obstacle) for obstacle in obstacles) + max(0.0, outside) * 10
            if best is None or cost < best[0]:
                if best is not None:
                    best[1].remove()
                best = (cost, candidate, area)
            else:
                candidate.remove()
            if cost == 0:
                break
        texts.append(best[1])
        obstacles.append(best[2])
    return texts
