"""The words shops use for a field: in class/id/itemprop/data-* names, and as visible labels.

A field name maps to a concept (`price`, `cost`, `sale_price` -> price). Each concept has the name
words its elements carry (`amount`, `now-price`), the labels people read before its value in
English, German, French, Spanish, Italian, Portuguese and Dutch (`Price:`, `Preis`, `Prix`,
`Precio`, `Prezzo`, `Preço`, `Prijs`), and the words that mark a look-alike that is not it
(`price-old`, `was-price`, `priceRange`). Placeholders ("Loading...", "—", "{{ price }}") are
never values.
"""

from __future__ import annotations

import re
from dataclasses import dataclass
from functools import lru_cache

from backend_fastapi.scraping.dom import clean_text


@dataclass(frozen=True)
class Concept:
    """What one kind of field is called: field-name aliases, name words, labels, negative words."""

    key: str
    aliases: frozenset[str]
    words: tuple[str, ...]
    labels: frozenset[str]
    negative: frozenset[str] = frozenset()


def _set(text: str) -> frozenset[str]:
    return frozenset(part.strip() for part in text.split("|") if part.strip())


# Words in a class or label that mark a price as not the current one (struck through, a range
# filter, a saving) or a container of other things.
_NOT_CURRENT = _set(
    "old|was|regular|compare|comparison|original|list|rrp|msrp|uvp|strike|strikethrough|striked|crossed|before|"
    "previous|range|filter|slider|min|max|save|saving|savings|discount|off|percent|shipping|delivery|"
    "label|currency|symbol|per|unit|instead|statt|ancien|avant|antes|prima|van|reference|adviesprijs|"
    "installment|monthly|month|klarna|afterpay|tax|vat|total|subtotal|cart|basket|minicart|badge"
)
CONCEPTS: tuple[Concept, ...] = (
    Concept(
        "price",
        _set(
            "price|cost|amount|sale_price|current_price|now_price|offer_price|final_price|special_price|"
            "selling_price|unit_price|price_amount|preis|prix|precio|prezzo|preco|prijs"
        ),
        ("price", "amount", "cost", "pricing", "prices"),
        _set(
            "price|our price|sale price|price now|now|now only|your price|current price|special price|"
            "offer price|selling price|amount|cost|preis|unser preis|jetzt|jetzt nur|verkaufspreis|"
            "angebotspreis|aktionspreis|prix|notre prix|prix de vente|prix promo|maintenant|precio|"
            "precio de venta|precio oferta|precio actual|ahora|prezzo|prezzo di vendita|prezzo scontato|"
            "prezzo offerta|ora|adesso|preço|preco|preço atual|preço de venda|por|agora|prijs|onze prijs|"
            "verkoopprijs|actieprijs|nu|nu voor|voor|"
            # More of the web's languages (as for brands).
            "цена|ціна|cena|cijena|preț|pret|ár|fiyat|pris|hinta|τιμή|价格|價格|售价|售價|価格|販売価格|"
            "가격|판매가"
        ),
        _NOT_CURRENT,
    ),
    Concept(
        "description",
        _set(
            "description|desc|summary|details|detail|about|overview|product_description|body|"
            "beschreibung|descripcion|descrizione|descricao|beschrijving"
        ),
        ("description", "desc", "summary", "details", "overview", "descr", "about"),
        _set(
            "description|product description|details|product details|overview|summary|about this item|"
            "about this product|about|beschreibung|produktbeschreibung|artikelbeschreibung|descriptif|"
            "description du produit|descripción|descripcion|descripción del producto|descrizione|"
            "descrizione prodotto|descrição|descricao|descrição do produto|beschrijving|omschrijving|"
            "productbeschrijving|productomschrijving"
        ),
        _set("meta|review|reviews|shipping|delivery|returns|seller|nav|title|heading|label|popup"),
    ),
    Concept(
        "brand",
        _set("brand|manufacturer|maker|make|vendor|brand_name|marke|hersteller|marque|marca|merk"),
        ("brand", "manufacturer", "maker", "vendor", "make"),
        _set(
            "brand|brand name|manufacturer|make|maker|vendor|marke|hersteller|marque|fabricant|marca|"
            "fabricante|marchio|produttore|merk|fabrikant|"
            # More of the web's languages: Russian/Ukrainian, Polish, Czech/Slovak, Slovene/Croatian,
            # Romanian, Hungarian, Turkish, Nordic, Finnish, Greek, Chinese, Japanese, Korean.
            "бренд|производитель|торговая марка|виробник|marka|producent|výrobce|výrobca|značka|"
            "proizvajalec|proizvođač|blagovna znamka|producător|márka|gyártó|üretici|märke|tillverkare|"
            "mærke|producent|merke|produsent|valmistaja|merkki|μάρκα|κατασκευαστής|品牌|廠牌|品牌名称|"
            "ブランド|メーカー|브랜드|제조사"
        ),
        # A site's own branding, its other sites, a brand's story section: not the product's brand.
        _set("logo|logos|list|nav|navigation|menu|filter|filters|carousel|slider|branding|cross|multi|story"),
    ),
    Concept(
        "sku",
        _set(
            "sku|mpn|gtin|gtin13|gtin12|gtin8|gtin14|ean|upc|isbn|asin|product_code|item_number|"
            "article_number|part_number|model_number|product_number|item_code|article|artikelnummer|"
            "reference|ref|code|id|product_id|item_id"
        ),
        (
            "sku",
            "mpn",
            "gtin",
            "gtin13",
            "gtin12",
            "gtin14",
            "gtin8",
            "ean",
            "upc",
            "isbn",
            "asin",
            "artnr",
            "partnumber",
            "productcode",
            "itemnumber",
            "articlenumber",
            "modelnumber",
        ),
        _set(
            "sku|mpn|gtin|ean|upc|isbn|isbn-13|isbn-10|asin|item number|item no|item no.|item #|item|"
            "item code|product code|product number|product no|product no.|product #|product id|"
            "part number|part no|part no.|part #|model number|model no|model no.|model|model #|"
            "article number|style|style #|style no|artikelnummer|art.-nr.|art.-nr|artikel-nr.|artikel-nr|"
            "art. nr.|art.nr.|herstellernummer|hersteller-nr.|produktnummer|bestellnummer|modell|"
            "référence|reference|réf.|réf|ref.|ref|code produit|code article|numéro d'article|modèle|"
            "referencia|código|codigo|código de producto|código del producto|número de artículo|modelo|"
            "codice|codice prodotto|codice articolo|riferimento|modello|referência|código do produto|"
            "artikelcode|productcode|referentie|ean-code|ean code|eancode"
        ),
        _set("search|filter|promo|coupon|discount|zip|postal|phone|review|reviews|qty|quantity"),
    ),
    Concept(
        "image",
        _set(
            "image|img|photo|picture|thumbnail|thumb|image_url|img_url|main_image|product_image|photo_url|"
            "picture_url|cover|bild|foto|imagen|immagine|imagem|afbeelding"
        ),
        ("image", "img", "photo", "picture", "thumbnail", "thumb", "zoom", "gallery", "hero", "media"),
        frozenset(),
        _set(
            "logo|icon|icons|sprite|avatar|badge|flag|pixel|spacer|payment|star|stars|rating|social|"
            "banner|ad|ads|tracking|placeholder|loading|nav|menu|footer|header|cart|overlay|oos|swatch|"
            "play|video|button|btn|arrow|hide|hidden"
        ),
    ),
    Concept(
        "rating",
        _set(
            "rating|stars|score|rating_value|average_rating|review_score|avg_rating|"
            "bewertung|note|valoracion|valutazione|avaliacao|beoordeling"
        ),
        ("rating", "stars", "score", "star", "average", "avg"),
        _set(
            "rating|average rating|customer rating|avg rating|stars|score|bewertung|"
            "durchschnittliche bewertung|kundenbewertung|note|note moyenne|évaluation|valoración|"
            "calificación|puntuación|valutazione|voto|avaliação|classificação|nota|beoordeling|"
            "waardering|score"
        ),
        _set("count|total|number|reviews|review-count|write|form|input|filter|label|widget"),
    ),
    Concept(
        "reviews",
        _set("reviews|review_count|reviews_count|ratings_count|rating_count|num_reviews|number_of_reviews"),
        ("reviews", "count", "total"),
        _set(
            "reviews|ratings|review count|number of reviews|bewertungen|avis|reseñas|opiniones|"
            "recensioni|avaliações|reviews"
        ),
        _set("write|form|input|filter"),
    ),
    Concept(
        "in_stock",
        _set(
            "in_stock|instock|available|availability|stock|stock_status|is_available|"
            "verfugbarkeit|disponibilite|disponibilidad|disponibilita|disponibilidade|voorraad"
        ),
        ("availability", "stock", "instock", "inventory", "available", "outofstock", "soldout"),
        _set(
            "availability|stock|in stock|stock status|status|verfügbarkeit|lieferbarkeit|lagerbestand|"
            "lieferstatus|disponibilité|disponibilidad|existencias|disponibilità|disponibilidade|estoque|"
            "beschikbaarheid|voorraad|levertijd"
        ),
        _set("filter|notify|alert|form|input|label"),
    ),
    Concept(
        "quantity",
        _set(
            "qty|quantity|stock_quantity|stock_level|inventory|units|menge|quantite|cantidad|quantita|"
            "quantidade|aantal"
        ),
        ("qty", "quantity", "inventory", "units"),
        _set("quantity|qty|in stock|units|menge|anzahl|quantité|cantidad|quantità|quantidade|aantal"),
        _set("input|select|button|label|minus|plus|increment|decrement"),
    ),
    Concept(
        "title",
        _set("title|name|headline|product_name|product_title|item_name|titel|titre|titulo|titolo|naam"),
        ("title", "name", "headline"),
        _set(
            "name|product name|title|product|item|produktname|nom|nom du produit|nombre|"
            "nombre del producto|nome|nome prodotto|nome do produto|productnaam|naam"
        ),
        _set(
            "site|logo|nav|menu|brand|breadcrumb|breadcrumbs|user|account|search|review|reviews|author|"
            "seller|store|shop|footer|header|modal|cart|related|tab|tabs|section|page"
        ),
    ),
    Concept(
        "colour",
        _set("colour|color|farbe|couleur|colore|cor|kleur"),
        ("colour", "color"),
        _set("colour|color|farbe|couleur|colore|cor|kleur"),
        _set("swatch|swatches|picker|filter|select|option|options"),
    ),
    Concept(
        "size",
        _set("size|grosse|taille|talla|taglia|tamanho|maat"),
        ("size",),
        _set("size|größe|grösse|taille|talla|taglia|tamanho|maat"),
        _set("guide|chart|picker|filter|select|option|options|font|text"),
    ),
    Concept(
        "weight",
        _set("weight|gewicht|poids|peso"),
        ("weight",),
        _set(
            "weight|item weight|net weight|gewicht|nettogewicht|poids|poids net|peso|peso neto|peso netto|"
            "peso líquido"
        ),
        _set("font"),
    ),
    Concept(
        "material",
        _set("material|materials|materiel|matiere|materiale|materiaal"),
        ("material", "materials"),
        _set("material|materials|matière|matériau|matériaux|materiale|materiali|materiaal"),
    ),
    Concept(
        "dimensions",
        _set(
            "dimensions|dimension|size_dimensions|measurements|abmessungen|masse|dimensiones|dimensioni|"
            "dimensoes|afmetingen"
        ),
        ("dimensions", "dimension", "measurements"),
        _set(
            "dimensions|product dimensions|measurements|abmessungen|maße|masse|dimensiones|medidas|"
            "dimensioni|misure|dimensões|afmetingen"
        ),
    ),
    Concept(
        "category",
        _set("category|categories|kategorie|categorie|categoria"),
        ("category", "categories"),
        _set("category|categories|kategorie|catégorie|categoría|categoria|categorie"),
        _set("nav|menu|filter|list"),
    ),
    Concept(
        "author",
        _set("author|authors|writer|byline|autor|auteur|autore"),
        ("author", "byline", "writer"),
        _set("author|authors|by|written by|autor|von|auteur|par|autore|di|door|escrito por"),
        _set("avatar|image|photo|bio|box"),
    ),
    Concept(
        "currency",
        _set("currency|price_currency|currency_code|wahrung|devise|moneda|valuta|moeda"),
        ("currency",),
        _set("currency|währung|devise|moneda|valuta|moeda"),
    ),
)
_BY_ALIAS = {alias: concept for concept in CONCEPTS for alias in concept.aliases}

