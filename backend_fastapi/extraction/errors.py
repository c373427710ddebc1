"""The one error a schema raises, shared by every form and the normaliser."""

from __future__ import annotations


class SchemaError(ValueError):
    """A schema that cannot be used; `path` names the field (e.g. `schema.items.fields.price`)."""

    def __init__(self, path: str, message: str) -> None:
        self.path = path
        self.reason = message
        super().__init__(f"{path}: {message}")
