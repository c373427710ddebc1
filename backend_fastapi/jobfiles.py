"""A job's files (page captures): a folder per job in FILES_DIR, written by the worker, served by the API.

Light on purpose: the API serves and deletes these files, the worker writes and prunes them. A
file is named by the job (`screenshot.jpg`, `page.pdf`); the names a client sends are checked
against the safe-name rule before they touch the disk. Nothing is in the database: the job's
result lists its files, the folder holds them, and both go when the job goes.
"""

from __future__ import annotations

import contextlib
import os
import shutil
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

from backend_fastapi.safepaths import UnsafePath, inside, sanitize_filename

MEDIA_TYPES = {
    ".jpg": "image/jpeg",
    ".jpeg": "image/jpeg",
    ".png": "image/png",
    ".pdf": "application/pdf",
}
OTHER_MEDIA_TYPE = "application/octet-stream"


@dataclass(frozen=True)
class StoredFile:
    """A file written to a job's folder."""

    name: str
    media_type: str
    size: int


def media_type_of(name: str) -> str:
    """The media type a file is served with, by its extension."""
    return MEDIA_TYPES.get(Path(name).suffix.lower(), OTHER_MEDIA_TYPE)


def file_url(job_id: str, name: str) -> str:
    """The API path that downloads the file."""
    return f"/api/jobs/{job_id}/files/{name}"


def is_safe_name(name: str) -> bool:
    """A name the safe-name rule leaves as it is (no separator, no `..`, no control character)."""
    return bool(name) and sanitize_filename(name, default="") == name


def job_folder(files_dir: Path, job_id: str) -> Path:
    """The job's folder (not created); UnsafePath for an id that is not a plain name."""
    if not is_safe_name(job_id):
        raise UnsafePath(f"{job_id!r} is not a job id")
    return inside(files_dir, job_id)


def find_file(files_dir: Path, job_id: str, name: str) -> Path | None:
    """The path of the job's file `name`, or None when the name is unsafe or no such file exists."""
    if not is_safe_name(name):
        return None
    try:
        path = inside(job_folder(files_dir, job_id), name)
    except UnsafePath:
        return None
    return path if path.is_file() else None


def write_files(files_dir: Path, job_id: str, files: Iterable[tuple[str, str, bytes]]) -> list[StoredFile]:
    """Make `(name, media_type, data)` the job's files: an earlier attempt's files are replaced,
    and each file appears whole (written aside, then renamed) or not at all."""
    folder = job_folder(files_dir, job_id)
    shutil.rmtree(folder, ignore_errors=True)
    stored: list[StoredFile] = []
    for name, media_type, data in files:
        if not is_safe_name(name):
            raise UnsafePath(f"{name!r} is not a file name")
        folder.mkdir(parents=True, exist_ok=True)
        path = inside(folder, name)
        partial = path.with_name(f".{name}.partial")
        partial.write_bytes(data)
        partial.replace(path)
        stored.append(StoredFile(name, media_type, len(data)))
    return stored


def remove_job_files(files_dir: Path, job_ids: Iterable[str]) -> None:
    """Remove the folders of these jobs (deleted or pruned); an unsafe id is ignored."""
    for job_id in job_ids:
        with contextlib.suppress(UnsafePath):
            shutil.rmtree(job_folder(files_dir, job_id), ignore_errors=True)


def prune_files(files_dir: Path, older_than: float) -> int:
    """Remove the job folders last written before `older_than` (epoch seconds); how many."""
    pruned = 0
    try:
        entries = list(os.scandir(files_dir))
    except FileNotFoundError:
        return 0
    for entry in entries:
        with contextlib.suppress(OSError):
            if entry.is_dir(follow_symlinks=False) and entry.stat().st_mtime < older_than:
                shutil.rmtree(entry.path, ignore_errors=True)
                pruned += 1
    return pruned
