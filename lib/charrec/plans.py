"""Which training runs each notebook needs, derived from its params alone.

`plan(name, params)` lists a notebook's runs (`charrec.runs.RunSpec`) in a fixed order. The training
stage (`python -m charrec.train NAME`) carries them out, and the notebook reads their results; both
call this one function, so a notebook opened with edited parameters asks for exactly the runs that
those parameters describe. Labels (`RunSpec.labels`) are how a notebook selects runs: phase,
model, seed, regularizer and value.
"""

from .classical import NOT_USED
from .models import info
from .params import ParamsError
from .runs import RunSpec

FINAL = "final"  # runs trained on all training images (training + validation) and tested once
VALIDATION = "validation"  # runs trained on the training part and scored on validation every epoch
GRID = "grid"  # scikit-learn baselines: one fit per value of the tuned argument, scored on validation
BASELINE = "baseline"  # scikit-learn baselines: the chosen value fitted on all training images, tested once


def dense_baseline(params) -> list[RunSpec]:
    """02: one validation run and one final run per seed, the source's protocol (Adam, batch 500, 10
    epochs)."""
    common = dict(
        model="dense_network",
        options={
            "hidden_units": list(params.hidden_units),
            "activation": params.activation,
            "name": "dense_baseline",
        },
        epochs=params.epochs,
        batch_size=params.batch_size,
        learning_rate=params.learning_rate,
    )
    validation = [
        RunSpec(
            key=f"validation-seed{seed}",
            seed=seed,
            validate_every_epoch=True,
            keep_model=True,
            labels={"phase": VALIDATION, "seed": seed},
            **common,
        )
        for seed in params.seeds
    ]
    final = [
        RunSpec(
            key=f"final-seed{seed}",
            seed=seed,
            test=True,
            train_on="train_full" if params.retrain_on_all_training_images else "train",
            labels={"phase": FINAL, "seed": seed},
            **common,
        )
        for seed in params.seeds
    ]
    return validation + final + classical_baselines(params.classical, params.seeds[0])


def classical_baselines(baselines: dict, seed: int) -> list[RunSpec]:
    """02's scikit-learn baselines (`charrec.models.classical`, fitted by `charrec.classical`): per model, a
    run per value of its tuned argument on the training part, scored on validation (phase GRID), then the
    `final` value on all training images, tested once (phase BASELINE). One fit each, no epochs; they are
    deterministic, so one `seed` (recorded, not drawn from). Labels: phase, model (registry name), display
    (its display name), the tuned argument and its value."""
    runs = []
    for name, baseline in baselines.items():
        display = info(name).display_name
        common = dict(model=name, seed=seed, **NOT_USED)

        def labels(phase: str, value) -> dict:
            return {
                "phase": phase,
                "model": name,
                "display": display,
                "tuned": baseline.tuned,
                "value": value,
            }

        for value in baseline.values:
            runs.append(
                RunSpec(
                    key=f"validation-{name}-{baseline.tuned}{value:g}",
                    options={**baseline.options, baseline.tuned: value},
                    score=True,
                    labels=labels(GRID, value),
                    **common,
                )
            )
        runs.append(
            RunSpec(
                key=f"final-{name}",
                options={**baseline.options, baseline.tuned: baseline.final},
                train_on="train_full",
                test=True,
                labels=labels(BASELINE, baseline.final),
                **common,
            )
        )
    return runs


# 03's ablation: what removing each ingredient of the final recipe means (the sweeps' protocol where the
# recipe departs from it)
ABLATION_INGREDIENTS = {
    "dropout": "dropout rate 0",
    "max_norm": "no max-norm constraint",
    "shifts": "no random shifts",
    "schedule": "the sweeps' constant learning rate instead of the cosine schedule",
    "batch_size": "the sweeps' batch size",
    "epochs": "the sweeps' epoch count",
}


def without(ingredient: str, recipe: dict, sweep) -> dict:
    """The `RunSpec` arguments of the final recipe (`recipe`: model, options, epochs, batch_size,
    learning_rate, schedule) with one ingredient removed (`ABLATION_INGREDIENTS`); `sweep` is the
    sweeps' protocol (`SweepProtocol`), whose learning rate, batch size and epochs replace the recipe's.
    Raises ParamsError for an unknown ingredient."""
    options = recipe["options"]
    changes = {
        "dropout": {"options": {**options, "dropout": 0.0}},
        "max_norm": {"options": {**options, "max_norm": None}},
        "shifts": {"options": {**options, "shift_fraction": 0.0}},
        "schedule": {"schedule": "constant", "learning_rate": sweep.learning_rate},
        "batch_size": {"batch_size": sweep.batch_size},
        "epochs": {"epochs": sweep.epochs},
    }
    if ingredient not in changes:
        raise ParamsError(
            f"params/03_regularization.yaml: 'ablation.remove': unknown ingredient {ingredient!r}; "
            f"known: {', '.join(changes)}"
        )
    return {**recipe, **changes[ingredient]}


