"""Where a monitor's notifications go (`NotifyTarget`) and what a `monitor.notify` job carries."""

from __future__ import annotations

import logging
from typing import Any, Literal

from pydantic import Field, field_validator, model_validator

from backend_fastapi.schemas.common import JobPayload, StrictModel, validate_outbound_url

NotifyEvent = Literal["change", "failed", "suspect"]
NotifyKind = Literal["webhook", "apprise"]
# The changes one notification carries; `counts` and `truncated` tell what was left out.
MAX_NOTIFIED = 200
MAX_URL_LENGTH = 2048


def url_scheme(url: str) -> str:
    """The scheme of `url`, lower-cased ("" when it has none)."""
    scheme, sep, _ = url.partition("://")
    return scheme.strip().lower() if sep else ""


def validate_apprise_url(url: str) -> None:
    """Refuse a URL that Apprise cannot read; the message never repeats the URL (it holds secrets).

    Apprise is imported here, lazily: it is a worker dependency, and loading its ~190 services costs
    about 25 MB, paid only by a process that meets an Apprise URL. Where it is not installed, only
    the shape is checked and the worker refuses an unreadable URL when it sends.
    """
    scheme = url_scheme(url)
    if not scheme:
        raise ValueError("An Apprise URL starts with a service scheme, such as mailto:// or json://.")
    try:
        import apprise
    except ImportError:
        return
    # Apprise logs why it cannot read a URL, with parts of the URL in it: keep that out of our logs.
    logger = logging.getLogger("apprise")
    level = logger.level
    logger.setLevel(logging.CRITICAL)
    try:
        plugin = apprise.Apprise.instantiate(url)
    finally:
        logger.setLevel(level)
    if plugin is None:
        raise ValueError(
            f"Apprise cannot read this {scheme}:// URL: check the service name and its parts "
            "(the service's page in the Apprise documentation lists them)."
        )


def _default_events() -> list[NotifyEvent]:
    return ["change"]


REDACTED = "***"


def redacted_url(url: str) -> str:
    """A notify URL as the API shows it: a webhook without its password and query values, an Apprise
    URL as its scheme and a fingerprint (its host, user and path may all be tokens).

    Sending a redacted URL back in a PUT keeps the stored one it stands for."""
    from hashlib import sha256
    from urllib.parse import urlsplit, urlunsplit

    parts = urlsplit(url)
    if parts.scheme in ("http", "https"):
        host = parts.hostname or ""
        if parts.port is not None:
            host = f"{host}:{parts.port}"
        if parts.username:
            host = f"{parts.username}:{REDACTED}@{host}" if parts.password else f"{parts.username}@{host}"
        query = "&".join(f"{pair.split('=', 1)[0]}={REDACTED}" for pair in parts.query.split("&") if pair)
        return urlunsplit((parts.scheme, host, parts.path, query, ""))
    return f"{parts.scheme}://{REDACTED}#{sha256(url.encode()).hexdigest()[:8]}"


def is_redacted(url: str) -> bool:
    """True for a URL as `redacted_url` writes it (a stand-in for a stored one, not a target)."""
    return REDACTED in url


class NotifyTarget(StrictModel):
    """One entry of a monitor's `notify` list: a signed DataOps webhook or an Apprise URL."""

    url: str = Field(
        max_length=MAX_URL_LENGTH,
        description="http(s):// is a signed webhook (private and loopback addresses are refused); any "
        "other scheme is an Apprise URL (mailto://, slack://, discord://, tgram://, ntfy://, json://...).",
    )
    kind: NotifyKind | None = Field(default=None, description="Default: from the URL's scheme.")
    events: list[NotifyEvent] = Field(default_factory=_default_events, min_length=1)

    @field_validator("url")
    @classmethod
    def _strip(cls, url: str) -> str:
        return url.strip()

    @model_validator(mode="after")
    def _check_url(self) -> NotifyTarget:
        is_http = url_scheme(self.url) in ("http", "https")
        if self.kind is None:
            self.kind = "webhook" if is_http else "apprise"
        if is_redacted(self.url):
            return self  # stands for a stored URL: the API puts that one back (or refuses it)
        if self.kind == "webhook":
            if not is_http:
                raise ValueError("A webhook URL starts with http:// or https://.")
            validate_outbound_url(self.url)
        else:
            validate_apprise_url(self.url)
        return self


class MonitorNotifyPayload(JobPayload):
    """`monitor.notify`: tell one target about one check; everything needed travels with the job."""

    monitor_id: str
    monitor_name: str
    check_id: str
    job_id: str = Field(description="The check's scrape job.")
    event: NotifyEvent
    target: NotifyTarget
    counts: dict[str, int]
    changes: list[dict[str, Any]] = Field(description=f"At most {MAX_NOTIFIED}; `counts` has the totals.")
    truncated: int = 0
    message: str | None = Field(default=None, description="Why a check failed or is suspect.")
    checked_at: float
    delivery_id: str
