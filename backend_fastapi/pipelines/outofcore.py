"""Pipelines over inputs larger than memory: row-local steps stream, whole-table steps run in DuckDB.

A run takes this path when its source file is larger than PIPELINE_LARGE_INPUT_MB and it has a
step that needs the whole table; each has a translation here (`dedupe`, `sort`, `aggregate` with
`group_by` in DuckDB; `aggregate` over all rows adds up each chunk's part; `append` passes the
other source's chunks on after the rows; a `validate` step with a `unique` rule finds the repeats
in DuckDB, then checks each chunk; a right or outer join merges each chunk with its other source
in memory, then DuckDB puts the rows in pandas' order; a left or inner join streams like a
row-local step, its other source in memory).
The source is read in chunks; row-local steps run on each chunk with the same pandas code as the
in-memory path (so their results cannot differ); before a whole-table step the chunks are spilled
to Parquet parts with their row number, the step runs as SQL over them in DuckDB (which spills to
disk under its own memory limit, inside the run's), and its result comes back as Arrow batches
that the next row-local steps work on. The result is spilled the same way, and every writer reads
it again slice by slice (`writers.Sliced`): no part of the run holds the whole table.

DuckDB is imported here and only here, by runs that take this path: the worker and the API never
load it.
"""

from __future__ import annotations

import contextlib
import shutil
import time
from collections.abc import Callable, Iterator
from pathlib import Path
from typing import TYPE_CHECKING, Any

import numpy as np
import pandas as pd
import pyarrow as pa
import pyarrow.parquet as pq

from backend_fastapi.pipelines import readers
from backend_fastapi.pipelines.errors import StepError, StepFailed
from backend_fastapi.pipelines.frames import release_memory, require
from backend_fastapi.pipelines.steps import OPS, StepContext, streamable, table
from backend_fastapi.pipelines.steps.validation import KNOWN_FAILURES
from backend_fastapi.schemas import pipeline_steps as s
from backend_fastapi.schemas.pipeline_rules import UniqueRule

if TYPE_CHECKING:
    import duckdb

    from backend_fastapi.pipelines.engine import Run

ROW = "__dataops_row"  # the source order, carried through every whole-table step
LABEL = "__dataops_label"  # a row's label (its row number in the source), kept through a spill
# A right or outer join's rows carry their left and right row numbers and their key values.
LPOS, RPOS, LKEY, RKEY, SORTKEY = (
    "__dataops_left",
    "__dataops_right",
    "__dataops_lkey",
    "__dataops_rkey",
    "__dataops_key",
)
BATCH_ROWS = 100_000
# What DuckDB may hold of the run's memory limit: the rest is pandas, Arrow, one chunk and what
# DuckDB allocates outside its buffer pool (10M rows, 512 MB limit: 0.4 peaked at 490 MB, 0.25
# ~70 MB lower and no slower).
DUCKDB_SHARE = 0.25
_SQL_FNS = {
    "count": "count({c})",
    "count_distinct": "count(DISTINCT {c})",
    # Compensated sums, as pandas' groupby sums are.
    "sum": "coalesce(fsum({c}), 0)",
    "mean": "fsum({c}) / count({c})",
    "median": "median({c})",
    "min": "min({c})",
    "max": "max({c})",
    "first": "first({c} ORDER BY {row}) FILTER (WHERE {c} IS NOT NULL)",
    "last": "last({c} ORDER BY {row}) FILTER (WHERE {c} IS NOT NULL)",
}
Frames = Iterator[pd.DataFrame]


def quote(name: str) -> str:
    """A column name as an SQL identifier."""
    return '"' + name.replace('"', '""') + '"'


