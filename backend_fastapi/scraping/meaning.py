"""Finding a field by meaning when the schema gives no selector.

Order: structured data first (JSON-LD and microdata entities, the page's subject before the
site's frame, with paths such as `offers.price`), then OpenGraph/meta tags, then the page as people
read it (labels.py): `h1` and `<title>` for a title, a label and its value (`Price: $9.99`,
`<dt>Brand</dt><dd>...`), elements whose class, id, itemprop or data-* name says what they hold
(`.amount`, `#desc`, `data-sku`, in the words of vocabulary.py), and near the title the first
real paragraph, a currency amount, a stock phrase and the picture. Placeholders are never values.
"""

from __future__ import annotations

import re
import weakref
from collections.abc import Iterator
from dataclasses import dataclass
from itertools import chain, islice
from typing import Any

from backend_fastapi.scraping import identifiers, labels
from backend_fastapi.scraping.coerce import CoercionError, to_boolean, to_number
from backend_fastapi.scraping.dom import LexborTree, clean_text
from backend_fastapi.scraping.structured import PageMetadata, is_frame
from backend_fastapi.scraping.urlnorm import split_url
from backend_fastapi.scraping.vocabulary import (
    BY_WORDS,
    CONNECTORS,
    CURRENCY_AMOUNT,
    concept_of,
    currency_code,
    is_placeholder,
    name_words,
    normalize_label,
    stock_state,
    visible,
)

__all__ = ["Found", "candidates", "is_placeholder", "page_title", "split_list"]

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
_DIGIT = re.compile(r"\d")
# A number that starts with a zero digit (`0113 277 0634`, `0800-123`), as phone numbers and codes do.
_NOT_AN_AMOUNT = re.compile(r"(?<![\d.,])0\d")
_MONEY = re.compile(r"[$€£¥]")
_WORD = re.compile(r"\w+")
# Words of letters, and sources that read the page as people see it (not its structured data).
_LETTERS = re.compile(r"[^\W\d_]{2,}")
_ON_PAGE = re.compile(r"^(?:css:|label:|near:|h1$)")
# Codes compared before a SKU is chosen (its structured data's, then the page's best).
_CODES = 12
# Page candidates a meta description is compared with (the best ones come first).
_PAGE_DESCRIPTIONS = 8
# An identifier: one token of at least four letters and digits, one of them a digit.
_IDENTIFIER = re.compile(r"^(?=\S*\d)[\w./#-]{4,40}$")


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
    """Where field `name` may be, best first; the caller takes the first whose values convert.

    Placeholders ("Loading...", "—", "{{ price }}") are never offered as values."""
    concept = concept_of(name)
    brand = concept is not None and concept.key == "brand" and kind == "string"
    for found in _all_candidates(name, kind, many, tree, metadata):
        if _PLACEHOLDER_SOURCE.search(found.source):
            # `[data-element-id='placeholder-vendor-name']`, `.empty-view-name`: a stand-in's element.
            continue
        values = [v for v in found.values if not (isinstance(v, str) and is_placeholder(v))]
        if brand and concept is not None:
            values = [b for v in values if (b := _brand_name(v, concept.labels)) is not None]
        if values:
            yield found if values == found.values else Found(values, found.source)


_PLACEHOLDER_SOURCE = re.compile(r"placeholder|\bempty\b|[-_]empty[-_]", re.IGNORECASE)
# `$metabrand`, `$name`: a template's variable left unfilled.
_TEMPLATE_VARIABLE = re.compile(r"^\$[A-Za-z_]\w*$")
# Words around a brand label in a menu link or a tab (`All Brands`, `From the Manufacturer`).
_BRAND_LINK_WORDS = frozenset({"all", "shop", "by", "our", "from", "the", "see", "more", "view", "top"})
_BRAND_WORDS = 6


