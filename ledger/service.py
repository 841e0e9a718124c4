"""The use cases. The CLI and the terminal UI call these functions and nothing lower.

Every function takes its dependencies as keyword arguments: the store, the signing key, the
clock (`now`). Nothing here prompts, prints or reads the environment.
"""

from __future__ import annotations

import base64
import os
from collections.abc import Callable, Collection, Iterable, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path
from typing import Any

from keys import KeyNotFoundError, KeyStore, SigningKey, key_id, short_id
from ledger.authority import Directory
from ledger.entry import (
    DEFAULT_ZONE,
    EARLIEST_YEAR,
    ID_PATTERN,
    LATEST_YEAR,
    ZERO_HASH,
    SignedEntry,
    Statement,
    format_local,
    format_utc,
    is_utc_stamp,
    leaf_hash,
    parse_time,
    possession_message,
    signing_message,
)
from ledger.errors import (
    AuthorityError,
    FutureTimeError,
    GateError,
    GateRefusal,
    InputError,
    LedgerError,
    RefusedError,
    SequenceError,
    StoreError,
    VerificationError,
)
from ledger.note import SignedCheckpoint
from ledger.procedure.profile import RuleProfile
from ledger.registry import lookup
from ledger.store import SqlStore, create_store, open_store, url_for
from ledger.store.engine import sqlite_path
from ledger.store.repository import Head, StoredRow
from ledger.store.schema import check_schema
from ledger.tree_verify import TreeRebuild, verify_tree
from ledger.types import GENESIS, EntryType
from ledger.verify import (
    PARALLEL_THRESHOLD,
    VerifyReport,
    report_schema,
    verify_blobs,
    verify_derived,
    verify_entries,
)

DEFAULT_RULE_PROFILE = "decree-713-2019"


@dataclass(frozen=True)
class Draft:
    """An entry to be appended: everything but its place in the chain and its signature."""

    type: str
    subject: str
    body: dict[str, Any]
    actor: str
    signer: SigningKey
    occurred_at: str | None = None


def check_id(value: str, *, where: str) -> str:
    """Return `value` if it is a valid id (person, organ, subject).

    Raises:
        InputError: naming `where`.
    """
    if not ID_PATTERN.fullmatch(value):
        raise InputError(
            f"{value!r} is not a valid id: letters, digits and . _ : - (up to 128), "
            "starting with a letter or digit",
            where=where,
        )
    return value


@dataclass(frozen=True)
class LedgerIdentity:
    """What the genesis entry says about the ledger: its name, its body and its registrar."""

    origin: str
    organisation: str
    registrar_id: str
    registrar_name: str
    rule_profile: str = DEFAULT_RULE_PROFILE

    def genesis_body(self, public_key: bytes) -> dict[str, Any]:
        """Return the genesis body naming the registrar's key `public_key`."""
        return {
            "origin": self.origin,
            "organisation": self.organisation,
            "registrar": {"id": self.registrar_id, "name": self.registrar_name},
            "registrar_key": {
                "key_id": key_id(public_key),
                "public_key": base64.b64encode(public_key).decode(),
            },
            "rule_profile": self.rule_profile,
        }


_INIT_OPTIONS = {"origin": "--origin", "organisation": "--organisation"}


def check_init(*, db: str, identity: LedgerIdentity) -> None:
    """Check everything `init_ledger` needs, before any key or file is made.

    Raises:
        InputError: a bad origin, id or name. StoreError: the database exists already, or
        its directory cannot be written. ConfigError: an unusable --db.
    """
    check_id(identity.registrar_id, where="--registrar-id")
    try:
        lookup(GENESIS).validate(identity.genesis_body(bytes(32)))
    except InputError as exc:
        field = (exc.where or "").removeprefix("body.").split(".")[0]
        where = _INIT_OPTIONS.get(field, "--registrar-name")
        raise InputError(exc.message, where=where) from None
    path = sqlite_path(url_for(db))
    if path is not None:
        if path.exists():
            raise StoreError(f"{path} already exists; refusing to overwrite it")
        parent = next((p for p in path.parents if p.exists()), None)
        if parent is None or not parent.is_dir() or not os.access(parent, os.W_OK):
            raise StoreError(f"cannot create {path}: {parent} is not a writable directory")


