"""A deterministic BagIt 1.0 (RFC 8493) writer, its zip form, and reading a bag back.

The `bagit` package validates bags (fixity: `ledger verify --bundle` and the tests use it), but
its `make_bag` cannot write ours: it writes `BagIt-Version: 0.97`, moves the files it bags,
orders the tag manifests as the file system lists them, and dates the bag today. This writer
hashes each file as it streams it to disk (SHA-256 and SHA-512), writes the manifests sorted by
path, takes the Bagging-Date it is given, and writes the same bytes for the same content. The zip
form has one top directory, entries sorted, fixed timestamps and permissions.
"""

from __future__ import annotations

import hashlib
import logging
import os
import shutil
import tempfile
import zipfile
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from ledger.errors import InputError

ALGORITHMS = ("sha256", "sha512")
ZIP_TIME = (1980, 1, 1, 0, 0, 0)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class Digests:
    sha256: str
    sha512: str
    size: int


class _HashingFile:
    """A file being written whose SHA-256 and SHA-512 are computed on the way."""

    def __init__(self, handle: IO[bytes]) -> None:
        self.handle = handle
        self.hashes = {name: hashlib.new(name) for name in ALGORITHMS}
        self.size = 0

    def write(self, data: bytes) -> None:
        self.handle.write(data)
        for digest in self.hashes.values():
            digest.update(data)
        self.size += len(data)

    def digests(self) -> Digests:
        return Digests(
            self.hashes["sha256"].hexdigest(), self.hashes["sha512"].hexdigest(), self.size
        )


class BagWriter:
    """Writes a bag into `root` (which must not exist yet): payload files under `data/`, then
    `finish` writes the tag files and manifests."""

    def __init__(self, root: Path) -> None:
        self.root = root
        root.mkdir(parents=True)
        (root / "data").mkdir()
        self.payload: dict[str, Digests] = {}

    def _path(self, name: str) -> Path:
        pure = PurePosixPath(name)
        if pure.is_absolute() or ".." in pure.parts or not pure.parts:
            raise ValueError(f"bad payload path {name!r}")
        path = self.root / "data" / pure
        path.parent.mkdir(parents=True, exist_ok=True)
        return path

    @contextmanager
    def open(self, name: str) -> Iterator[_HashingFile]:
        """A payload file `data/<name>` to stream into."""
        with self._path(name).open("wb") as handle:
            writer = _HashingFile(handle)
            yield writer
        self.payload[f"data/{name}"] = writer.digests()

    def add(self, name: str, content: bytes | Iterable[bytes]) -> None:
        """Write payload file `data/<name>`."""
        with self.open(name) as out:
            if isinstance(content, bytes):
                out.write(content)
            else:
                for chunk in content:
                    out.write(chunk)

    def finish(
        self, info: list[tuple[str, str]], extra_tags: dict[str, bytes] | None = None
    ) -> None:
        """Write bagit.txt, bag-info.txt (with Payload-Oxum), any `extra_tags` files, the
        payload manifests and the tag manifests, all sorted by path."""
        total = sum(d.size for d in self.payload.values())
        lines = [*info, ("Payload-Oxum", f"{total}.{len(self.payload)}")]
        for name, value in lines:
            if "\n" in value or "\r" in value or ":" in name:
                raise ValueError(f"bad bag-info line {name}: {value!r}")
        tags: dict[str, bytes] = {
            "bagit.txt": b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n",
            "bag-info.txt": "".join(f"{n}: {v}\n" for n, v in lines).encode("utf-8"),
            **(extra_tags or {}),
        }
        for algorithm in ALGORITHMS:
            tags[f"manifest-{algorithm}.txt"] = _manifest(
                {path: getattr(d, algorithm) for path, d in self.payload.items()}
            )
        for name, content in tags.items():
            (self.root / name).write_bytes(content)
        for algorithm in ALGORITHMS:
            listed = {
                name: hashlib.new(algorithm, content).hexdigest() for name, content in tags.items()
            }
            (self.root / f"tagmanifest-{algorithm}.txt").write_bytes(_manifest(listed))


