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
    assert "97.50 ± 0.71\N{NO-BREAK SPACE}% over 2 seeds" in text and "within two standard deviations" in text
    assert (
        "(10 classes)?** With BN against without: better. The mean difference is "
        "+0.40\N{NO-BREAK SPACE}points" in text
    )
    assert "(4 classes)?** With BN against without: no interval." in text
    assert "cannot tell" not in text and "KMNIST" not in text and "Kuzushiji" not in text


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
    assert "90.00\N{NO-BREAK SPACE}% on Fashion-MNIST" in text and "10.0× more test errors" in text
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


def _write(tmp_path, files: dict) -> dict:
    for name, content in files.items():
        (tmp_path / f"{name}.json").write_text(json.dumps(content))
    return read_metrics(tmp_path)


def _model(**extra) -> dict:
    return {
        "architecture": "CNN",
        "parameters": 100,
        "epochs": 5,
        "seeds": [0, 1, 2],
        "test_accuracy": [0.99, 0.99, 0.9908],
        "test_accuracy_mean": 0.990267,
        "test_accuracy_sd": 0.000462,
        "train_seconds_mean": 77.8,
        "images_per_second_mean": 3865.2,
        **extra,
    }


NOT_AVAILABLE = {"dataset": "kmnist", "models": {}, "available": False, "reasons": {"kmnist": "Fix: ..."}}


def test_with_hiragana_not_run_the_summary_covers_mnist_only(tmp_path):
    metrics = _write(
        tmp_path,
        {"04_cnn": {"dataset": "mnist", "models": {"simple_cnn": _model()}}, "06_hiragana": NOT_AVAILABLE},
    )
    models = summary.model_table(metrics)
    assert summary.datasets_shown(models) == ["mnist"]
    scope = summary.scope_sentence(metrics)
    assert scope.startswith("Every report that ran trained and tested its models on MNIST.")
    assert (
        "The Hiragana report, on Kuzushiji-MNIST, did not run: Kuzushiji-MNIST is not available on this "
        "machine" in scope
    )
    assert summary.cited_works(summary.datasets_shown(models)) == [
        "srivastava2014",
        "keras-convnet",
        "deotte-architecture",
    ]
    assert not any("Kuzushiji" in paragraph for paragraph in summary.conclusions(metrics))


def test_with_hiragana_run_the_summary_covers_both_datasets(tmp_path):
    hiragana = {
        "dataset": "kmnist",
        "models": {"cnn": _model()},
        "comparison": {"dataset": "mnist", "test_accuracy": {}},
    }
    metrics = _write(
        tmp_path,
        {"04_cnn": {"dataset": "mnist", "models": {"simple_cnn": _model()}}, "06_hiragana": hiragana},
    )
    models = summary.model_table(metrics)
    assert summary.datasets_shown(models) == ["mnist", "kmnist"]
    assert (
        summary.scope_sentence(metrics)
        == "The reports that ran trained and tested their models on MNIST and Kuzushiji-MNIST."
    )
    assert "clanuwat2018" in summary.cited_works(summary.datasets_shown(models))
    assert summary.scope_sentence({}) == "No report with tested models ran."


def test_models_carry_readable_names_and_their_training_images(tmp_path):
    metrics = _write(
        tmp_path,
        {
            "02_dense_baseline": {"dataset": "mnist", "models": {"dense_baseline": _model()}},
            "04_cnn": {
                "dataset": "mnist",
                "models": {"improved_cnn": _model(train_images=60000, label="improved CNN")},
            },
            "05_bn_ablation": {
                "dataset": "mnist",
                "models": {
                    "cnn_10_classes_bn": _model(
                        train_images=50000, label="4,470-parameter CNN, 10 classes, with BN"
                    )
                },
            },
        },
    )
    models = summary.model_table(metrics)
    assert models["model"].tolist() == [
        "dense baseline 784-512-64-32-16-10",
        "improved CNN",
        "4,470-parameter CNN, 10 classes, with BN",
    ]
    assert models["key"].tolist() == ["dense_baseline", "improved_cnn", "cnn_10_classes_bn"]
    assert summary.training_images_sentence(models) == (
        "Training images: 60,000 for the models of report 04; 50,000 for the models of report 05; "
        "not recorded for those of report 02."
    )
    assert summary.training_images_sentence(models[models["notebook"] != "02_dense_baseline"]).startswith(
        "Training images: 60,000 for the models of report 04; 50,000"
    )
    assert summary.training_images_sentence(models.iloc[[1]]) == "Every model trained on 60,000 images."
    assert summary.model_name("some_new_model", object()) == "some new model"
    assert summary.report_name("05_bn_ablation") == "05 batch-norm ablation"
    assert summary.report_name("02_dense_baseline") == "02 dense baseline"


def test_ensembles_against_single_models_with_and_without_a_recorded_test(tmp_path):
    models = {"simple_cnn": _model(ensemble_test_accuracy=0.993, label="simple CNN")}
    untested = summary.ensemble_paragraphs(
        _write(tmp_path, {"04_cnn": {"dataset": "mnist", "models": models}})
    )
    assert untested == [
        "**Does an ensemble of simple CNNs beat a single one?** Averaging the probabilities of the 3 final "
        "simple CNNs gives 99.30\N{NO-BREAK SPACE}% test accuracy, against 99.03 ± 0.05\N{NO-BREAK SPACE}% "
        "for the single models. No paired test of the ensemble against each single model on the same test "
        "images is recorded in this run, so no verdict is given."
    ]
    comparisons = [
        {
            "network": "simple CNN",
            "ensemble accuracy": 0.993,
            "single accuracies": [0.99, 0.99, 0.9908],
            "mcnemar p": [0.001, 0.002, 0.03],
            "holm p": [0.003, 0.004, 0.03],
            "sentence": "The ensemble is better than each single model (Holm-adjusted p ≤ 0.03).",
        }
    ]
    content = {"dataset": "mnist", "models": models, "ensemble_comparisons": comparisons}
    tested = summary.ensemble_paragraphs(_write(tmp_path, {"04_cnn": content}))
    assert tested == [
        "**Does an ensemble of simple CNNs beat a single one?** The ensemble is better than each single "
        "model (Holm-adjusted p ≤ 0.03)."
    ]
    assert "cannot be told" not in "\n".join(summary.conclusions(_write(tmp_path, {"04_cnn": content})))
    assert summary.ensemble_paragraphs({}) == []


def test_model_metrics_record_the_training_images_when_every_seed_agrees():
    import pandas as pd

    from charrec.metrics import model_metrics

    runs = pd.DataFrame(
        {
            "seed": [0, 1],
            "test_accuracy": [0.9, 0.91],
            "train_seconds": [1.0, 1.0],
            "images_per_second": [5.0, 5.0],
        }
    )
    assert model_metrics(runs.assign(train_images=60000), "x", 1, 1).train_images == 60000
    assert not hasattr(model_metrics(runs.assign(train_images=[1, 2]), "x", 1, 1), "train_images")
    assert not hasattr(model_metrics(runs, "x", 1, 1), "train_images")


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
    table = summary.model_table(read_metrics(tmp_path)).set_index("key")
    assert list(table.index) == ["dense_baseline", "other"]  # 08 trains nothing: no rows of its own
    assert table.loc["dense_baseline", "corruption accuracy"] == 0.636
    assert table.loc["dense_baseline", "ECE"] == 0.0069
    assert math.isnan(table.loc["other", "ECE"])  # a model 08 does not test
