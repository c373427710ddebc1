"""Session secrets: sealing with SECRET_KEY, uploaded cookies read as a storage state, and the
cookie jar that decides which of a session's cookies a request carries."""

from __future__ import annotations

import time
from typing import Any

import aiohttp
import pytest
from pydantic import ValidationError
from yarl import URL

from backend_fastapi import sealing
from backend_fastapi.schemas.sessions import (
    REDACTED,
    RedactedText,
    SessionIn,
    keep_typed_text,
    parse_cookies_txt,
    redact_login,
)
from backend_fastapi.scraping.session_cookies import jar_cookies, load_cookies


def test_a_sealed_value_opens_with_its_key_only() -> None:
    value = {"cookies": [{"name": "sid", "value": "token-123"}]}
    token = sealing.seal("key one", value)
    assert "token-123" not in token
    assert sealing.unseal("key one", token) == value
    with pytest.raises(sealing.SealBroken) as broken:
        sealing.unseal("key two", token)
    assert broken.value.code == "session_key_mismatch"
    with pytest.raises(sealing.SealBroken):
        sealing.unseal("key one", token[:-4] + "AAAA")
    with pytest.raises(sealing.SealBroken):
        sealing.unseal("", token)


def test_sealing_without_a_key_is_refused() -> None:
    with pytest.raises(sealing.SecretKeyMissing):
        sealing.seal("", {"a": 1})


def test_the_same_value_seals_differently_each_time() -> None:
    # Fernet adds a random IV: equal secrets are not recognisable as equal in the database.
    assert sealing.seal("k", {"a": 1}) != sealing.seal("k", {"a": 1})


def test_a_netscape_cookies_txt_becomes_playwright_cookies() -> None:
    text = (
        "# Netscape HTTP Cookie File\n\n"
        ".shop.example\tTRUE\t/\tTRUE\t2000000000\tsid\tabc\n"
        "#HttpOnly_www.shop.example\tFALSE\t/account\tFALSE\t0\tpref\tx=1\n"
    )
    assert parse_cookies_txt(text) == [
        {"name": "sid", "value": "abc", "domain": ".shop.example", "path": "/", "expires": 2000000000.0,
         "httpOnly": False, "secure": True, "sameSite": "Lax"},
        {"name": "pref", "value": "x=1", "domain": "www.shop.example", "path": "/account", "expires": -1,
         "httpOnly": True, "secure": False, "sameSite": "Lax"},
    ]  # fmt: skip


def test_an_unreadable_cookies_txt_is_refused_naming_the_line() -> None:
    with pytest.raises(ValidationError, match="line 2"):
        SessionIn.model_validate({"name": "s", "cookies": "# comment\nshop.example TRUE / sid abc\n"})


def test_exactly_one_way_to_make_a_session() -> None:
    with pytest.raises(ValidationError, match="exactly one"):
        SessionIn.model_validate({"name": "s"})
    with pytest.raises(ValidationError, match="exactly one"):
        SessionIn.model_validate(
            {"name": "s", "cookies": "x\tTRUE\t/\tFALSE\t0\ta\tb", "storage_state": {"cookies": []}}
        )


def test_a_login_may_not_make_files() -> None:
    body = {"name": "s", "login": {"url": "https://shop.example/login", "actions": [{"type": "pdf"}]}}
    with pytest.raises(ValidationError, match=r"actions\.0\.pdf: not a login action"):
        SessionIn.model_validate(body)


def test_typed_text_is_redacted_and_a_redacted_text_sent_back_keeps_the_stored_one() -> None:
    login: dict[str, Any] = {
        "url": "https://shop.example/login",
        "actions": [
            {"type": "write", "selector": "#pass", "text": "secret"},
            {"type": "press", "key": "Enter"},
        ],
    }
    shown = redact_login(login)
    assert shown["actions"][0]["text"] == REDACTED
    assert keep_typed_text(shown, login) == login
    moved = {**shown, "actions": [{"type": "write", "selector": "#other", "text": REDACTED}]}
    with pytest.raises(RedactedText):
        keep_typed_text(moved, login)


async def test_the_jar_sends_a_cookie_only_where_its_domain_path_scheme_and_expiry_allow() -> None:
    now = time.time()
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        jar = client.cookie_jar
        assert isinstance(jar, aiohttp.CookieJar)
        loaded = load_cookies(
            jar,
            [
                {"name": "host", "value": "1", "domain": "shop.example", "path": "/"},
                {"name": "wide", "value": "2", "domain": ".shop.example", "path": "/", "expires": now + 3600},
                {"name": "deep", "value": "3", "domain": "shop.example", "path": "/account"},
                {"name": "sec", "value": "4", "domain": "shop.example", "path": "/", "secure": True},
                {"name": "gone", "value": "5", "domain": "shop.example", "path": "/", "expires": now - 1},
            ],
            now,
        )
        assert loaded == 4

        def sent(url: str) -> list[str]:
            return sorted(jar.filter_cookies(URL(url)).keys())

        assert sent("http://shop.example/") == ["host", "wide"]
        assert sent("http://www.shop.example/") == ["wide"]  # a host-only cookie stays on its host
        assert sent("http://shop.example/account/orders") == ["deep", "host", "wide"]
        assert sent("http://shop.example/accounting") == ["host", "wide"]  # a path prefix is a segment
        assert sent("https://shop.example/") == ["host", "sec", "wide"]  # Secure only over HTTPS
        assert sent("http://evil.example/") == []
        # Back out as storage-state cookies, as they went in.
        back = {c["name"]: c for c in jar_cookies(jar, now)}
        assert back["host"]["domain"] == "shop.example"
        assert back["wide"]["domain"] == ".shop.example"
        assert back["wide"]["expires"] == pytest.approx(now + 3600, abs=2)
        assert back["sec"]["secure"] is True
        assert back["deep"]["path"] == "/account"


async def test_loading_a_state_replaces_what_the_jar_held() -> None:
    async with aiohttp.ClientSession(cookie_jar=aiohttp.CookieJar(unsafe=True)) as client:
        jar = client.cookie_jar
        assert isinstance(jar, aiohttp.CookieJar)
        load_cookies(jar, [{"name": "old", "value": "1", "domain": "shop.example"}])
        load_cookies(jar, [{"name": "new", "value": "2", "domain": "shop.example"}])
        assert list(jar.filter_cookies(URL("http://shop.example/")).keys()) == ["new"]
