"""Small facts about pandas columns that every step needs: what kind of values, which are missing."""

from __future__ import annotations

import contextlib
import ctypes
import sys
from collections.abc import Iterable
from typing import Any, Literal

import numpy as np
import orjson
import pandas as pd
import pyarrow as pa

from backend_fastapi.pipelines.errors import StepError

Kind = Literal["text", "number", "bool", "datetime", "date", "mixed", "empty"]
DATE_DTYPE = pd.ArrowDtype(pa.date32())
SAMPLE_TEXT_LIMIT = 200


def release_memory() -> None:
    """Hand freed heap memory back to the system (glibc keeps it otherwise), so the process's
    resident size, which the memory limit watches, follows what it really holds."""
    if sys.platform.startswith("linux"):
        with contextlib.suppress(OSError, AttributeError):
            ctypes.CDLL("libc.so.6").malloc_trim(0)


TAKE_APART_BYTES = 32 << 20


def keep_rows(frame: pd.DataFrame, keep: np.ndarray | pd.Series, *, consume: bool) -> pd.DataFrame:
    """The rows of `frame` where `keep` is true. With `consume` the caller gives `frame` up: its
    columns go one by one as their kept rows are copied, each handed back to the system at once, so
    the input and the result are never both whole in memory (the 1M-row benchmark's run peaked
    ~60 MB lower, for ~0.1 s a step; without handing each back, no lower at all). Frames under
    TAKE_APART_BYTES are copied whole: handing memory back costs a small run more than it saves."""
    if not consume or not frame.columns.is_unique or frame.shape[1] < 2:
        return frame[keep]
    if int(frame.memory_usage(index=False).sum()) < TAKE_APART_BYTES:
        return frame[keep]
    mask = np.asarray(keep, dtype=bool)
    # One index for every column: a column filtered as a Series gets an index of its own (the kept
    # row numbers, 8 bytes a row), ten columns' worth of them on a ten-column frame.
    index = frame.index[mask]
    columns: list[pd.Series] = []
    for name in list(frame.columns):
        columns.append(pd.Series(frame[name].array[mask], index=index, name=name, copy=False))
        del frame[name]
        release_memory()
    return pd.concat(columns, axis=1)


def concat_rows(parts: list[pd.DataFrame]) -> pd.DataFrame:
    """The parts one under the other, as `pd.concat(parts)` puts them, emptying `parts` column by
    column: `pd.concat` holds the parts and the result whole at once, twice the frame (the 1M-row
    bench's run peaked there). Columns of one type share a block in each part, so they are taken
    one after another and each block is handed back once its last column is gone."""
    if len(parts) == 1:
        return parts.pop()
    names = list(parts[0].columns) if parts else []
    alike = all(list(p.columns) == names for p in parts) and len(set(names)) == len(names)
    if len(parts) < 2 or not alike or not names:
        whole = pd.concat(parts) if parts else pd.DataFrame()
        parts.clear()
        return whole
    index = parts[0].index.append([p.index for p in parts[1:]])
    columns: dict[str, pd.Series] = {}
    dtypes = [str(t) for t in parts[0].dtypes]
    order = sorted(range(len(names)), key=lambda i: dtypes[i])
    for taken, position in enumerate(order):
        name = names[position]
        values = pd.concat([p[name] for p in parts], ignore_index=True).array
        columns[name] = pd.Series(values, index=index, name=name, copy=False)
        for part in parts:
            del part[name]
        if taken + 1 == len(order) or dtypes[order[taken + 1]] != dtypes[position]:
            release_memory()  # the last column of its type: the parts' blocks of that type are free
    parts.clear()
    return pd.concat([columns[name] for name in names], axis=1)


