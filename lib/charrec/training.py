"""Training mechanics: determinism, fast input pipelines, timed fits."""

import time
from dataclasses import dataclass

import keras
import numpy as np
import pandas as pd
import tensorflow as tf


def make_deterministic(seed: int) -> None:
    """Seed Python, NumPy and TensorFlow and ask for deterministic ops: same seed, same metrics (same CPU)."""
    keras.utils.set_random_seed(seed)
    tf.config.experimental.enable_op_determinism()


def batched(x: np.ndarray, y: np.ndarray, batch_size: int, shuffle_seed: int | None = None) -> tf.data.Dataset:
    """An in-memory tf.data pipeline: cached, reshuffled each epoch when a seed is given, prefetched."""
    dataset = tf.data.Dataset.from_tensor_slices((x, y)).cache()
    if shuffle_seed is not None:
        dataset = dataset.shuffle(len(x), seed=shuffle_seed, reshuffle_each_iteration=True)
    return dataset.batch(batch_size).prefetch(tf.data.AUTOTUNE)


class _EpochTimer(keras.callbacks.Callback):
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
    model: keras.Model, x_train: np.ndarray, y_train: np.ndarray, validation: tuple[np.ndarray, np.ndarray] | None,
    epochs: int, batch_size: int, seed: int, callbacks: list | None = None,
) -> TrainingRun:
    """Fit a compiled model on uint8 images and integer labels; time every epoch."""
    timer = _EpochTimer()
    validation_data = batched(*validation, batch_size=max(batch_size, 1000)) if validation else None
    fit = model.fit(
        batched(x_train, y_train, batch_size, shuffle_seed=seed), validation_data=validation_data,
        epochs=epochs, callbacks=[timer, *(callbacks or [])], verbose=0,
        shuffle=False,  # the dataset shuffles itself (seeded); Keras would only warn that it ignores this
    )
    history = pd.DataFrame(fit.history)
    history.insert(0, "epoch", np.arange(1, len(history) + 1))
    history["seconds"] = timer.epoch_seconds
    seconds = float(np.sum(timer.epoch_seconds))
    return TrainingRun(model, history, seconds, len(x_train) * len(history) / seconds)


def compile_classifier(
    model: keras.Model, learning_rate: float | keras.optimizers.schedules.LearningRateSchedule,
    steps_per_execution: int = 1,
):
    """Adam and cross-entropy on integer labels (sparse: the same loss as one-hot categorical cross-entropy).

    `steps_per_execution` > 1 runs that many optimizer steps per call into the TensorFlow graph: the
    same updates in the same order, but the per-step Python/dispatch overhead is paid once per group,
    which dominates for small models with small batches.
    """
    model.compile(
        optimizer=keras.optimizers.Adam(learning_rate), loss="sparse_categorical_crossentropy", metrics=["accuracy"],
        steps_per_execution=steps_per_execution,
    )
    return model


def predict_probabilities(model: keras.Model, images: np.ndarray) -> np.ndarray:
    # A plain batched dataset: Keras's own NumPy adapter logs a TensorFlow op-definition error on this build.
    return model.predict(tf.data.Dataset.from_tensor_slices(images).batch(2000), verbose=0)
