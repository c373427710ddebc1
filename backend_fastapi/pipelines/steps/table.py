"""Steps that need every row at once: dedupe, sort, join, append, aggregate."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

import numpy as np
import pandas as pd

from backend_fastapi.pipelines.errors import StepError
from backend_fastapi.pipelines.frames import keep_rows, kind, require
from backend_fastapi.pipelines.steps.base import StepContext
from backend_fastapi.schemas import pipeline_steps as s

_NUMERIC_FNS = ("sum", "mean", "median")
_INDICATOR = "_dataops_join_side"
HASH_ROWS = 100_000


def row_hashes(keys: pd.DataFrame) -> np.ndarray:
    """One 64-bit hash per row, HASH_ROWS rows at a time: hashing text makes a Python object of
    every value (and categorizes them), so a whole column at once held several times its size."""
    parts = [
        pd.util.hash_pandas_object(keys.iloc[start : start + HASH_ROWS], index=False).to_numpy()
        for start in range(0, len(keys), HASH_ROWS)
    ]
    return np.concatenate(parts) if parts else np.empty(0, dtype=np.uint64)


def _same_as_kept(keys: pd.DataFrame, hashes: np.ndarray, repeated: np.ndarray, keep: str) -> bool:
    """True when every row marked as a repeat equals the kept row with its hash (no collision).

    Only rows whose hash repeats take part (the repeats and the rows they repeat: 10 % of the
    1M-row bench), so the hash table is theirs, not one of every row (70 MB on that bench). Among
    them, in order of appearance (from the end for `keep="last"`), the kept rows are exactly
    codes 0, 1, 2... of their hashes.
    """
    involved = np.flatnonzero(pd.Series(hashes, copy=False).isin(hashes[repeated]).to_numpy())
    order = involved if keep == "first" else involved[::-1]
    codes, _ = pd.factorize(hashes[order])
    marked = repeated[order]
    at = np.flatnonzero(marked)
    rows = order[at]
    partners = order[np.flatnonzero(~marked)[codes[at]]]
    del codes, involved, order, marked, at
    for column in range(keys.shape[1]):
        values = keys.iloc[:, column]
        a = values.iloc[rows].reset_index(drop=True)
        b = values.iloc[partners].reset_index(drop=True)
        same = (a == b).fillna(False).astype(bool) | (a.isna() & b.isna())
        if not bool(same.all()):
            return False
    return True


def dedupe(frame: pd.DataFrame, step: s.DedupeStep, ctx: StepContext) -> pd.DataFrame:
    """Drop repeated rows (all columns or `subset`), keeping the first or last."""
    if step.subset is not None:
        require(frame, step.subset)
    keys = frame if step.subset is None else frame[step.subset]
    if keys.shape[1] == 0 or frame.empty:
        return frame
    # One 64-bit hash per row instead of pandas' per-column factorizing: a fraction of the memory
    # and time on wide frames. Repeats are then compared with their kept row, so a hash
    # collision can never drop a distinct row (it falls back to the exact comparison).
    hashes = row_hashes(keys)
    repeated = pd.Series(hashes).duplicated(keep=step.keep).to_numpy()
    if repeated.any() and not _same_as_kept(keys, hashes, repeated, step.keep):
        repeated = keys.duplicated(keep=step.keep).to_numpy()
    ctx.count("removed", int(repeated.sum()))
    return keep_rows(frame, ~repeated, consume=ctx.owns_input) if repeated.any() else frame


def sort(frame: pd.DataFrame, step: s.SortStep, ctx: StepContext) -> pd.DataFrame:
    """Stable sort by several keys."""
    keys = step.keys()
    require(frame, [k.column for k in keys])
    try:
        return frame.sort_values(
            by=[k.column for k in keys],
            ascending=[not k.descending for k in keys],
            kind="stable",
            na_position=step.nulls,
        )
    except TypeError as exc:
        mixed = [k.column for k in keys if kind(frame[k.column]) == "mixed"]
        where = f" {mixed[0]!r} mixes text and numbers;" if mixed else ""
        raise StepError(f"cannot sort:{where} cast it to one type first ({exc})") from exc


def merged(
    frame: pd.DataFrame, other: pd.DataFrame, step: s.JoinStep, how: str, ctx: StepContext
) -> pd.DataFrame:
    """`frame` joined to `other` as the step says, but `how`; counts each side's rows in the
    step's report (`right_only` is left to the caller where `how` leaves them out)."""
    left_keys = step.on or step.left_on or []
    right_keys = step.on or step.right_on or []
    require(frame, left_keys)
    require(other, right_keys, "column of the joined source")
    try:
        joined = frame.merge(
            other,
            how=how,  # type: ignore[arg-type]
            on=step.on,
            left_on=None if step.on else step.left_on,
            right_on=None if step.on else step.right_on,
            suffixes=("", step.suffix),
            indicator=_INDICATOR,
        )
    except ValueError as exc:
        raise StepError(f"{exc} (cast the key columns to the same type first)") from exc
    sides = joined[_INDICATOR].value_counts()
    ctx.count("matched", int(sides.get("both", 0)))
    ctx.count("left_only", int(sides.get("left_only", 0)))
    ctx.count("right_only", int(sides.get("right_only", 0)))
    ctx.details["joined_rows"] = len(other)
    return joined.drop(columns=[_INDICATOR])


def join(frame: pd.DataFrame, step: s.JoinStep, ctx: StepContext) -> pd.DataFrame:
    """Join another source's rows on key columns."""
    return merged(frame, ctx.other(), step, step.how, ctx)


