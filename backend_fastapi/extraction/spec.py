"""The extraction schema: its four accepted forms, normalized to one (form 2) at request time.

Light on purpose: the API imports this to validate a request, so it uses only `cssselect` (pure
Python) for CSS and `extraction.xpath` for XPath; the worker compiles the same selectors with lexbor
or lxml. Forms:

1. simple: `{"title": "string", "tags": "list[string]", "h": "h1"}` (a non-type string is a selector);
2. selectors: `{"title": {"selector": "h1"}, "items": {"selector": "li", "many": true, "fields": {...}}}`;
3. JSON Schema: `{"type": "object", "properties": {...}}` with optional `x-selector` on properties;
4. Crawl4AI: `{"baseSelector": ..., "fields": [{"name", "selector", "type"}, ...]}`.

The normalized field is a dict with `type` (a scalar type, or `object` when it has `fields`) and
optional `selector` | `xpath`, `source`, `attr`, `html`, `many`, `fields`, `regex`, `group`,
`transform`, `default`, `required`.
A top-level field with neither `selector` nor `xpath` is found by meaning; a nested one reads
the element its parent selected.
"""

from __future__ import annotations

import difflib
import re
from typing import Any

from cssselect import HTMLTranslator, SelectorError

from backend_fastapi import regexes
from backend_fastapi.extraction.errors import SchemaError
from backend_fastapi.extraction.forms import from_crawl4ai, from_json_schema
from backend_fastapi.extraction.xpath import XPathSyntaxError, check_xpath

SCALAR_TYPES = ("string", "number", "integer", "boolean", "date", "datetime", "url")
TYPE_ALIASES = {"str": "string", "text": "string", "float": "number", "int": "integer", "bool": "boolean"}
MAX_FIELDS = 200
MAX_DEPTH = 5
MAX_SELECTOR_CHARS = 2000
MAX_REGEX_CHARS = 1000
FORM2_KEYS = frozenset(
    {"selector", "css", "xpath", "source", "attr", "html", "type", "many", "fields", "regex", "group",
     "transform", "default", "required", "description"}
)  # fmt: skip
TRANSFORMS = ("lowercase", "uppercase", "strip")
# Element names a bare word in form 1 may select; any other bare word is a typo of a type or a class.
HTML_TAGS = frozenset(
    """a abbr address article aside audio b bdi bdo blockquote body br button canvas caption cite code
    col colgroup data datalist dd del details dfn dialog div dl dt em fieldset figcaption figure footer
    form h1 h2 h3 h4 h5 h6 head header hgroup hr html i iframe img input ins kbd label legend li link
    main map mark menu meta meter nav noscript object ol optgroup option output p picture pre progress
    q rp rt ruby s samp script search section select slot small source span strong style sub summary
    sup table tbody td template textarea tfoot th thead time title tr track u ul var video wbr""".split()
)
_TRANSLATOR = HTMLTranslator()
_PSEUDO_ATTR = re.compile(r"::attr\(\s*([^)\s]+)\s*\)\s*$")
_PSEUDO_TEXT = re.compile(r"::text\s*$")
_LIST_TYPE = re.compile(r"^list\s*\[\s*([a-z_]+)\s*\]$")
_XPATH_START = ("/", "./", ".//", "(", "../")
# `+ tag.class1.class2`: the first following sibling with that tag (any when left out) and classes.
_SOURCE = re.compile(r"^\+\s*([A-Za-z][A-Za-z0-9-]*|\*)?((?:\.[A-Za-z0-9_-]+)*)$")
SOURCE_RULE = "'source' must be '+ ' and a sibling's tag and classes (`+ tr`, `+ div.details`, `+ .subtext`)"


def check_css(selector: str) -> None:
    """Raise ValueError when `selector` is not CSS that the worker can run."""
    try:
        _TRANSLATOR.css_to_xpath(selector)
    except SelectorError as exc:
        raise ValueError(f"invalid CSS selector {selector!r}: {exc}") from exc


def parse_selector(text: str, *, xpath_first: bool = False) -> dict[str, str]:
    """A selector string as `{"selector": css}` or `{"xpath": expr}`, plus `attr` from `::attr(x)`.

    `css:` and `xpath:` prefixes decide; otherwise a leading `/` (or `./`, `(` when `xpath_first`)
    means XPath. Raises ValueError when it does not compile.
    """
    text = text.strip()
    if not text:
        raise ValueError("empty selector")
    if len(text) > MAX_SELECTOR_CHARS:
        raise ValueError(f"selector longer than {MAX_SELECTOR_CHARS} characters")
    lowered = text[:6].lower()
    if lowered.startswith("xpath:"):
        return _xpath(text[6:].strip())
    if lowered.startswith("css:"):
        return _css(text[4:].strip())
    if text.startswith("/") or (xpath_first and text.startswith(_XPATH_START)):
        return _xpath(text)
    return _css(text)


def _xpath(expr: str) -> dict[str, str]:
    try:
        check_xpath(expr)
    except XPathSyntaxError as exc:
        raise ValueError(f"invalid XPath {expr!r}: {exc}") from exc
    return {"xpath": expr}


