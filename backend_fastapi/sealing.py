"""Secrets at rest: JSON sealed with Fernet under a key derived from `SECRET_KEY`.

Fernet (AES-128-CBC with an HMAC-SHA256 tag) comes from `cryptography`, imported by the first seal
or open only: the API's start-up and idle memory stay as they were, and a process that never
touches a session never loads it. The Fernet key is HKDF-SHA256 of SECRET_KEY with a fixed label,
so any passphrase works and the same passphrase always opens what it sealed.
"""

from __future__ import annotations

import base64
import json
from functools import lru_cache
from typing import TYPE_CHECKING, Any

from backend_fastapi.errors import PermanentJobError

if TYPE_CHECKING:
    from cryptography.fernet import Fernet

# Changing this label changes every derived key: sealed secrets would no longer open.
HKDF_INFO = b"dataops session secrets v1"


class SecretKeyMissing(Exception):
    """SECRET_KEY is not set: session secrets cannot be stored or read."""


class SealBroken(PermanentJobError):
    """A stored session secret does not open with this SECRET_KEY (it was changed, or the data is damaged)."""

    code = "session_key_mismatch"


@lru_cache(maxsize=4)
def _fernet(secret_key: str) -> Fernet:
    from cryptography.fernet import Fernet
    from cryptography.hazmat.primitives import hashes
    from cryptography.hazmat.primitives.kdf.hkdf import HKDF

    key = HKDF(algorithm=hashes.SHA256(), length=32, salt=None, info=HKDF_INFO).derive(secret_key.encode())
    return Fernet(base64.urlsafe_b64encode(key))


def seal(secret_key: str, value: Any) -> str:
    """`value` as JSON, encrypted and authenticated: a text token for a database column."""
    if not secret_key:
        raise SecretKeyMissing()
    data = json.dumps(value, separators=(",", ":")).encode()
    return _fernet(secret_key).encrypt(data).decode("ascii")


def unseal(secret_key: str, token: str) -> Any:
    """What `seal` sealed; SealBroken when the key is not the one it was sealed with."""
    if not secret_key:
        raise SealBroken("SECRET_KEY is not set on this worker: the session's secrets cannot be read.")
    from cryptography.fernet import InvalidToken

    try:
        data = _fernet(secret_key).decrypt(token.encode("ascii"))
    except (InvalidToken, ValueError) as exc:
        raise SealBroken(
            "The session's secrets do not open with this SECRET_KEY (was it changed?): "
            "upload the session again or set the key it was stored with."
        ) from exc
    return json.loads(data)
