"""What the reports' pages keep together and how they close: numbers with their units, the closing "How this
report was made" section with the commands and files, captions set apart from the text after them."""

import subprocess

import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from charrec.report import CLOSING_HEADING, formatted_table, how_made_markdown, latex_table, notebook_name
from charrec.run_notebook import TEMPLATES, _with_units_kept
from charrec.typography import NO_BREAK_SPACE, with_units_kept

MANIFEST = {
    "dataset": "mnist",
    "split_seed": 0,
    "counts": {"train": 50000, "validation": 10000, "test": 10000},
    "files": {"train_images": "train-images-idx3-ubyte"},
    "md5": {"train_images": "f68b3c2dcbeaaa9fbdd348bbdeb94873"},
}


@pytest.mark.parametrize(
    "text, kept",
    [
        ("99.58 % test accuracy", "99.58\u00a0% test accuracy"),
        ("a gain of +0.41 points", "a gain of +0.41\u00a0points"),
        ("1 point", "1\u00a0point"),
        ("97.94 ± 0.34 %", "97.94\u00a0±\u00a00.34\u00a0%"),
        ("[−0.74, +1.55] points", "[−0.74, +1.55]\u00a0points"),
        (
            "12.8 s per epoch, 3.3 ms per step, 29 min",
            "12.8\u00a0s per epoch, 3.3\u00a0ms per step, 29\u00a0min",
        ),
    ],
)
def test_numbers_keep_their_units(text, kept):
    assert with_units_kept(text) == kept


@pytest.mark.parametrize(
    "text", ["3 seeds and 2 sets", "seed 0 shows", "the 10 classes", "a ± b", "5 points_x"]
)
def test_other_spaces_are_left_alone(text):
    assert with_units_kept(text) == text


def test_prose_and_markdown_outputs_keep_their_units():
    output = new_output("display_data", data={"text/markdown": "BN adds 0.41 points.", "text/plain": "x"})
    notebook = new_notebook(
        cells=[new_markdown_cell("It reaches 99.58 %."), new_code_cell("", outputs=[output])]
    )
    kept = _with_units_kept(notebook)
    assert kept.cells[0].source == "It reaches 99.58\u00a0%."
    assert kept.cells[1].outputs[0].data["text/markdown"] == "BN adds 0.41\u00a0points."


def test_a_no_break_space_reaches_latex_as_a_tie():
    """pandoc (the Markdown route) and charrec.report's tables (their own route) both write `~`."""
    latex = subprocess.run(
        ["pandoc", "-f", "markdown", "-t", "latex"],
        input=f"It reaches 99.58{NO_BREAK_SPACE}%.",
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    assert "99.58~\\%" in latex
    import pandas as pd

    table = latex_table(*formatted_table(pd.DataFrame({"test accuracy": ["97.94 ± 0.34 %"]}, index=["a"])))
    assert "97.94~±~0.34~\\%" in table


def test_closing_section_names_the_commands_files_and_data():
    text = how_made_markdown(MANIFEST, [0, 1, 2], 12.3, "02_dense_baseline", "a CPU", "abc1234")
    assert text.startswith(f"## {CLOSING_HEADING}\n")
    for expected in (
        "`dvc repro`",
        "`python -m charrec.run_notebook 02_dense_baseline`",
        "`python -m charrec.train 02_dense_baseline`",
        "`params/02_dense_baseline.yaml`",
        "`notebooks/02_dense_baseline.py`",
        "`metrics/02_dense_baseline.json`",
        "`reports/02_dense_baseline.html` and `.pdf`",
        "split seed 0, 50,000 train / 10,000 validation / 10,000 test images",
        "**Seeds**: 0, 1, 2",
        "a CPU",
        "git commit abc1234",
        "12.3 s",
        "| `train-images-idx3-ubyte` | `f68b3c2dcbeaaa9fbdd348bbdeb94873` |",
    ):
        assert expected in text, expected


def test_closing_section_of_a_report_without_runs_names_no_training():
    text = how_made_markdown(MANIFEST, [], 1.0, "01_data_exploration", "a CPU", "abc1234")
    assert "charrec.train" not in text and "stored training runs" not in text
    assert "`python -m charrec.run_notebook 01_data_exploration`" in text and "**Seeds**: none" in text


def test_the_notebook_name_comes_from_the_report_stage_or_jupyterlab(monkeypatch):
    monkeypatch.delenv("CHARREC_NOTEBOOK", raising=False)
    monkeypatch.delenv("JPY_SESSION_NAME", raising=False)
    assert notebook_name() is None
    monkeypatch.setenv("JPY_SESSION_NAME", "/work/notebooks/04_cnn.py")
    assert notebook_name() == "04_cnn"
    monkeypatch.setenv("CHARREC_NOTEBOOK", "05_bn_ablation")
    assert notebook_name() == "05_bn_ablation" and notebook_name("03_regularization") == "03_regularization"


def test_a_caption_has_space_below_it_in_html():
    """JupyterLab's `.jp-RenderedHTMLCommon > *:last-child` would leave 0.5em under a caption: the report's
    rule is more specific and sets more."""
    css = (TEMPLATES / "report_html" / "index.html.j2").read_text(encoding="utf-8")
    assert ".jp-OutputArea-output > p.figure-caption { margin: 0.3em 0 1.8em; }" in css


def test_layer_types_read_as_keras_names():
    """The per-layer tables name the project's fused batch normalization as the layer it is."""
    from charrec.models.tiny_cnn import tiny_cnn
    from charrec.report import model_summary

    types = set(model_summary(tiny_cnn(10, batch_norm=True))["type"])
    assert "BatchNormalization" in types and not any("Fused" in name for name in types)
