"""Model builders. Every model takes uint8 images (28x28) and scales them itself, so a saved
`.keras` file can be applied to the raw arrays directly."""

import keras
from keras import layers


def _image_input(image_shape: tuple[int, int]) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=image_shape, dtype="uint8", name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="scale_to_unit")(inputs)


def dense_network(
    hidden_units: list[int], num_classes: int, activation: str = "relu",
    image_shape: tuple[int, int] = (28, 28), name: str = "dense",
) -> keras.Model:
    """A fully connected network: flatten, hidden layers, softmax output."""
    inputs, x = _image_input(image_shape)
    x = layers.Flatten(name="flatten")(x)
    for index, units in enumerate(hidden_units, start=1):
        x = layers.Dense(units, activation=activation, name=f"hidden_{index}")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
