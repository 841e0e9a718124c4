"""What `ledger verify` found (`VerifyReport`: the first failure of each class, lowest seq first),
and how its messages name a stored value (a tampered SQLite file may hold a value of any class in
any column)."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any

from ledger.errors import StorageError, VerificationError


@dataclass
class Failure:
    """The first failure of one class, and how many entries failed that way."""

    kind: str
    seq: int | None
    message: str
    count: int = 1

    def describe(self) -> str:
        """One line: `seq 41: signature does not verify (key 3fa2…)`."""
        where = f"seq {self.seq}: " if self.seq is not None else ""
        more = f" (and {self.count - 1} more)" if self.count > 1 else ""
        return f"{where}{self.message}{more}"


@dataclass
class VerifyReport:
    """What `ledger verify` found."""

    entries: int = 0
    blobs: int = 0
    head: str | None = None
    failures: dict[str, Failure] = field(default_factory=dict)
    tree: Any = None  # the tree pass's TreeReport, once it has run

    @property
    def ok(self) -> bool:
        """True when nothing failed."""
        return not self.failures

    def add(self, error: VerificationError) -> None:
        """Record a failure, keeping the lowest seq of each class."""
        # Stored text that was not UTF-8 is read with surrogate escapes: show them as escapes.
        message = error.message.encode("utf-8", "backslashreplace").decode("utf-8")
        current = self.failures.get(error.kind)
        if current is None:
            self.failures[error.kind] = Failure(error.kind, error.seq, message)
            return
        current.count += 1
        if error.seq is not None and (current.seq is None or error.seq < current.seq):
            current.seq, current.message = error.seq, message

    def ordered(self) -> list[Failure]:
        """Failures, lowest seq first."""
        return sorted(self.failures.values(), key=lambda f: (f.seq is None, f.seq or 0, f.kind))

    def to_json(self) -> dict[str, Any]:
        """The report as JSON for machines."""
        result = {
            "ok": self.ok,
            "entries": self.entries,
            "blobs": self.blobs,
            "head": self.head,
            "failures": [
                {"class": f.kind, "seq": f.seq, "message": f.message, "count": f.count}
                for f in self.ordered()
            ],
        }
        if self.tree is not None:
            result["tree"] = self.tree.to_json()
        return result


def kind_of(value: object) -> str:
    """How SQL would name a stored value's class."""
    if value is None:
        return "NULL"
    if isinstance(value, str):
        return "TEXT"
    if isinstance(value, bytes | bytearray | memoryview):
        return "a BLOB"
    if isinstance(value, int):
        return "an INTEGER"
    if isinstance(value, float):
        return "a REAL"
    return type(value).__name__


def shown(value: object, width: int = 60) -> str:
    """A stored value as a message shows it: quoted, escaped, and cut short when long."""
    if isinstance(value, str) and width < 20:
        return value[:width] if value.isprintable() else repr(value[:width])
    text = repr(value)
    return text if len(text) <= width else text[: width - 1] + "…"


def as_bytes(value: object, column: str, seq: int | None, report: VerifyReport) -> bytes | None:
    """A BLOB column's value as bytes: TEXT is taken as its UTF-8 (and reported), anything
    else is reported and gives None."""
    if type(value) is bytes:
        return value
    kind = kind_of(value)
    report.add(StorageError(f"column {column} holds {kind}, not a BLOB", seq=seq))
    if isinstance(value, str):
        return value.encode("utf-8", "surrogateescape")
    if isinstance(value, bytearray | memoryview):
        return bytes(value)
    return None
