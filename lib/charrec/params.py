"""Schemas of the params files, and their validation with errors that name the file and the key.

One schema per file in `params/` (the file's stem is the key of `SCHEMAS`). The pipeline
validates a file before it starts a kernel; a notebook validates its parameters cell again,
so edits made interactively in JupyterLab get the same checks. Importing this module does
not import TensorFlow, so validation takes well under a second.
"""

import difflib
import os
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
# A schema checks a params file; it holds no values. The values, with a comment on each, are in
# params/NAME.yaml only, and a notebook's variant is merged over them (`notebook_params`).


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


def _unique_names(values: list) -> list:
    """Names listed once each."""
    twice = sorted({value for value in values if values.count(value) > 1})
    if twice:
        raise ValueError(f"{', '.join(map(repr, twice))} listed twice; remove one")
    return values


Seeds = Annotated[list[Annotated[int, Field(ge=0)]], Field(min_length=1), AfterValidator(_unique_numbers)]
Values = Annotated[list[float], AfterValidator(_unique_numbers)]


class ExplorationParams(Schema):
    """Data exploration notebook (notebooks/01_data_exploration.py)"""

    samples_per_class: int = Field(ge=1, le=20)


class ClassicalBaseline(Schema):
    """One scikit-learn baseline of 02 (a model of `charrec.models.classical`): the builder argument tuned on
    the validation split, its values (one validation run each), the value of the final model (tested once)
    and the other builder arguments, fixed."""

    tuned: str
    values: Annotated[list[int | float], Field(min_length=1), AfterValidator(_unique_numbers)]
    final: int | float
    options: dict[str, int | float | str]

    @model_validator(mode="after")
    def _final_is_a_validated_value(self):
        if float(self.final) not in {float(value) for value in self.values}:
            raise ValueError(
                f"'final' is {self.final!r}, which is not among the validated 'values' "
                f"{list(self.values)}: the final model's value must be one the validation runs scored"
            )
        return self


class DenseBaselineParams(Schema):
    (
        """Dense baseline notebook (notebooks/02_dense_baseline.py): the source report's """
        """784-512-64-32-16-10 network"""
    )

    hidden_units: list[DenseUnits] = Field(min_length=1)
    activation: Literal["relu", "elu", "gelu", "tanh", "sigmoid"]
    learning_rate: LearningRate
    batch_size: BatchSize
    epochs: Epochs
    seeds: Seeds
    retrain_on_all_training_images: bool
    gallery_size: GallerySize
    classical: dict[str, ClassicalBaseline]

    @model_validator(mode="after")
    def _classical_models_are_registered(self):
        from .models import catalogue  # reads the models' source: no TensorFlow, no scikit-learn

        models = catalogue()
        for name, baseline in self.classical.items():
            where = f"'classical.{name}'"
            if name not in models:
                close = difflib.get_close_matches(name, models, n=1)
                hint = f" Did you mean '{close[0]}'?" if close else ""
                raise ValueError(f"{where}: unknown model '{name}'.{hint} Known: {', '.join(sorted(models))}")
            arguments = models[name].arguments
            for argument in [baseline.tuned, *baseline.options]:
                if argument not in arguments:
                    raise ValueError(
                        f"{where}: '{argument}' is not an argument of {name}; its arguments: "
                        f"{', '.join(arguments)}"
                    )
            if baseline.tuned in baseline.options:
                raise ValueError(f"{where}: '{baseline.tuned}' is tuned; remove it from 'options'")
        return self


Strength = Annotated[float, Field(ge=0, le=10)]
Rate = Annotated[float, Field(ge=0, lt=1)]


class SweepProtocol(Schema):
    """How every sweep point trains: a stratified subset of the training part, held fixed across points."""

    train_size: int = Field(ge=100, le=50_000)
    epochs: Epochs
    batch_size: int = Field(ge=1, le=50_000)
    learning_rate: LearningRate
    seed: int = Field(ge=0)
    early_stopping_max_epochs: Epochs
    early_stopping_min_delta: float = Field(ge=0, le=1)


