"""The `monitor.notify` job: tell one target what a check found, by signed webhook or through Apprise.

The job's payload carries everything (the changes, the counts, the target), so this module never
reads the monitor tables. Webhooks go through `worker.webhooks.post_signed`, signed, guarded and
logged exactly like job webhooks. Apprise (email, Slack, Discord, Telegram, ntfy and ~100 more)
opens its own connections, past the guarded client: the host it will connect to is resolved first
and refused when it is not public, unless `SCRAPE_ALLOW_HOSTS` names it. Notification URLs hold
secrets (passwords, tokens), so only a redacted form of them is ever logged or raised.
"""

from __future__ import annotations

import asyncio
import logging
import tempfile
import time
from pathlib import Path
from typing import TYPE_CHECKING, Any

import orjson

from backend_fastapi.errors import BlockedAddress, PermanentJobError, TransientJobError
from backend_fastapi.netguard import check_url, resolve_public
from backend_fastapi.schemas.common import iso
from backend_fastapi.schemas.monitor_notify import MonitorNotifyPayload, url_scheme
from backend_fastapi.schemas.results import MonitorNotifyResult
from backend_fastapi.worker.context import JobContext
from backend_fastapi.worker.webhooks import post_signed

if TYPE_CHECKING:
    from apprise.plugins.base import NotifyBase

# The body lists this many changes; the rest are counted in "... and N more".
SUMMARY_CHANGES = 20
# Diff lines shown under a text change, and the width a value is cut to.
SUMMARY_DIFF_LINES = 6
VALUE_WIDTH = 80
KIND_ORDER = ("changed", "added", "removed", "text")


# --- the summary -----------------------------------------------------------------------------


def _value(value: Any) -> str:
    """A value as a person reads it: 10.0 as 10, true/false/null as in JSON, long text cut."""
    if value is None or isinstance(value, bool):
        return orjson.dumps(value).decode()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    text = value if isinstance(value, str) else orjson.dumps(value, default=str).decode()
    text = " ".join(text.split())
    return text if len(text) <= VALUE_WIDTH else text[: VALUE_WIDTH - 3] + "..."


def _key(change: dict[str, Any]) -> str:
    key = change.get("key") or {}
    if not isinstance(key, dict) or not key:
        return "(no key)"
    if len(key) == 1:
        return _value(next(iter(key.values())))
    return ", ".join(f"{name}={_value(value)}" for name, value in key.items())


def _change_lines(change: dict[str, Any]) -> list[str]:
    kind = str(change.get("kind", "changed"))
    if kind == "changed":
        fields = change.get("fields") or []
        what = ", ".join(
            f"{f.get('field')}: {_value(f.get('before'))} -> {_value(f.get('after'))}"
            for f in fields
            if isinstance(f, dict)
        )
        return [f"changed {_key(change)} {what}".rstrip()]
    if kind == "text":
        counts = f"+{change.get('added_lines', 0)} -{change.get('removed_lines', 0)}"
        head = f"text changed {_key(change)} ({change.get('format', 'text')}, {counts})"
        diff = str(change.get("diff") or "").splitlines()
        shown = [line for line in diff if line[:1] in "+-" and not line.startswith(("+++", "---"))][
            :SUMMARY_DIFF_LINES
        ]
        return [head, *(f"    {line[:VALUE_WIDTH]}" for line in shown)]
    return [f"{kind} {_key(change)}"]


def summary(payload: MonitorNotifyPayload) -> tuple[str, str]:
    """A readable title and plain-text body of one notification (fine in an email too)."""
    name = f"{payload.monitor_name} (monitor)"
    if payload.event == "failed":
        title = f"{name}: check failed"
    elif payload.event == "suspect":
        title = f"{name}: suspect check, nothing applied"
    else:
        told = [f"{payload.counts[kind]} {kind}" for kind in KIND_ORDER if payload.counts.get(kind)]
        title = f"{name}: {', '.join(told) or 'no changes'}"
    lines = [payload.message] if payload.message else []
    for change in payload.changes[:SUMMARY_CHANGES]:
        lines.extend(_change_lines(change))
    more = len(payload.changes) - min(len(payload.changes), SUMMARY_CHANGES) + payload.truncated
    if more > 0:
        lines.append(f"... and {more} more")
    lines.append(f"Checked at {iso(payload.checked_at)} (check {payload.check_id}, job {payload.job_id}).")
    return title, "\n".join(lines)


def webhook_body(payload: MonitorNotifyPayload) -> dict[str, Any]:
    """The JSON a webhook receiver gets: the structured changes and the readable summary."""
    title, body = summary(payload)
    return {
        "event": f"monitor.{payload.event}",
        "monitor": {"id": payload.monitor_id, "name": payload.monitor_name},
        "check_id": payload.check_id,
        "job_id": payload.job_id,
        "checked_at": iso(payload.checked_at),
        "counts": payload.counts,
        "changes": payload.changes,
        "truncated": payload.truncated,
        "summary": {"title": title, "body": body},
        "message": payload.message,
    }


# --- Apprise ---------------------------------------------------------------------------------


