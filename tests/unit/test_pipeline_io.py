"""Sources read and outputs written in every format, round-tripped; streaming gives the same answer."""

from __future__ import annotations

import datetime as dt
import json
from pathlib import Path
from typing import Any

import openpyxl
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from backend_fastapi.pipelines import readers, writers
from backend_fastapi.pipelines.errors import SourceUnreadable, StepFailed
from backend_fastapi.pipelines.frames import DATE_DTYPE
from tests.support.pipeline_frames import rows, run_pipeline, stored_records


def sample_frame() -> pd.DataFrame:
    return pd.DataFrame(
        {
            "sku": ["a-1", "ß-2", "=SUM(A1)"],
            "price": [1.5, None, 1e-7],
            "qty": pd.array([3, None, 0], dtype="Int64"),
            "ok": pd.array([True, False, None], dtype="boolean"),
            "day": pd.Series(pd.to_datetime(["2024-01-05", None, "1999-12-31"])).astype(DATE_DTYPE),
            "at": pd.to_datetime(["2024-01-05T10:30:00", "2024-02-01T00:00:01", None]),
        }
    )


EXPECTED = [
    {"sku": "a-1", "price": 1.5, "qty": 3, "ok": True, "day": "2024-01-05", "at": "2024-01-05T10:30:00"},
    {"sku": "ß-2", "price": None, "qty": None, "ok": False, "day": None, "at": "2024-02-01T00:00:01"},
    {"sku": "=SUM(A1)", "price": 1e-7, "qty": 0, "ok": None, "day": "1999-12-31", "at": None},
]


def read_back(fmt: str, path: Path) -> list[dict[str, Any]]:
    return rows(readers.read_all({"path": str(path), "format": fmt}, 1000))


@pytest.mark.parametrize("fmt", ["json", "jsonl", "parquet"])
def test_typed_formats_round_trip_every_value(tmp_path: Path, fmt: str) -> None:
    path = tmp_path / f"out.{fmt}"
    writers.write(sample_frame(), fmt, path)
    assert read_back(fmt, path) == EXPECTED


def test_json_output_is_one_array_of_objects(tmp_path: Path) -> None:
    path = tmp_path / "out.json"
    writers.write(sample_frame(), "json", path)
    assert json.loads(path.read_text()) == EXPECTED


