"""Writing the result frame as CSV, JSON, JSONL, XLSX or Parquet, in slices of rows.

CSV and XLSX are inert in spreadsheets: XLSX text is written as strings, and CSV text that would run
as a formula is escaped by the rule the API's downloads use (`tabular.formula_escaped`), unless an
output asks for raw CSV (`escape_formulas: false`).

XLSX goes through xlsxwriter's constant-memory mode row by row: pandas' own Excel path keeps
every cell object of the sheet in memory (gigabytes for a large frame) and, in constant-memory
mode, writes cells column by column, which that mode silently drops.
"""

from __future__ import annotations

import csv
from collections.abc import Callable, Iterator
from datetime import date, datetime
from pathlib import Path
from typing import Any, Protocol, TypeAlias

import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from backend_fastapi.pipelines.frames import kind, to_json_lines
from backend_fastapi.tabular import formula_escaped, formula_escaped_column

WRITE_ROWS = 50_000
# Excel's sheet height, header row included; longer results continue on the next sheet.
XLSX_MAX_ROWS = 1_048_576
EXTENSIONS = {"csv": "csv", "json": "json", "jsonl": "jsonl", "xlsx": "xlsx", "parquet": "parquet"}


class Sliced(Protocol):
    """A result too large to hold at once (`pipelines.outofcore`): read again slice by slice."""

    columns: list[str]

    def __len__(self) -> int: ...

    def empty(self) -> pd.DataFrame:
        """No rows, the columns and their types."""
        ...

    def slices(self) -> Iterator[pd.DataFrame]:
        """The rows, in order, a slice at a time."""
        ...

    def arrow_types(self) -> dict[str, pa.DataType]:
        """Each column's Arrow type over all the rows (an empty frame's object column has none)."""
        ...


Rows: TypeAlias = pd.DataFrame | Sliced


def _slices(frame: Rows, rows: int = WRITE_ROWS) -> Iterator[pd.DataFrame]:
    parts = [frame] if isinstance(frame, pd.DataFrame) else frame.slices()
    for part in parts:
        for start in range(0, len(part), rows):
            yield part.iloc[start : start + rows]


def _empty(frame: Rows) -> pd.DataFrame:
    return frame.iloc[:0] if isinstance(frame, pd.DataFrame) else frame.empty()


def write_csv(frame: Rows, path: Path, *, escape_formulas: bool = True) -> None:
    """CSV with a header row, UTF-8, `\n` line ends; formulas escaped and text quoted unless raw."""
    if not escape_formulas:
        if isinstance(frame, pd.DataFrame):
            frame.to_csv(path, index=False, encoding="utf-8", lineterminator="\n", chunksize=WRITE_ROWS)
            return
        with path.open("w", encoding="utf-8", newline="") as fh:
            frame.empty().to_csv(fh, index=False, lineterminator="\n")
            for part in _slices(frame):
                part.to_csv(fh, index=False, header=False, lineterminator="\n")
        return
    # Only text can start a formula: numbers, booleans and dates are written as they are. A
    # result read again in slices is looked at slice by slice.
    whole = isinstance(frame, pd.DataFrame)
    text: list[int] = []
    if isinstance(frame, pd.DataFrame):
        text = [i for i, c in enumerate(frame.columns) if kind(frame[c]) in ("text", "mixed")]
    # QUOTE_NONNUMERIC quotes text and leaves numbers bare, as the API's CSV downloads do.
    options: dict[str, Any] = {"index": False, "lineterminator": "\n", "quoting": csv.QUOTE_NONNUMERIC}
    with path.open("w", encoding="utf-8", newline="") as fh:
        header = [formula_escaped(str(c)) for c in frame.columns]
        _empty(frame).to_csv(fh, header=header, **options)
        for part in _slices(frame):
            if not whole:
                text = [i for i in range(part.shape[1]) if kind(part.iloc[:, i]) in ("text", "mixed")]
            if text:
                part = part.copy(deep=False)
                for i in text:
                    part.isetitem(i, formula_escaped_column(part.iloc[:, i]))
            part.to_csv(fh, header=False, **options)


def write_jsonl(frame: Rows, path: Path) -> None:
    """One JSON object per line."""
    with path.open("w", encoding="utf-8") as fh:
        for part in _slices(frame):
            fh.write(to_json_lines(part))


