"""The year's normative documents (示教规〔2020〕1–63号), their filing and its answers."""

from __future__ import annotations

from datetime import date, timedelta
from typing import Any

from ledger.app.demo.scribe import Scribe

# The year's normative documents: 63 issued; one never filed, two filed late, one ordered to
# be corrected on review. So the filing, timeliness and legality rates come out of the data.
NORMATIVE_TOPICS = [
    "中小学校安全管理",
    "校外培训机构管理",
    "教师招聘",
    "学生资助",
    "校园食品安全",
    "学前教育收费",
    "义务教育招生入学",
    "课后服务",
    "教育督导",
    "教师继续教育",
    "校舍维修资金管理",
    "体育场馆开放",
    "学籍管理",
    "民办学校年检",
    "特殊教育随班就读",
    "劳动教育",
    "中小学作业管理",
    "教育统计",
    "教育装备采购",
    "校园欺凌防治",
    "家庭经济困难学生认定",
]
NORMATIVE_COUNT = 63
NOT_FILED = {40}
LATE = {17: 36, 51: 41}  # document number: days after publication it was filed
# Nothing in the demo happens after this day: it is looked at on 2021-01-15 (the TUI's tests
# and screenshots), and an entry recorded later than the clock of the machine that looks is
# one from the future (`ledger verify` reports it, and an append there is refused).
LAST_DAY = "2021-01-14"
CORRECTION_ORDERED = {22}
DECISION_DOCUMENT = 23  # 示教规〔2020〕23号 is decision d2020-03's text


def normative_documents(s: Scribe, decision_title: str) -> None:
    """The year's normative documents, number `DECISION_DOCUMENT` being decision d2020-03's
    text (`decision_title`), with their filing and the filing authority's answers."""
    for number in range(1, NORMATIVE_COUNT + 1):
        month, day = 1 + (number - 1) * 12 // NORMATIVE_COUNT, 3 + (number * 7) % 25
        published = f"2020-{month:02d}-{day:02d}"
        ident = f"nd-2020-{number:02d}"
        topic = NORMATIVE_TOPICS[(number - 1) % len(NORMATIVE_TOPICS)]
        body: dict[str, Any] = {
            "title": f"示例区{topic}规定" if number != DECISION_DOCUMENT else decision_title,
            "doc_no": f"示教规〔2020〕{number}号",
            "registration_no": f"SLQJY-2020-{number:03d}",
            "drafting_unit": "basic-edu" if number % 2 else "general-office",
            "legality_reviewed_at": published,
            "published_at": published,
        }
        if number == DECISION_DOCUMENT:
            body["decision"] = "d2020-03"
            published = body["published_at"] = body["legality_reviewed_at"] = "2020-06-12"
        s(f"{published}T11:00:00+08:00", "sun.hao", "normative_doc.registered", ident, body)
        if number in NOT_FILED:
            continue
        delay = LATE.get(number, 5 + number % 15)
        filed = add_days(published, delay)
        s(
            f"{filed}T10:00:00+08:00",
            "sun.hao",
            "normative_doc.filed",
            ident,
            {"filed_to": "示例区司法局", "filed_at": filed},
        )
        result = "correction_ordered" if number in CORRECTION_ORDERED else "no_issue"
        answered = min(add_days(filed, 20), LAST_DAY)
        s(
            f"{answered}T10:00:00+08:00",
            "sun.hao",
            "normative_doc.filing_outcome",
            ident,
            {"outcome": "registered", "review_result": result, "decided_at": answered},
        )


def add_days(day: str, days: int) -> str:
    return (date.fromisoformat(day) + timedelta(days=days)).isoformat()


__all__ = ["DECISION_DOCUMENT", "LAST_DAY", "NORMATIVE_COUNT", "add_days", "normative_documents"]
