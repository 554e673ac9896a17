"""Schemas of the params files, and their validation with errors that name the file and the key.

One schema per file in `params/` (the file's stem is the key of `SCHEMAS`). The pipeline
validates a file before it starts a kernel; a notebook validates its parameters cell again,
so edits made interactively in JupyterLab get the same checks. Importing this module does
not import TensorFlow, so validation takes well under a second.
"""

import difflib
import types
import typing
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import BaseModel, ConfigDict, Field, ValidationError, model_validator

Seeds = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1)]
Epochs = Annotated[int, Field(ge=1, le=1000)]
BatchSize = Annotated[int, Field(ge=1, le=60_000)]
LearningRate = Annotated[float, Field(gt=0, le=1)]
GallerySize = Annotated[int, Field(ge=0, le=100)]
ConvFilters = Annotated[list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=3, max_length=3)]  # at 28, 14, 7 px
DenseUnits = Annotated[int, Field(ge=1, le=8192)]
RotationDegrees = Annotated[float, Field(ge=0, le=180)]
ImageFraction = Annotated[float, Field(ge=0, le=0.5)]  # of the image side: shift or zoom
Patience = Annotated[int, Field(ge=1, le=100)]


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

Md5 = Annotated[str, Field(pattern=r"^[0-9a-f]{32}$")]
Role = Literal["train_images", "train_labels", "test_images", "test_labels"]


class DatasetParams(Schema):
    local_dir: str | None = None  # folder holding the four IDX files; tried before any download
    validation_size: Annotated[int, Field(ge=10, le=50_000)] = 10_000
    split_seed: Annotated[int, Field(ge=0)] = 0
    train_limit: Annotated[int, Field(ge=100)] | None = None  # keep a stratified subset (quick runs)
    test_limit: Annotated[int, Field(ge=100)] | None = None
    # Your own MNIST-format dataset: its class names and the md5 of its four uncompressed files.
    class_names: Annotated[list[str], Field(min_length=2, max_length=256)] | None = None
    md5: dict[Role, Md5] | None = None


class DataParams(Schema):
    datasets: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], DatasetParams]

    @model_validator(mode="after")
    def _custom_datasets_are_described(self):
        from .datasets import KNOWN_DATASETS  # no TensorFlow there: cheap

        for name, dataset in self.datasets.items():
            if name not in KNOWN_DATASETS and (dataset.md5 is None or dataset.class_names is None):
                raise ValueError(
                    f"dataset '{name}' is not one of {', '.join(KNOWN_DATASETS)}: give its 'local_dir', "
                    "'class_names' and the 'md5' of its four files"
                )
            if dataset.md5 is not None and len(dataset.md5) != 4:
                raise ValueError(f"dataset '{name}': 'md5' needs all four files: {', '.join(Role.__args__)}")
        return self


# --- one schema per notebook ---------------------------------------------------------------


class ExplorationParams(Schema):
    samples_per_class: Annotated[int, Field(ge=1, le=20)] = 10


class DenseBaselineParams(Schema):
    hidden_units: Annotated[list[DenseUnits], Field(min_length=1)] = [512, 64, 32, 16]
    activation: Literal["relu", "elu", "gelu", "tanh", "sigmoid"] = "relu"
    learning_rate: LearningRate = 0.001
    batch_size: BatchSize = 500
    epochs: Epochs = 10
    seeds: Seeds = [0, 1, 2]
    retrain_on_all_training_images: bool = True
    gallery_size: GallerySize = 24


Strength = Annotated[float, Field(ge=0, le=10)]
Rate = Annotated[float, Field(ge=0, lt=1)]


class SweepProtocol(Schema):
    """How every sweep point trains: a stratified subset of the training part, held fixed across points."""
    train_size: Annotated[int, Field(ge=100, le=50_000)] = 5000
    epochs: Epochs = 15
    batch_size: Annotated[int, Field(ge=1, le=50_000)] = 128
    learning_rate: LearningRate = 0.001
    seed: Annotated[int, Field(ge=0)] = 0
    early_stopping_max_epochs: Epochs = 40
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
    shift_fraction: ImageFraction = 0.08
    learning_rate: LearningRate = 0.002
    schedule: Literal["constant", "cosine"] = "cosine"
    batch_size: BatchSize = 256
    epochs: Epochs = 20


class RegularizationParams(Schema):
    hidden_units: Annotated[list[DenseUnits], Field(min_length=1)] = [1024, 512]
    learning_rate: LearningRate = 0.00025
    batch_size: Annotated[int, Field(ge=1, le=50_000)] = 512
    epochs: Epochs = 15
    seeds: Seeds = [0, 1, 2]
    sweep: SweepProtocol = SweepProtocol()
    sweeps: Sweeps = Sweeps()
    final: FinalRecipe = FinalRecipe()
    gallery_size: GallerySize = 24