class Sweeps(Schema):
    (
        """The values of each one-regularizer sweep: adding a value trains only that point """
        """on the next dvc repro."""
    )

    l1: Values
    l2: Values
    dropout: Values
    max_norm: Values
    early_stopping: Annotated[list[Annotated[int, Field(ge=1, le=100)]], AfterValidator(_unique_numbers)]

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

    l1: Strength
    l2: Strength
    dropout: Rate
    max_norm: Annotated[float, Field(gt=0, le=100)] | None
    shift_fraction: ImageFraction
    learning_rate: LearningRate
    schedule: Literal["constant", "cosine"]
    batch_size: BatchSize
    epochs: Epochs


AblationIngredient = Literal["dropout", "max_norm", "shifts", "schedule", "batch_size", "epochs"]


class SweepsBest(Schema):
    """The alternative recipe: the final recipe with the sweeps' best dropout rate and max-norm radius."""

    dropout: Rate
    max_norm: Annotated[float, Field(gt=0, le=100)] | None


class Ablation(Schema):
    """The final recipe and its ablation on the validation split: each ingredient removed on its own."""

    seeds: Seeds
    remove: Annotated[list[AblationIngredient], AfterValidator(_unique_names)]
    sweeps_best: SweepsBest | None = None


class RegularizationParams(Schema):
    (
        """Regularization notebook (notebooks/03_regularization.py): a 784-1024-512-10 network from """
        """overfitting to a tuned model"""
    )

    hidden_units: list[DenseUnits] = Field(min_length=1)
    learning_rate: LearningRate
    batch_size: int = Field(ge=1, le=50_000)
    epochs: Epochs
    seeds: Seeds
    sweep: SweepProtocol
    sweeps: Sweeps
    final: FinalRecipe
    ablation: Ablation
    gallery_size: GallerySize


class CnnSettings(Schema):
    (
        """The improved CNN (charrec.models.improved_cnn) and its training: shared by the """
        """CNN and Hiragana notebooks."""
    )

    filters: ConvFilters
    dense_units: DenseUnits
    dropout: Rate
    rotation_degrees: RotationDegrees
    shift_fraction: ImageFraction
    zoom_fraction: ImageFraction
    peak_learning_rate: LearningRate
    warmup_epochs: int = Field(ge=0, le=100)
    batch_size: BatchSize
    epochs: Epochs


def _registered_model(name: str) -> str:
    from .models import info

    info(name)  # raises UnknownModelError (a ValueError) with a did-you-mean and the known models
    return name


ModelName = Annotated[str, AfterValidator(_registered_model)]


class NetworkSettings(Schema):
    """One network of a comparison and how it trains: a registered model (a function decorated with
    `@model` in lib/charrec/models/), its builder's keyword arguments, and its optimizer, schedule and
    epochs."""

    # Absent means off or "as the model says"; the study's values are in the params files.
    model: ModelName | None = None  # a registered model; default: the network's own name
    label: str | None = None  # its name in the reports; default: the model's display name
    options: dict = {}  # the builder's keyword arguments (num_classes excluded)
    learning_rate: LearningRate  # Adam's; with a cosine schedule, its peak
    schedule: Literal["constant", "cosine"] = "constant"
    warmup_epochs: int = Field(0, ge=0, le=100)  # cosine only
    batch_size: BatchSize
    epochs: Epochs  # of the final models
    validation_epochs: Epochs | None = None  # of the validation run; default: epochs
    early_stopping_patience: Patience | None = None  # validation run only; None: no early stopping
    steps_per_execution: int = Field(1, ge=1, le=10_000)
    test_time_shift: int = Field(0, ge=0, le=4)  # pixels; 0: off

    def arguments(self, name: str) -> dict:
        """`RunSpec` arguments shared by this network's runs (`name`: its key in the params)."""
        return dict(
            model=self.model or name,
            options=dict(self.options),
            batch_size=self.batch_size,
            learning_rate=self.learning_rate,
            schedule=self.schedule,
            warmup_epochs=self.warmup_epochs,
            steps_per_execution=self.steps_per_execution,
            test_time_shift=self.test_time_shift,
        )

    def display_name(self, name: str) -> str:
        from .models import info

        return self.label or info(self.model or name).display_name


