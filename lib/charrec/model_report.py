"""The evaluation section every model report shares: test accuracy, per-class table, confusion
matrix and the gallery of misclassified test images."""

import numpy as np
from IPython.display import Markdown, display

from . import figures
from .evaluation import confusion, misclassified, per_class_table
from .report import show_figure, show_table


def show_test_evaluation(
    probabilities: np.ndarray,
    y_test: np.ndarray,
    x_test: np.ndarray,
    class_names,
    gallery_size: int,
    model_label: str,
) -> dict:
    """Display the evaluation of one model's test predictions; return its headline numbers."""
    predicted = probabilities.argmax(axis=1)
    mistakes = misclassified(y_test, probabilities)
    accuracy = float((predicted == y_test).mean())
    display(
        Markdown(
            f"**{model_label}**: test accuracy {100 * accuracy:.2f} %, "
            f"{len(mistakes)} of {len(y_test):,} test images misclassified."
        )
    )
    show_table(
        per_class_table(y_test, predicted, class_names),
        caption=f"Per-class precision, recall and F1 on the test set ({model_label})",
        decimals=4,
    )
    show_figure(
        figures.confusion_heatmap(confusion(y_test, predicted, len(class_names)), class_names),
        caption=f"Confusion matrix on the test set ({model_label}): true class by row, predicted by column",
    )
    if gallery_size and len(mistakes):
        # What the titles mean is in the caption, which the PDF keeps with the figure wherever it floats
        show_figure(
            figures.misclassified_gallery(x_test, mistakes, class_names, gallery_size),
            caption=f"The {min(gallery_size, len(mistakes))} most confident mistakes on the test set "
            f"({model_label}), each titled with its true class, → the predicted class, and the confidence of "
            "the prediction",
        )
    return {"test_accuracy": accuracy, "misclassified": len(mistakes)}
