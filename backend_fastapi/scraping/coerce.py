"""Values found on pages turned into the types a schema asks for.

Numbers understand currency text and both grouping styles (`EUR 1.234,50` -> 1234.5,
`$1,234.56` -> 1234.56); dates become ISO 8601; URLs become absolute; schema.org availability
values read as booleans. A value that cannot be read raises CoercionError with the reason.
"""

from __future__ import annotations

import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urljoin, urlsplit

_NUMBER = re.compile(r"[-+\u2212]?\s*(?:\d[\d\s.,'\u2019 ]*\d|\d)(?:[eE][-+]?\d+)?")
_TRUE = frozenset(
    {"true", "yes", "y", "1", "on", "in stock", "instock", "available", "in_stock", "limitedavailability",
     "onlineonly", "instoreonly", "preorder", "presale", "backorder"}
)  # fmt: skip
_FALSE = frozenset(
    {"false", "no", "n", "0", "off", "out of stock", "outofstock", "soldout", "sold out", "discontinued",
     "unavailable", "not available", "out_of_stock"}
)  # fmt: skip
_ISO_DATE = re.compile(r"^\d{4}-\d{2}-\d{2}")
_DMY = re.compile(r"^(\d{1,2})[./](\d{1,2})[./](\d{4})$")


# Month names (English, German, French, Spanish), by their first four letters at most.
_MONTH_NAMES = {
    1: "jan janu janv ene", 2: "feb febr fev fevr févr", 3: "mar marc märz mars marz",
    4: "apr apri avr avri abr",
    5: "may mai mayo", 6: "jun june juni juin", 7: "jul july juli juil", 8: "aug augu août aout ago agos",
    9: "sep sept", 10: "oct octo okt okto", 11: "nov nove", 12: "dec dece dez deze déc déce dic dici",
}  # fmt: skip
MONTHS = {name: number for number, names in _MONTH_NAMES.items() for name in names.split()}
_MONTH = r"([a-zäéû]{3,}\.?)"
_WEEKDAY = re.compile(r"^(?:[a-z]+\.?,\s*|(?:mon|tues|wednes|thurs|fri|satur|sun)day\s+)")
_DAY_MONTH_YEAR = re.compile(rf"(\d{{1,2}})(?:st|nd|rd|th|\.)?\s+(?:of\s+)?{_MONTH},?\s+(\d{{4}})")
_MONTH_DAY_YEAR = re.compile(rf"{_MONTH}\s+(\d{{1,2}})(?:st|nd|rd|th)?,?\s+(\d{{4}})")
_YEAR_MONTH_DAY = re.compile(r"(\d{4})[/.](\d{1,2})[/.](\d{1,2})")
_CLOCK = re.compile(r"(\d{1,2}):(\d{2})(?::(\d{2}))?\s*(am|pm)?")


class CoercionError(ValueError):
    """The text cannot be read as the requested type."""


def coerce(value: Any, kind: str, base_url: str = "") -> Any:
    """`value` as `kind` (string, number, integer, boolean, date, datetime, url)."""
    if value is None:
        return None
    if isinstance(value, dict):
        value = value.get("@value") or value.get("name") or value.get("url") or value.get("@id")
        if value is None:
            raise CoercionError(f"an object cannot be read as {kind}")
    if kind == "string":
        return value if isinstance(value, str) else str(value)
    if kind == "number":
        return to_number(value)
    if kind == "integer":
        number = to_number(value)
        if number != int(number):
            raise CoercionError(f"{value!r} is not a whole number")
        return int(number)
    if kind == "boolean":
        return to_boolean(value)
    if kind == "date":
        return to_datetime(value).date().isoformat() if not isinstance(value, date) else value.isoformat()
    if kind == "datetime":
        return to_datetime(value).isoformat()
    if kind == "url":
        return to_url(value, base_url)
    raise CoercionError(f"unknown type {kind!r}")


