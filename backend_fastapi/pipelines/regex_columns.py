"""A user's regex over a text column, run by RE2 (`backend_fastapi.regexes`) value by value.

pandas' `str.contains`/`str.extract`/`str.split` would hand the pattern to Python's `re` (whose
backtracking a pattern like `(a+)+$` turns exponential); these give the same results with the
linear-time engine.
"""

from __future__ import annotations

from typing import Any

import pandas as pd

from backend_fastapi.regexes import Pattern, compile_regex


def contains(text: pd.Series, pattern: str, *, na: bool) -> pd.Series:
    """True where the pattern is found in a text value; `na` where the value is missing."""
    regex = compile_regex(pattern)
    hits = [regex.search(v) is not None if isinstance(v, str) else na for v in text.tolist()]
    return pd.Series(hits, index=text.index, dtype=bool)


def extract(text: pd.Series, regex: Pattern) -> pd.DataFrame:
    """One text column per group (the whole match when there is none); missing where unmatched."""
    width = max(regex.groups, 1)
    empty: tuple[Any, ...] = (None,) * width
    rows: list[tuple[Any, ...]] = []
    for value in text.tolist():
        match = regex.search(value) if isinstance(value, str) else None
        if match is None:
            rows.append(empty)
        else:
            rows.append(match.groups() if regex.groups else (match.group(0),))
    return pd.DataFrame(rows, index=text.index, columns=range(width)).astype("str")


def split(text: pd.Series, regex: Pattern, maxsplit: int = 0) -> pd.Series:
    """Each text value's parts as a list (captured separators included, as `re.split` does)."""
    parts = [regex.split(v, maxsplit) if isinstance(v, str) else float("nan") for v in text.tolist()]
    return pd.Series(parts, index=text.index, dtype=object)


def split_columns(text: pd.Series, regex: Pattern, maxsplit: int) -> pd.DataFrame:
    """The parts of `split` as columns 0, 1, ..., missing where a value has fewer parts."""
    rows = [v if isinstance(v, list) else [None] for v in split(text, regex, maxsplit).tolist()]
    width = max((len(row) for row in rows), default=1)
    return pd.DataFrame([row + [None] * (width - len(row)) for row in rows], index=text.index)
