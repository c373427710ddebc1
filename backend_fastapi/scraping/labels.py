"""Where people label values on a page: one pass over its nodes, then look-ups per field.

The index is built once per page, and only when a field without a selector was not found in the
page's structured data or meta tags. It records, in document order, short texts that may be labels
(`Price:`, `<dt>Brand</dt>`, `<th>SKU</th>`, `<strong>Colour:</strong>`), the words of every class,
id, itemprop and data-* name (`product-price__now` -> product, price, now), the first `<h1>`,
paragraphs and images. Candidates are ranked by what a reader would trust: the product's own area
(after its title, outside navigation, footers and "related products"), and never a struck-through or
"was" price.
"""

from __future__ import annotations

import re
import unicodedata
import weakref
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any
from urllib.parse import parse_qsl, unquote

from backend_fastapi.scraping.dom import LexborTree, clean_text, image_source
from backend_fastapi.scraping.urlnorm import split_url
from backend_fastapi.scraping.vocabulary import (
    CONNECTORS,
    CURRENCY_AMOUNT,
    MAKER_PATHS,
    SHOP_PATHS,
    concept_of,
    field_labels,
    field_words,
    is_placeholder,
    name_words,
    normalize_label,
    stock_state,
    visible,
)

# The tags a page's title heading may have (an `<h2>` or `<h3>` only on a page without an `<h1>`).
_HEADINGS_TAGS = frozenset({"h1", "h2", "h3"})
_SKIP_TEXT = frozenset({"script", "style", "noscript", "template", "title", "option", "select", "textarea",
                        "svg", "head"})  # fmt: skip
# Texts inside these are read for stock phrases ("Add to cart") but are never labels.
_NOT_LABELS = frozenset({"button", "a", "option", "h1"})
_STRUCK = frozenset({"del", "s", "strike"})
# Containers whose content is not the page's subject.
_AWAY_TAGS = frozenset({"nav", "footer", "aside", "dialog"})
_AWAY_WORDS = frozenset(
    {"related", "recommend", "recommended", "recommendations", "similar", "upsell", "crosssell", "cross",
     "also", "viewed", "recently", "carousel", "footer", "nav", "navbar", "menu", "breadcrumb",
     "breadcrumbs", "sidebar", "cart", "minicart", "basket", "newsletter", "cookie", "modal", "popup",
     "compare", "bundle", "accessories", "sponsored", "ad", "ads", "reviews", "review", "comments", "consent",
     "privacy", "gdpr", "dialog", "overlay", "banner", "promo", "announcement", "popover"}
)  # fmt: skip
# Page chrome: an `<h1>` or an "Add to cart" inside these is not the product's.
_CHROME_WORDS = frozenset(
    {"consent", "cookie", "cookies", "gdpr", "privacy", "modal", "dialog", "popup", "nav", "navbar", "menu",
     "footer", "newsletter", "related", "recommend", "recommended", "recommendations", "similar", "carousel",
     "sponsored", "recently", "viewed", "popover", "overlay"}
)  # fmt: skip
# Words that mark a whole block as an old price, however deep its number sits.
_OLD = frozenset({"old", "was", "regular", "original", "strike", "strikethrough", "crossed", "rrp", "msrp",
                  "uvp", "previous", "oldprice", "wasprice"})  # fmt: skip
_LABEL_MAX = 40
_NAME_VALUE = re.compile(r"^[A-Za-z][A-Za-z0-9]*(?:[-_][A-Za-z0-9]+)+$|^[a-z]+[A-Z][A-Za-z]+$")
_IMAGE_URL = re.compile(r"\.(?:jpe?g|png|webp|gif|avif)(?:$|[?#])|/images?/", re.I)
_LABEL_NUMBER = re.compile(r"^([^\d$€£¥:#]{2,30}?)(?:\s+#?\s*|\s*#\s*)((?:[$€£¥]|\d).*)$")
_VALUE_MAX = 300
_INDEXES: weakref.WeakKeyDictionary[LexborTree, PageIndex] = weakref.WeakKeyDictionary()
_HEADINGS: weakref.WeakKeyDictionary[LexborTree, tuple[Any, str]] = weakref.WeakKeyDictionary()
_PLAIN_NAME = re.compile(r"^[a-z][a-z0-9_-]*$")


