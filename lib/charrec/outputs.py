"""Where a notebook's outputs live. One convention, used by the notebooks (which write metrics,
curves and models) and by the runner (which writes reports and removes everything of a failed run)."""

from dataclasses import dataclass
from pathlib import Path


@dataclass(frozen=True)
class NotebookOutputs:
    name: str  # the notebook's file stem, e.g. "02_dense_baseline"
    root: Path = Path("..")  # the project root, seen from notebooks/ where the notebooks run

    @property
    def metrics_file(self) -> Path:
        """Summary numbers, committed to git and read by `dvc metrics` and the summary notebook."""
        return self.root / "metrics" / f"{self.name}.json"

    @property
    def curves_dir(self) -> Path:
        """Per-epoch learning curves (CSV), declared as DVC plots."""
        return self.root / "metrics" / self.name

    @property
    def models_dir(self) -> Path:
        return self.root / "models" / self.name

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
        """Everything a successful run produces (removed when a run fails, so nothing stale looks complete)."""
        return [self.metrics_file, self.curves_dir, self.models_dir, self.html, self.pdf, self.executed_notebook]
