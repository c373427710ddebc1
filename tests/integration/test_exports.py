"""`/api/exports`: files written by pipeline jobs, downloaded in every format and read back."""

from __future__ import annotations

import csv
import datetime as dt
import io
import json
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pyarrow.parquet as pq
import pytest

from tests.support.pipeline_stack import Stack, pipeline_stack, sql, wait_job
from tests.support.waiting import wait_for

RECORDS = [
    {"sku": "a", "price": "1.50", "day": "2024-01-05", "note": "=1+1"},
    {"sku": "b", "price": "n/a", "day": None, "note": "Grüße"},
]
EXPECTED: list[dict[str, Any]] = [
    {"sku": "a", "price": 1.5, "day": "2024-01-05", "note": "=1+1"},
    {"sku": "b", "price": None, "day": None, "note": "Grüße"},
]
FORMATS = ("csv", "json", "jsonl", "xlsx", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("exports")
    with pipeline_stack(f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path) as running:
        yield running


def export_everything(stack: Stack, name: str = "prices") -> dict[str, Any]:
    body = {
        "pipeline": {
            "source": {"type": "inline", "records": RECORDS},
            "steps": [{"op": "cast", "columns": {"price": "number", "day": "date"}}],
            "output": [{"format": f, "name": name} for f in FORMATS],
        }
    }
    job_id = httpx.post(f"{stack.base}/api/pipeline/run", json=body).json()["job_id"]
    job = wait_job(stack.base, job_id, "completed", "failed")
    assert job["status"] == "completed", job["error"]
    return job


def parse(fmt: str, content: bytes) -> list[dict[str, Any]]:
    if fmt == "csv":
        return [
            {k: (v or None) for k, v in row.items()}
            for row in csv.DictReader(io.StringIO(content.decode("utf-8")))
        ]
    if fmt == "json":
        loaded: list[dict[str, Any]] = json.loads(content)
        return loaded
    if fmt == "jsonl":
        return [json.loads(line) for line in content.decode().splitlines()]
    if fmt == "parquet":
        table = pq.read_table(io.BytesIO(content)).to_pylist()
        return [{**r, "day": r["day"].isoformat() if r["day"] else None} for r in table]
    sheet = openpyxl.load_workbook(io.BytesIO(content)).active
    header, *values = [list(r) for r in sheet.iter_rows(values_only=True)]
    return [
        {
            k: (v.date().isoformat() if isinstance(v, dt.datetime) else v)
            for k, v in zip(header, row, strict=True)
        }
        for row in values
    ]


def test_every_format_downloads_with_its_content_type_and_name_and_reads_back(stack: Stack) -> None:
    job = export_everything(stack)
    outputs = {o["format"]: o for o in job["result"]["outputs"]}
    assert set(outputs) == set(FORMATS)
    for fmt, output in outputs.items():
        response = httpx.get(stack.base + output["download_url"])
        assert response.status_code == 200
        assert response.headers["content-type"] == MEDIA_TYPES[fmt]
        assert f'filename="prices.{fmt}"' in response.headers["content-disposition"]
        assert int(response.headers["content-length"]) == output["size_bytes"]
        rows = parse(fmt, response.content)
        if fmt == "csv":  # text read as text; a formula-like cell carries the escape (test_exports_inert)
            as_text = [{k: (str(v) if v is not None else None) for k, v in r.items()} for r in EXPECTED]
            assert rows == [{**r, "note": "'=1+1" if r["note"] == "=1+1" else r["note"]} for r in as_text]
        else:
            assert rows == EXPECTED, fmt


def test_exports_are_listed_by_job_described_and_deleted_with_their_file(stack: Stack) -> None:
    job = export_everything(stack, name="listing")
    job_id = job["job_id"]
    listed = httpx.get(f"{stack.base}/api/exports", params={"job_id": job_id, "limit": 3}).json()
    assert len(listed["items"]) == 3
    more = httpx.get(
        f"{stack.base}/api/exports", params={"job_id": job_id, "limit": 3, "cursor": listed["next_cursor"]}
    ).json()
    assert more["next_cursor"] is None
    every = listed["items"] + more["items"]
    assert sorted(e["filename"] for e in every) == sorted(f"listing.{f}" for f in FORMATS)
    one = every[0]
    assert httpx.get(f"{stack.base}/api/exports/{one['export_id']}").json() == one
    assert (one["job_id"], one["rows"]) == (job_id, 2)

    folder = Path(stack.env["EXPORTS_DIR"], job_id)
    for export in every:
        assert httpx.delete(f"{stack.base}/api/exports/{export['export_id']}").status_code == 204
        assert httpx.get(stack.base + export["download_url"]).status_code == 404
    assert not folder.exists()
    assert httpx.delete(f"{stack.base}/api/exports/{one['export_id']}").json()["error"]["code"] == "not_found"


def test_an_export_whose_path_points_outside_the_exports_folder_is_not_served(stack: Stack) -> None:
    job = export_everything(stack, name="tampered")
    export = job["result"]["outputs"][0]
    secret = Path(stack.env["EXPORTS_DIR"]).parent / "secret.txt"
    secret.write_text("do not serve")
    for path in ("../secret.txt", str(secret), f"{job['job_id']}/../../secret.txt"):
        sql(stack.env["DATABASE_URL"], "UPDATE exports SET path = ? WHERE id = ?", path, export["export_id"])
        response = httpx.get(stack.base + export["download_url"])
        assert response.status_code == 404
        assert b"do not serve" not in response.content


def test_jobs_and_exports_older_than_their_retention_are_deleted_exports_with_their_files(
    tmp_path: Path,
) -> None:
    db_url = f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}"
    exports_dir = tmp_path / "exports"
    with pipeline_stack(db_url, tmp_path) as stack:
        old, new = export_everything(stack, "old"), export_everything(stack, "new")
        # Age the first job's exports by 40 days; the second job's stay fresh.
        sql(db_url, "UPDATE exports SET created_at = created_at - 40 * 86400 WHERE job_id = ?", old["job_id"])
        sql(db_url, "UPDATE jobs SET finished_at = finished_at - 40 * 86400 WHERE id = ?", old["job_id"])
        assert all((exports_dir / path).is_file() for (path,) in sql(db_url, "SELECT path FROM exports"))
        stack.workers[0].stop()
        stack.add_worker("pruner", EXPORT_RETENTION_DAYS=30, JOB_RETENTION_DAYS=30)
        wait_for(lambda: not sql(db_url, "SELECT 1 FROM exports WHERE job_id = ?", old["job_id"]))
        kept = sql(db_url, "SELECT path FROM exports WHERE job_id = ?", new["job_id"])
        assert len(kept) == len(FORMATS)
        assert all((exports_dir / path).is_file() for (path,) in kept)
        assert not (exports_dir / old["job_id"]).exists()
        # The same pass applies the jobs' retention: the aged job is gone, the fresh one stays.
        assert sql(db_url, "SELECT id FROM jobs WHERE id IN (?, ?)", old["job_id"], new["job_id"]) == [
            (new["job_id"],)
        ]
        listed = httpx.get(f"{stack.base}/api/exports").json()["items"]
        assert {item["job_id"] for item in listed} == {new["job_id"]}
