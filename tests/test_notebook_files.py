"""The committed notebooks are in the exact form jupytext writes them with this project's settings
(`jupytext.toml`): opening a notebook in JupyterLab and saving it unedited changes no byte, so neither
git nor DVC sees a change. Fast: no kernel, no browser (tests/test_jupyterlab.py drives the real thing)."""

import json

import jupytext
import pytest
from jupytext.config import load_jupytext_config

from conftest import PROJECT_ROOT

NOTEBOOKS = sorted((PROJECT_ROOT / "notebooks").glob("*.py"))


def test_the_project_has_a_jupytext_config():
    config = load_jupytext_config(str(NOTEBOOKS[0]))
    assert config is not None and "jupytext_version" in config.notebook_metadata_filter


@pytest.mark.parametrize("path", NOTEBOOKS, ids=lambda path: path.stem)
def test_a_read_write_round_trip_is_byte_identical(path):
    config = load_jupytext_config(str(path))
    text = path.read_text(encoding="utf-8")
    notebook = jupytext.reads(text, fmt="py:percent", config=config)
    assert jupytext.writes(notebook, fmt="py:percent", config=config) == text


def test_jupyterlab_opens_python_files_as_notebooks():
    """The settings `make setup` installs into the environment (JupyterLab's app settings overrides)."""
    overrides = json.loads((PROJECT_ROOT / "jupyterlab" / "overrides.json").read_text())
    viewers = overrides["@jupyterlab/docmanager-extension:plugin"]["defaultViewers"]
    assert viewers == {"python": "Jupytext Notebook"}
    makefile = (PROJECT_ROOT / "Makefile").read_text()
    assert "jupyterlab/overrides.json" in makefile and "share/jupyter/lab/settings/overrides.json" in makefile
