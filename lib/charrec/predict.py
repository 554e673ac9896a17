"""Classify your own images, or write a Kaggle Digit Recognizer submission, with a trained model.

    python -m charrec.predict MODEL INPUT... [--classes a,b,c] [--csv submission.csv] [--show inputs.png]

MODEL is a `.keras` file of the study (`models/NAME/KEY.keras`) or a folder of them (the first in sorted
order is used). Each INPUT is a PNG/JPEG file (or any other format Pillow reads), a folder of them
(sorted, not recursive), an IDX images file (`t10k-images-idx3-ubyte`, plain or `.gz`), or a CSV file in
Kaggle's layout (`pixel0`...`pixel783`, optionally after a `label` column). Photographs and drawings are
normalized the way MNIST was made (`normalize_image`); IDX and CSV images are used as they are.

Prints one line per image (the file, or `file#N` counted from 1 within an IDX or CSV file; the predicted
class and its probability; the runner-up), then the time taken on stderr. `--csv` writes Kaggle's
`ImageId,Label` submission, `--show` a PNG of the first images next to what the model saw. Every input
is read and checked before TensorFlow loads; on any error nothing is written, and the exit status is 2.
"""

import argparse
import gzip
import io
import sys
import tempfile
import time
import zipfile
from pathlib import Path

import numpy as np
from PIL import Image, ImageOps, UnidentifiedImageError
from scipy import ndimage

from .files import write_atomically
from .idx import IdxFormatError, read_idx
from .tasks import import_tensorflow_quietly

IMAGE_SUFFIXES = {".png", ".jpg", ".jpeg", ".bmp", ".gif", ".tif", ".tiff", ".webp"}
IDX_IMAGES_MAGIC = bytes([0, 0, 8, 3])  # unsigned bytes, 3 dimensions
KAGGLE_PIXELS = [f"pixel{index}" for index in range(784)]
BLANK_CONTRAST = 32  # grey levels between paper and ink below which an image counts as blank
MAX_SHOWN = 24


class InputError(ValueError):
    """An input or model file that cannot be used; the message names the file."""


def normalize_image(image: Image.Image | np.ndarray) -> np.ndarray:
    """A photo or drawing of one character as a 28x28 uint8 MNIST-style image: bright ink (up to 255)
    on a black (0) background, the character's longer side 20 px, its centre of mass at pixel (14, 14).

    `image`: a Pillow image in any mode, or a uint8 array of shape (height, width) (grey) or
    (height, width, 3 or 4) (RGB, RGBA). Transparent areas count as white paper.
    Method (as MNIST was built from NIST's scans; LeCun, Cortes & Burges, "The MNIST database of
    handwritten digits", http://yann.lecun.com/exdb/mnist/): greyscale; invert if the border is lighter
    than the ink; subtract the border's median (the paper) and stretch the ink to 0..255; crop to the box
    of pixels brighter than 20 % of the ink; resize the box (Lanczos filter, aspect ratio kept) so its
    longer side is 20 px; paste it into a 28x28 black field so its centre of mass lands on (14, 14).
    Raises ValueError for an image without ink (blank, or ink too faint) and for an array of another shape.
    """
    if isinstance(image, np.ndarray):
        if image.ndim not in (2, 3) or (image.ndim == 3 and image.shape[2] not in (3, 4)):
            raise ValueError(f"expected an array of shape (h, w), (h, w, 3) or (h, w, 4), got {image.shape}")
        image = Image.fromarray(image.astype(np.uint8))
    image = ImageOps.exif_transpose(image)  # phone photos: stored sideways, turned by a tag
    if "A" in image.getbands() or "transparency" in image.info:
        image = Image.alpha_composite(Image.new("RGBA", image.size, "white"), image.convert("RGBA"))
    grey = np.asarray(image.convert("L"), dtype=np.float32)
    border = np.concatenate([grey[0], grey[-1], grey[:, 0], grey[:, -1]])
    paper = np.median(border)
    if paper - grey.min() > grey.max() - paper:  # the ink is darker than the paper
        grey, paper = 255 - grey, 255 - paper
    ink = np.clip(grey - paper, 0, None)
    if ink.max() < BLANK_CONTRAST:
        raise ValueError(
            f"no ink found (blank image, or ink within {BLANK_CONTRAST} grey levels of the paper)"
        )
    ink = ink * (255 / ink.max())
    ink[ink < 0.2 * 255] = 0  # paper texture and noise
    rows, columns = np.nonzero(ink)
    box = ink[rows.min() : rows.max() + 1, columns.min() : columns.max() + 1]
    scale = 20 / max(box.shape)
    size = (max(1, round(box.shape[1] * scale)), max(1, round(box.shape[0] * scale)))
    small = np.asarray(Image.fromarray(box.astype(np.uint8)).resize(size, Image.Resampling.LANCZOS))
    centre_row, centre_column = ndimage.center_of_mass(small)
    top = int(np.clip(round(14 - centre_row), 0, 28 - small.shape[0]))
    left = int(np.clip(round(14 - centre_column), 0, 28 - small.shape[1]))
    field = np.zeros((28, 28), dtype=np.uint8)
    field[top : top + small.shape[0], left : left + small.shape[1]] = small
    return field


