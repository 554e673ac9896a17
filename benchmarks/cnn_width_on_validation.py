"""Which width of the improved CNN? Settled on validation, with several seeds per candidate.

    python benchmarks/cnn_width_on_validation.py [--seeds 0 1] [--json FILE]

Each candidate is the improved CNN of `params/04_cnn.yaml` with other channel counts (`filters`),
trained exactly as a final model is (same epochs, batch, schedule, augmentation) but on the training
part only, once per seed, and scored on the validation part after the last epoch: plainly and with the
test-time shifts of `test_time_shift`. The test images are not touched.

The runs are ordinary `charrec.runs` runs, trained by the study's executor (`charrec.tasks`) into
`scratch/width_on_validation/` and reused from there when this script is run again.

Rule, fixed before the runs: take the cheapest candidate (fewest multiply-adds per image) whose mean
validation accuracy is within `--tolerance` points (default 0.05) of the best candidate's mean. The
table prints mean ± sd over seeds, the paired difference to the current width, and images/s.
"""

import argparse
import json
import os
from pathlib import Path

os.environ.setdefault("TF_CPP_MIN_LOG_LEVEL", "3")

import numpy as np  # noqa: E402
from _study import study_params  # noqa: E402  (this folder: the committed params, validated)
from pipeline_timing import machine  # noqa: E402  (this folder: CPU model, cores, ISA flags)
from roofline import multiply_adds  # noqa: E402  (this folder: counted from the layers)

from charrec.runs import RunSpec  # noqa: E402
from charrec.tasks import RunStore, ensure_runs  # noqa: E402

ROOT = Path(__file__).resolve().parents[1]
CANDIDATES = ([16, 32, 64], [24, 48, 96], [32, 64, 128])
NETWORK = "improved_cnn"  # its key in params/04_cnn.yaml's `networks` (and its registered model)


def multiply_adds_per_image(filters: list[int], options: dict) -> int:
    """Multiply-adds per image of the improved CNN with these channels (counted by the roofline
    benchmark from the built model's layers)."""
    from charrec.models.improved_cnn import improved_cnn

    return multiply_adds(improved_cnn(10, **{**options, "filters": filters}))


def specs(params, seeds: list[int]) -> list[RunSpec]:
    """One run per candidate and seed: the network's final-model settings (`NetworkSettings.arguments`:
    model, options, batch, schedule, steps per graph call, test-time shift) with other filters, on the
    training part, scored on validation every epoch."""
    network = params.networks[NETWORK]
    runs = []
    for filters in CANDIDATES:
        for seed in seeds:
            arguments = network.arguments(NETWORK)
            arguments["options"] = {**arguments["options"], "filters": filters}
            runs.append(
                RunSpec(
                    key=f"filters{'-'.join(map(str, filters))}-seed{seed}",
                    seed=seed,
                    epochs=network.epochs,
                    **arguments,
                    validate_every_epoch=True,
                    labels={"model": NETWORK, "filters": filters, "seed": seed},
                )
            )
    return runs


def main() -> None:
    parser = argparse.ArgumentParser(
        description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--seeds", type=int, nargs="+", default=[0, 1])
    parser.add_argument("--tolerance", type=float, default=0.05, help="points of validation accuracy")
    parser.add_argument(
        "--json", type=Path, default=ROOT / "benchmarks" / "results" / "cnn_width_on_validation.json"
    )
    args = parser.parse_args()

    params = study_params("04_cnn")
    planned = specs(params, args.seeds)
    name = "04_cnn_width"  # the store's folder: scratch/width_on_validation/runs/04_cnn_width/
    results = ensure_runs(name, planned, ROOT, store=RunStore(ROOT / "scratch" / "width_on_validation", name))

    rows = []
    for filters in CANDIDATES:
        mine = [results[spec.key] for spec in planned if spec.labels["filters"] == filters]
        plain = np.array([r["validation_accuracy_plain"] for r in mine]) * 100
        shifted = np.array([r["validation_accuracy_shifted"] for r in mine]) * 100
        rows.append(
            {
                "filters": filters,
                "multiply_adds": multiply_adds_per_image(filters, params.networks[NETWORK].options),
                "seeds": args.seeds,
                "validation_accuracy": plain.round(2).tolist(),
                "validation_accuracy_shifted": shifted.round(2).tolist(),
                "mean": round(float(plain.mean()), 3),
                "sd": round(float(plain.std(ddof=1)), 3) if len(plain) > 1 else None,
                "mean_shifted": round(float(shifted.mean()), 3),
                "images_per_second": round(float(np.mean([r["images_per_second"] for r in mine]))),
                "last_epoch_curve": [[round(e["val_accuracy"] * 100, 2) for e in r["history"]] for r in mine],
            }
        )
    best = max(row["mean"] for row in rows)
    chosen = min(
        (row for row in rows if row["mean"] >= best - args.tolerance), key=lambda row: row["multiply_adds"]
    )
    base = np.array(rows[0]["validation_accuracy"])
    print(
        f"\n{'filters':>14} {'M mult-adds':>11} {'validation %':>16} {'shifted %':>10} "
        f"{'vs ' + str(CANDIDATES[0]):>14} {'img/s':>7}"
    )
    for row in rows:
        diff = np.array(row["validation_accuracy"]) - base
        print(
            f"{str(row['filters']):>14} {row['multiply_adds'] / 1e6:>11.1f} "
            f"{row['mean']:>8.2f} ± {row['sd'] or 0:.2f} {row['mean_shifted']:>10.2f} "
            f"{diff.mean():>+8.2f} pts {row['images_per_second']:>7}"
        )
    print(f"\nchosen (cheapest within {args.tolerance} points of the best mean): filters {chosen['filters']}")
    args.json.parent.mkdir(parents=True, exist_ok=True)
    args.json.write_text(
        json.dumps(
            {
                "machine": machine(),
                "rule_tolerance_points": args.tolerance,
                "candidates": rows,
                "chosen": chosen["filters"],
            },
            indent=1,
        )
        + "\n"
    )


if __name__ == "__main__":
    main()
