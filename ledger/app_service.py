"""LedgerService: the one object the terminal UI talks to.

It holds the open store, the key directory, the clock and who is signing (nobody, until
someone unlocks their key), and offers the use cases a screen needs, as plain data. It wraps
`ledger.service` and `ledger.decisions`; it never prompts, prints or imports a UI.

Extending it (the recording screens do): put new use cases in a module of their own that
takes the service, e.g. `ledger/app_recording.py`::

    def propose(service: LedgerService, ...) -> SignedEntry:
        actor, key = service.require_signer()
        return service.append([Draft("decision.proposed", ident, body, actor, key)])[0]

using `service.store`, `service.now()`, `service.today()`, `service.require_signer()`,
`service.append(...)`, `service.add_blob(...)` and `service.key_for(person, passphrase)` (a
member signing their own position on the spot, without changing who is unlocked). Do not
subclass; the TUI builds exactly one `LedgerService`.

Every method may block (database, scrypt, signatures): call them from a worker thread.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field, replace
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from sqlalchemy import func, or_, select

from keys import KeysError, KeyStore, SigningKey, verify_signature
from ledger import checkpoints as ledger_checkpoints
from ledger import decisions, service
from ledger.entry import (
    SignedEntry,
    decode_statement,
    leaf_hash,
    ledger_today,
    signing_message,
)
from ledger.errors import EntryNotFoundError, LedgerError, RefusedError
from ledger.settings import default_home
from ledger.store import SqlStore
from ledger.store import tree as store_tree
from ledger.store.repository import StoredRow
from ledger.store.tables import DERIVED, ENTRIES

STATE = DERIVED["procedure_state"]
PAGE_SIZE = 50


def utc_now() -> datetime:
    """The system clock, in UTC."""
    return datetime.now(UTC)


# -- plain data the screens show ----------------------------------------------------------------


@dataclass(frozen=True)
class PersonChoice:
    """Someone who can unlock: their id, name, and whether one of their keys is here."""

    id: str
    name: str
    key_here: bool


@dataclass(frozen=True)
class CheckpointInfo:
    """A stored checkpoint: its size, root, when its last entry was recorded, its witnesses."""

    size: int
    root: str
    recorded_at: str
    signers: list[str]
    witnesses: list[str]
    note: str


@dataclass(frozen=True)
class VerifyResult:
    """One run of verify, as the dashboard remembers it."""

    ok: bool
    entries: int
    blobs: int
    head: str | None
    at: str  # when it ran, fixed-width UTC
    failures: list[dict[str, Any]] = field(default_factory=list)  # class, seq, message, count

    @property
    def first_failure(self) -> dict[str, Any] | None:
        return self.failures[0] if self.failures else None


@dataclass(frozen=True)
class Overview:
    """Everything the dashboard shows."""

    origin: str
    organisation: str
    size: int
    head_seq: int | None
    head_hash: str | None
    head_recorded_at: str | None
    checkpoint: CheckpointInfo | None
    last_verify: VerifyResult | None
    by_status: dict[str, int]
    overdue: list[dict[str, Any]]
    filing: dict[str, Any] | None
    year: int


@dataclass(frozen=True)
class DecisionQuery:
    """Filters of the decision list; None means any."""

    text: str | None = None
    status: str | None = None
    scope: str | None = None
    year: int | None = None
    organ: str | None = None


@dataclass(frozen=True)
class DecisionRow(decisions.DecisionSummary):
    """A row of the decision list: the summary, with the organ's name for the reader."""

    organ_name: str = ""


@dataclass(frozen=True)
class DecisionPage:
    """One page of the decision list, by id; `total` counts every match."""

    rows: list[DecisionRow]
    total: int
    offset: int


@dataclass(frozen=True)
class TimelineItem:
    """One entry of a decision's timeline, checked on its own (hash, signature, key)."""

    seq: int
    type: str
    subject: str
    actor: str
    actor_name: str
    key_id: str
    occurred_at: str
    recorded_at: str
    verified: bool
    problem: str | None = None


@dataclass(frozen=True)
class DecisionFilters:
    """The values the decision list's filters offer."""

    statuses: list[str]
    organs: list[tuple[str, str]]  # id, name
    years: list[int]


