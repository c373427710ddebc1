"""Parsed pages and compiled selectors, on two parsers behind one small interface.

lexbor (selectolax) parses and runs CSS several times faster than lxml, so it carries every page.
lxml is loaded only for a schema that needs it: XPath, or CSS that lexbor does not support
(cssselect translates such CSS to XPath). Both answer the same four questions about a node.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from selectolax.lexbor import LexborHTMLParser, LexborNode, SelectolaxError

from backend_fastapi.extraction.spec import parse_selector
from backend_fastapi.scraping.errors import UnsupportedContent

EXSLT_REGEX = "http://exslt.org/regular-expressions"
_SPACES = re.compile(r"\s+")


def clean_text(text: str) -> str:
    """Whitespace collapsed to single spaces, ends trimmed: what a reader sees."""
    return _SPACES.sub(" ", text).strip()


@dataclass(frozen=True)
class Selector:
    """A compiled selector: CSS (run by lexbor, or by lxml through cssselect) or XPath (lxml)."""

    css: str | None = None
    xpath: str | None = None

    @classmethod
    def parse(cls, text: str) -> Selector:
        spec = parse_selector(text)
        return cls(css=spec.get("selector"), xpath=spec.get("xpath"))

    @property
    def needs_lxml(self) -> bool:
        return self.xpath is not None or not lexbor_supports(self.css or "")

    def describe(self) -> str:
        """The selector as a field's source (`css:.price`, `xpath://h1`)."""
        return f"xpath:{self.xpath}" if self.xpath is not None else f"css:{self.css}"


@lru_cache(maxsize=1024)
def lexbor_supports(css: str) -> bool:
    """True when lexbor can run this CSS (cssselect accepts a few pseudo-classes lexbor lacks)."""
    try:
        LexborHTMLParser("<p></p>").css(css)
    except SelectolaxError:
        return False
    return True


@lru_cache(maxsize=1024)
def compile_xpath(expr: str) -> Any:
    """`expr` compiled by lxml, its `re:` functions running on RE2 (cached per expression)."""
    from lxml import etree

    from backend_fastapi.scraping.xpath_regex import EXTENSIONS

    # lxml's own `re:` functions would run the request's pattern on Python's backtracking `re`.
    return etree.XPath(
        expr, namespaces={"re": EXSLT_REGEX}, regexp=False, extensions=EXTENSIONS, smart_strings=False
    )


@lru_cache(maxsize=1024)
def _css_as_xpath(css: str) -> Any:
    from cssselect import HTMLTranslator

    return compile_xpath(HTMLTranslator().css_to_xpath(css))


class Tree(Protocol):
    """The questions extraction asks of a parsed page."""

    root: Any

    def select(self, node: Any, selector: Selector) -> list[Any]: ...

    def sibling(self, node: Any, tag: str | None, classes: tuple[str, ...]) -> Any | None: ...

    def text(self, node: Any) -> str: ...

    def attr(self, node: Any, name: str) -> str | None: ...

    def html(self, node: Any) -> str: ...


class LexborTree:
    """A page parsed by lexbor; nodes are selectolax nodes."""

    def __init__(self, parser: LexborHTMLParser) -> None:
        self.parser = parser
        self.root: LexborNode = parser.root or parser.body  # type: ignore[assignment]

    def select(self, node: Any, selector: Selector) -> list[Any]:
        if not selector.css:
            return []
        found: list[Any] = node.css(selector.css)  # a new list on every call
        # lexbor scopes a query to the element inclusive; inner selectors search inside it only
        # (as CSS's `:scope` descendants and BeautifulSoup's `select` do). Matches come in document
        # order, so the element itself can only be first. The page's root may match itself.
        # `mem_id`, not `==`: a node comparison costs six times as much.
        if found and found[0].mem_id == node.mem_id and node is not self.root:
            del found[0]
        return found

    def sibling(self, node: Any, tag: str | None, classes: tuple[str, ...]) -> Any | None:
        """The first following sibling element with this tag (any when None) and these classes."""
        sib = node.next if not isinstance(node, str) else None
        while sib is not None:
            if not sib.tag.startswith("-") and (tag is None or sib.tag == tag):
                if not classes or set(classes) <= set((sib.attributes.get("class") or "").split()):
                    return sib
            sib = sib.next
        return None

    def text(self, node: Any) -> str:
        if isinstance(node, str):
            return clean_text(node)
        return clean_text(node.text(deep=True, separator=" "))

    def attr(self, node: Any, name: str) -> str | None:
        value = node.attributes.get(name) if not isinstance(node, str) else None
        return value if isinstance(value, str) else None

    def html(self, node: Any) -> str:
        return str(node.html or "") if not isinstance(node, str) else node


class LxmlTree:
    """A page parsed by lxml; nodes are elements, or strings and numbers an XPath returned."""

    def __init__(self, html: str) -> None:
        import lxml.html
        from lxml import etree

        try:
            self.root = lxml.html.document_fromstring(html)
        except (etree.ParserError, ValueError) as exc:
            raise UnsupportedContent(f"The page cannot be parsed as HTML: {exc}") from exc

    def select(self, node: Any, selector: Selector) -> list[Any]:
        if not hasattr(node, "xpath"):
            return []
        compiled = compile_xpath(selector.xpath) if selector.xpath else _css_as_xpath(selector.css or "*")
        found = compiled(node)
        if isinstance(found, list):
            # CSS searches inside the element only (cssselect's XPath starts at the element itself).
            if selector.xpath is None and found and found[0] is node and node is not self.root:
                del found[0]
            return found
        if isinstance(found, bool):
            return [str(found).lower()]
        if isinstance(found, float) and found.is_integer():
            return [str(int(found))]
        return [str(found)]

    def sibling(self, node: Any, tag: str | None, classes: tuple[str, ...]) -> Any | None:
        """The first following sibling element with this tag (any when None) and these classes."""
        if not hasattr(node, "itersiblings"):
            return None
        for sib in node.itersiblings():
            if not isinstance(sib.tag, str) or (tag is not None and sib.tag != tag):
                continue
            if not classes or set(classes) <= set((sib.get("class") or "").split()):
                return sib
        return None

    def text(self, node: Any) -> str:
        if isinstance(node, str):
            return clean_text(node)
        if hasattr(node, "text_content"):
            return clean_text(node.text_content())
        return clean_text(str(node))

    def attr(self, node: Any, name: str) -> str | None:
        value = node.get(name) if hasattr(node, "get") else None
        return value if isinstance(value, str) else None

    def html(self, node: Any) -> str:
        if not hasattr(node, "tag"):
            return str(node)
        from lxml import etree

        return str(etree.tostring(node, encoding="unicode", method="html", with_tail=False))


def parse_html(html: str | bytes) -> LexborTree:
    """Parse a page with lexbor (the fast parser every page goes through)."""
    return LexborTree(LexborHTMLParser(html))


# Where lazy-loading pages keep an image's address while `src` holds a placeholder.
LAZY_SOURCES = ("data-src", "data-lazy-src", "data-original", "data-url")


def image_source(attrs: Any) -> str:
    """An image's address: `src`, else the lazy loader's attribute or the first of a `srcset`, never
    an inline `data:` placeholder."""
    for name in ("src", *LAZY_SOURCES, "srcset", "data-srcset"):
        value = str(attrs.get(name) or "").strip()
        if name.endswith("srcset"):
            value = value.split(",")[0].strip().split(" ")[0]
        if value and not value.startswith("data:"):
            return value
    return ""
