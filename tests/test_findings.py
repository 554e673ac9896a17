"""The reports' result-dependent sentences: one test per branch of `charrec.findings`."""

import pandas as pd
import pytest

from charrec.findings import (
    against_published,
    against_seeds,
    count_text,
    difference_sentence,
    difference_verdict,
    fewer_errors,
    holm,
    listed,
    paired_seeds_needed,
    schedule_check,
    shift_verdict,
    steadiness,
    times_text,
    train_against_validation,
    tuned_value_check,
)


def test_counts_read_naturally_for_one_and_many():
    assert [count_text(n, "seed") for n in (0, 1, 3)] == ["0 seeds", "1 seed", "3 seeds"]
    assert count_text(1, "epoch") == "1 epoch" and count_text(12000, "image") == "12,000 images"
    assert count_text(2, "analysis", "analyses") == "2 analyses"
    assert [times_text(n) for n in (0, 1, 2, 5)] == ["never", "once", "twice", "5 times"]
    assert [listed(items) for items in (["a"], ["a", "b"], ["a", "b", "c"])] == ["a", "a and b", "a, b and c"]


def test_schedule_check_best_at_the_last_epoch_or_earlier():
    assert "best validation accuracy came at the last epoch" in schedule_check(
        "improved CNN", 9, 9, 0.99, 0.99
    )
    earlier = schedule_check("improved CNN", 6, 9, 0.9931, 0.9925)
    assert "at epoch 6, 0.06 points above the last epoch run" in earlier
    assert "1 epochs" not in schedule_check("simple CNN", 1, 1, 0.98, 0.98)


def curves(accuracy, val_accuracy):
    return pd.DataFrame(
        {"epoch": range(1, len(accuracy) + 1), "accuracy": accuracy, "val_accuracy": val_accuracy}
    )


@pytest.mark.parametrize(
    "accuracy, val_accuracy, expected",
    [
        ([0.9, 0.95], [0.89, 0.94], "lies at or above its validation accuracy in every epoch"),
        ([0.9, 0.95], [0.92, 0.97], "lies below its validation accuracy in every epoch"),
        ([0.9, 0.96, 0.97], [0.92, 0.95, 0.96], "at first and at or above it from epoch 2"),
        ([0.9, 0.96, 0.95], [0.92, 0.95, 0.96], "crosses its validation accuracy more than once"),
    ],
)
def test_training_against_validation_accuracy(accuracy, val_accuracy, expected):
    sentence = train_against_validation(curves(accuracy, val_accuracy), "simple CNN")
    assert sentence.startswith("The simple CNN's training accuracy") and expected in sentence


def stability(rows):
    return pd.DataFrame(rows, columns=["model", "mean |change| (pp)", "largest fall (pp)", "falls", "epochs"])


def test_steadiness_one_network_says_only_what_it_saw():
    sentence = steadiness(stability([["simple CNN", 0.2, 0.0, 0, 1]]))
    assert sentence == "The simple CNN trained a single epoch: no change to judge."
    sentence = steadiness(stability([["simple CNN", 0.2, 0.0, 0, 1], ["improved CNN", 0.1, 0.0, 0, 3]]))
    assert sentence == (
        "From one epoch to the next, the improved CNN's validation accuracy never fell in 2 epoch-to-epoch "
        "steps. The simple CNN trained a single epoch: no change to judge."
    )


def test_steadiness_single_runs_name_the_missing_spread():
    sentence = steadiness(stability([["simple CNN", 0.3, 0.2, 2, 5], ["improved CNN", 0.1, 0.05, 1, 9]]))
    assert "both criteria of steadiness" in sentence and "favour the improved CNN" in sentence
    assert "no spread over seeds" in sentence and "accuracy fell twice in 4 epoch-to-epoch steps" in sentence


def test_steadiness_criteria_that_disagree_over_several_runs():
    rows = [
        ["simple CNN", 0.1, 0.3, 1, 5],
        ["simple CNN", 0.1, 0.3, 1, 5],
        ["improved CNN", 0.2, 0.1, 1, 9],
        ["improved CNN", 0.2, 0.1, 1, 9],
    ]
    sentence = steadiness(stability(rows))
    assert "the mean absolute change per epoch favours the simple CNN, the largest fall the improved CNN" in (
        sentence
    )
    assert "Over 2 or more runs per network" in sentence


@pytest.mark.parametrize(
    "errors, reference, expected",
    [
        (0, 50, "the improved CNN makes no test errors"),
        (20, 50, "makes 2.5 times fewer test errors than the simple CNN"),
        (50, 20, "makes 2.5 times more test errors than the simple CNN"),
        (49, 50, "makes about as many test errors as the simple CNN"),
    ],
)
def test_fewer_errors(errors, reference, expected):
    assert expected in fewer_errors("improved CNN", errors, "simple CNN", reference)


def test_shifts_are_applied_only_when_they_help_on_validation():
    applied, sentence = shift_verdict(0.9930, 0.9936, 10000, 1)
    assert applied and "(+6 images)" in sentence and "shifts of 1 pixel " in sentence
    assert "so they are applied to the test images, once" in sentence
    applied, sentence = shift_verdict(0.9936, 0.9930, 10000, 2)
    assert not applied and "(-6 images)" in sentence and "they are not applied" in sentence