def to_number(value: Any) -> float:
    """A number from text with currency signs, grouping and either decimal separator."""
    if isinstance(value, bool):
        raise CoercionError("a boolean is not a number")
    if isinstance(value, (int, float)):
        return float(value)
    text = str(value).strip()
    match = _NUMBER.search(text)
    if match is None:
        raise CoercionError(f"no number in {text[:80]!r}")
    raw = re.sub(r"[\s'\u2019 ]", "", match.group(0)).replace("\u2212", "-")
    exponent = ""
    if "e" in raw.lower():
        raw, _, exponent = raw.lower().partition("e")
        exponent = f"e{exponent}"
    sign = "-" if raw.startswith("-") else ""
    raw = raw.lstrip("+-")
    dots, commas = raw.count("."), raw.count(",")
    if dots and commas:
        decimal = "." if raw.rfind(".") > raw.rfind(",") else ","
    elif commas:
        # "1,234" groups thousands; "1,5" and "12,99" are decimals.
        decimal = "," if commas == 1 and len(raw.rsplit(",", 1)[1]) != 3 else ""
    elif dots:
        decimal = "." if dots == 1 and (len(raw.rsplit(".", 1)[1]) != 3 or raw.startswith("0")) else ""
        if dots == 1 and not decimal and len(raw.split(".")[0]) > 3:
            decimal = "."
    else:
        decimal = ""
    grouping = {".", ","} - {decimal}
    for sep in grouping:
        raw = raw.replace(sep, "")
    if decimal == ",":
        raw = raw.replace(",", ".")
    try:
        return float(f"{sign}{raw}{exponent}")
    except ValueError as exc:
        raise CoercionError(f"no number in {text[:80]!r}") from exc


def to_boolean(value: Any) -> bool:
    """true/false, yes/no, 1/0 and schema.org availability (`https://schema.org/InStock`)."""
    if isinstance(value, bool):
        return value
    if isinstance(value, (int, float)):
        return value != 0
    text = str(value).strip().lower().rstrip(".!")
    text = text.rsplit("/", 1)[-1] if text.startswith(("http://", "https://")) else text
    if text in _TRUE:
        return True
    if text in _FALSE:
        return False
    raise CoercionError(f"{str(value)[:80]!r} is not a yes/no value")


def to_datetime(value: Any) -> datetime:
    """A date or time in ISO, RFC 2822, or common written forms (`12 March 2024`, `03/12/2024`)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 10**8:
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    text = str(value).strip()
    if not text:
        raise CoercionError("empty date")
    if _ISO_DATE.match(text):
        try:
            return datetime.fromisoformat(text.replace("Z", "+00:00").replace(" ", "T", 1))
        except ValueError:
            pass
    if match := _DMY.match(text):
        first, second, year = (int(g) for g in match.groups())
        # Day first, as most of the world writes it, unless a slash date's second part cannot be a
        # month (US style, 03/25/2024).
        day, month = (second, first) if (second > 12 and "/" in text) else (first, second)
        try:
            return datetime(year, month, day)
        except ValueError as exc:
            raise CoercionError(f"{text!r} is not a date") from exc
    from email.utils import parsedate_to_datetime

    try:
        return parsedate_to_datetime(text)
    except (TypeError, ValueError, IndexError):
        pass
    written = _written_date(text)
    if written is None:
        raise CoercionError(f"{text[:80]!r} is not a date")
    return written


def _month(name: str) -> int | None:
    return MONTHS.get(name.rstrip(".")[:4]) or MONTHS.get(name.rstrip(".")[:3])


def _written_date(text: str) -> datetime | None:
    """`12 March 2024`, `March 12th, 2024`, `2024/03/12`, `12. März 2024 10:30` and the like."""
    lowered = _WEEKDAY.sub("", text.strip().lower())
    year = month = day = None
    if match := _DAY_MONTH_YEAR.search(lowered):
        day, month, year = int(match.group(1)), _month(match.group(2)), int(match.group(3))
    elif match := _MONTH_DAY_YEAR.search(lowered):
        month, day, year = _month(match.group(1)), int(match.group(2)), int(match.group(3))
    elif match := _YEAR_MONTH_DAY.search(lowered):
        year, month, day = (int(g) for g in match.groups())
    if year is None or month is None or day is None:
        return None
    hour = minute = second = 0
    if clock := _CLOCK.search(lowered[match.end() :] if match else ""):
        hour, minute, second = int(clock.group(1)), int(clock.group(2)), int(clock.group(3) or 0)
        if clock.group(4) == "pm" and hour < 12:
            hour += 12
        elif clock.group(4) == "am" and hour == 12:
            hour = 0
    try:
        return datetime(year, month, day, hour, minute, second)
    except ValueError:
        return None


def to_url(value: Any, base_url: str) -> str:
    """An absolute URL (relative ones resolved against the page)."""
    text = str(value).strip()
    if not text:
        raise CoercionError("empty URL")
    if text.startswith("//"):
        text = f"{urlsplit(base_url).scheme or 'https'}:{text}"
    absolute = urljoin(base_url, text) if base_url else text
    if urlsplit(absolute).scheme not in ("http", "https", "data", "mailto", "tel", "ftp"):
        raise CoercionError(f"{text[:80]!r} is not a URL")
    return absolute
