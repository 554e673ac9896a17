"""Helpers that make an executed notebook read like a report in HTML and in LaTeX/PDF."""

import html
import os
import platform
import re
import shutil
import subprocess
import time
import unicodedata
import warnings
from dataclasses import dataclass
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
from IPython.display import Markdown, display
from matplotlib import font_manager
from matplotlib_inline.backend_inline import set_matplotlib_formats

from .datasets import KMNIST_GLYPHS, KMNIST_ROMAJI
from .figures import use_report_style
from .files import project_root
from .outputs import NOTEBOOK_ENV
from .typography import NO_BREAK_SPACE, with_units_kept

REPORTED_PACKAGES = (
    "tensorflow-cpu",
    "tensorflow",
    "keras",
    "numpy",
    "scikit-learn",
    "papermill",
    "nbconvert",
    "dvc",
)
CJK_FONTS = ("Noto Sans CJK JP", "Noto Sans JP", "IPAGothic", "IPAexGothic", "TakaoGothic")
TEXT_WIDTH_PT = 472.0  # A4 less the report template's 2.2 cm margins (report_a4/index.tex.j2)
COLUMN_PADDING_PT = 12.0  # 2 \tabcolsep
FONT_SIZES = (("", 10.95), ("\\small", 10.0), ("\\footnotesize", 9.0))  # the 11 pt article class
SMALLEST_SIZE_PT = 8.0  # a table is never scaled below this (\scriptsize)
LONG_TABLE_ROWS = 40  # longer tables break across pages (longtable, header repeated)
WRAP_MIN_EM = 8.0  # text columns wider than this may wrap when a table is too wide
WRAPPED_MIN_EM = 6.0  # ... but not narrower than this (or their longest unbreakable piece)
THROUGHPUT_COLUMN = re.compile(r"\bimages? per second\b|\bimages?/s\b|\bper second\b", re.IGNORECASE)
SECONDS_COLUMN = re.compile(r"\bseconds?\b|\bs per run\b|\bs/run\b|\(s\)", re.IGNORECASE)
INTEGER_COLUMN = re.compile(
    r"\b(counts?|parameters|params|epochs?|support|seeds|runs|images|misclassified|errors)\b", re.IGNORECASE
)
# Accuracies and their kin, stored as fractions, print as percentages (header "... (%)"); differences of
# them (a train - validation gap, a gain) print as percentage points. Columns already in % or points stay.
PERCENT_COLUMN = re.compile(r"\b(accurac(y|ies)|precision|recall|f1|share)\b", re.IGNORECASE)
POINTS_COLUMN = re.compile(r"\b(gap|gain)\b", re.IGNORECASE)
ALREADY_SCALED = re.compile(r"%|\bpp\b|\bpoints?\b", re.IGNORECASE)
BREAK_POINTS = re.compile(r"\s+|(?<=[_/-])")  # where a wrapping column may break a line
LATEX_SPECIALS = {
    NO_BREAK_SPACE: "~",
    "\\": r"\textbackslash{}",
    "&": r"\&",
    "%": r"\%",
    "$": r"\$",
    "#": r"\#",
    "_": r"\_",
    "{": r"\{",
    "}": r"\}",
    "~": r"\textasciitilde{}",
    "^": r"\textasciicircum{}",
}


def setup_notebook() -> float:
    """Figure formats (PNG for HTML, vector PDF for LaTeX), a readable style and a CJK fallback font.

    Returns the start time, for the wall time in the provenance block.
    """
    set_matplotlib_formats("png", "pdf")
    use_report_style()
    installed = {font.name for font in font_manager.fontManager.ttflist}
    matplotlib.rcParams["font.family"] = ["DejaVu Sans", *[name for name in CJK_FONTS if name in installed]]
    matplotlib.rcParams["figure.dpi"] = 110
    pd.options.display.float_format = "{:.4f}".format
    return time.perf_counter()


def has_cjk_font() -> bool:
    installed = {font.name for font in font_manager.fontManager.ttflist}
    return any(name in installed for name in CJK_FONTS)


def printable_class_names(class_names: tuple[str, ...]) -> tuple[str, ...]:
    """The class names for figures: the glyphs when a CJK font is installed, else romaji (with a warning)."""
    if all(name.isascii() for name in class_names) or has_cjk_font():
        return class_names
    romaji = dict(zip(KMNIST_GLYPHS, KMNIST_ROMAJI))
    warnings.warn("No CJK font found (install fonts-noto-cjk): figures label classes in romaji", stacklevel=2)
    return tuple(romaji.get(name, name.encode("unicode_escape").decode()) for name in class_names)


