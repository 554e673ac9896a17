"""Failures a user meets outside the happy path (issue 30): each kind runs the real entry point on a copy
of the project and ends with one or two lines, a non-zero exit status, and nothing of the previous
complete state lost."""

import os
import shutil
import subprocess
import sys
from pathlib import Path

import pytest
import yaml

from conftest import ENV, PROJECT_ROOT

LIB = PROJECT_ROOT / "lib"


def python(*arguments: str, cwd: Path, env: dict | None = None, prefix: tuple = (), timeout: float = 120):
    """`python ARGUMENTS` in `cwd` with this checkout's library first on the path."""
    environment = {**ENV, "PYTHONPATH": str(LIB), **(env or {})}
    return subprocess.run(
        [*prefix, sys.executable, *arguments],
        cwd=cwd,
        env=environment,
        capture_output=True,
        text=True,
        timeout=timeout,
    )


# --- item 3: CPU affinity and quotas ---------------------------------------------------------------


@pytest.mark.skipif(
    not shutil.which("taskset") or len(os.sched_getaffinity(0)) < 2, reason="needs taskset, 2 cores"
)
def test_workers_and_threads_follow_the_cpus_this_process_may_use(tmp_path):
    code = (
        "import os; from charrec.tasks import jobs_setting, usable_cpus; "
        "print(os.cpu_count(), usable_cpus(), jobs_setting())"
    )
    environment = {key: value for key, value in ENV.items() if key != "CHARREC_JOBS"}
    result = subprocess.run(
        ["taskset", "-c", "0", sys.executable, "-c", code],
        cwd=tmp_path,
        env={**environment, "PYTHONPATH": str(LIB), "PATH": "/usr/bin:/bin"},  # no nvidia-smi
        capture_output=True,
        text=True,
    )
    host, usable, jobs = map(int, result.stdout.split())
    assert host >= 2 and usable == 1 and jobs == 1, result.stdout + result.stderr


# --- item 6: the project root from any subfolder ---------------------------------------------------


def minimal_project(tmp_path: Path, notebook: str = "01_data_exploration") -> Path:
    """The committed dvc.yaml, params and one notebook: enough for the entry points' checks."""
    project = tmp_path / "project"
    for name in ["dvc.yaml", *(f"params/{p.name}" for p in (PROJECT_ROOT / "params").glob("*.yaml"))]:
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copy2(PROJECT_ROOT / name, project / name)
    (project / "notebooks").mkdir()
    shutil.copy2(PROJECT_ROOT / "notebooks" / f"{notebook}.py", project / "notebooks")
    return project


@pytest.mark.parametrize(
    "arguments, expected",
    [
        # the params are found (and checked) from notebooks/: the error is the edited key, not "not found"
        (["-m", "charrec.run_notebook", "01_data_exploration"], "params/01_data_exploration.yaml: invalid"),
        (["-m", "charrec.train", "02_dense_baseline"], "params/02_dense_baseline.yaml: invalid"),
        (["-m", "charrec.data", "nosuch"], "params/data.yaml: no section 'datasets.nosuch'"),
    ],
    ids=["run_notebook", "train", "data"],
)
def test_every_entry_point_finds_the_project_root_from_a_subfolder(tmp_path, arguments, expected):
    project = minimal_project(tmp_path)
    for name in ("01_data_exploration", "02_dense_baseline"):
        path = project / "params" / f"{name}.yaml"
        path.write_text(path.read_text() + "not_a_key: 1\n")  # an uncommitted edit, which must survive
    edited = {path: path.read_text() for path in (project / "params").glob("*.yaml")}
    result = python(*arguments, cwd=project / "notebooks")
    assert result.returncode in (1, 2), result.stdout + result.stderr
    assert expected in result.stderr, result.stderr
    assert "not found" not in result.stderr and "git checkout" not in result.stderr
    assert {path: path.read_text() for path in edited} == edited


def test_outside_a_project_the_entry_points_say_so(tmp_path):
    for arguments in (["-m", "charrec.run_notebook", "01_data_exploration"], ["-m", "charrec.data", "mnist"]):
        result = python(*arguments, cwd=tmp_path)
        assert result.returncode == 2 and "no dvc.yaml in" in result.stderr, result.stderr
        assert len(result.stderr.strip().splitlines()) == 1


# --- item 8: one run at a time in a checkout --------------------------------------------------------


def full_minimal_project(tmp_path: Path) -> Path:
    """dvc.yaml, the Makefile, every params file and notebook, and a `.dvc/` folder (a DVC checkout)."""
    project = minimal_project(tmp_path)
    shutil.copy2(PROJECT_ROOT / "Makefile", project)
    for path in (PROJECT_ROOT / "notebooks").glob("*.py"):
        shutil.copy2(path, project / "notebooks")
    (project / ".dvc").mkdir()
    (project / ".dvc" / ".gitignore").write_text("/tmp\n")  # as `dvc init` writes it
    return project


