"""JupyterLab as a user meets it, in a real headless Chromium (Debian `chromium` + `chromium-driver`,
driven by selenium): a notebook opened by URL opens as a notebook (cells, not the text editor), runs
to the end with its figures and without errors or stderr, and saving and closing it leaves its file
byte for byte as committed, so neither git nor DVC sees a change.

The server runs on a copy of the project (with the data stage run on the small profile), with the
settings `make setup` installs (`jupyterlab/overrides.json`, through the Makefile's own rule) and empty
user settings, so a default viewer set in the user's own config cannot make it pass.
"""

import os
import shutil
import signal
import socket
import subprocess
import sys
import time
from pathlib import Path

import pytest

from conftest import ENV, PROJECT_ROOT, apply_small_profile, copy_project_files, run

pytestmark = pytest.mark.e2e
NOTEBOOK = "notebooks/01_data_exploration.py"  # the cheapest notebook that draws figures
CHROMIUM, CHROMEDRIVER = shutil.which("chromium"), shutil.which("chromedriver")


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


@pytest.fixture
def lab_project(tmp_path, mnist_folder) -> Path:
    """A git copy of the project's files with the small profile's prepared MNIST."""
    copy = copy_project_files(tmp_path / "project")
    apply_small_profile(copy, mnist_folder)
    run(["git", "init", "-q"], copy)
    run(["git", "add", "-A"], copy)
    run(["git", "-c", "user.name=t", "-c", "user.email=t@example.org", "commit", "-qm", "copy"], copy)
    run([sys.executable, "-m", "charrec.data", "mnist"], copy)
    return copy


@pytest.fixture
def lab_server(lab_project, tmp_path):
    """A JupyterLab server on a random free port with a token; yields its base URL and token."""
    # The app settings as `make setup` installs them into an environment (here a stand-in one).
    venv = tmp_path / "venv"
    overrides = venv / "share" / "jupyter" / "lab" / "settings" / "overrides.json"
    run(["make", "-s", f"VENV={venv}", "-o", f"{venv}/.installed", str(overrides)], PROJECT_ROOT)
    # Every cell in the page (JupyterLab otherwise renders only the cells in view), so the test sees them all.
    tracker = tmp_path / "user-settings" / "@jupyterlab" / "notebook-extension"
    tracker /= "tracker.jupyterlab-settings"
    tracker.parent.mkdir(parents=True)
    tracker.write_text('{"windowingMode": "none"}')
    port, token = free_port(), "charrec-test-token"
    env = {
        **ENV,
        "JUPYTER_CONFIG_DIR": str(tmp_path / "jupyter-config"),  # none of the user's config
        "JUPYTERLAB_SETTINGS_DIR": str(tmp_path / "user-settings"),  # no default viewer of the user's
        "JUPYTERLAB_WORKSPACES_DIR": str(tmp_path / "workspaces"),
        "JUPYTER_RUNTIME_DIR": str(tmp_path / "runtime"),
    }
    log = (tmp_path / "jupyterlab.log").open("w")
    server = subprocess.Popen(
        [
            sys.executable,
            "-m",
            "jupyterlab",
            "--no-browser",
            "--expose-app-in-browser",  # window.jupyterapp: run JupyterLab's own commands
            f"--port={port}",
            "--ip=127.0.0.1",
            f"--IdentityProvider.token={token}",
            f"--ServerApp.root_dir={lab_project}",
            f"--LabApp.app_settings_dir={overrides.parent}",
            *(["--allow-root"] if os.geteuid() == 0 else []),
        ],
        cwd=lab_project,
        env=env,
        stdout=log,
        stderr=subprocess.STDOUT,
        start_new_session=True,  # its kernels in its process group, stopped with it
    )
    url = f"http://127.0.0.1:{port}"
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        try:
            socket.create_connection(("127.0.0.1", port), timeout=1).close()
            break
        except OSError:
            assert server.poll() is None, (tmp_path / "jupyterlab.log").read_text()
            time.sleep(0.5)
    try:
        yield url, token
    finally:
        server.terminate()
        try:
            server.wait(timeout=10)
        except subprocess.TimeoutExpired:
            os.killpg(server.pid, signal.SIGKILL)
        log.close()


@pytest.fixture
def browser():
    if not (CHROMIUM and CHROMEDRIVER):
        pytest.skip("Debian chromium and chromium-driver are not installed (make setup installs them)")
    from selenium import webdriver
    from selenium.webdriver.chrome.service import Service

    options = webdriver.ChromeOptions()
    options.binary_location = CHROMIUM
    for argument in ("--headless=new", "--no-sandbox", "--disable-dev-shm-usage", "--window-size=1400,1000"):
        options.add_argument(argument)
    driver = webdriver.Chrome(service=Service(CHROMEDRIVER), options=options)
    try:
        yield driver
    finally:
        driver.quit()


