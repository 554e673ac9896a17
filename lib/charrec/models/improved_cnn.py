"""The improved CNN of 04 and 06: augmentation, conv-BN-ReLU blocks, dropout."""

import keras
from keras import layers

from . import model
from .layers import FusedBatchNormalization, image_input


def augmentation(rotation_degrees: float, shift_fraction: float, zoom_fraction: float) -> keras.Sequential:
    """Random rotation, shift and zoom, drawn afresh for every image and batch; Keras applies
    these layers only in training, so evaluation and prediction see the images unchanged.
    Pixels moved in from outside are black (0), like the MNIST background."""
    fill = {"fill_mode": "constant", "fill_value": 0.0}
    return keras.Sequential(
        [
            layers.RandomRotation(rotation_degrees / 360, **fill),
            layers.RandomTranslation(shift_fraction, shift_fraction, **fill),
            layers.RandomZoom(zoom_fraction, **fill),
        ],
        name="augmentation",
    )


def _conv_bn_relu(x, filters: int, kernel: int, name: str, strides: int = 1, padding: str = "same"):
    # No bias: batch normalization's shift replaces it.
    x = layers.Conv2D(filters, kernel, strides=strides, padding=padding, use_bias=False, name=name)(x)
    # Momentum 0.9 (Keras default 0.99): the running mean and variance used at inference follow
    # the weights within tens of steps, which matters in short runs with a high learning rate.
    x = FusedBatchNormalization(momentum=0.9, name=f"{name}_bn")(x)
    return layers.ReLU(name=f"{name}_relu")(x)


@model(display_name="improved CNN", cost_per_image=28)
def improved_cnn(
    num_classes: int,
    filters: list[int],
    dense_units: int,
    dropout: float,
    rotation_degrees: float,
    shift_fraction: float,
    zoom_fraction: float,
    image_shape: tuple[int, int] = (28, 28),
    name: str = "improved_cnn",
) -> keras.Model:
    """Augmentation, then three stages of conv-BN-ReLU blocks (full, half, quarter resolution),
    a dense layer and dropout. The first stage has one convolution and is pooled at once, because
    full-resolution convolutions dominate the multiply-adds (and the CPU time) of a CNN on 28x28."""
    inputs, x = image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = augmentation(rotation_degrees, shift_fraction, zoom_fraction)(x)
    x = _conv_bn_relu(x, filters[0], 3, "conv_1")
    x = layers.MaxPooling2D(name="pool_1")(x)  # 14x14
    x = _conv_bn_relu(x, filters[1], 3, "conv_2a")
    x = _conv_bn_relu(x, filters[1], 3, "conv_2b")
    x = layers.MaxPooling2D(name="pool_2")(x)  # 7x7
    x = _conv_bn_relu(x, filters[2], 3, "conv_3a", padding="valid")  # 5x5
    x = _conv_bn_relu(x, filters[2], 3, "conv_3b", padding="valid")  # 3x3
    x = layers.Flatten(name="flatten")(x)
    # Dropout only after the last hidden layer: dropout feeding a batch normalization shifts the
    # variance it sees between training and inference, and costs accuracy.
    x = layers.Dense(dense_units, activation="relu", name="dense")(x)
    x = layers.Dropout(dropout, name="dropout")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
