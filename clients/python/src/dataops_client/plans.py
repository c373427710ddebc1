"""What each client method asks the API and how it reads the answers, written once for both clients.

A method is a *plan*: a generator that yields the steps it needs (`Call` an endpoint, `Listen` to an
event stream and `ReadLine` from it, `Pause`, `Emit` an item to the caller) and receives each
call's `Answer` (each line's `Line`). `DataOps` runs plans with a blocking
httpx client, `AsyncDataOps` with an async one (client.py); neither knows any endpoint.
"""

from __future__ import annotations

import time
from collections.abc import Generator, Mapping, Sequence
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Literal, TypeVar

from pydantic import BaseModel

from dataops_client.errors import WaitTimeout, error_from_answer
from dataops_client.models import (
    ChangePage,
    ExportPage,
    JobCreated,
    JobOut,
    JobPage,
    MonitorIn,
    MonitorOut,
    MonitorPage,
    RecordPage,
)

T = TypeVar("T")
M = TypeVar("M", bound=BaseModel)

FINISHED = frozenset({"completed", "failed", "cancelled"})
DownloadFormat = Literal["csv", "json", "jsonl", "xlsx"]
# How long `wait=True` and `wait()` wait for a job unless told.
DEFAULT_WAIT_SECONDS = 300.0
# A job-creating request asks the API to hold its answer this long (`?wait=`, which the API caps):
# a quick job comes back finished in one round trip; a longer one is followed by polling.
HOLD_SECONDS = 30.0
# Polling a job: quick at first, then slower while nothing changes (each poll is a 304 then).
POLL_FIRST_SECONDS = 0.2
POLL_MAX_SECONDS = 2.0
RECORDS_PAGE = 500
# The API pings an event stream every 15 s: no line for longer means the connection is gone.
STREAM_READ_SECONDS = 20.0
STREAM_RETRY_SECONDS = 1.0


@dataclass(frozen=True)
class Call:
    """One HTTP request to the API (`path` relative to the base URL)."""

    method: str
    path: str
    params: Mapping[str, Any] | None = None
    json: Any = None
    headers: Mapping[str, str] = field(default_factory=dict)
    timeout: float | None = None
    # Stream a successful answer's body into this file instead of memory.
    save_to: Path | None = None


@dataclass(frozen=True)
class Answer:
    status: int
    headers: Mapping[str, str]
    content: bytes


@dataclass(frozen=True)
class Pause:
    seconds: float


@dataclass(frozen=True)
class Emit:
    """An item for the caller of an iterating method (`results`, `watch`)."""

    value: Any


@dataclass(frozen=True)
class Listen:
    """Open `call` as a stream: answered with its status and headers (a refusal with its body); on a
    200 the transport keeps the stream open for `ReadLine`, until the next `Listen` or the plan ends."""

    call: Call


@dataclass(frozen=True)
class ReadLine:
    """The open stream's next line."""


@dataclass(frozen=True)
class Line:
    """A line of the open stream; `text` None when the stream ended, or no line came within the
    stream's read timeout (`timed_out`)."""

    text: str | None
    timed_out: bool = False


Step = Call | Pause | Emit | Listen | ReadLine
Plan = Generator[Step, Answer | Line | None, T]


def send(call: Call) -> Plan[Answer]:
    """The answer to `call`; the API's error as an exception when it is one."""
    answer = yield call
    assert isinstance(answer, Answer), "a transport answers every Call"
    if answer.status >= 400:
        raise error_from_answer(answer.status, answer.headers, answer.content)
    return answer


def read(model: type[M], call: Call) -> Plan[M]:
    """The answer to `call` read as `model`."""
    answer = yield from send(call)
    return model.model_validate_json(answer.content)


