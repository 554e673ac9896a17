"""The study at a glance: every model's headline numbers, read from the notebooks' metrics files only."""

import json
import os
import platform
from datetime import datetime, timezone
from html import escape
from pathlib import Path

import pandas as pd

from .files import write_atomically
from .findings import NBSP, count_text, difference_sentence, listed
from .metrics import NotebookMetrics
from .outputs import REPORT_STAGE_ENV, SCRATCH
from .references import dataset_name
from .report import git_commit

# Readable names of the models whose metrics carry no `label` (the notebooks that record one win).
MODEL_NAMES = {
    "dense_baseline": "dense baseline 784-512-64-32-16-10",
    "dense_regularized": "regularized dense network 784-1024-512-10",
    "dense_unregularized": "unregularized dense network 784-1024-512-10",
    "simple_cnn": "simple CNN",
    "improved_cnn": "improved CNN",
}

# How the summary names each report (its notebook's name without the number), where the name alone reads
# badly; others are named after their notebook, underscores as spaces.
REPORT_NAMES = {"04_cnn": "CNNs", "05_bn_ablation": "batch-norm ablation"}


# The published works behind each dataset's reference points (charrec.references.PUBLISHED_ANCHORS) and
# the dataset itself, as keys of charrec.references.BIBLIOGRAPHY.
DATASET_WORKS = {
    "mnist": ["srivastava2014", "keras-convnet", "deotte-architecture"],
    "kmnist": ["clanuwat2018"],
    "fashion_mnist": ["xiao2017"],
}


def cited_works(datasets: list[str]) -> list[str]:
    """The bibliography keys of the datasets shown (`DATASET_WORKS`), in their order, each once: a
    dataset that did not run is not cited."""
    return list(dict.fromkeys(key for dataset in datasets for key in DATASET_WORKS.get(dataset.lower(), [])))


def model_name(key: str, model) -> str:
    """A model's readable name: the `label` its metrics record, else `MODEL_NAMES`, else its key with
    spaces for underscores."""
    return getattr(model, "label", None) or MODEL_NAMES.get(key) or key.replace("_", " ")


def report_name(notebook: str) -> str:
    """'05_bn_ablation' -> '05 batch-norm ablation', '02_dense_baseline' -> '02 dense baseline'."""
    number, _, name = notebook.partition("_")
    return f"{number} {REPORT_NAMES.get(notebook, name.replace('_', ' '))}"


def model_table(metrics: dict[str, NotebookMetrics]) -> pd.DataFrame:
    """One row per tested model of every notebook (validation-only models, e.g. the unregularized network,
    are left out). `model` is the readable name (`model_name`), `key` the metrics file's. `classes` is the
    number of classes a model tells apart where its metrics record it (05's merged 4-class task), else
    empty: all of its dataset's classes. `train images` is the number of images it trained on where its
    metrics record it (`train_images`), else empty. `published`: a published test accuracy of the same
    kind of model where its metrics record one (02's classical baselines, LeCun et al. 1998), else
    empty; `epochs` is empty for a model fitted once (scikit-learn)."""
    rows = []
    for notebook, content in metrics.items():
        for key, model in content.models.items():
            if model.test_accuracy_mean is None:
                continue
            rows.append(
                {
                    "notebook": notebook,
                    "dataset": content.dataset,
                    "model": model_name(key, model),
                    "key": key,
                    "architecture": model.architecture,
                    "parameters": model.parameters,
                    "epochs": model.epochs,
                    "seeds": len(model.seeds),
                    "classes": len(getattr(model, "classes", None) or ()) or None,
                    "train images": getattr(model, "train_images", None),
                    "train seconds": model.train_seconds_mean,
                    "images/s": model.images_per_second_mean,
                    "test accuracy": model.test_accuracy_mean,
                    "sd": model.test_accuracy_sd,
                    "source report": model.source_test_accuracy,
                    "published": getattr(model, "published_test_accuracy", None),
                    **robustness_columns(metrics, notebook, key),
                }
            )
    return pd.DataFrame(rows)


ROBUSTNESS = "08_how_models_fail"  # the notebook that tests the stored models off-distribution


