"""Evaluating an expression tree (`backend_fastapi.expressions`) on a DataFrame, column at a time.

Only the node types of the tree exist here, each mapped to a vectorised pandas operation; user
text was parsed by the API and is parsed again here, never evaluated as Python. Mixing kinds of
values (text compared with a number, arithmetic on text) is an error with a hint to cast first,
never a silent all-false result.
"""

from __future__ import annotations

import math
import operator
from collections.abc import Callable
from datetime import UTC, datetime
from typing import Any

import numpy as np
import pandas as pd

from backend_fastapi import expressions as ex
from backend_fastapi.pipelines import casting, regex_columns
from backend_fastapi.pipelines.errors import StepError
from backend_fastapi.pipelines.frames import as_text, kind

Value = Any  # a pd.Series or a Python scalar

_COMPARE: dict[str, Callable[[Any, Any], Any]] = {
    "==": operator.eq,
    "!=": operator.ne,
    "<": operator.lt,
    "<=": operator.le,
    ">": operator.gt,
    ">=": operator.ge,
}
_ARITHMETIC: dict[str, Callable[[Any, Any], Any]] = {
    "+": operator.add,
    "-": operator.sub,
    "*": operator.mul,
    "/": operator.truediv,
    "//": operator.floordiv,
    "%": operator.mod,
}


def _kind(value: Value) -> str:
    if isinstance(value, pd.Series):
        return kind(value)
    if value is None:
        return "empty"
    if isinstance(value, bool):
        return "bool"
    if isinstance(value, (int, float)):
        return "number"
    if isinstance(value, pd.Timestamp):
        return "datetime"
    return "text"


def _broadcast(value: Value, frame: pd.DataFrame) -> pd.Series:
    if isinstance(value, pd.Series):
        return value
    return pd.Series([value] * len(frame), index=frame.index, dtype=None if value is not None else object)


def _mask(value: Value, frame: pd.DataFrame, what: str) -> pd.Series:
    """A true/false column; missing counts as false."""
    if isinstance(value, pd.Series):
        if kind(value) not in ("bool", "empty"):
            raise StepError(f"{what} needs true/false values, not {kind(value)}")
        return value.fillna(False).astype(bool)
    if value is None or isinstance(value, bool):
        return pd.Series(bool(value), index=frame.index)
    raise StepError(f"{what} needs true/false values, not {value!r}")


