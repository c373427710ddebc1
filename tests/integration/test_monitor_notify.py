"""Monitor notifications reach real loopback receivers: a signed webhook, an SMTP server (email
through Apprise) and Apprise's JSON target; private hosts are refused and secrets never leak."""

from __future__ import annotations

import logging
from collections.abc import Iterator
from typing import Any

import orjson
import pytest
from pydantic import ValidationError

from backend_fastapi.errors import BlockedAddress, PermanentJobError, TransientJobError
from backend_fastapi.ids import new_id
from backend_fastapi.jobtypes import NewJob
from backend_fastapi.monitors.notify import connect_target, redact, run_monitor_notify, summary
from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.schemas.monitor_notify import MonitorNotifyPayload, NotifyTarget
from backend_fastapi.settings import Settings
from backend_fastapi.store import delivery_rows, job_rows, jobqueue
from backend_fastapi.store.engine import Database
from backend_fastapi.store.jobqueue import ClaimedJob
from backend_fastapi.worker.context import JobContext
from backend_fastapi.worker.webhooks import sign
from tests.support.processes import free_port
from tests.support.servers import LoopbackServer, Recorded, loopback_server
from tests.support.smtp import MailBox
from tests.support.smtp import smtp_server as serve_smtp

SECRET = "whsec-monitor"
PASSWORD = "hunter2-Very-Secret"
CHANGES: list[dict[str, Any]] = [
    {
        "kind": "changed",
        "key": {"url": "https://shop.test/p/1"},
        "before": {"url": "https://shop.test/p/1", "price": 10.0},
        "after": {"url": "https://shop.test/p/1", "price": 8.5},
        "fields": [{"field": "price", "before": 10.0, "after": 8.5}],
    },
    {"kind": "added", "key": {"url": "https://shop.test/p/2"}, "before": None, "after": {"price": 3}},
    {
        "kind": "text",
        "key": {"url": "https://shop.test/terms"},
        "before": None,
        "after": None,
        "format": "markdown",
        "diff": "--- before\n+++ after\n@@ -1,2 +1,2 @@\n-Refunds in 30 days\n+Refunds in 14 days\n same",
        "added_lines": 1,
        "removed_lines": 1,
    },
]


def _ok(_: Recorded) -> tuple[int, dict[str, str], bytes]:
    return 200, {}, b"ok"


@pytest.fixture
def receiver() -> Iterator[LoopbackServer]:
    with loopback_server(_ok) as server:
        yield server


@pytest.fixture
def smtp_server() -> Iterator[MailBox]:
    with serve_smtp() as box:
        yield box


def _payload(target: str, event: str = "change", **extra: Any) -> MonitorNotifyPayload:
    return MonitorNotifyPayload.model_validate(
        {
            "monitor_id": "mon-1",
            "monitor_name": "Prices",
            "check_id": "chk-1",
            "job_id": new_id(),
            "event": event,
            "target": {"url": target},
            "counts": {"changed": 1, "added": 1, "removed": 0, "text": 1},
            "changes": CHANGES,
            "checked_at": 1_780_000_000.0,
            "delivery_id": new_id(),
            **extra,
        }
    )


def _context(
    db: Database, settings: Settings, payload: MonitorNotifyPayload, allow: list[str]
) -> JobContext[MonitorNotifyPayload]:
    worker_settings = settings.model_copy(update={"SCRAPE_ALLOW_HOSTS": allow, "WEBHOOK_SECRET": SECRET})
    job = ClaimedJob(
        id=new_id(),
        type="monitor.notify",
        payload=payload.to_json(),
        attempt=1,
        max_attempts=5,
        timeout_seconds=60.0,
        name=None,
    )
    return JobContext(db, worker_settings, "worker-test", job, payload)


@pytest.fixture
def allow_loopback(monkeypatch: pytest.MonkeyPatch) -> None:
    """Requests accept loopback targets, as with SCRAPE_ALLOW_HOSTS=127.0.0.1 in the API."""
    monkeypatch.setenv("SCRAPE_ALLOW_HOSTS", "127.0.0.1")


# --- the summary -------------------------------------------------------------------------------


def test_the_summary_names_each_change_and_counts_what_it_leaves_out(allow_loopback: None) -> None:
    payload = _payload("json://127.0.0.1:9/hook", truncated=7)
    title, body = summary(payload)
    assert title == "Prices (monitor): 1 changed, 1 added, 1 text"
    lines = body.splitlines()
    assert lines[0] == "changed https://shop.test/p/1 price: 10 -> 8.5"
    assert lines[1] == "added https://shop.test/p/2"
    assert lines[2] == "text changed https://shop.test/terms (markdown, +1 -1)"
    assert lines[3:5] == ["    -Refunds in 30 days", "    +Refunds in 14 days"]
    assert "... and 7 more" in lines


