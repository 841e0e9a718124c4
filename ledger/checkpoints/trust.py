"""Which keys sign checkpoints: the origin every checkpoint names, the registrar keys valid
for a checkpoint of a given size, the keys to publish, and the keys to sign with.

Which key signs: the registrar's — the person the genesis entry names — with every registrar key
that is valid and present in the key directory (two during a rotation). The note's key name is
the ledger's origin. A checkpoint of size N is trusted when signed by a registrar key bound
before seq N and valid at the `recorded_at` of entry N − 1.
"""

from __future__ import annotations

from collections.abc import Callable

from keys import KeyNotFoundError, KeyStore, SigningKey, short_id
from ledger.authority import Directory
from ledger.errors import EntryNotFoundError, InputError
from ledger.note import VerifierKey, ed25519_key, valid_name
from ledger.receipts import Trust
from ledger.store import Connection, SqlStore
from ledger.store import checkpoints as store_checkpoints

MAX_ORIGIN = 200  # characters, as the genesis schema allows


def check_origin(origin: str, *, where: str = "origin") -> str:
    """Return `origin` if checkpoints can be signed for it: it is the first line of every
    checkpoint and the signed-note key name of the registrar's verifier key, so it is
    non-empty, at most 200 characters, printable, with no space and no '+'.

    Raises:
        InputError: naming the rule it breaks.
    """
    if not origin:
        problem = "is empty"
    elif len(origin) > MAX_ORIGIN:
        problem = f"is {len(origin)} characters long (at most {MAX_ORIGIN})"
    elif "+" in origin:
        problem = "holds a '+'"
    elif not valid_name(origin) or not origin.isprintable():
        bad = next(c for c in origin if c.isspace() or not c.isprintable())
        problem = f"holds a space or non-printable character (U+{ord(bad):04X})"
    else:
        return origin
    raise InputError(
        f"the origin {origin[:60]!r} {problem}: it names the ledger in every checkpoint and "
        "in its verifier key (name+id+key), so no checkpoint could ever be signed for it; "
        "use a domain and a path, e.g. edu.example-district.gov.cn/decisions",
        where=where,
    )


def origin_of(directory: Directory) -> str:
    """The ledger's origin, as the genesis entry names it.

    Raises:
        InputError: no checkpoint can be signed for it (see `check_origin`).
    """
    return check_origin(directory.origin or "")


def log_keys(directory: Directory, *, size: int, last_recorded_at: str) -> list[VerifierKey]:
    """The registrar keys that may sign a checkpoint of `size` (see the module docstring)."""
    origin = origin_of(directory)
    registrar = directory.registrar or ""
    return [
        ed25519_key(origin, record.public_key)
        for record in directory.keys_of(registrar)
        if record.bound_seq < size and record.valid_at(last_recorded_at)
    ]


def current_log_keys(store: SqlStore) -> list[VerifierKey]:
    """The verifier keys to publish: the registrar's keys that are not revoked."""
    directory = store.directory()
    origin = origin_of(directory)
    return [
        ed25519_key(origin, record.public_key)
        for record in directory.keys_of(directory.registrar or "")
        if record.revoked_seq is None
    ]


def signing_keys(
    *, store: SqlStore, keystore: KeyStore, passphrase: Callable[[str], str]
) -> list[SigningKey]:
    """Unlock every unrevoked registrar key found in the key directory.

    Raises:
        KeysError: none is there (KeyNotFoundError), a wrong passphrase, an unreadable file.
    """
    directory = store.directory()
    records = directory.valid_keys(directory.registrar or "")
    present = [r for r in records if keystore.has(r.key_id)]
    if not present:
        listed = ", ".join(short_id(r.key_id) for r in records)
        raise KeyNotFoundError(
            f"none of the registrar's keys ({listed}) is in {keystore.directory}",
            hint="Checkpoints are signed by the registrar; pass --key-dir or set LEDGER_KEY_DIR.",
        )
    return [keystore.load(r.key_id, passphrase(r.key_id)) for r in present]


def trust_at(conn: Connection, directory: Directory, size: int) -> Trust:
    """The registrar keys that may sign a checkpoint of `size`, as a `Trust`.

    Raises:
        EntryNotFoundError: entry `size` − 1 is not stored.
    """
    if size == 0:
        return Trust([])
    recorded = store_checkpoints.recorded_at(conn, size - 1)
    if recorded is None:
        raise EntryNotFoundError(f"no entry with seq {size - 1}")
    return Trust(log_keys(directory, size=size, last_recorded_at=recorded))