def write_json(frame: Rows, path: Path) -> None:
    """A JSON array of objects, one per line, written slice by slice."""
    with path.open("w", encoding="utf-8") as fh:
        fh.write("[")
        separator = "\n"
        for part in _slices(frame):
            for line in to_json_lines(part).splitlines():
                fh.write(separator + line)
                separator = ",\n"
        fh.write("\n]\n")


def _arrow_safe(frame: pd.DataFrame) -> pd.DataFrame:
    """Columns mixing text and numbers become text: Parquet columns have one type."""
    out = frame
    for column in frame.columns:
        if kind(frame[column]) == "mixed":
            if out is frame:
                out = frame.copy(deep=False)
            out[column] = (
                frame[column].map(lambda v: v if v is None or isinstance(v, str) else str(v)).astype("str")
            )
    return out


def write_parquet(frame: Rows, path: Path) -> None:
    """Parquet through pyarrow (columns mixing text and numbers become text)."""
    if not isinstance(frame, pd.DataFrame):
        _write_parquet_slices(frame, path)
        return
    try:
        frame.to_parquet(path, index=False, engine="pyarrow")
    except (pa.ArrowInvalid, pa.ArrowTypeError, TypeError):
        _arrow_safe(frame).to_parquet(path, index=False, engine="pyarrow")


def _write_parquet_slices(frame: Sliced, path: Path) -> None:
    """One row group a slice, every slice in the first one's types."""
    schema = pa.Schema.from_pandas(_arrow_safe(frame.empty()), preserve_index=False)
    known = frame.arrow_types()
    for i, field in enumerate(schema):
        if pa.types.is_null(field.type) and field.name in known:
            schema = schema.set(i, field.with_type(known[field.name]))
    with pq.ParquetWriter(path, schema) as writer:
        for part in _slices(frame):
            table = pa.Table.from_pandas(_arrow_safe(part), preserve_index=False)
            writer.write_table(table.cast(schema))


def write_xlsx(frame: Rows, path: Path) -> None:
    """XLSX row by row in constant-memory mode; typed cells, text never read as formulas."""
    import xlsxwriter

    workbook = xlsxwriter.Workbook(
        str(path),
        {
            "constant_memory": True,
            "strings_to_numbers": False,
            "strings_to_formulas": False,
            "strings_to_urls": False,
            "nan_inf_to_errors": True,
            "remove_timezone": True,
        },
    )
    header = workbook.add_format({"bold": True})
    as_date = workbook.add_format({"num_format": "yyyy-mm-dd"})
    as_datetime = workbook.add_format({"num_format": "yyyy-mm-dd hh:mm:ss"})
    names = [str(c) for c in frame.columns]
    sheets = 0

    def new_sheet() -> Any:
        nonlocal sheets
        sheets += 1
        sheet = workbook.add_worksheet("data" if sheets == 1 else f"data {sheets}")
        for col, name in enumerate(names):
            sheet.write_string(0, col, name, header)
        return sheet

    sheet = new_sheet()
    row_number = 1
    for part in _slices(frame):
        values = part.astype(object).where(part.notna(), None)
        for row in values.itertuples(index=False, name=None):
            if row_number >= XLSX_MAX_ROWS:
                sheet = new_sheet()
                row_number = 1
            for col, value in enumerate(row):
                if value is None:
                    continue
                if isinstance(value, datetime):
                    sheet.write_datetime(row_number, col, value, as_datetime)
                elif isinstance(value, date):
                    sheet.write_datetime(row_number, col, value, as_date)
                elif isinstance(value, bool):
                    sheet.write_boolean(row_number, col, value)
                elif isinstance(value, (int, float)):
                    sheet.write_number(row_number, col, value)
                else:
                    sheet.write_string(row_number, col, str(value))
            row_number += 1
    workbook.close()


WRITERS: dict[str, Callable[[Rows, Path], None]] = {
    "csv": write_csv,
    "json": write_json,
    "jsonl": write_jsonl,
    "xlsx": write_xlsx,
    "parquet": write_parquet,
}


def write(frame: Rows, fmt: str, path: Path, *, escape_formulas: bool = True) -> None:
    """Write `frame` to `path` in `fmt` (through a temporary name, so readers never see half a file)."""
    partial = path.with_name(f".{path.name}.partial")
    if fmt == "csv":
        write_csv(frame, partial, escape_formulas=escape_formulas)
    else:
        WRITERS[fmt](frame, partial)
    partial.replace(path)
