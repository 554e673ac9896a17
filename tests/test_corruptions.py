"""The MNIST-C corruptions and the sweeps' transforms (charrec.corruptions): deterministic, label-keeping,
cached with checksums."""

import numpy as np
import pytest

from charrec import corruptions


@pytest.fixture(scope="module")
def digits() -> tuple[np.ndarray, np.ndarray]:
    """Eight 28x28 uint8 'digits': a bright stroke on black, drawn at different places, with labels."""
    images = np.zeros((8, 28, 28), dtype=np.uint8)
    for index in range(8):
        images[index, 6 + index : 22, 10 + index // 2 : 14 + index // 2] = 255
        images[index, 6 + index, 8:20] = 200
    return images, np.arange(8) % 10


def test_every_corruption_is_the_same_bytes_for_the_same_seed_and_keeps_shape_and_dtype(digits):
    images, _ = digits
    assert len(corruptions.CORRUPTIONS) == 15
    first, again = corruptions.generate(images, seed=3), corruptions.generate(images, seed=3)
    for name in corruptions.CORRUPTIONS:
        assert first[name].dtype == np.uint8 and first[name].shape == images.shape, name
        assert first[name].tobytes() == again[name].tobytes(), name
        assert not np.array_equal(first[name], images), f"{name} left the images unchanged"
    other = corruptions.generate(images, seed=4)
    assert not np.array_equal(first["shot noise"], other["shot noise"])  # the seed matters for random ones
    assert np.array_equal(first["stripe"], other["stripe"])  # and not for deterministic ones


def test_the_cache_keeps_the_labels_reuses_its_arrays_and_names_a_damaged_file(digits, tmp_path):
    images, labels = digits
    corrupted, manifest = corruptions.cached(images, labels, 0, tmp_path)
    with np.load(tmp_path / "mnist_c.npz") as stored:
        assert np.array_equal(stored["labels"], labels)  # the labels, unchanged, beside the images
        assert all(stored[name].shape == images.shape for name in corruptions.CORRUPTIONS)
    assert set(manifest["sha256"]) == set(corruptions.CORRUPTIONS)
    written = (tmp_path / "mnist_c.npz").stat().st_mtime_ns
    again, _ = corruptions.cached(images, labels, 0, tmp_path)
    assert (tmp_path / "mnist_c.npz").stat().st_mtime_ns == written  # read, not regenerated
    assert all(np.array_equal(again[name], corrupted[name]) for name in corrupted)
    corruptions.cached(images, labels, 1, tmp_path)  # another seed: regenerated
    assert (tmp_path / "mnist_c.npz").stat().st_mtime_ns != written
    arrays = dict(np.load(tmp_path / "mnist_c.npz"))
    arrays["fog"] = arrays["fog"] ^ 1
    np.savez(tmp_path / "mnist_c.npz", **arrays)
    with pytest.raises(corruptions.CacheError, match=r"mnist_c\.npz: the arrays fog do not match"):
        corruptions.cached(images, labels, 1, tmp_path)


def test_an_unknown_corruption_or_wrong_images_are_named():
    with pytest.raises(KeyError, match="unknown corruption 'snow'; known: shot noise"):
        corruptions.corrupt(np.zeros((1, 28, 28), np.uint8), "snow", 0)
    with pytest.raises(ValueError, match=r"uint8 images of shape \(N, 28, 28\)"):
        corruptions.corrupt(np.zeros((1, 28, 28), np.float32), "fog", 0)


def test_rotations_and_shifts_move_the_ink_and_keep_it(digits):
    images, _ = digits
    assert np.array_equal(corruptions.rotate_images(images, 0.0), images)
    turned = corruptions.rotate_images(images, 90.0)
    assert abs(int(turned.astype(int).sum()) - int(images.astype(int).sum())) < 0.05 * images.sum()
    assert not np.array_equal(turned, images)
    moved = corruptions.shift_images(images, 2, -3)
    assert np.array_equal(moved[:, :-3, 2:], images[:, 3:, :-2]) and not moved[:, :, :2].any()
    far = corruptions.translate_images(images, 4, seed=0)
    near = corruptions.translate_images(images, 2, seed=0)
    assert far.dtype == np.uint8 and not np.array_equal(far, near)
    assert np.array_equal(corruptions.translate_images(images, 0, seed=0), images)
