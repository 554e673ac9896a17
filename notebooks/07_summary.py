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
# Five course reports (references 1–5) each gave a handful of numbers from single runs. This report
# puts every model of this study side by side, re-measured with several seeds, beside the source
# reports' figures and published reference points, with the cost of each result in training time. It
# reads only the numbers the other reports recorded, so it re-runs in seconds; the study's index page
# links every report.

# %% tags=["parameters"]
# The summary reads the metrics the pipeline wrote; it has no values of its own to vary.
variant = {}

# %%
import textwrap
from pathlib import Path

import matplotlib.pyplot as plt
import pandas as pd
import seaborn as sns
from IPython.display import Markdown, display
from matplotlib.legend import Legend
from matplotlib.ticker import LogLocator, NullFormatter, StrMethodFormatter

from charrec import figures, summary
from charrec.metrics import headline, read_metrics
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.references import PUBLISHED_ANCHORS, dataset_name, reference_list
from charrec.report import hardware_description, package_versions, setup_notebook, show_figure, show_table

params = notebook_params("07_summary", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("07_summary")
metrics = read_metrics(Path(params.metrics_dir))
models = summary.model_table(metrics)
shown_datasets = summary.datasets_shown(models)


def percent(value) -> str:
    return "" if value is None or pd.isna(value) else f"{100 * value:.2f}"


display(Markdown(summary.scope_sentence(metrics)))


# %% [markdown]
# ## Every model of the study
#
# One row per model, grouped by the dataset it was trained and tested on. Test accuracy is the mean
# over seeds (± the sample standard deviation, when there are several); training time and images per
# second are per run, on the machine named at the end. The study's split has 50,000 training and 10,000
# validation images: a model marked with 60,000 training images was retrained on both after its
# settings were chosen on the validation images. "Corrupted" is the mean accuracy over the 15 MNIST-C
# corruptions and ECE the expected calibration error on the test images, both from the report on how
# the models fail (blank for a model it does not test). The second table gives each model's report,
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
        "training images": models["train images"],
        "corrupted %": models["corruption accuracy"].map(percent),  # 08: mean over MNIST-C's corruptions
        "ECE %": models["ECE"].map(percent),  # 08: test-set expected calibration error
    }
)[
    [
        "dataset",
        "model",
        "training images",
        "epochs",
        "seeds",
        "train seconds",
        "test accuracy %",
        "source report %",
        "corrupted %",
        "ECE %",
    ]
]
show_table(
    table.set_index(["dataset", "model"]),
    caption="All models by dataset: test accuracy and training time",
    decimals=1,
)
display(Markdown(summary.training_images_sentence(models)))
show_table(
    models.assign(report=models["notebook"].str[:2]).set_index("model")[
        ["report", "parameters", "images/s", "architecture"]
    ],
    caption="The models of the table above: report, size, speed and architecture",
)

# %% [markdown]
# ## Published reference points
#
# Figures quoted from their sources (not re-measured here), for the datasets this summary shows. The
# Kaggle figure is a score on Kaggle's Digit Recognizer test images, not on MNIST's official test set.

# %%
shown_anchors = PUBLISHED_ANCHORS[PUBLISHED_ANCHORS["dataset"].isin(shown_datasets)]  # datasets that ran
anchors = shown_anchors.assign(
    **{
        "dataset": shown_anchors["dataset"].map(dataset_name),
        "test accuracy %": shown_anchors["test accuracy"].map(percent),
    }
)
show_table(anchors.drop(columns="test accuracy").set_index(["dataset", "model"]), caption="Published results")

# %% [markdown]
# ## Accuracy against training time
#
# Each point is one model: its mean test accuracy over seeds, with a bar of ± one standard deviation
# over them; the dotted horizontal lines are the published reference points of the same dataset, named
# on the right. Up and to the left is better. Crosses mark models of an easier task than the
# references: the batch-norm ablation's 4 merged classes.

# %%
full_task = models.groupby("dataset")["classes"].transform("max")
task = models["classes"].fillna(full_task).lt(full_task).map({True: "merged classes", False: "all classes"})
panels = max(1, models["dataset"].nunique())
# One panel per row at the widest size the PDF shows unscaled (5.8 inches), so 8-point text prints at 8
figure, axes = plt.subplots(panels, 1, figsize=(5.8, 4.4 * panels), squeeze=False)


def figure_label(name: str) -> str:
    """A point's label: its model's name without what the colour and marker already say (the
    batch-norm ablation's network, a dense network's layer sizes)."""
    name = name.removeprefix("4,470-parameter CNN, ")
    return name.split(" 784-")[0]