# Words between a label and its value, or before a maker's name: `Brand Name by <a>Acme</a>`,
# `Marque : de <a>...`, `Vendido por Acme`.
CONNECTORS = frozenset({"by", "von", "par", "de", "di", "door", "por", "from"})
# Of those, the ones that only ever say "made or sold by" when written in lower case before a name
# (`by Acme`); `de`, `di` and `da` also begin names (`De Cecco`, `de Bijenkorf`).
BY_WORDS = frozenset({"by", "von", "par", "door", "por", "from"})
# Path words of a page about a brand, a maker or a shop (`/brand/acme`, `/shop/AcmeStudio`,
# `/Acme,/brand,/`, `/collections/vendors?q=Acme`) in the common languages.
MAKER_PATHS = _set(
    "brand|brands|marke|marken|marque|marques|marca|marcas|merk|merken|marchio|marchi|maker|makers|"
    "manufacturer|manufacturers|hersteller|fabricant|fabricante|vendor|vendors|seller|sellers|designer|"
    "designers|shop|shops|store|stores|boutique|tienda|loja|negozio|winkel"
)
# Of those, the words shops also put before their categories (`/shop/mugs/`).
SHOP_PATHS = _set("shop|shops|store|stores|boutique|tienda|loja|negozio|winkel")

