"""File names from users, made safe: nothing a user sends can name a path outside its folder."""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

MAX_NAME_LENGTH = 120
_UNSAFE = re.compile(r"[^A-Za-z0-9._ -]+")


class UnsafePath(ValueError):
    """The path would leave its folder."""


def sanitize_filename(name: str | None, default: str = "file") -> str:
    """The last component of a client's file name, reduced to letters, digits, `._- `.

    `../../etc/passwd` -> `passwd`, `C:\\Users\\a\\prices.csv` -> `prices.csv`, `..` -> default.
    """
    text = unicodedata.normalize("NFKC", name or "")
    text = re.split(r"[\\/]", text)[-1]
    text = "".join(ch for ch in text if unicodedata.category(ch)[0] != "C")
    text = _UNSAFE.sub("_", text).strip(" .")
    text = re.sub(r"\.{2,}", ".", text)
    if len(text) > MAX_NAME_LENGTH:
        stem, dot, ext = text.rpartition(".")
        text = (
            (stem[: MAX_NAME_LENGTH - len(ext) - 1] + dot + ext)
            if dot and len(ext) <= 10
            else text[:MAX_NAME_LENGTH]
        )
    return text or default


def inside(base: Path, relative: str) -> Path:
    """`base / relative`, resolved, refusing anything that ends up outside `base`."""
    root = base.resolve()
    path = (root / relative).resolve()
    if path == root or not path.is_relative_to(root):
        raise UnsafePath(f"{relative!r} is outside {root}")
    return path
