"""Model builders. Every model takes uint8 images (28x28) and scales them itself, so a saved
`.keras` file can be applied to the raw arrays directly. Output layers compute in float32, also
under mixed precision on a GPU, so the probabilities and the loss keep full precision."""

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


def _image_input(image_shape: tuple[int, int]) -> tuple[keras.KerasTensor, keras.KerasTensor]:
    inputs = keras.Input(shape=image_shape, dtype="uint8", name="image")
    return inputs, layers.Rescaling(1.0 / 255, name="scale_to_unit")(inputs)


def _weight_penalty(l1: float, l2: float) -> keras.regularizers.Regularizer | None:
    """Keras adds the penalty to the mean cross-entropy, so a strength is per batch-mean loss."""
    return keras.regularizers.L1L2(l1=l1, l2=l2) if (l1 or l2) else None


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
    penalty = _weight_penalty(l1, l2)
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

    inputs, x = _image_input(image_shape)
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


def simple_cnn(
    num_classes: int, image_shape: tuple[int, int] = (28, 28), name: str = "simple_cnn"
) -> keras.Model:
    """The source's CNN: Conv32(3x3)-MaxPool-Conv64(3x3)-MaxPool-Conv64(3x3)-Flatten-Dense64-Dense10, ReLU."""
    inputs, x = _image_input(image_shape)
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
    inputs, x = _image_input(image_shape)
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
    inputs, x = _image_input(image_shape)
    x = layers.Reshape((*image_shape, 1), name="add_channel")(x)
    x = _conv_block(x, 16, 7, 1, layers.MaxPooling2D, batch_norm, 1)
    x = _conv_block(x, 8, 5, 1, layers.MaxPooling2D, batch_norm, 2)
    x = _conv_block(x, 4, 3, 2, layers.AveragePooling2D, batch_norm, 3)
    x = layers.Flatten(name="flatten")(x)
    outputs = layers.Dense(num_classes, activation="softmax", dtype="float32", name="class_probabilities")(x)
    return keras.Model(inputs, outputs, name=name)
