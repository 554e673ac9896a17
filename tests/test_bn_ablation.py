"""The BN-ablation pieces: the source's tiny CNN and its parameter counts, class grouping, paired tests."""

import numpy as np
import pytest

from charrec.evaluation import mcnemar_exact, paired_difference_interval
from charrec.models.tiny_cnn import tiny_cnn
from charrec.prepared import PreparedData, group_labels, with_grouped_classes
from charrec.report import model_summary
from charrec.training import compile_classifier, make_deterministic, train


def test_tiny_cnn_has_the_source_parameter_counts():
    summary = model_summary(tiny_cnn(10))
    # The source's hand computation: 7*7*16+16, 5*5*16*8+8, 3*3*8*4+4, 16*10+10.
    assert summary.loc[["conv_1", "conv_2", "conv_3", "class_probabilities"], "trainable"].tolist() == [
        800,
        3208,
        292,
        170,
    ]
    assert summary.loc["total", "trainable"] == 4470 and summary.loc["total", "non-trainable"] == 0
    assert summary.loc["flatten", "output shape"] == "(16,)"
    assert model_summary(tiny_cnn(4)).loc["total", "trainable"] == 4368
    with_bn = model_summary(tiny_cnn(10, batch_norm=True))
    # BN: scale and offset trainable, moving mean and variance not, per channel (16 + 8 + 4 channels).
    assert (
        with_bn.loc["total", "trainable"] == 4470 + 2 * 28 and with_bn.loc["total", "non-trainable"] == 2 * 28
    )
    assert with_bn.loc["batch_norm_1", "trainable"] == 32


def test_tiny_cnn_trains_with_grouped_steps_and_is_deterministic():
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(120, 28, 28), dtype=np.uint8)
    y = (x[:, 10:18, 10:18].mean(axis=(1, 2)) > 127).astype(np.uint8)

    def fit(steps_per_execution):
        make_deterministic(3)
        model = compile_classifier(
            tiny_cnn(2, batch_norm=True), 0.003, steps_per_execution=steps_per_execution
        )
        return train(model, x[:100], y[:100], (x[100:], y[100:]), epochs=2, batch_size=20, seed=3)

    grouped, single = fit(5), fit(1)
    # Grouping steps into one graph call changes the speed, not the training.
    np.testing.assert_allclose(grouped.history["loss"], single.history["loss"], rtol=1e-5)
    np.testing.assert_allclose(
        grouped.model.predict(x[100:], verbose=0),
        single.model.predict(x[100:], verbose=0),
        rtol=1e-4,
        atol=1e-6,
    )


def test_group_labels_maps_digits_to_groups():
    groups = [[0, 6], [1, 7], [2, 3, 5, 8], [4, 9]]
    assert group_labels(np.arange(10, dtype=np.uint8), groups).tolist() == [0, 1, 2, 2, 3, 2, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="exactly once"):
        group_labels(np.arange(10), [[0, 1], [1, 2, 3, 4, 5, 6, 7, 8, 9]])


def test_with_grouped_classes_names_groups_by_members():
    labels = np.arange(40, dtype=np.uint8) % 10
    images = np.zeros((40, 28, 28), dtype=np.uint8)
    data = PreparedData(
        "tiny", tuple("0123456789"), images, labels, images[:10], labels[:10], images, labels, {}
    )
    grouped = with_grouped_classes(data, [[0, 6], [1, 7], [2, 3, 5, 8], [4, 9]])
    assert grouped.class_names == ("0/6", "1/7", "2/3/5/8", "4/9")
    assert np.array_equal(grouped.x_test, data.x_test)
    assert np.array_equal(grouped.y_test == 2, np.isin(data.y_test, [2, 3, 5, 8]))
    assert grouped.y_val.tolist() == [0, 1, 2, 2, 3, 2, 0, 1, 2, 3]
    with pytest.raises(ValueError, match="cover all 10 classes"):
        with_grouped_classes(data, [[0, 1], [2, 3]])


def test_mcnemar_exact_on_known_counts():
    # 10 images only A gets right, 2 only B, 30 both, 8 neither.
    a = np.array([1] * 10 + [0] * 2 + [1] * 30 + [0] * 8, dtype=bool)
    b = np.array([0] * 10 + [1] * 2 + [1] * 30 + [0] * 8, dtype=bool)
    result = mcnemar_exact(a, b)
    assert (result["a_only"], result["b_only"]) == (10, 2)
    # Two-sided exact binomial: 2 * P(X <= 2 | n=12, p=1/2) = 2 * (1 + 12 + 66) / 4096.
    assert result["p_value"] == pytest.approx(2 * 79 / 4096)
    assert mcnemar_exact(a, a)["p_value"] == 1.0  # no discordant images: no evidence of a difference
    assert mcnemar_exact(a, b)["p_value"] == mcnemar_exact(b, a)["p_value"]


def test_paired_difference_interval_matches_a_hand_t_interval():
    result = paired_difference_interval([0.97, 0.98, 0.975], [0.98, 0.985, 0.99])
    # differences 0.010, 0.005, 0.015: mean 0.010, sd 0.005, se 0.005/sqrt(3), t(0.975, 2) = 4.302653
    half = 4.302653 * 0.005 / np.sqrt(3)
    assert result["mean"] == pytest.approx(0.010)
    assert (result["low"], result["high"]) == pytest.approx((0.010 - half, 0.010 + half), rel=1e-5)
    assert np.isnan(paired_difference_interval([0.9], [0.95])["low"])
