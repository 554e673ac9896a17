"""What a stored training run's result depends on besides its spec, as a fingerprint per run.

A run's result depends on its spec (`charrec.runs.RunSpec`), and on:

- the code it executes: the shared training code (the closure of `charrec.runs`: the training loop,
  the input pipeline, the prepared data, the model registry) and its model's module with what that
  imports (e.g. `charrec.models.improved_cnn` and `charrec.models.layers`);
- the pinned versions of the packages that compute it (`TRAINING_PACKAGES` in `requirements.txt`);
- its dataset's manifest (checksums, split, subset: `data/prepared/NAME.json`).

Each is hashed on its own (`parts`), so a stale run can say which file changed. Code is hashed as its
syntax tree without docstrings: comments, docstrings and layout can change without retraining. Adding
a model module, or editing one model's module, leaves the runs of every other model stored; editing the
shared training code makes every run stale.
"""

import ast
import hashlib
import re
from functools import cache
from pathlib import Path

from .dependencies import closure_files
from .models import info

# The packages whose versions decide a run's numbers. Other pins (Jupyter, DVC, report tools) can change
# without making the stored runs stale.
TRAINING_PACKAGES = ("keras", "numpy", "tensorflow", "tensorflow-cpu")
SHARED_TRAINING_CODE = "charrec.runs"
PINS = "requirements.txt"  # the part naming the training packages' pins


def _package_name(pin: str) -> str:
    """'tensorflow_cpu==2.21.0' -> 'tensorflow-cpu' (PEP 503 normalised name)."""
    name = re.split(r"[=<>!~;\[ ]", pin.strip(), maxsplit=1)[0]
    return re.sub(r"[-_.]+", "-", name).lower()


def code_without_docstrings(source: str) -> str:
    """The syntax tree of `source` without module, class and function docstrings, as text (no line
    numbers): equal for two sources that differ only in comments, docstrings or layout."""
    tree = ast.parse(source)
    for node in ast.walk(tree):
        if isinstance(node, ast.Module | ast.ClassDef | ast.FunctionDef | ast.AsyncFunctionDef):
            body = node.body
            if body and isinstance(body[0], ast.Expr) and isinstance(body[0].value, ast.Constant):
                if isinstance(body[0].value.value, str):
                    node.body = body[1:] or [ast.Pass()]
    return ast.dump(tree, include_attributes=False)


def _digest(data: bytes) -> str:
    return hashlib.sha256(data).hexdigest()[:16]


def code_files(model: str) -> list[str]:
    """The files (relative to the project root) whose code a run of `model` executes: the shared training
    code and the model's module, each with the `charrec` modules it imports. Raises UnknownModelError."""
    return sorted(closure_files(SHARED_TRAINING_CODE, info(model).module))


class Fingerprints:
    """Fingerprints of runs under one project root; each file is read and hashed once per instance."""

    def __init__(self, root: Path):
        self.root = Path(root)
        self._file = cache(self._hash_file)

    def _hash_file(self, relative: str) -> str:
        path = self.root / relative
        if relative == PINS:
            pins = path.read_text(encoding="utf-8").splitlines() if path.is_file() else []
            return _digest(
                "\n".join(sorted(p for p in pins if _package_name(p) in TRAINING_PACKAGES)).encode()
            )
        if relative.endswith(".py"):
            # the code is read from the library this process runs (the checkout's lib/), by project path
            source = (Path(__file__).parents[2] / relative).read_text(encoding="utf-8")
            return _digest(code_without_docstrings(source).encode())
        return _digest(path.read_bytes()) if path.is_file() else "missing"

    def parts(self, model: str, dataset: str) -> dict[str, str]:
        """Hash per part of what a run of `model` on `dataset` depends on: {file: hash}, the code files,
        `requirements.txt` (its training packages' pins) and `data/prepared/DATASET.json`."""
        files = [*code_files(model), PINS, f"data/prepared/{dataset}.json"]
        return {relative: self._file(relative) for relative in files}

    def of(self, model: str, dataset: str) -> str:
        """One hash of all `parts`: the run's fingerprint, stored with its result."""
        parts = self.parts(model, dataset)
        return _digest("\n".join(f"{k} {v}" for k, v in sorted(parts.items())).encode())


def changed_parts(stored: dict, current: dict) -> list[str]:
    """The parts (files) whose hash differs between a stored run's `code` and the current one, or that
    only one of them has."""
    return sorted(k for k in set(stored) | set(current) if stored.get(k) != current.get(k))
