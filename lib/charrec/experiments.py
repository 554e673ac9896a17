"""`dvc exp show` that fits a terminal: only the params and metrics that differ between experiments,
under short names (`02:epochs` for `params/02_dense_baseline.yaml:epochs`, `04:test_%` for
`metrics/headline/04_cnn.json:test_%`).

    python -m charrec.experiments                 # every experiment of the current commit
    python -m charrec.experiments -A              # `dvc exp show` options are passed on (-A, -n 3, ...)

DVC's own table names each column by file and key (about 175 columns in this project), so at any
terminal width the columns collapse to "…"; this reads its CSV (`--csv`), keeps the params and metrics
columns (not the hashes of dependencies), drops those equal in every row and prints the rest again.
"""

import csv
import io
import re
import subprocess
import sys

COLUMN = re.compile(r"(?:params|metrics(?:/headline)?)/([^/:]+)\.(?:yaml|json):(.+)")


def short_name(column: str) -> str:
    """`params/02_dense_baseline.yaml:epochs` -> `02:epochs`; `params/data.yaml:x` -> `data:x`."""
    match = COLUMN.fullmatch(column)
    if not match:
        return column
    notebook, key = match.groups()
    number = re.match(r"\d+|.*", notebook)[0]
    return f"{number}:{key}"


def table(csv_text: str) -> str:
    """The CSV of `dvc exp show --csv` as an aligned text table with short column names."""
    rows = list(csv.DictReader(io.StringIO(csv_text)))
    if not rows:
        return ""
    columns = [
        name
        for name in rows[0]
        if COLUMN.fullmatch(name) and len({row[name] for row in rows}) > 1  # params and metrics that differ
    ]
    if not columns:
        return (
            f"{len(rows)} row(s), no params or metrics differ between them; make experiments with "
            "`dvc exp run -S params/02_dense_baseline.yaml:epochs=20` (for example)"
        )
    cells = [["experiment", *(short_name(name) for name in columns)]]
    for row in rows:
        label = row.get("Experiment") or row.get("rev", "")
        cells.append([label or row.get("rev", ""), *(row[name] or "-" for name in columns)])
    widths = [max(len(line[i]) for line in cells) for i in range(len(cells[0]))]
    lines = ("  ".join(cell.ljust(width) for cell, width in zip(line, widths)).rstrip() for line in cells)
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    argv = sys.argv[1:] if argv is None else argv
    command = ["dvc", "exp", "show", "--no-pager", "--csv", *argv]
    result = subprocess.run(command, capture_output=True, text=True)
    if result.returncode != 0:
        sys.stderr.write(result.stderr)
        return result.returncode
    print(table(result.stdout))
    return 0


if __name__ == "__main__":
    sys.exit(main())
