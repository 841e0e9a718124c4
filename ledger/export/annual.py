"""`ledger report annual --year Y`: the year's rule-of-law statistics (法治政府建设年度报告).

Every figure is computed from the ledger as it stood at its latest signed checkpoint (entries
0 … N−1, replayed if entries were appended since), and the report is stamped with that
checkpoint, so anyone holding the same entries — an auditor with the bundle — recomputes the
same numbers. Each rate gives its numerator, its denominator and the ids behind both.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from ledger.app import accountability, decisions
from ledger.app.ledger import Ledger
from ledger.export import render
from ledger.export.bundle import bound_checkpoint
from ledger.export.service import state_at
from ledger.note import b64
from ledger.procedure.model import Decision
from ledger.procedure.state import FLAG_STEPS
from ledger.store import SqlStore, reads

Obj = dict[str, Any]
STEPS = (
    ("legality_review", "合法性审查 legality review (Art. 25)"),
    ("public_participation", "公众参与 public participation (Art. 14)"),
    ("expert_argumentation", "专家论证 expert argumentation (Art. 19)"),
    ("risk_assessment", "风险评估 risk assessment (Art. 22)"),
)


def _coverage(decided: list[Decision], step: str) -> Obj:
    if step == "legality_review":
        done = [d["id"] for d in decided if d["review"]["opinions"]]
        exempt: list[str] = []
        required = [d["id"] for d in decided]
    else:
        done = [d["id"] for d in decided if "completed_seq" in d["steps"].get(step, {})]
        exempt = [
            d["id"] for d in decided if d["steps"].get(step, {}).get("determination") == "exempt"
        ]
        required = [d["id"] for d in decided if any(FLAG_STEPS.get(f) == step for f in d["flags"])]
    ids = [d["id"] for d in decided]
    return {
        "numerator": len(done),
        "denominator": len(ids),
        "performed": done,
        "decisions": ids,
        "exempt": exempt,
        "required_by_flags": required,
        "required_not_performed": sorted(set(required) - set(done) - set(exempt)),
    }


def _scope_parts(decision: Decision) -> list[str]:
    scope = decision["scope"]
    parts = []
    if scope.get("item"):
        parts.append("catalog")
    if scope.get("art3_category"):
        parts.append(f"art3:{scope['art3_category']}")
    if scope.get("sanzhong_yida"):
        parts.append(str(scope["sanzhong_yida"]))
    if scope.get("normative_document"):
        parts.append("normative_document")
    if not scope.get("item"):
        parts.append("outside_catalog")
    return parts


def _normative(view: SqlStore, year: int) -> Obj:
    docs = reads.objects(view, "normative_doc", year=year)
    rates = accountability.filing_rates(Ledger(view), year)
    required = [d["id"] for d in docs]
    filed = [d["id"] for d in docs if d["filed"] is not None]
    lists = {
        "filing_rate": (filed, required),
        "timeliness_rate": (
            [d["id"] for d in docs if d["filed"] is not None and d["filed"]["on_time"]],
            required,
        ),
        "legality_rate": (
            [
                d["id"]
                for d in docs
                if d["filed"] is not None and d.get("review_result") == "no_issue"
            ],
            filed,
        ),
    }
    for name, (numerator, denominator) in lists.items():
        rates[name]["documents"] = numerator
        rates[name]["of"] = denominator
    rates["documents"] = len(docs)
    return rates


def annual_report(
    *, store: SqlStore, year: int, progress: Callable[[int, int], None] | None = None
) -> Obj:
    """The year's statistics from the ledger at its latest checkpoint, stamped with it.
    `progress(done, total)` follows the year's decisions as each is checked.

    Raises:
        RefusedError: no checkpoint is stored yet.
    """
    cp = bound_checkpoint(store)
    size = cp.checkpoint.size
    with state_at(store, size) as view:
        summaries = decisions.list_decisions(Ledger(view), year=year)
        states, reports = [], []
        for done, summary in enumerate(summaries, 1):
            states.append(decisions.get_decision(Ledger(view), summary.id))
            reports.append(accountability.check(Ledger(view), summary.id)[0])
            if progress is not None:
                progress(done, len(summaries))
        decided = [d for d in states if d["decided"] is not None]
        by_status: dict[str, list[str]] = {}
        by_scope: dict[str, list[str]] = {}
        for d in states:
            by_status.setdefault(d["status"], []).append(d["id"])
            for part in _scope_parts(d):
                by_scope.setdefault(part, []).append(d["id"])
        by_compliance: dict[str, list[str]] = {}
        findings: dict[str, Obj] = {}
        exceptions: dict[str, Obj] = {}
        for r in reports:
            by_compliance.setdefault(r["compliance_status"], []).append(r["decision"])
            for f in r["findings"]:
                key = f"{f['check']} ({f['basis']}, {f['severity']})"
                item = findings.setdefault(key, {"count": 0, "cases": []})
                item["count"] += 1
                item["cases"].append({"decision": r["decision"], "seq": f["seq"]})
            for e in r["exceptions"]:
                key = f"{e['gate'] or e['finding']} ({e['basis']})"
                item = exceptions.setdefault(key, {"count": 0, "cases": []})
                item["count"] += 1
                item["cases"].append(
                    {"decision": r["decision"], "seq": e["seq"], "reason": e["reason"]}
                )
        last = next(view.rows(since=size - 1, until=size - 1))
        directory = view.directory()
        return {
            "year": year,
            "organisation": directory.organisation,
            "checkpoint": {
                "origin": cp.checkpoint.origin,
                "size": size,
                "root": b64(cp.checkpoint.root),
                "head_leaf_hash": last.leaf_hash,
                "note": cp.encode().decode("utf-8"),
            },
            "decisions": {
                "total": len(states),
                "ids": [d["id"] for d in states],
                "decided": [d["id"] for d in decided],
                "by_status": by_status,
                "by_scope": by_scope,
                "by_compliance": by_compliance,
            },
            "coverage": {step: _coverage(decided, step) for step, _ in STEPS},
            "gate_findings": dict(sorted(findings.items())),
            "documented_exceptions": dict(sorted(exceptions.items())),
            "normative_documents": _normative(view, year),
        }


def render_json(report: Obj) -> bytes:
    """The report as JSON (sorted keys, UTF-8)."""
    return (json.dumps(report, ensure_ascii=False, sort_keys=True, indent=2) + "\n").encode()


def _sections(report: Obj) -> list[tuple[str, list[str], list[tuple[Any, ...]]]]:
    d = report["decisions"]
    cov = report["coverage"]
    nd = report["normative_documents"]
    rate_names = {
        "filing_rate": "备案率 filing rate",
        "timeliness_rate": "及时率 timeliness rate",
        "legality_rate": "合法率 legality rate",
    }
    return [
        ("一、重大行政决策 Major decisions", ["分类 category", "数量 count", "决策 decisions"],
         [(f"状态 status: {k}", len(v), ", ".join(v)) for k, v in sorted(d["by_status"].items())]
         + [(f"范围 scope: {k}", len(v), ", ".join(v)) for k, v in sorted(d["by_scope"].items())]
         + [(f"合规 compliance: {k}", len(v), ", ".join(v))
            for k, v in sorted(d["by_compliance"].items())]),
        ("二、程序覆盖 Procedure coverage (of decided matters)",
         ["程序 step", "比率 rate", "已履行 performed", "豁免 exempt",
          "应履行未履行 required, not done"],
         [(label, render.rate(cov[step]), ", ".join(cov[step]["performed"]),
           ", ".join(cov[step]["exempt"]), ", ".join(cov[step]["required_not_performed"]))
          for step, label in STEPS]),
        ("三、审查发现 Gate findings and documented exceptions",
         ["检查 check", "次数 count", "情形 cases"],
         [(k, v["count"], "; ".join(_case(c) for c in v["cases"]))
          for k, v in report["gate_findings"].items()]
         + [(f"例外 exception: {k}", v["count"],
             "; ".join(f"{_case(c)}: {c['reason']}" for c in v["cases"]))
            for k, v in report["documented_exceptions"].items()]),
        (f"四、规范性文件 Normative documents ({nd['documents']})",
         ["指标 rate", "比率 numerator / denominator", "未达 short"],
         [(label, render.rate(nd[name]), ", ".join(nd[name]["short"]))
          for name, label in rate_names.items()]),
    ]  # fmt: skip


def _case(case: Obj) -> str:
    return case["decision"] if case["seq"] is None else f"{case['decision']} seq {case['seq']}"


def render_md(report: Obj) -> bytes:
    """The report as Markdown."""
    cp = report["checkpoint"]
    lines = [
        f"# {report['organisation']} {report['year']} 年度法治政府建设统计 · "
        "rule-of-law statistics",
        "",
        f"Computed from the ledger `{cp['origin']}` at its signed checkpoint of size "
        f"{cp['size']}, root `{cp['root']}` (entry {cp['size'] - 1} hashes to "
        f"`{cp['head_leaf_hash']}`).",
        "",
    ]
    for title, headers, rows in _sections(report):
        lines += [f"## {title}", "", render.md_table(headers, rows)]
    lines += ["## 检查点 Checkpoint", "", "```text", cp["note"].rstrip("\n"), "```", ""]
    return "\n".join(lines).encode("utf-8")


def render_html(report: Obj) -> bytes:
    """The report as an A4 HTML page."""
    cp = report["checkpoint"]
    t = render.text
    parts = [
        f"<h1>{t(report['organisation'])} {report['year']} 年度法治政府建设统计</h1>\n",
        f'<p class="meta">Rule-of-law statistics computed from the ledger {t(cp["origin"])} at '
        f"its signed checkpoint of size {cp['size']}, root "
        f'<span class="hash">{t(cp["root"])}</span></p>\n',
    ]
    for title, headers, rows in _sections(report):
        parts += [f"<h2>{t(title)}</h2>\n", render.table(headers, rows)]
    parts.append(f'<h2>检查点 Checkpoint</h2>\n<pre class="hash">{t(cp["note"])}</pre>\n')
    return render.page(
        f"{report['organisation']} {report['year']} 年度法治政府建设统计",
        "".join(parts),
        footer=f"{t(cp['origin'])} · checkpoint {cp['size']}",
    )
