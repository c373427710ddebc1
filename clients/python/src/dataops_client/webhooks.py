"""Check that a webhook delivery comes from your DataOps: the body's HMAC-SHA256 under the
`WEBHOOK_SECRET` the API and worker share, sent as `X-DataOps-Signature: sha256=<hex>`."""

from __future__ import annotations

import hashlib
import hmac

SIGNATURE_HEADER = "X-DataOps-Signature"


def verify_signature(secret: str, body: bytes, signature: str | None) -> bool:
    """True when `signature` (the header's value) signs `body` (the raw bytes received, before
    any JSON parsing) with `secret`. Compared in constant time."""
    if not signature or not signature.startswith("sha256="):
        return False
    expected = hmac.new(secret.encode(), body, hashlib.sha256).hexdigest()
    return hmac.compare_digest(expected, signature.removeprefix("sha256="))