@dataclass
class Named:
    """An element whose class, id, itemprop or data-* name carries words."""

    position: int
    node: Any
    kind: str  # class, id, itemprop, data
    name: str  # the class, id, itemprop or attribute name as written
    words: tuple[str, ...]


@dataclass
class Label:
    """A short text that may label a value: `Price:`, `Brand`, or `Price: $9.99` (with `rest`)."""

    position: int
    node: Any  # the text node
    text: str  # as on the page, without the colon
    rest: str  # what follows the colon in the same text


@dataclass
class PageIndex:
    """What one pass over a page's nodes found (see the module docstring)."""

    named: dict[str, list[Named]] = field(default_factory=dict)
    labels: dict[str, list[Label]] = field(default_factory=dict)
    texts: list[tuple[int, Any, str]] = field(default_factory=list)
    paragraphs: list[tuple[int, Any]] = field(default_factory=list)
    images: list[tuple[int, Any]] = field(default_factory=list)
    headings: list[tuple[int, Any]] = field(default_factory=list)
    h1: int = -1
    heading: Any = None
    title: str = ""
    joined: dict[str, list[str]] = field(default_factory=dict)


def page_index(tree: LexborTree) -> PageIndex:
    """The page's index, built on first use and kept as long as the parsed page."""
    index = _INDEXES.get(tree)
    if index is None:
        index = _INDEXES[tree] = build_index(tree)
    return index


def build_index(tree: LexborTree) -> PageIndex:
    """Index a parsed page in one pass over its nodes."""
    index = PageIndex()
    body = tree.parser.body or tree.root
    if body is None:
        return index
    named, labels = index.named, index.labels
    for position, node in enumerate(body.traverse(include_text=True)):
        tag = node.tag
        if tag == "-text":
            raw = node.text_content
            if not raw or raw.isspace():
                continue
            parent = node.parent
            if parent is None or parent.tag in _SKIP_TEXT:
                continue
            text = clean_text(raw)
            index.texts.append((position, node, text))
            if parent.tag in _NOT_LABELS:
                continue
            # `品牌\uff1aSony`: CJK pages write the colon full width (U+FF1A).
            head, colon, rest = text.replace("\uff1a", ":").partition(":")
            if colon and len(head) <= _LABEL_MAX and "//" not in rest[:2]:
                # `Brand \u200f:\u200e`: direction marks around the colon are no value.
                head, rest = visible(head), visible(rest)
                key = normalize_label(head)
                labels.setdefault(key, []).append(Label(position, node, head.strip(), rest.strip()))
            elif len(text) <= _LABEL_MAX:
                key = normalize_label(text)
                labels.setdefault(key, []).append(Label(position, node, text.rstrip(" :*"), ""))
                # `Price $9.99`, `SKU 12345`: a label and a number in one text without a colon.
                if (split := _LABEL_NUMBER.match(text)) is not None:
                    head = split.group(1)
                    labels.setdefault(normalize_label(head), []).append(
                        Label(position, node, head.strip(), split.group(2))
                    )
            continue
        if tag == "-comment":
            continue
        attrs = node.attributes
        if tag in _HEADINGS_TAGS:
            index.headings.append((position, node))
        elif tag == "p":
            index.paragraphs.append((position, node))
        elif tag == "img":
            index.images.append((position, node))
        if not attrs:
            continue
        for attr, value in attrs.items():
            if attr == "class" and value:
                for name in value.split():
                    _add_named(named, Named(position, node, "class", name, name_words(name)))
            elif attr in ("id", "itemprop") and value:
                _add_named(named, Named(position, node, attr, value, name_words(value)))
            elif attr.startswith("data-") and value and len(value) <= _VALUE_MAX:
                _add_named(named, Named(position, node, "data", attr, name_words(attr[5:])))
                # Test hooks name elements as classes do: data-testid="product-price", data-cy="brand-name".
                if _NAME_VALUE.match(value) and not value.isdigit():
                    _add_named(named, Named(position, node, "hook", f"{attr}={value}", name_words(value)))
    heading, index.title = page_heading(tree)
    if heading is not None:
        index.heading = heading
        index.h1 = next((p for p, node in index.headings if node.mem_id == heading.mem_id), -1)
    return index


