"""How close does dense training come to this machine's float32 matmul peak?

    python benchmarks/dense_throughput.py [--epochs 3]

Measures, side by side in one run: the float32 matmul peak of NumPy and of TensorFlow, then the
source report's dense network (784-512-64-32-16-10, batch 500) trained on MNIST three ways: the
source-style script (float arrays and one-hot labels into `fit`), this project's pipeline
(`training.train`: uint8 tf.data, cached and prefetched), and the pipeline with several optimizer steps
per graph call (`steps_per_execution`). Throughput is counted in training FLOPs: 6 per weight per
image (forward multiply-add, and twice that backward). The first epoch (tracing) is not timed.
"""

import argparse
import os
import time

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import keras  # noqa: E402
import numpy as np  # noqa: E402
import tensorflow as tf  # noqa: E402

import charrec  # noqa: E402,F401  (the pipeline's TensorFlow options, before TensorFlow loads)
from charrec.models.dense import dense_network  # noqa: E402
from charrec.prepared import load_prepared  # noqa: E402
from charrec.training import EpochTimer, compile_classifier, make_deterministic, train  # noqa: E402

HIDDEN_UNITS = [512, 64, 32, 16]
BATCH_SIZE = 500


def matmul_peak(multiply, size: int = 2048, repeats: int = 10) -> float:
    """Best GFLOP/s of a square float32 matmul."""
    a = np.random.default_rng(0).random((size, size), dtype=np.float32)
    multiply(a, a)  # warm-up
    best = min(_timed(multiply, a) for _ in range(repeats))
    return 2 * size**3 / best / 1e9


def _timed(multiply, a) -> float:
    start = time.perf_counter()
    multiply(a, a)
    return time.perf_counter() - start


def tf_matmul(a, b):
    return tf.linalg.matmul(a, b).numpy()


def training_flops_per_image(model: keras.Model) -> float:
    weights = sum(
        int(np.prod(layer.kernel.shape)) for layer in model.layers if isinstance(layer, keras.layers.Dense)
    )
    return 6.0 * weights


def epoch_seconds_source_style(data, epochs: int) -> list[float]:
    """The source's way: scaled float arrays, one-hot labels, numpy into fit."""
    make_deterministic(0)
    model = keras.Sequential(
        [keras.Input((784,))]
        + [keras.layers.Dense(u, activation="relu") for u in HIDDEN_UNITS]
        + [keras.layers.Dense(10, activation="softmax")]
    )
    model.compile(optimizer="adam", loss="categorical_crossentropy", metrics=["accuracy"])
    x = data.x_train.reshape(-1, 784).astype("float32") / 255
    y = keras.utils.to_categorical(data.y_train, 10)
    timer = EpochTimer()
    model.fit(x, y, batch_size=BATCH_SIZE, epochs=epochs + 1, verbose=0, callbacks=[timer])
    return timer.epoch_seconds[1:]


def epoch_seconds_pipeline(data, epochs: int, steps_per_execution: int) -> list[float]:
    make_deterministic(0)
    model = compile_classifier(
        dense_network(HIDDEN_UNITS, 10), 0.001, steps_per_execution=steps_per_execution
    )
    run = train(model, data.x_train, data.y_train, None, epochs + 1, BATCH_SIZE, seed=0)
    return run.history["seconds"].tolist()[1:]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument(
        "--epochs", type=int, default=3, help="timed epochs per variant (after one warm-up epoch)"
    )
    parser.add_argument("--data", default="data/prepared/mnist.npz")
    args = parser.parse_args()
    data = load_prepared(args.data)
    numpy_peak, tf_peak = matmul_peak(np.matmul), matmul_peak(tf_matmul)
    flops = training_flops_per_image(dense_network(HIDDEN_UNITS, 10))
    print(
        f"float32 matmul peak: NumPy {numpy_peak:.1f} GFLOP/s, TensorFlow {tf_peak:.1f} GFLOP/s "
        f"({os.cpu_count()} logical cores)"
    )
    print(
        f"dense 784-{'-'.join(map(str, HIDDEN_UNITS))}-10, batch {BATCH_SIZE}, {len(data.y_train):,} "
        f"images/epoch, {flops / 1e6:.2f} MFLOP per training image\n"
    )
    variants = {
        "source-style (numpy floats into fit)": lambda: epoch_seconds_source_style(data, args.epochs),
        "pipeline (uint8 tf.data)": lambda: epoch_seconds_pipeline(data, args.epochs, 1),
        "pipeline, steps_per_execution=10": lambda: epoch_seconds_pipeline(data, args.epochs, 10),
    }
    baseline = None
    print(
        f"{'variant':40s} {'s/epoch':>8s} {'images/s':>10s} {'GFLOP/s':>8s} {'of NumPy peak':>14s} "
        f"{'speed-up':>9s}"
    )
    for name, measure in variants.items():
        seconds = float(np.median(measure()))
        images_per_second = len(data.y_train) / seconds
        gflops = images_per_second * flops / 1e9
        baseline = baseline or seconds
        print(
            f"{name:40s} {seconds:8.2f} {images_per_second:10,.0f} {gflops:8.1f} {gflops / numpy_peak:14.0%} "
            f"{baseline / seconds:8.2f}x"
        )


if __name__ == "__main__":
    main()