def test_csv_round_trips_as_text_that_reads_back_to_the_same_values(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    writers.write(sample_frame(), "csv", path, escape_formulas=False)
    assert path.read_text().splitlines() == [
        "sku,price,qty,ok,day,at",
        "a-1,1.5,3,True,2024-01-05,2024-01-05 10:30:00",
        "ß-2,,,False,,2024-02-01 00:00:01",
        "=SUM(A1),1e-07,0,,1999-12-31,",
    ]
    back = read_back("csv", path)
    assert [r["sku"] for r in back] == ["a-1", "ß-2", "=SUM(A1)"]
    assert [r["price"] for r in back] == [1.5, None, 1e-7]


def test_csv_escapes_formulas_and_quotes_text_by_default_and_keeps_the_values(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    writers.write(sample_frame(), "csv", path)
    assert path.read_text().splitlines() == [
        '"sku","price","qty","ok","day","at"',
        '"a-1",1.5,3,True,"2024-01-05","2024-01-05 10:30:00"',
        '"ß-2","","",False,"","2024-02-01 00:00:01"',
        '"\'=SUM(A1)",1e-07,0,"","1999-12-31",""',
    ]
    back = read_back("csv", path)
    assert [r["sku"] for r in back] == ["a-1", "ß-2", "'=SUM(A1)"]
    assert [r["price"] for r in back] == [1.5, None, 1e-7]
    assert [r["qty"] for r in back] == [3, None, 0]


def test_xlsx_keeps_types_and_never_turns_text_into_formulas(tmp_path: Path) -> None:
    path = tmp_path / "out.xlsx"
    writers.write(sample_frame(), "xlsx", path)
    sheet = openpyxl.load_workbook(path).active
    values = [list(r) for r in sheet.iter_rows(values_only=True)]
    assert values == [
        ["sku", "price", "qty", "ok", "day", "at"],
        ["a-1", 1.5, 3, True, dt.datetime(2024, 1, 5), dt.datetime(2024, 1, 5, 10, 30)],
        ["ß-2", None, None, False, None, dt.datetime(2024, 2, 1, 0, 0, 1)],
        ["=SUM(A1)", 1e-7, 0, None, dt.datetime(1999, 12, 31), None],
    ]
    assert sheet["A4"].data_type == "s"
    back = read_back("xlsx", path)
    assert [r["sku"] for r in back] == ["a-1", "ß-2", "=SUM(A1)"]


def test_xlsx_continues_on_a_new_sheet_past_the_sheet_height(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setattr(writers, "XLSX_MAX_ROWS", 4)
    path = tmp_path / "out.xlsx"
    writers.write(pd.DataFrame({"n": range(7)}), "xlsx", path)
    book = openpyxl.load_workbook(path)
    assert book.sheetnames == ["data", "data 2", "data 3"]
    assert [[c for (c,) in s.iter_rows(values_only=True)] for s in book.worksheets] == [
        ["n", 0, 1, 2],
        ["n", 3, 4, 5],
        ["n", 6],
    ]


def test_writes_go_through_a_partial_file_so_no_half_file_is_ever_seen(tmp_path: Path) -> None:
    path = tmp_path / "out.csv"
    writers.write(pd.DataFrame({"a": [1]}), "csv", path)
    assert sorted(p.name for p in tmp_path.iterdir()) == ["out.csv"]


# --- sources ----------------------------------------------------------------------------------


def test_csv_source_with_delimiter_encoding_bom_and_text_only_columns(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_bytes("\ufeffzip;city\n01067;Dresden\n80331;München\n".encode())
    assert read_back_options(path, "csv", {"delimiter": ";"}) == [
        {"zip": 1067, "city": "Dresden"},
        {"zip": 80331, "city": "München"},
    ]
    chunks = list(
        readers.read_chunks(
            {"path": str(path), "format": "csv", "options": {"delimiter": ";", "infer_types": False}}, 10
        )
    )
    assert rows(chunks[0]) == [{"zip": "01067", "city": "Dresden"}, {"zip": "80331", "city": "München"}]
    latin = tmp_path / "latin.csv"
    latin.write_bytes("city\nMünchen\n".encode("latin-1"))
    assert rows(
        readers.read_all({"path": str(latin), "format": "csv", "options": {"encoding": "latin-1"}}, 10)
    ) == [{"city": "München"}]
    with pytest.raises(SourceUnreadable, match="set 'encoding' or 'delimiter'"):
        readers.read_all({"path": str(latin), "format": "csv", "label": "upload 'latin.csv'"}, 10)


def test_csv_source_streams_in_chunks_numbered_by_source_row(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    path = tmp_path / "in.csv"
    path.write_text("n\n" + "".join(f"{i}\n" for i in range(10)))
    whole = pd.concat(readers.read_chunks({"path": str(path), "format": "csv"}, 4, whole=True))
    monkeypatch.setattr(readers, "WHOLE_FILE_BYTES", 0)  # as if it were larger than that: in chunks
    assert [len(c) for c in readers.read_chunks({"path": str(path), "format": "csv"}, 4, whole=True)] == [
        4,
        4,
        2,
    ]
    chunks = list(readers.read_chunks({"path": str(path), "format": "csv"}, 4))
    assert rows(pd.concat(chunks)) == rows(whole)
    assert [len(c) for c in chunks] == [4, 4, 2]
    assert list(chunks[2].index) == [8, 9]
    assert [len(c) for c in readers.read_chunks({"path": str(path), "format": "csv"}, 4, nrows=5)] == [4, 1]


def test_a_header_only_csv_gives_its_columns_and_no_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.csv"
    path.write_text("a,b\n")
    (chunk,) = readers.read_chunks({"path": str(path), "format": "csv"}, 10)
    assert list(chunk.columns) == ["a", "b"]
    assert chunk.empty


def test_a_json_array_is_read_element_by_element(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setattr(readers, "JSON_BLOCK", 16)
    records = [{"n": i, "text": "x" * (i % 7), "nested": {"price": i * 1.5}} for i in range(40)]
    path = tmp_path / "in.json"
    path.write_text(json.dumps(records, indent=2))
    chunks = list(readers.read_chunks({"path": str(path), "format": "json"}, 15))
    assert [len(c) for c in chunks] == [15, 15, 10]
    assert rows(pd.concat(chunks))[39] == {"n": 39, "text": "xxxx", "nested.price": 58.5}


def test_json_objects_holding_a_list_of_records(tmp_path: Path) -> None:
    path = tmp_path / "in.json"
    path.write_text(json.dumps({"meta": {"page": 1}, "data": {"items": [{"a": 1}, {"a": 2}]}}))
    assert read_back_options(path, "json", {"records_path": "data.items"}) == [{"a": 1}, {"a": 2}]
    path.write_text(json.dumps({"count": 2, "results": [{"a": 1}, {"a": 2}]}))
    assert read_back("json", path) == [{"a": 1}, {"a": 2}]
    with pytest.raises(SourceUnreadable, match="records_path 'nope' does not exist"):
        read_back_options(path, "json", {"records_path": "nope"})


def read_back_options(path: Path, fmt: str, options: dict[str, Any]) -> list[dict[str, Any]]:
    return rows(readers.read_all({"path": str(path), "format": fmt, "options": options}, 1000))


def test_broken_json_and_jsonl_name_the_problem(tmp_path: Path) -> None:
    path = tmp_path / "in.jsonl"
    path.write_text('{"a": 1}\n{"a": \n')
    with pytest.raises(SourceUnreadable, match="line 2 is not JSON"):
        read_back("jsonl", path)
    broken = tmp_path / "in.json"
    broken.write_text('[{"a": 1}, {"a": ')
    with pytest.raises(SourceUnreadable, match="invalid JSON"):
        read_back("json", broken)


def test_xlsx_source_by_sheet_name_skipping_blank_rows(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    book = openpyxl.Workbook()
    book.active.title = "first"
    sheet = book.create_sheet("prices")
    for row in (["sku", "price", None], ["a", 1.5, None], [None, None, None], ["b", 2, "extra"]):
        sheet.append(row)
    book.save(path)
    assert read_back_options(path, "xlsx", {"sheet": "prices"}) == [
        {"sku": "a", "price": 1.5, "column_3": None},
        {"sku": "b", "price": 2.0, "column_3": "extra"},
    ]
    with pytest.raises(SourceUnreadable, match="no sheet 'nope'"):
        read_back_options(path, "xlsx", {"sheet": "nope"})


def test_parquet_source_streams_by_batches(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "in.parquet"
    pq.write_table(pa.table({"n": list(range(25)), "d": [dt.date(2024, 1, 1)] * 25}), path, row_group_size=10)
    (whole,) = readers.read_chunks({"path": str(path), "format": "parquet"}, 10, whole=True)  # small: at once
    assert rows(whole)[20] == {"n": 20, "d": "2024-01-01"}
    monkeypatch.setattr(readers, "WHOLE_FILE_BYTES", 0)  # as if it were larger than that
    assert len(list(readers.read_chunks({"path": str(path), "format": "parquet"}, 10, whole=True))) == 3
    monkeypatch.undo()
    chunks = list(readers.read_chunks({"path": str(path), "format": "parquet"}, 10))  # streamed: in batches
    assert [len(c) for c in chunks] == [10, 10, 5]
    assert rows(chunks[2])[0] == {"n": 20, "d": "2024-01-01"}
    assert (
        sum(len(c) for c in readers.read_chunks({"path": str(path), "format": "parquet"}, 10, nrows=12)) == 12
    )


def test_a_file_in_the_wrong_format_is_unreadable_with_its_label(tmp_path: Path) -> None:
    path = tmp_path / "in.xlsx"
    path.write_text("not a zip")
    with pytest.raises(SourceUnreadable, match="not a readable XLSX file"):
        readers.read_all({"path": str(path), "format": "xlsx", "label": "upload 'in.xlsx'"}, 10)


# --- the engine -------------------------------------------------------------------------------

CLEANING: list[dict[str, Any]] = [
    {"op": "normalize", "columns": ["title"], "case": "lower"},
    {"op": "cast", "columns": {"price": "number"}},
    {"op": "filter", "expr": "price >= 2"},
    {"op": "dedupe", "subset": ["title"]},
    {"op": "derive", "columns": {"gross": "round(price * 1.2, 2)"}},
    {"op": "sort", "by": [{"column": "gross", "descending": True}]},
]


def shop(n: int) -> list[dict[str, Any]]:
    return [{"title": f" Item {i % 17} ", "price": f"${i % 9}.50"} for i in range(n)]


def test_streamed_and_whole_runs_give_the_same_rows(tmp_path: Path) -> None:
    (tmp_path / "a").mkdir()
    (tmp_path / "b").mkdir()
    streamed = run_pipeline(tmp_path / "a", shop(200), CLEANING, chunk_rows=7)
    whole = run_pipeline(tmp_path / "b", shop(200), CLEANING, chunk_rows=10_000)
    assert streamed["source"]["streamed_steps"] == 3
    assert stored_records(tmp_path / "a") == stored_records(tmp_path / "b")
    assert [s["rows_out"] for s in streamed["steps"]] == [s["rows_out"] for s in whole["steps"]]
    assert [(s["op"], s["rows_in"], s["rows_out"]) for s in whole["steps"]][:4] == [
        ("normalize", 200, 200),
        ("cast", 200, 200),
        ("filter", 200, 154),
        ("dedupe", 154, 17),
    ]
    assert whole["steps"][3]["summary"] == "dedupe: 154 -> 17"


def test_a_leading_limit_stops_reading_the_source_early(tmp_path: Path) -> None:
    result = run_pipeline(tmp_path, shop(1000), [{"op": "limit", "n": 15}], chunk_rows=10)
    assert result["rows"] == 15
    assert result["source"]["rows"] == 20
    assert result["source"]["stopped_early"] is True


def test_outputs_are_written_in_every_format_with_size_and_rows(tmp_path: Path) -> None:
    outputs = [{"name": "clean", "format": f} for f in ("csv", "json", "jsonl", "xlsx", "parquet")]
    result = run_pipeline(tmp_path, shop(50), CLEANING, outputs=outputs)
    assert [(o["filename"], o["rows"]) for o in result["outputs"]] == [
        ("clean.csv", 17),
        ("clean.json", 17),
        ("clean.jsonl", 17),
        ("clean.xlsx", 17),
        ("clean.parquet", 17),
    ]
    for output in result["outputs"]:
        path = tmp_path / "out" / output["filename"]
        assert path.stat().st_size == output["size_bytes"]
        assert [r["title"] for r in read_back(output["format"], path)] == [
            r["title"] for r in stored_records(tmp_path)
        ]


def test_a_failing_step_names_its_index_op_and_reason(tmp_path: Path) -> None:
    steps: list[dict[str, Any]] = [{"op": "trim"}, {"op": "cast", "columns": {"nope": "number"}}]
    with pytest.raises(StepFailed) as caught:
        run_pipeline(tmp_path, shop(5), steps)
    assert (
        str(caught.value)
        == "steps[1] (cast) failed: unknown column 'nope'; the columns are: 'title', 'price'"
    )
    assert caught.value.code == "step_failed"
    assert not (tmp_path / "records.jsonl").exists()


def test_preview_returns_rows_of_the_first_n_source_rows_and_writes_nothing(tmp_path: Path) -> None:
    result = run_pipeline(
        tmp_path, shop(500), CLEANING, preview_rows=20, outputs=[{"name": "x", "format": "csv"}]
    )
    assert result["source"]["rows"] == 20
    assert "outputs" not in result
    assert result["preview"]["rows"][0] == {"title": "item 8", "price": 8.5, "gross": 10.2}
    assert list((tmp_path / "out").iterdir()) == []