def plain(value: Any) -> Any:
    """A request value as JSON data: models (the generated ones included) as the API names their keys."""
    if isinstance(value, BaseModel):
        return value.model_dump(mode="json", by_alias=True, exclude_unset=True)
    if isinstance(value, Mapping):
        return {str(k): plain(v) for k, v in value.items()}
    if isinstance(value, list | tuple):
        return [plain(v) for v in value]
    return value


def given(**values: Any) -> dict[str, Any]:
    """The keys that were given (not None), as JSON data: the API fills in its own defaults."""
    return {key: plain(value) for key, value in values.items() if value is not None}


# --- jobs --------------------------------------------------------------------------------------


def create(
    path: str, body: dict[str, Any], *, wait: bool, timeout: float, idempotency_key: str | None
) -> Plan[JobOut]:
    """POST a job-creating request; the job, finished when `wait` (within `timeout` seconds)."""
    headers = {"Idempotency-Key": idempotency_key} if idempotency_key else {}
    if not wait:
        created = yield from read(JobCreated, Call("POST", path, json=body, headers=headers))
        return (yield from job(created.job_id))
    deadline = time.monotonic() + timeout
    hold = min(HOLD_SECONDS, timeout)
    call = Call("POST", path, params={"wait": hold}, json=body, headers=headers, timeout=hold + 30)
    first = yield from read(JobOut, call)
    if first.status in FINISHED:
        return first
    return (yield from follow(first.job_id, deadline, emit=False))