def regularization(params) -> list[RunSpec]:
    """03: the unregularized network, one run per sweep value (one regularizer at a time, on a training
    subset), the final recipe validated on 50,000 images with each ablation seed, the same recipe with
    each ingredient removed in turn and with the sweeps' best values (`ablation`), and the final recipe
    on 60,000 per seed."""
    network = {"hidden_units": list(params.hidden_units), "name": "dense_regularized"}
    sweep = params.sweep
    on_subset = dict(
        model="dense_network",
        epochs=sweep.epochs,
        batch_size=sweep.batch_size,
        learning_rate=sweep.learning_rate,
        seed=sweep.seed,
        train_size=sweep.train_size,
        score=True,
    )
    final = params.final
    recipe = {
        "l1": final.l1,
        "l2": final.l2,
        "dropout": final.dropout,
        "max_norm": final.max_norm,
        "shift_fraction": final.shift_fraction,
    }
    with_recipe = dict(
        model="dense_network",
        options={**network, **recipe},
        epochs=final.epochs,
        batch_size=final.batch_size,
        learning_rate=final.learning_rate,
        schedule=final.schedule,
    )
    runs = [
        RunSpec(
            key=f"baseline-seed{params.seeds[0]}",
            model="dense_network",
            options=network,
            epochs=params.epochs,
            batch_size=params.batch_size,
            learning_rate=params.learning_rate,
            seed=params.seeds[0],
            validate_every_epoch=True,
            score=True,
            labels={"kind": "baseline", "value": None},
        ),
        RunSpec(
            key=f"reference-seed{sweep.seed}",
            options=network,
            labels={"kind": "reference", "value": None},
            **on_subset,
        ),
    ]
    for kind, values in params.sweeps.model_dump().items():
        seen = {}
        for value in values:
            key = f"{kind}-{value:g}-seed{sweep.seed}"
            if key in seen:
                raise ParamsError(
                    f"params/03_regularization.yaml: 'sweeps.{kind}' lists the value {value:g} twice "
                    f"(as {seen[key]!r} and {value!r}); remove one"
                )
            seen[key] = value
            if kind == "early_stopping":
                runs.append(
                    RunSpec(
                        key=key,
                        options=network,
                        labels={"kind": kind, "value": value},
                        validate_every_epoch=True,
                        early_stopping={
                            "monitor": "val_loss",
                            "patience": int(value),
                            "min_delta": sweep.early_stopping_min_delta,
                        },
                        **{**on_subset, "epochs": sweep.early_stopping_max_epochs},
                    )
                )
            else:
                runs.append(
                    RunSpec(
                        key=key,
                        options={**network, kind: value},
                        labels={"kind": kind, "value": value},
                        **on_subset,
                    )
                )
    ablation = params.ablation
    validated = dict(validate_every_epoch=True, score=True)
    runs += [
        RunSpec(
            key=f"combination-seed{seed}",
            seed=seed,
            keep_model=seed == ablation.seeds[0],
            labels={"kind": "combination", "value": None},
            **validated,
            **with_recipe,
        )
        for seed in ablation.seeds
    ]
    for ingredient in ablation.remove:
        runs += [
            RunSpec(
                key=f"ablation-{ingredient}-seed{seed}",
                seed=seed,
                labels={"kind": "ablation", "value": ingredient},
                **validated,
                **without(ingredient, with_recipe, sweep),
            )
            for seed in ablation.seeds
        ]
    if ablation.sweeps_best:
        best = ablation.sweeps_best
        runs += [
            RunSpec(
                key=f"sweeps_best-seed{seed}",
                seed=seed,
                labels={"kind": "sweeps_best", "value": None},
                **validated,
                **{
                    **with_recipe,
                    "options": {**with_recipe["options"], "dropout": best.dropout, "max_norm": best.max_norm},
                },
            )
            for seed in ablation.seeds
        ]
    runs += [
        RunSpec(
            key=f"final-seed{seed}",
            seed=seed,
            train_on="train_full",
            test=True,
            labels={"kind": FINAL, "value": seed, "seed": seed},
            **with_recipe,
        )
        for seed in params.seeds
    ]
    return runs


def improved_cnn_options(cnn) -> dict:
    """The improved CNN's builder arguments from a `CnnSettings` params section."""
    return {
        "filters": list(cnn.filters),
        "dense_units": cnn.dense_units,
        "dropout": cnn.dropout,
        "rotation_degrees": cnn.rotation_degrees,
        "shift_fraction": cnn.shift_fraction,
        "zoom_fraction": cnn.zoom_fraction,
    }


def improved_cnn_training(cnn, **options) -> dict:
    """`RunSpec` arguments of the improved CNN from a `CnnSettings` params section (04's `improved`, 06's
    `cnn`): the builder and its options (`options` replace some, e.g. filters=[16, 32, 64]), the batch
    size, and Adam's peak learning rate with its warm-up and cosine decay. Epochs are the caller's."""
    return dict(
        model="improved_cnn",
        options={**improved_cnn_options(cnn), **options},
        batch_size=cnn.batch_size,
        learning_rate=cnn.peak_learning_rate,
        schedule="cosine",
        warmup_epochs=cnn.warmup_epochs,
    )


