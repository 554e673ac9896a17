"""The reports' result-dependent sentences: one test per branch of `charrec.findings`."""

import pandas as pd
import pytest

from charrec.findings import (
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
