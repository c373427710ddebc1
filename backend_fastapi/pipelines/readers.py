"""Reading a source file as chunks of rows, so big inputs never sit in memory twice.

Every reader yields DataFrames (at least one, possibly empty, so the columns are known even
without rows); their index is the row number in the source. A caller that keeps every row
(`whole`) gets a CSV up to WHOLE_FILE_BYTES in chunks typed as the whole file is, and a Parquet
file up to that size as one frame decoded on Arrow's threads. Larger ones, out-of-core runs and
the other formats come in chunks of at most `chunk_rows` rows as they are read: CSV through
pandas' chunked parser (each chunk typed by itself), JSONL line by line, a JSON array element by
element, XLSX through openpyxl's read-only mode and Parquet by row group batches.
JSON stays with DataOps' own reader: nested values are flattened by `tabular.record_row`, which
Arrow's JSON reader (structs, lists, per-block types) would type differently.
"""

from __future__ import annotations

import json
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from backend_fastapi.pipelines.errors import SourceUnreadable
from backend_fastapi.pipelines.frames import DATE_DTYPE, concat_rows, release_memory, unique_names
from backend_fastapi.tabular import record_row

JSON_BLOCK = 1 << 20
Chunks = Iterator[pd.DataFrame]


# A file up to this size is typed as a whole when the caller keeps every row anyway (the
# in-memory path). pandas' C parser is the CSV reader: on 2 cores it read the 1M-row bench CSV in
# chunks in 0.23 s at +135 MB peak, where Arrow's multi-threaded reader took 0.21 s (+282 MB) and
# its streaming reader, with the conversion to pandas, 0.79 s (docs/pipelines.md).
WHOLE_FILE_BYTES = 256 << 20


def _csv_encoding(options: dict[str, Any]) -> str:
    encoding = str(options.get("encoding") or "utf-8")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return "utf-8-sig"  # a byte order mark would otherwise stick to the first column's name
    return encoding


def _typed_alike(path: Path, kwargs: dict[str, Any], chunk_rows: int) -> Chunks:
    """Every chunk of the CSV, typed as the whole file is.

    pandas' parser reading a whole file at once holds about twice the frame while it builds it
    (the 1M-row bench file: +231 MB for a 120 MB frame, in 0.12 s); in chunks it holds the chunks
    (+135 MB, in 0.23 s). Each chunk is typed by itself, so their types are made the whole file's
    (`reconciled`), and where only the whole file can tell (numbers in one chunk, text in
    another) it is read again in one piece. The chunks are handed on one by one, each dropped
    here once taken.
    """
    with pd.read_csv(path, chunksize=chunk_rows, low_memory=False, **kwargs) as reader:
        chunks = list(reader)
    if reconciled(chunks):
        chunks.reverse()
        while chunks:
            yield chunks.pop()
        return
    chunks.clear()
    release_memory()
    yield pd.read_csv(path, low_memory=False, **kwargs)


def reconciled(chunks: list[pd.DataFrame]) -> bool:
    """Give chunks parsed one by one the column types the whole file's parse gives; False where
    that takes reading the file again. A chunk without a value in a column has it as floats: beside
    text it becomes text, beside booleans all of them become objects (as the whole file's parse of
    booleans with gaps); whole numbers beside decimals or gaps become floats when put together."""
    if len(chunks) < 2:
        return True
    for column in range(chunks[0].shape[1]):
        dtypes = [chunk.dtypes.iloc[column] for chunk in chunks]
        if all(dtype == dtypes[0] for dtype in dtypes):
            continue
        valued = [bool(chunk.iloc[:, column].notna().any()) for chunk in chunks]
        present = {dtype for dtype, has in zip(dtypes, valued, strict=True) if has}
        if all(pd.api.types.is_integer_dtype(d) or pd.api.types.is_float_dtype(d) for d in present):
            continue
        if len(present) != 1:
            return False
        (kind,) = present
        if pd.api.types.is_bool_dtype(kind):
            target: Any = object
        elif isinstance(kind, pd.StringDtype):
            target = kind
        else:
            return False
        for chunk, has in zip(chunks, valued, strict=True):
            if not has or target is object:
                chunk.isetitem(column, chunk.iloc[:, column].astype(target))
    return True


def _streamed_csv(path: Path, kwargs: dict[str, Any], chunk_rows: int, nrows: int | None) -> Chunks:
    """The CSV's chunks as they are read, each typed as one piece (the parser's own blocks are
    smaller than a chunk)."""
    with pd.read_csv(path, chunksize=chunk_rows, nrows=nrows, low_memory=False, **kwargs) as reader:
        yield from reader


