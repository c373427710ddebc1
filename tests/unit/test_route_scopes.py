"""Every route of the app has a scope decision in `api/scopes.py`, and the table keeps its rules:
reads need read, nothing that changes state is open to a read key, keys are admin only."""

from __future__ import annotations

from pathlib import Path

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.routing import Route

from backend_fastapi.api.app import create_app
from backend_fastapi.api.scopes import ROUTE_SCOPES, scope_of
from backend_fastapi.apikeys import Scope
from backend_fastapi.settings import Settings

PUBLIC = {("GET", "/health"), ("GET", "/{path:path}")}
# GET routes that need more than read: the keys of the team.
ADMIN_READS = {("GET", "/api/keys")}


def _routes(tmp_path: Path) -> set[tuple[str, str]]:
    settings = Settings(_env_file=None, DATABASE_URL=f"sqlite+aiosqlite:///{tmp_path / 'x.db'}")  # type: ignore[call-arg]
    app = create_app(settings)
    found: set[tuple[str, str]] = set()
    for context in iter_route_contexts(app.router.routes):
        route = context.original_route
        if isinstance(route, APIRoute | Route):
            # The path as routing matches it (`{path:path}`), which is what `route_scope` reads.
            path = str(context.path)
            found |= {(method, path) for method in route.methods or () if method != "HEAD"}
    return found


def test_every_route_of_the_app_has_a_scope_decision_and_the_table_names_no_other(tmp_path: Path) -> None:
    routes = _routes(tmp_path)
    assert routes - ROUTE_SCOPES.keys() == set(), "add these routes to api/scopes.py ROUTE_SCOPES"
    assert ROUTE_SCOPES.keys() - routes == set(), "these rows of ROUTE_SCOPES name no route"


def test_only_the_health_check_and_the_web_app_are_open() -> None:
    assert {route for route, scope in ROUTE_SCOPES.items() if scope is None} == PUBLIC


def test_reads_need_read_and_changes_need_write_or_admin() -> None:
    for (method, path), scope in ROUTE_SCOPES.items():
        if (method, path) in PUBLIC:
            continue
        if method == "GET":
            assert scope == (Scope.ADMIN if (method, path) in ADMIN_READS else Scope.READ), path
        else:
            assert scope in (Scope.WRITE, Scope.ADMIN), (method, path)


def test_deletes_and_keys_need_admin() -> None:
    for (method, path), scope in ROUTE_SCOPES.items():
        if method == "DELETE" or (path.startswith("/api/keys") and path != "/api/keys/me"):
            assert scope == Scope.ADMIN, (method, path)


def test_a_route_missing_from_the_table_needs_admin_and_head_is_a_get() -> None:
    assert scope_of("POST", "/api/not-decided") == Scope.ADMIN
    assert scope_of("HEAD", "/api/jobs") == Scope.READ
