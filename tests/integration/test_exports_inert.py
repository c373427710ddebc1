"""Exports are inert: text that a spreadsheet would run stays text in every CSV and XLSX we write.

Result downloads (`GET /api/jobs/{id}/results?format=csv|xlsx`) and pipeline exports share one rule
(`tabular.formula_escaped`); a real API and worker scrape a loopback page and run pipelines here.
"""

from __future__ import annotations

import csv
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pyarrow.parquet as pq
import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

HOSTILE = ['=HYPERLINK("http://x","click")', "=1+2", "@SUM(1)", "+cmd|' /C calc'!A0", "-2+3", "\tTAB", "\rCR"]
RECORDS: list[dict[str, Any]] = [
    *({"text": text, "n": -5, "f": -5.5, "s": "-5", "@where": "x"} for text in HOSTILE),
    {"text": "plain", "n": 7, "f": 0.25, "s": "-1.5e3", "@where": "-x"},
]
# Escaped: a quote in front of formula-like text (not of `-5` or `-1.5e3`: plain numbers), text quoted,
# numbers bare; the header is data too (a column named `@where`).
ESCAPED_CSV = (
    '"text","n","f","s","\'@where"\n'
    + "".join(f'"\'{t.replace(chr(34), chr(34) * 2)}",-5,-5.5,"-5","x"\n' for t in HOSTILE)
    + '"plain",7,0.25,"-1.5e3","\'-x"\n'
)
PAGE = b"""<!doctype html><html><head><title>t</title></head><body>
<h1>=HYPERLINK("http://127.0.0.1/x","click")</h1><p class="n">-5</p><p class="s">@SUM(1)</p>
</body></html>"""


def _page(_: Recorded) -> tuple[int, dict[str, str], bytes]:
    return 200, {"Content-Type": "text/html; charset=utf-8"}, PAGE


@pytest.fixture(scope="module")
def site() -> Iterator[LoopbackServer]:
    with loopback_server(_page) as server:
        yield server


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, site: LoopbackServer) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("inert")
    db_url = f"sqlite+aiosqlite:///{tmp / 'dataops.db'}"
    with scrape_stack(db_url, tmp, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port}") as running:
        yield running


@pytest.fixture(scope="module")
def pipeline_job(stack: Stack) -> dict[str, Any]:
    """One pipeline run over the hostile records: escaped CSV, raw CSV, XLSX and Parquet exports."""
    outputs = [
        {"format": "csv", "name": "escaped"},
        {"format": "csv", "name": "raw", "escape_formulas": False},
        {"format": "xlsx", "name": "sheet"},
        {"format": "parquet", "name": "data"},
    ]
    body = {"pipeline": {"source": {"type": "inline", "records": RECORDS}, "output": outputs}}
    response = httpx.post(f"{stack.base}/api/pipeline/run", json=body, timeout=10)
    assert response.status_code == 202, response.text
    job = stack.wait(response.json()["job_id"])
    assert job["status"] == "completed", job
    return job


def _export(stack: Stack, job: dict[str, Any], filename: str) -> bytes:
    output = next(o for o in job["result"]["outputs"] if o["filename"] == filename)
    response = httpx.get(stack.base + output["download_url"], timeout=30)
    assert response.status_code == 200
    return response.content


def _download(stack: Stack, job_id: str, **params: Any) -> httpx.Response:
    response = httpx.get(f"{stack.base}/api/jobs/{job_id}/results", params=params, timeout=30)
    assert response.status_code == 200, response.text
    return response


def _sheet_cells(content: bytes) -> list[list[openpyxl.cell.cell.Cell]]:
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    assert sheet is not None
    return [list(row) for row in sheet.iter_rows()]


def _assert_text_cells_are_strings(rows: list[list[Any]]) -> None:
    header, *body = rows
    assert [c.value for c in header] == ["text", "n", "f", "s", "@where"]
    for cell, record in zip((row[0] for row in body), RECORDS, strict=True):
        assert cell.data_type == "s", cell.value
        # OOXML stores a carriage return as `_x000D_`; spreadsheets decode it, openpyxl does not.
        assert cell.value.replace("_x000D_", "\r") == record["text"]
    assert {(row[1].data_type, row[1].value) for row in body[:-1]} == {("n", -5)}
    assert {(row[2].data_type, row[2].value) for row in body[:-1]} == {("n", -5.5)}


def test_result_download_as_xlsx_writes_formula_text_as_strings(
    stack: Stack, pipeline_job: dict[str, Any]
) -> None:
    content = _download(stack, pipeline_job["job_id"], format="xlsx").content
    _assert_text_cells_are_strings(_sheet_cells(content))


