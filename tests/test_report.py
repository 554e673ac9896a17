"""The reports as readers see them: tiny notebooks rendered for real (papermill, nbconvert, xelatex) and read
back with pdftotext / pdfinfo, and the table helpers' number formats."""

import re
import subprocess
import warnings
from pathlib import Path

import jupytext
import nbformat
import numpy as np
import pandas as pd
import papermill
import pytest
from nbformat.v4 import new_code_cell, new_markdown_cell, new_notebook, new_output

from charrec.outputs import NotebookOutputs
from charrec.report import formatted_table, latex_table
from charrec.run_notebook import MissingGlyphsWarning, render_reports
from conftest import PROJECT_ROOT

TABLES_NOTEBOOK = """\
# %% [markdown]
# # Tables & checks: a report
#
# Accented Latin in the text: café, naïve, Ångström, Dvořák.
#
# | file | md5 |
# |---|---|
# | a.idx | 0123 |

# %%
import numpy as np
import pandas as pd

from charrec.report import show_table

# %%
counts = pd.DataFrame(
    {
        "layer": ["dense", "output", "total"],
        "parameters": [575050.0, 5010.0, 580060.0],
        "epochs": [10, 10, 20],
        "accuracy": [0.98123, 1.0, 0.5],
        "train seconds": [12.345, 3.0, 15.345],
        "images per second": [12345.67, 9999.4, 100000.0],
    }
).set_index("layer")
show_table(counts, caption="Layers and parameter counts", decimals=4)

# %%
names = pd.Index(["ア", "カ", "漢", "字", "お"], name="class")
show_table(
    pd.DataFrame({"support": [1, 2, 3, 4, 5], "f1": [0.5, 0.6, 0.7, 0.8, 0.9]}, index=names),
    caption="Per-class F1 of the Katakana and Kanji classes",
)

# %%
wide = pd.DataFrame(
    {
        "notebook": ["02_dense_baseline", "03_regularization", "04_cnn", "06_hiragana"],
        "architecture": [
            "784-512-10 dense, ReLU, dropout 0.2 and L2",
            "784-512-512-10 dense with input dropout and shifts",
            "conv 32-64, max pooling, dense 128",
            "conv 32-64-128 with batch normalization and dropout",
        ],
        "dataset": ["mnist", "mnist", "mnist", "kmnist"],
        "parameters": [407050, 669706, 93322, 1200000],
        "epochs": [10, 20, 12, 12],
        "seeds": [5, 5, 3, 3],
        "train seconds": [20.1, 120.4, 300.2, 320.9],
        "images/s": [30000.2, 12000.0, 3000.5, 2900.1],
        "test accuracy %": ["98.12 ± 0.05", "98.95 ± 0.04", "99.21 ± 0.03", "95.1 ± 0.2"],
        "source report %": ["97.85", "98.71", "99.10", "–"],
    }
).set_index(["notebook", "architecture"])
show_table(wide, caption="All models: test accuracy and cost", decimals=1)

# %%
long = pd.DataFrame(
    {"precision": np.linspace(0, 1, 100), "support": np.arange(100) * 10},
    index=pd.Index([f"class {i}" for i in range(100)], name="class"),
)
show_table(long, caption="Per-class precision of a 100-class dataset")
"""


def pdf_text(path: Path, *options: str) -> str:
    return subprocess.run(
        ["pdftotext", *options, str(path), "-"], capture_output=True, text=True, check=True
    ).stdout


@pytest.fixture(scope="module")
def report(tmp_path_factory) -> NotebookOutputs:
    """The tables notebook, executed by papermill and rendered to HTML and PDF."""
    folder = tmp_path_factory.mktemp("report")
    outputs = NotebookOutputs("tables", root=folder)
    executed = folder / "executed.ipynb"
    papermill.execute_notebook(
        jupytext.reads(TABLES_NOTEBOOK, fmt="py:percent"),
        str(executed),
        kernel_name="python3",
        cwd=str(PROJECT_ROOT),
        progress_bar=False,
    )
    render_reports(executed, outputs)
    return outputs


def render(cells: list, name: str, root: Path) -> NotebookOutputs:
    """A notebook of ready-made cells (no kernel), rendered."""
    path = root / f"{name}.ipynb"
    nbformat.write(new_notebook(cells=cells), path)
    outputs = NotebookOutputs(name, root=root)
    render_reports(path, outputs)
    return outputs