# What a page shows where its data will be: loading messages in the common languages, dashes, "N/A",
# template expressions the script has not filled in, skeleton blocks and stand-in words.
_PLACEHOLDER = re.compile(
    r"(?:loading|loading data|please wait|cargando|chargement(?:\s+en\s+cours)?|"
    r"caricamento(?:\s+in\s+corso)?|"
    r"carregando|a carregar|wird geladen|lädt|laden|bezig met laden|laddar|загрузка|読み込み中|加载中)"
    r"\s*(?:\.{1,3}|…)?|[-\u2013\u2014_.…?*/|]+|n\s*/\s*a|n\.a\.|na|none|nil|null|undefined|nan|tbd|tba|tbc|"
    r"not set|unknown|placeholder|lorem ipsum.*|xxx+|[█▒░■□▇▆_ ]+|"
    r"\{\{.*\}\}|\{%.*%\}|\$\{.*\}|<%.*%>|\[\[.*\]\]|%[a-z_.]+%|\{[a-z_.]+\}|:[a-z_]+:|#\{.*\}",
    re.IGNORECASE,
)
# A value that contains a template expression is unfilled even with text around it ("$ {{ price }}").
_TEMPLATE = re.compile(r"\{\{.*?\}\}|\$\{.*?\}|\{%.*?%\}|<%.*?%>")


