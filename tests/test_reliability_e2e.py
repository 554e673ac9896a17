"""Interruptions, determinism and a clean clone, on the small-profile project copy (real DVC, papermill,
TensorFlow and nbconvert; nothing mocked)."""

import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ENV, PROJECT_ROOT, apply_small_profile, run

pytestmark = pytest.mark.e2e
DENSE_RESULTS = (
    "reports/02_dense_baseline.html",
    "reports/02_dense_baseline.pdf",
    "reports/executed/02_dense_baseline.ipynb",
    "metrics/02_dense_baseline.json",
)


def is_timing(key: str) -> bool:
    return "second" in key or key.startswith("ms_per_step")  # seconds, images per second, ms per step


def without_timings(value):
    """Metrics with the wall-clock fields removed: what must be identical from run to run."""
    if isinstance(value, dict):
        return {key: without_timings(item) for key, item in value.items() if not is_timing(key)}
    return value


def metrics_of(project: Path) -> dict:
    return {
        path.name: without_timings(json.loads(path.read_text()))
        for path in sorted((project / "metrics").glob("*.json"))
    }


@pytest.fixture(scope="module")
def first_metrics(project):
    return metrics_of(project)


def interrupt_when_running(command: list[str], project: Path, sig: int) -> int:
    """Start `command` in its own process group, wait until the dense notebook is executing, send `sig` to the
    group."""
    # SIGINT back to its default: a shell running pytest in the background (`pytest &`) ignores it, and
    # children inherit that, so Ctrl-C would otherwise never reach the run.
    process = subprocess.Popen(
        command,
        cwd=project,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        start_new_session=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),
    )
    in_progress = project / "reports" / "failed" / "02_dense_baseline.ipynb"
    deadline = time.monotonic() + 120
    while not in_progress.exists() and time.monotonic() < deadline and process.poll() is None:
        time.sleep(0.2)
    time.sleep(4)  # inside the kernel: importing TensorFlow or training
    os.killpg(process.pid, sig)
    return process.wait(timeout=60)


def assert_nothing_looks_complete(project: Path) -> None:
    for result in DENSE_RESULTS:
        assert not (project / result).exists(), f"{result} survived the interruption"


def test_ctrl_c_removes_results_and_keeps_the_partial_notebook(project, first_metrics):
    code = interrupt_when_running(
        [sys.executable, "-m", "charrec.run_notebook", "02_dense_baseline"], project, signal.SIGINT
    )
    assert code != 0
    assert_nothing_looks_complete(project)
    assert (project / "reports" / "failed" / "02_dense_baseline.ipynb").is_file()


def test_killed_run_is_redone_exactly_by_the_next_repro(project, first_metrics):
    interrupt_when_running(["dvc", "repro", "-f", "-s", "report@02_dense_baseline"], project, signal.SIGKILL)
    assert_nothing_looks_complete(project)
    status = run(["dvc", "status"], project).stdout
    assert "report@02_dense_baseline:" in status and "01_data_exploration:" not in status
    assert "train@02_dense_baseline:" not in status  # the trained runs are untouched
    # The next repro brings back exactly the interrupted stage's results (from DVC's cache: the lock still
    # names the last complete run) and touches nothing else.
    output = run(["dvc", "repro"], project).stdout
    assert "Running stage '01_data_exploration'" not in output
    assert "Data and pipelines are up to date." in run(["dvc", "status"], project).stdout
    for result in DENSE_RESULTS:
        assert (project / result).exists(), result


def test_same_params_and_seed_give_identical_metrics(project, first_metrics):
    """Retrain the dense baseline from scratch (its stored runs removed): the same numbers."""
    shutil.rmtree(project / "runs" / "02_dense_baseline")
    output = run(["dvc", "repro", "train@02_dense_baseline", "report@02_dense_baseline"], project).stdout
    assert "training 2 with" in output  # both runs trained again
    assert metrics_of(project)["02_dense_baseline.json"] == first_metrics["02_dense_baseline.json"]


def test_clean_clone_reproduces_with_the_readme_command(project, first_metrics, mnist_folder, tmp_path):
    """Clone the committed repository, run `make` (the README's command) in the small profile, compare
    metrics.

    The clone shares this environment (.venv): `-o .venv/.installed` tells make it is installed, so the
    test checks the pipeline, not pip. It clones what is committed (HEAD)."""
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], tmp_path)
    (clone / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    apply_small_profile(clone, mnist_folder)
    env = {**ENV, "PYTHONPATH": str(clone / "lib")}
    result = subprocess.run(
        ["make", "-o", ".venv/.installed"], cwd=clone, env=env, capture_output=True, text=True
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All stages are up to date" in result.stdout
    status = subprocess.run(["dvc", "status"], cwd=clone, env=env, capture_output=True, text=True).stdout
    assert "Data and pipelines are up to date." in status
    assert metrics_of(clone) == first_metrics
