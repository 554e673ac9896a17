"""Calibration scores and temperature scaling (charrec.calibration)."""

import numpy as np
from scipy.special import softmax

from charrec import calibration


def overconfident(images: int = 4000, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    """Probabilities of a classifier that is calibrated at temperature 1, sharpened 3x, and labels drawn
    from the calibrated probabilities."""
    rng = np.random.default_rng(seed)
    logits = rng.normal(0, 2, size=(images, 10))
    calibrated = softmax(logits, axis=1)
    labels = np.array([rng.choice(10, p=row) for row in calibrated])
    return softmax(3 * logits, axis=1).astype(np.float32), labels


def test_temperature_scaling_lowers_the_nll_of_the_images_it_is_fitted_on():
    probabilities, labels = overconfident()
    temperature = calibration.fit_temperature(probabilities, labels)
    assert 2.5 < temperature < 3.5  # the sharpening undone
    scaled = calibration.scaled(probabilities, temperature)
    assert calibration.nll(scaled, labels) < calibration.nll(probabilities, labels)
    assert calibration.ece(scaled, labels) < calibration.ece(probabilities, labels)
    assert np.array_equal(scaled.argmax(axis=1), probabilities.argmax(axis=1))  # no prediction changes


def test_scores_of_a_perfect_and_of_a_confidently_wrong_classifier():
    labels = np.array([0, 1, 2, 1])
    perfect = np.eye(3)[labels]
    result = calibration.scores(perfect, labels)
    assert result["accuracy"] == 1 and result["ece"] == 0 and result["brier"] == 0
    assert result["nll"] < 1e-9 and np.isnan(result["confident_errors"])
    wrong = np.eye(3)[(labels + 1) % 3]
    result = calibration.scores(wrong, labels)
    assert result["accuracy"] == 0 and result["ece"] == 1 and result["brier"] == 2
    assert result["confident_errors"] == 1


def test_reliability_bins_hold_every_image_once():
    probabilities, labels = overconfident(500)
    table = calibration.reliability(probabilities, labels, bins=15)
    assert table["images"].sum() == 500 and table["bin"].is_unique
    assert ((table["confidence"] > table["low"]) & (table["confidence"] <= table["high"])).all()
