"""Execute one notebook with its params file and render it to HTML and PDF (a pipeline stage).

    python -m charrec.run_notebook 02_dense_baseline

1. validates `params/<name>.yaml` (seconds, before any kernel starts);
2. executes `notebooks/<name>.py` (jupytext) with papermill, inside `notebooks/`: the notebook reads
   the runs the training stage stored (`charrec.train`) and trains nothing;
3. renders the executed notebook, code hidden, to `reports/<name>.html` and `.pdf` (xelatex, A4).

A failed or interrupted run removes every result of the notebook (metrics, models, reports), so
nothing stale looks complete, and keeps the partially executed notebook in `reports/failed/`.
"""

import argparse
import base64
import copy
import logging
import math
import os
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import warnings
import zlib
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import jupytext
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbclient.exceptions import DeadKernelError
from nbconvert import HTMLExporter, PDFExporter
from nbconvert.exporters.pdf import LatexFailed
from traitlets.config import Config

from .availability import datasets_of, skip_message, unavailable
from .files import ForeignCodeError, check_own_code, project_root, write_atomically
from .metrics import write_metrics
from .outputs import NOTEBOOK_ENV, REPORT_STAGE_ENV, NotebookOutputs
from .params import ParamsError, check_parameters_cell, check_references, read_params, schema_for, validate
from .runlock import EX_TEMPFAIL, RunInProgress, run_lock
from .tools import ToolsMissing, check_report_tools
from .typography import with_units_kept

TEMPLATES = Path(__file__).parent / "templates"
# TensorFlow's C++ start-up lines (absl format, e.g. "I0000 00:00:17... port.cc:153] oneDNN custom operations
# are on") reach the kernel's stderr before TF_CPP_MIN_LOG_LEVEL applies; they are no part of a report.
STARTUP_CHATTER = re.compile(
    r"^(WARNING: All log messages before absl::InitializeLog\(\)|[IWE]\d{4} \d\d:\d\d:).*$", re.MULTILINE
)


# What the kernel process itself writes to its stderr and nobody needs on the terminal of `dvc repro`:
# TensorFlow's start-up lines and the kernel's "KeyboardInterrupt caught" as papermill stops it.
KERNEL_NOISE = re.compile(
    rf"{STARTUP_CHATTER.pattern}|^\[IPKernelApp\] ERROR \| KeyboardInterrupt caught in kernel\.$",
    re.MULTILINE,
)


class _KernelStderrToFile(AsyncKernelManager):
    """A kernel manager whose kernel writes its own stderr (file descriptor 2, where TensorFlow's C++
    start-up lines go) to `stderr_file` instead of the terminal; `run` prints what is left of it."""

    stderr_file = None
    processes: list = []  # the kernel processes started, for the exit status of a kernel that died

    async def _async_pre_start_kernel(self, **kw):
        command, kw = await super()._async_pre_start_kernel(**kw)
        kw["stderr"] = self.stderr_file
        return command, kw

    async def _async_launch_kernel(self, kernel_cmd, **kw):
        await super()._async_launch_kernel(kernel_cmd, **kw)
        process = getattr(self.provisioner, "process", None)
        if process is not None:
            self.processes.append(process)


KERNEL_START_TIMEOUT_ENV = "CHARREC_KERNEL_START_TIMEOUT"
DEFAULT_KERNEL_START_TIMEOUT = 120  # seconds; papermill's own default (60) is short on a busy 2-core machine


def kernel_start_timeout() -> float:
    """Seconds a kernel may take to start: CHARREC_KERNEL_START_TIMEOUT, else 120."""
    value = os.environ.get(KERNEL_START_TIMEOUT_ENV)
    if not value:
        return DEFAULT_KERNEL_START_TIMEOUT
    try:
        seconds = float(value)
    except ValueError:
        seconds = -1.0
    if seconds <= 0:
        raise ParamsError(f"{KERNEL_START_TIMEOUT_ENV}={value!r}: expected a number of seconds above 0")
    return seconds