def scrape(
    url: str,
    schema: Mapping[str, Any] | None = None,
    *,
    strategy: Literal["static", "dynamic", "auto"] | None = None,
    formats: Sequence[str] | None = None,
    options: Mapping[str, Any] | BaseModel | None = None,
    actions: Sequence[Mapping[str, Any] | BaseModel] | None = None,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_SECONDS,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Plan[JobOut]:
    """Scrape one page (`POST /api/scrape`): the fields of `schema` (any form the API takes),
    `formats` such as `markdown`; with `wait` (the default) the finished job, its `result` holding
    the data. Any other key of the request (`crawl`, `session`, `name`, `webhook`, ...) goes in
    `fields`."""
    body = given(url=url, schema=schema, strategy=strategy, formats=formats, options=options, actions=actions)
    body.update(given(**fields))
    return (
        yield from create("/api/scrape", body, wait=wait, timeout=timeout, idempotency_key=idempotency_key)
    )


def crawl(
    url: str,
    schema: Mapping[str, Any] | None = None,
    *,
    follow: str | None = None,
    next_page: str | None = None,
    max_pages: int | None = None,
    max_depth: int | None = None,
    include: Sequence[str] | None = None,
    exclude: Sequence[str] | None = None,
    same_domain: bool | None = None,
    sitemaps: bool | None = None,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_SECONDS,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Plan[JobOut]:
    """Crawl from `url` (`POST /api/scrape` with `crawl`): a record per page reached through
    `follow` (or every page when no selector is given); `fields` as for `scrape`."""
    options = given(
        follow=follow,
        next_page=next_page,
        max_pages=max_pages,
        max_depth=max_depth,
        include=include,
        exclude=exclude,
        same_domain=same_domain,
        sitemaps=sitemaps,
    )
    return (
        yield from scrape(
            url,
            schema,
            crawl={**plain(fields.pop("crawl", None) or {}), **options},
            wait=wait,
            timeout=timeout,
            idempotency_key=idempotency_key,
            **fields,
        )
    )


def batch(
    urls: Sequence[str],
    schema: Mapping[str, Any] | None = None,
    *,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_SECONDS,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Plan[JobOut]:
    """Scrape each of `urls` as one job (`POST /api/scrape/batch`): a record per URL, in order."""
    body = given(urls=list(urls), schema=schema, **fields)
    return (
        yield from create(
            "/api/scrape/batch", body, wait=wait, timeout=timeout, idempotency_key=idempotency_key
        )
    )


def map_site(
    url: str,
    *,
    search: str | None = None,
    max_urls: int | None = None,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_SECONDS,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Plan[JobOut]:
    """List a site's URLs from its sitemaps and its start page's links (`POST /api/map`): a record
    per URL; `search` ranks them by a text, `fields` takes `include`, `exclude`, `sitemaps`, ..."""
    body = given(url=url, search=search, max_urls=max_urls, **fields)
    return (yield from create("/api/map", body, wait=wait, timeout=timeout, idempotency_key=idempotency_key))


def run_pipeline(
    pipeline_id: str | None = None,
    *,
    pipeline: Mapping[str, Any] | BaseModel | None = None,
    source: Mapping[str, Any] | BaseModel | None = None,
    wait: bool = True,
    timeout: float = DEFAULT_WAIT_SECONDS,
    idempotency_key: str | None = None,
    **fields: Any,
) -> Plan[JobOut]:
    """Run a saved pipeline (`pipeline_id`: its id or name) or an inline definition (`pipeline`)
    as a job (`POST /api/pipeline/run`); `source` replaces the pipeline's source for this run."""
    body = given(pipeline_id=pipeline_id, pipeline=pipeline, source=source, **fields)
    return (
        yield from create(
            "/api/pipeline/run", body, wait=wait, timeout=timeout, idempotency_key=idempotency_key
        )
    )


def job(job_id: str) -> Plan[JobOut]:
    """One job (`GET /api/jobs/{job_id}`)."""
    return (yield from read(JobOut, Call("GET", f"/api/jobs/{job_id}")))


def jobs(
    *,
    status: str | None = None,
    type: str | None = None,
    name: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Plan[JobPage]:
    """A page of jobs, newest first; pass its `next_cursor` as `cursor` for the next page."""
    params = given(status=status, type=type, name=name, limit=limit, cursor=cursor)
    return (yield from read(JobPage, Call("GET", "/api/jobs", params=params)))


def follow(job_id: str, deadline: float, *, emit: bool) -> Plan[JobOut]:
    """The job once final, each change emitted when `emit`; `WaitTimeout` past `deadline`.

    It follows the job's event stream (`GET /api/jobs/{job_id}/events`), reconnecting with
    `Last-Event-ID` when the stream ends or is quiet for longer than its pings; a stream the API
    refuses (all `EVENTS_MAX_STREAMS` busy, an API without events) falls back to polling.
    """
    last_id = ""
    current: JobOut | None = None
    while True:
        left = deadline - time.monotonic()
        if left <= 0:
            current = current or (yield from job(job_id))
            raise WaitTimeout(f"job {job_id} is still {current.status}", job=current)
        headers = {"Accept": "text/event-stream", **({"Last-Event-ID": last_id} if last_id else {})}
        # The stream pings every 15 s: a read that waits longer (or past the deadline) ends this
        # connection, and the loop decides whether to go on.
        call = Call(
            "GET", f"/api/jobs/{job_id}/events", headers=headers, timeout=min(left, STREAM_READ_SECONDS)
        )
        opened = yield Listen(call)
        assert isinstance(opened, Answer), "a transport answers every Listen"
        if opened.status == 204:  # `Last-Event-ID` named the final event: nothing more will come
            return (yield from job(job_id))
        if opened.status != 200:
            return (yield from poll(job_id, deadline, emit=emit))
        events = 0
        while (found := (yield from read_event())) is not None:
            event, event_id, data = found
            events += 1
            last_id = event_id or last_id
            if event in ("finished", "deleted"):
                final = yield from job(job_id)  # the whole job, with its result (or NotFound)
                if emit:
                    yield Emit(final)
                return final
            current = JobOut.model_validate_json(data)
            if emit:
                yield Emit(current)
        if not events:
            yield Pause(min(STREAM_RETRY_SECONDS, max(0.0, deadline - time.monotonic())))


def read_event() -> Plan[tuple[str, str, str] | None]:
    """The open stream's next event (`event`, `id`, `data`); None when the stream ended or went
    quiet. Comments (`: ping`) and `retry:` lines are skipped."""
    event, event_id, data = "message", "", list[str]()
    while True:
        line = yield ReadLine()
        assert isinstance(line, Line), "a transport answers every ReadLine"
        if line.text is None:
            return None
        if line.text == "":
            if data:
                return event, event_id, "\n".join(data)
            event, event_id, data = "message", "", []
            continue
        name, _, value = line.text.partition(":")
        value = value.removeprefix(" ")
        if name == "event":
            event = value
        elif name == "id":
            event_id = value
        elif name == "data":
            data.append(value)


def poll(job_id: str, deadline: float, *, emit: bool) -> Plan[JobOut]:
    """Poll the job until it is final (each change emitted when `emit`); `WaitTimeout` past `deadline`.

    Each poll sends the last `ETag` as `If-None-Match`: while nothing changed the API answers 304
    without a body, and the polls slow down to POLL_MAX_SECONDS.
    """
    etag = ""
    pause = POLL_FIRST_SECONDS
    current: JobOut | None = None
    while True:
        headers = {"If-None-Match": etag} if etag else {}
        answer = yield from send(Call("GET", f"/api/jobs/{job_id}", headers=headers))
        if answer.status == 304 and current is not None:
            pause = min(pause * 1.5, POLL_MAX_SECONDS)
        else:
            current = JobOut.model_validate_json(answer.content)
            etag = answer.headers.get("etag", "")
            pause = POLL_FIRST_SECONDS
            if emit:
                yield Emit(current)
            if current.status in FINISHED:
                return current
        left = deadline - time.monotonic()
        if left <= 0:
            raise WaitTimeout(f"job {job_id} is still {current.status}", job=current)
        yield Pause(min(pause, left))


def wait(job_id: str, timeout: float = DEFAULT_WAIT_SECONDS) -> Plan[JobOut]:
    """The job once it is final (completed, failed or cancelled); `WaitTimeout` after `timeout` s."""
    return (yield from follow(job_id, time.monotonic() + timeout, emit=False))


def watch(job_id: str, timeout: float = DEFAULT_WAIT_SECONDS) -> Plan[None]:
    """The job as it changes (status, progress), ending with its final state."""
    yield from follow(job_id, time.monotonic() + timeout, emit=True)


def record_page(job_id: str, *, offset: int = 0, limit: int = 100) -> Plan[RecordPage]:
    """One page of the job's records: `{total, offset, limit, items}`."""
    params = {"offset": offset, "limit": limit}
    return (yield from read(RecordPage, Call("GET", f"/api/jobs/{job_id}/results", params=params)))


def results(job_id: str, *, page_size: int = RECORDS_PAGE) -> Plan[None]:
    """Every record of the job, page after page (`GET /api/jobs/{job_id}/results`)."""
    offset = 0
    while True:
        page = yield from record_page(job_id, offset=offset, limit=page_size)
        for record in page.items:
            yield Emit(record)
        offset += len(page.items)
        if not page.items or offset >= page.total:
            return


def download(
    job_id: str, format: DownloadFormat, path: str | Path, *, escape_formulas: bool = True
) -> Plan[Path]:
    """Every record of the job as one file (`csv`, `json`, `jsonl`, `xlsx`) written to `path`."""
    target = Path(path)
    params = {"format": format, "escape_formulas": str(escape_formulas).lower()}
    yield from send(Call("GET", f"/api/jobs/{job_id}/results", params=params, save_to=target, timeout=300))
    return target


def cancel(job_id: str) -> Plan[JobOut]:
    """Cancel a queued or running job."""
    return (yield from read(JobOut, Call("POST", f"/api/jobs/{job_id}/cancel")))


def pause(job_id: str) -> Plan[JobOut]:
    """Pause a crawl (queued: at once; running: its worker stops it within seconds)."""
    return (yield from read(JobOut, Call("POST", f"/api/jobs/{job_id}/pause")))


def resume(job_id: str) -> Plan[JobOut]:
    """Queue a paused crawl again; it continues where it stopped."""
    return (yield from read(JobOut, Call("POST", f"/api/jobs/{job_id}/resume")))


def retry(job_id: str) -> Plan[JobOut]:
    """Queue a failed or cancelled job again."""
    return (yield from read(JobOut, Call("POST", f"/api/jobs/{job_id}/retry")))


def delete_job(job_id: str) -> Plan[None]:
    """Delete a job that is not running, with its records and files."""
    yield from send(Call("DELETE", f"/api/jobs/{job_id}"))


# --- exports -----------------------------------------------------------------------------------


def exports(
    *, job_id: str | None = None, pipeline_id: str | None = None, limit: int = 50, cursor: str | None = None
) -> Plan[ExportPage]:
    """A page of exported files, newest first (each with its `download_url`)."""
    params = given(job_id=job_id, pipeline_id=pipeline_id, limit=limit, cursor=cursor)
    return (yield from read(ExportPage, Call("GET", "/api/exports", params=params)))


def download_export(export_id: str, path: str | Path) -> Plan[Path]:
    """An exported file, written to `path`."""
    target = Path(path)
    yield from send(Call("GET", f"/api/exports/{export_id}/download", save_to=target, timeout=300))
    return target


# --- monitors ----------------------------------------------------------------------------------


def create_monitor(name: str, target: Mapping[str, Any] | BaseModel, **fields: Any) -> Plan[MonitorOut]:
    """A monitor of `target` (a scrape request) checked on a schedule (`every` or `cron`)."""
    body = given(name=name, target=target, **fields)
    return (yield from read(MonitorOut, Call("POST", "/api/monitors", json=body)))


def monitors() -> Plan[MonitorPage]:
    """Every monitor."""
    return (yield from read(MonitorPage, Call("GET", "/api/monitors")))


def monitor(ref: str) -> Plan[MonitorOut]:
    """A monitor by id or name."""
    return (yield from read(MonitorOut, Call("GET", f"/api/monitors/{ref}")))


def update_monitor(ref: str, **changes: Any) -> Plan[MonitorOut]:
    """Change some of a monitor's settings; the others stay as they are.

    The API replaces a monitor whole (`PUT`): its current definition is read and sent back with the
    changes (notification URLs as the API shows them, which keeps their stored secrets)."""
    current = yield from monitor(ref)
    shown = current.model_dump(mode="json", by_alias=True)
    body = {key: shown[key] for key in MonitorIn.model_fields if key in shown}
    body.update(given(**changes))
    return (yield from read(MonitorOut, Call("PUT", f"/api/monitors/{ref}", json=body)))


def delete_monitor(ref: str) -> Plan[None]:
    """Delete a monitor with its snapshots and changes."""
    yield from send(Call("DELETE", f"/api/monitors/{ref}"))


def check_monitor(ref: str, *, wait: bool = True, timeout: float = DEFAULT_WAIT_SECONDS) -> Plan[JobOut]:
    """Check a monitor now; its check job (finished, when `wait`)."""
    created = yield from read(JobCreated, Call("POST", f"/api/monitors/{ref}/check"))
    if not wait:
        return (yield from job(created.job_id))
    return (yield from follow(created.job_id, time.monotonic() + timeout, emit=False))


def monitor_changes(
    ref: str,
    *,
    kind: Sequence[str] | None = None,
    since: str | None = None,
    until: str | None = None,
    check_id: str | None = None,
    limit: int = 50,
    cursor: str | None = None,
) -> Plan[ChangePage]:
    """A page of the monitor's changes, newest first (`kind`: added, changed, removed, ...)."""
    params = given(kind=kind, since=since, until=until, check_id=check_id, limit=limit, cursor=cursor)
    return (yield from read(ChangePage, Call("GET", f"/api/monitors/{ref}/changes", params=params)))
