"""The summary's table and conclusions come from the metrics files alone."""

import json
import math
import subprocess

from charrec import summary
from charrec.metrics import read_metrics
from charrec.outputs import REPORT_STAGE_ENV


def test_table_and_conclusions_from_metrics_files(tmp_path):
    files = {
        "02_dense_baseline": {
            "dataset": "mnist",
            "models": {
                "dense_baseline": {
                    "architecture": "784-10",
                    "parameters": 7850,
                    "epochs": 10,
                    "seeds": [0, 1],
                    "test_accuracy": [0.97, 0.98],
                    "test_accuracy_mean": 0.975,
                    "test_accuracy_sd": 0.00707,
                    "train_seconds_mean": 20.0,
                    "images_per_second_mean": 30000.0,
                    "source_test_accuracy": 0.9785,
                }
            },
        },
        "05_bn_ablation": {
            "dataset": "mnist",
            "models": {},
            "bn_comparisons": {
                "10_classes": {
                    "difference_mean": 0.004,
                    "difference_ci_low": 0.001,
                    "difference_ci_high": 0.007,
                    "confidence": 0.95,
                    "source_difference": 0.004,
                },
                "4_classes": {
                    "difference_mean": -0.001,
                    "difference_ci_low": math.nan,
                    "difference_ci_high": math.nan,
                    "confidence": 0.95,
                    "source_difference": 0.0024,
                },
            },
        },
        "notes": {"not": "a notebook"},
    }
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    metrics = read_metrics(tmp_path)
    assert sorted(metrics) == ["02_dense_baseline", "05_bn_ablation"]
    table = summary.model_table(metrics)
    assert table.loc[0, "test accuracy"] == 0.975 and table.loc[0, "seeds"] == 2
    assert table.loc[0, "classes"] is None  # no class list recorded: all of the dataset's classes
    text = "\n".join(summary.conclusions(metrics))
    assert "97.50 ± 0.71 % over 2 seeds" in text and "within two standard deviations" in text
    assert (
        "(10 classes)?** +0.40 points" in text
        and "the 95 % interval [+0.10, +0.70] points lies above zero: significant" in text
    )
    assert (
        "(4 classes)?** -0.10 points" in text
        and "a single seed gives no interval: cannot tell from these runs" in text
    )
    assert "KMNIST is not available on this machine" in text


def test_the_dataset_comparison_names_the_dataset_that_ran(tmp_path):
    """06 run on Fashion-MNIST: the summary asks and answers about Fashion-MNIST, not KMNIST."""
    model = {
        "architecture": "CNN",
        "parameters": 100,
        "epochs": 8,
        "seeds": [0],
        "test_accuracy": [0.9],
        "test_accuracy_mean": 0.9,
        "test_accuracy_sd": 0.0,
        "train_seconds_mean": 8.0,
        "images_per_second_mean": 60.0,
    }
    content = {
        "dataset": "fashion_mnist",
        "models": {"cnn": model},
        "comparison": {"dataset": "mnist", "test_accuracy": {"cnn": 0.99}},
    }
    (tmp_path / "06_hiragana.json").write_text(json.dumps(content))
    text = "\n".join(summary.conclusions(read_metrics(tmp_path)))
    assert "**How much harder is Fashion-MNIST than MNIST?**" in text
    assert "90.00 % on Fashion-MNIST" in text and "10.0× more test errors" in text
    assert "KMNIST" not in text


def test_index_lists_every_notebook_and_the_provenance(tmp_path, monkeypatch):
    monkeypatch.setenv(REPORT_STAGE_ENV, "1")  # the pipeline's report stage writes the project's index
    (tmp_path / "01_data_exploration.html").write_text("x")
    summary.write_index(
        tmp_path,
        ["01_data_exploration", "06_hiragana", "07_summary"],
        {"01_data_exploration": "60,000 images"},
        {"git commit": "abc123"},
        rendering="07_summary",
    )
    page = (tmp_path / "index.html").read_text()
    assert '<a href="01_data_exploration.html">HTML</a>' in page and "60,000 images" in page
    assert "06 hiragana</b>: not produced in this run" in page
    assert '<a href="07_summary.pdf">PDF</a>' in page and "abc123" in page


