"""Reading and writing the IDX format of MNIST-style datasets.

An IDX file is a 4-byte magic number (two zero bytes, a type code, the number of
dimensions), one big-endian uint32 per dimension, then the raw values.
"""

from pathlib import Path

import numpy as np

UNSIGNED_BYTE = 0x08


class IdxFormatError(ValueError):
    """An IDX file whose header or size is not what an MNIST-style file must have."""


def read_idx(path: Path, expected_ndim: int) -> np.ndarray:
    """Read an unsigned-byte IDX file with `expected_ndim` dimensions (3 for images, 1 for labels)."""
    path = Path(path)
    raw = path.read_bytes()
    if len(raw) < 4:
        raise IdxFormatError(f"{path}: {len(raw)} bytes is too short for an IDX file (truncated?)")
    zero, type_code, ndim = int.from_bytes(raw[:2], "big"), raw[2], raw[3]
    if zero != 0 or type_code != UNSIGNED_BYTE or ndim != expected_ndim:
        raise IdxFormatError(
            f"{path}: wrong IDX magic {raw[:4].hex()}; expected 0000{UNSIGNED_BYTE:02x}{expected_ndim:02x} "
            f"(unsigned bytes, {expected_ndim} dimension(s)). Is this the right file?"
        )
    header_size = 4 + 4 * ndim
    if len(raw) < header_size:
        raise IdxFormatError(f"{path}: header cut short (truncated file)")
    shape = tuple(int.from_bytes(raw[4 + 4 * i : 8 + 4 * i], "big") for i in range(ndim))
    expected_size = header_size + int(np.prod(shape))
    if len(raw) != expected_size:
        raise IdxFormatError(
            f"{path}: header says shape {shape} ({expected_size} bytes) but the file has {len(raw)} bytes "
            "(truncated or padded file)"
        )
    return np.frombuffer(raw, dtype=np.uint8, offset=header_size).reshape(shape)


def write_idx(path: Path, array: np.ndarray) -> None:
    """Write a uint8 array as an IDX file (used to make test data and custom datasets)."""
    array = np.ascontiguousarray(array, dtype=np.uint8)
    header = bytes([0, 0, UNSIGNED_BYTE, array.ndim])
    header += b"".join(int(size).to_bytes(4, "big") for size in array.shape)
    Path(path).write_bytes(header + array.tobytes())
