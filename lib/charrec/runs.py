"""One training run: what it is (`RunSpec`) and how it is carried out (`execute`).

A run is the unit of work and of caching of the whole study: one model, one seed, one training
protocol. Every notebook's runs are listed by `charrec.plans` and carried out by `charrec.tasks`
(in parallel, cached per run); the notebooks only read their results. The result of a run depends
on its spec, on the prepared data, on this module's code with what it imports, and on its model's
module; their fingerprint is part of every stored result (`charrec.fingerprints`).
"""

import json
import math
import time
from dataclasses import asdict, dataclass, field
from pathlib import Path

import numpy as np

from .prepared import load_prepared, stratified_subset, with_grouped_classes


@dataclass(frozen=True)
class RunSpec:
    """Everything that decides the outcome of one training run (JSON-serialisable).

    The model is `charrec.models.build(model, num_classes, **options)`; it trains with Adam on integer
    labels for `epochs` passes over the chosen training images in batches of `batch_size`.
    """

    key: str  # the run's name within its notebook, e.g. "final-seed0"; also its file name
    model: str  # a registered model (charrec.models.catalogue())
    options: dict  # the builder's keyword arguments, num_classes excluded
    seed: int  # initial weights and the order of the training images
    epochs: int
    batch_size: int
    learning_rate: float  # Adam's rate; with a schedule, its peak
    schedule: str = "constant"  # "constant", or "cosine": decay to zero at the last epoch
    warmup_epochs: int = 0  # cosine only: linear warm-up from a tenth of the peak over this many epochs
    dataset: str = "mnist"  # data/prepared/<dataset>.npz
    class_groups: list | None = None  # merge classes, e.g. [[0, 6], [1, 7], ...]
    train_on: str = "train"  # "train" (the split's training part) or "train_full" (training + validation)
    train_size: int | None = None  # a stratified subset of that many training images
    validate_every_epoch: bool = False  # score the validation part after every epoch (learning curves)
    early_stopping: dict | None = None  # keras.callbacks.EarlyStopping arguments; the best weights are kept
    steps_per_execution: int = 1  # optimizer steps per graph call: the same updates, less overhead
    score: bool = False  # training and validation accuracy in inference mode after training
    # pixels; > 0: also score the mean probabilities over each image and its four shifts by this many
    # pixels (test-time augmentation), on the validation images (validated runs) and the test images
    test_time_shift: int = 0
    test: bool = False  # keep the model and its probabilities on the test images
    keep_model: bool = False  # keep the model without testing it (validation runs, for later analyses)
    labels: dict = field(default_factory=dict)  # how the notebook names this run (model, seed, value...)

    def as_json(self) -> dict:
        """The spec as stored in the run's result file (tuples become lists)."""
        return json.loads(json.dumps(asdict(self)))


def progress_log(prefix: str, print_line=print):
    """A Keras callback printing one line per epoch: run, epoch e of E, elapsed and estimated time left
    (s)."""
    import keras

    class ProgressLog(keras.callbacks.Callback):
        def on_train_begin(self, logs=None):
            self.start = time.perf_counter()

        def on_epoch_end(self, epoch, logs=None):
            elapsed = time.perf_counter() - self.start
            left = elapsed / (epoch + 1) * (self.params["epochs"] - epoch - 1)
            logs = logs or {}
            accuracy = logs.get("val_accuracy", logs.get("accuracy"))
            print_line(
                f"{prefix}: epoch {epoch + 1}/{self.params['epochs']}, {elapsed:.0f} s elapsed, about "
                f"{left:.0f} s left" + (f", accuracy {accuracy:.4f}" if accuracy is not None else "")
            )

    return ProgressLog()


