"""A bundle zip is checked before anything is extracted, and extracted with a byte counter: a
zip bomb, a member outside its top directory, a link, a header that lies about a size — each is
refused with a failure naming the member (exit 3), nothing extracted past the limit."""

from __future__ import annotations

import stat
import struct
import time
import zipfile
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.export.bag import ZipLimits, bag_files
from ledger.export.verify_bundle import verify_bundle
from tests.export.conftest import Small
from tests.export.forge import failures, verify

MiB = 1 << 20


def _zip_of(small: Small, target: Path, extra: Callable[[zipfile.ZipFile], None]) -> Path:
    """The small bundle zipped again under `bundle/`, with `extra` members added."""
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        for name in bag_files(small.bundle):
            archive.write(small.bundle / name, f"bundle/{name}")
        extra(archive)
    return target


def _zeros(name: str, size: int) -> Callable[[zipfile.ZipFile], None]:
    def add(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        info.compress_type = zipfile.ZIP_DEFLATED
        with archive.open(info, "w", force_zip64=True) as out:
            chunk = bytes(MiB)
            for _ in range(size // MiB):
                out.write(chunk)

    return add


def test_the_small_bundle_zip_verifies(small: Small) -> None:
    result = verify(small.bundle_zip, small.vkey())
    assert result.exit_code == 0, result.stderr


def test_a_zip_bomb_is_refused_before_it_is_extracted(small: Small, tmp_path: Path) -> None:
    """200 MiB of zeros in a zip of a few hundred KiB: over the default limit (100 times the
    zip, at least 64 MiB), refused from the declared size alone, quickly."""
    bomb = _zip_of(small, tmp_path / "bomb.zip", _zeros("bundle/data/bomb", 200 * MiB))
    assert bomb.stat().st_size < 1 * MiB
    started = time.monotonic()
    result = verify(bomb, small.vkey())
    assert time.monotonic() - started < 20
    assert result.exit_code == 3
    [failure] = failures(result)
    assert failure.startswith("[bag] bundle/data/bomb: would expand the zip")


def test_one_member_expanding_too_much_is_refused(small: Small, tmp_path: Path) -> None:
    """2 MiB of zeros compress a thousand times: over the per-member ratio (200)."""
    bomb = _zip_of(small, tmp_path / "ratio.zip", _zeros("bundle/data/zeros", 2 * MiB))
    result = verify(bomb, small.vkey())
    assert result.exit_code == 3
    [failure] = failures(result)
    assert failure.startswith("[bag] bundle/data/zeros: expands") and "200 times" in failure


def test_the_total_limit_counts_every_member(small: Small, tmp_path: Path) -> None:
    """With a total limit below the bag's size (here the zip's own size), the member that
    crosses it is named."""
    limits = ZipLimits(ratio=1, floor=0)
    report = verify_bundle(small.bundle_zip, trust=small.trust, limits=limits)
    assert not report.ok
    [problem] = report.problems
    assert problem.kind == "bag" and (problem.where or "").startswith("bundle/")
    assert "would expand the zip" in problem.message


def _lying(path: Path, member: str) -> None:
    """Make the central directory of `path` understate `member`'s size by one byte."""
    data = bytearray(path.read_bytes())
    with zipfile.ZipFile(path) as archive:
        info = archive.getinfo(member)
    at = data.find(b"PK\x01\x02")
    while True:
        name_length = struct.unpack_from("<H", data, at + 28)[0]
        if data[at + 46 : at + 46 + name_length] == member.encode():
            break
        extra, comment = struct.unpack_from("<HH", data, at + 30)
        at += 46 + name_length + extra + comment
    struct.pack_into("<I", data, at + 24, info.file_size - 1)
    path.write_bytes(bytes(data))


def test_a_header_that_lies_about_a_size_is_refused(small: Small, tmp_path: Path) -> None:
    """The central directory says one byte less than the member holds: the extraction's own
    count stops it, naming the member."""
    target = tmp_path / "lying.zip"
    target.write_bytes(small.bundle_zip.read_bytes())
    member = "bundle/data/ledger/entries.jsonl"
    _lying(target, member)
    result = verify(target, small.vkey())
    assert result.exit_code == 3
    [failure] = failures(result)
    assert failure.startswith(f"[bag] {member}: ")


def _member(name: str, mode: int | None = None, data: bytes = b"x") -> Callable[
    [zipfile.ZipFile], None]:  # fmt: skip
    def add(archive: zipfile.ZipFile) -> None:
        info = zipfile.ZipInfo(name)
        if mode is not None:
            info.create_system = 3
            info.external_attr = mode << 16
        archive.writestr(info, data)

    return add


@pytest.mark.parametrize(
    ("member", "mode", "message"),
    [
        ("/etc/cron.d/x", None, "is outside the bag"),
        ("bundle/../../x", None, "is outside the bag"),
        ("bundle\\..\\x", None, "is outside the bag"),
        ("C:/x", None, "is outside the bag"),
        ("bundle/data/link", stat.S_IFLNK | 0o777, "is a symbolic link"),
        ("bundle/data/fifo", stat.S_IFIFO | 0o644, "is a FIFO"),
        pytest.param(
            "bundle/bagit.txt",
            None,
            "appears twice",
            marks=pytest.mark.filterwarnings("ignore:Duplicate name"),
        ),  # fmt: skip
        ("other/x", None, "exactly one top directory"),
        ("loose.txt", None, "outside the bag's one top directory"),
    ],
)
def test_members_outside_the_bag_or_not_files_are_refused(
    small: Small, tmp_path: Path, member: str, mode: int | None, message: str
) -> None:
    target = _zip_of(small, tmp_path / "bad.zip", _member(member, mode, b"/etc/passwd"))
    result = verify(target, small.vkey())
    assert result.exit_code == 3, result.output
    [failure] = failures(result)
    assert failure.startswith("[bag] ") and message in failure
    assert not (tmp_path / "x").exists()


def test_a_damaged_member_is_refused_naming_it(small: Small, tmp_path: Path) -> None:
    """A flipped byte in a member's compressed data: a bad CRC or bad deflate data, named."""
    data = bytearray(small.bundle_zip.read_bytes())
    with zipfile.ZipFile(small.bundle_zip) as archive:
        info = archive.getinfo("bundle/data/ledger/entries.jsonl")
    start = info.header_offset + 30 + len(info.filename.encode()) + len(info.extra)
    data[start + info.compress_size // 2] ^= 0x10
    target = tmp_path / "damaged.zip"
    target.write_bytes(bytes(data))
    result = verify(target, small.vkey())
    assert result.exit_code == 3
    assert failures(result)[0].startswith("[bag] bundle/data/ledger/entries.jsonl: cannot be")


def test_a_file_that_is_not_a_zip_is_invalid_input(small: Small, tmp_path: Path) -> None:
    """Neither a directory nor a zip: exit 6 (invalid input), as documented."""
    target = tmp_path / "not.zip"
    target.write_bytes(b"PK\x03\x04 not really")
    result = verify(target, small.vkey())
    assert result.exit_code == 6 and "not a bag directory or a zip file" in result.stderr


def test_a_zip_of_a_version_python_does_not_read_is_invalid_input(
    small: Small, tmp_path: Path
) -> None:
    """Found by the fuzz of zip bytes: a central directory entry that asks for zip version
    8.4 made Python's reader raise NotImplementedError (a traceback); now exit 6."""
    data = bytearray(small.bundle_zip.read_bytes())
    central = data.index(b"PK\x01\x02")
    data[central + 6 : central + 8] = struct.pack("<H", 84)  # version needed to extract
    target = tmp_path / "future.zip"
    target.write_bytes(bytes(data))
    result = verify(target, small.vkey())
    assert result.exit_code == 6, result.output
    assert "not a bag directory or a zip file (zip file version 8.4)" in result.stderr
