"""Writing files so that a reader never sees half of one, and finding the project's folders."""

import errno
import json
import os
from pathlib import Path

# Write errors that mean "no room": the message names the file and the cause, not a traceback.
NO_ROOM = {
    errno.ENOSPC: "no space left on device",
    errno.EFBIG: "file too large (a file size limit such as `ulimit -f`, or the file system's largest file)",
    errno.EDQUOT: "disk quota exceeded",
}


class NoSpaceError(OSError):
    """A write that failed for lack of room (ENOSPC, EFBIG, EDQUOT); the previous file is kept."""

    def __str__(self) -> str:
        return (
            f"{self.filename}: {self.strerror}; nothing was replaced, the previous complete files are kept. "
            "Free some space (or raise the limit), then run again"
        )


def no_room(error: BaseException, path: Path) -> NoSpaceError | None:
    """`error` as a NoSpaceError naming `path`, if it is one of lack of room; else None."""
    if isinstance(error, NoSpaceError):
        return error
    if isinstance(error, OSError) and error.errno in NO_ROOM:
        return NoSpaceError(error.errno, NO_ROOM[error.errno], str(path))
    return None


def _partial(path: Path) -> Path:
    return path.with_name(f".{path.name}.part")


def _write_partial(path: Path, content: bytes | str) -> Path:
    """`content` in the temporary file beside `path`; on any failure the temporary file is removed (and
    a lack of room is a NoSpaceError naming `path`)."""
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = _partial(path)
    try:
        partial.write_bytes(content.encode("utf-8") if isinstance(content, str) else content)
    except BaseException as error:
        partial.unlink(missing_ok=True)
        room = no_room(error, path)
        if room is not None:
            raise room from None
        raise
    return partial


def write_atomically(path: Path, content: bytes | str) -> None:
    """Write `content` under a temporary name in the same folder, then rename it into place.

    A crash or Ctrl-C leaves either the old file or the new one, never a truncated file that looks complete;
    a failed write (a full disk) leaves the old file and no temporary file.
    """
    path = Path(path)
    partial = _write_partial(path, content)
    try:
        os.replace(partial, path)
    except BaseException:
        partial.unlink(missing_ok=True)
        raise


def write_together(files: list[tuple[Path, bytes | str]]) -> None:
    """Write several files that belong together (arrays and the manifest describing them): every one is
    written in full under its temporary name first; only then are they renamed into place, in the order
    given (the describing file last). A failed write leaves every old file and no temporary file."""
    written: list[tuple[Path, Path]] = []
    try:
        for path, content in files:
            written.append((_write_partial(Path(path), content), Path(path)))
        for partial, path in written:
            os.replace(partial, path)
    except BaseException:
        for partial, _ in written:
            partial.unlink(missing_ok=True)
        raise


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


class ForeignCodeError(RuntimeError):
    """An entry point of one checkout runs another checkout's library (e.g. `pip install -e .` of the main
    workspace, imported in a git worktree or a DVC experiment's workspace)."""


def check_own_code(root: Path) -> None:
    """Raise ForeignCodeError, naming both folders, when the project at `root` has its own library
    (`lib/charrec/`) and the `charrec` imported is not that one: results would come from code that
    dvc.lock does not describe. dvc.yaml's stage commands put `lib/` first on the path (PYTHONPATH=lib)."""
    own = Path(root).resolve() / "lib" / "charrec"
    if not own.is_dir():
        return
    import charrec

    imported = Path(charrec.__file__).resolve().parent
    if imported != own.resolve():
        raise ForeignCodeError(
            f"this checkout's code is {own}, but {imported} was imported (another checkout's library); "
            "run `PYTHONPATH=lib python -m ...` from the project root, as dvc.yaml's stages do, "
            "or `pip install -e .` in this checkout"
        )


def prepared_path(dataset: str, root: Path | None = None) -> Path:
    """`data/prepared/<dataset>.npz` of the project (found from the current folder when `root` is None)."""
    return Path(root or project_root()) / "data" / "prepared" / f"{dataset}.npz"