def sentence_case(caption: str) -> str:
    """A caption as every caption starts: with a capital ("max-norm radius sweep" -> "Max-norm radius
    sweep"); the rest is left as written (model and dataset names keep their case)."""
    return caption[:1].upper() + caption[1:]


def figure_caption(caption: str) -> dict:
    """The display bundle of a numbered figure caption: "Figure N: caption" in the HTML report (the
    template's CSS counter) and in the PDF (LaTeX's figure counter)."""
    caption = with_units_kept(sentence_case(caption))
    return {
        "text/html": f'<p class="figure-caption">{html.escape(caption)}</p>',
        "text/latex": f"\\captionof{{figure}}{{{_latex_escape(caption)}}}",
        "text/plain": f"Figure: {caption}",
    }


def show_figure(figure: plt.Figure, caption: str | None = None) -> None:
    """Display a figure and close it; with `caption`, a numbered caption below it (`figure_caption`)."""
    display(figure)
    plt.close(figure)
    if caption:
        display(figure_caption(caption), raw=True)


def p_value_text(p: float) -> str:
    """A p-value as reports print it, in tables and prose alike: three decimals, or "< 0.001" below that
    (the APA style's convention)."""
    return "< 0.001" if p < 0.001 else f"{p:.3f}"


def _is_number(value) -> bool:
    return isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(
        value, (bool, np.bool_)
    )


def _label(name) -> str:
    return " / ".join(map(str, name)) if isinstance(name, tuple) else ("" if name is None else str(name))


def _fraction_scale(name, values) -> str | None:
    """The header's unit, ' (%)' or ' (points)', when the column holds accuracies (or differences of them) as
    fractions: they print as percentages with two decimals, the same form as the prose."""
    label = _label(name)
    numbers = [float(value) for value in values if _is_number(value) and not pd.isna(value)]
    if not numbers or ALREADY_SCALED.search(label) or max(abs(number) for number in numbers) > 1:
        return None
    if POINTS_COLUMN.search(label):
        return " (points)"
    if PERCENT_COLUMN.search(label) and min(numbers) >= 0:
        return " (%)"
    return None


def _column_format(name, values: pd.Series, decimals: int):
    """The format of a column's numbers (a function of the number), by what it holds: accuracies (and
    precision, recall, F1, shares) as percentages with two decimals and gaps between them in points,
    throughput and counts as integers, seconds with one decimal, everything else with `decimals` (all with
    thousands separators)."""
    label = _label(name)
    numbers = [value for value in values if _is_number(value) and not pd.isna(value)]
    if _fraction_scale(name, values):
        return lambda value: f"{100 * value:,.2f}"
    if THROUGHPUT_COLUMN.search(label):
        return "{:,.0f}".format
    if SECONDS_COLUMN.search(label):
        return "{:,.1f}".format
    whole = bool(numbers) and all(float(value).is_integer() for value in numbers)
    integer_typed = bool(numbers) and all(isinstance(value, (int, np.integer)) for value in numbers)
    # A float column of whole numbers (pandas' 575,050.0000) holds counts, unless it could be a fraction
    # that happens to be 0 or 1 (an accuracy, a precision).
    if integer_typed or (
        whole and (max(abs(float(value)) for value in numbers) > 1 or INTEGER_COLUMN.search(label))
    ):
        return "{:,.0f}".format
    if numbers and INTEGER_COLUMN.search(label):  # counts and a mean of them: 163 and 96.7
        return lambda value: f"{value:,.0f}" if float(value).is_integer() else f"{value:,.1f}"
    return f"{{:,.{decimals}f}}".format


def _cell_text(value, number_format) -> str:
    if _is_number(value):
        return "–" if pd.isna(value) else number_format(value)
    return "–" if value is None or (isinstance(value, float) and pd.isna(value)) else str(value)


def _index_text(value) -> str:
    if _is_number(value) and not pd.isna(value):
        return f"{value:g}" if isinstance(value, (float, np.floating)) else str(value)
    return _cell_text(value, "{}".format)


def _with_unit(name, unit: str | None):
    if unit is None:
        return name
    return (*name[:-1], f"{name[-1]}{unit}") if isinstance(name, tuple) else f"{name}{unit}"


