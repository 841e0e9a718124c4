"""The write path: drafts become signed entries at the head of the chain, each checked by the
ledger's rules (schema, key, authority, every gate) before anything is written, all in one
transaction.

Used by every use case that records (`ledger.app`), by the export's own `export.produced`
entry and by the demo. Nothing here prompts, prints or imports a UI.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from keys import SigningKey
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
    signing_message,
)
from ledger.errors import (
    AuthorityError,
    GateError,
    GateRefusal,
    InputError,
    LedgerError,
    RefusedError,
    VerificationError,
)
from ledger.procedure.profile import RuleProfile
from ledger.registry import lookup
from ledger.store import SqlStore, reads
from ledger.store.repository import Head


@dataclass(frozen=True)
class Draft:
    """An entry to be appended: everything but its place in the chain and its signature."""

    type: str
    subject: str
    body: dict[str, Any]
    actor: str
    signer: SigningKey
    occurred_at: str | None = None
    checked: Checked | None = None


@dataclass(frozen=True)
class Checked:
    """A draft's check against the ledger's head, before anyone signs (`check_draft`).

    `statement` is the entry as it would have been appended then, with the actor's newest
    valid key and no signature; `staged` is what the procedure's gates staged for it. An append
    of the same statement (same head, type, subject, business time, actor and body) takes
    `staged` instead of running the gates again; the key, the clock and the register are
    checked again at the append in any case.
    """

    statement: Statement
    staged: Any
    body: str  # the body as it was checked, in a stable form

    def fits(self, stmt: Statement) -> bool:
        """True when `stmt` is the checked statement (up to its key and recording time)."""
        mine = self.statement
        same = (mine.seq, mine.prev, mine.type, mine.subject, mine.occurred_at, mine.actor) == (
            stmt.seq,
            stmt.prev,
            stmt.type,
            stmt.subject,
            stmt.occurred_at,
            stmt.actor,
        )
        return same and _stable(stmt.body) == self.body


def _stable(body: dict[str, Any]) -> str:
    return json.dumps(body, sort_keys=True, ensure_ascii=False)


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
        if draft.checked is None:  # a checked draft was validated by its check
            _validate(draft)
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
                raise _missing_blob(missing[0])
            moment = clock()
            if rules.clock_source == "database":
                check_clocks(moment, tx.database_time(), rules)
            entry = _seal(draft, head, recorded_time(moment, head, rules), moment)
            # A draft checked at this very head is not checked again (its key, the clock and
            # the register are); one whose head moved is checked whole.
            fits = draft.checked is not None and draft.checked.fits(entry.statement)
            if draft.checked is not None and not fits:
                _validate(draft)  # as an unchecked draft's is, before anything else
            try:
                directory.check(
                    entry.statement,
                    schema_checked=draft.checked is None or fits,
                    staged=draft.checked.staged if fits and draft.checked else None,
                )
            except (GateError, VerificationError) as exc:
                raise _refused(exc, entry.seq, _nth(index, drafts)) from None
            changes += directory.apply(entry.statement)
            sealed.append(entry)
            head = Head(entry.seq, entry.leaf_hash, entry.statement.recorded_at)
        tx.insert_many(sealed, changes)
    return sealed


def check_draft(
    *,
    store: SqlStore,
    entry_type: str,
    subject: str,
    body: dict[str, Any],
    actor: str,
    now: datetime,
    occurred_at: str | None = None,
    actor_where: str = "actor",
) -> Checked:
    """Run every check an append of this entry by `actor` would run now (schema, key,
    authority, every gate, the documents it names), without signing or writing. It uses
    `actor`'s newest valid key, so it answers before any passphrase is typed; give the result
    to the `Draft` as `checked` and the append reuses it while the head has not moved.

    Raises:
        InputError, RefusedError, GateRefusal: what the append would raise (an unregistered
            actor names `actor_where`); nothing is written either way.
    """
    lookup(entry_type).validate(body)
    check_id(subject, where="subject")
    with store.reading() as conn:
        directory = store.directory(conn)
        if actor not in directory.persons:
            raise InputError(f"{actor!r} is not a registered person", where=actor_where)
        keys = directory.valid_keys(actor)
        if not keys:
            raise RefusedError(f"{actor} has no valid key; the registrar must bind one")
        head = store.head(conn)
        recorded = recorded_time(now, head, directory.procedure.profile()[2])
        stmt = _statement(
            head, entry_type, subject, body, actor, keys[-1].key_id, occurred_at, recorded, now
        )
        try:
            directory.check(stmt, schema_checked=True)
        except (GateError, VerificationError) as exc:
            raise _refused(exc, stmt.seq, "") from None
        staged = directory.procedure.staged()
    refs = lookup(entry_type).blob_refs(body)
    stored = reads.stored_blobs(store, refs)
    missing = [h for h in refs if h not in stored]
    if missing:
        raise _missing_blob(missing[0])
    return Checked(stmt, staged, _stable(body))


def _refused(exc: GateError | VerificationError, seq: int, note: str) -> LedgerError:
    """The append's refusal of an entry a rule refuses: a gate's breach keeps its structure."""
    if isinstance(exc, GateError):
        return GateRefusal(exc.breach, seq=seq, note=note)
    field = exc.field if isinstance(exc, AuthorityError) else None
    return RefusedError(f"{exc.message}{note}; nothing was written", field=field)


def _missing_blob(sha256: str) -> RefusedError:
    return RefusedError(
        f"blob {sha256} is not in the ledger; add it first (`ledger blob add FILE`, or attach "
        "the file in the form)"
    )


def _validate(draft: Draft) -> None:
    """The draft's body fits its type, its subject is an id and its business time a time.

    Raises:
        InputError: naming the field or option.
    """
    lookup(draft.type).validate(draft.body)
    check_id(draft.subject, where="subject")
    if draft.occurred_at is not None:
        parse_time(draft.occurred_at, where="--occurred-at")


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


def _statement(
    head: Head | None,
    entry_type: str,
    subject: str,
    body: dict[str, Any],
    actor: str,
    key: str,
    occurred_at: str | None,
    recorded: str,
    now: datetime,
) -> Statement:
    """The statement appended after `head`: its business time is `occurred_at`, or `now` in
    the ledger's zone."""
    occurred = occurred_at or format_local(now.astimezone(DEFAULT_ZONE))
    parse_time(occurred, where="occurred_at")
    return Statement(
        seq=0 if head is None else head.seq + 1,
        prev=ZERO_HASH if head is None else head.leaf_hash,
        type=entry_type,
        subject=subject,
        occurred_at=occurred,
        recorded_at=recorded,
        actor=actor,
        key=key,
        body=body,
    )


def _seal(draft: Draft, head: Head | None, recorded: str, now: datetime) -> SignedEntry:
    occurred = draft.occurred_at
    if occurred is None and draft.checked is not None:  # the time it was checked at
        occurred = draft.checked.statement.occurred_at
    stmt = _statement(
        head,
        draft.type,
        draft.subject,
        draft.body,
        draft.actor,
        draft.signer.key_id,
        occurred,
        recorded,
        now,
    )
    data = stmt.canonical()
    leaf = leaf_hash(data)
    return SignedEntry(stmt, data, leaf.hex(), draft.signer.sign(signing_message(leaf)))


__all__ = [
    "Checked",
    "Draft",
    "append_batch",
    "append_entry",
    "check_clocks",
    "check_draft",
    "check_id",
    "recorded_time",
]
