"""Which `charrec` modules a piece of code imports, read from the source with `ast` (nothing is imported).

Used twice: a training run's code fingerprint covers the closure of `charrec.runs`, and a test checks
that every stage of `dvc.yaml` lists the closure of the code it runs as dependencies.
"""

import ast
from pathlib import Path

PACKAGE = "charrec"
PACKAGE_DIR = Path(__file__).parent


def module_file(module: str) -> Path:
    """`charrec.models` -> lib/charrec/models.py; `charrec` -> lib/charrec/__init__.py."""
    parts = module.split(".")[1:]
    return PACKAGE_DIR.joinpath(*parts).with_suffix(".py") if parts else PACKAGE_DIR / "__init__.py"


def imported_modules(source: str) -> set[str]:
    """The `charrec` modules that `source` imports, at any depth of the code (function-level imports too)."""
    found = set()
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.Import):
            found |= {alias.name for alias in node.names if alias.name.split(".")[0] == PACKAGE}
        elif isinstance(node, ast.ImportFrom):
            if node.level:  # the package is flat: a relative import is relative to `charrec`
                module = f"{PACKAGE}.{node.module}" if node.module else PACKAGE
            else:
                module = node.module or ""
            if module.split(".")[0] != PACKAGE:
                continue
            found.add(module)
            # `from charrec import figures` or `from . import backend` names submodules
            found |= {
                f"{module}.{alias.name}"
                for alias in node.names
                if module_file(f"{module}.{alias.name}").is_file()
            }
    return {module for module in found if module_file(module).is_file()}


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
        pending |= imported_modules(module_file(module).read_text(encoding="utf-8")) - seen
    return seen


def closure_files(*modules: str, sources: tuple[str, ...] = ()) -> set[str]:
    """The closure as paths relative to the project root, e.g. {'lib/charrec/models.py', ...}."""
    root = PACKAGE_DIR.parent.parent
    return {
        module_file(module).relative_to(root).as_posix()
        for module in module_closure(*modules, sources=sources)
    }
