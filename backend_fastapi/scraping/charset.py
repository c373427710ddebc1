"""Bytes of a page as text: the declared charset, else a BOM, else `<meta charset>`, else sniffed."""

from __future__ import annotations

import codecs
import re

_META_CHARSET = re.compile(rb"""<meta[^>]+charset\s*=\s*["']?\s*([A-Za-z0-9_\-:.]+)""", re.I)
_HEADER_CHARSET = re.compile(r"""charset\s*=\s*["']?([A-Za-z0-9_\-:.]+)""", re.I)
_BOMS = ((codecs.BOM_UTF8, "utf-8"), (codecs.BOM_UTF16_LE, "utf-16"), (codecs.BOM_UTF16_BE, "utf-16"))
# What browsers do: a page labelled latin-1 or ascii is decoded as windows-1252.
_BROWSER_ALIASES = {"latin1": "cp1252", "iso8859-1": "cp1252", "ascii": "cp1252"}
SNIFF_BYTES = 4096


def _known(name: str | None) -> str | None:
    if not name:
        return None
    try:
        canonical = codecs.lookup(name.strip().strip("\"'")).name
    except LookupError:
        return None
    return _BROWSER_ALIASES.get(canonical, canonical)


def declared_charset(content_type: str | None) -> str | None:
    """The charset a Content-Type header names, when Python knows it."""
    match = _HEADER_CHARSET.search(content_type or "")
    return _known(match.group(1)) if match else None


def detect_charset(body: bytes, content_type: str | None = None) -> str | None:
    """The encoding `body` declares (header, BOM, then meta tag); None when it declares none."""
    if declared := declared_charset(content_type):
        return declared
    for bom, name in _BOMS:
        if body.startswith(bom):
            return name
    match = _META_CHARSET.search(body[:SNIFF_BYTES])
    if match and (meta := _known(match.group(1).decode("ascii", "ignore"))):
        # A page that claims utf-16 in a meta tag was necessarily read as ASCII-compatible bytes.
        return "utf-8" if meta.startswith("utf-16") else meta
    return None


def decode_body(body: bytes, content_type: str | None = None) -> tuple[str, str]:
    """`(text, encoding)`; undeclared is UTF-8 when it decodes, else windows-1252 (as browsers)."""
    encoding = detect_charset(body, content_type)
    if encoding is None:
        try:
            return body.decode("utf-8"), "utf-8"
        except UnicodeDecodeError:
            encoding = "cp1252"
    if encoding == "utf-8" and body.startswith(codecs.BOM_UTF8):
        body = body[len(codecs.BOM_UTF8) :]
    return body.decode(encoding, errors="replace"), encoding