class KernelStartTimeout(RuntimeError):
    """The kernel did not answer within the start-up timeout (it has been stopped)."""


class KernelDied(RuntimeError):
    """The kernel process ended while a cell ran (e.g. killed for lack of memory)."""


def _running_cell(path: Path) -> str:
    """'cell N (`first line`)' of the cell papermill marked as running in the notebook at `path`."""
    try:
        notebook = nbformat.read(path, as_version=4)
    except (OSError, ValueError):
        return "an unknown cell"
    # Papermill stamps each cell's start time as it starts it (and marks every cell completed at the end,
    # even after a dead kernel): the cell the kernel died in is the last one started.
    started = [
        (index, cell)
        for index, cell in enumerate(notebook.cells, start=1)
        if cell.get("metadata", {}).get("papermill", {}).get("start_time")
    ]
    if not started:
        return "an unknown cell"
    index, cell = started[-1]
    first = next((line for line in cell.source.splitlines() if line.strip()), "")
    return f"cell {index} (`{first[:60]}`)"


class _WithoutKernelDeathNoise(logging.Filter):
    """nbclient's log lines of a dead kernel ("Kernel died while waiting for execute reply.") and of a
    start timeout ("... Kernel didn't respond in N seconds"): the error says it, once."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        return not (message.startswith("Kernel died") or "Kernel didn't respond" in message)


def _death_cause(processes: list) -> str:
    """What the kernel's exit status says: a signal (9: most often the out-of-memory killer) or a code."""
    codes = [process.poll() if hasattr(process, "poll") else None for process in processes]
    code = next((code for code in reversed(codes) if code is not None), None)
    if code is None:
        return "the kernel stopped answering"
    if code < 0:
        try:
            name = signal.Signals(-code).name
        except ValueError:
            name = "an unknown signal"
        hint = (
            ": out of memory? (see `dmesg`; try a smaller CHARREC_JOBS or batch size)" if -code == 9 else ""
        )
        return f"killed by signal {-code} ({name}){hint}"
    return f"the kernel exited with status {code}"


def _print_kernel_stderr(stderr_file) -> None:
    """The kernel's stderr without the known noise (anything else, e.g. a crash, still shows)."""
    stderr_file.seek(0)
    text = KERNEL_NOISE.sub("", stderr_file.read().decode("utf-8", errors="replace")).strip("\n")
    if text.strip():
        print(text, file=sys.stderr)


def _title_location(notebook) -> tuple[int, int | None] | None:
    """Where the report's title is: the first markdown in reading order, a markdown cell or a code cell's
    Markdown output (a title built from the params), if its first line is a level-1 heading.
    Returns (cell, None) for a markdown cell, (cell, output) for an output."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            return (index, None) if cell.source.startswith("# ") else None
        for position, output in enumerate(cell.get("outputs", [])):
            text = output.get("data", {}).get("text/markdown")
            if text is not None:
                return (index, position) if text.startswith("# ") else None
    return None


def _title_text(notebook, location) -> str:
    cell, output = location
    if output is None:
        return notebook.cells[cell].source
    return notebook.cells[cell].outputs[output].data["text/markdown"]


def _with_title(notebook):
    """The notebook with its report's title (its first `# ` heading) in its metadata, for the HTML `<title>`
    and the PDF's title page and Title metadata."""
    notebook = copy.deepcopy(notebook)
    location = _title_location(notebook)
    if location is not None:
        notebook.metadata["title"] = _title_text(notebook, location).partition("\n")[0][2:].strip()
    return notebook


def _with_report_metadata(notebook):
    """Title and date for the LaTeX title page; the heading itself is dropped there to avoid a duplicate."""
    notebook = _with_title(notebook)
    notebook.metadata["date"] = date.today().isoformat()
    location = _title_location(notebook)
    if location is not None:
        rest = _title_text(notebook, location).partition("\n")[2].lstrip("\n")
        cell, output = location
        if output is None:
            notebook.cells[cell].source = rest
        else:
            notebook.cells[cell].outputs[output].data["text/markdown"] = rest
    return notebook


