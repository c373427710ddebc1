"""A job's files (page captures): stored under the job, listed, found by safe names only, and
removed with their job or after the exports' retention."""

from __future__ import annotations

import os
import time
from pathlib import Path

import pytest

from backend_fastapi import jobfiles
from backend_fastapi.safepaths import UnsafePath
from backend_fastapi.scraping.captures import Capture, store_captures
from backend_fastapi.settings import Settings
from backend_fastapi.store import jobqueue
from backend_fastapi.store.engine import Database
from backend_fastapi.worker.loop import Worker

JPEG = b"\xff\xd8\xff\xe0 a small jpeg"
PDF = b"%PDF-1.7 a small pdf"
DAY = 86400.0


async def test_captures_are_stored_as_the_jobs_files_and_listed_with_their_download_urls(
    tmp_path: Path,
) -> None:
    captures = [Capture("screenshot.jpg", "image/jpeg", JPEG), Capture("page.pdf", "application/pdf", PDF)]
    listed = await store_captures(tmp_path, "job-1", captures)
    url = "/api/jobs/job-1/files/"
    assert listed == [
        {
            "name": "screenshot.jpg",
            "media_type": "image/jpeg",
            "size": len(JPEG),
            "url": url + "screenshot.jpg",
        },
        {"name": "page.pdf", "media_type": "application/pdf", "size": len(PDF), "url": url + "page.pdf"},
    ]
    for name, data in (("screenshot.jpg", JPEG), ("page.pdf", PDF)):
        path = jobfiles.find_file(tmp_path, "job-1", name)
        assert path is not None
        assert path.read_bytes() == data
    assert sorted(p.name for p in (tmp_path / "job-1").iterdir()) == ["page.pdf", "screenshot.jpg"]
    assert (jobfiles.media_type_of("screenshot.jpg"), jobfiles.media_type_of("page.pdf")) == (
        "image/jpeg",
        "application/pdf",
    )
    assert jobfiles.media_type_of("action-1-screenshot.png") == "image/png"


async def test_a_rerun_replaces_the_earlier_attempts_files_and_a_later_capture_of_a_name_wins(
    tmp_path: Path,
) -> None:
    await store_captures(tmp_path, "job-1", [Capture("action-0-screenshot.png", "image/png", b"first run")])
    listed = await store_captures(
        tmp_path,
        "job-1",
        [Capture("screenshot.jpg", "image/jpeg", b"early"), Capture("screenshot.jpg", "image/jpeg", JPEG)],
    )
    assert [(f["name"], f["size"]) for f in listed] == [("screenshot.jpg", len(JPEG))]
    assert jobfiles.find_file(tmp_path, "job-1", "action-0-screenshot.png") is None
    assert [p.name for p in (tmp_path / "job-1").iterdir()] == ["screenshot.jpg"]


@pytest.mark.parametrize(
    "name",
    [
        "../secret.txt",
        "..",
        ".",
        "",
        "sub/secret.txt",
        "..\\secret.txt",
        ".screenshot.jpg.partial",
        "screenshot.jpg\x00",
    ],
)
def test_a_name_that_is_not_a_plain_file_name_finds_nothing(tmp_path: Path, name: str) -> None:
    files_dir = tmp_path / "files"
    (files_dir / "job-1" / "sub").mkdir(parents=True)
    (files_dir / "job-1" / "sub" / "secret.txt").write_text("no")
    (files_dir / "job-1" / ".screenshot.jpg.partial").write_bytes(b"half")
    (files_dir / "secret.txt").write_text("no")
    (tmp_path / "secret.txt").write_text("no")
    assert jobfiles.find_file(files_dir, "job-1", name) is None