def test_index_opened_interactively_goes_to_scratch(tmp_path, monkeypatch):
    """07 run in JupyterLab leaves the pipeline's reports/index.html as it is (issue 32)."""
    monkeypatch.delenv(REPORT_STAGE_ENV, raising=False)
    reports = tmp_path / "reports"
    reports.mkdir()
    (reports / "index.html").write_text("the pipeline's")
    (reports / "02_dense_baseline.html").write_text("x")
    written = summary.write_index(
        reports, ["02_dense_baseline", "07_summary"], {}, {"git commit": "abc123"}, rendering="07_summary"
    )
    assert written == tmp_path / "scratch" / "reports" / "index.html"
    assert (reports / "index.html").read_text() == "the pipeline's"
    page = written.read_text()
    assert '<a href="../../reports/02_dense_baseline.html">HTML</a>' in page  # links the pipeline's reports
    assert (written.parent / "../../reports/02_dense_baseline.html").is_file()


def test_git_commit_ignores_removed_results_but_flags_code_changes(tmp_path):
    def git(*args):
        subprocess.run(
            ["git", "-c", "user.name=t", "-c", "user.email=t@t", *args],
            cwd=tmp_path,
            check=True,
            capture_output=True,
        )

    (tmp_path / "metrics").mkdir()
    (tmp_path / "metrics" / "07_summary.json").write_text("{}")
    (tmp_path / "model.py").write_text("x = 1\n")
    git("init", "-q")
    git("add", ".")
    git("commit", "-qm", "start")
    (tmp_path / "metrics" / "07_summary.json").unlink()  # what a running stage does first
    assert not summary.git_commit(tmp_path).endswith(")")
    (tmp_path / "model.py").write_text("x = 2\n")
    assert summary.git_commit(tmp_path).endswith("(with uncommitted code or params)")


def test_data_checksums_list_every_raw_file_of_every_manifest(tmp_path):
    prepared = tmp_path / "data" / "prepared"
    prepared.mkdir(parents=True)
    manifest = {"dataset": "mnist", "files": {"images": "train-images"}, "md5": {"images": "ab12"}}
    (prepared / "mnist.json").write_text(json.dumps(manifest))
    table = summary.data_checksums(tmp_path)
    expected = [{"dataset": "mnist", "file": "train-images", "md5 (verified)": "ab12"}]
    assert table.to_dict("records") == expected
    assert summary.provenance(tmp_path, "numpy 2", "CPU")["mnist md5"] == "train-images ab12"


def test_the_table_gains_the_robustness_notebooks_corruption_accuracy_and_ece(tmp_path):
    model = {
        "architecture": "784-10",
        "parameters": 7850,
        "epochs": 10,
        "seeds": [0],
        "test_accuracy": [0.97],
        "test_accuracy_mean": 0.97,
        "test_accuracy_sd": 0.0,
        "train_seconds_mean": 20.0,
        "images_per_second_mean": 30000.0,
    }
    files = {
        "02_dense_baseline": {"dataset": "mnist", "models": {"dense_baseline": model, "other": model}},
        "08_how_models_fail": {
            "dataset": "mnist",
            "models": {},
            "robustness": {
                "dense baseline": {
                    "notebook": "02_dense_baseline",
                    "metrics_key": "dense_baseline",
                    "corruption_accuracy_mean": 0.636,
                    "ece_before": 0.0069,
                }
            },
        },
    }
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    table = summary.model_table(read_metrics(tmp_path)).set_index("model")
    assert list(table.index) == ["dense_baseline", "other"]  # 08 trains nothing: no rows of its own
    assert table.loc["dense_baseline", "corruption accuracy"] == 0.636
    assert table.loc["dense_baseline", "ECE"] == 0.0069
    assert math.isnan(table.loc["other", "ECE"])  # a model 08 does not test
