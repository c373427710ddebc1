"""Downloading a `url` source to a file, through the address guard, size-limited.

Every hop (the first request and each redirect, followed here) is checked with `check_url` and
resolved with `resolve_public`, and the request goes to exactly the address that was checked.
"""

from __future__ import annotations

from pathlib import Path
from urllib.parse import urljoin

import httpx

from backend_fastapi import __version__
from backend_fastapi.netguard import check_url, resolve_public
from backend_fastapi.pipelines.errors import SourceFetchFailed, SourceTooLarge, SourceUnavailable
from backend_fastapi.settings import Settings
from backend_fastapi.worker.webhooks import _pinned_request

MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 60.0
USER_AGENT = f"DataOps-Pipeline/{__version__}"


async def download(url: str, dest: Path, settings: Settings) -> tuple[str, str | None]:
    """Fetch `url` into `dest`; returns the final URL and its Content-Type."""
    allow = settings.SCRAPE_ALLOW_HOSTS
    limit = settings.UPLOAD_MAX_BYTES
    for _ in range(MAX_REDIRECTS + 1):
        _, host, port = check_url(url, allow)
        addresses = await resolve_public(host, port, allow)
        pinned, extensions = _pinned_request(url, addresses[0], host)
        headers = {"Host": httpx.URL(url).netloc.decode(), "User-Agent": USER_AGENT, "Accept": "*/*"}
        try:
            async with (
                httpx.AsyncClient(timeout=TIMEOUT_SECONDS, follow_redirects=False) as client,
                client.stream("GET", pinned, headers=headers, extensions=extensions) as response,
            ):
                if response.is_redirect and "location" in response.headers:
                    url = urljoin(url, response.headers["location"])
                    continue
                if response.status_code >= 500 or response.status_code == 429:
                    raise SourceFetchFailed(f"{url} answered HTTP {response.status_code}; retrying later.")
                if response.status_code >= 400:
                    raise SourceUnavailable(f"{url} answered HTTP {response.status_code}.")
                declared = response.headers.get("content-length", "")
                if declared.isdigit() and int(declared) > limit:
                    raise SourceTooLarge(
                        f"{url} is {int(declared):,} bytes; the limit is {limit:,} (UPLOAD_MAX_BYTES)."
                    )
                received = 0
                with dest.open("wb") as fh:
                    async for block in response.aiter_bytes():
                        received += len(block)
                        if received > limit:
                            raise SourceTooLarge(f"{url} is larger than {limit:,} bytes (UPLOAD_MAX_BYTES).")
                        fh.write(block)
                return url, response.headers.get("content-type")
        except httpx.TransportError as exc:
            raise SourceFetchFailed(f"cannot fetch {url}: {type(exc).__name__}: {exc}") from exc
    raise SourceUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects.")
