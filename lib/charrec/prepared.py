"""The prepared arrays every notebook and training run reads: verified images and labels plus one seeded
split, written by the data stage (`charrec.data`) to `data/prepared/NAME.npz` with a manifest beside it."""

import json
from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np
from sklearn.model_selection import train_test_split


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
        data,
        class_names=names,
        y_train=group_labels(data.y_train, groups),
        y_val=group_labels(data.y_val, groups),
        y_test=group_labels(data.y_test, groups),
    )


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
            name=manifest["dataset"],
            class_names=tuple(manifest["class_names"]),
            x_train=x[train_index],
            y_train=y[train_index],
            x_val=x[validation_index],
            y_val=y[validation_index],
            x_test=arrays["x_test"],
            y_test=arrays["y_test"],
            manifest=manifest,
        )


def stratified_subset(labels: np.ndarray, size: int | None, seed: int) -> np.ndarray:
    """Sorted indices of `size` items with the class proportions of `labels` (all of them when `size` is
    None or not smaller than the number of labels)."""
    indices = np.arange(labels.shape[0])
    if size is None or size >= labels.shape[0]:
        return indices
    subset, _ = train_test_split(indices, train_size=size, stratify=labels, random_state=seed)
    return np.sort(subset)
