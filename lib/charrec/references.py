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

# Published test errors of classical classifiers on MNIST's 10,000 test images, by the study's model they
# compare with (fractions; error, not accuracy, as published). LeCun et al. 1998 (Proc. IEEE 86(11), section
# III.C and fig. 9): a linear classifier 12.0 % (8.4 % on deslanted images), k-NN with Euclidean distance
# 5.0 % (2.4 % deslanted), a virtual SVM (degree-9 polynomial kernel, distorted training images) 0.8 %. The
# MNIST page (LeCun, Cortes, Burges) lists those and later ones: K. Wilder's (U. Chicago) k-NN 3.09 %
# (Euclidean) and 2.83 % (L3 distance), and an SVM with a Gaussian kernel at 1.4 %, for which it names no
# source. None of them used a validation split the way this study does.
CLASSICAL_PUBLISHED = pd.DataFrame(
    [
        ("logistic_regression", "linear classifier", 0.120, "LeCun et al. 1998"),
        ("logistic_regression", "linear classifier on deslanted images", 0.084, "LeCun et al. 1998"),
        ("nearest_neighbors", "Euclidean k-NN", 0.050, "LeCun et al. 1998"),
        ("nearest_neighbors", "Euclidean k-NN", 0.0309, "Wilder (MNIST page)"),
        ("nearest_neighbors", "L3-distance k-NN", 0.0283, "Wilder (MNIST page)"),
        ("rbf_svm", "Gaussian-kernel SVM", 0.014, "the MNIST page"),
        ("rbf_svm", "virtual SVM with distorted training images", 0.008, "LeCun et al. 1998"),
    ],
    columns=["model", "published model", "test error", "source"],
)


def classical_published(model: str) -> pd.DataFrame:
    """The published test errors that model `model` (a registry name) compares with (`CLASSICAL_PUBLISHED`;
    empty for a model without any)."""
    return CLASSICAL_PUBLISHED[CLASSICAL_PUBLISHED["model"] == model].reset_index(drop=True)


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