def append(frame: pd.DataFrame, step: s.AppendStep, ctx: StepContext) -> pd.DataFrame:
    """Add another source's rows below."""
    other = ctx.other()
    ctx.count("added", len(other))
    if other.empty:
        return frame
    if frame.empty:
        return other.reset_index(drop=True)
    return pd.concat([frame, other], ignore_index=True)


def _check_numeric(frame: pd.DataFrame, aggregation: s.Aggregation) -> None:
    if aggregation.fn in _NUMERIC_FNS and aggregation.column is not None:
        column_kind = kind(frame[aggregation.column])
        if column_kind not in ("number", "bool", "empty"):
            raise StepError(
                f"{aggregation.fn} needs numbers but {aggregation.column!r} holds {column_kind} "
                "(cast it to number first)"
            )


_NO_VALUE = object()  # a chunk without a value for first/last/sum/min/max


def partial(series: pd.Series | None, rows: int, fn: str) -> Any:
    """What one chunk of rows contributes to an aggregate over all rows (aggregate without
    group_by): `combine` of the chunks' parts is the aggregate of the whole, and of one part the
    aggregate of that chunk, so in memory and out of core give the same values."""
    if series is None:
        return rows
    values = series.dropna()
    if fn == "count":
        return len(values)
    if fn == "count_distinct":
        return values.unique()
    if fn == "median":
        return values
    if fn == "mean":
        return (values.sum(), len(values)) if len(values) else (0, 0)
    if values.empty:
        return _NO_VALUE
    if fn in ("first", "last"):
        return values.iloc[0 if fn == "first" else -1]
    return getattr(values, fn)()


def combine(parts: list[Any], fn: str | None) -> Any:
    """The aggregate of all rows from their chunks' `partial`s (None where no row has a value)."""
    if fn is None or fn == "count":
        return sum(parts)
    if fn == "count_distinct":
        return int(pd.Series(np.concatenate([np.asarray(p, dtype=object) for p in parts])).nunique())
    if fn == "median":
        values = pd.concat(parts) if len(parts) > 1 else parts[0]
        return None if values.empty else values.median()
    if fn == "mean":
        total, count = sum(p[0] for p in parts), sum(p[1] for p in parts)
        return total / count if count else None
    found = [p for p in parts if p is not _NO_VALUE]
    if not found:
        return 0 if fn == "sum" else None
    if fn == "first":
        return found[0]
    if fn == "last":
        return found[-1]
    if fn == "sum":
        return sum(found[1:], found[0])
    return min(found) if fn == "min" else max(found)


@dataclass
class ChunkPart:
    """One chunk's `partial` of each aggregation (by output name) and its columns' types."""

    values: dict[str, Any]
    dtypes: dict[str, Any]


# Functions whose value has the column's type: where chunks typed a column differently (whole
# numbers in some, floats where an appended side lacked it), the whole column's type is theirs.
_COLUMN_TYPED = ("sum", "min", "max", "first", "last")


def _as_whole_column(value: Any, dtypes: list[Any]) -> Any:
    """`value` in the type pandas gives the chunks' columns put together (numbers only: whole
    numbers with floats are floats)."""
    numeric = [np.dtype(d) for d in dtypes if isinstance(d, np.dtype) and d.kind in "iuf"]
    if value is None or len(numeric) != len(dtypes) or len({d.str for d in numeric}) < 2:
        return value
    return np.result_type(*numeric).type(value)


def aggregate_row(parts: list[ChunkPart], step: s.AggregateStep) -> pd.DataFrame:
    """The one row of an aggregate without group_by, from the chunks' parts."""
    row = {}
    for a in step.aggregations:
        values = [p.values[a.output] for p in parts]
        value = combine(values, a.fn if a.column else None)
        if a.column is not None and a.fn in _COLUMN_TYPED and any(v is not _NO_VALUE for v in values):
            value = _as_whole_column(value, [p.dtypes[a.column] for p in parts])
        row[a.output] = value
    return pd.DataFrame([row])


def aggregate_partials(frame: pd.DataFrame, step: s.AggregateStep) -> ChunkPart:
    """One chunk's part of every aggregation (aggregate without group_by)."""
    check_aggregations(frame, step)
    values = {
        a.output: partial(frame[a.column] if a.column else None, len(frame), a.fn) for a in step.aggregations
    }
    columns = {a.column for a in step.aggregations if a.column is not None}
    return ChunkPart(values, {c: frame[c].dtype for c in columns})


def check_aggregations(frame: pd.DataFrame, step: s.AggregateStep) -> None:
    """The columns exist and the numeric functions get numbers."""
    columns = [a.column for a in step.aggregations if a.column is not None]
    require(frame, [*step.group_by, *columns])
    for aggregation in step.aggregations:
        _check_numeric(frame, aggregation)


def aggregate(frame: pd.DataFrame, step: s.AggregateStep, ctx: StepContext) -> pd.DataFrame:
    """One row per group with the aggregations."""
    if not step.group_by:
        ctx.details["groups"] = 1
        return aggregate_row([aggregate_partials(frame, step)], step)
    check_aggregations(frame, step)
    named: dict[str, tuple[str, str]] = {}
    for aggregation in step.aggregations:
        if aggregation.column is None:
            named[aggregation.output] = (step.group_by[0], "size")
        else:
            fn = "nunique" if aggregation.fn == "count_distinct" else aggregation.fn
            named[aggregation.output] = (aggregation.column, fn)
    grouped = frame.groupby(step.group_by, dropna=False, sort=True, observed=True)
    try:
        result = grouped.agg(**named).reset_index()
    except TypeError as exc:
        raise StepError(f"cannot aggregate: {exc} (cast the columns to one type first)") from exc
    ctx.details["groups"] = len(result)
    return result
