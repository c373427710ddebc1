"""The main content of a page: the article body without navigation, share bars, related links or comments.

One walk over the lexbor tree drops what is never content (scripts, hidden nodes, navigation roles,
elements whose class or id says boilerplate) and measures every element (text, link text, commas,
paragraphs, images, list items). Paragraphs then vote for their ancestors, as Readability does; the
best-scored element, with the siblings that score near it, is the content, cleaned of the lists,
tables and blocks inside it that are mostly links or images. Measured on real pages against their
expected bodies (docs/benchmarks.md), this runs several times faster than trafilatura, so trafilatura
answers only where the own choice is unsure (a short or weakly scored best candidate).
"""

from __future__ import annotations

import hashlib
import logging
import re
from collections.abc import Sequence
from dataclasses import dataclass
from html import escape
from typing import Any

from selectolax.lexbor import LexborHTMLParser

from backend_fastapi.scraping.structured import parse_json_ld

logger = logging.getLogger(__name__)

# Never content, wherever it is. Not `form`: some sites wrap their whole page in one. `rt`/`rp`:
# ruby readings (furigana) printed above the words they spell, which would double every word.
ALWAYS_DROP = frozenset(
    {"script", "style", "noscript", "template", "svg", "iframe", "button", "select", "input", "option",
     "textarea", "dialog", "object", "embed", "link", "meta", "canvas", "head", "title", "rt", "rp"}
)  # fmt: skip
# Page chrome that is not the main content.
CHROME_TAGS = frozenset({"nav", "aside", "footer"})
LANDMARKS = ("main", "article", "[role=main]", "#content", "#main", ".content", ".main-content")
CHROME_ROLES = frozenset(
    {
        "menu",
        "menubar",
        "complementary",
        "navigation",
        "alert",
        "alertdialog",
        "dialog",
        "banner",
        "contentinfo",
    }
)
# Class and id words (Readability's lists, plus cookie banners, newsletter and subscription boxes,
# navigation bars, and German comment sections: `kommentare`, `kommentarModul`).
UNLIKELY_WORDS = (
    "-ad-|ai2html|banner|breadcrumb|combx|comment|community|cover-wrap|disqus|extra|footer|gdpr|header|"
    "legends|menu|related|remark|replies|rss|shoutbox|sidebar|skyscraper|social|sponsor|supplemental|"
    "ad-break|agegate|pagination|pager|popup|yom-remote|cookie|consent|newsletter|modal|signup|donat|"
    "disclaimer|disclosure|postmetadata|entry-meta|post-meta|entry-utility|twitter-tweet|instagram-media|"
    "tiktok-embed|navbar|subnav|navigation|kommentar|subscribe"
)
# Readability's list less `column`: a grid's word (`large-4 columns sidebar`, `column community-notice`)
# that says nothing of what the box holds.
MAYBE_WORDS = "and|article|body|content|main|mathjax|shadow"
# Class and id words of lists of other pages, boilerplate even though they say "article".
OTHER_PAGES_WORDS = (
    "related-article|related_article|relatedarticle|related-post|related_post|relatedpost|"
    "related-stor|related-content|recommended|more-articles|more-stories|morestories|"
    # Teaser lists of other posts, and most-read charts.
    "related-teaser|teaser-list|teaserlist|more-news|morenews|interesting-article|listposts|list-posts|"
    "most-read|mostread|meistgelesen|most-popular|mostpopular|most-viewed|mostviewed|top10"
)
POSITIVE = re.compile(
    r"article|body|content|entry|hentry|h-entry|main|page|pagination|post|text|blog|story", re.I
)
# Not `label-hidden`: Drupal marks every field whose label it hides so, content fields included.
NEGATIVE = re.compile(
    r"-ad-|(?<!label-)hidden|^hid$| hid$| hid |^hid |banner|combx|comment|com-|contact|footer|gdpr|masthead|"
    r"media|meta|outbrain|promo|related|scroll|share|shoutbox|sidebar|skyscraper|sponsor|shopping|tags|widget",
    re.I,
)
SHARE_WORDS = "share|sharing|social|byline|author|autor|dateline|writtenby|credit|copyright|rating|bewertung"
# Below this many characters a share or social box is a bar of buttons, not a part of the text.
SHARE_MAX_TEXT = 500
# A first pass whose content is shorter than this is retried without the class/id guesses.
MIN_ARTICLE = 500
# An element the class/id guesses name as boilerplate is kept when it holds more than this share of
# the page's text: it is the page's wrapper (`layout-container has-sidebar`), not a sidebar.
WRAPPER_SHARE = 0.5
# The most characters of a block's title (`card-header`) kept although its class says "header".
BLOCK_TITLE_MAX = 200
# Class and id words of an article's standfirst (lead paragraph), in the common web languages.
LEAD_CLASS = re.compile(
    r"(?i)(?:^|[\s_-])(?:lead|leadin|intro|standfirst|subtitle|subheadline|bajada|chapeau|chapo|abstract"
    r"|excerpt|dek|deck|description|teaser-text|summary)(?:$|[\s_-])"
)
LEAD_WORDS = ("lead", "intro", "standfirst", "subtitle", "subheadline", "bajada", "chap", "abstract",
              "excerpt", "dek", "deck", "description", "teaser-text", "summary")  # fmt: skip
