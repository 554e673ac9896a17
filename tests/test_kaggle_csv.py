"""Kaggle Digit Recognizer CSV files as a dataset source (`format: kaggle_csv` in params/data.yaml): the real
data stage on small CSVs in Kaggle's layout, the split, and every bad file with its message."""

import hashlib
import json
import re
import subprocess
import sys

import numpy as np
import pytest
import yaml

from charrec.data import DataError, dataset_spec, prepare_dataset
from charrec.params import DatasetParams, ParamsError, load_params
from charrec.predict import read_inputs
from charrec.prepared import load_prepared
from conftest import ENV, make_idx_folder, make_kaggle_folder, spec_for, write_kaggle_csv


def section(folder, md5, **changes) -> dict:
    return {
        "format": "kaggle_csv",
        "local_dir": str(folder),
        "md5": md5,
        "test_size": 50,
        "validation_size": 50,
        **changes,
    }


def data_stage(project, name="digits", **section_values) -> subprocess.CompletedProcess:
    """`python -m charrec.data NAME` in a tiny project folder holding only params/data.yaml (and dvc.yaml)."""
    (project / "params").mkdir(parents=True, exist_ok=True)
    (project / "params" / "data.yaml").write_text(yaml.safe_dump({"datasets": {name: section_values}}))
    (project / "dvc.yaml").write_text("stages: {}\n")  # marks the project root (charrec.files.project_root)
    return subprocess.run(
        [sys.executable, "-m", "charrec.data", name], cwd=project, env=ENV, capture_output=True, text=True
    )


def prepare(tmp_path, md5, **changes):
    """The data stage as a function (fast): returns the prepared file's path."""
    params = DatasetParams(**section(tmp_path / "kaggle", md5, **changes))
    out = tmp_path / "prepared" / "digits.npz"
    prepare_dataset(dataset_spec("digits", params), params, tmp_path / "raw", out, log=lambda _: None)
    return out


def test_round_trip_through_the_data_stage(tmp_path):
    source = tmp_path / "kaggle"
    md5 = make_kaggle_folder(source, train=300, test=40)
    result = data_stage(tmp_path / "project", **section(source, md5, split_seed=3))
    assert result.returncode == 0, result.stderr
    assert "digits: {'train': 200, 'validation': 50, 'test': 50, 'unlabeled': 40} written to" in result.stdout

    prepared = tmp_path / "project" / "data" / "prepared"
    data = load_prepared(prepared / "digits.npz")
    assert data.class_names == tuple("0123456789")
    assert (len(data.y_train), len(data.y_val), len(data.y_test)) == (200, 50, 50)
    for images, labels in (
        (data.x_train, data.y_train),
        (data.x_val, data.y_val),
        (data.x_test, data.y_test),
    ):
        assert images.dtype == np.uint8 and images.shape[1:] == (28, 28)
        assert labels.dtype == np.uint8 and labels.max() <= 9
    assert np.bincount(data.y_test).tolist() == [5] * 10  # the test part is stratified
    assert np.bincount(data.y_val).tolist() == [5] * 10  # so is the shared validation split

    # Every labeled row of train.csv is in exactly one part, image with its label; test.csv is apart.
    table = np.loadtxt(source / "train.csv", delimiter=",", skiprows=1, dtype=np.int64)
    labels, images = table[:, 0].astype(np.uint8), table[:, 1:].astype(np.uint8).reshape(-1, 28, 28)
    with np.load(prepared / "digits.npz") as arrays:
        test_rows, unlabeled = arrays["test_rows"], arrays["x_unlabeled"]
        assert sorted(arrays.files) == sorted(
            ["x_train", "y_train", "x_test", "y_test", "train_index", "validation_index"]
            + ["x_unlabeled", "test_rows"]
        )
    np.testing.assert_array_equal(data.x_test, images[test_rows])
    np.testing.assert_array_equal(data.y_test, labels[test_rows])
    rest = np.setdiff1d(np.arange(300), test_rows)  # the rows of train.csv left for training + validation
    with np.load(prepared / "digits.npz") as arrays:
        parts = [arrays["train_index"], arrays["validation_index"]]
    np.testing.assert_array_equal(data.x_train_full, np.concatenate([images[rest][part] for part in parts]))
    np.testing.assert_array_equal(data.y_train_full, np.concatenate([labels[rest][part] for part in parts]))
    test_images = np.loadtxt(source / "test.csv", delimiter=",", skiprows=1, dtype=np.uint8)
    assert unlabeled.dtype == np.uint8
    np.testing.assert_array_equal(unlabeled, test_images.reshape(-1, 28, 28))

    manifest = json.loads((prepared / "digits.json").read_text())
    assert manifest["md5"] == md5 and manifest["files"] == {"train_csv": "train.csv", "test_csv": "test.csv"}
    assert manifest["format"] == "kaggle_csv" and manifest["test_part"]["size"] == 50
    assert manifest["counts"] == {"train": 200, "validation": 50, "test": 50, "unlabeled": 40}

    # The verified test.csv kept by the data stage is what `charrec.predict ... --csv` reads for a
    # submission: the same images in the same order (ImageId k is row k - 1 of x_unlabeled).
    raw_test = tmp_path / "project" / "data" / "raw" / "digits" / "test.csv"
    names, read, _ = read_inputs([raw_test])
    assert names[0] == f"{raw_test}#1" and len(names) == 40
    np.testing.assert_array_equal(read, unlabeled)


