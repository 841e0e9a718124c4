"""Official calendars a rule profile can carry (`calendar`), by year.

Each year is the State Council General Office's holiday arrangement for it: the days off (放假调休)
and the weekend days worked instead (上班). A profile copies the years it needs:
`{"calendar": {"2020": CHINA_2020}}`.
"""

from __future__ import annotations

from datetime import date, timedelta


def _days(first: str, last: str) -> list[str]:
    start, end = date.fromisoformat(first), date.fromisoformat(last)
    return [(start + timedelta(days=n)).isoformat() for n in range((end - start).days + 1)]


# 国务院办公厅关于2020年部分节假日安排的通知 (国办发明电〔2019〕16号, 21 November 2019), with the
# Spring Festival extended to 2 February (国办发明电〔2020〕1号, 26 January 2020): 1 February, a
# Saturday first made a working day, became a day off again.
CHINA_2020: dict[str, list[str]] = {
    "holidays": [
        "2020-01-01",  # 元旦
        *_days("2020-01-24", "2020-02-02"),  # 春节, extended
        *_days("2020-04-04", "2020-04-06"),  # 清明节
        *_days("2020-05-01", "2020-05-05"),  # 劳动节
        *_days("2020-06-25", "2020-06-27"),  # 端午节
        *_days("2020-10-01", "2020-10-08"),  # 国庆节、中秋节
    ],
    "working_days": [
        "2020-01-19",  # Sunday, for the Spring Festival
        "2020-04-26",  # Sunday, for Labour Day
        "2020-05-09",  # Saturday, for Labour Day
        "2020-06-28",  # Sunday, for the Dragon Boat Festival
        "2020-09-27",  # Sunday, for National Day and the Mid-Autumn Festival
        "2020-10-10",  # Saturday, for National Day and the Mid-Autumn Festival
    ],
}

__all__ = ["CHINA_2020"]
