"""Live job events: real API and worker processes on one SQLite file scrape a loopback shop while
clients follow the jobs as server-sent events."""

from __future__ import annotations

import json
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
import pytest

from backend_fastapi.api.app import create_app
from backend_fastapi.settings import Settings
from tests.support.contract import Contract
from tests.support.processes import Service, start_api
from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer
from tests.support.waiting import BOUND, wait_for

SCHEMA = {"title": "string", "price": "number"}
KEY = {"Authorization": "Bearer events-key"}


@dataclass
class Event:
    event: str = "message"
    id: str | None = None
    data: str = ""
    comments: list[str] = field(default_factory=list)

    @property
    def job(self) -> dict[str, Any]:
        return dict(json.loads(self.data))


class EventReader:
    """Reads one event stream; each read waits at most BOUND seconds (the client's read timeout)."""

    def __init__(self, response: httpx.Response) -> None:
        self.response = response
        self.lines = response.iter_lines()
        self.retry: str | None = None
        self.pings = 0

    def next(self) -> Event | None:
        """The next event (comments counted as pings), or None when the server closed the stream."""
        event = Event()
        started = False
        for line in self.lines:
            if not line:
                if started:
                    return event
                continue
            name, _, value = line.partition(":")
            value = value.removeprefix(" ")
            if name == "":
                self.pings += 1
            elif name == "retry":
                self.retry = value
            else:
                started = True
                setattr(event, name, value)
        return None

    def until(self, done: Any) -> list[Event]:
        """Events up to and including the first for which `done(event)` is true."""
        events: list[Event] = []
        while True:
            event = self.next()
            assert event is not None, f"the stream ended after {[(e.event, e.data[:80]) for e in events]}"
            events.append(event)
            if done(event):
                return events

    def rest(self) -> list[Event]:
        """Every event until the server ends the stream."""
        events = []
        while (event := self.next()) is not None:
            events.append(event)
        return events


@contextmanager
def follow(
    base: str, path: str, headers: dict[str, str] | None = None, **params: Any
) -> Iterator[EventReader]:
    with (
        httpx.Client(base_url=base, timeout=BOUND) as client,
        client.stream("GET", path, headers=headers or {}, params=params) as response,
    ):
        assert response.status_code == 200, response.read()
        assert response.headers["content-type"].startswith("text/event-stream")
        yield EventReader(response)


def statuses(events: list[Event]) -> list[str]:
    """The job statuses the events show, repeats folded."""
    seen: list[str] = []
    for event in events:
        status = event.job["status"]
        if not seen or seen[-1] != status:
            seen.append(status)
    return seen


@pytest.fixture(scope="module")
def stack(tmp_path_factory: pytest.TempPathFactory, shop: LoopbackServer) -> Iterator[Stack]:
    """One worker running one job at a time: a slow page keeps the jobs after it queued."""
    tmp: Path = tmp_path_factory.mktemp("events")
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}",
        tmp,
        SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{shop.port}",
        WORKER_CONCURRENCY=1,
    ) as running:
        yield running


