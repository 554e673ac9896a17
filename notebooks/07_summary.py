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
# # Summary: the whole study at a glance
#
# Five course reports on MNIST and Kuzushiji-MNIST each gave a handful of numbers from single runs.
# This report puts every model of this study side by side, re-measured with several seeds where the
# notebooks say so, beside the source reports' figures and published reference points, with the
# cost of each result in training time. It reads only the notebooks' metrics files, so it re-runs in
# seconds; `reports/index.html` links every report.

# %% tags=["parameters"]
# The summary reads the metrics the pipeline wrote; it has no values of its own to vary.
variant = {}

# %%
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import numpy as np
import pandas as pd
import seaborn as sns
from adjustText import adjust_text
from IPython.display import Markdown, display
from matplotlib.legend import Legend
from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

from charrec import summary
from charrec.metrics import headline, read_metrics
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.references import PUBLISHED_ANCHORS, dataset_name
from charrec.report import hardware_description, package_versions, setup_notebook, show_figure, show_table

params = notebook_params("07_summary", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("07_summary")
metrics = read_metrics(Path(params.metrics_dir))
models = summary.model_table(metrics)


def percent(value) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * value:.2f}"


# %% [markdown]
# ## Every model of the study
#
# One row per model, grouped by the dataset it was trained and tested on. Test accuracy is the mean
# over seeds (± the sample standard deviation, when there are several); training time and images per
# second are per run, on the machine named at the end. The second table gives each model's notebook,
# size, speed and architecture.

# %%
table = models.assign(
    **{
        "dataset": models["dataset"].map(dataset_name),
        "test accuracy %": [
            f"{percent(m)} ± {percent(s)}" if n > 1 else percent(m)
            for m, s, n in zip(models["test accuracy"], models["sd"], models["seeds"])
        ],
        "source report %": models["source report"].map(percent),
    }
)[["dataset", "model", "epochs", "seeds", "train seconds", "test accuracy %", "source report %"]]
show_table(
    table.set_index(["dataset", "model"]),
    caption="All models by dataset: test accuracy and training time",
    decimals=1,
)
show_table(
    models.assign(notebook=models["notebook"].str[:2]).set_index("model")[
        ["notebook", "parameters", "images/s", "architecture"]
    ],
    caption="The models of the table above: notebook, size, speed and architecture",
)

# %% [markdown]
# ## Published reference points
#
# Figures quoted from their sources (not re-measured here).

# %%
anchors = PUBLISHED_ANCHORS.assign(
    **{
        "dataset": PUBLISHED_ANCHORS["dataset"].map(dataset_name),
        "test accuracy %": PUBLISHED_ANCHORS["test accuracy"].map(percent),
    }
)
show_table(anchors.drop(columns="test accuracy").set_index(["dataset", "model"]), caption="Published results")

# %% [markdown]
# ## Accuracy against training time
#
# One panel per dataset. Each point is one model (mean over its seeds); the horizontal lines are the
# published reference points of the same dataset. Up and to the left is better. Crosses mark models of
# an easier task than the references: the batch-norm ablation's 4 merged classes.

