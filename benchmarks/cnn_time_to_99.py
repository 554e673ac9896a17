"""Time to 99.0 % test accuracy: the source's plain CNN script against the improved CNN of notebook 04.

Run from the project root, after `dvc repro data@mnist`:

    python benchmarks/cnn_time_to_99.py            # both, side by side, in one process
    python benchmarks/cnn_time_to_99.py --epochs 3 # the measurement the 04 report reads

1. **Source-style script**: the simple CNN fed with NumPy arrays straight into `fit`, batch 64, 5 epochs,
   on all 60,000 training images, as the source did; its time is the 5 epochs' training time.
2. **Improved CNN** with the default params of `params/04_cnn.yaml` (architecture, augmentation,
   dropout, peak learning rate, batch size), trained on the same 60,000 images through
   `training.batched` (tf.data, cached, prefetched). Its warm-up + cosine schedule is set to the
   short budget of this race (`--epochs`, default 2, and `--warmup-epochs`, default 0) instead of the
   notebook's longer schedule, which aims at the best final accuracy rather than at 99.0 % soon. Every
   `--check-every` batches it is evaluated on the test set and stops at
   the first check at or above the target; its time is the training time until then (the
   evaluation passes are timed separately and not counted: a real run would not make them).

The test set is used here for a stopping rule, which is fine for a timing benchmark and never for
model selection (the notebook chooses on validation). This is a benchmark, not a test: pytest does
not collect it. Timings depend on the machine and on other jobs running on it.

The result goes to `--json` (default `benchmarks/results/cnn_time_to_99.json`): the machine, the
arguments, both times (s), both test accuracies (fractions), the improved CNN's epochs until the
target, every test check (batches, training seconds, test accuracy) and the ratio of the two times.
"""

import argparse
import json
import math
import os
import sys
import time
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")
ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT / "lib"))

import keras  # noqa: E402
import tensorflow as tf  # noqa: E402
from _study import study_params  # noqa: E402  (this folder: the committed params, validated)
from pipeline_timing import machine  # noqa: E402  (this folder: CPU model, cores, ISA flags)

from charrec.models.improved_cnn import improved_cnn  # noqa: E402
from charrec.prepared import load_prepared  # noqa: E402
from charrec.training import (  # noqa: E402
    batched,
    compile_classifier,
    learning_rate_schedule,
    make_deterministic,
)


