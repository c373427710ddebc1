"""Downloading a `url` source to a file, through the address guard, size-limited.

The download goes through the one guarded client (`outbound`): every hop (the first
request and each redirect) has its host normalised and checked, names resolve only to checked
public addresses, and every socket is checked again right before it connects.
"""

from __future__ import annotations

from pathlib import Path

from backend_fastapi import __version__
from backend_fastapi.errors import BlockedAddress, JobError
from backend_fastapi.outbound import GuardedClient, TooManyRedirects, read_chunks
from backend_fastapi.pipelines.errors import SourceFetchFailed, SourceTooLarge, SourceUnavailable
from backend_fastapi.settings import Settings

MAX_REDIRECTS = 5
TIMEOUT_SECONDS = 60.0
USER_AGENT = f"DataOps-Pipeline/{__version__}"


async def download(url: str, dest: Path, settings: Settings) -> tuple[str, str | None]:
    """Fetch `url` into `dest`; returns the final URL and its Content-Type."""
    limit = settings.UPLOAD_MAX_BYTES
    client = GuardedClient(
        settings.SCRAPE_ALLOW_HOSTS,
        user_agent=USER_AGENT,
        accept="*/*",
        timeout_s=TIMEOUT_SECONDS,
        max_redirects=MAX_REDIRECTS,
        limit=1,
    )
    try:
        async with client, client.open(url) as (response, _):
            final = str(response.url)
            if response.status >= 500 or response.status == 429:
                raise SourceFetchFailed(f"{final} answered HTTP {response.status}; retrying later.")
            if response.status >= 400:
                raise SourceUnavailable(f"{final} answered HTTP {response.status}.")
            declared = response.content_length
            if declared is not None and declared > limit:
                raise SourceTooLarge(
                    f"{final} is {declared:,} bytes; the limit is {limit:,} (UPLOAD_MAX_BYTES)."
                )
            received = 0
            with dest.open("wb") as fh:
                async for block in read_chunks(response):
                    received += len(block)
                    if received > limit:
                        raise SourceTooLarge(f"{final} is larger than {limit:,} bytes (UPLOAD_MAX_BYTES).")
                    fh.write(block)
            return final, response.headers.get("Content-Type")
    except TooManyRedirects as exc:
        raise SourceUnavailable(f"{url}: more than {MAX_REDIRECTS} redirects.") from exc
    except (BlockedAddress, SourceFetchFailed, SourceTooLarge, SourceUnavailable):
        raise
    except JobError as exc:  # network errors and timeouts of the guarded client
        raise SourceFetchFailed(f"cannot fetch {url}: {exc.message}") from exc
