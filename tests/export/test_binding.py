"""What a bag says it is bound to must agree with itself and with the entries: the exporter's
signed list (kind, origin, checkpoint, exporter), bag-info.txt and data/checkpoint.txt; and a
dossier's every label is written again from its entries. Each attack re-signs the bag with a
real key of a registered staff member, so that only these checks can catch it."""

from __future__ import annotations

import shutil
from dataclasses import replace
from pathlib import Path
from typing import Any

import pytest

from ledger.export.bundle import SIGNATURE_FILE
from ledger.note import SignedCheckpoint
from tests.export.conftest import Small
from tests.export.forge import failures, resign, set_label, verify


def _copy(source: Path, tmp_path: Path) -> Path:
    bag = tmp_path / "bag"
    shutil.copytree(source, bag)
    return bag


def test_resigned_by_another_staff_member_alone_still_verifies(
    small: Small, tmp_path: Path
) -> None:
    """The control: a bag signed again, unchanged, by zhao.lei (whose key is bound before the
    checkpoint) verifies — so the failures below come from the changes, not the signer."""
    bag = _copy(small.bundle, tmp_path)
    resign(bag, "zhao.lei", small.ledger.keys["zhao.lei"])
    result = verify(bag, small.vkey())
    assert result.exit_code == 0, result.stderr
    assert "exported by zhao.lei" in result.stderr


def _other_checkpoint(bag: Path, **change: Any) -> SignedCheckpoint:
    cp = SignedCheckpoint.parse((bag / "data/checkpoint.txt").read_bytes())
    return replace(cp, checkpoint=replace(cp.checkpoint, **change))


@pytest.mark.parametrize("field", ["kind", "size", "root", "origin"])
def test_a_signed_list_naming_another_kind_origin_or_checkpoint_fails(
    small: Small, tmp_path: Path, field: str
) -> None:
    """The signed list says `dossier`, or a checkpoint of another size or root, or another
    origin, than the bag it signs: exit 3, naming export-signature.json and the field."""
    bag = _copy(small.bundle, tmp_path)
    key = small.ledger.keys["zhao.lei"]
    if field == "kind":
        resign(bag, "zhao.lei", key, kind="dossier")
    elif field == "size":
        resign(bag, "zhao.lei", key, cp=_other_checkpoint(bag, size=3))
    elif field == "root":
        resign(bag, "zhao.lei", key, cp=_other_checkpoint(bag, root=bytes(32)))
    else:
        resign(bag, "zhao.lei", key, cp=_other_checkpoint(bag, origin="example.org/other"))
    result = verify(bag, small.vkey())
    assert result.exit_code == 3
    named = {"kind": "kind", "size": "checkpoint", "root": "checkpoint", "origin": "origin"}
    assert any(
        f.startswith(f"[signature] {SIGNATURE_FILE}: the exporter signed {named[field]} ")
        for f in failures(result)
    ), failures(result)


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("Ledger-Origin", "example.org/other"),
        ("Ledger-Checkpoint-Size", "3"),
        ("Ledger-Checkpoint-Root", "A" * 43 + "="),
    ],
)
def test_bag_info_naming_another_checkpoint_fails(
    small: Small, tmp_path: Path, label: str, value: str
) -> None:
    bag = _copy(small.bundle, tmp_path)
    set_label(bag, label, value)
    resign(bag, "zhao.lei", small.ledger.keys["zhao.lei"])
    result = verify(bag, small.vkey())
    assert result.exit_code == 3
    assert f"[bag] bag-info.txt: {label} is {value!r}; the bound checkpoint" in result.stderr


@pytest.mark.parametrize(
    ("label", "value"),
    [
        ("Ledger-Decision", "d2020-02"),
        ("Ledger-Entries", "3"),
        ("Bagging-Date", "2019-01-01"),
        ("Source-Organization", "某区教育局"),
        ("External-Identifier", "another dossier"),
        ("External-Description", "决策档案 · decision dossier d2020-02"),
    ],
)
def test_every_dossier_label_is_checked_against_its_entries(
    small: Small, tmp_path: Path, label: str, value: str
) -> None:
    """A dossier relabelled — another decision, entry count, date, organisation — and signed
    again: exit 3, naming bag-info.txt and the label, with the value the entries give."""
    bag = _copy(small.dossier, tmp_path)
    set_label(bag, label, value)
    resign(bag, "zhao.lei", small.ledger.keys["zhao.lei"])
    result = verify(bag, small.vkey())
    assert result.exit_code == 3, result.stderr
    if label == "Ledger-Decision":
        expected = "a decision the dossier's entries do not hold"
    else:
        expected = f"{label} is {value!r}; the verified entries give "
    assert any(f.startswith("[regenerated] bag-info.txt: ") and expected in f
               for f in failures(result)), failures(result)  # fmt: skip


def test_a_small_dossier_verifies_as_a_directory_and_a_zip(small: Small) -> None:
    for bag in (small.dossier, small.dossier_zip):
        result = verify(bag, small.vkey())
        assert result.exit_code == 0, result.stderr
        assert result.stdout.startswith("ok: dossier of d2020-01 of ")
