"""Every identifier check matches the whole string.

Python's `$` also matches before a final newline, so `re.match(r"^[a-z.]+$", "zhou.min\n")`
succeeds: a look-alike person `zhou.min⏎` could be registered beside `zhou.min`. Python code
tests patterns with `fullmatch`; pydantic's (Rust) engine reads `$` as the end of the text.
"""

from __future__ import annotations

import re
from pathlib import Path

import pytest

from ledger.append import check_id
from ledger.entry import (
    HEX64,
    ID_PATTERN,
    TYPE_PATTERN,
)
from ledger.errors import InputError
from ledger.registry import lookup
from ledger.store.postgres import ROLE_PATTERN
from ledger.verification import verify_ledger
from tests.builders import new_ledger
from tests.tamper import forge_next

ROOT = Path(__file__).resolve().parents[2]
# Prefix matches on purpose: a gate's name at the start of a refusal's message.
PREFIX_MATCHES = {"_GATE_AT_START.match("}


def test_no_pattern_is_tested_with_match() -> None:
    """A new `.match(` in the code is a prefix test; say so above, or use `fullmatch`."""
    found = []
    for package in ("ledger", "tui", "keys"):
        for path in sorted((ROOT / package).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                for call in re.findall(r"[\w.]*\.match\(", line):
                    if call not in PREFIX_MATCHES:
                        found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert found == []


@pytest.mark.parametrize(
    ("pattern", "good"),
    [
        (ID_PATTERN, "zhou.min"),
        (HEX64, "0" * 64),
        (TYPE_PATTERN, "key.revoked"),
        (ROLE_PATTERN, "ledger_recorder"),
    ],
)
@pytest.mark.parametrize("tail", ["\n", "\r\n", " "])
def test_the_patterns_refuse_a_trailing_newline(
    pattern: re.Pattern[str], good: str, tail: str
) -> None:
    assert pattern.fullmatch(good)
    assert not pattern.fullmatch(good + tail)


def test_check_id_refuses_a_trailing_newline() -> None:
    with pytest.raises(InputError, match="'zhou.min\\\\n' is not a valid id") as caught:
        check_id("zhou.min\n", where="--id")
    assert caught.value.where == "--id"


@pytest.mark.parametrize(
    ("entry_type", "body", "where"),
    [
        (
            "membership.started",
            {"organ": "bureau\n", "role": "member", "from": "2020-01-01"},
            "organ",
        ),
        ("note", {"text": "x", "attachments": ["0" * 64 + "\n"]}, "attachments.0"),
        ("normative_doc.registered", {"decision": "d2020-01\n"}, "decision"),
    ],
)
def test_body_ids_refuse_a_trailing_newline(
    entry_type: str, body: dict[str, object], where: str
) -> None:
    """pydantic's pattern check (the Rust engine) holds for ids and hashes in bodies."""
    base: dict[str, object] = {}
    if entry_type == "normative_doc.registered":
        base = {
            "title": "规定", "doc_no": "1号", "registration_no": "R-1", "drafting_unit": "u",
            "legality_reviewed_at": "2020-01-01", "published_at": "2020-01-01",
        }  # fmt: skip
    with pytest.raises(InputError) as caught:
        lookup(entry_type).validate({**base, **body})
    assert caught.value.where == f"body.{where}"


def test_a_forged_subject_with_a_newline_fails_verify(tmp_path: Path) -> None:
    """An entry inserted by hand, signed by the registrar, about `zhou.min⏎`: verify names it."""
    ledger = new_ledger(tmp_path)
    seq = forge_next(ledger, "person.registered", "zhou.min\n", {"name": "周敏"})
    report = verify_ledger(store=ledger.store)
    assert report.failures["schema"].seq == seq, report.to_json()
    assert "is not a valid id" in report.failures["schema"].message
