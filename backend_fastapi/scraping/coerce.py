"""Values found on pages turned into the types a schema asks for.

Numbers understand currency text and both grouping styles (`EUR 1.234,50` -> 1234.5,
`$1,234.56` -> 1234.56); dates become ISO 8601 (read by dates.py); URLs become absolute; schema.org
availability values read as booleans. A value that cannot be read raises CoercionError with the reason.
"""

from __future__ import annotations

import math
import re
from datetime import UTC, date, datetime
from typing import Any
from urllib.parse import urlsplit

from backend_fastapi.scraping.dates import NO_CONTEXT, DateContext, UnreadableDate, parse_date
from backend_fastapi.scraping.urlnorm import join_url, split_url

# A leading decimal point counts too: shops write 75 cents as `$.75`.
_NUMBER = re.compile(
    r"[-+\u2212]?\s*(?:\d[\d\s.,'\u2019 ]*\d|\d|(?<![\d.,])[.,]\d{1,2}(?!\d))(?:[eE][-+]?\d+)?"
)
_TRUE = frozenset(
    {"true", "yes", "y", "1", "on", "in stock", "instock", "available", "in_stock", "limitedavailability",
     "onlineonly", "instoreonly", "preorder", "presale", "backorder"}
)  # fmt: skip
_FALSE = frozenset(
    {"false", "no", "n", "0", "off", "out of stock", "outofstock", "soldout", "sold out", "discontinued",
     "unavailable", "not available", "out_of_stock"}
)  # fmt: skip


class CoercionError(ValueError):
    """The text cannot be read as the requested type."""


def coerce(value: Any, kind: str, base_url: str = "", dates: DateContext = NO_CONTEXT) -> Any:
    """`value` as `kind` (string, number, integer, boolean, date, datetime, url); `dates` tells the
    page's date order, language and fetch time."""
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
        return (
            to_datetime(value, dates).date().isoformat() if not isinstance(value, date) else value.isoformat()
        )
    if kind == "datetime":
        return to_datetime(value, dates).isoformat()
    if kind == "url":
        return to_url(value, base_url)
    raise CoercionError(f"unknown type {kind!r}")


def to_number(value: Any) -> float:
    """A number from text with currency signs, grouping and either decimal separator."""
    if isinstance(value, bool):
        raise CoercionError("a boolean is not a number")
    if isinstance(value, (int, float)):
        return _finite(value, value)
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
        number = float(f"{sign}{raw}{exponent}")
    except ValueError as exc:
        raise CoercionError(f"no number in {text[:80]!r}") from exc
    return _finite(number, text)


def _finite(number: float, shown: Any) -> float:
    """`number` as a float; a page's run of hundreds of digits, `1e999` or NaN is no number (JSON has
    no infinity, and an integer field could not hold it)."""
    try:
        out = float(number)
    except OverflowError as exc:
        raise CoercionError(f"{str(shown)[:40]!r}... is too large to be a number") from exc
    if not math.isfinite(out):
        raise CoercionError(f"{str(shown)[:40]!r} is not a finite number")
    return out


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


def to_datetime(value: Any, dates: DateContext = NO_CONTEXT) -> datetime:
    """A date or time from a timestamp or text (ISO, numeric, written in many languages, relative)."""
    if isinstance(value, datetime):
        return value
    if isinstance(value, (int, float)) and not isinstance(value, bool) and value > 10**8:
        return datetime.fromtimestamp(value / 1000 if value > 10**11 else value, UTC)
    try:
        return parse_date(str(value), dates)
    except UnreadableDate as exc:
        raise CoercionError(str(exc)) from exc


def to_url(value: Any, base_url: str) -> str:
    """An absolute URL (relative ones resolved against the page)."""
    text = str(value).strip()
    if not text:
        raise CoercionError("empty URL")
    if text.startswith("//"):
        text = f"{urlsplit(base_url).scheme or 'https'}:{text}"
    absolute = join_url(base_url, text) if base_url else text
    parts = split_url(absolute) if absolute is not None else None
    if parts is None or parts.scheme not in ("http", "https", "data", "mailto", "tel", "ftp"):
        raise CoercionError(f"{text[:80]!r} is not a URL")
    return str(absolute)
