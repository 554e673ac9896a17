"""Training runs as tasks: a store that caches each run's results, and an executor that trains the
missing ones in parallel.

A notebook's runs live in three places (`RunStore`): `runs/NAME/KEY.json` (the spec, the code
fingerprint, the history and the scores; small, committed to git) and `models/NAME/KEY.keras` with
`models/NAME/KEY.test.npy` (the model and its test-set probabilities; cached by DVC). A stored run
counts only while its spec and code fingerprint equal the planned ones, so a params or code change
retrains exactly the runs it affects.

The executor is joblib: by default a process pool (loky) with TensorFlow limited to
`cores // CHARREC_JOBS` threads in each worker, so that CHARREC_JOBS runs fill the cores. The pool has
CHARREC_JOBS workers, or more where sharing the cores finishes sooner (`pool_size`). A run's numbers do
not depend on how many runs go at once: each run seeds itself and uses a fixed number of threads (its
wall time does: runs that share a core take longer). Settings, from the environment:

    CHARREC_JOBS=N               runs at full speed at once (default: the CPU cores this process may use,
                                 `usable_cpus`: affinity and cgroup quotas honoured; 1 with a GPU)
    CHARREC_EXECUTOR=dask        send the runs to a Dask cluster through joblib's Dask backend
    CHARREC_DASK_SCHEDULER=ADDR  the cluster's scheduler (default: a local cluster of N worker processes)
"""

import ast
import io
import json
import os
import shutil
import subprocess
import sys
import time
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import numpy as np
import pandas as pd

from .files import project_root, write_atomically, write_json_atomically
from .fingerprints import Fingerprints, changed_parts
from .models import info
from .outputs import REPORT_STAGE_ENV, SCRATCH
from .runs import RunSpec


@dataclass(frozen=True)
class RunStore:
    """Where one notebook's runs are stored under a project root (or a scratch folder)."""

    root: Path
    notebook: str

    @property
    def results_dir(self) -> Path:
        return Path(self.root) / "runs" / self.notebook

    @property
    def models_dir(self) -> Path:
        return Path(self.root) / "models" / self.notebook

    def result_file(self, key: str) -> Path:
        return self.results_dir / f"{key}.json"

    def model_file(self, key: str) -> Path:
        return self.models_dir / f"{key}.keras"

    def probabilities_file(self, key: str, shifted: bool = False) -> Path:
        return self.models_dir / f"{key}.test{'-shifted' if shifted else ''}.npy"

    def check(self, spec: RunSpec, fingerprints: Fingerprints) -> tuple[dict | None, str]:
        """The stored result of `spec` and "stored", or None and why it must train: "new", "settings
        changed (FIELDS)", "code changed (FILES)" or "model file missing"."""
        path = self.result_file(spec.key)
        if not path.is_file():
            return None, "new"
        result = json.loads(path.read_text(encoding="utf-8"))
        stored, planned = result.get("spec", {}), spec.as_json()
        if stored != planned:
            fields = sorted(k for k in set(stored) | set(planned) if stored.get(k) != planned.get(k))
            return None, f"settings changed ({', '.join(fields)})"
        if result.get("fingerprint") != fingerprints.of(spec.model, spec.dataset):
            changed = changed_parts(result.get("code", {}), fingerprints.parts(spec.model, spec.dataset))
            return None, f"code changed ({', '.join(changed) or 'fingerprint'})"
        kept = result.get("kept_model", True)  # a scikit-learn run keeps its test scores, not its model
        needed = [self.model_file(spec.key)] if (spec.test or spec.keep_model) and kept else []
        if spec.test:
            needed.append(self.probabilities_file(spec.key))
        if spec.test and spec.test_time_shift:
            needed.append(self.probabilities_file(spec.key, shifted=True))
        if not all(path.is_file() for path in needed):
            return None, "model file missing"
        return result, "stored"

    def load(self, spec: RunSpec, fingerprints: Fingerprints) -> dict | None:
        """The stored result of `spec`, or None when there is none or it was made by other settings or
        code."""
        return self.check(spec, fingerprints)[0]

    def save(self, result: dict, probabilities: dict[bool, np.ndarray]) -> None:
        """Probabilities (by `shifted`) first, the result file last: a result file means the run is
        complete."""
        for shifted, array in probabilities.items():
            buffer = io.BytesIO()
            np.save(buffer, array, allow_pickle=False)
            write_atomically(self.probabilities_file(result["spec"]["key"], shifted), buffer.getvalue())
        write_json_atomically(self.result_file(result["spec"]["key"]), result)

    def prune(self, keep: set[str]) -> list[str]:
        """Remove the stored runs whose key is not in `keep` (runs the params no longer ask for)."""
        removed = []
        for folder in (self.results_dir, self.models_dir):
            for path in sorted(folder.glob("*")) if folder.is_dir() else []:
                key = next(
                    (
                        path.name.removesuffix(end)
                        for end in (".json", ".test.npy", ".test-shifted.npy", ".keras")
                        if path.name.endswith(end)
                    ),
                    path.name,
                )
                if not path.name.startswith(".") and key not in keep:
                    shutil.rmtree(path) if path.is_dir() else path.unlink()
                    removed.append(path.name)
        return removed


