"""The `validate` step: rules, what failing rows do (drop, warn, fail), and the report with samples.

Missing values pass every rule except `not_null`. Over a streamed source the counts and samples
add up across chunks, and `fail` is decided once every row was seen, so the report is exact.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from backend_fastapi.pipelines import regex_columns
from backend_fastapi.pipelines.casting import convert, to_datetime, to_number
from backend_fastapi.pipelines.errors import StepError, ValidationFailed
from backend_fastapi.pipelines.frames import SAMPLE_TEXT_LIMIT, as_text, blank, kind, require, to_records
from backend_fastapi.pipelines.steps.base import StepContext
from backend_fastapi.schemas import pipeline_rules as r
from backend_fastapi.schemas import pipeline_steps as s

SAMPLES_PER_RULE = 20
KNOWN_FAILURES = "known_failures"  # in a step's state: rule number -> the chunk's failing rows


def describe(rule: Any) -> str:
    """A rule in words, for the report and error messages."""
    if isinstance(rule, r.UniqueRule):
        return f"{' + '.join(rule.keys)} unique"
    if isinstance(rule, r.NotNullRule):
        return f"{rule.column} not null"
    if isinstance(rule, r.BetweenRule):
        if rule.max is None:
            return f"{rule.column} {'>=' if rule.inclusive else '>'} {rule.min}"
        if rule.min is None:
            return f"{rule.column} {'<=' if rule.inclusive else '<'} {rule.max}"
        return f"{rule.column} between {rule.min} and {rule.max}" + ("" if rule.inclusive else " (exclusive)")
    if isinstance(rule, r.MatchesRule):
        return f"{rule.column} matches {rule.pattern!r}"
    if isinstance(rule, r.InSetRule):
        shown = ", ".join(repr(v) for v in rule.values[:10]) + (", ..." if len(rule.values) > 10 else "")
        return f"{rule.column} in [{shown}]"
    if isinstance(rule, r.TypeRule):
        return f"{rule.column} is {rule.type}"
    return str(rule)


def _between(series: pd.Series, rule: r.BetweenRule) -> pd.Series:
    dated = isinstance(rule.min, str) or isinstance(rule.max, str)
    if dated:
        values, unreadable = to_datetime(series)
        try:
            low = None if rule.min is None else pd.Timestamp(str(rule.min))
            high = None if rule.max is None else pd.Timestamp(str(rule.max))
        except ValueError as exc:
            raise StepError(f"between: the bounds must be numbers or ISO dates ({exc})") from exc
    else:
        values, unreadable = to_number(series)
        low, high = rule.min, rule.max
    inside = pd.Series(True, index=series.index)
    if low is not None:
        inside &= (values >= low) if rule.inclusive else (values > low)
    if high is not None:
        inside &= (values <= high) if rule.inclusive else (values < high)
    return unreadable | (values.notna() & ~inside.fillna(False).astype(bool))


def _type(series: pd.Series, rule: r.TypeRule) -> pd.Series:
    if rule.type == "string":
        column_kind = kind(series)
        if column_kind in ("text", "empty"):
            return pd.Series(False, index=series.index)
        if column_kind == "mixed":
            return series.notna() & ~series.map(lambda v: isinstance(v, str)).astype(bool)
        return series.notna()
    _, bad = convert(series, s.CastSpec(type=rule.type))
    return bad


def failures(frame: pd.DataFrame, rule: Any) -> pd.Series:
    """True for every row that fails `rule`."""
    if isinstance(rule, r.UniqueRule):
        require(frame, rule.keys)
        present = frame[rule.keys].notna().all(axis=1)
        return frame.duplicated(subset=rule.keys, keep="first") & present
    require(frame, [rule.column])
    series = frame[rule.column]
    if isinstance(rule, r.NotNullRule):
        return blank(series) if rule.blank_as_null else series.isna()
    if isinstance(rule, r.BetweenRule):
        return _between(series, rule)
    if isinstance(rule, r.MatchesRule):
        hit = regex_columns.contains(as_text(series), rule.pattern, na=True)
        return series.notna() & ~hit
    if isinstance(rule, r.InSetRule):
        allowed = [v for v in rule.values if v is not None]
        hit = series.isin(allowed) | as_text(series).isin([str(v) for v in allowed])
        return series.notna() & ~hit.fillna(False).astype(bool)
    if isinstance(rule, r.TypeRule):
        return _type(series, rule)
    raise StepError(f"unknown rule {rule!r}")


def _row_label(value: Any) -> Any:
    return int(value) if isinstance(value, int) or hasattr(value, "__index__") else str(value)


def validate(frame: pd.DataFrame, step: s.ValidateStep, ctx: StepContext) -> pd.DataFrame:
    """Apply the rules to a chunk: count and sample failures, drop the rows of `drop` rules."""
    reports: list[dict[str, Any]] = ctx.state.setdefault(
        "rules",
        [
            {
                "step": ctx.index,
                "rule": i,
                "check": rule.check,
                "column": getattr(rule, "column", None) or ", ".join(getattr(rule, "keys", [])),
                "description": describe(rule),
                "on_fail": rule.on_fail or step.on_fail,
                "failed": 0,
                "samples": [],
            }
            for i, rule in enumerate(step.rules)
        ],
    )
    # Out of core, a `unique` rule's repeats are found over every row first (`outofcore`), and
    # each chunk comes with its rows' answers, by rule.
    known: dict[int, pd.Series] = ctx.state.pop(KNOWN_FAILURES, None) or {}
    drop_rows = pd.Series(False, index=frame.index)
    for number, (rule, report) in enumerate(zip(step.rules, reports, strict=True)):
        failed = (known[number] if number in known else failures(frame, rule)).fillna(False).astype(bool)
        count = int(failed.sum())
        if not count:
            continue
        report["failed"] += count
        room = SAMPLES_PER_RULE - len(report["samples"])
        if room > 0:
            rows = frame[failed].head(room)
            for label, values in zip(rows.index, to_records(rows, SAMPLE_TEXT_LIMIT), strict=True):
                report["samples"].append({"row": _row_label(label), "values": values})
        if report["on_fail"] == "drop":
            drop_rows |= failed
    ctx.count("dropped", int(drop_rows.sum()))
    ctx.details["rules"] = reports
    return frame[~drop_rows] if drop_rows.any() else frame


def finish(step: s.ValidateStep, ctx: StepContext) -> None:
    """After the last row: fail the job for rules with `on_fail: fail` that rows failed."""
    reports = ctx.state.get("rules", [])
    ctx.details["rules"] = reports
    failing = [r for r in reports if r["on_fail"] == "fail" and r["failed"]]
    for report in failing:
        report["would_fail" if ctx.preview else "failed_job"] = True
    if failing and not ctx.preview:
        first = failing[0]
        rows = ", ".join(str(sample["row"]) for sample in first["samples"][:5])
        more = f" and {len(failing) - 1} more rules" if len(failing) > 1 else ""
        raise ValidationFailed(
            f"steps[{ctx.index}] (validate) failed: {first['failed']:,} rows fail rule {first['rule']} "
            f"({first['description']}), e.g. rows {rows}{more}",
            details={"rules": reports},
        )
