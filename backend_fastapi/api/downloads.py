"""Download a job's records (or any paged rows, such as a monitor's changes) as CSV, JSON, JSONL or
XLSX, streamed page by page.

Spreadsheet formats are inert: XLSX text cells are always strings, and CSV text that a spreadsheet
would run as a formula is escaped unless the caller asks for raw CSV (`escape_formulas=false`).
"""

from __future__ import annotations

import csv
import io
import os
import tempfile
from collections.abc import AsyncIterator, Callable
from typing import Any, Literal

import orjson
from fastapi.responses import FileResponse, StreamingResponse
from starlette.background import BackgroundTask

from backend_fastapi.store import record_rows
from backend_fastapi.store.engine import Database
from backend_fastapi.store.rows import JsonObject
from backend_fastapi.tabular import columns_of, formula_escaped, record_row

DownloadFormat = Literal["csv", "json", "jsonl", "xlsx"]
PAGE = 1000
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
}


async def _pages(db: Database, job_id: str, attempt: int) -> AsyncIterator[list[JsonObject]]:
    offset = 0
    while True:
        async with db.read() as conn:
            page = await record_rows.page_records(conn, job_id, attempt, offset, PAGE)
        if not page:
            return
        yield page
        offset += len(page)


# Each call starts the pages again from the first (a CSV reads them twice: columns, then rows).
Pages = Callable[[], AsyncIterator[list[JsonObject]]]


async def _columns(pages: Pages) -> list[str]:
    seen: dict[str, None] = {}
    async for page in pages():
        for column in columns_of(record_row(r) for r in page):
            seen.setdefault(column, None)
    return list(seen)


def _cell(value: Any) -> Any:
    if value is None or isinstance(value, (str, int, float)):
        return value
    return orjson.dumps(value).decode()


async def download_records(
    db: Database,
    job_id: str,
    attempt: int,
    fmt: DownloadFormat,
    filename: str,
    *,
    escape_formulas: bool = True,
) -> StreamingResponse | FileResponse:
    """The records as a file; `escape_formulas` (CSV only) neutralises cells a spreadsheet would run."""
    return await download_pages(
        lambda: _pages(db, job_id, attempt), fmt, filename, escape_formulas=escape_formulas
    )


async def download_pages(
    pages: Pages, fmt: DownloadFormat, filename: str, *, escape_formulas: bool = True
) -> StreamingResponse | FileResponse:
    """Paged rows as a file (`record_row` flattens each: `data` keys become columns)."""
    headers = {"Content-Disposition": f'attachment; filename="{filename}.{fmt}"'}
    if fmt == "xlsx":
        return await _xlsx(pages, f"{filename}.xlsx")
    if fmt == "jsonl":
        body = _jsonl(pages)
    elif fmt == "json":
        body = _json(pages)
    else:
        columns = await _columns(pages)
        body = _csv(pages, columns, escape_formulas=escape_formulas)
    return StreamingResponse(body, media_type=MEDIA_TYPES[fmt], headers=headers)


async def _jsonl(pages: Pages) -> AsyncIterator[bytes]:
    async for page in pages():
        yield b"".join(orjson.dumps(r) + b"\n" for r in page)


async def _json(pages: Pages) -> AsyncIterator[bytes]:
    yield b"["
    first = True
    async for page in pages():
        chunk = b",".join(orjson.dumps(r) for r in page)
        yield chunk if first else b"," + chunk
        first = False
    yield b"]"


def _csv_cell(value: Any) -> Any:
    value = _cell(value)
    return formula_escaped(value) if isinstance(value, str) else value


async def _csv(pages: Pages, columns: list[str], *, escape_formulas: bool) -> AsyncIterator[bytes]:
    buffer = io.StringIO()
    columns = columns or ["value"]
    if escape_formulas:
        # Text cells are quoted too (numbers stay bare): a spreadsheet that splits on `;` or tabs
        # cannot cut a quoted cell into a new one that starts with `=`.
        writer = csv.writer(buffer, quoting=csv.QUOTE_NONNUMERIC)
        cell = _csv_cell
    else:
        writer = csv.writer(buffer)
        cell = _cell
    writer.writerow([cell(name) for name in columns])
    async for page in pages():
        for record in page:
            row = record_row(record)
            writer.writerow([cell(row.get(name)) for name in columns])
        yield buffer.getvalue().encode()
        buffer.seek(0)
        buffer.truncate()
    if buffer.tell():
        yield buffer.getvalue().encode()


async def _xlsx(pages: Pages, filename: str) -> FileResponse:
    import xlsxwriter  # light, pure Python; only downloads of XLSX load it

    columns = await _columns(pages)
    fd, path = tempfile.mkstemp(suffix=".xlsx")
    os.close(fd)
    # constant_memory streams rows to disk: memory stays flat however many records there are.
    # Text is written as text: never a formula (`=HYPERLINK(...)`), never a live link (a scraped
    # `external:` or `file://` string would open local files), never a number.
    options = {"strings_to_formulas": False, "strings_to_urls": False, "strings_to_numbers": False}
    workbook = xlsxwriter.Workbook(path, {"constant_memory": True, **options})
    sheet = workbook.add_worksheet("records")
    for col, name in enumerate(columns):
        sheet.write_string(0, col, name)
    row_index = 1
    async for page in pages():
        for record in page:
            row = record_row(record)
            for col, name in enumerate(columns):
                value = _cell(row.get(name))
                if isinstance(value, str):
                    sheet.write_string(row_index, col, value)
                elif value is not None:
                    sheet.write(row_index, col, value)
            row_index += 1
    workbook.close()
    return FileResponse(
        path,
        media_type=MEDIA_TYPES["xlsx"],
        filename=filename,
        background=BackgroundTask(os.unlink, path),
    )