def dedupe_sql(step: s.DedupeStep, columns: list[str], carried: tuple[str, ...] = ()) -> str:
    """The rows of `parts` without repeats of the key columns, keeping the first or last.

    One grouping pass: the kept row's number, and each other column's value at that row
    (`arg_min_null` keeps a missing value as a value). Grouping rows and joining the kept numbers
    back took twice as long on 10M rows."""
    keys = set(columns if step.subset is None else step.subset)
    if not keys:  # an empty subset: nothing is a repeat (as in memory)
        return f"SELECT * FROM parts ORDER BY {ROW}"
    pick = "min" if step.keep == "first" else "max"
    outputs = [
        quote(c) if c in keys else f"arg_{pick}_null({quote(c)}, {ROW}) AS {quote(c)}"
        for c in [*columns, *carried]  # `carried`: the kept row's own, never a key (its label)
    ]
    grouped = ", ".join(quote(c) for c in columns if c in keys)
    return f"SELECT {', '.join(outputs)}, {pick}({ROW}) AS {ROW} FROM parts GROUP BY {grouped} ORDER BY {ROW}"


def sort_sql(step: s.SortStep) -> str:
    """The rows of `parts` in order; ties keep the source order (a stable sort)."""
    nulls = "NULLS LAST" if step.nulls == "last" else "NULLS FIRST"
    keys = [f"{quote(k.column)} {'DESC' if k.descending else 'ASC'} {nulls}" for k in step.keys()]
    return f"SELECT * FROM parts ORDER BY {', '.join([*keys, ROW])}"


def parquet_parts(paths: list[str]) -> str:
    """The spilled parts as one table (a column typed differently in two parts gets one type, as
    in pd.concat)."""
    listed = ", ".join("'" + p.replace("'", "''") + "'" for p in paths)
    return f"read_parquet([{listed}], union_by_name = true)"


def join_order_sql(step: s.JoinStep, keys: int) -> str:
    """A right or outer join's rows in pandas' order: a right join's by the joined source's rows,
    then the rows so far; an outer join's by its keys (missing keys last), then the rows so far,
    then the joined source's."""
    if step.how == "right":
        order = [RPOS, LPOS]
    else:
        order = [*(f"{SORTKEY}{i} ASC NULLS LAST" for i in range(keys)), f"{LPOS} NULLS LAST", RPOS]
    hidden = ", ".join([LPOS, RPOS, *(f"{SORTKEY}{i}" for i in range(keys if step.how == "outer" else 0))])
    return f"SELECT * EXCLUDE ({hidden}) FROM parts ORDER BY {', '.join(order)}"


def repeats_sql(rule: UniqueRule) -> str:
    """The rows of `parts` whose key values came before, in source order, every key present: the
    rows pandas' `duplicated(keep="first")` marks among those with every key."""
    keys = ", ".join(quote(k) for k in rule.keys)
    present = " AND ".join(f"{quote(k)} IS NOT NULL" for k in rule.keys)
    return (
        f"SELECT {ROW} FROM parts WHERE {present} "
        f"QUALIFY row_number() OVER (PARTITION BY {keys} ORDER BY {ROW}) > 1 ORDER BY {ROW}"
    )


def aggregate_sql(step: s.AggregateStep) -> str:
    """One row per group of `parts`, groups in key order with missing keys last (as pandas)."""
    keys = ", ".join(quote(c) for c in step.group_by)
    outputs = [
        ("count(*)" if a.column is None else _SQL_FNS[a.fn].format(c=quote(a.column), row=ROW))
        + f" AS {quote(a.output)}"
        for a in step.aggregations
    ]
    order = ", ".join(f"{quote(c)} ASC NULLS LAST" for c in step.group_by)
    return f"SELECT {keys}, {', '.join(outputs)} FROM parts GROUP BY {keys} ORDER BY {order}"


def unified(templates: list[pd.DataFrame]) -> pd.DataFrame:
    """One row with every column, typed as pandas types the chunks put together (as the in-memory
    path's concatenation does: whole numbers and floats give floats, booleans with gaps objects)."""
    if len(templates) == 1:
        return templates[0]
    rows = [t for t in templates if len(t)] or templates[:1]
    return pd.concat(rows).head(1) if len(rows) > 1 else rows[0]