class Evaluator:
    """Evaluates trees on one frame."""

    def __init__(self, frame: pd.DataFrame) -> None:
        self.frame = frame

    def column(self, text: str) -> pd.Series:
        """An expression's value as a column of the frame's length (derive)."""
        return _broadcast(self.value(ex.parse(text)), self.frame)

    def mask(self, text: str) -> pd.Series:
        """An expression as a true/false column (filter)."""
        return _mask(self.value(ex.parse(text)), self.frame, "the filter")

    def value(self, node: ex.Node) -> Value:
        """The value of a tree: a column or a scalar; evaluation errors become step errors."""
        try:
            return self._eval(node)
        except StepError:
            raise
        except (TypeError, ValueError, ArithmeticError) as exc:
            raise StepError(f"cannot evaluate: {exc}") from exc

    def _eval(self, node: ex.Node) -> Value:
        if isinstance(node, ex.Literal):
            return node.value
        if isinstance(node, ex.Column):
            if node.name not in self.frame.columns:
                have = ", ".join(repr(c) for c in list(self.frame.columns)[:50])
                raise StepError(f"unknown column {node.name!r}; the columns are: {have}")
            return self.frame[node.name]
        if isinstance(node, ex.Unary):
            return self._unary(node)
        if isinstance(node, ex.Arithmetic):
            return self._arithmetic(node.op, self._eval(node.left), self._eval(node.right))
        if isinstance(node, ex.Compare):
            return self._compare(node.op, self._eval(node.left), self._eval(node.right))
        if isinstance(node, ex.Logical):
            masks = [_mask(self._eval(o), self.frame, f"'{node.op}'") for o in node.operands]
            combined = masks[0]
            for mask in masks[1:]:
                combined = (combined & mask) if node.op == "and" else (combined | mask)
            return combined
        if isinstance(node, ex.Membership):
            operand = _broadcast(self._eval(node.operand), self.frame)
            items = list(node.items.items)
            hit = operand.isin([i for i in items if i is not None]).fillna(False).astype(bool)
            if None in items:
                hit |= operand.isna()
            return ~hit if node.negated else hit
        if isinstance(node, ex.TextMatch):
            text = as_text(_broadcast(self._eval(node.operand), self.frame))
            if node.op == "matches":
                hit = regex_columns.contains(text, node.pattern, na=False)
            else:
                hit = text.str.contains(node.pattern, regex=False, na=False).astype(bool)
            return ~hit if node.negated else hit
        if isinstance(node, ex.Call):
            return self._call(node)
        raise StepError(f"unsupported expression part {type(node).__name__}")

    def _unary(self, node: ex.Unary) -> Value:
        operand = self._eval(node.operand)
        if node.op == "not":
            return ~_mask(operand, self.frame, "'not'")
        if _kind(operand) not in ("number", "empty"):
            raise StepError(f"'-' needs numbers, not {_kind(operand)}")
        return -operand

    def _arithmetic(self, op: str, left: Value, right: Value) -> Value:
        kinds = {_kind(left), _kind(right)} - {"empty"}
        if op == "+" and kinds == {"text"}:
            return (
                _broadcast(left, self.frame).astype("str") + right
                if isinstance(left, pd.Series)
                else left + right
            )
        if not kinds <= {"number", "bool"}:
            shown = " and ".join(sorted(kinds))
            raise StepError(f"'{op}' needs numbers, not {shown} (cast text columns to number first)")
        if op == "**":
            base = left.astype("float64") if isinstance(left, pd.Series) else np.float64(left)
            with np.errstate(over="ignore", invalid="ignore"):
                return np.power(base, float(right))
        if op in ("/", "//", "%") and not isinstance(left, pd.Series) and not isinstance(right, pd.Series):
            if right == 0:
                return math.nan
        with np.errstate(divide="ignore", invalid="ignore", over="ignore"):
            return _ARITHMETIC[op](left, right)

    def _compare(self, op: str, left: Value, right: Value) -> Value:
        if op in ("==", "!=") and (left is None or right is None):
            other = right if left is None else left
            missing = _broadcast(other, self.frame).isna()
            return missing if op == "==" else ~missing
        left, right = _align(left, right)
        kinds = {_kind(left), _kind(right)} - {"empty"}
        if "text" in kinds and kinds & {"number", "bool"}:
            raise StepError(
                f"cannot compare text with a number using '{op}' (cast the text column to number first)"
            )
        result = _COMPARE[op](left, right)
        if isinstance(result, pd.Series):
            return result.fillna(False).astype(bool)
        return bool(result)

    def _call(self, node: ex.Call) -> Value:
        args = [self._eval(a) for a in node.args]
        function = IMPLEMENTATIONS.get(node.name)
        if function is None:
            raise StepError(f"unknown function {node.name!r}")
        return function(self, args)

    def series(self, value: Value) -> pd.Series:
        """A value as a column of the frame's length."""
        return _broadcast(value, self.frame)


def _align(left: Value, right: Value) -> tuple[Value, Value]:
    """Text literals compared with times are read as times (`day >= "2024-01-01"`)."""
    for a, b, swap in ((left, right, False), (right, left, True)):
        if isinstance(a, pd.Series) and _kind(a) in ("datetime", "date") and isinstance(b, str):
            try:
                stamp = pd.Timestamp(b)
            except ValueError as exc:
                raise StepError(f"{b!r} is not a date or time") from exc
            series = a
            if _kind(a) == "date":
                series = pd.to_datetime(a.astype("str"), errors="coerce")
            elif getattr(a.dt, "tz", None) is not None and stamp.tzinfo is None:
                stamp = stamp.tz_localize("UTC")
            return (stamp, series) if swap else (series, stamp)
    return left, right


