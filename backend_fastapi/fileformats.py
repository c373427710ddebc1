"""The file formats DataOps reads and writes: names, extensions, media types and a cheap sniff.

Light on purpose: the API checks uploads with it and serves exports with its media types; the
pipeline worker guesses the format of URL sources with it.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urlsplit

FORMATS = ("csv", "json", "jsonl", "xlsx", "parquet")
MEDIA_TYPES = {
    "csv": "text/csv; charset=utf-8",
    "json": "application/json",
    "jsonl": "application/x-ndjson",
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "parquet": "application/vnd.apache.parquet",
}
EXTENSIONS = {
    ".csv": "csv",
    ".json": "json",
    ".jsonl": "jsonl",
    ".ndjson": "jsonl",
    ".xlsx": "xlsx",
    ".parquet": "parquet",
    ".pq": "parquet",
}
CONTENT_TYPES = {
    "text/csv": "csv",
    "application/csv": "csv",
    "application/json": "json",
    "application/x-ndjson": "jsonl",
    "application/jsonl": "jsonl",
    "application/x-jsonlines": "jsonl",
    "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet": "xlsx",
    "application/vnd.apache.parquet": "parquet",
    "application/x-parquet": "parquet",
}
SNIFF_BYTES = 8192


def guess_format(name: str | None, content_type: str | None = None) -> str | None:
    """The format of a file from its name's (or URL's) extension, else from its Content-Type."""
    if name:
        path = urlsplit(name).path if "://" in name else name
        suffix = Path(path).suffix.lower()
        if suffix in EXTENSIONS:
            return EXTENSIONS[suffix]
    media = (content_type or "").split(";")[0].strip().lower()
    return CONTENT_TYPES.get(media)


def sniff_problem(fmt: str, head: bytes, tail: bytes) -> str | None:
    """Why the first and last bytes of a file do not fit `fmt`, or None when they do."""
    if not head:
        return "the file is empty"
    if fmt == "xlsx":
        return None if head.startswith(b"PK\x03\x04") else "an XLSX file is a ZIP archive, this is not one"
    if fmt == "parquet":
        ok = head.startswith(b"PAR1") and tail.endswith(b"PAR1")
        return None if ok else "a Parquet file starts and ends with PAR1, this one does not"
    if b"\x00" in head:
        return f"a {fmt.upper()} file is text, this one holds binary data"
    text = head.decode("utf-8", errors="ignore").lstrip("\ufeff \t\r\n")
    if fmt == "json" and not text.startswith(("[", "{")):
        return "a JSON file starts with '[' or '{'"
    if fmt == "jsonl" and not text.startswith("{"):
        return "a JSONL file has one JSON object per line, starting with '{'"
    return None
