"""One regularization run per process, one JSON file per run: the unit DVC caches.

    python -m charrec.sweep 03_regularization l2 1e-05      # one point of the L2 sweep (training subset)
    python -m charrec.sweep 03_regularization reference     # the same subset, no regularizer
    python -m charrec.sweep 03_regularization baseline      # the unregularized network on all 50,000
    python -m charrec.sweep 03_regularization combination   # the final recipe on 50,000, validated per epoch
    python -m charrec.sweep 03_regularization final 0       # the final recipe on all 60,000, seed 0 (saved)

Each run reads the notebook's params file (`params/<name>.yaml`), trains, scores training and
validation images in inference mode, and writes `metrics/<name>_sweep/<kind>/<value>.json`
(history per epoch included); a final run also saves its model to `models/<name>_final/seed<N>.keras`
(the notebook evaluates it on the test set, once). A DVC `foreach` stage runs one process per sweep value, so adding a
value to a sweep in the params file trains only that point; the notebook only reads these files.
"""

import argparse
import json
import os
import sys
from pathlib import Path

import numpy as np

from . import backend  # noqa: F401  (TensorFlow options, before keras loads it below)
from .params import ParamsError, load_params

SWEEP_KINDS = ("l1", "l2", "dropout", "max_norm", "early_stopping", "final")  # "final" takes a seed
SINGLE_RUNS = ("reference", "baseline", "combination")


def point_file(root: Path, name: str, kind: str, value_text: str | None = None) -> Path:
    """Where one run's results live: the value spelled as on the command line (as DVC writes it there)."""
    folder = Path(root) / "metrics" / f"{name}_sweep" / kind
    return folder / (f"{value_text}.json" if value_text is not None else "run.json")


def load_points(root: Path, name: str) -> dict[str, list[dict]]:
    """Every run result written so far, grouped by kind and sorted by value."""
    grouped: dict[str, list[dict]] = {}
    for path in sorted((Path(root) / "metrics" / f"{name}_sweep").glob("*/*.json")):
        result = json.loads(path.read_text(encoding="utf-8"))
        grouped.setdefault(result["kind"], []).append(result)
    for results in grouped.values():
        results.sort(key=lambda result: result["value"] if result["value"] is not None else 0)
    return grouped


def stratified_subset(labels: np.ndarray, size: int, seed: int) -> np.ndarray:
    """Indices of `size` images with the class proportions of `labels` (all of them if size is larger)."""
    from .data import _stratified_subset

    return _stratified_subset(labels, size, seed)


def run_spec(params, kind: str, value: float | None) -> dict:
    """The settings of one run: the sweep protocol with one regularizer, or the baseline/combination."""
    sweep = params.sweep
    spec = {"kind": kind, "value": value, "regularizer": {}, "epochs": sweep.epochs,
            "learning_rate": sweep.learning_rate, "batch_size": sweep.batch_size,
            "train_size": sweep.train_size, "seed": sweep.seed, "early_stopping": None, "schedule": "constant"}
    if kind == "baseline":
        spec.update(epochs=params.epochs, learning_rate=params.learning_rate, batch_size=params.batch_size,
                    train_size=None, seed=params.seeds[0])
    elif kind in ("combination", "final"):
        final = params.final
        spec.update(epochs=final.epochs, learning_rate=final.learning_rate, batch_size=final.batch_size,
                    train_size=None, seed=params.seeds[0] if kind == "combination" else int(value),
                    schedule=final.schedule,
                    regularizer={"l1": final.l1, "l2": final.l2, "dropout": final.dropout, "max_norm": final.max_norm,
                                 "shift_fraction": final.shift_fraction})
    elif kind == "early_stopping":
        spec.update(epochs=sweep.early_stopping_max_epochs,
                    early_stopping={"patience": int(value), "min_delta": sweep.early_stopping_min_delta})
    elif kind in SWEEP_KINDS:
        spec["regularizer"] = {kind: value}
    elif kind != "reference":
        raise ParamsError(f"unknown run kind '{kind}'; known: {', '.join(SINGLE_RUNS + SWEEP_KINDS)}")
    return spec


