"""Structured data a page carries: JSON-LD, microdata, OpenGraph and other meta tags."""

from __future__ import annotations

import re
from dataclasses import dataclass, field
from typing import Any

import orjson

from backend_fastapi.scraping.dom import LexborTree, clean_text
from backend_fastapi.scraping.urlnorm import join_url

# Entity types that describe the site or page rather than what the page is about.
_FRAME_TYPES = frozenset(
    {"website", "webpage", "organization", "breadcrumblist", "breadcrumb", "searchaction",
     "sitenavigationelement", "wpheader", "wpfooter", "imageobject", "person", "listitem", "collectionpage",
     "itemlist"}
)  # fmt: skip
_URL_PROPS = {"a": "href", "area": "href", "link": "href", "img": "src", "audio": "src", "video": "src",
              "source": "src", "iframe": "src", "embed": "src", "track": "src", "object": "data"}  # fmt: skip
_COMMENT = re.compile(r"^\s*(?:<!--|//\s*<!\[CDATA\[)|(?:-->|//\s*\]\]>)\s*$")


@dataclass
class PageMetadata:
    """Everything structured found on one page (the `metadata` format, and the first place fields are
    looked for)."""

    title: str | None = None
    description: str | None = None
    lang: str | None = None
    canonical: str | None = None
    json_ld: list[dict[str, Any]] = field(default_factory=list)
    microdata: list[dict[str, Any]] = field(default_factory=list)
    opengraph: dict[str, Any] = field(default_factory=dict)
    meta: dict[str, Any] = field(default_factory=dict)

    def as_dict(self) -> dict[str, Any]:
        return {
            "title": self.title,
            "description": self.description,
            "lang": self.lang,
            "canonical": self.canonical,
            "json_ld": self.json_ld,
            "microdata": self.microdata,
            "opengraph": self.opengraph,
            "meta": self.meta,
        }

    def entities(self) -> list[dict[str, Any]]:
        """JSON-LD and microdata items, the ones about the page's subject first."""
        items = [*self.json_ld, *self.microdata]
        return sorted(items, key=is_frame)

    def tag(self, *names: str) -> Any:
        """The first OpenGraph/meta value among `names` (a list when the tag repeats)."""
        for name in names:
            for table in (self.opengraph, self.meta):
                if name in table:
                    return table[name]
        return None


def is_frame(item: dict[str, Any]) -> bool:
    """Whether a JSON-LD or microdata item describes the site or the page (or has no type), not what
    the page is about."""
    return _type_names(item) <= _FRAME_TYPES


def _type_names(item: dict[str, Any]) -> set[str]:
    kind = item.get("@type")
    names = kind if isinstance(kind, list) else [kind]
    return {str(n).rsplit("/", 1)[-1].lower() for n in names if n}


def _add(table: dict[str, Any], key: str, value: Any) -> None:
    if key not in table:
        table[key] = value
    elif isinstance(table[key], list):
        table[key].append(value)
    else:
        table[key] = [table[key], value]


def parse_json_ld(text: str) -> list[dict[str, Any]]:
    """The objects of one JSON-LD script (`@graph` and top-level lists flattened); [] when broken."""
    lines = [line for line in text.strip().splitlines() if not _COMMENT.fullmatch(line)]
    try:
        data = orjson.loads("\n".join(lines).strip().rstrip(";"))
    except orjson.JSONDecodeError:
        return []
    found: list[dict[str, Any]] = []
    stack = data if isinstance(data, list) else [data]
    for item in stack:
        if not isinstance(item, dict):
            continue
        graph = item.get("@graph")
        if isinstance(graph, list):
            found.extend(g for g in graph if isinstance(g, dict))
            rest = {k: v for k, v in item.items() if k not in ("@graph", "@context")}
            if "@type" in rest:
                found.append(rest)
        else:
            found.append(item)
    return found


