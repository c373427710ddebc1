"""Which methods a path answers: the `Allow` header of every 405."""

from __future__ import annotations

from starlette.requests import Request
from starlette.routing import Match

# The web app's catch-all GET route matches every path; under /api it stands for no endpoint.
CATCH_ALL_NAME = "frontend"
METHODS = ("GET", "HEAD", "POST", "PUT", "PATCH", "DELETE", "OPTIONS")


def is_api_path(path: str) -> bool:
    """True for `/api` and everything under it (never served by the web app)."""
    return path == "/api" or path.startswith("/api/")


def allowed_methods(request: Request) -> list[str]:
    """Every method a route answers at this request's path; empty when no endpoint is there.

    Each method is tried against the routes' own `matches()`, which also sees into included routers.
    """
    routes = request.app.router.routes
    if is_api_path(request.scope["path"]):
        routes = [r for r in routes if getattr(r, "name", None) != CATCH_ALL_NAME]
    allowed = []
    for method in METHODS:
        probe = {**request.scope, "method": method}
        if any(route.matches(probe)[0] == Match.FULL for route in routes):
            allowed.append(method)
    return allowed