def page_heading(tree: LexborTree) -> tuple[Any, str]:
    """The page's title heading and `<title>`: the first `<h1>` outside cookie banners, dialogs and
    navigation, and of those the first that the `<title>` repeats ("Follow the author" is an `<h1>`
    too). Found with one query, without indexing the page."""
    found = _HEADINGS.get(tree)
    if found is not None:
        return found
    root = tree.root
    title_node = root.css_first("title") if root is not None else None
    title = clean_text(title_node.text()) if title_node is not None else ""
    page_title = title.casefold()
    chosen: Any = None
    for node in root.css("h1") if root is not None else []:
        text = clean_text(node.text(deep=True, separator=" ")).casefold()
        if not text or _context(node, frozenset(), _CHROME_WORDS)[1]:
            continue
        if text in page_title or (len(text) >= 15 and page_title.startswith(text[:15])):
            chosen = node
            break
        chosen = chosen if chosen is not None else node
    if chosen is None and len(page_title) >= 3 and root is not None:
        # No `<h1>`: the first `<h2>` or `<h3>` that the `<title>` begins with names the page's subject
        # (`<title>Villa Galaxy - Ferienvilla in Florida` and `<h2>Villa Galaxy</h2>`).
        for node in root.css("h2, h3"):
            text = clean_text(node.text(deep=True, separator=" ")).casefold()
            if (
                len(text) >= 3
                and page_title.startswith(text)
                and not _context(node, frozenset(), _CHROME_WORDS)[1]
            ):
                chosen = node
                break
    found = _HEADINGS[tree] = (chosen, title)
    return found


@lru_cache(maxsize=512)
def _quick_selector(name: str) -> tuple[tuple[str, ...], str]:
    """The class, id and itemprop names `quick_hits` looks for, and one selector for all of them."""
    own = name_words(name)
    words = [w[0] for w in field_words(name) if len(w) == 1]
    names = tuple(
        n for n in dict.fromkeys(["-".join(own), "_".join(own), *words]) if n and _PLAIN_NAME.match(n)
    )
    return names, ", ".join(f".{n}, #{n}, [itemprop='{n}']" for n in names)


def quick_hits(name: str, kind: str, tree: LexborTree) -> list[Hit]:
    """Elements whose class, id or itemprop is exactly the field's name or one of its concept's words
    (`.price`, `#sku`, `[itemprop=brand]`), found with one query before the page is indexed; only
    those inside the product's area and not marked as old."""
    names, selector = _quick_selector(name)
    if not selector or tree.root is None:
        return []
    concept = concept_of(name)
    negative = concept.negative if concept else frozenset()
    hits: list[Hit] = []
    for node in tree.root.css(selector):
        attrs = node.attributes
        kind_of = (
            "itemprop" if attrs.get("itemprop") in names else "id" if attrs.get("id") in names else "class"
        )
        label = (
            attrs.get(kind_of)
            if kind_of != "class"
            else next((c for c in str(attrs.get("class") or "").split() if c in names), names[0])
        )
        entry = Named(0, node, kind_of, str(label), name_words(str(label)))
        value = _named_value(entry, kind, negative)
        if value in (None, "") or (isinstance(value, str) and is_placeholder(value)):
            continue
        bad, away = _context(node, negative)
        if bad or away or _negative_named(node, negative):
            continue
        hits.append(Hit(value, _describe(entry), (0,)))
    return hits


def _add_named(named: dict[str, list[Named]], entry: Named) -> None:
    words = entry.words
    for word in words if len(words) == 1 else set(words):
        if word in named:
            named[word].append(entry)
        else:
            named[word] = [entry]


@dataclass(frozen=True)
class Hit:
    """One value found for a field: the raw value, its source, and how much it is trusted."""

    value: Any
    source: str
    rank: tuple[int, ...]
    # The element the value was read from, where one is (named elements): a description checks it
    # reads as prose.
    node: Any = field(default=None, compare=False)


def _ancestors(node: Any, limit: int = 12) -> Iterator[Any]:
    parent = node.parent
    while parent is not None and limit > 0 and parent.tag not in ("body", "html", "-document"):
        yield parent
        parent = parent.parent
        limit -= 1


