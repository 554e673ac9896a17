# ---
# jupyter:
#   jupytext:
#     formats: py:percent
#     text_representation:
#       extension: .py
#       format_name: percent
#   kernelspec:
#     display_name: Python 3
#     language: python
#     name: python3
# ---

# %% tags=["parameters"]
# A variant of this report: values to change, e.g. {"dataset": "mnist", "seeds": [5]}.
# The study's values: params/06_hiragana.yaml (the pipeline always runs with variant = {}).
variant = {}

# %%
import warnings

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from charrec import figures
from charrec.evaluation import percent_mean_sd
from charrec.files import prepared_path
from charrec.metrics import model_metrics, write_metrics
from charrec.model_report import show_test_evaluation
from charrec.models.dense import dense_network
from charrec.models.improved_cnn import improved_cnn
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.plans import improved_cnn_options
from charrec.prepared import load_prepared
from charrec.references import dataset_name, published_anchors, reference_list, source_dense_accuracy
from charrec.report import (
    model_summary,
    printable_class_names,
    setup_notebook,
    show_figure,
    show_provenance,
    show_table,
)
from charrec.tasks import results_for

params = notebook_params("06_hiragana", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("06_hiragana")
data = load_prepared(prepared_path(params.dataset))
reference = load_prepared(prepared_path(params.comparison_dataset))
runs = results_for(outputs.name, params)
# The title, the introduction and the headings follow the dataset this report ran on (its params)
NAME, COMPARISON = dataset_name(params.dataset), dataset_name(params.comparison_dataset)
SOURCE_DENSE = source_dense_accuracy(params.dataset)  # the source report's figures: KMNIST only
anchors = published_anchors(params.dataset)
# Who is cited for each dataset (author and year in the text, the key of the reference list at the end)
CITATIONS = {
    "Kuzushiji-MNIST": ("Clanuwat et al. 2018", "clanuwat2018"),
    "Fashion-MNIST": ("Xiao et al. 2017", "xiao2017"),
    "MNIST": ("LeCun et al. 1998", "lecun1998"),
}
# ... and for the published results quoted for a dataset (the sources of references.PUBLISHED_ANCHORS)
ANCHOR_REFERENCES = {"MNIST": ["srivastava2014", "keras-convnet", "deotte-architecture"]}


def cited(name: str) -> str:
    return f" ({CITATIONS[name][0]})" if name in CITATIONS else ""


if params.dataset.lower() == "kmnist":
    about = (
        "Kuzushiji-MNIST (KMNIST; Clanuwat et al. 2018) replaces the digits of MNIST (LeCun et al. 1998) by "
        "ten cursive Hiragana characters, written in classical Japanese texts: same format (28×28 grey "
        "images, 60,000 training and 10,000 test images), much harder shapes. The source report (course "
        "report 5) trained a dense 512-256-128-64 network: **"
        + " %** test accuracy with dropout 0.5, **".join(
            f"{100 * SOURCE_DENSE[rate]:.2f}" for rate in sorted(SOURCE_DENSE, reverse=True)
        )
        + " %** without (trained 150 epochs; it overfit, training loss 0)."
    )
else:
    about = (
        f"{NAME}{cited(NAME)}: {data.num_classes} classes of 28×28 grey images, "
        f"{len(data.y_train) + len(data.y_val):,} training and {len(data.y_test):,} test images. The "
        "Hiragana source report's figures (course report 5) were measured on Kuzushiji-MNIST, so they are "
        "not compared with here."
    )
# The published results, grouped by their source: "Keras simple CNN 94.63 %, ... (Clanuwat et al. 2018, ...)"
published = "; ".join(
    ", ".join(f"{row['model']} {100 * row['test accuracy']:.2f} %" for _, row in group.iterrows())
    + f" ({source})"
    for source, group in anchors.groupby("source", sort=False)
)
display(
    Markdown(
        f"# {NAME} against {COMPARISON}: dense networks and a CNN\n\n"
        f"{about} "
        + (f"Published {NAME} results: {published}. " if published else "")
        + f"This report trains the source's two dense networks and a CNN on {NAME}, and the same three "
        f"architectures on {COMPARISON}{'' if params.dataset.lower() == 'kmnist' else cited(COMPARISON)}, "
        f"to measure how much harder {NAME} is.\n\n"
        "Deviation from the source: instead of 150 fixed epochs, every dense network stops early when the "
        "validation accuracy has not improved for a few epochs, and keeps its best epoch's weights."
    )
)
with warnings.catch_warnings(record=True) as font_warnings:
    warnings.simplefilter("always")
    labels = printable_class_names(data.class_names)
for warning in font_warnings:
    display(Markdown(f"**Warning**: {warning.message}."))

# %% [markdown]
# ## The classes
#
# Index, class (for Kuzushiji-MNIST: its character) and the number of images per subset. The split is
# the project's shared one: a stratified, seeded validation part of the training images.

# %%
class_table = pd.DataFrame(
    {
        "class": data.class_names,
        "train": np.bincount(data.y_train, minlength=data.num_classes),
        "validation": np.bincount(data.y_val, minlength=data.num_classes),
        "test": np.bincount(data.y_test, minlength=data.num_classes),
    },
    index=pd.Index(range(data.num_classes), name="index"),
)
show_table(class_table, caption=f"{NAME}: classes and images per subset", decimals=0)
show_figure(
    figures.class_counts(
        class_table.set_index(pd.Index(labels, name="class"))[["train", "validation", "test"]]
    ),
    caption=f"{NAME}: images per class in each subset",
)

# %%
show_figure(
    figures.sample_grid(data.x_train, data.y_train, labels, per_class=10),
    caption=f"{NAME}: 10 random training images of each class, one row per class",
)


# %% [markdown]
# ## The models
#
# The dense networks are the source report's (ReLU, softmax output, the Adam optimizer of Kingma and
# Ba 2015); the CNN is the CNN report's improved CNN (batch normalization, dropout, on-the-fly
# rotation, shift and zoom, a warm-up and cosine learning-rate schedule), with settings of the same kind.
# Those settings were chosen on MNIST's validation images (the CNN report); on a harder dataset, expect
# the CNN to gain from more epochs and wider layers, at a proportional cost in time.

# %%
dense = dense_network(params.dense_hidden_units, data.num_classes, dropout=params.dense_dropout_rates[-1])
show_table(model_summary(dense), caption="Dense network (parameters per layer)", decimals=0)
cnn = improved_cnn(data.num_classes, **improved_cnn_options(params.cnn))
show_table(model_summary(cnn), caption="CNN (parameters per layer)", decimals=0)
parameters = {"dense": int(dense.count_params()), "CNN": int(cnn.count_params())}

# %%
FIRST_SEED = params.seeds[0]
SEEDS = (
    f"{len(params.seeds)} seed{'s' if len(params.seeds) > 1 else ''} ({', '.join(map(str, params.seeds))})"
)
display(
    Markdown(
        f"## Training on {NAME}\n\nEach model is trained with {SEEDS}; the dense networks stop "
        "early, the CNN follows its fixed schedule."
    )
)


def runs_on(dataset: str) -> pd.DataFrame:
    """One row per run on `dataset` (model, seed): its scores at the best validation epoch (the weights
    kept)."""
    rows = []
    for spec in runs.select(dataset=dataset):
        result = runs.result(spec.key)
        history = pd.DataFrame(result["history"])
        best = history["val_accuracy"].idxmax()
        rows.append(
            {
                "model": spec.labels["model"],
                "seed": spec.seed,
                "epochs_run": result["epochs_run"],
                "best_epoch": int(history.loc[best, "epoch"]),
                "validation_accuracy": history.loc[best, "val_accuracy"],
                "test_accuracy": result["test_accuracy"],
                "train_seconds": result["train_seconds"],
                "images_per_second": result["images_per_second"],
            }
        )
    return pd.DataFrame(rows)


def summarized(per_run: pd.DataFrame) -> pd.DataFrame:
    """One row per model: test accuracy as mean ± sd over the seeds, the other columns as means."""
    grouped = per_run.groupby("model", sort=False)
    table = grouped[
        ["epochs_run", "best_epoch", "validation_accuracy", "train_seconds", "images_per_second"]
    ].mean()
    table.insert(3, "test accuracy (mean ± sd)", grouped["test_accuracy"].apply(percent_mean_sd))
    table["test_accuracy"] = grouped["test_accuracy"].mean()
    return table


COLUMNS = {
    "epochs_run": "epochs run",
    "best_epoch": "best epoch",
    "validation_accuracy": "validation accuracy",
    "test accuracy (mean ± sd)": "test accuracy (mean ± sd)",
    "train_seconds": "training seconds",
    "images_per_second": "images per second",
}

curves = runs.curves(dataset=params.dataset, seed=FIRST_SEED)
show_figure(
    figures.learning_curves(curves, hue="model"),
    caption=f"{NAME}: loss (left) and accuracy (right) per epoch of each model (seed {FIRST_SEED})",
)
per_run = runs_on(params.dataset)
result_table = summarized(per_run)
source = {f"dense, dropout {rate:g}": accuracy for rate, accuracy in SOURCE_DENSE.items()}
shown_columns = [*COLUMNS, "source report accuracy"] if source else list(COLUMNS)
result_table["source report accuracy"] = [source.get(model, np.nan) for model in result_table.index]
show_table(
    result_table[shown_columns].rename(columns=COLUMNS),
    caption=(
        f"{NAME}: {SEEDS} per model; accuracies at the best validation epoch, means over the seeds "
        f"(the learning curves above: seed {FIRST_SEED})"
    ),
    decimals=4,
)

# %%
display(
    Markdown(
        f"## Evaluation of the CNN on the {NAME} test set\n\nPer-class precision, recall and F1, the "
        "confusion matrix and the most confident mistakes, with the class names as labels."
    )
)
cnn_headline = show_test_evaluation(
    runs.probabilities(f"{params.dataset}-cnn-seed{FIRST_SEED}"),
    data.y_test,
    data.x_test,
    labels,
    params.gallery_size,
    model_label=f"CNN on {NAME}, seed {FIRST_SEED}",
)

# %%
display(
    Markdown(
        f"## How much harder than {COMPARISON}?\n\nThe same three architectures with the same settings, "
        f"trained on {COMPARISON}."
    )
)
comparison_runs = runs_on(params.comparison_dataset)
comparison = summarized(comparison_runs)
side_by_side = pd.DataFrame(
    {
        f"{NAME} test accuracy (mean ± sd)": result_table["test accuracy (mean ± sd)"],
        f"{COMPARISON} test accuracy (mean ± sd)": comparison["test accuracy (mean ± sd)"],
        "error ratio": (1 - result_table["test_accuracy"])
        / (1 - comparison["test_accuracy"]).clip(lower=1e-4),
    }
)
show_table(side_by_side, caption=f"The same architectures on both datasets, {SEEDS} each", decimals=2)
display(
    Markdown(
        f"Test error is {side_by_side['error ratio'].min():.1f}× to {side_by_side['error ratio'].max():.1f}× "
        f"higher on {NAME} than on {COMPARISON} for the same architecture (mean test errors over {SEEDS})."
    )
)

# %%
curves.to_csv(outputs.curve_file("learning_curves"), index=False)
names = {spec.labels["model"]: spec.labels["name"] for spec in runs.select(dataset=params.dataset)}
write_metrics(
    outputs.metrics_file,
    params.dataset,
    {
        names[model]: model_metrics(
            group,
            architecture=names[model],
            parameters=parameters["CNN" if model == "CNN" else "dense"],
            epochs=int(round(group["epochs_run"].mean())),
            misclassified_first_seed=cnn_headline["misclassified"] if model == "CNN" else None,
            source_test_accuracy=source.get(model),
        )
        for model, group in per_run.groupby("model", sort=False)
    },
    comparison={
        "dataset": params.comparison_dataset,  # same model keys as "models"
        "test_accuracy": {
            names[model]: round(float(accuracy), 6) for model, accuracy in comparison["test_accuracy"].items()
        },
    },
)
show_provenance(data.manifest, seeds=list(params.seeds), start_time=start_time)
references = [CITATIONS[name][1] for name in dict.fromkeys([NAME, "MNIST", COMPARISON]) if name in CITATIONS]
references += [*ANCHOR_REFERENCES.get(NAME, []), "source-hiragana", "kingma2015"]
display(Markdown(reference_list(list(dict.fromkeys(references)))))
