"""`Ledger`: the one object the CLI and the terminal UI hold.

It is an open store, a key directory, a clock and who is signing (nobody, until someone unlocks
their key). The use cases are functions of the modules of `ledger.app`, each taking the `Ledger`
first::

    with Ledger.open(db, key_dir=keys) as ledger:
        found = decisions.list_decisions(ledger, status="drafting")

Every method may block (database, scrypt, signatures): the terminal UI calls them from worker
threads. Nothing here prompts, prints or imports a UI.
"""

from __future__ import annotations

from collections.abc import Callable, Sequence
from datetime import datetime
from pathlib import Path
from types import TracebackType

from keys import KeyNotFoundError, KeyStore, SigningKey, short_id
from ledger.append import Draft, append_batch
from ledger.entry import SignedEntry, ledger_today, utc_now
from ledger.errors import InputError, RefusedError
from ledger.settings import default_home
from ledger.store import SqlStore, open_store

Passphrase = str | Callable[[], str]


class Ledger:
    """An open ledger, with the keys, the clock and the unlocked signer.

    Args:
        store: an open ledger (closed by `close`, or on leaving a `with` block).
        keystore: where keys are; None for browsing only.
        clock: the time source (tests pass a fixed one).
        home: where the ledger's remembered state lives (the last verify result, kept
            checkpoints); default: the user's data directory.
    """

    def __init__(
        self,
        store: SqlStore,
        *,
        keystore: KeyStore | None = None,
        clock: Callable[[], datetime] = utc_now,
        home: Path | None = None,
    ) -> None:
        self.store = store
        self.keystore = keystore
        self.clock = clock
        self.home = home
        self.actor: str | None = None
        self.actor_name: str | None = None
        self.signer: SigningKey | None = None

    @classmethod
    def open(
        cls,
        db: str,
        *,
        key_dir: Path | str | None = None,
        clock: Callable[[], datetime] = utc_now,
        home: Path | None = None,
        older: bool = False,
        unknown: bool = False,
    ) -> Ledger:
        """Open the ledger at `db` (a path or URL) at this release's schema revision; with
        `older`, also one of an earlier revision, and with `unknown` one whose version table
        names a revision this release does not know (to verify them: see `SqlStore.open`).

        Raises:
            ConfigError, LedgerNotFoundError, SchemaRevisionError, StoreError.
        """
        store = open_store(db, older=older, unknown=unknown)
        keystore = KeyStore(Path(key_dir)) if key_dir is not None else None
        return cls(store, keystore=keystore, clock=clock, home=home)

    def close(self) -> None:
        self.lock()
        self.store.close()

    def __enter__(self) -> Ledger:
        return self

    def __exit__(
        self,
        kind: type[BaseException] | None,
        error: BaseException | None,
        trace: TracebackType | None,
    ) -> None:
        self.close()

    # -- time -------------------------------------------------------------------------------

    def now(self) -> datetime:
        return self.clock()

    def today(self) -> str:
        """Today's date where the ledger's business happens (UTC+08:00, see `ledger_today`)."""
        return ledger_today(self.clock())

    def state_dir(self) -> Path:
        """Where this machine remembers things about its ledgers."""
        return self.home if self.home is not None else default_home()

    # -- who is signing ---------------------------------------------------------------------

    @property
    def read_only(self) -> bool:
        return self.signer is None

    def key_for(self, person: str, passphrase: Passphrase, *, where: str = "--as") -> SigningKey:
        """Load the newest valid key of `person` found in the key directory, without unlocking
        the session. A callable `passphrase` is asked only once the key file is found, so
        nobody types a passphrase only to hear that the key is elsewhere.

        Raises:
            InputError: the person is not registered (naming `where`).
            RefusedError: no key directory; the person has no valid key.
            KeysError: none of the person's keys is in the key directory (KeyNotFoundError), a
                wrong passphrase, an unreadable key file.
        """
        if self.keystore is None:
            raise RefusedError("no key directory: browsing only")
        directory = self.store.directory()
        if person not in directory.persons:
            raise InputError(f"{person!r} is not a registered person", where=where)
        records = directory.valid_keys(person)
        if not records:
            raise RefusedError(f"{person} has no valid key; the registrar must bind one")
        for record in reversed(records):
            if self.keystore.has(record.key_id):
                secret = passphrase() if callable(passphrase) else passphrase
                return self.keystore.load(record.key_id, secret)
        listed = ", ".join(short_id(k.key_id) for k in records)
        raise KeyNotFoundError(
            f"none of {person}'s keys ({listed}) is in {self.keystore.directory}",
            hint="Pass --key-dir or set LEDGER_KEY_DIR to the directory holding it.",
        )

    def unlock(self, person: str, passphrase: Passphrase, *, where: str = "--as") -> SigningKey:
        """Sign as `person` from now on (see `key_for` for the errors)."""
        key = self.key_for(person, passphrase, where=where)
        self.actor, self.signer = person, key
        self.actor_name = self.store.directory().persons[person].name
        return key

    def lock(self) -> None:
        """Forget the unlocked key: browsing only."""
        self.actor, self.actor_name, self.signer = None, None, None

    def require_signer(self) -> tuple[str, SigningKey]:
        """Who signs, and their key. Raises RefusedError when nobody is unlocked."""
        if self.actor is None or self.signer is None:
            raise RefusedError("read-only: unlock a key to record")
        return self.actor, self.signer

    # -- writing ----------------------------------------------------------------------------

    def append(self, drafts: Sequence[Draft]) -> list[SignedEntry]:
        """Append `drafts` in one transaction, at the ledger's clock (see
        `ledger.append.append_batch`)."""
        return append_batch(store=self.store, drafts=drafts, now=self.clock)


__all__ = ["Ledger", "Passphrase"]