def _manifest(digests: dict[str, str]) -> bytes:
    return "".join(f"{digests[path]}  {path}\n" for path in sorted(digests)).encode("utf-8")


def bag_files(root: Path) -> list[str]:
    """Every file of the bag at `root`, as sorted POSIX paths relative to it."""
    found = []
    for dirpath, _dirs, files in os.walk(root):
        for name in files:
            found.append(Path(dirpath, name).relative_to(root).as_posix())
    return sorted(found)


def file_sha256(path: Path) -> str:
    """The SHA-256 of a file, streamed."""
    digest = hashlib.sha256()
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            digest.update(chunk)
    return digest.hexdigest()


def write_zip(root: Path, target: Path, top: str) -> None:
    """Zip the bag at `root` under the single top directory `top`: sorted entries, fixed
    times and permissions, so the same bag gives the same bytes."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in bag_files(root):
            info = zipfile.ZipInfo(f"{top}/{name}", date_time=ZIP_TIME)
            info.external_attr = 0o644 << 16
            info.compress_type = zipfile.ZIP_DEFLATED
            info.create_system = 3  # Unix, so the permissions mean the same everywhere
            with (root / name).open("rb") as source, archive.open(info, "w") as out:
                shutil.copyfileobj(source, out, _CHUNK)


@contextmanager
def opened(path: Path) -> Iterator[Path]:
    """The bag at `path`: the directory itself, or a zip extracted into a temporary one.

    Raises:
        InputError: no such file or directory, not a zip, or a zip entry that would land
            outside its one top directory.
    """
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise InputError("no such bundle (a bag directory or a .zip)", where=str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (zipfile.BadZipFile, OSError) as exc:
        raise InputError(f"not a bag directory or a zip file ({exc})", where=str(path)) from None
    with archive, tempfile.TemporaryDirectory(prefix="ledger-bundle-") as tmp:
        tops = set()
        for info in archive.infolist():
            pure = PurePosixPath(info.filename)
            if pure.is_absolute() or ".." in pure.parts or "\\" in info.filename:
                raise InputError(f"zip entry {info.filename!r} is outside the bag", where=str(path))
            tops.add(pure.parts[0])
        if len(tops) != 1:
            raise InputError("a bundle zip holds exactly one top directory", where=str(path))
        archive.extractall(tmp)
        yield Path(tmp) / tops.pop()


@dataclass(frozen=True)
class FixityProblem:
    file: str | None
    message: str


def check_fixity(root: Path) -> list[FixityProblem]:
    """Validate the bag with the `bagit` package: BagIt declaration, Payload-Oxum, every
    manifest and tag manifest. Returns what failed, naming the file."""
    import bagit

    logging.getLogger("bagit").setLevel(logging.CRITICAL)  # its findings are returned instead
    try:
        bag = bagit.Bag(str(root))
        bag.validate(processes=1)
    except bagit.BagValidationError as exc:
        problems = [_detail(d) for d in exc.details] if exc.details else []
        return problems or [FixityProblem(None, str(exc.message))]
    except bagit.BagError as exc:
        return [FixityProblem(None, f"not a valid bag: {exc}")]
    except (ValueError, KeyError, OSError, UnicodeError) as exc:
        # A damaged manifest can trip the library itself; the signed file list names the file.
        return [FixityProblem(None, f"the bag's manifests cannot be read ({exc})")]
    version = tuple(bag.version_info)
    if version != (1, 0):
        shown = ".".join(str(part) for part in version)
        return [FixityProblem("bagit.txt", f"BagIt version {shown}, not 1.0")]
    return []


def _detail(detail: object) -> FixityProblem:
    path = getattr(detail, "path", None)
    algorithm = getattr(detail, "algorithm", None)
    if algorithm is not None:
        return FixityProblem(
            path,
            f"its {algorithm} is {getattr(detail, 'found', '?')}, the manifest says "
            f"{getattr(detail, 'expected', '?')}",
        )
    kind = type(detail).__name__
    text = {"FileMissing": "is in a manifest but missing", "UnexpectedFile": "is in no manifest"}
    return FixityProblem(path, text.get(kind, str(detail)))
