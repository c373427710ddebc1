"""The labels shops give their own code for a product (its SKU), beyond vocabulary.py's.

Shops name their code in more languages than vocabulary.py's (`Cod produs`, `Šifra`, `Код`,
`ID Produto`), and often with the site's name before or after the words (`eBay item number`,
`Numero oggetto eBay`).
"""

from __future__ import annotations

from collections.abc import Iterable

from backend_fastapi.scraping.vocabulary import field_labels

# The shop's own code in more languages and word orders than vocabulary.py's labels.
SHOP_LABELS = frozenset(
    {"id produto", "id do produto", "cod produs", "codul produsului", "cod produsului", "код", "код товара",
     "артикул", "šifra", "šifra proizvoda", "šifra artikla", "kod produktu", "kód", "kód produktu",
     "numer katalogowy", "katalogové číslo", "numero oggetto", "numéro de l'objet", "item id", "listing id",
     "商品編號", "商品编号", "商品番号", "상품번호", "tuotenumero", "varenummer", "varenr", "artikelnr",
     "art.nr", "artnr", "cikkszám", "ürün kodu", "stok kodu"}
)  # fmt: skip


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
