"""Schemas of the params files, and their validation with errors that name the file and the key.

One schema per file in `params/` (the file's stem is the key of `SCHEMAS`). The pipeline
validates a file before it starts a kernel; a notebook validates its parameters cell again,
so edits made interactively in JupyterLab get the same checks. Importing this module does
not import TensorFlow, so validation takes well under a second.
"""

import difflib
import json
import os
import textwrap
import types
import typing
from pathlib import Path
from typing import Annotated, Literal

import yaml
from pydantic import AfterValidator, BaseModel, ConfigDict, Field, ValidationError, model_validator

Epochs = Annotated[int, Field(ge=1, le=1000)]
BatchSize = Annotated[int, Field(ge=1, le=60_000)]
LearningRate = Annotated[float, Field(gt=0, le=1)]
GallerySize = Annotated[int, Field(ge=0, le=100)]
ConvFilters = Annotated[
    list[Annotated[int, Field(ge=1, le=1024)]], Field(min_length=3, max_length=3)
]  # at 28, 14, 7 px
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
IdxRole = Literal["train_images", "train_labels", "test_images", "test_labels"]
CsvRole = Literal["train_csv", "test_csv"]
Role = Literal[IdxRole, CsvRole]


class DatasetParams(Schema):
    local_dir: str | None = None  # folder holding the dataset's files; tried before any download
    validation_size: Annotated[int, Field(ge=10, le=50_000)] = 10_000
    split_seed: Annotated[int, Field(ge=0)] = 0
    train_limit: Annotated[int, Field(ge=100)] | None = None  # keep a stratified subset (quick runs)
    test_limit: Annotated[int, Field(ge=100)] | None = None
    # Your own MNIST-format dataset: its class names and the md5 of its four uncompressed files.
    class_names: Annotated[list[str], Field(min_length=2, max_length=256)] | None = None
    md5: dict[Role, Md5] | None = None
    # A Kaggle Digit Recognizer dataset: `format: kaggle_csv`, `local_dir` holding train.csv and test.csv,
    # `md5: {train_csv: ..., test_csv: ...}`, and `test_size`: the labeled images of train.csv held out as
    # the test set (Kaggle's test.csv has no labels; its images are kept apart, for predictions only).
    format: Literal["idx", "kaggle_csv"] = "idx"
    test_size: Annotated[int, Field(ge=10, le=50_000)] | None = None


