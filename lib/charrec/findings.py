"""Sentences of the reports whose wording depends on the results.

Each function takes numbers and returns the sentence a report prints, deciding its verdict from the
numbers alone; `tests/test_findings.py` covers every branch. Static prose stays in the notebooks'
Markdown cells. Accuracies are fractions; differences are printed in percentage points.
"""

import numpy as np
import pandas as pd
from scipy.stats import f as f_distribution
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


def _value_text(value) -> str:
    """A hyper-parameter value as the reports print it: 1, 0.01, 100 (no trailing zeros)."""
    return f"{value:g}"


def tuned_value_check(label: str, tuned: str, final, grid: pd.DataFrame) -> str:
    """Whether a baseline's final value of its tuned hyper-parameter is the best of its validation runs,
    and whether that best lies at an end of the grid (then a value beyond it might do better).

    `grid`: one row per validation run with columns value and validation_accuracy (fraction); `final` is the
    value the final model uses (params). Values with the same validation accuracy as the best are ties."""
    grid = grid.sort_values("value")
    best = grid["validation_accuracy"].max()
    tied = grid[grid["validation_accuracy"] >= best - 1e-9]
    top = tied["value"].tolist()
    by_value = dict(zip(grid["value"], grid["validation_accuracy"]))
    head = f"For the {label}, the best {tuned} on validation is "
    if len(top) > 1:
        head += f"shared by {listed([_value_text(v) for v in top])} ({100 * best:.2f}\N{NO-BREAK SPACE}%)"
    else:
        head += f"{_value_text(top[0])} ({100 * best:.2f}\N{NO-BREAK SPACE}%)"
    if any(float(final) == float(v) for v in top):
        verdict = f"; the final model uses {_value_text(final)}."
    else:
        gap = 100 * (best - by_value.get(final, float("nan")))
        verdict = (
            f", not the final model's {_value_text(final)} ({gap:.2f}\N{NO-BREAK SPACE}points lower on "
            "validation): its test result is not the validated choice."
        )
    values = grid["value"].tolist()
    if len(values) < 2:
        edge = " With a single value there was nothing to choose from."
    elif top == [values[-1]]:
        edge = f" It is the largest value tried: a larger {tuned} might do better still."
    elif top == [values[0]]:
        edge = f" It is the smallest value tried: a smaller {tuned} might do better still."
    else:
        edge = ""
    return head + verdict + edge


def against_seeds(label: str, accuracy: float, reference_label: str, reference: list[float]) -> str:
    """Where one deterministic model's test accuracy lies against the per-seed test accuracies of another
    model (fractions): above every seed, below every seed, or within their range."""
    low, high = min(reference), max(reference)
    seeds = count_text(len(reference), "seed")
    span = (
        f"{100 * low:.2f}\N{NO-BREAK SPACE}%"
        if len(reference) == 1
        else f"{100 * low:.2f}–{100 * high:.2f}\N{NO-BREAK SPACE}%"
    )
    where = f"the {reference_label}'s {seeds} ({span})"
    if accuracy > high:
        return f"The {label} ({100 * accuracy:.2f}\N{NO-BREAK SPACE}%) scores above every one of {where}."
    if accuracy < low:
        return f"The {label} ({100 * accuracy:.2f}\N{NO-BREAK SPACE}%) scores below every one of {where}."
    return f"The {label} ({100 * accuracy:.2f}\N{NO-BREAK SPACE}%) scores within the range of {where}."


def against_published(label: str, error: float, published: list[tuple[str, float, str]]) -> str:
    """A model's test error against published test errors of the same kind of model: lower, higher or the
    same at the published figure's precision (a figure given as 5.0 % is matched by 4.95–5.05 %).

    `error` and the published errors are fractions; `published`: (what was published, error, source)."""
    parts = []
    for what, value, source in published:
        decimals = max(len(f"{100 * value:.4g}".partition(".")[2]), 1)
        ours, theirs = round(100 * error, decimals), round(100 * value, decimals)
        relation = "lower than" if ours < theirs else "higher than" if ours > theirs else "the same as"
        parts.append(f"{relation} the {100 * value:.{decimals}f}\N{NO-BREAK SPACE}% of {source}'s {what}")
    return f"The {label}'s test error, {100 * error:.2f}\N{NO-BREAK SPACE}%, is {listed(parts)}."


# --- The batch-normalization ablation (05) and the summary (07) ---------------------------------------

NBSP = "\N{NO-BREAK SPACE}"


