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
import copy
import os
import re
import shutil
import sys
import tempfile
import warnings
from datetime import date
from pathlib import Path

import jupytext
import nbformat
import papermill
from jupyter_client.manager import AsyncKernelManager
from nbconvert import HTMLExporter, PDFExporter
from nbconvert.exporters.pdf import LatexFailed
from traitlets.config import Config

from .files import write_atomically
from .outputs import REPORT_STAGE_ENV, NotebookOutputs
from .params import SCHEMAS, ParamsError, check_parameters_cell, check_references, load_params

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

    async def _async_pre_start_kernel(self, **kw):
        command, kw = await super()._async_pre_start_kernel(**kw)
        kw["stderr"] = self.stderr_file
        return command, kw


def _print_kernel_stderr(stderr_file) -> None:
    """The kernel's stderr without the known noise (anything else, e.g. a crash, still shows)."""
    stderr_file.seek(0)
    text = KERNEL_NOISE.sub("", stderr_file.read().decode("utf-8", errors="replace")).strip("\n")
    if text.strip():
        print(text, file=sys.stderr)


def _title_cell_index(notebook) -> int | None:
    """The first markdown cell whose first line is a level-1 heading: it holds the report's title."""
    for index, cell in enumerate(notebook.cells):
        if cell.cell_type == "markdown":
            return index if cell.source.startswith("# ") else None
    return None


def _with_title(notebook):
    """The notebook with its report's title (its first `# ` heading) in its metadata, for the HTML `<title>`
    and the PDF's title page and Title metadata."""
    notebook = copy.deepcopy(notebook)
    index = _title_cell_index(notebook)
    if index is not None:
        notebook.metadata["title"] = notebook.cells[index].source.partition("\n")[0][2:].strip()
    return notebook


def _with_report_metadata(notebook):
    """Title and date for the LaTeX title page; the heading itself is dropped there to avoid a duplicate."""
    notebook = _with_title(notebook)
    notebook.metadata["date"] = date.today().isoformat()
    index = _title_cell_index(notebook)
    if index is not None:
        notebook.cells[index].source = notebook.cells[index].source.partition("\n")[2].lstrip("\n")
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


def render_reports(executed: Path, outputs: NotebookOutputs) -> None:
    notebook = _without_startup_chatter(nbformat.read(executed, as_version=4))
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
        _with_report_metadata(notebook), resources={"metadata": {"name": outputs.name}}
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


def _remove(paths: list[Path]) -> None:
    for path in paths:
        if path.is_dir():
            shutil.rmtree(path)
        else:
            path.unlink(missing_ok=True)


def run(name: str, root: Path = Path(".")) -> None:
    params_file = root / "params" / f"{name}.yaml"
    notebook_file = root / "notebooks" / f"{name}.py"
    if name not in SCHEMAS:
        raise ParamsError(f"no params schema for notebook '{name}'; known: {', '.join(sorted(SCHEMAS))}")
    params = load_params(params_file)
    if not notebook_file.is_file():
        raise FileNotFoundError(f"{notebook_file} does not exist")
    check_parameters_cell(notebook_file, SCHEMAS[name])
    check_references(name, params, root)
    outputs = NotebookOutputs(name, root=root)
    _remove(outputs.all_results() + [outputs.failed_notebook])
    # The kernel inherits it: read the trained runs, write into the project.
    os.environ[REPORT_STAGE_ENV] = "1"
    outputs.failed_notebook.parent.mkdir(parents=True, exist_ok=True)
    kernel_stderr = tempfile.TemporaryFile()
    kernel_manager = type("KernelManager", (_KernelStderrToFile,), {"stderr_file": kernel_stderr})
    try:
        # Papermill writes the notebook as it runs: while running (and after a failure) it is the
        # "failed" one; it becomes the executed notebook only once every cell has succeeded.
        papermill.execute_notebook(
            jupytext.read(notebook_file),
            str(outputs.failed_notebook),
            parameters=params.model_dump(mode="json"),
            kernel_name="python3",
            cwd=str(notebook_file.parent),
            progress_bar=False,
            # The kernel's own warnings (e.g. "running over TCP without encryption": a local kernel, ports
            # on 127.0.0.1) are no news to the reader of `dvc repro`; errors still show.
            extra_arguments=["--IPKernelApp.log_level=ERROR"],
            kernel_manager_class=kernel_manager,
        )
        outputs.executed_notebook.parent.mkdir(parents=True, exist_ok=True)
        os.replace(outputs.failed_notebook, outputs.executed_notebook)
        render_reports(outputs.executed_notebook, outputs)
        if not any(outputs.failed_notebook.parent.iterdir()):  # no other stage's failure kept there
            outputs.failed_notebook.parent.rmdir()
    except BaseException:
        if outputs.executed_notebook.exists():  # rendering failed: keep the notebook for debugging
            os.replace(outputs.executed_notebook, outputs.failed_notebook)
        _remove(outputs.all_results())
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
        run(args.name)
    except (ParamsError, FileNotFoundError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
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
