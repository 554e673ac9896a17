"""Where a notebook's outputs live. One convention, used by the notebooks (which write metrics and
curves) and by the report stage (which writes the reports and removes everything of a failed run).

Run by the pipeline (`charrec.run_notebook` sets CHARREC_REPORT_STAGE), a notebook writes into the
project; opened interactively, into `scratch/` (ignored by git and DVC), so that an interactive run
never overwrites the pipeline's results.
"""

import os
from dataclasses import dataclass, field
from pathlib import Path

from .files import project_root

REPORT_STAGE_ENV = "CHARREC_REPORT_STAGE"  # set while the pipeline's report stage runs a notebook
NOTEBOOK_ENV = "CHARREC_NOTEBOOK"  # ... and the name of that notebook (e.g. "02_dense_baseline")
SCRATCH = "scratch"  # interactive outputs and runs trained with other parameters
HEADLINE = "headline"  # metrics/headline/NAME.json: one short row of `dvc metrics show` per notebook


def headline_file(metrics_file: Path) -> Path:
    """`metrics/headline/NAME.json` beside `metrics/NAME.json`: the headline numbers DVC shows."""
    return metrics_file.parent / HEADLINE / metrics_file.name


def default_root() -> Path:
    """The project root in the pipeline's report stage, else its `scratch/` folder."""
    root = project_root()
    return root if os.environ.get(REPORT_STAGE_ENV) else root / SCRATCH


@dataclass(frozen=True)
class NotebookOutputs:
    name: str  # the notebook's file stem, e.g. "02_dense_baseline"
    root: Path = field(default_factory=default_root)

    @property
    def metrics_file(self) -> Path:
        """Every number of the notebook's models (per seed, per comparison), committed to git and read by
        the summary notebook; its headline numbers go to `headline_file`."""
        return self.root / "metrics" / f"{self.name}.json"

    @property
    def headline_file(self) -> Path:
        """The metrics file's headline numbers: what `dvc metrics show` lists (dvc.yaml, top level)."""
        return headline_file(self.metrics_file)

    @property
    def curves_dir(self) -> Path:
        """Per-epoch learning curves (CSV), declared as DVC plots."""
        return self.root / "metrics" / self.name

    def curve_file(self, stem: str) -> Path:
        """`metrics/NAME/<stem>.csv`, its folder created."""
        self.curves_dir.mkdir(parents=True, exist_ok=True)
        return self.curves_dir / f"{stem}.csv"

    @property
    def html(self) -> Path:
        return self.root / "reports" / f"{self.name}.html"

    @property
    def pdf(self) -> Path:
        return self.root / "reports" / f"{self.name}.pdf"

    @property
    def executed_notebook(self) -> Path:
        return self.root / "reports" / "executed" / f"{self.name}.ipynb"

    @property
    def failed_notebook(self) -> Path:
        """A failed run's partially executed notebook, kept for debugging."""
        return self.root / "reports" / "failed" / f"{self.name}.ipynb"

    def all_results(self) -> list[Path]:
        """Everything a successful report stage produces (removed when it fails, so nothing stale looks
        complete). The trained runs belong to the training stage and stay."""
        return [
            self.metrics_file,
            self.headline_file,
            self.curves_dir,
            self.html,
            self.pdf,
            self.executed_notebook,
        ]