def source_style(x_train, y_train, x_test, y_test, seed: int) -> tuple[float, float]:
    """The source's script: float arrays in [0, 1], a Sequential model, fit on NumPy arrays."""
    keras.utils.set_random_seed(seed)
    x_train = (x_train.astype("float32") / 255)[..., None]
    x_test = (x_test.astype("float32") / 255)[..., None]
    model = keras.Sequential(
        [
            keras.Input((28, 28, 1)),
            keras.layers.Conv2D(32, (3, 3), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Conv2D(64, (3, 3), activation="relu"),
            keras.layers.MaxPooling2D((2, 2)),
            keras.layers.Conv2D(64, (3, 3), activation="relu"),
            keras.layers.Flatten(),
            keras.layers.Dense(64, activation="relu"),
            keras.layers.Dense(10, activation="softmax"),
        ]
    )
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    start = time.perf_counter()
    model.fit(x_train, y_train, epochs=5, batch_size=64, verbose=0)
    seconds = time.perf_counter() - start
    return seconds, float(model.evaluate(x_test, y_test, verbose=0)[1])


class StopAtTestAccuracy(keras.callbacks.Callback):
    """Evaluate on the test set every `every` batches; stop training at the first check at or above `target`.
    The clock of the training time is paused during the evaluations."""

    def __init__(self, test: tf.data.Dataset, target: float, every: int):
        super().__init__()
        self.test, self.target, self.every = test, target, every
        self.batches, self.eval_seconds, self.reached, self.checks = 0, 0.0, None, []

    def on_train_begin(self, logs=None):
        self.start = time.perf_counter()

    def on_train_batch_end(self, batch, logs=None):
        self.batches += 1
        if self.batches % self.every or self.model.stop_training:
            return
        begin = time.perf_counter()
        accuracy = float(self.model.evaluate(self.test, verbose=0, return_dict=True)["accuracy"])
        self.eval_seconds += time.perf_counter() - begin
        train_seconds = time.perf_counter() - self.start - self.eval_seconds
        self.checks.append(
            {"batches": self.batches, "train_seconds": round(train_seconds, 2), "test_accuracy": accuracy}
        )
        print(
            f"  improved CNN: {self.batches} batches, {train_seconds:6.1f} s training, test accuracy "
            f"{accuracy:.4f}",
            flush=True,
        )
        if accuracy >= self.target:
            self.reached = (train_seconds, accuracy, self.batches)
            self.model.stop_training = True


def improved(
    network,
    x_train,
    y_train,
    x_test,
    y_test,
    seed: int,
    target: float,
    check_every: int,
    epochs: int,
    warmup_epochs: int,
    batch_size: int,
    peak_learning_rate: float,
):
    make_deterministic(seed)
    steps_per_epoch = math.ceil(len(y_train) / batch_size)
    schedule = learning_rate_schedule(peak_learning_rate, "cosine", steps_per_epoch, epochs, warmup_epochs)
    model = compile_classifier(
        improved_cnn(10, **network.options),
        schedule,
    )
    stopper = StopAtTestAccuracy(batched(x_test, y_test, 2000), target, check_every)
    model.fit(
        batched(x_train, y_train, batch_size, shuffle_seed=seed),
        epochs=epochs,
        callbacks=[stopper],
        verbose=0,
        shuffle=False,
    )
    return stopper.reached, steps_per_epoch, stopper.checks


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--target", type=float, default=0.99, help="test accuracy to reach (default 0.99)")
    parser.add_argument(
        "--check-every", type=int, default=50, help="batches between test evaluations (default 50)"
    )
    parser.add_argument(
        "--epochs", type=int, default=2, help="length of the improved CNN's schedule (default 2)"
    )
    parser.add_argument("--warmup-epochs", type=int, default=0, help="its warm-up epochs (default 0)")
    parser.add_argument("--batch-size", type=int, help="the improved CNN's batch size (default: params)")
    parser.add_argument("--peak-learning-rate", type=float, help="its peak learning rate (default: params)")
    parser.add_argument("--skip-source", action="store_true", help="time the improved CNN only (no ratio)")
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--params", type=Path, default=ROOT / "params" / "04_cnn.yaml")
    parser.add_argument(
        "--json",
        type=Path,
        default=ROOT / "benchmarks" / "results" / "cnn_time_to_99.json",
        help="result file",
    )
    args = parser.parse_args()
    load_at_start = [round(load, 2) for load in os.getloadavg()]  # other jobs on the machine slow both
    data = load_prepared(ROOT / "data" / "prepared" / "mnist.npz")
    network = study_params("04_cnn", args.params).networks["improved_cnn"]
    print(
        f"{len(tf.config.list_physical_devices('GPU'))} GPU(s), {os.cpu_count()} CPU core(s) visible",
        flush=True,
    )

    if not args.skip_source:
        print("source-style script: simple CNN, NumPy arrays into fit, batch 64, 5 epochs ...", flush=True)
        source_seconds, source_accuracy = source_style(
            data.x_train_full, data.y_train_full, data.x_test, data.y_test, args.seed
        )
        print(f"  source-style: {source_seconds:.1f} s, test accuracy {source_accuracy:.4f}", flush=True)

    batch_size = args.batch_size or network.batch_size
    peak_learning_rate = args.peak_learning_rate or network.learning_rate
    print(
        f"improved CNN (batch {batch_size}, peak learning rate {peak_learning_rate}, {args.epochs}-epoch "
        f"schedule) until test accuracy >= {args.target} ...",
        flush=True,
    )
    reached, steps_per_epoch, checks = improved(
        network,
        data.x_train_full,
        data.y_train_full,
        data.x_test,
        data.y_test,
        args.seed,
        args.target,
        args.check_every,
        args.epochs,
        args.warmup_epochs,
        batch_size,
        peak_learning_rate,
    )
    print()
    result = {
        "measured": time.strftime("%Y-%m-%d %H:%M UTC", time.gmtime()),
        "machine": machine(),
        "load_average_at_start": load_at_start,
        "arguments": {
            "target": args.target,
            "check_every": args.check_every,
            "epochs": args.epochs,
            "warmup_epochs": args.warmup_epochs,
            "batch_size": batch_size,
            "peak_learning_rate": peak_learning_rate,
            "seed": args.seed,
            "filters": list(network.options["filters"]),
        },
        "train_images": len(data.y_train_full),
        "source_style": None
        if args.skip_source
        else {"epochs": 5, "seconds": round(source_seconds, 2), "test_accuracy": source_accuracy},
        "improved": None
        if reached is None
        else {
            "seconds": round(reached[0], 2),
            "test_accuracy": reached[1],
            "batches": reached[2],
            "epochs": round(reached[2] / steps_per_epoch, 3),
        },
        "checks": checks,
        "ratio": None if reached is None or args.skip_source else round(reached[0] / source_seconds, 4),
    }
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(json.dumps(result, indent=1) + "\n")
    if not args.skip_source:
        print(
            f"source-style script, 5 epochs:       {source_seconds:7.1f} s  (test accuracy "
            f"{source_accuracy:.4f})"
        )
    if reached is None:
        print(f"improved CNN: did not reach {args.target} within {args.epochs} epochs")
        return 1
    seconds, accuracy, batches = reached
    print(
        f"improved CNN to {args.target:.3f} test accuracy: {seconds:7.1f} s  "
        f"(test accuracy {accuracy:.4f} after {batches / steps_per_epoch:.2f} epochs)"
    )
    if not args.skip_source:
        print(f"ratio improved / source-style: {seconds / source_seconds:.3f} (target <= 0.333)")
    return 0


if __name__ == "__main__":
    sys.exit(main())