def kind(series: pd.Series) -> Kind:
    """What a column holds, as the expression language and the steps see it."""
    dtype = series.dtype
    if isinstance(dtype, pd.ArrowDtype) and pa.types.is_date(dtype.pyarrow_dtype):
        return "date"
    if pd.api.types.is_bool_dtype(dtype):
        return "bool"
    if pd.api.types.is_numeric_dtype(dtype):
        return "number"
    if pd.api.types.is_datetime64_any_dtype(dtype):
        return "datetime"
    if isinstance(dtype, pd.StringDtype):
        return "text"
    inferred = pd.api.types.infer_dtype(series, skipna=True)
    return {
        "string": "text",
        "empty": "empty",
        "integer": "number",
        "floating": "number",
        "mixed-integer-float": "number",
        "decimal": "number",
        "boolean": "bool",
        "datetime": "datetime",
        "datetime64": "datetime",
        "date": "date",
    }.get(inferred, "mixed")  # type: ignore[return-value]


def as_text(series: pd.Series) -> pd.Series:
    """The column as text (`str` dtype), missing values kept missing."""
    if isinstance(series.dtype, pd.StringDtype):
        return series
    if kind(series) == "number" and pd.api.types.is_float_dtype(series.dtype):
        return number_text(series)
    return series.astype("str")


def number_text(series: pd.Series) -> pd.Series:
    """Numbers as text without a needless `.0` (`12.0` -> `12`, `12.5` -> `12.5`)."""
    values = series.astype("float64")
    whole = values.notna() & np.isfinite(values) & (values == np.floor(values)) & (values.abs() < 2**53)
    text = values.astype("str")
    if whole.any():
        text = text.where(~whole, values.where(whole).astype("Int64").astype("str"))
    return text


def blank(series: pd.Series) -> pd.Series:
    """True where a value is missing or, for text, empty or only whitespace."""
    missing = series.isna()
    if kind(series) in ("text", "mixed"):
        text = series.astype("str")
        missing = missing | text.str.strip().eq("").fillna(False).astype(bool)
    return missing


def require(frame: pd.DataFrame, columns: Iterable[str], what: str = "column") -> None:
    """Fail the step with the list of columns when one it names does not exist."""
    missing = [c for c in columns if c not in frame.columns]
    if missing:
        shown = ", ".join(repr(c) for c in missing)
        have = ", ".join(repr(c) for c in list(frame.columns)[:50]) or "none"
        plural = "s" if len(missing) > 1 else ""
        raise StepError(f"unknown {what}{plural} {shown}; the columns are: {have}")


def text_columns(frame: pd.DataFrame) -> list[str]:
    """The columns holding text (or text mixed with other values)."""
    return [c for c in frame.columns if kind(frame[c]) in ("text", "mixed")]


def jsonable(frame: pd.DataFrame) -> pd.DataFrame:
    """A frame whose `to_json` writes dates as `YYYY-MM-DD` (pandas would add a time)."""
    dates = [c for c in frame.columns if kind(frame[c]) == "date"]
    if not dates:
        return frame
    out = frame.copy(deep=False)
    for column in dates:
        out[column] = frame[column].astype("str")
    return out


def to_json_lines(frame: pd.DataFrame) -> str:
    """One JSON object per row, dates and times in ISO 8601, missing values as null."""
    if frame.empty:
        return ""
    text: str = jsonable(frame).to_json(
        orient="records", lines=True, date_format="iso", date_unit="s", force_ascii=False, double_precision=15
    )
    return text if text.endswith("\n") else text + "\n"


def to_records(frame: pd.DataFrame, text_limit: int | None = None) -> list[dict[str, Any]]:
    """Rows as JSON-ready dicts (previews and validation samples), long text shortened."""
    records = [orjson.loads(line) for line in to_json_lines(frame).splitlines() if line]
    if text_limit is not None:
        for record in records:
            for key, value in record.items():
                if isinstance(value, str) and len(value) > text_limit:
                    record[key] = value[:text_limit] + "…"
    return records


def unique_names(names: Iterable[Any]) -> list[str]:
    """Column names as distinct strings (`a`, `a.1`, ...), blank names as `column_<n>`."""
    seen: dict[str, int] = {}
    out: list[str] = []
    for index, raw in enumerate(names):
        name = str(raw).strip() if raw is not None and str(raw).strip() else f"column_{index + 1}"
        if name in seen:
            seen[name] += 1
            name = f"{name}.{seen[name]}"
        seen.setdefault(name, 0)
        out.append(name)
    return out
