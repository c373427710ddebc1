"""The Python client of the DataOps API: `DataOps` (blocking) and `AsyncDataOps` (asyncio).

    from dataops_client import DataOps

    with DataOps("http://127.0.0.1:8000", api_key="...") as dataops:
        job = dataops.scrape("https://shop.example/p/1", {"title": "string", "price": "number"})

Answers are the API's own models (`dataops_client.models`, generated from its OpenAPI document);
refusals raise `DataOpsError` subclasses carrying the API's error code, message and details.
"""

from __future__ import annotations

from dataops_client.client import AsyncDataOps, DataOps
from dataops_client.errors import (
    Conflict,
    DataOpsError,
    Forbidden,
    InvalidRequest,
    NotFound,
    RateLimited,
    Unauthorized,
    WaitTimeout,
)
from dataops_client.webhooks import SIGNATURE_HEADER, verify_signature

__all__ = [
    "SIGNATURE_HEADER",
    "AsyncDataOps",
    "Conflict",
    "DataOps",
    "DataOpsError",
    "Forbidden",
    "InvalidRequest",
    "NotFound",
    "RateLimited",
    "Unauthorized",
    "WaitTimeout",
    "verify_signature",
]
