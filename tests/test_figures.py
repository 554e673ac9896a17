"""The report figures as a reader sees them: whole-number epoch ticks, labels that stay off the data."""

import matplotlib

matplotlib.use("Agg")

import numpy as np
import pandas as pd
import pytest

from charrec import figures

FASHION = (
    "T-shirt/top",
    "Trouser",
    "Pullover",
    "Dress",
    "Coat",
    "Sandal",
    "Shirt",
    "Sneaker",
    "Bag",
    "Ankle boot",
)


def curves(epochs: int) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "epoch": np.tile(np.arange(1, epochs + 1), 2),
            "seed": np.repeat([0, 1], epochs),
            "model": "m",
            "loss": np.linspace(1, 0.1, 2 * epochs),
            "val_loss": np.linspace(1, 0.2, 2 * epochs),
            "accuracy": np.linspace(0.9, 0.99, 2 * epochs),
            "val_accuracy": np.linspace(0.9, 0.98, 2 * epochs),
        }
    )


def shown_ticks(axis) -> list[float]:
    low, high = axis.get_xlim()
    return [tick for tick in axis.get_xticks() if low <= tick <= high]


@pytest.mark.parametrize("epochs", [2, 5, 9, 40])
def test_epoch_axes_have_whole_number_ticks(epochs):
    for figure in (
        figures.learning_curves(curves(epochs)),
        figures.accuracy_curves_side_by_side(curves(epochs), panel="model", hue="seed"),
    ):
        for axis in figure.axes:
            ticks = shown_ticks(axis)
            assert ticks and all(float(tick).is_integer() for tick in ticks), ticks


def test_patience_sweep_has_whole_number_ticks():
    sweep = pd.DataFrame({"value": [5, 10], "validation_accuracy": [0.95, 0.951], "gap": [0.04, 0.05]})
    figure = figures.sweep_curve(sweep, "patience (epochs)")
    for axis in figure.axes:
        assert all(float(tick).is_integer() for tick in shown_ticks(axis))


def boxes_overlap(a, b) -> bool:
    return a.x0 < b.x1 and b.x0 < a.x1 and a.y0 < b.y1 and b.y0 < a.y1


def test_long_class_names_stay_off_the_images():
    images = np.random.default_rng(0).integers(0, 255, (100, 28, 28), dtype=np.uint8)
    labels = np.repeat(np.arange(10), 10)
    for figure in (
        figures.sample_grid(images, labels, FASHION, per_class=4),
        figures.mean_images(images, labels, FASHION),
    ):
        figure.canvas.draw()
        renderer = figure.canvas.get_renderer()
        image_boxes = [axis.get_window_extent(renderer) for axis in figure.axes]
        texts = [text for axis in figure.axes for text in (*axis.texts, axis.title) if text.get_text()]
        assert texts
        for text in texts:
            box = text.get_window_extent(renderer)
            assert not any(boxes_overlap(box, image) for image in image_boxes), text.get_text()
            # whole names, wrapped at most, never cut: every character is there
        shown = {text.get_text().replace("\n", "") for text in texts}
        assert shown == set(FASHION)


def test_gallery_titles_fit_their_column():
    images = np.zeros((8, 28, 28), dtype=np.uint8)
    mistakes = pd.DataFrame(
        {"index": range(8), "true": range(8), "predicted": range(1, 9), "confidence": [0.9] * 8}
    )
    figure = figures.misclassified_gallery(images, mistakes, FASHION, 8)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    titles = [axis.title.get_window_extent(renderer) for axis in figure.axes if axis.title.get_text()]
    for left, right in zip(titles, titles[1:]):
        assert left.x1 <= right.x0, "titles of neighbouring images overlap"


def test_class_balance_legend_is_outside_the_bars():
    counts = pd.DataFrame({"train": [5000] * 10, "validation": [1000] * 10, "test": [1000] * 10})
    figure = figures.class_counts(counts)
    figure.canvas.draw()
    renderer = figure.canvas.get_renderer()
    axis = figure.axes[0]
    legend = axis.get_legend().get_window_extent(renderer)
    assert legend.y0 >= axis.get_window_extent(renderer).y1 - 1  # above the plotting area


def test_gallery_confidences_never_read_as_certain():
    assert [figures.confidence_text(p) for p in (0.5234, 0.9949, 0.9962, 0.99949, 0.99951, 1.0)] == [
        "52%",
        "99%",
        "99.6%",
        "99.9%",
        ">99.9%",
        ">99.9%",
    ]


def test_accuracy_ticks_carry_the_digits_they_need_and_no_trailing_zeros():
    fig, axis = figures.plt.subplots()
    axis.plot([0, 1], [0.955, 0.957])
    figures._percent_axis(axis)
    fig.canvas.draw()
    labels = [label.get_text() for label in axis.get_yticklabels() if label.get_text()]
    assert labels and all(label.endswith("%") for label in labels)
    assert "95.6%" in labels and not any(label.endswith("0%") and "." in label for label in labels), labels


def test_compared_confusion_matrices_share_one_colour_scale_and_readable_fonts():
    few = np.diag([98, 97, 99]) + np.array([[0, 2, 0], [3, 0, 0], [0, 1, 0]])
    many = np.diag([90, 97, 99]) + np.array([[0, 10, 0], [3, 0, 0], [0, 1, 0]])
    fig = figures.confusion_comparison({"without BN": few, "with BN": many}, ["0/6", "1/7", "2/3/5/8"])
    images = [axis.images[0] for axis in fig.axes if axis.images]
    assert len(images) == 2 and {image.get_clim() for image in images} == {(0, 10.0)}  # 10 of 100: 10 %
    assert fig.get_figwidth() <= 5.8  # shown unscaled in the PDF
    texts = [
        text for axis in fig.axes for text in (*axis.texts, *axis.get_xticklabels(), *axis.get_yticklabels())
    ]
    assert min(text.get_fontsize() for text in texts) >= 7
    assert "10.0" in {text.get_text() for text in fig.axes[1].texts}  # share of the true class's images
    figures.plt.close(fig)
    with pytest.raises(ValueError, match="panel 'with BN': matrix of shape \\(2, 2\\), expected \\(3, 3\\)"):
        figures.confusion_comparison({"with BN": np.eye(2)}, ["a", "b", "c"])


def test_point_labels_cover_no_point_line_bar_or_other_label():
    fig, axis = figures.plt.subplots(figsize=(4, 3))
    x, y = np.array([10.0, 12.0, 100.0, 30.0]), np.array([0.99, 0.99, 0.985, 0.98])
    axis.plot(x, y, "o")
    axis.set(xscale="log", xlim=(5, 300), ylim=(0.975, 0.995))
    axis.axhline(0.9895, linestyle=":")
    fig.canvas.draw()
    texts = figures.label_points(
        axis, x, y, ["first model", "second model", "third", "fourth"], lines=[0.9895], bars=[0, 0, 0.002, 0]
    )
    renderer = fig.canvas.get_renderer()
    boxes = [text.get_window_extent(renderer) for text in texts]
    assert all(text.get_fontsize() >= 7 for text in texts)
    for index, first in enumerate(boxes):
        assert all(not first.overlaps(second) for second in boxes[index + 1 :])
        for px, py in axis.transData.transform(np.column_stack([x, y])):
            assert not first.contains(px, py)
        line_y = axis.transData.transform((10, 0.9895))[1]
        assert not (first.y0 < line_y < first.y1)
        assert axis.get_window_extent(renderer).contains(first.x0, first.y0)
    figures.plt.close(fig)
