"""How far a classifier's confidence can be trusted: calibration scores and temperature scaling.

Scores (C. Guo, G. Pleiss, Y. Sun and K. Q. Weinberger, "On calibration of modern neural networks",
ICML 2017): the expected calibration error (ECE: the mean gap between confidence and accuracy over equal-
width confidence bins, weighted by the share of images in each), the negative log-likelihood (NLL) and the
Brier score (the mean over images of the squared distance between the probability vector and the one-hot
label). Temperature scaling divides the logits by one number T > 0 fitted to minimise the NLL on held-out
images; it changes no prediction, only the confidence.

The study's models output probabilities (a softmax); their logits are recovered as log-probabilities
(equal to the logits up to a constant per image, which the softmax ignores). Probabilities below float32's
smallest (1e-45) count as 1e-45. Every function takes `probabilities` as an (N, classes) float array whose
rows sum to 1 and `labels` as (N,) integers.
"""

import numpy as np
import pandas as pd
from scipy.optimize import minimize_scalar
from scipy.special import log_softmax, softmax

TINY = 1e-45


def log_probabilities(probabilities: np.ndarray) -> np.ndarray:
    """log p as float64 (N, classes), p clipped below at 1e-45."""
    return np.log(np.clip(np.asarray(probabilities, dtype=np.float64), TINY, None))


def scaled(probabilities: np.ndarray, temperature: float) -> np.ndarray:
    """The probabilities with the logits divided by `temperature` (> 0): float64 (N, classes)."""
    if not temperature > 0:
        raise ValueError(f"the temperature must be positive, got {temperature}")
    return softmax(log_probabilities(probabilities) / temperature, axis=1)


def nll(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The mean negative log-likelihood of the true labels (nats)."""
    logp = log_probabilities(probabilities)
    return float(-np.mean(logp[np.arange(len(labels)), labels]))


def brier(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The mean over images of the summed squared error against the one-hot label (0 best, 2 worst)."""
    p = np.asarray(probabilities, dtype=np.float64)
    onehot = np.eye(p.shape[1])[labels]
    return float(np.mean(np.sum((p - onehot) ** 2, axis=1)))


def reliability(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> pd.DataFrame:
    """One row per non-empty confidence bin (equal widths over [0, 1]): bin (index), low, high,
    images, confidence (mean top probability), accuracy (share right)."""
    p = np.asarray(probabilities, dtype=np.float64)
    confidence, right = p.max(axis=1), p.argmax(axis=1) == labels
    index = np.clip(np.ceil(confidence * bins).astype(int) - 1, 0, bins - 1)  # bins (low, high]
    rows = [
        {
            "bin": b,
            "low": b / bins,
            "high": (b + 1) / bins,
            "images": int(np.sum(index == b)),
            "confidence": float(confidence[index == b].mean()),
            "accuracy": float(right[index == b].mean()),
        }
        for b in range(bins)
        if np.any(index == b)
    ]
    return pd.DataFrame(rows)


def ece(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15) -> float:
    """Expected calibration error over `bins` equal-width bins (a fraction; Guo et al. use 15)."""
    table = reliability(probabilities, labels, bins)
    return float(np.sum(table["images"] * np.abs(table["accuracy"] - table["confidence"])) / len(labels))


def confident_error_share(probabilities: np.ndarray, labels: np.ndarray, threshold: float = 0.99) -> float:
    """The share of the misclassified images whose top probability exceeds `threshold` (NaN if none)."""
    p = np.asarray(probabilities)
    wrong = p.argmax(axis=1) != labels
    return float(np.mean(p[wrong].max(axis=1) > threshold)) if wrong.any() else float("nan")


def fit_temperature(probabilities: np.ndarray, labels: np.ndarray) -> float:
    """The temperature in [0.05, 20] that minimises the NLL of `labels` (bounded search over log T)."""
    logp = log_probabilities(probabilities)
    rows = np.arange(len(labels))

    def loss(log_temperature: float) -> float:
        return float(-np.mean(log_softmax(logp / np.exp(log_temperature), axis=1)[rows, labels]))

    found = minimize_scalar(
        loss, bounds=(np.log(0.05), np.log(20.0)), method="bounded", options={"xatol": 1e-4}
    )
    return float(np.exp(found.x))


def scores(probabilities: np.ndarray, labels: np.ndarray, bins: int = 15, threshold: float = 0.99) -> dict:
    """accuracy, ece, nll, brier and confident_errors (the share of errors above `threshold`) in one dict."""
    p = np.asarray(probabilities)
    return {
        "accuracy": float(np.mean(p.argmax(axis=1) == labels)),
        "ece": ece(p, labels, bins),
        "nll": nll(p, labels),
        "brier": brier(p, labels),
        "confident_errors": confident_error_share(p, labels, threshold),
    }
