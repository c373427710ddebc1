"""Reading a source file as chunks of rows, so big inputs never sit in memory twice.

Every reader yields DataFrames (at least one, possibly empty, so the columns are known even
without rows); their index is the row number in the source. A CSV up to ARROW_WHOLE_BYTES is
read by Arrow's streaming reader (its blocks parsed on Arrow's threads, typed as pandas would type
the whole file) and handed on in frames of `chunk_rows`, each batch freed once converted (text
stays in Arrow's buffers); a Parquet file up to that size comes as one frame. Larger ones, and
the other formats, come in chunks of at most `chunk_rows` rows: CSV through pandas' chunked
parser, JSONL line by line, a JSON array element by element, XLSX through openpyxl's read-only
mode and Parquet by row group batches.
JSON stays with DataOps' own reader: nested values are flattened by `tabular.record_row`, which
Arrow's JSON reader (structs, lists, per-block types) would type differently.
"""

from __future__ import annotations

import json
import mmap
import zipfile
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import orjson
import pandas as pd
import pyarrow as pa
import pyarrow.csv as pacsv
import pyarrow.parquet as pq

from backend_fastapi.pipelines.errors import SourceUnreadable
from backend_fastapi.pipelines.frames import DATE_DTYPE, release_memory, unique_names
from backend_fastapi.tabular import record_row

JSON_BLOCK = 1 << 20
Chunks = Iterator[pd.DataFrame]


# What pandas' CSV parser reads as missing and as booleans: Arrow's reader is given the same lists,
# so a column is read as the same values whichever parser reads it.
PANDAS_NULLS = [
    "", "#N/A", "#N/A N/A", "#NA", "-1.#IND", "-1.#QNAN", "-NaN", "-nan", "1.#IND", "1.#QNAN",
    "<NA>", "N/A", "NA", "NULL", "NaN", "None", "n/a", "nan", "null",
]  # fmt: skip
PANDAS_TRUE = ["True", "TRUE", "true"]
PANDAS_FALSE = ["False", "FALSE", "false"]
ARROW_BLOCK = 1 << 20
# A CSV up to this size is read whole by Arrow (its threads share the parsing, and the frame is
# made once); a larger one streams through pandas' chunked parser so that leading `select` or
# `filter` steps can shrink it while it is read.
ARROW_WHOLE_BYTES = 256 << 20


def _csv_encoding(options: dict[str, Any]) -> str:
    encoding = str(options.get("encoding") or "utf-8")
    if encoding.lower().replace("_", "-") in ("utf-8", "utf8"):
        return "utf-8-sig"  # a byte order mark would otherwise stick to the first column's name
    return encoding


def _quoted(path: Path) -> bool:
    """Whether the file has a quote at all: without one no value can hold a line break, and Arrow
    splits the file between its threads at any line break (half again as fast)."""
    if path.stat().st_size == 0:
        return False
    with path.open("rb") as fh, mmap.mmap(fh.fileno(), 0, access=mmap.ACCESS_READ) as mapped:
        return mapped.find(b'"') >= 0


def _arrow_csv_options(path: Path, options: dict[str, Any]) -> tuple[Any, Any, Any] | None:
    """Arrow's CSV reader options matching pandas' defaults, or None where only pandas reads it."""
    delimiter = options.get("delimiter") or ","
    encoding = _csv_encoding(options)
    if len(delimiter) != 1 or not options.get("infer_types", True):
        return None
    read = pacsv.ReadOptions(block_size=ARROW_BLOCK, encoding="utf8" if encoding == "utf-8-sig" else encoding)
    parse = pacsv.ParseOptions(delimiter=delimiter, newlines_in_values=_quoted(path))
    convert = pacsv.ConvertOptions(
        null_values=PANDAS_NULLS,
        true_values=PANDAS_TRUE,
        false_values=PANDAS_FALSE,
        strings_can_be_null=True,
        quoted_strings_can_be_null=True,
    )
    return read, parse, convert


def _temporal(schema: pa.Schema) -> list[str]:
    return [f.name for f in schema if pa.types.is_temporal(f.type)]


def arrow_csv(path: Path, options: dict[str, Any]) -> pa.Table | None:
    """The whole CSV through Arrow's multi-threaded reader, typed as pandas would type it; None
    when a feature only pandas' parser has is needed (the caller reads it with pandas then).

    Arrow reads dates and times as such where pandas keeps the text: those columns are read as
    text (found on the first block, then on the whole file if a later block made one).
    """
    arrow_options = _arrow_csv_options(path, options)
    if arrow_options is None:
        return None
    read, parse, convert = arrow_options
    try:
        with pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert) as head:
            first = head.schema
        for attempt in (1, 2):
            texts = {name: pa.string() for name in _temporal(first)}
            convert.column_types = texts
            table = pacsv.read_csv(path, read_options=read, parse_options=parse, convert_options=convert)
            if not _temporal(table.schema) or attempt == 2:
                break
            first = table.schema
        if any(pa.types.is_binary(field.type) for field in table.schema):
            return None  # not in the encoding: pandas' parser says so (and suggests 'encoding')
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        return None  # rows of uneven width, say: pandas reads those (and names its errors better)
    finally:
        release_memory()  # the parser's per-thread buffers, many times the table's size
    return table