def figure_output(image_format: str, size: tuple[float, float]):
    """A display_data output holding an empty matplotlib figure as PNG or PDF, as a kernel shows it."""
    import base64
    import io

    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    figure, _ = plt.subplots(figsize=size)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=image_format)
    plt.close(figure)
    mime = {"png": "image/png", "pdf": "application/pdf"}[image_format]
    return new_output(
        "display_data", data={mime: base64.b64encode(buffer.getvalue()).decode(), "text/plain": "figure"}
    )


def test_table_captions_are_numbered_above_the_tables(report):
    text = pdf_text(report.pdf, "-layout")
    # The Markdown table (no caption) takes no number: the PDF's numbers are the HTML's.
    for number, caption in enumerate(
        ["Layers and parameter counts", "Per-class F1", "All models", "Per-class precision"], start=1
    ):
        assert re.search(rf"Table {number}: {caption}", text), caption
    assert text.index("Table 1: Layers") < text.index("575,050")  # above its table
    html = report.html.read_text(encoding="utf-8")
    assert 'content: "Table " counter(report-table) ": "' in html
    assert html.count("<caption>") == 4


def test_numbers_are_formatted_by_what_their_column_holds(report):
    text = pdf_text(report.pdf, "-layout")
    row = next(line.split() for line in text.splitlines() if line.split()[:1] == ["dense"])
    # parameters (floats of whole numbers), epochs, accuracy, seconds, images per second
    assert row == ["dense", "575,050", "10", "98.12", "12.3", "12,346"]
    assert "accuracy (%)" in text  # accuracies in percent, the header says so
    assert "575,050.0000" not in text and "575,050.0" not in text
    html = report.html.read_text(encoding="utf-8")
    assert ">575,050<" in html and ">12.3<" in html and ">12,346<" in html


def test_number_formats_without_rendering():
    table = pd.DataFrame(
        {
            "count": [3.0, 4.0],
            "precision": [1.0, 0.0],
            "validation accuracy": [0.98765, 0.5],
            "gap": [0.0451, -0.002],
            "difference (points)": [0.41, -0.25],
            "misclassified": [96.6667, 101.0],
            "training seconds": [61.04, 7.0],
            "s per run": [2.25, 3.0],
            "images/s": [1234.5, 99.9],
            "loss": [0.123456, 2.5],
            "type": ["Dense", ""],
        },
        index=pd.Index([0.001, 2.0], name="value"),
    )
    shown, numeric = formatted_table(table, decimals=3)
    assert shown.to_dict("list") == {
        "count": ["3", "4"],
        "precision (%)": ["100.00", "0.00"],  # accuracies and their kin in percent, even when whole
        "validation accuracy (%)": ["98.77", "50.00"],
        "gap (points)": ["4.51", "-0.20"],  # a difference of accuracies in percentage points
        "difference (points)": ["0.410", "-0.250"],  # already in points: left as it is
        "misclassified": ["96.7", "101"],  # a mean of counts with one decimal, a count without
        "training seconds": ["61.0", "7.0"],
        "s per run": ["2.2", "3.0"],
        "images/s": ["1,234", "100"],
        "loss": ["0.123", "2.500"],
        "type": ["Dense", ""],
    }
    assert numeric == [True] * 10 + [False]
    assert list(shown.index) == ["0.001", "2"]


def test_long_table_breaks_across_pages_with_its_header(report):
    pages = pdf_text(report.pdf, "-layout").split("\f")
    holding = [page for page in pages if re.search(r"class \d+ ", page)]
    assert len(holding) >= 2  # across pages
    assert all("precision" in page and "support" in page for page in holding)  # header repeated
    assert "(continued)" in holding[1]
    assert re.search(r"class 99\s+100\.00\s+990\b", holding[-1])  # the last row is there


def test_katakana_and_kanji_class_names_print(report):
    text = pdf_text(report.pdf, "-layout")
    for character in ("ア", "カ", "漢", "字", "お", "café", "Ångström", "Dvořák"):
        assert character in text, character


def test_wide_table_stays_readable(report):
    """No word of the PDF is smaller than 8 pt (bounding boxes of about 8 pt or more)."""
    boxes = pdf_text(report.pdf, "-bbox")
    heights = [
        float(y_max) - float(y_min)
        for y_min, y_max in re.findall(
            r'<word xMin="[\d.]+" yMin="([\d.]+)" xMax="[\d.]+" yMax="([\d.]+)"', boxes
        )
    ]
    assert heights and min(heights) > 7.5
    text = pdf_text(report.pdf, "-layout")
    # long text columns wrap (the notebook name after its underscores), numbers do not
    assert "02_dense_" in text and "1,200,000" in text and "95.1 ± 0.2" in text
    # and the table stays within the page's 2.2 cm margins (A4 is 595 pt wide, 62.4 pt margins)
    right_edges = [float(x) for x in re.findall(r'xMax="([\d.]+)"', boxes)]
    assert max(right_edges) < 595 - 62.4 + 1


