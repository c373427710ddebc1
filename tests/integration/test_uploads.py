"""`/api/uploads`: every source format, size limit, sanitised names, format checks, list and delete."""

from __future__ import annotations

import io
import json
from pathlib import Path

import openpyxl
import pyarrow as pa
import pyarrow.parquet as pq
import pytest

from backend_fastapi.settings import Settings
from tests.support.apps import api_client, table_counts


def xlsx_bytes() -> bytes:
    book = openpyxl.Workbook()
    book.active.append(["sku", "price"])
    book.active.append(["a", 1.5])
    buffer = io.BytesIO()
    book.save(buffer)
    return buffer.getvalue()


def parquet_bytes() -> bytes:
    buffer = io.BytesIO()
    pq.write_table(pa.table({"sku": ["a"], "price": [1.5]}), buffer)
    return buffer.getvalue()


FILES = [
    ("prices.csv", b"sku,price\na,1.5\n", "text/csv", "csv"),
    ("prices.json", json.dumps([{"sku": "a", "price": 1.5}]).encode(), "application/json", "json"),
    ("prices.jsonl", b'{"sku": "a", "price": 1.5}\n', "application/x-ndjson", "jsonl"),
    ("prices.ndjson", b'{"sku": "a", "price": 1.5}\n', "application/octet-stream", "jsonl"),
    ("prices.xlsx", xlsx_bytes(), "application/octet-stream", "xlsx"),
    ("prices.parquet", parquet_bytes(), "application/octet-stream", "parquet"),
    ("export", b"sku,price\na,1.5\n", "text/csv", "csv"),
]


@pytest.mark.parametrize(("filename", "content", "content_type", "fmt"), FILES)
def test_each_source_format_is_accepted_and_stored_inside_the_uploads_folder(
    settings: Settings, filename: str, content: bytes, content_type: str, fmt: str
) -> None:
    with api_client(settings) as client:
        response = client.post("/api/uploads", files={"file": (filename, content, content_type)})
        assert response.status_code == 201, response.text
        body = response.json()
        assert (body["filename"], body["format"], body["size_bytes"]) == (filename, fmt, len(content))
        assert body["source"] == {"type": "upload", "upload_id": body["upload_id"]}
        assert response.headers["location"] == f"/api/uploads/{body['upload_id']}"
        stored = settings.uploads_dir / f"{body['upload_id']}.{fmt}"
        assert stored.read_bytes() == content
        assert client.get(f"/api/uploads/{body['upload_id']}").json() == body


def test_a_format_field_overrides_the_name(settings: Settings) -> None:
    with api_client(settings) as client:
        response = client.post(
            "/api/uploads",
            files={"file": ("data.txt", b'{"a": 1}\n', "text/plain")},
            data={"format": "jsonl"},
        )
    assert response.status_code == 201
    assert response.json()["format"] == "jsonl"


@pytest.mark.parametrize(
    ("filename", "stored_name"),
    [
        ("../../../etc/passwd.csv", "passwd.csv"),
        ("..\\..\\boot.ini.csv", "boot.ini.csv"),
        ("/abs/path/x.csv", "x.csv"),
        ("....csv", "csv"),
    ],
)
def test_path_traversal_in_an_upload_name_never_leaves_the_uploads_folder(
    settings: Settings, tmp_path: Path, filename: str, stored_name: str
) -> None:
    with api_client(settings) as client:
        response = client.post(
            "/api/uploads", files={"file": (filename, b"a\n1\n", "text/csv")}, data={"format": "csv"}
        )
    assert response.status_code == 201, response.text
    body = response.json()
    assert body["filename"] == stored_name
    files = [p for p in tmp_path.rglob("*") if p.is_file() and p.suffix == ".csv"]
    assert files == [settings.uploads_dir / f"{body['upload_id']}.csv"]


def test_an_upload_over_the_limit_gets_413_and_stores_nothing(settings: Settings) -> None:
    with api_client(settings, UPLOAD_MAX_BYTES=4096) as client:
        before = table_counts(settings)
        response = client.post(
            "/api/uploads", files={"file": ("big.csv", b"a\n" + b"1\n" * 4000, "text/csv")}
        )
        assert response.status_code == 413
        assert response.json()["error"]["code"] == "payload_too_large"
        assert table_counts(settings) == before
        assert not settings.uploads_dir.exists() or list(settings.uploads_dir.iterdir()) == []
        small = client.post("/api/uploads", files={"file": ("small.csv", b"a\n1\n", "text/csv")})
        assert small.status_code == 201


@pytest.mark.parametrize(
    ("filename", "content", "status", "code", "message"),
    [
        (
            "virus.exe",
            b"MZ\x90\x00",
            415,
            "unsupported_media_type",
            "upload CSV, JSON, JSONL, XLSX or Parquet",
        ),
        ("fake.xlsx", b"sku,price\n", 422, "validation_error", "ZIP archive"),
        ("fake.parquet", b"PAR1 not really", 422, "validation_error", "starts and ends with PAR1"),
        ("fake.json", b"sku,price", 422, "validation_error", "starts with '['"),
        ("binary.csv", b"\x00\x01\x02", 422, "validation_error", "binary data"),
        ("empty.csv", b"", 422, "validation_error", "the file is empty"),
    ],
)
def test_files_that_are_not_what_they_claim_are_refused_and_not_kept(
    settings: Settings, filename: str, content: bytes, status: int, code: str, message: str
) -> None:
    with api_client(settings) as client:
        before = table_counts(settings)
        response = client.post(
            "/api/uploads", files={"file": (filename, content, "application/octet-stream")}
        )
        assert response.status_code == status, response.text
        assert response.json()["error"]["code"] == code
        assert message in response.json()["error"]["message"]
        assert table_counts(settings) == before
    assert not settings.uploads_dir.exists() or list(settings.uploads_dir.iterdir()) == []


def test_a_request_without_a_file_is_a_validation_error(settings: Settings) -> None:
    with api_client(settings) as client:
        response = client.post("/api/uploads", data={"format": "csv"})
    assert response.status_code == 422
    assert response.json()["error"]["details"][0]["field"] == "body.file"


def test_uploads_are_listed_newest_first_and_deleted_with_their_file(settings: Settings) -> None:
    with api_client(settings) as client:
        ids = [
            client.post("/api/uploads", files={"file": (f"f{i}.csv", b"a\n1\n", "text/csv")}).json()[
                "upload_id"
            ]
            for i in range(3)
        ]
        first = client.get("/api/uploads", params={"limit": 2}).json()
        assert [u["upload_id"] for u in first["items"]] == ids[::-1][:2]
        rest = client.get("/api/uploads", params={"limit": 2, "cursor": first["next_cursor"]}).json()
        assert [u["upload_id"] for u in rest["items"]] == [ids[0]]
        assert client.delete(f"/api/uploads/{ids[0]}").status_code == 204
        assert not (settings.uploads_dir / f"{ids[0]}.csv").exists()
        assert client.get(f"/api/uploads/{ids[0]}").status_code == 404
        assert client.delete(f"/api/uploads/{ids[0]}").json()["error"]["code"] == "not_found"
