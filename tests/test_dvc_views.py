"""DVC's views of the committed results read in a 100-column terminal: `dvc metrics show` lists one
short row per notebook (the headline files), and nothing warns about a notebook that has not run."""

import json
import shutil

import pytest

from charrec.metrics import ModelMetrics, NotebookMetrics, headline, write_metrics
from conftest import PROJECT_ROOT, run


def model(accuracies, classes=None, **extra):
    return ModelMetrics(
        architecture="a",
        parameters=1,
        epochs=1,
        seeds=list(range(len(accuracies))),
        test_accuracy=accuracies,
        test_accuracy_mean=sum(accuracies) / len(accuracies),
        test_accuracy_sd=0.001,
        train_seconds_mean=1.0,
        images_per_second_mean=1.0,
        **({"classes": classes} if classes else {}),
        **extra,
    )


def test_headline_is_the_best_full_task_model():
    content = NotebookMetrics(
        dataset="mnist",
        models={
            "ten": model([0.98, 0.982], classes=list("0123456789")),
            "four": model([0.99], classes=["0/6", "1/7", "2/3/5/8", "4/9"]),  # an easier task: no competitor
            "untested": model([0.5]).model_copy(update={"test_accuracy_mean": None}),
        },
    )
    assert headline(content) == {"models": 3, "best": "ten", "test_%": 98.1, "sd_%": 0.1, "seeds": 2}
    assert headline(NotebookMetrics(dataset="all", models_compared=8)) == {"models": 8}


def test_write_metrics_writes_the_headline_beside(tmp_path):
    path = tmp_path / "metrics" / "02_x.json"
    write_metrics(path, "mnist", {"m": model([0.5])})
    assert json.loads(path.read_text())["models"]["m"]["test_accuracy"] == [0.5]
    assert json.loads((tmp_path / "metrics" / "headline" / "02_x.json").read_text())["test_%"] == 50.0


@pytest.mark.parametrize("path", sorted((PROJECT_ROOT / "metrics").glob("[0-9]*.json")), ids=lambda p: p.stem)
def test_committed_headlines_follow_the_metrics(path):
    content = NotebookMetrics.model_validate(json.loads(path.read_text(encoding="utf-8")))
    assert json.loads((path.parent / "headline" / path.name).read_text(encoding="utf-8")) == headline(content)


@pytest.fixture
def committed_tree(tmp_path):
    """A git clone of this checkout with its DVC views' files as they are now, committed or not (06 has
    not run there: KMNIST needs a download)."""
    copy = tmp_path / "copy"
    run(["git", "clone", "-q", str(PROJECT_ROOT), str(copy)], tmp_path)
    for name in ("metrics", "plots", "dvc.yaml", ".dvc/config"):
        source, target = PROJECT_ROOT / name, copy / name
        shutil.rmtree(target, ignore_errors=True) if source.is_dir() else target.unlink(missing_ok=True)
        (shutil.copytree if source.is_dir() else shutil.copy)(source, target)
    return copy


def test_metrics_show_fits_a_terminal_without_warnings(committed_tree):
    copy = committed_tree
    result = run(["dvc", "metrics", "show"], copy)
    lines = result.stdout.splitlines()
    assert "failed to load" not in result.stdout + result.stderr
    assert max(map(len, lines)) <= 100, result.stdout
    assert any(line.startswith("metrics/headline/04_cnn.json") for line in lines)
    headlines = list((copy / "metrics" / "headline").glob("*.json"))
    assert "test_%" in lines[0] and len(lines) == 1 + len(headlines)


def test_experiments_table_has_short_column_names():
    from charrec.experiments import main, table

    csv_text = (
        "Experiment,rev,typ,Created,params/02_dense_baseline.yaml:epochs,params/data.yaml:datasets.mnist.split_seed,"
        "metrics/headline/02_dense_baseline.json:test_%\n"
        ",workspace,baseline,,10,0,97.89\n"
        "ep20,6d4656f,branch_commit,2026-11-30T11:14:00,20,0,\n"
    )
    # the split seed is the same in both rows: left out, like DVC's dependency-hash columns
    assert table(csv_text).splitlines() == [
        "experiment  02:epochs  02:test_%",
        "workspace   10         97.89",
        "ep20        20         -",
    ]
    same = csv_text.replace(",20,0,\n", ",10,0,97.89\n")
    assert "no params or metrics differ" in table(same)
    assert main(["--no-such-option"]) != 0


def test_plots_show_draws_offline_one_line_per_run(committed_tree):
    result = run(["dvc", "plots", "show", "--json"], committed_tree)
    assert "failed to load" not in result.stdout + result.stderr
    output = json.loads(result.stdout)
    assert "errors" not in output, output.get("errors")
    plots = output["data"]
    assert sorted(plots) == [
        f"curves_{name}" for name in ("02_dense_baseline", "03_regularization", "04_cnn", "05_bn_ablation")
    ]
    spec = plots["curves_05_bn_ablation"][0]["content"]
    assert (
        spec["encoding"]["color"]["field"] == "line"
        and spec["encoding"]["y"]["title"] == "validation accuracy"
    )
    run(["dvc", "plots", "show"], committed_tree)
    page = (committed_tree / "dvc_plots" / "index.html").read_text()
    assert "../.venv/share/vega/vega.min.js" in page and "cdn." not in page
    assert (
        run(["git", "status", "--porcelain", "--untracked-files=all"], committed_tree).stdout.count(
            "dvc_plots"
        )
        == 0
    )