def init_ledger(
    *, db: str, identity: LedgerIdentity, registrar_key: SigningKey, now: datetime
) -> tuple[SqlStore, SignedEntry]:
    """Create a ledger whose genesis entry names the registrar and their key (self-signed).

    Raises:
        InputError: a bad origin, id or name; nothing is created.
        StoreError: a ledger already exists there, or the database cannot be created.
    """
    check_init(db=db, identity=identity)
    body = identity.genesis_body(registrar_key.public_key)
    store = create_store(db)
    registrar = identity.registrar_id
    draft = Draft(GENESIS, registrar, body, registrar, registrar_key)
    try:
        entries = append_batch(store=store, drafts=[draft], now=now)
    except LedgerError:
        store.close()
        path = sqlite_path(url_for(db))
        if path is not None:
            for suffix in ("", "-wal", "-shm"):
                Path(f"{path}{suffix}").unlink(missing_ok=True)
        raise
    return store, entries[0]


def append_entry(*, store: SqlStore, draft: Draft, now: datetime) -> SignedEntry:
    """Append one entry in its own transaction.

    Raises:
        InputError: the body does not fit its type; RefusedError: a ledger rule refuses it;
        StoreError: the database failed. In every case nothing is written.
    """
    return append_batch(store=store, drafts=[draft], now=now)[0]


def append_batch(
    *, store: SqlStore, drafts: Iterable[Draft], now: datetime | Callable[[], datetime]
) -> list[SignedEntry]:
    """Append several entries in one transaction: all of them, or none.

    Args:
        now: the clock, or a fixed time for every entry.

    Raises:
        InputError, RefusedError, StoreError: as for `append_entry`; nothing is written.
    """
    clock = now if callable(now) else (lambda: now)
    drafts = list(drafts)
    for draft in drafts:
        lookup(draft.type).validate(draft.body)
        check_id(draft.subject, where="subject")
        if draft.occurred_at is not None:
            parse_time(draft.occurred_at, where="--occurred-at")
    with store.writing() as tx:
        head = tx.head()
        directory = tx.directory()
        sealed: list[SignedEntry] = []
        changes = []
        _count_batch(directory, sealed)
        rules = directory.procedure.profile()[2]
        for index, draft in enumerate(drafts):
            refs = lookup(draft.type).blob_refs(draft.body)
            missing = tx.missing_blobs(refs)
            if missing:
                raise RefusedError(
                    f"blob {missing[0]} is not in the ledger; add it first with "
                    "`ledger blob add FILE`"
                )
            moment = clock()
            if rules.clock_source == "database":
                check_clocks(moment, tx.database_time(), rules)
            entry = _seal(draft, head, recorded_time(moment, head, rules), moment)
            try:
                directory.check(entry.statement)
            except GateError as exc:
                raise GateRefusal(exc.breach, seq=entry.seq, note=_nth(index, drafts)) from None
            except VerificationError as exc:
                field = exc.field if isinstance(exc, AuthorityError) else None
                raise RefusedError(
                    f"{exc.message}{_nth(index, drafts)}; nothing was written", field=field
                ) from None
            changes += directory.apply(entry.statement)
            sealed.append(entry)
            head = Head(entry.seq, entry.leaf_hash, entry.statement.recorded_at)
        tx.insert_many(sealed, changes)
    return sealed


def _nth(index: int, drafts: list[Draft]) -> str:
    """Which entry of a batch was refused (nothing for a single entry)."""
    return f" (entry {index + 1} of {len(drafts)})" if len(drafts) > 1 else ""


def _count_batch(directory: Directory, sealed: list[SignedEntry]) -> None:
    """Make the register's count of the entries a key signed include those sealed earlier in
    this batch (the store knows only the committed ones)."""
    stored = directory.signed_lookup
    if stored is None:  # a register replayed from genesis counts every entry itself
        return

    def signed(key_id: str, since: str) -> list[int]:
        batch = [
            e.seq for e in sealed if e.statement.key == key_id and e.statement.recorded_at >= since
        ]
        return stored(key_id, since) + batch

    directory.signed_lookup = signed


