"""Published numbers the study compares with, each with its source (quoted, not measured here).

The five course reports this study follows ("the source reports") each give single training runs;
the literature figures are quoted from their papers and pages.
"""

import pandas as pd

# Dense baseline report: 784-512-64-32-16-10, Adam, batch 500, 10 epochs; one run.
DENSE_BASELINE_TEST_ACCURACY = 0.9785

# Regularization report: 784-1024-512-10 with its best regularizers; one run.
REGULARIZATION = {"test_accuracy": 0.9837, "misclassified": 163, "train_accuracy": 0.9993}

# CNN report: Conv32-MaxPool-Conv64-MaxPool-Conv64-Dense64-Dense10, Adam, batch 64, 5 epochs; one run.
SIMPLE_CNN_TEST_ACCURACY = 0.9900

# Batch-normalization report: the 4,470-parameter CNN, (classes, with BN) -> test accuracy, one run each.
BN_ABLATION_TEST_ACCURACY = {
    ("10 classes", False): 0.9793,
    ("10 classes", True): 0.9833,
    ("4 classes", False): 0.9894,
    ("4 classes", True): 0.9918,
}
# ...and its hand count of the 10-class network's trainable parameters without BN, per layer.
BN_ABLATION_PARAMETER_COUNT = {"conv_1": 800, "conv_2": 3208, "conv_3": 292, "class_probabilities": 170}

# Hiragana report: its two dense networks on Kuzushiji-MNIST (dropout rate -> test accuracy); one run each.
KMNIST_DENSE_TEST_ACCURACY = {0.0: 0.9203, 0.5: 0.9114}

# Dropout with max-norm in dense networks (Srivastava et al. 2014, JMLR 15, table 2: 1.05 % and 1.06 % error).
DROPOUT_MAX_NORM = {
    "dropout + max-norm, ReLU (Srivastava et al. 2014)": 0.9895,
    "dropout + max-norm, 1024-unit nets (Srivastava et al. 2014)": 0.9894,
}

# Reference points of the summary, by dataset.
PUBLISHED_ANCHORS = pd.DataFrame(
    [
        ("mnist", "dropout + max-norm MLP", 0.9895, "Srivastava et al. 2014, JMLR 15 (1.05-1.06 % error)"),
        ("mnist", "keras-io simple convnet", 0.9922, "keras.io example 'Simple MNIST convnet'"),
        (
            "mnist",
            "single CNN, BN + dropout + augmentation",
            0.9964,
            "Deotte, Kaggle 'How to choose CNN architecture MNIST' (mean of many runs)",
        ),
        ("kmnist", "Keras simple CNN", 0.9463, "Clanuwat et al. 2018, KMNIST benchmarks"),
        ("kmnist", "PreActResNet-18", 0.9782, "Clanuwat et al. 2018, KMNIST benchmarks"),
        ("kmnist", "ResNet18 + VGG ensemble", 0.9890, "Clanuwat et al. 2018, KMNIST benchmarks"),
    ],
    columns=["dataset", "model", "test accuracy", "source"],
)

# How the reports name a dataset (a params/data.yaml section); a section not listed is named as it is.
DATASET_NAMES = {
    "mnist": "MNIST",
    "kmnist": "Kuzushiji-MNIST",
    "fashion_mnist": "Fashion-MNIST",
    "fashion-mnist": "Fashion-MNIST",
    "fashion": "Fashion-MNIST",
}


def dataset_name(section: str) -> str:
    """The name a report prints for a dataset: 'Kuzushiji-MNIST' for kmnist, 'Fashion-MNIST', ..."""
    return DATASET_NAMES.get(section.lower(), section)


def source_dense_accuracy(section: str) -> dict[float, float]:
    """The Hiragana source report's dense-network results (dropout rate -> test accuracy): they were measured
    on Kuzushiji-MNIST, so they apply to that dataset only (empty for any other)."""
    return dict(KMNIST_DENSE_TEST_ACCURACY) if section.lower() == "kmnist" else {}


def published_anchors(section: str) -> pd.DataFrame:
    """The published reference points of one dataset (none for a dataset this module has no figures for)."""
    return PUBLISHED_ANCHORS[PUBLISHED_ANCHORS["dataset"] == section.lower()]
