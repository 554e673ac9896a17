"""Regularizers in the dense network, the cosine schedule and one sweep run, on tiny real data."""

import numpy as np
import pytest

from charrec.models.dense import dense_network
from charrec.params import ParamsError
from charrec.plans import plan
from charrec.prepared import PreparedData
from charrec.runs import RunSpec, execute
from charrec.training import compile_classifier, learning_rate_schedule, make_deterministic, train
from conftest import study_params, write_prepared


def tiny_data(n: int = 400) -> PreparedData:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(n + 200, 28, 28), dtype=np.uint8)
    y = (x[:, 14, :14].mean(axis=1) > 127).astype(np.uint8)  # a learnable rule
    return PreparedData(
        "tiny", ("a", "b"), x[:n], y[:n], x[n : n + 100], y[n : n + 100], x[n + 100 :], y[n + 100 :], {}
    )


def test_max_norm_bounds_every_unit_and_penalty_and_dropout_are_wired():
    data = tiny_data()
    make_deterministic(0)
    model = compile_classifier(dense_network([32], 2, l2=1e-3, dropout=0.5, max_norm=0.5), 0.05)
    assert [layer.name for layer in model.layers if "dropout" in layer.name] == ["dropout_1"]
    assert len(model.losses) == 2  # one L2 penalty per kernel
    train(model, data.x_train, data.y_train, None, epochs=2, batch_size=50, seed=0)
    for name in ("hidden_1", "class_probabilities"):
        norms = np.linalg.norm(model.get_layer(name).kernel.numpy(), axis=0)  # incoming weights per unit
        assert norms.max() <= 0.5 + 1e-5
    plain = dense_network([32], 2)
    assert not plain.losses and not any("dropout" in layer.name for layer in plain.layers)


def test_random_shift_moves_training_images_only():
    image = np.zeros((1, 28, 28), dtype=np.uint8)
    image[0, 10:18, 10:18] = 255
    model = dense_network([8], 2, shift_fraction=0.1)
    shift = model.get_layer("random_shift")
    scaled = model.get_layer("add_channel")(model.get_layer("scale_to_unit")(image))
    assert np.array_equal(shift(scaled, training=False).numpy(), scaled.numpy())  # evaluation: unchanged
    moved = [shift(scaled, training=True).numpy() for _ in range(5)]
    assert any(not np.allclose(m, scaled.numpy()) for m in moved)
    assert all(
        abs(m.sum() - scaled.numpy().sum()) < 0.2 * scaled.numpy().sum() for m in moved
    )  # shifted, not erased
    assert "random_shift" not in [layer.name for layer in dense_network([8], 2).layers]


def test_cosine_schedule_decays_to_zero_and_constant_stays():
    schedule = learning_rate_schedule(0.002, "cosine", steps_per_epoch=10, epochs=10)
    assert float(schedule(0)) == pytest.approx(0.002) and float(schedule(100)) == pytest.approx(0.0, abs=1e-9)
    assert learning_rate_schedule(0.002, "constant", 10, 10) == 0.002
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        learning_rate_schedule(0.002, "step", 10, 10)


def test_sweep_runs_hold_everything_but_one_regularizer_fixed():
    runs = {run.key: run for run in plan("03_regularization", study_params("03_regularization"))}
    l2, dropout = runs["l2-0.0001-seed0"], runs["dropout-0.4-seed0"]
    assert l2.options == {"hidden_units": [1024, 512], "name": "dense_regularized", "l2": 1e-4}
    assert dropout.options["dropout"] == 0.4 and "l2" not in dropout.options
    same = ("epochs", "batch_size", "learning_rate", "seed", "train_size", "train_on", "schedule")
    assert [getattr(l2, k) for k in same] == [getattr(dropout, k) for k in same]
    assert runs["early_stopping-5-seed0"].early_stopping == {
        "monitor": "val_loss",
        "patience": 5,
        "min_delta": 1e-4,
    }
    baseline = runs["baseline-seed0"]
    assert (baseline.learning_rate, baseline.batch_size, baseline.epochs, baseline.train_size) == (
        0.00025,
        512,
        15,
        None,
    )
    assert (
        runs["final-seed2"].seed == 2
        and runs["final-seed2"].train_on == "train_full"
        and runs["final-seed2"].test
    )


def test_the_same_value_spelled_twice_is_refused():
    for spelled in ([1, 1.0], [1e-4, 0.0001]):
        with pytest.raises(ParamsError, match="listed twice"):
            study_params("03_regularization", sweeps={"max_norm": spelled})


def test_one_sweep_point_trains_on_a_stratified_subset(tmp_path):
    data_dir = write_prepared(tmp_path, tiny_data())
    spec = RunSpec(
        key="l1-1e-05",
        model="dense_network",
        options={"hidden_units": [16], "l1": 1e-5},
        seed=0,
        epochs=2,
        batch_size=50,
        learning_rate=0.001,
        dataset="tiny",
        train_size=200,
        score=True,
    )
    result = execute(spec, data_dir, print_line=lambda line: None)
    assert result["train_images"] == 200 and result["epochs_run"] == 2 and len(result["history"]) == 2
    assert result["gap"] == pytest.approx(result["train_accuracy"] - result["validation_accuracy"], abs=1e-5)
    assert result["spec"] == spec.as_json()


def test_the_ablation_removes_one_ingredient_at_a_time_with_the_same_seeds():
    params = study_params("03_regularization")
    runs = {run.key: run for run in plan("03_regularization", params)}
    full = runs["combination-seed1"]
    assert runs["combination-seed0"].keep_model and not full.keep_model  # the first seed's model is kept
    assert (full.epochs, full.batch_size, full.learning_rate, full.schedule) == (20, 256, 0.002, "cosine")
    assert full.options["dropout"] == 0.3 and full.options["max_norm"] == 3.0
    assert full.options["shift_fraction"] == 0.08 and full.train_on == "train" and not full.test
    same = ("epochs", "batch_size", "learning_rate", "schedule", "options", "train_on", "train_size")

    def changed(key):
        return {name for name in same if getattr(runs[key], name) != getattr(full, name)}

    assert changed("ablation-dropout-seed1") == {"options"}
    assert runs["ablation-dropout-seed1"].options == {**full.options, "dropout": 0.0}
    assert runs["ablation-max_norm-seed1"].options == {**full.options, "max_norm": None}
    assert runs["ablation-shifts-seed1"].options == {**full.options, "shift_fraction": 0.0}
    assert changed("ablation-schedule-seed1") == {"schedule", "learning_rate"}
    assert (runs["ablation-schedule-seed1"].schedule, runs["ablation-schedule-seed1"].learning_rate) == (
        "constant",
        params.sweep.learning_rate,
    )
    assert runs["ablation-batch_size-seed1"].batch_size == params.sweep.batch_size
    assert runs["ablation-epochs-seed1"].epochs == params.sweep.epochs
    best = runs["sweeps_best-seed0"].options
    assert (best["dropout"], best["max_norm"]) == (0.4, 2.0) and best["shift_fraction"] == 0.08
    ablation = [run for run in runs.values() if run.labels.get("kind") in ("ablation", "sweeps_best")]
    assert {run.seed for run in ablation} == {0, 1} and not any(
        run.keep_model or run.test for run in ablation
    )


def test_an_ablation_ingredient_named_twice_or_unknown_is_refused():
    with pytest.raises(ParamsError, match="listed twice"):
        study_params("03_regularization", ablation={"remove": ["dropout", "dropout"]})
    with pytest.raises(ParamsError, match="ablation"):
        study_params("03_regularization", ablation={"remove": ["dropuot"]})
