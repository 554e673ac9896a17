"""Training mechanics: determinism, the input pipeline, the optimizer and its schedule, timed fits."""

import time
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
import tensorflow as tf


def make_deterministic(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and ask for deterministic ops: same seed, same metrics (same CPU)."""
    keras.backend.clear_session()  # a fresh global state, whatever ran before in this process
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def batched(
    x: np.ndarray, y: np.ndarray, batch_size: int, shuffle_seed: int | None = None
) -> tf.data.Dataset:
    """An in-memory tf.data pipeline: cached, reshuffled each epoch when a seed is given, prefetched."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class EpochTimer(keras.callbacks.Callback):
    """Records the wall time of every epoch in `epoch_seconds`."""

    def on_train_begin(self, logs=None):
        self.epoch_seconds = []

    def on_epoch_begin(self, epoch, logs=None):
        self._start = time.perf_counter()

    def on_epoch_end(self, epoch, logs=None):
        self.epoch_seconds.append(time.perf_counter() - self._start)


@dataclass
class TrainingRun:
    model: keras.Model
    history: pd.DataFrame  # one row per epoch: loss, accuracy, val_loss, val_accuracy, seconds
    train_seconds: float
    images_per_second: float


def train(
    model: keras.Model,
    x_train: np.ndarray,
    y_train: np.ndarray,
    validation: tuple[np.ndarray, np.ndarray] | None,
    epochs: int,
    batch_size: int,
    seed: int,
    callbacks: list | None = None,
) -> TrainingRun:
    """Fit a compiled model on uint8 images and integer labels; time every epoch."""
    timer = EpochTimer()
    validation_data = batched(*validation, batch_size=max(batch_size, 1000)) if validation else None
    fit = model.fit(
        batched(x_train, y_train, batch_size, shuffle_seed=seed),
        validation_data=validation_data,
        epochs=epochs,
        callbacks=[timer, *(callbacks or [])],
        shuffle=False,
        verbose=0,  # tf.data shuffles
    )
    history = pd.DataFrame(fit.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    history["seconds"] = timer.epoch_seconds
    seconds = float(np.sum(timer.epoch_seconds))
    return TrainingRun(model, history, seconds, len(x_train) * len(history) / seconds)


def learning_rate_schedule(
    learning_rate: float, schedule: str, steps_per_epoch: int, epochs: int, warmup_epochs: int = 0
):
    """Adam's learning rate: `learning_rate` held constant, or ("cosine") a cosine decay from it to zero at
    the last step, after an optional linear warm-up from a tenth of it over `warmup_epochs` epochs
    (Loshchilov & Hutter 2017, SGDR, without restarts; Goyal et al. 2017 for the warm-up).

    A high rate early makes fast progress; a rate near zero at the end lets the weights settle, which
    smooths the last epochs' validation accuracy. Raises ValueError for another schedule name.
    """
    if schedule == "constant":
        return learning_rate
    if schedule != "cosine":
        raise ValueError(f"unknown learning-rate schedule '{schedule}' (constant or cosine)")
    warmup_steps = min(warmup_epochs, epochs - 1) * steps_per_epoch
    return keras.optimizers.schedules.CosineDecay(
        learning_rate / 10 if warmup_steps else learning_rate,
        max(epochs * steps_per_epoch - warmup_steps, 1),
        warmup_target=learning_rate if warmup_steps else None,
        warmup_steps=warmup_steps,
    )


def compile_classifier(
    model: keras.Model,
    learning_rate: float | keras.optimizers.schedules.LearningRateSchedule,
    steps_per_execution: int = 1,
):
    """Adam and cross-entropy on integer labels (sparse: the same loss as one-hot categorical cross-entropy).

    `steps_per_execution` > 1 runs that many optimizer steps per call into the TensorFlow graph: the
    same updates in the same order, but the per-step Python/dispatch overhead is paid once per group,
    which dominates for small models with small batches.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate),
        loss="sparse_categorical_crossentropy",
        metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def evaluate(model: keras.Model, images: np.ndarray, labels: np.ndarray) -> tuple[float, float]:
    """The model's mean loss and accuracy (fraction) on uint8 images in inference mode, through tf.data
    in batches of 2,000 (numpy arrays into `evaluate` make Keras log `NodeDef mentions attribute` lines)."""
    loss, accuracy = model.evaluate(batched(images, labels, 2000), verbose=0)
    return float(loss), float(accuracy)


def predict_probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    # A tf.data input: numpy arrays make Keras build a parallel map that logs a spurious TensorFlow error.
    return model.predict(tf.data.Dataset.from_tensor_slices(images).batch(2000), verbose=0)


def shifted_views(images: np.ndarray, pixels: int) -> list[np.ndarray]:
    """The images and their copies shifted by `pixels` up, down, left and right, the uncovered border
    black (0): five arrays of the input's shape and dtype (N x height x width)."""
    from scipy.ndimage import shift

    moves = [(0, 0), (-pixels, 0), (pixels, 0), (0, -pixels), (0, pixels)]
    return [images if move == (0, 0) else shift(images, (0, *move), order=0, cval=0) for move in moves]


def predict_with_shifts(model: keras.Model, images: np.ndarray, pixels: int) -> tuple[np.ndarray, np.ndarray]:
    """Test-time augmentation: the model's probabilities on the images as they are, and their mean over
    the images and their four shifts by `pixels` (see `shifted_views`); two float32 arrays, images x
    classes, from one prediction per view. Small shifts are among the training augmentations, so each
    view is a plausible input; averaging them cancels some position errors (a standard trick, e.g.
    Simard et al. 2003 used shifted copies in training)."""
    views = [predict_probabilities(model, view) for view in shifted_views(images, pixels)]
    return views[0], np.mean(views, axis=0)


def use_available_accelerators(mixed_precision: bool = True) -> str:
    """Use what the machine offers and say what that is (for the report).

    No GPU: plain CPU training. GPUs: memory allocated as needed, mixed float16 precision (tensor cores;
    the output layers stay float32), and with several GPUs a MirroredStrategy as the default strategy, so
    every model built and fitted afterwards is replicated and its batches split across the GPUs.
    """
    gpus = tf.config.list_physical_devices("GPU")
    if not gpus:
        return f"CPU ({tf.config.threading.get_intra_op_parallelism_threads() or 'all'} threads)"
    for gpu in gpus:
        tf.config.experimental.set_memory_growth(gpu, True)
    if mixed_precision:
        keras.mixed_precision.set_global_policy("mixed_float16")
    if len(gpus) > 1:
        tf.distribute.experimental_set_strategy(tf.distribute.MirroredStrategy())
    return f"{len(gpus)} GPU(s){', mixed float16' if mixed_precision else ''}"
