"""Regularizers in the dense network, the cosine schedule and one sweep run, on tiny real data."""

import json

import numpy as np
import pytest

from charrec.data import PreparedData
from charrec.models import dense_network
from charrec.params import ParamsError, RegularizationParams
from charrec.sweep import execute, load_points, point_file, run_spec
from charrec.training import compile_classifier, learning_rate_schedule, make_deterministic, train


def tiny_data(n: int = 400) -> PreparedData:
    rng = np.random.default_rng(0)
    x = rng.integers(0, 256, size=(n + 200, 28, 28), dtype=np.uint8)
    y = (x[:, 14, :14].mean(axis=1) > 127).astype(np.uint8)  # a learnable rule
    return PreparedData("tiny", ("a", "b"), x[:n], y[:n], x[n:n + 100], y[n:n + 100], x[n + 100:], y[n + 100:], {})


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
    assert all(abs(m.sum() - scaled.numpy().sum()) < 0.2 * scaled.numpy().sum() for m in moved)  # shifted, not erased
    assert "random_shift" not in [layer.name for layer in dense_network([8], 2).layers]


def test_cosine_schedule_decays_to_zero_and_constant_stays():
    schedule = learning_rate_schedule(0.002, "cosine", total_steps=100)
    assert float(schedule(0)) == pytest.approx(0.002) and float(schedule(100)) == pytest.approx(0.0, abs=1e-9)
    assert learning_rate_schedule(0.002, "constant", 100) == 0.002
    with pytest.raises(ValueError, match="unknown learning-rate schedule"):
        learning_rate_schedule(0.002, "step", 100)


def test_run_specs_hold_everything_but_one_regularizer_fixed():
    params = RegularizationParams()
    l2, dropout = run_spec(params, "l2", 1e-4), run_spec(params, "dropout", 0.3)
    assert l2["regularizer"] == {"l2": 1e-4} and dropout["regularizer"] == {"dropout": 0.3}
    assert {k: v for k, v in l2.items() if k not in ("kind", "value", "regularizer")} == \
           {k: v for k, v in dropout.items() if k not in ("kind", "value", "regularizer")}
    assert run_spec(params, "early_stopping", 5)["early_stopping"] == {"patience": 5, "min_delta": 1e-4}
    baseline = run_spec(params, "baseline", None)
    assert (baseline["learning_rate"], baseline["batch_size"], baseline["epochs"], baseline["train_size"]) == (0.00025, 512, 15, None)
    assert run_spec(params, "final", 2)["seed"] == 2
    with pytest.raises(ParamsError, match="unknown run kind"):
        run_spec(params, "weight_noise", 0.1)


def test_one_sweep_point_trains_on_a_stratified_subset_and_is_found_again(tmp_path):
    params = RegularizationParams(hidden_units=[16], sweep={"train_size": 200, "epochs": 2, "batch_size": 50})
    result = execute(run_spec(params, "l1", 1e-5), params, tiny_data())
    assert result["train_images"] == 200 and result["epochs_run"] == 2 and len(result["history"]) == 2
    assert result["gap"] == pytest.approx(result["train_accuracy"] - result["validation_accuracy"], abs=1e-5)
    path = point_file(tmp_path, "03_regularization", "l1", "1e-05")
    path.parent.mkdir(parents=True)
    path.write_text(json.dumps(result))
    assert load_points(tmp_path, "03_regularization")["l1"][0]["value"] == 1e-5
