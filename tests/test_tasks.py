"""Training runs as cached tasks: real TensorFlow runs on tiny data through the real executors
(joblib's process pool and a local Dask cluster)."""

import json
import shutil
import subprocess
import sys
from pathlib import Path

import numpy as np
import pytest
import yaml

from charrec.outputs import REPORT_STAGE_ENV
from charrec.prepared import PreparedData
from charrec.runs import RunSpec
from charrec.tasks import RunStore, ensure_runs, results_for
from conftest import PROJECT_ROOT, study_params, write_prepared

QUIET = dict(log=lambda line: None)


def tiny_project(tmp_path, name: str = "tiny"):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(700, 28, 28), dtype=np.uint8)
    y = (x[:, 14, :14].mean(axis=1) > 127).astype(np.uint8)  # a learnable rule
    data = PreparedData(name, ("a", "b"), x[:400], y[:400], x[400:500], y[400:500], x[500:], y[500:], {})
    (tmp_path / "data" / "prepared").mkdir(parents=True)
    write_prepared(tmp_path / "data" / "prepared", data)
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    return tmp_path


def spec(key: str, seed: int = 0, **changes) -> RunSpec:
    fields = dict(
        key=key,
        model="dense_network",
        options={"hidden_units": [16]},
        seed=seed,
        epochs=2,
        batch_size=50,
        learning_rate=0.003,
        dataset="tiny",
        validate_every_epoch=True,
        test=True,
    )
    return RunSpec(**{**fields, **changes})


def without_timings(result: dict) -> dict:
    return {key: value for key, value in result.items() if "second" not in key and key != "history"} | {
        "history": [{k: v for k, v in epoch.items() if k != "seconds"} for epoch in result["history"]]
    }


def test_runs_are_trained_once_then_read_and_stale_ones_retrained(tmp_path, monkeypatch):
    root = tiny_project(tmp_path)
    monkeypatch.setenv("CHARREC_JOBS", "2")
    specs = [spec("a", 0), spec("b", 1)]
    first = ensure_runs("nb", specs, root, **QUIET)
    store = RunStore(root, "nb")
    assert (
        store.result_file("a").is_file()
        and store.model_file("b").is_file()
        and store.probabilities_file("b").is_file()
    )
    assert first["a"]["test_accuracy"] > 0.5 and np.load(store.probabilities_file("a")).shape == (200, 2)
    mtime = store.result_file("a").stat().st_mtime_ns
    again = ensure_runs("nb", specs, root, **QUIET)  # nothing to train: the stored results
    assert again == {key: json.loads(store.result_file(key).read_text()) for key in ("a", "b")}
    assert store.result_file("a").stat().st_mtime_ns == mtime
    changed = ensure_runs("nb", [spec("a", 0), spec("b", 1, epochs=3)], root, **QUIET)  # only b is stale
    assert store.result_file("a").stat().st_mtime_ns == mtime and changed["b"]["epochs_run"] == 3
    assert store.prune({"a", "c-0.5"}) == ["b.json", "b.keras", "b.test.npy"]
    assert sorted(path.name for path in store.results_dir.iterdir()) == ["a.json"]


