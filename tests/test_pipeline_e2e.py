"""End to end, for real: DVC runs papermill, TensorFlow and nbconvert on a small profile of real MNIST
in a temporary copy of the project, and the reports, metrics and caching behave as the README says; an
interruption loses nothing and leaves nothing that looks complete; the same params and seed give the same
numbers. Every test that uses the shared `project` is in this file, so that pytest-xdist (`--dist
loadfile`) runs them all on one worker, in this order, on one copy."""

import csv
import io
import json
import os
import shutil
import signal
import subprocess
import sys
import time
from pathlib import Path

import pytest
import yaml

from charrec.params import SCHEMAS
from charrec.report import CLOSING_HEADING
from conftest import ENV, PROJECT_ROOT, env_for, run

pytestmark = pytest.mark.e2e
NOTEBOOKS = sorted(name for name in SCHEMAS if name != "data")
DENSE_RESULTS = (
    "reports/02_dense_baseline.html",
    "reports/02_dense_baseline.pdf",
    "reports/executed/02_dense_baseline.ipynb",
    "metrics/02_dense_baseline.json",
)


def test_every_notebook_has_a_small_profile():
    profiles = {path.stem for path in (PROJECT_ROOT / "tests" / "small_profile").glob("*.yaml")}
    assert profiles == {path.stem for path in (PROJECT_ROOT / "params").glob("*.yaml")} >= set(SCHEMAS)


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_reports_are_rendered(project, name):
    html = (project / "reports" / f"{name}.html").read_text(encoding="utf-8")
    pdf_text = run(["pdftotext", "-layout", str(project / "reports" / f"{name}.pdf"), "-"], project).stdout
    assert CLOSING_HEADING in html and CLOSING_HEADING in pdf_text
    assert "def " not in pdf_text and "import " not in pdf_text  # code is hidden
    if name != "07_summary":  # the summary reads the metrics and writes none
        assert json.loads((project / "metrics" / f"{name}.json").read_text())


def test_model_report_has_per_class_table_confusion_matrix_and_gallery(project):
    pdf_text = run(
        ["pdftotext", "-layout", str(project / "reports" / "02_dense_baseline.pdf"), "-"], project
    ).stdout
    for expected in (
        "precision",
        "recall",
        "f1",
        "support",
        "macro average",
        "predicted class",
        "true class",
        "most confident mistakes",
        "trainable",
    ):
        assert expected in pdf_text, expected
    metrics = json.loads((project / "metrics" / "02_dense_baseline.json").read_text())["models"][
        "dense_baseline"
    ]
    assert 0.5 < metrics["test_accuracy_mean"] <= 1.0 and metrics["seeds"] == [0]
    assert (project / "models" / "02_dense_baseline" / "final-seed0.keras").is_file()


def test_cnn_report_has_both_models_side_by_side(project):
    pdf_text = run(["pdftotext", "-layout", str(project / "reports" / "04_cnn.pdf"), "-"], project).stdout
    for expected in (
        "simple CNN",
        "improved CNN",
        "largest fall",
        "images per second",
        "most confident mistakes",
        "Choosing on validation",
        "Final models",
    ):
        assert expected in pdf_text, expected
    assert "absl::InitializeLog" not in pdf_text  # TensorFlow's start-up lines stay out of reports
    models = json.loads((project / "metrics" / "04_cnn.json").read_text())["models"]
    assert set(models) == {"simple_cnn", "improved_cnn"}
    assert models["simple_cnn"]["parameters"] == 93_322 and models["improved_cnn"]["seeds"] == [0]
    assert models["improved_cnn"]["train_images"] == 3000  # final models train on every training image
    assert (project / "models" / "04_cnn" / "final-improved_cnn-seed0.keras").is_file()


def test_nothing_changed_means_nothing_runs(project):
    start = time.perf_counter()
    output = run(["dvc", "repro"], project).stdout
    assert "Data and pipelines are up to date." in output
    assert time.perf_counter() - start < 20


