"""Records (JSON objects) as rows of a table, and text made inert for spreadsheets.

The flattening is what CSV and XLSX downloads share; the formula escape is what every CSV the
service writes shares (result downloads in the API, pipeline exports in the worker), so it lives
here, in a module without pandas that still works on a pandas column at once.
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from typing import Any

import orjson

# A spreadsheet runs a cell starting with one of these as a formula (OWASP, "CSV injection").
FORMULA_TRIGGERS = frozenset("=+-@\t\r")
# Both patterns run in Python and, on pandas text columns, in pyarrow's RE2: plain syntax only.
_TRIGGER = r"[=+\-@\t\r]"
# Text that is just a signed number (`-5`, `+3.25`, `-1e-7`) is left alone: a spreadsheet reads
# it as that number and runs nothing; `-5+3` or `-A1` are not plain numbers and get escaped.
_PLAIN_NUMBER = r"[+-]?(?:[0-9]+(?:\.[0-9]*)?|\.[0-9]+)(?:[eE][+-]?[0-9]+)?"
_PLAIN_NUMBER_RE = re.compile(_PLAIN_NUMBER)


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


def formula_escaped(text: str) -> str:
    """`=1+2` -> `'=1+2`: text a spreadsheet would run starts with a quote; `-5` stays a number."""
    if text[:1] in FORMULA_TRIGGERS and not _PLAIN_NUMBER_RE.fullmatch(text):
        return "'" + text
    return text


def formula_escaped_column(column: Any) -> Any:
    """`formula_escaped` over a whole pandas Series at once; cells that are not text are kept."""
    try:
        starts = column.str.match(_TRIGGER, na=False).to_numpy(dtype=bool)
    except AttributeError:  # not a column of text (the `.str` accessor refuses it): nothing to run
        return column
    if not starts.any():
        return column
    # Only the few cells that start with a trigger are checked for being a plain number.
    candidates = column[starts]
    plain = candidates.str.fullmatch(_PLAIN_NUMBER, na=False).to_numpy(dtype=bool)
    if plain.all():
        return column
    escaped = starts.copy()
    escaped[starts] = ~plain
    out = column.copy()
    out[escaped] = "'" + column[escaped]
    return out
