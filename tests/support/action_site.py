"""A loopback site whose content sits behind a click, a scroll, a tab, a form, a cookie banner, a
select or a hover."""

from __future__ import annotations

import json
from collections.abc import Iterator
from contextlib import contextmanager
from html import escape
from urllib.parse import parse_qs, urlsplit

from tests.support.servers import LoopbackServer, Recorded, loopback_server

PAGE_SIZE = 10
LOAD_MORE_TOTAL = 50
SCROLL_TOTAL = 100
SCROLL_PAGE = 20
HTML = "text/html; charset=utf-8"

_HEAD = "<!doctype html><html lang=en><head><meta charset=utf-8><title>{title}</title></head><body>"

# Ten items per click from /api/items; the button goes once all are there.
LOAD_MORE = (
    _HEAD.format(title="Load more")
    + f"""
<h1>Catalogue</h1><ul id=list></ul><button id=more>Load more</button>
<script>
let page = 0;
document.getElementById('more').addEventListener('click', async () => {{
  const items = await (await fetch('/api/items?page=' + page + '&size={PAGE_SIZE}')).json();
  page += 1;
  const list = document.getElementById('list');
  for (const name of items) {{
    const li = document.createElement('li'); li.className = 'item'; li.textContent = name; list.append(li);
  }}
  if (list.children.length >= {LOAD_MORE_TOTAL}) document.getElementById('more').remove();
}});
</script></body></html>"""
)

# Rows tall enough to need scrolling; nearing the bottom fetches the next twenty, up to a hundred.
INFINITE = (
    _HEAD.format(title="Feed")
    + f"""
<style>.row {{ height: 80px; }}</style><div id=feed></div>
<script>
let page = 0, loading = false;
const feed = document.getElementById('feed');
async function more() {{
  if (loading || feed.children.length >= {SCROLL_TOTAL}) return;
  loading = true;
  const items = await (await fetch('/api/items?page=' + page + '&size={SCROLL_PAGE}')).json();
  page += 1;
  for (const name of items) {{
    const div = document.createElement('div');
    div.className = 'row'; div.textContent = name; feed.append(div);
  }}
  loading = false;
}}
window.addEventListener('scroll', () => {{
  if (window.innerHeight + window.scrollY >= document.documentElement.scrollHeight - 200) more();
}});
// The page counts how often it was asked to scroll (also at the bottom, where nothing moves).
let scrolls = 0;
const scrollBy = window.scrollBy.bind(window);
window.scrollBy = (...args) => {{
  scrolls += 1;
  document.getElementById('scrolls').textContent = String(scrolls);
  scrollBy(...args);
}};
more();
</script><output id=scrolls>0</output></body></html>"""
)

# Only the chosen tab's panel is in the document.
TABS = (
    _HEAD.format(title="Tabs")
    + """
<nav><button id=tab-specs data-tab=specs>Specs</button>
<button id=tab-reviews data-tab=reviews>Reviews</button>
<button id=tab-shipping data-tab=shipping>Shipping</button></nav><section id=panel></section>
<script>
const panels = {
  specs: 'Stoneware, 350 ml', reviews: 'Four stars from 12 buyers', shipping: 'Ships in 2 days',
};
const show = (name) => {
  document.getElementById('panel').innerHTML =
    '<h2 class=panel-title>' + name + '</h2><p class=body>' + panels[name] + '</p>';
};
document.querySelectorAll('nav button')
  .forEach((b) => b.addEventListener('click', () => show(b.dataset.tab)));
show('specs');
</script></body></html>"""
)

SEARCH_FORM = (
    _HEAD.format(title="Search")
    + """
<form action=/search method=get><input id=q name=q><button>Search</button></form></body></html>"""
)

PRODUCTS = ("Blue Mug", "Red Mug", "Green Teapot", "Blue Teapot", "Mug Rack")

