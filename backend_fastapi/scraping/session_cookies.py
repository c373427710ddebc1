"""A session's cookies in the job's cookie jar, and the jar's cookies back as a storage state's.

Every request of a job (static fetches and the browser's intercepted requests alike) goes through
the guarded client, whose aiohttp `CookieJar` decides which cookies a request carries: domain and
host-only matching, path prefix, `Secure` only over HTTPS, expiry. A session's Playwright cookies
are put into that jar as the Set-Cookie headers that made them would have, so the jar applies
the same rules a browser does.
"""

from __future__ import annotations

import email.utils
import time
from collections.abc import Iterable
from http.cookies import CookieError, Morsel
from typing import Any

import aiohttp
from yarl import URL


def load_cookies(jar: aiohttp.CookieJar, cookies: Iterable[dict[str, Any]], now: float | None = None) -> int:
    """Replace the jar's cookies with a storage state's (expired ones left out); how many were loaded."""
    now = time.time() if now is None else now
    jar.clear()
    loaded = 0
    for cookie in cookies:
        expires = float(cookie.get("expires", -1) or -1)
        if 0 < expires <= now:
            continue
        morsel: Morsel[str] = Morsel()
        try:
            morsel.set(str(cookie["name"]), str(cookie["value"]), str(cookie["value"]))
        except (CookieError, KeyError):
            continue  # a name no Cookie header can carry
        domain = str(cookie.get("domain", "")).lower()
        host = domain.lstrip(".")
        if not host:
            continue
        if domain.startswith("."):
            morsel["domain"] = host  # a domain cookie: sent to the host and its subdomains
        morsel["path"] = str(cookie.get("path") or "/")
        if expires > 0:
            morsel["max-age"] = str(max(1, int(expires - now)))
        if cookie.get("secure"):
            morsel["secure"] = True
        if cookie.get("httpOnly"):
            morsel["httponly"] = True
        # The URL the cookie "came from": its host (host-only cookies are bound to it) over the
        # scheme its Secure flag needs.
        origin = URL.build(scheme="https" if cookie.get("secure") else "http", host=host, path="/")
        jar.update_cookies({morsel.key: morsel}, origin)
        loaded += 1
    return loaded


def jar_cookies(jar: aiohttp.CookieJar, now: float | None = None) -> list[dict[str, Any]]:
    """The jar's cookies as Playwright storage-state cookies (host-only without a leading dot)."""
    now = time.time() if now is None else now
    host_only: frozenset[tuple[str, str, str]] = getattr(jar, "host_only_cookies", frozenset())
    cookies = []
    for morsel in jar:
        domain, path = morsel["domain"], morsel["path"] or "/"
        only_host = (domain, path.rstrip("/"), morsel.key) in host_only or not domain
        cookies.append(
            {
                "name": morsel.key,
                "value": morsel.value,
                "domain": domain if only_host else f".{domain}",
                "path": path,
                "expires": _expiry(morsel, now),
                "httpOnly": bool(morsel["httponly"]),
                "secure": bool(morsel["secure"]),
                "sameSite": str(morsel["samesite"] or "Lax").capitalize(),
            }
        )
    return cookies


def _expiry(morsel: Morsel[str], now: float) -> float:
    if morsel["max-age"]:
        try:
            return now + int(morsel["max-age"])
        except ValueError:
            return -1
    if morsel["expires"]:
        try:
            return email.utils.parsedate_to_datetime(morsel["expires"]).timestamp()
        except (TypeError, ValueError):
            return -1
    return -1


def merge_cookies(*groups: Iterable[dict[str, Any]]) -> list[dict[str, Any]]:
    """Cookies of several sources, one per (name, domain, path); a later group wins."""
    merged: dict[tuple[str, str, str], dict[str, Any]] = {}
    for group in groups:
        for cookie in group:
            merged[(cookie["name"], str(cookie["domain"]).lstrip("."), cookie.get("path") or "/")] = cookie
    return list(merged.values())
