"""The data stage on small generated IDX data: split, subsets, label checks, loading."""

import numpy as np
import pytest

from charrec.data import DataError, prepare_dataset
from charrec.idx import write_idx
from charrec.params import DatasetParams, ParamsError
from charrec.prepared import load_prepared
from conftest import checksums_of, spec_for


def prepare(tmp_path, checksums, **params):
    spec = spec_for(checksums)
    settings = DatasetParams(local_dir=str(tmp_path / "source"), **{"validation_size": 60, **params})
    out = tmp_path / "prepared" / "tiny.npz"
    prepare_dataset(spec, settings, tmp_path / "raw", out, log=lambda _: None)
    return out


def test_split_is_stratified_disjoint_and_seeded(tmp_path, tiny_dataset):
    _, checksums = tiny_dataset
    data = load_prepared(prepare(tmp_path, checksums, split_seed=3))
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (240, 60, 100)
    assert np.bincount(data.y_val).tolist() == [6] * 10  # stratified: 6 of each class
    assert data.x_train.dtype == np.uint8 and data.x_train.shape[1:] == (28, 28)
    indices = np.load(tmp_path / "prepared" / "tiny.npz")
    assert not set(indices["train_index"]) & set(indices["validation_index"])
    again = load_prepared(prepare(tmp_path, checksums, split_seed=3))
    np.testing.assert_array_equal(data.x_val, again.x_val)
    other = load_prepared(prepare(tmp_path, checksums, split_seed=4))
    assert not np.array_equal(data.x_val, other.x_val)


def test_limits_keep_a_stratified_subset(tmp_path, tiny_dataset):
    _, checksums = tiny_dataset
    data = load_prepared(prepare(tmp_path, checksums, train_limit=200, test_limit=100, validation_size=50))
    assert (len(data.y_train), len(data.y_val)) == (150, 50)
    assert np.bincount(data.y_train_full).tolist() == [20] * 10


def test_labels_outside_class_range(tmp_path, tiny_dataset):
    folder, _ = tiny_dataset
    write_idx(folder / "t10k-labels-idx1-ubyte", np.full(100, 12, np.uint8))
    with pytest.raises(
        DataError, match=r"t10k-labels-idx1-ubyte: 100 label\(s\) outside 0..9 \(largest 12\)"
    ):
        prepare(tmp_path, checksums_of(folder))
    assert not (tmp_path / "prepared" / "tiny.npz").exists()


def test_validation_larger_than_training_is_a_params_error(tmp_path, tiny_dataset):
    _, checksums = tiny_dataset
    with pytest.raises(
        ParamsError, match=r"'datasets.tiny.validation_size' is 400 but only 300 training images"
    ):
        prepare(tmp_path, checksums, validation_size=400)


def test_loading_refuses_pickles(tmp_path, tiny_dataset):
    _, checksums = tiny_dataset
    out = prepare(tmp_path, checksums)
    with open(out, "wb") as stream:
        np.savez(stream, x_train=np.array([object()], dtype=object))
    with pytest.raises(ValueError, match="allow_pickle"):
        load_prepared(out)


GEOMETRY_CASES = {
    "32x32 images": (
        "train-images-idx3-ubyte",
        np.zeros((300, 32, 32), np.uint8),
        r"train-images-idx3-ubyte holds images of 32x32 pixels; the study's models take 28x28",
    ),
    "28x20 test images": (
        "t10k-images-idx3-ubyte",
        np.zeros((100, 28, 20), np.uint8),
        r"t10k-images-idx3-ubyte holds images of 28x20 pixels",
    ),
    "one label short": (
        "train-labels-idx1-ubyte",
        np.arange(299, dtype=np.uint8) % 10,
        r"train-images-idx3-ubyte holds 300 images but train-labels-idx1-ubyte 299 labels",
    ),
    "two classes never used": (
        "train-labels-idx1-ubyte",
        np.arange(300, dtype=np.uint8) % 8,
        r"'class_names' lists 10 classes but the training labels hold 8; "
        r"never used: 8 \(8\), 9 \(9\)",
    ),
}


@pytest.mark.parametrize("role, array, message", GEOMETRY_CASES.values(), ids=GEOMETRY_CASES.keys())
def test_dataset_geometry_and_classes_are_checked_before_anything_is_written(
    tmp_path, tiny_dataset, role, array, message
):
    folder, _ = tiny_dataset
    write_idx(folder / role, array)
    with pytest.raises(DataError, match=r"params/data.yaml, section 'datasets.tiny': " + message):
        prepare(tmp_path, checksums_of(folder))
    assert not (tmp_path / "prepared").exists()
