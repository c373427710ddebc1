"""Pages are decoded with the declared charset, else a BOM, else a meta tag, else sniffed."""

from __future__ import annotations

import codecs

from backend_fastapi.scraping.charset import decode_body

TEXT = "<h1>Café Crème \u2013 5 €</h1>"


def test_the_header_charset_decides() -> None:
    assert decode_body(TEXT.encode("cp1252"), "text/html; charset=ISO-8859-1")[0] == TEXT


def test_a_meta_charset_is_used_when_the_header_names_none() -> None:
    body = b'<meta charset="windows-1252">' + TEXT.encode("cp1252")
    assert decode_body(body, "text/html")[0].endswith(TEXT)


def test_a_bom_is_honoured_and_removed() -> None:
    assert decode_body(codecs.BOM_UTF8 + TEXT.encode(), None)[0] == TEXT
    assert decode_body(codecs.BOM_UTF16_LE + TEXT.encode("utf-16-le"), None)[0] == TEXT


def test_undeclared_bytes_are_utf8_when_they_decode_else_windows_1252() -> None:
    assert decode_body(TEXT.encode(), None) == (TEXT, "utf-8")
    assert decode_body(TEXT.encode("cp1252"), None) == (TEXT, "cp1252")


def test_an_unknown_declared_charset_falls_back_to_sniffing() -> None:
    assert decode_body(TEXT.encode(), "text/html; charset=x-unknown-9")[0] == TEXT
