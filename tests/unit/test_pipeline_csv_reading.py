"""A CSV read at once (a run keeps every row) gives the frame the chunked read gives (a preview,
an out-of-core run): the same values, missing values, kinds of column and column names, and the
same pipeline results; read at once, a column's type is the whole file's."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from backend_fastapi.pipelines import engine, readers
from backend_fastapi.pipelines.child_spec import ChildSpec
from backend_fastapi.pipelines.frames import concat_rows, kind
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
    """The engine's output rows for the CSV at `path`: a run (read at once) or a preview (in chunks)."""
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


def read_both(
    path: Path, options: dict[str, Any] | None = None, chunk_rows: int = 2
) -> tuple[pd.DataFrame, pd.DataFrame]:
    """The file read the way a run reads it (chunks typed as the whole file) and in one chunk, as
    a preview does."""
    source = {"path": str(path), "format": "csv", "options": options or {}}
    chunks = list(readers.read_chunks(source, chunk_rows, whole=True))
    assert all(c.dtypes.equals(chunks[0].dtypes) for c in chunks)
    in_chunks = pd.concat(readers.read_chunks(source, 100_000, nrows=1_000_000))
    return concat_rows(chunks), in_chunks


@pytest.mark.parametrize("name", list(CASES))
def test_read_at_once_and_in_chunks_a_csv_gives_the_same_values_kinds_and_names(
    tmp_path: Path, name: str
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(CASES[name])
    at_once, in_chunks = read_both(path)
    assert list(at_once.columns) == list(in_chunks.columns)
    assert rows(at_once) == rows(in_chunks)
    assert [kind(at_once[c]) for c in at_once] == [kind(in_chunks[c]) for c in in_chunks]
    for column in at_once:
        assert at_once[column].isna().tolist() == in_chunks[column].isna().tolist(), column


@pytest.mark.parametrize(
    ("late_row", "kinds", "read_again"),
    [
        (b"1.5,x,2024-01-02,7", ["number", "text", "text", "number"], False),  # whole numbers to decimals
        (b"3,x,2024-01-02,word", ["number", "text", "text", "text"], True),  # a number column turns to text
        (b"3,,,", ["number", "text", "number", "number"], False),  # a last chunk without text in `name`
        (b"3,x,,7", ["number", "text", "number", "number"], False),  # nothing new: the chunks' types hold
    ],
)
def test_a_run_types_columns_by_the_whole_file_even_when_late_rows_change_them(
    tmp_path: Path, late_row: bytes, kinds: list[str], read_again: bool
) -> None:
    """A run reads chunks typed as the whole file; where only the whole file can tell (numbers,
    then text), it is read again in one piece."""
    path = tmp_path / "in.csv"
    early = b"".join(b"%d,w%d,,%d\n" % (i, i, i) for i in range(250_000))
    path.write_bytes(b"n,name,day,v\n" + early + late_row + b"\n")
    source = {"path": str(path), "format": "csv"}
    chunks = list(readers.read_chunks(source, 100_000, whole=True))
    assert len(chunks) == (1 if read_again else 3)
    frame = concat_rows(chunks)
    assert [kind(frame[c]) for c in frame] == kinds
    assert rows(frame.tail(1)) == rows(readers.read_all(source, 100_000).tail(1))
    assert list(frame.index[[0, -1]]) == [0, 250_000]


@pytest.mark.parametrize(
    ("text", "read_again"),
    [
        (b"a,b\nTrue,1\nFalse,2\n,3\n,4\n", False),  # booleans, then a chunk without any
        (b"a,b\n,1\n,2\nTrue,3\nFalse,4\n", False),
        (b"a,b\nx,1\ny,2\n,3\n,4\n", False),  # text, then a chunk without any
        (b"a,b\n,1\n,2\nx,3\ny,4\n", False),
        (b"a,b\n1,1\n2,2\n1.5,3\n,4\n", False),  # whole numbers, decimals, gaps
        (b"a,b\nx,1\ny,2\n1,3\n2,4\n", True),  # text, then numbers: only the whole file tells
        (b"a,b\nTrue,1\nFalse,2\n1,3\n0,4\n", True),
    ],
)
def test_chunks_read_one_by_one_get_the_whole_files_types(
    tmp_path: Path, text: bytes, read_again: bool
) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(text)
    chunks = list(readers.read_chunks({"path": str(path), "format": "csv"}, 2, whole=True))
    assert len(chunks) == (1 if read_again else 2)
    whole = pd.read_csv(path, low_memory=False)
    pd.testing.assert_frame_equal(concat_rows(chunks), whole)


def test_an_out_of_core_read_streams_the_file_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(25)))
    source = {"path": str(path), "format": "csv"}
    chunks = list(readers.read_chunks(source, 10))
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert [c.index[0] for c in chunks] == [0, 10, 20]  # the row number in the source


def test_a_semicolon_latin1_file_reads_the_same_at_once_and_in_chunks(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("name;price\nCafé;1,5\nNaïve;2\n".encode("latin-1"))
    options = {"delimiter": ";", "encoding": "latin-1"}
    at_once, in_chunks = read_both(path, options)
    assert (
        rows(at_once)
        == rows(in_chunks)
        == [
            {"name": "Café", "price": "1,5"},
            {"name": "Naïve", "price": "2"},
        ]
    )


def test_rows_of_uneven_width_are_padded_with_missing_values(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes(b"a,b,c\n1,2,3\n4,5\n")
    assert rows(readers.read_all({"path": str(path), "format": "csv"}, 1000)) == [
        {"a": 1, "b": 2, "c": 3.0},
        {"a": 4, "b": 5, "c": None},
    ]


def test_a_run_and_a_preview_of_nulls_ints_dates_and_text_give_the_same_answer(tmp_path: Path) -> None:
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
    filler = b"".join(b"%d,\n" % i for i in range(150_000))
    path.write_bytes(b"n,day\n" + filler + b"-1,2024-01-05\n")
    at_once, in_chunks = read_both(path, chunk_rows=50_000)
    assert kind(at_once["day"]) == kind(in_chunks["day"]) == "text"
    assert at_once["day"].iloc[-1] == "2024-01-05"
    assert rows(at_once.tail(3)) == rows(in_chunks.tail(3))


def test_a_column_of_numbers_then_text_is_text_throughout(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("code\n" + "".join(f"{i}\n" for i in range(150_000)) + "A7\n")
    frame = readers.read_all({"path": str(path), "format": "csv"}, 100_000)
    assert kind(frame["code"]) == "text"
    assert [frame["code"].iloc[0], frame["code"].iloc[-1]] == ["0", "A7"]