class DataParams(Schema):
    datasets: dict[Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")], DatasetParams]

    @model_validator(mode="after")
    def _custom_datasets_are_described(self):
        from .datasets import KNOWN_DATASETS  # no TensorFlow there: cheap

        for name, dataset in self.datasets.items():
            if dataset.format == "kaggle_csv":
                _check_kaggle_section(name, dataset, KNOWN_DATASETS)
                continue
            if dataset.test_size is not None:
                raise ValueError(
                    f"'datasets.{name}.test_size': only for 'format: kaggle_csv' (the test part carved from "
                    "train.csv); an IDX dataset's test set is its own two test files. Remove 'test_size' "
                    "(use 'test_limit' for a smaller test set)"
                )
            if dataset.md5 is not None and set(dataset.md5) & set(CsvRole.__args__):
                raise ValueError(
                    f"'datasets.{name}.md5': {', '.join(CsvRole.__args__)} are the files of "
                    "'format: kaggle_csv'; add that line to the section, or give the md5 of the four IDX "
                    f"files: {', '.join(IdxRole.__args__)}"
                )
            if name not in KNOWN_DATASETS and (dataset.md5 is None or dataset.class_names is None):
                raise ValueError(
                    f"dataset '{name}' is not one of {', '.join(KNOWN_DATASETS)}: give its 'local_dir', "
                    "'class_names' and the 'md5' of its four files"
                )
            if dataset.md5 is not None and len(dataset.md5) != 4:
                raise ValueError(
                    f"dataset '{name}': 'md5' needs all four files: {', '.join(IdxRole.__args__)}"
                )
        return self


def _check_kaggle_section(name: str, dataset: DatasetParams, known: dict) -> None:
    """A `format: kaggle_csv` section names its folder, both CSV checksums and the size of its test part."""
    where = f"'datasets.{name}"
    if name in known:
        raise ValueError(
            f"{where}.format': kaggle_csv is for a section of your own; '{name}' is the study's IDX dataset. "
            "Give the Kaggle section another name, e.g. 'kaggle_digits'"
        )
    if not dataset.local_dir:
        raise ValueError(
            f"{where}.local_dir': missing: name the folder holding Kaggle's train.csv and test.csv "
            "(Kaggle's files cannot be downloaded by the pipeline)"
        )
    roles = CsvRole.__args__
    if dataset.md5 is None or set(dataset.md5) != set(roles):
        given = ", ".join(dataset.md5 or {}) or "none"
        raise ValueError(
            f"{where}.md5': give the md5 of {' and '.join(roles)} (`md5sum train.csv test.csv`), exactly "
            f"these two keys; got: {given}"
        )
    if dataset.test_size is None:
        raise ValueError(
            f"{where}.test_size': missing: the number of labeled images of train.csv held out as the test "
            "set (Kaggle's test.csv has no labels), e.g. 4200, a tenth of Kaggle's 42,000"
        )
    if dataset.test_limit is not None:
        raise ValueError(
            f"{where}.test_limit': not for 'format: kaggle_csv', whose test part is 'test_size' images "
            "carved from train.csv; remove 'test_limit' (or lower 'test_size')"
        )


# --- one schema per notebook ---------------------------------------------------------------
# Each field's default and description are the one copy of that fact: the notebooks' parameters cells
# and the files in params/ are written from them (`python -m charrec.params`) and a test keeps them equal.


def _unique_numbers(values: list) -> list:
    """Numbers compared as numbers: 1 and 1.0, 1e-4 and 0.0001 are one value, listed once."""
    seen = {}
    for value in values:
        if float(value) in seen:
            raise ValueError(
                f"the value {value!r} is listed twice (numbers are compared as numbers: 1 and 1.0, "
                "1e-4 and 0.0001 are one value); remove one"
            )
        seen[float(value)] = value
    return values


def Knob(default, description: str, **constraints):  # noqa: N802  (reads as a type in the schemas)
    """A params field: its default, its description (the comment in params/*.yaml and the notebook), its
    bounds."""
    return Field(default, description=description, **constraints)


Seeds = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1), AfterValidator(_unique_numbers)]
Values = Annotated[list[float], AfterValidator(_unique_numbers)]


class ExplorationParams(Schema):
    """Data exploration notebook (notebooks/01_data_exploration.py)"""

    samples_per_class: int = Knob(10, "examples per class in the sample grid (1-20)", ge=1, le=20)


class DenseBaselineParams(Schema):
    (
        """Dense baseline notebook (notebooks/02_dense_baseline.py): the source report's """
        """784-512-64-32-16-10 network"""
    )

    hidden_units: list[DenseUnits] = Knob([512, 64, 32, 16], "units of the hidden layers", min_length=1)
    activation: Literal["relu", "elu", "gelu", "tanh", "sigmoid"] = Knob(
        "relu", "activation of the hidden layers"
    )
    learning_rate: LearningRate = Knob(0.001, "Adam's learning rate (Keras default, as in the source)")
    batch_size: BatchSize = Knob(500, "images per batch, as in the source")
    epochs: Epochs = Knob(10, "passes over the training images, as in the source")
    seeds: Seeds = Knob([0, 1, 2], "one validation run and one final run per seed")
    retrain_on_all_training_images: bool = Knob(
        True, "final runs on training + validation images (60,000), as the source"
    )
    gallery_size: GallerySize = Knob(24, "misclassified test images shown")


Strength = Annotated[float, Field(ge=0, le=10)]
Rate = Annotated[float, Field(ge=0, lt=1)]


