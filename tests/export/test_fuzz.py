"""A fuzz run of `ledger verify --bundle` (slow: about 10,000 generated bags in all).

The small ledger's bundle and dossier (a handful of entries, built once for the module) are
changed byte by byte — any file of the bag, alone or with its manifests rewritten as an attacker
would, an entry line given hostile JSON and the bag signed again, or the bytes of the zip — and
the installed command runs in-process on each. Whatever the change: exit 0 only if the bag is
byte for byte the one exported, otherwise 3 (6 for a file that is not a zip at all), and never
an unhandled exception.
"""

from __future__ import annotations

import json
import shutil
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from functools import cache
from pathlib import Path

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from typer.testing import Result

from ledger.export.bag import bag_files
from ledger.export.bundle import SIGNATURE_FILE
from tests.export.conftest import Small
from tests.export.forge import rehash, resign, verify

pytestmark = pytest.mark.slow


def fuzz(examples: int) -> settings:
    """Hypothesis settings for a fuzz test of `examples` bags (no deadline: a bag takes a few
    milliseconds when refused early, a few hundred when it is replayed)."""
    return settings(
        max_examples=examples, deadline=None, suppress_health_check=[HealthCheck.too_slow]
    )


TAGS = ("bag-info.txt", "manifest-sha256.txt", "manifest-sha512.txt", "tagmanifest-sha256.txt",
        "tagmanifest-sha512.txt", SIGNATURE_FILE)  # fmt: skip
"""The files that rewriting manifests or signing again changes, besides the file changed."""


@dataclass
class Bag:
    """A working copy of an exported bag, put back after each example. A change touches one
    file and, with its manifests rewritten or the bag signed again, only the `TAGS`."""

    root: Path
    original: dict[str, bytes]

    def files(self) -> list[str]:
        return sorted(self.original)

    def identical(self, touched: list[str]) -> bool:
        return all((self.root / n).read_bytes() == self.original[n] for n in touched)

    def restore(self, touched: list[str]) -> None:
        for name in touched:
            (self.root / name).write_bytes(self.original[name])


def _copy(source: Path, target: Path) -> Bag:
    shutil.copytree(source, target)
    return Bag(target, {n: (target / n).read_bytes() for n in bag_files(target)})


@pytest.fixture(scope="module")
def bags(small: Small, tmp_path_factory: pytest.TempPathFactory) -> Iterator[dict[str, Bag]]:
    root = tmp_path_factory.mktemp("fuzz")
    yield {"bundle": _copy(small.bundle, root / "bundle"),
           "dossier": _copy(small.dossier, root / "dossier")}  # fmt: skip
    shutil.rmtree(root, ignore_errors=True)


@st.composite
def changed(draw: st.DrawFn, data: bytes) -> bytes:
    """`data` with a few bytes flipped, inserted, deleted or overwritten, cut short, or a
    slice of it repeated."""
    out = bytearray(data)
    for _ in range(draw(st.integers(1, 3))):
        kind = draw(st.sampled_from(["xor", "insert", "delete", "overwrite", "cut", "repeat"]))
        at = draw(st.integers(0, max(len(out) - 1, 0)))
        if kind == "xor" and out:
            out[at] ^= draw(st.integers(1, 255))
        elif kind == "insert":
            out[at:at] = draw(st.binary(min_size=1, max_size=8))
        elif kind == "delete" and out:
            del out[at : at + draw(st.integers(1, 16))]
        elif kind == "overwrite":
            piece = draw(st.sampled_from(HOSTILE))
            out[at : at + len(piece)] = piece
        elif kind == "cut":
            del out[at:]
        elif kind == "repeat" and out:
            out[at:at] = out[at : at + draw(st.integers(1, 64))]
    return bytes(out)


HOSTILE = [b"NaN", b"-Infinity", b"1e999", b"9" * 400, b"\xff\xfe", b"\x00", b"\r", b"\t",
           b'"x":1,"x":2', b"[" * 200, b"{}", b"[]", b"null", b"true", b'"\\ud800"', b"\n",
           b"\xed\xa0\x80", b"'", b"=1+1", b": ", b"  ", b"..", b"/"]  # fmt: skip


def _outcome(result: Result, identical: bool, usage: bool = False) -> None:
    """Never an unhandled exception; exit 0 only for the very bag exported (and always for
    it, when it is a directory), else 3 — or 6, for a file that is not a zip at all."""
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    shown = (result.exit_code, result.output[-2000:])
    if result.exit_code == 0:
        assert identical, shown
    elif identical:
        assert usage and result.exit_code == 3, shown  # a zip refused for its headers
    else:
        assert result.exit_code in ({3, 6} if usage else {3}), shown


def _run(
    bag: Bag, touched: list[str], change: Callable[[], object], small: Small, as_json: bool
) -> None:
    """Make the change (every value drawn before, so that nothing stops the example between
    the change and the restore), verify the bag, and put back the files it `touched`."""
    try:
        change()
        result = verify(bag.root, small.vkey(), *(["--json"] if as_json else []))
        _outcome(result, bag.identical(touched))
    finally:
        bag.restore(touched)


