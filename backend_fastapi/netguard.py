"""The address guard: DataOps never sends a request to a private, loopback or link-local address.

A scraping service on a cloud box is otherwise an open door to the box's private network and its
metadata endpoint (169.254.169.254). Every outbound request (scrapes, robots.txt, redirects, the
browser's requests, webhooks, URL sources of pipelines) goes through here. `SCRAPE_ALLOW_HOSTS`
names hosts (`host` or `host:port`) that are exempt, for tests and internal sites.

One normalisation of hosts (`normalise_host`) comes first, everywhere: the host is mapped the way
the HTTP client and Chromium map it (IDNA/UTS 46: full-width forms, dots of every script, case),
then IPv4 numbers are read as the WHATWG URL standard reads them (`0x7f.1`, `127.1`), and only
then checked; a host that cannot be normalised is refused. Callers send the normalised URL
(`normalise_url`), so the host that was checked is the host that is connected to.

Checks are threefold: `check_url` refuses what can be refused without DNS (schemes, local names,
IP literals in any spelling); `resolve_public` resolves a host and refuses it when any address is
not public (callers connect to exactly the addresses returned: no DNS-rebinding gap); and
`check_connection` refuses, before the socket connects, any address that is not public, whatever
name, literal or pool produced it.
"""

from __future__ import annotations

import asyncio
import functools
import ipaddress
import re
import socket
from collections.abc import Iterable
from dataclasses import dataclass, field
from urllib.parse import SplitResult, quote, unquote, urlsplit, urlunsplit

import idna

from backend_fastapi.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
_BLOCKED_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# Public-looking but special: shared address space (CGNAT) and the IETF protocol block.
_EXTRA_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("192.0.0.0/24"))
# What a normalised name may hold: letters, digits, hyphens, underscores, dots.
_NAME = re.compile(r"[a-z0-9_-]+(?:\.[a-z0-9_-]+)*\.*")


def normalise_host(host: str) -> str:
    """The ASCII host an HTTP client or Chromium connects to for `host`, or BlockedAddress.

    Non-ASCII hosts are mapped as yarl (aiohttp) maps them: IDNA with UTS 46 mapping, which turns
    full-width digits, ideographic, full-width and half-width full stops (U+3002, U+FF0E, U+FF61)
    and mathematical digits into ASCII, else IDNA 2003. The
    result is lower-cased; a host that reads as an IPv4 number (WHATWG URL rules: `127.1`,
    `0x7f.1`, `2130706433`, a trailing dot) becomes its dotted quad, IPv6 its compressed form.
    Percent signs, empty labels and characters no host may hold are refused.
    """
    text = host.strip()
    if "%" in text:
        raise _unnormalisable(host, "percent-encoded or zoned hosts are not accepted")
    if text.startswith("[") or ":" in text:
        inner = text[1:-1] if text.startswith("[") and text.endswith("]") else text
        try:
            return ipaddress.IPv6Address(inner).compressed
        except ValueError:
            raise _unnormalisable(host, "not an IPv6 address") from None
    if not text.isascii():
        try:
            text = idna.encode(text, uts46=True).decode("ascii")
        except UnicodeError:
            try:
                text = text.encode("idna").decode("ascii")
            except UnicodeError:
                raise _unnormalisable(host, "not a valid internationalised name") from None
    text = text.lower()
    if text.endswith(".."):
        text = text.rstrip(".") + "."  # as aiohttp does: one trailing dot, a fully qualified name
    if not _NAME.fullmatch(text):
        raise _unnormalisable(host, "not a valid host name")
    address = _whatwg_ipv4(text)
    if address is not None:
        return str(address)
    if _ends_in_number(text):
        raise _unnormalisable(host, "ends in a number but is not an IPv4 address")
    return text


def _unnormalisable(host: str, why: str) -> BlockedAddress:
    return BlockedAddress(
        f"The host {host!r} cannot be normalised: {why}.", details={"host": host, "reason": "invalid host"}
    )


def _labels(host: str) -> list[str]:
    """The dot-separated parts of a host, one trailing dot dropped (WHATWG IPv4 parser)."""
    parts = host.split(".")
    if len(parts) > 1 and parts[-1] == "":
        parts.pop()
    return parts


