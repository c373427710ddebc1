"""A loopback site with a login form: the form sets a session cookie, the account and order pages
need it (else they redirect to the login), and the site can forget every session it gave out."""

from __future__ import annotations

import secrets
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from http.cookies import SimpleCookie
from urllib.parse import parse_qs

from tests.support.servers import LoopbackServer, Recorded, loopback_server

USER = "alice"
# Distinctive, so a test can look for it in the database file and the logs.
PASSWORD = "pw-Zq81-hunter-Xv93"
ORDERS = 3
HTML = "text/html; charset=utf-8"

LOGIN_PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><title>Sign in</title></head><body>
<form method=post action={action}>
<input id=user name=user><input id=pass name=pass type=password><button id=go type=submit>Sign in</button>
</form>{error}</body></html>"""

# What the browser itself holds for the page: its localStorage and the cookies scripts can read.
PREFS_PAGE = """<!doctype html><html lang=en><head><meta charset=utf-8><title>Prefs</title></head><body>
<p id=theme></p><p id=cookies></p><script>
document.getElementById('theme').textContent = localStorage.getItem('theme') || 'none';
document.getElementById('cookies').textContent = document.cookie || 'none';
</script></body></html>"""


@dataclass
class LoginSite:
    """The site's state: the tokens it gave out and how many logins it answered."""

    server: LoopbackServer = field(init=False)
    tokens: set[str] = field(default_factory=set)
    logins: int = 0
    # Seconds a login takes (so that jobs starting together overlap while one logs in).
    login_delay: float = 0.0
    lock: threading.Lock = field(default_factory=threading.Lock)

    @property
    def url(self) -> str:
        return self.server.url

    def issue(self) -> str:
        """A valid session token, as a login would set it."""
        token = secrets.token_hex(16)
        with self.lock:
            self.tokens.add(token)
        return token

    def forget(self) -> None:
        """Every session the site gave out expires."""
        with self.lock:
            self.tokens.clear()

    def _logged_in(self, request: Recorded) -> bool:
        jar: SimpleCookie = SimpleCookie(request.headers.get("Cookie", ""))
        token = jar["sid"].value if "sid" in jar else None
        with self.lock:
            return token is not None and token in self.tokens

    def respond(self, request: Recorded) -> tuple[int, dict[str, str], bytes]:
        path = request.path.split("?", 1)[0]
        if path in ("/login", "/login-broken") and request.method == "GET":
            return 200, {"Content-Type": HTML}, LOGIN_PAGE.format(action=path, error="").encode()
        if path in ("/login", "/login-broken") and request.method == "POST":
            form = parse_qs(request.body.decode())
            with self.lock:
                self.logins += 1
            time.sleep(self.login_delay)
            if path == "/login" and form.get("user") == [USER] and form.get("pass") == [PASSWORD]:
                token = self.issue()
                headers = {"Location": "/account", "Set-Cookie": f"sid={token}; Path=/; HttpOnly"}
                return 303, headers, b""
            page = LOGIN_PAGE.format(action=path, error="<p class=error>Wrong user or password</p>")
            return 200, {"Content-Type": HTML}, page.encode()
        if path == "/account" or path.startswith("/orders"):
            if not self._logged_in(request):
                return 302, {"Location": "/login"}, b""
            return 200, {"Content-Type": HTML}, _private_page(path).encode()
        if path == "/prefs":
            return 200, {"Content-Type": HTML}, PREFS_PAGE.encode()
        return 404, {"Content-Type": "text/plain"}, b"not found"


def _private_page(path: str) -> str:
    head = "<!doctype html><html lang=en><head><meta charset=utf-8><title>Account</title></head><body>"
    if path == "/account":
        return head + "<h1 class=who>Alice Example</h1><p class=balance>42.50</p></body></html>"
    if path == "/orders":
        links = "".join(f"<a class=order href=/orders/{n}>Order {n}</a>" for n in range(1, ORDERS + 1))
        return head + f"<h1>Orders</h1>{links}</body></html>"
    number = path.rsplit("/", 1)[-1]
    return head + f"<h1 class=order-id>Order {number}</h1><p class=total>{number}0.00</p></body></html>"


@contextmanager
def login_site() -> Iterator[LoginSite]:
    site = LoginSite()
    with loopback_server(site.respond) as server:
        site.server = server
        yield site
