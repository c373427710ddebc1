"""Memory admission for browser jobs: wait while the worker's cgroup is above the high watermark.

Usage and limit come from the cgroup the worker runs in (v2 `memory.current`/`memory.max`, else
v1 `memory.usage_in_bytes`/`memory.limit_in_bytes`), the tightest limit up the hierarchy, so a
container's 1 GB is what counts, not the host's RAM. Reclaimable page cache (`inactive_file`) is
not counted as used, as the kernel would drop it before killing anything. Without any cgroup
limit the machine's memory is the limit.
"""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from pathlib import Path

log = logging.getLogger(__name__)

CGROUP_ROOT = Path("/sys/fs/cgroup")
PROC_CGROUP = Path("/proc/self/cgroup")
MEMINFO = Path("/proc/meminfo")
UNLIMITED = 1 << 60
POLL_SECONDS = 0.5


@dataclass(frozen=True)
class MemoryUse:
    used: int
    limit: int

    @property
    def share(self) -> float:
        return self.used / self.limit if self.limit else 0.0


def _read_int(path: Path) -> int | None:
    try:
        text = path.read_text().strip()
    except OSError:
        return None
    if text == "max":
        return UNLIMITED
    try:
        return int(text)
    except ValueError:
        return None


def _stat(path: Path, key: str) -> int:
    try:
        for line in path.read_text().splitlines():
            name, _, value = line.partition(" ")
            if name == key:
                return int(value)
    except (OSError, ValueError):
        pass
    return 0


def _own_paths(proc_cgroup: Path) -> tuple[str | None, str | None]:
    """The worker's cgroup path in the v2 hierarchy and in the v1 memory hierarchy."""
    v2 = v1 = None
    try:
        lines = proc_cgroup.read_text().splitlines()
    except OSError:
        return None, None
    for line in lines:
        parts = line.split(":", 2)
        if len(parts) != 3:
            continue
        if parts[0] == "0" and parts[1] == "":
            v2 = parts[2]
        elif "memory" in parts[1].split(","):
            v1 = parts[2]
    return v2, v1


def _directory(mount: Path, own: str) -> Path:
    candidate = mount / own.lstrip("/")
    # Inside a cgroup namespace the mount already is our cgroup and the path does not exist.
    return candidate if candidate.is_dir() else mount


def _tightest_limit(directory: Path, mount: Path, name: str) -> int:
    limit = UNLIMITED
    current = directory
    while True:
        value = _read_int(current / name)
        if value is not None:
            limit = min(limit, value)
        if current == mount or mount not in current.parents:
            return limit
        current = current.parent


def _host_total(meminfo: Path) -> int | None:
    try:
        for line in meminfo.read_text().splitlines():
            if line.startswith("MemTotal:"):
                return int(line.split()[1]) * 1024
    except (OSError, ValueError, IndexError):
        pass
    return None


def read_memory(
    root: Path = CGROUP_ROOT, proc_cgroup: Path = PROC_CGROUP, meminfo: Path = MEMINFO
) -> MemoryUse | None:
    """The worker cgroup's memory use and limit (v2, else v1); None when no cgroup is readable."""
    v2_path, v1_path = _own_paths(proc_cgroup)
    if v2_path is not None and (root / "cgroup.controllers").exists():
        directory = _directory(root, v2_path)
        used = _read_int(directory / "memory.current")
        if used is not None:
            used -= _stat(directory / "memory.stat", "inactive_file")
            limit = _tightest_limit(directory, root, "memory.max")
            return _with_host_limit(max(used, 0), limit, meminfo)
    mount = root / "memory"
    if v1_path is not None and mount.is_dir():
        directory = _directory(mount, v1_path)
        used = _read_int(directory / "memory.usage_in_bytes")
        if used is not None:
            used -= _stat(directory / "memory.stat", "total_inactive_file")
            limit = _tightest_limit(directory, mount, "memory.limit_in_bytes")
            return _with_host_limit(max(used, 0), limit, meminfo)
    return None


def _with_host_limit(used: int, limit: int, meminfo: Path) -> MemoryUse | None:
    if limit >= UNLIMITED // 2:
        total = _host_total(meminfo)
        if total is None:
            return None
        limit = total
    return MemoryUse(used, limit)


async def wait_for_memory(
    watermark: float,
    on_wait: Callable[[MemoryUse], Awaitable[None]] | None = None,
    reader: Callable[[], MemoryUse | None] = read_memory,
) -> float:
    """Wait while memory use is above `watermark` of the limit; returns the seconds waited."""
    started = time.monotonic()
    reported = False
    while True:
        use = reader()
        if use is None or use.share < watermark:
            waited = time.monotonic() - started
            if reported:
                log.info("scrape.memory_admitted", extra={"waited": round(waited, 2)})
            return waited
        if not reported:
            reported = True
            log.warning(
                "scrape.memory_wait",
                extra={"used_mb": use.used >> 20, "limit_mb": use.limit >> 20, "watermark": watermark},
            )
            if on_wait is not None:
                await on_wait(use)
        await asyncio.sleep(POLL_SECONDS)
