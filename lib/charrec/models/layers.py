"""Layers and helpers shared by several model families: the uint8 image input, the weight penalty, and
Keras' batch normalization computed by TensorFlow's fused kernel.

Loading a saved model that uses `FusedBatchNormalization` needs this module imported (the class is
registered with Keras as "charrec>FusedBatchNormalization").
"""

import keras
from keras import layers


@keras.saving.register_keras_serializable(package="charrec")
class FusedBatchNormalization(layers.BatchNormalization):
    """Keras' `BatchNormalization`, with its training steps computed by TensorFlow's fused kernel.

    Same weights, arguments and results (to float32 round-off) as the Keras layer, which on
    the TensorFlow backend computes a training step from about ten elementwise operations (two passes for
    the mean and variance, the normalization, the moving-average updates) and autodiff through them. The
    fused kernel (Ioffe & Szegedy 2015's transform, one operation forward and one backward) trains the
    4,470-parameter CNN with BN about 1.1-1.3x and the improved CNN about 1.3-1.4x faster on 1 CPU
    thread (measured side by side on 20,000 MNIST images; `benchmarks/roofline.py` has both layers'
    rows).

    Used for 4-D channels-last float32 inputs in training on the TensorFlow backend; anything else
    (inference, a mask, float16 under mixed precision, another backend) goes to the Keras layer. The
    moving variance is updated with the batch variance (divided by the number of values, as Keras does),
    not the kernel's Bessel-corrected one. `synchronized=True` (statistics across replicas) is not
    honoured in the fused path; the study's models never set it. Loading a saved model needs this module
    imported (the class is registered as "charrec>FusedBatchNormalization").
    """

    def call(self, inputs, training=None, mask=None):
        fused = (
            training
            and self.trainable
            and mask is None
            and not self.renorm
            and self.scale
            and self.center
            and len(inputs.shape) == 4
            and self.axis in (-1, 3)
            and keras.backend.backend() == "tensorflow"
            and keras.backend.standardize_dtype(inputs.dtype) == "float32"
        )
        if not fused:
            return super().call(inputs, training=training, mask=mask)
        import tensorflow as tf

        outputs, mean, variance = tf.compat.v1.nn.fused_batch_norm(
            inputs, self.gamma, self.beta, epsilon=self.epsilon, data_format="NHWC", is_training=True
        )
        values = tf.cast(tf.reduce_prod(tf.shape(inputs)[:3]), variance.dtype)
        variance = variance * (values - 1.0) / values  # undo the kernel's Bessel correction
        self.moving_mean.assign(self.moving_mean * self.momentum + mean * (1.0 - self.momentum))
        self.moving_variance.assign(self.moving_variance * self.momentum + variance * (1.0 - self.momentum))
        return tf.cast(outputs, self.compute_dtype)


def image_input(image_shape: tuple[int, int]) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=image_shape, dtype="uint8", name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="scale_to_unit")(inputs)


def weight_penalty(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """Keras adds the penalty to the mean cross-entropy, so a strength is per batch-mean loss."""
    return keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None