def test_title_in_pdf_metadata_and_html(report):
    info = subprocess.run(["pdfinfo", str(report.pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+Tables & checks: a report$", info, re.MULTILINE)
    assert "<title>Tables &amp; checks: a report</title>" in report.html.read_text(encoding="utf-8")


def test_heading_is_kept_with_the_table_that_follows(tmp_path):
    """Seven paragraphs leave a few lines at the foot of page 1: too little for the heading and the start of
    its (long) table, so the heading goes to page 2 with it."""
    shown, numeric = formatted_table(pd.DataFrame({"a": np.arange(45), "b": np.arange(45)}))
    table = new_output("display_data", data={"text/latex": latex_table(shown, numeric, "After a heading")})
    filler = " ".join(["Filler words make a paragraph of some length here."] * 8)
    cells = [new_markdown_cell("# Headings"), *[new_markdown_cell(filler) for _ in range(7)]]
    cells += [new_markdown_cell("## The heading"), new_code_cell("", outputs=[table])]
    for page in pdf_text(render(cells, "headings", tmp_path).pdf, "-layout").split("\f"):
        lines = [line.strip() for line in page.splitlines() if line.strip()]
        if "The heading" in lines:
            assert lines[lines.index("The heading") + 1].startswith("Table 1: After a heading")


def test_characters_without_a_font_are_named(tmp_path):
    cells = [new_markdown_cell("# Missing glyphs\n\nHangul is not in the CJK font switch: 한.")]
    with warnings.catch_warnings(record=True) as caught:
        warnings.simplefilter("always")
        outputs = render(cells, "glyphs", tmp_path)
    messages = [str(warning.message) for warning in caught if warning.category is MissingGlyphsWarning]
    assert messages and "한 (U+D55C)" in messages[0]
    assert outputs.pdf.is_file()


def test_a_table_with_repeated_index_labels_is_shown(monkeypatch):
    """Two models of one architecture share an index label in the summary: the table still renders."""
    from charrec.report import show_table

    table = pd.DataFrame(
        {"parameters": [4470, 4526], "test accuracy": [0.9794, 0.9835]},
        index=pd.Index(["conv16@7x7", "conv16@7x7"], name="architecture"),
    )
    shown = []
    monkeypatch.setattr("charrec.report.display", lambda bundle, raw=False: shown.append(bundle))
    show_table(table, caption="repeated labels")
    html, latex = shown[0]["text/html"], shown[0]["text/latex"]
    assert html.count("conv16@7x7") == 2 and "4,526" in html and "Repeated labels" in latex  # capitalised


def test_kernel_stderr_reaches_the_terminal_without_start_up_noise(tmp_path, capsys):
    import io

    from charrec.run_notebook import _print_kernel_stderr

    stderr = io.BytesIO(
        b"WARNING: All log messages before absl::InitializeLog() is called are written to STDERR\n"
        b"I0000 00:00:1796037468.099909   29783 port.cc:153] oneDNN custom operations are on.\n"
        b"[IPKernelApp] ERROR | KeyboardInterrupt caught in kernel.\n"
    )
    _print_kernel_stderr(stderr)
    assert capsys.readouterr().err == ""
    _print_kernel_stderr(io.BytesIO(b"I0000 00:00:17.1 port.cc:153] on\nSegmentation fault\n"))
    assert capsys.readouterr().err == "Segmentation fault\n"


def test_html_reads_offline(report):
    """No script (require.js, MathJax, mermaid) is loaded from the network."""
    html = report.html.read_text(encoding="utf-8")
    assert not re.search(r"<script[^>]+src=[\"']https?:", html)
    assert "cdnjs.cloudflare.com" not in html


def test_heading_and_lead_in_stay_with_their_figure(tmp_path):
    """A heading and its one-line lead-in near the foot of a page move to the next page with the figure
    that follows them, instead of staying alone at the bottom."""
    image = figure_output("pdf", (6, 4))
    filler = " ".join(["Filler words make a paragraph of some length here."] * 8)
    # Six paragraphs leave room on page 1 for the heading and its sentence (without the hint they stay
    # there, measured), not for the figure
    cells = [new_markdown_cell("# Figures"), *[new_markdown_cell(filler) for _ in range(6)]]
    cells += [new_markdown_cell("## The figure heading\n\nOne sentence leads into it."), new_code_cell("")]
    cells[-1].outputs = [image]
    pages = pdf_text(render(cells, "figures", tmp_path).pdf, "-layout").split("\f")
    holding = [number for number, page in enumerate(pages) if "The figure heading" in page]
    assert holding == [1]  # page 2, with its figure
    first_lines = [line.strip() for line in pages[1].splitlines() if line.strip()]
    assert first_lines[0] == "The figure heading"


def test_a_captioned_figure_floats_with_its_caption_and_gets_no_hint():
    """A figure with its caption is one LaTeX float (begin, figure, caption, end), never parted, and no
    `\\Needspace` moves the text before it: LaTeX moves the float instead (05's pages were left half empty
    by the hints that kept figures and their lead-ins together)."""
    from charrec.report import figure_caption
    from charrec.run_notebook import FLOAT_BEGIN, FLOAT_END, _with_figure_floats, _with_layout_hints

    cell = new_code_cell("")
    cell.outputs = [
        figure_output("pdf", (6, 3.2)),
        new_output("display_data", data=figure_caption("The first figure")),
        new_output("display_data", data={"text/markdown": "One sentence leads on.", "text/plain": "lead"}),
        figure_output("pdf", (6, 3)),
        new_output("display_data", data=figure_caption("The second figure")),
    ]
    hinted = _with_figure_floats(
        _with_layout_hints(new_notebook(cells=[new_markdown_cell("# Figures"), cell]))
    )

    def kind(output) -> str:
        latex = output.get("data", {}).get("text/latex", "")
        if latex in (FLOAT_BEGIN, FLOAT_END):
            return {FLOAT_BEGIN: "begin", FLOAT_END: "end"}[latex]
        if latex.startswith("\\captionof"):
            return "caption"
        if latex.startswith("\\Needspace"):
            return "hint"
        return "figure" if "application/pdf" in output.get("data", {}) else "text"

    assert [kind(output) for output in hinted.cells[1].outputs] == [
        *("begin", "figure", "caption", "end", "text"),
        *("begin", "figure", "caption", "end"),
    ]


def test_title_written_by_the_notebook_from_its_params(tmp_path):
    """A report whose title comes from a Markdown output (06 names the dataset it ran on) is titled by it."""
    title = new_output(
        "display_data",
        data={"text/markdown": "# Fashion-MNIST against MNIST\n\nIntro.", "text/plain": "title"},
    )
    cells = [new_code_cell("", outputs=[title]), new_markdown_cell("## A section")]
    outputs = render(cells, "built_title", tmp_path)
    info = subprocess.run(["pdfinfo", str(outputs.pdf)], capture_output=True, text=True, check=True).stdout
    assert re.search(r"^Title:\s+Fashion-MNIST against MNIST$", info, re.MULTILINE)
    assert "<title>Fashion-MNIST against MNIST</title>" in outputs.html.read_text(encoding="utf-8")
    assert pdf_text(outputs.pdf).count("Fashion-MNIST against MNIST") == 1  # on the title page only


def test_figures_carry_numbered_captions_in_html_and_pdf(tmp_path):
    """show_figure's captions: "Figure 1: ...", "Figure 2: ..." under the figures, in both reports."""
    from charrec.report import figure_caption

    def figure_outputs(caption: str) -> list:
        return [figure_output("png", (4, 2)), new_output("display_data", data=figure_caption(caption))]

    cells = [new_markdown_cell("# Captions"), new_code_cell(""), new_code_cell("")]
    cells[1].outputs = figure_outputs("Learning curves & loss")
    cells[2].outputs = figure_outputs("Confusion matrix")
    outputs = render(cells, "captions", tmp_path)
    text = " ".join(pdf_text(outputs.pdf).split())
    assert "Figure 1: Learning curves & loss" in text and "Figure 2: Confusion matrix" in text
    html_text = outputs.html.read_text(encoding="utf-8")
    assert html_text.count('class="figure-caption"') == 2 and 'content: "Figure "' in html_text


def test_negative_numbers_print_a_minus_sign_not_a_hyphen():
    table = pd.DataFrame({"difference (points)": [-0.27, 0.41], "note": ["-x", "y"]}, index=["a", "b"])
    latex = latex_table(*formatted_table(table, decimals=2))
    assert "$-$0.27" in latex and "-0.27" not in latex.replace("$-$0.27", "")
    assert "-x" in latex  # text keeps its hyphens
