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
# # How the models fail: corruptions, shifts, calibration and adversarial images
#
# Every other report measures accuracy on clean test images, drawn from the same distribution as the
# training images. This one asks what happens once the input drifts: it takes the stored final 10-class
# models of the dense baseline, the regularized dense network, the two CNNs and the 4,470-parameter CNN
# with and without batch normalization (every seed of each), trains nothing, and tests them
#
# 1. on the 15 corruptions of MNIST-C (Mu & Gilmer 2019 [1]): noise, blur, affine transforms, brightness,
#    occlusions, fog and edges, each at the severity of the published data set;
# 2. on rotations of up to 60° and shifts of up to 8 pixels, to see what the improved CNN's augmentation
#    (random rotation, shift and zoom in training) buys;
# 3. on how far their confidence can be trusted (Guo et al. 2017 [2]): expected calibration error,
#    negative log-likelihood, Brier score, reliability diagrams and the share of errors made at more than
#    99 % confidence, before and after temperature scaling fitted on validation images;
# 4. on adversarial images made with the fast gradient sign method (Goodfellow et al. 2015 [3]).
#
# Differences between models are judged against the spread over seeds: mean ± standard deviation, and a
# 95 % Welch interval of the difference of the means.

# %% tags=["parameters"]
# A variant of this report: values to change, e.g. {"corruption_images": 1000, "epsilons": [0, 0.1]}.
# The study's values: params/08_how_models_fail.yaml (the pipeline always runs with variant = {}).
variant = {}

# %%
import time

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display

from charrec import corruptions, findings
from charrec.evaluation import welch_interval
from charrec.files import prepared_path, project_root
from charrec.metrics import write_metrics
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.prepared import load_prepared, stratified_subset
from charrec.references import FGSM_MAXOUT, reference_list
from charrec.report import setup_notebook, show_figure, show_provenance, show_table
from charrec.robustness import evaluate_runs, stored_runs

