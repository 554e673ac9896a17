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

# %% [markdown]
# # Batch normalization on a tiny CNN: does it really help?
#
# One source report trains a deliberately small convolutional network on MNIST — 4,470 trainable
# parameters — and then adds batch normalization (BN) after each convolution, calling the improvement
# "humongous": **97.93 % → 98.33 %** test accuracy with 10 classes and **98.94 % → 99.18 %** with the
# digits merged into 4 classes. Each of those numbers is a single training run, and differences of a
# few tenths of a point can be seed noise. This report repeats the experiment with several seeds and
# asks whether BN's gain is larger than that noise:
#
# - every configuration (10 or 4 classes, with or without BN) trains once per seed;
# - with and without BN are **paired by seed** (same seed, same shuffling of the training images) and
#   compared on the same test images, with McNemar's exact test on each pair's predictions and a
#   confidence interval of the seed-level difference in test accuracy.
#
# **Protocol and deviations from the source.** The network, optimizer (Adam, learning rate 0.001),
# batch size (20) and number of epochs (10) are the source's. The differences:
#
# - *Output layer*: the source used a sigmoid output with cross-entropy; this report uses softmax with
#   cross-entropy, the standard choice for mutually exclusive classes (same number of parameters).
# - *Split*: the source held out 10 % of the 60,000 training images for validation (54,000 for
#   training). This study shares one split across all notebooks: 50,000 training and 10,000 validation
#   images. Each run trains on the 50,000 and is scored on the validation part after every epoch
#   (learning curves); nothing is chosen on the test set, which each model sees once. Unlike the dense
#   baseline, the models are *not* retrained on all 60,000 images: with batch 20 a run is thousands of
#   small steps, and the time saved buys more seeds, which is what the question needs. Both arms of
#   every comparison see exactly the same training images, so the pairing is unaffected; the absolute
#   accuracies may sit slightly below what 54,000 images would give.
# - *4-class grouping*: the source does not publish which digits it merged. The grouping is a
#   parameter (`class_groups`); the one used is stated below.

# %% tags=["parameters"]
# A variant of this report: values to change, e.g. {"seeds": [5, 6], "epochs": 3}.
# The study's values: params/05_bn_ablation.yaml (the pipeline always runs with variant = {}).
variant = {}

# %%
import os

import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from charrec import figures
from charrec.evaluation import interval_verdict, paired_comparison, percent_mean_sd
from charrec.files import prepared_path
from charrec.metrics import model_metrics, write_metrics
from charrec.model_report import show_test_evaluation
from charrec.models.tiny_cnn import tiny_cnn
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.prepared import load_prepared, with_grouped_classes
from charrec.references import BN_ABLATION_PARAMETER_COUNT as SOURCE_PARAMETER_COUNT
from charrec.references import BN_ABLATION_TEST_ACCURACY as SOURCE_TEST_ACCURACY
from charrec.report import (
    model_summary,
    p_value_text,
    setup_notebook,
    show_figure,
    show_provenance,
    show_table,
)
from charrec.tasks import results_for