def _context(
    node: Any, negative: frozenset[str], away_words: frozenset[str] = _AWAY_WORDS
) -> tuple[bool, bool]:
    """(struck or negative: a look-alike that is not the value, away: outside the subject's area)."""
    bad = node.tag in _STRUCK
    away = False
    for depth, parent in enumerate(_ancestors(node)):
        tag = parent.tag
        if tag in _STRUCK:
            bad = True
        elif tag in _AWAY_TAGS:
            away = True
        attrs = parent.attributes
        names = " ".join(str(attrs.get(a) or "") for a in ("class", "id"))
        if names.strip():
            words = set(name_words(names))
            # `.old-price > .price-container > .price-wrapper > .price`: an old price wraps deep.
            if negative and (marks(words, negative) if depth < 2 else depth < 5 and words & _OLD):
                bad = True
            if words & away_words and not (words & _TABS and not (words & away_words) - _TAB_MENUS):
                away = True
    return bad, away


# A product's tabs (`tab-menu--product`, `tabs-nav`) hold its own description and details.
_TABS = frozenset({"tab", "tabs"})
_TAB_MENUS = frozenset({"menu", "nav", "navigation"})


def in_chrome(node: Any) -> bool:
    """Whether an element sits in the page's chrome: navigation, menus, footers, dialogs, related
    products (not the buy box, which shops often name `cart`)."""
    return _context(node, frozenset(), _CHROME_WORDS)[1]


def _where(position: int, index: PageIndex) -> int:
    """0 after the page's title (the subject's area), 1 before it or when there is none."""
    return 0 if index.h1 >= 0 and position >= index.h1 else 1


def _own_text(node: Any, negative: frozenset[str], limit: int = 4000) -> str:
    """An element's text without struck-through or negative-named parts (`<del>$20</del> $15` -> $15),
    read up to about `limit` characters."""
    if node.tag == "-text":
        return clean_text(node.text_content or "")
    return clean_text(" ".join(_collect(node, negative, limit)))


def _collect(node: Any, negative: frozenset[str], budget: int) -> list[str]:
    """The texts under `node` in document order, about `budget` characters, without the parts
    `_own_text` leaves out; iterative, as a page may nest elements thousands deep."""
    parts: list[str] = []
    pending = [node.first_child]
    while pending and budget > 0:
        child = pending.pop()
        if child is None:
            continue
        pending.append(child.next)
        tag = child.tag
        if tag == "-text":
            text = child.text_content or ""
            parts.append(text)
            budget -= len(text)
        elif not (
            tag in _STRUCK or tag in _SKIP_TEXT or tag == "-comment" or _negative_named(child, negative)
        ):
            pending.append(child.first_child)
    return parts


# `price-including-tax`, `Inkl. MwSt`, `prix TTC`, `price-excluding-tax`, `bez DPH`: a price with or
# without its tax is a price (a page showing both puts the one its buyers pay first); only a tax on
# its own (`tax`, `vat-amount`) is not the price.
_TAX_WORDS = frozenset({"tax", "vat"})
_WITH_OR_WITHOUT = frozenset(
    {"incl", "inkl", "including", "inclusive", "inc", "ttc", "incluido", "incluso", "inclusief"}
    | {"excl", "exkl", "excluding", "exclusive", "exklusive", "zzgl", "ht", "exclusief", "ex", "net", "netto"}
)


def marks(words: set[str] | frozenset[str], negative: frozenset[str]) -> bool:
    """Whether name words carry a word that marks a look-alike (`old`, `was`, `tax`), a tax
    with `including` or `excluding` beside it excepted."""
    hit = words & negative
    return bool(hit) and not (hit <= _TAX_WORDS and not words.isdisjoint(_WITH_OR_WITHOUT))


def _negative_named(node: Any, negative: frozenset[str]) -> bool:
    if not negative:
        return False
    attrs = node.attributes
    names = " ".join(str(attrs.get(a) or "") for a in ("class", "id"))
    return bool(names.strip()) and marks(set(name_words(names)), negative)