def _check_networks(networks: dict) -> dict:
    from .models import info

    for name, network in networks.items():
        model = network.model or name
        try:
            known = info(model).arguments
        except ValueError as error:
            raise ValueError(f"networks.{name}: {error} (set 'model:' to a registered model)") from None
        unknown = sorted(set(network.options) - set(known))
        if unknown:
            import difflib

            hints = [difflib.get_close_matches(option, known, n=1) for option in unknown]
            hint = "; ".join(f"'{o}': did you mean '{h[0]}'?" for o, h in zip(unknown, hints) if h)
            raise ValueError(
                f"networks.{name}.options: {', '.join(map(repr, unknown))} not an argument of {model}"
                f"{' (' + hint + ')' if hint else ''}; its arguments: {', '.join(known)}"
            )
    return networks


NetworkName = Annotated[str, Field(pattern=r"^[a-z][a-z0-9_]*$")]
Networks = Annotated[dict[NetworkName, NetworkSettings], Field(min_length=1), AfterValidator(_check_networks)]


class CnnParams(Schema):
    """CNN notebook (notebooks/04_cnn.py): every network listed (the source's simple CNN, an improved CNN)"""

    networks: Networks
    seeds: Seeds
    gallery_size: GallerySize


ClassGroups = Annotated[
    list[Annotated[list[Annotated[int, Field(ge=0, le=9)]], Field(min_length=1)]],
    Field(min_length=2, max_length=10),
]


class BatchNormAblationParams(Schema):
    (
        """Batch-normalization ablation (notebooks/05_bn_ablation.py): the source's """
        """4,470-parameter CNN with and without BN"""
    )

    class_groups: ClassGroups
    learning_rate: LearningRate
    batch_size: BatchSize
    epochs: Epochs
    seeds: Seeds
    steps_per_execution: int = Field(ge=1, le=10_000)
    confidence: float = Field(gt=0.5, lt=1)
    gallery_size: GallerySize

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

    dataset: DatasetName
    comparison_dataset: DatasetName
    dense_hidden_units: list[DenseUnits] = Field(min_length=1)
    dense_dropout_rates: Annotated[list[Rate], AfterValidator(_unique_numbers)] = Field(min_length=1)
    dense_learning_rate: LearningRate
    dense_batch_size: BatchSize
    dense_max_epochs: Epochs
    early_stopping_patience: Patience
    cnn: CnnSettings
    seeds: Seeds
    gallery_size: GallerySize


class SummaryParams(Schema):
    """Summary notebook (notebooks/07_summary.py): reads the metrics files only"""

    metrics_dir: str
    reports_dir: str


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
    return validate(schema, read_params(path), str(path))


def merged(base: dict, variant: dict) -> dict:
    """`base` with `variant`'s values: mappings merge key by key (recursively), anything else replaces."""
    result = dict(base)
    for key, value in variant.items():
        both_mappings = isinstance(value, dict) and isinstance(result.get(key), dict)
        result[key] = merged(result[key], value) if both_mappings else value
    return result


def _flat(values, prefix: str = "") -> dict:
    if not isinstance(values, dict) or not values:
        return {prefix: values}
    items = {}
    for key, value in values.items():
        items |= _flat(value, f"{prefix}.{key}" if prefix else str(key))
    return items


def differences(base: dict, changed: dict) -> list[tuple[str, object, object]]:
    """(dotted key, value in `base`, value in `changed`) for every value that differs; a key missing on
    one side has the value None there."""
    before, after = _flat(base), _flat(changed)
    return [
        (k, before.get(k), after.get(k))
        for k in sorted(set(before) | set(after))
        if before.get(k) != after.get(k)
    ]