def robustness_columns(metrics: dict[str, NotebookMetrics], notebook: str, key: str) -> dict:
    """A model's mean accuracy over the MNIST-C corruptions and its test ECE (before temperature scaling),
    fractions, from the robustness notebook's metrics; None where that notebook did not test it."""
    tested = getattr(metrics.get(ROBUSTNESS), "robustness", None) or {}
    found = [v for v in tested.values() if v.get("notebook") == notebook and v.get("metrics_key") == key]
    return {
        "corruption accuracy": found[0]["corruption_accuracy_mean"] if found else None,
        "ECE": found[0]["ece_before"] if found else None,
    }


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


def _percent(value: float) -> str:
    return f"{100 * value:.2f}{NBSP}%"


def _points(value: float) -> str:
    return f"{100 * value:+.2f}{NBSP}points"


def not_run(metrics: dict[str, NotebookMetrics]) -> dict[str, str]:
    """The notebooks whose dataset was not available on this machine (their metrics say
    `"available": false`), each with its dataset's name."""
    return {
        notebook: dataset_name(content.dataset)
        for notebook, content in metrics.items()
        if content.model_extra.get("available") is False
    }


def datasets_shown(models: pd.DataFrame) -> list[str]:
    """The datasets of `model_table`'s rows, MNIST first: the only ones the summary shows."""
    names = list(dict.fromkeys(models["dataset"])) if len(models) else []
    return sorted(names, key=lambda name: (name != "mnist", name))


def scope_sentence(metrics: dict[str, NotebookMetrics]) -> str:
    """What this summary covers: the datasets of the models that ran, and, for each notebook that did not
    run for lack of its data, one sentence saying so (nothing else about that dataset is shown)."""
    shown = [dataset_name(name) for name in datasets_shown(model_table(metrics))]
    if not shown:
        sentence = "No report with tested models ran."
    elif len(shown) == 1:
        sentence = f"Every report that ran trained and tested its models on {shown[0]}."
    else:
        sentence = f"The reports that ran trained and tested their models on {listed(shown)}."
    for notebook, dataset in not_run(metrics).items():
        title = notebook.partition("_")[2].replace("_", " ")
        sentence += (
            f" The {title[:1].upper()}{title[1:]} report, on {dataset}, did not run: {dataset} is not "
            "available on this machine, so this summary shows nothing of it."
        )
    return sentence


def training_images_sentence(models: pd.DataFrame) -> str:
    """Which models trained on how many images (`model_table`'s `train images`), by report: the table
    mixes models trained on the 50,000 training images with models retrained on all 60,000."""
    by_count: dict[int | None, list[str]] = {}
    for notebook, images in zip(models["notebook"], models["train images"]):
        count = None if images is None or pd.isna(images) else int(images)
        reports = by_count.setdefault(count, [])
        if notebook[:2] not in reports:
            reports.append(notebook[:2])
    known = sorted((count for count in by_count if count is not None), reverse=True)
    if len(known) == 1 and None not in by_count:
        return f"Every model trained on {known[0]:,} images."

    def of(reports: list[str]) -> str:
        return f"report{'s' if len(reports) > 1 else ''} {listed(reports)}"

    parts = [f"{count:,} for the models of {of(by_count[count])}" for count in known]
    if None in by_count:
        parts.append(f"not recorded for those of {of(by_count[None])}")
    return "Training images: " + "; ".join(parts) + "."


def ensemble_paragraphs(metrics: dict[str, NotebookMetrics]) -> list[str]:
    """Ensembles against single models, from the CNN notebook's metrics: its `ensemble_comparisons` (one
    dict per network with `network`, `ensemble accuracy`, `single accuracies`, `mcnemar p`, `holm p` and
    the `sentence` it decided) where recorded; otherwise the ensemble's and the single models' accuracies
    with no verdict, saying that no paired test was recorded."""
    cnn = metrics.get("04_cnn")
    if cnn is None:
        return []
    recorded = cnn.model_extra.get("ensemble_comparisons")
    if recorded:
        return [
            f"**Does an ensemble of {comparison['network']}s beat a single one?** " + comparison["sentence"]
            for comparison in recorded
        ]
    paragraphs = []
    for key, model in cnn.models.items():
        ensemble = getattr(model, "ensemble_test_accuracy", None)
        if ensemble is None:
            continue
        name = model_name(key, model)
        paragraphs.append(
            f"**Does an ensemble of {name}s beat a single one?** Averaging the probabilities of the "
            f"{count_text(len(model.seeds), 'final ' + name)} gives {_percent(ensemble)} test accuracy, "
            f"against {100 * model.test_accuracy_mean:.2f} ± {100 * model.test_accuracy_sd:.2f}{NBSP}% for "
            "the single models. No paired test of the ensemble against each single model on the same test "
            "images is recorded in this run, so no verdict is given."
        )
    return paragraphs


