"""The ledger's answer to an entry, before it is signed and when it is appended: the refusal
(the gate, its rule and article, the field, what would satisfy it) or the entry's seq.

`preflight` runs the very checks an append runs (schema, key, authority, every gate) against the
ledger's head without signing or writing anything, so a screen can say what would be refused
before anyone types a passphrase; when the head has not moved by the time the entry is signed,
the append takes the preflight's result instead of running the gates again (see
`ledger.append.check_draft`).
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from keys import SigningKey
from ledger.app.forms import form
from ledger.app.ledger import Ledger, Passphrase
from ledger.append import Checked, Draft, check_draft
from ledger.entry import SignedEntry
from ledger.errors import (
    AuthorityError,
    GateBreach,
    GateError,
    GateRefusal,
    InputError,
    LedgerError,
    RefusedError,
    VerificationError,
)
from ledger.procedure.gates import GATES
from ledger.procedure.state import body_field

Obj = dict[str, Any]


@dataclass(frozen=True)
class Refusal:
    """Why the ledger would not take (or did not take) an entry.

    For a gate, `breach` carries its id, rule, article and instrument, strength, the code of the
    remedy that would satisfy it and the earlier entry it conflicts with; a soft gate
    (`needs_reason`) takes the entry once a reason is recorded (`with_reason`). `message` is the
    ledger's finding; `field` is the body field it concerns, when it concerns one.
    """

    message: str
    field: str | None = None
    breach: GateBreach | None = None

    @property
    def gate(self) -> str | None:
        return None if self.breach is None else self.breach.gate

    @property
    def needs_reason(self) -> bool:
        return self.breach is not None and self.breach.strength == "soft"


_NOTHING_WRITTEN = "; nothing was written"


def explain(error: LedgerError) -> Refusal:
    """The refusal an error from `preflight` or an append amounts to, from its fields."""
    if isinstance(error, GateRefusal | GateError):
        return Refusal(error.breach.finding, field=error.breach.field, breach=error.breach)
    if isinstance(error, InputError):
        return Refusal(error.message, field=body_field(error.where))
    if isinstance(error, RefusedError):
        # The CLI's diagnostics say nothing was written; a form says it in its own words.
        return Refusal(error.message.removesuffix(_NOTHING_WRITTEN), field=error.field)
    if isinstance(error, VerificationError):
        return Refusal(
            error.message, field=error.field if isinstance(error, AuthorityError) else None
        )
    return Refusal(str(error))


def with_reason(entry_type: str, body: Obj, gate: str, reason: str) -> Obj:
    """The body with `reason` recorded for soft gate `gate` (under `exceptions`).

    Raises:
        InputError: the gate is not soft, the type records no exceptions, or the reason is empty.
    """
    if GATES.get(gate) is None or GATES[gate].strength != "soft":
        raise InputError(f"{gate} is not a soft gate; it cannot be passed with a reason")
    if not form(entry_type).exceptions:
        raise InputError(f"{entry_type} records no exceptions", where="exceptions")
    if not reason.strip():
        raise InputError("the reason is required", where=f"exceptions.{gate}")
    return {**body, "exceptions": {**body.get("exceptions", {}), gate: reason.strip()}}


@dataclass(frozen=True)
class Preflight:
    """What the ledger says to an entry before it is signed: the refusal, or (`refusal` None)
    the check an append of it reuses while the head has not moved."""

    refusal: Refusal | None
    checked: Checked | None = None


def preflight(
    ledger: Ledger,
    entry_type: str,
    subject: str,
    body: Obj,
    actor: str | None = None,
    *,
    occurred_at: str | None = None,
) -> Preflight:
    """Run the checks an append of this entry by `actor` (default: whoever is unlocked) would
    run now (schema, key, authority, every gate), without signing or writing."""
    try:
        who = actor or ledger.require_signer()[0]
        checked = _check(ledger, entry_type, subject, body, who, occurred_at, "actor")
    except LedgerError as exc:
        return Preflight(explain(exc))
    return Preflight(None, checked)


def record_draft(ledger: Ledger, draft: Draft) -> tuple[int | None, Refusal | None]:
    """Append the entry: (its seq, None), or (None, the refusal) with nothing written.

    Raises:
        StoreError: the database failed (not a refusal: nothing a form can fix).
    """
    try:
        entry = ledger.append([draft])[0]
    except (InputError, RefusedError) as exc:
        return None, explain(exc)
    return entry.seq, None


def record(
    ledger: Ledger,
    entry_type: str,
    subject: str,
    body: Obj,
    signer: tuple[str, SigningKey] | None = None,
    checked: Checked | None = None,
) -> tuple[int | None, Refusal | None]:
    """Sign and append, as `signer` (default: whoever is unlocked): (seq, None) or (None, the
    refusal). `checked` is the entry's preflight, reused when the head has not moved."""
    actor, key = signer or ledger.require_signer()
    return record_draft(ledger, Draft(entry_type, subject, body, actor, key, checked=checked))


def record_as(
    ledger: Ledger,
    entry_type: str,
    subject: str,
    body: Obj,
    *,
    actor: str,
    passphrase: Passphrase,
    occurred_at: str | None = None,
) -> SignedEntry:
    """Check the entry as its append will (schema, authority, every gate), and only then load
    `actor`'s key (`passphrase` is asked once the key file is found), sign and append it. The
    body is validated once and the gates run once, while the head has not moved.

    Raises:
        InputError: the body or an id is wrong; an unregistered actor names `--as`.
        GateRefusal, RefusedError: a rule refuses the entry. KeysError: the key is not here, or
            a wrong passphrase. In every case nothing is written.
    """
    checked = _check(ledger, entry_type, subject, body, actor, occurred_at, "--as")
    key = ledger.key_for(actor, passphrase)
    draft = Draft(entry_type, subject, body, actor, key, occurred_at, checked)
    return ledger.append([draft])[0]


def _check(
    ledger: Ledger,
    entry_type: str,
    subject: str,
    body: Obj,
    actor: str,
    occurred_at: str | None,
    actor_where: str,
) -> Checked:
    return check_draft(
        store=ledger.store,
        entry_type=entry_type,
        subject=subject,
        body=body,
        actor=actor,
        now=ledger.now(),
        occurred_at=occurred_at,
        actor_where=actor_where,
    )


__all__ = [
    "Preflight",
    "Refusal",
    "explain",
    "preflight",
    "record",
    "record_as",
    "record_draft",
    "with_reason",
]