palette = dict(
    zip(sorted(models["notebook"].unique()), sns.color_palette(n_colors=models["notebook"].nunique()))
)
for axis, (dataset, group) in zip(axes.ravel(), models.groupby("dataset")):
    group = group.assign(task=task, report=group["notebook"].map(summary.report_name))
    for _, point in group.iterrows():  # ± one sd over seeds, under the points
        axis.errorbar(
            point["train seconds"],
            point["test accuracy"],
            yerr=0.0 if pd.isna(point["sd"]) else point["sd"],
            color=palette[point["notebook"]],
            elinewidth=1,
            capsize=2,
            zorder=1,
        )
    sns.scatterplot(
        data=group,
        x="train seconds",
        y="test accuracy",
        hue="report",
        palette={summary.report_name(notebook): colour for notebook, colour in palette.items()},
        style="task",
        markers={"all classes": "o", "merged classes": "X"},
        s=50,
        ax=axis,
        zorder=2,
    )
    axis.set_xscale("log")  # before the labels, which are placed in the axis' data range
    # The published reference points: dotted lines, named on the right outside the panel (never over a point)
    published = PUBLISHED_ANCHORS[PUBLISHED_ANCHORS["dataset"] == dataset]
    for value in published["test accuracy"]:
        axis.axhline(value, color="grey", linestyle=":", linewidth=1, zorder=0)
    names = axis.secondary_yaxis("right")
    names.set_yticks(
        published["test accuracy"].to_list(),
        [
            textwrap.fill(f"{model} ({100 * value:.2f}\N{NO-BREAK SPACE}%)", 22)
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
    axis.title.set_fontsize(9)
    axis.xaxis.label.set_fontsize(8)
    axis.yaxis.label.set_fontsize(8)
    axis.tick_params(labelsize=8)
    axis.margins(x=0.25, y=0.08)  # room for the labels of the outermost points
    # Labels on the powers of ten and at 2 and 5 times them only (the minor ticks unlabelled): log axes
    # otherwise label every minor tick and the labels overprint.
    axis.xaxis.set_major_locator(LogLocator(base=10, subs=(1.0, 2.0, 5.0)))
    axis.xaxis.set_major_formatter(StrMethodFormatter("{x:,.0f}"))
    axis.xaxis.set_minor_formatter(NullFormatter())
    axis.yaxis.set_major_formatter(StrMethodFormatter("{x:.2%}"))
    # Two legends in the right margin below the reference names, where they cannot cover a point or a
    # label: colour (report) above marker (task); seaborn lists both under one legend, each after its
    # title entry
    handles, names = axis.get_legend_handles_labels()
    axis.get_legend().remove()
    split = names.index("task") if "task" in names else len(names)
    parts = ((slice(1, split), "report", 0.55), (slice(split + 1, None), "task", 0.2))
    for part, title, top in parts:
        if not names[part]:
            continue
        legend = Legend(
            axis,
            handles[part],
            names[part],
            title=title,
            fontsize=8,
            title_fontsize=8,
            loc="upper left",
            bbox_to_anchor=(1.02, top),
            frameon=False,
            alignment="left",
        )
        axis.add_artist(legend)
        legend.set_clip_on(False)  # it lies outside the axes, whose box add_artist clips it to
figure.tight_layout()
for axis, (dataset, group) in zip(axes.ravel(), models.groupby("dataset")):  # the layout is final now
    # Every point names its model beside it, covering no point, bar, reference line or other label
    figures.label_points(
        axis,
        group["train seconds"].to_numpy(),
        group["test accuracy"].to_numpy(),
        [textwrap.fill(figure_label(name), 24) for name in group["model"]],
        lines=PUBLISHED_ANCHORS.loc[PUBLISHED_ANCHORS["dataset"] == dataset, "test accuracy"].to_list(),
        bars=group["sd"].fillna(0).to_numpy(),
    )
show_figure(
    figure,
    caption="Test accuracy against training time per run (mean and ± one sd over seeds), with published "
    "reference points",
)

# %% [markdown]
# ## What the sources asked, answered

# %%
display(Markdown("\n\n".join(summary.conclusions(metrics))))

# %%
one_liners = {}
for notebook, group in models.groupby("notebook"):
    # the notebook's headline model: the best of its full task (05's 4-class variant does not compete)
    best = group.set_index("key").loc[headline(metrics[notebook])["best"]]
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
display(
    Markdown(
        reference_list(
            [
                "source-dense",
                "source-regularization",
                "source-cnn",
                "source-bn",
                "source-hiragana",
                *summary.cited_works(shown_datasets),
            ]
        )
    )
)