def recorded_time(now: datetime, head: Head | None, rules: RuleProfile) -> str:
    """The recorded_at of an entry appended at `now` (this machine's clock) after `head`.

    The chain's time never runs backwards: a clock behind the head by no more than the
    profile's `clock_tolerance_seconds` gets the head's time. A clock further behind is refused
    rather than followed: the head was stamped by a clock that ran ahead, or this one is slow,
    and stamping every later entry with a wrong time would hide it.

    Raises:
        RefusedError: the clock is further behind the head than the tolerance, or outside the
            years the ledger accepts.
    """
    recorded = format_utc(now)
    if not f"{EARLIEST_YEAR}" <= recorded[:4] <= f"{LATEST_YEAR}":
        raise RefusedError(
            f"this machine's clock says {recorded}; the ledger accepts times of the years "
            f"{EARLIEST_YEAR} to {LATEST_YEAR}: fix the clock; nothing was written"
        )
    if head is None or recorded >= head.recorded_at:
        return recorded
    if not is_utc_stamp(head.recorded_at):
        raise RefusedError(
            f"the ledger's head (seq {head.seq}) has recorded_at {head.recorded_at!r}, which is "
            "not a time: the database was changed behind the ledger's back (run `ledger "
            "verify`); nothing was written"
        )
    behind = _utc(head.recorded_at) - now
    if behind > timedelta(seconds=rules.clock_tolerance_seconds):
        raise RefusedError(
            f"the ledger's head (seq {head.seq}) was recorded at {head.recorded_at}, which is "
            f"ahead of this machine's clock ({recorded}) by {_span(behind)}, more than the "
            f"profile's clock tolerance of {rules.clock_tolerance_seconds} s: fix the clock "
            "(if this clock is right, the head was stamped by one that ran ahead; `ledger "
            "verify` names that entry); nothing was written"
        )
    return head.recorded_at


def check_clocks(now: datetime, reference: datetime, rules: RuleProfile) -> None:
    """Compare this machine's clock with the profile's second time source.

    Raises:
        RefusedError: they differ by more than the profile's clock tolerance.
    """
    drift = now - reference
    if abs(drift) > timedelta(seconds=rules.clock_tolerance_seconds):
        direction = "ahead of" if drift > timedelta(0) else "behind"
        raise RefusedError(
            f"this machine's clock ({format_utc(now)}) is {_span(abs(drift))} {direction} the "
            f"database server's ({format_utc(reference)}), more than the profile's clock "
            f"tolerance of {rules.clock_tolerance_seconds} s: fix the clock that is wrong; "
            "nothing was written"
        )


def _utc(stamp: str) -> datetime:
    return datetime.fromisoformat(stamp.replace("Z", "+00:00"))


def _span(delta: timedelta) -> str:
    seconds = int(delta.total_seconds())
    if seconds < 120:
        return f"{seconds} s"
    if seconds < 7200:
        return f"{seconds // 60} min"
    if seconds < 3 * 86400:
        return f"{seconds // 3600} h"
    return f"{seconds // 86400} days"


def _seal(draft: Draft, head: Head | None, recorded: str, now: datetime) -> SignedEntry:
    occurred = draft.occurred_at or format_local(now.astimezone(DEFAULT_ZONE))
    parse_time(occurred, where="occurred_at")
    stmt = Statement(
        seq=0 if head is None else head.seq + 1,
        prev=ZERO_HASH if head is None else head.leaf_hash,
        type=draft.type,
        subject=draft.subject,
        occurred_at=occurred,
        recorded_at=recorded,
        actor=draft.actor,
        key=draft.signer.key_id,
        body=draft.body,
    )
    data = stmt.canonical()
    leaf = leaf_hash(data)
    return SignedEntry(stmt, data, leaf.hex(), draft.signer.sign(signing_message(leaf)))


# -- people and keys ------------------------------------------------------------------------


def unlock(
    *, store: SqlStore, keystore: KeyStore, person: str, passphrase: Callable[[], str]
) -> SigningKey:
    """Load the newest valid key of `person` found in the key directory.

    `passphrase` is asked only once the key file is found, so nobody types a passphrase only
    to hear that the key is elsewhere.

    Raises:
        InputError: the person is not registered.
        RefusedError: the person has no valid key.
        KeysError: none of the person's keys is in the key directory (KeyNotFoundError), a
            wrong passphrase, an unreadable key file.
    """
    directory = store.directory()
    if person not in directory.persons:
        raise InputError(f"{person!r} is not a registered person", where="--as")
    records = [k for k in directory.keys_of(person) if k.revoked_seq is None]
    if not records:
        raise RefusedError(f"{person} has no valid key; the registrar must bind one")
    for record in reversed(records):
        if keystore.has(record.key_id):
            return keystore.load(record.key_id, passphrase())
    listed = ", ".join(short_id(k.key_id) for k in records)
    raise KeyNotFoundError(
        f"none of {person}'s keys ({listed}) is in {keystore.directory}",
        hint="Pass --key-dir or set LEDGER_KEY_DIR to the directory holding it.",
    )


