"""A decision brought to its meeting through the recording use cases, for the recording screens'
tests: each step is the one the decision is due for, from the values its form starts with."""

from __future__ import annotations

from pathlib import Path
from typing import Any

from keys import SigningKey
from ledger.app import Ledger, appending, decisions, entries, forms, meeting, recording

PASSPHRASE = "demo-713"


def step(
    ledger: Ledger, signer: tuple[str, SigningKey], subject: str, typed: dict[str, Any]
) -> int:
    """Record the step `subject` is due for, as `signer`; a soft gate gets a reason."""
    kind = recording.next_steps(ledger, subject)[0]
    ledger.actor = signer[0]
    raw = recording.start(ledger, kind, subject)
    body, problems = forms.build_body(kind, {**raw, **typed})
    assert problems == {}, (kind, problems)
    refusal = appending.preflight(ledger, kind, subject, body, actor=signer[0]).refusal
    if refusal is not None and refusal.needs_reason:
        body = appending.with_reason(kind, body, str(refusal.gate), "会期临近，从速审查")
    seq, refused = appending.record(ledger, kind, subject, body, signer=signer)
    assert seq is not None, refused
    return seq


def at_legality_review(ledger: Ledger, directory: Path) -> str:
    """A new decision sent for legality review today (wu.xia's opinion is due): its id."""
    ident = proposed(ledger, directory, None)[0]
    ledger.actor = None
    return ident


def proposed(
    ledger: Ledger, directory: Path, proposal: dict[str, Any] | None
) -> tuple[str, str, dict[str, tuple[str, SigningKey]]]:
    """A new decision proposed by zhao.lei and drafted up to its legality review."""
    file = directory / "draft.txt"
    file.write_text("课后服务实施方案（征求意见稿）\n", encoding="utf-8")
    doc = entries.attach(ledger, file).sha256
    people = ("zhao.lei", "zhang.wei", "huang.li", "wu.xia")
    keys = {p: (p, ledger.key_for(p, PASSPHRASE)) for p in people}
    ident = decisions.next_decision_id(ledger)
    step(
        ledger,
        keys["zhao.lei"],
        ident,
        {"title": "课后服务实施方案", "summary": "提请研究", **(proposal or {})},
    )
    step(ledger, keys["zhang.wei"], ident, {})  # the head initiates (Art. 10)
    step(ledger, keys["huang.li"], ident, {"lead": "basic-edu", "leaders": "zhao.lei"})
    step(ledger, keys["zhao.lei"], ident, {"doc": doc, "summary": "征求意见稿"})
    step(ledger, keys["zhao.lei"], ident, {"items": [{"title": "《中华人民共和国教育法》"}]})
    step(ledger, keys["zhao.lei"], ident, {"explanation_doc": doc})
    step(ledger, keys["zhao.lei"], ident, {"adoption_report_doc": doc})
    step(ledger, keys["zhao.lei"], ident, {"procedure_statement": "已公开征求意见"})
    return ident, doc, keys


def ready_for_meeting(
    ledger: Ledger, directory: Path, proposal: dict[str, Any] | None = None
) -> str:
    """A new decision, proposed by zhao.lei (with `proposal`'s fields besides title and
    summary) and cleared by the legality review: its id."""
    ident, doc, keys = proposed(ledger, directory, proposal)
    step(ledger, keys["wu.xia"], ident, {"opinion_doc": doc})
    ledger.actor = None
    return ident


def at_the_floor(
    ledger: Ledger,
    directory: Path,
    proposal: dict[str, Any] | None = None,
    absent: tuple[str, ...] = (),
) -> str:
    """The decision before a meeting convened by huang.li (unlocked), everyone present but
    `absent`."""
    ident = ready_for_meeting(ledger, directory, proposal)
    ledger.unlock("huang.li", PASSPHRASE)
    due = [p for p, _ in meeting.members_named(ledger, "bureau-meeting") if p not in absent]
    seq, refusal = meeting.convene(ledger, "", "bureau-meeting", "2021年第1次", "局三楼会议室", due)
    assert refusal is None, refusal
    seq, refusal = meeting.open_item(ledger, ident)
    assert refusal is None, refusal
    return ident