params = notebook_params("08_how_models_fail", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("08_how_models_fail")
data = load_prepared(prepared_path("mnist"))
runs = stored_runs(params.models)
labels = list(params.models)  # the models, in the params' order
seeds = sorted(runs["seed"].unique().tolist())
chosen = stratified_subset(data.y_test, params.corruption_images, params.corruption_seed)
swept = stratified_subset(data.y_test, params.sweep_images, params.corruption_seed)
corrupted, manifest = corruptions.cached(
    data.x_test[chosen], data.y_test[chosen], params.corruption_seed, project_root() / "data" / "derived"
)
y_corrupted, y_swept = data.y_test[chosen], data.y_test[swept]

# %% [markdown]
# ## The models and their temperatures
#
# Temperature scaling needs held-out images that the model never trained on. The final models of the
# dense baseline, the regularized dense network and the two CNNs trained on all 60,000 training images,
# validation images included, so their temperatures are fitted on the validation images by the models of
# the same networks trained on the 50,000 training images only (the validation-split runs of their
# reports): one per seed for the dense baseline, the first seed's for the others, which kept only that
# run's model. The 4,470-parameter CNNs trained on the 50,000 training images only, so each fits its own
# temperature on the validation images. No temperature is fitted on test images.

# %%
show_table(
    runs.assign(
        **{
            "temperature from": np.where(
                runs["final"] == runs["validation"], "the same model", "validation-split model"
            ),
            "its seed": runs["validation_seed"],
        }
    )
    .groupby("model", sort=False)
    .agg(seeds=("seed", "count"), source=("temperature from", "first"), seed_of_it=("its seed", "first"))
    .rename(columns={"source": "temperature fitted by", "seed_of_it": "first validation seed"}),
    caption="The models under test: final runs, and the model whose validation probabilities fit the "
    "temperature",
)

# %% [markdown]
# ## The corruptions
#
# MNIST-C's 15 corruptions follow the definitions and severities of the authors' generator, rewritten here
# with NumPy, SciPy and scikit-image; one generator per corruption, seeded, so the images are the same
# bytes on every run (their checksums are listed at the end). They are applied to a stratified subset of
# the test images (same class proportions), each image under every corruption.

# %%
example = int(np.flatnonzero(y_corrupted == 7)[0])
figure, axes = plt.subplots(2, 8, figsize=(6.2, 2.1))
panels = {
    "clean": data.x_test[chosen][example],
    **{name: images[example] for name, images in corrupted.items()},
}
for axis, (name, image) in zip(axes.ravel(), panels.items()):
    axis.imshow(image, cmap="gray", vmin=0, vmax=255)
    axis.set_title(name, fontsize=7.5)
    axis.axis("off")
figure.tight_layout(pad=0.3)
show_figure(figure, caption="One test digit, clean and under each of the 15 MNIST-C corruptions")

# %% [markdown]
# ## Scoring every model
#
# Each stored model is scored on the clean and corrupted images, the rotated and shifted images, and
# FGSM's adversarial images, in large batches through one compiled function per model. Rotations turn
# each image about its centre to a random side; shifts move it up, down, left or right (the same direction
# for every distance). FGSM moves every pixel by a step $\varepsilon$ (in units of the pixel range) in the
# direction that raises the model's loss on the true label, so it attacks each model with its own gradient.

# %%
scoring_start = time.perf_counter()
sides = np.random.default_rng(params.corruption_seed).choice([-1, 1], size=len(swept))
sweeps = {
    **{("rotation", a): corruptions.rotate_images(data.x_test[swept], sides * a) for a in params.rotations},
    **{
        ("shift", p): corruptions.translate_images(data.x_test[swept], p, params.corruption_seed)
        for p in params.shifts
    },
}
sets = {"clean": data.x_test[chosen], **corrupted}
tables = evaluate_runs(
    runs,
    sets,
    y_corrupted,
    sweeps,
    y_swept,
    data.x_test[swept],
    params.epsilons,
    (data.x_val, data.y_val),
    data.y_test,
    params.calibration_bins,
    params.confident_error,
)
scores, swept_scores, attacks = tables["scores"], tables["sweeps"], tables["attacks"]
calibrations, reliabilities = tables["calibration"], tables["reliability"]
scoring_seconds = time.perf_counter() - scoring_start
names = list(corruptions.CORRUPTIONS)
scores["mean over corruptions"] = scores[names].mean(axis=1)
display(
    Markdown(
        f"{len(runs)} models scored on {len(sets) * len(chosen) + len(sweeps) * len(swept):,} images and "
        f"{len(params.epsilons) * len(swept):,} adversarial images in {scoring_seconds:.0f} s."
    )
)

# %% [markdown]
# ## Accuracy under the corruptions
#
# Accuracy on the clean subset and under each corruption, mean ± standard deviation over seeds, with the
# mean over the 15 corruptions. The heatmap below shows the means. The paper's own per-corruption numbers
# for its CNN [1] could not be retrieved from the sources available to this study (the authors' repository
# holds the generator, not the results), so no published column is shown.

# %%
columns = ["clean", *names, "mean over corruptions"]
means = scores.groupby("model", sort=False)[columns].mean().loc[labels]
sds = scores.groupby("model", sort=False)[columns].std(ddof=1).loc[labels].fillna(0.0)
shown = pd.DataFrame(
    {
        column: [f"{100 * m:.1f} ± {100 * s:.1f}" for m, s in zip(means[column], sds[column])]
        for column in columns
    },
    index=means.index,
).T
shown.index.name = "images"
show_table(shown, caption="Accuracy (%) per model under each corruption, mean ± sd over seeds")
figure, axis = plt.subplots(figsize=(6.2, 5.4))
sns.heatmap(
    100 * means.T,
    annot=True,
    fmt=".0f",
    cmap="rocket",
    vmin=0,
    vmax=100,
    cbar_kws={"label": "accuracy (%)"},
    annot_kws={"fontsize": 8},
    ax=axis,
)
axis.set(xlabel="", ylabel="")
axis.tick_params(labelsize=8)
plt.setp(axis.get_xticklabels(), rotation=20, ha="right")
figure.tight_layout()
show_figure(figure, caption="Accuracy (%) per model and corruption, mean over seeds")

# %%
per_seed_mean = {
    label: scores.loc[scores["model"] == label, "mean over corruptions"].tolist() for label in labels
}
ranked = sorted(labels, key=lambda label: np.mean(per_seed_mean[label]), reverse=True)
lead = welch_interval(per_seed_mean[ranked[1]], per_seed_mean[ranked[0]])
improved = scores[scores["model"] == "improved CNN"]
simple = scores[scores["model"] == "simple CNN"]
display(
    Markdown(
        findings.most_robust(per_seed_mean, lead)
        + " "
        + findings.hardest_corruptions(means[names])
        + "\n\n"
        + findings.augmentation_off_distribution(
            "improved CNN",
            "simple CNN",
            welch_interval(simple["clean"], improved["clean"]),
            welch_interval(simple["mean over corruptions"], improved["mean over corruptions"]),
        )
    )
)

# %% [markdown]
# ## Rotations and shifts
#
# Accuracy against the rotation angle and the shift distance, on a stratified subset of the test images;
# each line is the mean over seeds, the band one standard deviation either side. The improved CNN is the
# only model trained with random rotations, shifts and zooms; the regularized dense network trained with
# random shifts of up to 8 % of the image (about 2 pixels).

# %%
figure, axes = plt.subplots(1, 2, figsize=(6.2, 3.2), sharey=True)
for axis, (kind, unit) in zip(axes, (("rotation", "rotation (degrees)"), ("shift", "shift (pixels)"))):
    sns.lineplot(
        data=swept_scores[swept_scores["sweep"] == kind],
        x="amount",
        y="accuracy",
        hue="model",
        hue_order=labels,
        errorbar="sd",
        marker="o",
        markersize=4,
        ax=axis,
        legend=kind == "rotation",
    )
    axis.set(xlabel=unit, ylabel="accuracy", ylim=(0, 1.02))
    axis.tick_params(labelsize=8)
axes[0].legend(fontsize=7.5, title=None, loc="lower left")
figure.tight_layout()
show_figure(figure, caption="Accuracy against rotation and shift, mean over seeds ± sd")

# %% [markdown]
# ## Calibration
#
# Before and after temperature scaling, on all 10,000 test images (the models' stored test probabilities):
# the expected calibration error over 15 equal-width confidence bins (ECE), the negative log-likelihood
# (NLL, nats per image), the Brier score and the share of test errors made at more than 99 % confidence;
# means over seeds. The temperature is fitted on the validation images (a temperature above 1 means the
# model was overconfident). Scaling changes no prediction, so accuracy stays as it is.

# %%
summary = calibrations.groupby(["model", "stage"], sort=False)[
    ["temperature", "validation NLL", "ece", "nll", "brier", "confident_errors"]
].mean()
wide = summary.unstack("stage").loc[labels]
calibration_table = pd.DataFrame(
    {
        "temperature": wide[("temperature", "before")],
        "validation NLL before": wide[("validation NLL", "before")],
        "validation NLL after": wide[("validation NLL", "after")],
        "ECE before (%)": 100 * wide[("ece", "before")],
        "ECE after (%)": 100 * wide[("ece", "after")],
        "NLL before": wide[("nll", "before")],
        "NLL after": wide[("nll", "after")],
        "Brier before": wide[("brier", "before")],
        "Brier after": wide[("brier", "after")],
        "errors > 99 % before (%)": 100 * wide[("confident_errors", "before")],
        "errors > 99 % after (%)": 100 * wide[("confident_errors", "after")],
    }
)
show_table(
    calibration_table.T,
    caption="Calibration before and after temperature scaling (means over seeds)",
    decimals=3,
)
display(
    Markdown(
        findings.overconfidence(
            pd.DataFrame(
                {
                    "model": labels,
                    "temperature": calibration_table["temperature"].to_numpy(),
                    "ece_before": wide[("ece", "before")].to_numpy(),
                    "ece_after": wide[("ece", "after")].to_numpy(),
                    "confident_errors": wide[("confident_errors", "before")].to_numpy(),
                }
            )
        )
    )
)

# %%
weighted = reliabilities.assign(
    confidence=reliabilities["confidence"] * reliabilities["images"],
    accuracy=reliabilities["accuracy"] * reliabilities["images"],
)
pooled = weighted.groupby(["model", "stage", "bin"], as_index=False)[
    ["images", "confidence", "accuracy"]
].sum()
pooled[["confidence", "accuracy"]] = pooled[["confidence", "accuracy"]].div(pooled["images"], axis=0)
pooled = pooled[pooled["images"] >= 20]
figure, axes = plt.subplots(2, 3, figsize=(6.2, 4.6), sharex=True, sharey=True)
for axis, label in zip(axes.ravel(), labels):
    for stage, style in (("before", "o-"), ("after", "s--")):
        mine = pooled[(pooled["model"] == label) & (pooled["stage"] == stage)]
        axis.plot(mine["confidence"], mine["accuracy"], style, markersize=3, label=f"{stage} scaling")
    axis.plot([0, 1], [0, 1], color="grey", linewidth=0.8, linestyle=":")
    axis.set_title(label, fontsize=9)
    axis.tick_params(labelsize=8)
for axis in axes[-1]:
    axis.set_xlabel("confidence", fontsize=9)
for axis in axes[:, 0]:
    axis.set_ylabel("accuracy", fontsize=9)
axes[0, 0].legend(fontsize=7.5, loc="upper left")
figure.tight_layout()
show_figure(
    figure,
    caption="Reliability diagrams, all seeds pooled: accuracy against mean confidence per confidence bin "
    "holding at least 20 test images, before and after temperature scaling; the dotted diagonal is "
    "perfect calibration",
)

# %% [markdown]
# ## Adversarial images
#
# FGSM accuracy and mean confidence (the top probability, averaged over all images) against the step
# $\varepsilon$, mean over seeds ± sd. The cross marks Goodfellow et al.'s maxout network at
# $\varepsilon = 0.25$ [3]: 89.4 % of the
# adversarial images misclassified (10.6 % accuracy) with an average confidence of 97.6 %.

# %%
figure, axes = plt.subplots(1, 2, figsize=(6.2, 3.4), sharex=True)
for axis, column, name in zip(axes, ("accuracy", "mean_confidence"), ("accuracy", "mean confidence")):
    sns.lineplot(
        data=attacks,
        x="epsilon",
        y=column,
        hue="model",
        hue_order=labels,
        errorbar="sd",
        marker="o",
        markersize=4,
        ax=axis,
        legend=column == "accuracy",
    )
    published = 1 - FGSM_MAXOUT["error"] if column == "accuracy" else FGSM_MAXOUT["confidence"]
    axis.plot(
        FGSM_MAXOUT["epsilon"], published, "kX", markersize=8, label="maxout network (Goodfellow et al.)"
    )
    axis.set(xlabel="step ε (pixel range 0–1)", ylabel=name, ylim=(0, 1.02))
    axis.tick_params(labelsize=8)
handles, names_shown = axes[0].get_legend_handles_labels()
axes[0].legend(handles, names_shown, fontsize=7.5, title=None, loc="upper right")
figure.tight_layout()
show_figure(figure, caption="FGSM: accuracy and mean confidence against the step size, mean over seeds ± sd")
at = attacks.groupby(["model", "epsilon"])["accuracy"].mean()
display(
    Markdown(
        findings.fgsm_against_published(
            {
                label: at[(label, FGSM_MAXOUT["epsilon"])]
                for label in labels
                if (label, FGSM_MAXOUT["epsilon"]) in at
            },
            FGSM_MAXOUT["epsilon"],
            FGSM_MAXOUT["error"],
        )
    )
)
fgsm_table = (
    100 * attacks.groupby(["model", "epsilon"], sort=False)["accuracy"].mean().unstack("model")[labels]
)
show_table(
    fgsm_table.rename_axis("step"), caption="FGSM accuracy (%) per step size, mean over seeds", decimals=1
)

# %%
robustness = {}
for label in labels:
    entry = params.models[label]
    mine = calibrations[calibrations["model"] == label]
    robustness[label] = {
        "notebook": entry["notebook"],
        "metrics_key": entry.get("metrics_key", label),
        "seeds": scores.loc[scores["model"] == label, "seed"].astype(int).tolist(),
        "corruption_accuracy": [round(v, 6) for v in per_seed_mean[label]],
        "corruption_accuracy_mean": round(float(np.mean(per_seed_mean[label])), 6),
        "clean_subset_accuracy_mean": round(float(means.loc[label, "clean"]), 6),
        "per_corruption_mean": {name: round(float(means.loc[label, name]), 6) for name in names},
        "ece_before": round(float(mine.loc[mine["stage"] == "before", "ece"].mean()), 6),
        "ece_after": round(float(mine.loc[mine["stage"] == "after", "ece"].mean()), 6),
        "temperature_mean": round(float(mine["temperature"].mean()), 4),
        "fgsm_accuracy": {f"{e:g}": round(float(at[(label, e)]), 6) for e in params.epsilons},
    }
write_metrics(
    outputs.metrics_file,
    data.name,
    {},
    models_compared=len(labels),
    corruption_images=len(chosen),
    corruption_sha256=manifest["sha256"],
    robustness=robustness,
)

# %% [markdown]
# ## How the corrupted images were made
#
# The corrupted images are generated by `charrec.corruptions` and cached in `data/derived/mnist_c.npz` with
# a manifest of their checksums (`mnist_c.json`); the report stage depends on the prepared data and the
# library, so a change to either regenerates them. The runs were read through `charrec.tasks.results_for`
# with the params of their notebooks; nothing was trained.

# %%
show_table(
    pd.DataFrame({"sha256": manifest["sha256"]}).rename_axis("corruption"),
    caption=f"Checksums of the corrupted images ({len(chosen):,} test images each, seed "
    f"{params.corruption_seed})",
)
show_provenance(data.manifest, seeds=seeds, start_time=start_time)
display(Markdown(reference_list(["mu2019", "guo2017", "goodfellow2015"])))
