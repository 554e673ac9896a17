"""The project's Jupyter kernel: IPython's kernel without TensorFlow's start-up chatter in cell outputs.

TensorFlow's C++ start-up lines (absl's "All log messages before absl::InitializeLog() is called are
written to STDERR", the oneDNN and CPU-instructions notices) are printed while it loads, before any log
level applies (TF_CPP_MIN_LOG_LEVEL does not hide them in TensorFlow 2.21), and a notebook shows them in
a red stderr box. This kernel sets TF_CPP_MIN_LOG_LEVEL=2 and absl's Python log level before anything
else, and loads TensorFlow, whenever a cell first imports it, with the process's standard error sent to
/dev/null for the import only (`charrec.tasks.import_tensorflow_quietly`); errors after it still show.

`make setup` installs it as the environment's `python3` kernel (the kernel every notebook names):

    python -m charrec.kernel --install    # writes PREFIX/share/jupyter/kernels/python3/kernel.json
"""

import importlib.abc
import importlib.machinery
import json
import os
import sys
from pathlib import Path

KERNEL_NAME = "python3"  # the name in every notebook's jupytext header and papermill's default
QUIET_ENV = {"TF_CPP_MIN_LOG_LEVEL": "2"}


class _QuietTensorFlowImport(importlib.abc.MetaPathFinder, importlib.abc.Loader):
    """On the first `import tensorflow`: import it with file descriptor 2 silenced, then hand the loaded
    module to the import that asked for it. Removes itself after that one import."""

    def find_spec(self, fullname, path=None, target=None):
        if fullname != "tensorflow":
            return None
        sys.meta_path.remove(self)
        from .tasks import import_tensorflow_quietly

        module = import_tensorflow_quietly()
        return importlib.machinery.ModuleSpec(fullname, self, origin=getattr(module, "__file__", None))

    def create_module(self, spec):
        return sys.modules["tensorflow"]

    def exec_module(self, module):
        pass


def quiet_start() -> None:
    """What the kernel does before IPython starts: the log levels, and the quiet TensorFlow import."""
    for key, value in QUIET_ENV.items():
        os.environ.setdefault(key, value)
    if "tensorflow" not in sys.modules:
        sys.meta_path.insert(0, _QuietTensorFlowImport())
    try:
        import absl.logging

        absl.logging.set_verbosity(absl.logging.ERROR)
    except ImportError:
        pass


def kernel_spec() -> dict:
    return {
        "argv": [sys.executable, "-Xfrozen_modules=off", "-m", "charrec.kernel", "-f", "{connection_file}"],
        "display_name": "Python 3",
        "language": "python",
        "env": QUIET_ENV,
        "metadata": {"debugger": True},
        "kernel_protocol_version": "5.5",
    }


def install(prefix: Path | None = None) -> Path:
    """Write the kernel spec into `prefix` (default: this environment's) as the `python3` kernel."""
    folder = Path(prefix or sys.prefix) / "share" / "jupyter" / "kernels" / KERNEL_NAME
    folder.mkdir(parents=True, exist_ok=True)
    (folder / "kernel.json").write_text(json.dumps(kernel_spec(), indent=1) + "\n", encoding="utf-8")
    return folder / "kernel.json"


def main() -> None:
    if sys.argv[1:2] == ["--install"]:
        print(f"kernel spec written to {install()}")
        return
    quiet_start()
    from ipykernel import kernelapp

    kernelapp.launch_new_instance()


if __name__ == "__main__":
    main()