def wait_for(driver, script: str, timeout: float, what: str):
    """Poll a JavaScript expression until it returns something truthy; return that."""
    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = driver.execute_script(f"return {script}")
        if value:
            return value
        time.sleep(0.5)
    pytest.fail(f"timed out after {timeout:.0f} s waiting for {what}")


CURRENT = "(window.jupyterapp && window.jupyterapp.shell.currentWidget)"
CELL_STATES = f"""(() => {{
  const panel = {CURRENT};
  if (!panel || !panel.node.querySelector('.jp-Notebook')) return null;
  return Array.from(panel.node.querySelectorAll('.jp-CodeCell .jp-InputPrompt'))
    .map(prompt => prompt.textContent.trim());
}})()"""


def test_a_notebook_opens_runs_and_closes_unchanged_in_a_real_browser(lab_project, lab_server, browser):
    url, token = lab_server
    notebook = lab_project / NOTEBOOK
    committed = notebook.read_bytes()
    start = time.perf_counter()

    browser.get(f"{url}/lab/tree/{NOTEBOOK}?token={token}")
    wait_for(browser, f"{CURRENT}?.title.label === '01_data_exploration.py'", 90, "the tab")
    wait_for(browser, f"{CURRENT}.node.querySelector('.jp-FileEditor, .jp-Notebook')", 30, "the document")
    editor = browser.execute_script(f"return !!{CURRENT}.node.querySelector('.jp-FileEditor')")
    assert not editor, "JupyterLab opened the notebook in its text editor, not as a notebook"
    wait_for(
        browser,
        f"{CURRENT}.context.isReady && {CURRENT}.content.widgets.length > 5 && "
        f"{CURRENT}.content.widgets.length === {CURRENT}.node.querySelectorAll('.jp-Cell').length",
        30,
        "the notebook's cells",
    )
    assert len(wait_for(browser, CELL_STATES, 30, "the code cells' prompts")) > 3
    wait_for(browser, f"{CURRENT}.sessionContext.session?.kernel?.status === 'idle'", 60, "the kernel")
    # JupyterLab marks the tab unsaved as soon as the kernel connects: it writes the kernel's
    # `language_info` into the notebook's metadata, which jupytext keeps out of the text file (it holds
    # the Python patch version). Saving it is therefore harmless: checked below.
    browser.execute_script("window.jupyterapp.commands.execute('notebook:run-all-cells')")
    wait_for(
        browser,
        f"(() => {{ const p = {CELL_STATES}; return p && p.every(t => /^\\[\\d+\\]:$/.test(t)); }})()",
        120,
        "every code cell to run",
    )
    outputs = browser.execute_script(
        f"""const panel = {CURRENT};
        const all = sel => Array.from(panel.node.querySelectorAll(sel));
        return {{images: all('.jp-OutputArea-output img').length,
                 errors: all('.jp-OutputArea-output[data-mime-type="application/vnd.jupyter.stderr"]')
                   .map(e => e.textContent.slice(0, 300)),
                 tracebacks: all('.jp-OutputArea-output').filter(e => /Traceback|Error:/.test(e.textContent))
                   .map(e => e.textContent.slice(0, 300))}}"""
    )
    assert outputs["images"] >= 1, outputs
    assert not outputs["errors"] and not outputs["tracebacks"], outputs

    # Save (what autosave does after a while), then close the tab and shut its kernel down.
    browser.execute_script("window.jupyterapp.commands.execute('docmanager:save')")
    wait_for(browser, f"!{CURRENT}.context.model.dirty", 30, "the save")
    browser.execute_script("window.jupyterapp.commands.execute('notebook:close-and-shutdown')")
    wait_for(  # confirming the dialog that asks whether to shut the kernel down
        browser,
        "(() => { document.querySelector('.jp-Dialog .jp-mod-accept')?.click(); "
        "return !Array.from(document.querySelectorAll('.lm-TabBar-tab'))"
        ".some(tab => tab.textContent.includes('01_data_exploration')); })()",
        30,
        "the tab to close",
    )
    seconds = time.perf_counter() - start

    assert notebook.read_bytes() == committed
    assert run(["git", "status", "--porcelain"], lab_project).stdout == ""
    assert (lab_project / "scratch" / "metrics" / "01_data_exploration.json").is_file()  # not metrics/
    print(f"JupyterLab: opened, ran, saved and closed {NOTEBOOK} in {seconds:.1f} s")


def test_the_environment_settings_path_is_jupyterlabs():
    """`make setup` writes overrides.json where this JupyterLab reads app settings."""
    from jupyterlab.labapp import LabApp

    expected = Path(LabApp().app_settings_dir).resolve()
    assert expected == (Path(sys.prefix) / "share" / "jupyter" / "lab" / "settings").resolve()
    assert os.path.isdir(expected.parent)
