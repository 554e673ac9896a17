"""The smallest text in any figure of the rendered reports, in points as the PDF places it.

    python benchmarks/figure_text_sizes.py            # reads reports/executed/*.ipynb
    python benchmarks/figure_text_sizes.py CHECKOUT   # another checkout's reports (prints only)
    python benchmarks/figure_text_sizes.py CHECKOUT --cap 0.9   # ... placed as nbconvert's base template
                                                                # placed them (at most 0.9 of the line)

Each figure of an executed notebook is the vector PDF the report's LaTeX includes. Its text sizes are read
from its content streams (`charrec.run_notebook.figure_text_sizes`: every `size Tf` operator, superscripts
included), and multiplied by the factor the report template shrinks the figure by
(`charrec.run_notebook.figure_scale`: at most the text width and 0.75 of the text height). Prints one line
per report and writes benchmarks/results/figure_text_sizes.json.
"""

import base64
import json
import sys
from pathlib import Path

import nbformat

from charrec.run_notebook import LINE_WIDTH_PT, figure_scale, figure_size_pt, figure_text_sizes

ROOT = Path(__file__).resolve().parent.parent


def report_figures(executed: Path, cap: float = 1.0) -> list[dict]:
    """Per figure of an executed notebook: its drawn size, placed scale and smallest placed text size;
    `cap`: a further limit on the placed width, as a fraction of the line (the base template's 0.9)."""
    notebook = nbformat.read(executed, as_version=4)
    found = []
    for cell in notebook.cells:
        for output in cell.get("outputs", []):
            data = output.get("data", {})
            if "application/pdf" not in data:
                continue
            pdf = base64.b64decode(data["application/pdf"])
            width, height = figure_size_pt(pdf)
            scale = min(figure_scale(width, height), cap * LINE_WIDTH_PT / width)
            sizes = figure_text_sizes(pdf)
            found.append(
                {
                    "figure": len(found) + 1,
                    "width_in": round(width / 72, 2),
                    "height_in": round(height / 72, 2),
                    "scale": round(scale, 3),
                    "smallest_text_pt": round(min(sizes) * scale, 2) if sizes else None,
                }
            )
    return found


def main(argv: list[str]) -> int:
    cap = float(argv[argv.index("--cap") + 1]) if "--cap" in argv else 1.0
    places = [argument for argument in argv if not argument.startswith("--") and argument != str(cap)]
    root = Path(places[0]).resolve() if places else ROOT
    results = {}
    for executed in sorted((root / "reports" / "executed").glob("*.ipynb")):
        figures = report_figures(executed, cap)
        sized = [figure for figure in figures if figure["smallest_text_pt"] is not None]
        smallest = min(sized, key=lambda figure: figure["smallest_text_pt"], default=None)
        results[executed.stem] = {"figures": figures, "smallest": smallest}
        where = "no figure text"
        if smallest:
            size, number, scale = smallest["smallest_text_pt"], smallest["figure"], smallest["scale"]
            where = f"{size:.2f} pt (figure {number}, placed at {scale:.0%})"
        print(f"{executed.stem}: {len(figures)} figures, smallest text {where}")
    overall = [result["smallest"]["smallest_text_pt"] for result in results.values() if result["smallest"]]
    if overall:
        print(f"smallest text in any figure: {min(overall):.2f} pt")
    if root == ROOT:
        out = ROOT / "benchmarks" / "results" / "figure_text_sizes.json"
        out.write_text(json.dumps(results, indent=1) + "\n", encoding="utf-8")
    return 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
