"""A job's session: its stored state loaded before the first fetch, checked, and logged in again
when needed (at most once per job), one login at a time per session across workers.

1. The session's state (a Playwright storage state, sealed in the database) is opened and its
   cookies go into the job's cookie jar; the browser's contexts start with the whole state.
2. With a `check`, its page is loaded with that state: the session is logged in when the page
   shows the check's selector and did not end on the login page.
3. Without a state, or when the check fails, the login runs in the browser (the login page, the
   login's actions, then the context's storage state merged with the cookies the answers set).
   Only the job that holds the session's login lease logs in; another job that needs a login
   meanwhile waits for the new state and uses it. The new state is sealed and stored
   (`state_version` + 1), and the check must pass with it, or the job fails `session_login_failed`.

Cookies a site sets later in a job are not written back: the stored state changes only by a login
or an upload, so jobs running side by side never overwrite each other's state. Nothing of a state
or of the login's typed text is logged or put in a job's result or error.
"""

from __future__ import annotations

import asyncio
import logging
import time
from dataclasses import dataclass
from functools import partial
from typing import TYPE_CHECKING, Any
from urllib.parse import urlsplit

from backend_fastapi import sealing
from backend_fastapi.errors import JobError, PermanentJobError, TransientJobError
from backend_fastapi.schemas.actions import Action
from backend_fastapi.schemas.sessions import CheckIn, LoginIn, state_summary
from backend_fastapi.scraping.dom import LxmlTree, Selector, parse_html
from backend_fastapi.scraping.session_cookies import jar_cookies, load_cookies, merge_cookies
from backend_fastapi.store import session_rows
from backend_fastapi.store.rows import SessionRow

if TYPE_CHECKING:
    from sqlalchemy.ext.asyncio import AsyncConnection

    from backend_fastapi.scraping.render import BrowserSession
    from backend_fastapi.scraping.session import ScrapeSession

log = logging.getLogger(__name__)
# How often a job waiting for another job's login looks at the session again.
WAIT_POLL_SECONDS = 0.25
# Time a login may take beyond its page loads and actions before its lease lapses.
LOGIN_GRACE_SECONDS = 15.0


class SessionNotFound(PermanentJobError):
    """The job names a session that does not exist (it was deleted after the job was queued)."""

    code = "session_not_found"


class SessionLoginFailed(PermanentJobError):
    """Logging in did not work: the session's check still fails after a fresh login."""

    code = "session_login_failed"


class SessionExpired(PermanentJobError):
    """The session's uploaded state is no longer logged in, and it has no login to run again."""

    code = "session_expired"


class SessionBusy(TransientJobError):
    """Another job has been logging in to this session for too long; the job is tried again later."""

    code = "session_busy"


@dataclass
class _Loaded:
    row: SessionRow
    login: LoginIn | None
    check: CheckIn | None
    state: dict[str, Any] | None


async def open_session(scrape: ScrapeSession, name: str) -> BrowserSession:
    """Load the job's session into its client (cookies) and return the browser's share (state);
    log in first when there is no state or the check fails."""
    from backend_fastapi.scraping.render import BrowserSession

    ctx = scrape.ctx
    loaded = await _load(scrape, name)
    row = loaded.row
    if loaded.state is not None:
        _use(scrape, loaded.state)
        session = BrowserSession(loaded.state, (row.id, row.state_version))
        if loaded.check is None:
            return session
        problem = await _check(scrape, loaded, session)
        now = await ctx.db.now()
        await ctx.db.write(lambda conn: session_rows.note_check(conn, row.id, now, problem))
        if problem is None:
            return session
        log.info("session.check_failed", extra={"session": row.name, "reason": problem})
        if loaded.login is None:
            raise SessionExpired(
                f"The session {row.name!r} is no longer logged in ({problem}) and has no login to run: "
                "upload its cookies or storage state again.",
                details={"session": row.name},
            )
    elif loaded.login is None:
        raise SessionExpired(f"The session {row.name!r} has no state.", details={"session": row.name})
    state, version = await _log_in_once(scrape, loaded)
    _use(scrape, state)
    session = BrowserSession(state, (row.id, version))
    if loaded.check is not None:
        problem = await _check(scrape, loaded, session)
        if problem is not None:
            message = f"Logging in to the session {row.name!r} did not work: after a fresh login, {problem}."
            now = await ctx.db.now()
            await ctx.db.write(lambda conn: session_rows.note_check(conn, row.id, now, message))
            raise SessionLoginFailed(message, details={"session": row.name})
    return session


async def _load(scrape: ScrapeSession, ref: str) -> _Loaded:
    row = await scrape.ctx.db.fetch(lambda conn: session_rows.find(conn, ref))
    if row is None:
        raise SessionNotFound(f"No session named {ref!r} (was it deleted?).", details={"session": ref})
    key = scrape.ctx.settings.SECRET_KEY
    login_json = sealing.unseal(key, row.sealed_login) if row.sealed_login else row.spec.get("login")
    check_json = row.spec.get("check")
    return _Loaded(
        row=row,
        # Validated when it was saved: trusted as stored.
        login=None if login_json is None else LoginIn.model_construct(**_login_fields(login_json)),
        check=None if check_json is None else CheckIn.model_construct(**check_json),
        state=sealing.unseal(key, row.sealed_state) if row.sealed_state else None,
    )


def _login_fields(login: dict[str, Any]) -> dict[str, Any]:
    from pydantic import TypeAdapter, ValidationError

    try:
        actions = TypeAdapter(list[Action]).validate_python(login.get("actions", []), strict=False)
    except ValidationError as exc:  # e.g. an evaluate action on a worker that does not allow scripts
        reason = exc.errors()[0]["msg"] if exc.errors() else str(exc)
        raise SessionLoginFailed(f"The session's login cannot run on this worker: {reason}") from None
    return {"url": login["url"], "actions": actions}


