"""Page outputs beyond `data`: main content as Markdown or text, links, and a script-rendered check."""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterator
from contextlib import contextmanager
from typing import Any
from urllib.parse import urldefrag, urlsplit

from backend_fastapi.scraping.dom import LexborTree, clean_text, image_source
from backend_fastapi.scraping.maincontent import ContentOptions, RepeatedBlocks, main_content
from backend_fastapi.scraping.urlnorm import join_url

# Never text, even of the whole page (main content drops boilerplate itself: maincontent.py).
DROP_TAGS = frozenset({"script", "style", "noscript", "template", "svg", "iframe", "button", "select",
                       "dialog", "rt", "rp"})  # fmt: skip
BLOCKS = frozenset(
    {"p", "div", "section", "article", "main", "ul", "ol", "li", "table", "tr", "blockquote", "pre", "hr",
     "h1", "h2", "h3", "h4", "h5", "h6", "dl", "dt", "dd", "figure", "figcaption", "br", "address"}
)  # fmt: skip
MAX_LINKS = 5000
# Elements rendered as Markdown within each other; below that, text (each level is a few frames of
# Python's stack, which holds about a thousand).
MAX_RENDER_DEPTH = 100
_SPACES = re.compile(r"\s+")
# Soft hyphens and zero-width characters: invisible to a reader, but they split the words they sit in.
_INVISIBLE = re.compile("[\u00ad\u200b\u2060\ufeff]")
DEFAULT_CONTENT = ContentOptions()


class _Writer:
    """Walks a subtree and writes Markdown (or plain text when `plain`)."""

    def __init__(self, base_url: str, plain: bool) -> None:
        self.base = base_url
        self.plain = plain
        self.depth = 0

    def inline(self, node: Any) -> str:
        parts: list[str] = []
        for child in node.iter(include_text=True):
            parts.append(self.node(child))
        return "".join(parts)

    def node(self, node: Any) -> str:
        tag = node.tag
        if tag == "-text":
            return _SPACES.sub(" ", node.text_content or "")
        if tag in ("-comment",) or tag in DROP_TAGS:
            return ""
        if self.depth >= MAX_RENDER_DEPTH:
            # Deeper than any real layout (unclosed `<font>`s, a hostile page): the rest of the subtree
            # is its text in one piece, not another level of Python's stack each.
            text = clean_text(node.text(deep=True, separator=" "))
            return f"\n\n{text}\n\n" if tag in BLOCKS and text else text
        with self._deeper():
            return self._plain(node, tag) if self.plain else self._markdown(node, tag)

    @contextmanager
    def _deeper(self) -> Iterator[None]:
        """One more level of elements rendered within each other (see MAX_RENDER_DEPTH)."""
        self.depth += 1
        try:
            yield
        finally:
            self.depth -= 1

    def _plain(self, node: Any, tag: str) -> str:
        inner = self.inline(node)
        if tag == "br":
            return "\n"
        if tag in ("td", "th"):
            return inner.strip() + "\t"
        return f"\n\n{inner.strip()}\n\n" if tag in BLOCKS else inner

    def _markdown(self, node: Any, tag: str) -> str:
        attrs = node.attributes
        if tag in ("h1", "h2", "h3", "h4", "h5", "h6"):
            return f"\n\n{'#' * int(tag[1])} {clean_text(self.inline(node))}\n\n"
        if tag == "a":
            text = clean_text(self.inline(node))
            href = attrs.get("href")
            url = (
                join_url(self.base, str(href))
                if href and not str(href).startswith(("javascript:", "#"))
                else None
            )
            if url is None:
                return text
            return f"[{text}]({url})" if text else ""
        if tag == "img":
            src = image_source(attrs)
            url = join_url(self.base, src) if src else None
            return f"![{attrs.get('alt') or ''}]({url})" if url else ""
        if tag in ("strong", "b"):
            text = self.inline(node).strip()
            return f"**{text}**" if text else ""
        if tag in ("del", "s", "strike"):
            text = self.inline(node).strip()
            return f"~~{text}~~" if text else ""
        if tag in ("em", "i"):
            text = self.inline(node).strip()
            return f"*{text}*" if text else ""
        if tag == "code":
            code = node.text(deep=True)
            # A backtick inside the code: a longer fence around it, spaced off (CommonMark).
            return f"`` {code} ``" if "`" in code else f"`{code}`"
        if tag == "pre":
            return f"\n\n```{_code_language(node)}\n{node.text(deep=True).rstrip()}\n```\n\n"
        if tag == "br":
            return "  \n"
        if tag == "hr":
            return "\n\n---\n\n"
        if tag in ("ul", "ol"):
            return "\n\n" + "\n".join(self._list(node, tag)) + "\n\n"
        if tag == "blockquote":
            # Each paragraph of the quote stays one, the quote marker on every line.
            lines = _tidy(self.inline(node)).splitlines()
            return "\n\n" + "\n".join(f"> {line}" if line else ">" for line in lines) + "\n\n"
        if tag == "table":
            return self._table(node)
        inner = self.inline(node)
        return f"\n\n{inner.strip()}\n\n" if tag in BLOCKS else inner

    def _list(self, node: Any, tag: str) -> list[str]:
        """A list's lines: one an item, a list inside an item indented under the item's text."""
        lines: list[str] = []
        start = node.attributes.get("start") if tag == "ol" else None
        number = int(start) if start and str(start).isdigit() else 1
        for item in node.iter():
            if item.tag != "li":
                continue
            marker = f"{number}." if tag == "ol" else "-"
            number += 1
            words: list[str] = []
            nested: list[str] = []
            for child in item.iter(include_text=True):
                if child.tag in ("ul", "ol") and self.depth < MAX_RENDER_DEPTH:
                    with self._deeper():
                        lines_in = self._list(child, child.tag)
                    nested += [f"{' ' * (len(marker) + 1)}{line}" for line in lines_in]
                else:
                    words.append(self.node(child))
            lines.append(f"{marker} {clean_text(''.join(words))}")
            lines += nested
        return lines

    def _table(self, node: Any) -> str:
        # The table's own rows and cells: a table nested in a cell is written inside that cell once,
        # not again as rows of this one (and of every table around it).
        rows = [
            [clean_text(self.inline(c)).replace("|", "\\|") for c in tr.iter() if c.tag in ("th", "td")]
            for tr in _own_rows(node)
        ]
        rows = [r for r in rows if r]
        if not rows:
            return ""
        width = max(len(r) for r in rows)
        rows = [r + [""] * (width - len(r)) for r in rows]
        lines = ["| " + " | ".join(rows[0]) + " |", "|" + " --- |" * width]
        lines += ["| " + " | ".join(r) + " |" for r in rows[1:]]
        return "\n\n" + "\n".join(lines) + "\n\n"