def _ipv4_number(part: str) -> int | None:
    """A WHATWG IPv4 number: decimal, `0x` hexadecimal or `0` octal; None when it is not one."""
    radix, digits = 10, part
    if part[:2] in ("0x", "0X"):
        radix, digits = 16, part[2:]
    elif len(part) > 1 and part.startswith("0"):
        radix, digits = 8, part[1:]
    if not digits:
        return 0 if part else None
    try:
        return int(digits, radix) if digits.isascii() and digits.isalnum() else None
    except ValueError:
        return None


def _ends_in_number(host: str) -> bool:
    """The WHATWG "ends in a number" test: such a host is an IPv4 address or invalid."""
    last = _labels(host)[-1]
    return bool(last) and (last.isdigit() or (last[:2] == "0x" and _ipv4_number(last) is not None))


def _whatwg_ipv4(host: str) -> ipaddress.IPv4Address | None:
    """The IPv4 address a host denotes under the WHATWG URL standard (what Chromium connects to)."""
    if not _ends_in_number(host):
        return None
    parts = _labels(host)
    numbers = [_ipv4_number(part) for part in parts]
    if len(parts) > 4 or any(n is None for n in numbers):
        return None
    values = [n for n in numbers if n is not None]
    if any(n > 255 for n in values[:-1]) or values[-1] >= 256 ** (5 - len(values)):
        return None
    value = values[-1]
    for index, number in enumerate(values[:-1]):
        value += number << (8 * (3 - index))
    return ipaddress.IPv4Address(value)


def parse_ip(host: str) -> IPAddress | None:
    """The IP address a (normalised) host denotes, in any spelling a resolver or browser accepts.

    Besides dotted quads this covers `127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1` (WHATWG
    and `inet_aton`), bracketed IPv6 and IPv4-mapped IPv6 (`::ffff:127.0.0.1`).
    """
    host = host.strip().strip("[]")
    if not host:
        return None
    try:
        return ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        pass
    address = _whatwg_ipv4(host.lower())
    if address is not None:
        return address
    try:
        return ipaddress.IPv4Address(socket.inet_aton(host.rstrip(".")))
    except (OSError, ValueError):
        return None


def _embedded_ipv4(address: ipaddress.IPv6Address) -> ipaddress.IPv4Address | None:
    if address.ipv4_mapped is not None:
        return address.ipv4_mapped
    if address.sixtofour is not None:
        return address.sixtofour
    if address.teredo is not None:
        return address.teredo[1]
    # IPv4-compatible (deprecated ::a.b.c.d) and NAT64 (64:ff9b::/96) forms.
    if int(address) >> 32 == 0 or address in ipaddress.ip_network("64:ff9b::/96"):
        return ipaddress.IPv4Address(int(address) & 0xFFFFFFFF)
    return None


def blocked_reason(address: IPAddress) -> str | None:
    """Why an address must not be contacted, or None when it is a public address."""
    if isinstance(address, ipaddress.IPv6Address) and not (address.is_loopback or address.is_unspecified):
        inner = _embedded_ipv4(address)
        if inner is not None:
            return blocked_reason(inner)
    checks = (
        ("loopback", address.is_loopback),
        ("unspecified", address.is_unspecified),
        ("link-local", address.is_link_local),
        ("multicast", address.is_multicast),
        ("private", address.is_private),
        ("reserved", address.is_reserved),
        (
            "shared or special-purpose",
            any(address in net for net in _EXTRA_BLOCKED if net.version == address.version),
        ),
        ("not globally routable", not address.is_global),
    )
    for reason, hit in checks:
        if hit:
            return reason
    return None


def _split(url: str) -> SplitResult:
    try:
        return urlsplit(url)
    except ValueError as exc:  # a bad bracketed address, a netloc NFKC turns into other delimiters
        raise BlockedAddress(f"Invalid URL: {exc}", details={"url": url, "reason": "invalid host"}) from exc


def split_host_port(url: str) -> tuple[str, str, int]:
    """`(scheme, host, port)` of a URL: scheme lower-cased, host normalised, default port filled in."""
    parts = _split(url)
    scheme = parts.scheme.lower()
    if "\\" in parts.netloc:
        # Browsers read a backslash as a path separator, urlsplit as part of the user name.
        raise BlockedAddress(f"Invalid URL (backslash in the authority): {url}")
    raw = parts.hostname or ""
    host = normalise_host(raw) if raw else ""
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedAddress(f"Invalid port in URL: {url}") from exc
    return scheme, host, port