def is_placeholder(text: str) -> bool:
    """True for text a page shows before its data is there: "Loading...", "—", "N/A", "{{ price }}"."""
    value = clean_text(str(text))
    if not value:
        return False
    if len(value) <= 60 and _PLACEHOLDER.fullmatch(value) is not None:
        return True
    return _TEMPLATE.search(value) is not None


_CAMEL = re.compile(r"(?<=[a-z0-9])(?=[A-Z])")
_WORD = re.compile(r"[a-z0-9]+")


@lru_cache(maxsize=8192)
def name_words(name: str) -> tuple[str, ...]:
    """The words of a class, id or attribute name: `product-price__now` -> (product, price, now)."""
    return tuple(_WORD.findall(_CAMEL.sub(" ", name).lower()))


@lru_cache(maxsize=512)
def concept_of(field: str) -> Concept | None:
    """The concept a schema field name means (`sale_price` -> price, `desc` -> description)."""
    key = "_".join(name_words(field))
    if key in _BY_ALIAS:
        return _BY_ALIAS[key]
    words = name_words(field)
    # `product_price`, `main_image`, `item_sku`: the last word decides.
    return _BY_ALIAS.get(words[-1]) if words else None


# Marks people never see: direction marks (`Brand \u200f:\u200e Acme` on many shops), zero-width
# spaces and joiners, byte-order marks.
INVISIBLE = re.compile("[\u200b-\u200f\u202a-\u202e\u2060\ufeff]")


def visible(text: str) -> str:
    """`text` without the marks people never see (most texts are ASCII and have none)."""
    return text if text.isascii() else INVISIBLE.sub("", text)


def normalize_label(text: str) -> str:
    """A label as looked up: lower case, one space, no trailing colon, asterisk or dash."""
    return clean_text(visible(text)).lower().rstrip(" :\uff1a*-\u2013\u2014").strip()


