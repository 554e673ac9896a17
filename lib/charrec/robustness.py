"""The stored models under test: batched predictions on many image sets, and FGSM adversarial images.

The study's models take uint8 images (N, 28, 28) and scale them to [0, 1] in their first layer; a uint8
input has no gradient, so `ImageClassifier` runs the layers after that scaling on float32 images in
[0, 1] (the same numbers as the model's own predictions). FGSM (I. J. Goodfellow, J. Shlens and C. Szegedy,
"Explaining and harnessing adversarial examples", ICLR 2015): x' = clip(x + eps * sign(grad_x loss), 0, 1)
with the cross-entropy of the true label; one gradient per image serves every eps.
"""

import numpy as np
import pandas as pd

from . import calibration
from .tasks import import_tensorflow_quietly

tf = import_tensorflow_quietly()
tf.get_logger().setLevel("ERROR")  # one compiled function per model: retracing notices are expected here
import keras  # noqa: E402

from .models import layers  # noqa: E402, F401  registers the layers of our own that saved models use


class ImageClassifier:
    """A stored model as a function of float32 images in [0, 1]: `probabilities`, `predict_uint8`,
    `gradient_sign`. Raises ValueError naming the file if its second layer is not the 1/255 scaling."""

    def __init__(self, path, batch_size: int = 2000):
        self.path, self.batch_size = str(path), batch_size
        model = keras.models.load_model(path, safe_mode=True)
        first = model.layers[1] if len(model.layers) > 1 else None
        if not (
            isinstance(first, keras.layers.Rescaling)
            and abs(first.scale - 1 / 255) < 1e-9
            and first.offset == 0
        ):
            raise ValueError(f"{path}: expected a model whose second layer scales uint8 images by 1/255")
        self.layers = model.layers[2:]
        spec = [tf.TensorSpec([None, 28, 28], tf.float32)]
        self._forward = tf.function(self._call, input_signature=spec)
        self._sign = tf.function(
            self._gradient_sign, input_signature=[*spec, tf.TensorSpec([None], tf.int32)]
        )

    def _call(self, images):
        outputs = images
        for layer in self.layers:
            outputs = layer(outputs, training=False)
        return outputs

    def _gradient_sign(self, images, labels):
        with tf.GradientTape() as tape:
            tape.watch(images)
            probabilities = self._call(images)
            loss = keras.losses.sparse_categorical_crossentropy(labels, probabilities)
        return tf.sign(tape.gradient(loss, images))

    def probabilities(self, images: np.ndarray) -> np.ndarray:
        """float32 (N, classes) for float images in [0, 1] (N, 28, 28), in batches."""
        out = [
            self._forward(tf.constant(images[i : i + self.batch_size], tf.float32)).numpy()
            for i in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(out) if out else np.zeros((0, self.layers[-1].units), np.float32)

    def predict_uint8(self, images: np.ndarray) -> np.ndarray:
        """float32 (N, classes) for uint8 images (N, 28, 28), converted batch by batch."""
        out = [
            self._forward(tf.constant(images[i : i + self.batch_size].astype(np.float32) / 255)).numpy()
            for i in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(out)

    def gradient_sign(self, images: np.ndarray, labels: np.ndarray) -> np.ndarray:
        """sign of d(cross-entropy)/d(image) per pixel: float32 (N, 28, 28) in {-1, 0, 1}."""
        out = [
            self._sign(
                tf.constant(images[i : i + self.batch_size], tf.float32),
                tf.constant(labels[i : i + self.batch_size], tf.int32),
            ).numpy()
            for i in range(0, len(images), self.batch_size)
        ]
        return np.concatenate(out)


def accuracies(classifier: ImageClassifier, image_sets: dict[str, np.ndarray], labels: np.ndarray) -> dict:
    """The share of images right in each set of uint8 images (N, 28, 28) with the same labels (N,):
    name -> fraction, from one pass over all sets."""
    names = list(image_sets)
    predicted = classifier.predict_uint8(np.concatenate([image_sets[n] for n in names])).argmax(axis=1)
    per_set = predicted.reshape(len(names), len(labels))
    return {name: float(np.mean(row == labels)) for name, row in zip(names, per_set)}


def fgsm(
    classifier: ImageClassifier, images: np.ndarray, labels: np.ndarray, epsilons: list[float]
) -> pd.DataFrame:
    """FGSM against `classifier` on uint8 images (N, 28, 28) with labels (N,): one row per eps (in units of
    the [0, 1] pixel range) with accuracy, mean_confidence (mean top probability, all images) and
    error_confidence (mean top probability of the misclassified images; NaN if none)."""
    clean = images.astype(np.float32) / 255
    sign = classifier.gradient_sign(clean, labels.astype(np.int32))
    rows = []
    for epsilon in epsilons:
        p = classifier.probabilities(np.clip(clean + np.float32(epsilon) * sign, 0, 1))
        right = p.argmax(axis=1) == labels
        top = p.max(axis=1)
        rows.append(
            {
                "epsilon": float(epsilon),
                "accuracy": float(right.mean()),
                "mean_confidence": float(top.mean()),
                "error_confidence": float(top[~right].mean()) if (~right).any() else float("nan"),
            }
        )
    return pd.DataFrame(rows)


def stored_runs(models_params: dict, root=None) -> pd.DataFrame:
    """The stored runs of the models under test, one row per final run: model (its label), notebook,
    metrics_key, seed, final (model file), test_probabilities (file), validation (the model file whose
    validation-image probabilities fit this run's temperature) and validation_seed.

    `models_params`: label -> {notebook, metrics_key, final: run labels, validation: run labels}, as in
    `params/08_how_models_fail.yaml`. A final run takes the validation run of its own seed where there is
    one, else the first; validation runs that store no model (e.g. 03's ablation seeds) are skipped.
    Trains nothing in the pipeline (charrec.tasks.results_for raises FileNotFoundError naming missing runs
    there); raises ValueError naming the model when no run matches."""
    from .params import notebook_params
    from .tasks import results_for

    rows = []
    for label, entry in models_params.items():
        results = results_for(entry["notebook"], notebook_params(entry["notebook"], root=root), root=root)
        finals = results.select(**entry["final"])
        validations = [spec for spec in results.select(**entry["validation"]) if spec.test or spec.keep_model]
        if not finals or not validations:
            which = "final" if not finals else "validation"
            raise ValueError(
                f"params/08_how_models_fail.yaml: 'models.{label}.{which}': no run of {entry['notebook']} "
                f"has the labels {entry[which]}" + (" and stores its model" if finals else "")
            )
        by_seed = {spec.seed: spec for spec in validations}
        for spec in finals:
            validation = by_seed.get(spec.seed, validations[0])
            rows.append(
                {
                    "model": label,
                    "notebook": entry["notebook"],
                    "metrics_key": entry.get("metrics_key", label),
                    "seed": spec.seed,
                    "final": results.model_file(spec.key),
                    "test_probabilities": results._stored(spec.key, "probabilities"),
                    "validation": results.model_file(validation.key),
                    "validation_seed": validation.seed,
                }
            )
    return pd.DataFrame(rows)


def evaluate_runs(
    runs: pd.DataFrame,
    image_sets: dict[str, np.ndarray],
    set_labels: np.ndarray,
    sweeps: dict[tuple[str, float], np.ndarray],
    sweep_labels: np.ndarray,
    attack_images: np.ndarray,
    epsilons: list[float],
    validation: tuple[np.ndarray, np.ndarray],
    test_labels: np.ndarray,
    bins: int,
    threshold: float,
) -> dict[str, pd.DataFrame]:
    """Score every run of `stored_runs` and return its tables (accuracies as fractions):

    - "scores": one row per run (model, seed) with its accuracy on each of `image_sets` (uint8
      (N, 28, 28) sets sharing `set_labels`);
    - "sweeps": one row per run and sweep point: model, seed, sweep (kind), amount, accuracy, from
      `sweeps` ((kind, amount) -> uint8 images sharing `sweep_labels`);
    - "attacks": FGSM per run and eps on `attack_images` (uint8, labelled `sweep_labels`; see `fgsm`),
      with model and seed;
    - "calibration": per run and stage ("before" / "after" temperature scaling): temperature (fitted
      on `validation` = (uint8 images, labels) by the run's validation model), validation NLL, and the
      `calibration.scores` of the run's stored test probabilities against `test_labels`;
    - "reliability": the reliability tables (`calibration.reliability`) per run and stage.
    Each validation model predicts the validation images once, however many runs share it."""
    tables = {name: [] for name in ("scores", "sweeps", "attacks", "calibration", "reliability")}
    named_sweeps = {f"{kind}/{amount}": images for (kind, amount), images in sweeps.items()}
    on_validation = {}
    x_val, y_val = validation
    for run in runs.itertuples():
        classifier = ImageClassifier(run.final)
        who = {"model": run.model, "seed": run.seed}
        tables["scores"].append({**who, **accuracies(classifier, image_sets, set_labels)})
        for key, value in accuracies(classifier, named_sweeps, sweep_labels).items():
            kind, amount = key.split("/")
            tables["sweeps"].append({**who, "sweep": kind, "amount": float(amount), "accuracy": value})
        tables["attacks"].append(fgsm(classifier, attack_images, sweep_labels, epsilons).assign(**who))
        if run.validation not in on_validation:
            source = classifier if run.validation == run.final else ImageClassifier(run.validation)
            on_validation[run.validation] = source.predict_uint8(x_val)
        temperature = calibration.fit_temperature(on_validation[run.validation], y_val)
        test = np.load(run.test_probabilities)
        for stage, scale in (("before", 1.0), ("after", temperature)):
            probabilities = calibration.scaled(test, scale)
            tables["calibration"].append(
                {
                    **who,
                    "stage": stage,
                    "temperature": temperature,
                    "validation NLL": calibration.nll(
                        calibration.scaled(on_validation[run.validation], scale), y_val
                    ),
                    **calibration.scores(probabilities, test_labels, bins, threshold),
                }
            )
            tables["reliability"].append(
                calibration.reliability(probabilities, test_labels, bins).assign(**who, stage=stage)
            )
    return {
        name: pd.concat(rows, ignore_index=True) if name in ("attacks", "reliability") else pd.DataFrame(rows)
        for name, rows in tables.items()
    }
