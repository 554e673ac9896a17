"""The reports' result-dependent sentences: one test per branch of `charrec.findings`."""

import pandas as pd
import pytest

from charrec.findings import (
    count_text,
    difference_sentence,
    difference_verdict,
    early_lead_sentence,
    fewer_errors,
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
