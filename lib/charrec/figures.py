"""Figures of the reports. Each function returns a matplotlib Figure and draws nothing else."""

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns


def sample_grid(
    images: np.ndarray, labels: np.ndarray, class_names, per_class: int, seed: int = 0
) -> plt.Figure:
    """One row per class, `per_class` random examples of it."""
    rng = np.random.default_rng(seed)
    fig, axes = plt.subplots(len(class_names), per_class, figsize=(per_class * 0.7, len(class_names) * 0.75))
    for row, name in enumerate(class_names):
        members = np.flatnonzero(labels == row)
        chosen = rng.choice(members, size=min(per_class, len(members)), replace=False)
        for column, axis in enumerate(np.atleast_1d(axes[row])):
            axis.axis("off")
            if column < len(chosen):
                axis.imshow(images[chosen[column]], cmap="gray_r")
        np.atleast_1d(axes[row])[0].set_title(name, loc="left", fontsize=9, x=-0.45, y=0.25)
    fig.subplots_adjust(wspace=0.05, hspace=0.05)
    return fig


def class_counts(counts: pd.DataFrame) -> plt.Figure:
    """Grouped bars: rows are classes, columns are subsets (train/validation/test)."""
    fig, axis = plt.subplots(figsize=(8, 3.2))
    counts.plot.bar(ax=axis, rot=0, width=0.8)
    axis.set_xlabel("class")
    axis.set_ylabel("images")
    axis.legend(title="subset", ncols=len(counts.columns))
    return fig


def mean_images(images: np.ndarray, labels: np.ndarray, class_names) -> plt.Figure:
    fig, axes = plt.subplots(1, len(class_names), figsize=(len(class_names) * 0.9, 1.3))
    for index, (axis, name) in enumerate(zip(axes, class_names)):
        axis.imshow(images[labels == index].mean(axis=0), cmap="magma")
        axis.set_title(name, fontsize=9)
        axis.axis("off")
    return fig


def pixel_histogram(images: np.ndarray) -> plt.Figure:
    fig, axis = plt.subplots(figsize=(6, 2.8))
    counts = np.bincount(images.ravel(), minlength=256)
    axis.fill_between(np.arange(256), counts / counts.sum(), step="mid", alpha=0.8)
    axis.set_yscale("log")
    axis.set_xlabel("pixel intensity (0 = background)")
    axis.set_ylabel("share of pixels")
    return fig


def learning_curves(histories: pd.DataFrame, hue: str = "seed") -> plt.Figure:
    """Loss and accuracy per epoch, training dashed and validation solid, one colour per `hue` value."""
    fig, (loss_axis, accuracy_axis) = plt.subplots(1, 2, figsize=(10, 3.5))
    palette = dict(zip(histories[hue].unique(), sns.color_palette(n_colors=histories[hue].nunique())))
    for key, run in histories.groupby(hue, sort=False):
        for metric, axis in (("loss", loss_axis), ("accuracy", accuracy_axis)):
            axis.plot(run["epoch"], run[metric], "--", color=palette[key], alpha=0.8, label=f"{key} train")
            if f"val_{metric}" in run:
                axis.plot(
                    run["epoch"], run[f"val_{metric}"], "-", color=palette[key], label=f"{key} validation"
                )
    loss_axis.set(xlabel="epoch", ylabel="cross-entropy loss", yscale="log")
    accuracy_axis.set(xlabel="epoch", ylabel="accuracy")
    accuracy_axis.legend(fontsize=7, ncols=2, title=hue, title_fontsize=7)
    fig.tight_layout()
    return fig


def confusion_heatmap(matrix: np.ndarray, class_names) -> plt.Figure:
    """Counts per (true, predicted) pair; the diagonal is muted so the mistakes stand out."""
    fig, axis = plt.subplots(figsize=(6.5, 5.5))
    off_diagonal = np.where(np.eye(len(matrix), dtype=bool), 0, matrix)
    sns.heatmap(
        off_diagonal,
        annot=matrix,
        fmt="d",
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
    return fig


def misclassified_gallery(images: np.ndarray, mistakes: pd.DataFrame, class_names, count: int) -> plt.Figure:
    """The `count` most confident mistakes, titled 'true → predicted (confidence)'."""
    shown = mistakes.head(count)
    columns = 8
    rows = max(1, int(np.ceil(len(shown) / columns)))
    fig, axes = plt.subplots(rows, columns, figsize=(columns * 1.2, rows * 1.45), squeeze=False)
    for axis in axes.ravel():
        axis.axis("off")
    for axis, row in zip(axes.ravel(), shown.itertuples()):
        axis.imshow(images[row.index], cmap="gray_r")
        axis.set_title(
            f"{class_names[row.true]}→{class_names[row.predicted]}\n{row.confidence:.0%}", fontsize=8
        )
    fig.tight_layout()
    return fig


def accuracy_curves_side_by_side(
    histories: pd.DataFrame, panel: str = "model", hue: str = "seed"
) -> plt.Figure:
    """Accuracy per epoch, one panel per `panel` value on a shared axis: training dashed, validation solid."""
    panels = list(histories[panel].unique())
    fig, axes = plt.subplots(1, len(panels), figsize=(5 * len(panels), 3.5), sharey=True, squeeze=False)
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
        axis.set(title=name, xlabel="epoch")
    axes[0][0].set_ylabel("accuracy")
    low = max(0.0, float(histories["val_accuracy"].min()) - 0.005)
    axes[0][0].set_ylim(low, 1.0)
    axes[0][-1].legend(fontsize=7, ncols=2, title=hue, title_fontsize=7)
    fig.tight_layout()
    return fig


def sweep_curve(
    sweep: pd.DataFrame, strength_label: str, log_x: bool = False, reference: dict | None = None
) -> plt.Figure:
    """Validation accuracy (left) and train − validation accuracy gap (right) against a regularizer's
    strength (`sweep` columns: value, validation_accuracy, gap); the unregularized run as a dotted line."""
    fig, (accuracy_axis, gap_axis) = plt.subplots(1, 2, figsize=(10, 3.2))
    for axis, column, label in (
        (accuracy_axis, "validation_accuracy", "validation accuracy"),
        (gap_axis, "gap", "train − validation accuracy"),
    ):
        axis.plot(sweep["value"], sweep[column], "o-")
        if reference is not None:
            axis.axhline(reference[column], color="grey", linestyle=":", label="no regularizer")
            axis.legend(fontsize=8)
        axis.set(xlabel=strength_label, ylabel=label, xscale="log" if log_x else "linear")
    fig.tight_layout()
    return fig