def test_pipeline_xlsx_export_writes_formula_text_as_strings(
    stack: Stack, pipeline_job: dict[str, Any]
) -> None:
    _assert_text_cells_are_strings(_sheet_cells(_export(stack, pipeline_job, "sheet.xlsx")))


def test_result_download_as_csv_escapes_formulas_and_keeps_numbers(
    stack: Stack, pipeline_job: dict[str, Any]
) -> None:
    response = _download(stack, pipeline_job["job_id"], format="csv")
    assert response.text.replace("\r\n", "\n") == ESCAPED_CSV  # downloads end lines as RFC 4180 does
    rows = list(csv.reader(io.StringIO(response.text, newline="")))
    assert [row[0] for row in rows[1:]] == [f"'{t}" for t in HOSTILE] + ["plain"]


def test_pipeline_csv_export_escapes_by_the_same_rule_as_the_download(
    stack: Stack, pipeline_job: dict[str, Any]
) -> None:
    assert _export(stack, pipeline_job, "escaped.csv").decode() == ESCAPED_CSV


def test_raw_csv_is_verbatim_on_request_in_downloads_and_exports(
    stack: Stack, pipeline_job: dict[str, Any]
) -> None:
    downloaded = _download(stack, pipeline_job["job_id"], format="csv", escape_formulas="false").text
    rows = list(csv.DictReader(io.StringIO(downloaded, newline="")))
    assert [r["text"] for r in rows] == [r["text"] for r in RECORDS]
    assert [r["@where"] for r in rows] == [r["@where"] for r in RECORDS]
    exported = _export(stack, pipeline_job, "raw.csv").decode()
    for text in (downloaded.replace("\r\n", "\n"), exported):
        assert text.startswith("text,n,f,s,@where\n")
        assert "\n=1+2,-5,-5.5,-5,x\n" in text
        assert '\n"=HYPERLINK(""http://x"",""click"")",-5,' in text
        assert all(f"\n{t}," in text or f'\n"{t}",' in text for t in HOSTILE[1:])


def test_data_formats_stay_verbatim(stack: Stack, pipeline_job: dict[str, Any]) -> None:
    job_id = pipeline_job["job_id"]
    assert _download(stack, job_id, format="json").json() == RECORDS
    lines = _download(stack, job_id, format="jsonl").text.splitlines()
    assert [json.loads(line) for line in lines] == RECORDS
    table = pq.read_table(io.BytesIO(_export(stack, pipeline_job, "data.parquet")))
    assert table.to_pylist() == RECORDS


def test_scraped_formula_text_is_inert_in_downloads(stack: Stack, site: LoopbackServer) -> None:
    schema = {"title": {"selector": "h1"}, "n": {"selector": ".n", "type": "number"}, "s": {"selector": ".s"}}
    job = stack.run({"url": f"{site.url}/p", "schema": schema})
    assert job["status"] == "completed", job
    title = '=HYPERLINK("http://127.0.0.1/x","click")'
    url = f"{site.url}/p"
    assert stack.records(job["job_id"]) == [{"url": url, "data": {"title": title, "n": -5, "s": "@SUM(1)"}}]
    lines = _download(stack, job["job_id"], format="csv").text.splitlines()
    escaped = f'"{url}","\'=HYPERLINK(""http://127.0.0.1/x"",""click"")",-5.0,"\'@SUM(1)"'
    assert lines == ['"url","title","n","s"', escaped]
    _, row = _sheet_cells(_download(stack, job["job_id"], format="xlsx").content)
    assert [(c.data_type, c.value) for c in row] == [("s", url), ("s", title), ("n", -5), ("s", "@SUM(1)")]


def test_escape_formulas_is_documented_and_refused_on_outputs_it_cannot_apply_to(settings: Settings) -> None:
    with api_client(settings) as client:
        spec = client.get("/openapi.json").json()
        parameters = spec["paths"]["/api/jobs/{job_id}/results"]["get"]["parameters"]
        escape = next(p for p in parameters if p["name"] == "escape_formulas")
        assert escape["schema"]["default"] is True
        assert "format=csv" in escape["description"]
        output = {"format": "xlsx", "escape_formulas": False}
        body = {"pipeline": {"source": {"type": "inline", "records": [{"a": 1}]}, "output": output}}
        response = client.post("/api/pipeline/run", json=body)
        assert response.status_code == 422, response.text
        assert "escape_formulas applies to csv outputs only" in response.json()["error"]["message"]
