"""`python -m charrec.predict` with real TensorFlow: a small CNN trained on real MNIST classifies synthetic
photographs, Kaggle CSVs and IDX files; every bad input fails with a clear message and writes nothing."""

import gzip
import subprocess
import sys
import time

import numpy as np
import pytest
from PIL import Image
from scipy import ndimage

from charrec.data import dataset_spec, prepare_dataset
from charrec.datasets import MNIST
from charrec.idx import read_idx, write_idx
from charrec.models.simple_cnn import simple_cnn
from charrec.params import DatasetParams
from charrec.predict import main, normalize_image
from charrec.training import compile_classifier, make_deterministic, predict_probabilities, train
from conftest import ENV, write_kaggle_csv


@pytest.fixture(scope="module")
def mnist(mnist_folder):
    """(x_train, y_train, x_test, y_test): the real MNIST arrays, uint8."""
    return tuple(
        read_idx(mnist_folder / MNIST.file_names[role], 3 if role.endswith("images") else 1)
        for role in ("train_images", "train_labels", "test_images", "test_labels")
    )


@pytest.fixture(scope="module")
def trained(mnist, tmp_path_factory):
    """The source's simple CNN after 2 epochs on 10,000 MNIST images (seconds), saved as .keras, and its
    test-set probabilities."""
    x_train, y_train, x_test, y_test = mnist
    make_deterministic(0)
    model = compile_classifier(simple_cnn(10), 0.002)
    train(model, x_train[:10_000], y_train[:10_000], None, epochs=2, batch_size=64, seed=0)
    path = tmp_path_factory.mktemp("model") / "small_cnn.keras"
    model.save(path)
    probabilities = predict_probabilities(model, x_test)
    accuracy = np.mean(probabilities.argmax(axis=1) == y_test)
    print(f"small CNN: {accuracy:.2%} on the 10,000 MNIST test images")
    assert accuracy > 0.96
    return path, probabilities


def photograph(digit: np.ndarray, factor: int, index: int) -> Image.Image:
    """An MNIST digit as a photo of dark ink on light paper: scaled up, off-centre, non-square, noisy."""
    ink = np.asarray(Image.fromarray(digit).resize((28 * factor,) * 2, Image.Resampling.BICUBIC), float)
    height, width = 28 * factor + 50 + 9 * index, int(28 * factor * 1.5) + 20
    top, left = 10 + 5 * index, width - 28 * factor - 8 - 3 * index
    paper = np.full((height, width), 235.0)
    paper[top : top + 28 * factor, left : left + 28 * factor] -= np.clip(ink, 0, 255) * (235 - 30) / 255
    paper += np.random.default_rng(index).normal(0, 4, paper.shape)
    return Image.fromarray(np.clip(paper, 0, 255).astype(np.uint8))


def output_lines(capsys) -> dict[str, str]:
    """{name: predicted class} from predict's lines "name: class (p %), runner-up ..."."""
    lines = capsys.readouterr().out.strip().split("\n")
    print("\n".join(lines[:20]))
    return {line.rsplit(": ", 1)[0]: line.rsplit(": ", 1)[1].split(" ")[0] for line in lines}


def test_photographs_are_normalized_and_classified(mnist, trained, tmp_path, capsys):
    _, _, x_test, y_test = mnist
    path, probabilities = trained
    correct = probabilities.argmax(axis=1) == y_test
    chosen = [int(np.flatnonzero(correct & (y_test == digit))[0]) for digit in range(8)]
    folder = tmp_path / "my_digits"
    folder.mkdir()
    for index, mnist_index in enumerate(chosen):
        photo = photograph(x_test[mnist_index], factor=3 + index % 6, index=index)
        photo.save(folder / f"digit{index}.png")
        photo.convert("RGB").save(folder / f"digit{index}.jpg", quality=90)

        normalized = normalize_image(photo)
        assert normalized.shape == (28, 28) and normalized.dtype == np.uint8
        assert np.allclose(ndimage.center_of_mass(normalized), (14, 14), atol=1)
        rows, columns = np.nonzero(normalized)
        assert 18 <= max(np.ptp(rows), np.ptp(columns)) + 1 <= 20

    assert main([str(path), str(folder), "--show", str(tmp_path / "shown.png")]) == 0
    predicted = output_lines(capsys)
    for suffix in ("png", "jpg"):
        hits = sum(
            predicted[str(folder / f"digit{i}.{suffix}")] == str(y_test[m]) for i, m in enumerate(chosen)
        )
        assert hits >= 7, f"{hits} of 8 {suffix} photographs classified correctly"
    with Image.open(tmp_path / "shown.png") as shown:
        assert shown.width > 600 and shown.height > 200


