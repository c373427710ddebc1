"""The address guard: DataOps never sends a request to a private, loopback or link-local address.

A scraping service on a cloud box is otherwise an open door to the box's private network and its
metadata endpoint (169.254.169.254). Every outbound request (scrapes, webhooks, URL sources of
pipelines) goes through here. `SCRAPE_ALLOW_HOSTS` names hosts (`host` or `host:port`) that are
exempt, for tests and internal sites.

Checks are twofold: `check_url` refuses what can be refused without DNS (schemes, IP literals in
any spelling), and `resolve_public` resolves a host and refuses it when any address is not public;
callers then connect to exactly the addresses returned, which closes the DNS-rebinding gap.
"""

from __future__ import annotations

import asyncio
import ipaddress
import socket
from collections.abc import Iterable
from urllib.parse import urlsplit

from backend_fastapi.errors import BlockedAddress

IPAddress = ipaddress.IPv4Address | ipaddress.IPv6Address

ALLOWED_SCHEMES = ("http", "https")
_BLOCKED_NAMES = ("localhost", "localhost.localdomain", "ip6-localhost", "ip6-loopback")
# Public-looking but special: shared address space (CGNAT) and the IETF protocol block.
_EXTRA_BLOCKED = (ipaddress.ip_network("100.64.0.0/10"), ipaddress.ip_network("192.0.0.0/24"))


def parse_ip(host: str) -> IPAddress | None:
    """The IP address a host string denotes, in any spelling a resolver would accept.

    Besides dotted quads this covers `127.1`, `2130706433`, `0x7f.0.0.1`, `0177.0.0.1` (what
    `inet_aton` accepts), bracketed IPv6 and IPv4-mapped IPv6 (`::ffff:127.0.0.1`).
    """
    host = host.strip().strip("[]").rstrip(".")
    if not host:
        return None
    try:
        address = ipaddress.ip_address(host.split("%", 1)[0])
    except ValueError:
        try:
            address = ipaddress.IPv4Address(socket.inet_aton(host))
        except (OSError, ValueError):
            return None
    return address


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


def split_host_port(url: str) -> tuple[str, str, int]:
    """`(scheme, host, port)` of a URL, lower-cased, with the scheme's default port filled in."""
    parts = urlsplit(url)
    scheme = parts.scheme.lower()
    host = (parts.hostname or "").lower()
    try:
        port = parts.port or (443 if scheme == "https" else 80)
    except ValueError as exc:
        raise BlockedAddress(f"Invalid port in URL: {url}") from exc
    return scheme, host, port


def _parse_allow_entry(entry: str) -> tuple[str, int | None]:
    entry = entry.strip().lower()
    if entry.startswith("["):
        host, _, rest = entry[1:].partition("]")
        port = rest[1:] if rest.startswith(":") else ""
    elif entry.count(":") == 1:
        host, _, port = entry.partition(":")
    else:
        host, port = entry, ""
    return host, int(port) if port.isdigit() else None


def is_exempt(host: str, port: int, allow_hosts: Iterable[str]) -> bool:
    """True when `SCRAPE_ALLOW_HOSTS` names this host (any port) or this host:port."""
    host = host.lower().strip("[]")
    for entry in allow_hosts:
        allowed_host, allowed_port = _parse_allow_entry(entry)
        if allowed_host and allowed_host == host and allowed_port in (None, port):
            return True
    return False


def check_url(url: str, allow_hosts: Iterable[str] = ()) -> tuple[str, str, int]:
    """Refuse, without DNS, what is never allowed: other schemes, local names, blocked IP literals.

    Returns `(scheme, host, port)`; raises BlockedAddress.
    """
    scheme, host, port = split_host_port(url)
    if scheme not in ALLOWED_SCHEMES:
        raise BlockedAddress(f"Only http and https URLs are allowed, not {scheme or 'no scheme'!r}.")
    if not host:
        raise BlockedAddress("The URL has no host.")
    if is_exempt(host, port, allow_hosts):
        return scheme, host, port
    name = host.rstrip(".")  # "localhost." is the same name as "localhost"
    if name in _BLOCKED_NAMES or name.endswith(".localhost"):
        raise BlockedAddress(f"{host} is a loopback name.")
    address = parse_ip(host)
    if address is not None:
        reason = blocked_reason(address)
        if reason:
            raise BlockedAddress(f"{host} is a {reason} address.", details={"host": host, "reason": reason})
    return scheme, host, port


async def resolve_public(host: str, port: int, allow_hosts: Iterable[str] = ()) -> list[str]:
    """Resolve `host` and return its addresses, refusing it when any of them is not public.

    Callers connect only to the addresses returned (never resolving again), so a DNS answer
    that changes between check and connect cannot slip a private address in.
    """
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
