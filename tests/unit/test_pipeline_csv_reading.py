"""CSV read by Arrow's multi-threaded reader gives the frame pandas' parser gives: the same values,
missing values, kinds of column and column names, and the same pipeline results."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from backend_fastapi.pipelines import engine, readers
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.frames import kind
from tests.support.pipeline_frames import rows, stored_records

CASES: dict[str, bytes] = {
    "ints with missing values": b"id,n\n1,10\n2,\n3,30\n4,NA\n",
    "nulls as pandas spells them": b"a,b\nx,None\nNULL,n/a\n<NA>,#N/A\nnan,y\n,z\n",
    "dates and times stay text": (
        b"day,at,t\n2024-01-05,2024-01-05T10:30:00,10:30\n1999-12-31,2024-02-01 00:00:01,23:59\n"
    ),
    "timestamps with zones and fractions stay text": (
        b"at,n\n2024-01-05T10:30:00Z,1\n2024-01-05T10:30:00.123+02:00,2\n2024-01-05 10:30,3\n"
    ),
    "a date column with gaps": b"day,v\n2024-01-05,1\n,2\n2024-01-07,3\n",
    "booleans": b"ok,maybe\nTrue,true\nFALSE,\nfalse,True\n",
    "ones and zeros are numbers": b"flag\n1\n0\n1\n",
    "strings and numbers mixed": b"code\n12\nA7\n007\n",
    "floats and ints": b"x,y\n1,1.5\n2,2\n3,-0.25e3\n",
    "a column with no value": b"a,empty\n1,\n2,\n",
    "quoted line breaks": b'name,note\n"Ann","two\nlines"\nBob,"a ""quote"""\n',
    "blank and repeated header names": b"a,,a\n1,2,3\n",
    "text with spaces and unicode": b"s\n  padded  \n\xc3\x9f-2\n=SUM(A1)\n",
    "big integers": b"n\n9007199254740993\n-42\n",
    "a byte order mark": b"\xef\xbb\xbfname,v\nx,1\n",
    "only a header": b"a,b\n",
}


def run_csv(tmp_path: Path, path: Path, steps: list[dict[str, Any]], preview_rows: int | None) -> list[Any]:
    """The engine's output rows for the CSV at `path`: a run (Arrow reads it) or a preview (pandas)."""
    tmp_path.mkdir()
    records = tmp_path / "records.jsonl"
    spec = ChildSpec.model_validate(
        {
            "steps": steps,
            "inputs": {"source": {"path": str(path), "format": "csv"}},
            "outputs": [],
            "out_dir": str(tmp_path),
            "records_path": None if preview_rows else str(records),
            "preview_rows": preview_rows,
        }
    )
    result = engine.run(spec)
    return list(result["preview"]["rows"]) if preview_rows else stored_records(tmp_path)


def read_both(path: Path, options: dict[str, Any] | None = None) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file read the way a run reads it (Arrow) and through pandas' parser (as a preview does)."""
    source = {"path": str(path), "format": "csv", "options": options or {}}
    by_arrow = readers.read_all(source, 100_000)
    by_pandas = pd.concat(readers.read_chunks(source, 100_000, nrows=1_000_000))
    return by_arrow, by_pandas


@pytest.mark.parametrize("name", list(CASES))
def test_arrow_and_pandas_read_a_csv_to_the_same_values_kinds_and_names(tmp_path: Path, name: str) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CASES[name])
    assert readers.arrow_csv(path, {}) is not None  # the Arrow path is the one under test
    by_arrow, by_pandas = read_both(path)
    assert list(by_arrow.columns) == list(by_pandas.columns)
    assert rows(by_arrow) == rows(by_pandas)
    assert [kind(by_arrow[c]) for c in by_arrow] == [kind(by_pandas[c]) for c in by_pandas]
    for column in by_arrow:
        assert by_arrow[column].isna().tolist() == by_pandas[column].isna().tolist(), column


