"""The 15 MNIST-C corruptions, and the rotations and shifts of the robustness sweeps.

MNIST-C (N. Mu and J. Gilmer, "MNIST-C: A robustness benchmark for computer vision", ICML 2019 Workshop on
Uncertainty and Robustness in Deep Learning, arXiv:1906.02337) corrupts each MNIST test image with each of
15 corruptions at one fixed severity. The definitions and severities here follow the authors' published
generator (repository google-research/mnist-c, `corruptions.py`, the severities of its function defaults),
written anew with NumPy, SciPy and scikit-image and vectorised over the whole test set. Two differ in
how, not what: motion blur (ImageMagick's in the original) is a one-sided Gaussian-weighted line of
bilinear samples along a random direction, and brightness (an HSV value shift in the original) is the
same shift applied to the grey level directly (for a grey pixel the HSV value is the grey level).

Every function takes images as float arrays in [0, 1] of shape (N, 28, 28) and a NumPy Generator, and
returns an array of that shape in [0, 1]; `corrupt` and `generate` work on uint8 images (0-255) and
round the result to uint8, as the published data set is stored. Each corruption draws from its own
generator (seeded by the seed and the corruption's index), so the images are the same bytes for the same
seed on every machine with the same library versions, and adding a corruption changes no other.
"""

import hashlib
import json
import os
from pathlib import Path

import numpy as np
from scipy import ndimage
from skimage import feature, filters, transform, util

from .files import write_json_atomically

SIZE = 28
CENTRE = (SIZE - 1) / 2  # 13.5: the transforms keep the image centre fixed


def _gaussian(images: np.ndarray, sigma: float) -> np.ndarray:
    """Each image blurred by a Gaussian of `sigma` pixels (scikit-image's defaults: mode 'nearest')."""
    return filters.gaussian(images, sigma=(0, sigma, sigma), preserve_range=True)


def _warp(images: np.ndarray, inverse: np.ndarray) -> np.ndarray:
    """Each image resampled (bilinear, black outside) at `inverse` @ (column, row, 1) of every output pixel,
    as `skimage.transform.warp(image, inverse_map=AffineTransform(matrix=inverse))`; `inverse` is one 3x3
    matrix, or one per image (N, 3, 3)."""
    inverse = np.broadcast_to(inverse, (len(images), 3, 3))
    rows, columns = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    points = np.stack([columns.ravel(), rows.ravel(), np.ones(SIZE * SIZE)])  # (3, 784): x, y, 1
    source = inverse @ points  # (N, 3, 784)
    index = np.broadcast_to(np.arange(len(images), dtype=np.float64)[:, None], (len(images), SIZE * SIZE))
    coordinates = np.stack([index, source[:, 1], source[:, 0]])  # image, row, column
    out = ndimage.map_coordinates(images, coordinates, order=1, mode="constant", cval=0.0)
    return out.reshape(images.shape)


def _about_centre(matrix: np.ndarray) -> np.ndarray:
    """The affine map `matrix` (3x3) with the translation that keeps the centre (13.5, 13.5) fixed."""
    out = matrix.copy()
    out[:2, 2] = CENTRE - out[:2, :2] @ np.array([CENTRE, CENTRE])
    return out


def _signed(matrices: dict[int, np.ndarray], signs: np.ndarray) -> np.ndarray:
    return np.stack([matrices[int(sign)] for sign in signs])


def shot_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Poisson noise: each pixel a Poisson count of mean 3 * value, divided by 3 (severity 5)."""
    return np.clip(rng.poisson(x * 3) / 3.0, 0, 1)


def impulse_noise(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Salt-and-pepper noise: 17 % of the pixels set to 0 or 1 (severity 4)."""
    return util.random_noise(x, mode="s&p", amount=0.17, rng=rng)