# The PDF's page (report_a4/index.tex.j2: A4, 2.2 cm margins, 11 pt) in points
LINE_WIDTH_PT = 472.0
TEXT_HEIGHT_PT = 720.0
PAPER_HEIGHT_PT = 845.0
# The template places a figure at its drawn size, shrunk only to fit these fractions of the line width and
# the text height (its `\adjustimage{max size={1.0\linewidth}{0.75\textheight}}`)
FIGURE_MAX_WIDTH = 1.0
FIGURE_MAX_HEIGHT = 0.75
FLOAT_BEGIN = "\\begin{figure}[htbp]"
FLOAT_END = "\\end{figure}"
BASELINE_PT = 13.6
INTEXT_SEPARATION_PT = 14.0  # \intextsep of the 11 pt article class (12 pt plus stretch)
CHARACTERS_PER_LINE = 95
MAX_LEAD_PT = 0.3 * TEXT_HEIGHT_PT  # text longer than this before a figure or table may part from it
# A paragraph longer than this (about 6 lines) is no lead-in: a heading above it stays with it (the template's
# \Needspace before headings), and the figure or table after it may start the next page.
MAX_LEAD_ITEM_PT = 6 * BASELINE_PT + 10.0
MARKDOWN_TABLE = re.compile(r"^\s*\|.*\|\s*$", re.MULTILINE)
MEDIA_BOX = re.compile(rb"/MediaBox\s*\[\s*([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s+([-\d.]+)\s*\]")
TABLE_ROW = re.compile(r"\\\\\n")


@dataclass
class _Block:
    """A piece of the PDF in reading order: text (a markdown cell or a text output) or a figure or table."""

    cell: int
    output: int | None  # None: the markdown cell itself
    height_pt: float
    is_text: bool
    is_heading: bool = False
    has_table: bool = False  # text with a markdown table (e.g. the provenance block): kept in one piece
    floating: bool = False  # a figure with its caption: a float, placed by LaTeX, never hinted


def _text_height(text: str) -> tuple[float, bool]:
    """Estimated height of rendered markdown in points, and whether it starts with a heading."""
    height = 0.0
    for paragraph in re.split(r"\n\s*\n", text.strip()):
        for line in paragraph.splitlines() or [""]:
            if line.startswith("#"):
                height += 34.0 - 4.0 * min(3, len(line) - len(line.lstrip("#")))
            else:
                height += BASELINE_PT * max(1, math.ceil(len(line) / CHARACTERS_PER_LINE))
        height += 6.0
    return height, text.lstrip().startswith("#")


def figure_scale(width_pt: float, height_pt: float) -> float:
    """The factor (at most 1) by which the PDF template shrinks a figure `width_pt` × `height_pt` points
    large (its drawn size): to fit `FIGURE_MAX_WIDTH` of the line and `FIGURE_MAX_HEIGHT` of the text."""
    return min(
        1.0, FIGURE_MAX_WIDTH * LINE_WIDTH_PT / width_pt, FIGURE_MAX_HEIGHT * TEXT_HEIGHT_PT / height_pt
    )


def figure_size_pt(pdf: bytes) -> tuple[float, float] | None:
    """Width and height in points of a PDF figure (its MediaBox), or None if it has none."""
    found = MEDIA_BOX.search(pdf)
    if found is None:
        return None
    x0, y0, x1, y1 = map(float, found.groups())
    return x1 - x0, y1 - y0


PDF_STREAM = re.compile(rb"stream\r?\n(.*?)\r?\nendstream", re.DOTALL)
PDF_FONT_SIZE = re.compile(rb"/[\w.+-]+\s+([\d.]+)\s+Tf\b")


