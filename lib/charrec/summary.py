"""The study at a glance: every model's headline numbers, read from the notebooks' metrics files only."""

import json
import os
import platform
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import pandas as pd

from .evaluation import interval_verdict
from .files import write_atomically
from .metrics import NotebookMetrics
from .outputs import REPORT_STAGE_ENV, SCRATCH
from .references import dataset_name
from .report import git_commit


def model_table(metrics: dict[str, NotebookMetrics]) -> pd.DataFrame:
    """One row per tested model of every notebook (validation-only models, e.g. the unregularized network,
    are left out). `classes` is the number of classes a model tells apart where its metrics record it
    (05's merged 4-class task), else empty: all of its dataset's classes. `published`: a published test
    accuracy of the same kind of model where its metrics record one (02's classical baselines, LeCun et al.
    1998), else empty; `epochs` is empty for a model fitted once (scikit-learn)."""
    rows = []
    for notebook, content in metrics.items():
        for key, model in content.models.items():
            if model.test_accuracy_mean is None:
                continue
            rows.append(
                {
                    "notebook": notebook,
                    "dataset": content.dataset,
                    "model": key,
                    "architecture": model.architecture,
                    "parameters": model.parameters,
                    "epochs": model.epochs,
                    "seeds": len(model.seeds),
                    "classes": len(getattr(model, "classes", None) or ()) or None,
                    "train seconds": model.train_seconds_mean,
                    "images/s": model.images_per_second_mean,
                    "test accuracy": model.test_accuracy_mean,
                    "sd": model.test_accuracy_sd,
                    "source report": model.source_test_accuracy,
                    "published": getattr(model, "published_test_accuracy", None),
                }
            )
    return pd.DataFrame(rows)


def index_dir(reports_dir: Path) -> Path:
    """Where `write_index` writes `index.html`: `reports_dir` in the pipeline's report stage; opened
    interactively, `scratch/reports/` beside it (`reports_dir`'s parent is the project root), so that an
    interactive run of the summary never overwrites the pipeline's `reports/index.html`."""
    reports_dir = Path(reports_dir)
    if os.environ.get(REPORT_STAGE_ENV):
        return reports_dir
    return reports_dir.parent / SCRATCH / reports_dir.name


def write_index(
    reports_dir: Path,
    notebooks: list[str],
    one_liners: dict[str, str],
    provenance: dict[str, str],
    rendering: str,
) -> Path:
    """reports/index.html: every notebook's report with its one-line result, then the provenance of the run.
    Returns the file written: `index_dir(reports_dir) / "index.html"`, i.e. in `scratch/reports/` when not
    run by the pipeline, its links then pointing at the pipeline's reports.

    `rendering` is the notebook writing the index: its report is rendered after it, so it counts as
    present."""
    reports_dir = Path(reports_dir)
    target = index_dir(reports_dir)
    prefix = "" if target == reports_dir else Path(os.path.relpath(reports_dir, target)).as_posix() + "/"
    items = []
    for name in notebooks:
        html, pdf = reports_dir / f"{name}.html", reports_dir / f"{name}.pdf"
        title = f"{name[:2]} {name[3:].replace('_', ' ')}"
        if html.exists() or name == rendering:
            links = f'<a href="{prefix}{html.name}">HTML</a> · <a href="{prefix}{pdf.name}">PDF</a>'
            items.append(f"<li><b>{escape(title)}</b> ({links}): {escape(one_liners.get(name, ''))}</li>")
        else:
            items.append(
                f"<li><b>{escape(title)}</b>: not produced in this run (see the pipeline's output)</li>"
            )
    facts = "".join(
        f"<tr><th>{escape(key)}</th><td>{escape(value)}</td></tr>" for key, value in provenance.items()
    )
    page = (
        "<!doctype html><html lang='en'><head><meta charset='utf-8'>"
        "<title>Handwritten character recognition: reports</title>"
        "<style>body{font-family:sans-serif;max-width:58em;margin:2em auto;line-height:1.5}"
        "th{text-align:left;"
        "padding-right:1em;vertical-align:top}td{font-family:monospace;font-size:90%}</style></head><body>"
        "<h1>Handwritten character recognition: reports</h1><ul>" + "".join(items) + "</ul>"
        "<h2>Provenance of this run</h2><table>" + facts + "</table></body></html>\n"
    )
    target.mkdir(parents=True, exist_ok=True)
    write_atomically(target / "index.html", page)
    return target / "index.html"


def data_checksums(root: Path) -> pd.DataFrame:
    """One row per verified raw file of every prepared dataset: dataset, file, md5 (from the manifests in
    `data/prepared/`)."""
    rows = []
    for manifest_file in sorted((Path(root) / "data" / "prepared").glob("*.json")):
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if manifest.get("available") is False:  # recorded as not available: no files verified
            continue
        rows += [
            {"dataset": manifest["dataset"], "file": manifest["files"][role], "md5 (verified)": md5}
            for role, md5 in manifest["md5"].items()
        ]
    return pd.DataFrame(rows, columns=["dataset", "file", "md5 (verified)"])