def test_a_failed_check_says_why(allow_loopback: None) -> None:
    payload = _payload(
        "json://127.0.0.1:9/hook", event="failed", counts={}, changes=[], message="The page answered 503."
    )
    title, body = summary(payload)
    assert title == "Prices (monitor): check failed"
    assert body.splitlines()[0] == "The page answered 503."


# --- targets -----------------------------------------------------------------------------------


def test_a_target_kind_comes_from_the_scheme(allow_loopback: None) -> None:
    assert NotifyTarget.model_validate({"url": "https://hooks.example.com/x"}).kind == "webhook"
    assert NotifyTarget.model_validate({"url": "json://127.0.0.1:9/x"}).kind == "apprise"


def test_an_unreadable_apprise_url_is_refused_without_echoing_it() -> None:
    with pytest.raises(ValidationError) as caught:
        NotifyTarget.model_validate({"url": f"nosuchservice://admin:{PASSWORD}@host/x"})
    assert "Apprise cannot read this nosuchservice:// URL" in str(caught.value)
    assert PASSWORD not in str(caught.value)


def test_a_webhook_target_to_a_loopback_address_is_refused_at_request_time() -> None:
    with pytest.raises(ValidationError, match="loopback"):
        NotifyTarget.model_validate({"url": "http://127.0.0.1:9/hook"})


def test_cloud_services_connect_to_their_own_hosts_and_are_not_host_checked() -> None:
    import apprise

    discord = apprise.Apprise.instantiate(f"discord://123456789012345678/{PASSWORD}")
    assert discord is not None
    assert connect_target(discord) is None
    assert PASSWORD not in redact(f"discord://123456789012345678/{PASSWORD}", discord)
    mail = apprise.Apprise.instantiate(f"mailtos://me:{PASSWORD}@example.com?smtp=smtp.example.net")
    assert mail is not None
    assert connect_target(mail) == ("smtp.example.net", 587)


# --- webhooks ----------------------------------------------------------------------------------


async def test_a_monitor_webhook_is_signed_and_logged_like_job_webhooks(
    db: Database, settings: Settings, receiver: LoopbackServer, allow_loopback: None
) -> None:
    payload = _payload(f"{receiver.url}/hook")
    result = await run_monitor_notify(_context(db, settings, payload, ["127.0.0.1"]))

    assert (result.kind, result.status_code, result.delivery_id) == ("webhook", 200, payload.delivery_id)
    [request] = receiver.requests
    assert request.headers["X-DataOps-Signature"] == sign(SECRET, request.body)
    assert request.headers["X-DataOps-Event"] == "monitor.change"
    assert request.headers["X-DataOps-Delivery"] == payload.delivery_id
    assert request.headers["X-DataOps-Job"] == payload.job_id
    body = orjson.loads(request.body)
    assert body["event"] == "monitor.change"
    assert body["monitor"] == {"id": "mon-1", "name": "Prices"}
    assert (body["check_id"], body["job_id"]) == ("chk-1", payload.job_id)
    assert body["changes"] == CHANGES
    assert body["counts"]["changed"] == 1
    assert body["summary"]["title"] == "Prices (monitor): 1 changed, 1 added, 1 text"
    assert body["checked_at"].endswith("Z")
    async with db.read() as conn:
        [attempt] = await delivery_rows.webhook_attempts(conn, payload.job_id)
    assert (attempt.event, attempt.status_code, attempt.delivery_id) == (
        "monitor.change",
        200,
        payload.delivery_id,
    )


async def test_a_check_job_with_its_own_webhook_keeps_a_valid_body_after_a_monitor_webhook(
    db: Database, settings: Settings, receiver: LoopbackServer, allow_loopback: None
) -> None:
    check = NewJob(
        type="scrape.page",
        payload={"url": "https://shop.test/p/1"},
        max_attempts=1,
        timeout_seconds=60.0,
        webhook={"url": f"{receiver.url}/job", "events": ["completed"]},
    )
    await db.write_timed(lambda c, now: jobqueue.enqueue(c, check, now))
    payload = _payload(f"{receiver.url}/hook", job_id=check.id)
    await run_monitor_notify(_context(db, settings, payload, ["127.0.0.1"]))

    async with db.read() as conn:
        row = await job_rows.get_job(conn, check.id)
        attempts = await delivery_rows.webhook_attempts(conn, check.id)
    assert row is not None
    assert [a.event for a in attempts] == ["monitor.change"]
    # The job's own webhook lists its own deliveries only (none yet), not the monitor's.
    body = job_body(row, detail=True, deliveries=attempts)
    assert body.webhook is not None
    assert body.webhook.deliveries == []


