"""The models' own layers against the Keras layers they replace."""

import keras
import numpy as np
import tensorflow as tf

from charrec.models.layers import FusedBatchNormalization
from charrec.models.tiny_cnn import tiny_cnn


def test_fused_batch_normalization_matches_keras_in_training_and_inference():
    images = np.random.default_rng(0).normal(2.0, 3.0, size=(8, 6, 6, 5)).astype("float32")
    fused = FusedBatchNormalization(momentum=0.9, name="fused")
    reference = keras.layers.BatchNormalization(momentum=0.9, name="reference")
    fused.build(images.shape)
    reference.build(images.shape)
    weights = [np.linspace(0.5, 1.5, 5, dtype="float32"), np.linspace(-1, 1, 5, dtype="float32")]
    for layer in (fused, reference):
        layer.set_weights([*weights, np.zeros(5, "float32"), np.ones(5, "float32")])

    def step(layer):
        x = tf.constant(images)
        with tf.GradientTape() as tape:
            tape.watch(x)
            outputs = layer(x, training=True)
            loss = tf.reduce_sum(outputs * tf.sin(outputs))  # a loss whose gradient varies per value
        gradients = tape.gradient(loss, [x, layer.gamma, layer.beta])
        return outputs.numpy(), [g.numpy() for g in gradients]

    fused_outputs, fused_gradients = step(fused)
    reference_outputs, reference_gradients = step(reference)
    np.testing.assert_allclose(fused_outputs, reference_outputs, atol=1e-4)
    for ours, theirs in zip(fused_gradients, reference_gradients, strict=True):
        np.testing.assert_allclose(ours, theirs, rtol=1e-3, atol=1e-3)
    # the moving statistics follow the batch mean and the batch variance (not Bessel-corrected), as in Keras
    np.testing.assert_allclose(fused.moving_mean.numpy(), 0.1 * images.mean(axis=(0, 1, 2)), rtol=1e-5)
    np.testing.assert_allclose(fused.moving_variance.numpy(), reference.moving_variance.numpy(), rtol=1e-5)
    np.testing.assert_allclose(
        fused(images, training=False).numpy(), reference(images, training=False).numpy(), atol=1e-5
    )


def test_a_model_with_fused_batch_normalization_saves_and_loads(tmp_path):
    model = tiny_cnn(num_classes=10, batch_norm=True)
    images = np.random.default_rng(1).integers(0, 256, size=(4, 28, 28), dtype=np.uint8)
    model.save(tmp_path / "model.keras")
    loaded = keras.models.load_model(tmp_path / "model.keras", safe_mode=True)
    assert [type(layer).__name__ for layer in loaded.layers].count("FusedBatchNormalization") == 3
    np.testing.assert_allclose(loaded.predict(images, verbose=0), model.predict(images, verbose=0), atol=1e-6)