def label_hits(name: str, kind: str, index: PageIndex, keys: Iterable[str] | None = None) -> list[Hit]:
    """Values announced by a label for field `name` (`Price: $9.99`, `<dt>Brand</dt><dd>...`); `keys`
    instead of the field's labels where given."""
    concept = concept_of(name)
    negative = concept.negative if concept else frozenset()
    hits: list[Hit] = []
    for key in field_labels(name) if keys is None else keys:
        announced = index.labels.get(key)
        if not announced:
            continue
        found: list[Hit] = []
        for label in announced:
            value = label.rest or _value_after(
                label.node,
                negative,
                long=kind == "string",
                announced=any(c in (label.node.text_content or "") for c in ":\uff1a"),
            )
            if not value or is_placeholder(value) or normalize_label(value) == key:
                continue
            bad, away = _context(label.node, negative)
            if bad:
                continue
            found.append(
                Hit(value, f"label:{label.text}", (away, _where(label.position, index), label.position))
            )
        if len({hit.value for hit in found}) >= _LISTED:
            # The same label with a different value each time is a list of other items (`Price:` under
            # each of a listing's villas): none of them is first.
            found = [Hit(hit.value, hit.source, (True, *hit.rank[1:])) for hit in found]
        hits.extend(found)
    return hits


# How many different values one label must announce to be a list of other items.
_LISTED = 3


def _value_after(text_node: Any, negative: frozenset[str], long: bool, announced: bool = False) -> str:
    """The value that follows a label: the rest of its element, else the next sibling of the label's
    element (`<dd>`, `<td>`, the text after `</strong>`), climbing at most three levels."""
    node = text_node
    for _ in range(4):
        value = _following(node, negative, long, announced)
        if value:
            return value
        parent = node.parent
        if parent is None or parent.tag in ("body", "html", "li", "tr", "dl", "ul", "table", "form"):
            return ""
        # Climb only while the label is all its element says (`<th><span>SKU</span></th>`).
        if len(clean_text(parent.text(deep=True, separator=" "))) > _LABEL_MAX + 2:
            return ""
        node = parent
    return ""


def _following(node: Any, negative: frozenset[str], long: bool, announced: bool = False) -> str:
    parts: list[str] = []
    sibling = node.next
    while sibling is not None:
        tag = sibling.tag
        if tag == "-text":
            text = clean_text(sibling.text_content or "").lstrip(": ")
            if text and text.casefold() not in _CONNECTORS:
                parts.append(text)
        elif (
            tag in _STRUCK
            or tag in _SKIP_TEXT
            or (tag == "br" and not parts)
            or _negative_named(sibling, negative)
        ):
            pass
        elif tag == "br":
            break
        elif not parts:
            if (
                not announced
                and node.tag == tag
                and (tag in ("li", "dt") or _first_class(node) == _first_class(sibling) != "")
            ):
                # `<li>Overview</li><li>Details</li>`: a row of tabs or labels, not a label and its value;
                # a label with a colon announces what follows, even dressed alike (`<b>SKU:</b><b>12</b>`).
                return ""
            text = _own_text(sibling, negative, 4000 if long else _VALUE_MAX + 1)
            if text:
                parts.append(text)
                break
        else:
            break
        sibling = sibling.next
    value = clean_text(" ".join(parts))
    return value if long or len(value) <= _VALUE_MAX else ""


def _first_class(node: Any) -> str:
    return (str(node.attributes.get("class") or "").split() or [""])[0]


_CONNECTORS = CONNECTORS | {"-", "\u2013", "\u2014", "|"}


def named_hits(name: str, kind: str, index: PageIndex) -> list[Hit]:
    """Values of elements whose class, id, itemprop or data-* name carries the field's words."""
    concept = concept_of(name)
    negative = concept.negative if concept else frozenset()
    hits: list[Hit] = []
    seen: set[tuple[int, str]] = set()
    titles = concept is not None and concept.key == "title"
    for rank, words in enumerate(field_words(name)):
        for entry in _entries(index, words):
            if titles and entry.kind in ("data", "hook"):
                continue
            # data-price, data-product-sku: the attribute's name ends with the field's word.
            if entry.kind == "data" and entry.words[-len(words) :] != words:
                continue
            extra = set(entry.words) - set(words)
            # Its own other names count too: `<span data-price-amount class="old-price">`.
            if marks(extra, negative) or (entry.kind != "class" and _negative_named(entry.node, negative)):
                continue
            key = (entry.position, entry.kind)
            if key in seen:
                continue
            seen.add(key)
            value = _named_value(entry, kind, negative)
            if value in (None, "") or (isinstance(value, str) and is_placeholder(value)):
                continue
            bad, away = _context(entry.node, negative)
            if bad:
                continue
            # Its own name may say it is page chrome too (`#pricing-feedback-modal-content`).
            away = away or not _CHROME_WORDS.isdisjoint(entry.words)
            exact = 0 if entry.words == words else 1
            order = {"itemprop": 0, "data": 1, "class": 2, "id": 2, "hook": 2}[entry.kind]
            hits.append(
                Hit(
                    value,
                    _describe(entry),
                    (away, rank, order, exact, _where(entry.position, index), entry.position),
                    entry.node,
                )
            )
    return hits


