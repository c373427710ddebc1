"""Identifiers that sort by creation time, so "newest first" is an index scan on the primary key."""

from __future__ import annotations

import os
import time


def new_id() -> str:
    """A UUIDv7-shaped id: 48 bits of milliseconds since the epoch, then 80 random bits."""
    value = (int(time.time() * 1000) << 80) | int.from_bytes(os.urandom(10), "big")
    text = f"{value:032x}"
    return f"{text[:8]}-{text[8:12]}-7{text[13:16]}-{text[16:20]}-{text[20:]}"
