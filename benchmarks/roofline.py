"""Every model of the study against this machine's arithmetic peak, measured side by side in one run.

    python benchmarks/roofline.py [--seconds 20] [--json benchmarks/results/roofline.json]

For each model, with the batch size and steps per graph call its notebook trains with: the
multiply-adds per image of one forward pass (counted from the layers: a dense layer in × out, a
convolution out_height × out_width × kernel area × in_channels × out_channels), the training
throughput on synthetic uint8 images (images/s, after a warm-up), the achieved GFLOP/s (a training
step costs about 3 forward passes, 2 FLOP per multiply-add: 6 × multiply-adds per image) and its
share of the float32 matrix-multiply peak measured by NumPy in the same run. TensorFlow runs with the
pipeline's options (oneDNN) and, like a training worker of the pipeline, with `cores / CHARREC_JOBS`
threads (default: one worker per core, so 1 thread on 2 cores; pass --threads to change).
"""

import argparse
import json
import os
import time
from pathlib import Path

import numpy as np

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "2")

import _study  # noqa: E402  (this folder: the committed params and models)

BATCH_NORM_MODULES = ("charrec.models.improved_cnn", "charrec.models.tiny_cnn")  # import the fused layer


def with_keras_batch_normalization(build):
    """The same builder, with Keras' own `BatchNormalization` layer where the study's models use
    `charrec.models.layers.FusedBatchNormalization` (the layer the study used before): the fused kernel's
    gain, measured side by side. The layer is replaced in every model module that uses it, where its
    builder looks it up (`charrec.models.improved_cnn`, `charrec.models.tiny_cnn`)."""

    def build_with_keras_layer():
        import importlib
        from contextlib import ExitStack
        from unittest import mock

        import keras

        with ExitStack() as patches:
            for module in BATCH_NORM_MODULES:
                patches.enter_context(
                    mock.patch.object(
                        importlib.import_module(module),
                        "FusedBatchNormalization",
                        keras.layers.BatchNormalization,
                    )
                )
            return build()

    return build_with_keras_layer


def study_models() -> dict:
    """name -> (builder, batch size, steps per execution): the study's models (`_study.study_models`; 06's CNN
    is 04's improved CNN), and the two models with batch normalization also with Keras' own layer."""
    models = _study.study_models()
    for name in ("04 improved CNN", "05 4,470-parameter CNN + BN"):
        build, *rest = models[name]
        models[f"{name}, Keras BN layer"] = (with_keras_batch_normalization(build), *rest)
    return models


def multiply_adds(model) -> int:
    """Multiply-adds of one forward pass of one image through the model's dense and convolution layers."""
    import keras

    total = 0
    for layer in model._flatten_layers(include_self=False):
        if isinstance(layer, keras.layers.Dense):
            total += int(np.prod(layer.kernel.shape))
        elif isinstance(layer, keras.layers.Conv2D):
            height, width = layer.output.shape[1:3]
            total += int(height * width * np.prod(layer.kernel.shape))
    return total


def matmul_peak(seconds: float = 3.0, size: int = 2048) -> float:
    """float32 matrix-multiply GFLOP/s of NumPy's BLAS on all cores."""
    a, b = (np.random.default_rng(0).random((size, size), dtype=np.float32) for _ in range(2))
    a @ b
    runs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        a @ b
        runs += 1
    return 2 * size**3 * runs / (time.perf_counter() - start) / 1e9


def images_per_second(build, batch_size: int, steps_per_execution: int, seconds: float) -> float:
    """Training throughput on synthetic images: one warm-up epoch, then epochs until `seconds` have passed."""
    from charrec.training import batched, compile_classifier, make_deterministic

    make_deterministic(0)
    model = compile_classifier(build(), 0.001, steps_per_execution)
    steps = max(steps_per_execution, 200 // steps_per_execution * steps_per_execution)
    rng = np.random.default_rng(0)
    images = rng.integers(0, 256, (steps * batch_size, 28, 28), dtype=np.uint8)
    data = batched(images, rng.integers(0, 10, len(images)).astype(np.uint8), batch_size)
    model.fit(data, epochs=1, verbose=0)
    epochs, start = 0, time.perf_counter()
    while time.perf_counter() - start < seconds:
        model.fit(data, epochs=1, verbose=0)
        epochs += 1
    return epochs * len(images) / (time.perf_counter() - start)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--seconds", type=float, default=20, help="timed training per model (default 20)")
    parser.add_argument("--threads", type=int, help="TensorFlow threads (default: cores / CHARREC_JOBS)")
    parser.add_argument("--json", type=Path, help="also write the table to this JSON file")
    args = parser.parse_args()
    from charrec.tasks import jobs_setting, limit_threads, usable_cpus

    threads = args.threads or max(1, usable_cpus() // jobs_setting())
    peak = matmul_peak()
    limit_threads(threads)
    print(
        f"float32 matmul peak (NumPy, {os.cpu_count()} cores): {peak:.1f} GFLOP/s; "
        f"TensorFlow: {threads} thread(s)\n"
    )
    print(f"{'model':38s} {'batch':>5s} {'MACs/image':>11s} {'images/s':>9s} {'GFLOP/s':>8s} {'of peak':>8s}")
    rows = []
    for name, (build, batch_size, steps_per_execution) in study_models().items():
        macs = multiply_adds(build())
        speed = images_per_second(build, batch_size, steps_per_execution, args.seconds)
        gflops = 6 * macs * speed / 1e9
        rows.append(
            {
                "model": name,
                "batch_size": batch_size,
                "multiply_adds_per_image": macs,
                "images_per_second": round(speed),
                "gflops": round(gflops, 1),
                "share_of_matmul_peak": round(gflops / peak, 3),
            }
        )
        print(
            f"{name:38s} {batch_size:5d} {macs:11,d} {speed:9,.0f} {gflops:8.1f} {gflops / peak:8.0%}",
            flush=True,
        )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "matmul_peak_gflops": round(peak, 1),
                    "threads": threads,
                    "cores": os.cpu_count(),
                    "models": rows,
                },
                indent=2,
            )
            + "\n"
        )


if __name__ == "__main__":
    main()