@pytest.mark.parametrize("edit", ["notebook prose", "template and rendering code"])
def test_a_report_fix_re_renders_without_training(project, edit):
    """Editing a notebook's prose, the report template or the rendering code reruns report stages only."""
    if edit == "notebook prose":
        edits = {
            project / "notebooks" / "04_cnn.py": lambda text: text.replace(
                "# # Convolutional networks:", "# # Convolutional networks (edited):", 1
            )
        }
    else:
        edits = {
            next((project / "lib" / "charrec" / "templates").rglob("*.tex.j2")): lambda text: (
                text + "\n((* block edited *))((* endblock edited *))\n"
            ),
            project / "lib" / "charrec" / "report.py": lambda text: text + "\n# an edit\n",
        }
    kept = [*edits, project / "dvc.lock", *(project / "metrics").glob("*.json")]
    originals = {path: path.read_bytes() for path in kept}
    try:
        for path, change in edits.items():
            path.write_text(change(path.read_text()))
        # The template edit makes every report stale: `dvc status` names them, and one is rendered (all
        # seven would take a minute longer and test nothing more).
        stale = run(["dvc", "status"], project).stdout
        start = time.perf_counter()
        result = run(["dvc", "repro"] + (["report@04_cnn"] if edit != "notebook prose" else []), project)
        output = result.stdout
        seconds = time.perf_counter() - start
        html = (project / "reports" / "04_cnn.html").read_text(encoding="utf-8")
    finally:  # back to the state of the first repro, outputs from DVC's cache
        for path, content in originals.items():
            path.write_bytes(content)
        run(["dvc", "checkout", "--force"], project)
    # a library edit re-checks the stored runs (train@ stages run, each in a second or two) and trains none
    assert "Running stage 'data@" not in output and "; training " not in output
    stale_stages = {line.strip().rstrip(":") for line in stale.splitlines() if line and not line[0].isspace()}
    trained = ("02_dense_baseline", "03_regularization", "04_cnn", "05_bn_ablation", "06_hiragana")
    every_report = {f"report@{name}" for name in trained} | {"report@01_data_exploration", "summary"}
    every_report |= {"report@08_how_models_fail"}  # reads the stored models of 02-05, trains nothing
    every_stage = every_report | {f"train@{name}" for name in trained}
    expected = {"report@04_cnn"} if edit == "notebook prose" else every_stage
    assert stale_stages == expected, stale
    assert "Running stage 'report@04_cnn'" in output
    for noise in ("absl::InitializeLog", "oneDNN custom operations", "[IPKernelApp]"):  # kernel's stderr
        assert noise not in output + result.stderr, noise
    failed = project / "reports" / "failed"  # a successful stage leaves nothing there, not even the folder
    assert not failed.exists() or (any(failed.iterdir()) and not (failed / "04_cnn.ipynb").exists())
    if edit == "notebook prose":
        assert [line for line in output.splitlines() if line.startswith("Running stage")] == [
            "Running stage 'report@04_cnn':"
        ]
        assert "Convolutional networks (edited)" in html
    print(f"{edit}: dvc repro {seconds:.1f} s")


def test_metrics_show_lists_one_short_row_per_notebook(project):
    output = run(["dvc", "metrics", "show"], project).stdout
    assert "metrics/headline/02_dense_baseline.json" in output and "test_%" in output
    assert max(map(len, output.splitlines())) <= 100, output


WIDE_CNN = '''"""A network added by the README's recipe: one builder file, one params entry."""

import keras
from keras import layers

from . import model
from .layers import image_input


@model(display_name="wide CNN", cost_per_image=2.0)
def wide_cnn(
    num_classes: int, filters: int = 6, image_shape: tuple[int, int] = (28, 28), name: str = "wide_cnn"
) -> keras.Model:
    """A one-convolution network: (N, 28, 28) uint8 images in, (N, num_classes) logits out."""
    inputs, x = image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = layers.Conv2D(filters, 5, strides=2, activation="relu", name="conv")(x)
    x = layers.GlobalAveragePooling2D(name="pool")(x)
    return keras.Model(inputs, layers.Dense(num_classes, name="logits")(x), name=name)
'''