def _css(selector: str) -> dict[str, str]:
    spec: dict[str, str] = {}
    if match := _PSEUDO_ATTR.search(selector):
        spec["attr"] = match.group(1)
        selector = selector[: match.start()].strip()
    elif match := _PSEUDO_TEXT.search(selector):
        selector = selector[: match.start()].strip()
    check_css(selector)
    return {"selector": selector, **spec}


def parse_source(text: str) -> tuple[str | None, tuple[str, ...]]:
    """`(tag, classes)` of a `source` such as `+ tr.subtext`; raises ValueError when it is not one."""
    match = _SOURCE.match(text.strip())
    if match is None or not (match.group(1) or match.group(2)):
        raise ValueError(SOURCE_RULE)
    tag = match.group(1)
    classes = tuple(c for c in match.group(2).split(".") if c)
    return (tag.lower() if tag and tag != "*" else None), classes


def parse_type(value: Any, path: str) -> tuple[str, bool]:
    """`(scalar_type, many)` of a type name such as `number` or `list[string]`."""
    if not isinstance(value, str):
        raise SchemaError(path, f"a type must be a string, not {type(value).__name__}")
    name = value.strip().lower()
    many = False
    if match := _LIST_TYPE.match(name):
        name, many = match.group(1), True
    name = TYPE_ALIASES.get(name, name)
    if name not in SCALAR_TYPES:
        raise SchemaError(path, _unknown_type(value))
    return name, many


def _unknown_type(value: str) -> str:
    known = ", ".join(SCALAR_TYPES)
    close = difflib.get_close_matches(value.strip().lower(), SCALAR_TYPES, n=1, cutoff=0.6)
    hint = f" (did you mean {close[0]!r}?)" if close else ""
    return f"unknown type {value!r}{hint}; types are {known} and list[...] of them"


def is_type_keyword(value: str) -> bool:
    """True when a form-1 string names a type rather than a selector."""
    try:
        parse_type(value, "")
    except SchemaError:
        return False
    return True