def usable_cpus() -> int:
    """The CPU cores this process may use: its affinity (`taskset`, a SLURM cpuset) and its cgroup's CPU
    quota (`docker --cpus`) honoured, as joblib/loky count them; `os.cpu_count()` counts the host's."""
    from joblib import cpu_count

    return max(1, int(cpu_count(only_physical_cores=False)))


def jobs_setting() -> int:
    """Parallel runs: CHARREC_JOBS, else one per usable CPU core (`usable_cpus`), or 1 where a GPU is
    visible."""
    if os.environ.get("CHARREC_JOBS"):
        return max(1, int(os.environ["CHARREC_JOBS"]))
    if shutil.which("nvidia-smi") and os.system("nvidia-smi -L >/dev/null 2>&1") == 0:
        return 1
    return usable_cpus()


def run_cost(spec: RunSpec) -> float:
    """A run's estimated relative cost, to order and size the pool: epochs × training images (`train_size`,
    else 60,000; early stopping is not foreseen) × its model's cost per image with its options (registered
    with the model: `charrec.models.model`). A scikit-learn fit (epochs 0) counts as one pass: its model's
    cost per image covers the fit and its predictions. Raises UnknownModelError for an unregistered model."""
    return info(spec.model).cost(spec.options) * max(spec.epochs, 1) * (spec.train_size or 60_000)


@cache
def own_training_path(model: str) -> bool:
    """Whether `model`'s module brings its own training path: a top-level `execute` (defined or imported
    there) with the contract of `charrec.runs.execute`, as the scikit-learn models' module does
    (`charrec.classical`). Read from the module's source, so nothing (no TensorFlow) is imported."""
    from .dependencies import module_file

    tree = ast.parse(module_file(info(model).module).read_text(encoding="utf-8"))
    for node in tree.body:
        if isinstance(node, ast.FunctionDef) and node.name == "execute":
            return True
        if isinstance(node, ast.ImportFrom) and any(
            (alias.asname or alias.name) == "execute" for alias in node.names
        ):
            return True
    return False


def finish_time(costs: list[float], workers: int, slots: int) -> float:
    """When a pool of `workers` finishes runs of these costs, in cost units (a run of cost c alone on a
    slot takes c): each worker takes the next run in order when it is free, and the runs under way share
    the `slots` evenly (each at full speed while no more than `slots` run)."""
    queue, active, now = list(costs), [], 0.0
    while queue or active:
        while queue and len(active) < workers:
            active.append(queue.pop(0))
        rate = min(1.0, slots / len(active))
        step = min(active) / rate
        now += step
        active = [left - step * rate for left in active if left - step * rate > 1e-9 * max(costs)]
    return now


