"""Metrics on hand-checked inputs."""

import numpy as np
import pytest

from charrec.evaluation import confusion, mean_sd, misclassified, per_class_table, percent_mean_sd


def test_per_class_table_on_known_predictions():
    y_true = np.array([0, 0, 0, 1, 1, 2])
    y_pred = np.array([0, 0, 1, 1, 1, 0])
    table = per_class_table(y_true, y_pred, ("a", "b", "c"))
    # class a: predicted 3 times, 2 right -> precision 2/3; 3 true, 2 found -> recall 2/3
    assert table.loc["a", "precision"] == pytest.approx(2 / 3)
    assert table.loc["b", "precision"] == pytest.approx(2 / 3)
    assert table.loc["b", "recall"] == pytest.approx(1.0)
    assert table.loc["b", "f1"] == pytest.approx(0.8)
    assert table.loc["c"].tolist()[:3] == [0, 0, 0]  # never predicted: zero, not an error
    assert table.loc["macro average", "support"] == 6
    assert table["support"].tolist() == [3, 2, 1, 6]


def test_confusion_counts_every_pair():
    matrix = confusion(np.array([0, 1, 1, 2]), np.array([0, 2, 1, 2]), 4)
    assert matrix.shape == (4, 4)
    assert matrix[1, 2] == 1 and np.trace(matrix) == 3 and matrix.sum() == 4


def test_misclassified_most_confident_first():
    probabilities = np.array([[0.9, 0.1], [0.3, 0.7], [0.2, 0.8], [0.6, 0.4]])
    table = misclassified(np.array([0, 0, 0, 1]), probabilities)
    assert table["index"].tolist() == [2, 1, 3]
    assert table["confidence"].tolist() == pytest.approx([0.8, 0.7, 0.6])


def test_mean_and_sample_sd():
    assert mean_sd([0.97, 0.98, 0.99]) == pytest.approx((0.98, 0.01))
    assert mean_sd([0.5]) == (0.5, 0.0)
    assert percent_mean_sd([0.97, 0.98, 0.99]) == "98.00 ± 1.00 %"


def test_paired_comparison_and_its_verdict():
    import pandas as pd

    from charrec.evaluation import interval_verdict, paired_comparison

    a = pd.Series([0.97, 0.98, 0.975], index=[0, 1, 2])
    b = pd.Series([0.98, 0.991, 0.984], index=[0, 1, 2])  # +1.0, +1.1, +0.9 points
    right = {seed: np.array([True] * 90 + [False] * 10) for seed in a.index}
    better = {seed: np.array([True] * 95 + [False] * 5) for seed in a.index}
    result, table = paired_comparison(a, b, right, better, 0.95)
    assert result["difference_mean"] == pytest.approx(0.010) and result["difference_ci_low"] > 0
    assert table["right only in B"].tolist() == [5, 5, 5] and table["right only in A"].tolist() == [0, 0, 0]
    assert interval_verdict(result["difference_ci_low"], result["difference_ci_high"], 0.95).endswith(
        "lies above zero: better"
    )
    assert interval_verdict(-0.0074, 0.0155, 0.95).endswith(
        "contains zero: inconclusive, the runs allow a loss of up to 0.74\N{NO-BREAK SPACE}points as well "
        "as a gain of up to 1.55\N{NO-BREAK SPACE}points"
    )
    assert "lies below zero: BN is worse" in interval_verdict(-0.003, -0.001, 0.95, worse="BN is worse")
    assert "no interval" in interval_verdict(float("nan"), float("nan"), 0.95)


def test_welch_interval_of_two_independent_samples():
    from charrec.evaluation import welch_interval

    result = welch_interval([0.90, 0.91, 0.92], [0.85, 0.86, 0.84])
    assert result["mean"] == pytest.approx(-0.06) and result["low"] < -0.06 < result["high"] < 0
    assert welch_interval([0.9], [0.8, 0.81])["low"] != welch_interval([0.9], [0.8, 0.81])["low"]  # NaN
    assert welch_interval([0.9, 0.9], [0.8, 0.8]) == pytest.approx({"mean": -0.1, "low": -0.1, "high": -0.1})
