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
# # Dense baseline: a five-layer perceptron on MNIST
#
# The first source report trains a fully connected network, 784-512-64-32-16-10 with ReLU units and
# a softmax output, with Adam and cross-entropy, batch 500, for 10 epochs, and reports **97.85 %**
# test accuracy from a single run. This report reproduces it with several seeds:
#
# 1. **validation runs**: each seed trains on the training part of the shared split and is scored on
#    the validation part after every epoch (learning curves, no choice is made from the test set);
# 2. **final runs**: with nothing tuned, each seed retrains the same network for the same number of
#    epochs on all training images (training + validation, as the source did), and is tested once.
#
# The runs are trained by the pipeline's training stage (`python -m charrec.train 02_dense_baseline`),
# in parallel and cached per run; this report reads their results. Opened in JupyterLab with other
# parameters, it trains the runs it is missing into `scratch/` first.

# %% tags=["parameters"]
# A variant of this report: values to change, e.g. {"seeds": [5], "epochs": 3}.
# The study's values: params/02_dense_baseline.yaml (the pipeline always runs with variant = {}).
variant = {}

# %%
from IPython.display import Markdown, display

from charrec import figures
from charrec.evaluation import percent_mean_sd
from charrec.files import prepared_path
from charrec.metrics import model_metrics, write_metrics
from charrec.model_report import show_test_evaluation
from charrec.models.dense import dense_network
from charrec.outputs import NotebookOutputs
from charrec.params import notebook_params
from charrec.plans import FINAL, VALIDATION
from charrec.prepared import load_prepared
from charrec.references import DENSE_BASELINE_TEST_ACCURACY
from charrec.report import model_summary, setup_notebook, show_figure, show_provenance, show_table
from charrec.tasks import results_for

params = notebook_params("02_dense_baseline", variant)
start_time = setup_notebook()
outputs = NotebookOutputs("02_dense_baseline")
data = load_prepared(prepared_path("mnist"))
runs = results_for(outputs.name, params)

# %% [markdown]
# ## The network

# %%
summary = model_summary(
    dense_network(params.hidden_units, data.num_classes, params.activation, name="dense_baseline")
)
show_table(summary, caption="Layers and parameter counts", decimals=0)

# %% [markdown]
# ## Validation runs: learning curves
#
# Training loss keeps falling while the validation loss flattens after a few epochs: the network
# starts to memorise the training images. Dashed lines are training, solid lines validation.

# %%
curves = runs.curves(phase=VALIDATION)
show_figure(
    figures.learning_curves(curves),
    caption="Training and validation loss (left) and accuracy (right) per epoch, one line per seed "
    "(validation runs)",
)
last_epochs = curves[curves["epoch"] == params.epochs]
display(
    Markdown(
        f"After {params.epochs} epochs: validation accuracy {percent_mean_sd(last_epochs['val_accuracy'])}, "
        f"training accuracy {percent_mean_sd(last_epochs['accuracy'])} (mean ± sd over {len(params.seeds)} "
        "seeds)."
    )
)

# %% [markdown]
# ## Final runs: test accuracy
#
# Each seed retrains the network from scratch and is evaluated once on the 10,000 test images.

# %%
final = runs.table(phase=FINAL).merge(last_epochs[["seed", "val_accuracy"]], on="seed")
final = final.rename(columns={"val_accuracy": "validation_accuracy"})
show_table(
    final.set_index("seed")[
        ["validation_accuracy", "test_accuracy", "train_seconds", "images_per_second"]
    ].rename(
        columns={
            "validation_accuracy": "validation accuracy (validation run)",
            "test_accuracy": "test accuracy",
            "train_seconds": "training seconds",
            "images_per_second": "images per second",
        }
    ),
    caption=f"Final runs, trained on {final['train_images'].iloc[0]:,} images",
    decimals=4,
)
display(
    Markdown(
        f"**Test accuracy: {percent_mean_sd(final['test_accuracy'])}** (mean ± sd over {len(params.seeds)} "
        f"seeds) against the source report's single run of {100 * DENSE_BASELINE_TEST_ACCURACY:.2f} %. "
        "The seed-to-seed spread is the scale on which single-run differences between reports should be read."
    )
)

# %% [markdown]
# ## Evaluation of one model
#
# The per-class table, confusion matrix and gallery below belong to the final model of the first seed.

# %%
first_seed = params.seeds[0]
headline = show_test_evaluation(
    runs.probabilities(f"final-seed{first_seed}"),
    data.y_test,
    data.x_test,
    data.class_names,
    params.gallery_size,
    model_label=f"dense baseline, seed {first_seed}",
)

# %%
curves.to_csv(outputs.curve_file("learning_curves"), index=False)
write_metrics(
    outputs.metrics_file,
    data.name,
    {
        "dense_baseline": model_metrics(
            final,
            architecture="784-" + "-".join(map(str, params.hidden_units)) + f"-{data.num_classes}",
            parameters=summary.loc["total", "trainable"],
            epochs=params.epochs,
            misclassified_first_seed=headline["misclassified"],
            source_test_accuracy=DENSE_BASELINE_TEST_ACCURACY,
        )
    },
)
show_provenance(data.manifest, seeds=list(params.seeds), start_time=start_time)