def pool_size(costs: list[float], slots: int, most_per_slot: int = 4) -> int:
    """Workers for runs of these costs (in the order they start), where `slots` runs go at full speed at
    once (`jobs_setting`): the fewest workers with the earliest `finish_time`, up to `most_per_slot` per
    slot.

    More workers than slots share the cores and leave none idle at the end: 3 equal runs on 2 cores
    finish after 1.5 run times instead of 2; 3 long runs and 3 short ones (04's final CNNs) finish
    after the long ones shared the cores instead of one long run going on alone. Every worker keeps its
    thread count, so no result changes.
    """
    if len(costs) <= slots:
        return max(len(costs), 1)
    options = range(slots, min(len(costs), most_per_slot * slots) + 1)
    unit = max(costs) or 1.0  # relative ties: finish times in units of the longest run
    return min(options, key=lambda workers: (round(finish_time(costs, workers, slots) / unit, 9), workers))


def seconds_per_cost(roots: list[Path]) -> dict[str, list[float]]:
    """Per model, the measured train seconds per cost unit (`run_cost`) of every run stored under `roots`
    (`runs/*/*.json`): its `train_seconds` (the epochs' wall time, on the pool that trained it; for a
    scikit-learn fit, with its `predict_seconds`) over the cost of the epochs it ran. Unreadable or
    unregistered runs are skipped."""
    measured: dict[str, list[float]] = {}
    for root in roots:
        for path in sorted(Path(root).glob("runs/*/*.json")):
            try:
                result = json.loads(path.read_text(encoding="utf-8"))
                spec = RunSpec(**result["spec"])
                cost = run_cost(spec) * result.get("epochs_run", 1) / max(spec.epochs, 1)  # a fit: one pass
                seconds = result["train_seconds"] + result.get("predict_seconds", 0.0)
                measured.setdefault(spec.model, []).append(seconds / cost)
            except Exception:  # an older schema, a removed model: no measurement
                continue
    return measured


def estimate_seconds(specs: list[RunSpec], roots: list[Path], workers: int, slots: int) -> tuple[float, str]:
    """The estimated wall time of training `specs` (longest first) on `workers` sharing `slots`, and its
    basis: each run's cost (`run_cost`) times its model's median seconds per cost unit among the stored
    runs (`seconds_per_cost`; the median of all models for a model with none), run through the pool's
    schedule (`finish_time`). Training only: evaluation and start-up are not counted; early stopping is not
    foreseen."""
    measured = seconds_per_cost(roots)
    every = sorted(value for values in measured.values() for value in values)
    if not every:
        return float("nan"), "no stored runs to measure the speed from"
    fallback = float(np.median(every))
    rate = {model: float(np.median(values)) for model, values in measured.items()}
    costs = [run_cost(spec) * rate.get(spec.model, fallback) for spec in specs]
    guessed = sorted({spec.model for spec in specs if spec.model not in rate})
    basis = f"from the train seconds of {len(every)} stored runs" + (
        f"; {', '.join(guessed)} not measured yet, timed as the median model" if guessed else ""
    )
    return finish_time(costs, workers, slots), basis


def duration(seconds: float) -> str:
    """'45 s', '3 min 20 s', '1 h 05 min'."""
    if seconds != seconds:  # nan
        return "unknown"
    seconds = round(seconds)
    if seconds < 60:
        return f"{seconds} s"
    if seconds < 3600:
        return f"{seconds // 60} min {seconds % 60:02d} s"
    return f"{seconds // 3600} h {seconds % 3600 // 60:02d} min"


def import_tensorflow_quietly():
    """Import TensorFlow with its C++ start-up lines (printed before its log level applies: absl's
    "All log messages before absl::InitializeLog()", oneDNN's notice) kept off the terminal; returns
    the module."""
    saved, devnull = os.dup(2), os.open(os.devnull, os.O_WRONLY)
    os.dup2(devnull, 2)
    try:
        import tensorflow as tf
    finally:
        os.dup2(saved, 2)
        os.close(saved)
        os.close(devnull)
    return tf