def test_a_job_id_that_is_not_a_plain_name_finds_and_removes_nothing(tmp_path: Path) -> None:
    files_dir = tmp_path / "files"
    (files_dir / "job-1").mkdir(parents=True)
    (files_dir / "job-1" / "page.pdf").write_bytes(PDF)
    (tmp_path / "page.pdf").write_bytes(PDF)
    assert jobfiles.find_file(files_dir, "..", "page.pdf") is None
    assert jobfiles.find_file(files_dir, "job-1/..", "page.pdf") is None
    jobfiles.remove_job_files(files_dir, ["..", "job-1/..", ""])
    assert (files_dir / "job-1" / "page.pdf").is_file()
    assert (tmp_path / "page.pdf").is_file()


async def test_a_capture_named_to_leave_the_folder_is_refused_and_nothing_is_written(tmp_path: Path) -> None:
    files_dir = tmp_path / "files"
    with pytest.raises(UnsafePath):
        await store_captures(files_dir, "job-1", [Capture("../escaped.png", "image/png", b"x")])
    assert not (tmp_path / "escaped.png").exists()
    assert not list(files_dir.rglob("*.png"))


def test_a_file_that_does_not_exist_is_not_found(tmp_path: Path) -> None:
    assert jobfiles.find_file(tmp_path, "job-1", "screenshot.jpg") is None
    (tmp_path / "job-1" / "page.pdf").mkdir(parents=True)  # a folder is not a file
    assert jobfiles.find_file(tmp_path, "job-1", "page.pdf") is None


async def finished_job(db: Database, finished_at: float) -> str:
    """A job cancelled (finished) at `finished_at`; its id."""
    job = jobqueue.NewJob(type="scrape.page", payload={}, max_attempts=1, timeout_seconds=60)
    queued = await db.write(lambda c: jobqueue.enqueue(c, job, finished_at - 1))
    await db.write(lambda c: jobqueue.cancel_job(c, queued.job_id, finished_at))
    return queued.job_id


async def test_retention_removes_the_files_of_pruned_jobs_and_captures_older_than_the_exports_retention(
    settings: Settings, db: Database
) -> None:
    settings = settings.model_copy(update={"JOB_RETENTION_DAYS": 30.0, "EXPORT_RETENTION_DAYS": 7.0})
    now = time.time()
    ids = [await finished_job(db, at) for at in (now - 40 * DAY, now - DAY, now - DAY)]
    for job_id in ids:
        await store_captures(settings.files_dir, job_id, [Capture("screenshot.jpg", "image/jpeg", JPEG)])
    old_job, aged_files, fresh = ids
    # The second job stays (finished a day ago) but its files were written 10 days ago.
    os.utime(settings.files_dir / aged_files, (now - 10 * DAY, now - 10 * DAY))

    await Worker(settings, db=db)._apply_retention(now)

    assert not (settings.files_dir / old_job).exists()
    assert not (settings.files_dir / aged_files).exists()
    assert jobfiles.find_file(settings.files_dir, fresh, "screenshot.jpg") is not None


async def test_without_an_exports_retention_captures_stay_as_long_as_their_job(
    settings: Settings, db: Database
) -> None:
    settings = settings.model_copy(update={"JOB_RETENTION_DAYS": 30.0, "EXPORT_RETENTION_DAYS": 0.0})
    now = time.time()
    await store_captures(settings.files_dir, "job-1", [Capture("page.pdf", "application/pdf", PDF)])
    os.utime(settings.files_dir / "job-1", (now - 400 * DAY, now - 400 * DAY))
    await Worker(settings, db=db)._apply_retention(now)
    assert jobfiles.find_file(settings.files_dir, "job-1", "page.pdf") is not None


def test_files_dir_is_files_inside_the_exports_folder_unless_set(tmp_path: Path) -> None:
    default = Settings(_env_file=None, EXPORTS_DIR=str(tmp_path / "exports"))  # type: ignore[call-arg]
    assert default.files_dir == tmp_path / "exports" / "files"
    chosen = Settings(_env_file=None, FILES_DIR=str(tmp_path / "captures"))  # type: ignore[call-arg]
    assert chosen.files_dir == tmp_path / "captures"