def snapshot(project: Path) -> dict:
    return {
        path.relative_to(project): path.stat().st_mtime_ns
        for path in project.rglob("*")
        if path.is_file() and path.name != "charrec-run.lock"
    }


@pytest.fixture
def held_lock(tmp_path):
    """A project whose run lock another process holds (`python -m charrec.runlock sleep 60`)."""
    project = full_minimal_project(tmp_path)
    holder = subprocess.Popen(
        [sys.executable, "-m", "charrec.runlock", "sleep", "60"],
        cwd=project,
        env={**ENV, "PYTHONPATH": str(LIB)},
    )
    lock = project / ".dvc" / "tmp" / "charrec-run.lock"
    for _ in range(200):
        if lock.is_file() and lock.read_text().strip():
            break
        subprocess.run(["sleep", "0.05"])
    yield project, holder.pid
    holder.terminate()
    holder.wait()


@pytest.mark.parametrize(
    "arguments",
    [
        ["-m", "charrec.train", "02_dense_baseline"],
        ["-m", "charrec.run_notebook", "01_data_exploration"],
        ["-m", "charrec.data", "mnist"],
    ],
    ids=["train", "run_notebook", "data"],
)
def test_a_second_run_in_the_same_checkout_stops_at_once_and_changes_nothing(held_lock, arguments):
    project, pid = held_lock
    before = snapshot(project)
    result = python(*arguments, cwd=project, timeout=60)
    assert result.returncode == 75, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and lines[0].startswith(f"error: another run is in progress: PID {pid}"), lines
    assert snapshot(project) == before


def test_make_while_a_run_is_in_progress_prints_one_line_and_no_dvc_traceback(held_lock):
    project, pid = held_lock
    before = snapshot(project)
    environment = {**ENV, "PYTHONPATH": str(LIB)}
    result = subprocess.run(
        ["make", "-o", "setup", "run"],
        cwd=project,
        env=environment,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert result.returncode != 0
    assert f"another run is in progress: PID {pid}" in result.stderr, result.stdout + result.stderr
    assert "Traceback" not in result.stderr and "LockError" not in result.stderr
    assert "dvc repro" not in result.stdout.replace("bash -c 'dvc repro", "")  # DVC never started
    assert snapshot(project) == before


def test_the_lock_is_free_again_once_its_holder_ends(tmp_path):
    project = full_minimal_project(tmp_path)
    first = python("-m", "charrec.runlock", "true", cwd=project)
    second = python("-m", "charrec.runlock", "true", cwd=project)
    assert first.returncode == 0 and second.returncode == 0, first.stderr + second.stderr


def test_pipeline_status_names_the_stages_as_in_the_root_from_a_subfolder(tmp_path):
    project = full_minimal_project(tmp_path)
    shutil.rmtree(project / ".dvc")
    subprocess.run(["git", "init", "-q"], cwd=project, check=True)
    subprocess.run(["dvc", "init", "-q"], cwd=project, env=ENV, check=True)
    result = python("-m", "charrec.pipeline_status", cwd=project / "notebooks")
    assert "FAILED: data@mnist did not complete" in result.stderr, result.stdout + result.stderr
    assert "../dvc.yaml" not in result.stdout + result.stderr and "Traceback" not in result.stderr


# --- item 7: a failed write leaves the previous complete state --------------------------------------


def tiny_data_project(tmp_path: Path, validation_size: int) -> Path:
    from conftest import make_idx_folder

    project = tmp_path / "project"
    (project / "params").mkdir(parents=True, exist_ok=True)
    (project / "dvc.yaml").write_text("stages: {}\n")
    source = tmp_path / "source"
    md5 = make_idx_folder(source, train=600, test=100)
    section = {"local_dir": str(source), "md5": md5, "class_names": list("0123456789")}
    (project / "params" / "data.yaml").write_text(
        yaml.safe_dump({"datasets": {"tiny": {**section, "validation_size": validation_size}}})
    )
    return project


def test_a_full_disk_leaves_the_old_arrays_with_the_old_manifest_and_no_part_file(tmp_path):
    project = tiny_data_project(tmp_path, validation_size=50)
    assert python("-m", "charrec.data", "tiny", cwd=project).returncode == 0
    prepared = project / "data" / "prepared"
    before = {path.name: path.read_bytes() for path in prepared.iterdir()}
    data = project / "params" / "data.yaml"
    data.write_text(data.read_text().replace("validation_size: 50", "validation_size: 60"))
    # The arrays (about 550 kB) exceed a file size limit of 200 kB: the write fails with EFBIG, as on a
    # full disk with ENOSPC.
    result = python(
        "-c",
        "import resource, runpy, sys; resource.setrlimit(resource.RLIMIT_FSIZE, "
        "(200 * 1024, resource.RLIM_INFINITY)); sys.argv = ['data', 'tiny']; "
        "runpy.run_module('charrec.data', run_name='__main__')",
        cwd=project,
    )
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "Traceback" not in result.stderr, result.stderr
    assert "data/prepared/tiny.npz: file too large" in lines[0]
    assert {path.name: path.read_bytes() for path in prepared.iterdir()} == before  # both old, no .part
    assert not list(project.rglob("*.part"))


@pytest.mark.parametrize("code, message", [(28, "no space left on device"), (27, "file too large")])
def test_write_atomically_removes_its_part_file_and_names_the_file_when_there_is_no_room(
    tmp_path, monkeypatch, code, message
):
    from charrec import files

    target = tmp_path / "out.json"
    target.write_text("old")

    def full_disk(self, content):
        Path.write_text(self, "half")  # the temporary file exists, then the disk is full
        raise OSError(code, os.strerror(code))

    monkeypatch.setattr(Path, "write_bytes", full_disk)
    with pytest.raises(files.NoSpaceError, match=f"{target}: {message}"):
        files.write_atomically(target, "new")
    monkeypatch.undo()
    assert target.read_text() == "old" and sorted(p.name for p in tmp_path.iterdir()) == ["out.json"]


# --- item 4: a dead kernel and a kernel that does not start -----------------------------------------


def project_with_cell(tmp_path: Path, cell: str) -> Path:
    """A minimal project whose 01 notebook runs `cell` right after its parameters cell."""
    project = full_minimal_project(tmp_path)
    notebook = project / "notebooks" / "01_data_exploration.py"
    text = notebook.read_text()
    start = text.index('# %% tags=["parameters"]')
    end = text.index("\n# %%", start + 1)
    notebook.write_text(text[:end] + f"\n\n# %%\n{cell}\n" + text[end:])
    return project


def test_a_dead_kernel_ends_with_the_notebook_the_cell_and_the_likely_cause(tmp_path):
    project = project_with_cell(tmp_path, "import os, signal\nos.kill(os.getpid(), signal.SIGKILL)")
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, timeout=300)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and "Traceback" not in result.stderr, result.stderr
    assert "notebook 01_data_exploration: the kernel died in cell" in lines[0]
    assert "os.kill" in lines[0] or "import os, signal" in lines[0]
    assert "killed by signal 9 (SIGKILL): out of memory?" in lines[0]
    assert (project / "reports" / "failed" / "01_data_exploration.ipynb").is_file()  # kept, for debugging