def limit_threads(threads: int) -> None:
    """Limit TensorFlow in this process to `threads` threads per operation (a no-op once TensorFlow
    has started executing, e.g. in a notebook kernel that already trained); imported quietly."""
    tf = import_tensorflow_quietly()
    try:
        tf.config.threading.set_intra_op_parallelism_threads(threads)
        tf.config.threading.set_inter_op_parallelism_threads(threads)
    except RuntimeError:
        pass


def train_one(
    spec_json: dict,
    root: str,
    store_root: str,
    notebook: str,
    code: dict,
    threads: int,
    position: str,
    progress_dir: str | None = None,
    stream=None,
) -> dict:
    """The task: train one run, store it, return its result (without the probabilities). Runs in a worker;
    progress lines go to `stream` (default: standard output). With `progress_dir`, the run's progress also
    goes to `progress_dir/KEY.json` every few seconds (`charrec.progress`), for a notebook's live bars, and
    the per-epoch lines are left out (the bars show them)."""
    spec = RunSpec(**spec_json)
    if own_training_path(spec.model):  # e.g. scikit-learn: no TensorFlow; its BLAS gets the thread limit
        import importlib

        from threadpoolctl import threadpool_limits

        threadpool_limits(threads)
        execute = importlib.import_module(info(spec.model).module).execute
    else:
        limit_threads(threads)  # first: it imports TensorFlow, quietly
        from . import runs
        from .training import use_available_accelerators

        use_available_accelerators()
        execute = runs.execute
    store = RunStore(Path(store_root), notebook)

    def log(line: str) -> None:
        print(line, file=stream or sys.stdout, flush=True)

    progress_file = Path(progress_dir) / f"{spec.key}.json" if progress_dir else None
    from . import runs

    progress_log = runs.progress_log
    if progress_file:  # runs.execute builds its callbacks itself: its per-epoch log gains the progress file
        from .progress import with_progress_file

        runs.progress_log = lambda prefix, print_line: with_progress_file(
            progress_log(prefix, lambda line: None), progress_file
        )
    try:
        result = execute(
            spec,
            Path(root) / "data" / "prepared",
            store.model_file(spec.key),
            prefix=f"{notebook} {position} {spec.key}",
            print_line=log,
        )
    finally:
        runs.progress_log = progress_log
    probabilities = {
        shifted: result.pop(name)
        for shifted, name in ((False, "test_probabilities"), (True, "test_probabilities_shifted"))
        if name in result
    }
    result["fingerprint"], result["code"] = code["fingerprint"], code["parts"]
    store.save(result, probabilities)
    if progress_file:
        from .progress import mark_done

        mark_done(progress_file)
    log(f"{notebook} {position} {spec.key}: done in {result['train_seconds']:.0f} s")
    return result


def train_one_in_subprocess(*task) -> dict:
    """The task in a fresh Python process (`python -m charrec.tasks`, the task as JSON on standard input).

    For Dask workers: they run threads of their own that draw from Python's global random generator,
    from which Keras also draws the seeds of the initial weights, so a run inside a Dask worker was not
    reproducible (measured: 1 launch in 3 gave other weights). A process of its own restores that."""
    completed = subprocess.run(
        [sys.executable, "-m", "charrec.tasks"],
        input=json.dumps(task),
        text=True,
        stdout=subprocess.PIPE,
        check=True,
    )
    return json.loads(completed.stdout)


