"""Model builders. Every model takes uint8 images (28x28) and scales them itself, so a saved
`.keras` file can be applied to the raw arrays directly."""

import keras
from keras import layers


def _image_input(image_shape: tuple[int, int]) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=image_shape, dtype="uint8", name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="scale_to_unit")(inputs)


def _weight_penalty(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """Keras adds the penalty to the mean cross-entropy, so a strength is per batch-mean loss."""
    return keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None


def dense_network(
    hidden_units: list[int], num_classes: int, activation: str = "relu",
    image_shape: tuple[int, int] = (28, 28), name: str = "dense",
    l1: float = 0.0, l2: float = 0.0, dropout: float = 0.0, max_norm: float | None = None,
) -> keras.Model:
    """A fully connected network: flatten, hidden layers, softmax output.

    Optional regularizers, all off by default: an L1/L2 weight penalty on every kernel, dropout after
    every hidden layer, and a max-norm constraint on the incoming weight vector of every unit
    (Srivastava et al. 2014).
    """
    penalty = _weight_penalty(l1, l2)
    constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None

    def dense(units: int, activation: str, layer_name: str) -> layers.Dense:
        return layers.Dense(units, activation=activation, name=layer_name, kernel_regularizer=penalty,
                            kernel_constraint=constraint)

    inputs, x = _image_input(image_shape)
    x = layers.Flatten(name="flatten")(x)
    for index, units in enumerate(hidden_units, start=1):
        x = dense(units, activation, f"hidden_{index}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index}")(x)
    outputs = dense(num_classes, "softmax", "class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
