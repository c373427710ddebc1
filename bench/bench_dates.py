"""Dates: how many corpus strings each reader gets right, per language group, and how fast.

Every reader sees the same strings with the same hints a page gives: its language and, for the
strings whose day and month could be either way round, the date order (dateparser as `DATE_ORDER`,
dateutil as `dayfirst`/`yearfirst`), and relative dates count from the same time.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from datetime import datetime
from typing import Any

from bench.common import machine, stamp, update_section
from tests.support.date_corpus import DOCUMENTED, WEB, DateCase, load_cases, score

NAME = "dates"
FAST_FORMS = [
    "2024-03-12", "2024-03-12T10:00:00Z", "2024-03-12T10:00:00.123+02:00", "20030925T104941",
    "12.03.2024", "23.04.2022 14:55", "Last updated: 01/23/2021", "21-04-2016", "15.05.99",
    "03/25/2024 10:17 pm", "2016年3月20日", "Mo., 23.04.2022 um 14:55 Uhr",
]  # fmt: skip


def read_dataops(case: DateCase) -> datetime | None:
    from backend_fastapi.scraping.dates import DateContext, parse_date

    return parse_date(case.text, DateContext(date_order=case.date_order, lang=case.page_lang, now=case.now))


def read_dateparser(case: DateCase) -> datetime | None:
    import dateparser

    settings: dict[str, Any] = {"RELATIVE_BASE": case.now}
    if case.date_order:
        settings["DATE_ORDER"] = case.date_order
    languages = [case.page_lang] if case.page_lang else None
    try:
        found: datetime | None = dateparser.parse(case.text, languages=languages, settings=settings)
    except ValueError:  # a language it does not know
        found = dateparser.parse(case.text, settings=settings)
    return found


def read_dateutil(case: DateCase) -> datetime | None:
    from dateutil import parser  # type: ignore[import-untyped]

    default = case.now.replace(hour=0, minute=0, second=0, microsecond=0)
    dayfirst, yearfirst = case.date_order == "DMY", case.date_order == "YMD"
    found: datetime = parser.parse(case.text, default=default, dayfirst=dayfirst, yearfirst=yearfirst)
    return found


def rate(read: Callable[[Any], Any], values: list[Any]) -> float:
    started = time.perf_counter()
    for value in values:
        read(value)
    return len(values) / (time.perf_counter() - started)


def run(quick: bool = False) -> str:
    from backend_fastapi.scraping import dates

    cases = load_cases()
    readers = {"DataOps": read_dataops, "dateparser": read_dateparser, "dateutil": read_dateutil}
    scores = {name: score(reader, cases) for name, reader in readers.items()}
    context = dates.DateContext(lang="de", now=datetime(2024, 5, 10))
    fast_values = FAST_FORMS * (500 if quick else 5000)
    fast = rate(lambda v: dates.parse_date(v, context), fast_values)

    def overall(read: Callable[[DateCase], Any]) -> float:
        def safe(case: DateCase) -> None:
            try:
                read(case)
            except ValueError:
                pass

        return rate(safe, cases)

    dates.forget_readings()  # each string read afresh, as on a new page
    every, baseline = overall(read_dataops), overall(read_dateparser)
    by_group = {
        "documented": sum(c.lang in DOCUMENTED for c in cases),
        "web": sum(c.lang in WEB for c in cases),
    }
    rows = "\n".join(
        f"| {name} | {s['documented']:.1%} | {s['web']:.1%} | {s['all']:.1%} |" for name, s in scores.items()
    )
    return f"""## Dates ({stamp()})

{len(cases)} date strings from date-parser test suites (tests/corpus/dates, sources in its README):
{by_group["documented"]} in the documented languages (English, German, French, Spanish, numeric forms),
{by_group["web"]} in the common web languages (with Chinese and Japanese), the rest in other languages.
Each reader gets the string's language and, where day and month could be either way round, the date
order; a case is right when the date matches, and the time where the string gives one. The corpus
comes largely from dateparser's own tests, which favours dateparser and DataOps (which uses it).

| Reader | Documented languages | Common web languages | All |
|---|---|---|---|
{rows}

Speed on one core: the fast path (ISO 8601, numeric and CJK forms, {len(FAST_FORMS)} forms) reads
**{fast:,.0f} values/s**; the whole corpus, each string read once with its page's hints,
{every:,.0f} values/s (dateparser alone on the same strings: {baseline:,.0f} values/s).

{machine()}
"""


if __name__ == "__main__":
    update_section(NAME, run())
