"""Builds cases.jsonl from the date-parser test suites named in README.md.

Run with the checkouts of the source repositories:
`python tests/corpus/dates/build_corpus.py <dateparser checkout> <dateutil checkout>`.
"""

from __future__ import annotations

import ast
import json
import re
import sys
from datetime import datetime
from pathlib import Path
from typing import Any

from dateutil.relativedelta import relativedelta

HERE = Path(__file__).parent
LANGS = {
    "English": "en", "French": "fr", "German": "de", "Spanish": "es", "Italian": "it",
    "Portuguese": "pt", "Russian": "ru", "Turkish": "tr", "Romanian": "ro", "Czech": "cs",
    "Thai": "th", "Vietnamese": "vi", "Belarusian": "be", "Ukrainian": "uk", "Tagalog": "tl",
    "Filipino": "fil", "Japanese": "ja", "Chinese": "zh", "Bulgarian": "bg", "Bangla": "bn",
    "Hindi": "hi", "Dutch": "nl", "Polish": "pl", "Arabic": "ar", "Finnish": "fi",
    "Georgian": "ka", "Croatian": "hr", "Numeric": "numeric",
}  # fmt: skip


def _value(node: ast.AST) -> Any:
    """A literal, or a `datetime(...)` call with literal arguments."""
    if isinstance(node, ast.Call) and "datetime" in (
        getattr(node.func, "id", ""),
        getattr(node.func, "attr", ""),
    ):
        kwargs = {k.arg: ast.literal_eval(k.value) for k in node.keywords if k.arg}
        return datetime(*(ast.literal_eval(a) for a in node.args), **kwargs)
    if isinstance(node, ast.Dict):
        return {_value(k): _value(v) for k, v in zip(node.keys, node.values, strict=True) if k is not None}
    if isinstance(node, (ast.List, ast.Tuple)):
        return [_value(e) for e in node.elts]
    return ast.literal_eval(node)


def _params(source: str, function: str) -> list[tuple[int, list[Any], dict[str, Any]]]:
    """(line, args, keywords) of every `param(...)` in the list that parameterises `function`."""
    out = []
    for node in ast.walk(ast.parse(source)):
        if isinstance(node, ast.FunctionDef) and node.name == function:
            for decorator in node.decorator_list:
                for call in ast.walk(decorator):
                    if isinstance(call, ast.Call) and getattr(call.func, "id", "") == "param":
                        try:
                            args = [_value(a) for a in call.args]
                            kwargs = {k.arg: _value(k.value) for k in call.keywords if k.arg}
                        except (ValueError, TypeError, SyntaxError):
                            continue
                        out.append((call.lineno, args, kwargs))
    return out


def _language_at(lines: list[str], line: int) -> str | None:
    """The language named by the closest `# <Language> dates` comment above a line."""
    for text in reversed(lines[:line]):
        if match := re.match(r"\s*# (\w+)( dates)?\s*$", text):
            return LANGS.get(match.group(1))
        if "parameterized.expand" in text:
            return None
    return None


def _case(text: str, expected: datetime, lang: str | None, now: datetime, source: str,
          has_time: bool, order: str | None = None) -> dict[str, Any]:  # fmt: skip
    if lang is None or not text.strip():
        return {}
    if re.fullmatch(r"[\d\W_]+", text) and lang == "en":
        lang = "numeric"
    case = {"text": text, "expected": expected.isoformat(), "time": has_time, "lang": lang,
            "now": now.isoformat(), "source": source}  # fmt: skip
    if order:
        case["date_order"] = order
    return case


def _has_time(expected: datetime) -> bool:
    return (expected.hour, expected.minute, expected.second) != (0, 0, 0)


def from_dateparser(root: Path) -> list[dict[str, Any]]:
    cases = []
    source = (root / "tests/test_date_parser.py").read_text()
    lines = source.splitlines()
    base = datetime(2012, 11, 13)
    for line, args, _ in _params(source, "test_dates_parsing"):
        text, expected = args
        cases.append(_case(text, expected, _language_at(lines, line), base,
                           "dateparser:test_date_parser.py", _has_time(expected)))  # fmt: skip
    for _, args, _ in _params(source, "test_dates_parsing_with_language"):
        lang, text, expected = args
        cases.append(_case(text, expected, lang, base, "dateparser:test_date_parser.py", _has_time(expected)))
    for _, args, kwargs in _params(source, "test_order"):
        if kwargs.get("order") in ("DMY", "MDY", "YMD"):
            expected = kwargs["expected"]
            lang = "numeric" if not re.search(r"[a-z]{3}", args[0], re.I) else "en"
            cases.append(_case(args[0], expected, lang, base, "dateparser:test_date_parser.py",
                               _has_time(expected), kwargs["order"]))  # fmt: skip
    fresh = (root / "tests/test_freshness_date_parser.py").read_text()
    fresh_lines = fresh.splitlines()
    now = datetime(2014, 9, 1, 10, 30)
    for function, sign in (("test_relative_past_dates", -1), ("test_relative_future_dates", 1)):
        for line, args, kwargs in _params(fresh, function):
            delta = kwargs.get("ago") or kwargs.get("in_future") or (args[1] if len(args) > 1 else None)
            if not isinstance(delta, dict) or any(isinstance(v, float) for v in delta.values()):
                continue
            expected = now + sign * relativedelta(**delta)  # type: ignore[operator]
            timed = any(k in delta for k in ("hours", "minutes", "seconds"))
            cases.append(_case(args[0], expected, _language_at(fresh_lines, line), now,
                               "dateparser:test_freshness_date_parser.py", timed))  # fmt: skip
    search = (root / "tests/test_search.py").read_text()
    for _, args, kwargs in _params(search, "test_search_and_parse"):
        settings = kwargs.get("settings") or {}
        if len(args) < 3 or set(settings) - {"RELATIVE_BASE"} or not isinstance(args[2], list):
            continue
        for found in args[2]:
            text, expected = found[0], found[1]
            # Only substrings that name their year: the suite's "now" is the day it runs.
            if isinstance(expected, datetime) and str(expected.year) in text and expected.tzinfo is None:
                now = settings.get("RELATIVE_BASE", base)
                cases.append(_case(text, expected, args[0], now, "dateparser:test_search.py",
                                   _has_time(expected)))  # fmt: skip
    return cases


