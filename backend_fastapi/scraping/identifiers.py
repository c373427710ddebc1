"""Which of a page's codes is the product's SKU: the shop's own code, as people read it.

A product page often carries several codes: the SKU of its structured data, a variant's code
(`VE900_REAL_BLACK` for one colour of `VE900`), codes in data-* attributes, and labelled ones people
read (`Product code: 46286401`, `ASIN B08LNDXM65`, `UPC 099482467999`, `Model QB737`). The shop's own
code comes first: a maker's or a global number (model, MPN, EAN/UPC) identifies the product
everywhere, not in the shop, and a code the page only hides in its markup gives way to the one it
labels for its readers. The labels here add to vocabulary.py's the ways shops name their own code
in more languages, and a label that names the site too (`eBay item number`, `Numero oggetto eBay`).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from urllib.parse import parse_qsl

from backend_fastapi.scraping.urlnorm import split_url
from backend_fastapi.scraping.vocabulary import field_labels

# A maker's or a global number, not the shop's own code.
MAKER_LABELS = frozenset(
    {"model", "model number", "model no", "model no.", "model #", "modell", "modèle", "modelo", "modello",
     "mpn", "part number", "part no", "part no.", "part #", "manufacturer part number", "herstellernummer",
     "hersteller-nr.", "référence fabricant", "ean", "upc", "gtin", "isbn", "isbn-13", "isbn-10", "ean code",
     "ean-code", "eancode"}
)  # fmt: skip
# The shop's own code in more languages and word orders than vocabulary.py's labels.
SHOP_LABELS = frozenset(
    {"id produto", "id do produto", "cod produs", "codul produsului", "cod produsului", "код", "код товара",
     "артикул", "šifra", "šifra proizvoda", "šifra artikla", "kod produktu", "kód", "kód produktu",
     "numer katalogowy", "katalogové číslo", "numero oggetto", "numéro de l'objet", "item id", "listing id",
     "商品編號", "商品编号", "商品番号", "상품번호", "tuotenumero", "varenummer", "varenr", "artikelnr",
     "art.nr", "artnr", "cikkszám", "ürün kodu", "stok kodu"}
)  # fmt: skip
# Between a variant's code and its product's: `VE900_REAL_BLACK`, `MKI6IKW1N4-1`, `1002/710/040`.
_VARIANT_JOINS = frozenset("-_/.")
_MIN_CODE = 4


def sku_labels() -> frozenset[str]:
    """Every label that announces a shop's code: vocabulary.py's and these."""
    return field_labels("sku") | SHOP_LABELS


def label_keys(keys: Iterable[str]) -> list[str]:
    """The page's label keys (normalised label texts) that announce a SKU beyond vocabulary.py's:
    the added languages, and a label with the site's name before or after it."""
    known = sku_labels()
    out = []
    for key in keys:
        words = key.split()
        if key in SHOP_LABELS or (
            len(words) >= 3 and (" ".join(words[1:]) in known or " ".join(words[:-1]) in known)
        ):
            out.append(key)
    return out


def is_maker_label(source: str) -> bool:
    """Whether a `label:...` source names a maker's or a global number (`label:UPC`, `label:Model`)."""
    return source.startswith("label:") and source[6:].strip(" :#-").casefold() in MAKER_LABELS


def product_code_first(
    codes: list[tuple[str, str]], shown: str, address: frozenset[str] = frozenset()
) -> int:
    """Of the candidate codes (value, source) in the order found, the index of the one to take:

    - the code the page's own address names it by (`/dp/B08LNDXM65`: `ASIN B08LNDXM65` before
      `Référence QB737`), where the first is not that code;
    - the product's code where the first is one of its variants' (the first extends a code the page
      shows by a separator and more: `VE900` before `VE900_REAL_BLACK`);
    - a code the page labels for its readers where the first is only in the markup (not in `shown`,
      the page's visible text);
    - a shop's code before a maker's or global one (`ASIN` before `UPC`).
    """
    if not codes:
        return 0
    first, source = codes[0]
    if first not in address:
        named = [i for i, (v, _) in enumerate(codes) if v in address and v in shown]
        if named:
            return named[0]
    labelled = [i for i, (_, s) in enumerate(codes) if s.startswith("label:") and not is_maker_label(s)]
    for i, (value, _) in enumerate(codes[1:], start=1):
        if (
            len(value) >= _MIN_CODE
            and len(first) > len(value)
            and first.startswith(value)
            and first[len(value)] in _VARIANT_JOINS
            and value in shown
        ):
            return i
    if not source.startswith("label:") and first not in shown and labelled:
        return labelled[0]
    if is_maker_label(source) and labelled:
        return labelled[0]
    return 0


# The end of a page's address that names its product: `/deal/4548094738`, `/M14876706.htm`,
# `...-calculator-36029524.html`: letters and digits, at least four digits.
_ADDRESS_CODE = re.compile(r"(?:^|[-_/])([A-Za-z]{0,3}\d{4,}[A-Za-z\d]*)$")
_PAGE_EXTENSIONS = re.compile(r"\.(?:html?|php|aspx?|jsp)$", re.IGNORECASE)
_ID_PARAMETERS = frozenset({"pid", "product_id", "productid", "sku", "item", "itemid", "item_id", "id"})


def address_codes(urls: Iterable[str | None]) -> frozenset[str]:
    """The codes a page's own address names: the parts of its path and the values of its query that
    hold a digit and are long enough to be a code (`B08LNDXM65` of `/Connector-Fittings/dp/B08LNDXM65`)."""
    found: set[str] = set()
    for url in urls:
        parts = split_url(url) if url else None
        if parts is None:
            continue
        pieces = [_PAGE_EXTENSIONS.sub("", p) for p in parts.path.split("/")]
        pieces += [v for _, v in parse_qsl(parts.query)]
        found.update(p for p in pieces if len(p) >= _MIN_CODE and any(ch.isdigit() for ch in p))
    return frozenset(found)


def code_in_address(urls: Iterable[str | None], shown: str) -> str | None:
    """The product's code from the page's own address (canonical, `og:url`) where the site names its
    products so: the address ends with a code, or passes one as `pid`, `sku`, `item` or `id`, and the
    page shows that code to its readers too (`/deal/4548094738` and `Deal no.: 4548094738`)."""
    for url in urls:
        parts = split_url(url) if url else None
        if parts is None:
            continue
        last = _PAGE_EXTENSIONS.sub("", parts.path.rstrip("/").rsplit("/", 1)[-1])
        codes = [m.group(1)] if (m := _ADDRESS_CODE.search(last)) else []
        codes += [v for k, v in parse_qsl(parts.query) if k.casefold() in _ID_PARAMETERS and v]
        for code in codes:
            if re.search(rf"(?<![\w]){re.escape(code)}(?![\w])", shown):
                return code
    return None
