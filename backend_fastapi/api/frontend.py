"""Serve the built frontend (`frontend/dist`) at `/`, same origin as the API."""

from __future__ import annotations

from pathlib import Path

from fastapi import FastAPI, Request
from fastapi.responses import FileResponse, HTMLResponse, Response
from starlette.exceptions import HTTPException

from backend_fastapi.api.methods import CATCH_ALL_NAME, allowed_methods, is_api_path
from backend_fastapi.errors import NotFound

NOT_BUILT = """<!doctype html><html><head><meta charset="utf-8"><title>DataOps</title></head>
<body style="font-family: sans-serif; max-width: 40rem; margin: 4rem auto">
<h1>DataOps API is running</h1>
<p>The web frontend has not been built. Run <code>make run</code> (it builds it), or
<code>npm ci &amp;&amp; npm run build</code> in <code>frontend/</code>.</p>
<p>The API is documented at <a href="/docs">/docs</a>; health at <a href="/health">/health</a>.</p>
</body></html>"""


def mount_frontend(app: FastAPI, dist: Path) -> None:
    """Static files from `dist`, and index.html for every other non-API path (client-side routes)."""
    root = dist.resolve()

    @app.get("/{path:path}", include_in_schema=False, name=CATCH_ALL_NAME)
    async def frontend(path: str, request: Request) -> Response:
        if is_api_path(f"/{path}"):
            if allowed_methods(request):  # e.g. GET on a POST-only endpoint
                raise HTTPException(405)  # the error handler adds the Allow header
            raise NotFound(f"No API endpoint at /{path}.")
        index = root / "index.html"
        if not index.is_file():
            return HTMLResponse(NOT_BUILT)
        candidate = (root / path).resolve()
        if path and candidate.is_file() and candidate.is_relative_to(root):
            # Hashed asset names never change content; index.html must always be revalidated.
            cache = "public, max-age=31536000, immutable" if "/assets/" in f"/{path}" else "no-cache"
            return FileResponse(candidate, headers={"Cache-Control": cache})
        return FileResponse(index, headers={"Cache-Control": "no-cache"})
