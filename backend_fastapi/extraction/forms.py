"""Schema forms 3 (JSON Schema) and 4 (Crawl4AI) rewritten as form 2 fields, before normalizing.

Light imports only: the API runs this on every request that sends such a schema.
"""

from __future__ import annotations

from typing import Any

from backend_fastapi.extraction.errors import SchemaError

_JSON_SCALARS = {"string": "string", "number": "number", "integer": "integer", "boolean": "boolean"}
_JSON_FORMATS = {"date": "date", "date-time": "datetime", "uri": "url", "url": "url", "uri-reference": "url"}
# x-* keywords of a JSON Schema property that carry form 2 options.
_X_KEYS = {
    "x-selector": "selector",
    "x-xpath": "xpath",
    "x-attr": "attr",
    "x-regex": "regex",
    "x-html": "html",
}
_C4_TOP_KEYS = {"name", "description", "baseSelector", "baseFields", "fields"}
_C4_FIELD_KEYS = {
    "name", "selector", "type", "attribute", "pattern", "group", "transform", "source", "default", "fields",
    "baseFields", "description",
}  # fmt: skip
_C4_READS = ("text", "attribute", "html", "regex")
_C4_CODE = "computed fields and expressions are refused: they would run code"
_C4_XPATH_START = ("/", "./", "(", "../")


def from_json_schema(schema: dict[str, Any], path: str) -> dict[str, Any]:
    """Properties of a JSON Schema object as form 2 fields (`x-selector` etc. become selectors)."""
    return _properties(schema, path)


def _properties(obj: dict[str, Any], path: str) -> dict[str, Any]:
    props = obj.get("properties")
    if not isinstance(props, dict) or not props:
        raise SchemaError(path, "an object needs non-empty 'properties'")
    required = obj.get("required") or []
    if not isinstance(required, list):
        raise SchemaError(f"{path}.required", "must be a list of property names")
    out: dict[str, Any] = {}
    for name, prop in props.items():
        prop_path = f"{path}.{name}"
        if not isinstance(prop, dict):
            raise SchemaError(prop_path, "a property must be an object")
        field = _property(prop, prop_path)
        if name in required:
            field["required"] = True
        out[name] = field
    return out


def _json_type(prop: dict[str, Any], path: str) -> str | None:
    kind = prop.get("type")
    if isinstance(kind, list):
        kinds = [k for k in kind if k != "null"]
        if len(kinds) != 1:
            raise SchemaError(f"{path}.type", "give exactly one type besides 'null'")
        kind = kinds[0]
    if kind is None:
        return "object" if "properties" in prop else None
    if kind not in (*_JSON_SCALARS, "array", "object"):
        raise SchemaError(f"{path}.type", f"unsupported JSON Schema type {kind!r}")
    return str(kind)


def _scalar(prop: dict[str, Any], path: str) -> str:
    kind = _json_type(prop, path) or "string"
    if kind in ("array", "object"):
        raise SchemaError(f"{path}.type", f"{kind} is not allowed here")
    fmt = prop.get("format")
    if kind == "string" and isinstance(fmt, str) and fmt in _JSON_FORMATS:
        return _JSON_FORMATS[fmt]
    return _JSON_SCALARS[kind]


def _property(prop: dict[str, Any], path: str) -> dict[str, Any]:
    field: dict[str, Any] = {target: prop[key] for key, target in _X_KEYS.items() if key in prop}
    if "default" in prop:
        field["default"] = prop["default"]
    kind = _json_type(prop, path)
    if kind == "array":
        items = prop.get("items") or {}
        if not isinstance(items, dict):
            raise SchemaError(f"{path}.items", "must be an object")
        if _json_type(items, f"{path}.items") == "object":
            if "selector" not in field and "xpath" not in field:
                for key, target in _X_KEYS.items():
                    if key in items:
                        field.setdefault(target, items[key])
            if "selector" not in field and "xpath" not in field:
                raise SchemaError(path, "a list of objects needs an 'x-selector' for its items")
            field["many"] = True
            field["fields"] = _properties(items, f"{path}.items")
        else:
            field["type"] = f"list[{_scalar(items, f'{path}.items')}]"
    elif kind == "object":
        if "selector" not in field and "xpath" not in field:
            raise SchemaError(path, "a nested object needs an 'x-selector'")
        field["fields"] = _properties(prop, path)
    else:
        field["type"] = _scalar(prop, path)
    return field


