"""`/api/sessions`: logins that scrapes use by name, and what the API shows of them (never a secret).

A session is made one of three ways: a `login` (a page and the browser actions that log in, run by
the worker when the session has no state or its `check` fails), an uploaded Playwright
`storage_state`, or `cookies` (a list of cookie objects or a Netscape cookies.txt). Uploaded
cookies become a storage state here, so the worker only ever reads one form.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from backend_fastapi.schemas.actions import MAX_ACTIONS, Action, check_selector
from backend_fastapi.schemas.common import NAME_PATTERN, StrictModel, validate_outbound_url
from backend_fastapi.schemas.responses import ResponseModel, at, at_or_none
from backend_fastapi.store.rows import JsonObject, SessionRow

# What the API shows instead of typed text (a PUT that sends it back keeps the stored text).
REDACTED = "***"
MAX_COOKIES = 3000
MAX_ORIGINS = 200
# Actions that make files or records: a login has no output.
_NOT_LOGIN_ACTIONS = frozenset({"screenshot", "pdf", "scrape"})
# Keys of an action whose value is typed by the user (passwords): sealed, shown redacted.
SECRET_ACTION_KEYS = {"write": "text", "evaluate": "script"}
SessionKind = Literal["login", "storage_state", "cookies"]
SessionStatus = Literal["ready", "needs_login", "logging_in", "failed"]


class LoginIn(StrictModel):
    """Open `url` in the browser and run `actions` (fill the form, press Enter or click)."""

    url: str = Field(examples=["https://shop.example/login"])
    actions: list[Action] = Field(min_length=1, max_length=MAX_ACTIONS)

    _url = field_validator("url")(validate_outbound_url)

    @field_validator("actions")
    @classmethod
    def _login_actions(cls, actions: list[Action]) -> list[Action]:
        for index, action in enumerate(actions):
            if action.type in _NOT_LOGIN_ACTIONS:
                raise PydanticCustomError(
                    "action",
                    "actions.{index}.{type}: not a login action (a login makes no files or records)",
                    {"index": index, "type": action.type},
                )
        return actions


class CheckIn(StrictModel):
    """The session is logged in when `url` shows `selector` (and does not redirect to the login)."""

    url: str = Field(examples=["https://shop.example/account"])
    selector: str = Field(min_length=1, max_length=2000, examples=[".account-name"])
    strategy: Literal["static", "dynamic"] = Field(
        default="static", description="How the check page is loaded: one request, or the browser."
    )

    _url = field_validator("url")(validate_outbound_url)
    _selector = field_validator("selector")(check_selector)


class _Lenient(BaseModel):
    """Uploaded cookie and storage-state objects: keys other tools add (partitionKey...) are ignored."""

    model_config = ConfigDict(extra="ignore", strict=True, populate_by_name=True)


class CookieIn(_Lenient):
    """A cookie as Playwright stores it (`expires`) or as browser extensions export it (`expirationDate`,
    `hostOnly`)."""

    name: str = Field(min_length=1, max_length=4096)
    value: str = Field(max_length=16_384)
    domain: str = Field(min_length=1, max_length=255)
    path: str = Field(default="/", max_length=2048)
    expires: float | None = Field(default=None, description="Epoch seconds; -1 or absent: a session cookie.")
    expirationDate: float | None = None
    httpOnly: bool = False
    secure: bool = False
    sameSite: str | None = Field(default=None, max_length=20)
    hostOnly: bool | None = None


class LocalStorageItem(_Lenient):
    name: str = Field(max_length=4096)
    value: str = Field(max_length=1_000_000)


class OriginIn(_Lenient):
    origin: str = Field(min_length=1, max_length=2048)
    localStorage: list[LocalStorageItem] = Field(default_factory=list, max_length=10_000)


class StorageStateIn(_Lenient):
    """Playwright's `context.storage_state()`: cookies and each origin's localStorage."""

    cookies: list[CookieIn] = Field(default_factory=list, max_length=MAX_COOKIES)
    origins: list[OriginIn] = Field(default_factory=list, max_length=MAX_ORIGINS)


class SessionIn(StrictModel):
    """A session: `login` (with an optional `check`), or an uploaded `storage_state` or `cookies`."""

    name: str = Field(pattern=NAME_PATTERN, description="Unique; scrapes name it in `session`.")
    login: LoginIn | None = None
    check: CheckIn | None = Field(
        default=None,
        description="Tells whether the stored state is still logged in; when it fails the login runs "
        "again (once per job).",
    )
    storage_state: StorageStateIn | None = None
    cookies: list[CookieIn] | str | None = Field(
        default=None,
        description="Cookie objects (name, value, domain, path, expires, httpOnly, secure, sameSite), or "
        "the text of a Netscape cookies.txt.",
    )

    @field_validator("cookies")
    @classmethod
    def _cookie_text(cls, cookies: list[CookieIn] | str | None) -> list[CookieIn] | str | None:
        if isinstance(cookies, str):
            parse_cookies_txt(cookies)  # refused here when unreadable
        elif isinstance(cookies, list) and len(cookies) > MAX_COOKIES:
            raise PydanticCustomError("cookies", "more than {n} cookies", {"n": MAX_COOKIES})
        return cookies

    @model_validator(mode="after")
    def _one_source(self) -> SessionIn:
        given = [k for k in ("login", "storage_state", "cookies") if getattr(self, k) is not None]
        if len(given) != 1:
            raise PydanticCustomError(
                "session", "give exactly one of login, storage_state or cookies (got {given})",
                {"given": ", ".join(given) or "none"},
            )  # fmt: skip
        return self

    @property
    def kind(self) -> SessionKind:
        if self.login is not None:
            return "login"
        return "storage_state" if self.storage_state is not None else "cookies"

    def login_json(self) -> JsonObject | None:
        """The login with its typed text, as sealed."""
        if self.login is None:
            return None
        return self.login.model_dump(mode="json", exclude_unset=True)

    def uploaded_state(self) -> JsonObject | None:
        """An uploaded storage state or cookies as a Playwright storage state."""
        if self.storage_state is not None:
            return {
                "cookies": [playwright_cookie(c) for c in self.storage_state.cookies],
                "origins": [o.model_dump(mode="json") for o in self.storage_state.origins],
            }
        if isinstance(self.cookies, str):
            return {"cookies": parse_cookies_txt(self.cookies), "origins": []}
        if self.cookies is not None:
            return {"cookies": [playwright_cookie(c) for c in self.cookies], "origins": []}
        return None


def playwright_cookie(cookie: CookieIn) -> JsonObject:
    """A cookie as Playwright's storage state has it: a host-only cookie's domain without a dot,
    a domain cookie's with one; -1 expires a session cookie."""
    domain = cookie.domain.strip().lower()
    if cookie.hostOnly is True:
        domain = domain.lstrip(".")
    elif cookie.hostOnly is False and not domain.startswith("."):
        domain = "." + domain
    expires = cookie.expires if cookie.expires is not None else cookie.expirationDate
    same_site = {"strict": "Strict", "lax": "Lax", "none": "None", "no_restriction": "None"}.get(
        (cookie.sameSite or "").lower(), "Lax"
    )
    return {
        "name": cookie.name,
        "value": cookie.value,
        "domain": domain,
        "path": cookie.path or "/",
        "expires": -1 if expires is None or expires <= 0 else float(expires),
        "httpOnly": cookie.httpOnly,
        "secure": cookie.secure,
        "sameSite": same_site,
    }


