"""Wall time of the whole pipeline from a clean clone, per stage, and of the re-runs DVC makes cheap.

    python benchmarks/pipeline_timing.py [--keep CLONE_DIR] [--json benchmarks/results/pipeline_timing.json]

Clones the committed repository into a temporary folder (empty DVC cache, no data), then measures:
1. `dvc repro --keep-going` with default params, per stage (from the moment each stage starts);
2. a no-op `dvc repro` (nothing changed), median of three;
3. `dvc repro` after changing one value in one params file (only that notebook reruns).
Stages that need an unavailable dataset (KMNIST offline) fail fast and are listed as skipped.
With --json, the result is also written as JSON: stage seconds, total, machine (CPU model, cores, ISA
flags), commit and the executor setting.
"""

import argparse
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

PROJECT_ROOT = Path(__file__).resolve().parents[1]
STAGE_LINE = re.compile(r"^Running stage '([^']+)'")


def timed_repro(clone: Path, env: dict, *extra: str) -> tuple[float, list[tuple[str, float]], str]:
    """Run `dvc repro`, returning total seconds, (stage, seconds) in running order, and the output."""
    start = time.perf_counter()
    process = subprocess.Popen(
        ["dvc", "repro", *extra],
        cwd=clone,
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    starts, lines = [], []
    for line in process.stdout:
        lines.append(line)
        if match := STAGE_LINE.match(line):
            starts.append((match.group(1), time.perf_counter()))
    process.wait()
    end = time.perf_counter()
    stage_times = [
        (name, (starts[i + 1][1] if i + 1 < len(starts) else end) - began)
        for i, (name, began) in enumerate(starts)
    ]
    return end - start, stage_times, "".join(lines)


def machine() -> dict:
    """CPU model, logical cores and the ISA flags that decide TensorFlow's kernels (from /proc/cpuinfo)."""
    info = Path("/proc/cpuinfo").read_text() if Path("/proc/cpuinfo").is_file() else ""
    model = next(
        (line.split(":", 1)[1].strip() for line in info.splitlines() if line.startswith("model name")),
        platform.processor(),
    )
    flags = next(
        (line.split(":", 1)[1].split() for line in info.splitlines() if line.startswith("flags")), []
    )
    wanted = (
        "avx",
        "avx2",
        "fma",
        "avx512f",
        "avx512bw",
        "avx512vl",
        "avx512_vnni",
        "avx512_bf16",
        "amx_tile",
        "amx_bf16",
    )
    return {
        "cpu": model,
        "logical_cores": os.cpu_count(),
        "isa": [flag for flag in wanted if flag in flags],
        "python": platform.python_version(),
    }


def clone_arguments(doc: str) -> argparse.Namespace:
    """The options of a clean-clone benchmark: --keep CLONE_DIR and --json FILE."""
    parser = argparse.ArgumentParser(description=doc.split("\n")[0])
    parser.add_argument(
        "--keep", type=Path, help="clone into this folder and keep it (default: a temporary one)"
    )
    parser.add_argument("--json", type=Path, help="also write the result to this JSON file")
    return parser.parse_args()


def clean_clone(keep: Path | None) -> tuple[Path, dict, str]:
    """A clone of the committed repository (empty DVC cache, no data) in `keep` or a temporary folder,
    the environment to run its commands in (this interpreter's tools, the clone's library) and the
    commit's short hash."""
    clone = keep or Path(tempfile.mkdtemp(prefix="charrec-bench-")) / "clone"
    env = {
        **os.environ,
        "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
        "PYTHONPATH": str(clone / "lib"),
        "TF_CPP_MIN_LOG_LEVEL": "2",
    }
    subprocess.run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], check=True)
    commit = subprocess.run(
        ["git", "rev-parse", "--short", "HEAD"], cwd=clone, capture_output=True, text=True
    ).stdout.strip()
    return clone, env, commit


def main() -> None:
    args = clone_arguments(__doc__)
    clone, env, commit = clean_clone(args.keep)
    print(f"clean clone of {commit} in {clone}; {os.cpu_count()} logical cores\n")

    total, stages, output = timed_repro(clone, env, "--keep-going")
    failed = sorted(set(re.findall(r"failed to reproduce '([^']+)'", output)))
    print(f"{'stage':28s} {'seconds':>8s}")
    for name, seconds in stages:
        print(f"{name:28s} {seconds:8.1f}{'   FAILED (skipped)' if name in failed else ''}")
    print(f"{'full dvc repro':28s} {total:8.1f}  ({total / 60:.1f} min)\n")

    no_op = statistics.median(timed_repro(clone, env, "--keep-going")[0] for _ in range(3))
    print(f"no-op dvc repro --keep-going (median of 3): {no_op:.2f} s")
    available = [name for name, _ in stages if name not in failed]
    if failed:  # the unavailable dataset's stage is retried on every run; without it:
        no_op_available = statistics.median(timed_repro(clone, env, *available)[0] for _ in range(3))
        print(f"no-op dvc repro of the available stages (median of 3): {no_op_available:.2f} s")

    params_file = clone / "params" / "01_data_exploration.yaml"
    original = params_file.read_text()
    params_file.write_text(re.sub(r"samples_per_class: \d+", "samples_per_class: 9", original))
    rerun, rerun_stages, _ = timed_repro(clone, env, "--keep-going")
    params_file.write_text(original)
    print(
        f"after editing params/01_data_exploration.yaml: {rerun:.1f} s, stages run: "
        f"{', '.join(name for name, _ in rerun_stages) or 'none'}"
    )
    print(
        "(a stage listed FAILED above is retried on every run until its dataset is provided)"
        if failed
        else ""
    )
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        args.json.write_text(
            json.dumps(
                {
                    "commit": commit,
                    "machine": machine(),
                    "executor": {
                        "CHARREC_JOBS": os.environ.get("CHARREC_JOBS", "cores"),
                        "CHARREC_EXECUTOR": os.environ.get("CHARREC_EXECUTOR", "loky"),
                    },
                    "stages_seconds": {name: round(seconds, 1) for name, seconds in stages},
                    "failed_stages": failed,
                    "total_seconds": round(total, 1),
                    "no_op_seconds": round(no_op, 2),
                    "one_params_edit_seconds": round(rerun, 1),
                },
                indent=2,
            )
            + "\n"
        )
        print(f"wrote {args.json}")
    if not args.keep:
        shutil.rmtree(clone.parent)


if __name__ == "__main__":
    main()
