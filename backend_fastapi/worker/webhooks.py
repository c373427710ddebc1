"""The `webhook.deliver` job: POST a finished job's body to the URL its creator gave.

Deliveries are jobs of their own, queued in the same transaction that finished the job, so a
crash never loses one, and they inherit the queue's retries with backoff (up to 5 attempts).
The body is signed with HMAC-SHA256 over the raw bytes (`X-DataOps-Signature: sha256=<hex>`)
when `WEBHOOK_SECRET` is set; receivers dedupe on `X-DataOps-Delivery`.
"""

from __future__ import annotations

import hashlib
import hmac
import time
from typing import Any

import httpx
import orjson

from backend_fastapi import __version__, jobstore
from backend_fastapi.errors import PermanentJobError, TransientJobError
from backend_fastapi.netguard import check_url, resolve_public
from backend_fastapi.schemas.jobs import job_body
from backend_fastapi.worker.context import JobContext

REQUEST_TIMEOUT_SECONDS = 15.0
USER_AGENT = f"DataOps-Webhook/{__version__}"


def sign(secret: str, body: bytes) -> str:
    """The signature header value for `body`."""
    return "sha256=" + hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()


def _pinned_request(url: str, address: str, host: str) -> tuple[httpx.URL, dict[str, Any]]:
    """Send to the checked address itself, keeping the name for Host, SNI and certificates."""
    target = httpx.URL(url)
    pinned = target.copy_with(host=address)
    extensions: dict[str, Any] = {"sni_hostname": host} if target.scheme == "https" else {}
    return pinned, extensions


async def deliver_webhook(ctx: JobContext) -> dict[str, Any]:
    payload = ctx.payload
    url, event, delivery_id = payload["url"], payload["event"], payload["delivery_id"]
    async with ctx.db.read() as conn:
        row = await jobstore.get_job(conn, payload["job_id"])
    if row is None:
        raise PermanentJobError("The job was deleted before its webhook could be delivered.")
    body = orjson.dumps(job_body(row))
    allow = ctx.settings.SCRAPE_ALLOW_HOSTS
    _, host, port = check_url(url, allow)
    addresses = await resolve_public(host, port, allow)
    headers = {
        "Content-Type": "application/json",
        "User-Agent": USER_AGENT,
        "Host": httpx.URL(url).netloc.decode(),
        "X-DataOps-Event": event,
        "X-DataOps-Delivery": delivery_id,
        "X-DataOps-Job": row.id,
    }
    if ctx.settings.WEBHOOK_SECRET:
        headers["X-DataOps-Signature"] = sign(ctx.settings.WEBHOOK_SECRET, body)
    pinned, extensions = _pinned_request(url, addresses[0], host)

    started = time.monotonic()
    status_code: int | None = None
    error: str | None = None
    retry_after: float | None = None
    try:
        async with httpx.AsyncClient(timeout=REQUEST_TIMEOUT_SECONDS, follow_redirects=False) as client:
            response = await client.post(pinned, content=body, headers=headers, extensions=extensions)
        status_code = response.status_code
        if not 200 <= status_code < 300:
            error = f"The receiver answered HTTP {status_code}."
            header = response.headers.get("retry-after", "")
            retry_after = float(header) if header.isdigit() else None
    except httpx.HTTPError as exc:
        error = f"{type(exc).__name__}: {exc}" if str(exc) else type(exc).__name__
    duration_ms = round((time.monotonic() - started) * 1000, 1)
    record = {
        "job_id": row.id,
        "delivery_id": delivery_id,
        "event": event,
        "url": url,
        "attempt": ctx.attempt,
        "status_code": status_code,
        "error": error,
        "duration_ms": duration_ms,
        "created_at": time.time(),
    }
    await ctx.db.write(lambda c: jobstore.record_webhook_attempt(c, record))
    if error is not None:
        raise TransientJobError(error, retry_after=retry_after)
    return {
        "job_id": row.id,
        "delivery_id": delivery_id,
        "status_code": status_code,
        "duration_ms": duration_ms,
    }
