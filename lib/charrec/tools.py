"""The outside tools a report stage needs, checked in well under a second before any kernel starts.

The PDF route is nbconvert's: pandoc turns the markdown into LaTeX, xelatex typesets the report's template
(`templates/report_a4`, on nbconvert's LaTeX template) with the LaTeX packages and the OpenType fonts it
loads (found with kpsewhich, TeX's own file lookup). Each missing piece is named with the Debian package
that holds it (`make setup` installs them), and a hint for conda users, whose environment has no TeX.
"""

import shutil
import subprocess

# Programs: the Debian package, and the conda route
PROGRAMS = {
    "xelatex": ("texlive-xetex", "conda has no complete TeX: install TeX Live (https://tug.org/texlive/)"),
    "pandoc": ("pandoc", "conda install -c conda-forge 'pandoc<3.8'"),
    "kpsewhich": ("texlive-base", "it comes with TeX Live"),
}

# What the report's LaTeX loads under xelatex (nbconvert's latex/base.tex.j2 and our report_a4 template),
# and the Debian package that holds each file
TEX_FILES = {
    "article.cls": "texlive-latex-base",
    "adjustbox.sty": "texlive-latex-extra",
    "amsmath.sty": "texlive-latex-base",
    "amssymb.sty": "texlive-base",
    "array.sty": "texlive-latex-base",
    "booktabs.sty": "texlive-latex-recommended",
    "calc.sty": "texlive-latex-base",
    "caption.sty": "texlive-latex-recommended",
    "enumerate.sty": "texlive-latex-base",
    "enumitem.sty": "texlive-latex-extra",
    "etoolbox.sty": "texlive-latex-recommended",
    "eurosym.sty": "texlive-fonts-recommended",
    "fancyvrb.sty": "texlive-latex-recommended",
    "float.sty": "texlive-latex-recommended",
    "fontspec.sty": "texlive-latex-recommended",
    "geometry.sty": "texlive-latex-base",
    "graphicx.sty": "texlive-latex-base",
    "grffile.sty": "texlive-latex-recommended",
    "hyperref.sty": "texlive-latex-base",
    "iftex.sty": "texlive-base",
    "longtable.sty": "texlive-latex-base",
    "mathrsfs.sty": "texlive-latex-recommended",
    "needspace.sty": "texlive-latex-extra",
    "parskip.sty": "texlive-latex-recommended",
    "placeins.sty": "texlive-latex-extra",
    "soul.sty": "texlive-plain-generic",
    "tcolorbox.sty": "texlive-latex-extra",
    "textcomp.sty": "texlive-latex-base",
    "titling.sty": "texlive-latex-extra",
    "ulem.sty": "texlive-plain-generic",
    "unicode-math.sty": "texlive-latex-recommended",
    "upquote.sty": "texlive-latex-extra",
    "xcolor.sty": "texlive-latex-recommended",
    # fontspec's and unicode-math's default fonts (Latin Modern, OpenType)
    "lmroman10-regular.otf": "fonts-lmodern",
    "lmsans10-regular.otf": "fonts-lmodern",
    "lmmono10-regular.otf": "fonts-lmodern",
    "latinmodern-math.otf": "fonts-lmodern",
}


class ToolsMissing(RuntimeError):
    """A program, LaTeX package or font the PDF route needs is not installed."""


def missing_report_tools() -> list[str]:
    """One line per missing program, LaTeX package or font, naming the Debian package; empty if all are
    there."""
    problems = []
    for program, (package, conda) in PROGRAMS.items():
        if shutil.which(program) is None:
            problems.append(f"`{program}` is not installed (Debian: apt-get install {package}; {conda})")
    if shutil.which("kpsewhich") is None:
        return problems
    names = list(TEX_FILES)
    found = subprocess.run(["kpsewhich", *names], capture_output=True, text=True, timeout=60).stdout
    present = {line.rsplit("/", 1)[-1] for line in found.splitlines() if line.strip()}
    absent = [name for name in names if name not in present]
    by_package: dict[str, list[str]] = {}
    for name in absent:
        by_package.setdefault(TEX_FILES[name], []).append(name)
    for package, files in sorted(by_package.items()):
        what = "fonts" if package.startswith("fonts-") else "LaTeX files"
        problems.append(
            f"{what} {', '.join(files)} not found by kpsewhich (Debian: apt-get install {package})"
        )
    return problems


def check_report_tools(name: str) -> None:
    """Raise ToolsMissing, naming what is missing and its Debian package, before notebook `name` runs."""
    problems = missing_report_tools()
    if problems:
        raise ToolsMissing(
            f"notebook {name}: the PDF report cannot be made, nothing was run: "
            + "; ".join(problems)
            + " (`make setup` installs them all on Debian/Ubuntu)"
        )
