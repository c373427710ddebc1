"""Page captures (screenshots, PDFs) as the browser returns them, before they are stored as files."""

from __future__ import annotations

from dataclasses import dataclass


@dataclass(frozen=True)
class Capture:
    """One capture of a page: its file name within the job, its media type and its bytes."""

    name: str
    media_type: str
    data: bytes