def key_request(*, store: SqlStore, key: SigningKey, person: str) -> dict[str, Any]:
    """Make the `key.bound` request for a new key: its public key and proof of possession.

    The registrar appends it with `bind_key`; the private key never leaves its holder.
    """
    origin = store.directory().origin
    assert origin is not None
    proof = key.sign(possession_message(origin, person, key.key_id))
    return {
        "origin": origin,
        "person": person,
        "body": {
            "key_id": key.key_id,
            "public_key": base64.b64encode(key.public_key).decode(),
            "proof_of_possession": base64.b64encode(proof).decode(),
        },
    }


def read_key_request(path: Path) -> dict[str, Any]:
    """Read a key request written by `ledger key new`.

    Raises:
        InputError: the file is missing or not a key request.
    """
    from ledger import inputs

    raw = inputs.read_file(path, limit=inputs.MAX_TEXT_FILE)
    request = inputs.parse_json(raw, where=str(path))
    if not isinstance(request, dict) or set(request) != {"origin", "person", "body"}:
        raise InputError("not a key request (want origin, person, body)", where=str(path))
    for name in ("origin", "person"):
        if not isinstance(request[name], str):
            raise InputError(f"not a key request: {name} is not a string", where=str(path))
    if not isinstance(request["body"], dict):
        raise InputError("not a key request: body is not an object", where=str(path))
    return request


# -- reading ----------------------------------------------------------------------------------


def lookup_type(name: str) -> EntryType:
    """Return an entry type by name. Raises InputError for an unknown type."""
    return lookup(name)


def get_entry(*, store: SqlStore, seq: int) -> SignedEntry:
    """Return the entry at `seq`. Raises EntryNotFoundError."""
    return store.get(seq)


def list_entries(
    *,
    store: SqlStore,
    entry_type: str | None = None,
    actor: str | None = None,
    subject: str | None = None,
    since: int = 0,
    limit: int | None = None,
    newest_first: bool = False,
) -> Iterator[StoredRow]:
    """Stream entries matching every given filter, in seq order (or newest first)."""
    where = {
        name: value
        for name, value in (("type", entry_type), ("actor", actor), ("subject", subject))
        if value is not None
    }
    return store.rows(since=since, where=where, limit=limit, descending=newest_first)


def add_blob(*, store: SqlStore, data: bytes) -> str:
    """Store a document; return its SHA-256 hex for use in bodies (idempotent)."""
    with store.writing() as tx:
        return tx.put_blob(data)


def get_blob(*, store: SqlStore, sha256: str) -> bytes:
    """Return a stored document. Raises EntryNotFoundError."""
    return store.blob(sha256)