def test_a_result_does_not_depend_on_what_runs_beside_it(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARREC_JOBS", "2")
    alone = ensure_runs("nb", [spec("a", 0)], tiny_project(tmp_path / "alone"), **QUIET)["a"]
    together = ensure_runs(
        "nb", [spec("a", 0), spec("b", 1), spec("c", 2)], tiny_project(tmp_path / "pool"), **QUIET
    )
    assert without_timings(alone) == without_timings(together["a"])
    assert (
        together["a"]["test_accuracy"] != together["b"]["test_accuracy"]
        or together["a"]["history"] != together["b"]["history"]
    )


def test_dask_local_cluster_gives_the_same_results(tmp_path, monkeypatch):
    monkeypatch.setenv("CHARREC_JOBS", "2")
    loky = ensure_runs("nb", [spec("a", 0), spec("b", 1)], tiny_project(tmp_path / "loky"), **QUIET)
    monkeypatch.setenv("CHARREC_EXECUTOR", "dask")
    dask = ensure_runs("nb", [spec("a", 0), spec("b", 1)], tiny_project(tmp_path / "dask"), **QUIET)
    assert {k: without_timings(v) for k, v in dask.items()} == {
        k: without_timings(v) for k, v in loky.items()
    }


def test_the_report_stage_never_trains_and_an_interactive_run_trains_into_scratch(tmp_path, monkeypatch):
    root = tiny_project(tmp_path)
    monkeypatch.setenv("CHARREC_JOBS", "1")
    params = study_params(
        "02_dense_baseline", hidden_units=[16], epochs=3, batch_size=50, learning_rate=0.003, seeds=[0]
    )
    import charrec.plans as plans

    original = plans.PLANS["02_dense_baseline"]
    monkeypatch.setitem(
        plans.PLANS,
        "02_dense_baseline",
        lambda p: [RunSpec(**{**run.as_json(), "dataset": "tiny"}) for run in original(p)],
    )
    monkeypatch.setenv(REPORT_STAGE_ENV, "1")
    with pytest.raises(
        FileNotFoundError, match=r"no stored results for \d+ run\(s\).*dvc repro train@02_dense_baseline"
    ):
        results_for("02_dense_baseline", params, root)
    monkeypatch.delenv(REPORT_STAGE_ENV)
    results = results_for("02_dense_baseline", params, root)
    assert (root / "scratch" / "runs" / "02_dense_baseline" / "final-seed0.json").is_file()
    assert not (root / "runs").exists()  # the pipeline's results are untouched
    assert results.table(phase="final")["test_accuracy"].iloc[0] > 0.5
    assert results.probabilities("final-seed0").shape == (200, 2)


def test_stopping_the_training_stage_stops_its_workers(tmp_path):
    """SIGTERM (what a stopped `dvc repro` sends) to `python -m charrec.train` ends its workers too: no run
    goes on training, and writing results, unseen."""
    import os
    import signal
    import subprocess
    import sys

    import psutil

    root = tiny_project(tmp_path, name="mnist")
    (root / "params").mkdir()
    committed = yaml.safe_load((PROJECT_ROOT / "params" / "02_dense_baseline.yaml").read_text())
    (root / "params" / "02_dense_baseline.yaml").write_text(
        yaml.safe_dump(committed | {"hidden_units": [16], "epochs": 1000, "batch_size": 50, "seeds": [0]})
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "charrec.train", "02_dense_baseline"],
        cwd=root,
        env={**os.environ, "CHARREC_JOBS": "2"},
        stdout=subprocess.PIPE,
        text=True,
    )
    assert "epoch 1/1000," in next(line for line in process.stdout if "epoch" in line)  # workers are training
    workers = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGTERM)
    assert process.wait(timeout=60) != 0
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running: {alive}"
    # the scikit-learn baselines fit in a second and may finish before the stop; no dense run may be left
    assert not list((root / "runs" / "02_dense_baseline").glob("*seed*.json"))


def test_ctrl_c_ends_the_training_stage_with_one_line_and_exit_status_130(tmp_path):
    """Ctrl-C (a notebook's Interrupt) during training: the workers stop, and one line names the runs kept
    and says that a re-run resumes; no traceback through joblib (issue 32)."""
    import os
    import signal
    import subprocess
    import sys

    import psutil

    root = tiny_project(tmp_path, name="mnist")
    (root / "params").mkdir()
    (root / "params" / "02_dense_baseline.yaml").write_text(
        "hidden_units: [16]\nactivation: relu\nlearning_rate: 0.001\nbatch_size: 50\nepochs: 1000\n"
        "seeds: [0]\n"
        "retrain_on_all_training_images: true\ngallery_size: 4\nclassical: {}\n"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "charrec.train", "02_dense_baseline"],
        cwd=root,
        env={**os.environ, "CHARREC_JOBS": "2"},
        stdout=subprocess.PIPE,
        stderr=subprocess.PIPE,
        text=True,
        preexec_fn=lambda: signal.signal(signal.SIGINT, signal.SIG_DFL),  # as in a terminal
    )
    assert "epoch 1/1000," in next(line for line in process.stdout if "epoch" in line)  # workers are training
    workers = psutil.Process(process.pid).children(recursive=True)
    process.send_signal(signal.SIGINT)
    assert process.wait(timeout=60) == 130
    stderr = process.stderr.read()
    assert "Traceback" not in stderr and len(stderr.strip().splitlines()) == 1, stderr
    assert "interrupted; 0 of 2 run(s) to train finished and kept in runs/02_dense_baseline/" in stderr
    assert "Run it again to resume" in stderr
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running: {alive}"