def formatted_table(table: pd.DataFrame, decimals: int = 4) -> tuple[pd.DataFrame, list[bool]]:
    """The table's cells and index as the report prints them (strings), and which columns are numeric."""
    shown = table.copy()
    numeric = []
    headers = []
    for position in range(table.shape[1]):
        values = table.iloc[:, position]
        number_format = _column_format(table.columns[position], values, decimals)
        shown.isetitem(position, [_cell_text(value, number_format) for value in values])
        present = [value for value in values if not (value is None or (_is_number(value) and pd.isna(value)))]
        numeric.append(bool(present) and all(_is_number(value) for value in present))
        headers.append(_with_unit(table.columns[position], _fraction_scale(table.columns[position], values)))
    shown.columns = (
        pd.MultiIndex.from_tuples(headers, names=table.columns.names)
        if isinstance(table.columns, pd.MultiIndex)
        else pd.Index(headers, name=table.columns.name)
    )
    if isinstance(table.index, pd.MultiIndex):
        shown.index = pd.MultiIndex.from_tuples(
            [tuple(map(_index_text, key)) for key in table.index], names=table.index.names
        )
    else:
        shown.index = pd.Index([_index_text(key) for key in table.index], name=table.index.name)
    return shown, numeric


def _latex_escape(text: str) -> str:
    return "".join(LATEX_SPECIALS.get(character, character) for character in text)


def _em(text: str) -> float:
    """Estimated width of a line of text in em (Latin Modern; East Asian wide characters are 1 em)."""
    width = 0.0
    for character in text:
        if unicodedata.east_asian_width(character) in ("W", "F"):
            width += 1.0
        elif character in "ijlt.,:;'!|()[] ":
            width += 0.3
        elif character.isupper() or character in "mwMW%±×—":
            width += 0.75
        else:
            width += 0.5
    return width


@dataclass
class _Column:
    header: str
    cells: list[str]
    numeric: bool
    width_pt: float | None = None  # a wrapping (p) column of this width
    stacked_header: bool = False  # the header on two lines

    def natural_em(self) -> float:
        header = max(map(_em, self._header_lines())) if self.header else 0.0
        return max([header, *map(_em, self.cells)])

    def longest_word_em(self) -> float:
        """The widest piece a wrapping column cannot break (it breaks at spaces, after _ / and -)."""
        pieces = [piece for text in [self.header, *self.cells] for piece in BREAK_POINTS.split(text)]
        return max(map(_em, pieces), default=0.0)

    def cell_latex(self, text: str) -> str:
        escaped = _latex_escape(with_units_kept(text))
        if self.numeric and escaped.startswith("-"):
            return "$-$" + escaped[1:]  # a minus sign, not a hyphen
        if self.width_pt is None:
            return escaped
        return re.sub(r"(\\_|/|-)", lambda match: match.group(1) + "\\allowbreak{}", escaped)

    def _header_lines(self) -> list[str]:
        words = self.header.split()
        if not self.stacked_header or len(words) < 2:
            return [self.header]
        # Two lines, split where they are closest to equal
        split = min(
            range(1, len(words)), key=lambda i: abs(_em(" ".join(words[:i])) - _em(" ".join(words[i:])))
        )
        return [" ".join(words[:split]), " ".join(words[split:])]

    def spec(self) -> str:
        if self.width_pt is not None:
            return f">{{\\raggedright\\arraybackslash}}p{{{self.width_pt:.0f}pt}}"
        return "r" if self.numeric else "l"

    def header_latex(self) -> str:
        lines = [_latex_escape(line) for line in self._header_lines()]
        if len(lines) == 1:
            return lines[0]
        align = "r" if self.numeric else "l"
        return f"\\begin{{tabular}}[b]{{@{{}}{align}@{{}}}}{lines[0]}\\\\{lines[1]}\\end{{tabular}}"


def _width_pt(columns: list[_Column], size: float) -> float:
    return sum(
        (column.width_pt if column.width_pt is not None else column.natural_em() * size) + COLUMN_PADDING_PT
        for column in columns
    )


def _wrap_text_columns(columns: list[_Column], size: float) -> None:
    """Give the widest text columns wrapping widths so that the table fits the line, if it can."""
    candidates = [column for column in columns if not column.numeric and column.natural_em() > WRAP_MIN_EM]
    if not candidates:
        return
    fixed = _width_pt([column for column in columns if column not in candidates], size)
    available = TEXT_WIDTH_PT - fixed - COLUMN_PADDING_PT * len(candidates)
    natural = [column.natural_em() * size for column in candidates]
    floors = [
        max(column.longest_word_em(), min(column.natural_em(), WRAPPED_MIN_EM)) * size
        for column in candidates
    ]

    def widths(cap: float) -> list[float]:
        return [min(width, max(cap, floor)) for width, floor in zip(natural, floors)]

    low, high = 0.0, max(natural)
    for _ in range(40):  # the largest cap on the wrapped widths that fits
        middle = (low + high) / 2
        low, high = (middle, high) if sum(widths(middle)) <= available else (low, middle)
    for column, width in zip(candidates, widths(low)):
        if width < column.natural_em() * size - 0.5:
            column.width_pt = width