def missing_like(dtype: Any, index: pd.Index) -> pd.Series:
    """A column of missing values typed as pandas types a column one side of a concatenation lacks:
    whole numbers become floats, booleans objects, other types keep theirs."""
    if not isinstance(dtype, pd.api.extensions.ExtensionDtype):
        if pd.api.types.is_integer_dtype(dtype):
            dtype = "float64"
        elif pd.api.types.is_bool_dtype(dtype):
            dtype = object
    return pd.Series(None, index=index, dtype=dtype)


def with_columns(frame: pd.DataFrame, other: pd.DataFrame, first: pd.DataFrame | None = None) -> pd.DataFrame:
    """`frame` with the columns of `other` it lacks, as missing values; `first`'s columns lead."""
    absent = [c for c in other.columns if c not in frame.columns]
    if not absent and first is None:
        return frame
    out = frame.copy(deep=False)
    for column in absent:
        out[column] = missing_like(other[column].dtype, frame.index)
    if first is not None:
        order = [*first.columns, *(c for c in frame.columns if c not in first.columns)]
        out = out[order]
    return out


def among(positions: np.ndarray, found: np.ndarray) -> np.ndarray:
    """Which of a chunk's ascending row positions are in `found` (ascending, every repeat of the
    table): only the part of `found` within the chunk's range is looked at."""
    if not len(positions):
        return np.zeros(0, dtype=bool)
    low = np.searchsorted(found, positions[0], side="left")
    high = np.searchsorted(found, positions[-1], side="right")
    return np.isin(positions, found[low:high])


def labelled(frames: Frames) -> Frames:
    """The chunks with their rows' labels as a column, so a spill keeps them."""
    for frame in frames:
        yield frame.assign(**{LABEL: frame.index.to_numpy()})


def relabel(frame: pd.DataFrame, start: int) -> pd.DataFrame:
    """A chunk back from DuckDB or a spill with the labels the in-memory path gives its rows: the
    carried labels, or (no labels carried: an aggregate's groups) their positions from `start`."""
    if LABEL in frame.columns:
        frame.index = pd.Index(frame.pop(LABEL).to_numpy())
    else:
        frame.index = pd.RangeIndex(start, start + len(frame))
    return frame


def to_frame(table: pa.Table | pa.RecordBatch, dtypes: dict[str, Any]) -> pd.DataFrame:
    """Arrow rows from DuckDB as pandas columns of the types the in-memory path has."""
    columns: dict[str, pd.Series] = {}
    for name, array in zip(table.column_names, table.columns, strict=True):
        if name == ROW:
            continue
        dtype = dtypes.get(name)
        if isinstance(array, pa.ChunkedArray):
            array = array.combine_chunks()
        if pa.types.is_string_view(array.type) or pa.types.is_large_string(array.type):
            array = array.cast(pa.string())
        if isinstance(dtype, pd.ArrowDtype):
            series = pd.Series(pd.arrays.ArrowExtensionArray(array.cast(dtype.pyarrow_dtype)), name=name)
        elif isinstance(dtype, pd.api.extensions.ExtensionDtype):
            series = pd.Series(dtype.__from_arrow__(array), name=name)  # type: ignore[attr-defined]
        else:
            series = array.to_pandas()
            if dtype is not None and series.dtype != dtype:
                series = series.astype(dtype)
        columns[name] = series
    return pd.DataFrame(columns, columns=[c for c in table.column_names if c != ROW])


@contextlib.contextmanager
def _step_errors(index: int, op: str) -> Iterator[None]:
    """DuckDB's errors as the step's: out of memory as the run's memory limit, others as its failure."""
    import duckdb

    try:
        yield
    except duckdb.OutOfMemoryException as exc:
        raise MemoryError(str(exc)) from exc
    except duckdb.Error as exc:
        raise StepFailed(f"steps[{index}] ({op}) failed: {exc}", details={"step": index}) from exc


def _next_batch(reader: pa.RecordBatchReader, index: int, op: str) -> pa.RecordBatch | None:
    with _step_errors(index, op):
        try:
            return reader.read_next_batch()
        except StopIteration:
            return None