MY_ANALYSIS = """# %% [markdown]
# # My analysis: a stored CNN on the first test images

# %% tags=["parameters"]
variant = {}

# %%
import keras
import numpy as np

from charrec.params import notebook_params
from charrec.prepared import load_prepared

params = notebook_params("99_my_analysis", variant)
data = load_prepared("../data/prepared/mnist.npz")
model = keras.models.load_model("../models/04_cnn/final-simple_cnn-seed0.keras")
logits = model.predict(data.x_test[: params.images], verbose=0)
accuracy = float(np.mean(logits.argmax(axis=1) == data.y_test[: params.images]))
print(f"stored simple CNN: {100 * accuracy:.1f} % of the first {params.images} test images right")
"""


REPORT_LIST_END = (
    "      - 08_how_models_fail\n    do:\n      cmd: PYTHONPATH=lib python -m charrec.run_notebook"
)


def running_stages(output: str) -> list[str]:
    return sorted(line.split("'")[1] for line in output.splitlines() if line.startswith("Running stage"))


def test_the_readme_recipe_adds_a_network_and_its_builder_edit_retrains_only_its_runs(project):
    """Adding a network: one builder file and one params entry train only its runs (measured with
    `charrec.train --dry-run` and a real `dvc repro`); it appears in 04's report and metrics and in 07's
    table. Editing its builder stales only its runs."""
    builder = project / "lib" / "charrec" / "models" / "wide_cnn.py"
    params_file = project / "params" / "04_cnn.yaml"
    kept = [params_file, project / "dvc.lock", *(project / "metrics").rglob("*.*")]
    originals = {path: path.read_bytes() for path in kept}
    trainers = ["02_dense_baseline", "03_regularization", "04_cnn", "05_bn_ablation", "06_hiragana"]
    try:
        builder.write_text(WIDE_CNN)
        values = yaml.safe_load(params_file.read_text())
        values["networks"]["wide_cnn"] = {"learning_rate": 0.003, "batch_size": 128, "epochs": 1}
        params_file.write_text(yaml.safe_dump(values, sort_keys=False))
        dry = {
            name: run([sys.executable, "-m", "charrec.train", name, "--dry-run"], project).stdout
            for name in trainers
        }
        assert dry["04_cnn"].splitlines()[0] == "04_cnn: 4 of 6 runs stored; 2 would train", dry["04_cnn"]
        assert "validation-wide_cnn-seed0 (wide_cnn): new" in dry["04_cnn"]
        for name in trainers:
            if name != "04_cnn":
                assert " 0 would train" in dry[name], dry[name]
        output = run(["dvc", "repro", "train@04_cnn", "report@04_cnn"], project).stdout
        assert "04_cnn: 4 of 6 runs stored; training 2" in output
        pdf_text = run(["pdftotext", "-layout", str(project / "reports" / "04_cnn.pdf"), "-"], project).stdout
        assert "wide CNN" in pdf_text
        assert "wide_cnn" in json.loads((project / "metrics" / "04_cnn.json").read_text())["models"]
        run(["dvc", "repro", "-s", "summary"], project)
        summary = run(["pdftotext", str(project / "reports" / "07_summary.pdf"), "-"], project).stdout
        assert "wide CNN" in summary or "wide_cnn" in summary

        builder.write_text(WIDE_CNN.replace("filters: int = 6", "filters: int = 8"))  # a code change
        changed = run([sys.executable, "-m", "charrec.train", "04_cnn", "--dry-run"], project).stdout
        assert changed.splitlines()[0] == "04_cnn: 4 of 6 runs stored; 2 would train", changed
        assert "(wide_cnn): code changed (lib/charrec/models/wide_cnn.py)" in changed
        hiragana = run([sys.executable, "-m", "charrec.train", "06_hiragana", "--dry-run"], project).stdout
        assert " 0 would train" in hiragana, hiragana
    finally:
        builder.unlink(missing_ok=True)
        for path, content in originals.items():
            path.write_bytes(content)
        for folder in (project / "runs" / "04_cnn", project / "models" / "04_cnn"):
            for path in folder.glob("*wide_cnn*"):
                path.unlink()
        run(["dvc", "checkout", "--force"], project)
    assert "Data and pipelines are up to date." in run(["dvc", "status"], project).stdout


