"""Sitemap parsing (hostile files included), URL normalisation and robots.txt's `Sitemap:` lines."""

from __future__ import annotations

import gzip

import pytest

from backend_fastapi.scraping.robots import parse_robots
from backend_fastapi.scraping.sitemaps import MAX_SITEMAP_BYTES, SitemapTooLarge, inflate, parse_sitemap
from backend_fastapi.scraping.urlnorm import canonical, on_site

NS = 'xmlns="http://www.sitemaps.org/schemas/sitemap/0.9"'


def test_a_urlset_gives_each_page_with_its_lastmod() -> None:
    data = (
        f'<?xml version="1.0" encoding="UTF-8"?><urlset {NS}><url><loc> https://a.example/1 </loc>'
        "<lastmod>2024-01-02</lastmod><changefreq>daily</changefreq></url>"
        "<url><loc>https://a.example/2?x=1&amp;y=2</loc></url></urlset>"
    ).encode()
    found = parse_sitemap(data)
    assert found.pages == [("https://a.example/1", "2024-01-02"), ("https://a.example/2?x=1&y=2", None)]
    assert parse_sitemap(gzip.compress(data)).pages == found.pages


def test_an_index_lists_sitemaps_and_feeds_and_text_lists_give_pages() -> None:
    index = f"<sitemapindex {NS}><sitemap><loc>https://a.example/s1.xml.gz</loc></sitemap></sitemapindex>"
    assert parse_sitemap(index.encode()).sitemaps == ["https://a.example/s1.xml.gz"]
    rss = (
        "<rss><channel><link>https://a.example/</link><pubDate>Sun</pubDate><item><title>T</title>"
        "<link>https://a.example/post</link><pubDate>Mon, 01 Jan 2024</pubDate></item></channel></rss>"
    )
    assert parse_sitemap(rss.encode()).pages == [("https://a.example/post", "Mon, 01 Jan 2024")]
    text = b"\xef\xbb\xbfhttps://a.example/a\n\nnot a url\nhttps://a.example/b\r\n"
    assert parse_sitemap(text).pages == [("https://a.example/a", None), ("https://a.example/b", None)]


def test_addresses_no_parser_reads_and_other_schemes_are_left_out() -> None:
    locs = ("http://[bad/1", "https://a.example/ok", "javascript:alert(1)", "https://", "/relative")
    urlset = "<urlset>" + "".join(f"<url><loc>{loc}</loc></url>" for loc in locs) + "</urlset>"
    assert parse_sitemap(urlset.encode()).pages == [("https://a.example/ok", None)]
    index = "<sitemapindex><sitemap><loc>http://[bad/s.xml</loc></sitemap></sitemapindex>"
    assert parse_sitemap(index.encode()).sitemaps == []
    assert parse_sitemap("\n".join(locs).encode()).pages == [("https://a.example/ok", None)]


def test_bare_ampersands_are_read_and_a_cut_file_gives_its_whole_entries() -> None:
    data = b"<urlset><url><loc>https://a.example/p?a=1&b=2</loc></url><url><loc>https://a.exa"
    assert parse_sitemap(data).pages == [("https://a.example/p?a=1&b=2", None)]


def test_entities_are_never_expanded() -> None:
    bomb = (
        '<?xml version="1.0"?><!DOCTYPE u [<!ENTITY a "aaaaaaaaaa">'
        '<!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;"><!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">'
        '<!ENTITY x SYSTEM "file:///etc/passwd">]>'
        "<urlset><url><loc>https://a.example/&c;</loc></url><url><loc>https://a.example/&x;</loc></url></urlset>"
    )
    pages = parse_sitemap(bomb.encode()).pages
    assert all("aaaa" not in url and "root:" not in url for url, _ in pages)


def test_a_gzip_bomb_is_refused_past_the_sitemap_limit() -> None:
    bomb = gzip.compress(b"\0" * (MAX_SITEMAP_BYTES + 1024), compresslevel=1)
    assert len(bomb) < MAX_SITEMAP_BYTES // 100
    with pytest.raises(SitemapTooLarge):
        inflate(bomb)
    assert inflate(gzip.compress(b"small")) == b"small"


@pytest.mark.parametrize(
    ("url", "form"),
    [
        ("HTTP://Shop.Example:80/a#top", "http://shop.example/a"),
        ("https://shop.example:443", "https://shop.example/"),
        (
            "https://shop.example/a?utm_source=x&id=3&UTM_Medium=y&gclid=z&fbclid=w",
            "https://shop.example/a?id=3",
        ),
        ("https://shop.example/a?ref=home&q=blue+mug", "https://shop.example/a?ref=home&q=blue+mug"),
        ("https://shop.example:8443/a?utm_campaign=x", "https://shop.example:8443/a"),
    ],
)
def test_one_form_per_page(url: str, form: str) -> None:
    assert canonical(url) == form


def test_on_site_takes_www_and_subdomains_only_when_asked() -> None:
    assert on_site("https://www.shop.example/a", "shop.example")
    assert not on_site("https://blog.shop.example/a", "shop.example")
    assert on_site("https://blog.shop.example/a", "shop.example", subdomains=True)
    assert not on_site("https://evilshop.example/a", "shop.example", subdomains=True)


def test_robots_sitemap_lines_belong_to_every_group() -> None:
    text = (
        "Sitemap: https://a.example/one.xml\nUser-agent: dataops\nDisallow: /x\n"
        "User-agent: *\nDisallow: /\nSitemap: https://a.example/two.xml.gz\nSitemap: ftp://no/\n"
        "Sitemap: https://a.example/one.xml\n"
    )
    for token in ("dataops", "other"):
        assert parse_robots(text, token).sitemaps == [
            "https://a.example/one.xml",
            "https://a.example/two.xml.gz",
        ]
