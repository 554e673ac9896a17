"""Metrics on predictions: per-class tables, confusion matrices, misclassified images, seed statistics."""

import numpy as np
import pandas as pd
from scipy.stats import binomtest, sem, t, ttest_ind
from sklearn.metrics import confusion_matrix, precision_recall_fscore_support

from .findings import NBSP, difference_verdict


def per_class_table(y_true: np.ndarray, y_pred: np.ndarray, class_names: tuple[str, ...]) -> pd.DataFrame:
    """Precision, recall, F1 and support per class, with macro averages in a last row."""
    labels = np.arange(len(class_names))
    precision, recall, f1, support = precision_recall_fscore_support(
        y_true, y_pred, labels=labels, zero_division=0
    )
    table = pd.DataFrame(
        {"precision": precision, "recall": recall, "f1": f1, "support": support},
        index=pd.Index(class_names, name="class"),
    )
    table.loc["macro average"] = [precision.mean(), recall.mean(), f1.mean(), support.sum()]
    return table.astype({"support": int})


def confusion(y_true: np.ndarray, y_pred: np.ndarray, num_classes: int) -> np.ndarray:
    return confusion_matrix(y_true, y_pred, labels=np.arange(num_classes))


def misclassified(y_true: np.ndarray, probabilities: np.ndarray) -> pd.DataFrame:
    """The wrongly classified images, most confident mistakes first."""
    predicted = probabilities.argmax(axis=1)
    wrong = np.flatnonzero(predicted != y_true)
    table = pd.DataFrame(
        {
            "index": wrong,
            "true": y_true[wrong],
            "predicted": predicted[wrong],
            "confidence": probabilities[wrong, predicted[wrong]],
        }
    )
    return table.sort_values("confidence", ascending=False, ignore_index=True)


def mean_sd(values) -> tuple[float, float]:
    """Mean and sample standard deviation (0 for a single value)."""
    values = np.asarray(values, dtype=float)
    return float(values.mean()), float(values.std(ddof=1)) if values.size > 1 else 0.0


def seed_metrics(runs: pd.DataFrame, validation_column: str = "validation accuracy") -> dict:
    """The metrics-file entry shared by every model: per-seed test accuracies, their mean and sd, and
    mean validation accuracy, training seconds and images per second (one row of `runs` per seed)."""
    test_mean, test_sd = mean_sd(runs["test accuracy"])
    return {
        "test_accuracy": runs["test accuracy"].round(6).tolist(),
        "test_accuracy_mean": round(test_mean, 6),
        "test_accuracy_sd": round(test_sd, 6),
        "validation_accuracy_mean": round(float(runs[validation_column].mean()), 6),
        "train_seconds_mean": round(float(runs["training seconds"].mean()), 2),
        "images_per_second_mean": round(float(runs["images per second"].mean()), 1),
    }


def percent_mean_sd(values) -> str:
    mean, sd = mean_sd(values)
    return f"{100 * mean:.2f} ± {100 * sd:.2f} %"


def validation_stability(histories: pd.DataFrame, by: list[str]) -> pd.DataFrame:
    """How steadily validation accuracy evolves, per run: how often it falls from one epoch to the
    next, the largest fall, and the mean absolute change (both in percentage points)."""
    rows = []
    for key, run in histories.sort_values("epoch").groupby(by, sort=False):
        change = 100 * np.diff(run["val_accuracy"].to_numpy())
        rows.append(
            {
                **dict(zip(by, key if isinstance(key, tuple) else (key,))),
                "epochs": len(run),
                "falls": int((change < 0).sum()),
                "largest fall (pp)": float(max(0.0, -change.min())) if change.size else 0.0,
                "mean |change| (pp)": float(np.abs(change).mean()) if change.size else 0.0,
            }
        )
    return pd.DataFrame(rows)


def mcnemar_exact(correct_a: np.ndarray, correct_b: np.ndarray) -> dict:
    """McNemar's exact test of two classifiers scored on the same test images.

    Only the discordant images count: `a_only` (A right, B wrong) and `b_only` (B right, A wrong).
    Under the null hypothesis of equal accuracy each discordant image is a fair coin flip, so the
    two-sided p-value is the binomial test of a_only successes in a_only + b_only trials at 1/2.
    """
    correct_a, correct_b = np.asarray(correct_a, dtype=bool), np.asarray(correct_b, dtype=bool)
    a_only, b_only = int(np.sum(correct_a & ~correct_b)), int(np.sum(~correct_a & correct_b))
    discordant = a_only + b_only
    p_value = float(binomtest(a_only, discordant, 0.5).pvalue) if discordant else 1.0
    return {"a_only": a_only, "b_only": b_only, "p_value": p_value}


