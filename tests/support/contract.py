"""Check an answer against the OpenAPI document: its status, content type and body.

The body is validated twice: against the JSON Schema the document names for that path, method
and status (with `jsonschema_rs`, `$ref`s resolved in the document; `extra="forbid"` models say
`additionalProperties: false`), and against the pydantic model the route declares for it.
"""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

import httpx
import jsonschema_rs
from fastapi import FastAPI
from fastapi.routing import APIRoute, iter_route_contexts
from pydantic import TypeAdapter

from backend_fastapi.schemas.responses import ErrorBody

NO_BODY = (204, 304)


def api_routes(app: FastAPI) -> list[tuple[APIRoute, str]]:
    """The app's documented routes (included routers seen into), each with its full path."""
    found = []
    for context in iter_route_contexts(app.routes):
        route = context.original_route
        if isinstance(route, APIRoute) and route.include_in_schema:
            found.append((route, str(context.path_format)))
    return found


def declared_models(app: FastAPI) -> dict[tuple[str, str, int], Any]:
    """(method, path, status) -> the model the route declares for that answer (errors: ErrorBody)."""
    models: dict[tuple[str, str, int], Any] = {}
    for route, path in api_routes(app):
        for method in route.methods:
            key = method.lower(), path
            if route.response_model is not None:
                models[(*key, route.status_code or 200)] = route.response_model
            for status, answer in route.responses.items():
                if isinstance(answer, dict) and "model" in answer:
                    models[(*key, int(status))] = answer["model"]
    return models


@dataclass
class Contract:
    """The document of one app; `check` records which operations and statuses were seen."""

    document: dict[str, Any]
    models: dict[tuple[str, str, int], Any]
    seen: set[tuple[str, str, int]] = field(default_factory=set)
    _validators: dict[str, Any] = field(default_factory=dict)
    _adapters: dict[int, TypeAdapter[Any]] = field(default_factory=dict)

    @classmethod
    def of(cls, app: FastAPI) -> Contract:
        return cls(app.openapi(), declared_models(app))

    def operation(self, method: str, path: str) -> dict[str, Any]:
        operation: dict[str, Any] = self.document["paths"][path][method.lower()]
        return operation

    def _schema_validator(self, schema: dict[str, Any]) -> Any:
        key = json.dumps(schema, sort_keys=True)
        if key not in self._validators:
            rooted = {**schema, "components": self.document["components"]}
            self._validators[key] = jsonschema_rs.validator_for(rooted)
        return self._validators[key]

    def _model_adapter(self, model: Any) -> TypeAdapter[Any]:
        if id(model) not in self._adapters:
            self._adapters[id(model)] = TypeAdapter(model)
        return self._adapters[id(model)]

    def check(self, response: httpx.Response, method: str, path: str) -> Any:
        """Assert the answer is one the document lists for `method path` (the path template);
        returns the parsed JSON body (None for files and empty answers)."""
        method = method.lower()
        status = response.status_code
        answers = self.operation(method, path)["responses"]
        where = f"{method.upper()} {path} -> {status}"
        assert str(status) in answers, f"{where} is not documented: {response.text[:500]}"
        self.seen.add((method, path, status))
        content = answers[str(status)].get("content", {})
        if status in NO_BODY:
            assert not response.content, f"{where} has a body"
            assert not content, f"{where} documents a body"
            return None
        media_type = response.headers["content-type"].split(";")[0].strip()
        assert media_type in content, f"{where}: {media_type} is not among {sorted(content)}"
        if media_type != "application/json":
            assert response.content, f"{where}: an empty file"
            return None
        body = response.json()
        errors = [str(e) for e in self._schema_validator(content[media_type]["schema"]).iter_errors(body)]
        assert not errors, f"{where}: the body breaks the document: {errors[:5]}\n{json.dumps(body)[:2000]}"
        model = self.models.get((method, path, status), ErrorBody if status >= 400 else None)
        assert model is not None, f"{where}: the route declares no model for this answer"
        self._model_adapter(model).validate_json(response.content, strict=False)
        return body

    def unchecked(self) -> list[str]:
        """Documented operations no `check` saw with any status."""
        checked = {(method, path) for method, path, _ in self.seen}
        return [
            f"{method.upper()} {path}"
            for path, operations in self.document["paths"].items()
            for method in operations
            if (method, path) not in checked
        ]