def test_the_workers_exit_when_training_ends(tmp_path, monkeypatch):
    """Finished workers release their memory (about 1 GB each with TensorFlow): the pool is shut down."""
    import psutil

    root = tiny_project(tmp_path)
    monkeypatch.setenv("CHARREC_JOBS", "2")
    specs = [
        RunSpec(
            key=f"r{seed}",
            model="dense_network",
            options={"hidden_units": [8]},
            seed=seed,
            epochs=1,
            batch_size=50,
            learning_rate=0.003,
            dataset="tiny",
        )
        for seed in (0, 1)
    ]
    ensure_runs("nb", specs, root, log=lambda line: None)

    def tracker(process) -> bool:  # loky's small resource tracker stays; an exited worker is no tracker
        try:
            return "resource_tracker" in " ".join(process.cmdline())
        except psutil.Error:
            return False

    workers = [p for p in psutil.Process().children(recursive=True) if not tracker(p)]
    _, alive = psutil.wait_procs(workers, timeout=30)
    assert not alive, f"workers still running: {[p.cmdline() for p in alive]}"


def test_the_code_fingerprint_ignores_prose_and_other_packages_but_not_code_or_training_packages(tmp_path):
    from charrec.fingerprints import Fingerprints, code_without_docstrings

    documented = 'def f(x):\n    """Adds one."""\n    # a comment\n    return x + 1\n'
    assert code_without_docstrings(documented) == code_without_docstrings("def f(x):\n    return (x+1)\n")
    assert code_without_docstrings(documented) != code_without_docstrings("def f(x):\n    return x + 2\n")

    requirements = tmp_path / "requirements.txt"
    requirements.write_text("keras==3.15.1\nnumpy==2.4.6\ntensorflow_cpu==2.21.0\n")
    before = Fingerprints(tmp_path).of("dense_network", "mnist")
    requirements.write_text("keras==3.15.1\nnumpy==2.4.6\npooch==1.8.2\ntensorflow_cpu==2.21.0\n")
    assert Fingerprints(tmp_path).of("dense_network", "mnist") == before
    requirements.write_text("keras==3.15.1\nnumpy==2.4.6\npooch==1.8.2\ntensorflow_cpu==2.22.0\n")
    assert Fingerprints(tmp_path).of("dense_network", "mnist") != before
    assert Fingerprints(tmp_path).parts("dense_network", "mnist")["requirements.txt"] != "missing"


FINGERPRINTS = """
import json, sys
from charrec.fingerprints import Fingerprints
from charrec.models import catalogue
fingerprints = Fingerprints(sys.argv[1])
print(json.dumps({name: fingerprints.of(name, "mnist") for name in sorted(catalogue())}))
"""


