"""Validation rules, what failing rows do (drop, warn, fail), and the report with its samples."""

from __future__ import annotations

from pathlib import Path
from typing import Any

import pandas as pd
import pytest

from backend_fastapi.pipelines.errors import ValidationFailed
from tests.support.pipeline_frames import rows, run_pipeline, run_step


def check(
    source: pd.DataFrame, rule: dict[str, Any], on_fail: str = "drop"
) -> tuple[list[int], dict[str, Any]]:
    """The row labels a rule dropped, and its report."""
    out, ctx = run_step(source, {"op": "validate", "rules": [rule], "on_fail": on_fail})
    dropped = [i for i in source.index if i not in out.index]
    return dropped, ctx.details["rules"][0]


@pytest.mark.parametrize(
    ("values", "rule", "failing"),
    [
        (["a", None, "  ", "b"], {"check": "not_null"}, [1]),
        (["a", None, "  ", "b"], {"check": "not_null", "blank_as_null": True}, [1, 2]),
        (["a", "b", "a", None, None, "a"], {"check": "unique"}, [2, 5]),
        ([5.0, -1.0, 100001.0, None, 100000.0], {"check": "between", "min": 0, "max": 100000}, [1, 2]),
        ([0.0, 10.0], {"check": "between", "min": 0, "max": 10, "inclusive": False}, [0, 1]),
        (["5", "x", "7"], {"check": "between", "min": 6}, [0, 1]),
        (["2024-01-01", "2023-12-31", "junk"], {"check": "between", "min": "2024-01-01"}, [1, 2]),
        (["AB-1", "ab-2", None, "XY-33x"], {"check": "matches", "pattern": r"^[A-Z]{2}-\d+$"}, [1, 3]),
        (["EUR", "USD", "GBP", None], {"check": "in_set", "values": ["EUR", "USD"]}, [2]),
        (["1", "2", "3"], {"check": "in_set", "values": [1, 2]}, [2]),
        (["12", "x", None, "3.5"], {"check": "type", "type": "number"}, [1]),
        (["12", "3.5"], {"check": "type", "type": "integer"}, [1]),
        (["2024-02-30", "2024-02-28"], {"check": "type", "type": "date"}, [0]),
        ([1, "a", None], {"check": "type", "type": "string"}, [0]),
    ],
)
def test_each_rule_finds_exactly_the_failing_rows(
    values: list[Any], rule: dict[str, Any], failing: list[int]
) -> None:
    source = pd.DataFrame(
        {"v": pd.Series(values, dtype=object if any(isinstance(v, int) for v in values) else None)}
    )
    dropped, report = check(source, {**rule, "column": "v"})
    assert dropped == failing
    assert report["failed"] == len(failing)


def test_unique_over_several_columns() -> None:
    source = pd.DataFrame({"a": [1, 1, 1], "b": ["x", "y", "x"]})
    dropped, report = check(source, {"check": "unique", "columns": ["a", "b"]})
    assert dropped == [2]
    assert report["description"] == "a + b unique"


def test_warn_keeps_rows_and_reports_them_with_samples() -> None:
    source = pd.DataFrame({"price": [float(i) for i in range(-30, 5)], "sku": [f"s{i}" for i in range(35)]})
    out, ctx = run_step(
        source,
        {"op": "validate", "rules": [{"check": "between", "column": "price", "min": 0}], "on_fail": "warn"},
    )
    assert len(out) == 35
    report = ctx.details["rules"][0]
    assert report["failed"] == 30
    assert report["on_fail"] == "warn"
    assert report["description"] == "price >= 0"
    assert len(report["samples"]) == 20
    assert report["samples"][0] == {"row": 0, "values": {"price": -30.0, "sku": "s0"}}


def test_fail_stops_the_run_naming_the_step_the_rule_and_rows() -> None:
    source = pd.DataFrame({"price": [1.0, -2.0, 3.0, -4.0]})
    with pytest.raises(ValidationFailed) as caught:
        run_step(source, {"op": "validate", "rules": [{"check": "between", "column": "price", "min": 0}]})
    assert str(caught.value) == (
        "steps[0] (validate) failed: 2 rows fail rule 0 (price >= 0), e.g. rows 1, 3"
    )
    assert caught.value.code == "validation_failed"


def test_a_rule_can_override_the_steps_on_fail() -> None:
    source = pd.DataFrame({"a": [None, "x"], "b": ["q", "zz"]})
    out, ctx = run_step(
        source,
        {
            "op": "validate",
            "on_fail": "warn",
            "rules": [
                {"check": "not_null", "column": "a", "on_fail": "drop"},
                {"check": "matches", "column": "b", "pattern": "^z"},
            ],
        },
    )
    assert rows(out) == [{"a": "x", "b": "zz"}]
    assert [r["failed"] for r in ctx.details["rules"]] == [1, 1]
    assert ctx.details["dropped"] == 1


def test_preview_reports_a_failing_rule_instead_of_failing() -> None:
    source = pd.DataFrame({"price": [-1.0]})
    _, ctx = run_step(
        source, {"op": "validate", "rules": [{"check": "between", "column": "price", "min": 0}]}, preview=True
    )
    assert ctx.details["rules"][0]["would_fail"] is True


def test_counts_and_samples_are_exact_when_the_source_streams_in_chunks(tmp_path: Path) -> None:
    records = [{"n": i, "price": -1 if i % 3 == 0 else 1} for i in range(50)]
    steps = [
        {"op": "validate", "rules": [{"check": "between", "column": "price", "min": 0}], "on_fail": "drop"},
    ]
    result = run_pipeline(tmp_path, records, steps, chunk_rows=7)
    rule = result["validation"]["rules"][0]
    assert rule["failed"] == 17
    assert [s["row"] for s in rule["samples"]] == list(range(0, 50, 3))[:17]
    assert result["validation"]["rows_dropped"] == 17
    assert result["rows"] == 33
    assert result["source"]["streamed_steps"] == 1


def test_fail_over_a_streamed_source_is_decided_after_every_row(tmp_path: Path) -> None:
    records = [{"n": i, "ok": i != 3 and i != 41} for i in range(50)]
    steps = [{"op": "validate", "rules": [{"check": "in_set", "column": "ok", "values": [True]}]}]
    with pytest.raises(ValidationFailed) as caught:
        run_pipeline(tmp_path, records, steps, chunk_rows=5)
    assert "2 rows fail rule 0" in str(caught.value)
    assert "rows 3, 41" in str(caught.value)
    assert caught.value.details["validation"]["rules"][0]["failed"] == 2