class SweepProtocol(Schema):
    """How every sweep point trains: a stratified subset of the training part, held fixed across points."""

    train_size: int = Knob(
        5000,
        "stratified subset of the 50,000 training images (keeps the sweeps affordable)",
        ge=100,
        le=50_000,
    )
    epochs: Epochs = Knob(15, "passes over the subset")
    batch_size: int = Knob(
        128, "smaller batches: enough updates on the subset to overfit it", ge=1, le=50_000
    )
    learning_rate: LearningRate = Knob(0.001, "Adam's learning rate")
    seed: int = Knob(0, "seed of every sweep run and of the subset", ge=0)
    early_stopping_max_epochs: Epochs = Knob(40, "upper bound for the early-stopping points")
    early_stopping_min_delta: float = Knob(
        0.0001, "smallest val_loss improvement that counts, as in the source", ge=0, le=1
    )


class Sweeps(Schema):
    (
        """The values of each one-regularizer sweep: adding a value trains only that point """
        """on the next dvc repro."""
    )

    l1: Values = Knob([1e-6, 1e-5, 1e-4, 1e-3, 1e-2], "L1 penalty on every kernel")
    l2: Values = Knob([1e-6, 1e-5, 3e-5, 1e-4, 1e-3, 1e-2, 1e-1], "L2 penalty on every kernel")
    dropout: Values = Knob([0.1, 0.2, 0.4, 0.6], "dropout rate after each hidden layer")
    max_norm: Values = Knob([1.0, 2.0, 4.0], "radius of the max-norm constraint per unit")
    early_stopping: Annotated[list[Annotated[int, Field(ge=1, le=100)]], AfterValidator(_unique_numbers)] = (
        Knob([5, 10], "patience in epochs (monitor val_loss)")
    )

    @model_validator(mode="after")
    def _values_in_range(self):
        bounds = {"l1": (0, 10), "l2": (0, 10), "dropout": (0, 1), "max_norm": (0, 100)}
        for name, (low, high) in bounds.items():
            bad = [
                value
                for value in getattr(self, name)
                if not low < value <= high or (name == "dropout" and value >= 1)
            ]
            if bad:
                raise ValueError(
                    f"'sweeps.{name}': {bad} outside ({low}, {high}{')' if name == 'dropout' else ']'}"
                )
        return self


class FinalRecipe(Schema):
    """The combination of regularizers and the optimizer of the final model (chosen on validation)."""

    l1: Strength = Knob(0.0, "L1 penalty on every kernel")
    l2: Strength = Knob(0.0, "L2 penalty on every kernel")
    dropout: Rate = Knob(0.3, "dropout rate after each hidden layer")
    max_norm: Annotated[float, Field(gt=0, le=100)] | None = Knob(
        3.0, "radius of the max-norm constraint (null: none)"
    )
    shift_fraction: ImageFraction = Knob(
        0.08,
        "random shift of the training images, up to this fraction of the side "
        "(0.08: about 2 pixels; 0: none)",
    )
    learning_rate: LearningRate = Knob(0.002, "Adam's learning rate (the peak of the schedule)")
    schedule: Literal["constant", "cosine"] = Knob(
        "cosine", "constant, or cosine (decay to zero over the run)"
    )
    batch_size: BatchSize = Knob(256, "images per batch")
    epochs: Epochs = Knob(20, "validation: 12 epochs 98.69 %, 16: 98.81 %, 20: 99.01 % (with the shifts)")


