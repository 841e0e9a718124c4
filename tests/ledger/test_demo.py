"""The demo a newcomer runs first: it must build, verify, and rebuild in place."""

from __future__ import annotations

from datetime import UTC, datetime
from pathlib import Path

import pytest

from keys import KeyStore
from ledger import demo, service
from ledger.errors import InputError

NOW = datetime(2026, 1, 5, 9, 0, tzinfo=UTC)


def test_demo_builds_and_verifies(tmp_path: Path) -> None:
    built = demo.build(tmp_path / "d", now=NOW)
    store = service.open_ledger(str(built.db))
    report = service.verify_ledger(store=store)
    assert report.ok, report.to_json()
    people = 1 + len(demo.PEOPLE)
    expected = 1 + 2 * len(demo.PEOPLE) + len(demo.ORGANS) + len(demo.MEMBERSHIPS) + 2
    assert report.entries == built.entries == expected
    directory = store.directory()
    assert len(directory.persons) == people
    assert directory.persons["zhang.wei"].name == "张伟"
    assert directory.active_membership("huang.li", "bureau-meeting", "recorder") is not None
    # Every key file opens with the printed passphrase and is the person's bound key.
    keystore = KeyStore(built.key_dir)
    assert len(keystore.list_ids()) == people
    for person in directory.persons:
        (record,) = directory.keys_of(person)
        assert keystore.load(record.key_id, built.passphrase).key_id == record.key_id
    store.close()


def test_demo_rebuilds_in_place(tmp_path: Path) -> None:
    first = demo.build(tmp_path / "d", now=NOW)
    second = demo.build(tmp_path / "d", now=NOW)
    assert second.entries == first.entries
    assert len(KeyStore(second.key_dir).list_ids()) == 1 + len(demo.PEOPLE)


def test_demo_refuses_a_foreign_directory(tmp_path: Path) -> None:
    """Nothing of the user's is ever deleted by the demo."""
    target = tmp_path / "mine"
    target.mkdir()
    (target / "notes.txt").write_text("mine")
    with pytest.raises(InputError, match="is not a ledger demo"):
        demo.build(target, now=NOW)
    assert (target / "notes.txt").read_text() == "mine"