def _text(ev: Evaluator, value: Value) -> pd.Series:
    return as_text(ev.series(value))


def _numeric(ev: Evaluator, value: Value, name: str) -> pd.Series:
    series = ev.series(value)
    if kind(series) not in ("number", "bool", "empty"):
        raise StepError(f"{name}() needs numbers, not {kind(series)} (cast it to number first)")
    return series.astype("float64")


def _times(ev: Evaluator, value: Value) -> pd.Series:
    converted, _ = casting.to_datetime(ev.series(value))
    return converted


def _round(ev: Evaluator, args: list[Value]) -> Value:
    digits = int(args[1]) if len(args) > 1 else 0
    return _numeric(ev, args[0], "round").round(digits)


def _coalesce(ev: Evaluator, args: list[Value]) -> Value:
    result = ev.series(args[0])
    for value in args[1:]:
        result = result.where(result.notna(), value)
    return result


def _concat(ev: Evaluator, args: list[Value]) -> Value:
    parts = [_text(ev, a).fillna("") for a in args]
    result = parts[0]
    for part in parts[1:]:
        result = result + part
    return result


def _if_else(ev: Evaluator, args: list[Value]) -> Value:
    condition = _mask(args[0], ev.frame, "if_else()")
    chosen = ev.series(args[1]).where(condition, ev.series(args[2]))
    return chosen


def _extreme(which: str) -> Callable[[Evaluator, list[Value]], Value]:
    def compute(ev: Evaluator, args: list[Value]) -> Value:
        columns = pd.concat([_numeric(ev, a, which) for a in args], axis=1)
        return columns.min(axis=1) if which == "min" else columns.max(axis=1)

    return compute


def _substr(ev: Evaluator, args: list[Value]) -> Value:
    start = int(args[1])
    stop = start + int(args[2]) if len(args) > 2 else None
    return _text(ev, args[0]).str.slice(start, stop)


# Each expression function (expressions.FUNCTIONS) as the pandas code that runs it.
IMPLEMENTATIONS: dict[str, Callable[[Evaluator, list[Value]], Value]] = {
    "lower": lambda ev, a: _text(ev, a[0]).str.lower(),
    "upper": lambda ev, a: _text(ev, a[0]).str.upper(),
    "trim": lambda ev, a: _text(ev, a[0]).str.strip(),
    "length": lambda ev, a: _text(ev, a[0]).str.len().astype("Int64"),
    "abs": lambda ev, a: _numeric(ev, a[0], "abs").abs(),
    "round": _round,
    "floor": lambda ev, a: np.floor(_numeric(ev, a[0], "floor")),
    "ceil": lambda ev, a: np.ceil(_numeric(ev, a[0], "ceil")),
    "coalesce": _coalesce,
    "concat": _concat,
    "number": lambda ev, a: casting.to_number(ev.series(a[0]))[0],
    "string": lambda ev, a: casting.to_string(ev.series(a[0]))[0],
    "is_null": lambda ev, a: ev.series(a[0]).isna(),
    "not_null": lambda ev, a: ev.series(a[0]).notna(),
    "replace": lambda ev, a: _text(ev, a[0]).str.replace(str(a[1]), str(a[2]), regex=False),
    "substr": _substr,
    "startswith": lambda ev, a: _text(ev, a[0]).str.startswith(str(a[1])).fillna(False).astype(bool),
    "endswith": lambda ev, a: _text(ev, a[0]).str.endswith(str(a[1])).fillna(False).astype(bool),
    "if_else": _if_else,
    "min": _extreme("min"),
    "max": _extreme("max"),
    "year": lambda ev, a: _times(ev, a[0]).dt.year.astype("Int64"),
    "month": lambda ev, a: _times(ev, a[0]).dt.month.astype("Int64"),
    "day": lambda ev, a: _times(ev, a[0]).dt.day.astype("Int64"),
    "today": lambda ev, a: pd.Timestamp(datetime.now(UTC).date()),
}
