"""Dates and times read from page text, never silently wrong.

ISO 8601 (also compact, `20030925T104941`), numeric dates (`23.04.2022 14:55`, `Last updated:
01/23/2021`, `15.05.99`) and CJK dates (`2016年3月20日`) are read by a fast path; everything else
(month names in 200+ locales, relative dates such as `3 days ago` or `vor 2 Tagen`) by dateparser,
configured once per language and date order. A day and a month that could be either way round
(`04/05/2016`) are read in the date order given, else the page language's; without either the
value is refused with a reason instead of guessed.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta, timezone
from functools import lru_cache
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from dateparser.date import DateDataParser

DATE_ORDERS = ("DMY", "MDY", "YMD")

# Where <html lang> alone tells the order of a numeric day and month. Bare `en` (and en-CA) does
# not: US and British pages both use it, so an ambiguous date on such a page needs `date_order`.
_MONTH_FIRST = frozenset(
    {"en-us", "en-ph", "en-as", "en-gu", "en-mp", "en-pr", "en-um", "en-vi", "en-fm", "en-mh",
     "en-pw", "es-us", "fil", "fil-ph", "tl"}
)  # fmt: skip
_UNKNOWN_ORDER = frozenset({"en", "en-ca", "und", ""})
_YEAR_FIRST = frozenset({"zh", "ja", "ko", "hu", "lt", "mn"})
# The most common languages of web pages: tried for text around a date when the page has no language.
_WEB_LANGUAGES = tuple(
    "en de fr es pt it nl ru pl tr ja zh ko cs uk vi ar fa id sv da fi hu ro he th bg hr".split()
)

_TZ = r"(?P<tz>z|utc|gmt|[+-]\d{2}(?::?\d{2})?|(?:utc|gmt)\s*[+-]\d{1,2}(?::?\d{2})?)"
_AMPM = r"(?P<ampm>a\.?\s?m\.?|p\.?\s?m\.?)"
# `14:55`, `13.12`, `10h11`, `21時40分`, `10:17 pm`, `2:57 p.m.`, `1 a.m`; then a zone, if any.
_CLOCK = (
    r"(?P<hour>\d{1,2})\s*(?:(?:[:.h]|時|时|시)\s*(?P<minute>\d{2})(?:\s*[:.]\s*(?P<second>\d{2})"
    r"(?:[.,](?P<fraction>\d{1,9}))?)?\s*(?:分|분)?\s*(?:uhr|h)?\s*" + _AMPM + r"?"
    r"|\s*" + _AMPM.replace("ampm", "ampm2") + r")"
)
_TIME = re.compile(
    r"(?:^|(?<=[\s,T]))(?:at\s+|um\s+|à\s+|a las\s+|u\s+|в\s+)?" + _CLOCK + r"(?:\s*" + _TZ + r")?(?![\d:])",
    re.I,
)
_ISO = re.compile(
    r"\d{4}(?:-\d{2}-\d{2}|\d{4})(?:[T ]\d{2}(?::?\d{2}(?::?\d{2}(?:[.,]\d+)?)?)?)?"
    r"(?:Z|[+-]\d{2}(?::?\d{2})?)?",
    re.I,
)
_NUMERIC = re.compile(r"(?<![\d.,:/-])(\d{1,4})\s*([./-])\s*(\d{1,2})\s*\2\s*(\d{1,4})(?![\d:])\.?")
_CJK = re.compile(r"(\d{4})\s*[年년]\s*(\d{1,2})\s*[月월]\s*(\d{1,2})\s*[日号號일]?")
_ERA_YEAR = re.compile(r"(令和|平成|昭和|民國|民国)\s*(\d{1,3}|元)\s*年")
# Where the Japanese eras and the Republic of China's calendar start (their year 1).
_ERAS = {"令和": 2019, "平成": 1989, "昭和": 1926, "民國": 1912, "民国": 1912}
# A numeric date may stand beside a label, a weekday or a connecting word, not beside more numbers.
_LEFTOVER = re.compile(r"[^\W\d_]+[.:]?|[\s,;:()\[\]|\-\u2013\u2014/.]+|\([^\d)]*\)", re.U)
# A number, a letter beside another letter or mark (`आज`, `วันนี้`), or a CJK character: else
# (`n/a`, `-`) dateparser finds a weekday in some language and answers with a date.
_WORTH_PARSING = re.compile(r"\d|[^\W\d_][^\s\d/.,:;()\-]|[\u3040-\u30ff\u4e00-\u9fff\uac00-\ud7af]")
MAX_DATE_TEXT = 300
_LONG_DIGITS = re.compile(r"\d{15,}")
_EDGE_WORDS = re.compile(r"^(?:[^\W\d_]{1,3}\s+)+|(?:\s+[^\W\d_]{1,3})+$")
_SMALL_NUMBERS = re.compile(r"(?<!\d)(?:0?[1-9]|1[0-2])(?!\d)")
# Words that may follow a numeric date or its time without changing it (any other word, such as
# Finnish `ip.` for pm, leaves the text to dateparser).
_CONNECTING = frozenset(
    {"at", "um", "uhr", "à", "a", "las", "u", "\u0432", "\u0433", "\u0433\u043e\u0434\u0430", "le", "el",
     "de", "alle", "om", "kl", "klo", "o", "às", "saat", "h", "utc", "gmt"}
)  # fmt: skip
# Words around a numeric date that change its meaning: the fast path leaves those to dateparser.
_RELATIVE = re.compile(
    r"\b(?:ago|in|vor|il y a|hace|fa|назад|через|next|last week|tomorrow|yesterday)\b", re.I
)


class UnreadableDate(ValueError):
    """The text cannot be read as a date, or only by guessing; the message says why."""


@dataclass(frozen=True, slots=True)
class DateContext:
    """What a page tells about its dates: an explicit order, its language, when it was fetched."""

    date_order: str | None = None
    lang: str | None = None
    now: datetime | None = None

    def order(self) -> str | None:
        """The order for an ambiguous numeric date: the one given, else the page language's."""
        return self.date_order or order_for_language(self.lang)

    def base(self) -> datetime:
        """The fetch time as naive UTC (what relative dates count from)."""
        if self.now is None:  # to the minute, so that the pages of a fetch share one parser
            return datetime.now(UTC).replace(tzinfo=None, second=0, microsecond=0)
        return self.now.astimezone(UTC).replace(tzinfo=None) if self.now.tzinfo else self.now


