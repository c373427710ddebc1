"""Pipeline definitions are validated in full on arrival; errors name the step index and field."""

from __future__ import annotations

from typing import Any

import pytest
from pydantic import ValidationError

from backend_fastapi.schemas.pipeline import (
    PipelineIn,
    PipelinePreviewRequest,
    PipelineRunRequest,
    export_name,
)

ISSUE_EXAMPLE: dict[str, Any] = {
    "name": "daily-prices",
    "source": {"type": "job", "job_id": "0190a000-0000-7000-8000-000000000000"},
    "steps": [
        {"op": "rename", "columns": {"title": "product"}},
        {"op": "cast", "columns": {"price": "number"}},
        {"op": "dedupe", "subset": ["product"]},
        {
            "op": "validate",
            "rules": [{"column": "price", "check": "between", "min": 0, "max": 100000}],
            "on_fail": "drop",
        },
    ],
    "output": {"format": "csv", "name": "daily-prices"},
}


def errors_of(definition: dict[str, Any]) -> list[tuple[tuple[Any, ...], str]]:
    with pytest.raises(ValidationError) as caught:
        PipelineIn.model_validate(definition)
    return [(e["loc"], e["msg"]) for e in caught.value.errors()]


def with_step(step: dict[str, Any], at: int = 2) -> dict[str, Any]:
    steps = list(ISSUE_EXAMPLE["steps"])
    steps.insert(at, step)
    return {**ISSUE_EXAMPLE, "steps": steps}


def test_the_example_of_the_issue_is_valid_and_stored_as_given() -> None:
    spec = PipelineIn.model_validate(ISSUE_EXAMPLE)
    assert spec.to_json() == ISSUE_EXAMPLE
    assert [o.name for o in spec.outputs()] == ["daily-prices"]


@pytest.mark.parametrize(
    ("step", "loc", "message"),
    [
        (
            {"op": "cast", "columns": {"price": "money"}},
            ("steps", 2, "cast", "columns"),
            "price: unknown type 'money'",
        ),
        ({"op": "bogus"}, ("steps", 2), "Input tag 'bogus' found using 'op'"),
        ({"columns": ["a"]}, ("steps", 2), "Unable to extract tag using discriminator 'op'"),
        ({"op": "select", "columns": []}, ("steps", 2, "select", "columns"), "at least 1 item"),
        ({"op": "select", "columns": ["a"], "colums": 1}, ("steps", 2, "select", "colums"), "Extra inputs"),
        (
            {"op": "filter", "expr": "__import__('os')"},
            ("steps", 2, "filter", "expr"),
            "names starting with '__'",
        ),
        ({"op": "filter", "expr": "a.b"}, ("steps", 2, "filter", "expr"), "attribute access is not allowed"),
        (
            {"op": "derive", "columns": {"x": "2 ** 99999"}},
            ("steps", 2, "derive", "columns"),
            "x: the exponent",
        ),
        (
            {"op": "regex_extract", "column": "a", "pattern": "(a)(b)", "into": "x"},
            ("steps", 2, "regex_extract"),
            "the pattern has 2 groups",
        ),
        (
            {"op": "regex_extract", "column": "a", "pattern": "(", "into": "x"},
            ("steps", 2, "regex_extract", "pattern"),
            "invalid regular expression",
        ),
        ({"op": "split", "column": "a", "separator": ","}, ("steps", 2, "split"), "give either 'into'"),
        ({"op": "join", "source": {"type": "inline", "records": []}}, ("steps", 2, "join"), "give 'on'"),
        (
            {"op": "join", "source": {"type": "url", "url": "http://169.254.169.254/latest"}, "on": ["a"]},
            ("steps", 2, "join", "source", "url", "url"),
            "link-local",
        ),
        (
            {"op": "aggregate", "aggregations": [{"fn": "sum"}]},
            ("steps", 2, "aggregate", "aggregations", 0),
            "'sum' needs a 'column'",
        ),
        (
            {"op": "aggregate", "group_by": ["n"], "aggregations": [{"fn": "count", "as": "n"}]},
            ("steps", 2, "aggregate"),
            "output column names must be distinct",
        ),
        ({"op": "limit", "n": -1}, ("steps", 2, "limit", "n"), "greater than or equal to 0"),
        (
            {"op": "validate", "rules": [{"check": "between", "column": "p"}]},
            ("steps", 2, "validate", "rules", 0, "between"),
            "give 'min', 'max' or both",
        ),
        (
            {"op": "validate", "rules": [{"check": "matches", "column": "p", "pattern": "[z-a]"}]},
            ("steps", 2, "validate", "rules", 0, "matches", "pattern"),
            "invalid regular expression",
        ),
        (
            {"op": "validate", "rules": [{"check": "shiny", "column": "p"}]},
            ("steps", 2, "validate", "rules", 0),
            "'shiny'",
        ),
        (
            {"op": "validate", "rules": [{"check": "not_null", "column": "p"}], "on_fail": "explode"},
            ("steps", 2, "validate", "on_fail"),
            "'drop', 'warn' or 'fail'",
        ),
    ],
)
def test_an_invalid_step_is_reported_with_its_index_op_and_field(
    step: dict[str, Any], loc: tuple[Any, ...], message: str
) -> None:
    errors = errors_of(with_step(step))
    assert errors[0][0] == loc
    assert message in errors[0][1]


