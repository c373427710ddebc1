"""A monitor request is checked whole at the edge: timing, rules, conditions, notify targets."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend_fastapi.schemas.monitors import Condition, MonitorIn, every_seconds

TARGET = {"url": "https://shop.example/catalog"}


@pytest.mark.parametrize(
    ("condition", "message"),
    [
        ({"op": "lt", "value": 1}, "field"),
        ({"field": "price", "op": "below", "value": 1}, "op"),
        ({"field": "price", "op": "lt", "value": "cheap"}, "number"),
        ({"field": "price", "op": "gt"}, "number"),
        ({"field": "price", "op": "lt", "value": True}, "number"),
        ({"field": "price", "op": "decreased", "value": 10}, "takes no 'value'"),
        ({"field": "name", "op": "contains", "value": "  "}, "looks for a text"),
        ({"field": "name", "op": "contains", "value": True}, "looks for a text"),
        ({"field": "stock", "op": "eq"}, "needs a 'value'"),
        ({"field": "stock", "op": "eq", "value": [1]}, "compares with"),
        ({"field": "price", "op": "lt", "value": 1, "unit": "EUR"}, "unit"),
    ],
)
def test_a_condition_that_cannot_be_evaluated_is_refused(condition: dict[str, Any], message: str) -> None:
    with pytest.raises(ValidationError, match=message):
        Condition.model_validate(condition)


def test_good_conditions_pass() -> None:
    for condition in (
        {"field": "price", "op": "decreased"},
        {"field": "price", "op": "lt", "value": 100},
        {"field": "price", "op": "gt", "value": 5.5},
        {"field": "in_stock", "op": "eq", "value": True},
        {"field": "note", "op": "eq", "value": None},
        {"field": "title", "op": "contains", "value": "sale"},
        {"field": "markdown", "op": "changed"},
    ):
        Condition.model_validate(condition)


@pytest.mark.parametrize(
    ("text", "seconds"), [("15m", 900), ("1h", 3600), ("30s", 30), ("2d", 172800), ("90", 90)]
)
def test_intervals(text: str, seconds: float) -> None:
    assert every_seconds(text) == seconds


@pytest.mark.parametrize("text", ["5s", "soon", "15 minutes", "-1m"])
def test_bad_intervals(text: str) -> None:
    with pytest.raises(ValueError, match=r"interval|at most"):
        every_seconds(text)


def test_a_monitor_stores_its_target_named_after_it_and_its_timing_as_the_schedule_reads_it() -> None:
    monitor = MonitorIn.model_validate({"name": "prices", "target": TARGET, "every": "15m", "key": ["sku"]})
    assert monitor.schedule_cron == "@every 900s"
    assert monitor.target_json()["name"] == "prices"
    definition = monitor.definition()
    assert definition["target"] == TARGET
    assert (definition["key"], definition["every"], definition["min_ratio"]) == (["sku"], "15m", 0.5)
    cron = MonitorIn.model_validate({"name": "p", "target": TARGET, "cron": "0  6 * * *"})
    assert cron.schedule_cron == "0 6 * * *"


@pytest.mark.parametrize(
    "change",
    [
        {},  # neither cron nor every
        {"every": "1h", "cron": "0 6 * * *"},
        {"every": "1h", "target": {**TARGET, "name": "other"}},
        {"every": "1h", "ignore": ["(a"]},
        {"every": "1h", "key": []},
        {"every": "1h", "min_ratio": 1.5},
        {"every": "1h", "match": "most"},
    ],
)
def test_bad_monitors(change: dict[str, Any]) -> None:
    with pytest.raises(ValidationError):
        MonitorIn.model_validate({"name": "p", "target": TARGET, **change})
