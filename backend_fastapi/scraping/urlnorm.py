"""One form per page address: how crawls, batches and maps tell two URLs of the same page apart."""

from __future__ import annotations

from urllib.parse import SplitResult, urljoin, urlsplit, urlunsplit

# Query parameters that only say where a visitor came from: the page is the same without them.
TRACKING_PREFIXES = ("utm_",)
TRACKING_NAMES = frozenset(
    {
        "gclid", "dclid", "gbraid", "wbraid", "fbclid", "msclkid", "yclid", "twclid", "ttclid", "igshid",
        "mc_cid", "mc_eid", "_ga", "_gl", "_hsenc", "_hsmi", "mkt_tok", "li_fat_id", "s_cid", "vero_id",
        "oly_anon_id", "oly_enc_id", "ref_src",
    }
)  # fmt: skip


def _is_tracking(pair: str) -> bool:
    name = pair.split("=", 1)[0].lower()
    return name in TRACKING_NAMES or name.startswith(TRACKING_PREFIXES)


def without_tracking(query: str) -> str:
    """`query` without tracking parameters, the others kept as written and in their order."""
    if not query:
        return query
    return "&".join(pair for pair in query.split("&") if pair and not _is_tracking(pair))


def split_url(url: str) -> SplitResult | None:
    """`url`'s parts, or None where a page wrote an address no parser reads (`http://[bad`): a page's
    own links and tags are hostile input."""
    try:
        return urlsplit(url)
    except ValueError:
        return None


def web_url(text: str) -> str | None:
    """`text` if it is an http(s) address a parser reads (a sitemap's `<loc>`), else None."""
    parts = split_url(text) if text.startswith(("http://", "https://")) else None
    return text if parts is not None and parts.netloc else None


def join_url(base: str, href: str) -> str | None:
    """`href` resolved against `base`, or None where the result is no address a parser reads."""
    try:
        joined = urljoin(base, href)
        urlsplit(joined)
    except ValueError:
        return None
    return joined


def canonical(url: str) -> str:
    """The form URLs are de-duplicated by: lower-case scheme and host, no default port, no fragment,
    no tracking parameters (`utm_*`, `gclid`, `fbclid`, ...), `/` for an empty path."""
    parts = urlsplit(url)
    host = (parts.hostname or "").lower()
    port = parts.port
    if port and not ((parts.scheme == "http" and port == 80) or (parts.scheme == "https" and port == 443)):
        host = f"{host}:{port}"
    if parts.username or parts.password:
        host = f"{parts.netloc.rsplit('@', 1)[0]}@{host}"
    return urlunsplit((parts.scheme.lower(), host, parts.path or "/", without_tracking(parts.query), ""))


def site_of(host: str) -> str:
    """A host without its `www.`: `www.shop.example` and `shop.example` are one site."""
    return host[4:] if host.startswith("www.") else host


def on_site(url: str, site: str, subdomains: bool = False) -> bool:
    """Whether `url` is on `site` (a `site_of` form), or on one of its subdomains when allowed."""
    host = site_of((urlsplit(url).hostname or "").lower())
    return host == site or (subdomains and host.endswith(f".{site}"))