NO_CONTEXT = DateContext()


def order_for_language(lang: str | None) -> str | None:
    """DMY, MDY or YMD from an `<html lang>` value; None where the language does not say."""
    if lang is None:
        return None
    tag = lang.strip().lower().replace("_", "-")
    if tag in _MONTH_FIRST:
        return "MDY"
    if tag in _UNKNOWN_ORDER:
        return None
    if tag.split("-", 1)[0] in _YEAR_FIRST:
        return "YMD"
    return "DMY"


def parse_date(value: str, context: DateContext = NO_CONTEXT) -> datetime:
    """The date (and time, where given) in `value`; raises UnreadableDate with the reason."""
    if context.date_order is not None and context.date_order not in DATE_ORDERS:
        raise UnreadableDate(f"unknown date order {context.date_order!r} (use DMY, MDY or YMD)")
    text = " ".join(value.split())
    if not text:
        raise UnreadableDate("empty date")
    if "年" in text:
        text = _ERA_YEAR.sub(_gregorian_year, text)
    found = read_fast(text, context)
    if found is not None:
        return found
    return _read_slow(text, context)


def read_fast(text: str, context: DateContext = NO_CONTEXT) -> datetime | None:
    """ISO 8601, numeric and CJK dates without dateparser; None when the text is of another form."""
    if text.isdigit() and len(text) in (12, 14):  # 199709020908: year to minute (or second)
        text = f"{text[:8]}T{text[8:]}"
    if text[:4].isdigit() and _ISO.fullmatch(text):
        try:
            return datetime.fromisoformat(text.upper() if "z" in text else text)
        except ValueError:
            pass
    if _RELATIVE.search(text):
        return None
    if (cjk := _CJK.search(text)) and (found := _build(text, cjk, *(int(g) for g in cjk.groups()))):
        return found
    match = _NUMERIC.search(text)
    if match is None:
        return None
    first, sep, second, third = match.group(1), match.group(2), match.group(3), match.group(4)
    if len(first) == 4 or (len(first) > 2 and len(third) <= 2):
        year, month, day = int(first), int(second), int(third)
    elif len(first) <= 2 and len(third) in (2, 4):
        year, a, b = _year(third, context), int(first), int(second)
        order = _numeric_order(a, b, sep, context, match.group(0))
        if order == "YMD":  # an explicit YMD for a date without a four-digit year: `15-12-18`
            year, month, day = _year(first, context), b, int(third)
        else:
            month, day = (a, b) if order == "MDY" else (b, a)
    else:
        return None
    return _build(text, match, year, month, day)


def _gregorian_year(match: re.Match[str]) -> str:
    """`令和5年` as `2023年` (dateparser would read an era's year as a day or a month)."""
    return f"{_ERAS[match.group(1)] + (0 if match.group(2) == '元' else int(match.group(2)) - 1)}年"


