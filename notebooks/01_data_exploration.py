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
# # Data exploration: the handwritten digits of MNIST
#
# Every model of this study learns from the handwritten digits of MNIST (LeCun et al. 1998), the
# dataset of the first four course reports this study follows (course reports 1–4): the original files,
# verified against their published checksums, and one fixed, seeded split of the 60,000 training images
# into a training part and a validation part. This report shows what those images look like, how the
# classes are balanced in each part, and how the pixel intensities are distributed.

# %% tags=["parameters"]
# A variant of this report: values to change, e.g. {"samples_per_class": 5}.
# The study's values: params/01_data_exploration.yaml (the pipeline always runs with variant = {}).
variant = {}

# %%
import numpy as np
import pandas as pd
from IPython.display import Markdown, display

from charrec import figures
from charrec.files import prepared_path
from charrec.metrics import write_metrics
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.prepared import load_prepared
from charrec.references import reference_list
from charrec.report import setup_notebook, show_figure, show_provenance, show_table

params = notebook_params("01_data_exploration", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("01_data_exploration")
data = load_prepared(prepared_path("mnist"))
subsets = {
    "train": (data.x_train, data.y_train),
    "validation": (data.x_val, data.y_val),
    "test": (data.x_test, data.y_test),
}

# %% [markdown]
# ## The split
#
# The official test set is kept apart, and the official training set is split once, stratified by
# class, with a fixed seed. Every report of the study uses this one split, so every model is trained,
# tuned and tested on exactly the same images.

# %%
counts = data.manifest["counts"]
display(
    Markdown(
        f"**{data.name.upper()}**: {counts['train']:,} training, {counts['validation']:,} validation and "
        f"{counts['test']:,} test images of {data.x_train.shape[1]}×{data.x_train.shape[2]} pixels, "
        f"{data.num_classes} classes; split seed {data.manifest['split_seed']}."
    )
)

# %% [markdown]
# ## Examples of every class
#
# Random examples of each class from the training part (dark strokes on a light background).

# %%
show_figure(
    figures.sample_grid(data.x_train, data.y_train, data.class_names, params.samples_per_class),
    caption=f"{params.samples_per_class} random training images of each class",
)

# %% [markdown]
# ## Class balance
#
# How many images each class has in each subset. The validation part is a stratified sample of the
# training images, so both have the same class proportions; the test set is the official one.

# %%
class_counts = pd.DataFrame(
    {name: np.bincount(labels, minlength=data.num_classes) for name, (_, labels) in subsets.items()},
    index=pd.Index(data.class_names, name="class"),
)
shares = class_counts / class_counts.sum()
show_table(
    class_counts.assign(**{f"{name} share": shares[name] for name in subsets}),
    caption="Images per class and subset",
    decimals=3,
)
show_figure(figures.class_counts(class_counts), caption="Images per class in each subset")
rarest, commonest = class_counts["train"].idxmin(), class_counts["train"].idxmax()
display(
    Markdown(
        f"The rarest class in the training part, {rarest}, has "
        f"{100 * (1 - class_counts['train'][rarest] / class_counts['train'][commonest]):.0f} % fewer images "
        f"than the most frequent one, {commonest}."
    )
)

# %% [markdown]
# ## Pixel intensities
#
# Most pixels are pure background (0); strokes saturate near 255. The mean and standard deviation
# below are the statistics a standardising input layer would use.

# %%
pixel_statistics = pd.DataFrame(
    {
        name: {
            "mean": images.mean(),
            "standard deviation": images.std(),
            "share of zero pixels": (images == 0).mean(),
            "share of pixels above 127": (images >= 128).mean(),
        }
        for name, (images, _) in subsets.items()
    }
).T
show_table(pixel_statistics, caption="Pixel statistics (intensity 0–255)", decimals=3)
show_figure(figures.pixel_histogram(data.x_train), caption="Pixel values of the training images")

# %% [markdown]
# ## The mean image of each class
#
# Averaging all training images of a class shows its typical shape; how far its images lie from that
# mean shows how much the writers vary.

# %%
show_figure(
    figures.mean_images(data.x_train, data.y_train, data.class_names),
    caption="The mean training image of each class",
)
# The typical distance of an image from its class's mean image: the root mean square over its pixels of
# the difference, in intensity units (0-255), averaged over the class's training images.
images = data.x_train.astype(np.float64)
spread = pd.Series(
    {
        name: np.sqrt(
            ((images[data.y_train == index] - images[data.y_train == index].mean(axis=0)) ** 2).mean(
                axis=(1, 2)
            )
        ).mean()
        for index, name in enumerate(data.class_names)
    }
).sort_values()
display(
    Markdown(
        "The typical distance of an image from its class's mean image (the root mean square of the "
        "pixel differences, intensity 0–255) is smallest for "
        + " and ".join(f"{name} ({value:.0f})" for name, value in spread.head(2).items())
        + ", whose writers vary least, and largest for "
        + " and ".join(f"{name} ({value:.0f})" for name, value in spread.tail(2)[::-1].items())
        + f"; the median class lies at {spread.median():.0f}."
    )
)

# %%
write_metrics(
    outputs.metrics_file,
    data.name,
    models={},
    counts=counts,
    pixel_mean=round(float(data.x_train.mean()), 4),
    pixel_sd=round(float(data.x_train.std()), 4),
    smallest_class_share=round(float(shares["train"].min()), 4),
    largest_class_share=round(float(shares["train"].max()), 4),
)
show_provenance(data.manifest, seeds=[], start_time=start_time)
display(
    Markdown(
        reference_list(["lecun1998", "source-dense", "source-regularization", "source-cnn", "source-bn"])
    )
)
