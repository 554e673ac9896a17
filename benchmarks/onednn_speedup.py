"""Training step time with TensorFlow's oneDNN kernels off and on, for every model of the study.

    python benchmarks/onednn_speedup.py [--steps 400]

TensorFlow reads TF_ENABLE_ONEDNN_OPTS once, when it loads, so each setting is measured in a fresh
process (this script runs itself with `--worker`). Each model is built and trains on random images
with its notebook's committed params (`params/*.yaml`: layers, batch size, steps per graph call); the
first graph calls (tracing) are not timed.
Prints ms per step for both settings and their ratio, measured side by side in one run.
"""

import argparse
import os
import subprocess
import sys


def worker(steps: int) -> None:
    """Time every model under this process's TF_ENABLE_ONEDNN_OPTS; print one 'name<TAB>ms' line each."""
    import time

    import numpy as np
    from _study import study_models  # this folder: the committed params and models

    from charrec.training import batched, compile_classifier, make_deterministic

    models = study_models()  # name: (builder, batch size, steps per graph call), as the notebooks train them
    for name, (build, batch_size, steps_per_execution) in models.items():
        images = np.random.default_rng(0).integers(0, 256, (batch_size * steps, 28, 28), dtype=np.uint8)
        labels = (images[:, 14, 14] % 10).astype(np.uint8)
        make_deterministic(0)
        model = compile_classifier(build(), 1e-3, steps_per_execution=steps_per_execution)
        dataset = batched(images, labels, batch_size, shuffle_seed=0)
        model.fit(dataset.take(2 * steps_per_execution), epochs=1, verbose=0)  # trace
        start = time.perf_counter()
        model.fit(dataset, epochs=1, verbose=0)
        print(f"{name}\t{1000 * (time.perf_counter() - start) / steps:.2f}", flush=True)


def measure(setting: str, steps: int) -> dict[str, float]:
    env = {**os.environ, "TF_ENABLE_ONEDNN_OPTS": setting, "TF_CPP_MIN_LOG_LEVEL": "3"}
    output = subprocess.run(
        [sys.executable, __file__, "--worker", "--steps", str(steps)],
        env=env,
        capture_output=True,
        text=True,
        check=True,
    ).stdout
    return {
        name: float(ms) for name, ms in (line.split("\t") for line in output.splitlines() if "\t" in line)
    }


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--steps", type=int, default=400, help="timed training steps per model")
    parser.add_argument("--worker", action="store_true", help=argparse.SUPPRESS)
    args = parser.parse_args()
    if args.worker:
        worker(args.steps)
        return
    off, on = measure("0", args.steps), measure("1", args.steps)
    print(f"{os.cpu_count()} logical cores; ms per training step, oneDNN off vs on\n")
    print(f"{'model':42s} {'off':>8s} {'on':>8s} {'speed-up':>9s}")
    for name in off:
        print(f"{name:42s} {off[name]:8.2f} {on[name]:8.2f} {off[name] / on[name]:8.2f}x")


if __name__ == "__main__":
    main()
