"""The prepared arrays every notebook reads: verified images and labels plus one seeded split.

Run as the pipeline's data stage: `python -m charrec.data mnist` reads the `mnist` section of
`params/data.yaml`, fetches and verifies the IDX files into `data/raw/mnist/` and writes
`data/prepared/mnist.npz` (uint8 arrays and the split as indices) with a JSON manifest.
"""

import argparse
import json
import os
import sys
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split

from .datasets import KNOWN_DATASETS, MNIST, DatasetSpec
from .fetch import DataUnavailableError, fetch_dataset, md5_of
from .idx import IdxFormatError, read_idx
from .params import DatasetParams, ParamsError, load_params


class DataError(ValueError):
    """Verified files whose contents still make no sense (labels out of range, counts that differ)."""


@dataclass(frozen=True)
class PreparedData:
    name: str
    class_names: tuple[str, ...]
    x_train: np.ndarray
    y_train: np.ndarray
    x_val: np.ndarray
    y_val: np.ndarray
    x_test: np.ndarray
    y_test: np.ndarray
    manifest: dict

    @property
    def num_classes(self) -> int:
        return len(self.class_names)

    @property
    def x_train_full(self) -> np.ndarray:
        """Training and validation images together (for a final model retrained on everything)."""
        return np.concatenate([self.x_train, self.x_val])

    @property
    def y_train_full(self) -> np.ndarray:
        return np.concatenate([self.y_train, self.y_val])


def dataset_spec(name: str, params: DatasetParams) -> DatasetSpec:
    """A known dataset's spec, or one described by its params section (your own data: no downloads)."""
    spec = KNOWN_DATASETS.get(name) or replace(MNIST, name=name, download_urls=(), npm_package=None, local_dir_env=None)
    if params.md5 is not None and params.md5 != spec.md5:
        spec = replace(spec, md5=dict(params.md5), download_urls=(), npm_package=None)
    if params.class_names is not None:
        spec = replace(spec, class_names=tuple(params.class_names))
    return spec


def group_labels(labels: np.ndarray, groups: list[list[int]]) -> np.ndarray:
    """Map each original class to the index of the group holding it (every class in exactly one group)."""
    members = sorted(member for group in groups for member in group)
    if members != list(range(len(members))):
        raise ValueError(f"the groups must hold each class 0..{len(members) - 1} exactly once, got {groups}")
    lookup = np.empty(len(members), dtype=labels.dtype)
    for index, group in enumerate(groups):
        lookup[group] = index
    return lookup[labels]


def with_grouped_classes(data: PreparedData, groups: list[list[int]]) -> PreparedData:
    """The same images and split with merged classes; a group is named by its members, e.g. '0/6'."""
    names = tuple("/".join(data.class_names[member] for member in group) for group in groups)
    if len(set(member for group in groups for member in group)) != data.num_classes:
        raise ValueError(f"the groups must cover all {data.num_classes} classes of {data.name}, got {groups}")
    return replace(
        data, class_names=names, y_train=group_labels(data.y_train, groups),
        y_val=group_labels(data.y_val, groups), y_test=group_labels(data.y_test, groups),
    )


def _check_pair(images: np.ndarray, labels: np.ndarray, num_classes: int, what: str) -> None:
    if images.shape[0] != labels.shape[0]:
        raise DataError(f"{what}: {images.shape[0]} images but {labels.shape[0]} labels")
    if labels.size and labels.max() >= num_classes:
        bad = int(np.sum(labels >= num_classes))
        raise DataError(f"{what}: {bad} label(s) outside 0..{num_classes - 1} (largest {labels.max()})")