def _entries(index: PageIndex, words: tuple[str, ...]) -> Iterator[Named]:
    """Named elements whose name holds `words` in order (`now price` in `product-now-price`)."""
    if not words:
        return
    first = words[0]
    candidates = list(index.named.get(first, ()))
    if len(words) == 1 and len(first) >= 4:
        candidates.extend(entry for word in _joined(index, first) for entry in index.named[word])
    for entry in candidates:
        if len(words) == 1 or _contains(entry.words, words):
            yield entry


def _joined(index: PageIndex, word: str) -> list[str]:
    """Names that hold `word` without a separator (`productprice`, `pricebox`), found once per page."""
    found = index.joined.get(word)
    if found is None:
        limit = len(word) + 8
        found = index.joined[word] = [
            name
            for name in index.named
            if word in name
            and name != word
            and len(name) <= limit
            and (_joined_to(name, word) or name.endswith(word))
        ]
    return found


def _joined_to(name: str, word: str) -> bool:
    """`word` and more joined after it: a plural (`stars`) or a second word (`pricebox`), not a
    longer word that starts the same (`start`, `priced`, `branding` are no star, price, brand)."""
    rest = name[len(word) :]
    return name.startswith(word) and (rest in ("s", "es") or len(rest) >= 3) and not rest.startswith("ing")


def _contains(haystack: tuple[str, ...], needle: tuple[str, ...]) -> bool:
    n = len(needle)
    return any(haystack[i : i + n] == needle for i in range(len(haystack) - n + 1))


def _named_value(entry: Named, kind: str, negative: frozenset[str]) -> Any:
    node = entry.node
    attrs = node.attributes
    if entry.kind == "data":
        return attrs.get(entry.name)
    if kind == "url":
        if node.tag in ("a", "img", "link", "meta", "source"):
            target = node
        else:
            # A picture's container: its first image not named like an overlay, a logo or an icon.
            images = [i for i in node.css("img") if not _named_like(i, negative)]
            target = images[0] if images else None
        if target is None:
            return None
        for attr in ("src", "data-src", "data-zoom-image", "data-large", "content", "href", "srcset"):
            value = target.attributes.get(attr)
            # A lazy image's `src` is often a one-pixel `data:` stand-in; its `data-src` is the picture.
            if value and not value.startswith("data:") and (target.tag == "img" or _IMAGE_URL.search(value)):
                return value.split()[0] if attr == "srcset" else value
        return None
    if kind in ("date", "datetime") and attrs.get("datetime"):
        return attrs["datetime"]
    if node.tag in ("label", "textarea", "select") or (
        node.tag == "input" and str(attrs.get("type") or "text").casefold() in _TYPED_INPUTS
    ):
        # A form's field and its label hold what a reader types (`Your price: 0`, a quantity of 1),
        # not the page's value; a hidden input carries the page's own data and is read.
        return None
    for attr in ("content", "value"):
        if attrs.get(attr) and node.tag in ("meta", "span", "div", "data", "meter", "input", "link"):
            return attrs[attr]
    text = _own_text(node, negative, 4000 if kind == "string" else _VALUE_MAX + 1)
    if kind != "string" and len(text) > _VALUE_MAX:
        return None
    return text or None


_TYPED_INPUTS = frozenset({"text", "number", "email", "tel", "search", "password", "range", "url"})


def _named_like(image: Any, negative: frozenset[str]) -> bool:
    attrs = image.attributes
    names = " ".join(str(attrs.get(a) or "") for a in ("class", "id", "src"))
    return not attrs.get("src") or bool(set(name_words(names)) & negative)


def _describe(entry: Named) -> str:
    if entry.kind == "class":
        return f"css:.{entry.name}"
    if entry.kind == "hook":
        attr, _, value = entry.name.partition("=")
        return f"css:[{attr}='{value}']"
    if entry.kind == "id":
        return f"css:#{entry.name}"
    return f"css:[{'itemprop' if entry.kind == 'itemprop' else entry.name}" + (
        f"='{entry.name}']" if entry.kind == "itemprop" else "]"
    )


