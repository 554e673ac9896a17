"""Every stage of dvc.yaml lists, as dependencies, the `charrec` modules its code imports (found with ast),
and training stages depend on the pinned environment; report stages do not pull in training triggers."""

import pytest
import yaml

from charrec.dependencies import closure_files, imported_modules
from conftest import PROJECT_ROOT

STAGES = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text())["stages"]


def stage_deps(name: str) -> set[str]:
    return set(STAGES[name].get("do", STAGES[name])["deps"])


def notebook_sources(names) -> tuple[str, ...]:
    return tuple((PROJECT_ROOT / "notebooks" / f"{name}.py").read_text() for name in names)


def test_imports_are_found_at_any_depth():
    source = (
        "import charrec.backend\nfrom charrec import figures\ndef f():\n"
        "    from charrec.models import tiny_cnn\n"
    )
    assert imported_modules(source) == {"charrec", "charrec.backend", "charrec.figures", "charrec.models"}


def test_data_stage_lists_its_closure():
    assert closure_files("charrec.data") <= stage_deps("data")


def test_training_stages_list_their_closure_and_the_pinned_environment():
    deps = stage_deps("train")
    missing = closure_files("charrec.train") - deps
    assert not missing, f"train stages miss {sorted(missing)}"
    assert "requirements.txt" in deps
    # Rendering code is no dependency of training: a report fix must not retrain.
    assert not {dep for dep in deps if "templates" in dep or dep.endswith(("report.py", "figures.py"))}


@pytest.mark.parametrize(
    "stage, notebooks",
    [
        ("report", list(STAGES["train"]["foreach"])),
        ("01_data_exploration", ["01_data_exploration"]),
        ("07_summary", ["07_summary"]),
    ],
)
def test_report_stages_list_the_closure_of_the_runner_and_their_notebooks(stage, notebooks):
    missing = closure_files("charrec.run_notebook", sources=notebook_sources(notebooks)) - stage_deps(stage)
    assert not missing, f"{stage} misses {sorted(missing)}"
    assert "lib/charrec/templates" in stage_deps(stage)


def test_every_notebook_has_a_report_stage():
    notebooks = {path.stem for path in (PROJECT_ROOT / "notebooks").glob("[0-9]*.py")}
    assert notebooks == set(STAGES["report"]["foreach"]) | {"01_data_exploration", "07_summary"}