def provenance(root: Path, versions: str, hardware: str) -> dict[str, str]:
    """Date, commit, Python, packages, hardware, and per dataset its files' md5 (`data_checksums`)."""
    facts = {
        "date": f"{datetime.now(timezone.utc):%Y-%m-%d %H:%M UTC}",
        "git commit": git_commit(root),
        "python": platform.python_version(),
        "packages": versions,
        "hardware": hardware,
    }
    for dataset, files in data_checksums(root).groupby("dataset", sort=False):
        facts[f"{dataset} md5"] = ", ".join(
            f"{file} {md5}" for file, md5 in zip(files["file"], files["md5 (verified)"])
        )
    return facts


def _models(metrics: dict[str, NotebookMetrics], notebook: str) -> dict:
    return metrics[notebook].models if notebook in metrics else {}


def conclusions(metrics: dict[str, NotebookMetrics]) -> list[str]:
    """One short paragraph per question the sources asked, from the numbers in the metrics files."""
    paragraphs = []
    dense = _models(metrics, "02_dense_baseline").get("dense_baseline")
    if dense:
        mean, sd = dense.test_accuracy_mean, dense.test_accuracy_sd
        verdict = "within" if abs(mean - dense.source_test_accuracy) <= 2 * max(sd, 1e-4) else "outside"
        paragraphs.append(
            f"**Does the dense baseline reproduce?** {100 * mean:.2f} ± {100 * sd:.2f} % over "
            f"{len(dense.seeds)} seeds against the source's single run of "
            f"{100 * dense.source_test_accuracy:.2f} %: {verdict} two standard deviations of the "
            "seed-to-seed spread."
        )
    regularization = _models(metrics, "03_regularization")
    if {"dense_unregularized", "dense_regularized"} <= set(regularization):
        plain, tuned = regularization["dense_unregularized"], regularization["dense_regularized"]
        settings = ", ".join(f"{name} {value:g}" for name, value in tuned.regularizers.items() if value)
        paragraphs.append(
            "**Does regularization close the gap?** Measured as training minus validation accuracy of the "
            "validation runs: unregularized, the 1024-512 network fits its training "
            f"images to {100 * plain.train_accuracy:.2f} % but validates at "
            f"{100 * plain.validation_accuracy:.2f} %, a gap of "
            f"{100 * (plain.train_accuracy - plain.validation_accuracy):.2f} points"
            + (
                f"; with {settings or 'the chosen regularizers'} the gap is "
                f"{100 * (tuned.train_accuracy - tuned.validation_accuracy):.2f} points (validation "
                f"{100 * tuned.validation_accuracy:.2f} %)"
                if getattr(tuned, "train_accuracy", None) is not None
                else ""
            )
            + f". On the test set the regularized network reaches {100 * tuned.test_accuracy_mean:.2f} ± "
            f"{100 * tuned.test_accuracy_sd:.2f} % (source: {100 * tuned.source_test_accuracy:.2f} %)."
        )
    improved = _models(metrics, "04_cnn").get("improved_cnn")
    if improved and getattr(improved, "ensemble_test_accuracy", None) is not None:
        paragraphs.append(
            f"**Do the seeds' models help each other?** Averaging the probabilities of the "
            f"{len(improved.seeds)} final improved CNNs gives "
            f"{100 * improved.ensemble_test_accuracy:.2f} % test accuracy, against "
            f"{100 * improved.test_accuracy_mean:.2f} ± {100 * improved.test_accuracy_sd:.2f} % for the "
            "single models; one ensemble is one number, so whether it beats the single models by more "
            "than their spread cannot be told from one set of seeds."
        )
    comparisons = (
        getattr(metrics["05_bn_ablation"], "bn_comparisons", {}) if "05_bn_ablation" in metrics else {}
    )
    for classes, result in comparisons.items():
        verdict = interval_verdict(
            result["difference_ci_low"],
            result["difference_ci_high"],
            result["confidence"],
            worse="BN is worse",
        )
        paragraphs.append(
            f"**Does batch normalization help ({classes.replace('_', ' ')})?** "
            f"{100 * result['difference_mean']:+.2f} points on average over seeds, against the source's "
            f"{100 * result['source_difference']:+.2f}: {verdict}."
        )
    hiragana = metrics.get("06_hiragana")
    if hiragana and hiragana.models:
        reference = hiragana.comparison["test_accuracy"]
        ratios = [
            (1 - hiragana.models[key].test_accuracy_mean) / max(1 - value, 1e-4)
            for key, value in reference.items()
            if key in hiragana.models
        ]
        best = max(model.test_accuracy_mean for model in hiragana.models.values())
        name = dataset_name(hiragana.dataset)
        paragraphs.append(
            f"**How much harder is {name} than {dataset_name(hiragana.comparison['dataset'])}?** The best "
            f"model reaches {100 * best:.2f} % on {name}"
            + (
                f"; the same architectures make {min(ratios):.1f}× to {max(ratios):.1f}× more test errors "
                f"there than on {dataset_name(hiragana.comparison['dataset'])}."
                if ratios
                else "."
            )
        )
    else:
        paragraphs.append(
            "**How much harder is Kuzushiji-MNIST?** Not answered in this run: the Hiragana notebook "
            "trained nothing, because KMNIST is not available on this machine (README, Data, says how "
            "to provide it)."
        )
    return paragraphs
