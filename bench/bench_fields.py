"""Fields by meaning: how many fields of real product pages a by-meaning schema gets right, per kind.

The corpus (tests/corpus/fields) holds real shop pages with their structured data, and variants of
the same pages without it (`meta`), without meta tags either (`labelled`: only what people see),
and rendered by a script into an app root (`script`, with its static shell checked for
placeholders). Scores are given on all cases and on the held-out third nobody tuned on; price
strings from price-parser's tables measure the number reading; pages per second on one core.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from typing import Any

from bench.common import machine, stamp, update_section
from tests.support.field_corpus import KINDS, SCHEMA, FieldCase, load_cases, load_price_strings, score

NAME = "fields"
_PROCESSORS: dict[bool, Any] = {}


def dataops_fields(html: str, url: str, structured_only: bool = False) -> dict[str, Any]:
    """The schema's fields as a scrape job gives them (`data`)."""
    from backend_fastapi.extraction.spec import normalize_schema
    from backend_fastapi.scraping.extract import Schema
    from backend_fastapi.scraping.page import Document, PageProcessor

    if structured_only not in _PROCESSORS:
        _PROCESSORS[structured_only] = PageProcessor(Schema.compile(normalize_schema(SCHEMA)), ["data"])
    if structured_only:
        return structured_fields(html, url)
    out = _PROCESSORS[False].process(Document(url, 200, "text/html", html=html))
    return dict(out.data)


def structured_fields(html: str, url: str) -> dict[str, Any]:
    """Baseline: only JSON-LD, microdata and meta tags (what a structured-data reader gives)."""
    from backend_fastapi.scraping import meaning
    from backend_fastapi.scraping.coerce import CoercionError, coerce
    from backend_fastapi.scraping.dom import parse_html
    from backend_fastapi.scraping.structured import extract_metadata

    metadata = extract_metadata(parse_html(html), url)
    out: dict[str, Any] = {}
    for name, kind in SCHEMA.items():
        for found in meaning.from_structured(name, metadata):
            try:
                out[name] = coerce(found.values[0], kind, url)
                break
            except CoercionError:
                continue
    return out


def placeholders_refused(cases: list[FieldCase]) -> tuple[int, int]:
    """On the static shells of script-rendered pages: fields not given a placeholder as their value."""
    from backend_fastapi.scraping.meaning import is_placeholder

    good = total = 0
    for case in cases:
        if case.kind != "script":
            continue
        found = dataops_fields(case.static_shell(), case.url)
        for name in case.expected:
            total += 1
            value = found.get(name)
            good += not (isinstance(value, str) and is_placeholder(value)) and value not in ("Loading...",)
    return good, total


def price_strings(held_out: bool | None = None) -> tuple[int, int]:
    """price-parser's real price texts read as numbers (`to_number`), right within a cent."""
    from backend_fastapi.scraping.coerce import CoercionError, to_number

    right = total = 0
    for case in load_price_strings():
        if case["amount"] is None or (held_out is not None and case["held_out"] != held_out):
            continue
        total += 1
        try:
            right += abs(to_number(case["text"]) - float(case["amount"])) < 0.005
        except CoercionError:
            pass
    return right, total


def _cpu_per_page(work: Callable[[], object], pages: int, runs: int) -> float:
    """The best CPU seconds a page over `runs` runs of `work` (other processes on the box do not count)."""
    best = float("inf")
    for _ in range(runs):
        started = time.process_time()
        work()
        best = min(best, time.process_time() - started)
    return best / pages


def _shop_pages(count: int) -> list[str]:
    from tests.support.servers import Recorded
    from tests.support.sites import ShopSite

    site = ShopSite()
    paths = [f"/plain/{i % site.products + 1}" for i in range(count)]
    return [site.respond(Recorded("GET", path, {}, b""))[2].decode() for path in paths]


def _pct(pair: tuple[int, int]) -> str:
    right, total = pair
    return f"{right / total:.1%} ({right}/{total})" if total else "-"


def run(quick: bool = False) -> str:
    cases = load_cases()
    held = [c for c in cases if c.held_out]
    rows = []
    for label, extract in (
        ("DataOps", dataops_fields),
        ("structured data and meta tags only", lambda h, u: dataops_fields(h, u, structured_only=True)),
    ):
        every, held_scores = score(extract, cases), score(extract, held)
        cells = " | ".join(f"{_pct(every[k])} / {_pct(held_scores[k])}" for k in (*KINDS, "all"))
        rows.append(f"| {label} | {cells} |")
    refused = placeholders_refused(cases)
    pages = [c.html() for c in cases]
    per_page = _cpu_per_page(lambda: [dataops_fields(h, c.url) for c, h in zip(cases, pages, strict=True)],
                             len(pages), 1 if quick else 3)  # fmt: skip
    shop = _shop_pages(200)
    per_shop_page = _cpu_per_page(lambda: [dataops_fields(h, "https://shop.example/p") for h in shop],
                                  len(shop), 1 if quick else 5)  # fmt: skip
    header = " | ".join(KINDS)
    return f"""## Fields by meaning ({stamp()})

{len({c.page for c in cases})} real product pages ({len(cases)} page variants, {sum(len(c.expected) for c in cases)}
expected fields; tests/corpus/fields, sources in its README), schema `{", ".join(f"{k}: {v}" for k, v in SCHEMA.items())}`
without selectors. Kinds: `structured` as published (JSON-LD/microdata), `meta` with the structured
data removed, `labelled` with the meta tags removed too (and real pages that never had either),
`script` the labelled page rendered by a script into an app root. Each cell: all cases / the
held-out part ({len(held)} variants: a third of the first pages by a hash of their names, and the
pages added after the rules were tuned on the others; see the corpus README).

| Reader | {header} | all |
|---|{"---|" * (len(KINDS) + 1)}
{chr(10).join(rows)}

Static shells of the script-rendered pages ("Loading...", "—", "N/A", `{{{{ product.price }}}}` where the values
go): {_pct(refused)} of fields are not given a placeholder as their value.
Price texts from real pages (price-parser's tables) read as numbers: {_pct(price_strings(False))} of the
strings price-parser was developed on, {_pct(price_strings(True))} of its held-out ones.

Speed on one core (CPU time, parse included), the whole schema by meaning: {per_page * 1000:,.1f} ms a
page on these large real shop pages ({sum(len(p) for p in pages) / len(pages) / 1024:,.0f} KiB on average, a few thousand
elements each), {per_shop_page * 1e6:,.0f} µs a page on the small labelled pages of the test shop (`/plain/N`).

{machine()}
"""


if __name__ == "__main__":
    update_section(NAME, run())
