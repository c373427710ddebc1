"""The `webhook.deliver` job, and the one signed POST every DataOps webhook goes through.

Deliveries are jobs of their own, queued in the same transaction that finished the job, so a
crash never loses one, and they inherit the queue's retries with backoff (up to 5 attempts).
The body is signed with HMAC-SHA256 over the raw bytes (`X-DataOps-Signature: sha256=<hex>`)
when `WEBHOOK_SECRET` is set; receivers dedupe on `X-DataOps-Delivery`. The POST goes through the
one guarded client (`outbound`, loaded with the first delivery): the host is
normalised and checked, and every socket is checked before it connects. Redirects are not followed.
Monitors' webhooks (`monitors.notify`) use the same `post_signed`, so both are signed, guarded and
logged alike.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from backend_fastapi import __version__
from backend_fastapi.errors import BlockedAddress, JobError, PermanentJobError, TransientJobError
from backend_fastapi.netguard import check_url
from backend_fastapi.schemas.common import WebhookPayload
from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.schemas.responses import model_json
from backend_fastapi.schemas.results import WebhookDeliveryResult
from backend_fastapi.store import delivery_rows, job_rows
from backend_fastapi.worker.context import JobContext

REQUEST_TIMEOUT_SECONDS = 15.0
USER_AGENT = f"DataOps-Webhook/{__version__}"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


@dataclass(frozen=True)
class Delivered:
    """A POST the receiver took (it answered 2xx)."""

    status_code: int
    duration_ms: float


async def post_signed(
    ctx: JobContext[Any],
    url: str,
    body: bytes,
    *,
    event: str,
    delivery_id: str,
    job_id: str,
    headers: Mapping[str, str] | None = None,
) -> Delivered:
    """POST `body` to `url`, signed, through the guarded client, and log the attempt under `job_id`.

    A blocked address raises BlockedAddress (the delivery fails at once); a non-2xx answer or a
    network error is logged and raises TransientJobError, so the queue retries with backoff.
    """
    allow = ctx.settings.SCRAPE_ALLOW_HOSTS
    check_url(url, allow)  # a blocked address fails the delivery at once, before any work
    sent = {
        "Content-Type": "application/json",
        "X-DataOps-Event": event,
        "X-DataOps-Delivery": delivery_id,
        "X-DataOps-Job": job_id,
        **(headers or {}),
    }
    if ctx.settings.WEBHOOK_SECRET:
        sent["X-DataOps-Signature"] = sign(ctx.settings.WEBHOOK_SECRET, body)
    # aiohttp comes with the guarded client: loaded by the first delivery, not by an idle worker.
    from backend_fastapi.outbound import GuardedClient

    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None
    client = GuardedClient(
        allow, user_agent=USER_AGENT, accept="*/*", timeout_s=REQUEST_TIMEOUT_SECONDS, limit=1
    )
    try:
        # The receiver's answer body is not used: only its status (and Retry-After) is read.
        async with client:
            sending = client.open(url, method="POST", body=body, headers=sent, follow_redirects=False)
            async with sending as (response, _):
                status_code = response.status
                header = response.headers.get("Retry-After", "")
        if not 200 <= status_code < 300:
            error = f"The receiver answered HTTP {status_code}."
            retry_after = float(header) if header.isdigit() else None
    except BlockedAddress:
        raise
    except JobError as exc:  # network errors and timeouts
        error = exc.message
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    record = {
        "job_id": job_id,
        "delivery_id": delivery_id,
        "event": event,
        "url": url,
        "attempt": ctx.attempt,
        "status_code": status_code,
        "error": error,
        "duration_ms": duration_ms,
        "created_at": time.time(),
    }
    await ctx.db.write(lambda c: delivery_rows.record_webhook_attempt(c, record))
    if error is not None:
        raise TransientJobError(error, retry_after=retry_after)
    assert status_code is not None  # no error: the receiver answered 2xx
    return Delivered(status_code=status_code, duration_ms=duration_ms)


async def deliver_webhook(ctx: JobContext[WebhookPayload]) -> WebhookDeliveryResult:
    """POST a finished job's body to the webhook its creator gave."""
    payload = ctx.payload
    async with ctx.db.read() as conn:
        row = await job_rows.get_job(conn, payload.job_id)
    if row is None:
        raise PermanentJobError("The job was deleted before its webhook could be delivered.")
    delivered = await post_signed(
        ctx,
        payload.url,
        model_json(job_body(row)),
        event=payload.event,
        delivery_id=payload.delivery_id,
        job_id=row.id,
    )
    return WebhookDeliveryResult(
        job_id=row.id,
        delivery_id=payload.delivery_id,
        status_code=delivered.status_code,
        duration_ms=delivered.duration_ms,
    )