_MONTHS = "january february march april may june july august september october november december".split()
_DAY_NAME = r"(?:monday|tuesday|wednesday|thursday|friday|saturday|sunday)"
_WEEKDAY = rf"(?:{_DAY_NAME} )?"
_CLOCK = r"(?: (\d{1,2}):(\d{2})(?::(\d{2}))?)?"
_TRANSLATED = [
    (re.compile(rf"{_WEEKDAY}(\d{{4}})-(\d{{1,2}})-(\d{{1,2}}){_CLOCK}(?: {_DAY_NAME})?"), "ymd"),
    (re.compile(rf"{_WEEKDAY}(\d{{1,2}}) ({'|'.join(_MONTHS)}) (\d{{4}}){_CLOCK}"), "dmy"),
    (re.compile(rf"{_WEEKDAY}({'|'.join(_MONTHS)}) (\d{{1,2}}) (\d{{4}}){_CLOCK}"), "mdy"),
]


def _from_translation(english: str) -> datetime | None:
    """The date an English translation in dateparser's tests names, for the plain forms only."""
    for pattern, form in _TRANSLATED:
        if match := pattern.fullmatch(english.strip()):
            a, b, c, *clock = match.groups()
            month_of = {name: i + 1 for i, name in enumerate(_MONTHS)}
            if form == "ymd":
                year, month, day = int(a), int(b), int(c)
            elif form == "dmy":
                year, month, day = int(c), month_of[b], int(a)
            else:
                year, month, day = int(c), month_of[a], int(b)
            hour, minute, second = (int(x or 0) for x in clock)
            try:
                return datetime(year, month, day, hour, minute, second)
            except ValueError:
                return None
    return None


def from_translations(root: Path) -> list[dict[str, Any]]:
    """Strings of dateparser's translation tests whose English translation is a plain full date."""
    cases = []
    source = (root / "tests/test_languages.py").read_text()
    for _, args, _ in _params(source, "test_translation"):
        if len(args) == 3 and (expected := _from_translation(args[2])) is not None:
            cases.append(_case(args[1], expected, args[0], datetime(2012, 11, 13),
                               "dateparser:test_languages.py", _has_time(expected)))  # fmt: skip
    return cases


def from_dateutil(root: Path) -> list[dict[str, Any]]:
    cases = []
    source = (root / "tests/test_parser.py").read_text()
    tree = ast.parse(source)
    for node in tree.body:
        # Only the cases without a default date: the others test how missing parts are filled in.
        if isinstance(node, ast.Assign) and getattr(node.targets[0], "id", "") == "PARSER_TEST_CASES":
            for element in node.value.elts:  # type: ignore[attr-defined]
                try:
                    text, expected = _value(element.elts[0]), _value(element.elts[1])
                except (ValueError, TypeError, SyntaxError):
                    continue
                if expected.year < 1000:
                    continue  # years before 1000 are not web dates
                lang = "numeric" if re.fullmatch(r"[\d\W_T]+", text) else "en"
                cases.append(_case(text, expected, lang, datetime(2003, 9, 25),
                                   "dateutil:test_parser.py", _has_time(expected)))  # fmt: skip
    return cases


def mark_ambiguous(cases: list[dict[str, Any]]) -> None:
    """Record the date order a case needs where day-first and month-first readings differ."""
    import dateparser

    for case in cases:
        if "date_order" in case:
            continue
        now = datetime.fromisoformat(case["now"])
        readings = {}
        for order in ("DMY", "MDY"):
            settings = {"DATE_ORDER": order, "RELATIVE_BASE": now, "PREFER_LOCALE_DATE_ORDER": False}
            result = dateparser.parse(case["text"], settings=settings)  # type: ignore[arg-type]
            readings[order] = result.date() if result else None
        if readings["DMY"] and readings["MDY"] and readings["DMY"] != readings["MDY"]:
            expected = datetime.fromisoformat(case["expected"]).date()
            match = [order for order, value in readings.items() if value == expected]
            if match:
                case["date_order"] = match[0]


def main() -> None:
    dateparser_root, dateutil_root = Path(sys.argv[1]), Path(sys.argv[2])
    found = [*from_dateparser(dateparser_root), *from_translations(dateparser_root)]
    cases = [c for c in found + from_dateutil(dateutil_root) if c]
    seen: set[str] = set()
    unique = [c for c in cases if not (c["text"] in seen or seen.add(c["text"]))]  # type: ignore[func-returns-value]
    mark_ambiguous(unique)
    with (HERE / "cases.jsonl").open("w", encoding="utf-8") as out:
        for case in unique:
            out.write(json.dumps(case, ensure_ascii=False) + "\n")


if __name__ == "__main__":
    main()