class RegularizationParams(Schema):
    (
        """Regularization notebook (notebooks/03_regularization.py): a 784-1024-512-10 network from """
        """overfitting to a tuned model"""
    )

    hidden_units: list[DenseUnits] = Knob(
        [1024, 512], "units of the hidden layers (ReLU), as in the source", min_length=1
    )
    learning_rate: LearningRate = Knob(0.00025, "Adam's learning rate of the unregularized network")
    batch_size: int = Knob(512, "images per batch of the unregularized network", ge=1, le=50_000)
    epochs: Epochs = Knob(15, "unregularized network, trained on 50,000 and validated on 10,000")
    seeds: Seeds = Knob([0, 1, 2], "seeds of the final model (the first also seeds the baseline run)")
    sweep: SweepProtocol = Knob(
        SweepProtocol(),
        "how every sweep point trains: one regularizer at a time on a stratified training subset",
    )
    sweeps: Sweeps = Knob(Sweeps(), "the sweeps: adding a value trains only that point on the next dvc repro")
    final: FinalRecipe = Knob(
        FinalRecipe(),
        "the final model: the best settings together (chosen on validation), retrained on 60,000",
    )
    gallery_size: GallerySize = Knob(24, "misclassified test images shown")


class CnnSettings(Schema):
    (
        """The improved CNN (charrec.models.improved_cnn) and its training: shared by the """
        """CNN and Hiragana notebooks."""
    )

    filters: ConvFilters = Knob([24, 48, 96], "channels of the three stages (full, half, quarter resolution)")
    dense_units: DenseUnits = Knob(128, "units of the hidden dense layer")
    dropout: Rate = Knob(0.3, "dropout rate after the hidden dense layer")
    rotation_degrees: RotationDegrees = Knob(10.0, "augmentation: random rotation up to ± this angle")
    shift_fraction: ImageFraction = Knob(
        0.1, "augmentation: random shift up to ± this fraction of height and width"
    )
    zoom_fraction: ImageFraction = Knob(0.1, "augmentation: random zoom in or out up to this fraction")
    peak_learning_rate: LearningRate = Knob(
        0.003, "Adam's rate after warm-up, then decayed by a cosine to zero"
    )
    warmup_epochs: int = Knob(1, "linear warm-up from a tenth of the peak rate", ge=0, le=100)
    batch_size: BatchSize = Knob(128, "images per batch")
    epochs: Epochs = Knob(9, "length of the schedule of the final models")


class CnnParams(Schema):
    """CNN notebook (notebooks/04_cnn.py): the source's simple CNN and an improved CNN"""

    simple_learning_rate: LearningRate = Knob(
        0.001, "Adam's learning rate for the simple CNN (Keras default, as in the source)"
    )
    simple_batch_size: BatchSize = Knob(64, "as in the source")
    simple_epochs: Epochs = Knob(5, "as in the source")
    simple_steps_per_execution: int = Knob(
        20, "optimizer steps per graph call: the same training, less overhead", ge=1, le=10_000
    )
    improved: CnnSettings = Knob(
        CnnSettings(),
        "the improved CNN, chosen on validation (benchmarks/cnn_width_on_validation.py, 2 seeds per width, "
        "9 epochs): the cheapest width within 0.05 points of the best mean validation accuracy. [16, 32, 64] "
        "99.44 %, [24, 48, 96] 99.48 % (8.2 M multiply-adds per image), [32, 64, 128] 99.50 % (14.4 M)",
    )
    validation_epochs: Epochs = Knob(10, "length of the improved CNN's schedule in the validation run")
    test_time_shift: int = Knob(
        1,
        "improved CNN: also score each image averaged with its 4 shifts by this many pixels; reported "
        "only if it helps on validation (0: off)",
        ge=0,
        le=4,
    )
    early_stopping_patience: Patience = Knob(
        3, "epochs without a better validation accuracy before stopping (watching the schedule's second half)"
    )
    seeds: Seeds = Knob(
        [0, 1, 2], "one final run per seed and model; the first seed also makes the validation runs"
    )
    gallery_size: GallerySize = Knob(24, "misclassified test images shown per model")


ClassGroups = Annotated[
    list[Annotated[list[Annotated[int, Field(ge=0, le=9)]], Field(min_length=1)]],
    Field(min_length=2, max_length=10),
]


