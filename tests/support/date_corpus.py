"""The date corpus (tests/corpus/dates) and how a reader of it is scored, per language group."""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import Any

CASES = Path(__file__).resolve().parents[1] / "corpus" / "dates" / "cases.jsonl"
# The languages the docs name, and the most common languages of web pages (with CJK).
DOCUMENTED = frozenset({"en", "de", "fr", "es", "numeric"})
WEB = DOCUMENTED | {"pt", "it", "nl", "ru", "pl", "tr", "ja", "zh", "ko", "cs", "uk", "vi", "ar", "fa",
                    "id", "sv", "da", "fi", "hu", "ro", "he", "th", "bg", "hr"}  # fmt: skip
GROUPS = {"documented": DOCUMENTED, "web": WEB}


@dataclass(frozen=True)
class DateCase:
    """One string with the date (and time, where `time`) it means."""

    text: str
    expected: datetime
    time: bool
    lang: str
    now: datetime
    source: str
    date_order: str | None = None

    @property
    def page_lang(self) -> str | None:
        """The `<html lang>` a page with this string would carry (numeric forms: none)."""
        return None if self.lang == "numeric" else self.lang


Reader = Callable[[DateCase], datetime | None]


def load_cases() -> list[DateCase]:
    """Every case of the corpus."""
    cases = []
    for line in CASES.read_text(encoding="utf-8").splitlines():
        raw: dict[str, Any] = json.loads(line)
        raw["expected"] = datetime.fromisoformat(raw["expected"])
        raw["now"] = datetime.fromisoformat(raw["now"])
        cases.append(DateCase(**raw))
    return cases


def is_right(case: DateCase, found: datetime | None) -> bool:
    """The date matches, and the wall-clock time too where the string gives one."""
    if found is None or found.date() != case.expected.date():
        return False
    return not case.time or found.time().replace(tzinfo=None) == case.expected.time()


def in_group(case: DateCase, group: str) -> bool:
    return group == "all" or case.lang in GROUPS[group]


def score(reader: Reader, cases: list[DateCase]) -> dict[str, float]:
    """Share of cases read right, per group (documented, web, all)."""
    right = {case.text: _safe(reader, case) for case in cases}
    out = {}
    for group in ("documented", "web", "all"):
        chosen = [c for c in cases if in_group(c, group)]
        out[group] = sum(is_right(c, right[c.text]) for c in chosen) / len(chosen)
    return out


def _safe(reader: Reader, case: DateCase) -> datetime | None:
    try:
        return reader(case)
    except (ValueError, OverflowError, TypeError):
        return None
