"""End to end, for real: DVC runs papermill, TensorFlow and nbconvert on a small profile of real MNIST
in a temporary copy of the project, and the reports, metrics and caching behave as the README says."""

import json
import os
import shutil
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from charrec.datasets import MNIST
from charrec.fetch import fetch_dataset
from charrec.params import SCHEMAS
from conftest import PROJECT_ROOT

pytestmark = pytest.mark.e2e
NOTEBOOKS = sorted(name for name in SCHEMAS if name != "data")
ENV = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}", "TF_CPP_MIN_LOG_LEVEL": "2"}


def run(command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=ENV, capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(f"{' '.join(command)} failed ({result.returncode}):\n{result.stdout[-3000:]}\n{result.stderr[-3000:]}")
    return result


@pytest.fixture(scope="session")
def mnist_folder(tmp_path_factory) -> Path:
    """Verified MNIST files: from this checkout's data stage if it ran, else through the usual sources (npm)."""
    local = PROJECT_ROOT / "data" / "raw" / "mnist"
    folder = tmp_path_factory.mktemp("mnist")
    fetch_dataset(MNIST, folder, local_dir=str(local) if local.is_dir() else None)
    return folder


@pytest.fixture(scope="module")
def project(tmp_path_factory, mnist_folder) -> Path:
    """A copy of the project's files (as git sees them) with the small profile's params, after `dvc repro`."""
    copy = tmp_path_factory.mktemp("project")
    files = run(["git", "ls-files", "-co", "--exclude-standard"], PROJECT_ROOT).stdout.split("\n")
    for name in filter(None, files):
        if (PROJECT_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, copy / name)
    for profile in (PROJECT_ROOT / "tests" / "small_profile").glob("*.yaml"):
        shutil.copy(profile, copy / "params" / profile.name)
    data_params = yaml.safe_load((copy / "params" / "data.yaml").read_text())
    data_params["mnist"]["local_dir"] = str(mnist_folder)
    (copy / "params" / "data.yaml").write_text(yaml.safe_dump(data_params))
    for command in (["git", "init", "-q"], ["git", "add", "-A"],
                    ["git", "-c", "user.name=test", "-c", "user.email=test@example.org", "commit", "-qm", "small profile"]):
        run(command, copy)
    run(["dvc", "repro"], copy)
    return copy


def test_every_notebook_has_a_small_profile():
    assert {path.stem for path in (PROJECT_ROOT / "tests" / "small_profile").glob("*.yaml")} == set(SCHEMAS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_reports_are_rendered(project, name):
    html = (project / "reports" / f"{name}.html").read_text(encoding="utf-8")
    pdf_text = run(["pdftotext", "-layout", str(project / "reports" / f"{name}.pdf"), "-"], project).stdout
    assert "Provenance" in html and "Provenance" in pdf_text
    assert "def " not in pdf_text and "import " not in pdf_text  # code is hidden
    assert json.loads((project / "metrics" / f"{name}.json").read_text())


def test_model_report_has_per_class_table_confusion_matrix_and_gallery(project):
    pdf_text = run(["pdftotext", "-layout", str(project / "reports" / "02_dense_baseline.pdf"), "-"], project).stdout
    for expected in ("precision", "recall", "f1", "support", "macro average", "predicted class", "true class",
                     "most confident mistakes", "trainable"):
        assert expected in pdf_text, expected
    metrics = json.loads((project / "metrics" / "02_dense_baseline.json").read_text())["models"]["dense_baseline"]
    assert 0.5 < metrics["test_accuracy_mean"] <= 1.0 and metrics["seeds"] == [0]
    assert (project / "models" / "02_dense_baseline" / "seed0.keras").is_file()


def test_cnn_report_has_both_models_side_by_side(project):
    pdf_text = run(["pdftotext", "-layout", str(project / "reports" / "04_cnn.pdf"), "-"], project).stdout
    for expected in ("simple CNN", "improved CNN", "largest fall", "images per second",
                     "most confident mistakes"):
        assert expected in pdf_text, expected
    models = json.loads((project / "metrics" / "04_cnn.json").read_text())["models"]
    assert set(models) == {"simple_cnn", "improved_cnn"}
    assert models["simple_cnn"]["parameters"] == 93_322 and models["improved_cnn"]["seeds"] == [0]
    assert (project / "models" / "04_cnn" / "improved_CNN_seed0.keras").is_file()


def test_nothing_changed_means_nothing_runs(project):
    start = time.perf_counter()
    output = run(["dvc", "repro"], project).stdout
    assert "Data and pipelines are up to date." in output
    assert time.perf_counter() - start < 20


def test_metrics_show_reads_committed_metrics(project):
    output = run(["dvc", "metrics", "show"], project).stdout
    assert "metrics/02_dense_baseline.json" in output and "test_accuracy_mean" in output


def test_changing_one_params_file_reruns_only_that_notebook(project):
    run(["dvc", "exp", "run", "-S", "params/01_data_exploration.yaml:samples_per_class=3"], project)
    output = run(["dvc", "exp", "show", "--no-pager", "--csv"], project).stdout
    assert "samples_per_class" in output
    # Only the exploration stage ran: the dense baseline's lock entry is untouched.
    status = run(["dvc", "status"], project).stdout
    assert "02_dense_baseline" not in status


def test_failing_notebook_keeps_partial_notebook_and_removes_results(project):
    notebook = project / "notebooks" / "01_data_exploration.py"
    original = notebook.read_text()
    try:
        notebook.write_text(original + '\n# %%\nraise RuntimeError("deliberate failure")\n')
        result = run([sys.executable, "-m", "charrec.run_notebook", "01_data_exploration"], project, check=False)
    finally:
        notebook.write_text(original)
    assert result.returncode == 1
    assert "RuntimeError: deliberate failure" in result.stderr
    assert "kept at reports/failed/01_data_exploration.ipynb" in result.stderr
    assert (project / "reports" / "failed" / "01_data_exploration.ipynb").is_file()
    for stale in ("reports/01_data_exploration.html", "reports/01_data_exploration.pdf", "metrics/01_data_exploration.json"):
        assert not (project / stale).exists(), stale
