"""Every gate's refusal names the gate, its article (with its instrument when that is not Decree
713) and what to do next, in every language the ledger speaks; and at the command line a real
refusal of G5, G8, G11 and G14 prints the remedy line, exit 7, nothing written."""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import Any

import pytest
from typer.testing import CliRunner, Result

from keys import KeyStore
from ledger.cli import app
from ledger.cli.errors import gate_lines
from ledger.errors import DECREE_713, GateRefusal
from ledger.procedure.gates import CADRE_REGULATION, GATES, refuse
from ledger.procedure.remedies import remedy
from ledger.store import open_store
from tests.procedure.bureau import Bureau, build_template

LANGUAGES = ("en", "zh-Hans", "zh-Hant")
REFUSING = [g for g in GATES.values() if g.strength != "report"]  # G1–G16
PASSPHRASE = "correct horse battery staple"


def test_the_refusing_gates_are_g1_to_g16() -> None:
    assert [g.id for g in REFUSING] == [f"G{n}" for n in range(1, 17)]


@pytest.mark.parametrize("gate", [g.id for g in REFUSING])
def test_a_refusal_names_its_gate_article_instrument_and_remedy(gate: str) -> None:
    tabled = GATES[gate]
    refusal = GateRefusal(refuse(gate, "the finding", field="draft").breach, seq=7)
    message = refusal.diagnostics()
    assert message == f"{gate} ({tabled.citation}): the finding; nothing was written"
    assert tabled.article and tabled.article in message
    if tabled.instrument != DECREE_713:
        assert tabled.instrument in message
    shown = gate_lines(refusal.breach)
    assert shown[-1] == f"  to proceed: {remedy(tabled.remedy)}"
    for language in LANGUAGES:
        words = remedy(tabled.remedy, language)
        assert words.strip() and words != tabled.remedy, (gate, language)


def test_the_cadre_gates_name_the_cadre_regulation() -> None:
    assert GATES["G11"].citation == f"Art. 37, {CADRE_REGULATION}"
    assert f"Art. 37, {CADRE_REGULATION}" in GATES["G8"].rule  # a cadre item's quorum


# -- real refusals at the command line -----------------------------------------------------------


@pytest.fixture
def bureau(tmp_path: Path) -> Iterator[Bureau]:
    """The demo's bureau, with the recorder's and the head's keys in a key directory."""
    db = tmp_path / "ledger.db"
    build_template(db)
    bureau = Bureau(open_store(str(db)), db)
    keystore = KeyStore(tmp_path / "keys")
    for person in ("huang.li", "zhang.wei"):
        keystore.save(bureau.keys[person], PASSPHRASE)
    try:
        yield bureau
    finally:
        bureau.store.close()


def record(bureau: Bureau, kind: str, actor: str, body: dict[str, Any]) -> Result:
    path = Path(bureau.db).parent / "body.json"
    path.write_text(json.dumps(body, ensure_ascii=False), encoding="utf-8")
    env = {
        "LEDGER_DB": str(bureau.db),
        "LEDGER_KEY_DIR": str(Path(bureau.db).parent / "keys"),
        "LEDGER_PASSPHRASE": PASSPHRASE,
    }
    args = ["record", kind, "--file", str(path), "--as", actor, "--subject", "d1"]
    return CliRunner().invoke(app, [*args, "--occurred-at", bureau.at()], env=env)


def refused_at_the_cli(
    bureau: Bureau, gate: str, kind: str, actor: str, body: dict[str, Any]
) -> list[str]:
    bureau.store.close()  # the command opens the ledger itself
    before = open_store(str(bureau.db))
    count = before.count()
    before.close()
    result = record(bureau, kind, actor, body)
    assert result.exit_code == 7, (result.exit_code, result.stdout, result.stderr)
    lines = result.stderr.splitlines()
    tabled = GATES[gate]
    assert lines[0].startswith(f"error: {gate} ({tabled.citation}): ")
    assert lines[0].endswith("; nothing was written")
    assert f"  rule: {tabled.rule}" in lines
    assert lines[-1] == f"  to proceed: {remedy(tabled.remedy)}"
    after = open_store(str(bureau.db))
    assert after.count() == count
    bureau.store = after
    return lines


def _cadre(bureau: Bureau, present: list[str]) -> None:
    draft = bureau.ready(
        item_class="cadre",
        organ="party-group",
        scope={"sanzhong_yida": "cadre_appointment", "outside_catalog_reason": "干部任免"},
    )
    bureau.meeting("pg1", organ="party-group", present=present)
    bureau.item("d1", "pg1", draft)
    bureau.speak("d1", "pg1", dict.fromkeys([*present[1:], present[0]], "agree"))


def vote(yes: int, no: int) -> dict[str, Any]:
    counts = {"yes": yes, "no": no}
    return {"meeting": "pg1", "method": "secret_ballot", "counts": counts, "result": "passed"}


def g5(bureau: Bureau) -> list[str]:
    bureau.propose()
    bureau.initiate()
    draft = bureau.draft()
    bureau.participate("d1", draft)
    bureau.meeting()
    body = {"meeting": "m1", "item": 1, "draft": draft, "presenter": "zhao.lei"}
    return refused_at_the_cli(bureau, "G5", "agenda_item.opened", "huang.li", body)


def g8(bureau: Bureau) -> list[str]:
    _cadre(bureau, ["zhang.wei", "liu.yang"])
    return refused_at_the_cli(bureau, "G8", "vote.taken", "huang.li", vote(2, 0))


def g11(bureau: Bureau) -> list[str]:
    _cadre(bureau, ["zhang.wei", "liu.yang", "zhou.min"])
    return refused_at_the_cli(bureau, "G11", "vote.taken", "huang.li", vote(2, 1))


def g14(bureau: Bureau) -> list[str]:
    bureau.executing()
    body = {"trigger": "deemed_necessary", "evaluator": "基础教育科", "evaluator_unit": "basic-edu"}
    return refused_at_the_cli(bureau, "G14", "post_evaluation.started", "huang.li", body)


@pytest.mark.parametrize("step", [g5, g8, g11, g14], ids=["G5", "G8", "G11", "G14"])
def test_a_real_refusal_prints_the_remedy(
    bureau: Bureau, step: Callable[[Bureau], list[str]]
) -> None:
    lines = step(bureau)
    if step in (g8, g11):
        assert any(CADRE_REGULATION in line for line in lines)
