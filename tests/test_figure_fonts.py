"""Every figure's text is at least 7 pt where the PDF places it: each figure function of charrec.figures,
built on tiny data in the reports' style, saved as the notebook kernel saves it (PDF, tight bounding box),
shrunk as the report template shrinks it, and every visible text artist read."""

import inspect
import io
import re
import subprocess

import matplotlib

matplotlib.use("Agg")

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import pytest
from matplotlib.text import Text
from matplotlib_inline.config import InlineBackend
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from charrec import figures
from charrec.run_notebook import (
    FIGURE_MAX_HEIGHT,
    FIGURE_MAX_WIDTH,
    LINE_WIDTH_PT,
    TEMPLATES,
    figure_scale,
    figure_size_pt,
    figure_text_sizes,
)

CLASSES = tuple(str(digit) for digit in range(10))
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


def images_and_labels(classes: int = 10, per_class: int = 6):
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (classes * per_class, 28, 28), dtype=np.uint8)
    return images, np.repeat(np.arange(classes), per_class)


def curves(hue: str, keys: list, epochs: int = 6) -> pd.DataFrame:
    rows = len(keys) * epochs
    return pd.DataFrame(
        {
            "epoch": np.tile(np.arange(1, epochs + 1), len(keys)),
            hue: np.repeat(keys, epochs),
            "loss": np.linspace(1, 0.1, rows),
            "val_loss": np.linspace(1, 0.2, rows),
            "accuracy": np.linspace(0.9, 0.99, rows),
            "val_accuracy": np.linspace(0.9, 0.98, rows),
        }
    )


def mistakes(count: int = 16) -> pd.DataFrame:
    return pd.DataFrame(
        {
            "index": np.arange(count),
            "true": np.arange(count) % 10,
            "predicted": (np.arange(count) + 3) % 10,
            "confidence": np.linspace(0.5, 0.9999, count),
        }
    )


# One builder per figure function, on tiny data like the reports' (the longest labels they draw:
# Fashion-MNIST's class names, 03's run names). A new figure function needs a builder here.
BUILDERS = {
    "sample_grid": lambda: figures.sample_grid(*images_and_labels(), FASHION, per_class=10),
    "class_counts": lambda: figures.class_counts(
        pd.DataFrame({"train": [4900] * 10, "validation": [990] * 10, "test": [980] * 10}, index=FASHION)
    ),
    "mean_images": lambda: figures.mean_images(*images_and_labels(), FASHION),
    "pixel_histogram": lambda: figures.pixel_histogram(images_and_labels()[0]),
    "learning_curves": lambda: figures.learning_curves(
        curves("run", ["unregularized", "dropout 0.3 + max-norm 3 + shifts", "early stopping, patience 10"]),
        hue="run",
    ),
    "confusion_heatmap": lambda: figures.confusion_heatmap(
        np.eye(10, dtype=int) * 1135 + np.arange(100).reshape(10, 10) % 7, CLASSES
    ),
    "confusion_comparison": lambda: figures.confusion_comparison(
        {
            "without BN": np.eye(10, dtype=int) * 1135 + np.arange(100).reshape(10, 10) % 7,
            "with BN": np.eye(10, dtype=int) * 1135 + np.arange(100).reshape(10, 10) % 5,
        },
        CLASSES,
    ),
    "misclassified_gallery": lambda: figures.misclassified_gallery(
        images_and_labels()[0], mistakes(), FASHION, 16
    ),
    "accuracy_curves_side_by_side": lambda: figures.accuracy_curves_side_by_side(
        curves("seed", [0, 1, 2]).assign(
            model=lambda table: np.where(table.index % 2, "simple CNN", "improved CNN")
        )
    ),
    "sweep_curve": lambda: figures.sweep_curve(
        pd.DataFrame(
            {"value": [1e-6, 1e-5, 1e-4], "validation_accuracy": [0.95, 0.96, 0.9], "gap": [0.04, 0.03, 0.0]}
        ),
        "L2 strength",
        log_x=True,
        reference={"validation_accuracy": 0.955, "gap": 0.045},
    ),
}


def figure_functions() -> list[str]:
    """The public functions of charrec.figures that return a Figure."""
    return sorted(
        name
        for name, function in inspect.getmembers(figures, inspect.isfunction)
        if function.__module__ == figures.__name__
        and not name.startswith("_")
        and inspect.signature(function).return_annotation in (plt.Figure, "plt.Figure")
    )