def execute(
    spec: RunSpec, data_dir: Path, model_file: Path | None = None, prefix: str | None = None, print_line=print
) -> dict:
    """Train one run and return its JSON-ready result.

    Reads `data_dir/<dataset>.npz`. The result holds the spec, the history (one record per epoch:
    loss, accuracy, val_loss, val_accuracy when validated, seconds), `epochs_run`, `train_seconds`
    (wall time of the epochs, s), `images_per_second` and `train_images`; with `early_stopping`
    `best_epoch` (1-based) and `stopped_early`; with `score` `train_accuracy`, `validation_accuracy`
    and `validation_loss` (inference mode, fractions); with `test` `test_accuracy` and, in the
    returned dict only, `test_probabilities` (float32, test images × classes); with `test` or
    `keep_model` the model is saved to `model_file`. With `test_time_shift`: `validation_accuracy_plain` and
    `validation_accuracy_shifted` (validated runs), `test_accuracy_shifted` and, in the returned dict
    only, `test_probabilities_shifted` (test runs). Raises UnknownModelError (a ValueError) for an unknown
    model and ValueError for an unknown schedule.
    """
    import keras

    from . import models
    from .training import (
        compile_classifier,
        evaluate,
        learning_rate_schedule,
        make_deterministic,
        predict_probabilities,
        predict_with_shifts,
        train,
    )

    builder = models.builder(spec.model)  # raises UnknownModelError naming the model
    data = load_prepared(Path(data_dir) / f"{spec.dataset}.npz")
    if spec.class_groups:
        data = with_grouped_classes(data, spec.class_groups)
    x_train, y_train = (
        (data.x_train_full, data.y_train_full)
        if spec.train_on == "train_full"
        else (data.x_train, data.y_train)
    )
    if spec.train_size:
        keep = stratified_subset(y_train, spec.train_size, spec.seed)
        x_train, y_train = x_train[keep], y_train[keep]

    make_deterministic(spec.seed)
    model = builder(num_classes=data.num_classes, **spec.options)
    steps_per_epoch = math.ceil(len(y_train) / spec.batch_size)
    schedule = learning_rate_schedule(
        spec.learning_rate, spec.schedule, steps_per_epoch, spec.epochs, spec.warmup_epochs
    )
    compile_classifier(model, schedule, spec.steps_per_execution)
    callbacks = [progress_log(prefix or spec.key, print_line)]
    if spec.early_stopping:
        callbacks.append(keras.callbacks.EarlyStopping(restore_best_weights=True, **spec.early_stopping))
    validation = (data.x_val, data.y_val) if spec.validate_every_epoch else None
    run = train(
        model, x_train, y_train, validation, spec.epochs, spec.batch_size, spec.seed, callbacks=callbacks
    )

    result = {
        "spec": spec.as_json(),
        "epochs_run": len(run.history),
        "train_images": len(y_train),
        "train_seconds": round(run.train_seconds, 2),
        "images_per_second": round(run.images_per_second, 1),
        "history": json.loads(run.history.round(6).to_json(orient="records")),
    }
    if spec.early_stopping:
        stopper = callbacks[-1]
        result["best_epoch"] = int(stopper.best_epoch) + 1
        result["stopped_early"] = bool(stopper.stopped_epoch)
    if spec.score:
        train_accuracy = evaluate(model, x_train, y_train)[1]
        validation_loss, validation_accuracy = evaluate(model, data.x_val, data.y_val)
        result.update(
            train_accuracy=round(train_accuracy, 6),
            validation_accuracy=round(validation_accuracy, 6),
            validation_loss=round(validation_loss, 6),
            gap=round(train_accuracy - validation_accuracy, 6),
        )

    def accuracy(probabilities: np.ndarray, labels: np.ndarray) -> float:
        return round(float((probabilities.argmax(1) == labels).mean()), 6)

    if spec.test_time_shift and validation is not None:
        plain, shifted = predict_with_shifts(model, data.x_val, spec.test_time_shift)
        result.update(
            validation_accuracy_plain=accuracy(plain, data.y_val),
            validation_accuracy_shifted=accuracy(shifted, data.y_val),
        )
    if spec.test:
        if spec.test_time_shift:
            probabilities, shifted = predict_with_shifts(model, data.x_test, spec.test_time_shift)
            result["test_accuracy_shifted"] = accuracy(shifted, data.y_test)
            result["test_probabilities_shifted"] = shifted.astype(np.float32)
        else:
            probabilities = predict_probabilities(model, data.x_test)
        result["test_probabilities"] = probabilities.astype(np.float32)
        result["test_accuracy"] = accuracy(result["test_probabilities"], data.y_test)
    if (spec.test or spec.keep_model) and model_file is not None:
        Path(model_file).parent.mkdir(parents=True, exist_ok=True)
        partial = Path(model_file).with_name(f".{Path(model_file).stem}.part.keras")
        model.save(partial)
        partial.replace(model_file)
    return result