@lru_cache(maxsize=512)
def field_labels(field: str) -> frozenset[str]:
    """Labels that announce field `field`: its concept's, and the field name itself in words."""
    words = name_words(field)
    own = {" ".join(words)} if words else set()
    concept = concept_of(field)
    return frozenset(own | (concept.labels if concept else set()))


@lru_cache(maxsize=512)
def field_words(field: str) -> tuple[tuple[str, ...], ...]:
    """Name words that mark field `field`'s element, best first: its own name, then its concept's."""
    words = name_words(field)
    concept = concept_of(field)
    out: list[tuple[str, ...]] = [words] if words else []
    if concept is not None:
        out.extend((w,) for w in concept.words if (w,) != words)
    return tuple(dict.fromkeys(out))


# Stock phrases people read, in the common languages; a "no" phrase is checked first ("not available").
_OUT_OF_STOCK = re.compile(
    r"\b(?:out of stock|sold out|currently unavailable|unavailable|not available|no longer available|"
    r"ausverkauft|nicht (?:lieferbar|verfügbar|auf lager|vorrätig)|vergriffen|épuisé|epuise|rupture de stock|"
    r"indisponible|non disponible|agotado|sin (?:stock|existencias)|no disponible|esaurito|non disponibile|"
    r"esgotado|indisponível|sem estoque|uitverkocht|niet (?:op voorraad|leverbaar|beschikbaar))\b",
    re.IGNORECASE,
)
_IN_STOCK = re.compile(
    r"\b(?:in stock|instock|available|ships (?:today|in|within)|ready to ship|add to (?:cart|bag|basket)|"
    r"buy now|auf lager|lieferbar|sofort lieferbar|verfügbar|vorrätig|in den warenkorb|en stock|disponible|"
    r"ajouter au panier|en existencia|añadir al carrito|agregar al carrito|disponibile|in magazzino|"
    r"aggiungi al carrello|disponível|em estoque|em stock|adicionar ao carrinho|op voorraad|leverbaar|"
    r"beschikbaar|in winkelwagen)\b",
    re.IGNORECASE,
)


def stock_state(text: str) -> bool | None:
    """True/False when `text` says a product is in or out of stock, else None."""
    if _OUT_OF_STOCK.search(text):
        return False
    if _IN_STOCK.search(text):
        return True
    return None


# Currency amounts as shops write them: a symbol or code before or after the number.
_SYMBOLS = r"(?:US\$|C\$|A\$|NZ\$|HK\$|R\$|\$|€|£|¥|₹|₩|₽|₺|₪|₫|฿|zł|kr\.?|Kč|CHF|Fr\.|EUR|USD|GBP|JPY|"
_SYMBOLS += r"CAD|AUD|SEK|NOK|DKK|PLN|BRL|MXN|INR|CNY|RUB|TRY|ZAR|Rs\.?|RM|lei)"
_AMOUNT = r"\d{1,3}(?:[.,'\u2019 \u00a0]\d{3})*(?:[.,]\d{1,2})?(?![\d])|\d+(?:[.,]\d{1,2})?(?![\d])"
CURRENCY_AMOUNT = re.compile(
    rf"{_SYMBOLS}\s?(?:{_AMOUNT})(?:[.,]-)?|(?<![\w.,])(?:{_AMOUNT})\s?{_SYMBOLS}(?!\w)", re.IGNORECASE
)
CURRENCY_CODES = {
    "$": "USD", "us$": "USD", "€": "EUR", "£": "GBP", "¥": "JPY", "₹": "INR", "₩": "KRW", "₽": "RUB",
    "₺": "TRY", "₪": "ILS", "₫": "VND", "฿": "THB", "zł": "PLN", "kč": "CZK", "chf": "CHF", "fr.": "CHF",
    "c$": "CAD", "a$": "AUD", "nz$": "NZD", "hk$": "HKD", "r$": "BRL", "rm": "MYR", "lei": "RON",
}  # fmt: skip
_CODE = re.compile(_SYMBOLS, re.IGNORECASE)


def currency_code(text: str) -> str | None:
    """The ISO code of the first currency sign or code in `text` (`€ 9,99` -> EUR)."""
    match = _CODE.search(text)
    if match is None:
        return None
    sign = match.group(0).lower()
    return CURRENCY_CODES.get(sign) or (sign.upper() if len(sign) == 3 and sign.isalpha() else None)
