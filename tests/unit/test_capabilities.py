"""Which kinds of work a worker must be able to run, and how /health words what it cannot."""

from __future__ import annotations

from types import SimpleNamespace

import orjson

from backend_fastapi import capabilities
from backend_fastapi.api.routers.health import describe_problems, summarize_capabilities
from backend_fastapi.scraping.errors import BrowserUnavailable
from backend_fastapi.worker.registry import BUILTIN_HANDLERS, HandlerRegistry


def test_the_built_in_handlers_need_static_scraping_the_browser_pipelines_and_webhooks() -> None:
    assert set(capabilities.configured_kinds(BUILTIN_HANDLERS)) == {
        "scrape.static",
        "scrape.browser",
        "pipeline",
        "webhook",
    }


def test_a_handler_from_worker_handlers_is_a_kind_of_its_own_checked_by_importing_it() -> None:
    targets = HandlerRegistry(["report.send=plugins.reports:send", "pipeline.run=plugins.fast:run"]).targets
    kinds = capabilities.configured_kinds(targets)
    assert kinds["report.send"].loads == ("plugins.reports:send",)
    assert kinds["pipeline.run"].loads == ("plugins.fast:run",)
    assert "pipeline" in kinds  # pipeline.preview still runs the built-in engine


def test_kinds_of_a_handler_that_replaces_a_built_in_type_are_named_by_plain_strings() -> None:
    # The probe's child gets the kinds as JSON: orjson takes only exact `str` keys.
    kinds = capabilities.configured_kinds(HandlerRegistry(["scrape.page=plugins.fast:scrape"]).targets)
    assert {type(name) for name in kinds} == {str}
    assert orjson.loads(orjson.dumps(list(kinds))) == list(kinds)


def test_the_error_code_the_worker_watches_for_is_the_browser_errors_code() -> None:
    assert BrowserUnavailable.code == capabilities.BROWSER_UNAVAILABLE_CODE


def test_health_words_a_kind_no_worker_can_run_and_one_some_cannot() -> None:
    reason = "Chromium could not be started (/usr/bin/chromium): it exited with code 1"
    workers = [
        SimpleNamespace(capabilities={"scrape.browser": reason, "pipeline": "ok"}),
        SimpleNamespace(capabilities={"scrape.browser": reason, "pipeline": "missing pandas"}),
        SimpleNamespace(capabilities=None),  # still checking
    ]
    kinds = summarize_capabilities(workers)
    assert kinds["scrape.browser"].model_dump(exclude_unset=True) == {
        "available": 0, "unavailable": 2, "checking": 1, "status": "unavailable", "reason": reason,
    }  # fmt: skip
    assert kinds["pipeline"].status == "partial"
    assert describe_problems(kinds) == [
        "pipelines unavailable on 1 of 2 workers: missing pandas",
        f"browser unavailable: {reason}",
    ]


def test_a_reason_fits_a_status_line() -> None:
    reason = capabilities.short_reason("first line\n  second line " + "x" * 500)
    assert "\n" not in reason
    assert len(reason) == capabilities.REASON_MAX_CHARS
    assert reason.startswith("first line second line x")