def test_a_kernel_start_timeout_ends_with_one_line_and_leaves_no_kernel_running(tmp_path):
    project = full_minimal_project(tmp_path)
    startup = tmp_path / "ipython" / "profile_default" / "startup"
    startup.mkdir(parents=True)
    pid_file = tmp_path / "kernel.pid"
    (startup / "00-slow.py").write_text(
        f"import os, time\nopen({str(pid_file)!r}, 'w').write(str(os.getpid()))\ntime.sleep(120)\n"
    )
    environment = {"IPYTHONDIR": str(tmp_path / "ipython"), "CHARREC_KERNEL_START_TIMEOUT": "5"}
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, env=environment)
    assert result.returncode == 1, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) <= 2 and "Traceback" not in result.stderr, result.stderr
    assert "notebook 01_data_exploration: the kernel did not start within 5 s" in lines[0]
    assert "CHARREC_KERNEL_START_TIMEOUT" in lines[0]
    if pid_file.is_file():  # the kernel ran its start-up file: it is gone now
        assert not Path(f"/proc/{pid_file.read_text()}").exists()


def test_a_bad_kernel_start_timeout_setting_is_refused_before_anything_runs(tmp_path):
    project = full_minimal_project(tmp_path)
    environment = {"CHARREC_KERNEL_START_TIMEOUT": "soon"}
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, env=environment)
    assert result.returncode == 2 and "CHARREC_KERNEL_START_TIMEOUT='soon'" in result.stderr, result.stderr
    assert not (project / "reports").exists()


# --- item 5: the PDF route's tools are checked before any work --------------------------------------


def path_without(tmp_path: Path, *programs: str, replace: dict | None = None) -> str:
    """A PATH like this one's, without `programs` (each found program linked into one folder), and with
    the scripts of `replace` instead of those programs."""
    folder = tmp_path / "bin"
    folder.mkdir()
    for directory in reversed(ENV["PATH"].split(os.pathsep)):
        if not Path(directory).is_dir():
            continue
        for program in Path(directory).iterdir():
            if program.name not in programs and os.access(program, os.X_OK) and program.is_file():
                (folder / program.name).unlink(missing_ok=True)
                (folder / program.name).symlink_to(program)
    for name, script in (replace or {}).items():
        (folder / name).unlink(missing_ok=True)
        (folder / name).write_text(script)
        (folder / name).chmod(0o755)
    return str(folder)