def parse_cookies_txt(text: str) -> list[JsonObject]:
    """A Netscape cookies.txt (curl, wget, browser exports) as Playwright cookies; a line that is
    not seven tab-separated fields is refused, naming its number."""
    cookies: list[JsonObject] = []
    for number, raw in enumerate(text.splitlines(), start=1):
        line = raw.strip("\r\n")
        http_only = line.startswith("#HttpOnly_")
        if http_only:
            line = line.removeprefix("#HttpOnly_")
        elif not line.strip() or line.lstrip().startswith("#"):
            continue
        fields = line.split("\t")
        if len(fields) != 7:
            raise PydanticCustomError(
                "cookies", "cookies.txt line {number}: expected 7 tab-separated fields", {"number": number}
            )
        domain, subdomains, path, secure, expires, name, value = fields
        if not domain or not name or not expires.strip().lstrip("-").isdigit():
            raise PydanticCustomError(
                "cookies", "cookies.txt line {number}: no domain, name or expiry", {"number": number}
            )
        domain = domain.lower()
        domain = ("." + domain.lstrip(".")) if subdomains.upper() == "TRUE" else domain.lstrip(".")
        when = int(expires)
        cookies.append(
            {
                "name": name,
                "value": value,
                "domain": domain,
                "path": path or "/",
                "expires": float(when) if when > 0 else -1,
                "httpOnly": http_only,
                "secure": secure.upper() == "TRUE",
                "sameSite": "Lax",
            }
        )
        if len(cookies) > MAX_COOKIES:
            raise PydanticCustomError("cookies", "more than {n} cookies", {"n": MAX_COOKIES})
    if not cookies:
        raise PydanticCustomError("cookies", "cookies.txt holds no cookie", {})
    return cookies