def _brand_name(value: Any, brand_labels: frozenset[str]) -> Any:
    """A brand as a name: the name after a label inside the value (`See more of the brand: Roborock`),
    None for a menu link or a tab (`All Brands`, `From the Manufacturer`), a sentence, an unfilled
    template variable (`$metabrand`) or a date or number (`12/09`)."""
    if not isinstance(value, str):
        return value
    text = clean_text(value)
    head, colon, tail = text.rpartition(":")
    if colon and tail.strip() and any(head.casefold().endswith(label) for label in brand_labels):
        text = tail.strip()
    words = text.casefold().split()
    if (
        _TEMPLATE_VARIABLE.match(text)
        or len(words) > _BRAND_WORDS
        or all(w in _BRAND_LINK_WORDS or w in brand_labels or w.rstrip("s") in brand_labels for w in words)
        or len(_DIGIT.findall(text)) > len(_LETTERS_ANY.findall(text))
    ):
        return None
    return text


_LETTERS_ANY = re.compile(r"[^\W\d_]")


def _all_candidates(
    name: str, kind: str, many: bool, tree: LexborTree, metadata: PageMetadata
) -> Iterator[Found]:
    concept = concept_of(name)
    if concept is not None and concept.key == "description":
        # A description that only repeats the title (`.product-details__name`), or a detail of a few
        # words read from the page (`.product-details__price`, `ID: 0032429`), says nothing more.
        titles = {clean_text(str(t)).casefold() for t in (metadata.title, _heading_text(tree)) if t}
        for item in _description_candidates(name, kind, many, tree, metadata):
            text = clean_text(str(item.values[0]))
            if text.casefold() in titles:
                continue
            if _ON_PAGE.match(item.source) and len(_LETTERS.findall(text)) < 4:
                continue
            yield item
        return
    if concept is not None and concept.key == "image" and kind == "url" and not many:
        # A meta image named as the site's own (`/Images/share.png`, `default-og.jpg`, a logo) is the
        # same on every page: the product's picture on the page comes first.
        generic: list[Found] = []
        for item in from_structured(name, metadata):
            if item.source.startswith("meta:") and _site_image(str(item.values[0]), concept.negative):
                generic.append(item)
            else:
                yield item
        yield from from_page(name, kind, many, tree, metadata)
        yield from generic
        return
    if concept is not None and concept.key == "in_stock" and kind == "boolean" and not many:
        # A product sold in sizes or colours is in stock while one of them is: its first offer (or
        # the first variant's own Product) being sold out does not make the product so.
        if (any_offer := _any_variant_in_stock(metadata)) is not None:
            yield any_offer
    if concept is not None and concept.key == "sku" and kind == "string" and not many:
        yield from _product_code_first(name, kind, tree, metadata)
        return
    if concept is not None and concept.key == "price" and kind == "number" and not many:
        yield from _shown_price_first(name, kind, tree, metadata)
        return
    if not (concept is not None and concept.key == "title" and kind == "string" and not many):
        yield from from_structured(name, metadata)
        yield from from_page(name, kind, many, tree, metadata)
        return
    # A title: the structured name, then the page's `<h1>` before a meta title that holds it
    # (`og:title` and `<meta name=title>` often carry the site's name or are cut short).
    found = list(from_structured(name, metadata))
    yield from (f for f in found if not f.source.startswith("meta:"))
    heading = _heading_text(tree)
    metas = [f for f in found if f.source.startswith("meta:")]
    # The `<h1>` first when a meta title or the `<title>` repeats it: it is the page's subject.
    shown = [str(v) for f in metas for v in f.values] + [metadata.title or ""]
    if heading and any(_same_title(heading, v) for v in shown):
        yield Found([heading], _heading_tag(tree))
    yield from metas
    yield from from_page(name, kind, many, tree, metadata)


