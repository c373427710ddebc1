"""Page captures (screenshots, PDFs) as the browser returns them, and storing them as the job's files.

A capture is written to the job's folder under its own name (`screenshot.jpg`, `page.pdf`) and
listed in the result with the URL that downloads it; the job row holds only that list.
"""

from __future__ import annotations

import asyncio
from collections.abc import Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

from backend_fastapi import jobfiles


@dataclass(frozen=True)
class Capture:
    """One capture of a page: its file name within the job, its media type and its bytes."""

    name: str
    media_type: str
    data: bytes


async def store_captures(files_dir: Path, job_id: str, captures: Sequence[Capture]) -> list[dict[str, Any]]:
    """Write the captures as the job's files (replacing an earlier attempt's); the result's `files`."""
    # A later capture of the same name (two screenshots of one page) is the one kept.
    latest = {capture.name: capture for capture in captures}
    stored = await asyncio.to_thread(
        jobfiles.write_files,
        files_dir,
        job_id,
        [(c.name, c.media_type, c.data) for c in latest.values()],
    )
    return [
        {"name": f.name, "media_type": f.media_type, "size": f.size, "url": jobfiles.file_url(job_id, f.name)}
        for f in stored
    ]
