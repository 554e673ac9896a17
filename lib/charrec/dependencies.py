"""Which `charrec` modules a piece of code imports, read from the source with `ast` (nothing is imported).

A training run's code fingerprint (`charrec.fingerprints`) covers the closure of the shared training code
and of its model's module; `tests/test_dependencies.py` uses the same closure.
"""

import ast
from pathlib import Path

PACKAGE = "charrec"
PACKAGE_DIR = Path(__file__).parent


def module_file(module: str) -> Path:
    """`charrec.runs` -> lib/charrec/runs.py; `charrec.models` -> lib/charrec/models/__init__.py;
    `charrec` -> lib/charrec/__init__.py."""
    path = PACKAGE_DIR.joinpath(*module.split(".")[1:])
    return path / "__init__.py" if path.is_dir() else path.with_suffix(".py")


def _is_module(module: str) -> bool:
    return module.split(".")[0] == PACKAGE and module_file(module).is_file()


def imported_modules(source: str, importer: str = PACKAGE) -> set[str]:
    """The `charrec` modules that `source` imports, at any depth of the code (function-level imports too).
    `importer` is the module whose source it is, for relative imports (default: a top-level module)."""
    package = importer if module_file(importer).name == "__init__.py" else importer.rpartition(".")[0]
    package = package or PACKAGE
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:
                base = package.split(".")
                base = base[: len(base) - (node.level - 1)]
                module = ".".join(base + ([node.module] if node.module else []))
            else:
                module = node.module or ""
            if module.split(".")[0] != PACKAGE:
                continue
            found.add(module)
            # `from charrec import figures` or `from . import backend` names submodules
            found |= {
                f"{module}.{alias.name}" for alias in node.names if _is_module(f"{module}.{alias.name}")
            }
    # importing `charrec.models.dense` runs `charrec.models` first
    parents = {module.rsplit(".", depth)[0] for module in found for depth in range(1, module.count(".") + 1)}
    return {module for module in found | parents if _is_module(module)}


def module_closure(*modules: str, sources: tuple[str, ...] = ()) -> set[str]:
    """`modules`, the `charrec` modules imported by them or by the extra `sources` (e.g. a notebook's
    text), and so on transitively; the package's `__init__` is always included (Python runs it first)."""
    pending = set(modules) | {PACKAGE}
    for source in sources:
        pending |= imported_modules(source)
    seen: set[str] = set()
    while pending:
        module = pending.pop()
        if module in seen:
            continue
        seen.add(module)
        pending |= imported_modules(module_file(module).read_text(encoding="utf-8"), module) - seen
    return seen


def closure_files(*modules: str, sources: tuple[str, ...] = ()) -> set[str]:
    """The closure as paths relative to the project root, e.g. {'lib/charrec/models/dense.py', ...}."""
    root = PACKAGE_DIR.parent.parent
    return {
        module_file(module).relative_to(root).as_posix()
        for module in module_closure(*modules, sources=sources)
    }