def _product_code_first(name: str, kind: str, tree: LexborTree, metadata: PageMetadata) -> Iterator[Found]:
    """A SKU's candidates, the shop's own code for the product first (identifiers.py): not a variant's
    code, not one only the markup holds where the page labels another, not a maker's number."""
    structured = list(from_structured(name, metadata))
    if structured and _shown(tree, str(structured[0].values[0])):
        # The markup's code is one the page shows its readers: taken without reading the page's
        # labels (most pages with structured data stop here).
        yield from structured
        yield from from_page(name, kind, False, tree, metadata)
        return
    every = chain(structured, from_page(name, kind, False, tree, metadata))
    found = list(islice(every, _CODES))
    shown = " ".join(text for _, _, text in labels.page_index(tree).texts)
    address = identifiers.address_codes((metadata.canonical, _text_tag(metadata, "og:url")))
    best = identifiers.product_code_first([(str(f.values[0]), f.source) for f in found], shown, address)
    yield from [found[best], *found[:best], *found[best + 1 :]] if found else []
    yield from every
    # None on the page: the code its own address ends with, where the page shows that code too.
    if code := identifiers.code_in_address((metadata.canonical, _text_tag(metadata, "og:url")), shown):
        yield Found([code], "url")


def _shown_price_first(name: str, kind: str, tree: LexborTree, metadata: PageMetadata) -> Iterator[Found]:
    """A price's candidates, the markup's first; but a meta tag's price the page shows nowhere (a
    shop's lowest variant price, a stale tag) gives way to a currency amount the page shows where
    it labels its price."""
    structured = list(from_structured(name, metadata))
    on_page = from_page(name, kind, False, tree, metadata)
    tagged = structured[0] if structured and structured[0].source.startswith("meta:") else None
    if tagged is not None and not _amount_shown(tree, tagged.values[0]):
        first = list(islice(on_page, _PRICES))
        shown = str(first[0].values[0]) if first else ""
        if CURRENCY_AMOUNT.search(shown) and _amount_shown(tree, shown):
            yield from chain(first, structured, on_page)
        else:
            yield from chain(structured, first, on_page)
        return
    yield from structured
    yield from on_page


_PRICES = 4


def _amount_shown(tree: LexborTree, value: Any) -> bool:
    """Whether an amount is among the numbers of the page's text, however it is written there
    (`16.90`, `16,90 €`, `$1,234.50`)."""
    try:
        amount = to_number(value)
    except CoercionError:
        return False
    return round(amount * 100) in _shown_amounts(tree)


def _shown_amounts(tree: LexborTree) -> frozenset[int]:
    """The numbers of the page's text in hundredths, read once a page (kept as long as it is)."""
    found = _AMOUNTS.get(tree)
    if found is not None:
        return found
    cents: set[int] = set()
    previous = ""
    for _, _, text in labels.page_index(tree).texts:
        for number in _NUMBERS.findall(text):
            # `$329<sup>99</sup>`: cents raised after the whole amount are two numbers in two texts.
            joined = f"{previous}.{number}" if len(number) == 2 and previous.isdigit() else None
            for reading in (number, joined) if joined else (number,):
                try:
                    # A run of hundreds of digits is no number (to_number refuses what is not finite).
                    cents.add(round(to_number(reading) * 100))
                except CoercionError:
                    continue
            previous = number
    found = _AMOUNTS[tree] = frozenset(cents)
    return found


_AMOUNTS: weakref.WeakKeyDictionary[LexborTree, frozenset[int]] = weakref.WeakKeyDictionary()


def _shown(tree: LexborTree, code: str) -> bool:
    """Whether the page's text (not its scripts) holds `code`: one pass in the parser, no index."""
    body = tree.parser.body
    if body is None or len(code) < _MIN_SHOWN:
        return False
    hidden = sum(node.text(deep=True).count(code) for node in body.css("script, style, template, noscript"))
    return body.text(deep=True, separator=" ").count(code) > hidden


_MIN_SHOWN = 3


def _text_tag(metadata: PageMetadata, name: str) -> str | None:
    value = metadata.tag(name)
    return value if isinstance(value, str) else None