def _map(tasks: list[tuple], jobs: int) -> list[dict]:
    """Run `train_one` over the argument tuples: in this process where the setting is one job, else
    through joblib (also for a single task, so that it gets the same thread limit as in a pool)."""
    if jobs_setting() == 1 and os.environ.get("CHARREC_EXECUTOR", "loky") == "loky":
        return [train_one(*task) for task in tasks]
    from joblib import Parallel, delayed, parallel_config

    if os.environ.get("CHARREC_EXECUTOR", "loky") == "dask":
        calls = (delayed(train_one_in_subprocess)(*task) for task in tasks)
        from distributed import Client, LocalCluster

        address = os.environ.get("CHARREC_DASK_SCHEDULER")
        cluster = (
            None
            if address
            else LocalCluster(n_workers=jobs, threads_per_worker=1, processes=True, dashboard_address=None)
        )
        with Client(address or cluster) as client, parallel_config(backend="dask"):
            try:
                return Parallel(n_jobs=jobs)(calls)
            finally:
                client.close()
                if cluster is not None:
                    cluster.close()
    try:
        with parallel_config(backend="loky", n_jobs=jobs):
            results = Parallel()(delayed(train_one)(*task) for task in tasks)
    except BaseException:  # a failed run, Ctrl-C or SIGTERM: no worker may go on training unseen
        stop_workers(kill=True)
        raise
    stop_workers(kill=False)  # finished: the idle workers (about 1 GB each with TensorFlow) exit now
    return results


def stop_workers(kill: bool) -> None:
    """Shut joblib's process pool (loky's reusable executor) down, if there is one: `kill` stops runs
    under way at once, else the (idle) workers exit after their current task. Uses the pool in place:
    `loky.get_reusable_executor()` would start another pool when the arguments differ, waiting for the
    old one's tasks first."""
    from joblib.externals.loky import reusable_executor

    executor = reusable_executor._executor
    if executor is not None:
        executor.shutdown(wait=not kill, kill_workers=kill)


def _map_with_progress(tasks: list[tuple], jobs: int, specs: list[RunSpec], store: RunStore) -> list[dict]:
    """`_map`, with a live bar per run in a notebook (`charrec.progress`) where the runs go to a process
    pool (loky): the pool is driven from a thread while the kernel's main thread redraws the bars every few
    seconds and takes the Interrupt (Ctrl-C), which stops the workers. Elsewhere (a terminal, the
    pipeline, one job in this process, Dask) plain `_map` with its per-epoch lines."""
    import tempfile
    import threading

    from .progress import EVERY, LiveProgress, in_notebook

    if not in_notebook() or jobs_setting() == 1 or os.environ.get("CHARREC_EXECUTOR", "loky") != "loky":
        return _map(tasks, jobs)
    with tempfile.TemporaryDirectory(prefix="charrec-progress-") as folder:
        tasks = [(*task, folder) for task in tasks]
        bars = LiveProgress(folder, {spec.key: f"{task[6]} {spec.key}" for spec, task in zip(specs, tasks)})
        outcome: dict = {}

        def drive() -> None:
            try:
                outcome["results"] = _map(tasks, jobs)
            except BaseException as error:
                outcome["error"] = error

        worker = threading.Thread(target=drive, name="charrec-training", daemon=True)
        worker.start()
        try:
            while worker.is_alive():
                worker.join(EVERY)
                bars.refresh()
        except KeyboardInterrupt:
            stop_workers(kill=True)
            worker.join(30)
            raise
        if "error" in outcome:
            raise outcome["error"]
        return outcome["results"]


def stored_results(store: RunStore, specs: list[RunSpec], root: Path) -> tuple[Fingerprints, dict, dict]:
    """The fingerprints under `root`, and per run key its stored result in `store` (None where missing
    or stale) and the reason ("stored", "new", "settings changed (...)", "code changed (FILES)", ...)."""
    fingerprints = Fingerprints(root)
    checked = {spec.key: store.check(spec, fingerprints) for spec in specs}
    return (
        fingerprints,
        {key: result for key, (result, _) in checked.items()},
        {key: reason for key, (_, reason) in checked.items()},
    )


