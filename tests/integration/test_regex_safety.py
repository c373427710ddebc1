"""Hostile regexes (a schema's, a crawl's, a remote robots.txt's) cannot freeze a worker.

One real worker at concurrency 2 runs each catastrophic job next to a normal one: the normal job
completes within seconds, the hostile one ends (here: completes, correctly) within its time limit,
and `/health` shows the worker alive on every poll while they run.
"""

from __future__ import annotations

import threading
import time
from collections.abc import Iterator
from pathlib import Path
from typing import Any

import httpx
import pytest

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

LONG = "a" * 80
PAGES = {
    "/normal": "<h1>Normal page</h1>",
    "/aaa": f"<p id='v'>{'a' * 34}!</p>",
    "/links": "".join(f"<a href='/{LONG}{i}'>long {i}</a>" for i in range(5)) + "<a href='/pagez'>z</a>",
    "/pagez": "<h1>z</h1>",
}
# As a regex this is `/.*a.*a ... .*b`: matched against a long path of `a`s it backtracks for ages.
WILDCARD_ROBOTS = "User-agent: *\nDisallow: /" + "*a" * 40 + "*b\n"
# Generous for a loaded machine: on the old code the normal job waited until the bad one was lost.
NORMAL_WITHIN_S = 30.0
BAD_TIMEOUT_S = 30.0


def _site(robots: str | None) -> Any:
    def respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
        if request.path == "/robots.txt":
            return (200, {}, robots.encode()) if robots else (404, {}, b"")
        body = PAGES.get(request.path, "<h1>ok</h1>")
        return 200, {"Content-Type": "text/html"}, f"<html><body>{body}</body></html>".encode()

    return respond


@pytest.fixture(scope="module")
def sites() -> Iterator[tuple[LoopbackServer, LoopbackServer]]:
    with loopback_server(_site(None)) as plain, loopback_server(_site(WILDCARD_ROBOTS)) as wild:
        yield plain, wild


@pytest.fixture(scope="module")
def stack(
    tmp_path_factory: pytest.TempPathFactory, sites: tuple[LoopbackServer, LoopbackServer]
) -> Iterator[Stack]:
    tmp: Path = tmp_path_factory.mktemp("regex")
    plain, wild = sites
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{plain.port},127.0.0.1:{wild.port}",
        WORKER_CONCURRENCY=2,
        JOB_LEASE_SECONDS=6,
    ) as running:
        yield running


def _beside_a_normal_job(stack: Stack, normal_url: str, bad: dict[str, Any]) -> dict[str, Any]:
    """Run `bad` and a normal job together; assert the normal one's speed and the worker's health
    throughout; the bad job's final state."""
    if "pipeline" in bad:
        response = httpx.post(
            f"{stack.base}/api/pipeline/run", json={**bad, "timeout_seconds": BAD_TIMEOUT_S}
        )
        assert response.status_code == 202, response.text
        bad_id = str(response.json()["job_id"])
    else:
        bad_id = stack.submit({**bad, "timeout_seconds": BAD_TIMEOUT_S})
    submitted = time.monotonic()
    normal_id = stack.submit({"url": normal_url, "schema": {"title": {"selector": "h1"}}})
    normal_done: float | None = None
    final: dict[str, dict[str, Any]] = {}
    while len(final) < 2:
        health = httpx.get(f"{stack.base}/health", timeout=10).json()
        assert health["workers"]["alive"] == 1, f"the worker stopped beating: {health}"
        for job_id in (bad_id, normal_id):
            body = stack.job(job_id)
            if body["status"] in ("completed", "failed", "cancelled"):
                final.setdefault(job_id, body)
                if job_id == normal_id and normal_done is None:
                    normal_done = time.monotonic() - submitted
        elapsed = time.monotonic() - submitted
        assert normal_id in final or elapsed < NORMAL_WITHIN_S, "the normal job stalled behind the bad one"
        assert elapsed < BAD_TIMEOUT_S + 15, f"the bad job outlived its time limit: {stack.job(bad_id)}"
        time.sleep(0.2)
    assert final[normal_id]["status"] == "completed", final[normal_id]
    assert final[normal_id]["result"]["data"] == {"title": "Normal page"}
    return final[bad_id]


def test_a_catastrophic_schema_regex_completes_and_finds_nothing(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer]
) -> None:
    plain, _ = sites
    bad = {"url": f"{plain.url}/aaa", "schema": {"v": {"selector": "#v", "regex": "(a+)+$"}}}
    job = _beside_a_normal_job(stack, f"{plain.url}/normal", bad)
    assert job["status"] == "completed", job
    assert job["result"]["data"] == {"v": None}
    assert job["result"]["missing_fields"] == ["v"]


def test_a_catastrophic_xpath_regex_completes_and_finds_nothing(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer]
) -> None:
    plain, _ = sites
    bad = {"url": f"{plain.url}/aaa", "schema": {"v": {"xpath": "//p[re:test(., '(a+)+$')]"}}}
    job = _beside_a_normal_job(stack, f"{plain.url}/normal", bad)
    assert job["status"] == "completed", job
    assert job["result"]["data"] == {"v": None}