def figure_text_sizes(pdf: bytes) -> list[float]:
    """The font size in points (at the figure's drawn size) of every text a matplotlib PDF figure draws:
    each `size Tf` operator of its content streams (matplotlib sets each text's size so, superscripts
    included, with an unscaled text matrix)."""
    sizes = []
    for stream in PDF_STREAM.findall(pdf):
        try:
            content = zlib.decompress(stream)
        except zlib.error:
            content = stream
        sizes += [float(size) for size in PDF_FONT_SIZE.findall(content)]
    return sizes


def _figure_height(pdf: str) -> float | None:
    """Height in points of a vector figure (base64) as the template places it, with its caption."""
    size = figure_size_pt(base64.b64decode(pdf))
    if size is None:
        return None
    return size[1] * figure_scale(*size) + 3 * BASELINE_PT  # and its caption below (up to two lines)


def _is_caption(output) -> bool:
    """Whether an output is a figure's caption (charrec.report.figure_caption)."""
    return output.get("data", {}).get("text/latex", "").startswith("\\captionof")


def _is_figure(output) -> bool:
    data = output.get("data", {})
    return "text/latex" not in data and any(key in data for key in ("application/pdf", "image/png"))


def _table_height(latex: str) -> float:
    """Height in points of charrec.report's table: caption, header and rows (the first rows of a long one),
    and the space LaTeX keeps above and below an in-text float (2 × \\intextsep, about 12 pt each)."""
    size = 9.0 if "\\footnotesize" in latex or "\\scriptsize" in latex else 10.0
    rows = len(TABLE_ROW.findall(latex))
    if "longtable" in latex:
        rows = min(rows, 8)
    return 2 * BASELINE_PT + rows * size * 1.25 + 12.0 + 2 * INTEXT_SEPARATION_PT


def _blocks(notebook) -> list[_Block]:
    blocks = []
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            height, heading = _text_height(cell.source)
            table = bool(MARKDOWN_TABLE.search(cell.source))
            blocks.append(_Block(index, None, height, True, heading, table))
            continue
        outputs = cell.get("outputs", [])
        for position, output in enumerate(outputs):
            data = output.get("data", {})
            latex = data.get("text/latex", "")
            if _is_caption(output):  # a figure's caption: counted in the figure's height
                continue
            captioned = position + 1 < len(outputs) and _is_caption(outputs[position + 1])
            if "\\begin{table}[htbp]" in latex:  # a captioned table: a float, like a captioned figure
                blocks.append(_Block(index, position, 0.0, False, floating=True))
            elif "\\begin{table}" in latex or "\\begin{longtable}" in latex:
                blocks.append(_Block(index, position, _table_height(latex), False))
            elif _is_figure(output) and captioned:
                blocks.append(_Block(index, position, 0.0, False, floating=True))
            elif "application/pdf" in data and _figure_height(data["application/pdf"]) is not None:
                blocks.append(_Block(index, position, _figure_height(data["application/pdf"]), False))
            elif "text/markdown" in data:
                height, heading = _text_height(data["text/markdown"])
                table = bool(MARKDOWN_TABLE.search(data["text/markdown"]))
                blocks.append(_Block(index, position, height, True, heading, table))
            elif output.get("output_type") == "stream" or "text/plain" in data:
                text = output.get("text", "") or data.get("text/plain", "")
                blocks.append(_Block(index, position, BASELINE_PT * (text.count("\n") + 1), True))
    return blocks