class FreeParams(Schema):
    """The params of a notebook without a schema of its own: any keys, checked for YAML types only."""

    model_config = ConfigDict(extra="allow", frozen=True)


def schema_for(name: str) -> type[Schema]:
    """The schema of notebook `name`'s params file: its own (`SCHEMAS`), or `FreeParams`."""
    return SCHEMAS.get(name, FreeParams)


def read_params(path: Path) -> dict:
    """The mapping in a params file; ParamsError naming the file for a missing file or invalid YAML."""
    path = Path(path)
    if not path.is_file():
        raise ParamsError(
            f"{path}: params file not found: restore the committed one with `git checkout -- {path.name}` "
            "in its folder (the file is missing, so nothing is lost)"
        )
    try:
        values = yaml.safe_load(path.read_text(encoding="utf-8"))
    except yaml.YAMLError as error:
        mark = getattr(error, "problem_mark", None)
        where = f" at line {mark.line + 1}, column {mark.column + 1}" if mark else ""
        problem = getattr(error, "problem", None) or str(error)
        raise ParamsError(f"{path}: not valid YAML{where}: {problem}") from None
    if values is None:
        return {}
    if not isinstance(values, dict):
        raise ParamsError(f"{path}: expected a mapping of keys to values, got {type(values).__name__}")
    return values


def notebook_params(name: str, variant: dict | None = None, root: Path | None = None):
    """A notebook's params: `params/NAME.yaml` of the project, with a `variant`'s values over it, validated.

    The pipeline runs every notebook with an empty variant, so its reports follow the params files alone.
    In JupyterLab, a variant tries other values without touching the params file: runs it needs that the
    pipeline has not trained go to `scratch/`, and the report starts by saying which values differ.
    Raises ParamsError naming the file (or the variant) and the key.
    """
    from .files import project_root

    path = Path(root or project_root()) / "params" / f"{name}.yaml"
    base = read_params(path)
    variant = variant or {}
    if not isinstance(variant, dict):
        raise ParamsError(f"the notebook's variant must be a mapping of keys to values, got {variant!r}")
    source = f"{path} with the notebook's variant" if variant else str(path)
    params = validate(schema_for(name), merged(base, variant), source)
    changed = differences(base, merged(base, variant))
    if changed:
        from IPython.display import Markdown, display

        rows = "\n".join(f"| `{key}` | {before!r} | {after!r} |" for key, before, after in changed)
        display(
            Markdown(
                f"**A variant of the study.** These values differ from the study's own "
                f"(`params/{name}.yaml`); "
                "runs the study has not trained are trained for this variant into `scratch/`, apart "
                f"from its results:\n\n| value | the study | this variant |\n|---|---|---|\n{rows}\n\n"
                f"Saving the notebook keeps this variant in `notebooks/{name}.py`, so git shows that "
                "file as modified. The pipeline ignores it (it always runs the notebook with an empty "
                "variant), but empty the variant (`variant = {}`) before you commit."
            )
        )
    return params


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
    """(where, notebook name) for every notebook that dvc.yaml names: the items of its `foreach` lists of
    the train and report stages, and the notebook of each `python -m charrec.* NAME` command without
    interpolation."""
    stages = (yaml.safe_load((root / "dvc.yaml").read_text(encoding="utf-8")) or {}).get("stages") or {}
    found = []
    for stage, body in stages.items():
        command = (body.get("do") or body).get("cmd", "")
        words = command.split() if isinstance(command, str) else []
        words = [word for word in words if not word.startswith("PYTHONPATH=")]
        if words[:3] not in (["python", "-m", "charrec.run_notebook"], ["python", "-m", "charrec.train"]):
            continue
        if isinstance(body.get("foreach"), list):
            found += [(f"dvc.yaml: 'stages.{stage}.foreach'", str(item)) for item in body["foreach"]]
        elif len(words) > 3 and "${" not in words[3]:
            found.append((f"dvc.yaml: 'stages.{stage}.cmd'", words[3]))
    return found


