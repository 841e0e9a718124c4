"""`ledger verify --bundle` on hostile bags: whatever the author put in a file — JSON that is
not an object, nested thousands deep, NaN, huge integers, wrong types, duplicate keys, invalid
UTF-8, a bag-info.txt without its labels — or in the bag's directory — a link to a device, a
FIFO — is a named failure (the file, its line or seq) and exit 3, never a traceback, and
nothing is read through a link."""

from __future__ import annotations

import base64
import json
import os
import shutil
import subprocess
import sys
from collections.abc import Callable
from pathlib import Path

import pytest

from ledger.export.bundle import SIGNATURE_FILE
from tests.export.conftest import Small
from tests.export.forge import failures, rehash, verify

ENTRIES = "data/ledger/entries.jsonl"
Change = Callable[[bytes], bytes]


def _line(number: int, change: Callable[[bytes], bytes]) -> Change:
    """Change line `number` (1-based) of a file of lines."""

    def apply(data: bytes) -> bytes:
        lines = data.split(b"\n")
        lines[number - 1] = change(lines[number - 1])
        return b"\n".join(lines)

    return apply


def _json(change: Callable[[dict[str, object]], object]) -> Callable[[bytes], bytes]:
    def apply(line: bytes) -> bytes:
        value = json.loads(line)
        return json.dumps(change(value), ensure_ascii=False, separators=(",", ":")).encode()

    return apply


DEEP = b"[" * 100_000 + b"]" * 100_000
HUGE = b"1" * 5000
CASES: dict[str, tuple[str, Change, str, str]] = {
    # name: (file, change, the failure's "[kind] where", a part of its message)
    "entry-not-an-object": (ENTRIES, _line(3, lambda _: b"[]"), "[canonical] seq 2",
                            "not a JSON object"),
    "entry-a-number": (ENTRIES, _line(3, lambda _: b"42"), "[canonical] seq 2",
                       "not a JSON object"),
    "entry-nested-deep": (ENTRIES, _line(3, lambda _: DEEP), "[canonical] seq 2", "line 3"),
    "entry-nan": (ENTRIES, _line(3, lambda x: x.replace(b'"seq":2', b'"seq":NaN')),
                  "[canonical] seq 2", "line 3"),
    "entry-huge-integer": (ENTRIES, _line(3, lambda x: x.replace(b'"seq":2', b'"seq":' +
                                                                 b"9" * 5000)),
                           "[canonical] seq 2", "line 3"),
    "entry-seq-a-string": (ENTRIES, _line(3, lambda x: x.replace(b'"seq":2', b'"seq":"2"')),
                           "[canonical] seq 2", "is not a non-negative integer"),
    "entry-invalid-utf8": (ENTRIES, _line(3, lambda x: x.replace(b'"v":1', b'"v":1,"\xff":1')),
                           "[canonical] seq 2", "UTF-8"),
    "entry-duplicate-key": (ENTRIES, _line(3, lambda x: b'{"actor":"x",' + x[1:]),
                            "[canonical] seq 2", "line 3"),
    "entry-empty-line": (ENTRIES, _line(3, lambda _: b""), "[canonical] seq 2", "line 3"),
    "entry-no-newline": (ENTRIES, lambda d: d[:-1], "[bag] seq", "lacks its newline"),
    "signature-wrong-seq": ("data/ledger/signatures.txt", _line(2, lambda x: b"7" + x[1:]),
                            "[bag] data/ledger/signatures.txt", "line 2 is not '1 base64"),
    "signature-not-base64": ("data/ledger/signatures.txt", _line(2, lambda x: x[:-3] + b"!!="),
                             "[bag] data/ledger/signatures.txt", "line 2"),
    "signature-too-short": ("data/ledger/signatures.txt",
                            _line(2, lambda _: b"1 " + base64.b64encode(b"x" * 10)),
                            "[bag] data/ledger/signatures.txt", "64 bytes"),
    "info-no-kind": ("bag-info.txt", lambda d: d.replace(b"Ledger-Export-Kind: bundle\n", b""),
                     "[bag] bag-info.txt", "not bundle or dossier"),
    "info-no-exporter": ("bag-info.txt", lambda d: d.replace(b"Ledger-Exporter: wu.xia\n", b""),
                         "[bag] bag-info.txt", "lacks Ledger-Exporter"),
    "info-invalid-utf8": ("bag-info.txt", lambda d: d.replace(b"Bagging-Date", b"\xffBagging"),
                          "[bag] bag-info.txt", "not UTF-8"),
    "info-label-twice": ("bag-info.txt", lambda d: d + b"Ledger-Origin: elsewhere\n",
                         "[bag] bag-info.txt", "Ledger-Origin appears twice"),
    "info-not-a-label": ("bag-info.txt", lambda d: d + b"no colon here\n", "[bag] bag-info.txt",
                         "is not 'Label: value'"),
    "signed-list-nested-deep": (SIGNATURE_FILE, lambda _: DEEP, f"[signature] {SIGNATURE_FILE}",
                                "nested deeper"),
    "signed-list-nan": (SIGNATURE_FILE, lambda d: d.replace(b'"v":1', b'"v":NaN'),
                        f"[signature] {SIGNATURE_FILE}", "NaN is not a JSON number"),
    "signed-list-key-twice": (SIGNATURE_FILE, lambda d: b'{"v":1,' + d[1:],
                              f"[signature] {SIGNATURE_FILE}", "appears twice"),
    "signed-list-a-list": (SIGNATURE_FILE, lambda _: b"[]\n", f"[signature] {SIGNATURE_FILE}",
                           "not an object"),
    "signed-list-huge-integer": (SIGNATURE_FILE, lambda d: d.replace(b'"v":1', b'"v":1' + HUGE),
                                 f"[signature] {SIGNATURE_FILE}", "4300"),
    "signed-list-wrong-types": (SIGNATURE_FILE, lambda d: d.replace(b'"v":1', b'"v":true'),
                                f"[signature] {SIGNATURE_FILE}", "v is not 1"),
    "signed-list-not-canonical": (SIGNATURE_FILE, lambda d: b" " + d,
                                  f"[signature] {SIGNATURE_FILE}", "canonical"),
    "checkpoints-a-list": ("data/ledger/checkpoints.jsonl", lambda _: b"[]\n",
                           "[bag] data/ledger/checkpoints.jsonl", "line 1: not an object"),
    "checkpoints-a-fraction": ("data/ledger/checkpoints.jsonl",
                               _line(1, lambda x: x.replace(b'"size":', b'"size":0.5,"x":')),
                               "[bag] data/ledger/checkpoints.jsonl", "fraction"),
    "cosignatures-wrong-fields": ("data/ledger/cosignatures.jsonl", lambda _: b'{"x":1}\n',
                                  "[bag] data/ledger/cosignatures.jsonl", "exactly the fields"),
    "withheld-nul": ("data/reports/withheld.csv", lambda d: d + b"\x00\n",
                     "[bag] data/reports/withheld.csv", "line 2 is not"),
    "withheld-header": ("data/reports/withheld.csv", lambda _: b"a,b\n",
                        "[bag] data/reports/withheld.csv", "header"),
    "checkpoint-not-utf8": ("data/checkpoint.txt", lambda _: b"\xff\xfe\n\n",
                            "[checkpoint] data/checkpoint.txt", "UTF-8"),
}  # fmt: skip


