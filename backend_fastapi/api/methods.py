"""Which methods a path answers: the `Allow` header of every 405."""

from __future__ import annotations

from collections.abc import MutableMapping
from typing import Any

from fastapi.routing import APIRoute, iter_route_contexts
from starlette.requests import Request
from starlette.routing import Match

# The web app's catch-all GET route matches every path; under /api it stands for no endpoint.
CATCH_ALL_NAME = "frontend"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def is_api_path(path: str) -> bool:
    """True for `/api` and everything under it (never served by the web app)."""
    return path == "/api" or path.startswith("/api/")


def concrete_paths(app: Any) -> frozenset[str]:
    """The app's API paths with no parameter in them (computed once per app)."""
    paths: frozenset[str] | None = getattr(app.state, "concrete_paths", None)
    if paths is None:
        paths = frozenset(
            str(context.path_format)
            for context in iter_route_contexts(app.router.routes)
            if isinstance(context.original_route, APIRoute) and "{" not in str(context.path_format)
        )
        app.state.concrete_paths = paths
    return paths


def shadowed_by_concrete(scope: MutableMapping[str, Any], route_path: str) -> bool:
    """True when a templated route would take a path that is a concrete route's own.

    OpenAPI matches concrete paths before templated ones: `GET /api/pipelines/preview` is a wrong
    method on the preview endpoint (405), not a read of a pipeline named "preview".
    """
    return "{" in route_path and scope.get("path") in concrete_paths(scope["app"])


def _concrete_methods(routes: list[Any], path: str) -> set[str]:
    """The methods of the routes whose path is exactly `path`, with no parameter in it."""
    methods: set[str] = set()
    for context in iter_route_contexts(routes):
        route = context.original_route
        if isinstance(route, APIRoute) and str(context.path_format) == path and "{" not in path:
            methods |= route.methods or set()
    return methods


def allowed_methods(request: Request) -> list[str]:
    """Every method a route answers at this request's path; empty when no endpoint is there.

    Each method is tried against the routes' own `matches()`, which also sees into included routers.
    A concrete path is a resource of its own, as in OpenAPI: `/api/scrape/batch` answers POST only,
    though `/api/scrape/{job_id}` (GET) matches it too.
    """
    routes = request.app.router.routes
    concrete = _concrete_methods(routes, request.scope["path"])
    if concrete:
        return [method for method in METHODS if method in concrete]
    if is_api_path(request.scope["path"]):
        routes = [r for r in routes if getattr(r, "name", None) != CATCH_ALL_NAME]
    allowed = []
    for method in METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return allowed
