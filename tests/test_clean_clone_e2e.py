"""A clean clone of the committed repository runs with the README's command (real DVC, papermill,
TensorFlow and nbconvert; nothing mocked). It needs no `project` fixture, so it runs beside the tests that
share it (`make test` runs pytest with parallel workers)."""

import subprocess

import pytest

from conftest import ENV, PROJECT_ROOT, apply_small_profile, run

pytestmark = pytest.mark.e2e


def test_clean_clone_reproduces_with_the_readme_command(mnist_folder, tmp_path):
    """Clone the committed repository and run `make` (the README's command) in the small profile: every
    stage runs, and afterwards DVC finds nothing to do. (That a second run gives the same metrics is
    `test_same_params_and_seed_give_identical_metrics`; this test runs beside the `project` tests.)

    The clone shares this environment (.venv): `-o` tells make that it and its python3 kernel are installed,
    so the test checks the pipeline, not pip, and leaves the shared kernel spec pointing at this project's
    interpreter, not the clone's (deleted after the test). It clones what is committed (HEAD)."""
    clone = tmp_path / "clone"
    run(["git", "clone", "-q", str(PROJECT_ROOT), str(clone)], tmp_path)
    (clone / ".venv").symlink_to(PROJECT_ROOT / ".venv")
    apply_small_profile(clone, mnist_folder)
    env = {**ENV, "PYTHONPATH": str(clone / "lib")}
    result = subprocess.run(
        ["make", "-o", ".venv/.installed", "-o", ".venv/share/jupyter/kernels/python3/kernel.json"],
        cwd=clone,
        env=env,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-3000:]
    assert "All stages are up to date" in result.stdout
    status = subprocess.run(["dvc", "status"], cwd=clone, env=env, capture_output=True, text=True).stdout
    assert "Data and pipelines are up to date." in status
    notebooks = sorted(path.stem for path in (clone / "notebooks").glob("0*.py"))
    reported = sorted(path.stem for path in (clone / "metrics").glob("0*.json"))
    # the small profile generates its KMNIST, so every notebook runs; the summary writes no metrics
    assert reported == [name for name in notebooks if name != "07_summary"]
    assert all((clone / "reports" / f"{name}.pdf").stat().st_size > 0 for name in notebooks)