def paired_difference_interval(a, b, confidence: float = 0.95) -> dict:
    """Mean of the paired differences b - a (e.g. per seed) with a Student t confidence interval."""
    differences = np.asarray(b, dtype=float) - np.asarray(a, dtype=float)
    mean = float(differences.mean())
    if differences.size < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan"), "n": int(differences.size)}
    half_width = float(t.ppf(0.5 + confidence / 2, differences.size - 1) * sem(differences))
    return {"mean": mean, "low": mean - half_width, "high": mean + half_width, "n": int(differences.size)}


def paired_comparison(
    accuracy_a: pd.Series, accuracy_b: pd.Series, correct_a: dict, correct_b: dict, confidence: float
) -> tuple[dict, pd.DataFrame]:
    """Configuration B against A, trained with the same seeds and tested on the same images.

    `accuracy_a`, `accuracy_b`: test accuracy per seed (fractions, indexed by seed); `correct_a`,
    `correct_b`: seed -> bool array, one entry per test image. Returns the seed-level result (B minus A:
    `difference_mean`, `difference_ci_low`, `difference_ci_high` as fractions, `confidence`, and McNemar's
    exact test per seed under `mcnemar`) and a table with one row per seed: the difference in points,
    the images only A or only B gets right, McNemar's p-value.
    """
    seeds = list(accuracy_a.index)
    interval = paired_difference_interval(accuracy_a[seeds], accuracy_b[seeds], confidence)
    tests = {seed: mcnemar_exact(correct_a[seed], correct_b[seed]) for seed in seeds}
    table = pd.DataFrame(
        [
            {
                "seed": seed,
                "difference (points)": 100 * (accuracy_b[seed] - accuracy_a[seed]),
                "right only in A": test["a_only"],
                "right only in B": test["b_only"],
                "McNemar p": test["p_value"],
            }
            for seed, test in tests.items()
        ]
    )
    result = {
        "difference_mean": interval["mean"],
        "difference_ci_low": interval["low"],
        "difference_ci_high": interval["high"],
        "confidence": confidence,
        "mcnemar": {str(seed): test for seed, test in tests.items()},
    }
    return result, table


def interval_verdict(low: float, high: float, confidence: float, worse: str = "worse") -> str:
    """How a confidence interval of a difference B minus A (fractions) reads: better (above zero), worse
    (below zero, worded by `worse`) or inconclusive (containing zero: both a loss and a gain of the
    interval's sizes remain possible); no interval for a single seed (NaN bounds). The verdict is
    `charrec.findings.difference_verdict`'s."""
    verdict = difference_verdict(low, high)
    if verdict == "no interval":
        return "a single seed gives no interval to judge the difference against"
    where = f"the {100 * confidence:.0f}{NBSP}% interval [{100 * low:+.2f}, {100 * high:+.2f}]{NBSP}points"
    if verdict == "better":
        return f"{where} lies above zero: better"
    if verdict == "worse":
        return f"{where} lies below zero: {worse}"
    return (
        f"{where} contains zero: inconclusive, the runs allow a loss of up to {-100 * low:.2f}{NBSP}points "
        f"as well as a gain of up to {100 * high:.2f}{NBSP}points"
    )


def welch_interval(a, b, confidence: float = 0.95) -> dict:
    """Mean of b minus mean of a for two independent samples (e.g. two models' scores per seed) with
    Welch's t confidence interval (unequal variances); NaN bounds when either has fewer than 2 values."""
    a, b = np.asarray(a, dtype=float), np.asarray(b, dtype=float)
    mean = float(b.mean() - a.mean())
    if a.size < 2 or b.size < 2:
        return {"mean": mean, "low": float("nan"), "high": float("nan")}
    if np.var(a) == 0 and np.var(b) == 0:  # no spread at all: the interval is the point
        return {"mean": mean, "low": mean, "high": mean}
    interval = ttest_ind(b, a, equal_var=False).confidence_interval(confidence)
    return {"mean": mean, "low": float(interval.low), "high": float(interval.high)}
