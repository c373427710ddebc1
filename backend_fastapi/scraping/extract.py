"""Running a normalized schema (form 2) over a parsed page: selectors, nesting, regex, types."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from backend_fastapi.extraction.spec import parse_source
from backend_fastapi.regexes import Pattern, compile_regex
from backend_fastapi.schemas.scrape import NormalizedSchema, SchemaField
from backend_fastapi.scraping import meaning
from backend_fastapi.scraping.coerce import CoercionError, coerce
from backend_fastapi.scraping.dates import NO_CONTEXT, DateContext
from backend_fastapi.scraping.dom import LexborTree, LxmlTree, Selector, Tree
from backend_fastapi.scraping.structured import PageMetadata

_URL_ATTRS = ("href", "src", "content", "data-src")


@dataclass
class Field:
    """One compiled field of a schema."""

    name: str
    kind: str
    many: bool = False
    selector: Selector | None = None
    attr: str | None = None
    html: bool = False
    regex: Pattern | None = None
    group: int | None = None
    transform: str | None = None
    source: tuple[str | None, tuple[str, ...]] | None = None
    default: Any = None
    has_default: bool = False
    required: bool = False
    fields: list[Field] = field(default_factory=list)

    @classmethod
    def compile(cls, name: str, spec: SchemaField) -> Field:
        selector = None
        if spec.selector or spec.xpath:
            selector = Selector(css=spec.selector, xpath=spec.xpath)
        return cls(
            name=name,
            kind=spec.type,
            many=spec.many,
            selector=selector,
            attr=spec.attr,
            html=spec.html,
            regex=compile_regex(spec.regex) if spec.regex else None,
            group=spec.group,
            transform=spec.transform,
            source=parse_source(spec.source) if spec.source else None,
            default=spec.default,
            has_default=spec.has_default,
            required=spec.required,
            fields=[cls.compile(n, s) for n, s in (spec.fields or {}).items()],
        )

    def walk(self) -> list[Field]:
        return [self, *(f for child in self.fields for f in child.walk())]


@dataclass
class Schema:
    """A compiled schema; `needs_lxml` when any selector is XPath or CSS that lexbor cannot run."""

    fields: list[Field]
    needs_lxml: bool

    @classmethod
    def compile(cls, spec: NormalizedSchema | dict[str, dict[str, Any]]) -> Schema:
        """Compile a schema in form 2: the payload's models, or form 2 as JSON (validated here)."""
        models = {
            name: s if isinstance(s, SchemaField) else SchemaField.model_validate(s)
            for name, s in spec.items()
        }
        fields = [Field.compile(name, s) for name, s in models.items()]
        selectors = [f.selector for top in fields for f in top.walk() if f.selector is not None]
        return cls(fields, any(s.needs_lxml for s in selectors))

    @property
    def item_field(self) -> Field | None:
        """The one list-of-objects field whose items are a single page's records, if there is one."""
        lists = [f for f in self.fields if f.many and f.fields]
        return lists[0] if len(lists) == 1 else None


@dataclass
class Extraction:
    """What a schema found on one page."""

    data: dict[str, Any] = field(default_factory=dict)
    missing: list[str] = field(default_factory=list)
    errors: dict[str, str] = field(default_factory=dict)
    required_missing: list[str] = field(default_factory=list)
    dropped: int = 0
    sources: dict[str, str] = field(default_factory=dict)

    def explain(self) -> dict[str, Any]:
        """The part of a result that says what was not found, and why."""
        out: dict[str, Any] = {"missing_fields": self.missing}
        if self.errors:
            out["field_errors"] = self.errors
        if self.dropped:
            out["dropped_items"] = self.dropped
        if self.sources:
            out["sources"] = self.sources
        return out


class Extractor:
    """Runs one schema over pages (compiled once per job, used for every page of a crawl).

    `date_order` (DMY, MDY or YMD) reads ambiguous numeric dates; without it the page's language
    decides, and where that does not either, such a date is a field error rather than a guess.
    """

    def __init__(self, schema: Schema, date_order: str | None = None) -> None:
        self.schema = schema
        self.date_order = date_order
        self.has_dates = any(f.kind in ("date", "datetime") for top in schema.fields for f in top.walk())

    def run(
        self,
        html: str,
        tree: LexborTree,
        metadata: PageMetadata,
        base_url: str,
        fetched_at: datetime | None = None,
    ) -> Extraction:
        """The schema's fields on one page; relative dates count from `fetched_at` (else now)."""
        out = Extraction()
        selector_tree: Tree = LxmlTree(html) if self.schema.needs_lxml else tree
        dates = NO_CONTEXT
        if self.has_dates:
            lang = metadata.lang or _page_lang(tree)
            dates = DateContext(date_order=self.date_order, lang=lang, now=fetched_at)
        for spec in self.schema.fields:
            path = spec.name
            source: str | None = None
            try:
                if spec.selector is None:
                    value, source = _by_meaning(spec, tree, metadata, base_url, dates)
                else:
                    value = _read(spec, selector_tree, selector_tree.root, base_url, out, path, dates)
                    source = spec.selector.describe()
            except CoercionError as exc:
                out.errors[path] = str(exc)
                value = None
            if value in (None, []) and spec.has_default:
                value, source = spec.default, "default"
            if value not in (None, []) and source is not None:
                out.sources[path] = source
            if value in (None, []):
                out.missing.append(path)
                if spec.required:
                    out.required_missing.append(path)
            out.data[spec.name] = value
        return out


