"""Every step op on small frames, with the exact rows it must produce."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import pytest

from backend_fastapi.pipelines import engine, frames
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.errors import StepError
from backend_fastapi.pipelines.frames import keep_rows
from backend_fastapi.pipelines.steps import table
from tests.support.pipeline_frames import rows, run_step


def frame(**columns: list[object]) -> pd.DataFrame:
    return pd.DataFrame(columns)


# --- columns ----------------------------------------------------------------------------------


def test_select_keeps_the_named_columns_in_the_given_order() -> None:
    out, _ = run_step(frame(a=[1], b=[2], c=[3]), {"op": "select", "columns": ["c", "a"]})
    assert rows(out) == [{"c": 3, "a": 1}]


def test_a_step_naming_an_unknown_column_fails_listing_the_columns() -> None:
    with pytest.raises(StepError, match=r"unknown column 'z'; the columns are: 'a', 'b'"):
        run_step(frame(a=[1], b=[2]), {"op": "select", "columns": ["a", "z"]})


def test_drop_removes_columns_and_can_skip_missing_ones() -> None:
    out, ctx = run_step(
        frame(a=[1], b=[2], c=[3]), {"op": "drop", "columns": ["b", "zz"], "missing_ok": True}
    )
    assert rows(out) == [{"a": 1, "c": 3}]
    assert ctx.details["dropped"] == ["b"]
    with pytest.raises(StepError, match="unknown column 'zz'"):
        run_step(frame(a=[1]), {"op": "drop", "columns": ["zz"]})


def test_rename_renames_and_refuses_to_overwrite_an_existing_column() -> None:
    out, _ = run_step(frame(title=["x"], price=[1]), {"op": "rename", "columns": {"title": "product"}})
    assert rows(out) == [{"product": "x", "price": 1}]
    with pytest.raises(StepError, match="column 'price' already exists"):
        run_step(frame(title=["x"], price=[1]), {"op": "rename", "columns": {"title": "price"}})


def test_cast_to_number_reads_currency_thousands_and_units_and_counts_what_it_cannot_read() -> None:
    prices = frame(price=["$1,299.00", "12.5 EUR", "abc", None, "  ", "-3"])
    out, ctx = run_step(prices, {"op": "cast", "columns": {"price": "number"}})
    assert rows(out) == [{"price": v} for v in (1299.0, 12.5, None, None, None, -3.0)]
    assert out["price"].dtype == np.float64
    assert ctx.details["invalid"] == {"price": 1}
    assert ctx.details["invalid_examples"] == {"price": ["abc"]}


def test_cast_to_number_with_decimal_comma() -> None:
    out, _ = run_step(
        frame(price=["1.299,50 €", "3,5"]),
        {"op": "cast", "columns": {"price": {"type": "number", "decimal": ",", "thousands": "."}}},
    )
    assert rows(out) == [{"price": 1299.5}, {"price": 3.5}]


def test_cast_to_integer_refuses_fractions() -> None:
    out, ctx = run_step(frame(qty=["3", "4.0", "4.5", None]), {"op": "cast", "columns": {"qty": "integer"}})
    assert rows(out) == [{"qty": 3}, {"qty": 4}, {"qty": None}, {"qty": None}]
    assert str(out["qty"].dtype) == "Int64"
    assert ctx.details["invalid"] == {"qty": 1}


def test_cast_to_boolean_understands_the_usual_spellings() -> None:
    out, ctx = run_step(
        frame(flag=["yes", "No", "1", "off", "TRUE", "maybe"]), {"op": "cast", "columns": {"flag": "boolean"}}
    )
    assert [r["flag"] for r in rows(out)] == [True, False, True, False, True, None]
    assert ctx.details["invalid"] == {"flag": 1}


def test_cast_to_date_reads_iso_other_forms_and_explicit_formats() -> None:
    out, ctx = run_step(
        frame(day=["2024-01-05", "5 Jan 2024", "2024-01-05T23:59:00", "junk"]),
        {"op": "cast", "columns": {"day": "date"}},
    )
    assert [r["day"] for r in rows(out)] == ["2024-01-05", "2024-01-05", "2024-01-05", None]
    assert ctx.details["invalid"] == {"day": 1}
    out, _ = run_step(
        frame(day=["05.01.2024", "31.12.2023"]),
        {"op": "cast", "columns": {"day": {"type": "date", "format": "%d.%m.%Y"}}},
    )
    assert [r["day"] for r in rows(out)] == ["2024-01-05", "2023-12-31"]


def test_cast_to_datetime_and_to_string() -> None:
    out, _ = run_step(
        frame(at=["2024-01-05T10:30:00", None], n=[1.0, 2.5]),
        {"op": "cast", "columns": {"at": "datetime", "n": "string"}},
    )
    assert rows(out) == [{"at": "2024-01-05T10:30:00", "n": "1"}, {"at": None, "n": "2.5"}]


@pytest.mark.parametrize(
    ("values", "by_arrow"),
    [
        (["2024-01-05T10:30:00", None, "1999-12-31T23:59:59"], True),
        (["2024-01-05 10:30:00", "2024-02-29 00:00:00"], True),
        (["2024-01-05", None, "0001-01-01"], True),
        (["2024-02-30", "2024-01-05"], False),  # no such day: pandas' parser names what it cannot read
        (["2023-02-29T00:00:00", "2024-01-05T10:30:00"], False),
        (["2024-01-05T24:00:00", "2024-01-05T10:30:60"], False),
        (["2024-01-05", "2024-01-05T10:30:00"], False),  # two forms
        (["2024-1-05", "2024-01-05"], False),
        ([" 2024-01-05", "2024-01-05"], False),
        (["2024-01-05T10:30:00Z", "2024-01-05T10:30:00+02:00"], False),
        (["2024-01-05T10:30:00.123456", None], False),
        (["5 Jan 2024", "2024-01-05"], False),
    ],
)
def test_cast_to_datetime_gives_pandas_answer_whichever_parser_reads_it(
    monkeypatch: pytest.MonkeyPatch, values: list[str | None], by_arrow: bool
) -> None:
    from backend_fastapi.pipelines import casting

    series = pd.Series(values, dtype="str")
    assert (casting.iso_by_arrow(series) is not None) is by_arrow
    fast, fast_bad = casting.to_datetime(series)
    monkeypatch.setattr(casting, "ISO_LENGTHS", ())  # pandas' parser only
    assert casting.iso_by_arrow(series) is None
    slow, slow_bad = casting.to_datetime(series)
    pd.testing.assert_series_equal(fast, slow)
    pd.testing.assert_series_equal(fast_bad, slow_bad)


def test_cast_with_errors_fail_stops_with_the_count_and_examples() -> None:
    with pytest.raises(
        StepError, match=r"2 values of 'price' cannot be read as number \(e.g. 'abc', 'n/a'\)"
    ):
        run_step(
            frame(price=["1", "abc", "n/a"]), {"op": "cast", "columns": {"price": "number"}, "errors": "fail"}
        )


def test_fill_null_fills_per_column_and_optionally_blank_text() -> None:
    source = frame(price=[None, 5.0], brand=[None, "  "])
    out, ctx = run_step(source, {"op": "fill_null", "columns": {"price": 0, "brand": "unknown"}})
    assert rows(out) == [{"price": 0.0, "brand": "unknown"}, {"price": 5.0, "brand": "  "}]
    assert ctx.details["filled"] == {"price": 1, "brand": 1}
    out, _ = run_step(source, {"op": "fill_null", "columns": {"brand": "unknown"}, "blank_as_null": True})
    assert [r["brand"] for r in rows(out)] == ["unknown", "unknown"]


def test_fill_null_with_text_in_a_number_column_keeps_both() -> None:
    out, _ = run_step(frame(price=[None, 5.0]), {"op": "fill_null", "columns": {"price": "n/a"}})
    assert rows(out) == [{"price": "n/a"}, {"price": 5.0}]


def test_drop_null_any_all_and_blank() -> None:
    source = frame(a=[1.0, None, None, 4.0], b=["x", "y", None, " "])
    out, ctx = run_step(source, {"op": "drop_null"})
    assert rows(out) == [{"a": 1.0, "b": "x"}, {"a": 4.0, "b": " "}]
    assert ctx.details["removed"] == 2
    out, _ = run_step(source, {"op": "drop_null", "how": "all"})
    assert len(out) == 3
    out, _ = run_step(source, {"op": "drop_null", "columns": ["b"], "blank_as_null": True})
    assert rows(out) == [{"a": 1.0, "b": "x"}, {"a": None, "b": "y"}]


def test_filter_keeps_rows_where_the_expression_holds() -> None:
    source = frame(price=[5.0, 15.0, None, 30.0], cat=["a", "b", "a", None])
    out, ctx = run_step(source, {"op": "filter", "expr": "price > 10 or cat == null"})
    assert rows(out) == [{"price": 15.0, "cat": "b"}, {"price": 30.0, "cat": None}]
    assert ctx.details["removed"] == 2


def test_filter_comparing_text_with_a_number_says_to_cast_first() -> None:
    with pytest.raises(StepError, match="cast the text column to number first"):
        run_step(frame(price=["5", "15"]), {"op": "filter", "expr": "price > 10"})


def test_derive_computes_columns_in_order() -> None:
    out, _ = run_step(
        frame(price=[10.0, 2.5], qty=[3, 4], name=["a", None]),
        {
            "op": "derive",
            "columns": {
                "total": "price * qty",
                "gross": "round(total * 1.19, 2)",
                "label": "concat(upper(coalesce(name, 'none')), '-', qty)",
                "big": "total >= 30",
            },
        },
    )
    assert rows(out) == [
        {"price": 10.0, "qty": 3, "name": "a", "total": 30.0, "gross": 35.7, "label": "A-3", "big": True},
        {"price": 2.5, "qty": 4, "name": None, "total": 10.0, "gross": 11.9, "label": "NONE-4", "big": False},
    ]


def test_derive_names_the_failing_column() -> None:
    with pytest.raises(StepError, match=r"^bad: '\*' needs numbers"):
        run_step(frame(name=["a"]), {"op": "derive", "columns": {"bad": "name * 2"}})


def test_limit_keeps_n_rows_after_the_offset_across_chunks() -> None:
    model_step = {"op": "limit", "n": 3, "offset": 2}
    from pydantic import TypeAdapter

    from backend_fastapi.pipelines.steps import OPS, StepContext
    from backend_fastapi.schemas.pipeline_steps import Step

    step = TypeAdapter(Step).validate_python(model_step)
    ctx = StepContext(0, "limit")
    chunks = [frame(i=[0, 1]), frame(i=[2, 3]), frame(i=[4, 5])]
    kept = [OPS["limit"](c, step, ctx)["i"].tolist() for c in chunks[:2]]
    assert kept == [[], [2, 3]]
    assert not ctx.exhausted
    assert OPS["limit"](chunks[2], step, ctx)["i"].tolist() == [4]
    assert ctx.exhausted


# --- text -------------------------------------------------------------------------------------


def test_trim_strips_text_and_leaves_numbers_alone() -> None:
    out, ctx = run_step(frame(a=["  x ", "y"], n=[1, 2]), {"op": "trim"})
    assert rows(out) == [{"a": "x", "n": 1}, {"a": "y", "n": 2}]
    assert ctx.details["changed"] == {"a": 1}


def test_normalize_collapses_whitespace_changes_case_and_unicode_forms() -> None:
    out, _ = run_step(
        frame(t=["  \uff28\uff45\uff4c\uff4c\uff4f\u00a0  \ufb01ne\tWORLD ", "   ", None]),
        {"op": "normalize", "case": "lower", "unicode": True, "blank_as_null": True},
    )
    assert [r["t"] for r in rows(out)] == ["hello fine world", None, None]
    out, _ = run_step(frame(t=[" a  b "]), {"op": "normalize", "whitespace": "trim", "case": "title"})
    assert rows(out) == [{"t": "A  B"}]


def test_regex_extract_into_one_column_several_columns_and_named_groups() -> None:
    source = frame(text=["Price: 12.50 EUR", "free", None])
    out, ctx = run_step(
        source, {"op": "regex_extract", "column": "text", "pattern": r"([0-9.]+)", "into": "amount"}
    )
    assert [r["amount"] for r in rows(out)] == ["12.50", None, None]
    assert (ctx.details["matched"], ctx.details["unmatched"]) == (1, 2)
    out, _ = run_step(
        source,
        {"op": "regex_extract", "column": "text", "pattern": r"([0-9.]+) (\w+)", "into": ["amount", "cur"]},
    )
    assert [(r["amount"], r["cur"]) for r in rows(out)] == [("12.50", "EUR"), (None, None), (None, None)]
    out, _ = run_step(source, {"op": "regex_extract", "column": "text", "pattern": r"(?P<cur>[A-Z]{3})"})
    assert [r["cur"] for r in rows(out)] == ["EUR", None, None]
    out, _ = run_step(source, {"op": "regex_extract", "column": "text", "pattern": r"\d+", "into": "whole"})
    assert [r["whole"] for r in rows(out)] == ["12", None, None]


def test_split_into_columns_keeps_the_rest_in_the_last_one() -> None:
    out, _ = run_step(
        frame(name=["Ada King Lovelace", "Plato", None]),
        {"op": "split", "column": "name", "separator": " ", "into": ["first", "last"]},
    )
    assert [(r["first"], r["last"]) for r in rows(out)] == [
        ("Ada", "King Lovelace"),
        ("Plato", None),
        (None, None),
    ]


def test_split_explode_makes_one_row_per_part() -> None:
    out, ctx = run_step(
        frame(id=[1, 2], tags=["a, b,c", "d"]),
        {"op": "split", "column": "tags", "separator": ",", "explode": True},
    )
    assert rows(out) == [
        {"id": 1, "tags": "a"},
        {"id": 1, "tags": "b"},
        {"id": 1, "tags": "c"},
        {"id": 2, "tags": "d"},
    ]
    assert ctx.details["added"] == 2


def test_merge_joins_text_skipping_missing_values() -> None:
    source = frame(first=["Ada", None, None], last=["Lovelace", "Plato", None], n=[1, 2, 3])
    out, _ = run_step(source, {"op": "merge", "columns": ["first", "last"], "into": "name", "drop": True})
    assert rows(out) == [{"n": 1, "name": "Ada Lovelace"}, {"n": 2, "name": "Plato"}, {"n": 3, "name": None}]
    out, _ = run_step(
        source,
        {"op": "merge", "columns": ["first", "n"], "into": "key", "separator": "/", "skip_null": False},
    )
    assert [r["key"] for r in rows(out)] == ["Ada/1", "/2", "/3"]


# --- tables -----------------------------------------------------------------------------------


def test_dedupe_on_a_subset_keeping_first_or_last() -> None:
    source = frame(sku=["a", "b", "a"], price=[1, 2, 3])
    out, ctx = run_step(source, {"op": "dedupe", "subset": ["sku"]})
    assert rows(out) == [{"sku": "a", "price": 1}, {"sku": "b", "price": 2}]
    assert ctx.details["removed"] == 1
    out, _ = run_step(source, {"op": "dedupe", "subset": ["sku"], "keep": "last"})
    assert rows(out) == [{"sku": "b", "price": 2}, {"sku": "a", "price": 3}]
    out, _ = run_step(frame(a=[1, 1], b=[1, 2]), {"op": "dedupe"})
    assert len(out) == 2


def test_sort_by_several_keys_with_missing_values_last() -> None:
    source = frame(cat=["b", "a", "a", None], price=[1.0, None, 2.0, 0.5])
    out, _ = run_step(source, {"op": "sort", "by": ["cat", {"column": "price", "descending": True}]})
    assert rows(out) == [
        {"cat": "a", "price": 2.0},
        {"cat": "a", "price": None},
        {"cat": "b", "price": 1.0},
        {"cat": None, "price": 0.5},
    ]
    out, _ = run_step(source, {"op": "sort", "by": ["price"], "descending": True, "nulls": "first"})
    assert [r["price"] for r in rows(out)] == [None, 2.0, 1.0, 0.5]


def test_join_with_another_source_reports_matches() -> None:
    left = frame(sku=["a", "b", "c"], price=[1, 2, 3])
    right = frame(sku=["a", "c", "d"], price=[9, 9, 9], name=["A", "C", "D"])
    out, ctx = run_step(
        left, {"op": "join", "source": {"type": "inline", "records": []}, "on": ["sku"]}, right
    )
    assert rows(out) == [
        {"sku": "a", "price": 1, "price_right": 9.0, "name": "A"},
        {"sku": "b", "price": 2, "price_right": None, "name": None},
        {"sku": "c", "price": 3, "price_right": 9.0, "name": "C"},
    ]
    assert (ctx.details["matched"], ctx.details["left_only"]) == (2, 1)
    out, _ = run_step(
        left,
        {
            "op": "join",
            "source": {"type": "inline", "records": []},
            "left_on": ["sku"],
            "right_on": ["code"],
            "how": "inner",
        },
        frame(code=["b"], stock=[7]),
    )
    assert rows(out) == [{"sku": "b", "price": 2, "code": "b", "stock": 7}]


def test_join_on_keys_of_different_types_says_to_cast() -> None:
    with pytest.raises(StepError, match="cast the key columns"):
        run_step(
            frame(id=[1, 2]),
            {"op": "join", "source": {"type": "inline", "records": []}, "on": ["id"]},
            frame(id=["1"]),
        )


def test_append_adds_the_rows_of_another_source() -> None:
    out, ctx = run_step(
        frame(a=[1]), {"op": "append", "source": {"type": "inline", "records": []}}, frame(a=[2], b=["x"])
    )
    assert rows(out) == [{"a": 1, "b": None}, {"a": 2, "b": "x"}]
    assert ctx.details["added"] == 1


def test_aggregate_by_group_with_every_function() -> None:
    source = frame(
        cat=["a", "b", "a", "a", None],
        price=[1.0, 10.0, 3.0, None, 7.0],
        brand=["x", "y", "z", "x", "w"],
    )
    out, ctx = run_step(
        source,
        {
            "op": "aggregate",
            "group_by": ["cat"],
            "aggregations": [
                {"fn": "count", "as": "rows"},
                {"fn": "count", "column": "price"},
                {"fn": "count_distinct", "column": "brand"},
                {"fn": "sum", "column": "price"},
                {"fn": "mean", "column": "price", "as": "avg"},
                {"fn": "median", "column": "price"},
                {"fn": "min", "column": "price"},
                {"fn": "max", "column": "brand"},
                {"fn": "first", "column": "brand"},
                {"fn": "last", "column": "brand"},
            ],
        },
    )
    assert rows(out) == [
        {
            "cat": "a",
            "rows": 3,
            "price_count": 2,
            "brand_count_distinct": 2,
            "price_sum": 4.0,
            "avg": 2.0,
            "price_median": 2.0,
            "price_min": 1.0,
            "brand_max": "z",
            "brand_first": "x",
            "brand_last": "x",
        },
        {
            "cat": "b",
            "rows": 1,
            "price_count": 1,
            "brand_count_distinct": 1,
            "price_sum": 10.0,
            "avg": 10.0,
            "price_median": 10.0,
            "price_min": 10.0,
            "brand_max": "y",
            "brand_first": "y",
            "brand_last": "y",
        },
        {
            "cat": None,
            "rows": 1,
            "price_count": 1,
            "brand_count_distinct": 1,
            "price_sum": 7.0,
            "avg": 7.0,
            "price_median": 7.0,
            "price_min": 7.0,
            "brand_max": "w",
            "brand_first": "w",
            "brand_last": "w",
        },
    ]
    assert ctx.details["groups"] == 3


def test_aggregate_without_groups_gives_one_row() -> None:
    out, _ = run_step(
        frame(price=[1.0, None, 5.0]),
        {
            "op": "aggregate",
            "aggregations": [
                {"fn": "count"},
                {"fn": "sum", "column": "price"},
                {"fn": "first", "column": "price"},
            ],
        },
    )
    assert rows(out) == [{"count": 3, "price_sum": 6.0, "price_first": 1.0}]


def test_aggregate_sum_of_text_says_to_cast_first() -> None:
    with pytest.raises(
        StepError, match=r"sum needs numbers but 'price' holds text \(cast it to number first\)"
    ):
        run_step(
            frame(price=["1", "2"]), {"op": "aggregate", "aggregations": [{"fn": "sum", "column": "price"}]}
        )


def test_steps_never_change_the_frame_they_are_given() -> None:
    source = frame(a=[" x ", None], n=[1.0, None])
    before = source.copy()
    for step in (
        {"op": "trim"},
        {"op": "fill_null", "columns": {"n": 0}},
        {"op": "cast", "columns": {"n": "string"}},
        {"op": "derive", "columns": {"m": "n * 2"}},
        {"op": "normalize", "case": "upper"},
    ):
        run_step(source, step)
    pd.testing.assert_frame_equal(source, before)
    assert math.isnan(source["n"][1])


def test_dedupe_never_drops_a_distinct_row_whose_hash_collides() -> None:
    import pandas.util

    source = pd.DataFrame({"v": pd.Series([1, "1", 1], dtype=object)})
    hashes = pandas.util.hash_pandas_object(source, index=False)
    assert hashes[0] == hashes[1], "1 and '1' hash alike: the case the exact check must catch"
    out, ctx = run_step(source, {"op": "dedupe"})
    assert rows(out) == [{"v": 1}, {"v": "1"}]
    assert ctx.details["removed"] == 1


@pytest.mark.parametrize("keep", ["first", "last"])
@pytest.mark.parametrize("colliding", [False, True])
def test_dedupe_keeps_the_rows_pandas_keeps_with_or_without_hash_collisions(
    monkeypatch: pytest.MonkeyPatch, keep: str, colliding: bool
) -> None:
    rng = np.random.default_rng(11)
    source = pd.DataFrame({"a": rng.integers(0, 5, 400), "b": rng.choice(["x", "y", None], 400)})
    expected = source.drop_duplicates(keep=keep)
    if colliding:  # few distinct hashes: distinct rows share them, and the exact check must see it
        hashes = table.row_hashes
        monkeypatch.setattr(table, "row_hashes", lambda keys: hashes(keys) % np.uint64(3))
    else:  # each repeat is matched with its kept row: pandas' own comparison of every row never runs

        def no_exact_pass(*args: Any, **kwargs: Any) -> None:
            raise AssertionError("dedupe fell back to comparing every row")

        monkeypatch.setattr(pd.DataFrame, "duplicated", no_exact_pass)
    out, ctx = run_step(source, {"op": "dedupe", "keep": keep})
    assert list(out.index) == list(expected.index)
    assert ctx.details["removed"] == len(source) - len(expected)


def test_dedupe_hashes_rows_in_slices_with_the_same_hashes_and_rows_as_whole(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    rng = np.random.default_rng(7)
    frame = pd.DataFrame(
        {
            "text": pd.Series(rng.choice(["a", "b", None, "ß"], 1000), dtype="str"),
            "n": rng.choice([1.0, 2.5, np.nan], 1000),
            "k": pd.array(rng.choice([1, 2, None], 1000), dtype="Int64"),
        }
    )
    monkeypatch.setattr(table, "HASH_ROWS", 64)  # slices end mid-frame, with repeats across them
    assert np.array_equal(table.row_hashes(frame), pd.util.hash_pandas_object(frame, index=False).to_numpy())
    for keep in ("first", "last"):
        out, ctx = run_step(frame, {"op": "dedupe", "keep": keep})
        assert rows(out) == rows(frame.drop_duplicates(keep=keep))
        assert ctx.details["removed"] == len(frame) - len(out)


@pytest.mark.parametrize("consume", [False, True])
def test_keeping_rows_gives_the_same_frame_whether_or_not_the_input_is_taken_apart(
    monkeypatch: pytest.MonkeyPatch, consume: bool
) -> None:
    monkeypatch.setattr(frames, "TAKE_APART_BYTES", 0)  # as if the frame were large
    source = pd.DataFrame(
        {
            "n": [1, 2, 3, 4],
            "x": [0.5, None, 2.5, 3.5],
            "s": pd.Series(["a", None, "c", "d"], dtype="str"),
            "k": pd.array([1, None, 3, 4], dtype="Int64"),
            "t": pd.to_datetime(["2024-01-01", None, "2024-01-03", "2024-01-04"]),
            "b": [True, False, True, False],
        },
        index=[10, 11, 12, 13],
    )
    expected = source[[True, False, True, True]].copy()
    keep = pd.Series([True, False, True, True], index=source.index)
    out = keep_rows(source, keep, consume=consume)
    pd.testing.assert_frame_equal(out, expected)
    # Taken apart: the input keeps its rows' labels but none of its columns (the run never reads it).
    assert list(source.columns) == ([] if consume else list(expected.columns))
    assert len(source) == 4


def _mixed_part(start: int, rows: int) -> pd.DataFrame:
    n = np.arange(start, start + rows)
    return pd.DataFrame(
        {
            "n": n,
            "x": n * 0.5,
            "s": pd.Series([f"v{i}" if i % 3 else None for i in n], dtype="str"),
            "m": n * 2,
            "k": pd.array([int(i) if i % 4 else None for i in n], dtype="Int64"),
            "t": pd.to_datetime(n, unit="D"),
            "y": n * 1.5,
        },
        index=pd.RangeIndex(start, start + rows),
    )


@pytest.mark.parametrize(
    "parts",
    [
        lambda: [_mixed_part(0, 5), _mixed_part(5, 4), _mixed_part(9, 1)],
        lambda: [_mixed_part(0, 5).iloc[[0, 2, 4]], _mixed_part(5, 4).iloc[[1, 3]]],  # rows filtered out
        lambda: [_mixed_part(0, 3), _mixed_part(3, 3).astype({"n": "float64"})],  # types that meet
        lambda: [_mixed_part(0, 3), _mixed_part(3, 3)[["x", "n", "s", "m", "k", "t", "y"]]],  # other order
        lambda: [_mixed_part(0, 3), _mixed_part(3, 0)],
    ],
)
def test_rows_put_together_column_by_column_are_pandas_concatenation(parts: Any) -> None:
    expected = pd.concat(parts())
    taken = parts()
    out = frames.concat_rows(taken)
    pd.testing.assert_frame_equal(out, expected)
    assert taken == []  # the parts are given up as the result is built


def test_a_run_takes_its_frames_apart_and_still_counts_every_steps_rows(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(frames, "TAKE_APART_BYTES", 0)  # as if every chunk were large
    records = [{"n": i % 7, "s": f"v{i % 5}"} for i in range(40)]
    source = tmp_path / "in.jsonl"
    source.write_text("".join(json.dumps(r) + "\n" for r in records))
    spec = ChildSpec.model_validate(
        {
            "steps": [{"op": "filter", "expr": "n > 0"}, {"op": "dedupe"}, {"op": "filter", "expr": "n > 1"}],
            "inputs": {"source": {"path": str(source), "format": "jsonl"}},
            "outputs": [],
            "out_dir": str(tmp_path),
            "records_path": None,
            "preview_rows": 100,
            "chunk_rows": 10,
        }
    )
    result = engine.run(spec)
    frame = pd.DataFrame(records)
    kept = frame[frame.n > 0]
    unique = kept.drop_duplicates()
    last = unique[unique.n > 1]
    assert [(s["rows_in"], s["rows_out"]) for s in result["steps"]] == [
        (40, len(kept)),
        (len(kept), len(unique)),
        (len(unique), len(last)),
    ]
    assert result["preview"]["rows"] == last.to_dict("records")