class BatchNormAblationParams(Schema):
    (
        """Batch-normalization ablation (notebooks/05_bn_ablation.py): the source's """
        """4,470-parameter CNN with and without BN"""
    )

    class_groups: ClassGroups = Knob(
        [[0, 6], [1, 7], [2, 3, 5, 8], [4, 9]],
        "digits merged into the classes of the 4-class variant (each digit once)",
    )
    learning_rate: LearningRate = Knob(0.001, "Adam's learning rate, as in the source")
    batch_size: BatchSize = Knob(20, "as in the source")
    epochs: Epochs = Knob(10, "as in the source")
    seeds: Seeds = Knob(
        [0, 1, 2], "every configuration trains once per seed; BN and no-BN runs are paired by seed"
    )
    steps_per_execution: int = Knob(
        50, "optimizer steps per graph call: same training, less per-step overhead", ge=1, le=10_000
    )
    confidence: float = Knob(
        0.95, "level of the confidence interval of the paired seed-level difference", gt=0.5, lt=1
    )
    gallery_size: GallerySize = Knob(8, "misclassified test images shown per configuration")

    @model_validator(mode="after")
    def _groups_partition_the_digits(self):
        members = sorted(member for group in self.class_groups for member in group)
        if members != list(range(10)):
            raise ValueError(f"class_groups must hold each digit 0..9 exactly once, got {self.class_groups}")
        return self


DatasetName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]


class HiraganaParams(Schema):
    (
        """Hiragana notebook (notebooks/06_hiragana.py): Kuzushiji-MNIST with the source's dense networks """
        """and a CNN"""
    )

    dataset: DatasetName = Knob(
        "kmnist", "a section of params/data.yaml (kmnist, or your own MNIST-format dataset)"
    )
    comparison_dataset: DatasetName = Knob("mnist", "the same architectures on this dataset, side by side")
    dense_hidden_units: list[DenseUnits] = Knob(
        [512, 256, 128, 64], "the source's dense network", min_length=1
    )
    dense_dropout_rates: Annotated[list[Rate], AfterValidator(_unique_numbers)] = Knob(
        [0.0, 0.5], "one dense network per dropout rate: the source's two variants", min_length=1
    )
    dense_learning_rate: LearningRate = Knob(0.001, "Adam's learning rate of the dense networks")
    dense_batch_size: BatchSize = Knob(256, "images per batch of the dense networks")
    dense_max_epochs: Epochs = Knob(40, "upper bound; early stopping on validation accuracy decides")
    early_stopping_patience: Patience = Knob(
        5, "epochs without improvement before stopping (best weights kept)"
    )
    cnn: CnnSettings = Knob(
        CnnSettings(),
        "the CNN report's improved CNN, with the same settings by default",
    )
    seeds: Seeds = Knob(
        [0, 1, 2], "one run per seed, model and dataset; the first seed's CNN is evaluated in full"
    )
    gallery_size: GallerySize = Knob(24, "misclassified test images shown")


class SummaryParams(Schema):
    """Summary notebook (notebooks/07_summary.py): reads the metrics files only"""

    metrics_dir: str = Knob("../metrics", "where the notebooks' metrics files are (relative to notebooks/)")
    reports_dir: str = Knob("../reports", "where the reports are; reports/index.html is written there")


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
        elif (
            isinstance(annotation, type)
            and issubclass(annotation, BaseModel)
            and part in annotation.model_fields
        ):
            annotation = annotation.model_fields[part].annotation
    while typing.get_origin(annotation) in (typing.Union, types.UnionType, Annotated):
        annotation = next(arg for arg in typing.get_args(annotation) if arg is not type(None))
    return (
        sorted(annotation.model_fields)
        if isinstance(annotation, type) and issubclass(annotation, BaseModel)
        else []
    )


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
            raise ParamsError(
                f"{path}: no schema for this file; known params files: {', '.join(sorted(SCHEMAS))}"
            )
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


# --- what params files name in other files, checked before any work starts -------------------