def _uses_url_host(plugin: NotifyBase) -> bool:
    """True when the service connects to the URL's host; cloud services (Slack, Discord...) keep
    tokens there and connect to their own fixed hosts."""
    return any("{host}" in template for template in getattr(plugin, "templates", ()))


def connect_target(plugin: NotifyBase) -> tuple[str, int] | None:
    """The host and port an Apprise service will connect to, when the URL chooses it."""
    smtp_host = getattr(plugin, "smtp_host", None)  # email: the SMTP server, not the address's domain
    host = smtp_host if isinstance(smtp_host, str) and smtp_host else None
    if host is None and _uses_url_host(plugin) and isinstance(plugin.host, str) and plugin.host:
        host = plugin.host
    if host is None:
        return None
    port = plugin.port if isinstance(plugin.port, int) and plugin.port else (443 if plugin.secure else 80)
    return host, port


def redact(url: str, plugin: NotifyBase | None = None) -> str:
    """What may be logged of a notification URL: its scheme and the host it connects to."""
    scheme = url_scheme(url) or "?"
    target = connect_target(plugin) if plugin is not None else None
    if target is None:
        return f"{scheme}://***"
    host, port = target
    shown = f"[{host}]" if ":" in host else host
    return f"{scheme}://{shown}:{port}/***"


async def check_apprise_target(plugin: NotifyBase, allow_hosts: list[str]) -> None:
    """Refuse a service whose host is not public (BlockedAddress names the host, never the URL)."""
    target = connect_target(plugin)
    if target is None:
        return  # the library's own fixed, public endpoint
    host, port = target
    shown = f"[{host}]" if ":" in host and not host.startswith("[") else host
    try:
        check_url(f"http://{shown}:{port}/", allow_hosts)
        await resolve_public(host, port, allow_hosts)
    except BlockedAddress as exc:
        raise BlockedAddress(
            f"The notification's host is not allowed: {exc.message}", details={"host": host}
        ) from None
    except OSError:
        # A name that does not resolve has no address to refuse; Apprise's own attempt will fail.
        return


def _load_plugin(url: str) -> tuple[Any, NotifyBase]:
    """Apprise and its service for `url` (imported here: the first Apprise notification loads it)."""
    import apprise

    asset = apprise.AppriseAsset(storage_mode="memory")
    # Apprise logs why it cannot read a URL with parts of the URL in it: keep that out of our logs.
    logger = logging.getLogger("apprise")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        plugin = apprise.Apprise.instantiate(url, asset=asset)
    finally:
        logger.setLevel(level)
    if plugin is None:
        raise PermanentJobError(f"Apprise cannot read the notification URL {redact(url)}.")
    return apprise, plugin


async def send_apprise(ctx: JobContext[MonitorNotifyPayload], title: str, body: str) -> None:
    """Notify through Apprise, the structured JSON attached where the service takes attachments."""
    payload = ctx.payload
    apprise, plugin = await asyncio.to_thread(_load_plugin, payload.target.url)
    await check_apprise_target(plugin, ctx.settings.SCRAPE_ALLOW_HOSTS)
    shown = redact(payload.target.url, plugin)
    notify_type = {
        "change": apprise.NotifyType.INFO,
        "failed": apprise.NotifyType.FAILURE,
        "suspect": apprise.NotifyType.WARNING,
    }[payload.event]
    sender = apprise.Apprise(asset=plugin.asset)
    sender.add(plugin)
    with tempfile.TemporaryDirectory(prefix="dataops-notify-") as workdir:
        attach = None
        if getattr(plugin, "attachment_support", False):
            path = Path(workdir) / f"monitor-{payload.check_id}.json"
            path.write_bytes(orjson.dumps(webhook_body(payload), option=orjson.OPT_INDENT_2))
            attach = [str(path)]
        # Apprise is synchronous (requests, smtplib): it runs in a thread, off the event loop.
        sent = await asyncio.to_thread(
            sender.notify,
            body=body,
            title=title,
            notify_type=notify_type,
            body_format=apprise.NotifyFormat.TEXT,
            attach=attach,
        )
    if not sent:
        raise TransientJobError(f"Apprise could not deliver the notification to {shown}.")
    ctx.log.info("monitor.notified", extra={"target": shown, "event": payload.event})


# --- the job ---------------------------------------------------------------------------------


async def run_monitor_notify(ctx: JobContext[MonitorNotifyPayload]) -> MonitorNotifyResult:
    """Send one notification of one check to one target."""
    payload = ctx.payload
    started = time.monotonic()
    if payload.target.kind == "webhook":
        delivered = await post_signed(
            ctx,
            payload.target.url,
            orjson.dumps(webhook_body(payload)),
            event=f"monitor.{payload.event}",
            delivery_id=payload.delivery_id,
            job_id=payload.job_id,
            headers={"X-DataOps-Monitor": payload.monitor_id},
        )
        return MonitorNotifyResult(
            kind="webhook",
            status_code=delivered.status_code,
            duration_ms=delivered.duration_ms,
            delivery_id=payload.delivery_id,
        )
    title, body = summary(payload)
    await send_apprise(ctx, title, body)
    return MonitorNotifyResult(
        kind="apprise",
        status_code=None,
        duration_ms=round((time.monotonic() - started) * 1000, 1),
        delivery_id=payload.delivery_id,
    )