def _any_variant_in_stock(metadata: PageMetadata) -> Found | None:
    """The in-stock availability of the page's product when its first offer is sold out but another
    offer of it, or another Product of the same name (a variant: each size its own item), is not."""
    states: list[tuple[bool, Any, str]] = []
    subject: Any = None
    for entity in metadata.entities():
        if is_frame(entity):
            continue
        name = _leaf(entity.get("name"))
        if subject is not None and name != subject:
            continue
        origin = "jsonld" if any(entity is e for e in metadata.json_ld) else "microdata"
        for path in ("offers.availability", "availability"):
            for value in (_leaf(v) for v in _dig(entity, path.split("."))):
                try:
                    states.append((to_boolean(value), value, f"{origin}:{path}"))
                except CoercionError:
                    continue
            if states:
                subject = name if subject is None else subject
                break
    if len(states) < 2 or states[0][0]:
        return None
    return next((Found([value], source) for state, value, source in states if state), None)


_SITE_IMAGE_WORDS = frozenset(
    {"share", "sharing", "default", "fallback", "og", "opengraph", "site", "brand", "background"}
)


def _site_image(url: str, negative: frozenset[str]) -> bool:
    """Whether an image's file name says it is the site's own (`share.png`, `logo.svg`, `default.jpg`)."""
    name = url.split("?")[0].rstrip("/").rsplit("/", 1)[-1]
    return not set(name_words(name)).isdisjoint(negative | _SITE_IMAGE_WORDS)


def _description_candidates(
    name: str, kind: str, many: bool, tree: LexborTree, metadata: PageMetadata
) -> Iterator[Found]:
    """Structured data first, then meta descriptions, then the page; but a meta description is
    often a shop's search snippet: cut short (the page's own text is the whole of it) or a pitch
    with prices in it ("Shop for X. Free shipping over $45"), where the page's prose comes first."""
    # A meta description that only repeats the title says nothing more.
    titles = {clean_text(str(t)).casefold() for t in (metadata.title, metadata.tag("og:title")) if t}
    seen: list[Found] | None = None

    def on_page() -> list[Found]:
        nonlocal seen
        if seen is None:
            seen = list(islice(from_page(name, kind, many, tree, metadata), _PAGE_DESCRIPTIONS))
        return seen

    for item in _about_the_product_first(list(from_structured(name, metadata)), tree, metadata):
        if not item.source.startswith("meta:"):
            yield item
            continue
        text = clean_text(str(item.values[0]))
        if text.casefold() in titles:
            continue
        # Compared letters only: the snippet runs blocks together (`Treatment PackFor use`) that the
        # page shows apart.
        letters = _squash(text)
        for found in on_page():
            page_letters = _squash(str(found.values[0]))
            if len(page_letters) > len(letters) and page_letters.startswith(letters):
                yield found
        if _MONEY.search(text):
            heading = _heading_text(tree)
            yield from (f for f in on_page() if not _not_prose(str(f.values[0]), heading))
        yield item
    yield from from_page(name, kind, many, tree, metadata)


def _about_the_product_first(found: list[Found], tree: LexborTree, metadata: PageMetadata) -> list[Found]:
    """A meta description that names the site and nothing of the page's title is the site's own blurb
    ("Monster Pet Supplies are the friendly online pet store ..."): another meta description that
    names the product comes first."""
    metas = [f for f in found if f.source.startswith("meta:")]
    if len(metas) < 2:
        return found
    titles = " ".join(t for t in (page_title(metadata), _heading_text(tree)) if t)
    words = _content_words(titles)
    blurbs = [
        f
        for f in metas
        if not (_content_words(str(f.values[0])) & words) and _names_site(str(f.values[0]), metadata)
    ]
    if not blurbs or len(blurbs) == len(metas):
        return found
    return [f for f in found if f not in blurbs] + blurbs