def _with_layout_hints(notebook):
    """The notebook with a `\\Needspace` before the text that leads into each long or uncaptioned table and
    uncaptioned figure (back to its heading, if that is near): the heading, the lead-in and the start of the
    table then begin a new page together instead of leaving the heading or its sentence alone at the foot
    of a page. A figure without such a lead-in gets its own `\\Needspace`. A captioned figure or (short)
    table is a float (`_with_figure_floats`, `charrec.report.latex_table`) and gets no hint: LaTeX moves
    it, not the text, to the next page."""
    notebook = copy.deepcopy(notebook)
    blocks = _blocks(notebook)
    hints: dict[tuple[int, int | None], float] = {}
    for position, block in enumerate(blocks):
        if block.has_table and block.height_pt <= 0.6 * TEXT_HEIGHT_PT:  # no row left alone on a page
            hints[(block.cell, block.output)] = block.height_pt
        if block.is_text or block.floating:
            continue
        # A figure (without a caption) or table that does not fit starts the next page: a caption is never
        # parted from its figure
        hints[(block.cell, block.output)] = min(block.height_pt, 0.95 * TEXT_HEIGHT_PT)
        lead: list[_Block] = []
        headings = 0
        for before in reversed(blocks[:position]):
            if (
                not before.is_text
                or before.height_pt > MAX_LEAD_ITEM_PT
                or sum(item.height_pt for item in lead) + before.height_pt > MAX_LEAD_PT
            ):
                break
            if headings and not before.is_heading:
                break
            lead.append(before)
            headings += before.is_heading
            if headings == 2:  # a section's heading and short introduction right above a subsection's
                break
        if lead:
            need = sum(item.height_pt for item in lead) + min(block.height_pt, 0.8 * TEXT_HEIGHT_PT)
            first = lead[-1]
            key = (first.cell, first.output)
            hints[key] = max(hints.get(key, 0.0), min(need, 0.95 * TEXT_HEIGHT_PT))
    # Insert from the end so that earlier output positions stay valid
    ordered = sorted(hints.items(), key=lambda item: (item[0][0], -1 if item[0][1] is None else item[0][1]))
    for (cell, output), need in reversed(ordered):
        command = f"\\Needspace{{{need:.0f}pt}}"
        if output is None:  # raw LaTeX in the markdown: pandoc passes it through to the PDF only
            notebook.cells[cell].source = f"{command}\n\n{notebook.cells[cell].source}"
        else:
            notebook.cells[cell].outputs.insert(
                output, nbformat.v4.new_output("display_data", data={"text/latex": command})
            )
    return notebook


def _with_figure_floats(notebook):
    """The notebook with each captioned figure and its caption wrapped in a LaTeX float (`FLOAT_BEGIN` ...
    `FLOAT_END` outputs around them): placed here if it fits, else at the top of the next page while the
    text after it fills this one (report_a4 keeps floats within their section)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        outputs = cell.get("outputs", [])
        wrapped = []
        for position, output in enumerate(outputs):
            captioned = position + 1 < len(outputs) and _is_caption(outputs[position + 1])
            if _is_figure(output) and captioned:
                wrapped.append(nbformat.v4.new_output("display_data", data={"text/latex": FLOAT_BEGIN}))
            wrapped.append(output)
            if _is_caption(output) and position > 0 and _is_figure(outputs[position - 1]):
                wrapped.append(nbformat.v4.new_output("display_data", data={"text/latex": FLOAT_END}))
        if cell.cell_type == "code":
            cell.outputs = wrapped
    return notebook


class MissingGlyphsWarning(UserWarning):
    """Characters of a report that no font of the PDF has: they are missing (or boxes) in the PDF."""


MISSING_CHARACTER = re.compile(r"Missing character: There is no (.+?) (?:\(U\+([0-9A-F]+)\) )?in font")


class ReportPDFExporter(PDFExporter):
    """nbconvert's PDF exporter that also reads the LaTeX log for characters no font has."""

    missing_characters: list[str] = []

    def run_latex(self, filename, raise_on_failure=LatexFailed):
        result = super().run_latex(filename, raise_on_failure)
        log = Path(filename).with_suffix(".log")
        if log.is_file():
            found = MISSING_CHARACTER.findall(log.read_text(encoding="utf-8", errors="replace"))
            codes = {chr(int(code, 16)) if code else character for character, code in found}
            self.missing_characters = sorted(codes)
        return result