def test_the_readme_recipe_adds_an_analysis_that_trains_nothing(project):
    """Adding an analysis: a notebook reading a stored model, its params file and one line of dvc.yaml.
    `dvc repro` runs only it (and the summary, which lists every report) and trains nothing."""
    notebook = project / "notebooks" / "99_my_analysis.py"
    analysis_params = project / "params" / "99_my_analysis.yaml"
    dvc_yaml = project / "dvc.yaml"
    kept = [dvc_yaml, project / "dvc.lock", *(project / "metrics").rglob("*.*")]
    originals = {path: path.read_bytes() for path in kept}
    try:
        notebook.write_text(MY_ANALYSIS)
        analysis_params.write_text("images: 200  # test images to score\n")
        end = REPORT_LIST_END
        dvc_yaml.write_text(
            dvc_yaml.read_text().replace(end, end.replace("do:", "  - 99_my_analysis\n    do:"))
        )
        assert "      - 99_my_analysis\n" in dvc_yaml.read_text()
        output = run(["dvc", "repro"], project).stdout
        assert running_stages(output) == ["report@99_my_analysis", "summary"], output
        assert "training " not in output
        pdf_text = run(["pdftotext", str(project / "reports" / "99_my_analysis.pdf"), "-"], project).stdout
        assert "of the first 200 test images right" in pdf_text
        assert json.loads((project / "metrics" / "99_my_analysis.json").read_text())["models"] == {}
    finally:
        for path in (notebook, analysis_params):
            path.unlink(missing_ok=True)
        for path, content in originals.items():
            path.write_bytes(content)
        for path in [*(project / "reports").rglob("99_my_analysis*"), *(project / "metrics").rglob("99_*")]:
            shutil.rmtree(path) if path.is_dir() else path.unlink()
        run(["dvc", "checkout", "--force"], project)
    assert "Data and pipelines are up to date." in run(["dvc", "status"], project).stdout


def test_how_models_fail_reads_the_stored_models_and_trains_nothing(project):
    """08 scores the stored final models of 02-05 (corruptions, sweeps, calibration, FGSM): rerun alone,
    it trains nothing, changes no stored run or model, and records every model it tested."""
    stored = [*(project / "runs").rglob("*.json"), *(project / "models").rglob("*.keras")]
    before = {path: path.read_bytes() for path in stored}
    output = run(["dvc", "repro", "-f", "-s", "report@08_how_models_fail"], project).stdout
    assert "Running stage 'report@08_how_models_fail'" in output and "training " not in output
    assert {path: path.read_bytes() for path in stored} == before
    assert sorted([*(project / "runs").rglob("*.json"), *(project / "models").rglob("*.keras")]) == sorted(
        stored
    )
    tested = json.loads((project / "metrics" / "08_how_models_fail.json").read_text())["robustness"]
    assert len(tested) == 6 and all(0 <= model["ece_before"] <= 1 for model in tested.values())
    pdf_text = run(["pdftotext", str(project / "reports" / "08_how_models_fail.pdf"), "-"], project).stdout
    assert "MNIST-C" in pdf_text and "References" in pdf_text
    assert "Data and pipelines are up to date." in run(["dvc", "status"], project).stdout


def test_changing_one_params_file_reruns_only_that_notebook(project):
    run(["dvc", "exp", "run", "-S", "params/01_data_exploration.yaml:samples_per_class=3"], project)
    output = run(["dvc", "exp", "show", "--no-pager", "--csv"], project).stdout
    assert "samples_per_class" in output
    # Only the exploration stage ran: the dense baseline's lock entry is untouched.
    status = run(["dvc", "status"], project).stdout
    assert "02_dense_baseline" not in status


