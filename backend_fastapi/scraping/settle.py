"""When a rendered page is done: its DOM and its network quiet, measured by events in the page.

A script added to every document before the page's own scripts watches the DOM with a
MutationObserver and keeps the page's `fetch`/XHR requests and short timers (a `setTimeout` due
soon after the page started, such as "render in 50 ms") as pending work. `read_settled` asks the
page to resolve once nothing is pending and the DOM has not changed for `QUIET_SECONDS` (longer
for a page changing in a rhythm); every request of the page is also counted where it is fetched
(the guard in render.py), and a request's end counts as activity. A page that keeps changing is
read at `limit`.
"""

from __future__ import annotations

import asyncio
import time
from typing import Protocol

from playwright.async_api import Error as PlaywrightError
from playwright.async_api import Page

# Quiet after the last DOM change or request end: long enough for a fetched response's handler
# (body read, JSON parse, DOM update) to run, short against the page's own render time.
QUIET_SECONDS = 0.08
# A page that changes in a rhythm (an interval adding items) is quiet only after 1.5 times its longest
# gap between changes, up to this long: a ticking clock does not hold the page for ever.
MAX_QUIET_MS = 500
# An interval this fast or faster counts as such a rhythm while it runs (a 1 s clock does not).
FAST_INTERVAL_MS = 250
# Timers that count as pending work: due within SHORT_TIMER_MS of being set, set no deeper than
# MAX_TIMER_DEPTH timer callbacks down (a poll that re-arms itself is not "about to render"), and due
# within TIMER_HORIZON_MS of the document's start.
SHORT_TIMER_MS = 1000
MAX_TIMER_DEPTH = 2
TIMER_HORIZON_MS = 3000
# Time the page's answer may take past the limit before the read counts as timed out.
READ_MARGIN_SECONDS = 5.0
_KEY = "dataops.settle"

# Attribute changes to `style` and `class` are how animations and spinners move: not content.
INIT_SCRIPT = """(() => {
  const KEY = Symbol.for('__KEY__');
  if (window[KEY]) return;
  const setT = window.setTimeout, clearT = window.clearTimeout, now = performance.now.bind(performance);
  const setI = window.setInterval, clearI = window.clearInterval;
  const Serializer = window.XMLSerializer, timers = new Set(), intervals = new Map();
  // last: the last activity; mark: while settling, the last activity to measure a gap from;
  // rhythm: the longest gap between changes no known work explains (an interval, a chain of timers).
  let last = now(), mark = null, rhythm = 0, knownAt = -1, depth = 0, wake = null;
  const touch = (known) => {
    const t = now();
    if (mark !== null) {
      if (!known && t - knownAt > 2 && t - mark > 16) rhythm = Math.max(rhythm, t - mark);
      mark = t;
    }
    last = t;
    if (wake) wake();
  };
  new MutationObserver((records) => {
    for (const r of records) {
      if (r.type !== 'attributes' || (r.attributeName !== 'style' && r.attributeName !== 'class')) {
        touch(false);
        return;
      }
    }
  }).observe(document, {childList: true, subtree: true, characterData: true, attributes: true});
  window.setTimeout = function setTimeout(fn, ms, ...args) {
    if (typeof fn !== 'function') return setT(fn, ms, ...args);
    const delay = Math.max(0, Number(ms) || 0), mine = depth + 1;
    const tracked = delay <= __SHORT__ && mine <= __DEPTH__ && now() + delay <= __HORIZON__;
    const id = setT(function () {
      const saved = depth;
      depth = mine;
      try { return fn.apply(this, args); } finally {
        depth = saved;
        // The DOM changes this callback made are reported right after it: explained by it.
        if (timers.delete(id)) { knownAt = now(); touch(true); }
      }
    }, ms);
    if (tracked) timers.add(id);
    return id;
  };
  // Requests the page's scripts make are pending work from the moment they are made (the route
  // handler hears of them later); their end counts as activity, as the response is handled next.
  let requests = 0;
  const done = () => { requests--; touch(true); };
  const fetch0 = window.fetch;
  if (fetch0) {
    window.fetch = function fetch(...args) {
      requests++;
      let promise;
      try { promise = fetch0.apply(this, args); } catch (e) { done(); throw e; }
      promise.then(done, done);
      return promise;
    };
  }
  const send0 = XMLHttpRequest.prototype.send;
  XMLHttpRequest.prototype.send = function send(...args) {
    requests++;
    this.addEventListener('loadend', done, {once: true});
    try { return send0.apply(this, args); } catch (e) {
      this.removeEventListener('loadend', done);
      done();
      throw e;
    }
  };
  // The two share their ids: either clears a timer or an interval.
  const forget = (id) => { if (timers.delete(id) | intervals.delete(id)) touch(true); };
  window.clearTimeout = function clearTimeout(id) { forget(id); return clearT(id); };
  window.clearInterval = function clearInterval(id) { forget(id); return clearI(id); };
  // A fast interval (an item every 100 ms) sets the page's rhythm for as long as it runs.
  window.setInterval = function setInterval(fn, ms, ...args) {
    const id = setI(fn, ms, ...args), delay = Math.max(0, Number(ms) || 0);
    if (delay <= __INTERVAL__) intervals.set(id, delay);
    return id;
  };
  const html = () => (document.doctype ? new Serializer().serializeToString(document.doctype) : '') +
    (document.documentElement ? document.documentElement.outerHTML : '');
  const settle = (quietMs, limitMs, busyAgoMs) => new Promise((resolve) => {
    const start = now(), end = start + limitMs;
    let handle = null;
    last = Math.max(last, start - busyAgoMs);
    mark = last;
    rhythm = 0;
    const check = () => {
      wake = null;
      if (handle !== null) clearT(handle);
      handle = null;
      const t = now();
      if (t >= end) { mark = null; return resolve([false, html()]); }
      const beat = Math.max(rhythm, ...intervals.values());
      const idle = t - last, quiet = Math.min(__MAX_QUIET__, Math.max(quietMs, 1.5 * beat));
      const busy = timers.size || requests > 0;
      if (!busy && idle >= quiet) { mark = null; return resolve([true, html()]); }
      wake = check;  // the next DOM change, timer or request end re-checks; else the quiet ends
      handle = setT(check, busy ? end - t : Math.min(quiet - idle, end - t));
    };
    check();
  });
  Object.defineProperty(window, KEY, {value: {settle, html}});
})();"""
_CONSTANTS = {
    "KEY": _KEY,
    "SHORT": SHORT_TIMER_MS,
    "DEPTH": MAX_TIMER_DEPTH,
    "HORIZON": TIMER_HORIZON_MS,
    "MAX_QUIET": MAX_QUIET_MS,
    "INTERVAL": FAST_INTERVAL_MS,
}
for _name, _value in _CONSTANTS.items():
    INIT_SCRIPT = INIT_SCRIPT.replace(f"__{_name}__", str(_value))

