"""Through the CLI: absurd times and identifiers with a trailing newline are refused with a
message naming the option or field, exit 6 (invalid input), nothing written."""

from __future__ import annotations

import json

import pytest

from tests.cli.conftest import Cli, ok
from tests.cli.test_bad_input import refused


def wang_key(cli: Cli) -> str:
    line = ok(cli("key", "list", "--person", "wang.fang")).stdout.splitlines()[0]
    return line.split("\t")[0]


@pytest.mark.parametrize(
    ("when", "fragment"),
    [
        ("0999-06-01T00:00:00Z", "not a time of the years 1900 to 2200 (the year 999"),
        ("0001-01-01T00:00:00+08:00", "(the year 1 is out of range)"),
        ("9999-12-31T23:00:00-08:00", "(the year 9999 is out of range)"),
        ("2020-02-30T09:00:00+08:00", "is not a valid time"),
        ("2020-07-01T09:00:00+08:00\n", "is not an RFC 3339 time"),
    ],
)
def test_key_revoke_refuses_an_absurd_effective_time(ready: Cli, when: str, fragment: str) -> None:
    message = refused(
        ready, 6, "key", "revoke", wang_key(ready), "--reason", "离任", "--effective-at", when
    )
    assert "--effective-at: " in message and fragment in message


def test_an_absurd_occurred_at_is_refused(ready: Cli) -> None:
    body = ready.write("n.json", '{"text": "x"}')
    args = ("record", "note", "-f", body, "--as", "wang.fang", "--subject", "m")
    message = refused(ready, 6, *args, "--occurred-at", "0001-01-01T00:00:00+08:00")
    assert "--occurred-at: " in message and "the year 1 is out of range" in message


def test_overdue_refuses_an_absurd_day(ready: Cli) -> None:
    message = refused(ready, 6, "overdue", "--as-of", "0999-12-31")
    assert "--as-of: '0999-12-31' is not a date of the years 1900 to 2200" in message


@pytest.mark.parametrize(
    "args",
    [
        ("person", "add", "--id", "zhou.min\n", "--name", "周敏"),
        ("person", "add", "--id", "zhou.min\r\n", "--name", "周敏"),
        ("decision", "new", "--id", "d2021-01\n", "--as", "wang.fang"),
    ],
)
def test_an_id_option_with_a_trailing_newline_is_refused(ready: Cli, args: tuple[str, ...]) -> None:
    """The look-alike person or decision is never recorded."""
    if args[0] == "decision":
        body = {
            "title": "示例", "summary": "示例", "organ": "bureau", "scope": {},
            "applicability": "by_reference_art42", "confidentiality": {"level": "public"},
            "source": "leadership",
        }  # fmt: skip
        args = (*args, "--file", ready.write("p.json", json.dumps(body)))
    message = refused(ready, 6, *args)
    assert "--id: " in message and "is not a valid id" in message


def test_a_subject_with_a_trailing_newline_is_refused(ready: Cli) -> None:
    body = ready.write("n.json", '{"text": "x"}')
    message = refused(
        ready, 6, "record", "note", "-f", body, "--as", "wang.fang", "--subject", "m\n"
    )
    assert "--subject: 'm\\n' is not a valid id" in message


@pytest.mark.parametrize(
    ("entry_type", "body", "field"),
    [
        (
            "membership.started",
            {"organ": "bureau\n", "role": "member", "from": "2020-01-01"},
            "organ",
        ),
        (
            "normative_doc.registered",
            {
                "title": "规定", "doc_no": "1号", "registration_no": "R-1", "drafting_unit": "u",
                "legality_reviewed_at": "2020-01-01", "published_at": "2020-01-01",
                "decision": "d2020-01\n",
            },
            "decision",
        ),
    ],
)  # fmt: skip
def test_an_id_in_a_recorded_body_with_a_trailing_newline_is_refused(
    ready: Cli, entry_type: str, body: dict[str, object], field: str
) -> None:
    path = ready.write("b.json", json.dumps(body))
    args = ("record", entry_type, "-f", path, "--as", "li.na", "--subject", "wang.fang")
    message = refused(ready, 6, *args)
    assert f"body.{field}: String should match pattern" in message
