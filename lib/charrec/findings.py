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


def gap_against_strength(
    sweep: pd.DataFrame,
    label: str,
    reference: dict,
    stronger: str = "larger",
    chance: float = 0.1,
    fit_drop: float = 0.02,
) -> str:
    """What one regularizer's sweep shows about the train − validation gap, read off its table.

    `sweep`: one row per setting with value, train_accuracy, validation_accuracy and gap (fractions);
    `reference`: the same run without a regularizer (train_accuracy, gap); `stronger`: "larger" when a
    larger value regularizes more (penalties, dropout), "smaller" when a smaller one does (max-norm
    radius); `chance`: the accuracy of guessing (1 / classes); `fit_drop`: how far (fraction) the training
    accuracy must fall below the reference's before the sentence says the network fits its training
    images less. Says whether the gap shrinks at every step from the weakest to the strongest setting,
    which settings leave a larger gap than no regularizer, and where a small gap only reflects a training
    accuracy that fell too (down to chance level). Raises ValueError for an empty sweep or an unknown
    `stronger`."""
    if stronger not in ("larger", "smaller"):
        raise ValueError(f"stronger must be 'larger' or 'smaller', got {stronger!r}")
    if sweep.empty:
        raise ValueError(f"the {label} sweep has no settings")
    rows = sweep.sort_values("value", ascending=stronger == "larger").reset_index(drop=True)
    gaps = [f"{100 * gap:.2f}" for gap in rows["gap"]]
    names = [f"{value:g}" for value in rows["value"]]
    head = (
        f"From the weakest to the strongest setting ({label} {listed(names)}) the train − validation gap "
        f"is {listed(gaps)}\N{NO-BREAK SPACE}points (without a regularizer: "
        f"{100 * reference['gap']:.2f}\N{NO-BREAK SPACE}points)."
    )
    steps = rows["gap"].diff().iloc[1:]
    if len(rows) < 2:
        trend = ""
    elif (steps < 0).all():
        trend = " It shrinks at every step."
    elif (steps > 0).all():
        trend = " It grows at every step: a stronger setting leaves a larger gap."
    else:
        rise = int(steps[steps >= 0].index[0])
        trend = (
            f" It does not shrink steadily: {label} {names[rise]} leaves a gap at least as large as "
            f"{names[rise - 1]}."
        )
    wider = [name for name, gap in zip(names, rows["gap"]) if gap > reference["gap"]]
    if len(wider) == len(rows):
        widening = " Every setting leaves a larger gap than no regularizer."
    elif wider:
        widening = f" At {label} {listed(wider)} the gap is larger than without a regularizer."
    else:
        widening = ""
    fell = rows[rows["train_accuracy"] < reference["train_accuracy"] - fit_drop]
    if fell.empty:
        underfit = ""
    else:
        parts = [
            f"{row['value']:g} ({100 * row['train_accuracy']:.2f}\N{NO-BREAK SPACE}% training, "
            f"{100 * row['validation_accuracy']:.2f}\N{NO-BREAK SPACE}% validation"
            + (", chance level" if row["validation_accuracy"] < 1.5 * chance else "")
            + ")"
            for _, row in fell.iterrows()
        ]
        underfit = (
            f" At {label} {listed(parts)} the training accuracy itself falls: there a small gap means the "
            "network fits its training images less, not that it generalises better."
        )
    return head + trend + widening + underfit


def early_stopping_sweep(sweep: pd.DataFrame) -> str:
    """What an early-stopping sweep shows: `sweep` has one row per patience (value), with best_epoch (the
    epoch whose weights were restored, 1-based), epochs_run and validation_accuracy (fraction). When every
    patience restores the same epoch, the runs end with the same weights and the sweep cannot tell the
    patiences apart (it is degenerate); the sentence says so. Raises ValueError for an empty sweep."""
    if sweep.empty:
        raise ValueError("the early-stopping sweep has no settings")
    rows = sweep.sort_values("value")
    stops = listed(
        [
            f"patience {row['value']:g} stopped after {count_text(int(row['epochs_run']), 'epoch')} "
            f"and restored epoch {int(row['best_epoch'])}"
            for _, row in rows.iterrows()
        ]
    )
    if len(rows) == 1:
        return f"With a single patience, {stops}; there is no other patience to compare it with."
    if rows["best_epoch"].nunique() == 1:
        return (
            f"{stops[:1].upper()}{stops[1:]}: every patience restores the same epoch, so the runs end "
            "with the same weights and the same validation accuracy "
            f"({100 * rows['validation_accuracy'].iloc[0]:.2f}\N{NO-BREAK SPACE}%). This sweep is "
            "degenerate: a longer patience only trains longer before it stops, and the sweep cannot tell "
            "the patiences apart."
        )
    best = rows.loc[rows["validation_accuracy"].idxmax()]
    return (
        f"{stops[:1].upper()}{stops[1:]}. The patiences restore different epochs; the best validation "
        f"accuracy is patience {best['value']:g}'s "
        f"({100 * best['validation_accuracy']:.2f}\N{NO-BREAK SPACE}%)."
    )