def _names_site(text: str, metadata: PageMetadata) -> bool:
    """Whether a text names the site: its name (`og:site_name`) or its host's name, however spaced
    (`Monster Pet Supplies` for monsterpetsupplies.co.uk)."""
    names = [
        str(v) for v in (metadata.tag("og:site_name"), metadata.tag("application-name")) if isinstance(v, str)
    ]
    for url in (metadata.canonical, metadata.tag("og:url")):
        if isinstance(url, str) and (parts := split_url(url)) is not None and (host := parts.hostname):
            names.append(max(host.removeprefix("www.").split("."), key=len))
    squashed = _squash(text)
    return any(len(name) >= 4 and name in squashed for name in map(_squash, names))


def _squash(text: str) -> str:
    return "".join(_LETTERS.findall(text.casefold()))


# Words too common in titles and shop blurbs alike to tie a description to the product.
_COMMON_WORDS = frozenset(
    {"from", "with", "this", "that", "your", "their", "shop", "store", "online", "free", "delivery",
     "shipping", "best", "price", "prices", "sale", "official", "site", "website", "home"}
)  # fmt: skip


def _content_words(text: str) -> set[str]:
    """Words of four letters or more that say what a text is about (`Johnsons`, `Kittens`)."""
    return {w for w in (m.casefold() for m in _LETTERS.findall(text)) if len(w) >= 4} - _COMMON_WORDS


def _heading_text(tree: LexborTree) -> str:
    """The page's `<h1>`; where it holds a title and more in elements of their own
    (`<span>Book Title</span><span>Hardcover, 4 Feb.</span>`) and the `<title>` names the first, that
    one. A heading in one piece is whole: the `<title>` is often the shorter of the two."""
    node, title = labels.page_heading(tree)
    heading = clean_text(node.text(deep=True, separator=" ")) if node is not None else ""
    if node is None or not heading or not title or heading.casefold() in title.casefold():
        return heading
    parts = [text for child in node.iter() if (text := clean_text(child.text(deep=True, separator=" ")))]
    if len(parts) >= 2 and len(parts[0]) >= 3 and parts[0].casefold() in title.casefold():
        return parts[0]
    return heading


def _heading_tag(tree: LexborTree) -> str:
    """Where the title heading was found: `h1`, or on a page without one the `h2`/`h3` it has."""
    node, _ = labels.page_heading(tree)
    return str(node.tag) if node is not None else "h1"


def _same_title(heading: str, title: str) -> bool:
    """True when a meta title is the heading with more around it, or the heading cut short."""
    a, b = heading.casefold(), clean_text(title).casefold()
    first = _TITLE_SEPARATORS.split(b)[0].rstrip(".… ")
    return len(a) >= 3 and (a in b or (len(first) >= 20 and a.startswith(first)))


def from_structured(name: str, metadata: PageMetadata) -> Iterator[Found]:
    """Values of field `name` in JSON-LD/microdata, then OpenGraph/meta."""
    key = name.lower()
    concept = concept_of(name)
    canonical = concept.key if concept is not None and concept.key in PATHS else key
    paths = tuple(dict.fromkeys((*PATHS.get(key, PATHS.get(canonical, ())), name, _camel(name))))
    for entity in metadata.entities():
        origin = "jsonld" if any(entity is e for e in metadata.json_ld) else "microdata"
        for path in paths:
            values = [v for v in (_leaf(x) for x in _dig(entity, path.split("."))) if v not in (None, "")]
            if values:
                yield Found(values, f"{origin}:{path}")
    tags = TAGS.get(key, TAGS.get(canonical, ()))
    for tag in dict.fromkeys((*tags, f"og:{key}", f"product:{key}", key)):
        value = metadata.tag(tag)
        if value not in (None, ""):
            yield Found(value if isinstance(value, list) else [value], f"meta:{tag}")


