"""Live progress of training runs in a notebook: one bar per run, updated every few seconds.

Each worker writes its run's progress to a small JSON file (`ProgressFile`, a Keras callback: steps done
of all the run's steps, every `EVERY` seconds and at each epoch's end); the notebook's kernel reads the
files and redraws one tqdm-style bar per run, with elapsed time and time left, in one output that it
updates in place (`LiveProgress`). Nothing here touches a run's numbers: the callback only reads the
step counter.
"""

import json
import os
import sys
import time
from pathlib import Path

EVERY = 2.0  # seconds between a worker's progress writes, and between redraws


def write_progress(path: Path, content: dict) -> None:
    partial = path.with_name(f".{path.name}.part")
    partial.write_text(json.dumps(content), encoding="utf-8")
    os.replace(partial, path)


def with_progress_file(callback, path: Path):
    """`callback` (runs.py's per-epoch progress log) extended to also write `path` every few seconds:
    {"step": steps done, "steps": the run's steps, "epoch": e, "epochs": E, "elapsed": s}."""
    path = Path(path)

    class WithProgressFile(type(callback)):
        def on_train_begin(self, logs=None):
            super().on_train_begin(logs)
            self._started, self._written, self._epoch = time.perf_counter(), 0.0, 0

        def on_epoch_begin(self, epoch, logs=None):
            self._epoch = epoch
            super().on_epoch_begin(epoch, logs)

        def _write(self, step_in_epoch: int, force: bool = False) -> None:
            now = time.perf_counter()
            if not force and now - self._written < EVERY:
                return
            self._written = now
            steps = self.params.get("steps") or 1
            write_progress(
                path,
                {
                    "step": self._epoch * steps + step_in_epoch,
                    "steps": self.params["epochs"] * steps,
                    "epoch": self._epoch + 1,
                    "epochs": self.params["epochs"],
                    "elapsed": now - self._started,
                },
            )

        def on_train_batch_end(self, batch, logs=None):
            self._write(batch + 1)

        def on_epoch_end(self, epoch, logs=None):
            super().on_epoch_end(epoch, logs)
            self._write(self.params.get("steps") or 1, force=True)

    extended = WithProgressFile.__new__(WithProgressFile)
    extended.__dict__.update(callback.__dict__)
    return extended


def in_notebook() -> bool:
    """True inside a Jupyter kernel (where an output can be updated in place)."""
    shell = sys.modules.get("IPython") and sys.modules["IPython"].get_ipython()
    return bool(shell) and "ipykernel" in type(shell).__module__


class LiveProgress:
    """One bar per run (`labels`: run key -> its label, in start order), read from `folder/KEY.json`."""

    def __init__(self, folder: Path, labels: dict[str, str]):
        from IPython.display import display

        self.folder, self.labels, self.start = Path(folder), labels, time.perf_counter()
        self.handle = display(self._text(), display_id=True)

    def _line(self, key: str, label: str) -> str:
        from tqdm import tqdm

        try:
            state = json.loads((self.folder / f"{key}.json").read_text(encoding="utf-8"))
        except (OSError, ValueError):
            return f"{label}: waiting for a worker"
        done = state.get("done", False)
        step, steps = (state["steps"], state["steps"]) if done else (state["step"], state["steps"])
        meter = tqdm.format_meter(step, steps, state["elapsed"], ncols=100, prefix=label, unit="step")
        return f"{meter}  epoch {state['epoch']}/{state['epochs']}" + (" done" if done else "")

    def _text(self):
        from IPython.display import Pretty

        lines = [self._line(key, label) for key, label in self.labels.items()]
        return Pretty("\n".join(lines + [f"{time.perf_counter() - self.start:.0f} s since the start"]))

    def refresh(self) -> None:
        self.handle.update(self._text())


def mark_done(path: Path) -> None:
    """The run is trained and stored: its bar shows it complete."""
    try:
        state = json.loads(Path(path).read_text(encoding="utf-8"))
    except (OSError, ValueError):
        state = {"step": 1, "steps": 1, "epoch": 1, "epochs": 1, "elapsed": 0.0}
    write_progress(Path(path), {**state, "done": True})
