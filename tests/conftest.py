"""Shared fixtures: small MNIST-format datasets written as real IDX files."""

import gzip
import hashlib
from dataclasses import replace
from pathlib import Path

import numpy as np
import pytest

from charrec.datasets import MNIST, ROLES, DatasetSpec
from charrec.idx import write_idx

PROJECT_ROOT = Path(__file__).resolve().parents[1]


def make_idx_folder(folder: Path, train: int = 300, test: int = 100, classes: int = 10, seed: int = 0,
                    gzipped: bool = False) -> dict[str, str]:
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


def checksums_of(folder: Path) -> dict[str, str]:
    return {role: hashlib.md5((folder / name).read_bytes()).hexdigest() for role, name in MNIST.file_names.items()}


def spec_for(checksums: dict[str, str], **changes) -> DatasetSpec:
    """A dataset spec like MNIST's but with the given checksums and no network sources unless asked."""
    fields = {"name": "tiny", "md5": checksums, "download_urls": (), "npm_package": None, "local_dir_env": None}
    return replace(MNIST, **{**fields, **changes})


@pytest.fixture
def tiny_dataset(tmp_path):
    folder = tmp_path / "source"
    return folder, make_idx_folder(folder)
