"""Schemas of the params files, and their validation with errors that name the file and the key.

One schema per file in `params/` (the file's stem is the key of `SCHEMAS`). The pipeline
validates a file before it starts a kernel; a notebook validates its parameters cell again,
so edits made interactively in JupyterLab get the same checks. Importing this module does
not import TensorFlow, so validation takes well under a second.
"""

import difflib
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError

Seeds = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]
Positive = Annotated[int, Field(ge=1)]


class ParamsError(ValueError):
    """A params file or a notebook's parameters are invalid; the message says where and how to fix it."""


class Schema(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True)

    @classmethod
    def from_namespace(cls, namespace: dict, source: str = "the notebook's parameters cell"):
        """Validate the variables of a notebook's parameters cell (pass `globals()`)."""
        values = {key: namespace[key] for key in cls.model_fields if key in namespace}
        return validate(cls, values, source)


# --- params/data.yaml -------------------------------------------------------------------


class DatasetParams(Schema):
    local_dir: str | None = None  # folder holding the four IDX files; overrides the downloads
    validation_size: Annotated[int, Field(ge=10, le=50_000)] = 10_000
    split_seed: Annotated[int, Field(ge=0)] = 0
    train_limit: Annotated[int, Field(ge=100)] | None = None  # keep a stratified subset (quick runs)
    test_limit: Annotated[int, Field(ge=100)] | None = None


class DataParams(Schema):
    mnist: DatasetParams = DatasetParams()


# --- one schema per notebook ---------------------------------------------------------------


class ExplorationParams(Schema):
    samples_per_class: Annotated[int, Field(ge=1, le=20)] = 10


class DenseBaselineParams(Schema):
    hidden_units: Annotated[list[Annotated[int, Field(ge=1, le=8192)]], Field(min_length=1)] = [512, 64, 32, 16]
    activation: Literal["relu", "elu", "gelu", "tanh", "sigmoid"] = "relu"
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 0.001
    batch_size: Annotated[int, Field(ge=1, le=60_000)] = 500
    epochs: Annotated[int, Field(ge=1, le=1000)] = 10
    seeds: Seeds = [0, 1, 2]
    retrain_on_all_training_images: bool = True
    gallery_size: Annotated[int, Field(ge=0, le=100)] = 24


Strength = Annotated[float, Field(ge=0, le=10)]
Rate = Annotated[float, Field(ge=0, lt=1)]


class SweepProtocol(Schema):
    """How every sweep point trains: a stratified subset of the training part, held fixed across points."""
    train_size: Annotated[int, Field(ge=100, le=50_000)] = 5000
    epochs: Annotated[int, Field(ge=1, le=1000)] = 15
    batch_size: Annotated[int, Field(ge=1, le=50_000)] = 128
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 0.001
    seed: Annotated[int, Field(ge=0)] = 0
    early_stopping_max_epochs: Annotated[int, Field(ge=1, le=1000)] = 40
    early_stopping_min_delta: Annotated[float, Field(ge=0, le=1)] = 0.0001


class Sweeps(Schema):
    """The values of each one-regularizer sweep (one cached DVC stage per value)."""
    l1: list[Annotated[float, Field(gt=0, le=10)]] = [1e-6, 1e-5, 1e-4, 1e-3, 1e-2]
    l2: list[Annotated[float, Field(gt=0, le=10)]] = [1e-6, 1e-5, 3e-5, 1e-4, 1e-3, 1e-2, 1e-1]
    dropout: list[Annotated[float, Field(gt=0, lt=1)]] = [0.1, 0.2, 0.4, 0.6]
    max_norm: list[Annotated[float, Field(gt=0, le=100)]] = [1, 2, 4]
    early_stopping: list[Annotated[int, Field(ge=1, le=100)]] = [5, 10]  # patience in epochs


class FinalRecipe(Schema):
    """The combination of regularizers and the optimizer of the final model (chosen on validation)."""
    l1: Strength = 0.0
    l2: Strength = 0.0
    dropout: Rate = 0.3
    max_norm: Annotated[float, Field(gt=0, le=100)] | None = 3.0
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 0.002
    schedule: Literal["constant", "cosine"] = "cosine"
    batch_size: Annotated[int, Field(ge=1, le=60_000)] = 256
    epochs: Annotated[int, Field(ge=1, le=1000)] = 12


class RegularizationParams(Schema):
    hidden_units: Annotated[list[Annotated[int, Field(ge=1, le=8192)]], Field(min_length=1)] = [1024, 512]
    learning_rate: Annotated[float, Field(gt=0, le=1)] = 0.00025
    batch_size: Annotated[int, Field(ge=1, le=50_000)] = 512
    epochs: Annotated[int, Field(ge=1, le=1000)] = 15
    seeds: Seeds = [0, 1, 2]
    sweep: SweepProtocol = SweepProtocol()
    sweeps: Sweeps = Sweeps()
    final: FinalRecipe = FinalRecipe()
    gallery_size: Annotated[int, Field(ge=0, le=100)] = 24


SCHEMAS: dict[str, type[Schema]] = {
    "data": DataParams,
    "01_data_exploration": ExplorationParams,
    "02_dense_baseline": DenseBaselineParams,
    "03_regularization": RegularizationParams,
}


def _describe(error: dict, schema: type[BaseModel]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        # Suggest the closest allowed key among the siblings of the unknown one.
        parent = schema
        for part in error["loc"][:-1]:
            field = parent.model_fields.get(str(part))
            parent = field.annotation if field and isinstance(field.annotation, type) else parent
        allowed = sorted(parent.model_fields)
        guess = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        return f"'{location}': unknown key.{hint} Allowed keys: {', '.join(allowed)}"
    return f"'{location}': {error['msg']} (got {error.get('input')!r})"


def validate(schema: type[Schema], values: dict, source: str) -> Schema:
    if not isinstance(values, dict):
        raise ParamsError(f"{source}: expected a mapping of keys to values, got {type(values).__name__}")
    try:
        return schema.model_validate(values)
    except ValidationError as error:
        problems = "\n".join(f"  - {_describe(item, schema)}" for item in error.errors())
        raise ParamsError(f"{source}: invalid parameters\n{problems}") from None


def load_params(path: Path, schema: type[Schema] | None = None) -> Schema:
    """Read and validate one params file; the schema defaults to the one named by the file's stem."""
    path = Path(path)
    if schema is None:
        if path.stem not in SCHEMAS:
            raise ParamsError(f"{path}: no schema for this file; known params files: {', '.join(sorted(SCHEMAS))}")
        schema = SCHEMAS[path.stem]
    if not path.is_file():
        raise ParamsError(f"{path}: params file not found (restore it from git: git checkout -- {path})")
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ParamsError(f"{path}: not valid YAML{where}: {problem}") from None
    return validate(schema, values or {}, str(path))
