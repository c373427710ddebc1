"""The job type registry: one spelling, one way to build a job, follow-ups decided by the types."""

from __future__ import annotations

from types import SimpleNamespace
from typing import Any, get_args

import pytest

from backend_fastapi import jobtypes
from backend_fastapi.jobtypes import FINISHED_STATUSES, JOB_TYPES, JobStatus, JobType, build_job, follow_ups
from backend_fastapi.schemas import scrape
from backend_fastapi.schemas.common import JOB_OPTION_FIELDS, JobPayload, WebhookEvent
from backend_fastapi.schemas.pipeline import (
    PipelinePayload,
    PipelinePreviewPayload,
    PipelinePreviewRequest,
    PipelineRunRequest,
)
from backend_fastapi.schemas.results import RESULT_MODELS, JobResult, result_kind
from backend_fastapi.schemas.scrape import ScrapePayload, ScrapeRequest
from backend_fastapi.settings import Settings
from backend_fastapi.worker.registry import HandlerRegistry

SETTINGS = Settings(_env_file=None, JOB_MAX_ATTEMPTS=4, JOB_TIMEOUT_SECONDS=120, JOB_TIMEOUT_MAX_SECONDS=600)  # type: ignore[call-arg]


def test_every_job_type_has_a_handler_a_payload_model_and_a_result_model() -> None:
    assert set(JOB_TYPES) == set(JobType) == set(RESULT_MODELS)
    for job_type, spec in JOB_TYPES.items():
        assert callable(jobtypes.load_object(spec.handler)), job_type
        model = jobtypes.payload_model(job_type)
        assert model is not None, job_type
        assert issubclass(model, JobPayload), job_type
        if spec.request is not None:
            assert jobtypes.request_model(job_type) is not None
    assert jobtypes.payload_model("test.noop") is None


def test_statuses_and_webhook_events_are_spelled_once() -> None:
    assert [s.value for s in JobStatus] == ["queued", "running", "completed", "failed", "cancelled", "paused"]
    assert set(get_args(WebhookEvent)) == set(FINISHED_STATUSES)


def test_build_job_fills_in_the_settings_defaults_and_caps_the_time_limit() -> None:
    request = ScrapeRequest.model_validate(
        {"url": "https://a.example/", "schema": {"t": "h1"}, "priority": 3}
    )
    job = build_job(request.job_type, request.to_payload(), request, SETTINGS, label=request.url)
    assert (job.type, job.max_attempts, job.timeout_seconds, job.priority) == ("scrape.page", 4, 120, 3)
    assert job.payload["normalized_schema"] == {"t": {"type": "string", "selector": "h1"}}
    assert "priority" not in job.payload
    assert job.request_hash is None
    capped = ScrapeRequest.model_validate({"url": "https://a.example/", "timeout_seconds": 9999})
    job = build_job(capped.job_type, capped.to_payload(), capped, SETTINGS, label=None, idempotency_key="k")
    assert job.timeout_seconds == 600
    assert job.request_hash is not None
    run = PipelineRunRequest.model_validate({"pipeline_id": "p", "name": "nightly"})
    job = build_job(JobType.PIPELINE_RUN, run.to_payload(), run, SETTINGS, label="p", schedule_id="s1")
    assert (job.payload, job.name, job.schedule_id) == ({"pipeline_id": "p"}, "nightly", "s1")


