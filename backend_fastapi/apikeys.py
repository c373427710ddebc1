"""API keys of a team: what a key looks like, how it is hashed, and what each scope allows.

A key is `dok_` and 32 random bytes (URL-safe base64): it cannot be guessed, so a plain SHA-256 is
enough to store it (no salt or slow hash: those defend guessable passwords). The hash is not
keyed with SECRET_KEY on purpose: rotating that secret must not lock every client out.
"""

from __future__ import annotations

import hashlib
import re
import secrets
from enum import StrEnum

KEY_PREFIX = "dok_"
# What is shown of a key after it was created: enough to tell keys apart, nothing to use.
SHOWN_CHARS = 12
# The name jobs record when the bootstrap `API_KEY` queued them; no team key may take it.
BOOTSTRAP_NAME = "API_KEY"
NAME_PATTERN = re.compile(r"^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$")


class Scope(StrEnum):
    """What a key may do; each scope includes the ones before it."""

    READ = "read"
    WRITE = "write"
    ADMIN = "admin"


_RANK = {Scope.READ: 0, Scope.WRITE: 1, Scope.ADMIN: 2}


def allows(held: Scope, needed: Scope) -> bool:
    """Whether a key of scope `held` may call a route that needs `needed`."""
    return _RANK[held] >= _RANK[needed]


def new_key() -> str:
    """A fresh random key; shown once, never stored."""
    return KEY_PREFIX + secrets.token_urlsafe(32)


def hash_key(key: str) -> str:
    """The stored form of a key (hex SHA-256)."""
    return hashlib.sha256(key.encode("utf-8", "surrogatepass")).hexdigest()


def shown_prefix(key: str) -> str:
    """The non-secret start of a key, stored for display and to find its row."""
    return key[:SHOWN_CHARS]


def name_problem(name: str) -> str | None:
    """Why `name` cannot name a key, or None when it can."""
    if not NAME_PATTERN.match(name):
        return "A key name is 1 to 64 letters, digits, '.', '_' or '-', starting with a letter or digit."
    if name == BOOTSTRAP_NAME:
        return f"{BOOTSTRAP_NAME!r} is the name of the bootstrap key (the API_KEY setting)."
    return None
