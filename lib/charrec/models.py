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


def _conv_block(x, filters: int, kernel: int, strides: int, pool, batch_norm: bool, index: int):
    """Convolution ('same' padding), optional batch normalization, ReLU, then the given pooling layer."""
    x = layers.Conv2D(filters, kernel, strides=strides, padding="same", name=f"conv_{index}")(x)
    if batch_norm:
        # BN between convolution and ReLU, as in the source; the convolution keeps its bias so the
        # trainable counts stay comparable with the source's hand computation plus BN's scale and offset.
        x = layers.BatchNormalization(name=f"batch_norm_{index}")(x)
    x = layers.ReLU(name=f"relu_{index}")(x)
    return pool(pool_size=2, strides=2, name=f"{'max' if pool is layers.MaxPooling2D else 'average'}_pool_{index}")(x)


def tiny_cnn(num_classes: int, batch_norm: bool = False, image_shape: tuple[int, int] = (28, 28),
             name: str = "tiny_cnn") -> keras.Model:
    """The source's deliberately small CNN (4,470 trainable parameters with 10 classes, without BN).

    28x28 -> conv 16@7x7 -> pool 14x14 -> conv 8@5x5 -> pool 7x7 -> conv 4@3x3 stride 2 -> 4x4
    -> average pool 2x2 -> flatten 16 -> dense softmax.
    """
    inputs, x = _image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = _conv_block(x, 16, 7, 1, layers.MaxPooling2D, batch_norm, 1)
    x = _conv_block(x, 8, 5, 1, layers.MaxPooling2D, batch_norm, 2)
    x = _conv_block(x, 4, 3, 2, layers.AveragePooling2D, batch_norm, 3)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(num_classes, activation="softmax", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
