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