def latex_table(shown: pd.DataFrame, numeric: list[bool], caption: str | None = None) -> str:
    """A booktabs table for the report's LaTeX template: as large a font as fits the line (normal, small,
    footnote size), then wrapped text columns and two-line headers, and only then scaled down, never below
    8 pt (`\\reportfit`, defined in the template). Long tables break across pages, header repeated; a
    shorter one with a caption is a float ([htbp]), one without stays where it is ([H])."""
    index_names = [_label(name) for name in shown.index.names]
    columns = [
        _Column(name, [str(key[level]) if isinstance(key, tuple) else str(key) for key in shown.index], False)
        for level, name in enumerate(index_names)
    ]
    if not any(index_names) and all(column.natural_em() == 0 for column in columns):
        columns = []  # an empty index prints nothing
    columns += [
        _Column(_label(name), list(shown.iloc[:, position]), numeric[position])
        for position, name in enumerate(shown.columns)
    ]
    size_command, size = FONT_SIZES[-1]
    for size_command, size in FONT_SIZES:
        if _width_pt(columns, size) <= TEXT_WIDTH_PT:
            break
    else:
        _wrap_text_columns(columns, size)
        if _width_pt(columns, size) > TEXT_WIDTH_PT:  # headers on two lines, and wrap again in the room won
            for column in columns:
                column.stacked_header = column.width_pt is None and " " in column.header
                column.width_pt = None
            _wrap_text_columns(columns, size)
    long = len(shown) > LONG_TABLE_ROWS
    if long and _width_pt(columns, size) > TEXT_WIDTH_PT:
        size_command, size = "\\scriptsize", SMALLEST_SIZE_PT  # a longtable cannot be scaled
    spec = "".join(column.spec() for column in columns)
    header_rows = []
    index_levels = len(columns) - len(shown.columns)
    if shown.columns.name is not None:
        first, last = index_levels + 1, len(columns)
        name = _latex_escape(_label(shown.columns.name))
        header_rows.append(
            " & " * index_levels
            + f"\\multicolumn{{{len(shown.columns)}}}{{c}}{{{name}}} \\\\\n"
            + f"\\cmidrule(lr){{{first}-{last}}}"
        )
    header_rows.append(" & ".join(column.header_latex() for column in columns) + " \\\\")
    header = "\\toprule\n" + "\n".join(header_rows) + "\n\\midrule\n"
    rows = "".join(
        " & ".join(column.cell_latex(column.cells[row]) for column in columns) + " \\\\\n"
        for row in range(len(shown))
    )
    escaped_caption = _latex_escape(caption) if caption else None
    if long:
        first_head = (
            (f"\\caption{{{escaped_caption}}} \\\\\n" if caption else "") + header + "\\endfirsthead\n"
        )
        head = (
            (f"\\caption[]{{{escaped_caption} (continued)}} \\\\\n" if caption else "")
            + header
            + "\\endhead\n"
        )
        foot = (
            f"\\midrule\n\\multicolumn{{{len(columns)}}}{{r}}{{\\itshape continued on the next page}} \\\\\n"
            "\\endfoot\n\\bottomrule\n\\endlastfoot\n"
        )
        flag = "\\global\\reportcaptionedtrue\n" if caption else ""
        return (
            f"{{{size_command}\n{flag}\\begin{{longtable}}{{{spec}}}\n{first_head}{head}{foot}{rows}"
            "\\end{longtable}\n}\n"
        )
    minimum_scale = SMALLEST_SIZE_PT / size
    # A captioned table floats like a captioned figure (here if it fits, else at the top of the next page,
    # within its section): the text after it fills the page instead of leaving it half empty
    placement = "htbp" if caption else "H"
    return (
        f"\\begin{{table}}[{placement}]\n\\centering\n"
        + (f"\\caption{{{escaped_caption}}}\n" if caption else "")
        + f"\\reportfit{{{minimum_scale:.3f}}}{{{size_command}\\begin{{tabular}}{{{spec}}}\n{header}{rows}"
        + "\\bottomrule\n\\end{tabular}}\n\\end{table}\n"
    )