def _points(value: float, sign: bool = False) -> str:
    """A difference of accuracies (fraction) in percentage points, its unit on the same line."""
    return f"{100 * value:{'+' if sign else ''}.2f}{NBSP}points"


def _percent(value: float) -> str:
    return f"{100 * value:.2f}{NBSP}%"


def seeds_needed_sentence(
    sd: float, effect: float, seeds_run: int, alpha: float = 0.05, power: float = 0.8
) -> str:
    """How many paired seeds it takes to detect `effect` (the source's difference, a fraction of accuracy)
    at the observed sd of the paired differences `sd` (fraction), with `power` at level `alpha`
    (`paired_seeds_needed`), against the `seeds_run` this study ran. No estimate when the differences do
    not vary (sd 0 or NaN: one seed) or the source reports no difference."""
    if not sd > 0:
        return (
            "The paired differences do not vary over these seeds, so the number of seeds needed cannot be "
            "estimated."
        )
    if effect == 0:
        return "The source reports no difference, so there is no gain to size the number of seeds for."
    needed = paired_seeds_needed(sd, effect, alpha, power)
    head = (
        f"At the observed standard deviation of the paired differences ({_points(sd)}), a paired t-test "
        f"needs {count_text(needed, 'paired seed')} to detect the source's difference of "
        f"{_points(abs(effect))} "
        f"with {100 * power:.0f}{NBSP}% power at the {100 * alpha:.0f}{NBSP}% level (Cohen 1988)"
    )
    if needed > seeds_run:
        return (
            f"{head}; this study ran {seeds_run}, so an interval that contains zero is no evidence that the "
            "difference is absent. The estimate is itself rough: the standard deviation rests on "
            f"{count_text(seeds_run, 'pair')}."
        )
    return f"{head}; this study ran {seeds_run}, enough to detect a difference that large."


def mcnemar_sentence(tests: list[dict], alpha: float, a_label: str, b_label: str) -> str:
    """The per-seed McNemar tests of one task, read after Holm's correction. `tests`: one dict per seed
    with `seed`, `a_only` and `b_only` (images only A or only B gets right), `p` and `p_holm` (the
    Holm-adjusted p over these tests). Names the pairs that differ and which model is better; says when a
    pair would count without the correction."""
    level = f"the {100 * alpha:.0f}{NBSP}% level"
    adjusted = [test for test in tests if test["p_holm"] < alpha]
    lost = [test for test in tests if test["p"] < alpha <= test["p_holm"]]

    def pair(test: dict, key: str) -> str:
        better = b_label if test["b_only"] > test["a_only"] else a_label
        p = test[key]
        return f"seed {test['seed']}, {better} better, {'adjusted ' if key == 'p_holm' else ''}p {_p(p)}"

    head = (
        f"McNemar's test per seed, Holm-adjusted over the {count_text(len(tests), 'test')}: "
        f"{len(adjusted)} of {len(tests)} pairs {'differs' if len(adjusted) == 1 else 'differ'} at {level}"
    )
    head += f" ({'; '.join(pair(test, 'p_holm') for test in adjusted)})" if adjusted else ""
    if lost:
        which = listed([f"seed {test['seed']} (p {_p(test['p'])})" for test in lost])
        head += f"; without the correction {which} would count{' as well' if adjusted else ''}"
    return head + "."


def _p(p: float) -> str:
    """'= 0.044' or '< 0.001', to follow the letter p in a sentence."""
    return "< 0.001" if p < 0.001 else f"= {p:.3f}"


def early_lead_sentence(
    task: str, first_without, first_with, last_without, last_with, last_epoch: int
) -> str:
    """BN's head start: mean validation accuracy (fractions, one value per seed, paired by position) after
    the first and after the last epoch, without and with BN, for one task."""
    first_without, first_with = np.asarray(first_without, float), np.asarray(first_with, float)
    lead_first = float(first_with.mean() - first_without.mean())
    lead_last = float(np.mean(last_with) - np.mean(last_without))
    ahead, seeds = int((first_with > first_without).sum()), len(first_with)
    if lead_first > 0:
        start = f"ahead by {_points(lead_first)}"
    elif lead_first < 0:
        start = f"behind by {_points(-lead_first)}"
    else:
        start = "level"
    per_seed = (
        "for every seed"
        if ahead == seeds
        else "for no seed"
        if ahead == 0
        else f"for {ahead} of {seeds} seeds"
    )
    head = (
        f"{task}: after the first epoch the models with BN validate at {_percent(first_with.mean())} against "
        f"{_percent(first_without.mean())} without ({start} on average; BN ahead {per_seed})"
    )
    if lead_first > 0 and 0 <= lead_last < lead_first:
        end = f"the lead shrinks to {_points(lead_last)} by epoch {last_epoch}"
    elif lead_first > 0 and lead_last >= lead_first:
        end = f"the lead grows to {_points(lead_last)} by epoch {last_epoch}"
    else:
        end = f"after epoch {last_epoch} the difference is {_points(lead_last, sign=True)}"
    return f"{head}; {end}."