class Spilled:
    """The result of an out-of-core run: Parquet parts on disk, read again slice by slice by each
    writer (`writers.Sliced`), so no output needs the whole result in memory."""

    def __init__(self, paths: list[str], empty: pd.DataFrame, rows: int, folder: Path) -> None:
        self.paths = paths
        self._empty = empty
        self.rows = rows
        self.folder = folder
        self.columns = [str(c) for c in empty.columns]
        self.dtypes = {str(c): empty[c].dtype for c in empty.columns}

    def __len__(self) -> int:
        return self.rows

    def empty(self) -> pd.DataFrame:
        """No rows, the columns and their types."""
        return self._empty

    def slices(self) -> Frames:
        """The rows in order, BATCH_ROWS at a time, typed as in memory (a column that a part
        lacks, such as an appended source's own, is missing there)."""
        for path in self.paths:
            for batch in pq.ParquetFile(path).iter_batches(BATCH_ROWS):
                frame = to_frame(batch, self.dtypes)
                if list(frame.columns) != self.columns:
                    frame = frame.reindex(columns=self.columns).astype(self.dtypes)
                yield frame

    def arrow_types(self) -> dict[str, pa.DataType]:
        """Each column's type over every part (a part whose rows all miss a value has it as null)."""
        if not self.paths:
            return {}
        schema = pa.unify_schemas([pq.read_schema(p) for p in self.paths], promote_options="permissive")
        return {field.name: field.type for field in schema if field.name != ROW}

    def remove(self) -> None:
        """Delete the parts (after the last writer)."""
        shutil.rmtree(self.folder, ignore_errors=True)