@fuzz(4000)
@given(data=st.data())
def test_fuzz_any_file_changed(bags: dict[str, Bag], small: Small, data: st.DataObject) -> None:
    """One file of the bundle or the dossier changed, nothing else: BagIt fixity names it."""
    bag = bags[data.draw(st.sampled_from(["bundle", "dossier"]), label="bag")]
    name = data.draw(st.sampled_from(bag.files()), label="file")
    content = data.draw(changed(bag.original[name]), label="bytes")
    as_json = data.draw(st.booleans(), label="json")
    _run(bag, [name], lambda: (bag.root / name).write_bytes(content), small, as_json)


PARSED = ["bag-info.txt", "bagit.txt", "manifest-sha256.txt", "manifest-sha512.txt",
          SIGNATURE_FILE, "data/checkpoint.txt", "data/ledger/entries.jsonl",
          "data/ledger/signatures.txt", "data/ledger/checkpoints.jsonl",
          "data/ledger/cosignatures.jsonl", "data/reports/withheld.csv"]  # fmt: skip


@fuzz(800)
@given(data=st.data())
def test_fuzz_a_file_changed_with_its_manifests(
    bags: dict[str, Bag], small: Small, data: st.DataObject
) -> None:
    """A file changed and its manifest lines rewritten, as an attacker would: the bytes reach
    the readers of the files the verifier parses (and, now and then, the readable files)."""
    bag = bags[data.draw(st.sampled_from(["bundle", "bundle", "bundle", "dossier"]), label="bag")]
    names = [n for n in bag.files() if n in PARSED or "/proofs/" in n]
    if data.draw(st.integers(0, 9), label="any file") == 0:
        names = bag.files()
    name = data.draw(st.sampled_from(names), label="file")
    content = data.draw(changed(bag.original[name]), label="bytes")
    as_json = data.draw(st.booleans(), label="json")

    def change() -> None:
        (bag.root / name).write_bytes(content)
        if not name.startswith(("tagmanifest-", SIGNATURE_FILE)):
            try:
                rehash(bag.root, name)
            except (ValueError, OSError):
                pass  # a manifest or bag-info the attacker's own tool cannot parse either

    _run(bag, [name, *TAGS], change, small, as_json)


JSON_VALUES = st.recursive(
    st.none() | st.booleans() | st.integers(-(2**70), 2**70) | st.text(max_size=8)
    | st.sampled_from([float("nan"), float("inf"), 1.5]),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(st.text(max_size=4), inner,
                                                                max_size=3),
    max_leaves=8,
)  # fmt: skip
FIELDS = ["v", "seq", "prev", "type", "subject", "occurred_at", "recorded_at", "actor", "key",
          "body"]  # fmt: skip


@fuzz(1200)
@given(data=st.data())
def test_fuzz_an_entry_given_hostile_json_and_signed_again(
    bags: dict[str, Bag], small: Small, data: st.DataObject
) -> None:
    """An entry's field set to any JSON value (NaN, huge integers, wrong types, nesting), or its
    line replaced by hostile text; the manifests rewritten and the list of files signed again
    by the exporter's own key, so only the entry's own checks can catch it."""
    bag = bags["bundle"]
    name = "data/ledger/entries.jsonl"
    lines = bag.original[name].split(b"\n")
    index = data.draw(st.integers(0, len(lines) - 2), label="line")
    if data.draw(st.booleans(), label="structured"):
        value = json.loads(lines[index])
        field = data.draw(st.sampled_from(FIELDS), label="field")
        value[field] = data.draw(JSON_VALUES, label="value")
        lines[index] = json.dumps(value, ensure_ascii=False, sort_keys=True,
                                  separators=(",", ":")).encode()  # fmt: skip
    else:
        lines[index] = data.draw(changed(lines[index]), label="line bytes")

    def change() -> None:
        (bag.root / name).write_bytes(b"\n".join(lines))
        rehash(bag.root, name)
        resign(bag.root, "wu.xia", small.ledger.keys["wu.xia"])

    _run(bag, [name, *TAGS], change, small, False)


@pytest.fixture(scope="module")
def zip_bytes(small: Small) -> bytes:
    return small.bundle_zip.read_bytes()


@cache
def _original(path: Path) -> dict[str, bytes] | None:
    return _content(path)


def _content(path: Path) -> dict[str, bytes] | None:
    try:
        with zipfile.ZipFile(path) as archive:
            return {i.filename: archive.read(i) for i in archive.infolist() if not i.is_dir()}
    except Exception:  # the test's own reading: any failure means "not the same bag"
        return None


@fuzz(4000)
@given(data=st.data())
def test_fuzz_the_zip_bytes(
    small: Small, zip_bytes: bytes, tmp_path_factory: pytest.TempPathFactory, data: st.DataObject
) -> None:
    """The zip's own bytes changed (its headers, its compressed data, its directory): exit 0
    only if it still holds the very same files, else 3, or 6 when it is no zip at all."""
    target = tmp_path_factory.getbasetemp() / "fuzz.zip"
    target.write_bytes(data.draw(changed(zip_bytes), label="zip"))
    result = verify(target, small.vkey())
    # Exit 3 is right whatever the zip holds; 0 and 6 are checked against what it holds.
    same = result.exit_code != 3 and _content(target) == _original(small.bundle_zip)
    _outcome(result, same, usage=True)
