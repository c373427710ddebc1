"""Dates read from pages: the forms people write, in their languages, and never a guessed date."""

from __future__ import annotations

from datetime import UTC, datetime, timedelta, timezone

import pytest

from backend_fastapi.extraction.spec import normalize_schema
from backend_fastapi.schemas.scrape import ScrapeFields
from backend_fastapi.scraping.coerce import CoercionError, coerce
from backend_fastapi.scraping.dates import (
    MAX_DATE_TEXT,
    DateContext,
    UnreadableDate,
    order_for_language,
    parse_date,
    read_fast,
)
from backend_fastapi.scraping.extract import Schema
from backend_fastapi.scraping.page import Document, PageProcessor
from tests.support.date_corpus import GROUPS, load_cases, score

FETCHED = datetime(2024, 5, 10, 12, 0, tzinfo=UTC)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("15.05.99", datetime(1999, 5, 15)),
        ("28.02.24", datetime(2024, 2, 28)),
        ("25-Sep-2003", datetime(2003, 9, 25)),
        ("12-Mär-2014", datetime(2014, 3, 12)),
        ("25/Sep/2003", datetime(2003, 9, 25)),
        ("23.04.2022 14:55", datetime(2022, 4, 23, 14, 55)),
        ("Last updated: 01/23/2021", datetime(2021, 1, 23)),
        ("21-04-2016", datetime(2016, 4, 21)),
        ("2003 Sep 25", datetime(2003, 9, 25)),
        ("12 de junio del 2012", datetime(2012, 6, 12)),
        ("Martes 21 de Octubre de 2014", datetime(2014, 10, 21)),
        ("20030925T104941", datetime(2003, 9, 25, 10, 49, 41)),
        ("20030925", datetime(2003, 9, 25)),
        ("Tuesday, 01/23/2021", datetime(2021, 1, 23)),
        ("Mo., 23.04.2022", datetime(2022, 4, 23)),
        ("2016年3月20日", datetime(2016, 3, 20)),
        ("2016年3月20日(日) 21時40分", datetime(2016, 3, 20, 21, 40)),
        ("2016년 3월 20일", datetime(2016, 3, 20)),
        ("2023年12月25日 下午3:00", datetime(2023, 12, 25, 15, 0)),
        ("令和5年12月25日", datetime(2023, 12, 25)),
        ("平成元年1月8日", datetime(1989, 1, 8)),
        ("Nov 25 2014 10:17 pm", datetime(2014, 11, 25, 22, 17)),
        ("Aug. 9, 2012 at 2:57 p.m.", datetime(2012, 8, 9, 14, 57)),
        ("12/03/2024 10:17 p.m.", datetime(2024, 12, 3, 22, 17)),
        ("13/03/2024 12:05 am", datetime(2024, 3, 13, 0, 5)),
        ("15. marraskuuta 2023", datetime(2023, 11, 15)),
        ("12 March 2024", datetime(2024, 3, 12)),
        ("March 2015", datetime(2015, 3, 1)),
    ],
)
def test_the_forms_people_write_are_read(text: str, expected: datetime) -> None:
    # MDY only matters for `12/03/2024`, the one ambiguous string here.
    assert parse_date(text, DateContext(date_order="MDY")) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Posted by Ann on March 3, 2021 in News", datetime(2021, 3, 3)),
        ("By Jane Doe | Jun 7, 2023 | Blog", datetime(2023, 6, 7)),
        ("Published March 3, 2021 · 5 min read", datetime(2021, 3, 3)),
        ("Veröffentlicht am 3. März 2021 von Anna", datetime(2021, 3, 3)),
        ("Actualisé le 17 avril 2019", datetime(2019, 4, 17)),
    ],
)
def test_the_one_date_inside_a_longer_text_is_read(text: str, expected: datetime) -> None:
    assert parse_date(text) == expected


def test_a_text_with_several_dates_is_refused_rather_than_one_picked() -> None:
    with pytest.raises(UnreadableDate, match="several dates"):
        parse_date("Published: Jan 5, 2024 | Updated: Jan 6, 2024")


