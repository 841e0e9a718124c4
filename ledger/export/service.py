"""The export use cases: write a bundle or a dossier, sign it, record `export.produced`.

Every function takes its inputs as keyword arguments (the store, the exporter's unlocked key,
the clock) and nothing here prompts or prints. Long work reports
through `progress(done, total)`.
"""

from __future__ import annotations

import os
import shutil
import tempfile
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

from keys import SigningKey, short_id
from ledger.append import Draft, append_entry
from ledger.entry import SignedEntry
from ledger.errors import InputError, RefusedError
from ledger.export.bag import write_zip
from ledger.export.bundle import Scope, bound_checkpoint, sign_bag, write_bundle
from ledger.export.produced import EXPORT_PRODUCED
from ledger.export.replay import snapshot
from ledger.note import Checkpoint, SignedCheckpoint, b64
from ledger.store import SqlStore

Progress = Callable[[int, int], None]


@dataclass(frozen=True)
class ExportResult:
    """What an export wrote and recorded."""

    path: Path
    kind: str
    bundle_hash: str
    checkpoint: Checkpoint
    entries: int
    blobs: int
    withheld: tuple[tuple[str, str], ...]
    entry: SignedEntry


def check_out(out: Path) -> None:
    """The output path must be new, in an existing directory.

    Raises:
        InputError: it exists, or its directory does not.
    """
    if out.exists():
        raise InputError(
            "already exists; choose a new name (exports never overwrite)", where=str(out)
        )
    if not out.parent.is_dir():
        raise InputError("its directory does not exist", where=str(out))


@contextmanager
def state_at(store: SqlStore, size: int) -> Iterator[SqlStore]:
    """The ledger as it stood at `size` entries: the store itself when nothing was appended
    since, else a replay of its first `size` entries in a temporary file."""
    head = store.head()
    if head is not None and head.seq + 1 == size:
        yield store
        return
    with tempfile.TemporaryDirectory(prefix="ledger-state-") as tmp:
        view = snapshot(store, size, Path(tmp) / "state.db")
        try:
            yield view
        finally:
            view.close()


def check_exporter(view: SqlStore, cp: SignedCheckpoint, exporter: str, key: SigningKey) -> None:
    directory = view.directory()
    last = next(view.rows(since=cp.checkpoint.size - 1, until=cp.checkpoint.size - 1))
    if directory.key_of(key.key_id, exporter, last.recorded_at) is None:
        raise RefusedError(
            f"{exporter}'s key {short_id(key.key_id)} is not bound to them in the ledger up to "
            f"the checkpoint (size {cp.checkpoint.size}), so an auditor could not check the "
            "export's signature; the registrar signs a newer checkpoint with `ledger checkpoint`"
        )


def finalise(staged: Path, out: Path) -> None:
    if out.suffix.lower() == ".zip":
        partial = out.with_name(out.name + ".partial")
        write_zip(staged, partial, out.stem)
        os.replace(partial, out)
    else:
        os.replace(staged, out)


def export_bundle(
    *,
    store: SqlStore,
    out: Path,
    exporter: str,
    key: SigningKey,
    now: datetime,
    scope: Scope | None = None,
    progress: Progress | None = None,
) -> ExportResult:
    """Write the bundle (a bag directory, or a zip when `out` ends in .zip) of the ledger up to
    its latest checkpoint, sign it as `exporter`, and append `export.produced`.

    Raises:
        InputError: `out` exists; a withheld hash is not referenced; a bad date.
        RefusedError: no checkpoint stored; the exporter's key is not bound before it; a
            referenced blob is not stored.
        StoreError: the database cannot be read or written.
    """
    scope = scope or Scope()
    check_out(out)
    for day, option in ((scope.from_date, "--from"), (scope.to_date, "--to")):
        if day is not None:
            _check_day(day, option)
    cp = bound_checkpoint(store)
    with state_at(store, cp.checkpoint.size) as view:
        check_exporter(view, cp, exporter, key)
        with tempfile.TemporaryDirectory(prefix=".ledger-export-", dir=out.parent) as tmp:
            staged = Path(tmp) / out.stem
            written = write_bundle(
                staged,
                source=store,
                view=view,
                checkpoint=cp,
                scope=scope,
                exporter=exporter,
                progress=progress,
            )
            if written.missing:
                raise RefusedError(
                    f"blob {written.missing[0]} (referenced at seq "
                    f"{written.referenced[written.missing[0]]}) is not stored; run `ledger verify`"
                )
            digest = sign_bag(staged, kind="bundle", cp=cp, exporter=exporter, key=key)
            finalise(staged, out)
    body: dict[str, Any] = {
        "kind": "bundle",
        "checkpoint": {"size": cp.checkpoint.size, "root": b64(cp.checkpoint.root)},
        "bundle_sha256": digest,
        "withheld": [{"blob": h, "reason": r} for h, r in sorted(scope.withheld)],
    }
    if scope.from_date is not None:
        body["from_date"] = scope.from_date
    if scope.to_date is not None:
        body["to_date"] = scope.to_date
    entry = record_export(store, exporter, key, digest, body, now, out)
    return ExportResult(
        out,
        "bundle",
        digest,
        cp.checkpoint,
        written.entries,
        written.blobs,
        tuple(sorted(scope.withheld)),
        entry,
    )


def record_export(
    store: SqlStore,
    exporter: str,
    key: SigningKey,
    digest: str,
    body: dict[str, Any],
    now: datetime,
    out: Path,
) -> SignedEntry:
    draft = Draft(EXPORT_PRODUCED, f"export-{digest[:16]}", body, exporter, key)
    try:
        return append_entry(store=store, draft=draft, now=now)
    except BaseException:
        # An export that is not recorded is not handed out.
        if out.is_dir():
            shutil.rmtree(out, ignore_errors=True)
        else:
            out.unlink(missing_ok=True)
        raise


def _check_day(day: str, option: str) -> None:
    from ledger.entry import parse_day

    parse_day(day, where=option)
