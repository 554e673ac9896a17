"""The committed params of the study, for the benchmarks (this folder's shared helper).

The params schemas hold no values: every value is in `params/NAME.yaml`. A benchmark reads that file and
validates it with its notebook's schema, as the pipeline does (no notebook variant, nothing displayed).
"""

from pathlib import Path

from charrec.params import read_params, schema_for, validate

ROOT = Path(__file__).resolve().parents[1]


def study_params(name: str, path: Path | None = None):
    """The validated params of notebook `name` (e.g. "04_cnn"): `params/NAME.yaml` of the project, or the
    file at `path` validated with that notebook's schema. Raises ParamsError naming the file and the key."""
    path = Path(path) if path is not None else ROOT / "params" / f"{name}.yaml"
    return validate(
        schema_for(name),
        read_params(path),
        str(path.relative_to(ROOT) if path.is_relative_to(ROOT) else path),
    )


def network(name: str, params=None):
    """One network of 04's params (`NetworkSettings`): "improved_cnn" or "simple_cnn"."""
    return (params or study_params("04_cnn")).networks[name]


def study_models() -> dict:
    """name -> (builder, batch size, steps per graph call) of every model of the study, as the committed
    params train them (06's CNN is 04's improved CNN). Builders take no arguments and return a new model."""
    from charrec.models.dense import dense_network
    from charrec.models.improved_cnn import improved_cnn
    from charrec.models.simple_cnn import simple_cnn
    from charrec.models.tiny_cnn import tiny_cnn

    dense, regularization = study_params("02_dense_baseline"), study_params("03_regularization")
    networks, ablation = study_params("04_cnn").networks, study_params("05_bn_ablation")
    regularized, simple, improved = regularization.final, networks["simple_cnn"], networks["improved_cnn"]
    tiny = (ablation.batch_size, ablation.steps_per_execution)
    return {
        "02 dense baseline": (
            lambda: dense_network(dense.hidden_units, 10, activation=dense.activation),
            dense.batch_size,
            1,
        ),
        "03 regularized dense": (
            lambda: dense_network(
                regularization.hidden_units,
                10,
                l1=regularized.l1,
                l2=regularized.l2,
                dropout=regularized.dropout,
                max_norm=regularized.max_norm,
                shift_fraction=regularized.shift_fraction,
            ),
            regularized.batch_size,
            1,
        ),
        "04 simple CNN": (
            lambda: simple_cnn(10, **simple.options),
            simple.batch_size,
            simple.steps_per_execution,
        ),
        "04 improved CNN": (
            lambda: improved_cnn(10, **improved.options),
            improved.batch_size,
            improved.steps_per_execution,
        ),
        "05 4,470-parameter CNN": (lambda: tiny_cnn(10), *tiny),
        "05 4,470-parameter CNN + BN": (lambda: tiny_cnn(10, batch_norm=True), *tiny),
    }
