"""The project's kernel (`charrec.kernel`): no TensorFlow start-up lines in a cell's output (issue 32)."""

import json
import sys

from jupyter_client.manager import start_new_kernel

from charrec import kernel


def test_kernel_spec_starts_this_module_quietly(tmp_path):
    spec = json.loads(kernel.install(tmp_path).read_text())
    assert spec["argv"][:1] == [sys.executable] and spec["argv"][2:4] == ["-m", "charrec.kernel"]
    assert spec["env"]["TF_CPP_MIN_LOG_LEVEL"] == "2"
    assert (tmp_path / "share" / "jupyter" / "kernels" / "python3" / "kernel.json").is_file()


def test_importing_tensorflow_in_the_kernel_prints_nothing(tmp_path, monkeypatch):
    kernel.install(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    manager, client = start_new_kernel(kernel_name="python3")
    try:
        outputs = []
        code = "\n".join(
            [
                "import sys",
                "import tensorflow as tf",
                "print(int(tf.constant(2) + 1))",
                "print('err', file=sys.stderr)",
            ]
        )
        client.execute_interactive(code, timeout=120, output_hook=outputs.append)
        streams = [(m["content"]["name"], m["content"]["text"]) for m in outputs if m["msg_type"] == "stream"]
        text = {name: "".join(t for n, t in streams if n == name) for name in ("stdout", "stderr")}
        assert text["stdout"].strip() == "3"
        assert text["stderr"].strip() == "err"  # what a cell prints to stderr still shows, and nothing else
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