def extract_metadata(tree: LexborTree, base_url: str) -> PageMetadata:
    """Collect the page's JSON-LD, microdata, OpenGraph and meta tags."""
    meta = PageMetadata()
    root = tree.root
    if (title := root.css_first("title")) is not None:
        meta.title = clean_text(title.text()) or None
    html = root.css_first("html") or root
    meta.lang = (html.attributes.get("lang") or None) if html is not None else None
    if (link := root.css_first('link[rel="canonical"]')) is not None and link.attributes.get("href"):
        meta.canonical = join_url(base_url, str(link.attributes["href"]))
    for node in root.css("meta[content]"):
        attrs = node.attributes
        content = attrs.get("content")
        if content is None:
            continue
        key = attrs.get("property") or attrs.get("name") or attrs.get("itemprop") or attrs.get("http-equiv")
        if not key or (attrs.get("itemprop") and not attrs.get("property") and not attrs.get("name")):
            continue
        key = str(key).strip().lower()
        table = meta.opengraph if key.startswith(("og:", "product:", "article:", "book:", "profile:",
                                                  "music:", "video:")) else meta.meta  # fmt: skip
        _add(table, key, content)
    meta.description = _first(meta.meta.get("description")) or _first(meta.opengraph.get("og:description"))
    for script in root.css('script[type="application/ld+json"]'):
        meta.json_ld.extend(parse_json_ld(script.text(deep=True)))
    meta.microdata = extract_microdata(tree, base_url)
    return meta


def _first(value: Any) -> Any:
    return value[0] if isinstance(value, list) and value else value


def extract_microdata(tree: LexborTree, base_url: str) -> list[dict[str, Any]]:
    """Top-level microdata items (`itemscope` without `itemprop`) as nested dicts.

    One pass in document order: each element's properties go to the item of its nearest `itemscope`
    ancestor, known from its parent's entry (a parent is always met before its children). Reading
    each item's subtree again, as a query per item does, costs a page of nested items the square of
    its size, and more: a hostile page of a thousand nested items would hold a worker for minutes.
    Items and properties nested deeper than MAX_MICRODATA_DEPTH are not read (real pages nest a
    handful; a property's text is read whole, so thousands of nested ones would cost the square)."""
    root = tree.root
    if root is None:
        return []
    items: list[dict[str, Any]] = []
    # Per element seen so far: the item owning the properties inside it (None: none), and how many
    # microdata elements (items or properties) enclose them.
    inside: dict[int, tuple[dict[str, Any] | None, int]] = {}
    for node in root.traverse():
        parent = node.parent
        owner, depth = inside.get(parent.mem_id, (None, 0)) if parent is not None else (None, 0)
        attrs = node.attributes
        scoped, named = "itemscope" in attrs, "itemprop" in attrs
        if not (scoped or named):
            inside[node.mem_id] = (owner, depth)
            continue
        if depth >= MAX_MICRODATA_DEPTH:
            inside[node.mem_id] = (None, depth)
            continue
        names = str(attrs.get("itemprop") or "").split()
        if scoped:
            item: dict[str, Any] = {}
            if kind := attrs.get("itemtype"):
                item["@type"] = str(kind).split()[0].rstrip("/").rsplit("/", 1)[-1]
            if not named:
                items.append(item)
            elif owner is not None:
                for name in names:
                    _add(owner, name, item)
            inside[node.mem_id] = (item, depth + 1)
            continue
        if owner is not None:
            value = _prop_value(node, base_url)
            for name in names:
                _add(owner, name, value)
        inside[node.mem_id] = (owner, depth + 1)
    return items


MAX_MICRODATA_DEPTH = 32


def _prop_value(node: Any, base_url: str) -> Any:
    attrs = node.attributes
    tag = node.tag
    if tag == "meta":
        return attrs.get("content") or ""
    if tag in _URL_PROPS and attrs.get(_URL_PROPS[tag]):
        # An address no parser reads stays as written: converting it to a URL reports it.
        raw = str(attrs[_URL_PROPS[tag]])
        return join_url(base_url, raw) or raw
    if tag == "time" and attrs.get("datetime"):
        return attrs["datetime"]
    if tag in ("data", "meter") and attrs.get("value"):
        return attrs["value"]
    if attrs.get("content"):
        return attrs["content"]
    return clean_text(node.text(deep=True, separator=" "))
