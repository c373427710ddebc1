"""The API's XPath checker accepts what lxml runs and refuses what lxml cannot compile."""

from __future__ import annotations

import pytest
from lxml import etree

from backend_fastapi.extraction.xpath import XPathSyntaxError, check_xpath

VALID = [
    "//h1", "//a/@href", "(//a)[1]", "//div[@class='x']//span/text()", "count(//a) > 2 and 1",
    "//*[contains(concat(' ', normalize-space(@class), ' '), ' price ')]", "./span", ".//span[2]",
    "//a[re:test(@href, '^/p/')]", "/", "//p[last()]", "ancestor::div[1]", "//a | //b", "-1 * 2 div 3 mod 4",
    "child::*", "//p[text()='a']", "processing-instruction('x')", "@*", "..", "//a[.='x']/..",
    "descendant-or-self::node()/child::para", "a[1][2]", "*", "2*3", "a*b", "//p[position()=last()-1]",
    "//li[not(@hidden)][starts-with(., 'A')]", "string(//title)", "//div[@id=\"main\"]",
]  # fmt: skip
INVALID = ["//h1[", "//", "h1[]", "//a[@]", "//a/", "div::x", "1 +", "//a]", "'open", "//p[@class='x'", "a b",
           "//p)", "@", "[1]", ""]  # fmt: skip


@pytest.mark.parametrize("expr", VALID)
def test_valid_xpath_is_accepted_and_lxml_agrees(expr: str) -> None:
    check_xpath(expr)
    etree.XPath(expr, namespaces={"re": "http://exslt.org/regular-expressions"})


@pytest.mark.parametrize("expr", INVALID)
def test_invalid_xpath_is_refused_and_lxml_agrees(expr: str) -> None:
    with pytest.raises(XPathSyntaxError):
        check_xpath(expr)
    with pytest.raises(etree.XPathSyntaxError):
        etree.XPath(expr)


@pytest.mark.parametrize("expr", ["$var", "foo(1)", "//ns:a", "exsl:node-set(.)"])
def test_what_would_fail_only_when_run_is_refused_up_front(expr: str) -> None:
    with pytest.raises(XPathSyntaxError):
        check_xpath(expr)
