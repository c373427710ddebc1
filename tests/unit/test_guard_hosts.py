"""One normalisation of hosts: what the HTTP clients and Chromium connect to is what is checked."""

from __future__ import annotations

import pytest

from backend_fastapi import netguard
from backend_fastapi.errors import BlockedAddress

# Every way to write 127.0.0.1 that a URL library or a browser turns into 127.0.0.1.
LOOPBACK_SPELLINGS = [
    "127.0.0.1",
    "127.1",
    "127.0.1",
    "2130706433",
    "0x7f000001",
    "0x7f.1",
    "0x7F.0.0.1",
    "0177.0.0.1",
    "0177.1",
    "127.0.0.1.",
    "127.0.0.1..",
    "127\u30020\u30020\u30021",  # ideographic full stop
    "127\uff0e0\uff0e0\uff0e1",  # full-width full stop
    "127\uff610\uff610\uff611",  # half-width ideographic full stop
    "\uff11\uff12\uff17.\uff10.\uff10.\uff11",  # full-width digits
    "\U0001d7cf\U0001d7d0\U0001d7d5.\U0001d7ce.\U0001d7ce.\U0001d7cf",  # mathematical bold digits
    "\u2460\u2461\u2466.0.0.1",  # circled digits
    "\uff11\uff12\uff17\u3002\uff10\u3002\uff10\u3002\uff11",  # both at once
]


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_every_spelling_of_loopback_normalises_to_127_0_0_1(host: str) -> None:
    assert netguard.normalise_host(host) == "127.0.0.1"


@pytest.mark.parametrize("host", LOOPBACK_SPELLINGS)
def test_check_url_refuses_every_spelling_of_loopback(host: str) -> None:
    with pytest.raises(BlockedAddress, match="loopback"):
        netguard.check_url(f"http://{host}:8080/x")


@pytest.mark.parametrize(
    ("host", "normalised"),
    [
        ("\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54", "localhost"),  # full-width letters
        ("\u24dbocalhost", "localhost"),  # circled letter
        ("LOCALHOST.", "localhost."),
        ("Example.COM", "example.com"),
        ("fa\u00df.de", "xn--fa-hia.de"),
        ("[::FFFF:127.0.0.1]", "::ffff:7f00:1"),
        ("[0:0:0:0:0:0:0:1]", "::1"),
    ],
)
def test_names_are_mapped_as_the_http_client_maps_them(host: str, normalised: str) -> None:
    assert netguard.normalise_host(host) == normalised


@pytest.mark.parametrize(
    "host",
    [
        "%31%32%37.0.0.1",  # percent-encoded: browsers decode it, aiohttp would not
        "127.0.0.1%2e",
        "[::1%25eth0]",  # a zone: link-local only
        "1.2.3.4.5",  # ends in a number but is no IPv4 address (browsers refuse it too)
        "foo.0x7f",
        "09.1.1.1",
        "a..b",
        "exa mple.com",
        "\u00e9" + "a" * 70 + ".example",  # a label too long for IDNA and IDNA 2003 alike
    ],
)
def test_a_host_that_cannot_be_normalised_is_refused(host: str) -> None:
    with pytest.raises(BlockedAddress, match="cannot be normalised"):
        netguard.normalise_host(host)
    with pytest.raises(BlockedAddress):
        netguard.check_url(f"http://{host}/")


def test_the_url_handed_to_the_client_carries_the_checked_host() -> None:
    url = "http://user:pw@\uff11\uff12\uff17\u30020\u30020\u30021:81/a?b=1#c"
    assert netguard.normalise_url(url) == "http://user:pw@127.0.0.1:81/a?b=1#c"
    assert netguard.normalise_url("HTTPS://Shop.Example/p") == "https://shop.example/p"
    assert netguard.normalise_url("http://[::FFFF:127.0.0.1]:5/") == "http://[::ffff:7f00:1]:5/"


def test_a_backslash_in_the_authority_is_refused() -> None:
    # Browsers read it as a path separator (host example.com), urlsplit as part of a user name.
    with pytest.raises(BlockedAddress, match="backslash"):
        netguard.check_url("http://example.com\\@127.0.0.1/")


def test_allow_entries_match_any_spelling_of_their_host_and_only_their_port() -> None:
    allow = ["127.0.0.1:8080", "Intranet.Example"]
    assert netguard.is_exempt("\uff11\uff12\uff17.0.0.1", 8080, allow)
    assert netguard.is_exempt("0x7f.1", 8080, allow)
    assert not netguard.is_exempt("127\u30020\u30020\u30021", 8081, allow)
    assert netguard.is_exempt("intranet.example.", 443, allow)
    assert netguard.check_url("http://127\u30020\u30020\u30021:8080/", allow)[1:] == ("127.0.0.1", 8080)


@pytest.mark.parametrize(
    "address",
    ["127.0.0.1", "10.0.0.1", "169.254.169.254", "::1", "::ffff:127.0.0.1", "100.64.0.1", "0.0.0.0"],
)
def test_a_connection_to_a_blocked_address_is_refused_unless_its_host_port_is_exempt(address: str) -> None:
    with pytest.raises(BlockedAddress):
        netguard.check_connection(address, "", 80)
    with pytest.raises(BlockedAddress):
        netguard.check_connection(address, "public.example", 80, ["public.example:81"])
    netguard.check_connection(address, "public.example", 81, ["public.example:81"])
    netguard.check_connection("93.184.215.14", "", 80)


@pytest.mark.parametrize(
    "url",
    [
        "http://[::\uff11]:80/",  # a full-width digit inside brackets
        "http://[::1/",
        "http://evil.example\uff20127.0.0.1/",  # a full-width @: NFKC makes it a user-info separator
        "http://127.0.0.1\uff03@example.com/",  # a full-width #
    ],
)
def test_a_url_python_cannot_split_is_refused_as_a_blocked_address(url: str) -> None:
    with pytest.raises(BlockedAddress, match="Invalid URL"):
        netguard.check_url(url)