params = notebook_params("05_bn_ablation", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("05_bn_ablation")
data = load_prepared(prepared_path("mnist"))
datasets = {"10 classes": data, "4 classes": with_grouped_classes(data, params.class_groups)}
CONFIGURATIONS = [(classes, batch_norm) for classes in datasets for batch_norm in (False, True)]
trained = results_for(outputs.name, params)


def model_key(classes: str, batch_norm: bool) -> str:
    return f"cnn_{classes.split()[0]}_classes" + ("_bn" if batch_norm else "")


def label(classes: str, batch_norm: bool) -> str:
    return f"{classes}, {'with' if batch_norm else 'without'} BN"


def build_model(classes: str, batch_norm: bool):
    return tiny_cnn(datasets[classes].num_classes, batch_norm, name=model_key(classes, batch_norm))


display(
    Markdown(
        "The 4-class variant merges the digits into "
        + ", ".join(f"{{{', '.join(map(str, group))}}}" for group in params.class_groups)
        + "."
    )
)

# %% [markdown]
# ## The networks and their parameters
#
# Convolution 16 filters 7×7 ('same' padding) → ReLU → max-pool 2×2; convolution 8 filters 5×5 →
# ReLU → max-pool 2×2; convolution 4 filters 3×3 with stride 2 → ReLU → average-pool 2×2; the
# remaining 2×2×4 = 16 values feed a dense softmax layer. The BN variant inserts batch normalization
# between each convolution and its ReLU. Each BN layer has a trainable scale and offset per channel
# and, not trainable, a running mean and variance per channel used at test time. In training, TensorFlow's
# fused kernel computes each BN layer (`charrec.models.FusedBatchNormalization`: Keras' layer with the
# same transform and parameters, one operation instead of about ten), which trains this CNN about
# 1.1–1.3× faster than Keras' own layer here. The counts below come from the built models and are checked
# against the source's hand computation (800 + 3,208 + 292 + 170 = 4,470).

# %%
summaries = {
    label(*configuration): model_summary(build_model(*configuration)) for configuration in CONFIGURATIONS
}


def counts_per_layer(kind: str) -> pd.DataFrame:
    """One column per model, one row per layer that has parameters of this kind, and the total."""
    table = pd.DataFrame({name: summary[kind] for name, summary in summaries.items()}).fillna(0).astype(int)
    in_order = summaries[label("10 classes", True)].index  # the BN model holds every layer, in network order
    layers = [layer for layer in in_order if layer != "total" and table.loc[layer].any()]
    return table.loc[[*layers, "total"]]


trainable_table = counts_per_layer("trainable")
trainable_table["source's hand count (10 classes, without BN)"] = (
    pd.Series({**SOURCE_PARAMETER_COUNT, "total": sum(SOURCE_PARAMETER_COUNT.values())})
    .reindex(trainable_table.index)
    .map(lambda count: f"{count:,.0f}" if pd.notna(count) else "–")
)
show_table(trainable_table.rename_axis("layer"), caption="Trainable parameters per layer", decimals=0)
show_table(
    counts_per_layer("non-trainable").rename_axis("layer"),
    caption="Non-trainable parameters per layer (BN's running mean and variance)",
    decimals=0,
)

plain_10 = summaries[label("10 classes", False)]
computed = {layer: int(plain_10.loc[layer, "trainable"]) for layer in SOURCE_PARAMETER_COUNT}
assert computed == SOURCE_PARAMETER_COUNT, f"parameter counts differ from the source's: {computed}"
assert int(plain_10.loc["total", "trainable"]) == sum(SOURCE_PARAMETER_COUNT.values())
display(
    Markdown(
        f"The 10-class network without BN has {plain_10.loc['total', 'trainable']:,} trainable parameters, "
        f"layer by layer the source's "
        + " + ".join(f"{count:,}" for count in SOURCE_PARAMETER_COUNT.values())
        + f"; with 4 classes, {summaries[label('4 classes', False)].loc['total', 'trainable']:,}. "
        "BN adds "
        f"{summaries[label('10 classes', True)].loc['total', 'trainable'] - plain_10.loc['total', 'trainable']} "  # noqa: E501
        f"trainable and {summaries[label('10 classes', True)].loc['total', 'non-trainable']} non-trainable "
        "parameters."
    )
)

# %% [markdown]
# ## Training runs
#
# Every configuration trains once per seed. The seed fixes the initial weights and the order in which
# the training images are shuffled; the runs with and without BN of one seed see the images in the
# same order. Steps are grouped `steps_per_execution` at a time into one call of the compiled graph:
# the updates are the same, but the fixed cost of each call is paid once per group, which matters
# when a step computes on only 20 images. What remains is the convolutions' own arithmetic, done by
# TensorFlow's oneDNN kernels (`charrec.backend` switches them on; `TF_ENABLE_ONEDNN_OPTS=0` before
# starting Jupyter switches them off): 3.3 ms per step without BN and 7.6 ms with it (Keras' own BN
# layer, before the fused one), against 12.8 ms for both with TensorFlow's default kernels, measured on
# a 2-core machine of this study by `benchmarks/onednn_speedup.py`.

# %%
runs = trained.table().rename(columns={"batch_norm": "batch norm"})
runs["validation accuracy"] = [
    trained.result(key)["history"][-1]["val_accuracy"] for key in (spec.key for spec in trained.specs)
]
runs["ms per step"] = (
    1000 * runs["train_seconds"] / (params.epochs * np.ceil(runs["train_images"] / params.batch_size))
)
runs = runs.rename(
    columns={
        "test_accuracy": "test accuracy",
        "train_seconds": "training seconds",
        "images_per_second": "images per second",
    }
)
correct = {
    (spec.labels["classes"], spec.labels["batch_norm"], spec.labels["seed"]): trained.probabilities(
        spec.key
    ).argmax(1)
    == datasets[spec.labels["classes"]].y_test
    for spec in trained.specs
}
curves = trained.curves().drop(columns=["model_key"])
display(
    Markdown(
        f"{len(runs)} runs of {params.epochs} epochs on {len(data.y_train):,} images, batch "
        f"{params.batch_size}: {runs['training seconds'].mean():.0f} s per run on average "
        f"({runs['ms per step'].mean():.1f} ms per training step, the validation passes included; "
        f"{runs['images per second'].mean():,.0f} training images per second), "
        f"{runs['training seconds'].sum() / 60:.1f} minutes of training summed over the runs (the training "
        "stage runs them side by side on the machine's cores, so it takes less wall time)."
    )
)

# %% [markdown]
# ## Test accuracy: mean ± sd over seeds, beside the source's single runs

# %%
summary_rows = []
for classes, batch_norm in CONFIGURATIONS:
    chosen = runs[(runs["classes"] == classes) & (runs["batch norm"] == batch_norm)]
    summary_rows.append(
        {
            "configuration": label(classes, batch_norm),
            "test accuracy (%)": percent_mean_sd(chosen["test accuracy"]).removesuffix(" %"),
            "validation (%)": percent_mean_sd(chosen["validation accuracy"]).removesuffix(" %"),
            "source, single run (%)": f"{100 * SOURCE_TEST_ACCURACY[classes, batch_norm]:.2f}",
            "s per run": chosen["training seconds"].mean(),
        }
    )
show_table(
    pd.DataFrame(summary_rows).set_index("configuration"),
    caption=f"Test accuracy over {len(params.seeds)} seeds (mean ± sd; validation after the last epoch)",
    decimals=1,
)
show_table(
    runs.assign(
        configuration=[label(c, b) for c, b in zip(runs["classes"], runs["batch norm"])],
        percent=100 * runs["test accuracy"],
    ).pivot(index="seed", columns="configuration", values="percent")[[label(*c) for c in CONFIGURATIONS]],
    caption="Test accuracy of every run (%)",
    decimals=2,
)

# %% [markdown]
# ## Is BN's gain significant?
#
# Two complementary checks per number of classes:
#
# - **Seed level**: the differences in test accuracy (with BN minus without) of the runs paired by
#   seed, their mean and a Student t confidence interval. This asks whether BN helps *on average over
#   training randomness*; with a handful of seeds the interval is wide.
# - **Image level**: McNemar's exact test for each seed's pair of models on the same test images.
#   Only the images that exactly one of the two models gets right count; if both models were equally
#   accurate, each such image would be equally likely to favour either. This asks whether *these two
#   trained models* differ, and says nothing about another seed.

# %%
comparisons, per_seed = {}, []
for classes in datasets:
    mine = runs[runs["classes"] == classes]
    comparisons[classes], table = paired_comparison(
        *(mine[mine["batch norm"] == bn].set_index("seed")["test accuracy"] for bn in (False, True)),
        *({seed: correct[classes, bn, seed] for seed in params.seeds} for bn in (False, True)),
        params.confidence,
    )
    comparisons[classes]["source_difference"] = (
        SOURCE_TEST_ACCURACY[classes, True] - SOURCE_TEST_ACCURACY[classes, False]
    )
    per_seed.append(table.assign(classes=classes))
show_table(
    pd.concat(per_seed)
    .set_index(["classes", "seed"])
    .rename(columns={"right only in A": "right only without BN", "right only in B": "right only with BN"})
    .assign(
        **{"McNemar p": lambda table: table["McNemar p"].map(p_value_text)}
    ),  # small p-values stay visible
    caption="Paired comparison per seed on the test set (McNemar's exact test, two-sided)",
    decimals=2,
)
show_table(
    pd.DataFrame(
        {
            classes: {
                "mean difference (points)": 100 * result["difference_mean"],
                f"{100 * params.confidence:.0f} % CI low": 100 * result["difference_ci_low"],
                f"{100 * params.confidence:.0f} % CI high": 100 * result["difference_ci_high"],
                "source's difference (points)": 100 * result["source_difference"],
            }
            for classes, result in comparisons.items()
        }
    ).T,
    caption=f"Seed-level difference, with BN minus without ({len(params.seeds)} paired seeds)",
    decimals=2,
)


def verdict(classes: str) -> str:
    result = comparisons[classes]
    p_values = [test["p_value"] for test in result["mcnemar"].values()]
    # McNemar's A is the model without BN and B the one with it; name the better one of each differing pair
    favoured = [
        f"seed {seed}: {'with' if test['b_only'] > test['a_only'] else 'without'} BN better"
        for seed, test in result["mcnemar"].items()
        if test["p_value"] < 1 - params.confidence
    ]
    return (
        f"- **{classes}**: BN changes test accuracy by {100 * result['difference_mean']:+.2f} points "
        "on average "
        f"(source: {100 * result['source_difference']:+.2f}); "
        + interval_verdict(
            result["difference_ci_low"], result["difference_ci_high"], params.confidence, worse="BN is worse"
        )
        + f". McNemar: {(differing := sum(p < 1 - params.confidence for p in p_values))} of {len(p_values)} "
        f"seed pairs {'differs' if differing == 1 else 'differ'} "
        f"at the {100 * (1 - params.confidence):.0f} % level"
        + (f" ({'; '.join(favoured)})" if favoured else "")
        + f" (p = {', '.join(map(p_value_text, p_values))})."
    )


display(Markdown("**Verdict.**\n\n" + "\n".join(verdict(classes) for classes in datasets)))

# %% [markdown]
# ## Learning curves with and without BN
#
# Mean over seeds per epoch; dashed lines are training, solid lines validation.

# %%
mean_curves = (
    curves.drop(columns="seed")
    .assign(model=lambda frame: np.where(frame["batch_norm"], "with BN", "without BN"))
    .groupby(["classes", "model", "epoch"], sort=False)
    .mean(numeric_only=True)
    .reset_index()
)
for classes in datasets:
    display(Markdown(f"**{classes}**"))
    show_figure(
        figures.learning_curves(mean_curves[mean_curves["classes"] == classes], hue="model"),
        caption=f"{classes}: loss (left) and accuracy (right) per epoch, means over the seeds",
    )

# %% [markdown]
# ## Evaluation of one model per configuration
#
# Per-class precision, recall and F1, the confusion matrix and the most confident mistakes of the
# model trained with the first seed.

# %%
first_seed = params.seeds[0]
headlines = {}
for classes, batch_norm in CONFIGURATIONS:
    display(Markdown(f"### {label(classes, batch_norm)}"))
    subset = datasets[classes]
    headlines[classes, batch_norm] = show_test_evaluation(
        trained.probabilities(f"{model_key(classes, batch_norm)}-seed{first_seed}"),
        subset.y_test,
        subset.x_test,
        subset.class_names,
        params.gallery_size,
        model_label=f"{label(classes, batch_norm)}, seed {first_seed}",
    )

# %%
curves.to_csv(outputs.curve_file("learning_curves"), index=False)
models = {}
for classes, batch_norm in CONFIGURATIONS:
    chosen = runs[(runs["classes"] == classes) & (runs["batch norm"] == batch_norm)]
    summary = summaries[label(classes, batch_norm)]
    models[model_key(classes, batch_norm)] = model_metrics(
        chosen.rename(
            columns={
                "test accuracy": "test_accuracy",
                "training seconds": "train_seconds",
                "images per second": "images_per_second",
                "validation accuracy": "validation_accuracy",
            }
        ),
        architecture="conv16@7x7-maxpool-conv8@5x5-maxpool-conv4@3x3s2-avgpool-dense"
        + (", BN after each convolution" if batch_norm else ""),
        parameters=summary.loc["total", "trainable"],
        epochs=params.epochs,
        classes=list(datasets[classes].class_names),
        non_trainable_parameters=int(summary.loc["total", "non-trainable"]),
        batch_size=params.batch_size,
        ms_per_step_mean=round(chosen["ms per step"].mean(), 3),
        misclassified_first_seed=headlines[classes, batch_norm]["misclassified"],
        source_test_accuracy=SOURCE_TEST_ACCURACY[classes, batch_norm],
    )
write_metrics(
    outputs.metrics_file,
    data.name,
    models,
    class_groups=[list(group) for group in params.class_groups],
    tensorflow_onednn=os.environ.get("TF_ENABLE_ONEDNN_OPTS") == "1",
    bn_comparisons={
        classes.replace(" ", "_"): {
            key: (round(value, 6) if isinstance(value, float) else value) for key, value in result.items()
        }
        for classes, result in comparisons.items()
    },
)
show_provenance(data.manifest, seeds=list(params.seeds), start_time=start_time)
