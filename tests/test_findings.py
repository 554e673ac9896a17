"""The reports' result-dependent sentences: one test per branch of `charrec.findings`."""

import pandas as pd
import pytest

from charrec.findings import (
    ablation_sentence,
    against_published,
    against_seeds,
    count_text,
    difference_sentence,
    difference_verdict,
    early_lead_sentence,
    early_stopping_sweep,
    ensemble_against_singles,
    fewer_errors,
    gap_against_strength,
    holm,
    listed,
    mcnemar_sentence,
    paired_seeds_needed,
    per_class_sentence,
    schedule_check,
    seeds_needed_sentence,
    shift_verdict,
    spread_sentence,
    steadiness,
    time_cost_sentence,
    time_to_target,
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


# --- The batch-normalization ablation (05) ------------------------------------------------------------


def test_seeds_needed_sentence_more_than_run_enough_and_no_estimate():
    short = seeds_needed_sentence(0.0046, 0.004, 3)
    assert "needs 13 paired seeds" in short and "0.40\N{NO-BREAK SPACE}points" in short
    assert "this study ran 3, so an interval that contains zero is no evidence" in short
    assert "enough to detect a difference that large" in seeds_needed_sentence(0.001, 0.004, 5)
    assert "cannot be estimated" in seeds_needed_sentence(float("nan"), 0.004, 1)
    assert "no gain to size" in seeds_needed_sentence(0.002, 0.0, 3)


def test_mcnemar_sentence_after_holm():
    def tests(*pairs):
        return [
            {"seed": seed, "a_only": a, "b_only": b, "p": p, "p_holm": q}
            for seed, (a, b, p, q) in enumerate(pairs)
        ]

    none = mcnemar_sentence(tests((57, 69, 0.33, 0.33), (97, 70, 0.044, 0.13)), 0.05, "without BN", "with BN")
    assert "0 of 2 pairs differ at the 5\N{NO-BREAK SPACE}% level;" in none
    assert none.endswith("without the correction seed 1 (p = 0.044) would count.")
    one = mcnemar_sentence(tests((66, 159, 0.0001, 0.0003), (96, 119, 0.13, 0.27)), 0.05, "without", "with")
    assert "1 of 2 pairs differs" in one and "(seed 0, with better, adjusted p < 0.001)." in one
    both = mcnemar_sentence(
        tests((10, 90, 0.0001, 0.0002), (100, 70, 0.02, 0.02), (40, 60, 0.04, 0.08)), 0.05, "A", "B"
    )
    assert "seed 1, A better, adjusted p = 0.020" in both and "seed 2 (p = 0.040) would count as well" in both


def test_early_lead_sentence_shrinks_grows_or_reverses():
    shrinks = early_lead_sentence(
        "10 classes", [0.936, 0.934], [0.957, 0.951], [0.978, 0.978], [0.98, 0.981], 10
    )
    assert "validate at 95.40\N{NO-BREAK SPACE}% against 93.50\N{NO-BREAK SPACE}%" in shrinks
    assert (
        "BN ahead for every seed" in shrinks and "the lead shrinks to 0.25\N{NO-BREAK SPACE}points" in shrinks
    )
    grows = early_lead_sentence("4 classes", [0.97, 0.96], [0.969, 0.98], [0.97, 0.97], [0.99, 0.99], 10)
    assert "BN ahead for 1 of 2 seeds" in grows and "the lead grows to 2.00" in grows
    behind = early_lead_sentence("t", [0.97], [0.96], [0.97], [0.98], 5)
    assert (
        "behind by 1.00" in behind
        and "for no seed" in behind
        and "after epoch 5 the difference is +1.00" in behind
    )
    assert "level on average" in early_lead_sentence("t", [0.97], [0.97], [0.97], [0.97], 5)


def test_time_cost_sentence_direction_and_agreement():
    mixed = time_cost_sentence("10 classes", [179.2, 138.9, 111.8], [171.5, 176.7, 201.9])
    assert "28\N{NO-BREAK SPACE}% longer" in mixed and "from 0.96× to 1.81×: the seeds disagree" in mixed
    agree = time_cost_sentence("4 classes", [111, 100.6, 103], [213.2, 249.9, 315.8])
    assert "148\N{NO-BREAK SPACE}% longer" in agree and "the same direction for every seed" in agree
    assert "10\N{NO-BREAK SPACE}% shorter" in time_cost_sentence("t", [100, 100], [90, 90])
    assert "about as long" in time_cost_sentence("t", [100], [100.2]) and "ratio" not in time_cost_sentence(
        "t", [100], [100.2]
    )


def test_spread_sentence_f_test_branches():
    same = spread_sentence("without BN", [0.9799, 0.9757, 0.9825], "with BN", [0.9822, 0.985, 0.9831])
    assert "0.34\N{NO-BREAK SPACE}points without BN and 0.14\N{NO-BREAK SPACE}points with BN" in same
    assert "with 3 seeds each, an F test cannot tell these spreads apart (p = 0.296)" in same
    wide = [0.95, 0.99, 0.97, 0.93, 1.0, 0.96]
    narrow = [0.970, 0.9701, 0.9699, 0.9702, 0.9698, 0.97]
    assert "finds the spread smaller with B (p < 0.001)" in spread_sentence("A", wide, "with B", narrow)
    assert "no spread over seeds" in spread_sentence("A", [0.9], "B", [0.9, 0.91])
    assert "leaves no ratio to test" in spread_sentence("A", [0.9, 0.9], "B", [0.9, 0.91])


def test_per_class_sentence_falls_rises_and_no_change():
    errors = pd.DataFrame({"a": [1.0, 5.0, 3.3], "b": [1.0, 3.0, 4.0]}, index=["0", "1", "2"])
    text = per_class_sentence(errors, "a", "b", "with BN")
    assert text.startswith(
        "With BN the mean number of test errors per seed falls in 1 of 3 classes and rises in 1"
    )
    assert "largest fall is for class 1 (5.0 → 3.0), the largest rise for class 2 (3.3 → 4.0)." in text
    assert per_class_sentence(errors.assign(b=errors["a"]), "a", "b", "with BN").endswith("rises in 0.")


# How the models fail (08)


def test_most_robust_lead_beyond_within_or_without_a_spread():
    from charrec.findings import most_robust

    per_seed = {"simple CNN": [0.91, 0.90, 0.91], "improved CNN": [0.76, 0.77, 0.75]}
    clear = most_robust(per_seed, {"mean": 0.147, "low": 0.12, "high": 0.17})
    assert clear.startswith("The simple CNN keeps the highest accuracy over the corruptions (90.7 %")
    assert "ahead of the improved CNN" in clear and "lies above zero" in clear
    unclear = most_robust(per_seed, {"mean": 0.01, "low": -0.02, "high": 0.04})
    assert "contains zero: these seeds cannot tell the two apart" in unclear
    single = most_robust(per_seed, {"mean": 0.01, "low": float("nan"), "high": float("nan")})
    assert "no spread to judge the lead against" in single
    assert most_robust({"simple CNN": [0.9]}, {}) == (
        "The simple CNN keeps the highest accuracy over the corruptions (90.0 % on average)."
    )


def test_hardest_corruptions_shared_or_not():
    from charrec.findings import hardest_corruptions

    shared = pd.DataFrame({"fog": [0.1, 0.2], "stripe": [0.3, 0.4], "scale": [0.9, 0.8]}, index=["a", "b"])
    text = hardest_corruptions(shared, count=2)
    assert text.startswith("The corruptions that hurt most are fog (15.0 % on average) and stripe (35.0 %")
    assert text.endswith("Fog is the hardest for every model.")
    mixed = pd.DataFrame({"fog": [0.1, 0.5], "stripe": [0.3, 0.2]}, index=["a", "b"])
    assert hardest_corruptions(mixed).endswith("The hardest corruption differs between models.")


@pytest.mark.parametrize(
    "clean, corrupted, ending",
    [
        (
            (0.005, 0.004, 0.006),
            (0.05, 0.03, 0.07),
            "Its augmentation buys robustness beyond its clean accuracy.",
        ),
        (
            (0.02, 0.01, 0.03),
            (0.01, 0.005, 0.015),
            "It is more robust, but not by more than it is more accurate.",
        ),
        ((0.005, 0.004, 0.006), (-0.146, -0.17, -0.12), "the augmentation does not buy robustness here."),
        ((0.005, 0.004, 0.006), (0.01, -0.02, 0.04), "Off-distribution the seeds cannot tell the two apart."),
    ],
)
def test_augmentation_off_distribution_each_verdict(clean, corrupted, ending):
    from charrec.findings import augmentation_off_distribution

    def interval(values):
        return dict(zip(("mean", "low", "high"), values))

    text = augmentation_off_distribution("improved CNN", "simple CNN", interval(clean), interval(corrupted))
    assert text.startswith("Against the simple CNN, the improved CNN gains ") and text.endswith(ending)


def test_overconfidence_all_none_or_some_models():
    from charrec.findings import overconfidence

    table = pd.DataFrame(
        {
            "model": ["dense baseline", "simple CNN"],
            "temperature": [1.26, 1.16],
            "ece_before": [0.007, 0.002],
            "ece_after": [0.003, 0.003],
            "confident_errors": [0.10, 0.08],
        }
    )
    text = overconfidence(table)
    assert text.startswith(
        "Every model is overconfident: the temperature fitted on the validation images is above 1"
    )
    assert (
        "lowers the test ECE of 1 of 2 models" in text and "the dense baseline makes 10 % of its test" in text
    )
    assert overconfidence(table.assign(temperature=[0.9, 1.0])).startswith("No model is overconfident")
    assert overconfidence(table.assign(temperature=[1.2, 0.9])).startswith(
        "The dense baseline is overconfident (temperature above 1)"
    )


def test_fgsm_against_the_published_maxout_network_every_none_or_some():
    from charrec.findings import fgsm_against_published

    assert "every model is fooled at least as often" in fgsm_against_published(
        {"a": 0.05, "b": 0.1}, 0.25, 0.894
    )
    assert "every model is fooled less often" in fgsm_against_published({"a": 0.5, "b": 0.3}, 0.25, 0.894)
    some = fgsm_against_published({"dense baseline": 0.02, "simple CNN": 0.32}, 0.25, 0.894)
    assert some.startswith("At a step of $\\varepsilon = 0.25$ the errors range from 68.0 % (the simple CNN)")
    assert "the dense baseline is fooled at least as often as the published maxout network (89.4 %)" in some