def _without_startup_chatter(notebook):
    """The notebook with TensorFlow's start-up lines removed from its stderr outputs (the executed
    notebook keeps them, for debugging)."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        kept = []
        for output in cell.get("outputs", []):
            if output.get("output_type") == "stream" and output.get("name") == "stderr":
                output["text"] = STARTUP_CHATTER.sub("", output["text"]).strip("\n")
                if not output["text"].strip():
                    continue
            kept.append(output)
        if cell.cell_type == "code":
            cell.outputs = kept
    return notebook


def _with_units_kept(notebook):
    """The notebook with its prose's numbers kept on one line with their units (markdown cells and Markdown
    outputs; `charrec.report.with_units_kept`): no line of either report ends between "99.58" and "%"."""
    notebook = copy.deepcopy(notebook)
    for cell in notebook.cells:
        if cell.cell_type == "markdown":
            cell.source = with_units_kept(cell.source)
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "text/markdown" in data:
                data["text/markdown"] = with_units_kept(data["text/markdown"])
    return notebook


def render_reports(executed: Path, outputs: NotebookOutputs) -> None:
    notebook = _with_units_kept(_without_startup_chatter(nbformat.read(executed, as_version=4)))
    config = Config()
    config.TemplateExporter.exclude_input = True
    config.TemplateExporter.exclude_input_prompt = True
    config.TemplateExporter.exclude_output_prompt = True
    config.TemplateExporter.extra_template_basedirs = [str(TEMPLATES)]
    html_exporter = HTMLExporter(config=config, template_name="report_html")
    html, _ = html_exporter.from_notebook_node(
        _with_title(notebook), resources={"metadata": {"name": outputs.name}}
    )
    write_atomically(outputs.html, html)

    config.PDFExporter.latex_count = 2  # xelatex twice: references and page layout settle
    pdf_exporter = ReportPDFExporter(config=config, template_name="report_a4")
    pdf, _ = pdf_exporter.from_notebook_node(
        _with_figure_floats(_with_layout_hints(_with_report_metadata(notebook))),
        resources={"metadata": {"name": outputs.name}},
    )
    write_atomically(outputs.pdf, pdf)
    if pdf_exporter.missing_characters:
        characters = ", ".join(f"{c} (U+{ord(c):04X})" for c in pdf_exporter.missing_characters)
        warnings.warn(
            f"{outputs.pdf}: no font has these characters, they are missing from the PDF: {characters}"
            " (for Japanese and Chinese, install fonts-noto-cjk)",
            MissingGlyphsWarning,
            stacklevel=2,
        )


def render_not_available(notebook_file: Path, missing: dict[str, str], outputs: NotebookOutputs) -> None:
    """The report of a notebook whose data this machine lacks: its title and one page saying which
    dataset is missing and how to provide it; metrics that record it (`available: false`, no models)."""
    notebook = jupytext.read(notebook_file)
    location = _title_location(notebook)
    title = _title_text(notebook, location).partition("\n")[0] if location else ""
    if not title.startswith("# "):  # a title built by the notebook's code from data it cannot read
        title = f"# {outputs.name.replace('_', ' ', 1).replace('_', ' ').capitalize()}: not run"
    names = ", ".join(f"`{dataset}`" for dataset in missing)
    fixes = "\n".join(
        f"- **{dataset}**: {reason.removeprefix('Fix: ')}" for dataset, reason in missing.items()
    )
    text = (
        f"{title}\n\n**Not run on this machine: the dataset {names} is not available.** This report holds "
        "no results. The data stage found no source for the files (no local folder, no network); nothing "
        "was trained and no number below this line exists.\n\n"
        f"To provide the data:\n\n{fixes}\n\n"
        "Then run `dvc repro` again: the data stage looks for the files on every run, and once they are "
        "there this notebook trains and reports as usual."
    )
    stub = nbformat.v4.new_notebook(cells=[nbformat.v4.new_markdown_cell(text)])
    stub.metadata = notebook.metadata
    _remove(outputs.all_results() + [outputs.failed_notebook])
    try:
        write_atomically(outputs.executed_notebook, nbformat.writes(stub))
        render_reports(outputs.executed_notebook, outputs)
        outputs.curves_dir.mkdir(parents=True, exist_ok=True)
        write_metrics(outputs.metrics_file, next(iter(missing)), {}, available=False, reasons=dict(missing))
    except BaseException:
        _remove(outputs.all_results())
        raise


def _with_python_kernel(notebook):
    """The notebook with the project's Python kernel named in its metadata, if its file names none (a new
    notebook written as plain percent-format text has no jupytext header)."""
    notebook.metadata.setdefault(
        "kernelspec", {"name": "python3", "display_name": "Python 3", "language": "python"}
    )
    notebook.metadata.setdefault("language_info", {"name": "python"})
    return notebook


def _in_report_list(root: Path, name: str) -> bool:
    """Whether dvc.yaml's `report` stage lists notebook `name` (its outputs then include metrics files)."""
    import yaml

    stages = (yaml.safe_load((Path(root) / "dvc.yaml").read_text(encoding="utf-8")) or {}).get("stages", {})
    return name in ((stages.get("report") or {}).get("foreach") or [])


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def _restore_committed(paths: list[Path], root: Path) -> None:
    """Put back the git-tracked files among `paths` (the committed metrics of the previous run) as the
    index holds them: a failed report stage leaves no stale results, and deletes nothing committed."""
    try:
        listed = subprocess.run(
            ["git", "ls-files", "-z", "--", *map(str, paths)], cwd=root, capture_output=True, timeout=60
        )
        tracked = [name for name in listed.stdout.decode().split("\0") if name]
        if listed.returncode == 0 and tracked:
            subprocess.run(["git", "checkout-index", "-f", "--", *tracked], cwd=root, capture_output=True)
    except (OSError, subprocess.SubprocessError):  # no git: nothing is committed here either
        pass