def _numeric_order(a: int, b: int, sep: str, context: DateContext, shown: str) -> str:
    if context.date_order == "YMD":
        return "YMD"
    if a == b or (a > 12 and b <= 12):
        return "DMY"
    if b > 12 and a <= 12:
        return "MDY"
    order = context.order()
    if order in ("DMY", "MDY"):
        return order
    if sep == ".":
        return "DMY"  # no locale writes month.day.year with dots
    raise ambiguous(shown)


def ambiguous(shown: str) -> UnreadableDate:
    """The error for a day and month that could be either way round."""
    return UnreadableDate(
        f"{shown.strip()[:80]!r} could be day/month or month/day and the page's language does not say "
        "which; set options.date_order (DMY or MDY)"
    )


def _year(digits: str, context: DateContext) -> int:
    year = int(digits)
    if len(digits) > 2:
        return year
    # A two-digit year is this century's unless that lands over 20 years after the fetch.
    limit = context.base().year + 20
    return 2000 + year if 2000 + year <= limit else 1900 + year


def _build(text: str, match: re.Match[str], year: int, month: int, day: int) -> datetime | None:
    before, after = text[: match.start()], text[match.end() :]
    clock = _TIME.search(after)
    if clock is not None:
        after = after[: clock.start()] + " " + after[clock.end() :]
    elif (clock := _TIME.search(before)) is not None:
        before = before[: clock.start()] + " " + before[clock.end() :]
    if "".join(_LEFTOVER.sub(" ", before + " " + after).split()):
        return None  # numbers other than the date and time: not a form the fast path knows
    if any(word.lower() not in _CONNECTING for word in re.findall(r"[^\W\d_]+", after)):
        return None
    try:
        found = datetime(year, month, day)
    except ValueError as exc:
        raise UnreadableDate(f"{match.group(0).strip()!r} is not a valid date") from exc
    return _with_time(found, clock) if clock is not None else found


def _with_time(day: datetime, clock: re.Match[str]) -> datetime | None:
    hour = int(clock.group("hour"))
    minute, second = int(clock.group("minute") or 0), int(clock.group("second") or 0)
    fraction = clock.group("fraction") or ""
    micro = int(fraction[:6].ljust(6, "0")) if fraction else 0
    marker = (clock.group("ampm") or clock.group("ampm2") or "").lower()
    if marker:
        if hour > 12:
            return None
        hour = hour % 12 + (12 if marker.startswith("p") else 0)
    if clock.group("minute") is None and not marker:
        return None
    if hour > 23 or minute > 59 or second > 59:
        return None
    found = day.replace(hour=hour, minute=minute, second=second, microsecond=micro)
    zone = (clock.group("tz") or "").lower().replace(" ", "")
    if zone:
        found = found.replace(tzinfo=_zone(zone))
    return found


def _zone(text: str) -> timezone:
    """`z`, `utc`, `+02`, `+0530`, `gmt+2`, `-05:00` as a fixed offset."""
    offset = text.removeprefix("utc").removeprefix("gmt")
    if offset in ("", "z"):
        return UTC
    digits = offset[1:].replace(":", "")
    hours, minutes = (int(digits[:-2]), int(digits[-2:])) if len(digits) > 2 else (int(digits), 0)
    return timezone((-1 if offset[0] == "-" else 1) * timedelta(hours=hours, minutes=minutes))


def _read_slow(text: str, context: DateContext) -> datetime:
    # dateparser's time grows with the text (a long paragraph or a run of hundreds of digits costs
    # it up to a second): a date is written in far fewer characters, and no date has a run of more
    # digits than `20030925104941`.
    if len(text) > MAX_DATE_TEXT:
        raise UnreadableDate(
            f"{text[:80]!r}... is {len(text)} characters long, too long to be a date "
            f"(at most {MAX_DATE_TEXT}): select the element that holds the date"
        )
    if _LONG_DIGITS.search(text):
        raise UnreadableDate(f"{text[:80]!r} is not a date (a run of more digits than a date has)")
    order = context.order()
    if order is None and (numeric := _NUMERIC.search(text)) and numeric.group(2) == ".":
        order = "DMY"  # as on the fast path: no locale writes month.day.year with dots
    return _read_with_dateparser(text, order, _languages(context.lang), context.base())