def test_the_split_is_seeded_and_the_limit_keeps_a_stratified_subset(tmp_path):
    md5 = make_kaggle_folder(tmp_path / "kaggle", train=400)
    first = load_prepared(prepare(tmp_path, md5, split_seed=1))
    again = load_prepared(prepare(tmp_path, md5, split_seed=1))
    np.testing.assert_array_equal(first.x_test, again.x_test)
    np.testing.assert_array_equal(first.x_val, again.x_val)
    other = load_prepared(prepare(tmp_path, md5, split_seed=2))
    assert not np.array_equal(first.x_test, other.x_test)
    limited = load_prepared(prepare(tmp_path, md5, train_limit=200, test_size=40, validation_size=40))
    assert (len(limited.y_train), len(limited.y_val), len(limited.y_test)) == (120, 40, 40)
    assert np.bincount(np.concatenate([limited.y_train_full, limited.y_test])).tolist() == [20] * 10


def test_idx_datasets_keep_their_manifest_and_arrays(tmp_path):
    """The Kaggle source adds nothing to an IDX dataset's files (the training runs hash the manifest)."""
    checksums = make_idx_folder(tmp_path / "source")
    params = DatasetParams(local_dir=str(tmp_path / "source"), validation_size=60)
    out = tmp_path / "prepared" / "tiny.npz"
    manifest = prepare_dataset(spec_for(checksums), params, tmp_path / "raw", out, log=lambda _: None)
    assert list(manifest) == ["dataset", "class_names", "md5", "files", "split_seed", "counts", "subset"]
    assert list(manifest["counts"]) == ["train", "validation", "test"]
    with np.load(out) as arrays:
        assert arrays.files == ["x_train", "y_train", "x_test", "y_test", "train_index", "validation_index"]


def test_wrong_checksum_stops_the_data_stage_and_nothing_is_kept(tmp_path):
    source = tmp_path / "kaggle"
    md5 = make_kaggle_folder(source)
    text = (source / "train.csv").read_text().replace("\n1", "\n2", 1)  # one label changed
    (source / "train.csv").write_text(text)
    found = hashlib.md5(text.encode()).hexdigest()
    result = data_stage(tmp_path / "project", **section(source, md5))
    assert result.returncode == 1
    assert f"train.csv: md5 {found} does not match the expected {md5['train_csv']}" in result.stderr
    assert "Dataset 'digits' is not available: missing train.csv" in result.stderr
    assert (
        "Fix: put Kaggle's train.csv and test.csv (plain or .gz) in the folder named by params/data.yaml "
        in (result.stderr)
    )
    assert not (tmp_path / "project" / "data" / "prepared").exists()
    assert not (tmp_path / "project" / "data" / "raw" / "digits" / "train.csv").exists()