@pytest.fixture(scope="module")
def keyed_api(stack: Stack, tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """A second API on the same database: a key, one stream at most, idle streams closed after 1 s."""
    env = {**stack.env, "API_KEY": "events-key", "EVENTS_MAX_STREAMS": "1", "EVENTS_IDLE_SECONDS": "1"}
    api, base = start_api(env, tmp_path_factory.mktemp("keyed"), "keyed-api")
    try:
        yield base
    finally:
        api.stop()


def occupy_worker(stack: Stack, shop: LoopbackServer, seconds: float = 2) -> str:
    """A slow scrape, running once this returns: jobs queued now wait for it."""
    blocker = stack.submit({"url": f"{shop.url}/slow/1?s={seconds}", "schema": SCHEMA, "name": "blocker"})
    stack.wait(blocker, "running")
    return blocker


def test_a_stream_sees_a_scrape_queued_then_running_then_finished(stack: Stack, shop: LoopbackServer) -> None:
    occupy_worker(stack, shop)
    job_id = stack.submit({"url": f"{shop.url}/slow/2?s=1", "schema": SCHEMA})
    with follow(stack.base, f"/api/jobs/{job_id}/events") as reader:
        events = reader.until(lambda e: e.event == "finished")
        assert reader.rest() == []
    assert reader.retry == "3000"
    assert statuses(events) == ["queued", "running", "completed"]
    assert events[0].event == "status"
    assert {e.event for e in events[1:-1]} <= {"status", "progress"}
    assert len({e.id for e in events}) == len(events)
    final = events[-1].job
    assert final["job_id"] == job_id
    assert final["result"]["data"]["title"] == "Slow page"
    assert final["started_at"]
    assert final["finished_at"]
    assert {e.job["job_id"] for e in events} == {job_id}


def test_a_reconnect_with_last_event_id_gets_what_it_missed_and_nothing_twice(
    stack: Stack, shop: LoopbackServer
) -> None:
    occupy_worker(stack, shop)
    job_id = stack.submit({"url": f"{shop.url}/p/3", "schema": SCHEMA})
    with follow(stack.base, f"/api/jobs/{job_id}/events") as reader:
        first = reader.until(lambda _: True)[0]
    assert first.job["status"] == "queued"
    # Seen: queued. While away the job ran and completed.
    stack.wait(job_id)
    with follow(
        stack.base, f"/api/jobs/{job_id}/events", headers={"Last-Event-ID": first.id or ""}
    ) as reader:
        missed = reader.rest()
    assert [(e.event, e.job["status"]) for e in missed] == [("finished", "completed")]
    assert missed[0].id != first.id
    # The final event seen: nothing more will come, and the server says so (EventSource stops).
    again = httpx.get(
        f"{stack.base}/api/jobs/{job_id}/events", headers={"Last-Event-ID": missed[0].id or ""}, timeout=BOUND
    )
    assert (again.status_code, again.content) == (204, b"")
    # A job that is final answers its final state at once to a new client, then ends.
    with follow(stack.base, f"/api/jobs/{job_id}/events") as reader:
        assert [e.event for e in reader.rest()] == ["finished"]


def test_the_all_jobs_stream_shows_only_the_jobs_its_filter_names_and_resumes(
    stack: Stack, shop: LoopbackServer
) -> None:
    occupy_worker(stack, shop, seconds=1)
    with follow(stack.base, "/api/jobs/events", name="alpha") as reader:
        beta = stack.submit({"url": f"{shop.url}/p/4", "schema": SCHEMA, "name": "beta"})
        alpha = stack.submit({"url": f"{shop.url}/p/5", "schema": SCHEMA, "name": "alpha"})
        events = reader.until(lambda e: e.event == "finished")
    assert stack.wait(beta)["status"] == "completed"
    assert {e.job["job_id"] for e in events} == {alpha}
    assert statuses(events)[0] == "queued"
    assert statuses(events)[-1] == "completed"
    assert events[-1].job["result"]["data"]["title"] == "Blue Mug 5"
    # Resume after the first event: the job's later state only, once; beta never.
    with follow(
        stack.base, "/api/jobs/events", headers={"Last-Event-ID": events[0].id or ""}, name="alpha"
    ) as r:
        missed = r.until(lambda e: e.event == "finished")
    assert [(e.job["job_id"], e.id) for e in missed] == [(alpha, events[-1].id)]
    # The unfiltered stream resumed from the same point shows beta too.
    with follow(stack.base, "/api/jobs/events", headers={"Last-Event-ID": events[0].id or ""}) as r:
        both = r.until(lambda e: e.job["job_id"] == alpha and e.event == "finished")
    assert alpha in {e.job["job_id"] for e in both}


def test_a_deleted_job_ends_its_stream(stack: Stack, shop: LoopbackServer) -> None:
    occupy_worker(stack, shop, seconds=3)
    job_id = stack.submit({"url": f"{shop.url}/p/6", "schema": SCHEMA})
    with follow(stack.base, f"/api/jobs/{job_id}/events") as reader:
        assert reader.until(lambda _: True)[0].job["status"] == "queued"
        assert httpx.delete(f"{stack.base}/api/jobs/{job_id}", timeout=BOUND).status_code == 204
        gone = reader.rest()
    assert [(e.event, json.loads(e.data)) for e in gone] == [("deleted", {"job_id": job_id})]
    missing = httpx.get(f"{stack.base}/api/jobs/{job_id}/events", timeout=BOUND)
    assert missing.status_code == 404
    assert missing.json()["error"]["code"] == "not_found"


def test_streams_need_the_key_and_beyond_the_cap_answer_503_in_the_error_shape(keyed_api: str) -> None:
    refused = httpx.get(f"{keyed_api}/api/jobs/events", timeout=BOUND)
    assert refused.status_code == 401
    assert refused.json()["error"]["code"] == "unauthorized"
    with follow(keyed_api, "/api/jobs/events", headers=KEY, name="nobody"):
        busy = httpx.get(f"{keyed_api}/api/jobs/events", headers=KEY, timeout=BOUND)
        assert busy.status_code == 503
        assert busy.json()["error"]["code"] == "too_many_streams"
        assert busy.headers["retry-after"] == "5"
        contract = Contract.of(create_app(Settings(_env_file=None)))  # type: ignore[call-arg]
        contract.check(busy, "GET", "/api/jobs/events")
    # The slot is free again once the stream is closed (the server sees the client go).

    def opens() -> bool:
        with (
            httpx.Client(timeout=BOUND) as client,
            client.stream(
                "GET", f"{keyed_api}/api/jobs/events", headers=KEY, params={"name": "nobody"}
            ) as answer,
        ):
            return answer.status_code == 200

    wait_for(opens)


def test_an_idle_stream_is_closed_by_the_server(keyed_api: str) -> None:
    started = time.monotonic()
    with follow(keyed_api, "/api/jobs/events", headers=KEY, name="nobody") as reader:
        assert reader.rest() == []
    assert 0.9 < time.monotonic() - started < BOUND


def test_an_unknown_job_has_no_stream_and_services_log_no_errors(stack: Stack) -> None:
    missing = httpx.get(f"{stack.base}/api/jobs/no-such-job/events", timeout=BOUND)
    assert missing.status_code == 404
    api: Service = stack.api
    assert "events.read_failed" not in api.log()
    assert "api.unhandled_error" not in api.log()
