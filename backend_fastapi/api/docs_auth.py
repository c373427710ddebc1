"""`/docs`, `/redoc` and `/openapi.json` need a read key as `/api/*` does, unless `DOCS_PUBLIC`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from backend_fastapi.api.auth import require
from backend_fastapi.api.scopes import scope_of


def _behind_key(endpoint: ASGIApp, path: str) -> ASGIApp:
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        # A refused key raises Unauthorized: the app's error handler answers 401 in the one error shape.
        await require(Request(scope), scope_of("GET", path))
        await endpoint(scope, receive, send)

    return guarded


def guard_docs(app: FastAPI) -> None:
    """Put FastAPI's own documentation routes behind a key (when the API asks for keys) unless
    docs are public. Keys can be created at any time, so the check is made per request."""
    if app.state.settings.DOCS_PUBLIC:
        return
    # The routes FastAPI made themselves are wrapped (not matched by path in a middleware), so what
    # is guarded is exactly what routing serves, whatever the root path or spelling of the URL.
    paths = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    for route in app.router.routes:
        if isinstance(route, Route) and route.path in paths:
            route.app = _behind_key(route.app, route.path)