def arrow_csv_batches(path: Path, options: dict[str, Any]) -> tuple[pa.Schema, list[pa.RecordBatch]] | None:
    """The CSV as Arrow record batches, typed as pandas would type it; None where only pandas
    reads it (as `arrow_csv`).

    Arrow's streaming reader types every column by the file's first block and parses the blocks
    one after another, so reading never holds much more than the batches themselves (the whole
    read, typing the file as a whole, holds several times the table while it parses). A later block
    that does not fit those types (a column of whole numbers that turns to decimals, say) makes it
    read the file whole instead, so the types are always the whole file's.
    """
    arrow_options = _arrow_csv_options(path, options)
    if arrow_options is None:
        return None
    read, parse, convert = arrow_options
    batches: list[pa.RecordBatch] = []
    try:
        reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        temporal = _temporal(reader.schema)
        if temporal:  # pandas keeps dates and times as text: the file is read again, those as text
            reader.close()
            convert.column_types = {name: pa.string() for name in temporal}
            reader = pacsv.open_csv(path, read_options=read, parse_options=parse, convert_options=convert)
        with reader:
            schema = reader.schema
            if any(pa.types.is_binary(field.type) for field in schema):
                return None  # not in the encoding: pandas' parser says so
            batches.extend(reader)
    except (pa.ArrowInvalid, pa.ArrowNotImplementedError):
        batches.clear()
        release_memory()
        table = arrow_csv(path, options)
        return None if table is None else (table.schema, table.to_batches())
    finally:
        release_memory()
    return schema, batches


def _batch_frames(schema: pa.Schema, batches: list[pa.RecordBatch], chunk_rows: int) -> Chunks:
    """Frames of `chunk_rows` rows (the last one may have fewer) from `batches`, each batch's
    buffers freed once converted: the list is emptied as it goes."""
    if not batches:
        yield _to_pandas(schema.empty_table())
        return
    batches.reverse()
    while batches:
        group: list[pa.RecordBatch] = []
        rows = 0
        while batches and rows < chunk_rows:
            batch = batches.pop()
            wanted = chunk_rows - rows
            if batch.num_rows > wanted:  # the rest waits for the next frame (a slice copies nothing)
                batches.append(batch.slice(wanted))
                batch = batch.slice(0, wanted)
            group.append(batch)
            rows += batch.num_rows
        del batch
        table = pa.Table.from_batches(group, schema)
        del group
        yield _to_pandas(table)


def _csv(path: Path, options: dict[str, Any], chunk_rows: int, nrows: int | None) -> Chunks:
    if nrows is None:
        read = arrow_csv_batches(path, options) if path.stat().st_size <= ARROW_WHOLE_BYTES else None
        if read is not None:
            # Frames of `chunk_rows`, so that streamed steps' temporaries stay small; their text
            # stays in Arrow's buffers (pandas' concatenation of Arrow text copies nothing).
            yield from _batch_frames(*read, chunk_rows)
            return
    kwargs: dict[str, Any] = {
        "sep": options.get("delimiter") or ",",
        "encoding": _csv_encoding(options),
        "dtype": None if options.get("infer_types", True) else "str",
    }
    try:
        with pd.read_csv(path, chunksize=chunk_rows, nrows=nrows, **kwargs) as reader:
            yielded = False
            for chunk in reader:
                yielded = True
                yield chunk
    except pd.errors.EmptyDataError:
        return
    if not yielded:
        yield pd.read_csv(path, nrows=0, **kwargs)


def _to_pandas(table: pa.Table, *, destroy: bool = True) -> pd.DataFrame:
    """An Arrow table as the frame pandas' own parser makes: a column with rows but no value is
    float NaN, a blank header is `Unnamed: <n>`."""
    for index, field in enumerate(table.schema):
        if pa.types.is_null(field.type) and table.num_rows:
            table = table.set_column(index, field.name, table.column(index).cast(pa.float64()))
    # `destroy`: column by column, each Arrow buffer freed once converted (text stays in Arrow's
    # buffers); a slice shares its buffers with its table, which outlives it.
    dates = {pa.date32(): DATE_DTYPE}.get
    frame = table.to_pandas(types_mapper=dates, split_blocks=True, self_destruct=destroy)
    del table
    frame.columns = [name if name != "" else f"Unnamed: {i}" for i, name in enumerate(frame.columns)]
    return frame


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


def _parquet(path: Path, chunk_rows: int, nrows: int | None) -> Chunks:
    try:
        parquet = pq.ParquetFile(path)
    except (pa.ArrowInvalid, OSError) as exc:
        raise SourceUnreadable(f"not a readable Parquet file: {exc}") from exc
    dates = {pa.date32(): DATE_DTYPE}
    metadata = parquet.metadata
    size = sum(metadata.row_group(i).total_byte_size for i in range(metadata.num_row_groups))
    if nrows is None and metadata.num_rows and size <= ARROW_WHOLE_BYTES:
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


def read_chunks(source: dict[str, Any], chunk_rows: int, nrows: int | None = None) -> Chunks:
    """The rows of a materialised source (`{"path", "format", "options", "label"}`) in chunks."""
    path = Path(source["path"])
    fmt = source["format"]
    options = source.get("options") or {}
    if fmt == "csv":
        chunks = _csv(path, options, chunk_rows, nrows)
    elif fmt == "jsonl":
        chunks = _frames(_json_lines(path), chunk_rows, nrows)
    elif fmt == "json":
        chunks = _frames(_json(path, options), chunk_rows, nrows)
    elif fmt == "xlsx":
        chunks = _xlsx(path, options, chunk_rows, nrows)
    elif fmt == "parquet":
        chunks = _parquet(path, chunk_rows, nrows)
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
    chunks = list(read_chunks(source, chunk_rows))
    return chunks[0] if len(chunks) == 1 else pd.concat(chunks)