@pytest.mark.parametrize(
    "name", ["../etc/passwd", "a/b", "a\\b", "..", ".hidden", "a..b", "", "x" * 101, "na me"]
)
def test_export_names_that_could_leave_the_exports_folder_are_refused(name: str) -> None:
    errors = errors_of({**ISSUE_EXAMPLE, "output": {"format": "csv", "name": name}})
    assert errors[0][0][:2] == ("output", "file")


def test_outputs_may_be_a_list_and_default_to_the_pipelines_name() -> None:
    spec = PipelineIn.model_validate(
        {
            **ISSUE_EXAMPLE,
            "name": "Daily prices: EU",
            "output": [{"format": "csv"}, {"format": "parquet", "name": "p"}],
        }
    )
    assert [(o.name, o.format) for o in spec.outputs()] == [("Daily-prices-EU", "csv"), ("p", "parquet")]
    assert errors_of({**ISSUE_EXAMPLE, "output": [{"format": "csv"}, {"format": "csv"}]})[0][1].endswith(
        "two outputs have the same name and format"
    )


def test_export_name_never_yields_a_path() -> None:
    assert export_name("../../etc/passwd") == "etc-passwd"
    assert export_name(None) == "export"
    assert export_name("...") == "export"


def test_a_run_request_takes_exactly_one_pipeline_and_an_inline_one_needs_a_source() -> None:
    with pytest.raises(ValidationError, match="exactly one of 'pipeline_id' or 'pipeline'"):
        PipelineRunRequest.model_validate({})
    with pytest.raises(ValidationError, match="exactly one of"):
        PipelineRunRequest.model_validate({"pipeline_id": "a", "pipeline": {}})
    with pytest.raises(ValidationError, match="the inline pipeline has no source"):
        PipelineRunRequest.model_validate({"pipeline": {"steps": []}})
    with pytest.raises(ValidationError) as caught:
        PipelineRunRequest.model_validate(
            {"pipeline": {**ISSUE_EXAMPLE, "steps": [{"op": "sort", "by": []}]}}
        )
    assert caught.value.errors()[0]["loc"] == ("pipeline", "steps", 0, "sort", "by")


def test_payloads_carry_the_definition_and_the_source_override_but_not_the_job_options() -> None:
    run = PipelineRunRequest.model_validate(
        {"pipeline": ISSUE_EXAMPLE, "source": {"type": "inline", "records": [{"a": None}]}, "priority": 5}
    )
    assert run.to_payload().to_json() == {
        "pipeline": ISSUE_EXAMPLE,
        "source": {"type": "inline", "records": [{"a": None}]},
    }
    preview = PipelinePreviewRequest.model_validate({"pipeline_id": "daily-prices", "rows": 5})
    assert preview.to_payload().to_json() == {"pipeline_id": "daily-prices", "rows": 5}
    assert preview.priority == 50