PIXELS = ",".join(f"pixel{i}" for i in range(784))


def with_cell(line: int, column: int, value: str):
    """An edit of a CSV text: the cell at `line` (1 = the header) and `column` (0-based) set to `value`."""

    def edit(text: str) -> str:
        lines = text.split("\n")
        cells = lines[line - 1].split(",")
        cells[column] = value
        lines[line - 1] = ",".join(cells)
        return "\n".join(lines)

    return edit


def every_line(change):
    return lambda text: (
        "\n".join(change(number, line) for number, line in enumerate(text.splitlines())) + "\n"
    )


BAD_FILES = {
    # case: (file, edit of its text, the message after "params/data.yaml, section 'datasets.digits': ")
    "train.csv without label": (
        "train.csv",
        every_line(lambda number, line: line.split(",", 1)[1]),
        r"train.csv: wrong columns: no 'label' column \(is this Kaggle's unlabeled test.csv\?\). Expected a "
        r"header row with 'label', then pixel0...pixel783 \(Kaggle's train.csv\); found 784 columns "
        r"starting pixel0, pixel1, pixel2",
    ),
    "test.csv with a label": (
        "test.csv",
        every_line(lambda number, line: ("label," if number == 0 else "3,") + line),
        r"test.csv: wrong columns: a 'label' column \(is this Kaggle's train.csv\?\); test.csv holds the "
        r"pixels only",
    ),
    "783 pixels": (
        "train.csv",
        every_line(lambda number, line: line.rsplit(",", 1)[0]),
        r"train.csv: wrong columns: 783 pixel columns; Kaggle's 28x28 images have 784 \(pixel0...pixel783\)",
    ),
    "misnamed column": (
        "test.csv",
        with_cell(1, 7, "pixel07"),
        r"test.csv: wrong columns: column 8 is 'pixel07' where 'pixel7' belongs",
    ),
    "label 10": (
        "train.csv",
        with_cell(3, 0, "10"),
        r"train.csv: 1 label\(s\) outside 0..9 \(the first on line 3: 10\); 'class_names' lists 10 classes",
    ),
    "negative label": (
        "train.csv",
        with_cell(4, 0, "-1"),
        r"train.csv: 1 label\(s\) outside 0..9 \(the first on line 4: -1\)",
    ),
    "pixel 256": (
        "test.csv",
        with_cell(2, 0, "256"),
        r"test.csv: 1 pixel value\(s\) outside 0..255, the first on line 2, column 'pixel0': 256",
    ),
    "decimal pixel": (
        "train.csv",
        with_cell(5, 1, "0.5"),
        r"train.csv, line 5, column 'pixel0': '0.5', not a whole number. Kaggle's files hold integers only",
    ),
    "text in a pixel": (
        "test.csv",
        with_cell(3, 100, "x"),
        r"test.csv, line 3, column 'pixel100': 'x', not a whole number",
    ),
    "empty value": (
        "train.csv",
        with_cell(3, 784, ""),
        r"train.csv, line 3, column 'pixel783': an empty value",
    ),
    "row too long": (
        "train.csv",
        with_cell(4, 784, "7,7"),
        r"train.csv: not a well-formed CSV file: .*Expected 785 fields in line 4, saw 786",
    ),
    "header only": ("test.csv", lambda text: PIXELS + "\n", r"test.csv holds a header row but no images"),
}


@pytest.mark.parametrize("file, edit, message", BAD_FILES.values(), ids=BAD_FILES.keys())
def test_bad_csv_files_are_refused_with_their_line_and_column(tmp_path, file, edit, message):
    folder = tmp_path / "kaggle"
    md5 = make_kaggle_folder(folder)
    path = folder / file
    path.write_text(edit(path.read_text()))
    md5[f"{file.split('.')[0]}_csv"] = hashlib.md5(path.read_bytes()).hexdigest()
    with pytest.raises(DataError) as error:
        prepare(tmp_path, md5)
    text = str(error.value)
    assert text.startswith("params/data.yaml, section 'datasets.digits': "), text
    assert re.search(message, text), text
    assert not (tmp_path / "prepared").exists()


