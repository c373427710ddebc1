"""A generated shop to scrape: every way real pages carry data, plus the awkward cases.

`ShopSite.respond` answers one request; `shop_server` serves it on a loopback port for a test
(threaded, counts every request), and `python -m tests.support.sites PORT` serves it with aiohttp
for the benchmarks (fast enough not to be what is measured).

Pages: `/` home, `/catalog/N` listings (20 products, `a.product-link`, `a[rel=next]`),
`/p/ID` JSON-LD + OpenGraph product, `/og/ID` OpenGraph only, `/micro/ID` microdata,
`/plain/ID` plain HTML, `/js/ID` rendered by script, `/spa/ID` the common single-page-app
shape (title and root say "Loading...", a script fills both in), `/api/p/ID` JSON, `/latin1/ID` (declared in
the header), `/latin1-meta/ID` (declared in a meta tag), `/latin1-bare/ID` (undeclared),
`/redirect/N` (N hops to `/p/1`), `/go?to=URL` (302 anywhere), `/slow?s=S`, `/huge?mb=M`,
`/status/CODE`, `/flaky/KEY?fail=N` (503 with Retry-After N times, then a product),
`/image.png`, `/private/...` (disallowed by robots.txt), `/probe?target=URL` (a page whose
script and image request `URL`), `/robots.txt`.
"""

from __future__ import annotations

import json
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import LoopbackServer, Recorded, loopback_server

Answer = tuple[int, dict[str, str], bytes]
HTML = "text/html; charset=utf-8"
ROBOTS = "User-agent: *\nDisallow: /private/\n\nUser-agent: BadBot\nDisallow: /\n"


def product(pid: int) -> dict[str, object]:
    """The facts of product `pid`, as every page variant shows them."""
    return {
        "id": pid,
        "name": f"Blue Mug {pid}",
        "price": 1234.5 + pid,
        "price_text": f"EUR {1234 + pid:,}".replace(",", ".") + ",50",
        "in_stock": pid % 2 == 1,
        "published": f"2024-03-{pid % 28 + 1:02d}",
        "image": f"/img/{pid}.jpg",
        "tags": ["kitchen", "mug", f"tag{pid}"],
    }


def _page(title: str, body: str, head: str = "") -> bytes:
    return (
        f"<!doctype html><html lang=en><head><meta charset=utf-8><title>{escape(title)}</title>{head}</head>"
        f"<body><nav><a href=/>Home</a> <a href=/catalog/1>Catalog</a></nav>{body}"
        "<footer>Demo Shop - all rights reserved</footer></body></html>"
    ).encode()