# The article is shown only after consent; until then a banner covers the page.
COOKIES = (
    _HEAD.format(title="News")
    + """
<div id=cookie-banner style="position:fixed;inset:0;background:#000c"><p>We use cookies.</p>
<button id=accept>Accept all</button></div><main id=main></main>
<script>
document.getElementById('accept').addEventListener('click', () => {
  document.getElementById('cookie-banner').remove();
  document.getElementById('main').innerHTML =
    '<article id=article>The council voted to reopen the pier.</article>';
});
</script></body></html>"""
)


# A product's options: a size chosen in a <select> sets the price and, a second later, the stock; a
# tooltip shown on hover; questions whose answers appear when their button is clicked.
OPTIONS = (
    _HEAD.format(title="Options")
    + """
<h1>Blue Mug</h1><select id=size><option value=s>Small</option><option value=m>Medium</option>
<option value=l>Large</option></select><p id=price>Price: 10</p>
<span id=info>Care</span><div id=tip></div>
<div class=faq><button class=expand>Oven safe?</button></div>
<div class=faq><button class=expand>Dishwasher safe?</button></div>
<div class=faq><button class=expand>Gift wrap?</button></div>
<script>
const prices = {s: 10, m: 12, l: 15};
document.getElementById('size').addEventListener('change', (event) => {
  document.getElementById('price').textContent = 'Price: ' + prices[event.target.value];
  setTimeout(() => document.body.insertAdjacentHTML('beforeend', '<p id=stock>3 left</p>'), 1000);
});
document.getElementById('info').addEventListener('mouseenter', () => {
  document.getElementById('tip').textContent = 'Hand wash only';
});
document.querySelectorAll('.expand').forEach((button, i) => button.addEventListener('click', () => {
  button.insertAdjacentHTML('afterend', '<p class=answer>Answer ' + (i + 1) + '</p>');
}));
</script></body></html>"""
)


# Client-side pagination: "Next" replaces the list with the next ten; on the last page it goes.
PAGED = (
    _HEAD.format(title="Paged")
    + f"""
<ul id=list></ul><button id=next>Next</button>
<script>
let page = 0;
async function show() {{
  const items = await (await fetch('/api/items?page=' + page + '&size={PAGE_SIZE}')).json();
  document.getElementById('list').innerHTML = items.map((name) => '<li>' + name + '</li>').join('');
  if ((page + 1) * {PAGE_SIZE} >= {LOAD_MORE_TOTAL}) document.getElementById('next').remove();
}}
document.getElementById('next').addEventListener('click', () => {{ page += 1; show(); }});
show();
</script></body></html>"""
)


def _search(query: str) -> str:
    found = [name for name in PRODUCTS if query.lower() in name.lower()]
    rows = "".join(f"<li class=result>{escape(name)}</li>" for name in found)
    return _HEAD.format(title=f"Results for {escape(query)}") + f"<ul>{rows}</ul></body></html>"


def _respond(request: Recorded) -> tuple[int, dict[str, str], bytes]:
    parts = urlsplit(request.path)
    query = parse_qs(parts.query)
    pages = {
        "/load-more": LOAD_MORE,
        "/infinite": INFINITE,
        "/tabs": TABS,
        "/search-form": SEARCH_FORM,
        "/cookies": COOKIES,
        "/paged": PAGED,
        "/options": OPTIONS,
    }
    if parts.path in pages:
        return 200, {"Content-Type": HTML}, pages[parts.path].encode()
    if parts.path == "/search":
        return 200, {"Content-Type": HTML}, _search(query.get("q", [""])[0]).encode()
    if parts.path == "/api/items":
        page, size = int(query["page"][0]), int(query["size"][0])
        items = [f"Item {n}" for n in range(page * size + 1, page * size + size + 1)]
        return 200, {"Content-Type": "application/json"}, json.dumps(items).encode()
    if parts.path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    return 404, {"Content-Type": "text/plain"}, b"not found"


@contextmanager
def action_site() -> Iterator[LoopbackServer]:
    """The site on a loopback port; `requests` records what the browser asked for."""
    with loopback_server(_respond) as server:
        yield server
