import numpy as np
import pytest

from charrec.idx import IdxFormatError, read_idx, write_idx


def test_round_trip(tmp_path):
    images = np.arange(2 * 28 * 28, dtype=np.uint8).reshape(2, 28, 28)
    write_idx(tmp_path / "images", images)
    assert (tmp_path / "images").read_bytes()[:8] == bytes([0, 0, 8, 3, 0, 0, 0, 2])
    np.testing.assert_array_equal(read_idx(tmp_path / "images", 3), images)


def test_wrong_magic_names_file_and_expectation(tmp_path):
    write_idx(tmp_path / "labels", np.zeros(5, np.uint8))
    with pytest.raises(IdxFormatError, match=r"labels: wrong IDX magic 00000801; expected 00000803"):
        read_idx(tmp_path / "labels", 3)


def test_truncated_file(tmp_path):
    write_idx(tmp_path / "images", np.zeros((3, 28, 28), np.uint8))
    data = (tmp_path / "images").read_bytes()
    (tmp_path / "images").write_bytes(data[:-10])
    with pytest.raises(
        IdxFormatError, match=r"shape \(3, 28, 28\) \(2368 bytes\) but the file has 2358 bytes \(truncated"
    ):
        read_idx(tmp_path / "images", 3)


def test_too_short_for_a_header(tmp_path):
    (tmp_path / "empty").write_bytes(b"\x00\x00")
    with pytest.raises(IdxFormatError, match="too short"):
        read_idx(tmp_path / "empty", 1)