def test_a_scrape_schema_is_normalized_once_and_the_payload_trusts_it(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    calls: list[Any] = []
    real = scrape.normalize_schema

    def counting(raw: Any, path: str = "schema") -> dict[str, dict[str, Any]]:
        calls.append(raw)
        return real(raw, path)

    monkeypatch.setattr(scrape, "normalize_schema", counting)
    request = ScrapeRequest.model_validate(
        {"url": "https://a.example/", "schema": {"t": "h1", "p": "number"}}
    )
    stored = request.to_payload().to_json()
    assert stored["normalized_schema"] == {"t": {"type": "string", "selector": "h1"}, "p": {"type": "number"}}
    payload = ScrapePayload.model_validate(stored)  # what the worker does with the stored JSON
    assert payload.normalized_schema == request.normalized_schema
    assert payload.to_json() == stored
    assert len(calls) == 1
    # A payload stored before the normalized schema was kept is normalized when it is read.
    old = ScrapePayload.model_validate({"url": "https://a.example/", "schema": {"t": "h1"}})
    assert old.to_json()["normalized_schema"] == {"t": {"type": "string", "selector": "h1"}}


def test_a_default_in_the_schema_is_kept_even_when_it_is_null() -> None:
    request = ScrapeRequest.model_validate(
        {"url": "https://a.example/", "schema": {"t": {"selector": "h1", "default": None}, "u": "h2"}}
    )
    stored = request.to_payload().to_json()["normalized_schema"]
    assert stored == {
        "t": {"type": "string", "selector": "h1", "default": None},
        "u": {"type": "string", "selector": "h2"},
    }
    fields = ScrapePayload.model_validate(
        {"url": "https://a.example/", "normalized_schema": stored}
    ).normalized_schema
    assert (fields["t"].has_default, fields["u"].has_default) == (True, False)


def test_preview_payload_keeps_what_the_client_sent_and_the_row_count() -> None:
    preview = PipelinePreviewRequest.model_validate({"pipeline_id": "p", "rows": 5})
    assert preview.to_payload().to_json() == {"pipeline_id": "p", "rows": 5}
    with pytest.raises(ValueError, match="give 'pipeline_id' or 'pipeline'"):
        PipelinePayload.model_validate({})


def _finished(**columns: Any) -> SimpleNamespace:
    base = {"id": "j1", "status": "completed", "type": "scrape.page", "payload": {}, "webhook": None,
            "max_attempts": 3, "timeout_seconds": 60.0}  # fmt: skip
    return SimpleNamespace(**{**base, **columns})


def test_follow_ups_are_a_webhook_for_the_events_asked_and_a_scrape_then_pipeline() -> None:
    webhook = {"url": "https://hooks.example/x", "events": ["completed"]}
    [delivery, chained] = follow_ups(_finished(webhook=webhook, payload={"then": {"pipeline_id": "p1"}}))
    assert (delivery.type, delivery.parent_id, delivery.priority) == ("webhook.deliver", "j1", 10)
    assert delivery.payload["event"] == "completed"
    assert delivery.payload["url"] == webhook["url"]
    assert (chained.type, chained.label, chained.max_attempts) == ("pipeline.run", "p1", 3)
    assert chained.payload == {"pipeline_id": "p1", "source": {"type": "job", "job_id": "j1"}}
    assert PipelinePayload.model_validate(chained.payload).pipeline_id == "p1"
    assert (
        follow_ups(_finished(status="failed", webhook=webhook, payload={"then": {"pipeline_id": "p"}})) == []
    )
    assert follow_ups(_finished(type="test.noop", payload={"then": {"pipeline_id": "p1"}})) == []


def test_the_worker_gives_built_in_handlers_models_and_plugins_the_stored_json() -> None:
    payload = {"job_id": "j", "event": "failed", "url": "https://h.example/", "delivery_id": "d"}
    parsed = HandlerRegistry().parse_payload(JobType.WEBHOOK_DELIVER, payload)
    assert parsed == jobtypes.payload_model(JobType.WEBHOOK_DELIVER).model_validate(payload)  # type: ignore[union-attr]
    replaced = HandlerRegistry(["webhook.deliver=tests.support.handlers:echo"])
    assert replaced.parse_payload(JobType.WEBHOOK_DELIVER, payload) is payload
    assert HandlerRegistry().parse_payload("test.noop", {"x": 1}) == {"x": 1}


def test_stored_results_are_told_apart_by_their_keys() -> None:
    assert (
        result_kind({"job_id": "j", "delivery_id": "d", "status_code": 200, "duration_ms": 1.0})
        == "webhook.deliver"
    )
    assert result_kind({"url": "u", "stopped_by": "max_pages"}) == "scrape.crawl"
    assert result_kind({"ok": True}) is None
    assert get_args(get_args(JobResult)[0])  # a tagged union of the result models


def test_every_request_field_but_the_job_options_reaches_the_payload() -> None:
    options = set(JOB_OPTION_FIELDS)
    # Besides the request: its schema in form 2, and the monitor a scheduled check belongs to.
    assert set(ScrapeRequest.model_fields) - options == set(ScrapePayload.model_fields) - {
        "normalized_schema",
        "monitor_id",
    }
    for request, payload in (
        (PipelineRunRequest, PipelinePayload),
        (PipelinePreviewRequest, PipelinePreviewPayload),
    ):
        assert set(request.model_fields) - options == set(payload.model_fields)