def test_a_time_zone_is_kept() -> None:
    assert parse_date("2024-03-12T10:00:00+02:00") == datetime(
        2024, 3, 12, 10, tzinfo=timezone(timedelta(hours=2))
    )
    assert parse_date("23.04.2022 14:55 UTC") == datetime(2022, 4, 23, 14, 55, tzinfo=UTC)
    assert parse_date("Tue, 12 Mar 2024 10:00:00 GMT").utcoffset() == timedelta(0)


@pytest.mark.parametrize(
    ("text", "days"),
    [("3 days ago", 3), ("yesterday", 1), ("vor 2 Tagen", 2), ("il y a 4 jours", 4), ("hace 5 días", 5)],
)
def test_relative_dates_count_from_the_fetch_time(text: str, days: int) -> None:
    found = parse_date(text, DateContext(now=FETCHED))
    assert found.date() == (FETCHED - timedelta(days=days)).date()


def test_a_month_name_matches_only_as_a_whole_word() -> None:
    # `marraskuu` (Finnish November) starts with `mar`, and is not March.
    assert parse_date("marraskuu 2023").month == 11
    assert parse_date("1 marraskuu 2023", DateContext(lang="fi")) == datetime(2023, 11, 1)


@pytest.mark.parametrize("text", ["04/05/2016", "04-05-2016 10:00", "04 05 2016", "Posted 04/05/2016"])
def test_an_ambiguous_day_and_month_is_refused_without_an_order(text: str) -> None:
    with pytest.raises(UnreadableDate, match="date_order"):
        parse_date(text)
    with pytest.raises(UnreadableDate, match="date_order"):
        parse_date(text, DateContext(lang="en"))  # US and British pages both say just `en`


@pytest.mark.parametrize(
    ("context", "expected"),
    [
        (DateContext(date_order="DMY"), datetime(2016, 5, 4)),
        (DateContext(date_order="MDY"), datetime(2016, 4, 5)),
        (DateContext(lang="en-US"), datetime(2016, 4, 5)),
        (DateContext(lang="en-GB"), datetime(2016, 5, 4)),
        (DateContext(lang="de"), datetime(2016, 5, 4)),
        (DateContext(date_order="MDY", lang="de"), datetime(2016, 4, 5)),  # the request's order wins
    ],
)
def test_an_ambiguous_date_takes_the_given_order_else_the_page_language(
    context: DateContext, expected: datetime
) -> None:
    assert parse_date("04/05/2016", context) == expected


def test_a_date_that_is_only_one_way_round_needs_no_order() -> None:
    assert parse_date("03/25/2024") == datetime(2024, 3, 25)
    assert parse_date("25/03/2024") == datetime(2024, 3, 25)
    assert parse_date("05/05/2024") == datetime(2024, 5, 5)
    # Dots are day-first wherever they are written.
    assert parse_date("04.05.2016") == datetime(2016, 5, 4)


@pytest.mark.parametrize(
    "text", ["2014", "soon", "31/02/2024", "", "Version 1.2.3", "n/a", "—", "Free shipping over 50", "10"]
)
def test_what_is_not_a_date_is_refused(text: str) -> None:
    with pytest.raises(UnreadableDate):
        parse_date(text, DateContext(date_order="DMY"))


def test_a_text_far_longer_than_a_date_or_a_run_of_digits_is_refused_at_once() -> None:
    """dateparser would spend up to a second on each; a hostile page could hold thousands."""
    byline = "Posted by Ann on March 3, 2021 in News. "
    assert parse_date(byline + "x" * (MAX_DATE_TEXT - len(byline))) == datetime(2021, 3, 3)
    with pytest.raises(UnreadableDate, match="too long to be a date"):
        parse_date(byline + "About the author: " * 20)
    for digits in ("9" * 15, "9" * 400, f"March 3, {'2' * 40}"):
        with pytest.raises(UnreadableDate):
            parse_date(digits)
    # Compact forms with as many digits as a date has are still read.
    assert parse_date("20030925T104941") == datetime(2003, 9, 25, 10, 49, 41)


def test_an_unknown_date_order_is_refused() -> None:
    with pytest.raises(UnreadableDate, match="DMY, MDY or YMD"):
        parse_date("04/05/2016", DateContext(date_order="DYM"))


