"""A deterministic BagIt 1.0 (RFC 8493) writer, its zip form, and reading a bag back.

The `bagit` package validates bags (the tests use it to show an export is a valid bag), but
its `make_bag` cannot write ours: it writes `BagIt-Version: 0.97`, moves the files it bags,
orders the tag manifests as the file system lists them, and dates the bag today. This writer
hashes each file as it streams it to disk (SHA-256 and SHA-512), writes the manifests sorted by
path, takes the Bagging-Date it is given, and writes the same bytes for the same content. The zip
form has one top directory, entries sorted, fixed timestamps and permissions.
"""

from __future__ import annotations

import hashlib
import os
import re
import shutil
import stat
import tempfile
import zipfile
import zlib
from collections.abc import Iterable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from pathlib import Path, PurePosixPath
from typing import IO

from ledger.errors import InputError

ALGORITHMS = ("sha256", "sha512")
DECLARATION = b"BagIt-Version: 1.0\nTag-File-Character-Encoding: UTF-8\n"
"""bagit.txt, as the writer writes it and the verifier requires it."""
_SURROGATE = re.compile("[\ud800-\udfff]")
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
            "bagit.txt": DECLARATION,
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


class UnsafeBagError(InputError):
    """A bag that cannot be read safely: a member that is not a regular file or directory,
    a zip member outside its top directory, over the size limits, or damaged. `where` names
    the member. `ledger verify --bundle` reports it as a failure of the bag."""


@dataclass(frozen=True)
class ZipLimits:
    """How far a bundle zip may expand: in all, at most `ratio` times the zip's own size (but
    `floor` bytes are always allowed) and never more than `total`; one member at most
    `member_ratio` times its compressed size once it is over `floor_member` bytes; at most
    `members` members."""

    total: int = 64 << 30
    ratio: int = 100
    floor: int = 64 << 20
    member_ratio: int = 200
    floor_member: int = 1 << 20
    members: int = 2_000_000

    def budget(self, zip_size: int) -> int:
        """The most bytes a zip of `zip_size` bytes may expand to."""
        return min(self.total, max(self.floor, self.ratio * zip_size))


def printable(text: str) -> str:
    """`text` safe to print: bytes that are not UTF-8 (a surrogate from a file name or a JSON
    escape) and control characters are shown as escapes."""
    if text.isprintable() and not _SURROGATE.search(text):
        return text
    safe = text.encode("utf-8", "surrogateescape").decode("utf-8", "backslashreplace")
    safe = safe.encode("utf-8", "backslashreplace").decode("utf-8")
    return "".join(c if c.isprintable() or c == " " else f"\\x{ord(c):02x}" for c in safe)


def scan(root: Path) -> tuple[list[str], list[tuple[str, str]]]:
    """The regular files under `root` (sorted POSIX paths relative to it), and everything that
    is neither a regular file nor a directory — a symbolic link, a FIFO, a device, a socket —
    as (relative path, what it is). Found without following a link or opening a file, so that
    nothing reads from a device or outside the bag."""
    files: list[str] = []
    found: list[tuple[str, str]] = []
    folders = [root]
    while folders:
        folder = folders.pop()
        try:
            members = list(os.scandir(folder))
        except OSError as exc:
            found.append((_relative(Path(folder), root), f"cannot be listed ({exc.strerror})"))
            continue
        for member in members:
            name = _relative(Path(member.path), root)
            try:
                mode = member.stat(follow_symlinks=False).st_mode
            except OSError as exc:
                found.append((name, f"cannot be examined ({exc.strerror})"))
                continue
            if stat.S_ISDIR(mode):
                folders.append(Path(member.path))
            elif stat.S_ISREG(mode):
                files.append(name)
            elif stat.S_ISLNK(mode):
                try:
                    target = os.readlink(member.path)
                except OSError:
                    target = "?"
                found.append((name, f"is a symbolic link (to {printable(target)})"))
            else:
                found.append((name, f"is a {_file_type(mode)}, not a regular file"))
    return sorted(files), sorted(found)


def _relative(path: Path, root: Path) -> str:
    return path.relative_to(root).as_posix()


def _file_type(mode: int) -> str:
    kinds = (
        (stat.S_ISFIFO, "FIFO"),
        (stat.S_ISCHR, "character device"),
        (stat.S_ISBLK, "block device"),
        (stat.S_ISSOCK, "socket"),
    )
    return next((name for test, name in kinds if test(mode)), f"special file (mode {mode:o})")


