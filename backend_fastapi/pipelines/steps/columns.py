"""Steps that work row by row on columns: select, drop, rename, cast, fill_null, drop_null, filter,
derive, limit. All of them can run on one chunk of rows at a time."""

from __future__ import annotations

import pandas as pd

from backend_fastapi.pipelines.casting import convert
from backend_fastapi.pipelines.errors import StepError
from backend_fastapi.pipelines.evaluate import Evaluator
from backend_fastapi.pipelines.frames import blank, keep_rows, require
from backend_fastapi.pipelines.steps.base import StepContext
from backend_fastapi.schemas import pipeline_steps as s

EXAMPLES_PER_COLUMN = 5


def select(frame: pd.DataFrame, step: s.SelectStep, ctx: StepContext) -> pd.DataFrame:
    """Keep the named columns, in the given order."""
    require(frame, step.columns)
    ctx.details["columns"] = list(step.columns)
    return frame[list(dict.fromkeys(step.columns))]


def drop(frame: pd.DataFrame, step: s.DropStep, ctx: StepContext) -> pd.DataFrame:
    """Remove columns."""
    if not step.missing_ok:
        require(frame, step.columns)
    present = [c for c in step.columns if c in frame.columns]
    ctx.details["dropped"] = present
    return frame.drop(columns=present)


def rename(frame: pd.DataFrame, step: s.RenameStep, ctx: StepContext) -> pd.DataFrame:
    """Rename columns, never over an existing one."""
    require(frame, step.columns)
    clashes = [new for old, new in step.columns.items() if new in frame.columns and new not in step.columns]
    if clashes:
        raise StepError(f"column {clashes[0]!r} already exists; drop or rename it first")
    ctx.details["renamed"] = dict(step.columns)
    return frame.rename(columns=dict(step.columns))


def cast(frame: pd.DataFrame, step: s.CastStep, ctx: StepContext) -> pd.DataFrame:
    """Convert columns to types, counting (or failing on) what cannot be read."""
    specs = step.specs()
    require(frame, specs)
    out = frame.copy(deep=False)
    for column, spec in specs.items():
        converted, bad = convert(frame[column], spec)
        failures = int(bad.sum())
        if failures:
            examples = frame[column][bad].astype("str").head(EXAMPLES_PER_COLUMN).tolist()
            if step.errors == "fail":
                shown = ", ".join(repr(v) for v in examples)
                raise StepError(
                    f"{failures:,} values of {column!r} cannot be read as {spec.type} (e.g. {shown})"
                )
            ctx.count_in("invalid", column, failures)
            kept = ctx.details.setdefault("invalid_examples", {}).setdefault(column, [])
            kept.extend(examples[: EXAMPLES_PER_COLUMN - len(kept)])
        out[column] = converted
    ctx.details["types"] = {c: spec.type for c, spec in specs.items()}
    return out


def fill_null(frame: pd.DataFrame, step: s.FillNullStep, ctx: StepContext) -> pd.DataFrame:
    """Replace missing values per column."""
    require(frame, step.columns)
    out = frame.copy(deep=False)
    for column, value in step.columns.items():
        missing = blank(frame[column]) if step.blank_as_null else frame[column].isna()
        ctx.count_in("filled", column, int(missing.sum()))
        if not missing.any():
            continue
        try:
            out[column] = frame[column].mask(missing, value)
        except (TypeError, ValueError):
            # The value's type does not fit the column's (text into numbers): keep both kinds.
            out[column] = frame[column].astype(object).mask(missing, value)
    return out


def drop_null(frame: pd.DataFrame, step: s.DropNullStep, ctx: StepContext) -> pd.DataFrame:
    """Drop rows with missing values."""
    columns = step.columns or list(frame.columns)
    require(frame, columns)
    if not columns:
        return frame
    missing = pd.concat([blank(frame[c]) if step.blank_as_null else frame[c].isna() for c in columns], axis=1)
    drop_rows = missing.any(axis=1) if step.how == "any" else missing.all(axis=1)
    ctx.count("removed", int(drop_rows.sum()))
    return frame[~drop_rows]


def filter_rows(frame: pd.DataFrame, step: s.FilterStep, ctx: StepContext) -> pd.DataFrame:
    """Keep the rows for which the expression is true."""
    keep = Evaluator(frame).mask(step.expr)
    ctx.count("removed", int((~keep).sum()))
    return keep_rows(frame, keep, consume=ctx.owns_input)


def derive(frame: pd.DataFrame, step: s.DeriveStep, ctx: StepContext) -> pd.DataFrame:
    """Add columns computed from expressions, in order."""
    out = frame.copy(deep=False)
    for column, text in step.columns.items():
        try:
            out[column] = Evaluator(out).column(text)
        except StepError as exc:
            raise StepError(f"{column}: {exc}") from exc
    ctx.details["columns"] = list(step.columns)
    return out


def limit(frame: pd.DataFrame, step: s.LimitStep, ctx: StepContext) -> pd.DataFrame:
    """Keep `n` rows after `offset`, across chunks; marks the step exhausted when done."""
    skip = ctx.state.setdefault("skip", step.offset)
    take = ctx.state.setdefault("take", step.n)
    skipped = min(skip, len(frame))
    kept = frame.iloc[skipped : skipped + take]
    ctx.state["skip"] = skip - skipped
    ctx.state["take"] = take - len(kept)
    ctx.exhausted = ctx.state["take"] == 0
    return kept