def test_normalize_image_handles_transparency_and_arrays():
    drawing = np.zeros((90, 60, 4), np.uint8)  # black strokes on a transparent canvas, as web canvases save
    drawing[10:80, 28:34, 3] = 255
    normalized = normalize_image(Image.fromarray(drawing))
    rows, columns = np.nonzero(normalized)
    assert np.ptp(rows) + 1 == 20 and np.ptp(columns) + 1 <= 4
    np.testing.assert_array_equal(normalize_image(drawing), normalized)
    with pytest.raises(ValueError, match="no ink"):
        normalize_image(np.full((40, 40), 200, np.uint8))


def test_kaggle_csv_round_trip(mnist, trained, tmp_path, capsys):
    _, _, x_test, y_test = mnist
    path, probabilities = trained
    write_kaggle_csv(tmp_path / "test.csv", x_test[:50])
    write_kaggle_csv(tmp_path / "train.csv", x_test[:50], y_test[:50])
    assert main([str(path), str(tmp_path / "test.csv"), "--csv", str(tmp_path / "submission.csv")]) == 0
    assert output_lines(capsys)[f"{tmp_path / 'test.csv'}#50"] == str(probabilities[49].argmax())
    lines = (tmp_path / "submission.csv").read_text().splitlines()
    assert lines[0] == "ImageId,Label" and len(lines) == 51
    ids, labels = zip(*(map(int, line.split(",")) for line in lines[1:]))
    assert list(ids) == list(range(1, 51))
    np.testing.assert_array_equal(labels, probabilities[:50].argmax(axis=1))

    assert main([str(path), str(tmp_path / "train.csv"), "--csv", str(tmp_path / "from_train.csv")]) == 0
    assert (tmp_path / "from_train.csv").read_text() == (tmp_path / "submission.csv").read_text()


def test_submission_from_a_kaggle_format_dataset_section(mnist, trained, tmp_path, capsys):
    """The data stage on Kaggle-format CSVs (`format: kaggle_csv`), then a submission from the verified
    test.csv it keeps: one row per unlabeled image, in x_unlabeled's order, ImageId from 1."""
    _, _, x_test, y_test = mnist
    path, probabilities = trained
    (tmp_path / "kaggle").mkdir()
    md5 = {
        "train_csv": write_kaggle_csv(tmp_path / "kaggle" / "train.csv", x_test[:300], y_test[:300]),
        "test_csv": write_kaggle_csv(tmp_path / "kaggle" / "test.csv", x_test[300:400]),
    }
    params = DatasetParams(
        format="kaggle_csv", local_dir=str(tmp_path / "kaggle"), md5=md5, test_size=100, validation_size=50
    )
    prepared = tmp_path / "prepared" / "digits.npz"
    prepare_dataset(dataset_spec("digits", params), params, tmp_path / "raw", prepared, log=lambda _: None)
    with np.load(prepared) as arrays:
        np.testing.assert_array_equal(arrays["x_unlabeled"], x_test[300:400])
    submission = tmp_path / "submission.csv"
    assert main([str(path), str(tmp_path / "raw" / "test.csv"), "--csv", str(submission)]) == 0
    lines = submission.read_text().splitlines()
    assert lines[0] == "ImageId,Label" and len(lines) == 101
    ids, labels = zip(*(map(int, line.split(",")) for line in lines[1:]))
    assert list(ids) == list(range(1, 101))
    np.testing.assert_array_equal(labels, probabilities[300:400].argmax(axis=1))
    assert np.mean(np.array(labels) == y_test[300:400]) > 0.9
    capsys.readouterr()