def normalise_url(url: str) -> str:
    """`url` with its host normalised: what the HTTP clients are handed, so they connect to the
    very host that was checked (never to their own reading of it)."""
    parts = _split(url)
    _, host, port = split_host_port(url)
    netloc = f"[{host}]" if ":" in host else host
    if parts.port is not None:
        netloc += f":{port}"
    userinfo, at, _ = parts.netloc.rpartition("@")
    if at:
        netloc = f"{userinfo}@{netloc}"
    return urlunsplit((parts.scheme.lower(), netloc, parts.path, parts.query, parts.fragment))


@functools.lru_cache(maxsize=256)
def _parse_allow_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    try:
        host = normalise_host(host).rstrip(".") if host else ""
    except BlockedAddress:
        return "", None  # an entry that names no host exempts nothing
    return host, int(port) if port.isdigit() else None


def is_exempt(host: str, port: int, allow_hosts: Iterable[str]) -> bool:
    """True when `SCRAPE_ALLOW_HOSTS` names this host (any port) or this host:port."""
    try:
        host = normalise_host(host).rstrip(".")
    except BlockedAddress:
        return False
    for entry in allow_hosts:
        allowed_host, allowed_port = _parse_allow_entry(entry)
        if allowed_host and allowed_host == host and allowed_port in (None, port):
            return True
    return False


def check_url(url: str, allow_hosts: Iterable[str] = ()) -> tuple[str, str, int]:
    """Refuse, without DNS, what is never allowed: other schemes, local names, blocked IP literals.

    Returns `(scheme, host, port)` with the host normalised; raises BlockedAddress.
    """
    scheme, host, port = split_host_port(url)
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedAddress(f"Only http and https URLs are allowed, not {scheme or 'no scheme'!r}.")
    if not host:
        raise BlockedAddress("The URL has no host.")
    if is_exempt(host, port, allow_hosts):
        return scheme, host, port
    written = _split(url).hostname or host
    shown = host if written == host else f"{written} (read as {host})"
    name = host.rstrip(".")  # "localhost." is the same name as "localhost"
    if name in _BLOCKED_NAMES or name.endswith(".localhost"):
        raise BlockedAddress(f"{shown} is a loopback name.", details={"host": host, "reason": "loopback"})
    address = parse_ip(host)
    if address is not None:
        reason = blocked_reason(address)
        if reason:
            raise BlockedAddress(f"{shown} is a {reason} address.", details={"host": host, "reason": reason})
    return scheme, host, port


async def resolve_public(host: str, port: int, allow_hosts: Iterable[str] = ()) -> list[str]:
    """Resolve `host` and return its addresses, refusing it when any of them is not public.

    Callers connect only to the addresses returned (never resolving again), so a DNS answer
    that changes between check and connect cannot slip a private address in.
    """
    host = normalise_host(host)
    exempt = is_exempt(host, port, allow_hosts)
    literal = parse_ip(host)
    if literal is not None:
        if not exempt and (reason := blocked_reason(literal)):
            raise BlockedAddress(f"{host} is a {reason} address.", details={"host": host, "reason": reason})
        return [str(literal)]
    try:
        infos = await asyncio.get_running_loop().getaddrinfo(host, port, type=socket.SOCK_STREAM)
    except socket.gaierror as exc:
        raise OSError(f"Cannot resolve {host}: {exc.strerror}") from exc
    addresses: list[str] = []
    for info in infos:
        text = str(info[4][0])
        address = ipaddress.ip_address(text.split("%", 1)[0])
        if not exempt and (reason := blocked_reason(address)):
            raise BlockedAddress(
                f"{host} resolves to {text}, a {reason} address.", details={"host": host, "reason": reason}
            )
        if text not in addresses:
            addresses.append(text)
    return addresses


def check_connection(address: str, host: str, port: int, allow_hosts: Iterable[str] = ()) -> None:
    """Refuse to connect to `address` unless it is public or `host:port` is exempt; called for
    every socket right before it connects, IP literals and pooled names alike."""
    if host and is_exempt(host, port, allow_hosts):
        return
    ip = ipaddress.ip_address(address.split("%", 1)[0])
    if reason := blocked_reason(ip):
        shown = f"{host} connects to {ip}" if host and host != str(ip) else str(ip)
        raise BlockedAddress(
            f"{shown}, a {reason} address.", details={"host": host or str(ip), "reason": reason}
        )


