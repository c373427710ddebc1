"""Pipelines end to end: a real API and worker, scrape -> pipeline chaining, every source, the report."""

from __future__ import annotations

import csv
import io
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import openpyxl
import pytest

from tests.support.pipeline_stack import SCRAPE, Stack, pipeline_stack, upload, wait_for, wait_job
from tests.support.servers import Recorded, loopback_server

PRICES_CSV = (
    b"sku,title,price\na1, Red Mug ,$4.50\na2,Blue Mug,abc\na1, Red Mug ,$4.50\na3,Big Pot,-2\na4,Lid,1\n"
)


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory) -> Iterator[Stack]:
    tmp_path = tmp_path_factory.mktemp("pipelines")
    with pipeline_stack(f"sqlite+aiosqlite:///{tmp_path / 'dataops.db'}", tmp_path) as running:
        yield running


def run(stack: Stack, body: dict[str, Any], status: str = "completed") -> dict[str, Any]:
    response = httpx.post(f"{stack.base}/api/pipeline/run", json=body)
    assert response.status_code == 202, response.text
    job = wait_job(stack.base, response.json()["job_id"], "completed", "failed", "cancelled")
    assert job["status"] == status, (job["error"], job.get("progress"))
    return job


def test_a_scrape_with_then_runs_the_saved_pipeline_on_its_records(stack: Stack) -> None:
    base = stack.base
    definition = {
        "name": "clean-shop",
        "steps": [
            {"op": "rename", "columns": {"title": "product"}},
            {"op": "cast", "columns": {"n": "integer"}},
            {"op": "filter", "expr": "n >= 1"},
            {"op": "derive", "columns": {"label": "concat(product, '#', n)"}},
        ],
        "output": [{"format": "csv"}, {"format": "parquet"}],
    }
    pipeline = httpx.post(f"{base}/api/pipelines", json=definition).json()
    scrape = httpx.post(
        f"{base}/api/scrape", json={**SCRAPE, "then": {"pipeline_id": pipeline["pipeline_id"]}}
    )
    scrape_id = scrape.json()["job_id"]
    wait_job(base, scrape_id, "completed")

    def chained() -> list[dict[str, Any]]:
        items = httpx.get(f"{base}/api/jobs", params={"type": "pipeline.run"}).json()["items"]
        return [j for j in items if j.get("parent_id") == scrape_id]

    job = wait_job(base, wait_for(chained)[0]["job_id"], "completed", "failed")
    assert job["status"] == "completed", job
    result = job["result"]
    assert result["pipeline"] == {"pipeline_id": pipeline["pipeline_id"], "name": "clean-shop"}
    assert result["source"] == {
        "type": "job",
        "job_id": scrape_id,
        "records": 3,
        "rows": 3,
        "columns": ["url", "n", "title"],
        "streamed_steps": 4,
    }
    assert [s["summary"] for s in result["steps"]] == [
        "rename: 3 -> 3",
        "cast: 3 -> 3",
        "filter: 3 -> 2",
        "derive: 2 -> 2",
    ]
    assert result["steps"][2]["details"] == {"removed": 1}
    assert result["rows"] == 2
    assert result["records"] == 2
    assert {"read_seconds", "steps_seconds", "write_seconds", "child_seconds", "total_seconds"} <= set(
        result["timings"]
    )
    assert result["memory"]["limit_mb"] == 512
    assert {k: job["progress"].get(k) for k in ("phase", "rows_done", "rows_total")} == {
        "phase": "done",
        "rows_done": 2,
        "rows_total": 2,
    }

    page = httpx.get(f"{base}/api/jobs/{job['job_id']}/results", params={"limit": 1, "offset": 1}).json()
    assert page["total"] == 2
    assert page["items"] == [{"url": SCRAPE["url"], "n": 2, "product": "t2", "label": "t2#2"}]

    exports = {e["format"]: e for e in result["outputs"]}
    assert {(e["filename"], e["rows"]) for e in exports.values()} == {
        ("clean-shop.csv", 2),
        ("clean-shop.parquet", 2),
    }
    downloaded = httpx.get(base + exports["csv"]["download_url"])
    assert downloaded.status_code == 200
    assert list(csv.DictReader(io.StringIO(downloaded.text))) == [
        {"url": SCRAPE["url"], "n": "1", "product": "t1", "label": "t1#1"},
        {"url": SCRAPE["url"], "n": "2", "product": "t2", "label": "t2#2"},
    ]
    listed = httpx.get(f"{base}/api/exports", params={"pipeline_id": pipeline["pipeline_id"]}).json()["items"]
    assert {e["export_id"] for e in listed} == {e["export_id"] for e in exports.values()}