def test_an_interval_reads_better_worse_inconclusive_or_none():
    assert difference_verdict(0.001, 0.004) == "better"
    assert difference_verdict(-0.004, -0.001) == "worse"
    assert difference_verdict(-0.0074, 0.0155) == "inconclusive"
    assert difference_verdict(float("nan"), float("nan")) == "no interval"


def test_the_difference_sentence_states_the_verdict_and_what_the_interval_allows():
    inconclusive = difference_sentence("with BN", "without BN", 0.0041, -0.0074, 0.0155, 0.95)
    assert inconclusive.startswith("With BN against without BN: inconclusive.")
    assert "+0.41\N{NO-BREAK SPACE}points" in inconclusive
    assert "loss of up to 0.74\N{NO-BREAK SPACE}points" in inconclusive and "gain of up to 1.55" in inconclusive
    assert "lies above zero" in difference_sentence("B", "A", 0.003, 0.001, 0.005, 0.95)
    assert ": worse." in difference_sentence("B", "A", -0.003, -0.005, -0.001, 0.95)
    assert "no interval" in difference_sentence("B", "A", 0.003, float("nan"), float("nan"), 0.95)


def test_holm_multiplies_the_smallest_p_by_m_and_keeps_the_order_given():
    assert holm([0.044, 0.3, 0.01]) == pytest.approx([0.088, 0.3, 0.03])
    assert holm([0.04, 0.04]) == pytest.approx([0.08, 0.08])  # monotone: never below an earlier step
    assert holm([0.9, 0.8]) == [1.0, 1.0] and holm([]) == []


def test_paired_seeds_needed_grows_with_the_noise_and_rejects_nonsense():
    # the BN ablation's observed sd of the paired differences (0.46 points) against the source's +0.4 points
    needed = paired_seeds_needed(0.46, 0.4)
    assert 11 <= needed <= 14  # the normal approximation gives 11; the exact t test needs a few more
    assert paired_seeds_needed(0.1, 0.4) < needed < paired_seeds_needed(1.0, 0.4)
    with pytest.raises(ValueError, match="sd > 0"):
        paired_seeds_needed(0.0, 0.4)


NBSP = "\N{NO-BREAK SPACE}"


def grid(values, accuracies):
    return pd.DataFrame({"value": values, "validation_accuracy": accuracies})


def test_tuned_value_check_final_is_the_best_inside_the_grid():
    text = tuned_value_check("k-NN", "k", 3, grid([1, 3, 5, 7], [0.970, 0.9736, 0.972, 0.971]))
    assert text == f"For the k-NN, the best k on validation is 3 (97.36{NBSP}%); the final model uses 3."


def test_tuned_value_check_final_is_not_the_best():
    text = tuned_value_check("logistic regression", "C", 1, grid([0.01, 0.1, 1], [0.9176, 0.9255, 0.9251]))
    assert "the best C on validation is 0.1 (92.55" in text
    assert f"not the final model's 1 (0.04{NBSP}points lower on validation)" in text
    assert "not the validated choice" in text


def test_tuned_value_check_best_at_either_end_and_ties_and_one_value():
    upper = tuned_value_check("SVM", "C", 100, grid([1, 10, 100], [0.97, 0.98, 0.99]))
    assert "the final model uses 100. It is the largest value tried: a larger C might do better" in upper
    lower = tuned_value_check("SVM", "C", 1, grid([1, 10, 100], [0.99, 0.98, 0.97]))
    assert "It is the smallest value tried: a smaller C might do better" in lower
    tie = tuned_value_check("k-NN", "k", 5, grid([3, 5, 7], [0.97, 0.98, 0.98]))
    assert "shared by 5 and 7 (98.00" in tie and "the final model uses 5." in tie and "largest" not in tie
    single = tuned_value_check("k-NN", "k", 3, grid([3], [0.97]))
    assert single.endswith("With a single value there was nothing to choose from.")


def test_against_seeds_above_below_within_and_one_seed():
    seeds = [0.979, 0.9802, 0.9775]
    assert against_seeds("SVM", 0.986, "dense network", seeds) == (
        f"The SVM (98.60{NBSP}%) scores above every one of the dense network's 3 seeds (97.75–98.02{NBSP}%)."
    )
    assert "scores below every one of" in against_seeds("k-NN", 0.97, "dense network", seeds)
    assert "scores within the range of" in against_seeds("k-NN", 0.978, "dense network", seeds)
    assert f"1 seed (97.90{NBSP}%)" in against_seeds("k-NN", 0.97, "dense network", [0.979])


def test_against_published_lower_higher_and_same_at_the_published_precision():
    published = [("k-NN", 0.050, "LeCun et al. 1998"), ("L2 k-NN", 0.0309, "Wilder")]
    assert against_published("k-NN", 0.0295, published) == (
        f"The k-NN's test error, 2.95{NBSP}%, is lower than the 5.0{NBSP}% of LeCun et al. 1998's k-NN and "
        f"lower than the 3.09{NBSP}% of Wilder's L2 k-NN."
    )
    assert f"higher than the 1.4{NBSP}%" in against_published("SVM", 0.016, [("SVM", 0.014, "X")])
    assert f"the same as the 12.0{NBSP}%" in against_published("linear", 0.1204, [("linear", 0.12, "X")])
