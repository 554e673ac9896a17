"""The metrics files `metrics/NAME.json`: one schema, written by one function, read by the summary.

Every notebook that trains models writes `{"dataset": ..., "models": {KEY: ModelMetrics}, ...}`;
notebook-specific facts go beside `models` (e.g. the batch-norm comparisons). `dvc metrics show`
and the summary notebook read these files; they are committed to git.
"""

import json
from pathlib import Path

import pandas as pd
from pydantic import BaseModel, ConfigDict

from .evaluation import mean_sd
from .files import write_json_atomically


class ModelMetrics(BaseModel):
    """One model's headline numbers over its seeds (accuracies as fractions, times in seconds)."""

    model_config = ConfigDict(extra="allow")  # notebook-specific extras, e.g. ms_per_step_mean

    architecture: str
    parameters: int  # trainable
    epochs: int
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
    train_seconds, images_per_second and optionally validation_accuracy."""
    test_mean, test_sd = mean_sd(runs["test_accuracy"])
    validation = runs["validation_accuracy"].mean() if "validation_accuracy" in runs else None
    fields = dict(
        architecture=architecture,
        parameters=int(parameters),
        epochs=int(epochs),
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
    return ModelMetrics(**{**fields, **extra})  # an extra (e.g. validation_accuracy_mean of another run) wins


def write_metrics(path: Path, dataset: str, models: dict[str, ModelMetrics], **extra) -> None:
    """Write a notebook's metrics file (atomically)."""
    content = NotebookMetrics(dataset=dataset, models=models, **extra)
    write_json_atomically(path, content.model_dump(mode="json"))


def read_metrics(metrics_dir: Path) -> dict[str, NotebookMetrics]:
    """Every notebook's metrics file by notebook name (absent notebooks are simply missing); files of
    notebooks without models (e.g. the data exploration) are returned with an empty `models`."""
    found = {}
    for path in sorted(Path(metrics_dir).glob("[0-9]*.json")):
        content = json.loads(path.read_text(encoding="utf-8"))
        found[path.stem] = NotebookMetrics.model_validate({"dataset": "", **content})
    return found
