"""Writing files so that a reader never sees half of one, and finding the project's folders."""

import json
import os
from pathlib import Path


def write_atomically(path: Path, content: bytes | str) -> None:
    """Write `content` under a temporary name in the same folder, then rename it into place.

    A crash or Ctrl-C leaves either the old file or the new one, never a truncated file that looks complete.
    """
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(f".{path.name}.part")
    partial.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    os.replace(partial, path)


def write_json_atomically(path: Path, content: dict) -> None:
    """`content` as indented UTF-8 JSON, written atomically (see `write_atomically`)."""
    write_atomically(path, json.dumps(content, indent=2, ensure_ascii=False) + "\n")


def project_root(start: Path | None = None) -> Path:
    """The folder holding `dvc.yaml`: the current folder or the nearest one above it.

    Stages run in the project root, notebooks in `notebooks/`; both find the same root this way.
    Raises FileNotFoundError outside a checkout of the project.
    """
    start = Path(start or Path.cwd()).resolve()
    for folder in (start, *start.parents):
        if (folder / "dvc.yaml").is_file():
            return folder
    raise FileNotFoundError(f"no dvc.yaml in {start} or any folder above it: run this inside the project")


def prepared_path(dataset: str, root: Path | None = None) -> Path:
    """`data/prepared/<dataset>.npz` of the project (found from the current folder when `root` is None)."""
    return Path(root or project_root()) / "data" / "prepared" / f"{dataset}.npz"
