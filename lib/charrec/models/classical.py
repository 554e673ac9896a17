"""Classical baselines from scikit-learn: logistic regression, k nearest neighbours and an RBF-kernel SVM.

Each builder returns an unfitted scikit-learn estimator that takes flattened images, (N, 784) float32
pixels scaled to 0..1 (`pixels`), and predicts integer classes. They are registered like the Keras models
(`@model`), so the plans name them in run specs and every run's fingerprint covers this module; they train
through this family's own path, `execute` (`charrec.classical`): one fit, no epochs, batches or learning
rate. `cost_per_image` is the fit plus the predictions of one run relative to the dense baseline's time
per image and epoch, measured on this study's 2-core machine (README, Benchmarks).

The published figures these are compared with: LeCun et al. 1998 (Proc. IEEE 86(11), the table of test
error rates in section III.C, fig. 9), quoted in `charrec.references.CLASSICAL_PUBLISHED`.
"""

from sklearn.decomposition import PCA
from sklearn.linear_model import LogisticRegression
from sklearn.neighbors import KNeighborsClassifier
from sklearn.pipeline import Pipeline
from sklearn.svm import SVC

from ..classical import execute  # noqa: F401  (this family's training path; see charrec.tasks)
from . import model


@model(display_name="logistic regression", cost_per_image=15)
def logistic_regression(num_classes: int, C: float, max_iterations: int = 1000):  # noqa: N803
    """Multinomial logistic regression (a linear classifier: one weight per pixel and class, and a bias
    per class), fitted by L-BFGS on the cross-entropy with an L2 penalty of strength 1/`C` (scikit-learn's
    convention: a larger C penalises less). `max_iterations` bounds the solver's iterations; the run records
    how many it used."""
    return LogisticRegression(C=C, max_iter=max_iterations, tol=1e-4)


@model(display_name="k-nearest neighbours", cost_per_image=8)
def nearest_neighbors(num_classes: int, k: int):
    """k nearest neighbours by Euclidean distance on the pixels: the majority class among the `k` training
    images closest to an image (ties go to the lowest class); its vote fractions are its probabilities.
    Fitting stores the training images; the cost is in predicting (exact distances, brute force)."""
    return KNeighborsClassifier(n_neighbors=k, algorithm="brute", metric="euclidean")


@model(display_name="RBF-kernel SVM", cost_per_image=30)
def rbf_svm(num_classes: int, C: float, components: int = 50):  # noqa: N803
    """A support vector machine with a Gaussian (RBF) kernel on the images' first `components` principal
    components (PCA fitted on the training images; it cuts the kernel's cost about 16-fold against 784
    pixels), kernel width scikit-learn's "scale" (1 / (components x variance of the features)), penalty
    `C` on margin violations, one-vs-one for the ten classes (libsvm). It gives no probabilities: its runs
    store one-hot predictions instead."""
    return Pipeline(
        [
            ("pca", PCA(n_components=components, svd_solver="covariance_eigh")),
            ("svm", SVC(C=C, kernel="rbf", gamma="scale")),
        ]
    )
