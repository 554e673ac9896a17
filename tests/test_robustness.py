"""Failures a user meets outside the happy path (issue 30): each kind runs the real entry point on a copy
of the project and ends with one or two lines, a non-zero exit status, and nothing of the previous
complete state lost."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

from conftest import ENV, PROJECT_ROOT

LIB = PROJECT_ROOT / "lib"


def python(*arguments: str, cwd: Path, env: dict | None = None, prefix: tuple = (), timeout: float = 120):
    """`python ARGUMENTS` in `cwd` with this checkout's library first on the path."""
    environment = {**ENV, "PYTHONPATH": str(LIB), **(env or {})}
    return subprocess.run(
        [*prefix, sys.executable, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- item 3: CPU affinity and quotas ---------------------------------------------------------------


@pytest.mark.skipif(
    not shutil.which("taskset") or len(os.sched_getaffinity(0)) < 2, reason="needs taskset, 2 cores"
)
def test_workers_and_threads_follow_the_cpus_this_process_may_use(tmp_path):
    code = (
        "import os; from charrec.tasks import jobs_setting, usable_cpus; "
        "print(os.cpu_count(), usable_cpus(), jobs_setting())"
    )
    environment = {key: value for key, value in ENV.items() if key != "CHARREC_JOBS"}
    result = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(LIB), "PATH": "/usr/bin:/bin"},  # no nvidia-smi
        capture_output=True,
        text=True,
    )
    host, usable, jobs = map(int, result.stdout.split())
    assert host >= 2 and usable == 1 and jobs == 1, result.stdout + result.stderr