class OutOfCore:
    """One run's out-of-core transform: chunks through pandas steps, whole-table steps in DuckDB."""

    def __init__(self, run: Run, limit_mb: int) -> None:
        self.run = run
        self.scratch = Path(run.spec.out_dir).parent / "outofcore"
        self.limit_mb = limit_mb
        self.unfinished: list[int] = []
        self.source_rows = 0
        self.columns: list[str] = []

    def connect(self) -> duckdb.DuckDBPyConnection:
        import duckdb  # only runs on this path load it

        self.scratch.mkdir(parents=True, exist_ok=True)
        return duckdb.connect(
            config={
                "memory_limit": f"{max(64, int(self.limit_mb * DUCKDB_SHARE))}MB",
                "temp_directory": str(self.scratch / "spill"),
                "threads": 2,
                # Every query orders its result itself; DuckDB needs less memory without it.
                "preserve_insertion_order": False,
            }
        )

    def read(self) -> Frames:
        """The source's chunks, counted and timed, with progress."""
        run = self.run
        run.emit(run.progress("reading", 0, rows_read=0))
        chunks = readers.read_chunks(run.inputs["source"], run.chunk_rows, None)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            run.timings["read_seconds"] += time.perf_counter() - started
            if chunk is None:
                return
            if not self.columns:
                self.columns = [str(c) for c in chunk.columns]
            self.source_rows += len(chunk)
            run.emit(run.progress("reading", self.source_rows, rows_read=self.source_rows))
            yield chunk

    def stream(self, frames: Frames, indices: range) -> Frames:
        """Row-local steps over each chunk, stopping early when a `limit` has its rows."""
        self.unfinished.extend(indices)
        contexts = [self.run.contexts[i] for i in indices]
        for frame in frames:
            for index in indices:
                frame = self.run.apply_streamed(index, frame, self.source_rows)
            yield frame
            if any(ctx.exhausted for ctx in contexts):
                close = getattr(frames, "close", None)
                if close is not None:
                    close()  # an out-of-core step before this one counts its remaining rows
                return

    def summary(self, index: int, frames: Frames) -> Frames:
        """Step `index` (aggregate without group_by): each chunk's part of every aggregation, then
        the one row they make together (`table.aggregate_row`, as in memory)."""
        run = self.run
        step = run.steps[index]
        assert isinstance(step, s.AggregateStep)
        parts = []
        counts = run.rows[index]
        for frame in frames:
            started = time.perf_counter()
            try:
                parts.append(table.aggregate_partials(frame, step))
            except StepError as exc:
                failed = f"steps[{index}] (aggregate) failed: {exc}"
                raise StepFailed(failed, details={"step": index}) from exc
            counts[0] += len(frame)
            self.timed(index, started)
        self.finish_streamed()
        run.emit(run.progress("step", counts[0], step=index, op="aggregate", rows=counts[0]))
        started = time.perf_counter()
        row = table.aggregate_row(parts, step)
        self.timed(index, started)
        counts[1] += 1
        run.contexts[index].details["groups"] = 1
        yield row

    def append(self, index: int, frames: Frames) -> Frames:
        """Step `index` (append): the rows so far, then the other source's rows chunk by chunk,
        as `table.append` puts them together: when both sides have rows, every chunk has the
        columns of both (a side's missing column as missing values, typed as pandas' concatenation
        types it), so the steps after it see the whole table's columns; an empty side adds none."""
        run = self.run
        counts = run.rows[index]
        other = self._rows_of(index)
        first = next(other, None)  # the other side's first rows: its columns, and whether it has any
        held: pd.DataFrame | None = None  # an empty chunk: its columns, in case no side has rows
        mine: pd.DataFrame | None = None  # this side's first rows, once seen
        for frame in frames:
            counts[0] += len(frame)
            if not len(frame):
                held = frame if held is None else held
                continue
            mine = frame.iloc[:0] if mine is None else mine
            # Rows are numbered anew, as the in-memory concatenation numbers them.
            yield relabel(frame if first is None else with_columns(frame, first), counts[0] - len(frame))
        self.finish_streamed()
        run.emit(run.progress("step", counts[0], step=index, op="append", rows=counts[0]))
        added = 0
        for chunk in [first, *other] if first is not None else []:
            added += len(chunk)
            yield relabel(
                chunk if mine is None else with_columns(chunk, mine, first=mine),
                counts[0] + added - len(chunk),
            )
        run.contexts[index].count("added", added)
        counts[1] += counts[0] + added
        if not counts[1] and held is not None:
            yield held

    def _rows_of(self, index: int) -> Frames:
        """The chunks with rows of step `index`'s own source, its reading counted as the step's."""
        chunks = readers.read_chunks(self.run.inputs[str(index)], self.run.chunk_rows)
        while True:
            started = time.perf_counter()
            chunk = next(chunks, None)
            self.timed(index, started)
            if chunk is None:
                return
            if len(chunk):
                yield chunk

    def finish_streamed(self) -> None:
        for index in self.unfinished:
            self.run.finish(index)
        self.unfinished.clear()

    def spill(
        self, index: int | None, frames: Frames, folder: Path, needed: list[str] | None = None
    ) -> tuple[list[str], pd.DataFrame, int]:
        """Write the chunks (only the `needed` columns, when given) as Parquet parts with their
        row order; returns the parts, the first row with every column, and the row count."""
        folder.mkdir(parents=True)
        paths: list[str] = []
        # A first row of each distinct set of column types: chunks may type a column differently
        # (a left join's chunk without a match has its other side's whole numbers as floats).
        templates: dict[tuple[tuple[str, str], ...], pd.DataFrame] = {}
        rows = 0
        for frame in frames:
            started = time.perf_counter()
            signature = tuple((str(c), str(t)) for c, t in frame.dtypes.items())
            if signature not in templates or (templates[signature].empty and len(frame)):
                templates[signature] = frame.head(1)
            if needed is not None:
                frame = frame[[c for c in needed if c in frame.columns]]
            try:
                table = pa.Table.from_pandas(frame, preserve_index=False)
            except (pa.ArrowInvalid, pa.ArrowTypeError) as exc:
                where = "the result" if index is None else f"steps[{index}] ({self.run.steps[index].op})"
                raise StepFailed(
                    f"{where} failed: a column mixes types, which cannot run out of core; "
                    f"cast it to one type first ({exc})",
                    details={"step": index},
                ) from exc
            table = table.append_column(ROW, pa.array(range(rows, rows + len(frame)), pa.int64()))
            path = folder / f"part-{len(paths):05d}.parquet"
            # Read back once: LZ4 without dictionaries writes a 100,000-row chunk in 36 ms, the
            # defaults (Snappy, dictionaries) took 84 ms for two thirds of the size.
            pq.write_table(table, path, compression="lz4", use_dictionary=False)
            paths.append(str(path))
            rows += len(frame)
            del frame, table
            release_memory()
            self.timed(index, started)
        assert templates  # readers yield at least one (possibly empty) chunk
        return paths, unified(list(templates.values())), rows

    def timed(self, index: int | None, started: float) -> None:
        """Count the time since `started` as step `index`'s (None: writing the result)."""
        elapsed = time.perf_counter() - started
        if index is None:
            self.run.timings["write_seconds"] += elapsed
            return
        self.run.seconds[index] += elapsed
        self.run.timings["steps_seconds"] += elapsed

    def whole(self, con: duckdb.DuckDBPyConnection, index: int, frames: Frames) -> Frames:
        """Step `index` over every row: spilled, then run as SQL; its result as chunks."""
        run = self.run
        step = run.steps[index]
        needed = None
        if isinstance(step, s.AggregateStep):  # the other columns are not read again: not written
            used = [*step.group_by, *(a.column for a in step.aggregations if a.column is not None)]
            needed = list(dict.fromkeys(used))
        # Dedupe and sort keep rows: their labels come along where a later rule's samples name
        # them (the only place labels show; on 10M rows they cost dedupe 5 s).
        later = run.steps[index + 1 :]
        labels = not isinstance(step, s.AggregateStep) and any(isinstance(v, s.ValidateStep) for v in later)
        if labels:
            frames = labelled(frames)
        paths, sample, rows = self.spill(index, frames, self.scratch / f"step{index}", needed)
        self.finish_streamed()
        sample = sample.drop(columns=[LABEL], errors="ignore")
        started = time.perf_counter()
        # The pandas step on one row: the same errors for missing columns or wrong types, and the
        # result's column types.
        try:
            shape = OPS[step.op](sample, step, StepContext(index, step.op))
        except StepError as exc:
            raise StepFailed(f"steps[{index}] ({step.op}) failed: {exc}", details={"step": index}) from exc
        dtypes = {str(c): shape[c].dtype for c in shape.columns}
        run.emit(run.progress("step", rows, step=index, op=step.op, rows=rows))
        if isinstance(step, s.DedupeStep):
            carried = (LABEL,) if labels else ()
            sql = dedupe_sql(step, [str(c) for c in sample.columns], carried=carried)
        elif isinstance(step, s.SortStep):
            sql = sort_sql(step)
        else:
            assert isinstance(step, s.AggregateStep)
            sql = aggregate_sql(step)
        run.rows[index][0] += rows

        def done(out: int) -> None:
            ctx = run.contexts[index]
            if isinstance(step, s.DedupeStep) and step.subset != [] and rows:  # as pandas' early return
                ctx.count("removed", rows - out)
            elif isinstance(step, s.AggregateStep):
                ctx.details["groups"] = out
            run.rows[index][1] += out

        self.timed(index, started)
        yield from self.queried(con, index, paths, sql, dtypes, shape.iloc[0:0], done)

    def queried(
        self,
        con: duckdb.DuckDBPyConnection,
        index: int,
        paths: list[str],
        sql: str,
        dtypes: dict[str, Any],
        empty: pd.DataFrame,
        done: Callable[[int], None],
    ) -> Frames:
        """The rows `sql` gives over the spilled `paths` (the view `parts`), as chunks typed
        `dtypes` and labelled as in memory (`empty` when there are none); `done` gets how many rows
        it gave, every one even where a later `limit` stopped reading early. The parts go after."""
        op = self.run.steps[index].op
        started = time.perf_counter()
        cursor = con.cursor()
        out = 0
        try:
            with _step_errors(index, op):
                cursor.execute(f"CREATE OR REPLACE VIEW parts AS SELECT * FROM {parquet_parts(paths)}")
                reader = cursor.sql(sql).to_arrow_reader(BATCH_ROWS)
            self.timed(index, started)
            try:
                while True:
                    started = time.perf_counter()  # DuckDB works while the batches are read
                    batch = _next_batch(reader, index, op)
                    if batch is None:
                        self.timed(index, started)
                        break
                    frame = relabel(to_frame(batch, dtypes), out)
                    self.timed(index, started)
                    out += len(frame)
                    yield frame
                if out == 0:
                    yield empty  # the columns, even without rows
            finally:
                while (batch := _next_batch(reader, index, op)) is not None:
                    out += batch.num_rows
                done(out)
        finally:
            cursor.close()
            shutil.rmtree(self.scratch / f"step{index}", ignore_errors=True)

    def joined(self, con: duckdb.DuckDBPyConnection, index: int, frames: Frames) -> Frames:
        """Step `index` (a right or outer join): each chunk joined to the other source (in memory)
        by the in-memory step's merge, inner for a right join and left for an outer one, every row
        with its left and right row numbers and key values; then the other source's rows no chunk
        matched; then all of them spilled and put in pandas' order by DuckDB (`join_order_sql`).
        Each column's type is what pandas' concatenation of the pieces gives: the whole merge's."""
        run = self.run
        step = run.steps[index]
        assert isinstance(step, s.JoinStep)
        ctx = run.contexts[index]
        left_keys = step.on or step.left_on or []
        right_keys = step.on or step.right_on or []
        other = ctx.other()
        try:
            require(other, right_keys, "column of the joined source")
        except StepError as exc:
            raise StepFailed(f"steps[{index}] (join) failed: {exc}", details={"step": index}) from exc
        right = other.assign(
            **{RPOS: np.arange(len(other)), **{f"{RKEY}{i}": other[k] for i, k in enumerate(right_keys)}}
        )
        matched = np.zeros(len(other), dtype=bool)
        counts = run.rows[index]

        def keyed(piece: pd.DataFrame) -> pd.DataFrame:
            """The piece with each key's value (the left row's, else the right one's) to sort by."""
            for i in range(len(left_keys)):
                left, right = piece.pop(f"{LKEY}{i}"), piece.pop(f"{RKEY}{i}")
                if step.how == "outer":
                    piece[f"{SORTKEY}{i}"] = left.where(left.notna(), right)
            return piece

        def pieces() -> Frames:
            template: pd.DataFrame | None = None
            position = 0
            for frame in frames:
                started = time.perf_counter()
                counts[0] += len(frame)
                require(frame, left_keys)
                left = frame.assign(
                    **{
                        LPOS: np.arange(position, position + len(frame)),
                        **{f"{LKEY}{i}": frame[k] for i, k in enumerate(left_keys)},
                    }
                )
                position += len(frame)
                template = left.iloc[0:0] if template is None else template
                piece = table.merged(left, right, step, "left" if step.how == "outer" else "inner", ctx)
                matched[piece[RPOS].dropna().to_numpy(dtype=np.int64)] = True
                self.timed(index, started)
                yield keyed(piece)
            assert template is not None  # every read yields a chunk, if only an empty one
            started = time.perf_counter()
            rest = table.merged(template, right[~matched], step, "right", ctx)
            ctx.details["joined_rows"] = len(other)
            self.timed(index, started)
            yield keyed(rest)

        folder = self.scratch / f"step{index}"
        try:
            paths, sample, rows = self.spill(index, pieces(), folder)
        except StepError as exc:
            raise StepFailed(f"steps[{index}] (join) failed: {exc}", details={"step": index}) from exc
        self.finish_streamed()
        hidden = [c for c in sample.columns if str(c).startswith((LPOS, RPOS, SORTKEY))]
        dtypes = {str(c): sample[c].dtype for c in sample.columns if c not in hidden}
        run.emit(run.progress("step", counts[0], step=index, op=step.op, rows=rows))
        sql = join_order_sql(step, len(left_keys))

        def done(out: int) -> None:
            counts[1] += out

        yield from self.queried(con, index, paths, sql, dtypes, sample.drop(columns=hidden).iloc[0:0], done)

    def validated(self, con: duckdb.DuckDBPyConnection, index: int, frames: Frames) -> Frames:
        """Step `index` (validate with a `unique` rule): the rows spilled with their labels, each
        unique rule's repeats found in DuckDB, then the step runs on each spilled chunk with the
        same pandas code as in memory, its unique rules answered by those repeats."""
        run = self.run
        step = run.steps[index]
        assert isinstance(step, s.ValidateStep)
        folder = self.scratch / f"step{index}"
        paths, sample, rows = self.spill(index, labelled(frames), folder)
        self.finish_streamed()
        sample = sample.drop(columns=[LABEL])
        started = time.perf_counter()
        rules = {n: rule for n, rule in enumerate(step.rules) if isinstance(rule, UniqueRule)}
        try:
            for rule in rules.values():
                require(sample, rule.keys)  # a missing key column fails as in memory
        except StepError as exc:
            raise StepFailed(f"steps[{index}] ({step.op}) failed: {exc}", details={"step": index}) from exc
        repeats: dict[int, np.ndarray] = {}
        cursor = con.cursor()
        with _step_errors(index, step.op):
            cursor.execute(f"CREATE OR REPLACE VIEW parts AS SELECT * FROM {parquet_parts(paths)}")
            for number, rule in rules.items():
                repeats[number] = cursor.sql(repeats_sql(rule)).fetchnumpy()[ROW]
        cursor.close()
        self.timed(index, started)
        run.emit(run.progress("step", rows, step=index, op=step.op, rows=rows))
        dtypes = {str(c): sample[c].dtype for c in sample.columns}

        def chunks() -> Frames:
            for path in paths:
                for batch in pq.ParquetFile(path).iter_batches(BATCH_ROWS):
                    positions = batch.column(ROW).to_numpy()
                    frame = relabel(to_frame(batch, dtypes), 0)
                    run.contexts[index].state[KNOWN_FAILURES] = {
                        number: pd.Series(among(positions, found), index=frame.index)
                        for number, found in repeats.items()
                    }
                    yield run.apply(index, frame)
            if not rows:
                yield run.apply(index, sample.iloc[0:0])  # the columns, even without rows

        self.unfinished.append(index)  # `fail` is decided once every row was checked
        checked = chunks()
        try:
            # Not `yield from`: closing this generator must leave `checked` open, to be drained below.
            for frame in checked:  # noqa: UP028
                yield frame
        finally:
            for _ in checked:  # a later `limit` stopped early: the rules still see every row
                pass
            shutil.rmtree(folder, ignore_errors=True)

    def transform(self) -> tuple[Spilled, dict[str, Any]]:
        """Read the source and run every step; the result and facts about the source."""
        run = self.run
        con = self.connect()
        try:
            frames: Frames = self.read()
            whole_steps: list[int] = []
            start = 0
            steps = run.steps
            while start < len(steps):
                end = start
                while end < len(steps) and streamable(steps[end]):
                    end += 1
                if end > start:
                    frames = self.stream(frames, range(start, end))
                if end == len(steps):
                    break
                step = steps[end]
                if isinstance(step, s.AppendStep):
                    frames = self.append(end, frames)
                elif isinstance(step, s.AggregateStep) and not step.group_by:
                    frames = self.summary(end, frames)
                elif isinstance(step, s.ValidateStep):
                    frames = self.validated(con, end, frames)
                elif isinstance(step, s.JoinStep):
                    frames = self.joined(con, end, frames)
                else:
                    frames = self.whole(con, end, frames)
                whole_steps.append(end)
                start = end + 1
            # The result, too, may not fit: it is written once more and read again by each writer.
            result = Path(run.spec.out_dir).parent / "outofcore-result"
            paths, sample, rows = self.spill(None, frames, result)
            self.finish_streamed()
        finally:
            con.close()
            shutil.rmtree(self.scratch, ignore_errors=True)
        frame = Spilled(paths, sample.iloc[:0], rows, result)
        source = {
            "rows": self.source_rows,
            "columns": self.columns,
            "streamed_steps": len(steps) - len(whole_steps),
            "out_of_core_steps": whole_steps,
        }
        return frame, source
