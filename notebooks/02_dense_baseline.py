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

# %% tags=["parameters"]
hidden_units = [512, 64, 32, 16]  # units of the hidden layers
activation = "relu"  # activation of the hidden layers
learning_rate = 0.001  # Adam's learning rate (Keras default, as in the source)
batch_size = 500
epochs = 10
seeds = [0, 1, 2]  # one validation run and one final run per seed
retrain_on_all_training_images = True  # final runs on training + validation images, as the source
gallery_size = 24  # misclassified test images shown

# %%
import pandas as pd
from IPython.display import Markdown, display

from charrec import figures
from charrec.data import load_prepared
from charrec.evaluation import percent_mean_sd, seed_metrics
from charrec.model_report import show_test_evaluation
from charrec.models import dense_network
from charrec.outputs import NotebookOutputs
from charrec.params import DenseBaselineParams
from charrec.report import model_summary, setup_notebook, show_figure, show_provenance, show_table, write_json_atomically
from charrec.training import (compile_classifier, make_deterministic, predict_probabilities, train,
                              use_available_accelerators)

params = DenseBaselineParams.from_namespace(globals())
start_time = setup_notebook()
accelerator = use_available_accelerators()  # a GPU (or several) when there is one
outputs = NotebookOutputs("02_dense_baseline")
data = load_prepared("../data/prepared/mnist.npz")
SOURCE_TEST_ACCURACY = 0.9785  # the source report's single run


def build_model():
    return compile_classifier(
        dense_network(params.hidden_units, data.num_classes, params.activation, name="dense_baseline"),
        params.learning_rate,
    )


# %% [markdown]
# ## The network

# %%
show_table(model_summary(build_model()), caption="Layers and parameter counts", decimals=0)

# %% [markdown]
# ## Validation runs: learning curves
#
# Training loss keeps falling while the validation loss flattens after a few epochs: the network
# starts to memorise the training images. Dashed lines are training, solid lines validation.

# %%
validation_runs = []
for seed in params.seeds:
    make_deterministic(seed)
    run = train(build_model(), data.x_train, data.y_train, (data.x_val, data.y_val),
                params.epochs, params.batch_size, seed)
    validation_runs.append(run.history.assign(seed=seed))
curves = pd.concat(validation_runs, ignore_index=True)
show_figure(figures.learning_curves(curves))
last_epochs = curves[curves["epoch"] == params.epochs]
display(Markdown(
    f"After {params.epochs} epochs: validation accuracy {percent_mean_sd(last_epochs['val_accuracy'])}, "
    f"training accuracy {percent_mean_sd(last_epochs['accuracy'])} (mean ± sd over {len(params.seeds)} seeds)."
))

# %% [markdown]
# ## Final runs: test accuracy
#
# Each seed retrains the network from scratch and is evaluated once on the 10,000 test images.

# %%
if params.retrain_on_all_training_images:
    x_final, y_final = data.x_train_full, data.y_train_full
else:
    x_final, y_final = data.x_train, data.y_train
outputs.models_dir.mkdir(parents=True, exist_ok=True)
final_rows, test_probabilities = [], {}
for seed in params.seeds:
    make_deterministic(seed)
    run = train(build_model(), x_final, y_final, None, params.epochs, params.batch_size, seed)
    run.model.save(outputs.models_dir / f"seed{seed}.keras")
    test_probabilities[seed] = predict_probabilities(run.model, data.x_test)
    final_rows.append({
        "seed": seed,
        "validation accuracy (validation run)": float(last_epochs.loc[last_epochs["seed"] == seed, "val_accuracy"].iloc[0]),
        "test accuracy": float((test_probabilities[seed].argmax(1) == data.y_test).mean()),
        "training seconds": run.train_seconds,
        "images per second": run.images_per_second,
    })
final = pd.DataFrame(final_rows).set_index("seed")
show_table(final, caption=f"Final runs, trained on {len(y_final):,} images", decimals=4)
display(Markdown(
    f"**Test accuracy: {percent_mean_sd(final['test accuracy'])}** (mean ± sd over {len(params.seeds)} seeds) "
    f"against the source report's single run of {100 * SOURCE_TEST_ACCURACY:.2f} %. "
    f"The seed-to-seed spread is the scale on which single-run differences between reports should be read."
))

# %% [markdown]
# ## Evaluation of one model
#
# The per-class table, confusion matrix and gallery below belong to the final model of the first seed.

# %%
first_seed = params.seeds[0]
headline = show_test_evaluation(test_probabilities[first_seed], data.y_test, data.x_test, data.class_names,
                                params.gallery_size, model_label=f"dense baseline, seed {first_seed}")

# %%
outputs.curves_dir.mkdir(parents=True, exist_ok=True)
curves.to_csv(outputs.curves_dir / "learning_curves.csv", index=False)
parameter_count = int(model_summary(build_model()).loc["total", "trainable"])
write_json_atomically(outputs.metrics_file, {
    "dataset": data.name,
    "models": {
        "dense_baseline": {
            "architecture": "784-" + "-".join(map(str, params.hidden_units)) + f"-{data.num_classes}",
            "parameters": parameter_count,
            "epochs": params.epochs,
            "seeds": list(params.seeds),
            **seed_metrics(final, validation_column="validation accuracy (validation run)"),
            "misclassified_first_seed": headline["misclassified"],
            "source_test_accuracy": SOURCE_TEST_ACCURACY,
        }
    },
})
show_provenance(data.manifest, seeds=list(params.seeds), start_time=start_time)