class _Normalizer:
    def __init__(self) -> None:
        self.count = 0

    def _counted(self, path: str, depth: int) -> None:
        self.count += 1
        if self.count > MAX_FIELDS:
            raise SchemaError(path, f"a schema may have at most {MAX_FIELDS} fields")
        if depth > MAX_DEPTH:
            raise SchemaError(path, f"fields may be nested at most {MAX_DEPTH} levels deep")

    def fields(self, raw: Any, path: str, depth: int) -> dict[str, dict[str, Any]]:
        if not isinstance(raw, dict):
            raise SchemaError(path, "fields must be an object of name -> type or field")
        if not raw and depth > 0:
            raise SchemaError(path, "nested fields must not be empty")
        out: dict[str, dict[str, Any]] = {}
        for name, value in raw.items():
            field_path = f"{path}.{name}"
            if not isinstance(name, str) or not name.strip() or len(name) > 200:
                raise SchemaError(field_path, "a field name must be 1 to 200 characters")
            self._counted(field_path, depth)
            if isinstance(value, str):
                out[name] = self.shorthand(value, field_path)
            elif isinstance(value, dict):
                out[name] = self.field(value, field_path, depth)
            else:
                raise SchemaError(field_path, "expected a type name, a selector or a field object")
        return out

    def shorthand(self, value: str, path: str) -> dict[str, Any]:
        if is_type_keyword(value):
            scalar, many = parse_type(value, path)
            return {"type": scalar, **({"many": True} if many else {})}
        bare = value.strip()
        if re.fullmatch(r"[A-Za-z][A-Za-z0-9_]*", bare) and bare.lower() not in HTML_TAGS:
            close = difflib.get_close_matches(bare.lower(), SCALAR_TYPES, n=1, cutoff=0.6)
            if close or _LIST_TYPE.match(bare.lower()):
                raise SchemaError(path, _unknown_type(value))
            raise SchemaError(
                path,
                f"{value!r} is neither a type ({', '.join(SCALAR_TYPES)}) nor a selector of an HTML "
                f"element; write '.{bare}' for a class or '#{bare}' for an id",
            )
        if _LIST_TYPE.match(bare.lower()):
            raise SchemaError(path, _unknown_type(value))
        return {"type": "string", **self.selector(value, path)}

    def selector(self, text: Any, path: str, *, xpath_first: bool = False) -> dict[str, str]:
        if not isinstance(text, str):
            raise SchemaError(path, "a selector must be a string")
        try:
            return parse_selector(text, xpath_first=xpath_first)
        except ValueError as exc:
            raise SchemaError(path, str(exc)) from exc

    def field(self, raw: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        unknown = set(raw) - FORM2_KEYS
        if unknown:
            raise SchemaError(
                path, f"unknown key(s) {', '.join(sorted(map(str, unknown)))}; allowed: {sorted(FORM2_KEYS)}"
            )
        spec: dict[str, Any] = {}
        chosen = [k for k in ("selector", "css", "xpath") if raw.get(k) is not None]
        if len(chosen) > 1:
            raise SchemaError(path, "give only one of 'selector', 'css' or 'xpath'")
        if chosen == ["xpath"]:
            spec.update(self.selector(f"xpath:{raw['xpath']}", f"{path}.xpath"))
        elif chosen:
            text = raw[chosen[0]]
            prefix = "css:" if chosen == ["css"] and isinstance(text, str) else ""
            spec.update(self.selector(f"{prefix}{text}" if prefix else text, f"{path}.{chosen[0]}"))
        many = raw.get("many", False)
        if not isinstance(many, bool):
            raise SchemaError(f"{path}.many", "must be true or false")
        if raw.get("fields") is not None:
            spec["type"] = "object"
            if raw.get("type") not in (None, "object", "list[object]"):
                raise SchemaError(f"{path}.type", "a field with nested fields has type object")
            many = many or raw.get("type") == "list[object]"
            if not chosen:
                raise SchemaError(path, "a field with nested fields needs a 'selector' or 'xpath'")
            spec["fields"] = self.fields(raw["fields"], f"{path}.fields", depth + 1)
        else:
            scalar, list_type = parse_type(raw.get("type", "string"), f"{path}.type")
            spec["type"] = scalar
            many = many or list_type
        if many:
            spec["many"] = True
        for key in ("attr", "regex"):
            if raw.get(key) is not None:
                if not isinstance(raw[key], str) or not raw[key].strip():
                    raise SchemaError(f"{path}.{key}", "must be a non-empty string")
                spec[key] = raw[key].strip() if key == "attr" else raw[key]
        if "regex" in spec:
            spec["regex"] = check_regex(spec["regex"], f"{path}.regex")
        spec.update(self.options(raw, path, depth))
        if raw.get("html"):
            spec["html"] = True
        if depth == 0 and not chosen and ("attr" in spec or "html" in spec):
            raise SchemaError(path, "'attr' and 'html' need a 'selector' or 'xpath'")
        if raw.get("required"):
            spec["required"] = True
        if "default" in raw:
            spec["default"] = raw["default"]
        return spec

    def options(self, raw: dict[str, Any], path: str, depth: int) -> dict[str, Any]:
        """`source`, `group` and `transform`, checked."""
        spec: dict[str, Any] = {}
        if raw.get("source") is not None:
            if depth == 0:
                raise SchemaError(
                    f"{path}.source", "'source' reads a sibling of an item: use it in nested fields"
                )
            if not isinstance(raw["source"], str):
                raise SchemaError(f"{path}.source", SOURCE_RULE)
            try:
                parse_source(raw["source"])
            except ValueError as exc:
                raise SchemaError(f"{path}.source", str(exc)) from exc
            spec["source"] = raw["source"].strip()
        if raw.get("group") is not None:
            group = raw["group"]
            if isinstance(group, bool) or not isinstance(group, int) or not 0 <= group <= 99:
                raise SchemaError(f"{path}.group", "must be a regex group number (0 is the whole match)")
            if not isinstance(raw.get("regex"), str):
                raise SchemaError(f"{path}.group", "'group' needs a 'regex'")
            groups = regexes.check_regex(raw["regex"]).groups
            if group > groups:
                raise SchemaError(f"{path}.group", f"the regex has {groups} group(s), not {group}")
            spec["group"] = group
        if raw.get("transform") is not None:
            if raw["transform"] not in TRANSFORMS:
                raise SchemaError(f"{path}.transform", f"must be one of {', '.join(TRANSFORMS)}")
            spec["transform"] = raw["transform"]
        return spec


def check_regex(pattern: str, path: str) -> str:
    """The pattern, when it is not too long and the worker's regex engine (RE2) can run it."""
    if len(pattern) > MAX_REGEX_CHARS:
        raise SchemaError(path, f"a regex may have at most {MAX_REGEX_CHARS} characters")
    try:
        regexes.check_regex(pattern)
    except regexes.RegexError as exc:
        raise SchemaError(path, f"invalid regex: {exc.reason}") from exc
    return pattern


def normalize_schema(raw: Any, path: str = "schema") -> dict[str, dict[str, Any]]:
    """Any of the four forms as form 2; raises SchemaError naming the field at fault."""

    if not isinstance(raw, dict):
        raise SchemaError(path, "the schema must be a JSON object")
    normalizer = _Normalizer()
    if "baseSelector" in raw:
        return normalizer.fields(from_crawl4ai(raw, path), path, 0)
    if raw.get("type") == "object" and isinstance(raw.get("properties"), dict):
        return normalizer.fields(from_json_schema(raw, path), path, 0)
    return normalizer.fields(raw, path, 0)


def iter_fields(spec: dict[str, dict[str, Any]]) -> list[tuple[str, dict[str, Any]]]:
    """Every field of a normalized schema, nested ones as dotted names."""
    found: list[tuple[str, dict[str, Any]]] = []
    for name, field in spec.items():
        found.append((name, field))
        for sub, inner in iter_fields(field.get("fields") or {}):
            found.append((f"{name}.{sub}", inner))
    return found