def test_gzipped_idx_and_a_model_folder(mnist, trained, tmp_path, capsys):
    _, _, x_test, _ = mnist
    path, probabilities = trained
    write_idx(tmp_path / "images-idx3-ubyte", x_test[:20])
    (tmp_path / "images-idx3-ubyte.gz").write_bytes(
        gzip.compress((tmp_path / "images-idx3-ubyte").read_bytes())
    )
    assert main([str(path.parent), str(tmp_path / "images-idx3-ubyte.gz")]) == 0
    predicted = output_lines(capsys)
    assert [predicted[f"{tmp_path / 'images-idx3-ubyte.gz'}#{i + 1}"] for i in range(20)] == [
        str(label) for label in probabilities[:20].argmax(axis=1)
    ]


def run_cli(*arguments) -> subprocess.CompletedProcess:
    command = [sys.executable, "-m", "charrec.predict", *map(str, arguments)]
    return subprocess.run(command, env=ENV, capture_output=True, text=True)


@pytest.mark.parametrize(
    "case", ["corrupt image", "blank image", "wrong columns", "missing file", "text model"]
)
def test_bad_input_fails_clearly_and_writes_nothing(case, mnist, trained, tmp_path):
    model, good = trained[0], tmp_path / "good.png"
    Image.fromarray(255 - mnist[2][0]).save(good)
    bad = {
        "corrupt image": tmp_path / "corrupt.png",
        "blank image": tmp_path / "blank.jpg",
        "wrong columns": tmp_path / "test.csv",
        "missing file": tmp_path / "nowhere.png",
        "text model": tmp_path / "model.keras",
    }[case]
    if case == "corrupt image":
        bad.write_bytes(good.read_bytes()[:60] + b"\x00" * 200)
    elif case == "blank image":
        Image.new("L", (120, 90), 230).save(bad)
    elif case == "wrong columns":
        bad.write_text("a,b,c\n1,2,3\n")
    elif case == "text model":
        bad.write_text("not a model\n")
    arguments = [bad, good] if case == "text model" else [model, good, bad]
    result = run_cli(*arguments, "--csv", tmp_path / "submission.csv")
    print(result.stderr)
    assert result.returncode == 2
    assert result.stderr.startswith("error: ") and str(bad) in result.stderr
    assert not list(tmp_path.glob("*submission*"))


def test_class_names_must_match_the_model(trained, mnist, tmp_path, capsys):
    write_idx(tmp_path / "images", mnist[2][:5])
    arguments = [str(trained[0]), str(tmp_path / "images"), "--csv", str(tmp_path / "out.csv")]
    assert main([*arguments, "--classes", "a,b,c"]) == 2
    error = capsys.readouterr().err
    assert error.startswith("error: ") and str(trained[0]) in error
    assert "a model trained on 10 classes; pass --classes with 10 names" in error
    assert not list(tmp_path.glob("*out.csv*"))


def test_ten_thousand_images_through_the_cli(mnist_folder, mnist, trained, tmp_path):
    start = time.perf_counter()
    result = run_cli(trained[0], mnist_folder / MNIST.file_names["test_images"], "--csv", tmp_path / "s.csv")
    seconds = time.perf_counter() - start
    assert result.returncode == 0, result.stderr[-2000:]
    assert len(result.stdout.splitlines()) == 10_000
    print(f"10,000 MNIST test images through the CLI: {seconds:.1f} s wall, with Python and TensorFlow start")
    print(result.stderr.strip().splitlines()[-1])
    labels = np.loadtxt(tmp_path / "s.csv", delimiter=",", skiprows=1, dtype=int)[:, 1]
    np.testing.assert_array_equal(labels, trained[1].argmax(axis=1))
