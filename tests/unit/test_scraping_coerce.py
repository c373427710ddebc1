"""Values read from pages become the schema's types."""

from __future__ import annotations

from typing import Any

import pytest

from backend_fastapi.scraping.coerce import CoercionError, coerce

CASES: list[tuple[Any, str, Any]] = [
    ("EUR 1.234,50", "number", 1234.5),
    ("$1,234.56", "number", 1234.56),
    ("12,99 €", "number", 12.99),
    ("1 234,5", "number", 1234.5),
    ("CHF 1'234.50", "number", 1234.5),
    ("$.75", "number", 0.75),
    (".75 €", "number", 0.75),
    ("1.234.567,89", "number", 1234567.89),
    ("-3", "number", -3.0),
    (19.5, "number", 19.5),
    ("42 items", "integer", 42),
    ("1,000", "integer", 1000),
    ("yes", "boolean", True),
    ("Out of stock", "boolean", False),
    ("https://schema.org/InStock", "boolean", True),
    ("http://schema.org/OutOfStock", "boolean", False),
    ("2024-03-12", "date", "2024-03-12"),
    ("12 March 2024", "date", "2024-03-12"),
    ("March 12, 2024", "date", "2024-03-12"),
    ("12.03.2024", "date", "2024-03-12"),
    ("03/25/2024", "date", "2024-03-25"),
    ("2024-03-12T10:00:00Z", "datetime", "2024-03-12T10:00:00+00:00"),
    ("Tue, 12 Mar 2024 10:00:00 GMT", "datetime", "2024-03-12T10:00:00+00:00"),
    ("/img/1.jpg", "url", "https://shop.example/img/1.jpg"),
    ("img/1.jpg", "url", "https://shop.example/p/img/1.jpg"),
    ("//cdn.example/a.png", "url", "https://cdn.example/a.png"),
    ("../x", "url", "https://shop.example/x"),
    ({"@type": "Person", "name": "Ann"}, "string", "Ann"),
    (7, "string", "7"),
]


@pytest.mark.parametrize(("raw", "kind", "expected"), CASES)
def test_values_are_coerced_to_the_schema_type(raw: Any, kind: str, expected: Any) -> None:
    assert coerce(raw, kind, "https://shop.example/p/") == expected


@pytest.mark.parametrize(
    ("raw", "kind"),
    [
        ("call us", "number"),
        ("1.5", "integer"),
        ("maybe", "boolean"),
        ("soon", "date"),
        ("javascript:alert(1)", "url"),
        # Hostile numbers: hundreds of digits, an overflowing exponent, JSON-LD's huge or NaN values.
        ("9" * 500, "number"),
        ("9" * 500, "integer"),
        ("1e999", "integer"),
        (10**400, "number"),
        (float("nan"), "number"),
        (float("inf"), "integer"),
        # Addresses no parser reads.
        ("http://[bad", "url"),
        ("//[bad/x", "url"),
    ],
)
def test_unreadable_values_raise_with_a_reason(raw: Any, kind: str) -> None:
    with pytest.raises(CoercionError):
        coerce(raw, kind, "https://shop.example/")