def show_table(table: pd.DataFrame, caption: str | None = None, decimals: int = 4) -> None:
    """Display a table as HTML (for the HTML report) and as a booktabs LaTeX table (for the PDF).

    Numbers are formatted by what their column holds (see `_column_format`): accuracies in % with two
    decimals (the header says "(%)"), counts as integers, seconds with one decimal, images per second as
    integers, the rest with `decimals` decimals. The caption starts with a capital (`sentence_case`).
    """
    caption = with_units_kept(sentence_case(caption)) if caption else caption
    shown, numeric = formatted_table(table, decimals)
    style = (
        shown.style.format(escape="html")
        .format_index(escape="html", axis=0)
        .format_index(escape="html", axis=1)
    )
    if caption:
        style = style.set_caption(caption)
    # Numbers right-aligned, by column position (works for any index, unique or not).
    style = style.set_table_styles(
        [
            {"selector": f"td.col{position}", "props": "text-align: right"}
            for position, is_numeric in enumerate(numeric)
            if is_numeric
        ],
        overwrite=False,
    )
    display(
        {
            "text/html": style.to_html(),
            "text/latex": latex_table(shown, numeric, caption),
            "text/plain": shown.to_string(),
        },
        raw=True,
    )


# Layer types as a reader knows them: the project's fused batch normalization is Keras' layer, computed in
# one step (charrec.models.layers)
LAYER_TYPE_NAMES = {"FusedBatchNormalization": "BatchNormalization"}


def model_summary(model) -> pd.DataFrame:
    """One row per layer with its type, output shape and trainable / non-trainable parameter counts."""
    rows = []
    for layer in model.layers:
        trainable = sum(int(w.numpy().size) for w in layer.trainable_weights)
        frozen = sum(int(w.numpy().size) for w in layer.non_trainable_weights)
        rows.append(
            {
                "layer": layer.name,
                "type": LAYER_TYPE_NAMES.get(type(layer).__name__, type(layer).__name__),
                "output shape": str(tuple(layer.output.shape[1:])),
                "trainable": trainable,
                "non-trainable": frozen,
            }
        )
    table = pd.DataFrame(rows).set_index("layer")
    table.loc["total"] = ["", "", table["trainable"].sum(), table["non-trainable"].sum()]
    return table


def architecture_text(model) -> str:
    """A Keras model's layers in the reports' shorthand, e.g. 'Conv32(3x3)-MaxPool-Dense64-Dense10' (input
    scaling, reshaping, flattening and activations left out; BN after a convolution as '+BN')."""
    parts = []
    for layer in model.layers:
        kind = type(layer).__name__
        if kind == "Conv2D":
            parts.append(f"Conv{layer.filters}({layer.kernel_size[0]}x{layer.kernel_size[1]})")
        elif kind == "Dense":
            parts.append(f"Dense{layer.units}")
        elif kind in ("MaxPooling2D", "AveragePooling2D"):
            parts.append("MaxPool" if kind == "MaxPooling2D" else "AvgPool")
        elif kind == "Dropout":
            parts.append(f"Dropout{layer.rate:g}")
        elif "BatchNormalization" in kind and parts:
            parts[-1] += "+BN"
        elif kind == "Sequential":  # the augmentation block
            parts.append("Augment")
    return "-".join(parts)


def hardware_description() -> str:
    cpu = platform.processor() or platform.machine()
    try:
        for line in Path("/proc/cpuinfo").read_text().splitlines():
            if line.startswith("model name"):
                cpu = line.split(":", 1)[1].strip()
                break
    except OSError:
        pass
    # nvidia-smi rather than TensorFlow: the summary report should not pay TensorFlow's import time.
    listing = (
        subprocess.run(["nvidia-smi", "-L"], capture_output=True, text=True)
        if shutil.which("nvidia-smi")
        else None
    )
    gpus = (
        [line.split(" (UUID")[0] for line in listing.stdout.splitlines()]
        if listing and listing.returncode == 0
        else []
    )
    return f"{cpu}, {os.cpu_count()} logical cores" + (f", GPUs: {', '.join(gpus)}" if gpus else ", no GPU")


def package_versions() -> str:
    found = []
    for package in REPORTED_PACKAGES:
        try:
            found.append(f"{package} {version(package)}")
        except PackageNotFoundError:
            continue
    return ", ".join(found)


