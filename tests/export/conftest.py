"""The demo ledger, built once per module, and exports of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keys import KeyStore, SigningKey
from ledger import demo, service
from ledger.checkpoints import current_log_keys
from ledger.export.bundle import Scope
from ledger.export.service import ExportResult, export_bundle
from ledger.receipts import Trust
from ledger.store import SqlStore

NOW = datetime(2021, 2, 1, 2, 0, tzinfo=UTC)
EXPORTER = "wu.xia"


@dataclass
class Demo:
    built: demo.Demo
    root: Path

    def store(self) -> SqlStore:
        return service.open_ledger(str(self.built.db))

    def key(self, person: str = EXPORTER) -> SigningKey:
        store = self.store()
        try:
            return service.unlock(
                store=store,
                keystore=KeyStore(self.built.key_dir),
                person=person,
                passphrase=lambda: self.built.passphrase,
            )
        finally:
            store.close()

    def trust(self) -> Trust:
        store = self.store()
        try:
            return Trust(current_log_keys(store))
        finally:
            store.close()

    def export(self, out: Path, scope: Scope | None = None) -> ExportResult:
        store = self.store()
        try:
            return export_bundle(
                store=store, out=out, exporter=EXPORTER, key=self.key(), now=NOW, scope=scope
            )
        finally:
            store.close()


@pytest.fixture(scope="module")
def demo_ledger(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Demo]:
    root = tmp_path_factory.mktemp("export")
    yield Demo(demo.build(root / "demo"), root)
    shutil.rmtree(root, ignore_errors=True)