def test_page_languages_give_their_date_order() -> None:
    tags = ("en-US", "en_us", "es-US", "en-GB", "fr", "de-AT", "ja", "zh-CN")
    assert [order_for_language(t) for t in tags] == ["MDY", "MDY", "MDY", "DMY", "DMY", "DMY", "YMD", "YMD"]
    assert [order_for_language(t) for t in (None, "en", "en-CA")] == [None, None, None]


def test_the_fast_path_reads_iso_and_numeric_forms_without_dateparser() -> None:
    for text in (
        "2024-03-12",
        "2024-03-12T10:00:00Z",
        "23.04.2022 14:55",
        "Last updated: 01/23/2021",
        "15.05.99",
    ):
        assert read_fast(text, DateContext(lang="de")) is not None, text
    assert read_fast("12 de junio del 2012") is None


def test_coerce_gives_iso_dates_and_datetimes_with_the_page_context() -> None:
    assert coerce("Nov 25 2014 10:17 pm", "datetime") == "2014-11-25T22:17:00"
    assert coerce("04/05/2016", "date", dates=DateContext(lang="en-US")) == "2016-04-05"
    with pytest.raises(CoercionError, match="date_order"):
        coerce("04/05/2016", "date")


def _page(lang: str | None, published: str) -> str:
    attr = f' lang="{lang}"' if lang else ""
    return f'<html{attr}><body><h1>Mug</h1><span class="date">{published}</span></body></html>'


def _extract(html: str, date_order: str | None = None) -> tuple[dict[str, object], dict[str, object]]:
    # Through the request model, as the worker builds it: `options.date_order` reaches extraction.
    options = {"date_order": date_order} if date_order else {}
    request = ScrapeFields.model_validate({"url": "https://shop.example/p", "options": options})
    schema = Schema.compile(normalize_schema({"published": {"selector": ".date", "type": "date"}}))
    out = PageProcessor.for_request(schema, request).process(
        Document("https://shop.example/p", 200, "text/html", html)
    )
    return out.data, out.extraction.explain()


def test_extraction_reads_an_ambiguous_date_in_the_page_language() -> None:
    assert _extract(_page("en-US", "04/05/2016"))[0] == {"published": "2016-04-05"}
    assert _extract(_page("de-DE", "04/05/2016"))[0] == {"published": "2016-05-04"}


def test_extraction_reads_an_ambiguous_date_in_the_requested_order() -> None:
    assert _extract(_page("de-DE", "04/05/2016"), date_order="MDY")[0] == {"published": "2016-04-05"}


def test_extraction_reports_an_ambiguous_date_as_a_field_error_instead_of_guessing() -> None:
    data, explain = _extract(_page("en", "04/05/2016"))
    assert data == {"published": None}
    assert "published" in explain["missing_fields"]  # type: ignore[operator]
    assert "date_order" in explain["field_errors"]["published"]  # type: ignore[index]


def test_the_corpus_is_read_as_well_as_measured() -> None:
    cases = load_cases()
    assert len(cases) >= 500
    measured = score(
        lambda c: parse_date(c.text, DateContext(date_order=c.date_order, lang=c.page_lang, now=c.now)), cases
    )
    # Measured 0.98 in both groups (docs/benchmarks.md); the issue asks for 0.90 and 0.85.
    assert measured["documented"] >= 0.96, measured
    assert measured["web"] >= 0.96, measured
    assert {"ja", "zh"} <= GROUPS["web"]


@pytest.mark.parametrize("text", ["Price: 12.99", "12.99", "5/2012", "2012-05", "Call us today for a quote"])
def test_a_number_or_a_word_that_only_looks_like_part_of_a_date_is_not_read_as_one(text: str) -> None:
    # A price is not December 1999, and `today` inside a sentence is not the page's date.
    with pytest.raises(CoercionError):
        coerce(text, "date")


def test_a_month_named_in_words_or_a_span_still_reads_without_a_day() -> None:
    assert coerce("March 2021", "date") == "2021-03-01"
    assert coerce("Posted by Ann on March 3, 2021 in News", "date") == "2021-03-03"
