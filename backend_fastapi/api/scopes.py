"""The scope each route needs: one table, checked against every route of the app by a test.

- read: look at anything (every GET; never a secret: sessions and keys are never answered).
- write: make work happen: queue scrapes, maps, batches and pipeline runs; cancel, retry, pause and
  resume jobs; run a schedule or check a monitor now, log a session in again, upload a file.
- admin: change what exists and runs unattended, or delete: keys, saved pipelines, schedules,
  monitors (with pause/resume) and sessions; deleting jobs, exports and uploads.

A route missing from the table needs admin (closed by default) and fails the test that reads the
table. None means open to everyone (the health check and the web app's files).
"""

from __future__ import annotations

from starlette.requests import Request

from backend_fastapi.apikeys import Scope

READ, WRITE, ADMIN = Scope.READ, Scope.WRITE, Scope.ADMIN

ROUTE_SCOPES: dict[tuple[str, str], Scope | None] = {
    ("GET", "/health"): None,
    ("GET", "/{path:path}"): None,
    # FastAPI's documentation (open to all with DOCS_PUBLIC)
    ("GET", "/openapi.json"): READ,
    ("GET", "/docs"): READ,
    ("GET", "/docs/oauth2-redirect"): READ,
    ("GET", "/redoc"): READ,
    # jobs
    ("GET", "/api/jobs"): READ,
    ("GET", "/api/jobs/events"): READ,
    ("GET", "/api/jobs/{job_id}/events"): READ,
    ("GET", "/api/jobs/{job_id}"): READ,
    ("GET", "/api/jobs/{job_id}/request"): READ,
    ("GET", "/api/jobs/{job_id}/files/{name}"): READ,
    ("GET", "/api/jobs/{job_id}/results"): READ,
    ("POST", "/api/jobs/{job_id}/cancel"): WRITE,
    ("POST", "/api/jobs/{job_id}/retry"): WRITE,
    ("POST", "/api/jobs/{job_id}/pause"): WRITE,
    ("POST", "/api/jobs/{job_id}/resume"): WRITE,
    ("DELETE", "/api/jobs/{job_id}"): ADMIN,
    # scrapes and maps
    ("POST", "/api/scrape"): WRITE,
    ("POST", "/api/scrape/batch"): WRITE,
    ("GET", "/api/scrape/{job_id}"): READ,
    ("POST", "/api/map"): WRITE,
    # pipelines: running one is work, saving one is a definition
    ("POST", "/api/pipeline/run"): WRITE,
    ("POST", "/api/pipelines/preview"): WRITE,
    ("GET", "/api/pipelines"): READ,
    ("GET", "/api/pipelines/{ref}"): READ,
    ("POST", "/api/pipelines"): ADMIN,
    ("PUT", "/api/pipelines/{ref}"): ADMIN,
    ("DELETE", "/api/pipelines/{ref}"): ADMIN,
    # exports and uploads
    ("GET", "/api/exports"): READ,
    ("GET", "/api/exports/{export_id}"): READ,
    ("GET", "/api/exports/{export_id}/download"): READ,
    ("DELETE", "/api/exports/{export_id}"): ADMIN,
    ("POST", "/api/uploads"): WRITE,
    ("GET", "/api/uploads"): READ,
    ("GET", "/api/uploads/{upload_id}"): READ,
    ("DELETE", "/api/uploads/{upload_id}"): ADMIN,
    # schedules
    ("GET", "/api/schedules"): READ,
    ("GET", "/api/schedules/{ref}"): READ,
    ("POST", "/api/schedules/{ref}/run"): WRITE,
    ("POST", "/api/schedules"): ADMIN,
    ("PUT", "/api/schedules/{ref}"): ADMIN,
    ("DELETE", "/api/schedules/{ref}"): ADMIN,
    # monitors
    ("GET", "/api/monitors"): READ,
    ("GET", "/api/monitors/{ref}"): READ,
    ("GET", "/api/monitors/{ref}/changes"): READ,
    ("GET", "/api/monitors/{ref}/changes/download"): READ,
    ("GET", "/api/monitors/{ref}/snapshots"): READ,
    ("GET", "/api/monitors/{ref}/series"): READ,
    ("POST", "/api/monitors/{ref}/check"): WRITE,
    ("POST", "/api/monitors"): ADMIN,
    ("PUT", "/api/monitors/{ref}"): ADMIN,
    ("DELETE", "/api/monitors/{ref}"): ADMIN,
    ("POST", "/api/monitors/{ref}/pause"): ADMIN,
    ("POST", "/api/monitors/{ref}/resume"): ADMIN,
    # sessions: their secrets are never answered, so reading them is safe for read keys
    ("GET", "/api/sessions"): READ,
    ("GET", "/api/sessions/{ref}"): READ,
    ("POST", "/api/sessions/{ref}/login"): WRITE,
    ("POST", "/api/sessions"): ADMIN,
    ("PUT", "/api/sessions/{ref}"): ADMIN,
    ("DELETE", "/api/sessions/{ref}"): ADMIN,
    # keys
    ("GET", "/api/keys/me"): READ,
    ("GET", "/api/keys"): ADMIN,
    ("POST", "/api/keys"): ADMIN,
    ("DELETE", "/api/keys/{ref}"): ADMIN,
}


def scope_of(method: str, path: str) -> Scope | None:
    """The scope a route needs; admin for a route the table does not name."""
    method = "GET" if method == "HEAD" else method
    return ROUTE_SCOPES.get((method, path), ADMIN)


def route_scope(request: Request) -> Scope | None:
    """The scope the request's route needs (its path template, as routing matched it)."""
    route = request.scope.get("route")
    path = getattr(route, "path", None) or request.scope.get("path", "")
    return scope_of(request.method, path)