class TrainingInterrupted(KeyboardInterrupt):
    """Ctrl-C (a notebook's Interrupt) while runs trained: the workers are stopped; the message is one line
    naming the runs kept (every run finished before the interrupt is stored) and saying that running again
    resumes. IPython shows only that line (`_render_traceback_`), not the traceback through joblib."""

    def __init__(
        self, notebook: str, store: RunStore, specs: list[RunSpec], fingerprints: Fingerprints, root
    ):
        kept = [spec.key for spec in specs if store.check(spec, fingerprints)[0] is not None]
        where = Path(os.path.relpath(store.results_dir, root)).as_posix()  # e.g. scratch/runs/04_cnn
        names = f": {', '.join(kept)}" if kept else ""
        self.kept = kept
        super().__init__(
            f"{notebook}: interrupted; {len(kept)} of {len(specs)} run(s) to train finished and kept in "
            f"{where}/{names}. Run it again to resume: only the other {len(specs) - len(kept)} will train."
        )

    def _render_traceback_(self) -> list[str]:
        return [str(self)]


def ensure_runs(
    notebook: str,
    specs: list[RunSpec],
    root: Path,
    store: RunStore | None = None,
    jobs: int | None = None,
    log=print,
) -> dict[str, dict]:
    """The results of `specs` by key: the stored ones, and the missing ones trained now into `store`
    (default: the project's own). Returns results without probabilities (see `RunResults`)."""
    root = Path(root)
    store = store or RunStore(root, notebook)
    fingerprints, found, _ = stored_results(store, specs, root)
    missing = [spec for spec in specs if found[spec.key] is None]
    if not missing:
        return found
    # Threads per run follow the setting, not the number of runs at hand: TensorFlow's results change in
    # the last digits with its thread count, and a run's result must not depend on what else is running.
    threads = max(1, usable_cpus() // jobs_setting())
    missing.sort(key=lambda spec: -run_cost(spec))  # longest first
    jobs = jobs or pool_size([run_cost(spec) for spec in missing], jobs_setting())
    estimate, basis = estimate_seconds(missing, [root, root / SCRATCH], jobs, jobs_setting())
    log(
        f"{notebook}: {len(specs) - len(missing)} of {len(specs)} runs stored; training {len(missing)} "
        f"with {jobs} worker(s) of {threads} thread(s) each"
        + (
            f", about {duration(estimate)} in all ({basis})"
            if estimate == estimate
            else f" (no time estimate: {basis})"
        )
    )
    start = time.perf_counter()
    tasks = [
        (
            spec.as_json(),
            str(root),
            str(store.root),
            notebook,
            {
                "fingerprint": fingerprints.of(spec.model, spec.dataset),
                "parts": fingerprints.parts(spec.model, spec.dataset),
            },
            threads,
            f"[{index}/{len(missing)}]",
        )
        for index, spec in enumerate(missing, start=1)
    ]
    try:
        trained = _map_with_progress(tasks, jobs, missing, store)
    except KeyboardInterrupt:
        raise TrainingInterrupted(notebook, store, missing, fingerprints, root) from None
    for spec, result in zip(missing, trained):
        found[spec.key] = result
    log(f"{notebook}: {len(missing)} run(s) trained in {time.perf_counter() - start:.0f} s")
    return found


class RunResults:
    """A notebook's run results, in plan order, with tables for the report.

    `table()` has one row per run: its labels, then epochs_run, train_images, train_seconds (s),
    images_per_second and whichever scores the run has (fractions): best_epoch, train_accuracy,
    validation_accuracy, gap, test_accuracy. `curves()` has one row per run and epoch.
    """

    def __init__(self, specs: list[RunSpec], results: dict[str, dict], stores: list[RunStore]):
        self.specs, self.results, self.stores = specs, results, stores

    def select(self, **labels) -> list[RunSpec]:
        return [spec for spec in self.specs if all(spec.labels.get(k) == v for k, v in labels.items())]

    def table(self, **labels) -> pd.DataFrame:
        scalars = (
            "epochs_run",
            "train_images",
            "train_seconds",
            "images_per_second",
            "best_epoch",
            "stopped_early",
            "train_accuracy",
            "validation_accuracy",
            "validation_loss",
            "gap",
            "test_accuracy",
            "validation_accuracy_plain",
            "validation_accuracy_shifted",
            "test_accuracy_shifted",
            "predict_seconds",
            "stored_values",
        )
        rows = [
            {**spec.labels, **{k: self.results[spec.key][k] for k in scalars if k in self.results[spec.key]}}
            for spec in self.select(**labels)
        ]
        return pd.DataFrame(rows)

    def records(self, **labels) -> list[dict]:
        """One flat dict per run: its labels, its spec's training settings, its results (history included)."""
        settings = ("seed", "epochs", "batch_size", "learning_rate", "train_size")
        return [
            {**spec.labels, **{k: getattr(spec, k) for k in settings}, **self.results[spec.key]}
            for spec in self.select(**labels)
        ]

    def curves(self, **labels) -> pd.DataFrame:
        frames = [
            pd.DataFrame(self.results[spec.key]["history"]).assign(**spec.labels)
            for spec in self.select(**labels)
        ]
        return pd.concat(frames, ignore_index=True) if frames else pd.DataFrame()

    def result(self, key: str) -> dict:
        return self.results[key]

    def _stored(self, key: str, kind: str) -> Path:
        for store in self.stores:
            path = (
                store.model_file(key)
                if kind == "model"
                else store.probabilities_file(key, shifted=kind == "shifted probabilities")
            )
            if path.is_file():
                return path
        raise FileNotFoundError(
            f"no {kind} file for run '{key}' in {', '.join(str(s.models_dir) for s in self.stores)}"
        )

    def probabilities(self, key: str, shifted: bool = False) -> np.ndarray:
        """The run's probabilities on the test images (float32, test images × classes); `shifted`: the
        mean over each image and its shifts (runs with a `test_time_shift`)."""
        kind = "shifted probabilities" if shifted else "probabilities"
        return np.load(self._stored(key, kind), allow_pickle=False)

    def model_file(self, key: str) -> Path:
        return self._stored(key, "model")

    def ensemble_probabilities(self, keys: list[str], shifted: bool = False) -> np.ndarray:
        """The mean of the runs' test-set probabilities: their ensemble (float32, test images × classes)."""
        return np.mean([self.probabilities(key, shifted) for key in keys], axis=0)


def _say(line: str) -> None:
    """A notebook's informational line: on standard output (a notebook shows stderr in red, as an error)."""
    print(line, flush=True)


def results_for(notebook: str, params, root: Path | None = None) -> RunResults:
    """The results of every run `params` ask of `notebook`, for the notebook to report on.

    Run by the pipeline's report stage, every run must be in the project's store (the training stage
    put it there), else FileNotFoundError names the missing runs. Opened interactively with other
    parameters, the missing runs are trained now, through the same executor, into `scratch/` (ignored
    by git and DVC): the pipeline's results are never overwritten.
    """
    from .plans import plan

    root = Path(root) if root else project_root()
    specs = plan(notebook, params)
    pipeline, scratch = RunStore(root, notebook), RunStore(root / SCRATCH, notebook)
    _, found, _ = stored_results(pipeline, specs, root)
    missing = [spec for spec in specs if found[spec.key] is None]
    if missing and os.environ.get(REPORT_STAGE_ENV):
        raise FileNotFoundError(
            f"{notebook}: no stored results for {len(missing)} run(s) "
            f"({', '.join(spec.key for spec in missing[:5])}{', ...' if len(missing) > 5 else ''}): "
            f"run the training stage first (dvc repro train@{notebook})"
        )
    if missing:
        print(
            f"{len(missing)} of {len(specs)} runs are not in the pipeline's results (other parameters or "
            f"code): training them into {scratch.results_dir.relative_to(root)} ...",
            flush=True,
        )
        found.update(ensure_runs(notebook, missing, root, store=scratch, log=_say))
    return RunResults(specs, found, [pipeline, scratch])


if __name__ == "__main__":  # one task from standard input (see train_one_in_subprocess): progress to stderr
    print(json.dumps(train_one(*json.loads(sys.stdin.read()), stream=sys.stderr)))