def git_commit(root: Path) -> str:
    """The short hash of HEAD, flagged when code or params differ from it (results excluded)."""
    result = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=root, capture_output=True, text=True)
    # Results are left out: a running stage has just removed its own git-tracked metrics.
    dirty = subprocess.run(
        [
            "git",
            "status",
            "--porcelain",
            "--untracked-files=no",
            "--",
            ".",
            ":!metrics",
            ":!reports",
            ":!runs",
            ":!dvc.lock",
        ],
        cwd=root,
        capture_output=True,
        text=True,
    )
    return (result.stdout.strip() or "unknown") + (
        " (with uncommitted code or params)" if dirty.stdout.strip() else ""
    )


def _commit_here() -> str:
    try:
        return git_commit(project_root())
    except FileNotFoundError:  # not inside a checkout of the project
        return "unknown"


CLOSING_HEADING = "How this report was made"


def notebook_name(name: str | None = None) -> str | None:
    """The report's notebook name ("02_dense_baseline"): `name` if given, else the one the report stage
    runs (CHARREC_NOTEBOOK, set by charrec.run_notebook), else the notebook JupyterLab has open
    (JPY_SESSION_NAME, its path), else None."""
    if name:
        return name
    if os.environ.get(NOTEBOOK_ENV):
        return os.environ[NOTEBOOK_ENV]
    session = os.environ.get("JPY_SESSION_NAME")
    return Path(session).name.split(".")[0] if session else None


def how_made_markdown(
    manifest: dict, seeds: list[int], wall_seconds: float, name: str | None, hardware: str, commit: str
) -> str:
    """The closing section of a report (Markdown): the commands that make it, its files, the data and
    its verified checksums, seeds, hardware, package versions and wall time. The one place of a report
    that names commands and files; `name` is the notebook's ("02_dense_baseline"), None if unknown."""
    shown = name or "NAME"
    checksums = "\n".join(
        f"| `{manifest['files'][role]}` | `{md5}` |" for role, md5 in manifest["md5"].items()
    )
    runs = " and the stored training runs" if seeds else ""
    train = (
        f" from the stored runs; `python -m charrec.train {shown}` trains those of its runs that are missing "
        "or out of date"
        if seeds
        else ""
    )
    facts = [
        "**Commands**: `dvc repro` runs the whole study (data, training, reports), each step only if its "
        f"inputs changed; `python -m charrec.run_notebook {shown}` renders this report alone{train}",
        f"**Files**: the settings `params/{shown}.yaml`, the notebook `notebooks/{shown}.py`, every number "
        f"it reports `metrics/{shown}.json`, this report `reports/{shown}.html` and `.pdf`",
        f"**Generated**: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}, from git commit {commit}",
        f"**Data**: {manifest['dataset']}, split seed {manifest['split_seed']}, "
        f"{manifest['counts']['train']:,} train / {manifest['counts']['validation']:,} validation / "
        f"{manifest['counts']['test']:,} test images",
        f"**Seeds**: {', '.join(map(str, seeds)) or 'none'}",
        f"**Hardware**: {hardware}",
        f"**Python** {platform.python_version()}; {package_versions()}",
        f"**Wall time of this notebook**: {wall_seconds:.1f} s",
    ]
    return (
        f"## {CLOSING_HEADING}\n\n"
        f"This report is generated: its notebook runs on the prepared data{runs}, and its outputs are "
        "rendered to HTML and PDF.\n\n"
        + "".join(f"- {fact}\n" for fact in facts)
        + f"\n| data file | md5 (verified) |\n|---|---|\n{checksums}\n"
    )


def show_provenance(manifest: dict, seeds: list[int], start_time: float, name: str | None = None) -> None:
    """The closing section of every report, "How this report was made" (`how_made_markdown`): commands,
    files, where the data came from and what ran it. `name`: the notebook's, by default the one the
    report stage runs (`notebook_name`)."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hardware = hardware_description()
    # No figure or table floats past the closing section; ragged right in the PDF: its long names of
    # commands and files would stretch justified lines apart
    display({"text/latex": "\\FloatBarrier\\begingroup\\raggedright", "text/html": ""}, raw=True)
    display(
        Markdown(
            how_made_markdown(
                manifest,
                seeds,
                time.perf_counter() - start_time,
                notebook_name(name),
                hardware,
                _commit_here(),
            )
        )
    )
    display({"text/latex": "\\par\\endgroup", "text/html": ""}, raw=True)
