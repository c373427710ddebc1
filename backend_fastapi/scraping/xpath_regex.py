"""EXSLT regular expressions in XPath (`re:test`, `re:match`, `re:replace`) on RE2.

lxml's own EXSLT functions run Python's backtracking `re` on a pattern taken from the request;
these take their place (`etree.XPath(..., regexp=False, extensions=EXTENSIONS)`) with the same
arguments and results, on the linear-time engine of `backend_fastapi.regexes`.
"""

from __future__ import annotations

from typing import Any

from lxml import etree

from backend_fastapi.errors import InvalidPayload
from backend_fastapi.regexes import Pattern, RegexError, compile_regex
from backend_fastapi.scraping.dom import EXSLT_REGEX


def _string(value: Any) -> str:
    """An XPath argument as a string: a node-set gives its first node's text, as lxml does."""
    if isinstance(value, list):
        if not value:
            return ""
        first = value[0]
        if isinstance(first, etree._Element):
            return "".join(first.itertext())
        return str(first)
    return str(value)


def _compile(pattern: Any, flags: str) -> Pattern:
    text = _string(pattern)
    try:
        return compile_regex(f"(?i){text}" if "i" in flags else text)
    except RegexError as exc:
        # A literal pattern was checked at request time; this one was computed by the XPath.
        raise InvalidPayload(f"XPath regex {text[:100]!r}: {exc.reason}") from exc


def regex_test(_context: Any, value: Any, pattern: Any, flags: Any = "") -> bool:
    """True when `pattern` is found in `value` (flag `i`: ignoring case)."""
    return _compile(pattern, _string(flags)).search(_string(value)) is not None


def regex_match(_context: Any, value: Any, pattern: Any, flags: Any = "") -> list[Any]:
    """`<match>` elements: the whole match then each group (flag `g`: every match's first group)."""
    flags_text = _string(flags)
    regex, text = _compile(pattern, flags_text), _string(value)
    found: list[str] = []
    if "g" in flags_text:
        found = [m.group(1) or "" if regex.groups else m.group(0) for m in regex.finditer(text)]
    elif (first := regex.search(text)) is not None:
        found = [first.group(0), *first.groups("")]
    root = etree.Element("matches")
    elements = []
    for part in found:
        element = etree.SubElement(root, "match")
        element.text = part
        elements.append(element)
    return elements


def regex_replace(_context: Any, value: Any, pattern: Any, flags: Any, replacement: Any) -> str:
    """`value` with the first match (flag `g`: every match) replaced by `replacement` (`\\1` for groups)."""
    flags_text = _string(flags)
    regex = _compile(pattern, flags_text)
    return regex.sub(_string(replacement), _string(value), 0 if "g" in flags_text else 1)


EXTENSIONS = {
    (EXSLT_REGEX, "test"): regex_test,
    (EXSLT_REGEX, "match"): regex_match,
    (EXSLT_REGEX, "replace"): regex_replace,
}