def from_page(name: str, kind: str, many: bool, tree: LexborTree, metadata: PageMetadata) -> Iterator[Found]:
    """Values of field `name` where people see them: the title, labels, named elements, and the
    description, price, stock and picture near the title."""
    key = name.lower()
    root = tree.root
    concept = concept_of(name)
    ckey = concept.key if concept is not None else key
    if (ckey == "title" or key in ("title", "name", "headline")) and not many:
        if text := _heading_text(tree):
            yield Found([text], _heading_tag(tree))
        if title := page_title(metadata):
            yield Found([title], "title")
    if many:
        yield from _from_names(key, kind, root)
        return
    refused = concept.labels if concept is not None else frozenset()
    if ckey not in ("description", "currency"):
        # `.price`, `#sku`, `[itemprop=brand]`: one query, and most pages need no more.
        quick = labels.quick_hits(name, kind, tree)
        if ckey == "price":
            negative = concept.negative if concept is not None else frozenset()
            quick = [h for h in quick if _plain_price(h.value, negative)]
        yield from _found(quick, kind, ckey, refused)
    index = labels.page_index(tree)
    negative = concept.negative if concept is not None else frozenset()
    if ckey == "currency":
        for hit in _ranked(
            _price_hits("price", "number", index, negative) + _near_title("price", kind, index)
        ):
            if code := currency_code(str(hit.value)):
                yield Found([code], hit.source)
                return
        return
    named = _price_hits(name, kind, index, negative) if ckey == "price" else _hits(name, kind, index)
    if ckey == "brand":
        # A brand named in the page's chrome (a menu's `Shop all brands`, a footer's list) is not the
        # product's: none is better than that. (Its buy box, often named `cart`, is not chrome.)
        named = [(rank, hit) for rank, hit in named if hit.node is None or not labels.in_chrome(hit.node)]
    # What a label or a name announces comes first; the guesses near the title are made only when
    # none of it converts (most pages stop before), then the rest (outside the product's area).
    first = [(rank, hit) for rank, hit in named if rank[0] == 0 and rank[1] < 2]
    later = [(rank, hit) for rank, hit in named if not (rank[0] == 0 and rank[1] < 2)]
    yield from _found(_ranked(first), kind, ckey, refused)
    yield from _found(_ranked(_near_title(ckey, kind, index) + later), kind, ckey, refused)


def _found(hits: list[labels.Hit], kind: str, ckey: str, refused: frozenset[str]) -> Iterator[Found]:
    for hit in hits:
        value = hit.value
        if kind == "boolean" and isinstance(value, str) and (state := stock_state(value)) is not None:
            value = state
        if isinstance(value, str):
            # A label read as its own value ("Brand"), or an identifier without a digit, is no value.
            value = _strip_label(visible(value).strip(), refused)
            if ckey in ("brand", "author"):
                # `by Acme`, `von Krug & Co`: the word before a maker's name is not part of it.
                head, _, rest = value.partition(" ")
                value = rest.strip() if head in BY_WORDS and rest.strip() else value
            if ckey == "price":
                value = _amount_text(value)
            if not value or (ckey == "sku" and not _IDENTIFIER.match(value)):
                continue
            # An inline `data:` stand-in is no address of a picture.
            if kind == "url" and value.startswith("data:"):
                continue
        yield Found([value], hit.source)


# `$8.99 8 . 99` (a price for screen readers, then the same split for the eye): its first amount.
_CENTS_AMOUNT = re.compile(r"(?:[$€£¥]\s?)?\d{1,3}(?:[,.\u00a0 ]\d{3})*[.,]\d{2}(?!\d)(?:\s?[$€£¥])?")
# `$ 174 99`: the cents raised after the whole amount (`$174<sup>99</sup>`).
_RAISED_CENTS = re.compile(r"^([$€£¥])\s?(\d{1,3}(?:,\d{3})*|\d+)\s(\d{2})(?!\d)")


def _amount_text(text: str) -> str:
    """A price text cut to the amount a reader takes from it, when it holds more than one number."""
    if (raised := _RAISED_CENTS.match(text)) is not None:
        return f"{raised.group(1)}{raised.group(2)}.{raised.group(3)}"
    if len(_NUMBERS.findall(text)) > 1 and (amount := _CENTS_AMOUNT.search(text)) is not None:
        return amount.group(0)
    return text


