"""Steps that clean and reshape text: trim, normalize, regex_extract, split, merge (row by row)."""

from __future__ import annotations

from collections.abc import Callable

import numpy as np
import pandas as pd

from backend_fastapi.pipelines import regex_columns
from backend_fastapi.pipelines.frames import as_text, kind, require, text_columns
from backend_fastapi.pipelines.steps.base import StepContext
from backend_fastapi.regexes import compile_regex
from backend_fastapi.schemas import pipeline_steps as s

TextFn = Callable[[pd.Series], pd.Series]


def _on_text(series: pd.Series, fn: TextFn) -> pd.Series:
    """Apply `fn` to the text values only; numbers and other values stay as they are."""
    column_kind = kind(series)
    if column_kind == "text":
        return fn(series.astype("str"))
    if column_kind == "mixed":
        is_text = series.map(lambda v: isinstance(v, str)).astype(bool)
        out = series.copy()
        out[is_text] = fn(series[is_text].astype("str")).astype(object)
        return out
    return series


def _clean(frame: pd.DataFrame, columns: list[str] | None, fn: TextFn, ctx: StepContext) -> pd.DataFrame:
    names = columns if columns is not None else text_columns(frame)
    require(frame, names)
    out = frame.copy(deep=False)
    for column in names:
        before = frame[column]
        after = _on_text(before, fn)
        changed = (before.notna() & (after.isna() | (after.astype(object) != before.astype(object)))).sum()
        ctx.count_in("changed", column, int(changed))
        out[column] = after
    ctx.details.setdefault("columns", names)
    return out


def trim(frame: pd.DataFrame, step: s.TrimStep, ctx: StepContext) -> pd.DataFrame:
    """Strip surrounding whitespace from text."""
    return _clean(frame, step.columns, lambda t: t.str.strip(), ctx)


def normalize(frame: pd.DataFrame, step: s.NormalizeStep, ctx: StepContext) -> pd.DataFrame:
    """Whitespace, case, Unicode forms and blanks of text."""

    def fn(text: pd.Series) -> pd.Series:
        if step.unicode:
            text = text.str.normalize("NFKC")
        if step.whitespace == "collapse":
            text = text.str.replace(r"\s+", " ", regex=True).str.strip()
        elif step.whitespace == "trim":
            text = text.str.strip()
        if step.case == "lower":
            text = text.str.lower()
        elif step.case == "upper":
            text = text.str.upper()
        elif step.case == "title":
            text = text.str.title()
        if step.blank_as_null:
            text = text.mask(text.str.strip().eq("").fillna(False).astype(bool))
        return text

    return _clean(frame, step.columns, fn, ctx)


def regex_extract(frame: pd.DataFrame, step: s.RegexExtractStep, ctx: StepContext) -> pd.DataFrame:
    """Copy what the pattern's groups capture into columns."""
    require(frame, [step.column])
    text = as_text(frame[step.column])
    targets = step.targets()
    extracted = regex_columns.extract(text, compile_regex(step.pattern))
    out = frame.copy(deep=False)
    for position, name in enumerate(targets):
        out[name] = extracted.iloc[:, position]
    matched = int(extracted.notna().any(axis=1).sum())
    ctx.count("matched", matched)
    ctx.count("unmatched", len(frame) - matched)
    ctx.details["columns"] = targets
    return out


def split(frame: pd.DataFrame, step: s.SplitStep, ctx: StepContext) -> pd.DataFrame:
    """Split text into columns, or into one row per part."""
    require(frame, [step.column])
    text = as_text(frame[step.column])
    strip: TextFn = (lambda t: t.str.strip()) if step.trim else (lambda t: t)
    out = frame.copy(deep=False)
    regex = compile_regex(step.separator) if step.regex else None
    if step.explode:
        if regex is not None:
            parts = regex_columns.split(text, regex)
        else:
            parts = text.str.split(step.separator, regex=False)
        out[step.column] = parts
        out = out.explode(step.column)
        out[step.column] = strip(out[step.column].astype("str"))
        ctx.count("added", len(out) - len(frame))
        return out
    into = step.into or []
    if len(into) == 1:
        out[into[0]] = strip(text)
        return out
    if regex is not None:
        pieces = regex_columns.split_columns(text, regex, len(into) - 1)
    else:
        pieces = text.str.split(step.separator, n=len(into) - 1, expand=True, regex=False)
    for position, name in enumerate(into):
        if position in pieces.columns:
            out[name] = strip(pieces[position].astype("str"))
        else:
            out[name] = pd.Series(np.nan, index=frame.index, dtype="str")
    ctx.details["columns"] = into
    return out


def merge(frame: pd.DataFrame, step: s.MergeStep, ctx: StepContext) -> pd.DataFrame:
    """Join the text of several columns into one."""
    require(frame, step.columns)
    parts = [as_text(frame[c]) for c in step.columns]
    sep = step.separator
    if step.skip_null:
        result = parts[0]
        for part in parts[1:]:
            joined = result + sep + part
            result = joined.where(result.notna() & part.notna(), result.where(result.notna(), part))
    else:
        result = parts[0].fillna("")
        for part in parts[1:]:
            result = result + sep + part.fillna("")
    out = frame.copy(deep=False)
    if step.drop:
        out = out.drop(columns=[c for c in step.columns if c != step.into])
    out[step.into] = result
    ctx.details["columns"] = list(step.columns)
    return out
