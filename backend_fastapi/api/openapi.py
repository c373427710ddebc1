"""The OpenAPI document, completed with the answers that every route shares.

Routes declare what is theirs (`responses=`: 404, 409, content types); what comes from the edge
is added here, once, for every operation: 401, 403 and 429 of API keys (`api/auth.py`), 413 for
bodies over the limit, 422 for bad input, and the one error shape (`ErrorBody`) for every 4xx/5xx, in place of
FastAPI's `HTTPValidationError`, which this API never sends (a route that answers an error with a
body of its own, such as `/health`'s 503, declares that model and keeps it). A fuzz run
(tests/integration/test_api_fuzz.py) and the contract test (tests/integration/test_contract.py)
check that every answer matches this document.
"""

from __future__ import annotations

import json
from typing import Any

from fastapi import FastAPI
from fastapi.openapi.utils import get_openapi

from backend_fastapi.schemas.responses import ErrorBody

ERROR_SCHEMA = {"$ref": "#/components/schemas/ErrorBody"}
# Said once for the whole document: OpenAPI has no place for the methods a path does not have.
UNDECLARED_METHODS = (
    "\n\nA method a path does not have answers 405 with an `Allow` header, in the error shape; "
    "a path that does not exist answers 404. Every 4xx/5xx body is an `ErrorBody`, except the 503 "
    "of `/health`."
)
SHARED_ANSWERS = {
    "401": "Keys are required (`API_KEY` or team keys exist) and the request carries no valid "
    "`Authorization: Bearer <key>`.",
    "403": "The key's scope is too small for this route (`forbidden_scope`, naming the scope needed).",
    "429": "Too many requests: the key's rate (`rate_limited`), its daily jobs (`daily_quota_exceeded`) "
    "or `MAX_QUEUED_JOBS` (`queue_full`); `Retry-After` says when to retry (not for `queue_full`).",
    "413": "The request body is larger than `MAX_REQUEST_BYTES` (uploads: `UPLOAD_MAX_BYTES`).",
    "422": "The request is invalid; `details` lists each failing field.",
}
# What each error status means when a route does not say more.
ERROR_ANSWERS = {
    400: "The multipart body cannot be parsed.",
    404: "No such resource (the error names the id).",
    409: "The resource's state or a unique name forbids this (the error says why).",
    415: "The file is not CSV, JSON, JSONL, XLSX or Parquet.",
    429: "`MAX_QUEUED_JOBS` jobs are already queued (`queue_full`), or the key's rate (`rate_limited`) "
    "or daily jobs (`daily_quota_exceeded`, `Retry-After`) are used up; retry later.",
}
Answers = dict[int | str, dict[str, object]]
BODY_METHODS = ("post", "put", "patch")
_FASTAPI_ONLY = ("HTTPValidationError", "ValidationError")
BEARER = "apiKey"


def error_answers(*statuses: int) -> Answers:
    """The `responses=` entries of a route's own error statuses, each in the error shape."""
    return {
        status: {"model": ErrorBody, "description": ERROR_ANSWERS.get(status) or SHARED_ANSWERS[str(status)]}
        for status in statuses
    }


def _complete(path: str, method: str, operation: dict[str, Any], keyed: bool) -> None:
    responses: dict[str, Any] = operation.setdefault("responses", {})
    shared = []
    if path.startswith("/api/"):
        shared += ["401", "403", "429"]
        if keyed:
            # Lets the /docs page's "Authorize" button send the key with "Try it out".
            operation["security"] = [{BEARER: []}]
    if method in BODY_METHODS:
        shared.append("413")
    if method in BODY_METHODS or operation.get("parameters"):
        shared.append("422")
    for status in shared:
        responses.setdefault(status, {"description": SHARED_ANSWERS[status]})
    for status, response in responses.items():
        if status.startswith(("4", "5")):
            if response.get("description") in (None, "", "Validation Error"):
                response["description"] = SHARED_ANSWERS.get(status, "Error")
            schema = response.get("content", {}).get("application/json", {}).get("schema", {})
            if schema.get("$ref", ERROR_SCHEMA["$ref"]).rsplit("/", 1)[-1] in (*_FASTAPI_ONLY, "ErrorBody"):
                response["content"] = {"application/json": {"schema": ERROR_SCHEMA}}


def build_openapi(app: FastAPI) -> dict[str, Any]:
    """The app's OpenAPI document (built once), with the shared answers of every operation."""
    if app.openapi_schema:
        return app.openapi_schema
    document = get_openapi(
        title=app.title,
        version=app.version,
        description=(app.description or "") + UNDECLARED_METHODS,
        routes=app.routes,
    )
    # The key is declared only when one is set, so the document says what this server enforces.
    keyed = bool(app.state.settings.API_KEY)
    for path, operations in document.get("paths", {}).items():
        for method, operation in operations.items():
            _complete(path, method, operation, keyed)
    components = document.setdefault("components", {})
    if keyed:
        components["securitySchemes"] = {BEARER: {"type": "http", "scheme": "bearer"}}
    schemas = components.setdefault("schemas", {})
    error_schema = ErrorBody.model_json_schema(ref_template="#/components/schemas/{model}")
    schemas.update(error_schema.pop("$defs", {}))
    schemas["ErrorBody"] = error_schema
    for name in _FASTAPI_ONLY:
        ref = f'"#/components/schemas/{name}"'
        if ref not in json.dumps({k: v for k, v in document.items() if k != "components"}):
            schemas.pop(name, None)
    app.openapi_schema = document
    return document
