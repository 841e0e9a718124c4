"""BagIt 1.0 fixity (RFC 8493 §2.1.3, §2.2.1, §3), the bag read in the form its writer writes.

The payload manifests (`manifest-sha256.txt`, `manifest-sha512.txt`) list every file under
`data/` and nothing else; the tag manifests list every other file of the bag but themselves and
`export-signature.json` (which lists their hashes); each line is `HASH  PATH`, sorted by path;
`Payload-Oxum` is the payload's size and count. Each file is read once, for both algorithms.
The `bagit` package, which the tests use to show that an export is a valid bag, reads hostile
manifests leniently and can fail on them with errors of its own; this reader names the file and
the line instead. `verify_bag` checks bagit.txt and bag-info.txt before this runs.
"""

from __future__ import annotations

import hashlib
import re
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path

from ledger.export.bag_read import text_lines

ALGORITHMS = {"sha256": 64, "sha512": 128}
UNLISTED = frozenset({"export-signature.json"})
_TAG_MANIFESTS = frozenset(f"tagmanifest-{algorithm}.txt" for algorithm in ALGORITHMS)
_CHUNK = 1 << 16


@dataclass(frozen=True)
class FixityProblem:
    """A file (or None for the bag) and what is wrong with it."""

    file: str | None
    message: str


@dataclass(frozen=True)
class Fixity:
    """What fixity found, and the SHA-256 of every file read (the signed list is checked
    against these, without reading the files again)."""

    problems: list[FixityProblem]
    sha256: dict[str, str]


def _manifest(data: bytes, width: int) -> dict[str, str]:
    """path → hash, from a manifest in the writer's form.

    Raises:
        ValueError: naming the line.
    """
    line_form = re.compile(f"([0-9a-f]{{{width}}})  ([^\\r\\n]+)")
    listed: dict[str, str] = {}
    previous = ""
    for number, line in enumerate(text_lines(data), start=1):
        match = line_form.fullmatch(line)
        if match is None:
            raise ValueError(f"line {number} is not '{width} hex digits, two spaces, a path'")
        digest, path = match.groups()
        if path <= previous:
            raise ValueError(f"line {number}: {path} is out of order or listed twice")
        listed[path], previous = digest, path
    return listed


def _digests(path: Path) -> tuple[dict[str, str], int]:
    hashes = {name: hashlib.new(name) for name in ALGORITHMS}
    size = 0
    with path.open("rb") as handle:
        while chunk := handle.read(_CHUNK):
            size += len(chunk)
            for digest in hashes.values():
                digest.update(chunk)
    return {name: h.hexdigest() for name, h in hashes.items()}, size


def _compare(
    path: str, kind: str, digests: dict[str, str], listings: dict[str, dict[str, str]]
) -> list[FixityProblem]:
    """The manifests' lines for `path` against its digests.

    When every manifest that lists the file disagrees with it, the file changed and is named;
    when one agrees, the file is as written and the disagreeing manifest's line is named.
    """
    said = {
        algorithm: listings[f"{kind}-{algorithm}.txt"][path]
        for algorithm in digests
        if path in listings.get(f"{kind}-{algorithm}.txt", {})
    }
    wrong = [algorithm for algorithm, digest in said.items() if digest != digests[algorithm]]
    if not wrong:
        return []
    if len(wrong) == len(said):
        return [
            FixityProblem(path, f"its {a} is {digests[a]}, {kind}-{a}.txt says {said[a]}")
            for a in wrong
        ]
    agreeing = ", ".join(f"{kind}-{a}.txt" for a in said if a not in wrong)
    return [
        FixityProblem(
            f"{kind}-{a}.txt",
            f"its line for {path} says {said[a]}, but the file's {a} is {digests[a]} "
            f"(the file is as {agreeing} says)",
        )
        for a in wrong
    ]


def check_fixity(root: Path, files: Sequence[str], oxum: str) -> Fixity:
    """Check the bag at `root`, whose regular files are `files`, against its manifests and
    its Payload-Oxum (`oxum`, from bag-info.txt)."""
    problems: list[FixityProblem] = []
    payload = [f for f in files if f.startswith("data/")]
    tags = [f for f in files if "/" not in f and f not in UNLISTED and f not in _TAG_MANIFESTS]
    for name in files:
        if "/" in name and not name.startswith("data/"):
            problems.append(FixityProblem(name, "is outside data/ and in no manifest"))
    listings: dict[str, dict[str, str]] = {}
    for kind, expected in (("manifest", payload), ("tagmanifest", tags)):
        for algorithm, width in ALGORITHMS.items():
            name = f"{kind}-{algorithm}.txt"
            if name not in files:
                problems.append(FixityProblem(name, "is missing"))
                continue
            try:
                listed = _manifest((root / name).read_bytes(), width)
            except ValueError as exc:
                problems.append(FixityProblem(name, str(exc)))
                continue
            listings[name] = listed
            for path in sorted(set(expected) - listed.keys()):
                problems.append(FixityProblem(path, f"is in the bag but not in {name}"))
            for path in sorted(listed.keys() - set(expected)):
                problems.append(FixityProblem(name, f"lists {path}, which is not in the bag"))
    sha256: dict[str, str] = {}
    octets = 0
    for path in files:
        if path in UNLISTED:
            continue
        digests, size = _digests(root / path)
        sha256[path] = digests["sha256"]
        kind = "manifest" if path in payload else "tagmanifest"
        octets += size if path in payload else 0
        problems.extend(_compare(path, kind, digests, listings))
    if oxum != f"{octets}.{len(payload)}":
        problems.append(
            FixityProblem(
                "bag-info.txt",
                f"Payload-Oxum is {oxum!r}, but the payload holds "
                f"{octets} bytes in {len(payload)} files",
            )
        )
    return Fixity(problems, sha256)