_SETTLE = """([quietMs, limitMs, busyAgoMs]) => {
  const own = window[Symbol.for('__KEY__')];
  if (own) return own.settle(quietMs, limitMs, busyAgoMs);
  return [null, (document.doctype ? new XMLSerializer().serializeToString(document.doctype) : '') +
    (document.documentElement ? document.documentElement.outerHTML : '')];
}""".replace("__KEY__", _KEY)


class Requests(Protocol):
    """What the settle loop needs to know of the page's requests."""

    in_flight: int
    last_done: float

    async def idle(self, deadline: float) -> None:
        """Return once no request is in flight, or at `deadline` (monotonic)."""


def _navigated(exc: PlaywrightError) -> bool:
    text = exc.message
    return "context was destroyed" in text or "navigat" in text


async def read_settled(page: Page, requests: Requests, limit: float) -> str:
    """The page's HTML once its DOM and requests have been quiet for QUIET_SECONDS (or at `limit`)."""
    deadline = time.monotonic() + limit
    while True:
        now = time.monotonic()
        left = max(0.0, deadline - now)
        busy_ago = 0.0 if requests.in_flight else now - requests.last_done
        try:
            # The page's own scripts share this world: a page that breaks the promise meets the limit.
            async with asyncio.timeout(left + READ_MARGIN_SECONDS):
                args = [QUIET_SECONDS * 1000, left * 1000, busy_ago * 1000]
                settled, html = await page.evaluate(_SETTLE, args)
        except PlaywrightError as exc:
            # A script navigated (a client-side redirect): settle the new document.
            if not _navigated(exc) or time.monotonic() >= deadline:
                raise
            await page.wait_for_load_state("load", timeout=max(1.0, deadline - time.monotonic()) * 1000)
            continue
        now = time.monotonic()
        if settled is False or now >= deadline:
            return str(html)
        if requests.in_flight:
            # A request started while the DOM was quiet: wait for it, then for quiet after it.
            await requests.idle(deadline)
            continue
        quiet_left = QUIET_SECONDS - (now - requests.last_done)
        if quiet_left <= 0:
            return str(html)
        if settled is None:  # no script of ours in this document: only the requests tell
            await asyncio.sleep(min(quiet_left, deadline - now))


async def read_html(page: Page, timeout: float) -> str:
    """The page's HTML now (doctype and document element, as `page.content()` gives it)."""
    async with asyncio.timeout(timeout):
        return str((await page.evaluate(_SETTLE, [0, 0, 0]))[1])
