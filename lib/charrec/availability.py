"""A dataset that cannot be had on this machine, recorded so that the rest of the study still runs.

KMNIST is on no package registry: offline, with no local copy, its data stage cannot fetch it. Instead of
failing (which stops a plain `dvc repro` at its first stage), the data stage records the dataset as not
available: a manifest `{"dataset": NAME, "available": false, "reason": ...}`, an empty array file and an
empty raw folder, so every declared output exists. The training stage of a notebook that reads it then
trains nothing, and its report stage writes a one-page report saying how to provide the data. The data
stage runs on every `dvc repro` (`always_changed`), so the next one after the data appears builds the
notebook.
"""

import io
import json
import subprocess
import sys
from pathlib import Path

import numpy as np

from .files import write_atomically, write_json_atomically


def manifest_path(root: Path, dataset: str) -> Path:
    return Path(root) / "data" / "prepared" / f"{dataset}.json"


def record_unavailable(dataset: str, reason: str, raw_dir: Path, out_file: Path) -> bool:
    """Write the "not available" outputs of the data stage for `dataset`: `out_file` (an .npz without
    arrays), its manifest beside it (last, so a manifest means complete) and an empty `raw_dir` if none
    exists. Files that already say the same are left untouched (the stage runs on every repro). Returns
    True if anything was written."""
    manifest_file = Path(out_file).with_suffix(".json")
    manifest = {"dataset": dataset, "available": False, "reason": reason}
    Path(raw_dir).mkdir(parents=True, exist_ok=True)
    if manifest_file.is_file() and Path(out_file).is_file():
        try:
            if json.loads(manifest_file.read_text(encoding="utf-8")) == manifest:
                return False
        except json.JSONDecodeError:
            pass
    buffer = io.BytesIO()
    np.savez(buffer)
    write_atomically(out_file, buffer.getvalue())
    write_json_atomically(manifest_file, manifest)
    return True


def unavailable(root: Path, datasets) -> dict[str, str]:
    """{dataset: reason} for each of `datasets` whose data stage recorded it as not available. A dataset
    with no manifest yet is not listed: reading it fails later with its own message."""
    found = {}
    for dataset in sorted(set(datasets)):
        path = manifest_path(root, dataset)
        if path.is_file():
            try:
                manifest = json.loads(path.read_text(encoding="utf-8"))
            except json.JSONDecodeError:
                continue
            if manifest.get("available") is False:
                found[dataset] = manifest.get("reason", "")
    return found


def datasets_of(name: str, params) -> set[str]:
    """The datasets notebook `name` reads: those of the runs it plans (`charrec.plans`), and the value of
    every params key named `dataset` or ending in `_dataset` (e.g. 06's `comparison_dataset`)."""
    from .plans import PLANS, plan

    found = {spec.dataset for spec in plan(name, params)} if name in PLANS else set()
    values = params.model_dump() if hasattr(params, "model_dump") else dict(params)
    found |= {
        value
        for key, value in values.items()
        if isinstance(value, str) and (key == "dataset" or key.endswith("_dataset"))
    }
    return found


def skip_message(name: str, missing: dict[str, str]) -> str:
    """One line: which notebook is skipped for which dataset, and how to provide it."""
    names = ", ".join(f"'{dataset}'" for dataset in missing)
    fixes = " ".join(reason.removeprefix("Fix: ") for reason in missing.values())
    return f"{name}: skipped, dataset {names} not available on this machine. To provide it: {fixes}"


def main(argv: list[str] | None = None) -> int:
    """`python -m charrec.availability --retry`: run the data stage again (`dvc repro -f -s data@NAME`) of
    every dataset recorded as not available, so that data provided by an environment variable or a
    network is found; `make` runs it before `dvc repro`. Exit status: that of the last failing stage."""
    import argparse

    from .files import project_root

    parser = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    parser.add_argument("--retry", action="store_true", help="retry the datasets recorded as not available")
    args = parser.parse_args(argv)
    root = project_root()
    names = sorted(path.stem for path in (root / "data" / "prepared").glob("*.json"))
    status = 0
    for dataset in unavailable(root, names) if args.retry else {}:
        print(f"{dataset}: recorded as not available; looking for it again", flush=True)
        result = subprocess.run(["dvc", "repro", "-f", "-s", f"data@{dataset}"], cwd=root)
        status = result.returncode or status
    return status


if __name__ == "__main__":
    sys.exit(main())
