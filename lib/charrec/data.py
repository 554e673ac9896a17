"""The data stage: fetch, verify and split one dataset into the arrays every notebook reads.

Run as the pipeline's data stage: `python -m charrec.data mnist` reads the `mnist` section of
`params/data.yaml`, fetches and verifies the IDX files into `data/raw/mnist/` and writes
`data/prepared/mnist.npz` (uint8 arrays and the split as indices) with a JSON manifest.

A section with `format: kaggle_csv` reads Kaggle's Digit Recognizer files instead: `train.csv` (a `label`
column, then pixel0...pixel783) and `test.csv` (the pixels only), verified by their md5 like IDX files.
Kaggle's test.csv has no labels, so it cannot give a test accuracy. The prepared file therefore holds:
- `x_test`, `y_test`: the labeled test part, `test_size` images of train.csv held out by a stratified,
  seeded split (`split_seed`), so every notebook's test accuracy keeps its meaning;
- `x_train`, `y_train`, `train_index`, `validation_index`: the rest of train.csv, split into training and
  validation parts exactly as an IDX dataset's training images are (stratified, `validation_size`);
- `x_unlabeled`: test.csv's images in file order (row k is Kaggle's ImageId k + 1), for predictions and
  a submission file only, never for an accuracy; `test_rows`: the rows of train.csv (0-based, header not
  counted) that form the test part.
Its manifest adds `format`, `test_part` and `counts.unlabeled`; an IDX dataset's manifest and arrays are
unchanged.
"""

import argparse
import io
import json
import os
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from .availability import record_unavailable
from .datasets import KAGGLE_CSV, KAGGLE_PIXEL_COLUMNS, KNOWN_DATASETS, MNIST, DatasetSpec
from .fetch import DataUnavailableError, fetch_dataset, md5_of
from .files import ForeignCodeError, NoSpaceError, check_own_code, project_root, write_together
from .idx import IdxFormatError, read_idx
from .params import DatasetParams, ParamsError, load_params
from .prepared import stratified_subset
from .runlock import EX_TEMPFAIL, RunInProgress, run_lock


class DataError(ValueError):
    """Verified files whose contents still make no sense (labels out of range, counts that differ)."""


def dataset_spec(name: str, params: DatasetParams) -> DatasetSpec:
    """A known dataset's spec, or one described by its params section (your own data: no downloads)."""
    if params.format == "kaggle_csv":
        spec = replace(KAGGLE_CSV, name=name, md5=dict(params.md5 or {}))
        return replace(spec, class_names=tuple(params.class_names)) if params.class_names else spec
    spec = KNOWN_DATASETS.get(name) or replace(
        MNIST, name=name, download_urls=(), npm_package=None, local_dir_env=None
    )
    if params.md5 is not None and params.md5 != spec.md5:
        spec = replace(spec, md5=dict(params.md5), download_urls=(), npm_package=None)
    if params.class_names is not None:
        spec = replace(spec, class_names=tuple(params.class_names))
    return spec


IMAGE_SHAPE = (28, 28)  # what the study's models take (charrec.models: MNIST format)


def _check_pair(
    images: np.ndarray, labels: np.ndarray, num_classes: int, what: str, image_file: str, label_file: str
) -> None:
    """The geometry and labels of one pair of IDX files; DataError names the section, the file, what was
    found and what was expected."""
    if images.shape[1:] != IMAGE_SHAPE:
        found = "x".join(map(str, images.shape[1:]))
        raise DataError(
            f"{what}: {image_file} holds images of {found} pixels; the study's models take "
            "28x28 (MNIST format). Resize the images to 28x28 first"
        )
    if images.shape[0] != labels.shape[0]:
        raise DataError(
            f"{what}: {image_file} holds {images.shape[0]} images but {label_file} {labels.shape[0]} labels"
        )
    if labels.size and labels.max() >= num_classes:
        bad = int(np.sum(labels >= num_classes))
        raise DataError(
            f"{what}: {label_file}: {bad} label(s) outside 0..{num_classes - 1} (largest {labels.max()}); "
            f"'class_names' lists {num_classes} classes"
        )


def _check_classes(labels: np.ndarray, class_names: tuple[str, ...], what: str) -> None:
    """Every class of `class_names` occurs among the training labels."""
    absent = sorted(set(range(len(class_names))) - set(np.unique(labels).tolist()))
    if absent:
        raise DataError(
            f"{what}: 'class_names' lists {len(class_names)} classes but the training labels hold "
            f"{len(class_names) - len(absent)}; never used: "
            + ", ".join(f"{index} ({class_names[index]})" for index in absent[:10])
            + ". List exactly the classes of the labels"
        )