_NUMBERS = re.compile(r"\d+(?:[.,]\d+)*")


def _hits(name: str, kind: str, index: labels.PageIndex) -> list[tuple[tuple[int, ...], labels.Hit]]:
    """Every labelled or named place of field `name`, ranked: (away from the subject, tier, after the
    title, ..., position)."""
    concept = concept_of(name)
    ckey = concept.key if concept is not None else ""
    out: list[tuple[tuple[int, ...], labels.Hit]] = []
    extra = (
        labels.label_hits(name, kind, index, identifiers.label_keys(index.labels)) if ckey == "sku" else []
    )
    for hit in labels.label_hits(name, kind, index) + extra:
        away, where, position = hit.rank
        out.append(((away, 0, where, position), hit))
    for hit in labels.named_hits(name, kind, index):
        away, rank, order, exact, where, position = hit.rank
        out.append(((away, 0 if rank == 0 else 1, where, order, exact, position), hit))
    if ckey == "description":
        # A description is prose: a short value ("Solid Wood") is a detail, and one that starts with
        # the title or holds a price is the whole product box; both come after the paragraph. An
        # element read as many short texts (a table of specifications, a buy box: `Brand AFA
        # Material Steel`, `New In Stock Add to Cart`) is no description at all.
        heading = _index_heading(index)
        negative = concept.negative if concept is not None else frozenset()
        out = [
            ((rank[0], 3 if _not_prose(str(hit.value), heading) else rank[1], *rank[2:]), hit)
            for rank, hit in out
            if hit.node is None or labels.reads_as_prose(hit.node, negative)
        ]
    return out


def _near_title(ckey: str, kind: str, index: labels.PageIndex) -> list[tuple[tuple[int, ...], labels.Hit]]:
    """Guesses from the page around its title: a paragraph, a currency amount, a stock phrase, a picture."""
    out: list[tuple[tuple[int, ...], labels.Hit]] = []
    if ckey == "description":
        for hit in labels.paragraph_after_title(index):
            # A paragraph after the title may name the product first ("Blue Mug is ..."): it comes
            # after the `<h1>`, so it is not the product box that holds it.
            out.append(((0, 3 if _not_prose(str(hit.value), "") else 2, *hit.rank), hit))
    elif ckey in ("price", "currency"):
        concept = concept_of("price")
        negative = concept.negative if concept is not None else frozenset()
        out.extend(((0, 2, 0, *hit.rank), hit) for hit in labels.price_near_title(index, negative))
    elif ckey == "brand" and kind == "string":
        out.extend(((0, 2, *hit.rank), hit) for hit in labels.brand_near_title(index))
    elif ckey == "in_stock" and kind == "boolean":
        out.extend(((0, 2, *hit.rank), hit) for hit in labels.stock_near_title(index))
    elif kind == "url" and (ckey == "image" or ckey in IMAGE_NAMES):
        for hit in labels.image_near_title(index):
            away, where, position = hit.rank
            out.append(((away, 2, where, position), hit))
    return out


def _index_heading(index: labels.PageIndex) -> str:
    return clean_text(index.heading.text(deep=True, separator=" ")) if index.heading is not None else ""


def _not_prose(text: str, heading: str) -> bool:
    """A detail, or the whole product box (it starts with the title or holds a price)."""
    return (
        len(text) < 60 or bool(heading and text.startswith(heading)) or _MONEY.search(text[:200]) is not None
    )


