"""The CNN builders, augmentation, learning-rate schedule and curve statistics, on tiny inputs."""

import numpy as np
import pandas as pd

from charrec.evaluation import validation_stability
from charrec.figures import accuracy_curves_side_by_side
from charrec.models.improved_cnn import augmentation, improved_cnn
from charrec.models.simple_cnn import simple_cnn
from charrec.training import learning_rate_schedule


def test_simple_cnn_is_the_sources_network():
    model = simple_cnn(10)
    # Conv32: 320, Conv64: 18,496, Conv64: 36,928, Dense64 on 3x3x64: 36,928, Dense10: 650.
    assert model.count_params() == 93_322
    assert model.input.dtype == "uint8" and tuple(model.output.shape) == (None, 10)


def test_augmentation_changes_images_in_training_only():
    images = np.zeros((8, 28, 28, 1), dtype="float32")
    images[:, 10:18, 12:16] = 1.0  # a bar, moved by any rotation, shift or zoom
    block = augmentation(rotation_degrees=15, shift_fraction=0.15, zoom_fraction=0.15)
    np.testing.assert_array_equal(np.asarray(block(images, training=False)), images)
    augmented = np.asarray(block(images, training=True))
    assert augmented.shape == images.shape and not np.allclose(augmented, images)
    assert augmented.min() >= -1e-6  # filled with black, never with reflected content of another sign


def test_improved_cnn_predicts_deterministically_at_inference():
    model = improved_cnn(
        10,
        filters=[4, 8, 8],
        dense_units=16,
        dropout=0.5,
        rotation_degrees=10,
        shift_fraction=0.1,
        zoom_fraction=0.1,
    )
    x = np.random.default_rng(0).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    first, second = model.predict(x, verbose=0), model.predict(x, verbose=0)
    np.testing.assert_array_equal(first, second)  # no augmentation, no dropout outside training
    np.testing.assert_allclose(first.sum(axis=1), 1.0, rtol=1e-5)


def test_warmup_cosine_rises_to_the_peak_then_decays_to_zero():
    schedule = learning_rate_schedule(0.01, "cosine", steps_per_epoch=10, epochs=5, warmup_epochs=1)
    rates = [float(schedule(step)) for step in (0, 5, 10, 30, 50)]
    np.testing.assert_allclose(rates[:3], [0.001, 0.0055, 0.01], rtol=1e-5)
    assert rates[2] > rates[3] > rates[4] and rates[4] < 1e-6
    no_warmup = learning_rate_schedule(0.01, "cosine", steps_per_epoch=10, epochs=5, warmup_epochs=0)
    assert abs(float(no_warmup(0)) - 0.01) < 1e-8


def test_validation_stability_counts_falls_and_changes():
    curves = pd.DataFrame(
        {
            "model": ["a"] * 4 + ["b"] * 3,
            "seed": 0,
            "epoch": [1, 2, 3, 4, 1, 2, 3],
            "val_accuracy": [0.97, 0.98, 0.975, 0.985, 0.98, 0.99, 0.995],
        }
    )
    table = validation_stability(curves, by=["model", "seed"]).set_index("model")
    assert table.loc["a", "falls"] == 1 and table.loc["b", "falls"] == 0
    np.testing.assert_allclose(table.loc["a", "largest fall (pp)"], 0.5)
    np.testing.assert_allclose(table.loc["b", "mean |change| (pp)"], 0.75)


def test_accuracy_curves_side_by_side_has_one_panel_per_model():
    curves = pd.DataFrame(
        {
            "model": ["a", "a", "b", "b"],
            "seed": 0,
            "epoch": [1, 2, 1, 2],
            "accuracy": [0.9, 0.95, 0.8, 0.9],
            "val_accuracy": [0.92, 0.94, 0.9, 0.95],
        }
    )
    figure = accuracy_curves_side_by_side(curves)
    assert [axis.get_title() for axis in figure.axes] == ["a", "b"]