def _execute(name: str, failed: Path, processes: list, timeout: float, *arguments, **options) -> None:
    """papermill.execute_notebook, with a dead kernel and a kernel start timeout as one-line errors."""
    noise = _WithoutKernelDeathNoise()
    loggers = [logging.getLogger(name) for name in ("papermill", "traitlets", "NotebookClient")]
    for logger in loggers:
        logger.addFilter(noise)
    try:
        papermill.execute_notebook(*arguments, **options)
    except DeadKernelError:
        raise KernelDied(
            f"notebook {name}: the kernel died in {_running_cell(failed)}: {_death_cause(processes)}"
        ) from None
    except (RuntimeError, TimeoutError) as error:
        if "didn't respond" not in str(error) and not isinstance(error, TimeoutError):
            raise
        for process in processes:  # none left running (nbclient has normally stopped it already)
            if process.poll() is None:
                process.kill()
                process.wait()
        raise KernelStartTimeout(
            f"notebook {name}: the kernel did not start within {timeout:g} s and was stopped; on a "
            f"busy machine allow it more time: {KERNEL_START_TIMEOUT_ENV}=SECONDS (default "
            f"{DEFAULT_KERNEL_START_TIMEOUT})"
        ) from None
    finally:
        for logger in loggers:
            logger.removeFilter(noise)


