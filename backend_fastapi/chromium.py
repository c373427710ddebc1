"""Which Chromium to launch, and how: shared by the browser fetcher and the browser tests."""

from __future__ import annotations

import os
from pathlib import Path

# Debian's headless shell needs about half the memory of the full browser (185 MB vs 378 MB idle).
SYSTEM_CANDIDATES = ("/usr/bin/chromium-headless-shell", "/usr/bin/chromium")
# Without these, Chromium phones home at start and on a closed network retries for ever.
QUIET_FLAGS = (
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    "--no-first-run",
    "--disable-dev-shm-usage",
)


def find_chromium(configured: str = "") -> str | None:
    """`CHROMIUM_PATH` if set, else a system Chromium, else None (Playwright's own browser)."""
    if configured:
        return configured
    for candidate in SYSTEM_CANDIDATES:
        if Path(candidate).is_file() and os.access(candidate, os.X_OK):
            return candidate
    return None


def launch_args() -> list[str]:
    """Command-line flags for a headless launch; `--no-sandbox` only when running as root."""
    args = list(QUIET_FLAGS)
    if hasattr(os, "geteuid") and os.geteuid() == 0:
        args.append("--no-sandbox")
    return args
