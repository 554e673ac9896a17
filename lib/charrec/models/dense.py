"""Fully connected networks: the dense baselines of 02 and 06 and the regularized network of 03."""

import keras
from keras import layers

from . import model
from .layers import image_input, weight_penalty


@model(display_name="dense network", cost_per_image=1)
def dense_network(
    hidden_units: list[int],
    num_classes: int,
    activation: str = "relu",
    image_shape: tuple[int, int] = (28, 28),
    name: str = "dense",
    l1: float = 0.0,
    l2: float = 0.0,
    dropout: float = 0.0,
    max_norm: float | None = None,
    shift_fraction: float = 0.0,
) -> keras.Model:
    """A fully connected network: flatten, hidden layers, softmax output.

    Optional regularizers, all off by default: an L1/L2 weight penalty on every kernel, dropout after
    every hidden layer, a max-norm constraint on the incoming weight vector of every unit
    (Srivastava et al. 2014), and random shifts of the training images by up to `shift_fraction` of
    their side (data augmentation, active only in training).
    """
    penalty = weight_penalty(l1, l2)
    constraint = keras.constraints.MaxNorm(max_norm, axis=0) if max_norm else None

    def dense(units: int, activation: str, layer_name: str, **options) -> layers.Dense:
        return layers.Dense(
            units,
            activation=activation,
            name=layer_name,
            kernel_regularizer=penalty,
            kernel_constraint=constraint,
            **options,
        )

    inputs, x = image_input(image_shape)
    if shift_fraction:
        x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
        x = layers.RandomTranslation(
            shift_fraction, shift_fraction, fill_mode="constant", name="random_shift"
        )(x)
    x = layers.Flatten(name="flatten")(x)
    for index, units in enumerate(hidden_units, start=1):
        x = dense(units, activation, f"hidden_{index}")(x)
        if dropout:
            x = layers.Dropout(dropout, name=f"dropout_{index}")(x)
    outputs = dense(num_classes, "softmax", "class_probabilities", dtype="float32")(x)
    return keras.Model(inputs, outputs, name=name)