def test_an_uploaded_csv_is_cleaned_validated_and_exported_as_xlsx(stack: Stack) -> None:
    uploaded = upload(stack.base, "prices.csv", PRICES_CSV, "text/csv")
    job = run(
        stack,
        {
            "pipeline": {
                "name": "mugs",
                "source": uploaded["source"],
                "steps": [
                    {"op": "trim", "columns": ["title"]},
                    {"op": "cast", "columns": {"price": "number"}},
                    {"op": "dedupe"},
                    {
                        "op": "validate",
                        "rules": [
                            {"check": "not_null", "column": "price", "on_fail": "warn"},
                            {"check": "between", "column": "price", "min": 0},
                        ],
                        "on_fail": "drop",
                    },
                ],
                "output": {"format": "xlsx", "name": "mugs-clean"},
            }
        },
    )
    result = job["result"]
    assert job["name"] == "mugs"
    assert [s["summary"] for s in result["steps"]] == [
        "trim: 5 -> 5",
        "cast: 5 -> 5",
        "dedupe: 5 -> 4",
        "validate: 4 -> 3",
    ]
    assert result["steps"][1]["details"]["invalid"] == {"price": 1}
    rules = result["validation"]["rules"]
    assert [(r["description"], r["on_fail"], r["failed"]) for r in rules] == [
        ("price not null", "warn", 1),
        ("price >= 0", "drop", 1),
    ]
    assert rules[1]["samples"] == [{"row": 3, "values": {"sku": "a3", "title": "Big Pot", "price": -2.0}}]
    assert result["validation"]["rows_dropped"] == 1
    (output,) = result["outputs"]
    assert (output["filename"], output["rows"]) == ("mugs-clean.xlsx", 3)

    response = httpx.get(stack.base + output["download_url"])
    assert (
        response.headers["content-type"]
        == "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    assert 'filename="mugs-clean.xlsx"' in response.headers["content-disposition"]
    sheet = openpyxl.load_workbook(io.BytesIO(response.content)).active
    assert [list(r) for r in sheet.iter_rows(values_only=True)] == [
        ["sku", "title", "price"],
        ["a1", "Red Mug", 4.5],
        ["a2", "Blue Mug", None],
        ["a4", "Lid", 1],
    ]


def test_a_failing_step_fails_the_job_with_its_index_op_and_reason_and_leaves_the_source_alone(
    stack: Stack,
) -> None:
    base = stack.base
    scrape_id = httpx.post(f"{base}/api/scrape?wait=60", json=SCRAPE, timeout=90).json()["job_id"]
    records_before = httpx.get(f"{base}/api/jobs/{scrape_id}/results").json()
    uploaded = upload(base, "prices.csv", PRICES_CSV)
    file_before = Path(stack.env["UPLOADS_DIR"], f"{uploaded['upload_id']}.csv").read_bytes()
    for source in ({"type": "job", "job_id": scrape_id}, uploaded["source"]):
        job = run(
            stack,
            {
                "pipeline": {
                    "source": source,
                    "steps": [
                        {"op": "trim"},
                        {"op": "aggregate", "aggregations": [{"fn": "sum", "column": "title"}]},
                    ],
                    "output": {"format": "csv", "name": "never"},
                }
            },
            status="failed",
        )
        assert job["error"] == {
            "code": "step_failed",
            "message": "steps[1] (aggregate) failed: sum needs numbers but 'title' holds text "
            "(cast it to number first)",
        }
        assert job["progress"]["steps"][0]["summary"].startswith("trim: ")
        assert httpx.get(f"{base}/api/exports", params={"job_id": job["job_id"]}).json()["items"] == []
    assert httpx.get(f"{base}/api/jobs/{scrape_id}/results").json() == records_before
    assert Path(stack.env["UPLOADS_DIR"], f"{uploaded['upload_id']}.csv").read_bytes() == file_before
    assert list(Path(stack.env["EXPORTS_DIR"], ".work").iterdir()) == []


def test_a_validation_failure_fails_the_job_and_keeps_the_report_in_its_progress(stack: Stack) -> None:
    job = run(
        stack,
        {
            "pipeline": {
                "source": {"type": "inline", "records": [{"sku": "a"}, {"sku": None}, {"sku": "a"}]},
                "steps": [{"op": "validate", "rules": [{"check": "unique", "column": "sku"}]}],
            }
        },
        status="failed",
    )
    assert job["error"]["code"] == "validation_failed"
    assert (
        job["error"]["message"] == "steps[0] (validate) failed: 1 rows fail rule 0 (sku unique), e.g. rows 2"
    )
    (rule,) = job["progress"]["validation"]["rules"]
    assert rule["samples"] == [{"row": 2, "values": {"sku": "a"}}]


def test_a_url_source_is_fetched_through_the_address_guard(stack: Stack) -> None:
    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/old.csv":
            return 302, {"Location": "/data/prices"}, b""
        return 200, {"Content-Type": "text/csv"}, b"sku;price\nx;1\ny;2\n"

    with loopback_server(respond) as server:
        job = run(
            stack,
            {
                "pipeline": {
                    "source": {"type": "url", "url": f"{server.url}/old.csv", "delimiter": ";"},
                    "steps": [{"op": "aggregate", "aggregations": [{"fn": "sum", "column": "price"}]}],
                }
            },
        )
    assert job["result"]["source"]["format"] == "csv"
    assert httpx.get(f"{stack.base}/api/jobs/{job['job_id']}/results").json()["items"] == [{"price_sum": 3}]
    assert [r.path for r in server.requests] == ["/old.csv", "/data/prices"]


def test_a_url_source_answering_404_fails_without_retrying(stack: Stack) -> None:
    with loopback_server(lambda _: (404, {}, b"gone")) as server:
        job = run(
            stack, {"pipeline": {"source": {"type": "url", "url": f"{server.url}/x.csv"}}}, status="failed"
        )
    assert job["error"]["code"] == "source_unavailable"
    assert job["attempts"] == 1


def test_a_latest_source_reads_the_newest_completed_run_of_that_name(stack: Stack) -> None:
    base = stack.base
    for _ in range(2):
        httpx.post(f"{base}/api/scrape?wait=60", json={**SCRAPE, "name": "nightly-shop"}, timeout=90)
    newest = httpx.get(f"{base}/api/jobs", params={"name": "nightly-shop"}).json()["items"][0]["job_id"]
    job = run(stack, {"pipeline": {"source": {"type": "latest", "name": "nightly-shop"}}})
    assert job["result"]["source"]["job_id"] == newest
    missing = run(stack, {"pipeline": {"source": {"type": "latest", "name": "never-ran"}}}, status="failed")
    assert missing["error"] == {
        "code": "source_unavailable",
        "message": "no completed job named 'never-ran' yet",
    }


def test_a_latest_source_reads_the_last_run_of_a_saved_pipeline_even_a_chained_one(stack: Stack) -> None:
    base = stack.base
    httpx.post(
        f"{base}/api/pipelines",
        json={
            "name": "step-one",
            "steps": [{"op": "select", "columns": ["n"]}],
            "store_records": False,
            "output": {"format": "parquet"},
        },
    )
    scrape_id = httpx.post(
        f"{base}/api/scrape?wait=60", json={**SCRAPE, "then": {"pipeline_id": "step-one"}}, timeout=90
    ).json()["job_id"]

    def chained_done() -> bool:
        items = httpx.get(f"{base}/api/jobs", params={"type": "pipeline.run", "status": "completed"}).json()[
            "items"
        ]
        return any(j.get("parent_id") == scrape_id for j in items)

    wait_for(chained_done)
    job = run(stack, {"pipeline": {"source": {"type": "latest", "name": "step-one"}}})
    assert "export_id" in job["result"]["source"]
    assert httpx.get(f"{base}/api/jobs/{job['job_id']}/results").json()["items"] == [
        {"n": 0},
        {"n": 1},
        {"n": 2},
    ]


def test_a_join_with_a_second_source(stack: Stack) -> None:
    names = upload(stack.base, "names.jsonl", b'{"sku": "a1", "name": "Mug"}\n{"sku": "a4", "name": "Lid"}\n')
    job = run(
        stack,
        {
            "pipeline": {
                "source": upload(stack.base, "prices.csv", PRICES_CSV)["source"],
                "steps": [
                    {"op": "dedupe"},
                    {"op": "join", "source": names["source"], "on": ["sku"], "how": "inner"},
                    {"op": "select", "columns": ["sku", "name"]},
                ],
            }
        },
    )
    assert job["result"]["joined_sources"] == {
        "steps[1]": {"type": "upload", "upload_id": names["upload_id"], "filename": "names.jsonl"}
    }
    items = httpx.get(f"{stack.base}/api/jobs/{job['job_id']}/results").json()["items"]
    assert items == [{"sku": "a1", "name": "Mug"}, {"sku": "a4", "name": "Lid"}]


def test_a_preview_runs_in_the_worker_on_the_first_rows_and_writes_nothing(stack: Stack) -> None:
    uploaded = upload(stack.base, "prices.csv", PRICES_CSV)
    response = httpx.post(
        f"{stack.base}/api/pipelines/preview?wait=60",
        json={
            "pipeline": {
                "source": uploaded["source"],
                "steps": [
                    {"op": "cast", "columns": {"price": "number"}},
                    {"op": "validate", "rules": [{"check": "not_null", "column": "price"}]},
                ],
                "output": {"format": "csv"},
            },
            "rows": 2,
        },
        timeout=90,
    )
    assert response.status_code == 200, response.text
    body = response.json()
    assert body["type"] == "pipeline.preview"
    result = body["result"]
    assert result["preview_rows"] == [
        {"sku": "a1", "title": " Red Mug ", "price": 4.5},
        {"sku": "a2", "title": "Blue Mug", "price": None},
    ]
    assert result["columns"] == ["sku", "title", "price"]
    assert result["validation"]["rules"][0]["would_fail"] is True
    assert httpx.get(f"{stack.base}/api/exports", params={"job_id": body["job_id"]}).json()["items"] == []
    assert httpx.get(f"{stack.base}/api/jobs/{body['job_id']}/results").json()["total"] == 0


@pytest.mark.parametrize("backend", [pytest.param("postgres", marks=pytest.mark.postgres)], indirect=True)
def test_chaining_uploads_and_exports_work_the_same_on_postgresql(db_url: str, tmp_path: Path) -> None:
    with pipeline_stack(db_url, tmp_path) as pg:
        base = pg.base
        definition = {
            "name": "pg-clean",
            "steps": [{"op": "filter", "expr": "n > 0"}],
            "output": {"format": "jsonl"},
        }
        httpx.post(f"{base}/api/pipelines", json=definition)
        chained_scrape = {**SCRAPE, "then": {"pipeline_id": "pg-clean"}}
        scrape_id = httpx.post(f"{base}/api/scrape", json=chained_scrape).json()["job_id"]
        wait_job(base, scrape_id, "completed")

        def chained() -> list[dict[str, Any]]:
            items = httpx.get(f"{base}/api/jobs", params={"type": "pipeline.run"}).json()["items"]
            return [j for j in items if j.get("parent_id") == scrape_id]

        job = wait_job(base, wait_for(chained)[0]["job_id"], "completed", "failed")
        assert job["status"] == "completed", job["error"]
        (output,) = job["result"]["outputs"]
        assert httpx.get(base + output["download_url"]).text.count("\n") == 2
        uploaded = upload(base, "prices.csv", PRICES_CSV)
        second = run(pg, {"pipeline": {"source": uploaded["source"], "steps": [{"op": "dedupe"}]}})
        assert second["result"]["rows"] == 4