def run(name: str, root: Path = Path(".")) -> None:
    start_timeout = kernel_start_timeout()  # a bad setting stops here, before anything is removed
    params_file = root / "params" / f"{name}.yaml"
    notebook_file = root / "notebooks" / f"{name}.py"
    params = validate(schema_for(name), read_params(params_file), str(params_file))
    if not notebook_file.is_file():
        raise FileNotFoundError(f"{notebook_file} does not exist")
    check_parameters_cell(notebook_file)
    check_references(name, params, root)
    check_report_tools(name)  # xelatex, pandoc, the LaTeX packages and fonts: before any work
    outputs = NotebookOutputs(name, root=root)
    missing = unavailable(root, datasets_of(name, params))
    if missing:
        print(skip_message(name, missing), file=sys.stderr)
        render_not_available(notebook_file, missing, outputs)
        return
    _remove(outputs.all_results() + [outputs.failed_notebook])
    # The kernel inherits it: read the trained runs, write into the project.
    os.environ[REPORT_STAGE_ENV] = "1"
    os.environ[NOTEBOOK_ENV] = name  # the closing section names this report's commands and files
    # The kernel runs in notebooks/: a relative PYTHONPATH (the stages' `PYTHONPATH=lib`) would not reach
    # this checkout's library there, and the kernel would import another checkout's code.
    entries = [entry for entry in os.environ.get("PYTHONPATH", "").split(os.pathsep) if entry]
    absolute = [str(Path(root).resolve() / "lib")] + [str(Path(entry).resolve()) for entry in entries]
    os.environ["PYTHONPATH"] = os.pathsep.join(dict.fromkeys(absolute))
    outputs.failed_notebook.parent.mkdir(parents=True, exist_ok=True)
    kernel_stderr = tempfile.TemporaryFile()
    processes: list = []
    kernel_manager = type(
        "KernelManager", (_KernelStderrToFile,), {"stderr_file": kernel_stderr, "processes": processes}
    )
    try:
        # Papermill writes the notebook as it runs: while running (and after a failure) it is the
        # "failed" one; it becomes the executed notebook only once every cell has succeeded.
        _execute(
            name,
            outputs.failed_notebook,
            processes,
            start_timeout,
            _with_python_kernel(jupytext.read(notebook_file)),
            str(outputs.failed_notebook),
            # the notebook reads params/NAME.yaml itself; a variant saved in the notebook is overridden
            parameters={"variant": {}},
            kernel_name="python3",
            cwd=str(notebook_file.parent),
            progress_bar=False,
            # The kernel's own warnings (e.g. "running over TCP without encryption": a local kernel, ports
            # on 127.0.0.1) are no news to the reader of `dvc repro`; errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=kernel_manager,
            start_timeout=start_timeout,
        )
        outputs.executed_notebook.parent.mkdir(parents=True, exist_ok=True)
        os.replace(outputs.failed_notebook, outputs.executed_notebook)
        if not outputs.metrics_file.exists() and _in_report_list(root, name):
            write_metrics(outputs.metrics_file, "", {})  # the report stage's declared metrics: no models
        outputs.curves_dir.mkdir(parents=True, exist_ok=True)  # a stage output, empty without curves
        render_reports(outputs.executed_notebook, outputs)
        if not any(outputs.failed_notebook.parent.iterdir()):  # no other stage's failure kept there
            outputs.failed_notebook.parent.rmdir()
    except BaseException:
        if outputs.executed_notebook.exists():  # rendering failed: keep the notebook for debugging
            os.replace(outputs.executed_notebook, outputs.failed_notebook)
        _remove(outputs.all_results())
        _restore_committed(outputs.all_results(), root)
        raise
    finally:
        _print_kernel_stderr(kernel_stderr)
        kernel_stderr.close()


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help="the notebook's file stem, e.g. 02_dense_baseline")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")  # keep TensorFlow's start-up chatter out of the logs
    try:
        # From any subfolder: paths (and the messages naming them) are the project's, as in a stage.
        os.chdir(project_root())
        check_own_code(Path("."))
        with run_lock(Path(".")):  # a second run in this checkout stops here, before anything is removed
            run(args.name)
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    except (ParamsError, FileNotFoundError, ToolsMissing, ForeignCodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (KernelDied, KernelStartTimeout) as error:
        failed = NotebookOutputs(args.name, root=Path(".")).failed_notebook
        died = isinstance(error, KernelDied) and failed.is_file()
        kept = f"\nThe partially executed notebook is kept at {failed}" if died else ""
        print(f"error: {error}{kept}", file=sys.stderr)
        return 1
    except papermill.PapermillExecutionError as error:
        failed = NotebookOutputs(args.name, root=Path(".")).failed_notebook
        print(
            f"error: notebook {args.name} failed in cell {error.exec_count}: {error.ename}: {error.evalue}\n"
            f"The partially executed notebook is kept at {failed}",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
