"""The last word of `make`: which pipeline stages were not reproduced, and whether that is acceptable.

A dataset that no source could provide (KMNIST on a machine without internet and without a local copy)
is recorded as not available by its data stage (`charrec.availability`): the notebooks that read it train
nothing and render a one-page report saying so. This prints which notebooks those are and how to provide
the data, and exits 0. A stage that is not up to date after `dvc repro` is a real failure: exit 1.
"""

import os
import sys
from pathlib import Path

import networkx as nx
from dvc.lock import LockError
from dvc.repo import Repo

from .availability import datasets_of, skip_message, unavailable
from .files import project_root
from .params import ParamsError, read_params, schema_for, validate

REQUIRED_DATASET_STAGE = "data@mnist"  # without MNIST nothing of the study runs


def notebooks_without_data(root: Path) -> dict[str, dict[str, str]]:
    """{notebook: {dataset: how to provide it}} for every notebook with a params file that reads a dataset
    its data stage recorded as not available."""
    found = {}
    for path in sorted((root / "params").glob("[0-9]*.yaml")):
        try:
            params = validate(schema_for(path.stem), read_params(path), str(path))
            missing = unavailable(root, datasets_of(path.stem, params))
        except (ParamsError, KeyError, ValueError):
            continue
        if missing:
            found[path.stem] = missing
    return found


def main() -> int:
    os.chdir(project_root())  # from any subfolder: the stages are named as in the project root
    try:
        return _status()
    except (
        LockError
    ):  # a `dvc repro` of this checkout holds DVC's lock (or a stage's): its result is not known yet
        print(
            "error: another run is in progress: DVC's lock of this checkout is held "
            f"({_dvc_lock_holder()}); run `make` again once it has finished",
            file=sys.stderr,
        )
        return 75


def _dvc_lock_holder() -> str:
    try:
        pid = (project_root() / ".dvc" / "tmp" / "lock").read_text().strip()
    except OSError:
        pid = ""
    return f"PID {pid}" if pid else "PID unknown"


def _status() -> int:
    with Repo(str(project_root())) as repo:
        stale = set(repo.status())
        graph = repo.index.graph  # edges point from a stage to the stages it depends on
        by_name = {stage.addressing: stage for stage in graph.nodes}
        missing_data = {name for name in stale if name.startswith("data@") and name != REQUIRED_DATASET_STAGE}
        skipped = {
            name
            for name in stale
            if name in missing_data
            or {s.addressing for s in nx.descendants(graph, by_name[name])} & missing_data
        }
    failed = sorted(stale - skipped)
    not_run = notebooks_without_data(Path("."))
    if not stale and not not_run:
        print("All stages are up to date: every report is in reports/.")
    elif not stale:
        print("All stages are up to date: every report is in reports/.")
        for name, missing in not_run.items():
            print(skip_message(name, missing))
    if skipped:
        datasets = ", ".join(sorted(name.removeprefix("data@") for name in missing_data))
        print(
            f"Skipped because a dataset is not available ({datasets}): {', '.join(sorted(skipped))}.\n"
            "Provide it through params/data.yaml (datasets.NAME.local_dir) or its environment variable "
            "(e.g. KMNIST_DIR), or from a machine that reaches the official download; then run `make` again."
        )
    if failed:
        print(
            f"FAILED: {', '.join(failed)} did not complete; see the errors above "
            "(a failed notebook is kept in reports/failed/).",
            file=sys.stderr,
        )
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
