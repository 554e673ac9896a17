"""One run at a time in a checkout: the lock the entry points (data, train, run_notebook) and `make` take.

    python -m charrec.runlock COMMAND...   run COMMAND holding the lock (the Makefile's `run` target)

A second run in the same checkout stops at once, before it changes anything, with one line naming the
process that holds the lock ("another run is in progress: PID 1234 ..."), exit status 75 (EX_TEMPFAIL).
The lock is `.dvc/tmp/charrec-run.lock`, held with flock(2): the kernel releases it when its holder
exits, however it exits, so a killed run never leaves a stale lock behind. A process started under a
holder (a stage of `dvc repro` under `make`, a notebook kernel) inherits the holder's PID in
CHARREC_RUN_LOCK and runs inside the holder's lock.
"""

import fcntl
import os
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

HOLDER_ENV = "CHARREC_RUN_LOCK"  # the PID of the process holding the lock, for the processes it starts
EX_TEMPFAIL = 75


class RunInProgress(RuntimeError):
    """Another process holds this checkout's run lock."""


def lock_path(root: Path) -> Path:
    return Path(root) / ".dvc" / "tmp" / "charrec-run.lock"


def _holder(path: Path) -> str:
    try:
        return path.read_text().strip() or "unknown"
    except OSError:
        return "unknown"


def _describe(pid: str) -> str:
    try:
        command = Path(f"/proc/{pid}/cmdline").read_bytes().replace(b"\0", b" ").decode().strip()
    except (OSError, ValueError):
        return ""
    return f" ({command[:120]})" if command else ""


@contextmanager
def run_lock(root: Path):
    """Hold the run lock of the checkout at `root` (a DVC project: `.dvc/` exists; elsewhere, e.g. a bare
    folder, there is nothing to protect and no lock). Raises RunInProgress, writing nothing, when another
    process holds it; inside a holder's lock (CHARREC_RUN_LOCK names a live holder) it just runs."""
    path = lock_path(root)
    if not path.parent.parent.is_dir():
        yield
        return
    inherited = os.environ.get(HOLDER_ENV)
    if inherited and inherited == _holder(path) and _is_held(path):
        yield
        return
    path.parent.mkdir(parents=True, exist_ok=True)
    descriptor = os.open(path, os.O_RDWR | os.O_CREAT, 0o644)
    try:
        fcntl.flock(descriptor, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        os.close(descriptor)
        pid = _holder(path)
        raise RunInProgress(
            f"another run is in progress: PID {pid}{_describe(pid)} holds {path.relative_to(root)}; "
            "nothing was changed. Wait for it to finish (or stop it), then run again"
        ) from None
    os.ftruncate(descriptor, 0)
    os.write(descriptor, f"{os.getpid()}\n".encode())
    previous = os.environ.get(HOLDER_ENV)
    os.environ[HOLDER_ENV] = str(os.getpid())
    try:
        yield
    finally:
        if previous is None:
            os.environ.pop(HOLDER_ENV, None)
        else:
            os.environ[HOLDER_ENV] = previous
        os.ftruncate(descriptor, 0)
        fcntl.flock(descriptor, fcntl.LOCK_UN)
        os.close(descriptor)


def _is_held(path: Path) -> bool:
    """Whether some process holds the lock (tried without taking it for long)."""
    try:
        descriptor = os.open(path, os.O_RDONLY)
    except OSError:
        return False
    try:
        fcntl.flock(descriptor, fcntl.LOCK_SH | fcntl.LOCK_NB)
    except BlockingIOError:
        return True
    finally:
        os.close(descriptor)
    return False


def main(argv: list[str] | None = None) -> int:
    from .files import project_root

    command = list(sys.argv[1:] if argv is None else argv)
    if not command:
        print(__doc__.split("\n\n")[1].strip(), file=sys.stderr)
        return 2
    try:
        root = project_root()
        with run_lock(root):
            return subprocess.run(command).returncode
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    except FileNotFoundError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


if __name__ == "__main__":
    sys.exit(main())