def test_parameter_sweeps_run_from_the_experiment_queue(project):
    """The parallel-sweep path of the README: queue experiments, start a worker, read the results."""
    run(
        ["dvc", "exp", "run", "--queue", "-S", "params/01_data_exploration.yaml:samples_per_class=2"], project
    )
    # The worker runs in the background and keeps this command's output streams: capturing them would
    # wait for the worker to exit, which an idle worker may not do for many minutes.
    subprocess.run(
        ["dvc", "queue", "start", "-j", "1"],
        cwd=project,
        env=ENV,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        check=True,
    )
    try:
        deadline = time.monotonic() + 300
        while time.monotonic() < deadline:
            queue = run(["dvc", "queue", "status"], project).stdout
            if "Queued" not in queue and "Running" not in queue:
                break
            time.sleep(3)
    finally:
        run(["dvc", "queue", "stop"], project, check=False)
    assert "Success" in queue, queue
    table = csv.DictReader(io.StringIO(run(["dvc", "exp", "show", "--no-pager", "--csv"], project).stdout))
    assert "2" in {row["samples_per_class"] for row in table}


def test_failing_notebook_keeps_partial_notebook_and_removes_results(project):
    notebook = project / "notebooks" / "01_data_exploration.py"
    original = notebook.read_text()
    try:
        notebook.write_text(original + '\n# %%\nraise RuntimeError("deliberate failure")\n')
        result = run(
            [sys.executable, "-m", "charrec.run_notebook", "01_data_exploration"], project, check=False
        )
    finally:
        notebook.write_text(original)
    assert result.returncode == 1
    assert "RuntimeError: deliberate failure" in result.stderr
    assert "kept at reports/failed/01_data_exploration.ipynb" in result.stderr
    assert (project / "reports" / "failed" / "01_data_exploration.ipynb").is_file()
    assert_nothing_looks_complete(
        project,
        (
            "reports/01_data_exploration.html",
            "reports/01_data_exploration.pdf",
            "metrics/01_data_exploration.json",
        ),
    )
    run(
        ["dvc", "repro", "report@01_data_exploration"], project
    )  # the next tests start from a complete project


# Interruptions and determinism


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
        env=env_for(project),
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


def committed(project: Path, name: str) -> bytes | None:
    """The content git has committed for `name` in the project copy, or None."""
    shown = subprocess.run(["git", "show", f"HEAD:{name}"], cwd=project, capture_output=True)
    return shown.stdout if shown.returncode == 0 else None


def assert_nothing_looks_complete(project: Path, results=DENSE_RESULTS) -> None:
    """The reports are gone; a metrics file is either gone or the committed one, restored (a failed report
    stage never deletes the committed metrics of a previous run)."""
    for result in results:
        path = project / result
        if result.startswith("metrics/") and path.exists():
            assert path.read_bytes() == committed(project, result), f"{result} is neither gone nor committed"
        else:
            assert not path.exists(), f"{result} survived the interruption"


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
    assert "report@02_dense_baseline:" in status and "report@01_data_exploration:" not in status
    assert "train@02_dense_baseline:" not in status  # the trained runs are untouched
    # The next repro brings back exactly the interrupted stage's results (from DVC's cache: the lock still
    # names the last complete run) and touches nothing else.
    output = run(["dvc", "repro"], project).stdout
    assert "Running stage 'report@01_data_exploration'" not in output
    assert "Data and pipelines are up to date." in run(["dvc", "status"], project).stdout
    for result in DENSE_RESULTS:
        assert (project / result).exists(), result


def test_same_params_and_seed_give_identical_metrics(project, first_metrics):
    """Retrain the dense baseline from scratch (its stored runs removed): the same numbers."""
    shutil.rmtree(project / "runs" / "02_dense_baseline")
    output = run(["dvc", "repro", "train@02_dense_baseline", "report@02_dense_baseline"], project).stdout
    assert "training 16 with" in output  # every run trained again: 2 dense runs and 14 classical ones
    assert metrics_of(project)["02_dense_baseline.json"] == first_metrics["02_dense_baseline.json"]