def _read_idx_images(path: Path) -> np.ndarray:
    if path.suffix != ".gz":
        return read_idx(path, 3)
    with tempfile.TemporaryDirectory() as folder:
        plain = Path(folder) / path.stem
        plain.write_bytes(gzip.decompress(path.read_bytes()))
        return read_idx(plain, 3).copy()


def _read_kaggle_csv(path: Path) -> np.ndarray:
    import pandas as pd

    table = pd.read_csv(path)
    columns = list(table.columns)
    if columns not in (KAGGLE_PIXELS, ["label", *KAGGLE_PIXELS]):
        raise InputError(
            f"{path}: not a Kaggle digit CSV: expected the columns pixel0...pixel783 (optionally after "
            f"'label'), got {len(columns)} columns starting {', '.join(map(str, columns[:3]))}"
        )
    pixels = table[KAGGLE_PIXELS].to_numpy()
    if (
        not np.issubdtype(pixels.dtype, np.integer)
        or pixels.min(initial=0) < 0
        or pixels.max(initial=0) > 255
    ):
        raise InputError(f"{path}: pixel values must be whole numbers from 0 to 255")
    return pixels.astype(np.uint8).reshape(-1, 28, 28)


def _read_one(file: Path, add) -> None:
    """Read one file (a CSV, an IDX images file or an image) and pass its images to `add`."""
    if file.suffix.lower() == ".csv":
        return add(str(file), _read_kaggle_csv(file))
    with gzip.open(file) if file.suffix == ".gz" else open(file, "rb") as stream:
        head = stream.read(4)
    if head == IDX_IMAGES_MAGIC:
        images = _read_idx_images(file)
        if images.shape[1:] != (28, 28):
            raise InputError(f"{file}: images of {images.shape[1:]} pixels; the models take 28x28")
        return add(str(file), images)
    with Image.open(file) as image:
        image.load()
        normalized = normalize_image(image)
        preview = ImageOps.exif_transpose(image)
    preview.thumbnail((256, 256))
    add(str(file), normalized, np.asarray(preview.convert("RGB")))


def read_inputs(paths: list[Path]) -> tuple[list[str], np.ndarray, list[tuple[np.ndarray, np.ndarray]]]:
    """Read and normalize every input, in order: image files, folders of them, IDX images files, CSVs.

    Returns the names (a file, or `file#N` counted from 1), the images as a uint8 array of shape
    (n, 28, 28), and (original, normalized) pairs of the first `MAX_SHOWN` images for `--show`.
    Raises InputError, naming the file, for a missing, unreadable, corrupt, blank or malformed input.
    """
    names, batches, previews = [], [], []

    def add(name: str, images: np.ndarray, original: np.ndarray | None = None) -> None:
        if len(images) == 0:
            raise InputError(f"{name}: no images in this file")
        names.extend([name] if original is not None else [f"{name}#{i}" for i in range(1, len(images) + 1)])
        batches.append(images.reshape(-1, 28, 28))
        for image in images.reshape(-1, 28, 28)[: MAX_SHOWN - len(previews)]:
            previews.append((image if original is None else original, image))

    for path in map(Path, paths):
        if not path.exists():
            raise InputError(f"{path}: no such file or folder")
        files = [path]
        if path.is_dir():
            files = sorted(file for file in path.iterdir() if file.suffix.lower() in IMAGE_SUFFIXES)
            if not files:
                raise InputError(f"{path}: a folder without images ({', '.join(sorted(IMAGE_SUFFIXES))})")
        for file in files:
            try:
                _read_one(file, add)
            except InputError:
                raise
            except (
                UnidentifiedImageError,
                IdxFormatError,
                OSError,
                EOFError,
                ValueError,
                SyntaxError,
            ) as error:
                raise InputError(f"{file}: {error}") from error
    return names, np.concatenate(batches) if batches else np.zeros((0, 28, 28), np.uint8), previews


def model_file(path: Path) -> Path:
    """The `.keras` file to use: `path` itself, or the first `*.keras` file in the folder `path`.
    Checks (without TensorFlow) that it is a Keras archive; raises InputError naming the file if not."""
    path = Path(path)
    if path.is_dir():
        found = sorted(path.glob("*.keras"))
        if not found:
            raise InputError(f"{path}: a folder without .keras model files")
        print(f"using {found[0]} (the first of {len(found)} .keras files in {path})", file=sys.stderr)
        path = found[0]
    if not path.is_file():
        raise InputError(f"{path}: no such model file")
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as archive:
            if "config.json" in archive.namelist():
                return path
    raise InputError(f"{path}: not a Keras model (a .keras file saved by model.save)")


