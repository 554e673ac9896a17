"""The training path of the scikit-learn models (`charrec.models.classical`): one fit, then its scores.

The counterpart of `charrec.runs.execute` for estimators that are fitted once instead of trained for
epochs: the same contract (a `RunSpec` in, a JSON-ready result out, the test probabilities returned for
the store), with what such a fit has. A scikit-learn run has no epochs, batches or learning rate: its spec
says so with `epochs=0`, `batch_size=0`, `learning_rate=0.0`, and its result has no history. The model's
module imports this one, so the runs of these models, and only they, go stale when it changes
(`charrec.fingerprints`); `charrec.tasks` sends a run here when its model's module defines `execute`.
"""

import time
from pathlib import Path

import numpy as np

from .prepared import load_prepared, stratified_subset, with_grouped_classes
from .runs import RunSpec

# The settings of a Keras run that a fit has not, with the values a scikit-learn run's spec gives them.
NOT_USED = {
    "epochs": 0,
    "batch_size": 0,
    "learning_rate": 0.0,
    "schedule": "constant",
    "warmup_epochs": 0,
    "validate_every_epoch": False,
    "early_stopping": None,
    "steps_per_execution": 1,
    "test_time_shift": 0,
    "keep_model": False,
}


def pixels(images: np.ndarray) -> np.ndarray:
    """(N, 28, 28) uint8 images -> (N, 784) float32 features, the pixels scaled to 0..1."""
    return images.reshape(len(images), -1).astype(np.float32) / 255.0


def stored_values(estimator) -> int:
    """How many numbers the fitted estimator keeps to predict (its size, the counterpart of a network's
    parameter count): logistic regression its weights and biases; k-NN its training images (the images
    are the model); the SVM its support vectors with their coefficients, biases and the PCA projection."""
    steps = estimator.named_steps if hasattr(estimator, "named_steps") else {"model": estimator}
    total = 0
    for step in steps.values():
        for name in ("coef_", "intercept_", "components_", "mean_", "support_vectors_", "dual_coef_"):
            if hasattr(step, name):
                total += int(np.asarray(getattr(step, name)).size)
        if hasattr(step, "_fit_X"):  # k nearest neighbours: the stored training images
            total += int(step._fit_X.size)
    return total


def fit_details(estimator) -> dict:
    """What a fit reports besides its time: the solver's iterations (logistic regression; `converged`
    when it stopped before its limit) or the number of support vectors (SVM)."""
    final = estimator.steps[-1][1] if hasattr(estimator, "steps") else estimator
    details = {}
    if hasattr(final, "n_iter_") and hasattr(final, "max_iter"):
        iterations = int(np.max(final.n_iter_))
        details |= {"solver_iterations": iterations, "converged": iterations < final.max_iter}
    if hasattr(final, "n_support_"):
        details["support_vectors"] = int(np.sum(final.n_support_))
    return details


def scores(estimator, features: np.ndarray, num_classes: int) -> tuple[np.ndarray, str]:
    """The estimator's class scores, (N, classes) float32: its probabilities where it estimates them
    ("probabilities"), else one-hot rows of its predictions ("one-hot predictions", e.g. the SVM)."""
    if hasattr(estimator, "predict_proba"):
        try:
            return estimator.predict_proba(features).astype(np.float32), "probabilities"
        except AttributeError:  # an SVC without probability=True exposes predict_proba and raises
            pass
    predicted = estimator.predict(features)
    return np.eye(num_classes, dtype=np.float32)[predicted], "one-hot predictions"


def execute(
    spec: RunSpec, data_dir: Path, model_file: Path | None = None, prefix: str | None = None, print_line=print
) -> dict:
    """Fit one scikit-learn run and return its JSON-ready result.

    Reads `data_dir/<dataset>.npz`, fits `charrec.models.build(spec.model, ...)` on the chosen training
    images once (the pixels scaled to 0..1), and returns: the spec, `train_images`, `train_seconds` (wall
    time of the fit, s), `images_per_second` (of the fit), `stored_values`, the fit's details
    (`fit_details`), `kept_model` false (no model file is written: `model_file` is not used), and
    `predict_seconds` (wall time of the predictions below, s); with `score`, `validation_accuracy` (the
    validation part, fraction); with `test`, `test_accuracy`, `test_scores` (what the scores are, see
    `scores`) and, in the returned dict only, `test_probabilities` (float32, test images x classes).
    Raises ValueError for a spec with epochs, batches, a learning rate or another Keras-only setting
    (`NOT_USED`).
    """
    from . import models

    keras_only = {key: getattr(spec, key) for key, value in NOT_USED.items() if getattr(spec, key) != value}
    if keras_only:
        raise ValueError(
            f"run '{spec.key}': {spec.model} is a scikit-learn model, fitted once; its spec has Keras "
            f"settings {keras_only}: give it {', '.join(f'{k}={v!r}' for k, v in NOT_USED.items())}"
        )
    say = print_line
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

    np.random.seed(spec.seed)  # the estimators here are deterministic; any random step would draw from this
    estimator = models.build(spec.model, num_classes=data.num_classes, **spec.options)
    name = prefix or spec.key
    say(f"{name}: fitting on {len(y_train):,} images (scikit-learn, one fit)")
    start = time.perf_counter()
    estimator.fit(pixels(x_train), y_train)
    fit_seconds = time.perf_counter() - start
    result = {
        "spec": spec.as_json(),
        "train_images": len(y_train),
        "train_seconds": round(fit_seconds, 2),
        "images_per_second": round(len(y_train) / max(fit_seconds, 1e-9), 1),
        "stored_values": stored_values(estimator),
        **fit_details(estimator),
        "kept_model": False,
    }
    say(f"{name}: fitted in {fit_seconds:.0f} s; predicting")
    start = time.perf_counter()
    if spec.score:
        predicted = estimator.predict(pixels(data.x_val))
        result["validation_accuracy"] = round(float((predicted == data.y_val).mean()), 6)
    if spec.test:
        probabilities, kind = scores(estimator, pixels(data.x_test), data.num_classes)
        result["test_probabilities"] = probabilities
        result["test_scores"] = kind
        result["test_accuracy"] = round(float((probabilities.argmax(1) == data.y_test).mean()), 6)
    result["predict_seconds"] = round(time.perf_counter() - start, 2)
    found = {k: result[k] for k in ("validation_accuracy", "test_accuracy") if k in result}
    say(f"{name}: done, " + ", ".join(f"{k.replace('_', ' ')} {v:.4f}" for k, v in found.items()))
    return result
