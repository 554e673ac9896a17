"""02's classical baselines (scikit-learn) as cached runs, on the small profile: the real data stage and
training stage in a copy of the project; the runs train, are read back instead of retrained, and an edit
of their code makes only them stale."""

import json

import pytest

from charrec.classical import NOT_USED, execute
from charrec.runs import RunSpec
from conftest import apply_small_profile, copy_project_files, run

CLASSICAL = ("logistic_regression", "nearest_neighbors", "rbf_svm")


@pytest.fixture(scope="module")
def trained(tmp_path_factory, mnist_folder):
    """A copy of the project with the small profile's params, after its data stage and 02's training stage
    (the dense runs and the classical runs); returns the copy and the training stage's output."""
    project = copy_project_files(tmp_path_factory.mktemp("classical"))
    apply_small_profile(project, mnist_folder)
    run(["python", "-m", "charrec.data", "mnist"], project)
    output = run(["python", "-m", "charrec.train", "02_dense_baseline"], project).stdout
    return project, output


def dry_run(project) -> str:
    return run(["python", "-m", "charrec.train", "02_dense_baseline", "--dry-run"], project).stdout


def test_the_classical_runs_train_and_store_scores_but_no_model(trained):
    project, output = trained
    runs = project / "runs" / "02_dense_baseline"
    for name in CLASSICAL:
        result = json.loads((runs / f"final-{name}.json").read_text())
        assert result["train_images"] == 3000 and result["kept_model"] is False
        assert "history" not in result and result["spec"]["epochs"] == 0
        assert 0.7 < result["test_accuracy"] <= 1.0 and result["predict_seconds"] >= 0
        assert (project / "models" / "02_dense_baseline" / f"final-{name}.test.npy").is_file()
        assert not (project / "models" / "02_dense_baseline" / f"final-{name}.keras").exists()
        grid = [json.loads(path.read_text()) for path in runs.glob(f"validation-{name}-*.json")]
        assert grid and all(0.5 < run["validation_accuracy"] <= 1.0 for run in grid)
        assert all(run["train_images"] == 2500 and "test_accuracy" not in run for run in grid)
    svm = json.loads((runs / "final-rbf_svm.json").read_text())
    assert svm["test_scores"] == "one-hot predictions" and svm["support_vectors"] > 0
    regression = json.loads((runs / "final-logistic_regression.json").read_text())
    assert regression["test_scores"] == "probabilities" and regression["stored_values"] == 785 * 10
    assert "fitting on 3,000 images (scikit-learn, one fit)" in output


def test_a_second_training_stage_trains_nothing(trained):
    project, _ = trained
    again = run(["python", "-m", "charrec.train", "02_dense_baseline"], project).stdout
    assert "training" not in again and "runs ready" in again, again
    assert " 0 would train" in dry_run(project).splitlines()[0]


def test_an_edit_of_the_classical_code_stales_only_the_classical_runs(trained):
    project, _ = trained
    stored = [path.stem for path in (project / "runs" / "02_dense_baseline").glob("*.json")]
    classical = sorted(key for key in stored if any(name in key for name in CLASSICAL))
    assert len(classical) == 14 and len(stored) == 16  # 4 + 1, 4 + 1, 3 + 1; the dense runs of one seed
    for relative in ("lib/charrec/classical.py", "lib/charrec/models/classical.py"):
        path = project / relative
        original = path.read_text()
        try:
            path.write_text(original.replace('"""', '"""A docstring edit only. ', 1))
            assert " 0 would train" in dry_run(project).splitlines()[0]  # prose: nothing retrains
            path.write_text(original + "\nEXTRA_CONSTANT = 1\n")
            lines = dry_run(project).splitlines()
            assert lines[0] == "02_dense_baseline: 2 of 16 runs stored; 14 would train", lines
            assert sorted(line.split()[0] for line in lines[1:]) == classical
            assert all(line.endswith(f"code changed ({relative})") for line in lines[1:]), lines
        finally:
            path.write_text(original)
    assert " 0 would train" in dry_run(project).splitlines()[0]


def test_a_classical_spec_with_keras_settings_is_refused(tmp_path):
    spec = RunSpec(
        key="a", model="logistic_regression", options={"C": 1.0}, seed=0, **{**NOT_USED, "epochs": 3}
    )
    with pytest.raises(
        ValueError, match=r"run 'a': logistic_regression is a scikit-learn model.*'epochs': 3"
    ):
        execute(spec, tmp_path)
