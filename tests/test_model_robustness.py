"""The stored models under test (charrec.robustness), with a real Keras model: FGSM and predictions."""

import numpy as np
import pytest

from charrec import models
from charrec.robustness import ImageClassifier, accuracies, fgsm


@pytest.fixture(scope="module")
def stored_model(tmp_path_factory):
    """A 4,470-parameter CNN with BN that has memorised 64 random images (a few seconds of training),
    saved as the training stage saves models; the images, and labels of which half are the model's own
    predictions (right) and half another class (wrong)."""
    import keras

    keras.utils.set_random_seed(0)
    rng = np.random.default_rng(0)
    images = rng.integers(64, 192, size=(64, 28, 28), dtype=np.uint8)  # mid-grey: FGSM steps are not clipped
    model = models.build("tiny_cnn", 10, batch_norm=True)
    model.compile(optimizer=keras.optimizers.Adam(0.01), loss="sparse_categorical_crossentropy")
    model.fit(images, rng.integers(0, 10, size=64), epochs=40, batch_size=16, verbose=0)
    path = tmp_path_factory.mktemp("model") / "tiny.keras"
    model.save(path)
    predicted = model.predict(images, verbose=0).argmax(axis=1)
    labels = np.where(np.arange(64) % 2 == 0, predicted, (predicted + 1) % 10)
    return path, model, images, labels


def test_the_float_path_gives_the_models_own_probabilities(stored_model):
    path, model, images, labels = stored_model
    classifier = ImageClassifier(path, batch_size=16)
    assert np.allclose(classifier.predict_uint8(images), model.predict(images, verbose=0), atol=1e-5)
    assert accuracies(classifier, {"a": images, "b": images}, labels) == {"a": 0.5, "b": 0.5}


def test_fgsm_at_zero_is_the_clean_accuracy_and_a_step_lowers_it(stored_model):
    path, _, images, labels = stored_model
    table = fgsm(ImageClassifier(path), images, labels, [0.0, 0.2])
    assert table.loc[0, "accuracy"] == 0.5  # the clean accuracy
    assert table.loc[1, "accuracy"] < 0.5
    assert list(table.columns) == ["epsilon", "accuracy", "mean_confidence", "error_confidence"]


def test_a_model_without_the_uint8_scaling_is_named(tmp_path):
    import keras

    inputs = keras.Input((28, 28))
    model = keras.Model(inputs, keras.layers.Dense(10)(keras.layers.Flatten()(inputs)))
    model.save(tmp_path / "other.keras")
    with pytest.raises(ValueError, match=r"other\.keras: expected a model whose second layer scales"):
        ImageClassifier(tmp_path / "other.keras")