def cnn(params) -> list[RunSpec]:
    """04: for every network in the params, a validation run with the first seed (on the training part,
    scored on validation every epoch, early stopping watching its schedule's second half where the
    network asks for it; its model kept), then a final run per seed on all training images, tested once.
    Labels: phase, network (its key in the params), model (its display name), seed."""
    first = params.seeds[0]
    runs = []
    for name, network in params.networks.items():
        epochs = network.validation_epochs or network.epochs
        patience = network.early_stopping_patience
        runs.append(
            RunSpec(
                key=f"validation-{name}-seed{first}",
                seed=first,
                epochs=epochs,
                validate_every_epoch=True,
                keep_model=True,
                early_stopping=(
                    {"monitor": "val_accuracy", "patience": patience, "start_from_epoch": epochs // 2}
                    if patience
                    else None
                ),
                labels={
                    "phase": VALIDATION,
                    "network": name,
                    "model": network.display_name(name),
                    "seed": first,
                },
                **network.arguments(name),
            )
        )
    for seed in params.seeds:
        for name, network in params.networks.items():
            runs.append(
                RunSpec(
                    key=f"final-{name}-seed{seed}",
                    seed=seed,
                    epochs=network.epochs,
                    train_on="train_full",
                    test=True,
                    labels={
                        "phase": FINAL,
                        "network": name,
                        "model": network.display_name(name),
                        "seed": seed,
                    },
                    **network.arguments(name),
                )
            )
    return runs


def bn_ablation(params) -> list[RunSpec]:
    """05: the 4,470-parameter CNN with and without batch normalization, 10 and 4 classes, one run per
    seed each; the two arms of a seed see the same images in the same order."""
    runs = []
    for classes, groups in (
        ("10 classes", None),
        ("4 classes", [list(group) for group in params.class_groups]),
    ):
        for batch_norm in (False, True):
            model_key = f"cnn_{classes.split()[0]}_classes" + ("_bn" if batch_norm else "")
            runs += [
                RunSpec(
                    key=f"{model_key}-seed{seed}",
                    model="tiny_cnn",
                    options={"batch_norm": batch_norm, "name": model_key},
                    seed=seed,
                    epochs=params.epochs,
                    batch_size=params.batch_size,
                    learning_rate=params.learning_rate,
                    class_groups=groups,
                    validate_every_epoch=True,
                    test=True,
                    steps_per_execution=params.steps_per_execution,
                    labels={
                        "classes": classes,
                        "batch_norm": batch_norm,
                        "model_key": model_key,
                        "seed": seed,
                    },
                )
                for seed in params.seeds
            ]
    return runs


def hiragana(params) -> list[RunSpec]:
    """06: the source's dense networks (early stopping) and the CNN report's improved CNN, on the
    dataset and on the comparison dataset, with the same settings, once per seed."""
    runs = []
    for dataset in dict.fromkeys((params.dataset, params.comparison_dataset)):
        for seed in params.seeds:
            for rate in params.dense_dropout_rates:
                name = f"dense_dropout_{rate:g}".replace(".", "_")
                runs.append(
                    RunSpec(
                        key=f"{dataset}-{name}-seed{seed}",
                        model="dense_network",
                        dataset=dataset,
                        seed=seed,
                        options={
                            "hidden_units": list(params.dense_hidden_units),
                            "dropout": rate,
                            "name": name,
                        },
                        epochs=params.dense_max_epochs,
                        batch_size=params.dense_batch_size,
                        learning_rate=params.dense_learning_rate,
                        validate_every_epoch=True,
                        test=True,
                        early_stopping={
                            "monitor": "val_accuracy",
                            "patience": params.early_stopping_patience,
                        },
                        labels={
                            "dataset": dataset,
                            "model": f"dense, dropout {rate:g}",
                            "name": name,
                            "seed": seed,
                        },
                    )
                )
            runs.append(
                RunSpec(
                    key=f"{dataset}-cnn-seed{seed}",
                    dataset=dataset,
                    seed=seed,
                    epochs=params.cnn.epochs,
                    **improved_cnn_training(params.cnn, name="cnn"),
                    validate_every_epoch=True,
                    test=True,
                    labels={"dataset": dataset, "model": "CNN", "name": "cnn", "seed": seed},
                )
            )
    return runs


PLANS = {
    "02_dense_baseline": dense_baseline,
    "03_regularization": regularization,
    "04_cnn": cnn,
    "05_bn_ablation": bn_ablation,
    "06_hiragana": hiragana,
}


def plan(name: str, params) -> list[RunSpec]:
    """The runs of notebook `name` for `params` (its validated params). Raises ParamsError for a notebook
    that trains nothing and for two runs that would share a name."""
    if name not in PLANS:
        raise ParamsError(f"notebook '{name}' trains no models; notebooks that do: {', '.join(PLANS)}")
    runs = PLANS[name](params)
    keys = [run.key for run in runs]
    duplicates = sorted({key for key in keys if keys.count(key) > 1})
    if duplicates:
        raise ParamsError(f"params/{name}.yaml describes the same run twice: {', '.join(duplicates)}")
    return runs