def _csv(path: Path, options: dict[str, Any], chunk_rows: int, nrows: int | None, whole: bool) -> Chunks:
    kwargs: dict[str, Any] = {
        "sep": options.get("delimiter") or ",",
        "encoding": _csv_encoding(options),
        "dtype": None if options.get("infer_types", True) else "str",
    }
    if whole and nrows is None and path.stat().st_size <= WHOLE_FILE_BYTES:
        chunks = _typed_alike(path, kwargs, chunk_rows)
    else:
        chunks = _streamed_csv(path, kwargs, chunk_rows, nrows)
    yielded = False
    try:
        for chunk in chunks:
            yielded = True
            yield chunk
    except pd.errors.EmptyDataError:
        return
    if not yielded:
        yield pd.read_csv(path, nrows=0, **kwargs)


def _frames(records: Iterator[Any], chunk_rows: int, nrows: int | None) -> Chunks:
    rows: list[dict[str, Any]] = []
    seen = 0
    for value in records:
        if nrows is not None and seen >= nrows:
            break
        rows.append(record_row(value))
        seen += 1
        if len(rows) >= chunk_rows:
            yield pd.DataFrame(rows)
            rows = []
    if rows:
        yield pd.DataFrame(rows)


def _json_lines(path: Path) -> Iterator[Any]:
    with path.open("rb") as fh:
        for number, line in enumerate(fh, 1):
            if line.strip():
                try:
                    yield orjson.loads(line)
                except orjson.JSONDecodeError as exc:
                    raise SourceUnreadable(f"line {number} is not JSON: {exc}") from exc


def _json_array(fh: Any, buffer: str, pos: int) -> Iterator[Any]:
    """Elements of a JSON array one by one, reading the file in blocks."""
    decoder = json.JSONDecoder()
    while True:
        while pos < len(buffer) and buffer[pos] in " \t\r\n,":
            pos += 1
        if pos >= len(buffer):
            more = fh.read(JSON_BLOCK)
            if not more:
                raise SourceUnreadable("the JSON array is not closed with ']'")
            buffer, pos = more, 0
            continue
        if buffer[pos] == "]":
            return
        try:
            value, end = decoder.raw_decode(buffer, pos)
        except json.JSONDecodeError as exc:
            more = fh.read(JSON_BLOCK)
            if not more:
                raise SourceUnreadable(f"invalid JSON: {exc}") from exc
            buffer, pos = buffer[pos:] + more, 0
            continue
        if end >= len(buffer):
            # A number at the very end of the buffer may continue in the next block.
            more = fh.read(JSON_BLOCK)
            if more:
                buffer, pos = buffer[pos:] + more, 0
                continue
        yield value
        pos = end
        if pos > JSON_BLOCK:
            buffer, pos = buffer[pos:], 0


def _records_in(document: Any, path: str | None) -> list[Any]:
    """The list of records inside a JSON document: at `records_path`, else the only list of objects."""
    if path:
        node = document
        for key in path.split("."):
            if not isinstance(node, dict) or key not in node:
                raise SourceUnreadable(f"records_path {path!r} does not exist in the JSON document")
            node = node[key]
        document = node
    if isinstance(document, list):
        return document
    if isinstance(document, dict):
        lists = [v for v in document.values() if isinstance(v, list) and v and isinstance(v[0], dict)]
        return lists[0] if len(lists) == 1 else [document]
    return [document]


def _json(path: Path, options: dict[str, Any]) -> Iterator[Any]:
    with path.open("r", encoding="utf-8-sig") as fh:
        buffer = fh.read(JSON_BLOCK)
        stripped = buffer.lstrip()
        if stripped.startswith("[") and not options.get("records_path"):
            yield from _json_array(fh, stripped, 1)
            return
        text = buffer + fh.read()
    try:
        document = orjson.loads(text)
    except orjson.JSONDecodeError as exc:
        raise SourceUnreadable(f"invalid JSON: {exc}") from exc
    yield from _records_in(document, options.get("records_path"))


