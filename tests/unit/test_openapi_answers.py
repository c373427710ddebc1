"""Every status a route can answer is in the OpenAPI document.

The routes are read from the app itself; for each, the code it runs (the endpoint and the API
helpers it calls) is read for the errors it raises (`NotFound` -> 404, `Conflict` -> 409, ...)
and the statuses it answers with (`status_code=202`, `model_response(body, 201)`), and each one
must be documented for that operation. Beside that: a route with a path id documents 404, and a
route that takes any input documents 422.
"""

from __future__ import annotations

import ast
import inspect
import textwrap
from collections.abc import Callable, Iterator
from typing import Any

import pytest
from fastapi.routing import APIRoute

from backend_fastapi.api.app import create_app
from backend_fastapi.errors import AppError
from backend_fastapi.settings import Settings
from tests.support.contract import api_routes

APP = create_app(Settings(_env_file=None))  # type: ignore[call-arg]
DOCUMENT = APP.openapi()
ROUTES = api_routes(APP)
# Calls whose second positional argument (or `status_code=`) is the status answered.
ANSWERING = {"model_response": 1, "error_response": 0, "Response": None, "JSONResponse": None}
MAX_DEPTH = 4


def _operations() -> Iterator[tuple[str, str, APIRoute]]:
    for route, path in ROUTES:
        for method in sorted(route.methods):
            yield method.lower(), path, route


OPERATIONS = list(_operations())
IDS = [f"{method.upper()} {path}" for method, path, _ in OPERATIONS]


def _called(function: Callable[..., Any], node: ast.Call) -> Any:
    """What a call's name refers to in the function's module (None for attributes, builtins)."""
    if isinstance(node.func, ast.Name):
        return function.__globals__.get(node.func.id)
    return None


def _ints(node: ast.AST) -> set[int]:
    """The status a literal names, or both a conditional (`200 if finished else 202`) names."""
    if isinstance(node, ast.IfExp):
        return _ints(node.body) | _ints(node.orelse)
    return {node.value} if isinstance(node, ast.Constant) and isinstance(node.value, int) else set()


def statuses_in(function: Callable[..., Any], depth: int = 0, seen: set[Any] | None = None) -> set[int]:
    """The statuses `function`'s code answers with, following calls into the API package."""
    seen = seen if seen is not None else set()
    if function in seen or depth > MAX_DEPTH:
        return set()
    seen.add(function)
    tree = ast.parse(textwrap.dedent(inspect.getsource(function)))
    found: set[int] = set()
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        target = _called(function, node)
        name = node.func.id if isinstance(node.func, ast.Name) else getattr(node.func, "attr", "")
        if isinstance(target, type) and issubclass(target, AppError):
            found.add(target.status_code)
        for keyword in node.keywords:
            if keyword.arg in ("status_code", "status"):
                found |= _ints(keyword.value)
        position = ANSWERING.get(name)
        if position is not None and len(node.args) > position:
            found |= _ints(node.args[position])
        if inspect.isfunction(target) and target.__module__.startswith("backend_fastapi.api"):
            found |= statuses_in(inspect.unwrap(target), depth + 1, seen)
    return found


@pytest.mark.parametrize(("method", "path", "route"), OPERATIONS, ids=IDS)
def test_every_status_a_route_answers_is_documented(method: str, path: str, route: APIRoute) -> None:
    documented = {int(status) for status in DOCUMENT["paths"][path][method]["responses"]}
    answered = statuses_in(inspect.unwrap(route.endpoint)) | {route.status_code or 200}
    assert answered <= documented, f"undocumented: {sorted(answered - documented)}"


@pytest.mark.parametrize(("method", "path", "route"), OPERATIONS, ids=IDS)
def test_a_route_with_an_id_documents_404_and_one_with_input_documents_422(
    method: str, path: str, route: APIRoute
) -> None:
    responses = DOCUMENT["paths"][path][method]["responses"]
    if route.dependant.path_params:
        assert "404" in responses
    takes_input = route.dependant.path_params or route.dependant.query_params or route.body_field
    if takes_input or route.dependant.header_params:
        assert "422" in responses


def test_the_reader_finds_the_errors_a_route_raises_and_the_statuses_it_answers() -> None:
    """The reader itself: a route that answers 404, 409 and 202 is seen to do so."""
    cancel = next(route for method, path, route in OPERATIONS if path == "/api/jobs/{job_id}/retry")
    assert statuses_in(inspect.unwrap(cancel.endpoint)) >= {404, 409, 202}
    scrape = next(route for method, path, route in OPERATIONS if (method, path) == ("post", "/api/scrape"))
    assert statuses_in(inspect.unwrap(scrape.endpoint)) >= {404, 422, 429, 200, 202}


def test_the_web_app_is_not_in_the_document() -> None:
    assert not [path for path in DOCUMENT["paths"] if not path.startswith(("/api/", "/health"))]
