"""The source's simple CNN (04)."""

import keras
from keras import layers

from . import model
from .layers import image_input


@model(display_name="simple CNN", cost_per_image=10)
def simple_cnn(
    num_classes: int, image_shape: tuple[int, int] = (28, 28), name: str = "simple_cnn"
) -> keras.Model:
    """The source's CNN: Conv32(3x3)-MaxPool-Conv64(3x3)-MaxPool-Conv64(3x3)-Flatten-Dense64-Dense10, ReLU."""
    inputs, x = image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = layers.Conv2D(32, 3, activation="relu", name="conv_1")(x)
    x = layers.MaxPooling2D(name="pool_1")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv_2")(x)
    x = layers.MaxPooling2D(name="pool_2")(x)
    x = layers.Conv2D(64, 3, activation="relu", name="conv_3")(x)
    x = layers.Flatten(name="flatten")(x)
    x = layers.Dense(64, activation="relu", name="dense")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
