"""The demo ledger, built once per module, and exports of it."""

from __future__ import annotations

import shutil
from collections.abc import Iterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest

from keys import KeyStore, SigningKey
from ledger import checkpoints
from ledger.app import Ledger, demo, entries
from ledger.checkpoints import current_log_keys
from ledger.export.bundle import Scope
from ledger.export.dossier import export_dossier
from ledger.export.service import ExportResult, export_bundle
from ledger.receipts import Trust
from ledger.store import SqlStore, open_store
from tests.builders import LedgerFixture, new_ledger, unlock

NOW = datetime(2021, 2, 1, 2, 0, tzinfo=UTC)
EXPORTER = "wu.xia"


@dataclass
class Demo:
    built: demo.Demo
    root: Path

    def store(self) -> SqlStore:
        return open_store(str(self.built.db))

    def key(self, person: str = EXPORTER) -> SigningKey:
        store = self.store()
        try:
            return unlock(
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


TITLES = ('=HYPERLINK("http://example.com/x","点这里")', "+1", "-2", "@SUM(A1:A2)")
"""Titles a spreadsheet would run as formulas: the small ledger's decisions carry them."""


@dataclass
class Small:
    """A small ledger (a registrar, two staff, an organ, four decisions, a note with a
    document), its checkpoint key, and its bundle and a dossier as directories and zips."""

    ledger: LedgerFixture
    trust: Trust
    bundle: Path
    bundle_zip: Path
    dossier: Path
    dossier_zip: Path
    blob: str

    def vkey(self) -> str:
        """The checkpoint verifier key, as `--trust` takes it."""
        return self.trust.log_keys[0].encode()


def _propose(ledger: LedgerFixture, ident: str, title: str) -> None:
    body = {
        "title": title,
        "summary": "提请局务会议研究。",
        "organ": "bureau-meeting",
        "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增事项"},
        "applicability": "by_reference_art42",
        "confidentiality": {"level": "public"},
        "source": "leadership",
    }
    ledger.append("decision.proposed", ident, body, actor="zhao.lei")


@pytest.fixture(scope="module")
def small(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Small]:
    """Built once per module: every export of it is a few dozen small files."""
    root = tmp_path_factory.mktemp("small")
    ledger = new_ledger(root)
    ledger.register("zhao.lei", "赵磊")
    ledger.register("wu.xia", "吴霞")
    organ = {"name": "局务会议", "kind": "executive_meeting"}
    ledger.append("organ.created", "bureau-meeting", organ)
    for number, title in enumerate(TITLES, start=1):
        _propose(ledger, f"d2020-{number:02d}", title)
    blob = entries.add_blob(Ledger(ledger.store), "会议材料 第1稿".encode())
    ledger.append("note", "d2020-01", {"text": "材料已分发", "attachments": [blob]}, "zhao.lei")
    checkpoints.sign_checkpoint(store=ledger.store, keys=[ledger.keys["li.na"]])
    key = ledger.keys["wu.xia"]
    out = {}
    for name in ("bundle", "bundle.zip"):
        export_bundle(store=ledger.store, out=root / name, exporter="wu.xia", key=key, now=NOW)
        out[name] = root / name
    for name in ("dossier", "dossier.zip"):
        export_dossier(store=ledger.store, decision="d2020-01", out=root / name, exporter="wu.xia",
                       key=key, now=NOW)  # fmt: skip
        out[name] = root / name
    trust = Trust(current_log_keys(ledger.store))
    yield Small(
        ledger, trust, out["bundle"], out["bundle.zip"], out["dossier"], out["dossier.zip"], blob
    )
    ledger.store.close()
    shutil.rmtree(root, ignore_errors=True)
