"""`ledger decision new`, `decisions`, `show decision`, `check`, `trace`, `overdue` on the demo
year: what they print, their JSON, and their answers to mistakes."""

from __future__ import annotations

import json
from pathlib import Path

import pytest
from typer.testing import CliRunner, Result

from ledger.app import demo
from ledger.cli import app
from ledger.procedure.gates import GATES


@pytest.fixture(scope="module")
def year(tmp_path_factory: pytest.TempPathFactory) -> demo.Demo:
    return demo.build(tmp_path_factory.mktemp("year") / "demo")


def run(built: demo.Demo, *args: str) -> Result:
    env = {
        "LEDGER_DB": str(built.db),
        "LEDGER_KEY_DIR": str(built.key_dir),
        "LEDGER_PASSPHRASE": built.passphrase,
    }
    return CliRunner().invoke(app, list(args), env=env)


def lines(result: Result) -> list[str]:
    assert result.exit_code == 0, (result.exit_code, result.stdout, result.stderr)
    return result.stdout.splitlines()


def test_decisions_filters(year: demo.Demo) -> None:
    assert [line.split("\t")[0] for line in lines(run(year, "decisions"))] == list(demo.SCRIPTED)
    drafting = lines(run(year, "decisions", "--status", "drafting"))
    assert drafting == [
        "d2020-07\tdrafting\tbureau-meeting\t2020\tcatalog-2020/item-05\t"
        "示例区教育信息化2.0行动方案"
    ]
    normative = lines(run(year, "decisions", "--scope", "normative_document", "--json"))
    assert [json.loads(line)["id"] for line in normative] == ["d2020-03"]
    assert lines(run(year, "decisions", "--year", "2021")) == []
    assert lines(run(year, "decisions", "--organ", "party-group")) == []


def test_show_decision_timeline(year: demo.Demo) -> None:
    out = lines(run(year, "show", "decision", "d2020-02"))
    assert out[0] == "d2020-02  2020年城区小学学区划片调整方案"
    assert any(
        "\thead_decision.made\tzhang.wei\tapprove: 秋季入学登记时间节点紧迫" in x for x in out
    )
    shown = json.loads(run(year, "show", "decision", "d2020-02", "--json").stdout)
    types = [entry["type"] for entry in shown["timeline"]]
    assert types[0] == "decision.proposed" and "meeting.convened" in types
    assert shown["decision"]["title"] == "2020年城区小学学区划片调整方案"


def test_check_all_json_is_the_scripted_story(year: demo.Demo) -> None:
    reports = [json.loads(line) for line in lines(run(year, "check", "--all", "--json"))]
    assert {r["decision"]: (r["status"], r["compliance_status"]) for r in reports} == (
        demo.SCRIPTED
    )
    text = "\n".join(lines(run(year, "check", "d2020-05")))
    assert "compliant_with_documented_exceptions" in text
    assert "exception G3 (seq " in text and "寒假前须完成修订" in text


def test_trace_decision_lists_the_dissent(year: demo.Demo) -> None:
    out = lines(run(year, "trace", "decision", "d2020-01"))
    dissent = [x for x in out if "zhou.min 周敏\tmember's position" in x]
    assert len(dissent) == 1
    assert dissent[0].endswith(
        "disagree: 维修资金向城区学校倾斜，农村薄弱学校排序靠后，建议调整排序后再议。"
    )
    assert "bureau-meeting:member,party-group:member" in dissent[0]
    confirmed = [x for x in out if "chen.jing 陈静\tmember's position" in x]
    assert confirmed[0].endswith("agree [recorder_confirmed_by_member]")


def test_trace_person_lists_both_periods(year: demo.Demo) -> None:
    out = lines(run(year, "trace", "person", "chen.jing"))
    assert out[0] == "chen.jing  陈静"
    assert any(
        x.startswith("  2017-06-01 – 2020-09-30\tbureau-meeting 局长办公会议\tdeputy") for x in out
    )
    assert any(x.startswith("  2020-10-09 – now\tsupervision-office 督导室\thead") for x in out)
    keys = out[out.index("keys:") + 1 : out.index("involvement:")]
    assert len(keys) == 2 and "revoked 2020-10-09" in keys[0]


def test_overdue(year: demo.Demo) -> None:
    out = lines(run(year, "overdue", "--as-of", "2020-12-31"))
    assert out == [
        "G17\t61 days\tcatalog-2020/item-05\tplanned 2020-10-31\td2020-07\tdrafting\t"
        "示例区教育信息化2.0行动方案"
    ]


@pytest.mark.parametrize(
    ("args", "code", "message"),
    [
        (("check",), 6, "ID: give one decision id, or --all"),
        (("check", "d1999-01"), 6, "ID: no decision 'd1999-01' in this ledger"),
        (("show", "decision"), 6, "name the decision"),
        (("show", "d2020-01"), 6, "'d2020-01' is not a seq"),
        (("trace", "person", "nobody"), 6, "'nobody' is not a registered person"),
        (("trace", "decision", "nope"), 6, "no decision 'nope'"),
        (("overdue", "--as-of", "31/12/2020"), 6, "--as-of: '31/12/2020' is not a date"),
    ],
)
def test_mistakes(year: demo.Demo, args: tuple[str, ...], code: int, message: str) -> None:
    result = run(year, *args)
    assert result.exit_code == code, (result.stdout, result.stderr)
    assert message in result.stderr
    assert "Traceback" not in result.stderr + result.stdout