# One selector with the common part first: half the time of one selector a tag and word.
_LEAD_CSS = ":is(p,div,h2)[class]:is(" + ",".join(f"[class*='{w}' i]" for w in LEAD_WORDS) + ")"
# A standfirst's length in characters, and how far up its ancestor shared with the content may be.
LEAD_TEXT = (60, 1000)
LEAD_DEPTH = 4
# How far up from the content a block repeating the page's meta description may sit: the page says
# itself that this is its summary, so it may sit in a header or side column the drops remove.
DESCRIBED_DEPTH = 8
_PLAIN_RUN = re.compile(r"[A-Za-z0-9 ]+")
# The page's own summary, in the order sites fill them.
DESCRIPTION_CSS = ("meta[name=description i]", "meta[property='og:description' i]")
SENTENCE_END = re.compile(r"[.!?\u2026\u3002][\"'\u201c\u201d\u00bb)]*$")
# A confident choice shorter than this and below this share of the page's text (boilerplate dropped)
# gets a second opinion too, which stands when it holds more text.
SMALL_CONTENT = 3000
SMALL_SHARE = 0.35
# When unsure, the own choice stands over trafilatura's only when it holds this many times more text.
SECOND_LONGER = 2.0
BLOCK_TAGS = frozenset(
    {"a", "blockquote", "dl", "div", "img", "ol", "p", "pre", "table", "ul", "section", "article", "figure",
     "h1", "h2", "h3", "h4", "h5", "h6", "header", "main"}
)  # fmt: skip
INLINE_TAGS = frozenset({"span", "em", "strong", "b", "i", "small", "time"})
SCORED_TAGS = frozenset({"p", "pre", "td", "section", "h2", "h3", "h4", "h5", "h6"})
TAG_BONUS = {
    "div": 5, "pre": 3, "td": 3, "blockquote": 3, "address": -3, "ol": -3, "ul": -3, "dl": -3, "dd": -3,
    "dt": -3, "li": -3, "form": -3, "h1": -5, "h2": -5, "h3": -5, "h4": -5, "h5": -5, "h6": -5, "th": -5,
}  # fmt: skip
CLEANED_TAGS = frozenset({"div", "table", "ul", "form"})
# A block inside the content with this much text besides links (in paragraphs) is text, not clutter.
LONG_TEXT = 2000
MIN_PARAGRAPH = 25
# Text of a `<div>` outside its block children that counts as a paragraph of its own.
LOOSE_PARAGRAPH = 200
# Class names of an article's body wrapper, how far above the best block one is looked for, and the
# most link text it may hold.
ARTICLE_WRAPPER = re.compile(
    r"(?i)(?:^|\s)(?:entry-content|post-content|article-body|article-content|post-body|entry-body|story-body"
    r"|article__body|article-text|post-text|entry-text|single-content|blog-content|content-body|text-content)"
    r"(?:$|\s)"
)
WRAPPER_DEPTH = 6
WRAPPER_LINKS = 0.3
# A best candidate scoring below this is no article: the page is read again without guesses.
WEAK_CANDIDATE = 5.0
# Candidates with less text than this (not counting links) have their score scaled down.
CANDIDATE_TEXT = 250
# A JSON-LD `articleBody` shorter than this is a summary, not the article.
STRUCTURED_MIN_WORDS = 100
# Below this share of the `articleBody`'s word 4-grams, the scored content is another text.
STRUCTURED_AGREEMENT = 0.5
_WORD = re.compile(r"\w+")
# Short lines that label boilerplate, in the common web languages.
BOILERPLATE_LINE = re.compile(
    r"(?i)^[-\u2013\u2014\s]*(?:advertisement|anzeige|werbung|reklama|publicité|publicidad|pubblicità|sponsored"
    r"|related(?: \w+)?|read (?:more|also|next)|see also|more from|you may also like|recommended"
    r"|ähnliche beiträge|weitere (?:beiträge|artikel|links?|themen|nachrichten)\b.*|(?:lesen sie )?auch lesen"
    r"|mehr zum thema|das könnte dich.*|weiterführender? links?|über den autor|about the author"
    r"|(?:zurück zu[rm]?|back to|zu allen) .*"
    # The other languages' "read also" labels (a line of its own before a link to another article).
    r"|(?:à )?lire aussi|voir aussi|(?:te|le) puede interesar|lee (?:también|más)|leggi anche|vedi anche"
    r"|zobacz (?:też|także)|czytaj (?:też|także|więcej)|lees ook|leia (?:também|mais)"
    r"|(?:tags?|schlagworte|schlagwörter|stichworte|kategorien?|category|categories|filed under|posted in"
    r"|foto|photo|bild|image|imagen|quelle|source|fuente|crédits? photos?|credits?|źródło)\s*(?::|via\b).*"
    r"|tags?|schlagworte|schlagwörter|kategorie|category|categories|stichworte"
    r"|(?:keine|no) (?:kommentare|comments)|\d* ?(?:kommentare|comments)"
    # Share and like boxes' titles ("Share this:", "Teilen Sie dies mit:", "Gefällt mir:").
    r"|share(?: this)?(?: on)?|(?:artikel )?teilen(?: sie (?:dies|das))?(?: mit)?"
    r"|partager|compartir|condividi|like this|gefällt mir(?: wird geladen.*)?"
    # Buttons and links that are a line of their own: back, load more, write a comment.
    r"|zurück|back|retour|volver|indietro|wstecz"
    r"|(?:lade|mehr|load|show|see|view|zeige|charger|cargar|carica)"
    r" (?:weitere|mehr|more|plus|más|altri)(?: \w+)?"
    r"|kommentare? schreiben|write a comment|leave a (?:comment|reply)|(?:jetzt )?kommentieren"
    r"|antworten|reply|répondre|responder|rispondi|odpowiedz"
    r")[\s:.!\u00bb\u203a>-]*$"
)
LABEL_MAX = 80
_DATE = r"(?:\d{1,2}[:.]\d{2}(?:\s*(?:[ap]\.?m\.?|uhr|h))?|\d{1,4}[./-]\d{1,2}[./-]\d{1,4})"
# A block that is only a date or a time ("3:59 PM", "24.03.2004, 19:49"): the post's metadata.
DATE_LINE = re.compile(r"(?i)^\W*" + _DATE + r"(?:[\s,|/-]+" + _DATE + r")*\W*$")
TEASER_CARD = "a:has(h2, h3, h4, h5, h6):has(img, picture)"
# A label before a list of topic links, in the common web languages; such a line may be this long.
TAG_LIST_LABEL = re.compile(
    r"(?i)^(?:tags?|topics?|themen|schlagworte|schlagwörter|stichworte|keywords|kategorien?|category|categories"
    r"|filed under|posted in|mots[- ]clés|étiquettes|etiquetas|temas|argomenti|tagi)\s*:"
)
TAG_LIST_MAX = 300
# A block holding only a copyright notice ("© Getty Images", "Copyright 2024 News Ltd").
COPYRIGHT_LINE = re.compile(r"(?i)^(?:©|\(c\)|copyright\b)\s*\S")
# Headings of sections that point to other pages, in the common web languages.
RELATED_HEADING = re.compile(
    r"(?i)^(?:related(?: (?:posts?|articles?|stories|news|content|links|coverage|reading|topics|videos"
    r"|tutorials))?\s*:?$|read (?:more|also|next)\b|see also\b|more (?:from|stories|articles|news)\b"
    r"|more (?:on|in) this (?:story|topic|section|category)\b"
    r"|you (?:may|might) also\b|recommended(?: for you| reading| stories| articles)?\s*:?$"
    r"|(?:also|most) (?:read|popular)\b|discover (?:more|our)\b"
    r"|ähnliche (?:beiträge|artikel|themen)|weitere (?:beiträge|artikel|themen|nachrichten|meldungen)\b"
    r"|(?:lesen sie )?(?:auch|mehr)(?: dazu)?\s*:?$|mehr (?:zum thema|aus|dazu|von)\b"
    r"|das könnte (?:dich|sie)\b"
    r"|weiterführende[rn]? (?:links?|artikel|infos?)|entdecke(?:n sie)? (?:mehr|weitere|jetzt)\b"
    r"|(?:à )?lire aussi|sur le même sujet|dans la même rubrique|(?:te|le) puede interesar|lee también"
    r"|noticias relacionadas|leggi anche|potrebbe interessarti|articoli correlati|zobacz (?:też|także)"
    r"|czytaj (?:też|także))"
)
# A label opening a line whose rest is a link to a neighbouring post ("Next post: <a>...</a>",
# "Vorgängerbeitrag: <a>"), in the common web languages. The "Read more:"/"Related:" line inside an
# article stays: Readability's expected bodies keep it.
_NEIGHBOUR_LABEL = (
    r"(?:(?:next|previous|older|newer) (?:post|article|story|entry)"
    r"|(?:nachfolge|vorgänger|nächster|vorheriger|älterer|neuerer) ?(?:beitrag|artikel|eintrag)"
    r"|(?:article|billet) (?:suivant|précédent)|(?:artículo|entrada) (?:siguiente|anterior)"
    r"|(?:articolo|post) (?:successivo|precedente)|(?:następny|poprzedni) (?:wpis|artykuł)"
    r"|(?:volgend|vorig) (?:bericht|artikel))\s*[:\u00bb\u203a>|-]"
)
LINK_LINE_LABEL = re.compile(r"(?i)^[-\u2013\u2014\s\u00ab\u2039<]*" + _NEIGHBOUR_LABEL + r"\s*")
# A line inviting the reader to follow the site on a social network ("Follow The Daily on Twitter
# and Instagram", "Folgen Sie uns auf Facebook"). Not a bare "Follow us: Twitter | Facebook" bar, nor a
# newsletter's sign-up line: Readability's expected bodies keep those.
_FOLLOW = (
    r"(?:follow|folge[n]?(?: sie)?|suivez|síguenos|seguici|siga|obserwuj|volg)\b.{0,120}?"
    r"\b(?:on|auf|bei|sur|en|su|em|na|op) (?:\w+ )?"
    r"(?:twitter|facebook|instagram|linkedin|youtube|tiktok|whatsapp|telegram|mastodon|threads|bluesky)\b"
)
PROMO_LINE = re.compile(r"(?i)^" + _FOLLOW)
# A short line naming the licence the text is published under ("Dieser Text wurde veröffentlicht unter
# der Lizenz CC-BY-NC-ND-4.0-DE", "Licensed under Creative Commons"): a notice, not the article.
_LICENCE = r"\b(?:creative commons|cc[- ]by(?:[- ](?:nc|nd|sa))*(?:[- ]\d)?|lizenz cc|licen[sc]ed? under)\b"
LICENCE = re.compile(r"(?i)" + _LICENCE)
LICENCE_MAX = 200
# Words the three hold (lower-cased; single words where a line break may part them): a content
# without them is not read line by line, and most pages have none. A follow invitation needs both a
# verb and a network; a neighbour's label, a link (only blocks with one are read).
NEIGHBOUR_WORDS = (
    "next", "previous", "older", "newer", "nachfolge", "vorgänger", "nächster", "vorheriger", "älterer",
    "neuerer", "suivant", "précédent", "siguiente", "anterior", "successivo", "precedente", "następny",
    "poprzedni", "volgend", "vorig",
)  # fmt: skip
FOLLOW_WORDS = ("follow", "folge", "suivez", "síguenos", "seguici", "siga", "obserwuj", "volg")
NETWORK_WORDS = (
    "twitter", "facebook", "instagram", "linkedin", "youtube", "tiktok", "whatsapp", "telegram", "mastodon",
    "threads", "bluesky",
)  # fmt: skip
LICENCE_WORDS = ("commons", "cc-by", "cc by", "lizenz", "licensed", "licenced", "license", "licence")
# Such a line is at most this long, and at least this share of its text after the label is links.
LINK_LINE_MAX = 300
LINK_LINE_LINKS = 0.5
# A list whose text is this much link text is a list of other pages (related stories, tags).
LINK_LIST = 0.9
# A heading whose words are this much in the page's <title> repeats the title (Readability's 0.75).
TITLE_SIMILARITY = 0.75

