"""File names from users are sanitised and paths cannot leave their folder; formats are recognised."""

from __future__ import annotations

from pathlib import Path

import pytest

from backend_fastapi.fileformats import guess_format, sniff_problem
from backend_fastapi.safepaths import UnsafePath, inside, sanitize_filename


@pytest.mark.parametrize(
    ("given", "expected"),
    [
        ("prices.csv", "prices.csv"),
        ("../../etc/passwd", "passwd"),
        ("..\\..\\windows\\win.ini", "win.ini"),
        ("C:\\Users\\ada\\My Prices.xlsx", "My Prices.xlsx"),
        ("..", "upload"),
        ("/", "upload"),
        ("", "upload"),
        (None, "upload"),
        ("a\x00b\nc.csv", "abc.csv"),
        ("\uff50\uff52\uff49\uff43\uff45\uff53.csv", "prices.csv"),  # full-width letters
        ("report..final.csv", "report.final.csv"),
        ("$(rm -rf ~).json", "_rm -rf _.json"),
        ("x" * 300 + ".parquet", "x" * 112 + ".parquet"),
    ],
)
def test_client_file_names_are_reduced_to_a_safe_last_component(given: str | None, expected: str) -> None:
    assert sanitize_filename(given, default="upload") == expected


@pytest.mark.parametrize("relative", ["../x", "a/../../x", "/etc/passwd", "", ".", "a/.."])
def test_paths_outside_the_folder_are_refused(tmp_path: Path, relative: str) -> None:
    with pytest.raises(UnsafePath):
        inside(tmp_path, relative)


def test_a_symlink_out_of_the_folder_is_refused(tmp_path: Path) -> None:
    (tmp_path / "root").mkdir()
    (tmp_path / "root" / "link").symlink_to(tmp_path)
    with pytest.raises(UnsafePath):
        inside(tmp_path / "root", "link/secret")
    assert inside(tmp_path / "root", "job/file.csv") == (tmp_path / "root" / "job" / "file.csv").resolve()


@pytest.mark.parametrize(
    ("name", "content_type", "expected"),
    [
        ("a.csv", None, "csv"),
        ("a.NDJSON", None, "jsonl"),
        ("a.pq", None, "parquet"),
        ("https://x.example/data.json?download=1", None, "json"),
        ("https://x.example/export", "text/csv; charset=utf-8", "csv"),
        ("blob", "application/octet-stream", None),
    ],
)
def test_formats_are_guessed_from_the_name_then_the_content_type(
    name: str, content_type: str | None, expected: str | None
) -> None:
    assert guess_format(name, content_type) == expected


@pytest.mark.parametrize(
    ("fmt", "head", "tail", "problem"),
    [
        ("csv", b"a,b\n1,2\n", b"", None),
        ("csv", b"a\x00b", b"", "binary data"),
        ("json", b"\xef\xbb\xbf  [{}]", b"", None),
        ("json", b"a,b", b"", "starts with '[' or '{'"),
        ("jsonl", b'{"a": 1}\n', b"", None),
        ("jsonl", b"[1]", b"", "one JSON object per line"),
        ("xlsx", b"PK\x03\x04rest", b"", None),
        ("xlsx", b"a,b", b"", "ZIP archive"),
        ("parquet", b"PAR1....", b"..PAR1", None),
        ("parquet", b"PAR1....", b"..nope", "starts and ends with PAR1"),
        ("csv", b"", b"", "the file is empty"),
    ],
)
def test_uploads_are_sniffed_for_their_format(
    fmt: str, head: bytes, tail: bytes, problem: str | None
) -> None:
    found = sniff_problem(fmt, head, tail)
    assert (found is None) if problem is None else (found is not None and problem in found)
