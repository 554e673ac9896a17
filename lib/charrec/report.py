"""Helpers that make an executed notebook read like a report in HTML and in LaTeX/PDF."""

import os
import platform
import shutil
import subprocess
import time
import warnings
from datetime import datetime, timezone
from importlib.metadata import PackageNotFoundError, version
from pathlib import Path

import matplotlib
import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib import font_manager
from matplotlib_inline.backend_inline import set_matplotlib_formats

from .datasets import KMNIST_GLYPHS, KMNIST_ROMAJI

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


def setup_notebook() -> float:
    """Figure formats (PNG for HTML, vector PDF for LaTeX), a readable style and a CJK fallback font.

    Returns the start time, for the wall time in the provenance block.
    """
    set_matplotlib_formats("png", "pdf")
    sns.set_theme(style="whitegrid", context="notebook")
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


def show_figure(figure: plt.Figure) -> None:
    display(figure)
    plt.close(figure)


def show_table(table: pd.DataFrame, caption: str | None = None, decimals: int = 4) -> None:
    """Display a table as HTML (for the HTML report) and as a booktabs LaTeX table (for the PDF)."""

    def styled(escape: str):
        style = table.style.format(precision=decimals, thousands=",", escape=escape)
        style = style.format_index(escape=escape, axis=0).format_index(escape=escape, axis=1)
        return style.set_caption(caption) if caption else style

    latex = styled("latex").to_latex(
        hrules=True, position="H", position_float="centering", sparse_index=False
    )
    # Shrink a table wider than the page to the page width; leave narrower tables as they are.
    latex = latex.replace(
        "\\begin{tabular}",
        "\\resizebox{\\ifdim\\width>\\linewidth\\linewidth\\else\\width\\fi}{!}{\\begin{tabular}",
    )
    latex = latex.replace("\\end{tabular}", "\\end{tabular}}")
    display(
        {"text/html": styled("html").to_html(), "text/latex": latex, "text/plain": table.to_string()},
        raw=True,
    )


def model_summary(model) -> pd.DataFrame:
    """One row per layer with its output shape and trainable / non-trainable parameter counts."""
    rows = []
    for layer in model.layers:
        trainable = sum(int(w.numpy().size) for w in layer.trainable_weights)
        frozen = sum(int(w.numpy().size) for w in layer.non_trainable_weights)
        rows.append(
            {
                "layer": layer.name,
                "type": type(layer).__name__,
                "output shape": str(tuple(layer.output.shape[1:])),
                "trainable": trainable,
                "non-trainable": frozen,
            }
        )
    table = pd.DataFrame(rows).set_index("layer")
    table.loc["total"] = ["", "", table["trainable"].sum(), table["non-trainable"].sum()]
    return table


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


def show_provenance(manifest: dict, seeds: list[int], start_time: float) -> None:
    """The closing block of every report: where the data came from and what ran it."""
    checksums = "\n".join(
        f"| `{manifest['files'][role]}` | `{md5}` |" for role, md5 in manifest["md5"].items()
    )
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        hardware = hardware_description()
    display(
        Markdown(
            f"## Provenance\n\n"
            f"- **Generated**: {datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}\n"
            f"- **Data**: {manifest['dataset']}, split seed {manifest['split_seed']}, "
            f"{manifest['counts']['train']:,} train / {manifest['counts']['validation']:,} validation / "
            f"{manifest['counts']['test']:,} test images\n"
            f"- **Seeds**: {', '.join(map(str, seeds)) or 'none'}\n"
            f"- **Hardware**: {hardware}\n"
            f"- **Python** {platform.python_version()}; {package_versions()}\n"
            f"- **Wall time of this notebook**: {time.perf_counter() - start_time:.1f} s\n\n"
            f"| file | md5 (verified) |\n|---|---|\n{checksums}\n"
        )
    )
