"""`/docs`, `/redoc` and `/openapi.json` need the API key as `/api/*` does, unless `DOCS_PUBLIC`."""

from __future__ import annotations

from fastapi import FastAPI, Request
from starlette.routing import Route
from starlette.types import ASGIApp, Receive, Scope, Send

from backend_fastapi.api.deps import require_api_key


def _behind_key(endpoint: ASGIApp) -> ASGIApp:
    async def guarded(scope: Scope, receive: Receive, send: Send) -> None:
        # A refused key raises Unauthorized: the app's error handler answers 401 in the one error shape.
        await require_api_key(Request(scope))
        await endpoint(scope, receive, send)

    return guarded


def guard_docs(app: FastAPI) -> None:
    """Put FastAPI's own documentation routes behind the API key when one is set and docs are private."""
    settings = app.state.settings
    if not settings.API_KEY or settings.DOCS_PUBLIC:
        return
    # The routes FastAPI made themselves are wrapped (not matched by path in a middleware), so what
    # is guarded is exactly what routing serves, whatever the root path or spelling of the URL.
    paths = {app.openapi_url, app.docs_url, app.redoc_url, app.swagger_ui_oauth2_redirect_url} - {None}
    for route in app.router.routes:
        if isinstance(route, Route) and route.path in paths:
            route.app = _behind_key(route.app)