def glass_blur(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Blur (sigma 0.7), stored as 8 bits, then two passes swapping each inner pixel, with probability 1/2,
    with a neighbour up to 1 pixel up or left, then blur again (severity 1: sigma 0.7, delta 1, 2 passes)."""
    sigma, delta, passes = 0.7, 1, 2
    x = np.floor(_gaussian(x, sigma) * 255).astype(np.uint8)
    every = np.arange(len(x))
    for _ in range(passes):
        for h in range(SIZE - delta, delta, -1):
            for w in range(SIZE - delta, delta, -1):
                chosen = every[rng.random(len(x)) < 0.5]
                dx, dy = rng.integers(-delta, delta, size=(2, len(chosen)))
                here, there = x[chosen, h, w], x[chosen, h + dy, w + dx]
                x[chosen, h, w], x[chosen, h + dy, w + dx] = there, here
    return np.clip(_gaussian(x / 255.0, sigma), 0, 1)


def motion_blur(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Motion blur along a random direction in [-45, 45] degrees per image: the mean of the image shifted
    by 0 to 10 pixels along it, weighted by a Gaussian of sigma 3 pixels (severity 1: radius 10, sigma 3)."""
    radius, sigma = 10, 3.0
    angles = np.deg2rad(rng.uniform(-45, 45, size=len(x)))
    steps = np.arange(radius + 1)
    weights = np.exp(-(steps**2) / (2 * sigma**2))
    weights /= weights.sum()
    out = np.zeros_like(x)
    for step, weight in zip(steps, weights):
        shift = np.eye(3)[None].repeat(len(x), axis=0)
        shift[:, 0, 2] = step * np.cos(angles)  # sample from `step` pixels back along the direction
        shift[:, 1, 2] = step * np.sin(angles)
        out += weight * _warp(x, shift)
    return np.clip(out, 0, 1)


def shear(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shear by 0.4 (scikit-image's shear angle, radians) about the centre, to either side (severity 2)."""
    matrices = {s: _about_centre(transform.AffineTransform(shear=0.4 * s).params) for s in (-1, 1)}
    return np.clip(_warp(x, _signed(matrices, rng.choice([-1, 1], size=len(x)))), 0, 1)


def scale(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Shrink to 0.7 of the size about the centre (severity 3; the inverse map scales by 1/0.7)."""
    matrix = _about_centre(transform.AffineTransform(scale=(1 / 0.7, 1 / 0.7)).params)
    return np.clip(_warp(x, matrix), 0, 1)


def rotate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Rotation by 0.4 rad (22.9 degrees) about the centre, to either side (severity 2)."""
    matrices = {s: _about_centre(transform.AffineTransform(rotation=0.4 * s).params) for s in (-1, 1)}
    return np.clip(_warp(x, _signed(matrices, rng.choice([-1, 1], size=len(x)))), 0, 1)


def brightness(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Every pixel 0.5 brighter, clipped at 1 (severity 5; the HSV value of a grey pixel is its level)."""
    return np.clip(x + 0.5, 0, 1)


def translate(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A shift by 3 pixels horizontally and 3 vertically, each to a random side (severity 3)."""
    signs = rng.choice([-1, 1], size=(len(x), 2))
    out = np.zeros_like(x)
    for (dx, dy), group in _groups(3 * signs):
        out[group] = shift_images(x[group], dx, dy)
    return out


def stripe(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The 7 leftmost and 7 rightmost columns inverted."""
    out = x.copy()
    out[:, :, :7] = 1 - out[:, :, :7]
    out[:, :, 21:] = 1 - out[:, :, 21:]
    return out


def _plasma(count: int, decay: float, rng: np.random.Generator, size: int = 256) -> np.ndarray:
    """`count` plasma fractals (diamond-square, wrapping at the edges), each scaled to [0, 1]: (count,
    size, size) float32. Each level adds uniform noise whose range shrinks by `decay`."""
    maps = np.zeros((count, size, size), dtype=np.float32)
    step, wibble = size, 100.0

    def noisy_mean(total):
        noise = rng.random(total.shape, dtype=np.float32) * np.float32(2 * wibble) - np.float32(wibble)
        return total / 4 + np.float32(wibble) * noise

    while step >= 2:
        half = step // 2
        corners = maps[:, 0:size:step, 0:size:step]
        square = corners + np.roll(corners, -1, axis=1)
        square = square + np.roll(square, -1, axis=2)
        maps[:, half:size:step, half:size:step] = noisy_mean(square)
        centres = maps[:, half:size:step, half:size:step]
        corners = maps[:, 0:size:step, 0:size:step]
        left = centres + np.roll(centres, 1, axis=1) + corners + np.roll(corners, -1, axis=2)
        maps[:, 0:size:step, half:size:step] = noisy_mean(left)
        top = centres + np.roll(centres, 1, axis=2) + corners + np.roll(corners, -1, axis=1)
        maps[:, half:size:step, 0:size:step] = noisy_mean(top)
        step, wibble = half, wibble / decay
    maps -= maps.min(axis=(1, 2), keepdims=True)
    return maps / maps.max(axis=(1, 2), keepdims=True)


def fog(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A plasma fractal (the top-left 28x28 of a 256x256 map, decay 1.4) added with weight 3, rescaled
    so that the image's brightest value stays as bright (severity 5)."""
    strength, decay, chunk = 3.0, 1.4, 256
    out = np.empty_like(x)
    for start in range(0, len(x), chunk):
        part = x[start : start + chunk]
        brightest = part.max(axis=(1, 2), keepdims=True)
        fractal = _plasma(len(part), decay, rng)[:, :SIZE, :SIZE]
        out[start : start + chunk] = np.clip(
            (part + strength * fractal) * brightest / (brightest + strength), 0, 1
        )
    return out


def spatter(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """Mud spatter: blobs where blurred Gaussian noise exceeds 0.65, their blurred mask (above 0.8)
    painted grey (63/255) over the digit (severity 4: loc 0.65, scale 0.3, sigmas 1 and 1.5)."""
    liquid = _gaussian(rng.normal(0.65, 0.3, size=x.shape), 1.0)
    liquid[liquid < 0.65] = 0
    mask = _gaussian((liquid > 0.65).astype(np.float64), 1.5)
    mask[mask < 0.8] = 0
    return np.clip(x * (1 - mask) + 63 / 255 * mask, 0, 1)


def _line(c0: np.ndarray, r0: np.ndarray, c1: np.ndarray, r1: np.ndarray) -> np.ndarray:
    """Anti-aliased lines from (column c0, row r0) to (c1, r1), one per image: each pixel's weight falls
    from 1 on the line as log(1 - d / 2.3) + 1 of its vertical distance d, zero beyond, and zero left of
    floor(c0) and from ceil(c1) on; a vertical segment (c1 == c0) draws nothing. Arrays of shape (N,)."""
    c0, r0, c1, r1 = (np.asarray(v, dtype=np.float64)[:, None, None] for v in (c0, r0, c1, r1))
    rows, columns = np.mgrid[0:SIZE, 0:SIZE].astype(np.float64)
    with np.errstate(divide="ignore", invalid="ignore"):
        slope = np.where(c1 == c0, 0.0, (r1 - r0) / np.where(c1 == c0, 1.0, c1 - c0))
    distance = np.clip(np.abs(rows - (slope * (columns - c0) + r0)), 0, 2.3 - 1e-10)
    weight = np.clip(np.log(1 - distance / 2.3) + 1, 0, 1)
    weight[(columns < np.floor(c0)) | (columns >= np.ceil(c1)) | (c1 == c0)] = 0
    return weight


def dotted_line(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A dotted line across the image between random rows at the left and right edges, in dashes of 2
    columns (columns 0-1 off, 2-3 on, ...)."""
    r0, r1 = rng.integers(0, 27, size=(2, len(x)))
    line = _line(np.zeros(len(x)), r0, np.full(len(x), 27.0), r1)
    line[:, :, (np.arange(SIZE) // 2) % 2 == 0] = 0
    return np.clip(x + line, 0, 1)


def zigzag(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """A zigzag of segments 2 pixels long and 2 high, from column 2 to 25 along a random slope from a
    random starting row."""
    out = x.copy()
    r0 = rng.integers(0, 27, size=len(x)).astype(np.float64)
    r1 = r0 + rng.integers(-5, 5, size=len(x))
    c0, c1, length, height = 2.0, 25.0, 2.0, 2.0
    for index in range(len(x)):
        theta = np.arctan((r1[index] - r0[index]) / (c1 - c0))
        span = (c1 - c0) / np.cos(theta)
        points = [(0.0, 0.0)]
        last = 0.0
        for i in range(int((span - length) // (2 * length)) + 1):
            last = (-1) ** i * height
            points.append(((2 * i + 1) * length, last))
        whole = 2 * length * (span // (2 * length))
        if span != whole:
            points.append((span, last / (2 * (span - whole))))
        turn = np.array([[np.cos(theta), -np.sin(theta)], [np.sin(theta), np.cos(theta)]])
        columns, rows = turn @ np.array(points).T
        columns, rows = columns + c0, rows + r0[index]
        lines = _line(columns[:-1], rows[:-1], columns[1:], rows[1:])
        image = out[index]
        for line in lines:
            image = np.clip(image + line, 0, 1)
        out[index] = image
    return out


def canny_edges(x: np.ndarray, rng: np.random.Generator) -> np.ndarray:
    """The digit's edges only: scikit-image's Canny detector (sigma 1) per image."""
    return np.stack([feature.canny(image) for image in x]).astype(np.float64)


CORRUPTIONS = {  # MNIST-C's 15, in the paper's order: name -> function
    "shot noise": shot_noise,
    "impulse noise": impulse_noise,
    "glass blur": glass_blur,
    "motion blur": motion_blur,
    "shear": shear,
    "scale": scale,
    "rotate": rotate,
    "brightness": brightness,
    "translate": translate,
    "stripe": stripe,
    "fog": fog,
    "spatter": spatter,
    "dotted line": dotted_line,
    "zigzag": zigzag,
    "canny edges": canny_edges,
}


def _groups(values: np.ndarray):
    """(value, indices of the rows holding it) for each distinct row of `values`."""
    unique, inverse = np.unique(values, axis=0, return_inverse=True)
    for position, value in enumerate(unique):
        yield tuple(int(v) for v in value), np.flatnonzero(inverse.ravel() == position)


def to_uint8(images: np.ndarray) -> np.ndarray:
    """[0, 1] floats to 0-255 uint8, rounded (as MNIST-C is stored)."""
    return np.round(np.clip(images, 0, 1) * 255).astype(np.uint8)


def corrupt(images: np.ndarray, name: str, seed: int) -> np.ndarray:
    """The uint8 images (N, 28, 28) under corruption `name` (a key of CORRUPTIONS), drawn from the seed's
    generator for that corruption: uint8 (N, 28, 28). Raises KeyError naming the known corruptions."""
    if name not in CORRUPTIONS:
        raise KeyError(f"unknown corruption '{name}'; known: {', '.join(CORRUPTIONS)}")
    if images.dtype != np.uint8 or images.shape[1:] != (SIZE, SIZE):
        raise ValueError(f"expected uint8 images of shape (N, 28, 28), got {images.dtype} {images.shape}")
    rng = np.random.default_rng([seed, list(CORRUPTIONS).index(name)])
    return to_uint8(CORRUPTIONS[name](images / 255.0, rng))


def generate(images: np.ndarray, seed: int) -> dict[str, np.ndarray]:
    """Every corruption of the uint8 images (N, 28, 28): name -> uint8 (N, 28, 28), in CORRUPTIONS order."""
    return {name: corrupt(images, name, seed) for name in CORRUPTIONS}


def rotate_images(images: np.ndarray, degrees: np.ndarray | float) -> np.ndarray:
    """uint8 images (N, 28, 28) rotated about their centre by `degrees` (one angle, or one per image;
    positive: counter-clockwise as seen), bilinear, black outside: uint8 (N, 28, 28)."""
    angles = np.deg2rad(np.broadcast_to(np.asarray(degrees, dtype=np.float64), (len(images),)))
    matrices = np.stack([_about_centre(transform.AffineTransform(rotation=a).params) for a in angles])
    return to_uint8(_warp(images / 255.0, matrices))


def shift_images(images: np.ndarray, dx: int, dy: int) -> np.ndarray:
    """Images (N, 28, 28) moved `dx` pixels right and `dy` down (negative: left, up), the uncovered
    border black (0); same dtype."""
    out = np.zeros_like(images)
    width = SIZE - abs(dx)
    height = SIZE - abs(dy)
    if width <= 0 or height <= 0:
        return out
    source = images[:, max(0, -dy) : max(0, -dy) + height, max(0, -dx) : max(0, -dx) + width]
    out[:, max(0, dy) : max(0, dy) + height, max(0, dx) : max(0, dx) + width] = source
    return out


def translate_images(images: np.ndarray, pixels: int, seed: int) -> np.ndarray:
    """uint8 images (N, 28, 28) each moved `pixels` pixels up, down, left or right (one direction per
    image, drawn from `seed`; the same directions for every distance): uint8 (N, 28, 28)."""
    directions = np.array([(0, -1), (0, 1), (-1, 0), (1, 0)])
    chosen = directions[np.random.default_rng(seed).integers(0, 4, size=len(images))]
    out = np.zeros_like(images)
    for (dx, dy), group in _groups(pixels * chosen):
        out[group] = shift_images(images[group], dx, dy)
    return out


def digest(array: np.ndarray) -> str:
    """sha256 of an array's bytes, dtype and shape: its checksum in the cache's manifest."""
    hasher = hashlib.sha256(f"{array.dtype}{array.shape}".encode())
    hasher.update(np.ascontiguousarray(array).tobytes())
    return hasher.hexdigest()


def code_digest() -> str:
    """sha256 of this module's source: a change to any corruption regenerates the cache."""
    return hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:16]


class CacheError(ValueError):
    """A corruption cache whose arrays fail their checksums; the message names the file and the fix."""


def cached(
    images: np.ndarray, labels: np.ndarray, seed: int, folder: Path
) -> tuple[dict[str, np.ndarray], dict]:
    """The corrupted test set, generated once and kept in `folder` (`mnist_c.npz` and its manifest
    `mnist_c.json`: the seed, the source images', labels' and this module's checksums, and a sha256 per
    array); the labels are stored beside the images, unchanged.

    `images`: uint8 (N, 28, 28); `labels`: (N,) integers, kept unchanged beside every corruption. A cache
    made from other images, another seed or other code is regenerated; one whose arrays fail their
    checksums raises CacheError naming the file (delete it to regenerate). Returns (name -> uint8
    (N, 28, 28), manifest)."""
    folder = Path(folder)
    arrays_file, manifest_file = folder / "mnist_c.npz", folder / "mnist_c.json"
    key = {"seed": int(seed), "source": digest(images), "labels": digest(labels), "code": code_digest()}
    if arrays_file.is_file() and manifest_file.is_file():
        manifest = json.loads(manifest_file.read_text(encoding="utf-8"))
        if {k: manifest.get(k) for k in key} == key:
            with np.load(arrays_file, allow_pickle=False) as stored:
                corrupted = {name: stored[name] for name in manifest["sha256"]}
                kept_labels = stored["labels"]
            bad = [name for name, array in corrupted.items() if digest(array) != manifest["sha256"][name]]
            bad += ["labels"] if digest(kept_labels) != key["labels"] else []
            if bad:
                raise CacheError(
                    f"{arrays_file}: the arrays {', '.join(bad)} do not match their checksums in "
                    f"{manifest_file.name}; delete both files to regenerate them"
                )
            return corrupted, manifest
    corrupted = generate(images, seed)
    manifest = {**key, "images": len(images), "sha256": {name: digest(a) for name, a in corrupted.items()}}
    folder.mkdir(parents=True, exist_ok=True)
    temporary = folder / ".mnist_c.npz.part"
    with open(temporary, "wb") as stream:
        np.savez(stream, labels=labels, **corrupted)
    os.replace(temporary, arrays_file)
    write_json_atomically(manifest_file, manifest)
    return corrupted, manifest
