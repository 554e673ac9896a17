"""Sentences of the reports whose wording depends on the results.

Each function takes numbers and returns the sentence a report prints, deciding its verdict from the
numbers alone; `tests/test_findings.py` covers every branch. Static prose stays in the notebooks'
Markdown cells. Accuracies are fractions; differences are printed in percentage points.
"""

import pandas as pd


def count_text(count: int, noun: str, plural: str | None = None) -> str:
    """'1 seed', '3 seeds', '0 epochs'."""
    return f"{count:,} {noun if count == 1 else plural or noun + 's'}"


def times_text(count: int) -> str:
    """'never', 'once', 'twice', '3 times'."""
    return {0: "never", 1: "once", 2: "twice"}.get(int(count), f"{int(count)} times")


def listed(items: list[str]) -> str:
    """'a', 'a and b', 'a, b and c'."""
    items = list(items)
    return items[0] if len(items) == 1 else f"{', '.join(items[:-1])} and {items[-1]}"


def schedule_check(label: str, kept: int, epochs: int, accuracy_kept: float, accuracy_last: float) -> str:
    """How a validation run with early stopping bears on the final models' schedule of `epochs` epochs:
    `kept` is the epoch whose weights early stopping kept (1-based), the accuracies are the validation
    accuracies at that epoch and at the schedule's last epoch run."""
    if kept == epochs:
        return (
            f"The {label}'s validation run followed the final models' {count_text(epochs, 'epoch')} and "
            "its best validation accuracy came at the last epoch: the schedule is not too long."
        )
    gap = 100 * (accuracy_kept - accuracy_last)
    return (
        f"The {label}'s validation run followed the final models' {count_text(epochs, 'epoch')}, and its "
        f"best validation accuracy came at epoch {kept}, {gap:.2f} points above the last epoch run; "
        "the final models still train the whole schedule, since the learning rate only reaches zero at its "
        "end."
    )


def train_against_validation(curves: pd.DataFrame, label: str) -> str:
    """Where a run's training accuracy (measured during the epoch, with augmentation and dropout active)
    lies against its validation accuracy. `curves`: one run's rows with epoch, accuracy, val_accuracy."""
    curves = curves.sort_values("epoch")
    above = (curves["accuracy"] >= curves["val_accuracy"]).to_numpy()
    last = curves.iloc[-1]
    gap = 100 * (last["accuracy"] - last["val_accuracy"])
    if above.all():
        where = "lies at or above its validation accuracy in every epoch"
    elif not above.any():
        where = "lies below its validation accuracy in every epoch"
    elif above[above.argmax() :].all():
        first = int(curves["epoch"].iloc[above.argmax()])
        where = f"lies below its validation accuracy at first and at or above it from epoch {first}"
    else:
        where = "crosses its validation accuracy more than once"
    return f"The {label}'s training accuracy {where} (last epoch: {gap:+.2f} points)."


def steadiness(stability: pd.DataFrame) -> str:
    """Which network's validation accuracy evolves most steadily, from a `validation_stability` table
    with a `model` column (one row per validation run), by two criteria: the mean absolute change per
    epoch and the largest fall (percentage points). With one run per network there is no spread to judge
    the differences against, and the sentence says so."""
    by_model = stability.groupby("model", sort=False)
    mean_change = by_model["mean |change| (pp)"].mean()
    largest_fall = by_model["largest fall (pp)"].max()
    falls = by_model["falls"].sum()
    steps = by_model["epochs"].sum() - by_model.size()
    parts = [
        f"the {model}'s validation accuracy "
        f"{'never fell' if falls[model] == 0 else 'fell ' + times_text(falls[model])} in "
        f"{count_text(int(steps[model]), 'epoch-to-epoch step')}"
        for model in mean_change.index
        if steps[model] > 0
    ]
    single = [f"the {model}" for model in mean_change.index if steps[model] <= 0]
    sentence = f"From one epoch to the next, {listed(parts)}." if parts else ""
    if single:
        which = listed(single)
        return f"{sentence} {which[0].upper()}{which[1:]} trained a single epoch: no change to judge.".strip()
    if len(mean_change) < 2:
        return sentence
    calm, worst = mean_change.idxmin(), largest_fall.idxmin()
    criteria = (
        "both criteria of steadiness (the mean absolute change per epoch and the largest fall) favour "
        f"the {calm}"
        if calm == worst
        else f"the mean absolute change per epoch favours the {calm}, the largest fall the {worst}"
    )
    if by_model.size().min() < 2:
        return (
            f"{sentence} In these single runs {criteria}; with one validation run per network there is "
            "no spread over seeds to judge such differences against."
        )
    return f"{sentence} Over {by_model.size().min()} or more runs per network, {criteria}."


def fewer_errors(label: str, errors: float, reference_label: str, reference_errors: float) -> str:
    """'the improved CNN makes 2.3 times fewer test errors than the simple CNN' (mean errors per model)."""
    if errors <= 0:
        return f"the {label} makes no test errors"
    ratio = reference_errors / errors
    if ratio >= 1.05:
        return f"the {label} makes {ratio:.1f} times fewer test errors than the {reference_label}"
    if ratio <= 1 / 1.05:
        return f"the {label} makes {1 / ratio:.1f} times more test errors than the {reference_label}"
    return f"the {label} makes about as many test errors as the {reference_label}"


def shift_verdict(plain: float, shifted: float, validation_images: int, pixels: int) -> tuple[bool, str]:
    """Whether test-time shifts are applied (only if they help on validation), and the sentence saying so."""
    change = round((shifted - plain) * validation_images)
    amount = count_text(pixels, "pixel")
    sentence = (
        f"On the validation images the validation run's model scores {100 * plain:.2f} % without and "
        f"{100 * shifted:.2f} % with shifts of {amount} ({change:+d} images). "
    )
    if shifted > plain:
        return True, sentence + "They help there, so they are applied to the test images, once."
    return False, sentence + "They do not help there, so they are not applied to the test images."
