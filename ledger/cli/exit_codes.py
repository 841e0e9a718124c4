"""Exit codes: a public contract, listed in the README and the root --help. The only mapping."""

from __future__ import annotations

from enum import IntEnum, unique

from keys import KeysError
from ledger.errors import (
    ConfigError,
    InputError,
    LedgerError,
    RefusedError,
    SchemaRevisionError,
    StoreError,
    VerificationError,
)


@unique
class ExitCode(IntEnum):
    OK = 0
    ERROR = 1  # unexpected: a bug; the traceback is shown
    USAGE = 2  # a wrong option or argument (also Typer's own usage errors)
    VERIFICATION_FAILED = 3  # the ledger (or a file given to verify) failed a check
    STORE = 4  # no ledger there, the database cannot be opened or written
    KEYS = 5  # wrong passphrase, missing or unreadable key file
    INPUT = 6  # a malformed body or file: nothing was written
    REFUSED = 7  # well-formed, but a ledger rule refuses it: nothing was written
    SCHEMA = 8  # the ledger's tables are an earlier release's (ledger db upgrade) or a later one's
    INTERRUPTED = 130  # Ctrl-C


EPILOG = (
    "Exit codes: 0 ok, 2 usage, 3 verification failed, 4 store, 5 keys, "
    "6 invalid input, 7 refused by a rule, 8 schema of another release (ledger db upgrade), "
    "130 interrupted, 1 unexpected error."
)


def exit_code_for(exc: BaseException) -> ExitCode:
    """Map an error to its exit code."""
    if isinstance(exc, VerificationError):
        return ExitCode.VERIFICATION_FAILED
    if isinstance(exc, KeysError):
        return ExitCode.KEYS
    if isinstance(exc, InputError):
        return ExitCode.INPUT
    if isinstance(exc, RefusedError):
        return ExitCode.REFUSED
    if isinstance(exc, SchemaRevisionError):
        return ExitCode.SCHEMA
    if isinstance(exc, StoreError):
        return ExitCode.STORE
    if isinstance(exc, ConfigError):
        return ExitCode.USAGE
    if isinstance(exc, LedgerError):
        return ExitCode.ERROR
    return ExitCode.ERROR
