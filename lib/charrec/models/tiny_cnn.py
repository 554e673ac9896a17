"""The source's 4,470-parameter CNN of the batch-norm ablation (05)."""

import keras
from keras import layers

from . import model
from .layers import FusedBatchNormalization, image_input


def _conv_block(x, filters: int, kernel: int, strides: int, pool, batch_norm: bool, index: int):
    """Convolution ('same' padding), optional batch normalization, ReLU, then the given pooling layer."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", name=f"conv_{index}")(x)
    if batch_norm:
        # BN between convolution and ReLU, as in the source; the convolution keeps its bias so the
        # trainable counts stay comparable with the source's hand computation plus BN's scale and offset.
        x = FusedBatchNormalization(name=f"batch_norm_{index}")(x)
    x = layers.ReLU(name=f"relu_{index}")(x)
    return pool(
        pool_size=2, strides=2, name=f"{'max' if pool is layers.MaxPooling2D else 'average'}_pool_{index}"
    )(x)


# Batch normalization (fused) costs this CNN about 1.4x its time (4,700-5,200 against 6,800-7,200
# images/s on 1 thread; 2x with Keras' own layer).
@model(display_name="4,470-parameter CNN", cost_per_image=6, cost_factors={"batch_norm": 1.4})
def tiny_cnn(
    num_classes: int,
    batch_norm: bool = False,
    image_shape: tuple[int, int] = (28, 28),
    name: str = "tiny_cnn",
) -> keras.Model:
    """The source's deliberately small CNN (4,470 trainable parameters with 10 classes, without BN).

    28x28 -> conv 16@7x7 -> pool 14x14 -> conv 8@5x5 -> pool 7x7 -> conv 4@3x3 stride 2 -> 4x4
    -> average pool 2x2 -> flatten 16 -> dense softmax.
    """
    inputs, x = image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = _conv_block(x, 16, 7, 1, layers.MaxPooling2D, batch_norm, 1)
    x = _conv_block(x, 8, 5, 1, layers.MaxPooling2D, batch_norm, 2)
    x = _conv_block(x, 4, 3, 2, layers.AveragePooling2D, batch_norm, 3)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