def check_project(root: Path) -> list[str]:
    """Every params file against its schema, every notebook's parameters cell, and every name that one
    file gives to something defined in another (datasets, comparison datasets, notebooks, class groups).
    Returns the problems, each naming the file, the key and the fix; no TensorFlow, about two seconds."""
    root = Path(root)
    problems: list[str] = []
    named = _notebook_references(root)
    notebooks = sorted({name for _, name in named})
    params_files = sorted(path.stem for path in (root / "params").glob("*.yaml"))
    for stem in params_files:
        if stem != "data" and stem not in notebooks:
            problems.append(
                f"params/{stem}.yaml: no notebook of that name in dvc.yaml's lists ({', '.join(notebooks)}): "
                "add it to the report list in dvc.yaml, or rename the file after its notebook"
            )
    loaded = {}
    for name in ["data", *notebooks]:
        try:
            if name == "data":
                loaded[name] = load_params(root / "params" / "data.yaml")
            else:
                loaded[name] = validate(
                    schema_for(name), read_params(root / "params" / f"{name}.yaml"), f"params/{name}.yaml"
                )
        except ParamsError as error:
            problems.append(str(error))
    for where, name in named:
        notebook_file = root / "notebooks" / f"{name}.py"
        try:
            if not notebook_file.is_file():
                existing = sorted(path.stem for path in (root / "notebooks").glob("*.py"))
                raise _unknown("notebook", name, existing, where, "Name a file of notebooks/ (without .py).")
            check_parameters_cell(notebook_file)
        except ParamsError as error:
            problems.append(str(error))
    problems = list(dict.fromkeys(problems))
    if "data" in loaded:
        for name, params in loaded.items():
            try:
                check_references(name, params, root)
            except ParamsError as error:
                problems.append(str(error))
    prefix = f"{root.resolve()}{os.sep}"  # files named relative to the project, as in dvc.yaml
    return [problem.replace(prefix, "").replace(f"{root}{os.sep}", "") for problem in problems]


def check_parameters_cell(notebook_file: Path) -> None:
    """The notebook has exactly one cell tagged `parameters` (whatever other metadata Jupyter adds to its
    header), and that cell assigns `variant`: the pipeline injects `variant = {}` after it, so a variant
    saved into the notebook never reaches the pipeline's report. Raises ParamsError naming the notebook
    and the fix; reads the file only."""
    import ast

    import jupytext

    cells = [
        cell for cell in jupytext.read(notebook_file).cells if "parameters" in cell.metadata.get("tags", [])
    ]
    if len(cells) != 1:
        raise ParamsError(
            f"{notebook_file}: {len(cells)} cells are tagged 'parameters', expected exactly one: mark the "
            'cell that sets `variant = {}` with `# %% tags=["parameters"]`'
        )
    try:
        tree = ast.parse(cells[0].source)
    except SyntaxError as error:
        raise ParamsError(f"{notebook_file}: the parameters cell is not valid Python: {error}") from None
    names = {
        target.id
        for node in ast.walk(tree)
        if isinstance(node, ast.Assign)
        for target in node.targets
        if isinstance(target, ast.Name)
    }
    if "variant" not in names:
        raise ParamsError(
            f"{notebook_file}: the parameters cell does not set `variant`; write `variant = {{}}` there "
            "(the study's values are read from the params file, a variant's over them)"
        )


def main(argv: list[str] | None = None) -> int:
    """`python -m charrec.params --check`: check the params files, the notebooks' parameters cells and
    every reference between files, writing nothing (`make` runs it before `dvc repro`); exit status 2 on
    a problem. The params files are the one copy of the study's values: nothing writes them."""
    import argparse
    import sys
    import time

    from .files import project_root

    parser = argparse.ArgumentParser(description=main.__doc__.split("\n")[0])
    parser.add_argument(
        "--check", action="store_true", help="check every params file and reference (the default)"
    )
    parser.parse_args(argv)
    root = project_root()
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


if __name__ == "__main__":
    import sys

    sys.exit(main())