# The works the reports cite, by key. Prose cites by author and year ("Srivastava et al. 2014"); each
# report ends with `reference_list` of the keys it cites, in the order it first cites them.
BIBLIOGRAPHY = {
    "source-dense": "Course report 1, *Dense neural networks on MNIST* (784-512-64-32-16-10 network; "
    "unpublished course report, the first source of this study).",
    "source-regularization": "Course report 2, *Regularization of dense networks on MNIST* (L1, L2, "
    "dropout, max-norm, early stopping; unpublished course report).",
    "source-cnn": "Course report 3, *Convolutional networks on MNIST with augmentation and learning-rate "
    "schedules* (unpublished course report).",
    "source-bn": "Course report 4, *Batch normalization in a 4,470-parameter CNN* (10 and 4 classes; "
    "unpublished course report).",
    "source-hiragana": "Course report 5, *Hiragana: dense networks on Kuzushiji-MNIST* (unpublished "
    "course report).",
    "lecun1998": "Y. LeCun, L. Bottou, Y. Bengio, P. Haffner. Gradient-based learning applied to document "
    "recognition. *Proceedings of the IEEE* 86(11):2278–2324, 1998 (MNIST; its table of classifiers' "
    "test error rates).",
    "lecun-mnist": "Y. LeCun, C. Cortes, C. J. C. Burges. The MNIST database of handwritten digits. "
    "http://yann.lecun.com/exdb/mnist/ (its table of classifiers' test error rates, with K. Wilder's k-NN "
    "results and a Gaussian-kernel SVM).",
    "pedregosa2011": "F. Pedregosa, G. Varoquaux, A. Gramfort et al. Scikit-learn: machine learning in "
    "Python. *JMLR* 12:2825–2830, 2011.",
    "cortes1995": "C. Cortes, V. Vapnik. Support-vector networks. *Machine Learning* 20(3):273–297, 1995.",
    "kingma2015": "D. P. Kingma, J. Ba. Adam: a method for stochastic optimization. *ICLR* 2015, "
    "arXiv:1412.6980.",
    "srivastava2014": "N. Srivastava, G. Hinton, A. Krizhevsky, I. Sutskever, R. Salakhutdinov. Dropout: a "
    "simple way to prevent neural networks from overfitting. *JMLR* 15:1929–1958, 2014 (table 2).",
    "ioffe2015": "S. Ioffe, C. Szegedy. Batch normalization: accelerating deep network training by reducing "
    "internal covariate shift. *ICML* 2015, PMLR 37:448–456.",
    "loshchilov2017": "I. Loshchilov, F. Hutter. SGDR: stochastic gradient descent with warm restarts. "
    "*ICLR* 2017, arXiv:1608.03983 (cosine learning-rate schedule).",
    "keras-convnet": "F. Chollet. Simple MNIST convnet. keras.io code example, "
    "https://keras.io/examples/vision/mnist_convnet/.",
    "deotte-architecture": "C. Deotte. How to choose CNN architecture MNIST. Kaggle notebook, "
    "https://www.kaggle.com/code/cdeotte/how-to-choose-cnn-architecture-mnist (scores on Kaggle's "
    "Digit Recognizer test images, not on MNIST's official test set).",
    "deotte-25m": "C. Deotte. 25 Million Images! [0.99757] MNIST. Kaggle notebook, "
    "https://www.kaggle.com/code/cdeotte/25-million-images-0-99757-mnist (Kaggle Digit Recognizer score).",
    "clanuwat2018": "T. Clanuwat, M. Bober-Irizar, A. Kitamoto, A. Lamb, K. Yamamoto, D. Ha. Deep learning "
    "for classical Japanese literature. *NeurIPS 2018 Workshop on Machine Learning for Creativity and "
    "Design*, arXiv:1812.01718 (Kuzushiji-MNIST and its benchmark table).",
    "xiao2017": "H. Xiao, K. Rasul, R. Vollgraf. Fashion-MNIST: a novel image dataset for benchmarking "
    "machine learning algorithms. arXiv:1708.07747, 2017.",
    "mcnemar1947": "Q. McNemar. Note on the sampling error of the difference between correlated proportions "
    "or percentages. *Psychometrika* 12(2):153–157, 1947.",
    "dietterich1998": "T. G. Dietterich. Approximate statistical tests for comparing supervised "
    "classification learning algorithms. *Neural Computation* 10(7):1895–1923, 1998.",
    "holm1979": "S. Holm. A simple sequentially rejective multiple test procedure. *Scandinavian Journal of "
    "Statistics* 6(2):65–70, 1979.",
    "cohen1988": "J. Cohen. *Statistical power analysis for the behavioral sciences*, 2nd ed. Lawrence "
    "Erlbaum, 1988.",
    "mu2019": "N. Mu, J. Gilmer. MNIST-C: a robustness benchmark for computer vision. *ICML 2019 Workshop on "
    "Uncertainty and Robustness in Deep Learning*, arXiv:1906.02337; code at "
    "https://github.com/google-research/mnist-c.",
    "guo2017": "C. Guo, G. Pleiss, Y. Sun, K. Q. Weinberger. On calibration of modern neural networks. "
    "*ICML* 2017, PMLR 70:1321–1330.",
    "goodfellow2015": "I. J. Goodfellow, J. Shlens, C. Szegedy. Explaining and harnessing adversarial "
    "examples. *ICLR* 2015, arXiv:1412.6572.",
}


def reference_list(keys: list[str]) -> str:
    """The closing "References" section of a report (Markdown): the works of `keys`, numbered in the
    order given. Raises KeyError naming an unknown key and the known ones."""
    unknown = [key for key in keys if key not in BIBLIOGRAPHY]
    if unknown:
        raise KeyError(f"unknown reference {unknown}: known are {sorted(BIBLIOGRAPHY)}")
    entries = "\n".join(f"{number}. {BIBLIOGRAPHY[key]}" for number, key in enumerate(keys, start=1))
    return f"## References\n\n{entries}\n"


# FGSM against a maxout network on MNIST (Goodfellow, Shlens & Szegedy 2015, section 4): at eps = 0.25,
# 89.4 % of the adversarial test images misclassified, with an average confidence of 97.6 %.
FGSM_MAXOUT = {"epsilon": 0.25, "error": 0.894, "confidence": 0.976}