class LedgerService:
    """The store, keys, clock and the unlocked signer, with the use cases the TUI needs.

    Args:
        store: an open ledger (the service closes it in `close`).
        keystore: where keys are; None for browsing only.
        clock: the time source (tests pass a fixed one).
        state_dir: where the last verify result is remembered (default: the ledger home).
    """

    def __init__(
        self,
        store: SqlStore,
        *,
        keystore: KeyStore | None = None,
        clock: Callable[[], datetime] = utc_now,
        state_dir: Path | None = None,
    ) -> None:
        self.store = store
        self.keystore = keystore
        self.clock = clock
        self.state_dir = state_dir
        self.actor: str | None = None
        self.actor_name: str | None = None
        self.signer: SigningKey | None = None

    @classmethod
    def open(
        cls,
        db: str,
        *,
        key_dir: Path | None = None,
        clock: Callable[[], datetime] = utc_now,
        state_dir: Path | None = None,
    ) -> LedgerService:
        """Open the ledger at `db` (a path or URL). Raises LedgerNotFoundError, StoreError."""
        store = service.open_ledger(db)
        keystore = KeyStore(key_dir) if key_dir is not None else None
        return cls(store, keystore=keystore, clock=clock, state_dir=state_dir)

    def close(self) -> None:
        self.lock()
        self.store.close()

    # -- time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> str:
        """Today's date where the ledger's business happens (Asia/Shanghai)."""
        return ledger_today(self.clock())

    # -- who is signing ---------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self.signer is None

    def people(self) -> list[PersonChoice]:
        """Everyone registered, by id, and whether one of their valid keys is in the key dir."""
        directory = self.store.directory()
        here = set(self.keystore.list_ids()) if self.keystore is not None else set()
        choices = []
        for person in sorted(directory.persons.values(), key=lambda p: p.id):
            valid = {k.key_id for k in directory.keys_of(person.id) if k.revoked_seq is None}
            choices.append(PersonChoice(person.id, person.name, bool(valid & here)))
        return choices

    def key_for(self, person: str, passphrase: str) -> SigningKey:
        """Load `person`'s newest valid key with `passphrase`, without unlocking the session.

        Raises:
            InputError: not registered. RefusedError: no valid key. KeysError: the key is
            not in the key directory, or the passphrase is wrong.
        """
        if self.keystore is None:
            raise RefusedError("no key directory: browsing only")
        keystore = self.keystore
        return service.unlock(
            store=self.store, keystore=keystore, person=person, passphrase=lambda: passphrase
        )

    def unlock(self, person: str, passphrase: str) -> None:
        """Sign as `person` from now on (see `key_for` for the errors)."""
        key = self.key_for(person, passphrase)
        self.actor, self.signer = person, key
        self.actor_name = self.store.directory().persons[person].name

    def lock(self) -> None:
        """Forget the unlocked key: browsing only."""
        self.actor, self.actor_name, self.signer = None, None, None

    def require_signer(self) -> tuple[str, SigningKey]:
        """Who signs, and their key. Raises RefusedError when nobody is unlocked."""
        if self.actor is None or self.signer is None:
            raise RefusedError("read-only: unlock a key to record")
        return self.actor, self.signer

    # -- writing (used by the recording screens too) ----------------------------------------

    def append(self, drafts: Sequence[service.Draft]) -> list[SignedEntry]:
        """Append `drafts` in one transaction, at the service's clock."""
        return service.append_batch(store=self.store, drafts=drafts, now=self.clock)

    def add_blob(self, data: bytes) -> str:
        return service.add_blob(store=self.store, data=data)

    # -- the dashboard ----------------------------------------------------------------------

    def overview(self) -> Overview:
        """Origin, size, head, last checkpoint, last verify, decisions by status, overdue
        matters and this year's filing rates; a few indexed queries, whatever the size."""
        directory = self.store.directory()
        head = self.store.head()
        with self.store.reading() as conn:
            counts = conn.execute(
                select(STATE.c.status, func.count())
                .where(STATE.c.kind == "decision")
                .group_by(STATE.c.status)
            ).all()
            latest = conn.execute(
                select(func.max(STATE.c.year)).where(STATE.c.kind == "normative_doc")
            ).scalar()
        # The filing rates of the latest year with normative documents (this year's, once any).
        year = int(latest) if latest is not None else int(self.today()[:4])
        rates = decisions.filing_rates(store=self.store, year=year)
        filing = rates if rates["filing_rate"]["denominator"] else None
        return Overview(
            origin=directory.origin or "",
            organisation=directory.organisation or "",
            size=0 if head is None else head.seq + 1,
            head_seq=None if head is None else head.seq,
            head_hash=None if head is None else head.leaf_hash,
            head_recorded_at=None if head is None else head.recorded_at,
            checkpoint=self.last_checkpoint(),
            last_verify=self.last_verify(),
            by_status={str(status): int(n) for status, n in counts},
            overdue=self.overdue(),
            filing=filing,
            year=year,
        )

    def overdue(self) -> list[dict[str, Any]]:
        """Catalog matters not decided by their planned date, as of the service's today."""
        return decisions.overdue(store=self.store, as_of=self.today())

    # -- decisions --------------------------------------------------------------------------

    def decision_filters(self) -> DecisionFilters:
        directory = self.store.directory()
        with self.store.reading() as conn:
            kind = STATE.c.kind == "decision"
            statuses = conn.execute(select(STATE.c.status).where(kind).distinct()).scalars()
            organs = conn.execute(select(STATE.c.organ).where(kind).distinct()).scalars()
            years = conn.execute(select(STATE.c.year).where(kind).distinct()).scalars()
            found = (sorted(s for s in statuses if s), list(organs), list(years))
        return DecisionFilters(
            statuses=found[0],
            organs=sorted(
                (o, directory.organs[o].name if o in directory.organs else o) for o in found[1] if o
            ),
            years=sorted((y for y in found[2] if y is not None), reverse=True),
        )

    def _where(self, query: DecisionQuery) -> list[Any]:
        clauses: list[Any] = [STATE.c.kind == "decision"]
        if query.status:
            clauses.append(STATE.c.status == query.status)
        if query.organ:
            clauses.append(STATE.c.organ == query.organ)
        if query.year is not None:
            clauses.append(STATE.c.year == query.year)
        if query.scope:
            clauses.append(STATE.c.data.contains(query.scope, autoescape=True))
        if query.text:
            text = query.text.strip()
            clauses.append(
                or_(
                    STATE.c.id.contains(text, autoescape=True),
                    STATE.c.data.contains(text, autoescape=True),
                )
            )
        return clauses

    def decisions_page(
        self,
        query: DecisionQuery,
        *,
        offset: int = 0,
        limit: int = PAGE_SIZE,
        total: int | None = None,
    ) -> DecisionPage:
        """One page of decisions matching `query`, newest id first, read with LIMIT/OFFSET
        over the derived table (never the whole list). Pass the `total` of an earlier page of
        the same query to skip counting again."""
        where = self._where(query)
        with self.store.reading() as conn:
            if total is None:
                total = int(
                    conn.execute(select(func.count()).select_from(STATE).where(*where)).scalar_one()
                )
            found = conn.execute(
                select(STATE.c.data)
                .where(*where)
                .order_by(STATE.c.id.desc())
                .offset(offset)
                .limit(limit)
            ).scalars()
            rows = [_decision_row(json.loads(data)) for data in found]
            organs = DERIVED["organs"]
            names = dict(
                conn.execute(
                    select(organs.c.id, organs.c.name).where(
                        organs.c.id.in_({r.organ for r in rows})
                    )
                ).all()
            )
        rows = [replace(r, organ_name=names.get(r.organ, r.organ)) for r in rows]
        if query.scope:  # the LIKE above is a superset; keep the scope label's meaning
            rows = [r for r in rows if query.scope in r.scope]
        return DecisionPage(rows, total, offset)

    def decision(self, ident: str) -> dict[str, Any]:
        """A decision's replayed state, with `organ_name`. Raises InputError for an unknown id."""
        state = decisions.get_decision(store=self.store, decision=ident)
        organ = self.store.directory().organs.get(state["organ"])
        state["organ_name"] = organ.name if organ is not None else state["organ"]
        return state

    def timeline(self, ident: str) -> list[TimelineItem]:
        """Every entry of the decision, each checked: its hash, its signature, its key."""
        directory = self.store.directory()
        items = []
        for row in decisions.timeline(store=self.store, decision=ident):
            person = directory.persons.get(row.actor)
            problem = _check_row(row, directory)
            items.append(
                TimelineItem(
                    seq=row.seq,
                    type=row.type,
                    subject=row.subject,
                    actor=row.actor,
                    actor_name=person.name if person else row.actor,
                    key_id=row.key_id,
                    occurred_at=row.occurred_at,
                    recorded_at=row.recorded_at,
                    verified=problem is None,
                    problem=problem,
                )
            )
        return items

    def compliance(self, ident: str) -> dict[str, Any]:
        """The decision's compliance report (gates, findings, record completeness)."""
        return decisions.check(store=self.store, decision=ident)[0]

    def trace(self, ident: str) -> dict[str, Any]:
        """Who had a statutory part in the decision, and the entries that prove it."""
        return decisions.trace_decision(store=self.store, decision=ident)

    def entry(self, seq: int) -> dict[str, Any]:
        """One entry's statement as JSON. Raises EntryNotFoundError."""
        entry = service.get_entry(store=self.store, seq=seq)
        result: dict[str, Any] = json.loads(entry.data)
        return result

    def which_decisions(self, subjects: Sequence[str]) -> set[str]:
        """Those of `subjects` that are decisions."""
        wanted = sorted(set(subjects))
        with self.store.reading() as conn:
            return set(
                conn.execute(
                    select(STATE.c.id).where(STATE.c.kind == "decision", STATE.c.id.in_(wanted))
                ).scalars()
            )

    # -- people -----------------------------------------------------------------------------

    def person(self, ident: str) -> dict[str, Any]:
        """A person's lifetime involvement, keys and posts. Raises InputError."""
        return decisions.trace_person(store=self.store, person=ident)

    # -- verify and checkpoints -------------------------------------------------------------

    def verify(self, progress: Callable[[int, int], None] | None = None) -> VerifyResult:
        """Verify the whole ledger (see `ledger.service.verify_ledger`) and remember the
        result for the dashboard."""
        report = service.verify_ledger(store=self.store, progress=progress, now=self.clock())
        result = VerifyResult(
            ok=report.ok,
            entries=report.entries,
            blobs=report.blobs,
            head=report.head,
            at=self.clock().astimezone(UTC).strftime("%Y-%m-%dT%H:%M:%SZ"),
            failures=report.to_json()["failures"],
        )
        self._remember(result)
        return result

    def _state_file(self) -> Path:
        directory = self.state_dir if self.state_dir is not None else default_home()
        origin = self.store.directory().origin or "ledger"
        safe = "".join(c if c.isalnum() or c in "-._" else "_" for c in origin)
        return directory / "verify" / f"{safe}.json"

    def _remember(self, result: VerifyResult) -> None:
        path = self._state_file()
        try:
            path.parent.mkdir(parents=True, exist_ok=True)
            path.write_text(json.dumps(result.__dict__, ensure_ascii=False), encoding="utf-8")
        except OSError:
            pass  # remembering is a convenience; the result is still shown

    def last_verify(self) -> VerifyResult | None:
        """The last verify result remembered for this ledger, if any."""
        try:
            data = json.loads(self._state_file().read_text(encoding="utf-8"))
            return VerifyResult(**data)
        except (OSError, ValueError, TypeError):
            return None

    def last_checkpoint(self) -> CheckpointInfo | None:
        """The latest stored checkpoint with its signers and witnesses, or None."""
        try:
            signed = ledger_checkpoints.stored_checkpoint(store=self.store)
        except EntryNotFoundError:
            return None
        size = signed.checkpoint.size
        with self.store.reading() as conn:
            witnesses = sorted({row.witness for row in store_tree.cosignatures(conn, size)})
            recorded = conn.execute(
                select(ENTRIES.c.recorded_at).where(ENTRIES.c.seq == size - 1)
            ).scalar_one_or_none()
        cosigned = {s.name for s in signed.cosignatures()}
        signers = [s.name for s in signed.note.signatures if s.name not in cosigned]
        return CheckpointInfo(
            size=size,
            root=signed.checkpoint.root.hex(),
            recorded_at=recorded or "",
            signers=signers,
            witnesses=witnesses,
            note=signed.encode().decode(),
        )

    def sign_checkpoint(self) -> tuple[CheckpointInfo, bool]:
        """Sign a checkpoint of the ledger as it stands with the unlocked key (the
        registrar's). Returns it and False when one of that size existed already.

        Entries since the last checkpoint are verified first (see
        `ledger.checkpoints.sign_verified`, the same path as `ledger checkpoint`).

        Raises:
            RefusedError: nobody unlocked, or the key is not the registrar's.
            CheckpointError: an entry fails verification, or the ledger does not extend the
                last checkpoint; nothing is signed.
        """
        _, key = self.require_signer()
        home = self.state_dir if self.state_dir is not None else default_home()
        _, new = ledger_checkpoints.sign_checkpoint(
            store=self.store, keys=[key], state_dir=home / "checkpoints"
        )
        info = self.last_checkpoint()
        assert info is not None
        return info, new