@contextmanager
def opened(path: Path, limits: ZipLimits | None = None) -> Iterator[Path]:
    """The bag at `path`: the directory itself, or a zip extracted into a temporary one.

    Before anything is extracted, every member of a zip is checked: a relative path inside
    one top directory, a regular file or a directory, its declared size within the limits.
    Extraction then counts the bytes it writes, so a member whose header lies about its size
    is stopped at the limit, and a damaged one (bad CRC, bad compressed data) is refused.

    Raises:
        InputError: no such file or directory, or not a zip.
        UnsafeBagError: a zip member refused (`where` names it).
    """
    if path.is_dir():
        yield path
        return
    if not path.is_file():
        raise InputError("no such bundle (a bag directory or a .zip)", where=str(path))
    try:
        archive = zipfile.ZipFile(path)
    except (
        zipfile.BadZipFile,
        zipfile.LargeZipFile,
        OSError,
        ValueError,
        EOFError,
        NotImplementedError,  # a version of the zip format Python does not read
    ) as exc:
        raise InputError(f"not a bag directory or a zip file ({exc})", where=str(path)) from None
    with archive, tempfile.TemporaryDirectory(prefix="ledger-bundle-") as tmp:
        limits = limits or ZipLimits()
        size = path.stat().st_size
        members, top = _checked_members(archive, limits, size)
        _extract(archive, members, Path(tmp), limits.budget(size))
        yield Path(tmp) / top


def _checked_members(
    archive: zipfile.ZipFile, limits: ZipLimits, zip_size: int
) -> tuple[dict[str, zipfile.ZipInfo], str]:
    """The zip's members by name, each checked before anything is extracted, and the name of
    its one top directory."""
    infos = archive.infolist()
    if len(infos) > limits.members:
        raise UnsafeBagError(f"holds {len(infos)} members, more than {limits.members}")
    budget = limits.budget(zip_size)
    members: dict[str, zipfile.ZipInfo] = {}
    tops: set[str] = set()
    declared = 0
    for info in infos:
        name = info.filename
        where = printable(name)
        pure = PurePosixPath(name)
        if (
            not pure.parts
            or pure.is_absolute()
            or ".." in pure.parts
            or "\\" in name
            or "\0" in name
            or ":" in pure.parts[0]
        ):
            raise UnsafeBagError("is outside the bag (absolute, '..', a drive)", where=where)
        if len(pure.parts) < 2 and not info.is_dir():
            raise UnsafeBagError("is outside the bag's one top directory", where=where)
        kind = stat.S_IFMT(info.external_attr >> 16) if info.create_system == 3 else 0
        if kind == stat.S_IFLNK:
            raise UnsafeBagError("is a symbolic link; a bag holds only files", where=where)
        if kind not in (0, stat.S_IFREG, stat.S_IFDIR):
            raise UnsafeBagError(f"is a {_file_type(kind)}, not a regular file", where=where)
        if info.flag_bits & 0x1:
            raise UnsafeBagError("is encrypted", where=where)
        key = name.rstrip("/")
        if key in members:
            raise UnsafeBagError("appears twice in the zip", where=where)
        declared += info.file_size
        if info.file_size > budget or declared > budget:
            raise UnsafeBagError(
                f"would expand the zip ({zip_size:,} bytes) to more than {budget:,} bytes",
                where=where,
            )
        if info.file_size > limits.floor_member and info.file_size > limits.member_ratio * max(
            info.compress_size, 1
        ):
            raise UnsafeBagError(
                f"expands {info.compress_size:,} bytes to {info.file_size:,} (more than "
                f"{limits.member_ratio} times)",
                where=where,
            )
        members[key] = info
        tops.add(pure.parts[0])
    if len(tops) != 1:
        raise UnsafeBagError("a bundle zip holds exactly one top directory")
    return members, tops.pop()


def _extract(
    archive: zipfile.ZipFile, members: dict[str, zipfile.ZipInfo], target: Path, budget: int
) -> None:
    """Write each member under `target`, counting bytes: never more than a member declares,
    never more than `budget` in all."""
    written = 0
    for name, info in members.items():
        where = printable(info.filename)
        path = target.joinpath(*PurePosixPath(name).parts)
        try:
            if info.is_dir():
                path.mkdir(parents=True, exist_ok=True)
                continue
            path.parent.mkdir(parents=True, exist_ok=True)
            size = 0
            with archive.open(info) as source, path.open("xb") as out:
                while chunk := source.read(_CHUNK):
                    size += len(chunk)
                    written += len(chunk)
                    if size > info.file_size or written > budget:
                        raise UnsafeBagError(
                            "expands beyond its declared size or the zip's limit", where=where
                        )
                    out.write(chunk)
            if size != info.file_size:
                raise UnsafeBagError(
                    f"holds {size:,} bytes, its header says {info.file_size:,}", where=where
                )
        except UnsafeBagError:
            raise
        except (
            zipfile.BadZipFile,
            zlib.error,
            EOFError,
            NotImplementedError,
            RuntimeError,
            ValueError,
            OSError,
        ) as exc:
            message = f"cannot be extracted ({printable(str(exc))})"
            raise UnsafeBagError(message, where=where) from None