def _use(scrape: ScrapeSession, state: dict[str, Any]) -> None:
    load_cookies(scrape.client.cookie_jar, state.get("cookies") or [])


async def _check(scrape: ScrapeSession, loaded: _Loaded, session: BrowserSession) -> str | None:
    """Why the session is not logged in, or None when the check page shows its selector."""
    check = loaded.check
    assert check is not None
    if check.strategy == "dynamic":
        rendered = await scrape.render_page(check.url, session)
        url, html, status = rendered.url, rendered.html, 200
    else:
        await scrape.robots(check.url)
        response = await scrape.client.get(check.url)
        url, status = response.url, response.status
        html = response.body.decode("utf-8", "replace")
    if loaded.login is not None and _same_page(url, loaded.login.url) and not _same_page(url, check.url):
        return f"{check.url} led to the login page"
    if status >= 400:
        return f"{check.url} answered {status}"
    selector = Selector.parse(check.selector)
    tree = LxmlTree(html) if selector.needs_lxml else parse_html(html)
    if not tree.select(tree.root, selector):
        return f"{check.url} does not show {check.selector!r}"
    return None


def _same_page(a: str, b: str) -> bool:
    left, right = urlsplit(a), urlsplit(b)
    return (left.netloc.lower(), left.path.rstrip("/")) == (right.netloc.lower(), right.path.rstrip("/"))


async def _log_in_once(scrape: ScrapeSession, loaded: _Loaded) -> tuple[dict[str, Any], int]:
    """Log in (holding the session's lease), or wait for the job that is logging in and take its
    state; the state and its version."""
    ctx = scrape.ctx
    row = loaded.row
    options = scrape.options
    lease = options.timeout_s * 2 + options.actions_timeout_s + LOGIN_GRACE_SECONDS
    owner = f"{ctx.worker_id}/{ctx.id}/{ctx.attempt}"[-100:]
    seen = row.state_version
    give_up = time.monotonic() + lease + LOGIN_GRACE_SECONDS
    while True:
        taken = await ctx.db.write_timed(partial(_take_lease, row.id, owner, seen, lease))
        if taken:
            return await _log_in(scrape, loaded, owner)
        current = await ctx.db.fetch(lambda conn: session_rows.find(conn, row.id))
        if current is None:
            raise SessionNotFound(f"The session {row.name!r} was deleted.", details={"session": row.name})
        if current.state_version != seen:
            if current.sealed_state is not None and current.login_owner is None:
                # Another job logged in meanwhile: its state is used, no second login.
                log.info(
                    "session.login_shared", extra={"session": row.name, "version": current.state_version}
                )
                state = sealing.unseal(ctx.settings.SECRET_KEY, current.sealed_state)
                return state, current.state_version
            seen = current.state_version  # the state was dropped (a new login asked for): take the lease
            continue
        if time.monotonic() > give_up:
            raise SessionBusy(
                f"Another job has been logging in to the session {row.name!r} for too long.",
                details={"session": row.name},
                retry_after=5.0,
            )
        await asyncio.sleep(WAIT_POLL_SECONDS)


async def _take_lease(
    session_id: str, owner: str, seen: int, lease: float, conn: AsyncConnection, now: float
) -> bool:
    return await session_rows.take_login_lease(conn, session_id, owner, seen, now, now + lease)


async def _log_in(scrape: ScrapeSession, loaded: _Loaded, owner: str) -> tuple[dict[str, Any], int]:
    from backend_fastapi.outbound import GuardedClient
    from backend_fastapi.scraping.render import render_login

    ctx = scrape.ctx
    row, login = loaded.row, loaded.login
    assert login is not None
    options = scrape.options
    log.info("session.login_started", extra={"session": row.name})
    started = time.monotonic()
    try:
        # A client of its own: the login starts from no cookies, whatever the job's jar holds.
        async with GuardedClient(
            ctx.settings.SCRAPE_ALLOW_HOSTS,
            user_agent=options.user_agent,
            headers=options.headers,
            timeout_s=options.timeout_s,
            max_bytes=options.max_bytes,
            max_redirects=options.max_redirects,
            proxies=scrape.proxies,
        ) as client:
            await scrape.robots(login.url)
            state = await render_login(ctx.settings, client, login.url, options, login.actions)
            # What the answers set (Set-Cookie) is in the client's jar; what scripts set, in the browser's.
            state["cookies"] = merge_cookies(state.get("cookies") or [], jar_cookies(client.cookie_jar))
    except JobError as exc:
        message = f"Logging in to the session {row.name!r} failed: {exc.message}"
        now = await ctx.db.now()
        await ctx.db.write(lambda conn: session_rows.release_lease(conn, row.id, owner, message, now))
        if exc.retryable:
            raise
        raise SessionLoginFailed(message, details={"session": row.name}) from exc
    except BaseException:
        now = await ctx.db.now()
        await ctx.db.write(
            lambda conn: session_rows.release_lease(conn, row.id, owner, "The login was interrupted.", now)
        )
        raise
    sealed = sealing.seal(ctx.settings.SECRET_KEY, state)
    summary = state_summary(state)
    now = await ctx.db.now()
    version = await ctx.db.write(
        lambda conn: session_rows.save_login(conn, row.id, owner, sealed, summary, now)
    )
    log.info(
        "session.logged_in",
        extra={
            "session": row.name,
            "cookies": summary["cookies"],
            "version": version,
            "duration_ms": round((time.monotonic() - started) * 1000),
        },
    )
    if version is None:
        # The lease lapsed and another job logged in since: this state is used by this job only.
        return state, -1
    return state, version