class HiraganaParams(Schema):
    dataset: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = "kmnist"
    comparison_dataset: Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")] = "mnist"
    dense_hidden_units: Annotated[list[DenseUnits], Field(min_length=1)] = [512, 256, 128, 64]
    dense_dropout_rates: Annotated[list[Rate], Field(min_length=1)] = [0.0, 0.5]
    dense_learning_rate: LearningRate = 0.001
    dense_batch_size: BatchSize = 256
    dense_max_epochs: Epochs = 40
    early_stopping_patience: Patience = 5
    cnn_filters: ConvFilters = [16, 32, 64]
    cnn_dense_units: DenseUnits = 128
    cnn_dropout: Rate = 0.3
    cnn_rotation_degrees: RotationDegrees = 10.0
    cnn_shift_fraction: ImageFraction = 0.1
    cnn_zoom_fraction: ImageFraction = 0.1
    cnn_learning_rate: LearningRate = 0.003
    cnn_batch_size: BatchSize = 128
    cnn_epochs: Epochs = 8
    seed: Annotated[int, Field(ge=0)] = 0
    gallery_size: GallerySize = 24


class SummaryParams(Schema):
    metrics_dir: str = "../metrics"
    reports_dir: str = "../reports"


class CnnParams(Schema):
    simple_learning_rate: LearningRate = 0.001
    simple_batch_size: BatchSize = 64
    simple_epochs: Epochs = 5
    improved_filters: ConvFilters = [32, 64, 128]
    improved_dense_units: DenseUnits = 128
    improved_dropout: Rate = 0.3
    rotation_degrees: RotationDegrees = 10.0
    shift_fraction: ImageFraction = 0.1
    zoom_fraction: ImageFraction = 0.1
    improved_peak_learning_rate: LearningRate = 0.003
    improved_warmup_epochs: Annotated[int, Field(ge=0, le=100)] = 1
    improved_batch_size: BatchSize = 128
    improved_max_epochs: Epochs = 10
    early_stopping_patience: Patience = 3
    seeds: Seeds = [0, 1, 2]
    gallery_size: GallerySize = 24


ClassGroups = Annotated[
    list[Annotated[list[Annotated[int, Field(ge=0, le=9)]], Field(min_length=1)]], Field(min_length=2, max_length=10)
]


class BatchNormAblationParams(Schema):
    class_groups: ClassGroups = [[0, 6], [1, 7], [2, 3, 5, 8], [4, 9]]  # the merged classes of the 4-class variant
    learning_rate: LearningRate = 0.001
    batch_size: BatchSize = 20
    epochs: Epochs = 10
    seeds: Seeds = [0, 1, 2]
    steps_per_execution: Annotated[int, Field(ge=1, le=10_000)] = 50
    confidence: Annotated[float, Field(gt=0.5, lt=1)] = 0.95
    gallery_size: GallerySize = 8

    @model_validator(mode="after")
    def _groups_partition_the_digits(self):
        members = sorted(member for group in self.class_groups for member in group)
        if members != list(range(10)):
            raise ValueError(f"class_groups must hold each digit 0..9 exactly once, got {self.class_groups}")
        return self


SCHEMAS: dict[str, type[Schema]] = {
    "data": DataParams,
    "01_data_exploration": ExplorationParams,
    "02_dense_baseline": DenseBaselineParams,
    "03_regularization": RegularizationParams,
    "04_cnn": CnnParams,
    "05_bn_ablation": BatchNormAblationParams,
    "06_hiragana": HiraganaParams,
    "07_summary": SummaryParams,
}


def _fields_at(schema: type[BaseModel], location: tuple) -> list[str]:
    """The allowed keys of the mapping that holds `location`, walking models, dicts and optionals."""
    annotation = schema
    for part in location:
        while typing.get_origin(annotation) in (typing.Union, types.UnionType, Annotated):
            annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
        if typing.get_origin(annotation) is dict:
            annotation = typing.get_args(annotation)[1]
        elif isinstance(annotation, type) and issubclass(annotation, BaseModel) and part in annotation.model_fields:
            annotation = annotation.model_fields[part].annotation
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, Annotated):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return sorted(annotation.model_fields) if isinstance(annotation, type) and issubclass(annotation, BaseModel) else []


def _describe(error: dict, schema: type[BaseModel]) -> str:
    location = ".".join(str(part) for part in error["loc"])
    if error["type"] == "extra_forbidden":
        allowed = _fields_at(schema, error["loc"][:-1])
        guess = difflib.get_close_matches(str(error["loc"][-1]), allowed, n=1)
        hint = f" Did you mean '{guess[0]}'?" if guess else ""
        return f"'{location}': unknown key.{hint} Allowed keys: {', '.join(allowed)}"
    if not error["loc"]:
        return error["msg"].removeprefix("Value error, ")
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