def _unknown(kind: str, value: str, known: list[str], where: str, fix: str) -> ParamsError:
    guess = difflib.get_close_matches(value, known, n=1)
    hint = f" Did you mean '{guess[0]}'?" if guess else ""
    return ParamsError(f"{where}: unknown {kind} '{value}'.{hint} Known: {', '.join(known)}. {fix}")


def _class_count(dataset: str, datasets: dict[str, DatasetParams]) -> int:
    from .datasets import KNOWN_DATASETS  # no TensorFlow there: cheap

    names = datasets[dataset].class_names
    if names is None and datasets[dataset].format == "kaggle_csv":
        return 10  # Kaggle's Digit Recognizer: the ten digits
    return len(names) if names is not None else KNOWN_DATASETS[dataset].num_classes


def check_references(name: str, params: Schema, root: Path) -> None:
    """Values that name something defined elsewhere must name something that exists: the datasets of the
    Hiragana notebook are sections of params/data.yaml, and the class groups of the batch-norm ablation
    hold classes of the MNIST section there. Raises ParamsError naming the key and the fix."""
    if name not in ("05_bn_ablation", "06_hiragana"):
        return
    datasets = load_params(Path(root) / "params" / "data.yaml").datasets
    sections = sorted(datasets)
    fix = "Name a section of params/data.yaml, or add one there for your own data."
    if name == "06_hiragana":
        for key in ("dataset", "comparison_dataset"):
            value = getattr(params, key)
            if value not in sections:
                raise _unknown("dataset", value, sections, f"params/{name}.yaml: '{key}'", fix)
        return
    if "mnist" not in sections:
        raise _unknown("dataset", "mnist", sections, f"params/{name}.yaml (trains on MNIST)", fix)
    count = _class_count("mnist", datasets)
    unknown = sorted(member for group in params.class_groups for member in group if member >= count)
    if unknown:
        raise ParamsError(
            f"params/{name}.yaml: 'class_groups' names class(es) {', '.join(map(str, unknown))}, "
            f"which dataset 'mnist' does not have: params/data.yaml gives it {count} classes "
            f"(0..{count - 1}). "
            "Group only those classes, or list all of MNIST's ten in 'datasets.mnist.class_names'."
        )


