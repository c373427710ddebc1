"""Pages for the address-guard tests: redirects with every status, and pages whose every kind of
request (fetch, image, iframe, WebSocket, worker, WebRTC) aims at a blocked address.

`guard_site()` serves them on a loopback port: `/go/STATUS?to=URL` redirects with STATUS,
`/links?to=URL&to=URL...` links to each URL,
`/reach?to=URL` is a page that fetches, embeds, prefetches and opens a WebSocket to URL (also from
a worker), registers a service worker that would fetch it, and shows `#done` once all of them
have settled; `/webrtc?port=P` opens an RTCPeerConnection with STUN and TURN servers at
127.0.0.1:P and shows `#done` when ICE gathering completed (or after 5 s); `/robots.txt` allows
everything; anything else is a small page with an `h1`.
"""

from __future__ import annotations

import json
import socket
import threading
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from html import escape
from pathlib import Path
from urllib.parse import parse_qs, urlsplit

from tests.support.scrape_stack import Stack, scrape_stack
from tests.support.servers import LoopbackServer, Recorded, loopback_server

Answer = tuple[int, dict[str, str], bytes]
HTML = "text/html; charset=utf-8"
REDIRECT_STATUSES = (301, 302, 303, 307, 308)
# Unicode spellings that URL libraries and browsers map (IDNA / UTS 46) to 127.0.0.1 or localhost:
# ideographic, full-width and half-width full stops, full-width and mathematical bold digits.
UNICODE_LOOPBACK = [
    "http://127\u30020\u30020\u30021:{port}/",
    "http://\uff11\uff12\uff17.\uff10.\uff10.\uff11:{port}/",
    "http://127\uff0e0\uff0e0\uff0e1:{port}/",
    "http://127\uff610\uff610\uff611:{port}/",
    "http://\U0001d7cf\U0001d7d0\U0001d7d5.\U0001d7ce.\U0001d7ce.\U0001d7cf:{port}/",
    "http://\uff4c\uff4f\uff43\uff41\uff4c\uff48\uff4f\uff53\uff54:{port}/",
]
# Redirect and link targets: the counter's address plainly, in Unicode and in hex.
HOP_TARGETS = ["http://127.0.0.1:{port}/", *UNICODE_LOOPBACK[:2], "http://0x7f.1:{port}/"]


def _page(title: str, body: str) -> bytes:
    return f"<!doctype html><html><head><title>{title}</title></head><body>{body}</body></html>".encode()


def _reach(target: str) -> bytes:
    ws = "ws" + target[4:] if target.startswith("http") else target
    script = f"""
const target = {json.dumps(target)}, ws = {json.dumps(ws)};
const settle = (p) => p.then(() => 'reached', () => 'blocked');
const socketTry = (url) => new Promise((resolve) => {{
  try {{
    const s = new WebSocket(url);
    s.onopen = () => resolve('reached');
    s.onerror = s.onclose = () => resolve('blocked');
  }} catch (e) {{ resolve('blocked'); }}
}});
// The worker fetches and opens a WebSocket too: route interception does not see into every worker.
const workerCode = `
const fetched = fetch(${{JSON.stringify(target)}} + 'worker').then(() => 'reached', () => 'blocked');
const opened = new Promise((resolve) => {{
  try {{
    const s = new WebSocket(${{JSON.stringify(ws)}} + 'worker-ws');
    s.onopen = () => resolve('reached');
    s.onerror = s.onclose = () => resolve('blocked');
  }} catch (e) {{ resolve('blocked'); }}
}});
Promise.all([fetched, opened]).then((r) => postMessage(r.includes('reached') ? 'reached' : 'blocked'));`;
const fromWorker = new Promise((resolve) => {{
  try {{
    const w = new Worker(URL.createObjectURL(new Blob([workerCode])));
    w.onmessage = (e) => resolve(e.data);
    w.onerror = () => resolve('blocked');
  }} catch (e) {{ resolve('blocked'); }}
}});
// A service worker would fetch on its own, outside the page: none may be registered (with
// service workers blocked, register() resolves to nothing or rejects).
const serviceWorker = 'serviceWorker' in navigator
  ? navigator.serviceWorker.register('/sw.js?to=' + encodeURIComponent(target))
      .then((registration) => registration ? 'reached' : 'blocked', () => 'blocked')
  : Promise.resolve('blocked');
const beacon = navigator.sendBeacon ? navigator.sendBeacon(target + 'beacon', 'x') : false;
Promise.all([settle(fetch(target + 'fetch')), socketTry(ws + 'ws'), fromWorker, serviceWorker,
             new Promise((r) => setTimeout(r, 500))]).then((outcomes) => {{
  const done = document.createElement('p');
  done.id = 'done';
  done.textContent = outcomes.slice(0, 4).join(',');
  document.body.appendChild(done);
}});
"""
    body = (
        f'<h1>Reach</h1><img src="{escape(target)}img"><iframe src="{escape(target)}frame"></iframe>'
        f'<link rel="prefetch" href="{escape(target)}prefetch">'
        f'<link rel="preconnect" href="{escape(target)}">'
        f"<script>{script}</script>"
    )
    return _page("Reach", body)