def price_near_title(index: PageIndex, negative: frozenset[str]) -> list[Hit]:
    """Currency amounts in the texts after the page's `<h1>`, nearest first, leaving out those a
    word marks as not the current price (`Regular price: $179.99`, `was`, `UVP`)."""
    hits: list[Hit] = []
    previous = ""
    start = max(index.h1, 0)
    texts = index.texts
    for i, (position, node, text) in enumerate(texts):
        if position < start:
            previous = text
            continue
        if len(hits) >= 3 or position - start > 600:
            break
        # `$<span>119.99</span>`: a sign in one text, its number in the next; `<span>2400.00</span>
        # <span>USD</span>`: a number, then its currency.
        joined = f"{previous} {text}" if len(previous) <= 4 and not previous[-1:].isalnum() else text
        after = texts[i + 1][2] if i + 1 < len(texts) else ""
        if text[-1:].isdigit() and 0 < len(after) <= 4 and CURRENCY_AMOUNT.search(joined) is None:
            joined = f"{joined} {after}"
        previous = text
        match = CURRENCY_AMOUNT.search(joined)
        if match is None:
            continue
        before = set(name_words(joined[: match.start()]))
        bad, away = _context(node, negative)
        if bad or away or marks(before, negative) or _negative_named(node.parent, negative):
            continue
        hits.append(Hit(match.group(0), "near:h1", (position,)))
    return hits


def paragraph_after_title(index: PageIndex) -> list[Hit]:
    """The first substantial paragraph after the page's `<h1>` (else the first on the page): a `<p>`
    or a block of prose in any element (`<div>A hand-thrown mug ...</div>`), whichever comes first."""
    start = max(index.h1, 0)
    source = "near:h1" if index.h1 >= 0 else "css:p"
    paragraph: Hit | None = None
    for position, node in index.paragraphs:
        if position < start:
            continue
        text = clean_text(node.text(deep=True, separator=" "))
        if not _substantial(text):
            continue
        _, away = _context(node, frozenset())
        if away:
            continue
        paragraph = Hit(_with_following_paragraphs(node, text), source, (position,))
        break
    for position, node, text in index.texts:
        if paragraph is not None and position >= paragraph.rank[0]:
            break
        if position < start or not _substantial(text):
            continue
        parent = node.parent
        if parent is None or parent.tag in ("a", "button", "label", "option", "h1"):
            continue
        _, away = _context(node, frozenset())
        if away:
            continue
        # The whole block when the text is most of it (`<div>A <b>hand-thrown</b> mug ...</div>`),
        # never one that holds the title too.
        block = clean_text(parent.text(deep=True, separator=" "))
        whole = len(block) < 4 * len(text) and not _holds(parent, index.heading)
        return [Hit(block if whole else text, source, (position + 1,))]
    return [paragraph] if paragraph is not None else []


def _with_following_paragraphs(node: Any, text: str, limit: int = 1500) -> str:
    """A paragraph and the paragraphs right after it in the same block: a description written in
    several `<p>`s is one text."""
    parts = [text]
    size = len(text)
    sibling = node.next
    while sibling is not None and size < limit:
        if sibling.tag == "p":
            more = clean_text(sibling.text(deep=True, separator=" "))
            if more:
                parts.append(more)
                size += len(more)
        elif sibling.tag != "-text" or (sibling.text_content or "").strip():
            break
        sibling = sibling.next
    return " ".join(parts)


def _substantial(text: str) -> bool:
    return len(text) >= 60 and text.count(" ") >= 5 and not is_placeholder(text)


def _holds(container: Any, node: Any) -> bool:
    if node is None:
        return False
    return any(parent.mem_id == container.mem_id for parent in _ancestors(node, 30))


def reads_as_prose(node: Any, negative: frozenset[str] = frozenset()) -> bool:
    """Whether an element's text, read as a value is (`_own_text`), is sentences: a run of 60
    characters or more, or runs of 25 on average. A table of specifications or a row of labels and
    values is many short runs."""
    runs = [length for length in (len(part.strip()) for part in _collect(node, negative, 4000)) if length]
    return bool(runs) and (max(runs) >= 60 or sum(runs) / len(runs) >= 25)