def committed_project(tmp_path: Path, cell: str | None = None) -> Path:
    """A minimal project in git with the committed metrics of a previous run of 01."""
    project = project_with_cell(tmp_path, cell) if cell else full_minimal_project(tmp_path)
    for name in ("metrics/01_data_exploration.json", "metrics/headline/01_data_exploration.json"):
        (project / name).parent.mkdir(parents=True, exist_ok=True)
        (project / name).write_text('{"previous": "run"}\n')
    for command in (
        ["git", "init", "-q"],
        ["git", "add", "-A"],
        ["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "previous run"],
    ):
        subprocess.run(command, cwd=project, check=True, capture_output=True)
    return project


def git_status(project: Path) -> str:
    return subprocess.run(
        ["git", "status", "--porcelain"], cwd=project, capture_output=True, text=True
    ).stdout


@pytest.mark.skipif(not shutil.which("xelatex"), reason="xelatex is the program whose absence is simulated")
def test_a_missing_xelatex_is_named_with_its_package_before_a_kernel_starts(tmp_path):
    project = committed_project(tmp_path)
    environment = {"PATH": path_without(tmp_path, "xelatex")}
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, env=environment)
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1 and "`xelatex` is not installed (Debian: apt-get install texlive-xetex" in lines[0]
    assert not (project / "reports").exists()  # no kernel ran
    assert git_status(project) == ""  # the committed metrics are all there


@pytest.mark.skipif(not shutil.which("kpsewhich"), reason="needs TeX Live's kpsewhich")
def test_a_missing_latex_package_is_named_with_its_package(tmp_path):
    project = committed_project(tmp_path)
    real = shutil.which("kpsewhich", path=ENV["PATH"])
    script = f'#!/bin/sh\n"{real}" "$@" | grep -v needspace.sty\n'
    environment = {"PATH": path_without(tmp_path, replace={"kpsewhich": script})}
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, env=environment)
    assert result.returncode == 2, result.stdout + result.stderr
    assert (
        "LaTeX files needspace.sty not found by kpsewhich (Debian: apt-get install texlive-latex-extra)"
        in (result.stderr)
    )
    assert git_status(project) == ""


def test_a_failed_report_stage_keeps_the_committed_metrics(tmp_path):
    project = committed_project(tmp_path, 'raise RuntimeError("boom")')
    result = python("-m", "charrec.run_notebook", "01_data_exploration", cwd=project, timeout=300)
    assert result.returncode == 1 and "RuntimeError: boom" in result.stderr, result.stdout + result.stderr
    assert git_status(project) == "?? reports/\n"  # only the failed notebook, kept for debugging


# --- item 2: every checkout runs its own code -------------------------------------------------------


@pytest.mark.parametrize(
    "arguments",
    [
        ["-m", "charrec.train", "02_dense_baseline", "--dry-run"],
        ["-m", "charrec.run_notebook", "01_data_exploration"],
        ["-m", "charrec.data", "mnist"],
    ],
    ids=["train", "run_notebook", "data"],
)
def test_a_checkout_refuses_to_run_another_checkouts_code(tmp_path, arguments):
    """As in a git worktree or a DVC experiment's workspace, where `pip install -e .` of the main
    workspace would import the main workspace's library."""
    project = full_minimal_project(tmp_path)
    shutil.copytree(LIB, project / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    before = snapshot(project)
    result = python(*arguments, cwd=project / "notebooks")  # PYTHONPATH: this checkout's library
    assert result.returncode == 2, result.stdout + result.stderr
    lines = result.stderr.strip().splitlines()
    assert len(lines) == 1, lines
    assert f"this checkout's code is {(project / 'lib' / 'charrec').resolve()}" in lines[0]
    assert f"but {(LIB / 'charrec').resolve()} was imported" in lines[0]
    assert snapshot(project) == before


def test_a_checkout_with_its_library_on_the_path_runs_its_own_code(tmp_path):
    project = full_minimal_project(tmp_path)
    shutil.copytree(LIB, project / "lib", ignore=shutil.ignore_patterns("__pycache__"))
    marker = "the copy's own code ran"
    train = project / "lib" / "charrec" / "train.py"
    train.write_text(train.read_text().replace("def dry_run(", f"print({marker!r})\n\n\ndef dry_run(", 1))
    result = python(
        "-m", "charrec.train", "02_dense_baseline", "--dry-run", cwd=project, env={"PYTHONPATH": "lib"}
    )
    assert result.returncode == 0, result.stdout + result.stderr
    assert marker in result.stdout