def _webrtc(port: int) -> bytes:
    servers = [
        {"urls": f"stun:127.0.0.1:{port}"},
        {"urls": f"turn:127.0.0.1:{port}?transport=udp", "username": "u", "credential": "p"},
        {"urls": f"turn:127.0.0.1:{port}?transport=tcp", "username": "u", "credential": "p"},
    ]
    script = f"""
const finish = (state) => {{
  if (document.getElementById('done')) return;
  const done = document.createElement('p'); done.id = 'done'; done.textContent = state;
  document.body.appendChild(done);
}};
const pc = new RTCPeerConnection({{iceServers: {json.dumps(servers)}}});
pc.createDataChannel('probe');
pc.onicegatheringstatechange = () => {{ if (pc.iceGatheringState === 'complete') finish('complete'); }};
pc.createOffer().then((offer) => pc.setLocalDescription(offer));
setTimeout(() => finish('timeout'), 5000);
"""
    return _page("WebRTC", f"<h1>WebRTC</h1><script>{script}</script>")


def respond(request: Recorded) -> Answer:
    """One answer of the guard site."""
    parts = urlsplit(request.path)
    query = {k: v[0] for k, v in parse_qs(parts.query).items()}
    head, _, rest = parts.path.strip("/").partition("/")
    if parts.path == "/robots.txt":
        return 200, {"Content-Type": "text/plain"}, b"User-agent: *\nAllow: /\n"
    if head == "go" and rest.isdigit():
        # A Location with a Unicode host goes out as UTF-8 bytes (the server writes latin-1).
        return int(rest), {"Location": query["to"].encode().decode("latin-1")}, b""
    if head == "links":
        anchors = "".join(f'<a href="{escape(url)}">link</a>' for url in parse_qs(parts.query).get("to", []))
        return 200, {"Content-Type": HTML}, _page("Links", f"<h1>Links</h1>{anchors}")
    if head == "reach":
        return 200, {"Content-Type": HTML}, _reach(query["to"])
    if head == "sw.js":
        script = (
            f"self.addEventListener('install', (e) => e.waitUntil(fetch({json.dumps(query['to'] + 'sw')})));"
        )
        return 200, {"Content-Type": "text/javascript"}, script.encode()
    if head == "webrtc":
        return 200, {"Content-Type": HTML}, _webrtc(int(query["port"]))
    return 200, {"Content-Type": HTML}, _page("Allowed", "<h1>Allowed page</h1>")


@contextmanager
def guard_site() -> Iterator[LoopbackServer]:
    """The guard site on a loopback port (allowed by the tests that use it)."""
    with loopback_server(respond) as server:
        yield server


@dataclass
class UdpCounter:
    """A UDP socket on 127.0.0.1 that counts the datagrams it receives."""

    port: int
    datagrams: list[bytes] = field(default_factory=list)


@contextmanager
def udp_counter() -> Iterator[UdpCounter]:
    """Count every datagram sent to a loopback UDP port (a STUN/TURN server that never answers)."""
    sock = socket.socket(socket.AF_INET, socket.SOCK_DGRAM)
    sock.bind(("127.0.0.1", 0))
    sock.settimeout(0.2)
    counter = UdpCounter(port=int(sock.getsockname()[1]))
    stop = threading.Event()

    def receive() -> None:
        while not stop.is_set():
            try:
                counter.datagrams.append(sock.recv(65536))
            except TimeoutError:
                continue
            except OSError:
                return

    thread = threading.Thread(target=receive, daemon=True)
    thread.start()
    try:
        yield counter
    finally:
        stop.set()
        thread.join()
        sock.close()


@contextmanager
def guard_stack(tmp: Path, site: LoopbackServer) -> Iterator[Stack]:
    """API and worker on a fresh SQLite file that may reach only `site`'s host:port on loopback."""
    with scrape_stack(
        f"sqlite+aiosqlite:///{tmp / 'dataops.db'}", tmp, SCRAPE_ALLOW_HOSTS=f"127.0.0.1:{site.port}"
    ) as running:
        yield running