def fingerprints_of_copy(lib: Path, root: Path) -> dict[str, str]:
    """Every registered model's fingerprint, computed by a fresh interpreter on the library at `lib`."""
    result = subprocess.run(
        [sys.executable, "-c", FINGERPRINTS, str(root)],
        env={"PYTHONPATH": str(lib), "PATH": "/usr/bin:/bin"},
        capture_output=True,
        text=True,
    )
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_editing_one_model_stales_only_its_runs_and_adding_a_model_stales_nothing(tmp_path):
    """The promise of the models package: a run's fingerprint covers the shared training code and its own
    model's module (with what that imports), nothing else."""
    lib = tmp_path / "lib"
    shutil.copytree(PROJECT_ROOT / "lib", lib, ignore=shutil.ignore_patterns("__pycache__", "*.egg-info"))
    (tmp_path / "requirements.txt").write_text((PROJECT_ROOT / "requirements.txt").read_text())
    before = fingerprints_of_copy(lib, tmp_path)
    assert {"dense_network", "simple_cnn", "improved_cnn", "tiny_cnn"} <= set(before)

    models = lib / "charrec" / "models"
    improved = models / "improved_cnn.py"
    improved.write_text(improved.read_text().replace('"""', '"""A docstring edit only. ', 1))
    assert fingerprints_of_copy(lib, tmp_path) == before  # prose: nothing retrains

    improved.write_text(improved.read_text() + "\nEXTRA_CONSTANT = 1\n")
    after = fingerprints_of_copy(lib, tmp_path)
    assert {name for name in before if after[name] != before[name]} == {"improved_cnn"}

    (models / "wide_cnn.py").write_text(
        '"""A new network."""\n\nfrom . import model\n\n\n'
        '@model(display_name="wide CNN", cost_per_image=2.0)\ndef wide_cnn(num_classes: int, seed: int):\n'
        '    """A wide CNN."""\n    raise NotImplementedError\n'
    )
    added = fingerprints_of_copy(lib, tmp_path)
    assert set(added) == set(before) | {"wide_cnn"}
    assert {name: added[name] for name in before} == after  # adding a model stales no stored run

    training = lib / "charrec" / "training.py"
    training.write_text(training.read_text() + "\nEXTRA_CONSTANT = 1\n")
    shared = fingerprints_of_copy(lib, tmp_path)
    assert all(shared[name] != added[name] for name in added)  # the shared training code: every run


def test_test_time_shifts_are_scored_on_validation_and_test_and_stored(tmp_path, monkeypatch):
    from charrec.tasks import RunResults
    from charrec.training import shifted_views

    images = np.zeros((1, 28, 28), np.uint8)
    images[0, 10, 12] = 255
    views = shifted_views(images, 2)
    assert [tuple(np.argwhere(view[0])[0]) for view in views] == [
        (10, 12),
        (8, 12),
        (12, 12),
        (10, 10),
        (10, 14),
    ]

    root = tiny_project(tmp_path)
    monkeypatch.setenv("CHARREC_JOBS", "1")
    shifted = spec("a", test_time_shift=1)
    result = ensure_runs("nb", [shifted], root, **QUIET)["a"]
    for name in ("validation_accuracy_plain", "validation_accuracy_shifted", "test_accuracy_shifted"):
        assert 0.0 <= result[name] <= 1.0
    store = RunStore(root, "nb")
    assert store.probabilities_file("a", shifted=True).is_file()
    runs = RunResults([shifted], {"a": result}, [store])
    probabilities = runs.probabilities("a", shifted=True)
    assert probabilities.shape == (200, 2) and np.allclose(probabilities.sum(1), 1, atol=1e-5)
    assert not np.allclose(probabilities, runs.probabilities("a"))  # the shifted views change the mean
    store.probabilities_file("a", shifted=True).unlink()
    from charrec.fingerprints import Fingerprints

    assert store.check(shifted, Fingerprints(root)) == (None, "model file missing")  # trained again


def test_the_pool_shares_the_cores_when_that_finishes_sooner():
    from charrec.tasks import finish_time, pool_size

    # equal runs -> workers on 2 cores: 3 runs side by side finish in 1.5 run times instead of 2
    assert {runs: pool_size([1.0] * runs, 2) for runs in (1, 2, 3, 4, 5, 6, 12)} == {
        1: 1,
        2: 2,
        3: 3,
        4: 2,
        5: 3,
        6: 2,
        12: 2,
    }
    assert round(finish_time([1.0] * 3, 3, 2), 6) == 1.5 and finish_time([1.0] * 3, 2, 2) == 2.0
    assert round(finish_time([1.0] * 5, 3, 2), 6) == 2.5  # 3 side by side (1.5), then 2 at full speed
    # 04's final runs, longest first: 3 improved CNNs (6.3) and 3 simple CNNs (1). Two workers leave one
    # improved CNN running alone at the end (12.6); three share the cores throughout (10.95)
    cnn = [6.3] * 3 + [1.0] * 3
    assert round(finish_time(cnn, 2, 2), 6) == 12.6 and round(finish_time(cnn, 3, 2), 6) == 10.95
    assert pool_size(cnn, 2) == 3
    assert pool_size([1.0] * 3, 1) == 1  # one slot (a GPU): one run at a time