def prepare_dataset(
    spec: DatasetSpec, params: DatasetParams, raw_dir: Path, out_file: Path, log=print
) -> dict:
    """Fetch, verify, split and save one dataset; returns its manifest."""
    paths = fetch_dataset(spec, raw_dir, params.local_dir, log=log)
    what = f"params/data.yaml, section 'datasets.{spec.name}'"
    if spec.format == "kaggle_csv":
        return _prepare_kaggle_csv(spec, params, paths, out_file, what)
    x_train, y_train = read_idx(paths["train_images"], 3), read_idx(paths["train_labels"], 1)
    x_test, y_test = read_idx(paths["test_images"], 3), read_idx(paths["test_labels"], 1)
    for role, images, labels in (("train", x_train, y_train), ("test", x_test, y_test)):
        _check_pair(
            images, labels, spec.num_classes, what, paths[f"{role}_images"].name, paths[f"{role}_labels"].name
        )
    _check_classes(y_train, spec.class_names, what)

    keep_train = stratified_subset(y_train, params.train_limit, params.split_seed)
    keep_test = stratified_subset(y_test, params.test_limit, params.split_seed)
    x_train, y_train, x_test, y_test = (
        x_train[keep_train],
        y_train[keep_train],
        x_test[keep_test],
        y_test[keep_test],
    )
    return _split_and_write(spec, params, paths, (x_train, y_train, x_test, y_test), out_file)


def _stratified_split(labels: np.ndarray, size: int, seed: int, key: str, name: str):
    """(kept, held out) indices of `labels`, `size` of them held out with the class proportions; a split
    that cannot be made (too few images of a class) is a ParamsError naming `key`."""
    try:
        return train_test_split(np.arange(len(labels)), test_size=size, stratify=labels, random_state=seed)
    except ValueError as error:
        raise ParamsError(
            f"params/data.yaml: 'datasets.{name}.{key}' is {size}: no stratified split of {len(labels)} "
            f"images is possible ({error}); choose another size, or keep more images"
        ) from None


def _split_and_write(
    spec: DatasetSpec,
    params: DatasetParams,
    paths: dict[str, Path],
    arrays: tuple[np.ndarray, np.ndarray, np.ndarray, np.ndarray],
    out_file: Path,
    extra_manifest: dict | None = None,
    extra_arrays: dict[str, np.ndarray] | None = None,
) -> dict:
    """The shared split of the training images into training and validation parts (stratified, seeded),
    the manifest and the arrays, written atomically (the arrays last); returns the manifest. Without
    `extra_manifest` and `extra_arrays` (IDX datasets) the files are those the study has always written."""
    x_train, y_train, x_test, y_test = arrays
    if params.validation_size >= len(y_train):
        raise ParamsError(
            f"params/data.yaml: 'datasets.{spec.name}.validation_size' is {params.validation_size} but only "
            f"{len(y_train)} training images are kept; choose fewer than that"
        )
    train_index, validation_index = train_test_split(
        np.arange(len(y_train)),
        test_size=params.validation_size,
        stratify=y_train,
        random_state=params.split_seed,
    )
    manifest = {
        "dataset": spec.name,
        "class_names": list(spec.class_names),
        "md5": {role: md5_of(path) for role, path in paths.items()},
        "files": {role: path.name for role, path in paths.items()},
        "split_seed": params.split_seed,
        "counts": {"train": len(train_index), "validation": len(validation_index), "test": len(y_test)},
        "subset": {"train_limit": params.train_limit, "test_limit": params.test_limit},
    }
    extra_manifest = dict(extra_manifest or {})
    manifest["counts"].update(extra_manifest.pop("counts", {}))
    manifest.update(extra_manifest)
    buffer = io.BytesIO()
    np.savez(
        buffer,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        train_index=np.sort(train_index),
        validation_index=np.sort(validation_index),
        **(extra_arrays or {}),
    )
    # Both written in full first, then renamed into place (the manifest last): a failed write (a full disk)
    # leaves the old arrays with the old manifest, never a manifest describing a split the arrays lack.
    write_together(
        [
            (out_file, buffer.getvalue()),
            (out_file.with_suffix(".json"), json.dumps(manifest, indent=2, ensure_ascii=False) + "\n"),
        ]
    )
    return manifest


# --- Kaggle's Digit Recognizer CSV files -----------------------------------------------------------


def _line(row: int) -> int:
    """The line of a CSV file holding data row `row` (0-based; line 1 is the header)."""
    return int(row) + 2