def _notebook_references(root: Path) -> list[tuple[str, str]]:
    """(where, notebook name) for every notebook that dvc.yaml names: the keys of its `foreach` mappings
    and the notebook of each `python -m charrec.* NAME` command without interpolation."""
    stages = (yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8")) or {}).get("stages") or {}
    found = []
    for stage, body in stages.items():
        if isinstance(body.get("foreach"), dict):
            found += [(f"dvc.yaml: 'stages.{stage}.foreach'", key) for key in body["foreach"]]
        command = (body.get("do") or body).get("cmd", "")
        words = command.split() if isinstance(command, str) else []
        if words[:3] in (["python", "-m", "charrec.run_notebook"], ["python", "-m", "charrec.train"]):
            if len(words) > 3 and "${" not in words[3]:
                found.append((f"dvc.yaml: 'stages.{stage}.cmd'", words[3]))
    return found


def _dataset_references(root: Path) -> list[tuple[str, str]]:
    """(where, dataset name) for every literal dataset name in the items of dvc.yaml's `foreach` mappings
    (`data:` and `compare:`; interpolated ones come from params files and are checked there)."""
    stages = (yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8")) or {}).get("stages") or {}
    found = []
    for stage, body in stages.items():
        items = body.get("foreach")
        for key, item in items.items() if isinstance(items, dict) else ():
            for field in ("data", "compare"):
                value = item.get(field) if isinstance(item, dict) else None
                if isinstance(value, str) and "${" not in value:
                    found.append((f"dvc.yaml: 'stages.{stage}.foreach.{key}.{field}'", value))
    return list(dict.fromkeys(found))


def check_project(root: Path) -> list[str]:
    """Every params file against its schema, every notebook's parameters cell, and every name that one
    file gives to something defined in another (datasets, comparison datasets, notebooks, class groups).
    Returns the problems, each naming the file, the key and the fix; no TensorFlow, about two seconds."""
    root = Path(root)
    problems: list[str] = []
    notebooks = sorted(name for name in SCHEMAS if name != "data")
    params_files = sorted(path.stem for path in (root / "params").glob("*.yaml"))
    for stem in params_files:
        if stem not in SCHEMAS:
            problems.append(
                str(
                    _unknown(
                        "params file",
                        stem,
                        sorted(SCHEMAS),
                        f"params/{stem}.yaml",
                        "Each params file is named after its notebook (or data.yaml).",
                    )
                )
            )
    loaded = {}
    for name in SCHEMAS:
        try:
            loaded[name] = load_params(root / "params" / f"{name}.yaml")
        except ParamsError as error:
            problems.append(str(error))
    existing_notebooks = sorted(path.stem for path in (root / "notebooks").glob("*.py"))
    for where, name in _notebook_references(root):
        if name not in notebooks or name not in existing_notebooks:
            problems.append(
                str(
                    _unknown(
                        "notebook",
                        name,
                        notebooks,
                        where,
                        "Name a notebook of notebooks/ that has a params schema (lib/charrec/params.py).",
                    )
                )
            )
    for name in notebooks:
        notebook_file = root / "notebooks" / f"{name}.py"
        try:
            if notebook_file.is_file():
                check_parameters_cell(notebook_file, SCHEMAS[name])
            else:
                raise ParamsError(
                    f"notebooks/{name}.py does not exist (restore it: git checkout -- notebooks/{name}.py)"
                )
        except ParamsError as error:
            problems.append(str(error))
    if "data" in loaded:
        sections = sorted(loaded["data"].datasets)
        for where, dataset in _dataset_references(root):
            if dataset not in sections:
                problems.append(
                    str(
                        _unknown(
                            "dataset",
                            dataset,
                            sections,
                            where,
                            "Name a section of params/data.yaml, or add one there for your own data.",
                        )
                    )
                )
        for name, params in loaded.items():
            try:
                check_references(name, params, root)
            except ParamsError as error:
                problems.append(str(error))
    prefix = f"{root.resolve()}{os.sep}"  # files named relative to the project, as in dvc.yaml
    return [problem.replace(prefix, "").replace(f"{root}{os.sep}", "") for problem in problems]


def check_parameters_cell(notebook_file: Path, schema: type[Schema]) -> None:
    """The notebook has exactly one cell tagged `parameters`, and it assigns exactly the schema's fields:
    otherwise papermill would inject the params above an untagged cell of defaults that overrides them.
    Raises ParamsError naming the notebook and the fix."""
    import ast

    import jupytext

    cells = [
        cell for cell in jupytext.read(notebook_file).cells if "parameters" in cell.metadata.get("tags", [])
    ]
    if len(cells) != 1:
        raise ParamsError(
            f"{notebook_file}: {len(cells)} cells are tagged 'parameters', expected exactly one. "
            'Mark the cell of defaults with `# %% tags=["parameters"]` '
            "(or run `python -m charrec.params` to rewrite it)"
        )
    names = {
        target.id
        for node in ast.walk(ast.parse(cells[0].source))
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    missing, extra = sorted(set(schema.model_fields) - names), sorted(names - set(schema.model_fields))
    if missing or extra:
        raise ParamsError(
            f"{notebook_file}: the parameters cell does not match the params schema"
            + (f"; missing: {', '.join(missing)}" if missing else "")
            + (f"; unknown: {', '.join(extra)}" if extra else "")
            + ". Run `python -m charrec.params` to rewrite it from the schema"
        )


# --- the params files and parameters cells, written from the schemas --------------------------

LINE_LENGTH = 110


def _commented(line: str, description: str, indent: str) -> list[str]:
    """`line  # description`, or the description wrapped on comment lines of their own above it."""
    if len(f"{line}  # {description}") <= LINE_LENGTH:
        return [f"{line}  # {description}"]
    return [
        *textwrap.wrap(
            description, LINE_LENGTH, initial_indent=f"{indent}# ", subsequent_indent=f"{indent}# "
        ),
        line,
    ]


def defaults_yaml(schema: type[Schema]) -> str:
    """The params file of a notebook: every field's default with its description as a comment."""
    lines = [f"# {schema.__doc__.strip()}"]

    def emit(model: type[BaseModel], values: BaseModel, indent: str) -> None:
        for name, field in model.model_fields.items():
            value = getattr(values, name)
            if isinstance(value, BaseModel):
                lines.extend(_commented(f"{indent}{name}:", field.description, indent))
                emit(type(value), value, indent + "  ")
            else:
                text = (
                    yaml.safe_dump(value, default_flow_style=True, allow_unicode=True)
                    .strip()
                    .removesuffix("...")
                    .strip()
                )
                lines.extend(_commented(f"{indent}{name}: {text}", field.description, indent))

    emit(schema, schema(), "")
    return "\n".join(lines) + "\n"


def defaults_python(schema: type[Schema]) -> str:
    """The parameters cell of a notebook: every field's default as a Python assignment, described."""
    lines = []
    for name, field in schema.model_fields.items():
        value = getattr(schema(), name)
        if isinstance(value, BaseModel):
            lines.extend(_commented(f"{name} = {{", field.description, ""))
            for key, sub_field in type(value).model_fields.items():
                lines.extend(
                    _commented(
                        f'    "{key}": {_literal(getattr(value, key))},', sub_field.description, "    "
                    )
                )
            lines.append("}")
        else:
            lines.extend(_commented(f"{name} = {_literal(value)}", field.description, ""))
    return "\n".join(lines) + "\n"


def _literal(value) -> str:
    """A Python literal with double-quoted strings (the notebooks' style)."""
    return json.dumps(value, ensure_ascii=False) if isinstance(value, str) else repr(value)


PARAMETERS_CELL = '# %% tags=["parameters"]\n'


def with_parameters_cell(notebook_text: str, schema: type[Schema]) -> str:
    """A jupytext notebook's text with its parameters cell replaced by the schema's defaults."""
    start = notebook_text.index(PARAMETERS_CELL) + len(PARAMETERS_CELL)
    end = notebook_text.index("\n# %%", start) + 1
    return notebook_text[:start] + defaults_python(schema) + "\n" + notebook_text[end:]


def main(argv: list[str] | None = None) -> int:
    """`python -m charrec.params`: rewrite params/NAME.yaml and the parameters cell of notebooks/NAME.py
    of every notebook from the schemas (run it after changing a default or a description).
    `python -m charrec.params --check`: check the params files, the parameters cells and every reference
    between files, writing nothing (`make` runs it before `dvc repro`); exit status 2 on a problem."""
    import argparse
    import sys
    import time

    from .files import project_root, write_atomically

    parser = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="check every params file and reference, write nothing"
    )
    args = parser.parse_args(argv)
    root = project_root()
    if args.check:
        start = time.perf_counter()
        problems = check_project(root)
        for problem in problems:
            print(f"error: {problem}", file=sys.stderr)
        if problems:
            print(
                f"{len(problems)} problem(s) in the params: nothing was run. Fix them, then run again.",
                file=sys.stderr,
            )
            return 2
        print(f"params: every file and reference checked ({time.perf_counter() - start:.1f} s)")
        return 0
    for name, schema in SCHEMAS.items():
        if name == "data":
            continue
        write_atomically(root / "params" / f"{name}.yaml", defaults_yaml(schema))
        notebook = root / "notebooks" / f"{name}.py"
        write_atomically(notebook, with_parameters_cell(notebook.read_text(encoding="utf-8"), schema))
        print(f"wrote params/{name}.yaml and the parameters cell of notebooks/{name}.py")
    return 0


if __name__ == "__main__":
    import sys

    sys.exit(main())