def placed_pdf_text_sizes(figure: plt.Figure) -> list[float]:
    """The size in points, as placed in the report's PDF, of every text the figure's PDF draws (the
    PDF the kernel makes of it, superscripts of log-axis labels included)."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", **InlineBackend().print_figure_kwargs)  # as the kernel saves it
    pdf = buffer.getvalue()
    scale = figure_scale(*figure_size_pt(pdf))
    return [size * scale for size in figure_text_sizes(pdf)]


def placed_text_sizes(figure: plt.Figure) -> list[tuple[float, str]]:
    """(size in points as placed in the PDF, text) of every visible, non-empty text artist of `figure`."""
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf", **InlineBackend().print_figure_kwargs)  # as the kernel saves it
    scale = figure_scale(*figure_size_pt(buffer.getvalue()))
    texts = [
        text
        for text in figure.findobj(Text)
        if text.get_visible() and text.get_text().strip() and text.get_alpha() != 0
    ]
    return [(text.get_fontsize() * scale, text.get_text()) for text in texts]


def test_every_figure_function_has_a_builder():
    missing = sorted(set(figure_functions()) - set(BUILDERS))
    assert not missing, f"add a builder for these figure functions to BUILDERS in {__file__}: {missing}"


@pytest.mark.parametrize("name", sorted(BUILDERS))
def test_figure_text_is_at_least_7_pt_in_the_pdf(name):
    figures.use_report_style()
    figure = BUILDERS[name]()
    try:
        sizes = placed_text_sizes(figure)
        drawn = placed_pdf_text_sizes(figure)
    finally:
        plt.close(figure)
    assert sizes and drawn, f"{name} draws no text"
    smallest = min(sizes)
    assert smallest[0] >= figures.SMALLEST_TEXT_PT - 1e-6, f"{name}: {smallest[1]!r} is {smallest[0]:.2f} pt"
    # what the PDF draws, superscripts and all (a label 10^-2's exponent is 70 % of its size)
    assert min(drawn) >= figures.SMALLEST_TEXT_PT - 1e-6, f"{name}: a text of {min(drawn):.2f} pt"


def test_the_template_places_figures_as_figure_scale_assumes():
    """The report template's image size limit is the one figure_scale computes with, and nothing else
    (the base template's 0.9-of-the-line cap) shrinks figures further."""
    template = (TEMPLATES / "report_a4" / "index.tex.j2").read_text(encoding="utf-8")
    found = re.findall(r"\\adjustimage\{max size=\{([\d.]+)\\linewidth\}\{([\d.]+)\\textheight\}\}", template)
    assert found == [(f"{FIGURE_MAX_WIDTH:.1f}", f"{FIGURE_MAX_HEIGHT:.2f}")]
    assert "\\adjustboxset{}" in template


def test_a_full_width_figure_is_placed_unscaled(tmp_path):
    """Rendered for real: two words 6.2 in apart in a 6.3-in figure are 6.2 in apart in the PDF."""
    import base64

    from charrec.outputs import NotebookOutputs
    from charrec.report import figure_caption
    from charrec.run_notebook import render_reports

    figures.use_report_style()
    figure = plt.figure(figsize=(figures.FULL_WIDTH_IN, 1.0))
    figure.text(0.05 / figures.FULL_WIDTH_IN, 0.5, "Leftword", ha="left")
    figure.text(6.25 / figures.FULL_WIDTH_IN, 0.5, "Rightword", ha="right")
    buffer = io.BytesIO()
    figure.savefig(buffer, format="pdf")
    plt.close(figure)
    output = new_output(
        "display_data", data={"application/pdf": base64.b64encode(buffer.getvalue()).decode()}
    )
    cell = new_code_cell(
        "", outputs=[output, new_output("display_data", data=figure_caption("A wide figure"))]
    )
    path = tmp_path / "wide.ipynb"
    import nbformat

    nbformat.write(new_notebook(cells=[new_markdown_cell("# Wide"), cell]), path)
    outputs = NotebookOutputs("wide", root=tmp_path)
    render_reports(path, outputs)
    boxes = subprocess.run(
        ["pdftotext", "-bbox", str(outputs.pdf), "-"], capture_output=True, text=True, check=True
    ).stdout
    x = {
        word: (float(x_min), float(x_max))
        for x_min, x_max, word in re.findall(
            r'<word xMin="([\d.]+)" yMin="[\d.]+" xMax="([\d.]+)" [^>]*>(\w+)<', boxes
        )
    }
    placed = x["Rightword"][1] - x["Leftword"][0]
    assert placed == pytest.approx(6.2 * 72, abs=3), placed
    assert figures.FULL_WIDTH_IN * 72 <= LINE_WIDTH_PT