async def test_a_receiver_error_is_logged_and_retried(
    db: Database, settings: Settings, allow_loopback: None
) -> None:
    with loopback_server(lambda _: (503, {"Retry-After": "7"}, b"busy")) as server:
        payload = _payload(f"{server.url}/hook", event="suspect", message="3 records, 40 before.")
        with pytest.raises(TransientJobError) as caught:
            await run_monitor_notify(_context(db, settings, payload, ["127.0.0.1"]))
    assert caught.value.retry_after == 7.0
    async with db.read() as conn:
        [attempt] = await delivery_rows.webhook_attempts(conn, payload.job_id)
    assert (attempt.event, attempt.status_code) == ("monitor.suspect", 503)


# --- Apprise -----------------------------------------------------------------------------------


async def test_an_email_through_apprise_reaches_a_loopback_smtp_server(
    db: Database,
    settings: Settings,
    smtp_server: MailBox,
    allow_loopback: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    url = (
        f"mailto://alerts:{PASSWORD}@127.0.0.1:{smtp_server.port}"
        "?mode=insecure&from=alerts@example.com&to=ops@example.com"
    )
    payload = _payload(url)
    with caplog.at_level(logging.DEBUG):
        result = await run_monitor_notify(_context(db, settings, payload, [f"127.0.0.1:{smtp_server.port}"]))

    assert (result.kind, result.status_code) == ("apprise", None)
    [message] = smtp_server.messages
    assert message["Subject"] == "Prices (monitor): 1 changed, 1 added, 1 text"
    assert message["To"] == "ops@example.com"
    text = message.get_body(preferencelist=("plain",))
    assert text is not None
    assert "changed https://shop.test/p/1 price: 10 -> 8.5" in text.get_content()
    [attached] = list(message.iter_attachments())
    assert orjson.loads(attached.get_content())["changes"] == CHANGES
    assert smtp_server.logins == [(b"alerts", PASSWORD.encode())]
    assert PASSWORD not in caplog.text
    assert PASSWORD not in result.model_dump_json()


async def test_apprise_json_target_posts_to_a_loopback_receiver(
    db: Database, settings: Settings, receiver: LoopbackServer, allow_loopback: None
) -> None:
    payload = _payload(f"json://127.0.0.1:{receiver.port}/notify", event="failed", message="HTTP 500")
    await run_monitor_notify(_context(db, settings, payload, ["127.0.0.1"]))

    [request] = receiver.requests
    assert (request.method, request.path) == ("POST", "/notify")
    body = orjson.loads(request.body)
    assert body["title"] == "Prices (monitor): check failed"
    assert body["type"] == "failure"
    assert body["message"].startswith("HTTP 500\n")
    # The JSON target takes attachments: the structured changes travel with the summary.
    [attachment] = body["attachments"]
    assert attachment["filename"] == "monitor-chk-1.json"


async def test_apprise_to_a_private_address_not_allowed_is_refused_naming_the_host_only(
    db: Database,
    settings: Settings,
    receiver: LoopbackServer,
    allow_loopback: None,
    caplog: pytest.LogCaptureFixture,
) -> None:
    payload = _payload(f"json://admin:{PASSWORD}@127.0.0.1:{receiver.port}/notify")
    with caplog.at_level(logging.DEBUG), pytest.raises(BlockedAddress) as caught:
        # The worker allows another port only: this one is not exempt.
        await run_monitor_notify(_context(db, settings, payload, [f"127.0.0.1:{receiver.port + 1}"]))
    assert isinstance(caught.value, PermanentJobError)
    assert "127.0.0.1" in caught.value.message
    assert "loopback" in caught.value.message
    assert PASSWORD not in caught.value.message
    assert PASSWORD not in caplog.text
    assert receiver.requests == []


async def test_an_email_to_a_private_smtp_host_is_refused(
    db: Database, settings: Settings, allow_loopback: None
) -> None:
    payload = _payload(f"mailto://me:{PASSWORD}@example.com?smtp=10.1.2.3&to=ops@example.com")
    with pytest.raises(BlockedAddress, match=r"10\.1\.2\.3 is a private address") as caught:
        await run_monitor_notify(_context(db, settings, payload, []))
    assert PASSWORD not in caught.value.message


async def test_an_apprise_failure_is_retried_without_the_secret_in_the_error(
    db: Database, settings: Settings, allow_loopback: None, caplog: pytest.LogCaptureFixture
) -> None:
    port = free_port()  # nothing listens there
    payload = _payload(f"json://admin:{PASSWORD}@127.0.0.1:{port}/notify")
    with caplog.at_level(logging.DEBUG), pytest.raises(TransientJobError) as caught:
        await run_monitor_notify(_context(db, settings, payload, ["127.0.0.1"]))
    assert (
        caught.value.message == f"Apprise could not deliver the notification to json://127.0.0.1:{port}/***."
    )
    assert PASSWORD not in caplog.text