def state_summary(state: JsonObject) -> JsonObject:
    """What the API may show of a state: how many cookies, for which domains, how many origins."""
    cookies = state.get("cookies") or []
    domains = sorted({str(c.get("domain", "")).lstrip(".") for c in cookies} - {""})
    return {"cookies": len(cookies), "domains": domains[:100], "origins": len(state.get("origins") or [])}


def redact_login(login: JsonObject) -> JsonObject:
    """The login as the API shows it: typed text (and scripts) replaced by REDACTED."""
    actions = []
    for action in login.get("actions", []):
        key = SECRET_ACTION_KEYS.get(str(action.get("type")))
        actions.append({**action, key: REDACTED} if key and key in action else dict(action))
    return {**login, "actions": actions}


def has_typed_text(login: JsonObject) -> bool:
    return any(SECRET_ACTION_KEYS.get(str(a.get("type"))) in a for a in login.get("actions", []))


def has_redacted_text(login: JsonObject) -> bool:
    """Whether a login sent back stands for stored text somewhere (`***`)."""
    return any(
        a.get(SECRET_ACTION_KEYS.get(str(a.get("type")), "")) == REDACTED for a in login.get("actions", [])
    )


class RedactedText(ValueError):
    """A redacted text sent back that stands for no stored text."""

    def __init__(self, message: str, field: str) -> None:
        super().__init__(message)
        self.field = field


def keep_typed_text(login: JsonObject, stored: JsonObject | None) -> JsonObject:
    """A login sent back as GET showed it: a REDACTED text stands for the stored text of the same
    action (same index, type and selector); refused when it stands for nothing."""
    old = (stored or {}).get("actions") or []
    actions = []
    for index, action in enumerate(login.get("actions", [])):
        key = SECRET_ACTION_KEYS.get(str(action.get("type")))
        if key and action.get(key) == REDACTED:
            before = old[index] if index < len(old) else {}
            same = before.get("type") == action["type"] and before.get("selector") == action.get("selector")
            if not same or key not in before:
                raise RedactedText(
                    f"login.actions.{index}.{key}: {REDACTED} stands for the stored text of the same "
                    "action: give the text",
                    f"body.login.actions.{index}.{key}",
                )
            action = {**action, key: before[key]}
        actions.append(action)
    return {**login, "actions": actions}


# --- answers ----------------------------------------------------------------------------------------


class SessionLoginOut(ResponseModel):
    url: str
    actions: list[JsonObject] = Field(description="The login's actions, typed text shown as `***`.")


class SessionOut(ResponseModel):
    """A session as the API shows it: never a cookie, a storage state or typed text."""

    session_id: str
    name: str
    kind: SessionKind
    status: SessionStatus = Field(
        description="`ready` (a state is stored), `needs_login` (the next use logs in), `logging_in` "
        "(a job is logging in now), `failed` (the last login or check failed: see `last_error`)."
    )
    login: SessionLoginOut | None = None
    check: JsonObject | None = None
    has_state: bool
    cookie_count: int
    cookie_domains: list[str]
    origin_count: int = Field(description="Origins whose localStorage the state holds.")
    state_version: int
    last_login_at: str | None = None
    last_check_at: str | None = None
    last_error: str | None = None
    created_at: str
    updated_at: str


class SessionPage(ResponseModel):
    items: list[SessionOut]
    next_cursor: str | None = None


def session_status(row: SessionRow, now: float) -> SessionStatus:
    if row.login_owner is not None and (row.login_until or 0) > now:
        return "logging_in"
    if row.last_error:
        return "failed"
    return "ready" if row.sealed_state else "needs_login"


def session_body(row: SessionRow, now: float) -> SessionOut:
    """The answer for a session (its login redacted, its state summarised)."""
    spec = row.spec
    summary = row.state_summary or {}
    login = spec.get("login")
    return SessionOut(
        session_id=row.id,
        name=row.name,
        kind=spec["kind"],
        status=session_status(row, now),
        login=None if login is None else SessionLoginOut(url=login["url"], actions=login["actions"]),
        check=spec.get("check"),
        has_state=row.sealed_state is not None,
        cookie_count=int(summary.get("cookies", 0)),
        cookie_domains=list(summary.get("domains", [])),
        origin_count=int(summary.get("origins", 0)),
        state_version=row.state_version,
        last_login_at=at_or_none(row.last_login_at),
        last_check_at=at_or_none(row.last_check_at),
        last_error=row.last_error,
        created_at=at(row.created_at),
        updated_at=at(row.updated_at),
    )


def spec_of(body: SessionIn, login: JsonObject | None) -> dict[str, Any]:
    """The session's spec column: kind, the login redacted, the check."""
    spec: dict[str, Any] = {"kind": body.kind}
    if login is not None:
        spec["login"] = redact_login(login)
    if body.check is not None:
        spec["check"] = body.check.model_dump(mode="json")
    return spec
