"""The training stage of one notebook: train every run its params ask for that is not stored yet.

    python -m charrec.train 04_cnn             train what is missing
    python -m charrec.train 04_cnn --dry-run   say what would train and why; trains nothing

Validates `params/NAME.yaml`, lists the runs (`charrec.plans`), trains the missing ones in parallel
(`charrec.tasks`; progress per epoch on the terminal), and removes stored runs the params no longer
ask for, so that `runs/NAME/` holds exactly the current runs. Nothing to train takes about a second.
Exit status 2 for invalid params, 1 for a failed run (the runs finished before it stay stored), 130 for
Ctrl-C (one line naming the runs kept; running again resumes).
"""

import argparse
import signal
import sys
import time

from .availability import datasets_of, skip_message, unavailable
from .files import ForeignCodeError, check_own_code, project_root
from .params import ParamsError, check_references, load_params
from .plans import PLANS, plan
from .runlock import EX_TEMPFAIL, RunInProgress, run_lock
from .tasks import RunStore, TrainingInterrupted, ensure_runs, stored_results


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("name", choices=sorted(PLANS), help="the notebook whose runs to train")
    parser.add_argument(
        "--dry-run",
        action="store_true",
        help="list the runs that would train and why (new, settings changed, code changed); imports no "
        "TensorFlow and trains nothing",
    )
    args = parser.parse_args(argv)
    # SIGTERM (e.g. from a stopped `dvc repro`) unwinds like Ctrl-C, so the training workers are stopped too.
    signal.signal(signal.SIGTERM, lambda signum, frame: sys.exit(128 + signum))
    root = project_root()
    try:
        check_own_code(root)
    except ForeignCodeError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    start = time.perf_counter()
    try:
        params = load_params(root / "params" / f"{args.name}.yaml")
        check_references(args.name, params, root)
        specs = plan(args.name, params)
    except ParamsError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    missing = unavailable(root, datasets_of(args.name, params))
    if missing:  # the stored runs stay; the stage's outputs exist, empty if nothing was ever trained
        for folder in (RunStore(root, args.name).results_dir, RunStore(root, args.name).models_dir):
            folder.mkdir(parents=True, exist_ok=True)
        print(skip_message(args.name, missing))
        return 0
    if args.dry_run:
        print(dry_run(args.name, specs, RunStore(root, args.name)))
        return 0
    try:
        with run_lock(root):  # a second run in this checkout stops here, before anything is written
            ensure_runs(args.name, specs, root, log=lambda line: print(line, flush=True))
            removed = RunStore(root, args.name).prune({spec.key for spec in specs})
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    except TrainingInterrupted as interrupted:  # Ctrl-C: one line, no traceback through joblib
        print(interrupted, file=sys.stderr)
        return 130
    if removed:
        print(f"{args.name}: removed {len(removed)} stored file(s) of runs the params no longer ask for")
    print(f"{args.name}: {len(specs)} runs ready in runs/{args.name}/ ({time.perf_counter() - start:.0f} s)")
    return 0


def dry_run(name: str, specs: list, store: RunStore) -> str:
    """'N of M runs stored', then one line per run that would train: its key, model and the reason."""
    _, found, reasons = stored_results(store, specs, store.root)
    missing = [spec for spec in specs if found[spec.key] is None]
    lines = [f"{name}: {len(specs) - len(missing)} of {len(specs)} runs stored; {len(missing)} would train"]
    lines += [f"  {spec.key} ({spec.model}): {reasons[spec.key]}" for spec in missing]
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