def test_unavailable_dataset_skips_only_its_notebook_with_one_clear_message(project):
    """Run last: it retrains the small Hiragana runs. Without a source for KMNIST, a plain `dvc repro`
    completes: the Hiragana notebook trains nothing and its report says how to provide the data, every
    other report stays, and the status line names the notebook. Naming the folder again builds it."""
    data_file = project / "params" / "data.yaml"
    original = data_file.read_text()
    data_params = yaml.safe_load(original)
    data_params["datasets"]["kmnist"]["local_dir"] = str(project / "no-such-folder")
    data_file.write_text(yaml.safe_dump(data_params, allow_unicode=True))
    try:
        repro = run(["dvc", "repro"], project, check=False)
        status = run([sys.executable, "-m", "charrec.pipeline_status"], project, check=False)
        pdf_text = run(["pdftotext", str(project / "reports" / "06_hiragana.pdf"), "-"], project).stdout
        metrics = json.loads((project / "metrics" / "06_hiragana.json").read_text())
        summary = run(["pdftotext", str(project / "reports" / "07_summary.pdf"), "-"], project).stdout
    finally:
        data_file.write_text(original)
    output = repro.stdout + repro.stderr
    assert repro.returncode == 0, output[-3000:]
    assert "Dataset 'kmnist' is not available" in output and "Fix: put the four IDX files" in output
    assert "06_hiragana: skipped, dataset 'kmnist' not available on this machine" in output
    assert "ERROR" not in output
    assert status.returncode == 0, status.stderr
    assert "06_hiragana: skipped, dataset 'kmnist' not available" in status.stdout
    assert "Not run on this machine: the dataset kmnist is not available" in pdf_text
    assert metrics["available"] is False and metrics["models"] == {}
    assert "Kuzushiji-MNIST" in summary and "not available on this machine" in " ".join(summary.split())
    assert (project / "reports" / "02_dense_baseline.pdf").is_file()
    again = run(["dvc", "repro"], project)  # the folder is named again: the notebook is built
    assert "Running stage 'report@06_hiragana'" in again.stdout
    assert json.loads((project / "metrics" / "06_hiragana.json").read_text())["models"]


def test_an_interactive_run_with_other_parameters_trains_into_scratch(project, tmp_path):
    """A notebook executed outside the pipeline (as in JupyterLab) with edited parameters trains the runs it
    lacks into scratch/ and writes its metrics there; the pipeline's results stay as they were."""
    import jupytext
    import papermill

    pipeline_files = [
        *(project / "runs" / "02_dense_baseline").glob("*.json"),
        *(project / "models" / "02_dense_baseline").glob("*"),
        project / "metrics" / "02_dense_baseline.json",
    ]
    before = {path: path.read_bytes() for path in pipeline_files}
    edited = {"hidden_units": [64, 32], "epochs": 1, "batch_size": 100, "seeds": [0], "gallery_size": 8}
    papermill.execute_notebook(
        jupytext.read(project / "notebooks" / "02_dense_baseline.py"),
        str(tmp_path / "02_dense_baseline.ipynb"),
        parameters={"variant": edited},
        kernel_name="python3",
        cwd=str(project / "notebooks"),
        progress_bar=False,
    )
    scratch = project / "scratch"
    assert (scratch / "runs" / "02_dense_baseline" / "final-seed0.json").is_file()
    assert (
        json.loads((scratch / "metrics" / "02_dense_baseline.json").read_text())["models"]["dense_baseline"][
            "epochs"
        ]
        == 1
    )
    assert {path: path.read_bytes() for path in pipeline_files} == before
    status = run(["dvc", "status"], project).stdout
    assert "train@02_dense_baseline" not in status and "report@02_dense_baseline" not in status