def ablation_sentence(rows: list[dict], reference_label: str) -> str:
    """What an ablation shows, from one verdict per removed ingredient (`difference_verdict` of the paired
    difference "without it" minus the full recipe): `rows` has ingredient (readable name), verdict and
    mean (fraction). Removing an ingredient whose verdict is "worse" costs accuracy (it carries part of the
    gain); "better" means the recipe does better without it; "inconclusive" and "no interval" mean the
    seeds cannot tell. Raises ValueError for no rows."""
    if not rows:
        raise ValueError("the ablation has no removed ingredients")

    def named(verdict):
        return [
            f"{row['ingredient']} ({100 * row['mean']:+.2f}\N{NO-BREAK SPACE}points)"
            for row in rows
            if row["verdict"] == verdict
        ]

    worse, better = named("worse"), named("better")
    inconclusive, single = named("inconclusive"), named("no interval")
    parts = []
    if worse:
        parts.append(
            f"Removing {listed(worse)} from the {reference_label} lowers the validation accuracy: the "
            "paired interval lies below zero, so "
            + ("this ingredient carries" if len(worse) == 1 else "these ingredients carry")
            + " part of the gain."
        )
    if better:
        parts.append(
            f"Without {listed(better)} the validation accuracy is higher (the paired interval lies above "
            "zero): " + ("it does" if len(better) == 1 else "they do") + " not help here."
        )
    if inconclusive and not worse and not better:
        parts.append(
            "For every removal the paired interval contains zero: the seeds cannot tell whether any of "
            "these ingredients helps, and removing one may cost nothing or as much as its interval allows."
        )
    elif inconclusive:
        one = len(inconclusive) == 1
        parts.append(
            f"For {listed(inconclusive)} the paired interval contains zero: the seeds cannot tell whether "
            + ("it helps, and removing it" if one else "they help, and removing one")
            + " may cost nothing or as much as "
            + ("the" if one else "its")
            + " interval allows."
        )
    if single:
        parts.append(f"For {listed(single)} a single seed gives no interval to judge the difference against.")
    return " ".join(parts)


def _p_bound(p: float) -> str:
    """'at most 0.012' or 'below 0.001': an upper bound of p-values as the reports print it."""
    return "below 0.001" if p < 0.001 else f"at most {p:.3f}"


def ensemble_against_singles(
    label: str, ensemble: float, singles: list[float], adjusted_p: list[float], alpha: float = 0.05
) -> str:
    """The verdict on a seed ensemble against each of its seeds' models on the same test images:
    `ensemble` and `singles` are test accuracies (fractions), `adjusted_p` the Holm-adjusted p-values of
    McNemar's exact test, one per seed. A test counts where its adjusted p is below `alpha`; its direction
    is that of the accuracy difference. Raises ValueError when the lists differ in length or are empty."""
    if not singles or len(singles) != len(adjusted_p):
        raise ValueError(f"need one adjusted p per single model, got {len(singles)} and {len(adjusted_p)}")
    n = len(singles)
    better = [p for s, p in zip(singles, adjusted_p) if p < alpha and ensemble > s]
    worse = [p for s, p in zip(singles, adjusted_p) if p < alpha and ensemble < s]
    head = (
        f"The {label}'s ensemble ({100 * ensemble:.2f}\N{NO-BREAK SPACE}%) against each of its "
        f"{count_text(n, 'model')} ({listed([f'{100 * s:.2f}' for s in singles])}\N{NO-BREAK SPACE}%), "
        "on the same test images (McNemar's exact test, Holm-adjusted): "
    )
    largest = max(adjusted_p)
    if len(better) == n:
        return head + f"better than every one of them (adjusted p {_p_bound(largest)})."
    if better and not worse:
        return (
            head + f"better than {len(better)} of the {n} (adjusted p {_p_bound(max(better))}); against the "
            "others the difference is not significant."
        )
    if worse:
        return head + f"worse than {len(worse)} of the {n} (adjusted p {_p_bound(max(worse))})."
    return (
        head + f"no significant difference from any of them (smallest adjusted p {min(adjusted_p):.3f}); "
        "these test images cannot tell the ensemble from its single models."
    )


def time_to_target(
    label: str, reference_label: str, target: float, reached: dict | None, reference: dict
) -> str:
    """The race to a test accuracy `target` (fraction): `reached` is the network's first check at or above
    it (seconds, test_accuracy, epochs; None when it never got there), `reference` the other script's
    whole run (seconds, test_accuracy, epochs). The ratio is only a time to the target on both sides when
    the reference reached it too; otherwise the sentence says the reference's whole run fell short."""
    goal = f"{100 * target:.1f}\N{NO-BREAK SPACE}%"
    whole = (
        f"the {reference_label} took {reference['seconds']:.1f}\N{NO-BREAK SPACE}s for its "
        f"{count_text(int(reference['epochs']), 'epoch')} "
        f"({100 * reference['test_accuracy']:.2f}\N{NO-BREAK SPACE}% test accuracy)"
    )
    if reached is None:
        return f"The {label} did not reach {goal} test accuracy within its schedule; {whole}."
    ratio = reached["seconds"] / reference["seconds"]
    head = (
        f"The {label} reached {goal} test accuracy after {reached['seconds']:.1f}\N{NO-BREAK SPACE}s of "
        f"training ({100 * reached['test_accuracy']:.2f}\N{NO-BREAK SPACE}% after "
        f"{reached['epochs']:.2f} epochs); {whole}: {ratio:.2f} of its time."
    )
    if reference["test_accuracy"] >= target:
        return head
    return (
        head
        + f" The {reference_label} does not reach {goal} in its run at all, so the ratio compares a time "
        "to the target with a whole run that falls short of it."
    )


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
