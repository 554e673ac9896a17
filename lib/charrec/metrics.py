"""The metrics files `metrics/NAME.json`: one schema, written by one function, read by the summary.

Every notebook that trains models writes `{"dataset": ..., "models": {KEY: ModelMetrics}, ...}`;
notebook-specific facts go beside `models` (e.g. the batch-norm comparisons). The summary notebook
reads these files; they are committed to git. Beside each, `metrics/headline/NAME.json` holds its
headline numbers (`headline`): one short row per notebook in `dvc metrics show`, which lists only that
folder (dvc.yaml), so the view fits a terminal and a notebook that has not run (e.g. 06 without KMNIST)
is simply absent.
"""

import json
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from .evaluation import mean_sd
from .files import write_json_atomically
from .outputs import headline_file


class ModelMetrics(BaseModel):
    """One model's headline numbers over its seeds (accuracies as fractions, times in seconds)."""

    model_config = ConfigDict(extra="allow")  # notebook-specific extras, e.g. ms_per_step_mean

    architecture: str
    parameters: int  # trainable; for a scikit-learn model, the numbers it stores (e.g. k-NN its images)
    epochs: int | None  # None: a scikit-learn model, fitted once
    seeds: list[int]
    test_accuracy: list[float] = []  # per seed, in the order of `seeds`; empty for a validation-only model
    test_accuracy_mean: float | None = None
    test_accuracy_sd: float | None = None  # sample standard deviation (0 for one seed)
    validation_accuracy_mean: float | None = None
    train_seconds_mean: float
    images_per_second_mean: float
    misclassified_first_seed: int | None = None
    source_test_accuracy: float | None = None  # the source report's single run (charrec.references)


class NotebookMetrics(BaseModel):
    model_config = ConfigDict(extra="allow")

    dataset: str
    models: dict[str, ModelMetrics] = {}


def model_metrics(
    runs: pd.DataFrame, architecture: str, parameters: int, epochs: int, **extra
) -> ModelMetrics:
    """A model's entry from its final runs: one row per seed with columns seed, test_accuracy,
    train_seconds, images_per_second and optionally validation_accuracy and train_images (recorded when
    every seed trained on the same number of images). `epochs` None for a model fitted once
    (scikit-learn)."""
    test_mean, test_sd = mean_sd(runs["test_accuracy"])
    validation = runs["validation_accuracy"].mean() if "validation_accuracy" in runs else None
    fields = dict(
        architecture=architecture,
        parameters=int(parameters),
        epochs=None if epochs is None else int(epochs),
        seeds=[int(s) for s in runs["seed"]],
        test_accuracy=[round(float(a), 6) for a in runs["test_accuracy"]],
        test_accuracy_mean=round(test_mean, 6),
        test_accuracy_sd=round(test_sd, 6),
        validation_accuracy_mean=None
        if validation is None or pd.isna(validation)
        else round(float(validation), 6),
        train_seconds_mean=round(float(runs["train_seconds"].mean()), 2),
        images_per_second_mean=round(float(runs["images_per_second"].mean()), 1),
    )
    if "train_images" in runs and runs["train_images"].nunique() == 1:  # the summary marks it per model
        fields["train_images"] = int(runs["train_images"].iloc[0])
    return ModelMetrics(**{**fields, **extra})  # an extra (e.g. validation_accuracy_mean of another run) wins


def headline(content: NotebookMetrics) -> dict:
    """A notebook's headline numbers, the same few keys for every notebook: how many models it has (or
    compares, for the summary), and its best tested model with that model's test accuracy (mean and sd
    over its seeds, in %) and number of seeds; short, so `dvc metrics show` fits a 100-column terminal.
    Models with fewer classes than others (the 4-class tasks of the batch-norm ablation) do not compete
    with the full task."""
    row = {"models": len(content.models) or content.model_extra.get("models_compared", 0)}
    tested = {key: model for key, model in content.models.items() if model.test_accuracy_mean is not None}
    classes = {key: len(getattr(model, "classes", None) or ()) for key, model in tested.items()}
    tested = {key: model for key, model in tested.items() if classes[key] == max(classes.values())}
    if tested:
        best = max(tested, key=lambda key: tested[key].test_accuracy_mean)
        model = tested[best]
        row |= {
            "best": best,
            "test_%": round(100 * model.test_accuracy_mean, 2),
            "sd_%": round(100 * (model.test_accuracy_sd or 0.0), 2),
            "seeds": len(model.seeds),
        }
    return row


def write_metrics(path: Path, dataset: str, models: dict[str, ModelMetrics], **extra) -> None:
    """Write a notebook's metrics file and its headline file (`metrics/headline/NAME.json`), atomically."""
    content = NotebookMetrics(dataset=dataset, models=models, **extra)
    write_json_atomically(path, content.model_dump(mode="json"))
    target = headline_file(Path(path))
    target.parent.mkdir(parents=True, exist_ok=True)
    write_json_atomically(target, headline(content))


def write_headlines(metrics_dir: Path) -> None:
    """Rewrite every headline file from the metrics files (after a change of `headline`)."""
    for path in sorted(Path(metrics_dir).glob("[0-9]*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        content = NotebookMetrics.model_validate({"dataset": "", **content})
        target = headline_file(path)
        target.parent.mkdir(parents=True, exist_ok=True)
        write_json_atomically(target, headline(content))


def read_metrics(metrics_dir: Path) -> dict[str, NotebookMetrics]:
    """Every notebook's metrics file by notebook name (absent notebooks are simply missing); files of
    notebooks without models (e.g. the data exploration) are returned with an empty `models`."""
    found = {}
    for path in sorted(Path(metrics_dir).glob("[0-9]*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        found[path.stem] = NotebookMetrics.model_validate({"dataset": "", **content})
    return found


if __name__ == "__main__":  # python -m charrec.metrics: the headline files from the committed metrics
    write_headlines(Path("metrics"))
