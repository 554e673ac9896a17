"""Sentences of the reports whose wording depends on the results.

Each function takes numbers and returns the sentence a report prints, deciding its verdict from the
numbers alone; `tests/test_findings.py` covers every branch. Static prose stays in the notebooks'
Markdown cells. Accuracies are fractions; differences are printed in percentage points.
"""

import pandas as pd
from scipy.stats import nct, t


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


def difference_verdict(low: float, high: float) -> str:
    """'better', 'worse' or 'inconclusive': where a confidence interval of a difference (B minus A, any
    unit) lies against zero; 'no interval' when there is none (a single seed gives NaN bounds)."""
    if low != low or high != high:  # NaN
        return "no interval"
    if low > 0:
        return "better"
    if high < 0:
        return "worse"
    return "inconclusive"


def difference_sentence(
    label: str, reference_label: str, mean: float, low: float, high: float, confidence: float
) -> str:
    """The verdict on "B against A" from the mean paired difference and its confidence interval
    (fractions of accuracy, printed in percentage points), e.g. "With BN against without: inconclusive.
    The mean difference is +0.41 points; the 95 % interval [-0.74, +1.55] points contains zero, so the
    runs allow a loss of up to 0.74 points as well as a gain of up to 1.55 points."."""
    verdict = difference_verdict(low, high)
    head = f"{label[:1].upper()}{label[1:]} against {reference_label}: {verdict}."
    mean_text = f"The mean difference is {100 * mean:+.2f}\N{NO-BREAK SPACE}points"
    if verdict == "no interval":
        return f"{head} {mean_text}; a single seed gives no interval to judge it against."
    where = (
        f"the {100 * confidence:.0f}\N{NO-BREAK SPACE}% interval [{100 * low:+.2f}, {100 * high:+.2f}]"
        "\N{NO-BREAK SPACE}points"
    )
    if verdict == "better":
        return f"{head} {mean_text}; {where} lies above zero."
    if verdict == "worse":
        return f"{head} {mean_text}; {where} lies below zero."
    return (
        f"{head} {mean_text}; {where} contains zero, so the runs allow a loss of up to "
        f"{-100 * low:.2f}\N{NO-BREAK SPACE}points as well as a gain of up to "
        f"{100 * high:.2f}\N{NO-BREAK SPACE}points."
    )


def holm(p_values) -> list[float]:
    """Holm's step-down adjusted p-values (Holm 1979, "A simple sequentially rejective multiple test
    procedure", Scandinavian Journal of Statistics 6), in the order given: the k-th smallest of m p-values
    is multiplied by m - k + 1, made monotone, capped at 1. Rejecting where the adjusted p < alpha keeps
    the family-wise error rate at alpha."""
    p_values = [float(p) for p in p_values]
    order = sorted(range(len(p_values)), key=p_values.__getitem__)
    adjusted, running = [1.0] * len(p_values), 0.0
    for rank, index in enumerate(order):
        running = max(running, min(1.0, (len(p_values) - rank) * p_values[index]))
        adjusted[index] = running
    return adjusted


def paired_seeds_needed(sd: float, effect: float, alpha: float = 0.05, power: float = 0.8) -> int:
    """The number of paired seeds a two-sided paired t-test at level `alpha` needs to detect a mean
    difference `effect` with probability `power`, when the paired differences have standard deviation
    `sd` (same unit as `effect`). Exact power from the noncentral t distribution (e.g. Cohen 1988,
    "Statistical power analysis for the behavioral sciences", ch. 2). Raises ValueError for a
    non-positive sd or effect."""
    if not sd > 0 or not effect != 0:
        raise ValueError(f"need sd > 0 and a non-zero effect, got sd={sd}, effect={effect}")
    standardized = abs(effect) / sd
    n = 2
    while True:
        critical = t.ppf(1 - alpha / 2, n - 1)
        shift = standardized * n**0.5
        achieved = nct.sf(critical, n - 1, shift) + nct.cdf(-critical, n - 1, shift)
        if achieved >= power or n >= 10_000:
            return n
        n += 1


# How the models fail (08): corruptions, calibration and adversarial images. Accuracies are fractions.


def most_robust(per_seed: dict[str, list[float]], interval: dict) -> str:
    """Which model keeps the highest mean accuracy over the corruptions, judged against the spread over
    seeds: `per_seed` maps each model to its per-seed mean accuracies over the corruptions; `interval` is
    the difference best minus runner-up (`evaluation.welch_interval`: mean, low, high)."""
    means = {label: sum(values) / len(values) for label, values in per_seed.items()}
    ranked = sorted(means, key=means.get, reverse=True)
    best = ranked[0]
    head = (
        f"The {best} keeps the highest accuracy over the corruptions ({100 * means[best]:.1f} % on average)"
    )
    if len(ranked) == 1:
        return head + "."
    second = ranked[1]
    verdict = difference_verdict(interval["low"], interval["high"])
    gap = f"{100 * interval['mean']:.1f}\N{NO-BREAK SPACE}points ahead of the {second}"
    if verdict == "better":
        return (
            f"{head}, {gap}; the 95\N{NO-BREAK SPACE}% interval over seeds "
            f"[{100 * interval['low']:+.1f}, {100 * interval['high']:+.1f}] lies above zero: "
            "the lead is larger than the spread between seeds."
        )
    if verdict == "no interval":
        return (
            f"{head}, {gap}; with a single seed of one of them there is no spread to judge the lead against."
        )
    return (
        f"{head}, {gap}, but the 95\N{NO-BREAK SPACE}% interval over seeds "
        f"[{100 * interval['low']:+.1f}, {100 * interval['high']:+.1f}] contains zero: "
        "these seeds cannot tell the two apart."
    )