def _stratified_subset(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    indices = np.arange(labels.shape[0])
    if size is None or size >= labels.shape[0]:
        return indices
    subset, _ = train_test_split(indices, train_size=size, stratify=labels, random_state=seed)
    return np.sort(subset)


def prepare_dataset(spec: DatasetSpec, params: DatasetParams, raw_dir: Path, out_file: Path, log=print) -> dict:
    """Fetch, verify, split and save one dataset; returns its manifest."""
    paths = fetch_dataset(spec, raw_dir, params.local_dir, log=log)
    x_train, y_train = read_idx(paths["train_images"], 3), read_idx(paths["train_labels"], 1)
    x_test, y_test = read_idx(paths["test_images"], 3), read_idx(paths["test_labels"], 1)
    _check_pair(x_train, y_train, spec.num_classes, f"{spec.name} training files")
    _check_pair(x_test, y_test, spec.num_classes, f"{spec.name} test files")

    keep_train = _stratified_subset(y_train, params.train_limit, params.split_seed)
    keep_test = _stratified_subset(y_test, params.test_limit, params.split_seed)
    x_train, y_train, x_test, y_test = x_train[keep_train], y_train[keep_train], x_test[keep_test], y_test[keep_test]
    if params.validation_size >= len(y_train):
        raise ParamsError(
            f"params/data.yaml: 'datasets.{spec.name}.validation_size' is {params.validation_size} but only "
            f"{len(y_train)} training images are kept; choose fewer than that"
        )
    train_index, validation_index = train_test_split(
        np.arange(len(y_train)), test_size=params.validation_size, stratify=y_train, random_state=params.split_seed
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
    out_file.parent.mkdir(parents=True, exist_ok=True)
    partial = out_file.with_name(f".{out_file.name}.part")
    with open(partial, "wb") as stream:  # np.savez would append .npz to a name without it
        np.savez(
            stream, x_train=x_train, y_train=y_train, x_test=x_test, y_test=y_test,
            train_index=np.sort(train_index), validation_index=np.sort(validation_index),
        )
    manifest_file = out_file.with_suffix(".json")
    manifest_file.write_text(json.dumps(manifest, indent=2, ensure_ascii=False) + "\n", encoding="utf-8")
    os.replace(partial, out_file)  # last: the arrays exist only once everything succeeded
    return manifest


def load_prepared(path: Path) -> PreparedData:
    """Load the arrays written by the data stage (no pickles: `allow_pickle=False`)."""
    path = Path(path)
    if not path.is_file():
        raise FileNotFoundError(f"{path} does not exist: run the data stage first (dvc repro)")
    manifest = json.loads(path.with_suffix(".json").read_text(encoding="utf-8"))
    with np.load(path, allow_pickle=False) as arrays:
        x, y = arrays["x_train"], arrays["y_train"]
        train_index, validation_index = arrays["train_index"], arrays["validation_index"]
        return PreparedData(
            name=manifest["dataset"], class_names=tuple(manifest["class_names"]),
            x_train=x[train_index], y_train=y[train_index], x_val=x[validation_index], y_val=y[validation_index],
            x_test=arrays["x_test"], y_test=arrays["y_test"], manifest=manifest,
        )


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Fetch, verify and split a dataset (the pipeline's data stage).")
    parser.add_argument("dataset", help="a section of params/data.yaml, e.g. mnist")
    parser.add_argument("--params", type=Path, default=Path("params/data.yaml"))
    parser.add_argument("--raw-dir", type=Path, default=Path("data/raw"))
    parser.add_argument("--out-dir", type=Path, default=Path("data/prepared"))
    args = parser.parse_args(argv)
    out_file = args.out_dir / f"{args.dataset}.npz"
    try:
        datasets = load_params(args.params).datasets
        if args.dataset not in datasets:
            raise ParamsError(f"{args.params}: no section 'datasets.{args.dataset}'; sections: {', '.join(datasets)}")
        params = datasets[args.dataset]
        manifest = prepare_dataset(dataset_spec(args.dataset, params), params, args.raw_dir / args.dataset, out_file)
    except (ParamsError, DataUnavailableError, DataError, IdxFormatError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    print(f"{args.dataset}: {manifest['counts']} written to {out_file}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