@pytest.mark.parametrize(
    ("late_row", "kinds"),
    [
        (b"1.5,x,2024-01-02,7", ["number", "text", "text", "number"]),  # whole numbers turn to decimals
        (b"3,x,2024-01-02,word", ["number", "text", "text", "text"]),  # a number column turns to text
        (b"3,,,", ["number", "text", "number", "number"]),  # nothing new: the first block's types hold
    ],
)
def test_types_are_the_whole_files_even_when_a_later_block_changes_them(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch, late_row: bytes, kinds: list[str]
) -> None:
    """Arrow's streaming reader types columns by the first block; a later block that does not fit
    makes the file be read whole, so the frame is the one the whole file read at once gives."""
    path = tmp_path / "in.csv"
    early = b"".join(b"%d,w%d,,%d\n" % (i, i, i) for i in range(3 * readers.ARROW_BLOCK // 12))
    path.write_bytes(b"n,name,day,v\n" + early + late_row + b"\n")
    assert path.stat().st_size > 2 * readers.ARROW_BLOCK  # several blocks
    read = readers.arrow_csv_batches(path, {})
    assert read is not None
    assert len(read[1]) > 1
    source = {"path": str(path), "format": "csv"}
    streamed = readers.read_all(source, 100_000)

    def whole_file(path: Path, options: dict[str, Any]) -> tuple[Any, Any]:
        table = readers.arrow_csv(path, options)
        assert table is not None
        return table.schema, table.to_batches()

    monkeypatch.setattr(readers, "arrow_csv_batches", whole_file)
    whole = readers.read_all(source, 100_000)
    assert [kind(streamed[c]) for c in streamed] == [kind(whole[c]) for c in whole] == kinds
    assert rows(streamed) == rows(whole)


def test_a_semicolon_latin1_file_reads_the_same_through_arrow(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("name;price\nCafé;1,5\nNaïve;2\n".encode("latin-1"))
    options = {"delimiter": ";", "encoding": "latin-1"}
    by_arrow, by_pandas = read_both(path, options)
    assert (
        rows(by_arrow)
        == rows(by_pandas)
        == [
            {"name": "Café", "price": "1,5"},
            {"name": "Naïve", "price": "2"},
        ]
    )


def test_rows_of_uneven_width_fall_back_to_pandas(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n4,5\n")
    assert readers.arrow_csv(path, {}) is None
    assert rows(readers.read_all({"path": str(path), "format": "csv"}, 1000)) == [
        {"a": 1, "b": 2, "c": 3.0},
        {"a": 4, "b": 5, "c": None},
    ]


def test_a_pipeline_over_arrow_read_nulls_ints_dates_and_text_gives_the_pandas_answer(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(
        b"id,qty,day,name,ok\n"
        b"1,3,2024-01-05,  ann ,True\n"
        b"2,,2024-01-06,Bob,\n"
        b"2,,2024-01-06,Bob,\n"
        b"3,7,,None,false\n"
        b"4,0,2024-01-08,,TRUE\n"
    )
    steps = [
        {"op": "cast", "columns": {"qty": "integer", "day": "date", "ok": "boolean"}},
        {"op": "trim"},
        {"op": "dedupe"},
        {"op": "fill_null", "columns": {"qty": 0}},
        {"op": "filter", "expr": "qty >= 0"},
        {"op": "sort", "by": ["day"], "nulls": "last"},
    ]
    whole = run_csv(tmp_path / "whole", path, steps, None)
    preview = run_csv(tmp_path / "preview", path, steps, 1000)
    assert (
        whole
        == preview
        == [
            {"id": 1, "qty": 3, "day": "2024-01-05", "name": "ann", "ok": True},
            {"id": 2, "qty": 0, "day": "2024-01-06", "name": "Bob", "ok": None},
            {"id": 4, "qty": 0, "day": "2024-01-08", "name": None, "ok": True},
            {"id": 3, "qty": 7, "day": None, "name": None, "ok": False},
        ]
    )


def test_dates_that_first_appear_after_the_first_block_stay_text(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    filler = b"".join(b"%d,\n" % i for i in range(readers.ARROW_BLOCK // 8))
    path.write_bytes(b"n,day\n" + filler + b"-1,2024-01-05\n")
    by_arrow, by_pandas = read_both(path)
    assert kind(by_arrow["day"]) == kind(by_pandas["day"]) == "text"
    assert by_arrow["day"].iloc[-1] == "2024-01-05"
    assert rows(by_arrow.tail(3)) == rows(by_pandas.tail(3))


def test_a_column_of_numbers_then_text_is_text_throughout(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("code\n" + "".join(f"{i}\n" for i in range(150_000)) + "A7\n")
    frame = readers.read_all({"path": str(path), "format": "csv"}, 100_000)
    assert kind(frame["code"]) == "text"
    assert [frame["code"].iloc[0], frame["code"].iloc[-1]] == ["0", "A7"]
