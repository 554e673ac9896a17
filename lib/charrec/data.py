"""The data stage: fetch, verify and split one dataset into the arrays every notebook reads.

Run as the pipeline's data stage: `python -m charrec.data mnist` reads the `mnist` section of
`params/data.yaml`, fetches and verifies the IDX files into `data/raw/mnist/` and writes
`data/prepared/mnist.npz` (uint8 arrays and the split as indices) with a JSON manifest.
"""

import argparse
import io
import sys
from dataclasses import replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from .datasets import KNOWN_DATASETS, MNIST, DatasetSpec
from .fetch import DataUnavailableError, fetch_dataset, md5_of
from .files import write_atomically, write_json_atomically
from .idx import IdxFormatError, read_idx
from .params import DatasetParams, ParamsError, load_params
from .prepared import stratified_subset


class DataError(ValueError):
    """Verified files whose contents still make no sense (labels out of range, counts that differ)."""


def dataset_spec(name: str, params: DatasetParams) -> DatasetSpec:
    """A known dataset's spec, or one described by its params section (your own data: no downloads)."""
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
    x_train, y_train = read_idx(paths["train_images"], 3), read_idx(paths["train_labels"], 1)
    x_test, y_test = read_idx(paths["test_images"], 3), read_idx(paths["test_labels"], 1)
    what = f"params/data.yaml, section 'datasets.{spec.name}'"
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
    arrays = io.BytesIO()
    np.savez(
        arrays,
        x_train=x_train,
        y_train=y_train,
        x_test=x_test,
        y_test=y_test,
        train_index=np.sort(train_index),
        validation_index=np.sort(validation_index),
    )
    write_json_atomically(out_file.with_suffix(".json"), manifest)
    write_atomically(out_file, arrays.getvalue())  # last: the arrays exist only once everything succeeded
    return manifest


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        description="Fetch, verify and split a dataset (the pipeline's data stage)."
    )
    parser.add_argument("dataset", help="a section of params/data.yaml, e.g. mnist")
    parser.add_argument("--params", type=Path, default=Path("params/data.yaml"))
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--out-dir", type=Path, default=Path("data/prepared"))
    args = parser.parse_args(argv)
    out_file = args.out_dir / f"{args.dataset}.npz"
    try:
        datasets = load_params(args.params).datasets
        if args.dataset not in datasets:
            raise ParamsError(
                f"{args.params}: no section 'datasets.{args.dataset}'; sections: {', '.join(datasets)}"
            )
        params = datasets[args.dataset]
        manifest = prepare_dataset(
            dataset_spec(args.dataset, params), params, args.raw_dir / args.dataset, out_file
        )
    except (ParamsError, DataUnavailableError, DataError, IdxFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.dataset}: {manifest['counts']} written to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