def hardest_corruptions(accuracy: pd.DataFrame, count: int = 3) -> str:
    """The corruptions that hurt most: `accuracy` has one row per model and one column per corruption
    (mean over seeds). Names the `count` lowest means over models, and whether they are the hardest for
    every model."""
    mean = accuracy.mean(axis=0).sort_values()
    worst = list(mean.index[:count])
    parts = [f"{name} ({100 * mean[name]:.1f} % on average)" for name in worst]
    everyone = all(row.idxmin() == worst[0] for _, row in accuracy.iterrows())
    tail = (
        f"{worst[0][:1].upper()}{worst[0][1:]} is the hardest for every model."
        if everyone
        else "The hardest corruption differs between models."
    )
    return f"The corruptions that hurt most are {listed(parts)}. {tail}"


def augmentation_off_distribution(label: str, reference_label: str, clean: dict, corrupted: dict) -> str:
    """Whether `label` (trained with augmentation) gains more over `reference_label` off-distribution than
    on clean images: `clean` and `corrupted` are differences label minus reference (welch_interval dicts,
    fractions), on the clean test images and as the mean over the corruptions."""
    on_clean = difference_verdict(clean["low"], clean["high"])
    off = difference_verdict(corrupted["low"], corrupted["high"])
    head = (
        f"Against the {reference_label}, the {label} gains "
        f"{100 * clean['mean']:+.2f}\N{NO-BREAK SPACE}points "
        f"on the clean test images ({on_clean}) and {100 * corrupted['mean']:+.1f}\N{NO-BREAK SPACE}points "
        f"on average over the corruptions ({off})."
    )
    if off == "better" and corrupted["mean"] > clean["mean"]:
        return head + " Its augmentation buys robustness beyond its clean accuracy."
    if off == "better":
        return head + " It is more robust, but not by more than it is more accurate."
    if off == "worse":
        return head + " Off-distribution it is worse: the augmentation does not buy robustness here."
    return head + " Off-distribution the seeds cannot tell the two apart."


def overconfidence(table: pd.DataFrame) -> str:
    """How overconfident the models are, from one row per model with columns model, temperature (fitted on
    validation images), ece_before, ece_after (test images, fractions) and confident_errors (the share of
    test errors made at more than 99 % confidence, before scaling)."""
    hot = table[table["temperature"] > 1]
    if len(hot) == len(table):
        head = "Every model is overconfident: the temperature fitted on the validation images is above 1"
    elif len(hot) == 0:
        head = "No model is overconfident: every temperature fitted on the validation images is at most 1"
    else:
        verb = "is" if len(hot) == 1 else "are"
        head = f"The {listed(list(hot['model']))} {verb} overconfident (temperature above 1)"
    better = int((table["ece_after"] < table["ece_before"]).sum())
    worst = table.loc[table["confident_errors"].idxmax()]
    return (
        f"{head} (from {table['temperature'].min():.2f} to {table['temperature'].max():.2f}). Temperature "
        f"scaling lowers the test ECE of {better} of {len(table)} models. Before scaling, the "
        f"{worst['model']} "
        f"makes {100 * worst['confident_errors']:.0f} % of its test errors at more than 99 % confidence."
    )


def fgsm_against_published(accuracy: dict[str, float], epsilon: float, published_error: float) -> str:
    """How the models' FGSM error at `epsilon` (1 - accuracy, per model, mean over seeds) compares with the
    published maxout network's (Goodfellow et al. 2015: 89.4 % at eps 0.25)."""
    errors = {label: 1 - value for label, value in accuracy.items()}
    above = [label for label, error in errors.items() if error >= published_error]
    best = min(errors, key=errors.get)
    head = (
        f"At a step of $\\varepsilon = {epsilon:g}$ the errors range from {100 * errors[best]:.1f} % "
        f"(the {best}) to {100 * max(errors.values()):.1f} %"
    )
    published = f"the published maxout network ({100 * published_error:.1f} %)"
    if len(above) == len(errors):
        return f"{head}: every model is fooled at least as often as {published}."
    if not above:
        return f"{head}: every model is fooled less often than {published}."
    return (
        f"{head}: the {listed(above)} {'is' if len(above) == 1 else 'are'} fooled at least as often as the "
        f"published maxout network ({100 * published_error:.1f} %), the others less often."
    )