def test_the_longest_runs_start_first_batch_normalization_included():
    from charrec.plans import plan
    from charrec.tasks import finish_time, run_cost

    specs = plan("05_bn_ablation", study_params("05_bn_ablation"))  # the study's 3 seeds, 10 and 4 classes
    ordered = sorted(specs, key=lambda spec: -run_cost(spec))
    assert [spec.options["batch_norm"] for spec in ordered] == [True] * 6 + [False] * 6
    # seconds per run measured with Keras' BN layer, BN about 180 and without about 92: in plan order two
    # workers leave one core idle while the last BN run trains (904 s); longest first they finish
    # together (816 s)
    seconds = {True: 180.0, False: 92.0}
    in_plan_order = finish_time([seconds[spec.options["batch_norm"]] for spec in specs], 2, 2)
    longest_first = finish_time([seconds[spec.options["batch_norm"]] for spec in ordered], 2, 2)
    assert (round(in_plan_order), round(longest_first)) == (904, 816)


def test_ensure_runs_hands_the_pool_the_longest_runs_first_and_sizes_it_by_their_costs(tmp_path, monkeypatch):
    from charrec import tasks
    from charrec.plans import plan

    finals = [
        spec
        for spec in plan("04_cnn", study_params("04_cnn"))  # the study's 3 seeds
        if spec.labels["phase"] == "final"
    ]
    handed = {}

    def record(task_list, jobs):
        handed.update(keys=[task[0]["key"] for task in task_list], jobs=jobs)
        return [{"key": task[0]["key"]} for task in task_list]

    monkeypatch.setenv("CHARREC_JOBS", "2")
    monkeypatch.setattr(tasks, "_map", record)
    found = ensure_runs("04_cnn", finals, tmp_path, log=lambda line: None)
    assert handed["jobs"] == 3  # 3 improved + 3 simple CNNs on 2 slots
    assert [key.split("-")[1] for key in handed["keys"]] == ["improved_cnn"] * 3 + ["simple_cnn"] * 3
    assert sorted(found) == sorted(spec.key for spec in finals)


def test_the_time_estimate_comes_from_the_stored_runs_speed(tmp_path):
    """Before training, the estimate (issue 32): each run's cost at its model's measured seconds per cost
    unit, through the pool's schedule; a model without stored runs is timed as the median model."""
    from charrec.tasks import duration, estimate_seconds, run_cost

    spec = RunSpec(
        key="a", model="simple_cnn", options={}, seed=0, epochs=2, batch_size=128, learning_rate=0.001
    )
    (tmp_path / "runs" / "nb").mkdir(parents=True)
    stored = {"spec": spec.as_json(), "epochs_run": 1, "train_seconds": 30.0}  # stopped after 1 of 2 epochs
    (tmp_path / "runs" / "nb" / "a.json").write_text(json.dumps(stored))
    (tmp_path / "runs" / "nb" / "broken.json").write_text("{}")  # skipped
    seconds, basis = estimate_seconds([spec, spec], [tmp_path, tmp_path / "scratch"], workers=1, slots=1)
    assert seconds == pytest.approx(2 * 60.0) and "1 stored runs" in basis
    other = RunSpec(
        key="b",
        model="dense_network",
        options={"hidden_units": [16]},
        seed=0,
        epochs=1,
        batch_size=128,
        learning_rate=0.001,
    )
    seconds, basis = estimate_seconds([other], [tmp_path], workers=1, slots=1)
    assert (
        seconds == pytest.approx(run_cost(other) * 30.0 / (run_cost(spec) / 2)) and "dense_network" in basis
    )
    assert [duration(s) for s in (44.6, 200, 3725)] == ["45 s", "3 min 20 s", "1 h 02 min"]
