"""Params validation: every mistake is named with its file and key, before any work starts."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jupytext
import pytest

from charrec.params import SCHEMAS, DenseBaselineParams, ParamsError, load_params
from conftest import PROJECT_ROOT

NOTEBOOKS = sorted(name for name in SCHEMAS if name != "data")


def parameters_cell(name: str) -> dict:
    notebook = jupytext.read(PROJECT_ROOT / "notebooks" / f"{name}.py")
    cells = [cell for cell in notebook.cells if "parameters" in cell.metadata.get("tags", [])]
    assert len(cells) == 1, f"{name} must have exactly one cell tagged 'parameters'"
    namespace = {}
    exec(cells[0].source, namespace)  # the cell holds plain literals; executing it is how Jupyter reads it
    return {key: value for key, value in namespace.items() if not key.startswith("__")}


@pytest.mark.parametrize("name", sorted(SCHEMAS))
def test_committed_params_files_are_valid(name):
    load_params(PROJECT_ROOT / "params" / f"{name}.yaml")


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_notebook_defaults_match_schema_and_params_file(name):
    """The parameters cell, the schema defaults and params/<name>.yaml describe one and the same default
    run."""
    cell = parameters_cell(name)
    schema = SCHEMAS[name]
    assert set(cell) == set(schema.model_fields), "the parameters cell and the schema list different knobs"
    assert schema.model_validate(cell) == schema()
    assert load_params(PROJECT_ROOT / "params" / f"{name}.yaml") == schema()


def write(tmp_path, text: str):
    path = tmp_path / "02_dense_baseline.yaml"
    path.write_text(text)
    return path


def test_unknown_key_suggests_the_closest(tmp_path):
    with pytest.raises(ParamsError) as error:
        load_params(write(tmp_path, "epoch: 5\n"))
    message = str(error.value)
    assert message.startswith(f"{tmp_path / '02_dense_baseline.yaml'}: invalid parameters")
    assert "'epoch': unknown key. Did you mean 'epochs'? Allowed keys: activation, batch_size" in message


def test_nested_unknown_key_in_data_params(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("datasets:\n  mnist:\n    validation_sise: 100\n")
    with pytest.raises(
        ParamsError, match=r"'datasets.mnist.validation_sise': unknown key. Did you mean 'validation_size'\?"
    ):
        load_params(path)


def test_own_dataset_needs_class_names_and_checksums(tmp_path):
    path = tmp_path / "data.yaml"
    path.write_text("datasets:\n  letters:\n    local_dir: /data/letters\n")
    with pytest.raises(
        ParamsError,
        match=r"dataset 'letters' is not one of mnist, kmnist: give its 'local_dir', "
        r"'class_names' and the 'md5'",
    ):
        load_params(path)
    path.write_text("datasets:\n  letters:\n    class_names: [a, b]\n    md5: {train_images: nothex}\n")
    with pytest.raises(
        ParamsError, match=r"'datasets.letters.md5.train_images': String should match pattern"
    ):
        load_params(path)


@pytest.mark.parametrize(
    "text, expected",
    [
        ("epochs: ten\n", r"'epochs': Input should be a valid integer.*\(got 'ten'\)"),
        ("learning_rate: -0.1\n", r"'learning_rate': Input should be greater than 0 \(got -0.1\)"),
        ("seeds: []\n", r"'seeds': List should have at least 1 item"),
        ("activation: relu6\n", r"'activation': Input should be 'relu', 'elu', 'gelu', 'tanh' or 'sigmoid'"),
        ("- 1\n- 2\n", r"expected a mapping of keys to values, got list"),
    ],
)
def test_wrong_type_or_range(tmp_path, text, expected):
    with pytest.raises(ParamsError, match=expected):
        load_params(write(tmp_path, text))


def test_yaml_syntax_error(tmp_path):
    with pytest.raises(
        ParamsError, match=r"02_dense_baseline.yaml: not valid YAML at line 3, column 1: expected ',' or '\]'"
    ):
        load_params(write(tmp_path, "epochs: 5\nseeds: [0, 1\n"))


def test_missing_file(tmp_path):
    with pytest.raises(ParamsError, match=r"params file not found \(restore it from git"):
        load_params(tmp_path / "02_dense_baseline.yaml")


def test_interactive_parameters_are_checked_too():
    with pytest.raises(
        ParamsError, match=r"the notebook's parameters cell: invalid parameters\n  - 'batch_size'"
    ):
        DenseBaselineParams.from_namespace({"batch_size": 0, "unrelated_variable": 1})


def test_runner_rejects_bad_params_within_seconds_and_writes_nothing(tmp_path):
    (tmp_path / "params").mkdir()
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "params" / "02_dense_baseline.yaml").write_text("epochs: 0\n")
    (tmp_path / "notebooks" / "02_dense_baseline.py").write_text("# %%\n")
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    start = time.perf_counter()
    result = subprocess.run(
        [sys.executable, "-m", "charrec.run_notebook", "02_dense_baseline"],
        cwd=tmp_path,
        capture_output=True,
        text=True,
    )
    assert result.returncode == 2
    assert (
        "params/02_dense_baseline.yaml: invalid parameters\n  - 'epochs': Input should be greater than or "
        "equal to 1" in result.stderr
    )
    assert time.perf_counter() - start < 15
    assert sorted(p.name for p in tmp_path.iterdir()) == ["dvc.yaml", "notebooks", "params"]


@pytest.mark.parametrize("name", NOTEBOOKS)
def test_params_files_and_parameters_cells_are_written_from_the_schema(name):
    """One copy of each default and description: the schema. `python -m charrec.params` writes the rest."""
    from charrec.params import defaults_yaml, with_parameters_cell

    schema = SCHEMAS[name]
    assert (PROJECT_ROOT / "params" / f"{name}.yaml").read_text() == defaults_yaml(schema), (
        f"params/{name}.yaml differs from the schema: run `python -m charrec.params`"
    )
    text = (PROJECT_ROOT / "notebooks" / f"{name}.py").read_text()
    assert text == with_parameters_cell(text, schema), (
        f"the parameters cell of notebooks/{name}.py differs from the schema: run `python -m charrec.params`"
    )


def project_with(tmp_path, notebook: str, notebook_text: str | None = None, **params_text) -> Path:
    """A minimal project: the committed params and notebook, with the given replacements."""
    for folder in ("params", "notebooks"):
        (tmp_path / folder).mkdir(exist_ok=True)
    (tmp_path / "dvc.yaml").write_text("stages: {}\n")
    for path in (PROJECT_ROOT / "params").glob("*.yaml"):
        (tmp_path / "params" / path.name).write_text(params_text.get(path.stem, path.read_text()))
    source = (PROJECT_ROOT / "notebooks" / f"{notebook}.py").read_text()
    (tmp_path / "notebooks" / f"{notebook}.py").write_text(notebook_text(source) if notebook_text else source)
    return tmp_path


def run_module(project: Path, *arguments: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", *arguments], cwd=project, capture_output=True, text=True)


@pytest.mark.parametrize(
    "change, message",
    [
        (lambda text: text.replace('# %% tags=["parameters"]', "# %%"), "0 cells are tagged 'parameters'"),
        (
            lambda text: text.replace(
                "# %% [markdown]\n# ## The network",
                '# %% tags=["parameters"]\nepochs = 3\n\n# %% [markdown]\n# ## The network',
            ),
            "2 cells are tagged 'parameters'",
        ),
        (
            lambda text: text.replace("gallery_size = 24", "galery_size = 24"),
            "does not match the params schema; missing: gallery_size; unknown: galery_size",
        ),
    ],
    ids=["tag lost", "two tagged cells", "renamed knob"],
)
def test_a_notebook_without_one_matching_parameters_cell_is_refused_before_a_kernel_starts(
    tmp_path, change, message
):
    project = project_with(tmp_path, "02_dense_baseline", change)
    result = run_module(project, "charrec.run_notebook", "02_dense_baseline")
    assert result.returncode == 2, result.stderr
    assert "notebooks/02_dense_baseline.py" in result.stderr and message in result.stderr
    assert "python -m charrec.params" in result.stderr
    assert not (project / "reports").exists() and not (project / "metrics").exists()  # nothing written


@pytest.mark.parametrize(
    "params_text, message",
    [
        (
            "dataset: kmnits\n",
            "params/06_hiragana.yaml: 'dataset': unknown dataset 'kmnits'. Did you mean 'kmnist'?",
        ),
        (
            "comparison_dataset: mnsit\n",
            "params/06_hiragana.yaml: 'comparison_dataset': unknown dataset 'mnsit'. Did you mean 'mnist'?",
        ),
    ],
)
@pytest.mark.parametrize("stage", ["charrec.train", "charrec.run_notebook"])
def test_a_dataset_name_that_params_data_yaml_does_not_define_is_refused(
    tmp_path, params_text, message, stage
):
    project = project_with(tmp_path, "06_hiragana", **{"06_hiragana": params_text})
    result = run_module(project, stage, "06_hiragana")
    assert result.returncode == 2, result.stderr
    assert message in result.stderr and "Known: kmnist, mnist." in result.stderr
    assert not (project / "runs").exists() and not (project / "reports").exists()


def project_for_make(tmp_path, edits: dict[str, Callable[[str], str]]) -> Path:
    """The committed params, notebooks, dvc.yaml and Makefile, each file changed by `edits[path]`."""
    names = [Path("dvc.yaml"), Path("Makefile")]
    names += [path.relative_to(PROJECT_ROOT) for path in (PROJECT_ROOT / "params").glob("*.yaml")]
    names += [path.relative_to(PROJECT_ROOT) for path in (PROJECT_ROOT / "notebooks").glob("*.py")]
    for name in names:
        text = (PROJECT_ROOT / name).read_text()
        (tmp_path / name).parent.mkdir(parents=True, exist_ok=True)
        (tmp_path / name).write_text(edits.get(str(name), lambda same: same)(text))
    return tmp_path


@pytest.mark.parametrize(
    "edits, messages",
    [
        (
            {"params/06_hiragana.yaml": lambda text: text.replace("dataset: kmnist", "dataset: kmnits")},
            [
                "params/06_hiragana.yaml: 'dataset': unknown dataset 'kmnits'. Did you mean 'kmnist'? "
                "Known: kmnist, mnist. Name a section of params/data.yaml"
            ],
        ),
        (
            {
                "params/06_hiragana.yaml": lambda text: text.replace(
                    "comparison_dataset: mnist", "comparison_dataset: emnist"
                )
            },
            [
                "params/06_hiragana.yaml: 'comparison_dataset': unknown dataset 'emnist'. "
                "Did you mean 'mnist'?"
            ],
        ),
        (
            {"dvc.yaml": lambda text: text.replace("04_cnn: {data: mnist", "04_cnm: {data: mnist")},
            [
                "dvc.yaml: 'stages.train.foreach': unknown notebook '04_cnm'. Did you mean '04_cnn'? Known: "
                "01_data_exploration, 02_dense_baseline",
                "dvc.yaml: 'stages.report.foreach': unknown notebook '04_cnm'.",
            ],
        ),
        (
            {"dvc.yaml": lambda text: text.replace("run_notebook 07_summary", "run_notebook 07_sumary")},
            ["dvc.yaml: 'stages.07_summary.cmd': unknown notebook '07_sumary'. Did you mean '07_summary'?"],
        ),
        (
            {
                "dvc.yaml": lambda text: text.replace(
                    "05_bn_ablation: {data: mnist", "05_bn_ablation: {data: mnsit"
                )
            },
            [
                "dvc.yaml: 'stages.train.foreach.05_bn_ablation.data': unknown dataset 'mnsit'. "
                "Did you mean 'mnist'?"
            ],
        ),
        (
            {
                "params/data.yaml": lambda text: text.replace(
                    "  mnist:\n", "  mnist:\n    class_names: [a, b, c, d, e, f, g, h]\n"
                )
            },
            [
                "params/05_bn_ablation.yaml: 'class_groups' names class(es) 8, 9, which dataset 'mnist' does "
                "not have: params/data.yaml gives it 8 classes (0..7)."
            ],
        ),
        (
            {
                "params/06_hiragana.yaml": lambda text: text.replace("dataset: kmnist", "dataset: kmnits"),
                "notebooks/02_dense_baseline.py": lambda text: text.replace(
                    '# %% tags=["parameters"]', "# %%"
                ),
            },
            [
                "unknown dataset 'kmnits'",
                "notebooks/02_dense_baseline.py: 0 cells are tagged 'parameters'",
                "2 problem(s) in the params: nothing was run.",
            ],
        ),
    ],
    ids=[
        "dataset",
        "comparison dataset",
        "notebook in foreach",
        "notebook in cmd",
        "dataset in dvc.yaml",
        "class groups",
        "two problems at once",
    ],
)
def test_make_names_a_bad_reference_before_dvc_resolves_the_stages(tmp_path, edits, messages):
    """`make` (its `run` target, set-up skipped) stops at `python -m charrec.params --check`: DVC never
    starts, so the user reads the key, the file, a did-you-mean and the known names, not DVC's
    "No such file or directory ... kmnits.npz" after the data stages ran."""
    project = project_for_make(tmp_path, edits)
    before = sorted(path.relative_to(project) for path in project.rglob("*"))
    start = time.perf_counter()
    # The copy has no .venv: the Makefile's tools come from the environment running the tests.
    env = {**os.environ, "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}"}
    result = subprocess.run(
        ["make", "-o", "setup", "run"], cwd=project, capture_output=True, text=True, env=env
    )
    elapsed = time.perf_counter() - start
    assert result.returncode == 2, result.stdout + result.stderr
    for message in messages:
        assert message in result.stderr
    assert "Error 2" in result.stderr and "dvc repro" not in result.stdout  # make stopped before DVC
    assert sorted(path.relative_to(project) for path in project.rglob("*")) == before  # nothing written
    assert elapsed < 15


def test_the_committed_project_passes_the_check():
    result = run_module(PROJECT_ROOT, "charrec.params", "--check")
    assert result.returncode == 0, result.stderr
    assert result.stdout.startswith("params: every file and reference checked")