def time_cost_sentence(task: str, seconds_without, seconds_with) -> str:
    """What BN costs in training time for one task: the ratio of the mean training seconds per run with
    and without BN, and the paired (same seed, same position) ratios' range, which says whether every
    seed agrees on the direction."""
    seconds_without, seconds_with = np.asarray(seconds_without, float), np.asarray(seconds_with, float)
    ratio = float(seconds_with.mean() / seconds_without.mean())
    paired = seconds_with / seconds_without
    if ratio > 1.005:
        change = f"{100 * (ratio - 1):.0f}{NBSP}% longer"
    elif ratio < 0.995:
        change = f"{100 * (1 - ratio):.0f}{NBSP}% shorter"
    else:
        change = "about as long"
    head = (
        f"{task}: a run with BN took {change} than one without on average "
        f"({seconds_with.mean():.0f} against {seconds_without.mean():.0f}{NBSP}s)"
    )
    if len(paired) < 2:
        return head + "."
    spread = f"seed by seed the ratio ranges from {paired.min():.2f}× to {paired.max():.2f}×"
    if (paired > 1).all() or (paired < 1).all():
        return f"{head}; {spread}, the same direction for every seed."
    return f"{head}, but {spread}: the seeds disagree even on the direction."


def spread_sentence(a_label: str, a_values, b_label: str, b_values) -> str:
    """Whether two arms' test accuracies (fractions, one per seed) spread differently over seeds: the two
    sample standard deviations and a two-sided F test of their ratio (which assumes normally distributed
    accuracies; with few seeds it detects only large differences)."""
    a_values, b_values = np.asarray(a_values, float), np.asarray(b_values, float)
    if len(a_values) < 2 or len(b_values) < 2:
        return "With a single seed per arm there is no spread over seeds to compare."
    sd_a, sd_b = a_values.std(ddof=1), b_values.std(ddof=1)
    head = f"The standard deviation over seeds is {_points(sd_a)} {a_label} and {_points(sd_b)} {b_label}"
    if sd_a == 0 or sd_b == 0:
        return f"{head}; an arm whose seeds agree exactly leaves no ratio to test."
    ratio = sd_b**2 / sd_a**2
    dfn, dfd = len(b_values) - 1, len(a_values) - 1
    p = float(min(1.0, 2 * min(f_distribution.cdf(ratio, dfn, dfd), f_distribution.sf(ratio, dfn, dfd))))
    seeds = (
        f"{len(a_values)} and {len(b_values)} seeds"
        if len(a_values) != len(b_values)
        else (f"{len(a_values)} seeds each")
    )
    if p < 0.05:
        smaller = b_label if sd_b < sd_a else a_label
        return f"{head}; with {seeds}, an F test finds the spread smaller {smaller} (p {_p(p)})."
    return f"{head}; with {seeds}, an F test cannot tell these spreads apart (p {_p(p)})."


def per_class_sentence(errors: pd.DataFrame, a_column: str, b_column: str, b_label: str) -> str:
    """How per-class test errors change from A to B: `errors` has one row per class (index: class names)
    and the mean errors per seed of A and B in `a_column` and `b_column`. Counts the classes with fewer
    and with more errors under B and names the largest fall and the largest rise."""
    change = errors[b_column] - errors[a_column]
    fewer, more = int((change < 0).sum()), int((change > 0).sum())
    head = (
        f"{b_label[:1].upper()}{b_label[1:]} the mean number of test errors per seed falls in {fewer} of "
        f"{len(change)} classes and rises in {more}"
    )
    parts = []

    def counts(name) -> str:
        return f"class {name} ({errors.loc[name, a_column]:.1f} → {errors.loc[name, b_column]:.1f})"

    if fewer:
        parts.append(f"the largest fall is for {counts(change.idxmin())}")
    if more:
        parts.append(f"the largest rise for {counts(change.idxmax())}")
    return head + ("; " + ", ".join(parts) if parts else "") + "."


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