def _price_hits(
    name: str, kind: str, index: labels.PageIndex, negative: frozenset[str]
) -> list[tuple[tuple[int, ...], labels.Hit]]:
    """Prices named or labelled as such that are not percentages or marked as old ("Was: $20")."""
    out: list[tuple[tuple[int, ...], labels.Hit]] = []
    for rank, hit in _hits(name, kind, index):
        text = str(hit.value)
        if rank[0] and hit.node is not None and labels.in_chrome(hit.node):
            # A price in related products, a carousel or the menu is another product's: a page whose
            # own price is not shown has none (an empty price, not a neighbour's).
            continue
        if isinstance(hit.value, (int, float)):
            out.append(((*rank[:2], 0, *rank[2:]), hit))
        elif "%" not in text and not _marked_not_current(text, negative):
            # A currency amount beats a bare number (a count, an id); text without a number ("call
            # us") or with a number no price is written as (a phone number, `0113 277 0634`) comes
            # last, so that it explains a missing price rather than hiding a real one.
            grade = (
                9
                if _offer_wording(text)
                else 0
                if CURRENCY_AMOUNT.search(text)
                else 1
                if _DIGIT.search(text) and not _NOT_AN_AMOUNT.search(text)
                else 9
            )
            out.append(((rank[0] if grade < 9 else 9, *rank[1:2], grade, *rank[2:]), hit))
    return out


def _strip_label(value: str, refused: frozenset[str]) -> str:
    """The value without a label read with it (`Brand Name by Acme` -> `Acme`); "" if only a label."""
    words = value.split()
    for n in (4, 3, 2, 1):
        if len(words) >= n and normalize_label(" ".join(words[:n])) in refused:
            rest = words[n:]
            while rest and rest[0].casefold().strip(":") in _CONNECTORS:
                rest = rest[1:]
            return " ".join(rest)
    return value


_CONNECTORS = CONNECTORS | {":", "-", "#"}


def _plain_price(value: Any, negative: frozenset[str]) -> bool:
    """A currency amount or a number, not a percentage and not marked as old."""
    if isinstance(value, (int, float)):
        return True
    text = str(value)
    return (
        "%" not in text
        and _DIGIT.search(text) is not None
        and not _marked_not_current(text, negative)
        and not _offer_wording(text)
    )


def _offer_wording(text: str) -> bool:
    """An offer put in words with several numbers (`Buy 2 boxes: 819 a box, 35 a can, save $522`): the
    number it starts with is a quantity, and the price is read better elsewhere."""
    return (
        len(_NUMBERS.findall(text)) > 2
        and _CENTS_AMOUNT.match(text) is None
        and _LETTERS.search(text) is not None
    )


def _marked_not_current(text: str, negative: frozenset[str]) -> bool:
    """`Was: $34.99`, `UVP 20 €`, `Regular price $179.99`: words before the amount say it is not it."""
    head = _DIGIT.split(text, maxsplit=1)[0]
    # `$25 off`, `10 € Rabatt`: the word after the amount says it is a saving.
    tail = _AFTER_AMOUNT.search(text)
    return labels.marks(set(name_words(head)), negative) or (
        tail is not None and tail.group(1).casefold() in _SAVING_AFTER
    )


_AFTER_AMOUNT = re.compile(r"\d(?:\s?[$€£¥%])?\s+([^\W\d_]+)")
_SAVING_AFTER = frozenset({"off", "rabatt", "korting", "sconto", "remise", "descuento", "desconto"})


def _ranked(hits: list[tuple[tuple[int, ...], labels.Hit]]) -> list[labels.Hit]:
    seen: set[tuple[str, str]] = set()
    ranked: list[labels.Hit] = []
    for _, hit in sorted(hits, key=lambda pair: pair[0]):
        key = (str(hit.value), hit.source)
        if key not in seen:
            seen.add(key)
            ranked.append(hit)
    return ranked


def _from_names(key: str, kind: str, root: Any) -> Iterator[Found]:
    """A list field: the links or items of an element whose itemprop, class or id names it."""
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
                children = node.css("a, li")
                if len(children) > 1:
                    values.extend(clean_text(c.text(deep=True, separator=" ")) for c in children)
                else:
                    values.append(_node_value(node, kind))
            values = [v for v in values if v not in (None, "")]
            if values:
                yield Found(values, f"css:{selector}")
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
