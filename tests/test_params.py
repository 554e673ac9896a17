"""Params validation: every mistake is named with its file and key, before any work starts."""

import os
import subprocess
import sys
import time
from collections.abc import Callable
from pathlib import Path

import jupytext
import pytest

from charrec.params import SCHEMAS, ParamsError, load_params
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
def test_every_notebook_reads_its_params_file_with_an_empty_variant(name):
    """The params file is the one copy of the study's values: the parameters cell holds only the (empty)
    variant, and the notebook reads its params through `notebook_params`."""
    assert parameters_cell(name) == {"variant": {}}
    assert f'notebook_params("{name}", variant)' in (PROJECT_ROOT / "notebooks" / f"{name}.py").read_text()


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
    with pytest.raises(ParamsError, match=r"params file not found: restore the committed one with "):
        load_params(tmp_path / "02_dense_baseline.yaml")


def project_copy(tmp_path, **replacements: tuple[str, str]) -> Path:
    """The committed params files and dvc.yaml in `tmp_path`, params/NAME.yaml with `old` replaced by `new`
    for each `NAME=(old, new)`."""
    (tmp_path / "params").mkdir(exist_ok=True)
    (tmp_path / "dvc.yaml").write_text((PROJECT_ROOT / "dvc.yaml").read_text())
    for path in (PROJECT_ROOT / "params").glob("*.yaml"):
        text = path.read_text()
        if path.stem in replacements:
            old, new = replacements[path.stem]
            assert old in text, f"{old!r} is not in {path}"
            text = text.replace(old, new)
        (tmp_path / "params" / path.name).write_text(text)
    return tmp_path


@pytest.mark.parametrize(
    "variant, expected",
    [
        ({"batch_size": 0}, r"with the notebook's variant: invalid parameters\n  - 'batch_size'"),
        ({"epoch": 3}, r"'epoch': unknown key. Did you mean 'epochs'\?"),
        ([1, 2], r"the notebook's variant must be a mapping"),
    ],
)
def test_a_variant_is_checked_like_the_params_file(tmp_path, variant, expected):
    from charrec.params import notebook_params

    project = project_copy(tmp_path)
    with pytest.raises(ParamsError, match=expected):
        notebook_params("02_dense_baseline", variant, root=project)


def test_a_variant_changes_only_its_own_values_and_leaves_the_params_file_alone(tmp_path):
    from charrec.params import notebook_params

    project = project_copy(tmp_path)
    before = (project / "params" / "04_cnn.yaml").read_text()
    study = notebook_params("04_cnn", {}, root=project)
    variant = notebook_params(
        "04_cnn", {"seeds": [5], "networks": {"simple_cnn": {"epochs": 1}}}, root=project
    )
    assert variant.seeds == [5] and variant.networks["simple_cnn"].epochs == 1
    assert variant.networks["improved_cnn"] == study.networks["improved_cnn"]
    assert variant.networks["simple_cnn"].learning_rate == study.networks["simple_cnn"].learning_rate
    assert (project / "params" / "04_cnn.yaml").read_text() == before


def test_a_variant_says_where_its_runs_go_and_that_saving_keeps_it_in_the_notebook(tmp_path, monkeypatch):
    import IPython.display

    from charrec.params import notebook_params

    shown = []
    monkeypatch.setattr(IPython.display, "display", lambda item: shown.append(item.data))
    project = project_copy(tmp_path)
    notebook_params("04_cnn", {}, root=project)
    assert shown == []  # the study's own values: nothing to say
    notebook_params("04_cnn", {"seeds": [5]}, root=project)
    (text,) = shown
    assert "| `seeds` | [0, 1, 2] | [5] |" in text and "into `scratch/`" in text
    assert "keeps this variant in `notebooks/04_cnn.py`" in text and "`variant = {}`" in text


def test_runner_rejects_bad_params_within_seconds_and_writes_nothing(tmp_path):
    project_copy(tmp_path, **{"02_dense_baseline": ("epochs: ", "epochs: 0 #")})
    (tmp_path / "notebooks").mkdir()
    (tmp_path / "notebooks" / "02_dense_baseline.py").write_text("# %%\n")
    before = sorted(tmp_path.rglob("*"))
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
    assert sorted(tmp_path.rglob("*")) == before


def project_with(tmp_path, notebook: str, notebook_text=None, **replacements: tuple[str, str]) -> Path:
    """A minimal project: the committed params, dvc.yaml and one notebook, with the given replacements."""
    project = project_copy(tmp_path, **replacements)
    (project / "notebooks").mkdir(exist_ok=True)
    source = (PROJECT_ROOT / "notebooks" / f"{notebook}.py").read_text()
    (project / "notebooks" / f"{notebook}.py").write_text(notebook_text(source) if notebook_text else source)
    return project


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
            lambda text: text.replace("variant = {}", "variants = {}"),
            "the parameters cell does not set `variant`; write `variant = {}` there",
        ),
        (
            lambda text: text.replace(
                '# %% tags=["parameters"]', '# %% tags=["parameters"] jupyter={"source_hidden": true}'
            ),
            None,
        ),
    ],
    ids=["tag lost", "two tagged cells", "variant renamed", "extra metadata from JupyterLab"],
)
def test_a_notebook_without_one_matching_parameters_cell_is_refused_before_a_kernel_starts(
    tmp_path, change, message
):
    from charrec.params import check_parameters_cell

    project = project_with(tmp_path, "02_dense_baseline", change)
    if message is None:  # header metadata Jupyter adds is accepted
        check_parameters_cell(project / "notebooks" / "02_dense_baseline.py")
        return
    result = run_module(project, "charrec.run_notebook", "02_dense_baseline")
    assert result.returncode == 2, result.stderr
    assert "notebooks/02_dense_baseline.py" in result.stderr and message in result.stderr
    assert "python -m charrec.params" not in result.stderr  # no advice that rewrites anything
    assert not (project / "reports").exists() and not (project / "metrics").exists()  # nothing written


@pytest.mark.parametrize(
    "params_text, message",
    [
        (
            ("dataset: kmnist", "dataset: kmnits"),
            "params/06_hiragana.yaml: 'dataset': unknown dataset 'kmnits'. Did you mean 'kmnist'?",
        ),
        (
            ("comparison_dataset: mnist", "comparison_dataset: mnsit"),
            "params/06_hiragana.yaml: 'comparison_dataset': unknown dataset 'mnsit'. Did you mean 'mnist'?",
        ),
    ],
)
@pytest.mark.parametrize("stage", ["charrec.train", "charrec.run_notebook"])
def test_a_dataset_name_that_params_data_yaml_does_not_define_is_refused(
    tmp_path, params_text, message, stage
):
    project = project_with(tmp_path, "06_hiragana", **{"06_hiragana": params_text})
    (project / "dvc.yaml").write_text("stages: {}\n")
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
            {"dvc.yaml": lambda text: text.replace("      - 04_cnn\n", "      - 04_cnm\n")},
            [
                "dvc.yaml: 'stages.train.foreach': unknown notebook '04_cnm'. Did you mean '04_cnn'? Known: "
                "01_data_exploration, 02_dense_baseline",
                "dvc.yaml: 'stages.report.foreach': unknown notebook '04_cnm'.",
                "params/04_cnn.yaml: no notebook of that name in dvc.yaml's lists",
            ],
        ),
        (
            {"dvc.yaml": lambda text: text.replace("run_notebook 07_summary", "run_notebook 07_sumary")},
            ["dvc.yaml: 'stages.summary.cmd': unknown notebook '07_sumary'. Did you mean '07_summary'?"],
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
