"""Finding a field by meaning when the schema gives no selector.

Order: structured data first (JSON-LD and microdata entities, the page's subject before the
site's frame, with paths such as `offers.price`), then OpenGraph/meta tags, then common page
patterns (`h1`, elements whose class or id names the field), and the `<title>` (without the
site name suffix) only when nothing better exists.
"""

from __future__ import annotations

import re
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from backend_fastapi.scraping.dom import LexborTree, clean_text
from backend_fastapi.scraping.structured import PageMetadata

# Field name -> structured-data paths, most specific first.
PATHS: dict[str, tuple[str, ...]] = {
    "title": ("name", "headline", "title"),
    "name": ("name", "headline", "title"),
    "headline": ("headline", "name"),
    "price": ("offers.price", "offers.lowPrice", "offers.priceSpecification.price", "price"),
    "currency": ("offers.priceCurrency", "priceCurrency", "offers.priceSpecification.priceCurrency"),
    "image": ("image.url", "image.contentUrl", "image", "thumbnailUrl"),
    "description": ("description",),
    "published": ("datePublished", "dateCreated", "uploadDate", "startDate"),
    "date": ("datePublished", "dateCreated", "startDate", "uploadDate"),
    "updated": ("dateModified",),
    "modified": ("dateModified",),
    "author": ("author.name", "author", "creator.name"),
    "brand": ("brand.name", "brand"),
    "sku": ("sku", "mpn", "gtin13", "gtin"),
    "rating": ("aggregateRating.ratingValue", "reviewRating.ratingValue"),
    "reviews": ("aggregateRating.reviewCount", "aggregateRating.ratingCount"),
    "in_stock": ("offers.availability", "availability"),
    "available": ("offers.availability", "availability"),
    "availability": ("offers.availability", "availability"),
    "url": ("url", "@id"),
    "tags": ("keywords",),
    "keywords": ("keywords",),
    "category": ("category", "articleSection"),
}
# Field name -> OpenGraph/meta tags.
TAGS: dict[str, tuple[str, ...]] = {
    "title": ("og:title", "twitter:title"),
    "name": ("og:title",),
    "price": ("product:price:amount", "og:price:amount"),
    "currency": ("product:price:currency", "og:price:currency"),
    "image": ("og:image", "og:image:url", "twitter:image"),
    "description": ("og:description", "description", "twitter:description"),
    "published": ("article:published_time", "date", "dc.date"),
    "date": ("article:published_time", "date", "dc.date"),
    "updated": ("article:modified_time", "og:updated_time"),
    "modified": ("article:modified_time", "og:updated_time"),
    "author": ("author", "article:author"),
    "url": ("og:url",),
    "tags": ("article:tag", "keywords"),
    "keywords": ("keywords", "article:tag"),
    "in_stock": ("product:availability", "og:availability"),
    "availability": ("product:availability", "og:availability"),
    "site_name": ("og:site_name", "application-name"),
}
# Field name -> words its element's class or id may carry.
WORDS: dict[str, tuple[str, ...]] = {
    "in_stock": ("in-stock", "instock", "stock", "availability"),
    "available": ("availability", "stock"),
    "published": ("published", "date", "pubdate"),
    "tags": ("tags", "tag"),
    "image": ("image", "photo"),
}
IMAGE_NAMES = frozenset({"image", "photo", "picture", "thumbnail", "img"})
_TITLE_SEPARATORS = re.compile(r"\s+(?:\||-|\u2013|\u2014|\u00b7|::|\u00bb|/)\s+")
_URL_ATTRS = ("href", "src", "content", "data-src")


def _camel(name: str) -> str:
    head, *rest = name.split("_")
    return head + "".join(part.title() for part in rest)


def _dig(obj: Any, path: list[str]) -> list[Any]:
    if isinstance(obj, list):
        return [value for item in obj for value in _dig(item, path)]
    if not path:
        return [obj] if obj not in (None, "", {}) else []
    if isinstance(obj, dict) and path[0] in obj:
        return _dig(obj[path[0]], path[1:])
    return []


def _leaf(value: Any) -> Any:
    if isinstance(value, dict):
        return value.get("@value") or value.get("name") or value.get("url") or value.get("@id")
    return value