# %%
full_task = models.groupby("dataset")["classes"].transform("max")
task = models["classes"].fillna(full_task).lt(full_task).map({True: "merged classes", False: "all classes"})
panels = max(1, models["dataset"].nunique())
# About the text width of the page per panel row, so that 9-point labels print at about 8 points
figure, axes = plt.subplots(1, panels, figsize=(7 * panels, 4.8), squeeze=False)
for axis, (dataset, group) in zip(axes.ravel(), models.groupby("dataset")):
    sns.scatterplot(
        data=group.assign(task=task),
        x="train seconds",
        y="test accuracy",
        hue="notebook",
        style="task",
        markers={"all classes": "o", "merged classes": "X"},
        s=70,
        ax=axis,
    )
    axis.set_xscale("log")  # before the labels, which are placed in the axis' data range
    middle = np.sqrt(group["train seconds"].min() * group["train seconds"].max())
    labels = [  # every point names its model; placed apart by adjustText below
        axis.text(
            point["train seconds"],
            point["test accuracy"],
            point["model"].replace("_", " "),
            fontsize=9,
            va="bottom",  # starting above its point
            ha="left" if point["train seconds"] < middle else "right",  # towards the panel's middle
        )
        for _, point in group.iterrows()
    ]
    # The published reference points: dotted lines, named on the right outside the panel (never over a point)
    published = PUBLISHED_ANCHORS[PUBLISHED_ANCHORS["dataset"] == dataset]
    for value in published["test accuracy"]:
        axis.axhline(value, color="grey", linestyle=":", linewidth=1)
    names = axis.secondary_yaxis("right")
    names.set_yticks(
        published["test accuracy"].to_list(),
        [
            textwrap.fill(f"{model} ({100 * value:.2f} %)", 24)
            for model, value in zip(published["model"], published["test accuracy"])
        ],
        fontsize=8,
        color="grey",
    )
    names.tick_params(length=0)
    axis.set(
        title=dataset_name(dataset),
        xlabel="training seconds per run (log scale)",
        ylabel="test accuracy",
    )
    axis.margins(x=0.25, y=0.08)  # room for the labels of the outermost points
    # Labels on the powers of ten and at 2 and 5 times them only (the minor ticks unlabelled): log axes
    # otherwise label every minor tick and the labels overprint.
    axis.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.yaxis.set_major_formatter(StrMethodFormatter("{x:.2%}"))
    # Two legends below the panel, where they cannot cover a point or a label: colour (notebook) on the
    # left, marker (task) on the right; seaborn lists both under one legend, each after its title entry
    handles, names = axis.get_legend_handles_labels()
    axis.get_legend().remove()
    split = names.index("task") if "task" in names else len(names)
    parts = ((slice(1, split), "notebook", "left"), (slice(split + 1, None), "task", "right"))
    for part, title, corner in parts:
        if not names[part]:
            continue
        legend = Legend(
            axis,
            handles[part],
            names[part],
            title=title,
            fontsize=8,
            title_fontsize=8,
            ncols=2 if title == "notebook" else 1,
            loc=f"upper {corner}",
            bbox_to_anchor=(0 if corner == "left" else 1, -0.16),
            frameon=False,
        )
        axis.add_artist(legend)
        legend.set_clip_on(False)  # it lies outside the axes, whose box add_artist clips it to
    # No label covers a point or another label
    adjust_text(
        labels,
        x=group["train seconds"].to_numpy(),
        y=group["test accuracy"].to_numpy(),
        ax=axis,
        expand=(1.15, 1.6),  # room around each label, as a factor of its size
        arrowprops={"arrowstyle": "-", "color": "grey", "linewidth": 0.5},
    )
figure.tight_layout()
show_figure(figure, caption="Test accuracy against training time per run, with published reference points")

# %% [markdown]
# ## What the sources asked, answered

# %%
display(Markdown("\n\n".join(summary.conclusions(metrics))))

# %%
one_liners = {}
for notebook, group in models.groupby("notebook"):
    # the notebook's headline model: the best of its full task (05's 4-class variant does not compete)
    best = group.set_index("model").loc[headline(metrics[notebook])["best"]]
    spread = f" ± {percent(best['sd'])}" if best["seeds"] > 1 else ""
    one_liners[notebook] = (
        f"best model {best['architecture']}: {percent(best['test accuracy'])}{spread} % test "
        f"accuracy ({dataset_name(best['dataset'])}, {best['seeds']} seed{'s' if best['seeds'] > 1 else ''})"
    )
if "01_data_exploration" in metrics:
    counts = metrics["01_data_exploration"].counts
    one_liners["01_data_exploration"] = (
        f"{counts['train']:,} train / {counts['validation']:,} validation / {counts['test']:,} test images"
    )
one_liners[outputs.name] = f"{len(models)} models from {models['notebook'].nunique()} notebooks side by side"
facts = summary.provenance(Path(".."), package_versions(), hardware_description())
notebooks = sorted(path.stem for path in Path(".").glob("[0-9]*.py"))  # the notebooks folder: every report
index = summary.write_index(Path(params.reports_dir), notebooks, one_liners, facts, rendering=outputs.name)
if index.parent != Path(params.reports_dir):  # opened interactively: the pipeline's index stays as it is
    print(f"The index went to {index}, not to the pipeline's {Path(params.reports_dir) / index.name}")
display(
    Markdown(
        "## How this report was made\n\n"
        + "\n".join(f"- **{key}**: {value}" for key, value in facts.items() if not key.endswith(" md5"))
    )
)
show_table(summary.data_checksums(Path("..")).set_index(["dataset", "file"]), caption="The raw data files")