# Per element: text length, link text length, commas, <p>, <img> and <li> counts, text in lists.
TEXT, LINKS, COMMAS, PARAS, IMAGES, ITEMS, LIST_TEXT = range(7)
FIELDS = 7


def _class_id(node: Any) -> str:
    attrs = node.attributes
    return f"{attrs.get('class') or ''} {attrs.get('id') or ''}".strip()


def class_weight(node: Any) -> int:
    """Readability's class/id weight: +25 for a content word, -25 for a boilerplate word, each."""
    attrs = node.attributes
    weight = 0
    for value in (attrs.get("class"), attrs.get("id")):
        if value:
            weight += (-25 if NEGATIVE.search(value) else 0) + (25 if POSITIVE.search(value) else 0)
    return weight


def _words_css(pattern: str) -> str:
    """A CSS selector for elements whose class or id contains one of `pattern`'s words."""
    words = pattern.split("|")
    return ",".join(f"[class*='{w}' i],[id*='{w}' i]" for w in words)


# The drops as one CSS selector, run by lexbor: far faster than asking each element from Python.
_DROP_CSS = ",".join(
    [
        *sorted(ALWAYS_DROP | CHROME_TAGS),
        "[hidden]",
        "[aria-hidden=true]",
        "[style*='display:none' i]",
        "[style*='display: none' i]",
        "[style*='visibility:hidden' i]",
        "[style*='visibility: hidden' i]",
        *(f"[role={role}]" for role in sorted(CHROME_ROLES)),
    ]
)
_GUESS_CSS = (
    # `:is([class],[id])` first: ~10 % faster, most elements have neither. One selector, not a list
    # of two: the tree is walked once, and an element both name is listed once.
    f":is([class],[id]):is(:is({_words_css(UNLIKELY_WORDS)}):not({_words_css(MAYBE_WORDS)})"
    ":not(body,a,main,article,table,tbody,tr,td,th,code,pre),"
    f":is({_words_css(OTHER_PAGES_WORDS)}):not(body,main))"
)
_SHARE_CSS = _words_css(SHARE_WORDS)


def _in_sentence(node: Any) -> bool:
    """An inline element of a paragraph (`<p><span class=dateline>KOBE - </span>A total...`):
    part of the text, whatever its class says."""
    parent = node.parent
    return node.tag in INLINE_TAGS and parent is not None and parent.tag == "p"


def _drop_boilerplate(root: Any, guess: bool) -> None:
    """Removes what is never content (and, when `guess`, what class or id names as boilerplate,
    unless it holds most of the page's text: `layout has-sidebar` wraps the whole page)."""
    _show_noscript_page(root)
    # Innermost first: a node is never removed after (and so inside) an ancestor already removed.
    for node in reversed(_below(root, _DROP_CSS)):
        node.decompose()
    if not guess:
        return
    guessed = _below(root, _GUESS_CSS)
    if not guessed:
        return
    most = len(root.text(deep=True)) * WRAPPER_SHARE
    sizes = [len(node.text(deep=True)) for node in guessed]
    for node, size in zip(reversed(guessed), reversed(sizes), strict=True):
        if size <= most and not _block_title(node):
            node.decompose()


def _show_noscript_page(root: Any) -> None:
    """A `<noscript>` holding most of the page's text is the page itself, as served to readers
    without scripts (the script builds the same page): its content stays, the wrapper goes."""
    # Most are a tracking pixel or a line asking for scripts: the page's text is counted only
    # when one could be an article.
    sizes = [(len(node.text(deep=True)), node) for node in root.css("noscript")]
    large = [(size, node) for size, node in sizes if size >= LOOSE_PARAGRAPH]
    if not large:
        return
    most = len(root.text(deep=True)) * WRAPPER_SHARE
    for size, node in large:
        if size > most:
            node.unwrap()
            return


