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


def _kernel_in_a_tiny_project(tmp_path, monkeypatch):
    """The environment's python3 kernel (charrec.kernel) started in a tiny project, two training workers."""
    from test_tasks import tiny_project

    root = tiny_project(tmp_path / "project")
    kernel.install(tmp_path)
    monkeypatch.setenv("JUPYTER_PATH", str(tmp_path / "share" / "jupyter"))
    monkeypatch.setenv("CHARREC_JOBS", "2")
    return start_new_kernel(kernel_name="python3", cwd=str(root))


def _training_code(epochs: int) -> str:
    """A cell that trains two tiny dense runs (seeds 0 and 1) of `epochs` epochs through ensure_runs."""
    return "\n".join(
        [
            "from charrec.runs import RunSpec",
            "from charrec.tasks import ensure_runs",
            "specs = [RunSpec(key=f'r{s}', model='dense_network', options={'hidden_units': [64]}, seed=s,",
            f"                 epochs={epochs}, batch_size=10, learning_rate=0.003, dataset='tiny')",
            "         for s in (0, 1)]",
            "done = ensure_runs('nb', specs, '.')",
        ]
    )


def test_training_in_the_kernel_shows_a_live_bar_per_run(tmp_path, monkeypatch):
    """ensure_runs in a notebook kernel: one output with a bar per run, updated in place while the runs
    train, no TensorFlow start-up lines, and no epoch lines of parallel runs interleaved (issue 32)."""
    manager, client = _kernel_in_a_tiny_project(tmp_path, monkeypatch)
    code = _training_code(epochs=40) + "\nprint(sorted(done))"
    try:
        outputs = []
        client.execute_interactive(code, timeout=300, output_hook=outputs.append)
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    kinds = [m["msg_type"] for m in outputs]
    text = "".join(m["content"].get("text", "") for m in outputs if m["msg_type"] == "stream")
    assert "error" not in kinds, outputs
    assert "['r0', 'r1']" in text and "(no time estimate: no stored runs" in text  # the estimate line
    assert "absl" not in text and "oneDNN" not in text and ": epoch 1/40" not in text
    updates = [m["content"]["data"]["text/plain"] for m in outputs if m["msg_type"] == "update_display_data"]
    assert updates, kinds
    assert any(
        "[1/2] r" in update and "step" in update and "<" in update for update in updates
    )  # elapsed<left
    assert "done" in updates[-1]


def test_an_interrupt_in_the_kernel_ends_with_one_line_and_stops_the_workers(tmp_path, monkeypatch):
    """The notebook's Interrupt while runs train: one line naming the runs kept and saying a re-run resumes
    (no traceback through joblib), and no worker left running (issue 32)."""
    import time

    import psutil

    manager, client = _kernel_in_a_tiny_project(tmp_path, monkeypatch)
    code = _training_code(epochs=10000)
    try:
        kernel_process = psutil.Process(manager.provisioner.process.pid)
        client.execute(code)
        deadline = time.time() + 120
        while time.time() < deadline and len(kernel_process.children(recursive=True)) < 2:
            time.sleep(1)
        time.sleep(25)  # the workers import TensorFlow and start training
        workers = kernel_process.children(recursive=True)
        manager.interrupt_kernel()
        errors = []
        while True:
            message = client.get_iopub_msg(timeout=60)
            if message["msg_type"] == "error":
                errors.append(message["content"])
            if message["msg_type"] == "status" and message["content"]["execution_state"] == "idle":
                break
    finally:
        client.stop_channels()
        manager.shutdown_kernel(now=True)
    assert len(errors) == 1 and len(errors[0]["traceback"]) == 1, errors
    assert (
        "nb: interrupted; 0 of 2 run(s)" in errors[0]["traceback"][0]
        and "resume" in errors[0]["traceback"][0]
    )

    def tracker(process) -> bool:  # loky's small resource tracker stays; an exited worker is no tracker
        try:
            return "resource_tracker" in " ".join(process.cmdline())
        except psutil.Error:
            return False

    _, alive = psutil.wait_procs([p for p in workers if not tracker(p)], 30)
    assert not alive