def load_model(path: Path, num_classes: int):
    """Load a `.keras` model (safe mode) that takes (n, 28, 28) uint8 images and outputs `num_classes`
    probabilities per image. Imports TensorFlow (seconds). Raises InputError naming the file otherwise."""
    import keras

    from . import models  # noqa: F401  registers the layers of our own that saved models use

    try:
        model = keras.models.load_model(path, safe_mode=True)
    except Exception as error:  # Keras raises many kinds for a damaged or foreign archive
        raise InputError(f"{path}: cannot load this Keras model: {error}") from error
    if tuple(model.input_shape[1:]) != (28, 28):
        raise InputError(f"{path}: a model taking inputs of shape {model.input_shape[1:]}, not 28x28 images")
    outputs = model.output_shape[-1]
    if outputs != num_classes:
        raise InputError(
            f"{path}: a model trained on {outputs} classes; pass --classes with {outputs} names "
            f"(there are {num_classes} now)"
        )
    return model


def show(previews: list[tuple[np.ndarray, np.ndarray]], titles: list[str]) -> bytes:
    """A PNG (bytes) with each original image beside the 28x28 image the model saw, 4 pairs a row."""
    import matplotlib

    matplotlib.use("Agg")
    import matplotlib.pyplot as plt

    rows = -(-len(previews) // 4)
    figure, axes = plt.subplots(rows, 8, figsize=(12, 1.7 * rows), squeeze=False)
    for axis in axes.flat:
        axis.axis("off")
    for index, ((original, normalized), title) in enumerate(zip(previews, titles)):
        left, right = axes.flat[2 * index], axes.flat[2 * index + 1]
        left.imshow(original, cmap="gray")
        left.set_title(title, fontsize=7)
        right.imshow(normalized, cmap="gray", vmin=0, vmax=255)
        right.set_title("model input", fontsize=7)
    figure.tight_layout()
    buffer = io.BytesIO()
    figure.savefig(buffer, format="png", dpi=100)
    plt.close(figure)
    return buffer.getvalue()


def main(argv: list[str] | None = None) -> int:
    """The command line (see the module docstring); returns the exit status: 0, or 2 for a bad input."""
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("model", type=Path, help="a .keras file, or a folder of them (the first is used)")
    parser.add_argument("inputs", type=Path, nargs="+", help="image files, folders of them, IDX or CSV files")
    parser.add_argument("--classes", default=",".join("0123456789"), help="class names, comma-separated")
    parser.add_argument("--csv", type=Path, help="write a Kaggle submission (ImageId,Label) here")
    parser.add_argument("--show", type=Path, help=f"write a PNG of the first {MAX_SHOWN} inputs here")
    args = parser.parse_args(argv)
    start = time.perf_counter()
    classes = [name.strip() for name in args.classes.split(",")]
    try:
        if not all(classes):
            raise InputError(f"--classes {args.classes!r}: an empty class name")
        path = model_file(args.model)
        names, images, previews = read_inputs(args.inputs)
        import_tensorflow_quietly()
        model = load_model(path, len(classes))
    except InputError as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    from .training import predict_probabilities

    predict_start = time.perf_counter()
    probabilities = predict_probabilities(model, images)
    predict_seconds = time.perf_counter() - predict_start
    ranked = np.argsort(-probabilities, axis=1)
    lines = []
    for name, order, row in zip(names, ranked, probabilities):
        best, second = order[0], order[1] if len(order) > 1 else order[0]
        lines.append(
            f"{name}: {classes[best]} ({100 * row[best]:.1f} %), "
            f"runner-up {classes[second]} ({100 * row[second]:.1f} %)"
        )
    print("\n".join(lines))
    outputs = {}
    if args.csv:
        rows = [f"{number},{classes[order[0]]}" for number, order in enumerate(ranked, start=1)]
        outputs[args.csv] = "ImageId,Label\n" + "".join(f"{row}\n" for row in rows)
    if args.show:
        titles = [f"{Path(name).name[-24:]}: {classes[order[0]]}" for name, order in zip(names, ranked)]
        outputs[args.show] = show(previews, titles)
    for target, content in outputs.items():
        write_atomically(target, content)
        print(f"wrote {target}", file=sys.stderr)
    print(
        f"classified {len(images):,} image{'s' if len(images) != 1 else ''} in {predict_seconds:.1f} s "
        f"({len(images) / predict_seconds:,.0f} "
        f"images/s); {time.perf_counter() - start:.1f} s in all, reading and loading included",
        file=sys.stderr,
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
