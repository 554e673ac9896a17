"""Wall time of the Hiragana notebook (06) at full size, on Fashion-MNIST as the stand-in for KMNIST.

    apt-get install dataset-fashion-mnist     # the four IDX files under /usr/share/datasets/fashion-mnist
    python benchmarks/hiragana_stand_in.py [--keep CLONE_DIR] [--json FILE]

KMNIST is on no package registry, so the notebook's own dataset cannot be fetched here. Fashion-MNIST has
KMNIST's size and format (60,000 training and 10,000 test images, 28x28 grey, 10 classes), and Debian
packages it. The benchmark clones the committed repository (empty DVC cache, no data), adds a
`fashion_mnist` section to the clone's params/data.yaml (the way a user adds their own dataset, see the
README), points params/06_hiragana.yaml at it and runs `dvc repro report@06_hiragana`: the data stages of
both datasets, the training stage (every run of both datasets) and the report. It prints and, with
--json, writes each stage's seconds, the total, the machine and the commit. With --keep, the rendered
report stays in the clone to be looked at (reports/06_hiragana.pdf).
"""

import json
import os
import re
import shutil
import sys
from pathlib import Path

from pipeline_timing import clean_clone, clone_arguments, machine, timed_repro

FASHION_DIR = Path("/usr/share/datasets/fashion-mnist")
# md5 of the uncompressed files of Debian's dataset-fashion-mnist 0.0~git20200523 (zalandoresearch's
# release); class names from zalandoresearch/fashion-mnist's README
FASHION_SECTION = f"""  fashion_mnist:
    local_dir: {FASHION_DIR}
    class_names: [T-shirt/top, trouser, pullover, dress, coat, sandal, shirt, sneaker, bag, ankle boot]
    md5:
      train_images: f4a8712d7a061bf5bd6d2ca38dc4d50a
      train_labels: 9018921c3c673c538a1fc5bad174d6f9
      test_images: 8181f5470baa50b63fa0f6fddb340f0a
      test_labels: 15d484375f8d13e6eb1aabb0c3f46965
"""


def main() -> None:
    args = clone_arguments(__doc__)
    if not sorted(FASHION_DIR.glob("*-ubyte.gz")):
        sys.exit(f"no Fashion-MNIST files in {FASHION_DIR}: apt-get install dataset-fashion-mnist")
    clone, env, commit = clean_clone(args.keep)
    data_params = clone / "params" / "data.yaml"
    data_params.write_text(data_params.read_text().replace("datasets:\n", "datasets:\n" + FASHION_SECTION, 1))
    hiragana_params = clone / "params" / "06_hiragana.yaml"
    hiragana_params.write_text(
        re.sub(r"^dataset: \w+", "dataset: fashion_mnist", hiragana_params.read_text(), count=1, flags=re.M)
    )
    print(f"clean clone of {commit} in {clone}, 06 on fashion_mnist; {os.cpu_count()} logical cores\n")

    total, stages, output = timed_repro(clone, env, "report@06_hiragana")
    print(f"{'stage':28s} {'seconds':>8s}")
    for name, seconds in stages:
        print(f"{name:28s} {seconds:8.1f}")
    print(f"{'dvc repro report@06_hiragana':28s} {total:8.1f}  ({total / 60:.1f} min)\n")
    headline = clone / "metrics" / "headline" / "06_hiragana.json"
    if not headline.is_file():
        print(output[-3000:])
        sys.exit("the 06 report was not produced (see the output above)")
    print(headline.read_text())
    if args.json:
        args.json.parent.mkdir(parents=True, exist_ok=True)
        result = {
            "commit": commit,
            "dataset": "fashion_mnist (Debian dataset-fashion-mnist, full size)",
            "machine": machine(),
            "stages_seconds": {name: round(seconds, 1) for name, seconds in stages},
            "total_seconds": round(total, 1),
            "headline": json.loads(headline.read_text()),
        }
        args.json.write_text(json.dumps(result, indent=2) + "\n")
        print(f"wrote {args.json}")
    if not args.keep:
        shutil.rmtree(clone.parent)


if __name__ == "__main__":
    main()
