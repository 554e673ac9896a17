"""The reports' result-dependent sentences: one test per branch of `charrec.findings`."""

import pandas as pd
import pytest

from charrec.findings import (
    ablation_sentence,
    count_text,
    difference_sentence,
    difference_verdict,
    early_stopping_sweep,
    ensemble_against_singles,
    fewer_errors,
    gap_against_strength,
    holm,
    listed,
    paired_seeds_needed,
    schedule_check,
    shift_verdict,
    steadiness,
    time_to_target,
    times_text,
    train_against_validation,
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
    assert (
        "loss of up to 0.74\N{NO-BREAK SPACE}points" in inconclusive and "gain of up to 1.55" in inconclusive
    )
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
NO_REGULARIZER = {"train_accuracy": 1.0, "gap": 0.045}


def sweep(values, train, validation):
    return pd.DataFrame(
        {
            "value": values,
            "train_accuracy": train,
            "validation_accuracy": validation,
            "gap": [a - b for a, b in zip(train, validation)],
        }
    )


def test_gap_that_shrinks_at_every_step():
    rows = sweep([0.6, 0.1, 0.4, 0.2], [0.99, 1.0, 0.999, 1.0], [0.955, 0.954, 0.957, 0.956])
    sentence = gap_against_strength(rows, "dropout rate", NO_REGULARIZER)
    assert "(dropout rate 0.1, 0.2, 0.4 and 0.6)" in sentence  # weakest first, whatever the row order
    assert f"4.60, 4.40, 4.20 and 3.50{NBSP}points" in sentence and "It shrinks at every step." in sentence
    assert "At dropout rate 0.1 the gap is larger than without a regularizer." in sentence
    assert "fits its training images less" not in sentence  # no training accuracy fell 2 points


def test_gap_that_does_not_shrink_steadily_and_collapses_to_chance():
    rows = sweep([1e-6, 1e-5, 1e-3, 1e-2], [1.0, 1.0, 0.9086, 0.1124], [0.9549, 0.9533, 0.9028, 0.1124])
    sentence = gap_against_strength(rows, "L1 strength", NO_REGULARIZER)
    assert (
        "It does not shrink steadily: L1 strength 1e-05 leaves a gap at least as large as 1e-06." in sentence
    )
    assert "At L1 strength 1e-06 and 1e-05 the gap is larger" in sentence
    assert f"0.001 (90.86{NBSP}% training, 90.28{NBSP}% validation)" in sentence
    assert f"0.01 (11.24{NBSP}% training, 11.24{NBSP}% validation, chance level)" in sentence
    assert "a small gap means the network fits its training images less" in sentence


def test_gap_that_grows_with_a_smaller_max_norm_radius():
    rows = sweep([1.0, 4.0, 2.0], [1.0, 1.0, 1.0], [0.950, 0.954, 0.952])  # radius 1 is the strongest
    sentence = gap_against_strength(rows, "max-norm radius", NO_REGULARIZER, stronger="smaller")
    assert "(max-norm radius 4, 2 and 1)" in sentence and "It grows at every step" in sentence
    assert "Every setting leaves a larger gap than no regularizer." in sentence
    with pytest.raises(ValueError, match="stronger"):
        gap_against_strength(rows, "max-norm radius", NO_REGULARIZER, stronger="weaker")
    with pytest.raises(ValueError, match="no settings"):
        gap_against_strength(rows.iloc[:0], "max-norm radius", NO_REGULARIZER)


def test_a_single_setting_has_no_trend():
    sentence = gap_against_strength(sweep([0.4], [1.0], [0.96]), "dropout rate", NO_REGULARIZER)
    assert "step" not in sentence and "larger" not in sentence


def stopping(best_epochs, accuracies, epochs_run):
    return pd.DataFrame(
        {
            "value": [5, 10][: len(best_epochs)],
            "best_epoch": best_epochs,
            "validation_accuracy": accuracies,
            "epochs_run": epochs_run,
        }
    )


def test_early_stopping_sweep_restoring_one_epoch_is_degenerate():
    sentence = early_stopping_sweep(stopping([6, 6], [0.9515, 0.9515], [11, 16]))
    assert sentence.startswith("Patience 5 stopped after 11 epochs and restored epoch 6")
    assert "every patience restores the same epoch" in sentence and "degenerate" in sentence
    assert f"(95.15{NBSP}%)" in sentence


def test_early_stopping_sweep_restoring_different_epochs_names_the_best():
    sentence = early_stopping_sweep(stopping([6, 12], [0.9515, 0.9530], [11, 22]))
    assert "restore different epochs" in sentence and "patience 10's" in sentence
    assert "degenerate" not in sentence


def test_early_stopping_sweep_with_one_patience_or_none():
    assert "no other patience" in early_stopping_sweep(stopping([6], [0.95], [11]))
    with pytest.raises(ValueError, match="no settings"):
        early_stopping_sweep(stopping([], [], []))


def test_ablation_names_what_carries_the_gain_and_what_the_seeds_cannot_tell():
    rows = [
        {"ingredient": "random shifts", "verdict": "worse", "mean": -0.003},
        {"ingredient": "dropout", "verdict": "inconclusive", "mean": -0.001},
        {"ingredient": "max-norm", "verdict": "inconclusive", "mean": 0.0005},
    ]
    sentence = ablation_sentence(rows, "full recipe")
    assert sentence.startswith(f"Removing random shifts (-0.30{NBSP}points) from the full recipe lowers")
    assert "this ingredient carries part of the gain" in sentence
    assert f"For dropout (-0.10{NBSP}points) and max-norm (+0.05{NBSP}points) the paired interval" in sentence


def test_ablation_where_removing_helps_or_nothing_is_clear():
    helps = ablation_sentence([{"ingredient": "max-norm", "verdict": "better", "mean": 0.002}], "full recipe")
    assert "Without max-norm" in helps and "it does not help here" in helps
    unclear = ablation_sentence(
        [{"ingredient": name, "verdict": "inconclusive", "mean": 0.0} for name in ("a", "b")], "full recipe"
    )
    assert (
        unclear.startswith("For every removal the paired interval contains zero") and "carries" not in unclear
    )
    single = ablation_sentence([{"ingredient": "a", "verdict": "no interval", "mean": 0.0}], "full recipe")
    assert "a single seed gives no interval" in single
    with pytest.raises(ValueError, match="no removed"):
        ablation_sentence([], "full recipe")


def test_ensemble_against_every_single_model():
    sentence = ensemble_against_singles("simple CNN", 0.993, [0.99, 0.99, 0.9908], [0.0003, 0.0004, 0.012])
    assert sentence.startswith(f"The simple CNN's ensemble (99.30{NBSP}%) against each of its 3 models")
    assert "better than every one of them (adjusted p at most 0.012)" in sentence
    assert "(adjusted p below 0.001)" in ensemble_against_singles("CNN", 0.99, [0.98], [0.0001])


def test_ensemble_against_some_none_or_worse():
    some = ensemble_against_singles("improved CNN", 0.9967, [0.9953, 0.9957, 0.9963], [0.02, 0.09, 0.5])
    assert "better than 1 of the 3 (adjusted p at most 0.020)" in some and "not significant" in some
    none = ensemble_against_singles("improved CNN", 0.9967, [0.9963, 0.9965], [0.6, 0.8])
    assert "no significant difference from any of them (smallest adjusted p 0.600)" in none
    worse = ensemble_against_singles("CNN", 0.98, [0.99, 0.985], [0.01, 0.3])
    assert "worse than 1 of the 2" in worse
    with pytest.raises(ValueError, match="one adjusted p per single model"):
        ensemble_against_singles("CNN", 0.98, [0.99], [])


def test_time_to_target_with_a_reference_that_falls_short_or_reaches_it():
    reached = {"seconds": 41.8, "test_accuracy": 0.9917, "epochs": 1.6}
    short = time_to_target(
        "improved CNN",
        "source-style script",
        0.99,
        reached,
        {"seconds": 64.8, "test_accuracy": 0.9891, "epochs": 5},
    )
    assert f"reached 99.0{NBSP}% test accuracy after 41.8{NBSP}s" in short and "0.65 of its time" in short
    assert "does not reach 99.0" in short
    both = time_to_target(
        "CNN", "script", 0.99, reached, {"seconds": 64.8, "test_accuracy": 0.9902, "epochs": 5}
    )
    assert "falls short" not in both and both.endswith("0.65 of its time.")
    never = time_to_target(
        "CNN", "script", 0.99, None, {"seconds": 64.8, "test_accuracy": 0.9902, "epochs": 5}
    )
    assert "did not reach 99.0" in never and "took 64.8" in never