def _check_kaggle_columns(columns: list, labeled: bool, name: str, what: str) -> None:
    expected = ["label", *KAGGLE_PIXEL_COLUMNS] if labeled else list(KAGGLE_PIXEL_COLUMNS)
    if columns == expected:
        return
    layout = (
        "'label', then pixel0...pixel783 (Kaggle's train.csv)"
        if labeled
        else "pixel0...pixel783 only (Kaggle's test.csv)"
    )
    pixels = [column for column in columns if str(column).startswith("pixel")]
    if labeled and "label" not in columns:
        problem = "no 'label' column (is this Kaggle's unlabeled test.csv?)"
    elif not labeled and "label" in columns:
        problem = "a 'label' column (is this Kaggle's train.csv?); test.csv holds the pixels only"
    elif len(pixels) != len(KAGGLE_PIXEL_COLUMNS):
        problem = (
            f"{len(pixels)} pixel columns; Kaggle's 28x28 images have {len(KAGGLE_PIXEL_COLUMNS)} "
            "(pixel0...pixel783). Images of another size must be resized to 28x28 first"
        )
    else:
        index = next(i for i, (a, b) in enumerate(zip(columns, expected)) if a != b)
        problem = f"column {index + 1} is {str(columns[index])!r} where {expected[index]!r} belongs"
    raise DataError(
        f"{what}: {name}: wrong columns: {problem}. Expected a header row with {layout}; "
        f"found {len(columns)} columns starting {', '.join(map(str, columns[:3]))}"
    )


def _first_non_integer(table, name: str, what: str) -> None:
    """A DataError naming the first cell (line and column) that is not a whole number, if any."""
    import pandas as pd

    first = None
    for column in table.columns:
        if pd.api.types.is_integer_dtype(table[column].dtype):
            continue
        values = table[column]
        if pd.api.types.is_float_dtype(values.dtype):  # a decimal point, or an empty cell, in this column
            numbers = values.to_numpy()
            bad = np.isnan(numbers) | (numbers != np.floor(numbers))  # `3.0` counts as a whole number
        else:  # text in this column
            bad = values.isna().to_numpy() | ~values.astype(str).str.fullmatch(r"[+-]?\d+").to_numpy()
        if bad.any():
            row = int(np.argmax(bad))
            if first is None or row < first[0]:
                first = (row, column, values.iloc[row])
    if first is not None:
        row, column, value = first
        value = value.item() if isinstance(value, np.generic) else value
        found = "an empty value" if pd.isna(value) else f"{str(value)!r}, not a whole number"
        raise DataError(
            f"{what}: {name}, line {_line(row)}, column '{column}': {found}. Kaggle's files hold integers "
            "only (labels, and pixels from 0 to 255)"
        )


def read_kaggle_csv(
    path: Path, labeled: bool, num_classes: int, what: str
) -> tuple[np.ndarray, np.ndarray | None]:
    """Read one Kaggle Digit Recognizer CSV file: (images uint8 (n, 28, 28), labels uint8 (n,) or None).

    `labeled`: train.csv's layout (`label`, pixel0...pixel783) rather than test.csv's (pixels only).
    Raises DataError, naming `what` (the params section), the file and where possible the line and
    column, for wrong columns or pixel count, rows of the wrong length, empty or non-integer values,
    pixels outside 0..255 and labels outside 0..num_classes-1.
    """
    import pandas as pd

    path, name = Path(path), Path(path).name
    try:
        table = pd.read_csv(path, low_memory=False)
    except pd.errors.EmptyDataError:
        raise DataError(
            f"{what}: {name} is empty; expected Kaggle's header row, then one image a row"
        ) from None
    except (pd.errors.ParserError, UnicodeDecodeError) as error:
        raise DataError(f"{what}: {name}: not a well-formed CSV file: {error}".strip()) from None
    _check_kaggle_columns(list(table.columns), labeled, name, what)
    if len(table) == 0:
        raise DataError(f"{what}: {name} holds a header row but no images")
    _first_non_integer(table, name, what)
    pixels = table[list(KAGGLE_PIXEL_COLUMNS)].to_numpy(dtype=np.int64)
    outside = (pixels < 0) | (pixels > 255)
    if outside.any():
        row, column = np.argwhere(outside)[0]
        raise DataError(
            f"{what}: {name}: {int(outside.sum())} pixel value(s) outside 0..255, the first on line "
            f"{_line(row)}, column '{KAGGLE_PIXEL_COLUMNS[column]}': {pixels[row, column]}"
        )
    images = pixels.astype(np.uint8).reshape(-1, 28, 28)
    if not labeled:
        return images, None
    labels = table["label"].to_numpy(dtype=np.int64)
    wrong = (labels < 0) | (labels >= num_classes)
    if wrong.any():
        first = int(np.argmax(wrong))
        raise DataError(
            f"{what}: {name}: {int(wrong.sum())} label(s) outside 0..{num_classes - 1} (the first on line "
            f"{_line(first)}: {labels[first]}); 'class_names' lists {num_classes} classes"
        )
    return images, labels.astype(np.uint8)