def final_model_file(root: Path, name: str, seed: int) -> Path:
    return Path(root) / "models" / f"{name}_final" / f"seed{seed}.keras"


def execute(spec: dict, params, data, model_file: Path | None = None) -> dict:
    """Train one run as specified and return its JSON-ready result (a final run trains on all
    60,000 training images, saves its model and is not scored here: the notebook tests it once)."""
    import keras

    from .models import dense_network
    from .training import compile_classifier, learning_rate_schedule, make_deterministic, train

    final = spec["kind"] == "final"
    x_train, y_train = (data.x_train_full, data.y_train_full) if final else (data.x_train, data.y_train)
    if spec["train_size"]:
        keep = stratified_subset(y_train, spec["train_size"], spec["seed"])
        x_train, y_train = x_train[keep], y_train[keep]
    make_deterministic(spec["seed"])
    model = dense_network(params.hidden_units, data.num_classes, **spec["regularizer"], name="dense_regularized")
    steps = spec["epochs"] * -(-len(x_train) // spec["batch_size"])
    compile_classifier(model, learning_rate_schedule(spec["learning_rate"], spec["schedule"], steps))
    callbacks = []
    if spec["early_stopping"]:
        callbacks.append(keras.callbacks.EarlyStopping(
            monitor="val_loss", restore_best_weights=True, **spec["early_stopping"]))
    # Validation every epoch only where a curve or a stopping rule needs it: it costs a pass over 10,000 images.
    per_epoch = spec["kind"] in ("baseline", "combination", "early_stopping")
    run = train(model, x_train, y_train, (data.x_val, data.y_val) if per_epoch else None,
                spec["epochs"], spec["batch_size"], spec["seed"], callbacks=callbacks)
    timing = {"epochs_run": len(run.history), "train_seconds": round(run.train_seconds, 2),
              "images_per_second": round(run.images_per_second, 1), "train_images": len(x_train)}
    if final:
        model_file.parent.mkdir(parents=True, exist_ok=True)
        model.save(model_file)
        return {**spec, **timing, "history": json.loads(run.history.round(6).to_json(orient="records"))}
    train_accuracy = float(model.evaluate(x_train, y_train, batch_size=2000, verbose=0)[1])
    validation_loss, validation_accuracy = (float(v) for v in model.evaluate(data.x_val, data.y_val, batch_size=2000, verbose=0))
    stopped = callbacks[0].best_epoch + 1 if spec["early_stopping"] and callbacks[0].stopped_epoch else None
    return {
        **spec, **timing,
        "train_accuracy": round(train_accuracy, 6), "validation_accuracy": round(validation_accuracy, 6),
        "validation_loss": round(validation_loss, 6), "gap": round(train_accuracy - validation_accuracy, 6),
        "best_epoch": stopped, "history": json.loads(run.history.round(6).to_json(orient="records")),
    }


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", help="the notebook whose params file describes the runs, e.g. 03_regularization")
    parser.add_argument("kind", choices=SINGLE_RUNS + SWEEP_KINDS)
    parser.add_argument("value", nargs="?", help="the regularizer's strength (sweep kinds only)")
    args = parser.parse_args(argv)
    os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
    if (args.value is None) != (args.kind in SINGLE_RUNS):
        parser.error(f"'{args.kind}' {'takes no value' if args.kind in SINGLE_RUNS else 'needs a value'}")
    try:
        value = None if args.value is None else (int if args.kind in ("early_stopping", "final") else float)(args.value)
    except ValueError:
        parser.error(f"'{args.value}' is not a number")
    try:
        params = load_params(Path("params") / f"{args.name}.yaml")
        spec = run_spec(params, args.kind, value)
    except ParamsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from .data import load_prepared
    from .report import write_json_atomically

    model_file = final_model_file(Path("."), args.name, value) if args.kind == "final" else None
    result = execute(spec, params, load_prepared(Path("data/prepared/mnist.npz")), model_file)
    write_json_atomically(point_file(Path("."), args.name, args.kind, args.value), result)
    print(f"{args.kind} {value}: validation accuracy {result.get('validation_accuracy', float('nan')):.4f}, "
          f"{result['train_seconds']:.1f} s")
    return 0


if __name__ == "__main__":
    sys.exit(main())