@pytest.mark.parametrize("case", sorted(CASES))
def test_hostile_content_is_a_named_failure(small: Small, tmp_path: Path, case: str) -> None:
    """Each hostile file, its manifests rewritten to match: exit 3, and a failure naming the
    file (and line or seq), never a traceback."""
    name, change, where, message = CASES[case]
    bag = tmp_path / "bag"
    shutil.copytree(small.bundle, bag)
    (bag / name).write_bytes(change((bag / name).read_bytes()))
    if name != SIGNATURE_FILE:
        rehash(bag, name)
    result = verify(bag, small.vkey())
    assert result.exception is None or isinstance(result.exception, SystemExit), result.exception
    assert result.exit_code == 3, result.output
    found = [f for f in failures(result) if f.startswith(where)]
    assert any(message in f for f in found), failures(result)


def test_a_blob_that_is_a_directory_is_a_named_failure(small: Small, tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    shutil.copytree(small.bundle, bag)
    (bag / "data/blobs/sha256" / ("0" * 64)).mkdir()
    result = verify(bag, small.vkey())
    assert result.exit_code == 3
    assert f"[bag] data/blobs/sha256/{'0' * 64}: is not a document" in result.stderr


@pytest.mark.parametrize("target", ["/dev/zero", "/etc/hostname", "../outside", "dir"])
def test_a_link_in_the_bag_is_refused_and_never_followed(
    small: Small, tmp_path: Path, target: str
) -> None:
    """A symbolic link — to a device that would be read for ever, to a file outside the bag,
    to a directory — is refused before anything in the bag is read. Run as the installed
    command with a time limit, so that a regression fails instead of hanging."""
    bag = tmp_path / "bag"
    shutil.copytree(small.bundle, bag)
    name = "data/reports/compliance.json"
    (bag / name).unlink()
    if target == "dir":
        os.symlink("/etc", bag / name)
    else:
        (tmp_path / "outside").write_text("{}")
        os.symlink(target, bag / name)
    ledger = Path(sys.executable).with_name("ledger")
    done = subprocess.run(
        [str(ledger), "verify", "--bundle", str(bag), "--trust", small.vkey()],
        capture_output=True, text=True, timeout=120, check=False,
    )  # fmt: skip
    assert done.returncode == 3, done.stderr
    shown = "/etc" if target == "dir" else target
    assert f"FAIL [bag] {name}: is a symbolic link (to {shown})" in done.stderr
    assert done.stderr.count("FAIL") == 1  # nothing else was read


def test_a_fifo_in_the_bag_is_refused_and_never_opened(small: Small, tmp_path: Path) -> None:
    bag = tmp_path / "bag"
    shutil.copytree(small.bundle, bag)
    os.mkfifo(bag / "data/extra")
    result = verify(bag, small.vkey())
    assert result.exit_code == 3
    assert failures(result) == ["[bag] data/extra: is a FIFO, not a regular file: a bag holds "
                                "only regular files and directories"]  # fmt: skip