def _page_lang(tree: LexborTree) -> str | None:
    """`<html lang>` (read only for schemas with dates, when the metadata was not collected)."""
    html = tree.root.css_first("html") if tree.root is not None else None
    return (html.attributes.get("lang") or None) if html is not None else None


def _by_meaning(
    spec: Field, tree: LexborTree, metadata: PageMetadata, base_url: str, dates: DateContext
) -> tuple[Any, str | None]:
    """The first candidate place whose values convert to the field's type, and its source."""
    first_error: CoercionError | None = None
    for found in meaning.candidates(spec.name, spec.kind, spec.many, tree, metadata):
        values = meaning.split_list(found.values) if spec.many else found.values
        converted: list[Any] = []
        for raw in values:
            try:
                value = _convert(spec, raw, base_url, dates)
            except CoercionError as exc:
                first_error = first_error or exc
                continue
            if value not in (None, ""):
                converted.append(value)
                if not spec.many:
                    break
        if converted:
            return (converted if spec.many else converted[0]), found.source
    if first_error is not None:
        raise first_error
    return ([] if spec.many else None), None


def _convert(spec: Field, raw: Any, base_url: str, dates: DateContext = NO_CONTEXT) -> Any:
    if spec.regex is not None and raw is not None:
        match = spec.regex.search(str(raw))
        if match is None:
            return None
        if spec.group is not None:
            raw = match.group(spec.group)
        else:
            raw = match.group(1) if spec.regex.groups else match.group(0)
    if spec.transform is not None and isinstance(raw, str):
        raw = _transform(spec.transform, raw)
    return coerce(raw, spec.kind, base_url, dates)


def _transform(kind: str, text: str) -> str:
    if kind == "lowercase":
        return text.lower()
    if kind == "uppercase":
        return text.upper()
    return text.strip()


def _raw_value(spec: Field, tree: Tree, node: Any) -> Any:
    if spec.html:
        return tree.html(node)
    if spec.attr:
        return tree.attr(node, spec.attr)
    if spec.kind == "url" and not isinstance(node, str):
        for name in _URL_ATTRS:
            if (value := tree.attr(node, name)) is not None:
                return value
    return tree.text(node)


def _read(
    spec: Field, tree: Tree, node: Any, base_url: str, out: Extraction, path: str, dates: DateContext
) -> Any:
    if spec.source is not None:
        node = tree.sibling(node, *spec.source)
        if node is None:
            return [] if spec.many else None
    nodes = tree.select(node, spec.selector) if spec.selector is not None else [node]
    if not spec.many:
        nodes = nodes[:1]
    if spec.fields:
        items = []
        for item_node in nodes:
            item = _read_object(spec, tree, item_node, base_url, out, path, dates)
            if item is not None:
                items.append(item)
        return items if spec.many else (items[0] if items else None)
    values = []
    for value_node in nodes:
        value = _convert(spec, _raw_value(spec, tree, value_node), base_url, dates)
        if value not in (None, ""):
            values.append(value)
    return values if spec.many else (values[0] if values else None)


def _read_object(
    spec: Field, tree: Tree, node: Any, base_url: str, out: Extraction, path: str, dates: DateContext
) -> dict[str, Any] | None:
    item: dict[str, Any] = {}
    for child in spec.fields:
        child_path = f"{path}.{child.name}"
        try:
            value = _read(child, tree, node, base_url, out, child_path, dates)
        except CoercionError as exc:
            out.errors.setdefault(child_path, str(exc))
            value = None
        if value in (None, []) and child.has_default:
            value = child.default
        if value in (None, []) and child.required:
            out.dropped += 1
            out.errors.setdefault(child_path, "required but missing in some items (they were left out)")
            return None
        item[child.name] = value
    return item
