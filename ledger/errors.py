"""The core's error hierarchy. Each error knows how to explain itself to a person.

The CLI maps these classes to exit codes in exactly one place (`ledger/cli/exit_codes.py`).
"""

from __future__ import annotations

from dataclasses import dataclass


class LedgerError(Exception):
    """Base class of every error the core raises on purpose."""

    def diagnostics(self) -> str:
        """Return the message a person should read: what is wrong and where."""
        return str(self)


class ConfigError(LedgerError):
    """A setting (database URL, key directory, environment variable) is unusable."""


class StoreError(LedgerError):
    """The database cannot be opened, created or written as asked."""


class LedgerNotFoundError(StoreError):
    """There is no ledger at the given location."""


class SchemaRevisionError(StoreError):
    """The ledger's tables are not at the schema revision of this release."""


class OutdatedSchemaError(SchemaRevisionError):
    """The ledger's tables are an earlier release's: `ledger db upgrade` brings them forward."""


class LaterSchemaError(SchemaRevisionError):
    """The ledger's tables are a later release's, or its version table was changed by hand."""


class EntryNotFoundError(StoreError):
    """No entry (or blob) has the requested sequence number or hash."""


class InputError(LedgerError):
    """A body, file or option given by the user is malformed; nothing was written.

    `where` names the place: a file and line, a field path, an option.
    """

    def __init__(self, message: str, *, where: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.where = where

    def diagnostics(self) -> str:
        return f"{self.where}: {self.message}" if self.where else self.message


class RefusedError(LedgerError):
    """A well-formed entry breaks a rule of the ledger (authority, key, state); nothing written.

    `field` is the body field the refusal concerns (`person`, `named.2`), when it concerns one.
    """

    def __init__(self, message: str, *, field: str | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.field = field


DECREE_713 = "Decree 713"


def citation(article: str | None, instrument: str) -> str:
    """How a basis is cited: the article alone for Decree 713, else with its instrument."""
    if instrument == DECREE_713:
        return article or instrument
    return f"{article}, {instrument}" if article else instrument


@dataclass(frozen=True)
class GateBreach:
    """What a gate of the decision procedure found wrong, as fields a person's words are made
    from: the gate, its rule and legal basis, its strength, the finding, the body field and the
    earlier entry it concerns (when it concerns one), and the code of the remedy that would
    satisfy it (its words are in the message catalogs, under `remedy.<code>`)."""

    gate: str
    rule: str
    article: str | None
    instrument: str
    strength: str
    remedy: str
    finding: str
    field: str | None = None
    conflicting_seq: int | None = None

    @property
    def citation(self) -> str:
        return citation(self.article, self.instrument)

    @property
    def text(self) -> str:
        """The finding, led by the gate and its basis: `G5 (Art. 25): …`."""
        return f"{self.gate} ({self.citation}): {self.finding}"


class GateRefusal(RefusedError):
    """An append refused by a gate of the decision procedure: `breach` says which and why, and
    `seq` is the seq the entry would have had. Nothing was written."""

    def __init__(self, breach: GateBreach, *, seq: int | None = None, note: str = "") -> None:
        super().__init__(f"{breach.text}{note}; nothing was written", field=breach.field)
        self.breach = breach
        self.seq = seq

    @property
    def gate(self) -> str:
        return self.breach.gate


class VerificationError(LedgerError):
    """A stored entry, blob or derived row fails a check. Carries the failing `seq` if any."""

    kind = "verification"

    def __init__(self, message: str, *, seq: int | None = None) -> None:
        super().__init__(message)
        self.message = message
        self.seq = seq

    def diagnostics(self) -> str:
        return f"seq {self.seq}: {self.message}" if self.seq is not None else self.message


class CanonicalFormError(VerificationError):
    """The stored statement bytes are not the RFC 8785 canonical form of a valid statement."""

    kind = "canonical"


class EntryHashError(VerificationError):
    """A stored leaf hash is not SHA-256(0x00 ‖ statement bytes)."""

    kind = "leaf_hash"


class ColumnError(VerificationError):
    """A denormalised column differs from the signed statement."""

    kind = "column"


class SequenceError(VerificationError):
    """Sequence numbers have a gap, a repeat, or disagree with the statement."""

    kind = "sequence"


class ChainLinkError(VerificationError):
    """An entry's `prev` is not the leaf hash of the entry before it."""

    kind = "chain"


class SignatureError(VerificationError):
    """A signature does not verify under the key the statement names."""

    kind = "signature"


class KeyValidityError(VerificationError):
    """The signing key was unknown, bound to someone else, or revoked at `recorded_at`."""

    kind = "key"


class AuthorityError(VerificationError):
    """The actor was not allowed to author this entry, or the entry breaks a ledger rule.

    `field` is the body field it concerns (`person`, `named.2`), when it concerns one.
    """

    kind = "authority"

    def __init__(self, message: str, *, seq: int | None = None, field: str | None = None) -> None:
        super().__init__(message, seq=seq)
        self.field = field


class SchemaError(VerificationError):
    """A stored body does not satisfy its type's schema."""

    kind = "schema"


class ClockError(VerificationError):
    """`recorded_at` goes backwards along the chain."""

    kind = "time"


class BlobError(VerificationError):
    """A stored blob's bytes do not match its hash, or a referenced blob is missing."""

    kind = "blob"


class DerivedStateError(VerificationError):
    """A derived table differs from its rebuild from the entries."""

    kind = "derived"


class GateError(VerificationError):
    """An entry breaks a gate of the decision procedure (G1–G17), or meets a soft gate without
    the reason it needs. `breach` says which and why; the message starts with the gate and its
    article: `G5 (Art. 25): …`."""

    kind = "gate"

    def __init__(self, breach: GateBreach, *, seq: int | None = None) -> None:
        super().__init__(breach.text, seq=seq)
        self.breach = breach

    @property
    def gate(self) -> str:
        return self.breach.gate


class ProofError(VerificationError):
    """An inclusion or consistency proof does not verify (RFC 9162 §2.1.3.2, §2.1.4.2)."""

    kind = "proof"

    def __init__(
        self,
        message: str,
        *,
        seq: int | None = None,
        expected: bytes | None = None,
        calculated: bytes | None = None,
    ) -> None:
        super().__init__(message, seq=seq)
        self.expected = expected
        self.calculated = calculated


class NoteError(VerificationError):
    """A signed note (checkpoint, cosignature) is malformed or a known key's signature fails."""

    kind = "note"


class CheckpointError(VerificationError):
    """The ledger is not an extension of a checkpoint, or a stored checkpoint is wrong."""

    kind = "checkpoint"


class StorageError(VerificationError):
    """A stored value is not of the kind the application writes: TEXT where bytes belong, NULL,
    a number for text, bytes of the wrong length. The database accepts such values (SQLite
    stores any value in any column); the application never writes them."""

    kind = "storage"


class DatabaseSchemaError(VerificationError):
    """A table of the ledger is not as the application creates it: a primary key, unique
    constraint, NOT NULL or column type missing or changed, or an append-only trigger dropped,
    disabled or altered. The message names the table."""

    kind = "db_schema"


class TreeCacheError(DerivedStateError):
    """The Merkle node cache differs from its rebuild from the leaf hashes."""

    kind = "merkle_cache"


class WitnessRefusal(VerificationError):
    """A witness refuses to cosign: the checkpoint goes backwards, forks, or fails its proof."""

    kind = "witness"


class RevocationError(VerificationError):
    """A key revocation effective before entries already signed with the key does not list
    exactly those entries as repudiated."""

    kind = "revocation"


class FutureTimeError(VerificationError):
    """An entry's `recorded_at` is later than the verifier's clock (beyond the profile's clock
    tolerance): a machine whose clock ran ahead stamped it."""

    kind = "future"


def seq_list(seqs: list[int], shown: int = 10) -> str:
    """Seqs for a message: `3, 5, 8`, or the first `shown` and how many in all."""
    text = ", ".join(str(seq) for seq in seqs[:shown])
    return text if len(seqs) <= shown else f"{text}, … ({len(seqs)} in all)"
