"""Fetching IDX files: local folders, downloads from a server on 127.0.0.1, checksum failures."""

import http.server
import threading
from functools import partial

import pytest

from charrec.fetch import DataUnavailableError, fetch_dataset
from conftest import checksums_of, make_idx_folder, spec_for


@pytest.fixture
def http_server():
    """Serve a folder over HTTP on 127.0.0.1; yields a function of the folder that returns the base URL.
    Requests for `broken-*` are cut short; the first request for each `flaky-NAME`
    too, later ones get NAME."""
    served = {}
    requests_seen = []

    class Handler(http.server.SimpleHTTPRequestHandler):
        def log_message(self, *args):
            pass

        def do_GET(self):
            requests_seen.append(self.path)
            flaky = "flaky-" in self.path
            if flaky and requests_seen.count(self.path) > 1:
                self.path = self.path.replace("flaky-", "")
            elif "broken" in self.path or flaky:  # announce a large body, send a little, hang up
                self.send_response(200)
                self.send_header("Content-Length", "100000")
                self.end_headers()
                self.wfile.write(b"\x1f\x8b" + b"\x00" * 100)
                return
            super().do_GET()

    def start(folder):
        server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), partial(Handler, directory=str(folder)))
        threading.Thread(target=server.serve_forever, daemon=True).start()
        served["server"] = server
        return f"http://127.0.0.1:{server.server_address[1]}/"

    start.requests = requests_seen
    yield start
    if "server" in served:
        served["server"].shutdown()


def test_local_folder_plain_and_gzipped(tmp_path):
    checksums = make_idx_folder(tmp_path / "plain")
    make_idx_folder(tmp_path / "gz", gzipped=True)
    for folder in ("plain", "gz"):
        raw = tmp_path / f"raw-{folder}"
        paths = fetch_dataset(spec_for(checksums), raw, local_dir=str(tmp_path / folder), log=lambda _: None)
        assert sorted(p.name for p in raw.iterdir()) == sorted(p.name for p in paths.values())


def test_environment_variable_names_the_local_folder(tmp_path, monkeypatch):
    checksums = make_idx_folder(tmp_path / "source")
    monkeypatch.setenv("TINY_DIR", str(tmp_path / "source"))
    paths = fetch_dataset(spec_for(checksums, local_dir_env="TINY_DIR"), tmp_path / "raw", log=lambda _: None)
    assert all(path.is_file() for path in paths.values())


def test_flipped_byte_is_a_checksum_error_and_nothing_is_kept(tmp_path):
    checksums = make_idx_folder(tmp_path / "source")
    image_file = tmp_path / "source" / "train-images-idx3-ubyte"
    data = bytearray(image_file.read_bytes())
    data[5000] ^= 0xFF
    image_file.write_bytes(bytes(data))
    with pytest.raises(DataUnavailableError) as error:
        fetch_dataset(
            spec_for(checksums), tmp_path / "raw", local_dir=str(tmp_path / "source"), log=lambda _: None
        )
    message = str(error.value)
    assert "missing train-images-idx3-ubyte" in message
    assert f"does not match the expected {checksums['train_images']}" in message
    assert "Fix: put the four IDX files" in message
    assert not (tmp_path / "raw" / "train-images-idx3-ubyte").exists()
    assert not list((tmp_path / "raw").glob(".*part"))


def test_missing_file_in_local_folder(tmp_path):
    checksums = make_idx_folder(tmp_path / "source")
    (tmp_path / "source" / "t10k-labels-idx1-ubyte").unlink()
    with pytest.raises(
        DataUnavailableError, match=r"missing t10k-labels-idx1-ubyte[\s\S]*neither .*t10k-labels"
    ):
        fetch_dataset(
            spec_for(checksums), tmp_path / "raw", local_dir=str(tmp_path / "source"), log=lambda _: None
        )


def test_download_from_local_http_server(tmp_path, http_server):
    checksums = make_idx_folder(tmp_path / "served", gzipped=True)
    spec = spec_for(checksums, download_urls=(http_server(tmp_path / "served"),))
    paths = fetch_dataset(spec, tmp_path / "raw", log=lambda _: None)
    assert all(path.is_file() for path in paths.values())
    # A second call finds verified files in place and downloads nothing.
    messages = []
    fetch_dataset(spec, tmp_path / "raw", log=messages.append)
    assert messages == []


def test_download_cut_halfway_leaves_no_file(tmp_path, http_server):
    checksums = make_idx_folder(tmp_path / "served", gzipped=True)
    base = http_server(tmp_path / "served")
    spec = spec_for(checksums, download_urls=(base + "broken-",))
    with pytest.raises(DataUnavailableError, match=r"Sources tried:\n  - download from http://127\.0\.0\.1"):
        fetch_dataset(spec, tmp_path / "raw", log=lambda _: None)
    assert list((tmp_path / "raw").iterdir()) == []
    assert len(http_server.requests) == 3  # pooch tried twice more before giving up


def test_a_failed_download_is_tried_again(tmp_path, http_server):
    checksums = make_idx_folder(tmp_path / "served", gzipped=True)
    spec = spec_for(checksums, download_urls=(http_server(tmp_path / "served") + "flaky-",))
    paths = fetch_dataset(spec, tmp_path / "raw", log=lambda _: None)
    assert checksums_of(tmp_path / "raw") == checksums
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(p.name for p in paths.values())
    assert len(http_server.requests) == 8  # each of the four files: cut short once, then served


def test_a_download_with_the_wrong_checksum_names_file_hashes_and_fix(tmp_path, http_server):
    checksums = make_idx_folder(tmp_path / "served", gzipped=True)
    wrong = {**checksums, "test_labels": "0" * 32}
    base = http_server(tmp_path / "served")
    with pytest.raises(DataUnavailableError) as error:
        fetch_dataset(spec_for(wrong, download_urls=(base,)), tmp_path / "raw", log=lambda _: None)
    message = str(error.value)
    assert "missing t10k-labels-idx1-ubyte" in message
    assert (
        f"{base}t10k-labels-idx1-ubyte.gz: md5 {checksums['test_labels']} does not match the expected "
        f"{'0' * 32} (corrupted or wrong file)" in message
    )
    assert "Fix: put the four IDX files" in message
    # The three verified files are kept; of the fourth nothing, not even pooch's temporary file.
    assert sorted(p.name for p in (tmp_path / "raw").iterdir()) == sorted(
        spec_for(checksums).file_names[role] for role in ("train_images", "train_labels", "test_images")
    )


def test_no_source_at_all_says_how_to_fix(tmp_path):
    with pytest.raises(
        DataUnavailableError,
        match=r"no source is configured[\s\S]*params/data.yaml \(datasets.tiny.local_dir\)",
    ):
        fetch_dataset(spec_for({"train_images": "0"}), tmp_path / "raw", log=lambda _: None)


def test_corrupted_cached_file_is_fetched_again(tmp_path):
    checksums = make_idx_folder(tmp_path / "source")
    spec = spec_for(checksums)
    paths = fetch_dataset(spec, tmp_path / "raw", local_dir=str(tmp_path / "source"), log=lambda _: None)
    paths["test_labels"].write_bytes(b"garbage")
    messages = []
    fetch_dataset(spec, tmp_path / "raw", local_dir=str(tmp_path / "source"), log=messages.append)
    assert any("fails its checksum" in message for message in messages)
    assert paths["test_labels"].stat().st_size > 7