def test_catastrophic_pipeline_regexes_complete_with_the_right_rows(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer]
) -> None:
    plain, _ = sites
    hostile = "a" * 34 + "!"
    steps = [
        {"op": "regex_extract", "column": "t", "pattern": "(a+)+$", "into": "run"},
        {"op": "filter", "expr": "not (t matches '^(a|aa)+$')"},
        {
            "op": "validate",
            "rules": [{"check": "matches", "column": "t", "pattern": "(a|a)+!", "on_fail": "warn"}],
        },
        {"op": "split", "column": "t", "separator": "(a*)*!", "regex": True, "into": ["head", "tail"]},
    ]
    bad = {
        "pipeline": {"source": {"type": "inline", "records": [{"t": hostile}, {"t": "aa"}]}, "steps": steps}
    }
    job = _beside_a_normal_job(stack, f"{plain.url}/normal", bad)
    assert job["status"] == "completed", job
    assert job["result"]["rows"] == 1  # "aa" is all a's: filtered out


def test_a_catastrophic_crawl_include_keeps_only_the_urls_it_matches(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer]
) -> None:
    plain, _ = sites
    bad = {"url": f"{plain.url}/links", "schema": {"title": "string"}, "crawl": {"include": ["^(.|.)*z$"]}}
    job = _beside_a_normal_job(stack, f"{plain.url}/normal", bad)
    assert job["status"] == "completed", job
    assert job["result"]["pages"] == 2  # the start page and /pagez; the long URLs end in no z
    assert not [r for r in plain.requests if r.path.startswith(f"/{LONG}")]


def test_a_robots_txt_full_of_wildcards_against_a_long_path_is_read_at_once(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer]
) -> None:
    plain, wild = sites
    bad = {"url": f"{wild.url}/{'a' * 400}", "schema": {"title": {"selector": "h1"}}}
    job = _beside_a_normal_job(stack, f"{plain.url}/normal", bad)
    assert job["status"] == "completed", job
    assert job["result"]["data"] == {"title": "ok"}
    refused = stack.run({"url": f"{wild.url}/{'a' * 400}b", "schema": {"title": "string"}})
    assert refused["status"] == "failed"
    assert "robots" in refused["error"]["code"], refused["error"]


@pytest.mark.parametrize(
    ("body", "field", "says"),
    [
        ({"schema": {"v": {"selector": "p", "regex": r"(?<=\$)\d+"}}}, "schema.v.regex", "lookbehind"),
        ({"schema": {"v": {"selector": "p", "regex": r"(a)\1"}}}, "schema.v.regex", "backreference"),
        ({"crawl": {"include": [r"^/(?!admin)"]}}, "crawl.include", "negative lookahead"),
        ({"crawl": {"exclude": ["x", r"a{5000}"]}}, "crawl.exclude", "at most 1000 repetitions"),
    ],
)
def test_a_regex_the_worker_cannot_run_is_refused_at_request_time(
    stack: Stack, sites: tuple[LoopbackServer, LoopbackServer], body: dict[str, Any], field: str, says: str
) -> None:
    plain, _ = sites
    error = stack.refused({"url": f"{plain.url}/normal", "schema": {"t": "string"}, **body})
    assert error["code"] == "validation_error", error
    (detail,) = error["details"]
    # A crawl pattern is its own field; a schema's field is named inside the schema's message.
    assert detail["field"] == f"body.{field}" or (
        detail["field"] == "body.schema" and field in detail["message"]
    )
    assert says in detail["message"], error


async def test_a_large_page_is_parsed_and_extracted_off_the_event_loop() -> None:
    from backend_fastapi.extraction.spec import normalize_schema
    from backend_fastapi.scraping.extract import Schema
    from backend_fastapi.scraping.page import OFFLOAD_CHARS, Document, PageProcessor

    fields = {"t": {"selector": "span"}, "n": {"selector": "b", "type": "number"}}
    schema = Schema.compile(normalize_schema({"items": {"selector": "li", "many": True, "fields": fields}}))
    processor = PageProcessor(schema, ["data", "links", "markdown"])
    items = "".join(
        f"<li><span>item {i}</span> <b>{i}.5</b><a href='/p/{i}'>x</a></li>" for i in range(20_000)
    )
    doc = Document("https://s.example/", 200, "text/html", html=f"<html><body><ul>{items}</ul></body></html>")
    assert doc.html is not None
    assert len(doc.html) > OFFLOAD_CHARS
    # Which thread does the work: an assertion on the event loop's gaps would be a wall-clock guess.
    threads: list[int] = []
    process = processor.process

    def spy(document: Document) -> Any:
        threads.append(threading.get_ident())
        return process(document)

    processor.process = spy  # type: ignore[method-assign,assignment]
    out = await processor.run(doc)
    assert len(out.data["items"]) == 20_000
    small = Document(
        "https://s.example/", 200, "text/html", html="<html><body><ul><li>x</li></ul></body></html>"
    )
    await processor.run(small)
    loop_thread = threading.get_ident()
    assert threads[0] != loop_thread, "a large page was processed on the event loop"
    assert threads[1] == loop_thread, "a small page should not pay for a thread"
