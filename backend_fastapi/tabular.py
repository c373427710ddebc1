"""Records (JSON objects) as rows of a table: the flattening that CSV and XLSX downloads share."""

from __future__ import annotations

from collections.abc import Iterable
from typing import Any

import orjson


def flatten(record: dict[str, Any], prefix: str = "") -> dict[str, Any]:
    """Nested objects become dotted columns; lists become JSON text (one cell each)."""
    row: dict[str, Any] = {}
    for key, value in record.items():
        name = f"{prefix}{key}"
        if isinstance(value, dict):
            row.update(flatten(value, f"{name}."))
        elif isinstance(value, list):
            row[name] = orjson.dumps(value).decode()
        else:
            row[name] = value
    return row


def record_row(record: Any) -> dict[str, Any]:
    """One table row; a crawl record's `data` fields stand beside its `url`, not under `data.`."""
    if not isinstance(record, dict):
        return {"value": record}
    data = record.get("data")
    if isinstance(data, dict) and set(record) <= {"url", "data", "error"}:
        outer = {k: v for k, v in record.items() if k != "data"}
        return {**flatten(outer), **{k: v for k, v in flatten(data).items() if k not in outer}}
    return flatten(record)


def columns_of(rows: Iterable[dict[str, Any]]) -> list[str]:
    """Every column, in order of first appearance."""
    seen: dict[str, None] = {}
    for row in rows:
        for key in row:
            seen.setdefault(key, None)
    return list(seen)