REGULARIZER_NAMES = {"l1": "L1", "l2": "L2", "dropout": "dropout", "max_norm": "max-norm"}


def regularizer_text(name: str, value: float) -> str:
    """'dropout 0.3', 'max-norm 3', 'shifts of up to 8 % of the image' for a recorded regularizer."""
    if name == "shift_fraction":
        return f"random shifts of up to {100 * value:g}{NBSP}% of the image"
    return f"{REGULARIZER_NAMES.get(name, name.replace('_', ' '))} {value:g}"


def conclusions(metrics: dict[str, NotebookMetrics]) -> list[str]:
    """One short paragraph per question the sources asked, from the numbers in the metrics files."""
    paragraphs = []
    dense = _models(metrics, "02_dense_baseline").get("dense_baseline")
    if dense:
        mean, sd = dense.test_accuracy_mean, dense.test_accuracy_sd
        verdict = "within" if abs(mean - dense.source_test_accuracy) <= 2 * max(sd, 1e-4) else "outside"
        paragraphs.append(
            f"**Does the dense baseline reproduce?** {100 * mean:.2f} ± {100 * sd:.2f}{NBSP}% over "
            f"{len(dense.seeds)} seeds against the source's single run of "
            f"{_percent(dense.source_test_accuracy)}: {verdict} two standard deviations of the "
            "seed-to-seed spread."
        )
    regularization = _models(metrics, "03_regularization")
    if {"dense_unregularized", "dense_regularized"} <= set(regularization):
        plain, tuned = regularization["dense_unregularized"], regularization["dense_regularized"]
        settings = listed(
            [regularizer_text(name, value) for name, value in tuned.regularizers.items() if value] or [""]
        )
        paragraphs.append(
            "**Does regularization close the gap?** Measured as training minus validation accuracy of the "
            "validation runs: unregularized, the 1024-512 network fits its training "
            f"images to {_percent(plain.train_accuracy)} but validates at "
            f"{_percent(plain.validation_accuracy)}, a gap of "
            f"{100 * (plain.train_accuracy - plain.validation_accuracy):.2f}{NBSP}points"
            + (
                f"; with {settings or 'the chosen regularizers'} the gap is "
                f"{100 * (tuned.train_accuracy - tuned.validation_accuracy):.2f}{NBSP}points (validation "
                f"{_percent(tuned.validation_accuracy)})"
                if getattr(tuned, "train_accuracy", None) is not None
                else ""
            )
            + f". On the test set the regularized network reaches {100 * tuned.test_accuracy_mean:.2f} ± "
            f"{100 * tuned.test_accuracy_sd:.2f}{NBSP}% (source: {_percent(tuned.source_test_accuracy)})."
        )
    paragraphs += ensemble_paragraphs(metrics)
    comparisons = (
        getattr(metrics["05_bn_ablation"], "bn_comparisons", {}) if "05_bn_ablation" in metrics else {}
    )
    for classes, result in comparisons.items():
        text = (
            f"**Does batch normalization help ({classes.replace('_', ' ')})?** "
            + difference_sentence(
                "with BN",
                "without",
                result["difference_mean"],
                result["difference_ci_low"],
                result["difference_ci_high"],
                result["confidence"],
            )
            + f" The source's single runs differ by {_points(result['source_difference'])}."
        )
        if result.get("seeds_needed"):
            text += (
                f" Detecting a difference of the source's size at the spread seen here would take about "
                f"{count_text(result['seeds_needed'], 'paired seed')} (80{NBSP}% power, 5{NBSP}% level)."
            )
        paragraphs.append(text)
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
            f"model reaches {_percent(best)} on {name}"
            + (
                f"; the same architectures make {min(ratios):.1f}× to {max(ratios):.1f}× more test errors "
                f"there than on {dataset_name(hiragana.comparison['dataset'])}."
                if ratios
                else "."
            )
        )
    return paragraphs