@lru_cache(maxsize=4096)
def _read_with_dateparser(
    text: str, order: str | None, languages: tuple[str, ...] | None, base: datetime, search: bool = True
) -> datetime:
    """dateparser's reading of the whole text, in the page's languages, then the common web
    languages, then all 200+; else of the one date found inside it (cached: a crawl's pages repeat
    the same strings)."""
    if not _WORTH_PARSING.search(text):
        raise UnreadableDate(f"{text[:80]!r} is not a date")  # `n/a`, `-`: no number, no word
    for langs in ((languages,) if languages else ()) + (_WEB_LANGUAGES, None):
        found = _dateparser(langs, order, base).get_date_data(text)
        if found.date_obj is not None and _names_a_day(found.parts, found.date_obj, text):
            break
    else:
        if search:
            return _search(text, order, languages, base)
        raise UnreadableDate(f"{text[:80]!r} is not a date")
    if order is None and len(_SMALL_NUMBERS.findall(text)) >= 2:
        # dateparser would pick an order for `04 05 2016`; read it both ways and refuse if they differ.
        readings = {
            (r.date_obj.date() if r.date_obj else None)
            for r in (_dateparser(langs, o, base).get_date_data(text) for o in ("DMY", "MDY"))
        }
        if len(readings) > 1:
            raise ambiguous(text)
    result: datetime = found.date_obj
    return result


def _search(text: str, order: str | None, languages: tuple[str, ...] | None, base: datetime) -> datetime:
    """The date inside a longer text (`Posted by Ann on March 3, 2021 in News`), each candidate read
    again on its own. Of several, those that name their year win (`March 3, 2021 · 5 min read`);
    several different dates are refused rather than one picked."""
    from dateparser.search import search_dates

    langs = list(languages or ()) + [lang for lang in _WEB_LANGUAGES if lang not in (languages or ())]
    settings = {
        "RELATIVE_BASE": base,
        "PREFER_DAY_OF_MONTH": "first",
        **({"DATE_ORDER": order} if order else {}),
    }
    readings: dict[str, datetime] = {}
    for substring, _ in search_dates(text, languages=langs, settings=settings) or []:
        if not re.search(r"\d", substring):
            continue  # a word alone inside a sentence (`Call us today`) is no date of the page
        # `on March 3, 2021 in`, `am 3. März 2021`: short words at the edges are read without them.
        trimmed = _EDGE_WORDS.sub("", substring)
        for candidate in dict.fromkeys((substring, trimmed)):
            try:
                readings[substring] = _read_with_dateparser(candidate, order, languages, base, search=False)
                break
            except UnreadableDate as exc:
                if "day/month" in str(exc):
                    raise
    with_year = {s: d for s, d in readings.items() if re.search(r"\d{4}|\d{1,2}\s*[./-]\s*\d{2}\b", s)}
    dates = set((with_year or readings).values())
    if len(dates) == 1:
        return dates.pop()
    if dates:
        raise UnreadableDate(f"{text[:80]!r} holds several dates")
    raise UnreadableDate(f"{text[:80]!r} is not a date")


def _names_a_day(parts: tuple[str, ...], found: datetime, text: str) -> bool:
    """Whether a reading names a day, a month of a year, or a span back or forth (`2 years ago`),
    rather than a lone number read as a day or a month (`10`) or a year (`over 50`)."""
    if {"month", "day"} <= set(parts):
        return True
    if {"year", "month"} <= set(parts):
        # A month of a year names its month in words (`March 2021`) or is a span (`1 year 2 months`);
        # two numbers joined like a date without its day (`12.99`, a price) are not December 1999.
        return not re.search(r"\d\s*[./\-]\s*\d", text)
    if parts == ("year",):
        numbers = set(re.findall(r"\d+", text))
        return str(found.year) not in numbers and f"{found.year % 100:02d}" not in numbers
    return False


def forget_readings() -> None:
    """Drop the cached dateparser readings (a benchmark reads every string afresh)."""
    _read_with_dateparser.cache_clear()


def _languages(lang: str | None) -> tuple[str, ...] | None:
    """The dateparser languages for a page language (and English, common beside any other)."""
    if not lang:
        return None
    code = lang.strip().lower().replace("_", "-").split("-", 1)[0]
    return (code, "en") if code != "en" else ("en",)


@lru_cache(maxsize=64)
def _dateparser(languages: tuple[str, ...] | None, order: str | None, base: datetime) -> DateDataParser:
    """A parser per language, order and fetch time (pages of one fetch share it)."""
    from dateparser.date import DateDataParser

    settings: dict[str, Any] = {
        "RELATIVE_BASE": base,
        # A missing day is the month's first, never the fetch day's number.
        "PREFER_DAY_OF_MONTH": "first",
    }
    if order is not None:
        settings["DATE_ORDER"] = order
    try:
        return DateDataParser(languages=list(languages) if languages else None, settings=settings)
    except ValueError:  # a language dateparser does not know: let it detect the language
        return DateDataParser(settings=settings)
