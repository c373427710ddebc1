"""Every step op, by name, and which of them can run on one chunk of rows at a time."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pandas as pd

from backend_fastapi.pipelines.steps import columns, table, text, validation
from backend_fastapi.pipelines.steps.base import StepContext
from backend_fastapi.schemas import pipeline_steps as s
from backend_fastapi.schemas.pipeline_rules import UniqueRule

StepFn = Callable[[pd.DataFrame, Any, StepContext], pd.DataFrame]
Finisher = Callable[[Any, StepContext], None]

OPS: dict[str, StepFn] = {
    "select": columns.select,
    "drop": columns.drop,
    "rename": columns.rename,
    "cast": columns.cast,
    "fill_null": columns.fill_null,
    "drop_null": columns.drop_null,
    "filter": columns.filter_rows,
    "derive": columns.derive,
    "limit": columns.limit,
    "trim": text.trim,
    "normalize": text.normalize,
    "regex_extract": text.regex_extract,
    "split": text.split,
    "merge": text.merge,
    "dedupe": table.dedupe,
    "sort": table.sort,
    "join": table.join,
    "append": table.append,
    "aggregate": table.aggregate,
    "validate": validation.validate,
}
FINISHERS: dict[str, Finisher] = {"validate": validation.finish}
# Row-local steps: each output row depends on one input row, so chunks can pass through alone.
ROW_LOCAL = frozenset(
    "select drop rename cast fill_null drop_null filter derive limit".split()
    + "trim normalize regex_extract split merge".split()
)


def streamable(step: Any) -> bool:
    """True when the step can run chunk by chunk (a `unique` rule needs every row at once).

    A `left` or `inner` join is row-local too once its other source is in memory: each row's
    matches depend on that row alone, and pandas keeps the left rows' order, so the chunks' joins
    put together are the whole frame's join. `right` and `outer` joins add the other side's
    unmatched rows, which only the whole frame can tell.
    """
    if isinstance(step, s.ValidateStep):
        return not any(isinstance(rule, UniqueRule) for rule in step.rules)
    if isinstance(step, s.JoinStep):
        return step.how in ("left", "inner")
    return step.op in ROW_LOCAL


__all__ = ["FINISHERS", "OPS", "StepContext", "streamable"]