def from_crawl4ai(schema: dict[str, Any], path: str) -> dict[str, Any]:
    """A Crawl4AI CSS/XPath extraction schema as one `items` field (one item per base element)."""
    unknown = set(schema) - _C4_TOP_KEYS
    if unknown:
        raise SchemaError(path, f"unsupported key(s) {', '.join(sorted(unknown))} in a Crawl4AI schema")
    base = schema.get("baseSelector")
    if not isinstance(base, str) or not base.strip():
        raise SchemaError(f"{path}.baseSelector", "must be a non-empty selector")
    xpath = base.strip().startswith(_C4_XPATH_START)
    fields = [*(schema.get("baseFields") or []), *(schema.get("fields") or [])]
    return {
        "items": {
            "selector": f"xpath:{base.strip()}" if xpath else _c4_selector(base, False),
            "many": True,
            "fields": _c4_fields(fields, f"{path}.fields", xpath),
        }
    }


def _c4_selector(text: str, xpath: bool) -> str:
    """A field's selector as Crawl4AI runs it: inside the element (an XPath schema's `//x` is `.//x`)."""
    text = text.strip()
    if text[:6].lower() == "xpath:" or text[:4].lower() == "css:":
        return text
    if not xpath:
        return f"xpath:{text}" if text.startswith(_C4_XPATH_START) else text
    # JsonXPathExtractionStrategy: a selector without `/` is simple CSS (`a > b`, `a b`, `a`), and
    # every expression is made relative to the element.
    if "/" not in text:
        if " > " in text:
            text = "//" + "/".join(text.split(" > "))
        elif " " in text:
            text = "//" + "//".join(text.split(" "))
        else:
            text = "//" + text
    return f"xpath:{text if text.startswith('.') else '.' + text}"


def _c4_steps(kind: Any, where: str) -> tuple[str, bool]:
    """`(how the value is read, whether a regex follows)` of a field's `type` (a name or a list)."""
    steps = kind if isinstance(kind, list) else [kind]
    if not steps or not all(isinstance(step, str) for step in steps):
        raise SchemaError(f"{where}.type", "must be a type name or a list of them")
    if "computed" in steps:
        raise SchemaError(where, _C4_CODE)
    if len(steps) == 1 and steps[0] in _C4_READS:
        return steps[0], steps[0] == "regex"
    if len(steps) == 2 and steps[0] in _C4_READS and steps[0] != "regex" and steps[1] == "regex":
        return steps[0], True
    if isinstance(kind, list):
        raise SchemaError(
            f"{where}.type",
            "a list of types is one of text, attribute or html, optionally followed by regex "
            '(["attribute", "regex"])',
        )
    raise SchemaError(
        where,
        f"unknown Crawl4AI field type {kind!r} (text, attribute, html, regex, nested, list, nested_list)",
    )


def _c4_fields(fields: Any, path: str, xpath: bool) -> dict[str, Any]:
    if not isinstance(fields, list) or not fields:
        raise SchemaError(path, "must be a non-empty list of fields")
    out: dict[str, Any] = {}
    for index, raw in enumerate(fields):
        where = f"{path}[{index}]"
        if not isinstance(raw, dict) or not isinstance(raw.get("name"), str):
            raise SchemaError(where, "a field needs a 'name'")
        where = f"{path}.{raw['name']}"
        kind = raw.get("type", "text")
        if kind == "computed" or "expression" in raw:
            raise SchemaError(where, _C4_CODE)
        unknown = set(raw) - _C4_FIELD_KEYS
        if unknown:
            raise SchemaError(where, f"unsupported key(s) {', '.join(sorted(unknown))}")
        field: dict[str, Any] = {}
        selector = raw.get("selector")
        if isinstance(selector, str) and selector.strip():
            field["selector"] = _c4_selector(selector, xpath)
        elif selector is not None and not isinstance(selector, str):
            raise SchemaError(f"{where}.selector", "must be a string")
        if raw.get("source") is not None:
            field["source"] = raw["source"]
        if "default" in raw:
            field["default"] = raw["default"]
        if kind in ("nested", "list", "nested_list"):
            if "selector" not in field:
                raise SchemaError(where, f"a {kind} field needs a 'selector'")
            # Crawl4AI reads `baseFields` of the schema only: below the top they are accepted and, as
            # there, not read (a field without a selector in `fields` reads the nested element).
            field["fields"] = _c4_fields(raw.get("fields"), f"{where}.fields", xpath)
            if kind != "nested":
                field["many"] = True
            out[raw["name"]] = field
            continue
        read, regex = _c4_steps(kind, where)
        if read == "attribute":
            if not isinstance(raw.get("attribute"), str):
                raise SchemaError(where, "an attribute field needs 'attribute'")
            field["attr"] = raw["attribute"]
        elif read == "html":
            field["html"] = True
        if regex:
            if not isinstance(raw.get("pattern"), str):
                raise SchemaError(where, "a regex field needs 'pattern'")
            field["regex"] = raw["pattern"]
            # Crawl4AI takes group 1 unless told; form 2 does the same when the pattern has groups.
            if raw.get("group") is not None:
                field["group"] = raw["group"]
        if raw.get("transform") is not None:
            field["transform"] = raw["transform"]
        out[raw["name"]] = field
    return out