def _xlsx(path: Path, options: dict[str, Any], chunk_rows: int, nrows: int | None) -> Chunks:
    import openpyxl

    try:
        workbook = openpyxl.load_workbook(path, read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, OSError) as exc:
        raise SourceUnreadable(f"not a readable XLSX file: {exc}") from exc
    try:
        sheet_ref = options.get("sheet")
        if sheet_ref is None:
            sheet = workbook.worksheets[0]
        elif isinstance(sheet_ref, int):
            if not 0 <= sheet_ref < len(workbook.worksheets):
                raise SourceUnreadable(
                    f"the workbook has no sheet {sheet_ref} (it has {len(workbook.worksheets)})"
                )
            sheet = workbook.worksheets[sheet_ref]
        elif sheet_ref in workbook.sheetnames:
            sheet = workbook[sheet_ref]
        else:
            raise SourceUnreadable(f"no sheet {sheet_ref!r}; the sheets are {workbook.sheetnames}")
        rows = sheet.iter_rows(values_only=True)
        header = next(rows, None)
        if header is None:
            return
        names = unique_names(header)
        width = len(names)
        batch: list[tuple[Any, ...]] = []
        seen = 0
        for row in rows:
            if nrows is not None and seen >= nrows:
                break
            if all(v is None for v in row):
                continue
            batch.append(tuple(row[:width]) + (None,) * (width - len(row)))
            seen += 1
            if len(batch) >= chunk_rows:
                yield pd.DataFrame(batch, columns=names)
                batch = []
        yield pd.DataFrame(batch, columns=names)
    finally:
        workbook.close()


def _parquet(path: Path, chunk_rows: int, nrows: int | None, whole: bool) -> Chunks:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceUnreadable(f"not a readable Parquet file: {exc}") from exc
    dates = {pa.date32(): DATE_DTYPE}
    metadata = parquet.metadata
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if whole and nrows is None and metadata.num_rows and size <= WHOLE_FILE_BYTES:
        # Row groups decoded on Arrow's threads, and one frame instead of chunks to concatenate.
        table = parquet.read(use_threads=True)
        yield table.to_pandas(types_mapper=dates.get, split_blocks=True, self_destruct=True)
        return
    seen = 0
    yielded = False
    for batch in parquet.iter_batches(batch_size=chunk_rows):
        frame = batch.to_pandas(types_mapper=dates.get)
        if nrows is not None:
            frame = frame.head(nrows - seen)
        seen += len(frame)
        yielded = True
        yield frame
        if nrows is not None and seen >= nrows:
            return
    if not yielded:
        yield parquet.schema_arrow.empty_table().to_pandas(types_mapper=dates.get)


def read_chunks(
    source: dict[str, Any], chunk_rows: int, nrows: int | None = None, *, whole: bool = False
) -> Chunks:
    """The rows of a materialised source (`{"path", "format", "options", "label"}`) in chunks.

    `whole`: the caller keeps every row, so a CSV or Parquet file up to WHOLE_FILE_BYTES comes as
    one frame (faster, and typed by the whole file); else chunks of at most `chunk_rows` rows.
    """
    path = Path(source["path"])
    fmt = source["format"]
    options = source.get("options") or {}
    if fmt == "csv":
        chunks = _csv(path, options, chunk_rows, nrows, whole)
    elif fmt == "jsonl":
        chunks = _frames(_json_lines(path), chunk_rows, nrows)
    elif fmt == "json":
        chunks = _frames(_json(path, options), chunk_rows, nrows)
    elif fmt == "xlsx":
        chunks = _xlsx(path, options, chunk_rows, nrows)
    elif fmt == "parquet":
        chunks = _parquet(path, chunk_rows, nrows, whole)
    else:
        raise SourceUnreadable(f"unknown format {fmt!r}")
    label = source.get("label") or fmt
    offset = 0
    yielded = False
    try:
        for chunk in chunks:
            chunk.columns = unique_names(chunk.columns)
            chunk.index = pd.RangeIndex(offset, offset + len(chunk))
            offset += len(chunk)
            yielded = True
            yield chunk
    except SourceUnreadable as exc:
        raise SourceUnreadable(f"{label}: {exc.message}") from exc
    except (ValueError, UnicodeDecodeError, pd.errors.ParserError, pa.ArrowException, OSError) as exc:
        hint = " (set 'encoding' or 'delimiter')" if fmt == "csv" else ""
        raise SourceUnreadable(f"{label}: cannot read it as {fmt}: {exc}{hint}") from exc
    if not yielded:
        yield pd.DataFrame()


def read_all(source: dict[str, Any], chunk_rows: int) -> pd.DataFrame:
    """Every row of a source as one frame (the other side of a join or append)."""
    return concat_rows(list(read_chunks(source, chunk_rows, whole=True)))
