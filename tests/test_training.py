"""Real TensorFlow training on a few hundred images: determinism and the timing record."""

import numpy as np

from charrec.models.dense import dense_network
from charrec.training import compile_classifier, make_deterministic, predict_probabilities, train


def tiny_run(seed: int):
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(400, 28, 28), dtype=np.uint8)
    y = (x[:, 14, :14].mean(axis=1) > 127).astype(np.uint8)  # a learnable rule
    make_deterministic(seed)
    model = compile_classifier(dense_network([32, 16], 2), 0.003)
    run = train(model, x[:300], y[:300], (x[300:], y[300:]), epochs=3, batch_size=50, seed=seed)
    return run, predict_probabilities(model, x[300:])


def test_same_seed_same_results_and_history_is_complete():
    first, first_probabilities = tiny_run(seed=1)
    second, second_probabilities = tiny_run(seed=1)
    other, other_probabilities = tiny_run(seed=2)
    metrics = ["loss", "accuracy", "val_loss", "val_accuracy"]
    assert first.history[metrics].equals(second.history[metrics])
    np.testing.assert_array_equal(first_probabilities, second_probabilities)
    assert not np.array_equal(first_probabilities, other_probabilities)
    assert first.history["epoch"].tolist() == [1, 2, 3]
    assert (first.history["seconds"] > 0).all() and first.images_per_second > 0
    assert first.model.input.dtype == "uint8" and first_probabilities.shape == (100, 2)