def _prepare_kaggle_csv(
    spec: DatasetSpec, params: DatasetParams, paths: dict[str, Path], out_file: Path, what: str
) -> dict:
    """train.csv gives the training, validation and (held out by a stratified, seeded split of
    `test_size` images) test parts; test.csv's unlabeled images are kept apart as `x_unlabeled`."""
    images, labels = read_kaggle_csv(paths["train_csv"], True, spec.num_classes, what)
    unlabeled, _ = read_kaggle_csv(paths["test_csv"], False, spec.num_classes, what)
    _check_classes(labels, spec.class_names, what)
    keep = stratified_subset(labels, params.train_limit, params.split_seed)
    images, labels = images[keep], labels[keep]
    if params.test_size >= len(labels):
        raise ParamsError(
            f"params/data.yaml: 'datasets.{spec.name}.test_size' is {params.test_size} but only "
            f"{len(labels)} labeled images of train.csv are kept; choose fewer than that"
        )
    rest, test = _stratified_split(labels, params.test_size, params.split_seed, "test_size", spec.name)
    rest, test = np.sort(rest), np.sort(test)
    extra_manifest = {
        "counts": {"unlabeled": len(unlabeled)},
        "format": "kaggle_csv",
        "test_part": {
            "from": paths["train_csv"].name,
            "size": params.test_size,
            "how": "stratified, seeded by split_seed; the rows are test_rows in the .npz",
            "unlabeled": f"{paths['test_csv'].name}: x_unlabeled, for predictions only",
        },
    }
    return _split_and_write(
        spec,
        params,
        paths,
        (images[rest], labels[rest], images[test], labels[test]),
        out_file,
        extra_manifest,
        {"x_unlabeled": unlabeled, "test_rows": keep[test]},
    )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fetch, verify and split a dataset (the pipeline's data stage)."
    )
    parser.add_argument("dataset", help="a section of params/data.yaml, e.g. mnist")
    parser.add_argument("--params", type=Path, help="default: params/data.yaml of the project")
    parser.add_argument("--raw-dir", type=Path, help="default: data/raw of the project")
    parser.add_argument("--out-dir", type=Path, help="default: data/prepared of the project")
    args = parser.parse_args(argv)
    try:
        root = project_root()
        check_own_code(root)
    except (FileNotFoundError, ForeignCodeError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    # Paths given on the command line are the user's (from the current folder); the defaults are the
    # project's, from any subfolder. The messages name them relative to the project root, as in a stage.
    given = {
        key: getattr(args, key).resolve() for key in ("params", "raw_dir", "out_dir") if getattr(args, key)
    }
    os.chdir(root)
    args.params = given.get("params", Path("params/data.yaml"))
    args.raw_dir = given.get("raw_dir", Path("data/raw"))
    args.out_dir = given.get("out_dir", Path("data/prepared"))
    out_file = args.out_dir / f"{args.dataset}.npz"
    try:
        datasets = load_params(args.params).datasets
        if args.dataset not in datasets:
            raise ParamsError(
                f"{args.params}: no section 'datasets.{args.dataset}'; sections: {', '.join(datasets)}"
            )
        params = datasets[args.dataset]
        with run_lock(root):  # a second run in this checkout stops here, before anything is written
            manifest = prepare_dataset(
                dataset_spec(args.dataset, params), params, args.raw_dir / args.dataset, out_file
            )
    except RunInProgress as error:
        print(f"error: {error}", file=sys.stderr)
        return EX_TEMPFAIL
    except DataUnavailableError as error:
        if error.corrupted:  # files that fail their checksum: an error to fix, not data this machine lacks
            print(f"error: {error}", file=sys.stderr)
            return 1
        # Not an error of the study: this machine lacks the data. Recorded, so that the other notebooks
        # run and this dataset's notebooks say how to provide it (charrec.availability).
        reason = str(error).splitlines()[-1]
        record_unavailable(args.dataset, reason, args.raw_dir / args.dataset, out_file)
        print(f"{error}", file=sys.stderr)
        print(
            f"{args.dataset}: recorded as not available in {out_file.with_suffix('.json')}; the notebooks "
            "that read it are skipped until it is found.",
            file=sys.stderr,
        )
        return 0
    except (ParamsError, DataError, IdxFormatError, NoSpaceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.dataset}: {manifest['counts']} written to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