def _block_title(node: Any) -> bool:
    """The header of a block whose body follows it (`card-header` then `card-body`, a question of an
    accordion before its answer): the block's title, not the page's header."""
    # The page's title is in `metadata`: an article's own header (with its `<h1>`) stays a header.
    if "header" not in _class_id(node).lower() or node.css_first("h1") is not None:
        return False
    sibling = node.next
    while sibling is not None and sibling.tag in ("-text", "-comment"):
        sibling = sibling.next
    if sibling is None:
        return False
    following = (sibling.attributes.get("class") or "").lower()
    if "body" not in following and "collapse" not in following:
        return False
    # A title is a line, not a bar of links (a site's header before its `page-body`).
    text = len(node.text().strip())
    links = sum(len(a.text().strip()) for a in node.css("a"))
    return text <= BLOCK_TITLE_MAX and links * 2 < text


class _Scorer:
    """One walk over the tree: drops, measures, and scores paragraphs into their ancestors."""

    def __init__(self, share: set[int]) -> None:
        self.share = share
        self.stats: dict[int, list[int]] = {}
        self.nodes: dict[int, Any] = {}
        self.scores: dict[int, float] = {}
        self.order: list[int] = []  # measured elements, innermost first
        self.dropped: list[Any] = []

    def walk(self, node: Any, ancestors: list[Any]) -> list[int]:
        # Local counters, unrolled: this runs for every element of every page.
        text = links = commas = paras = images = items = list_text = 0
        # Text outside block children: a `<div>` holding its text between `<br>`s beside a box.
        loose = loose_commas = 0
        has_block = False
        tag = node.tag
        mark = len(self.order)
        ancestors.append(node)
        for child in node.iter(include_text=True):
            ctag = child.tag
            if ctag == "-text":
                content = child.text_content
                if content:
                    size = len(content.strip())
                    text += size
                    loose += size
                    found = content.count(",")
                    commas += found
                    loose_commas += found
                continue
            if ctag == "-comment" or ctag is None:
                continue
            sub = self.walk(child, ancestors)
            text += sub[0]
            links += sub[1]
            commas += sub[2]
            paras += sub[3]
            images += sub[4]
            items += sub[5]
            list_text += sub[6]
            if ctag in BLOCK_TAGS:
                has_block = True
            else:
                loose += sub[0]
                loose_commas += sub[2]
        ancestors.pop()
        key = node.mem_id
        if key in self.share and text < SHARE_MAX_TEXT:
            self.dropped.append(node)
            # Nothing inside a removed node may be chosen (or touched) later.
            for inner in self.order[mark:]:
                del self.stats[inner], self.nodes[inner]
                self.scores.pop(inner, None)
            del self.order[mark:]
            self.scores.pop(key, None)
            return [0] * FIELDS
        if tag == "a":
            links = text
        elif tag == "p":
            paras += 1
        elif tag == "img":
            images += 1
        elif tag == "li":
            items += 1
        elif tag == "ul" or tag == "ol":
            list_text = text
        stats = [text, links, commas, paras, images, items, list_text]
        self.stats[key] = stats
        self.nodes[key] = node
        self.order.append(key)
        if text >= MIN_PARAGRAPH and (tag in SCORED_TAGS or (tag == "div" and not has_block)):
            self._vote(stats, ancestors)
        elif tag == "div" and loose >= LOOSE_PARAGRAPH:
            # Its own text counts as a paragraph of it (Readability turns such runs into `<p>`s).
            ancestors.append(node)
            self._vote([loose, 0, loose_commas], ancestors)
            ancestors.pop()
        return stats

    def _vote(self, stats: list[int], ancestors: list[Any]) -> None:
        score = 1 + stats[COMMAS] + min(stats[TEXT] // 100, 3)
        for level, ancestor in enumerate(reversed(ancestors[-5:])):
            if ancestor.tag in ("html", "body"):
                break
            key = ancestor.mem_id
            if key not in self.scores:
                self.scores[key] = TAG_BONUS.get(ancestor.tag, 0) + class_weight(ancestor)
            divider = 1 if level == 0 else 2 if level == 1 else level * 3
            self.scores[key] += score / divider

    def link_density(self, key: int) -> float:
        stats = self.stats.get(key)
        return stats[LINKS] / stats[TEXT] if stats and stats[TEXT] else 0.0

    def final(self, key: int) -> float:
        stats = self.stats[key]
        # A teaser box whose class says "text" must not outrank an article of several paragraphs.
        mass = min(1.0, (stats[TEXT] - stats[LINKS]) / CANDIDATE_TEXT)
        return self.scores[key] * (1 - self.link_density(key)) * mass


def _best(scorer: _Scorer) -> Any | None:
    """The top candidate, moved up to its parent while the parent holds more of the content."""
    if not scorer.scores:
        return None
    finals = {key: scorer.final(key) for key in scorer.scores}
    top_key = max(finals, key=finals.__getitem__)
    top = scorer.nodes[top_key]
    top_score = finals[top_key]
    # Several strong candidates under one ancestor: the article is split into blocks.
    strong = [scorer.nodes[k] for k, v in finals.items() if k != top_key and v >= top_score * 0.75]
    if len(strong) >= 3:
        top = _common_ancestor(top, strong) or top
    # A parent scoring higher holds more of the article (the scores of its other children).
    last = finals.get(top.mem_id, top_score)
    parent = top.parent
    while parent is not None and parent.tag not in ("body", "html"):
        score = finals.get(parent.mem_id)
        if score is not None:
            if score < last / 3:
                break
            if score > last:
                top = parent
                break
            last = score
        parent = parent.parent
    # An only child carries no more than its parent.
    while top.parent is not None and top.parent.tag not in ("body", "html"):
        parent = top.parent
        kids = [c for c in parent.iter() if c.mem_id in scorer.stats]
        if len(kids) != 1:
            break
        top = parent
    return _named_wrapper(scorer, top)


def _named_wrapper(scorer: _Scorer, top: Any) -> Any:
    """The element a few levels up that names itself the article's body (`entry-content`,
    `itemprop=articleBody`), when it is not a list of links: page builders split an article into
    rows and columns that score apart, and the best of them holds only a part."""
    node, depth = top.parent, 0
    while node is not None and node.tag not in ("body", "html") and depth < WRAPPER_DEPTH:
        if node.attributes.get("itemprop") == "articleBody" or ARTICLE_WRAPPER.search(
            node.attributes.get("class") or ""
        ):
            return node if scorer.link_density(node.mem_id) < WRAPPER_LINKS else top
        node, depth = node.parent, depth + 1
    return top


def _common_ancestor(top: Any, others: list[Any]) -> Any | None:
    """The nearest ancestor of `top` holding at least three of `others`."""
    others_ids = {o.mem_id for o in others}
    node = top.parent
    while node is not None and node.tag not in ("body", "html"):
        inside = 0
        for desc in node.traverse():
            if desc.mem_id in others_ids:
                inside += 1
                if inside >= 3:
                    return node
        node = node.parent
    return None


def _with_siblings(scorer: _Scorer, top: Any) -> list[Any]:
    """The top candidate and the siblings that belong to the same article."""
    parent = top.parent
    if parent is None or parent.tag in ("html",):
        return [top]
    top_key = top.mem_id
    top_score = scorer.final(top_key) if top_key in scorer.scores else 0.0
    threshold = max(10.0, top_score * 0.2)
    # Blocks of one article share their first class word (`block block--text`, `block block--quote`).
    top_class = _first_word(top.attributes.get("class"))
    chosen = []
    for sibling in parent.iter():
        key = sibling.mem_id
        if key not in scorer.stats:
            continue
        if key == top_key:
            chosen.append(sibling)
            continue
        same = top_class and _first_word(sibling.attributes.get("class")) == top_class
        bonus = top_score * 0.2 if same else 0.0
        if key in scorer.scores and scorer.final(key) + bonus >= threshold:
            chosen.append(sibling)
        elif sibling.tag == "p":
            length = scorer.stats[key][TEXT]
            density = scorer.link_density(key)
            if length > 80 and density < 0.25:
                chosen.append(sibling)
            elif 0 < length <= 80 and density == 0 and re.search(r"\.( |$)", sibling.text()):
                chosen.append(sibling)
    return chosen


def _first_word(value: str | None) -> str:
    words = value.split() if value else ()
    return words[0] if words else ""


def _clean(scorer: _Scorer, roots: list[Any]) -> None:
    """Removes, inside the content, blocks that are mostly links, images or form parts."""
    doomed: list[Any] = []
    for root in roots:
        _mark(scorer, root, doomed, in_figure=False)
    for node in doomed:
        node.decompose()
    _drop_labels(scorer, roots)


def _drop_labels(scorer: _Scorer, roots: list[Any]) -> None:
    """Removes short boilerplate lines (ad labels, "Related", "Tags:", photo credits) and the
    headings left with nothing under them once their link lists were removed."""
    doomed = []
    for root in roots:
        # A link wrapping a heading and a picture is a card pointing to another article.
        _decompose_all(_below(root, TEASER_CARD))
        _drop_related_sections(root)
        _drop_link_lines(scorer, root)
        for node in _below(root, "p, span, div, h2, h3, h4, h5, h6, strong, figcaption, li, dt, small, a"):
            # The measured length first: asking lexbor for the text of every block is not free.
            stats = scorer.stats.get(node.mem_id)
            if (
                stats is not None
                and stats[TEXT] > LABEL_MAX
                and (stats[TEXT] > TAG_LIST_MAX or not _opens_with_label(node))
            ):
                continue
            text = node.text()
            if len(text) > LABEL_MAX:
                if len(text) <= TAG_LIST_MAX and _tag_list(node, text):
                    doomed.append(node)
                continue
            line = text.strip()
            if (
                BOILERPLATE_LINE.match(line)
                or _copyright_notice(node, line)
                or (node.tag not in INLINE_TAGS and node.tag != "a" and DATE_LINE.match(line))
            ):
                doomed.append(node)
    _decompose_all(doomed)
    # Only the last root's: a heading closing an earlier root is followed by the next one's text.
    for root in roots[-1:]:
        headings = _below(root, "h2, h3, h4, h5, h6")
        for heading in reversed(headings):
            if _nothing_after(heading, root):
                heading.decompose()
            else:
                break


def _opens_with_label(node: Any) -> bool:
    """Whether a block's first words end in a colon ("Tags:", "<b>Topics:</b>"): cheap, no text of
    the whole block asked for."""
    for child in node.iter(include_text=True):
        first = child.text_content if child.tag == "-text" else child.text(deep=True)
        if first and first.strip():
            return ":" in first[:40]
    return False


def _tag_list(node: Any, text: str) -> bool:
    """A labelled list of links to topics ("Topics: uber, sharing economy, ..."), however long."""
    line = " ".join(text.split())
    if not TAG_LIST_LABEL.match(line):
        return False
    links = sum(len(a.text(strip=True)) for a in node.css("a"))
    return links * 2 >= len(line.split(":", 1)[1])


def _copyright_notice(node: Any, line: str) -> bool:
    """A block that is only a copyright notice or a picture's credit ("© Getty Images"): not an
    inline credit inside a line of text, nor a sentence that opens with one."""
    if node.tag in INLINE_TAGS or SENTENCE_END.search(line):
        return False
    return COPYRIGHT_LINE.match(line) is not None


def _drop_related_sections(root: Any) -> None:
    """Removes sections headed as other content ("Related", "More from", "Lesen Sie auch"):
    the heading and what follows it up to the next heading."""
    doomed: list[Any] = []
    for heading in _below(root, "h2, h3, h4, h5, h6"):
        text = heading.text().strip()
        if len(text) > LABEL_MAX or not RELATED_HEADING.match(text):
            continue
        node = heading
        # A heading alone in its wrapper (a box title): the box's following siblings are the section.
        while (
            node.parent is not None
            and node.parent.mem_id != root.mem_id
            and node.parent.text().strip() == text
        ):
            node = node.parent
        doomed.append(node)
        sibling = node.next
        while sibling is not None:
            if sibling.tag in ("h1", "h2", "h3", "h4", "h5", "h6") or (
                sibling.tag not in ("-text", "-comment") and sibling.css_first("h1, h2, h3, h4, h5, h6")
            ):
                break
            if sibling.tag not in ("-text", "-comment"):
                doomed.append(sibling)
            sibling = sibling.next
    _decompose_all(doomed)


def _drop_link_lines(scorer: _Scorer, root: Any) -> None:
    """Removes lines that point elsewhere: a label for the next or previous post, then mostly its
    link; an invitation to follow the site on a social network; a short licence notice."""
    text = root.text().lower()
    neighbours = any(word in text for word in NEIGHBOUR_WORDS)
    notices = any(word in text for word in LICENCE_WORDS) or (
        any(word in text for word in FOLLOW_WORDS) and any(word in text for word in NETWORK_WORDS)
    )
    if not (neighbours or notices):
        return
    doomed = []
    for node in _below(root, "p, li, dd, div"):
        stats = scorer.stats.get(node.mem_id)
        if stats is not None and (stats[TEXT] > LINK_LINE_MAX or not (notices or stats[LINKS])):
            continue  # too long, or (when only a neighbour's label may be there) without a link
        line = " ".join(node.text().split())
        if len(line) > LINK_LINE_MAX:
            continue
        if notices and (PROMO_LINE.match(line) or (len(line) <= LICENCE_MAX and LICENCE.search(line))):
            doomed.append(node)
            continue
        label = LINK_LINE_LABEL.match(line) if neighbours else None
        if label is None:
            continue
        rest = len(line) - label.end()
        links = sum(len(a.text(strip=True)) for a in node.css("a"))
        if rest > 0 and links >= rest * LINK_LINE_LINKS:
            doomed.append(node)
    _decompose_all(doomed)


def _nothing_after(node: Any, root: Any) -> bool:
    """True when no text follows `node` inside `root`."""
    while node is not None and node.mem_id != root.mem_id:
        sibling = node.next
        while sibling is not None:
            if (sibling.text() or "").strip():
                return False
            sibling = sibling.next
        node = node.parent
    return True


def _mark(scorer: _Scorer, node: Any, doomed: list[Any], in_figure: bool) -> None:
    for child in node.iter():
        key = child.mem_id
        stats = scorer.stats.get(key)
        if stats is None:
            continue
        tag = child.tag
        if tag in ("pre", "code") or (tag == "table" and _is_data_table(child)):
            continue
        if tag in CLEANED_TAGS and _is_clutter(scorer, child, tag, stats, in_figure):
            doomed.append(child)
            continue
        if tag in ("h1", "h2", "h3") and class_weight(child) < 0:
            doomed.append(child)
            continue
        _mark(scorer, child, doomed, in_figure or tag == "figure")


def _is_data_table(table: Any) -> bool:
    """Readability's test: a table of data (headers, a caption, or many cells), not one for layout."""
    if table.attributes.get("role") == "presentation" or table.css_first("table"):
        return False
    if table.css_first("caption, colgroup, col, thead, tfoot, th"):
        return True
    rows = table.css("tr")
    cells = len(table.css("td"))
    return len(rows) >= 10 or cells > 10


def _is_clutter(scorer: _Scorer, node: Any, tag: str, stats: list[int], in_figure: bool) -> bool:
    """Readability's conditional cleaning: a block that looks like navigation or an ad."""
    weight = class_weight(node)
    score = scorer.scores.get(node.mem_id, 0.0)
    if stats[COMMAS] >= 10 and stats[PARAS] >= 3 and stats[TEXT] - stats[LINKS] >= LONG_TEXT:
        return False  # pages of prose, whatever the class says (`media`, `meta`)
    if weight + score < 0:
        return True
    if stats[COMMAS] >= 10:
        return False
    text = stats[TEXT]
    if tag == "form" and text < MIN_PARAGRAPH:
        return True  # a search or sign-up box
    is_list = tag in ("ul", "ol") or (text > 0 and stats[LIST_TEXT] / text > 0.9)
    paras, images, items = stats[PARAS], stats[IMAGES], stats[ITEMS] - 100
    density = scorer.link_density(node.mem_id)
    clutter = (
        (images > 1 and paras / images < 0.5 and not in_figure)
        or (not is_list and items > paras)
        or (not is_list and text < MIN_PARAGRAPH and (images == 0 or images > 2) and density > 0)
        or (not is_list and weight < 25 and density > 0.2)
        or (weight >= 25 and density > 0.5)
        or (is_list and density > LINK_LIST)
    )
    if is_list and clutter:
        # A simple list of images stays.
        for child in node.iter():
            if sum(1 for _ in child.iter()) > 1:
                return True
        return stats[ITEMS] != stats[IMAGES]
    return clutter


# The blocks a crawl counts across its pages: what a site repeats is chrome (a newsletter box, a
# disclaimer, a "follow us" line), however the page's markup hides it among the article's paragraphs.
REPEATED_TAGS = ("p", "li", "h1", "h2", "h3", "h4", "h5", "h6", "dt", "dd", "figcaption", "blockquote", "pre",
                 "td", "th")  # fmt: skip
REPEATED_BLOCKS = ", ".join(REPEATED_TAGS)


class RepeatedBlocks:
    """One crawl's count of text blocks per site: a block already on `min_pages` pages is boilerplate.

    `drop(nodes, site)` removes the blocks already seen on enough pages of the site from a page's
    content, then counts the page's blocks (once each). The count keeps at most `max_blocks` blocks,
    so a crawl of any size holds a few MB; the first pages of a site keep their repeated blocks.
    """

    def __init__(self, min_pages: int = 3, max_blocks: int = 200_000) -> None:
        self.min_pages = min_pages
        self.max_blocks = max_blocks
        self.counts: dict[tuple[str, int], int] = {}

    def drop(self, nodes: list[Any], site: str) -> list[Any]:
        """The content without the site's repeated blocks (outermost removed, top-level left out)."""
        doomed: list[Any] = []
        seen: set[int] = set()
        kept = []
        for node in nodes:
            if node.tag in REPEATED_TAGS:
                key = _block_key(node)
                if key is not None and self._count(site, key, seen):
                    continue  # a node of the list itself: left out, never rendered once removed
            kept.append(node)
            for block in _below(node, REPEATED_BLOCKS):
                key = _block_key(block)
                if key is not None and self._count(site, key, seen):
                    doomed.append(block)
        _decompose_all(doomed)
        return kept

    def _count(self, site: str, key: int, seen: set[int]) -> bool:
        """Counts a block once per page; True when it was on `min_pages` pages before this one."""
        entry = (site, key)
        count = self.counts.get(entry, 0)
        if key not in seen:
            seen.add(key)
            if count or len(self.counts) < self.max_blocks:
                self.counts[entry] = count + 1
        return count >= self.min_pages


def _block_key(node: Any) -> int | None:
    """A block's text, spacing and case aside, as a hash; None for a block without words."""
    text = " ".join(node.text(separator=" ").split()).lower()
    if not _WORD.search(text):
        return None
    # Stable across processes (unlike `hash`), 8 bytes a block.
    return int.from_bytes(hashlib.blake2b(text.encode(), digest_size=8).digest(), "big")


@dataclass(frozen=True)
class ContentOptions:
    """How `markdown` and `text` choose what to keep (the scrape request's content fields)."""

    only_main_content: bool = True
    include_selectors: tuple[str, ...] = ()
    exclude_selectors: tuple[str, ...] = ()


def main_content(
    html: str,
    *,
    only_main_content: bool = True,
    include_selectors: Sequence[str] = (),
    exclude_selectors: Sequence[str] = (),
    use_library: bool = True,
) -> list[Any]:
    """The elements holding the page's main content, in document order (the whole body if none).

    `include_selectors` picks the content outright; `exclude_selectors` removes elements first;
    `only_main_content=False` keeps the whole body (less scripts, styles and form controls);
    `use_library=False` never asks trafilatura for a second opinion.
    """
    if only_main_content and not include_selectors:
        scripts: list[str] = []
        strength: list[float] = []
        content = _article(html, exclude_selectors, guess=True, json_ld=scripts, strength=strength)
        if content is not None and _length(content) >= MIN_ARTICLE and strength[0] >= WEAK_CANDIDATE:
            length = _length(content)
            if use_library and length < SMALL_CONTENT and length < SMALL_SHARE * strength[1]:
                # A strong block that is a small part of the page may be one block of a larger
                # article (rows of a page builder, a section of a long guide): asked too.
                second = second_opinion(html, exclude_selectors)
                if second is not None and _length(second) > _length(content):
                    return _agree_with_structured(scripts, second)
            return _agree_with_structured(scripts, content)
        # Unsure: a short or weak best candidate. A second opinion from another method does better
        # here than the scores (docs/benchmarks.md); it runs on these pages only, keeping the speed.
        second = second_opinion(html, exclude_selectors) if use_library else None
        # The class and id guesses threw the article away (a body inside a "header" wrapper...).
        retry = _article(html, exclude_selectors, guess=False)
        own = max((c for c in (content, retry) if c), key=_length, default=None)
        if own is None:
            body = _body(html, exclude_selectors)
            own = _landmark(body[0]) if body else []
        if second is not None and _length(own) < SECOND_LONGER * _length(second):
            return _agree_with_structured(scripts, second)
        if own is not content:
            # Read without the guesses, or a landmark: its labels and related sections are no content either.
            _drop_labels(_Scorer(set()), own)
        return own
    root = _body(html, exclude_selectors)
    if include_selectors and root:
        # One selector list: lexbor answers in document order.
        return _outermost(root[0].css(",".join(include_selectors)))
    return root


def second_opinion(html: str, exclude_selectors: Sequence[str] = ()) -> list[Any] | None:
    """trafilatura's main content as one element, or None (not installed, nothing found, too short)."""
    try:
        import trafilatura
    except ImportError:
        return None
    # It logs a warning for every page where it finds no article: an answer here, not a fault.
    logging.getLogger("trafilatura").setLevel(logging.ERROR)
    body = _body(html, exclude_selectors)
    # A page this short holds no article the scores could miss: the own choice stands.
    page_length = len(body[0].text(strip=True)) if body else 0
    if page_length < MIN_ARTICLE:
        return None
    if exclude_selectors:
        html = body[0].html or ""
    try:
        found = trafilatura.extract(
            html,
            output_format="html",
            include_tables=True,
            include_links=True,
            include_images=True,
            include_formatting=True,
            include_comments=False,
            # Precision: no "baseline" rescue (the page's whole text when it finds no article).
            favor_precision=True,
            fast=True,  # its own fallbacks double its time for little: measured on the tuning pages
        )
    except Exception:  # a library's parse error is no reason to fail the page: the scores answer
        logger.debug("trafilatura failed on a page", exc_info=True)
        return None
    if not found:
        return None
    node = LexborHTMLParser(found).body
    if node is None:
        return None
    if len(node.text(strip=True)) < MIN_PARAGRAPH:
        return None
    # The same label and related-section cleaning as the own choice gets (no measures: all are read).
    _drop_labels(_Scorer(set()), [node])
    return [node]


def _agree_with_structured(json_ld: list[str], content: list[Any]) -> list[Any]:
    """The content, or the page's own JSON-LD `articleBody` when the content holds little of it."""
    body = structured_body(json_ld)
    if body is None:
        return content
    wanted = _shingles(body)
    found = _shingles(" ".join(node.text(separator=" ") for node in content))
    if len(wanted & found) >= STRUCTURED_AGREEMENT * len(wanted):
        return content
    # The scored element is not the article the page describes (a teaser, a gallery, a comment).
    paragraphs = "".join(f"<p>{escape(line.strip())}</p>" for line in body.splitlines() if line.strip())
    node = LexborHTMLParser(f"<div>{paragraphs}</div>").css_first("div")
    return [node] if node is not None else content


def structured_body(json_ld: list[str]) -> str | None:
    """The longest `articleBody` of JSON-LD scripts (`mainEntity` included), if long enough."""
    bodies: list[str] = []
    for script in json_ld:
        if "articleBody" in script:
            _find_bodies(parse_json_ld(script), bodies)
    best = max(bodies, key=len, default="")
    return best if len(best.split()) >= STRUCTURED_MIN_WORDS else None


def _find_bodies(value: Any, out: list[str]) -> None:
    if isinstance(value, dict):
        for key, item in value.items():
            if key == "articleBody" and isinstance(item, str):
                out.append(item)
            else:
                _find_bodies(item, out)
    elif isinstance(value, list):
        for item in value:
            _find_bodies(item, out)


def _shingles(text: str) -> set[tuple[str, ...]]:
    words = _WORD.findall(text.lower())
    return {tuple(words[i : i + 4]) for i in range(len(words) - 3)}


def _length(nodes: list[Any]) -> int:
    return sum(len(node.text()) for node in nodes)


def _landmark(root: Any) -> list[Any]:
    """On a page without paragraphs: the element that says it is the main one, else the body."""
    for selector in LANDMARKS:
        node = root.css_first(selector)
        if node is not None and node.text().strip():
            return [node]
    _decompose_all(_below(root, ",".join(sorted(CHROME_TAGS))))
    return [root]


def _body(html: str, exclude_selectors: Sequence[str]) -> list[Any]:
    """The page's body without what is never content and without the excluded elements."""
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return []
    for selector in exclude_selectors:
        _decompose_all(_below(root, selector))
    _decompose_all(_below(root, ",".join(sorted(ALWAYS_DROP - {"head", "title", "link", "meta"}))))
    return [root]


def _article(
    html: str,
    exclude_selectors: Sequence[str],
    guess: bool,
    json_ld: list[str] | None = None,
    strength: list[float] | None = None,
) -> list[Any] | None:
    """The best-scored element and its siblings, cleaned; None when no paragraph was found.

    `json_ld` receives the text of the page's JSON-LD scripts when one names an `articleBody`,
    `strength` the best candidate's score.
    """
    tree = LexborHTMLParser(html)
    root = tree.body or tree.root
    if root is None:
        return None
    if json_ld is not None and '"articleBody"' in html:
        json_ld.extend(node.text() for node in tree.css("script[type='application/ld+json']"))
    for selector in exclude_selectors:
        _decompose_all(_below(root, selector))
    leads = _leads(root, html, _description(tree)) if guess else []
    _drop_boilerplate(root, guess)
    share = {node.mem_id for node in root.css(_SHARE_CSS) if not _in_sentence(node)} if guess else set()
    share.discard(root.mem_id)
    scorer = _Scorer(share)
    try:
        scorer.walk(root, [])
    except RecursionError:
        return None
    # Appended innermost first, so no node is removed inside one already removed.
    for node in scorer.dropped:
        node.decompose()
    top = _best(scorer)
    if top is None:
        return None
    if strength is not None:
        strength.append(max(scorer.final(key) for key in scorer.scores))
        # The page's text once boilerplate is dropped, to tell a small part of it.
        strength.append(scorer.stats[root.mem_id][TEXT] if root.mem_id in scorer.stats else 0)
    content = _with_siblings(scorer, top)
    if guess:
        _clean(scorer, content)
    title = tree.css_first("title")
    if title is not None:
        _drop_title_heading(content, title.text())
    if leads and content:
        _add_lead(html, content, leads)
    return content


@dataclass(frozen=True)
class _Lead:
    """A paragraph that introduces an article (its standfirst), kept before the drops remove it."""

    html: str
    text: str
    ancestors: frozenset[int]
    # How many of the content's ancestors may be the one it shares.
    depth: int = LEAD_DEPTH


def _description(tree: Any) -> str:
    """The page's meta description (or Open Graph one), spaces collapsed; "" if none."""
    for selector in DESCRIPTION_CSS:
        node = tree.css_first(selector)
        content = " ".join((node.attributes.get("content") or "").split()) if node is not None else ""
        if content:
            return content
    return ""


def _leads(root: Any, html: str = "", description: str = "") -> list[_Lead]:
    """The standfirst paragraphs of the page: often in the article's header, which the drops remove.

    Blocks whose class names a standfirst and reads as sentences, and the block that repeats the
    page's meta description (the page's own word that it is the summary, with or without a stop).
    """
    leads = []
    for node in _below(root, _LEAD_CSS):
        if not LEAD_CLASS.search(_class_id(node)):
            continue
        text = " ".join(node.text(separator=" ").split())
        # A standfirst is sentences: a headline, a caption or a form hint without a final stop is not.
        if not LEAD_TEXT[0] <= len(text) <= LEAD_TEXT[1] or not SENTENCE_END.search(text):
            continue
        if _mostly_links(node, text):
            continue
        leads.append(_Lead(node.html or "", text, _ancestors(node, LEAD_DEPTH)))
    described = _described(root, html, description)
    if described is not None:
        leads.append(described)
    return leads


def _described(root: Any, html: str, description: str) -> _Lead | None:
    """The block whose text is the page's meta description, as a standfirst; None if there is none."""
    if not LEAD_TEXT[0] <= len(description) <= LEAD_TEXT[1]:
        return None
    # Most pages say their description in the head only: a plain run of its words missing from the
    # body's markup spares asking lexbor for every element's text.
    probe = max(_PLAIN_RUN.findall(description[:40]), key=len, default="").strip()
    if len(probe) >= 8 and html.find(probe, max(html.find("<body"), 0)) < 0:
        return None
    # lexbor finds the description's first words in one text node; the block holding them all is
    # that node's element or one of its few nearest ancestors.
    head = description[:30].rsplit(" ", 1)[0]
    if '"' in head or "\\" in head or len(head) < 12:
        return None
    for node in _below(root, f':is(p,h2,h3,div,li,span,strong,em):lexbor-contains("{head}")'):
        for _ in range(3):
            if node is None or node.tag in ("body", "html"):
                break
            text = " ".join(node.text(separator=" ").split())
            if len(text) > len(description) + 20:
                break
            # A description cut short ("...") is the start of the block's text.
            cut = description.rstrip(".\u2026").rstrip() if description.endswith(("...", "\u2026")) else None
            if text == description or (cut and text.startswith(cut)):
                if _mostly_links(node, text):
                    return None
                return _Lead(node.html or "", text, _ancestors(node, DESCRIBED_DEPTH), DESCRIBED_DEPTH)
            node = node.parent
    return None


def _mostly_links(node: Any, text: str) -> bool:
    links = sum(len(a.text()) for a in node.css("a"))
    return links > 0.3 * len(text)


def _ancestors(node: Any, depth: int) -> frozenset[int]:
    """The ids of a node's nearest `depth` ancestors below the body."""
    ancestors: list[int] = []
    parent = node.parent
    while parent is not None and parent.tag not in ("body", "html") and len(ancestors) < depth:
        ancestors.append(parent.mem_id)
        parent = parent.parent
    return frozenset(ancestors)


def _add_lead(html: str, content: list[Any], leads: list[_Lead]) -> None:
    """Puts the article's standfirst before its content when the scores left it out.

    The standfirst must sit near the content (an ancestor in common a few levels up) and come
    before it in the page; it is taken from a copy, as the drops may have removed the original.
    """
    first = content[0]
    # The content's first element too: the drops may have removed a header from inside it.
    near, node = [], first
    for _ in range(DESCRIBED_DEPTH + 1):
        if node is None or node.tag in ("body", "html"):
            break
        near.append(node.mem_id)
        node = node.parent
    # The content is a block of the body itself: the page's header may be the block before it, and
    # the standfirst the page describes itself with may be in there.
    header = first.prev if len(near) == 1 else None
    while header is not None and header.tag in ("-text", "-comment"):
        header = header.prev
    said = " ".join(" ".join(n.text(separator=" ").split()) for n in content)
    start = None
    for lead in reversed(leads):
        in_header = header is not None and lead.depth == DESCRIBED_DEPTH and header.mem_id in lead.ancestors
        if (lead.ancestors.isdisjoint(near[: lead.depth + 1]) and not in_header) or lead.text[:40] in said:
            continue
        # Before the content in the page: the lead's words come first in the HTML.
        if start is None:
            start = _find_words(html, " ".join(first.text(separator=" ").split()))
        at = _find_words(html, lead.text)
        if at < 0 or start < 0 or at > start:
            continue
        copy = LexborHTMLParser(f"<div>{lead.html}</div>").css_first("div")
        if copy is not None:
            content.insert(0, copy)
        return


def _find_words(html: str, text: str) -> int:
    """Where a text's first words are in the page's body (spaces or inline tags between them), or -1."""
    words = text[:30].split()
    if not words:
        return -1
    body = html.find("<body")  # not the `<meta name=description>` that repeats a standfirst
    found = re.compile(r"(?:\s|<[^>]*>)+".join(re.escape(word) for word in words)).search(html, max(body, 0))
    return found.start() if found else -1


def _drop_title_heading(content: list[Any], title: str) -> None:
    """Removes the first `h1`/`h2` that repeats the page's title: the title is not the article body."""
    words = set(_WORD.findall(title.lower()))
    if not words:
        return
    for index, node in enumerate(content):
        heading = node if node.tag in ("h1", "h2") else node.css_first("h1, h2")
        if heading is None:
            continue
        said = _WORD.findall(heading.text().lower())
        if said and sum(word in words for word in said) >= TITLE_SIMILARITY * len(said):
            if heading is node:
                del content[index]  # a node of the list itself: never render a removed node
            else:
                heading.decompose()
        return


def _outermost(nodes: list[Any]) -> list[Any]:
    """The nodes that are not inside another of them, once each."""
    ids = {node.mem_id for node in nodes}
    out, seen = [], set()
    for node in nodes:
        if node.mem_id in seen:
            continue
        seen.add(node.mem_id)
        parent = node.parent
        while parent is not None and parent.mem_id not in ids:
            parent = parent.parent
        if parent is None:
            out.append(node)
    return out


def _below(root: Any, selector: str) -> list[Any]:
    """The elements inside `root` matching `selector` (lexbor's CSS also matches `root` itself)."""
    key = root.mem_id
    return [node for node in root.css(selector) if node.mem_id != key]


def _decompose_all(nodes: list[Any]) -> None:
    """Removes nodes, outermost first, never touching one inside an already removed node."""
    for node in _outermost(list(nodes)):
        node.decompose()
