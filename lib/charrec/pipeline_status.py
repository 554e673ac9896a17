"""The last word of `make`: which pipeline stages were not reproduced, and whether that is acceptable.

`dvc repro --keep-going` runs every stage it can. A dataset that no source could provide (KMNIST on a
machine without internet and without a local copy) fails its `data@NAME` stage, and DVC skips the
notebooks that need it. That is expected: this prints what was skipped and how to provide the data,
and exits 0. Any other stage that is not up to date is a real failure: exit 1.
"""

import os
import sys

import networkx as nx
from dvc.lock import LockError
from dvc.repo import Repo

from .files import project_root

REQUIRED_DATASET_STAGE = "data@mnist"  # without MNIST nothing of the study runs


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
    if not stale:
        print("All stages are up to date: every report is in reports/.")
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