def open_item_of_d2020_07(year: demo.Demo, tmp_path: Path, draft: str) -> Result:
    """huang.li puts d2020-07 (draft `draft`) on the agenda of mtg-2020-15, at the CLI."""
    agenda = tmp_path / "agenda.toml"
    agenda.write_text(
        f'meeting = "mtg-2020-15"\nitem = 2\ndraft = "{draft}"\npresenter = "zhao.lei"\n',
        encoding="utf-8",
    )
    return run(
        year,
        "record",
        "agenda_item.opened",
        "--file",
        str(agenda),
        "--as",
        "huang.li",
        "--subject",
        "d2020-07",
    )


def test_decision_new_and_a_refused_gate(year: demo.Demo, tmp_path: Path) -> None:
    body = tmp_path / "proposal.json"
    proposal = {
        "title": "示例区“双减”课后服务经费管理办法",
        "summary": "规范经费使用。",
        "organ": "bureau-meeting",
        "applicability": "by_reference_art42",
        "source": "leadership",
        "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增"},
        "confidentiality": {"level": "public"},
        "amount_fen": 12.5,
    }
    body.write_text(json.dumps(proposal, ensure_ascii=False), encoding="utf-8")
    before = run(year, "log").stdout.count("\n")
    refused = run(year, "decision", "new", "--file", str(body), "--as", "zhao.lei")
    assert refused.exit_code == 6
    assert "body.amount_fen: 12.5 is a float" in refused.stderr
    proposal["amount_fen"] = 1250
    body.write_text(json.dumps(proposal, ensure_ascii=False), encoding="utf-8")
    made = run(
        year,
        "decision",
        "new",
        "--file",
        str(body),
        "--as",
        "zhao.lei",
        "--occurred-at",
        "2021-02-01T09:00:00+08:00",
    )
    assert made.exit_code == 0, made.stderr
    assert made.stdout.strip() == "d2021-01"
    shown = json.loads(run(year, "show", "decision", "d2021-01", "--json").stdout)
    assert shown["decision"]["title"] == proposal["title"]
    assert run(year, "log").stdout.count("\n") == before + 1
    gate = open_item_of_d2020_07(year, tmp_path, "0" * 64)
    assert gate.exit_code == 7
    assert "is not a draft of decision d2020-07" in gate.stderr
    assert "nothing was written" in gate.stderr


def test_a_gate_refusal_names_the_gate_rule_field_and_remedy(
    year: demo.Demo, tmp_path: Path
) -> None:
    """Guards the CLI's words for a gate's refusal: the gate and its article, the rule, the
    body field, and what would satisfy it, from the remedy's catalog text; exit 7, nothing
    written."""
    shown = json.loads(run(year, "show", "decision", "d2020-07", "--json").stdout)
    (draft,) = shown["decision"]["drafts"]
    before = run(year, "log").stdout.count("\n")
    gate = open_item_of_d2020_07(year, tmp_path, draft)
    assert gate.exit_code == 7
    assert gate.stderr.splitlines() == [
        f"error: G5 (Art. 25): draft {draft[:12]}… has no legality opinion, so it cannot go on "
        "the agenda; nothing was written",
        f"  rule: {GATES['G5'].rule}",
        "  field: body.draft",
        "  to proceed: put on the agenda only a draft with a lawful legality opinion (or an "
        "exploratory one with the legal risks disclosed), given before the meeting",
    ]
    assert run(year, "log").stdout.count("\n") == before


def test_the_proposer_may_not_initiate_at_the_cli(tmp_path: Path) -> None:
    """Art. 10 at the command line, once the district's profile is at edition 2: the proposer's
    own initiation is refused, exit 7, naming the article and who initiates; nothing is
    written; the head's is taken."""
    built = demo.build(tmp_path / "demo")
    rules = tmp_path / "profile.json"
    profile = {
        "version": 3,
        "effective_from": "2021-01-01",
        "rules": {**demo.DISTRICT_RULES, "edition": 2},
        "reason": "实施办法修订：决策启动由决策机关负责人签署",
    }
    rules.write_text(json.dumps(profile, ensure_ascii=False), encoding="utf-8")
    versioned = run(
        built, "record", "rule_profile.versioned", "--file", str(rules), "--as", "li.na",
        "--subject", "example-district-2021",
    )  # fmt: skip
    assert versioned.exit_code == 0, versioned.stderr
    proposal = {
        "title": "示例区中小学校外培训机构监管办法",
        "summary": "规范校外培训。",
        "organ": "bureau-meeting",
        "applicability": "by_reference_art42",
        "source": "leadership",
        "scope": {"art3_category": 1, "outside_catalog_reason": "年中新增"},
        "confidentiality": {"level": "public"},
    }
    body = tmp_path / "proposal.json"
    body.write_text(json.dumps(proposal, ensure_ascii=False), encoding="utf-8")
    made = run(built, "decision", "new", "--file", str(body), "--as", "zhao.lei")
    assert made.exit_code == 0, made.stderr
    ident = made.stdout.strip()
    initiation = tmp_path / "initiated.toml"
    initiation.write_text('by = "head"\n', encoding="utf-8")
    before = run(built, "log").stdout.count("\n")
    args = ("record", "decision.initiated", "--file", str(initiation), "--subject", ident)
    refused = run(built, *args, "--as", "zhao.lei")
    assert refused.exit_code == 7
    assert "Art. 10: a decision of bureau-meeting is initiated by its head" in refused.stderr
    assert "not by zhao.lei; nothing was written" in refused.stderr
    assert run(built, "log").stdout.count("\n") == before
    taken = run(built, *args, "--as", "zhang.wei")
    assert taken.exit_code == 0, taken.stderr