def stock_near_title(index: PageIndex) -> list[Hit]:
    """An in-stock or sold-out phrase after the page's `<h1>` (the first one people see)."""
    if index.h1 < 0:
        return []
    for position, node, text in index.texts:
        if position < index.h1 or len(text) > 80:
            continue
        if position - index.h1 > 2000:
            break
        state = stock_state(text)
        if state is None:
            continue
        _, away = _context(node, frozenset(), _CHROME_WORDS)
        if not away:
            return [Hit(state, "near:h1", (position,))]
    return []


def brand_near_title(index: PageIndex) -> list[Hit]:
    """The maker or shop named by a link beside the title to its own page: the link's text is the
    name in the link's path next to a maker word (`<a href=/shop/AcmeStudio>AcmeStudio</a>`,
    `/brand/bnd/wade-logan-b36989.html`, `/Certified-International,/brand,/`), nearest first."""
    if index.h1 < 0:
        return []
    hits: list[Hit] = []
    for position, node, text in index.texts:
        if position < index.h1 - 100 or len(text) > _LABEL_MAX:
            continue
        if position > index.h1 + 400:
            break
        link = node.parent
        for _ in range(2):
            if link is None or link.tag == "a":
                break
            link = link.parent
        if link is None or link.tag != "a":
            continue
        # Most links name no maker: a cheap look at the address before reading it.
        href = str(link.attributes.get("href") or "")
        if _MAKER_PATH.search(href) is None or is_placeholder(text):
            continue
        name = _slug(text)
        if not name or not any(n.startswith(name) for n in _maker_names(href)):
            continue
        # A shop's buy box is often named `cart-col`: only page chrome is away here.
        _, away = _context(link, frozenset(), _CHROME_WORDS)
        if not away:
            hits.append(Hit(text, "near:h1", (abs(position - index.h1),)))
    return sorted(hits, key=lambda hit: hit.rank)


_MAKER_PATH = re.compile(rf"[/,](?:{'|'.join(sorted(MAKER_PATHS))})(?:[/,?#]|$)", re.IGNORECASE)


def _slug(text: str) -> str:
    folded = unicodedata.normalize("NFKD", text.casefold())
    return "".join(c for c in folded if c.isalnum() and c.isascii())


# A file's name (`MyAccount.do`, `RebateCenter.bos`, `index.html`): a page of the site, not a shop's name.
_SCRIPT_PAGE = re.compile(r"\.[A-Za-z]{2,6}$")


def _maker_names(href: str) -> list[str]:
    """The names beside a maker word in a link's path or query (`/brand/acme` -> acme)."""
    parts = split_url(href)
    if parts is None:
        return []
    raw = [unquote(s) for s in parts.path.split("/")]
    segments = [_slug(s) for s in raw]
    out: list[str] = []
    for i, segment in enumerate(segments):
        if segment not in MAKER_PATHS:
            continue
        near = [j for j in (i - 1, i + 1, i + 2) if 0 <= j < len(segments) and segments[j]]
        if segment in SHOP_PATHS:
            # `/shop/mugs/` is a category of many shops; a shop's own page keeps its name's case
            # (`/shop/AcmeStudio`, `/stores/Acme/page/...`); `/shop/MyAccount.do` is one of the
            # site's own pages.
            near = [j for j in near if not raw[j].islower() and _SCRIPT_PAGE.search(raw[j]) is None]
        out.extend(segments[j] for j in near)
        if segment not in SHOP_PATHS:
            out.extend(_slug(v) for _, v in parse_qsl(parts.query))
    return out


def image_near_title(index: PageIndex) -> list[Hit]:
    """The product's picture: content images not named like logos or icons, nearest the title first."""
    concept = concept_of("image")
    negative = concept.negative if concept else frozenset()
    hits: list[Hit] = []
    for position, node in index.images:
        attrs = node.attributes
        src = image_source(attrs)
        if not src:
            continue
        width, height = attrs.get("width") or "", attrs.get("height") or ""
        if (width.isdigit() and int(width) < 50) or (height.isdigit() and int(height) < 50):
            continue
        names = " ".join(str(attrs.get(a) or "") for a in ("class", "id", "alt")) + " " + src
        if set(name_words(names)) & negative:
            continue
        bad, away = _context(node, negative)
        if bad:
            continue
        hits.append(Hit(src, "css:img", (away, _where(position, index), position)))
    return hits
