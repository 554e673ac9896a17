"""The pipeline's stages depend on the whole library (no hand-listed module paths), and the closure of
imports that a run's code fingerprint covers is found with ast, subpackages and relative imports included."""

import yaml

from charrec.dependencies import closure_files, imported_modules
from conftest import PROJECT_ROOT

STAGES = yaml.safe_load((PROJECT_ROOT / "dvc.yaml").read_text())["stages"]


def stage_deps(name: str) -> set[str]:
    return set(STAGES[name].get("do", STAGES[name])["deps"])


def test_imports_are_found_at_any_depth_with_their_parent_packages():
    source = (
        "import charrec.backend\nfrom charrec import figures\ndef f():\n"
        "    from charrec.models.tiny_cnn import tiny_cnn\n"
    )
    assert imported_modules(source) == {
        "charrec",
        "charrec.backend",
        "charrec.figures",
        "charrec.models",
        "charrec.models.tiny_cnn",
    }


def test_relative_imports_inside_the_models_package_resolve_to_its_modules():
    closure = closure_files("charrec.models.improved_cnn")
    assert {"lib/charrec/models/improved_cnn.py", "lib/charrec/models/layers.py"} <= closure
    assert "lib/charrec/models/__init__.py" in closure
    assert "lib/charrec/models/dense.py" not in closure  # another family's module is not its code


def test_the_shared_training_code_imports_no_model_module():
    """Each run's fingerprint adds its own model's module; the shared part must not pull in all of them."""
    closure = closure_files("charrec.runs")
    assert not {path for path in closure if path.startswith("lib/charrec/models/") and "__init__" not in path}


def test_every_stage_depends_on_the_library_as_a_whole_and_the_data_stage_on_its_modules():
    for name in ("train", "report", "summary"):
        assert "lib/charrec" in stage_deps(name), name
    assert "requirements.txt" in stage_deps("train")
    # the data stage lists charrec.data and every charrec module it imports (only those: a rerun rewrites
    # the .npz, whose new zip timestamps would make every report stale)
    import ast

    tree = ast.parse((PROJECT_ROOT / "lib" / "charrec" / "data.py").read_text())
    imported = {
        f"lib/charrec/{node.module}.py"
        for node in tree.body
        if isinstance(node, ast.ImportFrom) and node.level == 1 and node.module
    }
    assert set(stage_deps("data")) == imported | {"lib/charrec/data.py"}


def test_every_notebook_is_in_one_list_of_dvc_yaml():
    notebooks = {path.stem for path in (PROJECT_ROOT / "notebooks").glob("[0-9]*.py")}
    reported = set(STAGES["report"]["foreach"]) | {"07_summary"}
    assert notebooks == reported
    assert set(STAGES["train"]["foreach"]) <= reported