def verify_ledger(
    *,
    store: SqlStore,
    progress: Callable[[int, int], None] | None = None,
    parallel: bool | None = None,
    checkpoints: Sequence[tuple[str, SignedCheckpoint]] = (),
    withheld: Collection[str] = (),
    now: datetime | None = None,
) -> VerifyReport:
    """Recompute and check everything in the ledger (see `ledger.verify`), then the Merkle
    tree, every stored checkpoint and each of `checkpoints` (see `ledger.tree_verify`), in one
    snapshot.

    Args:
        progress: called now and then with (entries checked, entries in all).
        checkpoints: (name, checkpoint) pairs an auditor kept: the ledger must extend each.
        withheld: hashes of blobs an export left out on purpose: references to them are not
            failures (the caller reports them as withheld).
        now: the verifier's clock; if given, an entry recorded later than it (beyond the
            profile's clock tolerance) is a failure of kind `future`.

    Returns:
        The report; `report.ok` is False when anything failed. It never raises for a failed
        check, so that every failure class is reported.

    Raises:
        StoreError: the database cannot be read.
    """
    report = VerifyReport()
    with store.reading() as conn:
        # (0) the tables, keys, constraints and triggers are those the application creates
        schema = check_schema(conn, store.recorded.schema)
        report_schema(schema, report)
        if schema.unreadable & {"entries", "blobs"}:
            return report  # nothing can be checked; the schema failures say why
        head = store.head(conn)
        total = 0 if head is None else head.seq + 1 if type(head.seq) is int else store.count(conn)
        if total == 0:
            report.add(SequenceError("the ledger has no entries, not even a genesis", seq=0))
            return report
        referenced: dict[str, int] = {}
        tree = not schema.unreadable & {"merkle_nodes", "checkpoints", "cosignatures"}
        rebuild = TreeRebuild(conn, report, checkpoints) if tree else None
        directory = verify_entries(
            store.rows(conn=conn),
            blob_hashes=store.blob_hashes(conn) | set(withheld),
            report=report,
            referenced=referenced,
            parallel=total >= PARALLEL_THRESHOLD if parallel is None else parallel,
            progress=None if progress is None else (lambda seq: progress(seq, total)),
            leaves=None if rebuild is None else rebuild.feed,
        )
        verify_blobs(store.blobs(conn), report, referenced)
        # A replay past a failed entry differs from the stored rows as a consequence of that
        # failure; comparing would only blame an earlier, innocent seq.
        compare = report.ok or set(report.failures) == {"db_schema"}
        if now is not None and head is not None:
            _check_future(store, conn, head, now, directory.procedure.profile()[2], report)
        if compare:
            rebuilt = directory.table_rows()
            stored = store.derived_rows(conn, skip=schema.unreadable)
            verify_derived(stored, {name: rebuilt[name] for name in stored}, report)
        if rebuild is not None:
            report.tree = verify_tree(
                store=store,
                report=report,
                external=checkpoints,
                conn=conn,
                directory=directory,
                rebuild=rebuild,
            )
    return report


def _check_future(
    store: SqlStore, conn: Any, head: Head, now: datetime, rules: RuleProfile, report: VerifyReport
) -> None:
    """Report the first entry recorded later than `now` plus the clock tolerance. recorded_at
    never decreases along a chain that verifies, so only the head need be compared, and the
    first such entry is found by bisection (from the columns, which verify proves equal to the
    statements)."""
    limit = format_utc(now + timedelta(seconds=rules.clock_tolerance_seconds))
    if head.recorded_at <= limit:
        return
    low, high, first = 0, head.seq, head
    while low <= high:
        middle = (low + high) // 2
        row = next(store.rows(conn=conn, since=middle, limit=1), None)
        if row is not None and row.recorded_at > limit:
            first, high = Head(row.seq, row.leaf_hash, row.recorded_at), middle - 1
        else:
            low = middle + 1
    report.add(
        FutureTimeError(
            f"recorded_at {first.recorded_at} is ahead of this verifier's clock "
            f"({format_utc(now)}) by more than the profile's clock tolerance of "
            f"{rules.clock_tolerance_seconds} s: the machine that appended it had a clock "
            "running ahead (or this machine's clock is behind), and every later entry carries "
            "at least that time",
            seq=first.seq,
        )
    )


def repudiation_for(*, store: SqlStore, key_id: str, effective_at: str) -> list[int]:
    """The entries a revocation of `key_id` from `effective_at` must list as repudiated: those
    signed with the key and recorded at or after that time, ascending.

    Raises:
        InputError: `effective_at` is not a time the ledger accepts (naming --effective-at).
    """
    since = format_utc(parse_time(effective_at, where="--effective-at"))
    return store.directory().signed_since(key_id, since)


def open_ledger(db: str, *, older: bool = False, unknown: bool = False) -> SqlStore:
    """Open an existing ledger at this release's schema revision; with `older`, also one of an
    earlier revision, and with `unknown` one whose version table names a revision this release
    does not know (to verify them: see `SqlStore.open`).

    Raises:
        ConfigError, LedgerNotFoundError, SchemaRevisionError, StoreError.
    """
    return open_store(db, older=older, unknown=unknown)


__all__ = [
    "Draft",
    "add_blob",
    "append_batch",
    "append_entry",
    "LedgerIdentity",
    "check_init",
    "get_blob",
    "get_entry",
    "init_ledger",
    "key_request",
    "list_entries",
    "lookup_type",
    "open_ledger",
    "read_key_request",
    "recorded_time",
    "repudiation_for",
    "unlock",
    "verify_ledger",
]
