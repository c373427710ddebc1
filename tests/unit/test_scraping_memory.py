"""Memory admission reads the worker's cgroup (v2, else v1), not the host, and waits above the mark."""

from __future__ import annotations

import asyncio
from pathlib import Path

from backend_fastapi.scraping.memory import MemoryUse, read_memory, wait_for_memory

MEMINFO = "MemTotal:       8000000 kB\nMemFree:        1 kB\n"


def write(path: Path, text: str) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(text)


def test_cgroup_v2_use_excludes_reclaimable_cache_and_takes_the_tightest_limit(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    write(root / "cgroup.controllers", "memory\n")
    write(root / "system.slice" / "memory.max", "1073741824\n")
    job = root / "system.slice" / "dataops.service"
    write(job / "memory.current", str(900 << 20))
    write(job / "memory.max", "max\n")
    write(job / "memory.stat", f"anon 1\ninactive_file {100 << 20}\n")
    write(tmp_path / "proc_cgroup", "0::/system.slice/dataops.service\n")
    write(tmp_path / "meminfo", MEMINFO)
    use = read_memory(root, tmp_path / "proc_cgroup", tmp_path / "meminfo")
    assert use == MemoryUse(used=800 << 20, limit=1 << 30)


def test_cgroup_v1_is_the_fallback(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    group = root / "memory" / "docker" / "abc"
    write(group / "memory.usage_in_bytes", str(600 << 20))
    write(group / "memory.limit_in_bytes", str(1 << 30))
    write(group / "memory.stat", f"cache 1\ntotal_inactive_file {88 << 20}\n")
    write(tmp_path / "proc_cgroup", "4:memory:/docker/abc\n1:cpu:/\n")
    write(tmp_path / "meminfo", MEMINFO)
    use = read_memory(root, tmp_path / "proc_cgroup", tmp_path / "meminfo")
    assert use == MemoryUse(used=512 << 20, limit=1 << 30)


def test_a_namespaced_cgroup_mount_is_read_at_its_root(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    write(root / "cgroup.controllers", "memory\n")
    write(root / "memory.current", str(100 << 20))
    write(root / "memory.max", str(400 << 20))
    write(tmp_path / "proc_cgroup", "0::/kubepods/pod1/container\n")
    use = read_memory(root, tmp_path / "proc_cgroup", tmp_path / "meminfo")
    assert use == MemoryUse(used=100 << 20, limit=400 << 20)


def test_without_a_cgroup_limit_the_machine_memory_is_the_limit(tmp_path: Path) -> None:
    root = tmp_path / "cgroup"
    write(root / "cgroup.controllers", "memory\n")
    write(root / "memory.current", str(1 << 30))
    write(root / "memory.max", "max\n")
    write(tmp_path / "proc_cgroup", "0::/\n")
    write(tmp_path / "meminfo", MEMINFO)
    use = read_memory(root, tmp_path / "proc_cgroup", tmp_path / "meminfo")
    assert use == MemoryUse(used=1 << 30, limit=8000000 * 1024)


def test_nothing_readable_means_no_admission_control(tmp_path: Path) -> None:
    assert read_memory(tmp_path / "none", tmp_path / "none", tmp_path / "none") is None


async def test_wait_for_memory_waits_while_above_the_watermark_and_reports_once() -> None:
    readings = iter([MemoryUse(95, 100), MemoryUse(90, 100), MemoryUse(50, 100)])
    reported: list[MemoryUse] = []

    async def on_wait(use: MemoryUse) -> None:
        reported.append(use)

    waited = await asyncio.wait_for(wait_for_memory(0.8, on_wait, reader=lambda: next(readings)), 5)
    assert waited > 0
    assert reported == [MemoryUse(95, 100)]
    assert await wait_for_memory(0.8, on_wait, reader=lambda: MemoryUse(10, 100)) < 0.1