# --- proxies: where a request may be sent on its way to its target ----------------------------

PROXY_SCHEMES = ("http", "https", "socks5", "socks5h")


@dataclass(frozen=True)
class ProxyAddress:
    """A proxy as configured (`scheme://[user:password@]host:port`), its credentials kept apart so
    that only `shown` (the password replaced by `***`) reaches logs, errors and `/health`.

    `exempt`: the proxy may be on a private or loopback address: it is one of the operator's
    PROXY_URLS, or its host is named in PROXY_ALLOW_HOSTS."""

    scheme: str
    host: str
    port: int
    username: str | None = None
    password: str | None = field(default=None, repr=False)
    exempt: bool = False

    @property
    def address(self) -> str:
        """`host:port` (IPv6 in brackets)."""
        return f"[{self.host}]:{self.port}" if ":" in self.host else f"{self.host}:{self.port}"

    @property
    def shown(self) -> str:
        """The URL with its password replaced (never the secret itself)."""
        user = quote(self.username, safe="") if self.username is not None else ""
        if self.password:
            user += ":***"
        return f"{self.scheme}://{user + '@' if user else ''}{self.address}"

    @property
    def url(self) -> str:
        """The URL with its credentials, for the HTTP client only."""
        user = quote(self.username, safe="") if self.username is not None else ""
        if self.password:
            user += ":" + quote(self.password, safe="")
        return f"{self.scheme}://{user + '@' if user else ''}{self.address}"


class BadProxy(ValueError):
    """A proxy URL that cannot be used; the message never holds the URL's credentials."""


def parse_proxy(url: str, *, trusted: bool = False, allow_hosts: Iterable[str] = ()) -> ProxyAddress:
    """Read a proxy URL (http, https, socks5, socks5h; a port is required for socks).

    An untrusted proxy (a request's `options.proxy`) whose host is a literal private, loopback or
    link-local address, or a local name, is refused unless `allow_hosts` names it: the proxy would
    otherwise be a way into the box's own network. Names are resolved and checked on connect.
    """
    text = url.strip()
    try:
        parts = urlsplit(text)
        port = parts.port
    except ValueError:
        raise BadProxy("the proxy is not a valid URL (scheme://host:port)") from None
    scheme = parts.scheme.lower()
    if scheme not in PROXY_SCHEMES:
        raise BadProxy(f"proxy scheme {scheme or 'missing'!r} is not one of {', '.join(PROXY_SCHEMES)}")
    if not parts.hostname:
        raise BadProxy("the proxy URL has no host")
    if parts.path not in ("", "/") or parts.query or parts.fragment:
        raise BadProxy("a proxy URL is scheme://[user:password@]host:port, without a path or query")
    if port is None:
        if scheme.startswith("socks"):
            raise BadProxy("a socks proxy URL needs a port")
        port = 443 if scheme == "https" else 80
    try:
        host = normalise_host(parts.hostname).rstrip(".")
    except BlockedAddress as exc:
        raise BadProxy(f"the proxy host cannot be read: {exc.message}") from None
    exempt = trusted or is_exempt(host, port, allow_hosts)
    if not exempt:
        address = parse_ip(host)
        reason = blocked_reason(address) if address is not None else None
        if host in _BLOCKED_NAMES or host.endswith(".localhost"):
            reason = "loopback"
        if reason:
            raise BadProxy(
                f"the proxy {ProxyAddress(scheme, host, port).address} is a {reason} address; the "
                "operator allows such proxies "
                "in PROXY_URLS or PROXY_ALLOW_HOSTS"
            )
    return ProxyAddress(
        scheme,
        host,
        port,
        unquote(parts.username) if parts.username is not None else None,
        unquote(parts.password) if parts.password is not None else None,
        exempt,
    )


def redact_proxy(url: str) -> str:
    """A proxy URL as it may be shown: its password replaced by `***` (the URL as is when it has none)."""
    try:
        parts = urlsplit(url)
        if parts.password is None:
            return url
        netloc = parts.netloc.rpartition("@")[2]
        return urlunsplit(parts._replace(netloc=f"{parts.username}:***@{netloc}"))
    except ValueError:
        return "(an unreadable proxy URL)"
