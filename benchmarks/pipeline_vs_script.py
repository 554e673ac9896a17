"""Is every model of the study trained at least as fast as a plain script would train it?

    python benchmarks/pipeline_vs_script.py [--images 12000] [--epochs 2] [--json FILE]

For each model, side by side in one run and with the same number of TensorFlow threads as a training
worker of the pipeline (cores / CHARREC_JOBS, so 1 thread on 2 cores):

- **plain script**: the way the source reports train, i.e. the same layers in a `keras.Sequential`
  (batch normalization by Keras' own layer, where the study uses its fused one) fed float32 NumPy
  arrays scaled to [0, 1], `model.fit(x, y, batch_size=...)` with Keras' defaults
  (one optimizer step per graph call);
- **pipeline**: `charrec.training.train` as the training stage runs it: uint8 images through a cached,
  prefetched tf.data pipeline, the model scaling them itself, with the batch size and steps per graph
  call of the notebook's params.

Both train the same layers with the same batch size on the same MNIST training images (`--images` of
them) for `--epochs` timed epochs after one untimed warm-up epoch (tracing). The table prints images/s
of each and their ratio (pipeline / script; >= 1 means the pipeline is not slower). Timings depend on
the machine and on what else runs on it; this is a benchmark, not a test (pytest does not collect it).
"""

import argparse
import json
import os
import subprocess
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")  # also a spurious error of NumPy input

import _study  # noqa: E402  (this folder: the committed params and models)
import numpy as np  # noqa: E402
from pipeline_timing import machine  # noqa: E402  (this folder: CPU model, cores, ISA flags)
from roofline import with_keras_batch_normalization  # noqa: E402  (this folder)

ROOT = Path(__file__).resolve().parents[1]


def study_models() -> dict:
    """name -> (builder, batch size, steps per graph call): the study's models (`_study.study_models`)."""
    return _study.study_models()


def plain_script_seconds(build, x: np.ndarray, y: np.ndarray, batch_size: int, epochs: int) -> float:
    """Seconds per epoch (median of the timed epochs) of the same layers fed float arrays, as a script."""
    import keras

    from charrec.training import EpochTimer, make_deterministic

    make_deterministic(0)
    layers = with_keras_batch_normalization(build)().layers
    # The study's models start with a uint8 input and a rescaling layer: the script scales the arrays itself.
    model = keras.Sequential([keras.Input((28, 28)), *layers[2:]])
    model.compile(optimizer="adam", loss="sparse_categorical_crossentropy", metrics=["accuracy"])
    timer = EpochTimer()
    model.fit(
        x.astype("float32") / 255, y, batch_size=batch_size, epochs=epochs + 1, verbose=0, callbacks=[timer]
    )
    return float(np.median(timer.epoch_seconds[1:]))


def pipeline_seconds(build, x, y, batch_size: int, steps_per_execution: int, epochs: int) -> float:
    """Seconds per epoch (median of the timed epochs) through the training stage's own code."""
    from charrec.training import compile_classifier, make_deterministic, train

    make_deterministic(0)
    model = compile_classifier(build(), 0.001, steps_per_execution)
    run = train(model, x, y, None, epochs + 1, batch_size, seed=0)
    return float(np.median(run.history["seconds"].iloc[1:]))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--images", type=int, default=12_000, help="training images per epoch")
    parser.add_argument("--epochs", type=int, default=2, help="timed epochs per variant, after a warm-up")
    parser.add_argument("--json", type=Path, help="also write the table to this JSON file")
    args = parser.parse_args()
    from charrec.prepared import load_prepared
    from charrec.tasks import jobs_setting, limit_threads, usable_cpus

    threads = max(1, usable_cpus() // jobs_setting())
    limit_threads(threads)
    data = load_prepared(ROOT / "data" / "prepared" / "mnist.npz")
    x, y = data.x_train[: args.images], data.y_train[: args.images]
    print(f"{len(x):,} MNIST images per epoch, {args.epochs} timed epochs, {threads} TensorFlow thread(s)\n")
    print(f"{'model':30s} {'batch':>5s} {'script img/s':>13s} {'pipeline img/s':>15s} {'ratio':>6s}")
    rows = []
    for name, (build, batch_size, steps) in study_models().items():
        script = plain_script_seconds(build, x, y, batch_size, args.epochs)
        pipeline = pipeline_seconds(build, x, y, batch_size, steps, args.epochs)
        rows.append(
            {
                "model": name,
                "batch_size": batch_size,
                "steps_per_execution": steps,
                "script_images_per_second": round(len(x) / script),
                "pipeline_images_per_second": round(len(x) / pipeline),
                "ratio": round(script / pipeline, 3),
            }
        )
        row = rows[-1]
        print(
            f"{name:30s} {batch_size:5d} {row['script_images_per_second']:13,d} "
            f"{row['pipeline_images_per_second']:15,d} {row['ratio']:6.2f}",
            flush=True,
        )
    if args.json:
        commit = subprocess.run(
            ["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True
        )
        args.json.parent.mkdir(parents=True, exist_ok=True)
        record = {
            "commit": commit.stdout.strip(),
            "machine": machine(),
            "threads": threads,
            "images_per_epoch": len(x),
            "timed_epochs": args.epochs,
            "models": rows,
        }
        args.json.write_text(json.dumps(record, indent=2) + "\n")


if __name__ == "__main__":
    main()