def _own_rows(table: Any) -> Iterator[Any]:
    """A table's rows, inside its `thead`, `tbody` and `tfoot` or not, without those of tables in it."""
    for child in table.iter():
        if child.tag == "tr":
            yield child
        elif child.tag in ("thead", "tbody", "tfoot"):
            yield from (row for row in child.iter() if row.tag == "tr")


# The language a code block names in its class (`language-python`, `lang-js`, `highlight-source-go`).
_CODE_LANGUAGE = re.compile(r"(?:^|\s)(?:lang(?:uage)?-|highlight-source-|brush:\s*)([\w+#.-]+)", re.I)


def _code_language(pre: Any) -> str:
    """The language of a `<pre>` block, from its class or its `<code>`'s, or ""."""
    code = pre.css_first("code")
    for element in (pre, code):
        if element is not None:
            found = _CODE_LANGUAGE.search(element.attributes.get("class") or "")
            if found:
                return found.group(1).lower()
    return ""


def _tidy(text: str) -> str:
    lines = [line.rstrip() for line in text.splitlines()]
    return re.sub(r"\n{3,}", "\n\n", "\n".join(lines)).strip()


def content_nodes(
    html: str,
    options: ContentOptions = DEFAULT_CONTENT,
    repeated: RepeatedBlocks | None = None,
    site: str = "",
) -> list[Any]:
    """The elements `markdown` and `text` render: chosen once per page, rendered as either.

    `repeated` (one per crawl) drops the blocks `site`'s other pages already repeated; main content only.
    """
    nodes = main_content(
        html,
        only_main_content=options.only_main_content,
        include_selectors=options.include_selectors,
        exclude_selectors=options.exclude_selectors,
    )
    if repeated is not None and options.only_main_content and not options.include_selectors:
        nodes = repeated.drop(nodes, site)
    return nodes


def render(nodes: list[Any], base_url: str, *, plain: bool) -> str:
    """Content nodes as Markdown, or (`plain`) as plain text, one paragraph a block."""
    writer = _Writer(base_url, plain=plain)
    joined = "\n\n".join(
        writer.inline(node) if node.tag in ("body", "html") else writer.node(node) for node in nodes
    )
    joined = _INVISIBLE.sub("", joined)
    if not joined.isascii():
        # One spelling of each letter (NFC), as the page's readers and searches expect.
        joined = unicodedata.normalize("NFC", joined)
    if plain:
        return _tidy("\n".join(" ".join(line.split()) for line in joined.splitlines()))
    return _tidy(joined)


def to_markdown(html: str, base_url: str, options: ContentOptions = DEFAULT_CONTENT) -> str:
    """The page's main content as Markdown."""
    return render(content_nodes(html, options), base_url, plain=False)


def to_text(html: str, base_url: str, options: ContentOptions = DEFAULT_CONTENT) -> str:
    """The page's main content as plain text, one paragraph a block."""
    return render(content_nodes(html, options), base_url, plain=True)


def extract_links(tree: LexborTree, base_url: str) -> list[dict[str, str]]:
    """Every http(s) link of the page, absolute, without fragments, once each, with its text."""
    seen: dict[str, str] = {}
    for node in tree.root.css("a[href]"):
        url = absolute_link(base_url, node.attributes.get("href"))
        if url is not None and url not in seen:
            seen[url] = clean_text(node.text(deep=True, separator=" "))
            if len(seen) >= MAX_LINKS:
                break
    return [{"url": url, "text": text} for url, text in seen.items()]


def absolute_link(base_url: str, href: Any) -> str | None:
    """An href made absolute and without its fragment; None unless it is http(s)."""
    joined = join_url(base_url, str(href).strip()) if href else None
    if joined is None:
        return None
    url = urldefrag(joined)[0]
    return url if urlsplit(url).scheme in ("http", "https") else None