def _decision_row(data: dict[str, Any]) -> DecisionRow:
    return DecisionRow(
        id=data["id"],
        title=data["title"],
        status=data["status"],
        organ=data["organ"],
        year=data["year"],
        scope=decisions._scope_label(data),
        last_seq=data["last_seq"],
    )


def _check_row(row: StoredRow, directory: Any) -> str | None:
    """Why this stored row does not verify on its own, or None (hash, key, signature)."""
    try:
        statement = decode_statement(bytes(row.statement))
    except LedgerError as exc:
        return str(exc)
    leaf = leaf_hash(bytes(row.statement))
    if leaf.hex() != row.leaf_hash or statement.seq != row.seq:
        return "hash"
    record = directory.keys.get(statement.key)
    if record is None or record.person != statement.actor:
        return "key"
    if not record.valid_at(statement.recorded_at):
        return "key"
    try:
        verify_signature(record.public_key, signing_message(leaf), bytes(row.signature))
    except KeysError:
        return "signature"
    return None


__all__ = [
    "PAGE_SIZE",
    "CheckpointInfo",
    "DecisionFilters",
    "DecisionPage",
    "DecisionQuery",
    "DecisionRow",
    "LedgerService",
    "Overview",
    "PersonChoice",
    "TimelineItem",
    "VerifyResult",
]