def test_labels_out_of_range_through_the_data_stage(tmp_path):
    source = tmp_path / "kaggle"
    rng = np.random.default_rng(0)
    md5 = make_kaggle_folder(source)
    md5["train_csv"] = write_kaggle_csv(
        source / "train.csv", rng.integers(0, 256, (300, 28, 28)), np.arange(300) % 12
    )
    result = data_stage(tmp_path / "project", **section(source, md5))
    assert result.returncode == 1
    assert (
        "error: params/data.yaml, section 'datasets.digits': train.csv: 50 label(s) outside 0..9 (the first "
        "on line 12: 10); 'class_names' lists 10 classes"
    ) in result.stderr
    assert not (tmp_path / "project" / "data" / "prepared").exists()


def test_too_large_test_part_is_a_params_error(tmp_path):
    md5 = make_kaggle_folder(tmp_path / "kaggle")
    with pytest.raises(ParamsError, match=r"'datasets.digits.test_size' is 300 but only 300 labeled images"):
        prepare(tmp_path, md5, test_size=300)
    with pytest.raises(ParamsError, match=r"'datasets.digits.validation_size' is 260 but only 250 training"):
        prepare(tmp_path, md5, validation_size=260)


MD5 = "0" * 32
SCHEMA_CASES = {
    "no test_size": (
        {"format": "kaggle_csv", "local_dir": "/k", "md5": {"train_csv": MD5, "test_csv": MD5}},
        r"'datasets.digits.test_size': missing: the number of labeled images of train.csv held out",
    ),
    "IDX checksums": (
        {"format": "kaggle_csv", "local_dir": "/k", "test_size": 100, "md5": {"train_images": MD5}},
        r"'datasets.digits.md5': give the md5 of train_csv and test_csv \(`md5sum train.csv test.csv`\), "
        r"exactly these two keys; got: train_images",
    ),
    "no folder": (
        {"format": "kaggle_csv", "test_size": 100, "md5": {"train_csv": MD5, "test_csv": MD5}},
        r"'datasets.digits.local_dir': missing: name the folder holding Kaggle's train.csv and test.csv",
    ),
    "test_limit": (
        {
            "format": "kaggle_csv",
            "local_dir": "/k",
            "test_size": 100,
            "test_limit": 100,
            "md5": {"train_csv": MD5, "test_csv": MD5},
        },
        r"'datasets.digits.test_limit': not for 'format: kaggle_csv'",
    ),
    "CSV checksums without the format": (
        {"local_dir": "/k", "class_names": ["a", "b"], "md5": {"train_csv": MD5, "test_csv": MD5}},
        r"'datasets.digits.md5': train_csv, test_csv are the files of 'format: kaggle_csv'; add that line",
    ),
    "test_size for IDX": (
        {"test_size": 100},
        r"'datasets.digits.test_size': only for 'format: kaggle_csv'",
    ),
    "unknown format": ({"format": "csv"}, r"'datasets.digits.format': Input should be 'idx' or 'kaggle_csv'"),
}


@pytest.mark.parametrize("values, message", SCHEMA_CASES.values(), ids=SCHEMA_CASES.keys())
def test_kaggle_sections_are_validated_with_the_key_and_the_fix(tmp_path, values, message):
    path = tmp_path / "data.yaml"
    path.write_text(yaml.safe_dump({"datasets": {"digits": values}}))
    with pytest.raises(ParamsError, match=message):
        load_params(path)


def test_a_kaggle_section_may_not_take_a_known_datasets_name(tmp_path):
    path = tmp_path / "data.yaml"
    values = section("/k", {"train_csv": MD5, "test_csv": MD5})
    path.write_text(yaml.safe_dump({"datasets": {"mnist": values}}))
    with pytest.raises(
        ParamsError, match=r"'datasets.mnist.format': kaggle_csv is for a section of your own"
    ):
        load_params(path)