@dataclass(frozen=True)
class Found:
    """Values a field may take, and where on the page they were found (`result.sources`):
    `jsonld:offers.price`, `microdata:name`, `meta:og:title`, `css:.price`, `h1`, `title`."""

    values: list[Any]
    source: str


def candidates(name: str, kind: str, many: bool, tree: LexborTree, metadata: PageMetadata) -> Iterator[Found]:
    """Where field `name` may be, best first; the caller takes the first whose values convert."""
    yield from from_structured(name, metadata)
    yield from from_page(name, kind, many, tree, metadata)


def from_structured(name: str, metadata: PageMetadata) -> Iterator[Found]:
    """Values of field `name` in JSON-LD/microdata, then OpenGraph/meta."""
    key = name.lower()
    paths = PATHS.get(key, ()) + tuple(dict.fromkeys((name, _camel(name))))
    for entity in metadata.entities():
        origin = "jsonld" if any(entity is e for e in metadata.json_ld) else "microdata"
        for path in paths:
            values = [v for v in (_leaf(x) for x in _dig(entity, path.split("."))) if v not in (None, "")]
            if values:
                yield Found(values, f"{origin}:{path}")
    for tag in dict.fromkeys((*TAGS.get(key, ()), f"og:{key}", f"product:{key}", key)):
        value = metadata.tag(tag)
        if value not in (None, ""):
            yield Found(value if isinstance(value, list) else [value], f"meta:{tag}")


def from_page(name: str, kind: str, many: bool, tree: LexborTree, metadata: PageMetadata) -> Iterator[Found]:
    """Values of field `name` from common page patterns."""
    key = name.lower()
    root = tree.root
    if key in ("title", "name", "headline"):
        heading = root.css_first("h1")
        if heading is not None and (text := clean_text(heading.text(separator=" "))):
            yield Found([text], "h1")
        if title := page_title(metadata):
            yield Found([title], "title")
        return
    words = WORDS.get(key, ()) + tuple(dict.fromkeys((key, key.replace("_", "-"))))
    for word in words:
        selectors = (f"[itemprop='{word}']", f".{word}", f"#{word}", f"[class*='{word}']", f"[id*='{word}']")
        for selector in selectors:
            try:
                nodes = root.css(selector)
            except ValueError:
                continue
            values: list[Any] = []
            for node in nodes:
                children = node.css("a, li") if many else []
                if len(children) > 1:
                    values.extend(clean_text(c.text(deep=True, separator=" ")) for c in children)
                else:
                    values.append(_node_value(node, kind))
            values = [v for v in values if v not in (None, "")]
            if values:
                yield Found(values if many else values[:1], f"css:{selector}")
                return
    if kind == "url" and key in IMAGE_NAMES:
        for image in root.css("main img[src], article img[src], img[src]"):
            yield Found([image.attributes["src"]], "css:img")
            return


def _node_value(node: Any, kind: str) -> Any:
    attrs = node.attributes
    if kind == "url":
        target = (
            node
            if node.tag in ("a", "img", "link", "meta", "source")
            else node.css_first("a[href], img[src]")
        )
        if target is None:
            return None
        return next((target.attributes[a] for a in _URL_ATTRS if target.attributes.get(a)), None)
    if kind in ("date", "datetime") and attrs.get("datetime"):
        return attrs["datetime"]
    if attrs.get("content") and node.tag in ("meta", "span", "div", "data"):
        return attrs["content"]
    return clean_text(node.text(deep=True, separator=" ")) or None


def page_title(metadata: PageMetadata) -> str | None:
    """`<title>` without a trailing or leading site name (`Blue Mug | Shop` -> `Blue Mug`)."""
    title = metadata.title
    if not title:
        return None
    parts = _TITLE_SEPARATORS.split(title)
    if len(parts) == 1:
        return title
    site = metadata.tag("og:site_name", "application-name")
    site_text = str(site[0] if isinstance(site, list) else site or "").strip().lower()
    kept = [p for p in parts if p.strip().lower() != site_text] if site_text else parts[:-1]
    return " - ".join(kept).strip() or title


def split_list(values: list[Any]) -> list[Any]:
    """Comma-separated keyword strings as separate values (`"a, b"` -> `["a", "b"]`)."""
    out: list[Any] = []
    for value in values:
        if isinstance(value, str) and "," in value:
            out.extend(part.strip() for part in value.split(",") if part.strip())
        else:
            out.append(value)
    return out