@dataclass
class ShopSite:
    """The site's content; `products` and `per_page` size the catalog."""

    products: int = 60
    per_page: int = 20
    product_kind: str = "p"
    flaky: dict[str, int] = field(default_factory=dict)
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def catalog_pages(self) -> int:
        return (self.products + self.per_page - 1) // self.per_page

    def respond(self, request: Recorded) -> Answer:
        parts = urlsplit(request.path)
        path, query = parts.path, {k: v[0] for k, v in parse_qs(parts.query).items()}
        head, _, rest = path.strip("/").partition("/")
        if path == "/robots.txt":
            return 200, {"Content-Type": "text/plain"}, ROBOTS.encode()
        if path == "/":
            return self._home()
        if head == "go":
            return 302, {"Location": query["to"]}, b""
        if head == "slow":
            time.sleep(float(query.get("s", "5")))
            return 200, {"Content-Type": HTML}, _page("Slow", "<h1>Slow page</h1>")
        if head == "huge":
            size = int(float(query.get("mb", "12")) * 1024 * 1024)
            return 200, {"Content-Type": HTML}, b"<html><body><p>" + b"x" * size + b"</p></body></html>"
        if head == "image.png":
            return 200, {"Content-Type": "image/png"}, b"\x89PNG\r\n\x1a\n" + b"\0" * 64
        if head == "status":
            code = int(rest)
            headers = {"Content-Type": HTML, **({"Retry-After": "1"} if code in (429, 503) else {})}
            return code, headers, _page(f"Status {code}", f"<h1>{code}</h1>")
        if head == "flaky":
            with self.lock:
                self.flaky[rest] = self.flaky.get(rest, 0) + 1
                calls = self.flaky[rest]
            if calls <= int(query.get("fail", "1")):
                return 503, {"Content-Type": HTML, "Retry-After": "1"}, _page("Busy", "<h1>Busy</h1>")
            return self._jsonld(1)
        if head == "redirect":
            hops = int(rest or "1")
            target = f"/redirect/{hops - 1}" if hops > 1 else "/p/1"
            return 302, {"Location": target}, b""
        if head == "probe":
            return self._probe(query["target"])
        if head == "private":
            return 200, {"Content-Type": HTML}, _page("Private", "<h1>Private</h1>")
        if head == "catalog" and rest.isdigit():
            return self._catalog(int(rest))
        pages = {
            "p": self._jsonld,
            "og": self._og,
            "micro": self._micro,
            "plain": self._plain,
            "js": self._js,
            "spa": self._spa,
        }
        if head in pages and rest.isdigit() and 1 <= int(rest) <= self.products:
            return pages[head](int(rest))
        if head == "api" and rest.startswith("p/"):
            facts = product(int(rest[2:]))
            return 200, {"Content-Type": "application/json"}, json.dumps(facts).encode()
        if head.startswith("latin1") and rest.isdigit():
            return self._latin1(head, int(rest))
        return 404, {"Content-Type": HTML}, _page("Not found", "<h1>Not found</h1>")

    def _home(self) -> Answer:
        links = "".join(
            f"<li><a href=/{kind}/1>{kind}</a></li>" for kind in ("p", "og", "micro", "plain", "js")
        )
        body = f"<main><h1>Demo Shop</h1><ul>{links}</ul><a href=/catalog/1>Catalog</a></main>"
        return 200, {"Content-Type": HTML}, _page("Demo Shop", body)

    def _catalog(self, n: int) -> Answer:
        first = (n - 1) * self.per_page + 1
        ids = range(first, min(first + self.per_page, self.products + 1))
        if not ids:
            return 404, {"Content-Type": HTML}, _page("Not found", "<h1>Not found</h1>")
        kind = self.product_kind
        items = "".join(
            f'<li class="item"><a class="product-link" href="/{kind}/{i}">{product(i)["name"]}</a>'
            f'<span class="p">{product(i)["price_text"]}</span></li>'
            for i in ids
        )
        nxt = f'<a rel="next" href="/catalog/{n + 1}">Next</a>' if n < self.catalog_pages else ""
        body = f"<main><h1>Catalog page {n}</h1><ul class=items>{items}</ul>{nxt}</main>"
        return 200, {"Content-Type": HTML}, _page(f"Catalog {n} | Demo Shop", body)

    def _jsonld(self, pid: int) -> Answer:
        p = product(pid)
        ld = {
            "@context": "https://schema.org",
            "@graph": [
                {"@type": "WebSite", "name": "Demo Shop", "url": "/"},
                {
                    "@type": "Product",
                    "name": p["name"],
                    "image": [p["image"]],
                    "datePublished": p["published"],
                    "keywords": ", ".join(p["tags"]),  # type: ignore[arg-type]
                    "offers": {
                        "@type": "Offer",
                        "price": str(p["price"]),
                        "priceCurrency": "EUR",
                        "availability": "https://schema.org/"
                        + ("InStock" if p["in_stock"] else "OutOfStock"),
                    },
                },
            ],
        }
        head = (
            f'<script type="application/ld+json">{json.dumps(ld)}</script>'
            '<meta property="og:site_name" content="Demo Shop">'
            f'<meta property="og:title" content="{p["name"]}">'
        )
        body = f'<main><h1>{p["name"]}</h1><p class="desc">A mug.</p></main>'
        return 200, {"Content-Type": HTML}, _page(f"{p['name']} | Demo Shop", body, head)

    def _og(self, pid: int) -> Answer:
        p = product(pid)
        head = (
            '<meta property="og:site_name" content="Demo Shop">'
            f'<meta property="og:title" content="{p["name"]}">'
            f'<meta property="og:image" content="{p["image"]}">'
            f'<meta property="product:price:amount" content="{p["price"]}">'
            f'<meta property="article:published_time" content="{p["published"]}T10:00:00Z">'
            f'<meta name="keywords" content="{", ".join(p["tags"])}">'  # type: ignore[arg-type]
        )
        return 200, {"Content-Type": HTML}, _page(f"{p['name']} | Demo Shop", "<main><p>Mug</p></main>", head)

    def _micro(self, pid: int) -> Answer:
        p = product(pid)
        stock = "InStock" if p["in_stock"] else "OutOfStock"
        body = (
            '<main><div itemscope itemtype="https://schema.org/Product">'
            f'<span itemprop="name">{p["name"]}</span><img itemprop="image" src="{p["image"]}">'
            '<div itemprop="offers" itemscope itemtype="https://schema.org/Offer">'
            f'<meta itemprop="price" content="{p["price"]}"><meta itemprop="priceCurrency" content="EUR">'
            f'<link itemprop="availability" href="https://schema.org/{stock}"></div></div></main>'
        )
        return 200, {"Content-Type": HTML}, _page("Demo Shop", body)

    def _plain(self, pid: int) -> Answer:
        p = product(pid)
        tags = "".join(f"<a href=/tag/{t}>{t}</a>" for t in p["tags"])  # type: ignore[attr-defined]
        body = (
            f'<main><h1>{p["name"]}</h1><span class="price">{p["price_text"]}</span>'
            f'<p class="stock">{"In stock" if p["in_stock"] else "Out of stock"}</p>'
            f'<time class="published" datetime="{p["published"]}">{p["published"]}</time>'
            f'<img class="main" src="{p["image"]}"><div class="tags">{tags}</div>'
            "<table><tr><th>Size</th><th>Colour</th></tr><tr><td>M</td><td>Blue</td></tr></table></main>"
        )
        return 200, {"Content-Type": HTML}, _page(f"{p['name']} - Demo Shop", body)

    def _js(self, pid: int) -> Answer:
        script = (
            "<script>fetch('/api/p/" + str(pid) + "').then(r => r.json()).then(p => {"
            "document.getElementById('app').innerHTML = '<h1>' + p.name + '</h1><span class=price>' +"
            " p.price_text + '</span>';});</script>"
        )
        body = '<div id="app"></div><noscript>Please enable JavaScript.</noscript>' + script
        html = (
            f"<!doctype html><html><head><title>Loading | Demo Shop</title></head><body>{body}</body></html>"
        )
        return 200, {"Content-Type": HTML}, html.encode()

    def _spa(self, pid: int) -> Answer:
        script = (
            "<script>fetch('/api/p/" + str(pid) + "').then(r => r.json()).then(p => {"
            "document.title = p.name + ' - Demo Shop';"
            "document.getElementById('root').innerHTML = '<h1>' + p.name + '</h1><span class=price>' +"
            " p.price_text + '</span>';});</script>"
        )
        html = (
            "<!doctype html><html lang=en><head><title>Loading...</title></head>"
            f'<body><div id="root">Loading...</div>{script}</body></html>'
        )
        return 200, {"Content-Type": HTML}, html.encode()

    def _latin1(self, kind: str, pid: int) -> Answer:
        name = f"Café Crème {pid}"
        meta = '<meta charset="iso-8859-1">' if kind == "latin1-meta" else ""
        html = f"<html><head>{meta}<title>{name}</title></head><body><h1>{name}</h1></body></html>"
        content_type = "text/html; charset=ISO-8859-1" if kind == "latin1" else "text/html"
        return 200, {"Content-Type": content_type}, html.encode("latin-1")

    def _probe(self, target: str) -> Answer:
        body = (
            f'<main><h1 id="t">waiting</h1><img src="{escape(target)}"></main><script>'
            f"fetch({json.dumps(target)}).then(r => r.text()).then(t => "
            "{document.getElementById('t').textContent = 'reached'})"
            ".catch(() => {document.getElementById('t').textContent = 'blocked'});</script>"
        )
        return 200, {"Content-Type": HTML}, _page("Probe", body)


@contextmanager
def shop_server(site: ShopSite | None = None) -> Iterator[LoopbackServer]:
    """The shop on a threaded loopback server that records every request."""
    with loopback_server((site or ShopSite()).respond) as server:
        yield server


def serve_fast(port: int, products: int, product_kind: str = "plain") -> None:
    """Serve the shop with aiohttp until killed (benchmarks: catalog links lead to plain pages)."""
    from aiohttp import web

    site = ShopSite(products=products, product_kind=product_kind)

    async def handle(request: web.Request) -> web.Response:
        recorded = Recorded(request.method, request.path_qs, dict(request.headers), b"")
        status, headers, body = site.respond(recorded)
        return web.Response(status=status, headers=headers, body=body)

    app = web.Application()
    app.router.add_route("*", "/{tail:.*}", handle)
    web.run_app(app, host="127.0.0.1", port=port, print=None, access_log=None)


if __name__ == "__main__":
    serve_fast(int(sys.argv[1]), int(sys.argv[2]) if len(sys.argv) > 2 else 2000, *sys.argv[3:4])
