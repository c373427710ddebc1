"""Real proxy servers on loopback for the proxy tests: HTTP (absolute-form requests and CONNECT
tunnels) and SOCKS5 (no authentication, or user name and password), each in a thread of its own.

Every request a proxy carries is recorded (`seen`: `"GET http://host:port/path"`,
`"CONNECT host:port"`, `"SOCKS host:port"`), so tests count where requests went. A proxy can
misbehave on purpose (`mode`): `reset` accepts a connection and resets it, `forbid` refuses every
request (HTTP 403, or SOCKS reply 2, "not allowed"), `captcha` answers every request itself with
a challenge page. `closed_port()` is a port nothing listens on (connections are refused).
`proxy_py` runs the proxy.py package (a third-party proxy) in a child process.
An `https` proxy is the HTTP proxy behind TLS, with a certificate for 127.0.0.1 that `tls_files`
writes (its certificate file is what the client must trust, e.g. through SSL_CERT_FILE).
"""

from __future__ import annotations

import asyncio
import base64
import contextlib
import ipaddress
import socket
import ssl
import struct
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from contextlib import contextmanager
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Literal

Kind = Literal["http", "https", "socks5"]
Mode = Literal["ok", "reset", "forbid", "captcha"]
CAPTCHA_PAGE = (
    b"<!doctype html><html><head><title>Just a moment</title></head>"
    b'<body><div class="g-recaptcha" data-sitekey="x"></div></body></html>'
)


@dataclass
class ProxyServer:
    kind: Kind
    port: int
    mode: Mode
    auth: tuple[str, str] | None
    seen: list[str] = field(default_factory=list)
    connections: int = 0

    @property
    def url(self) -> str:
        """The proxy's URL, credentials included."""
        user = f"{self.auth[0]}:{self.auth[1]}@" if self.auth else ""
        return f"{self.kind}://{user}127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def hosts(self) -> set[str]:
        """The `host:port` of every target this proxy carried a request to."""
        found = set()
        for line in self.seen:
            target = line.split(" ", 1)[1]
            found.add(target.split("//", 1)[-1].split("/", 1)[0])
        return found


def tls_files(folder: Path) -> tuple[Path, Path]:
    """A self-signed certificate for 127.0.0.1 and its key, written to `folder` (made once)."""
    from cryptography import x509
    from cryptography.hazmat.primitives import hashes, serialization
    from cryptography.hazmat.primitives.asymmetric import ec
    from cryptography.x509.oid import NameOID

    cert_path, key_path = folder / "proxy-cert.pem", folder / "proxy-key.pem"
    if cert_path.exists():
        return cert_path, key_path
    key = ec.generate_private_key(ec.SECP256R1())
    name = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, "127.0.0.1")])
    now = datetime.now(UTC)
    cert = (
        x509.CertificateBuilder()
        .subject_name(name)
        .issuer_name(name)
        .public_key(key.public_key())
        .serial_number(x509.random_serial_number())
        .not_valid_before(now - timedelta(days=1))
        .not_valid_after(now + timedelta(days=30))
        .add_extension(
            x509.SubjectAlternativeName([x509.IPAddress(ipaddress.ip_address("127.0.0.1"))]), False
        )
        .add_extension(x509.BasicConstraints(ca=True, path_length=None), True)
        .sign(key, hashes.SHA256())
    )
    cert_path.write_bytes(cert.public_bytes(serialization.Encoding.PEM))
    key_path.write_bytes(
        key.private_bytes(
            serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8, serialization.NoEncryption()
        )
    )
    return cert_path, key_path


def closed_port() -> int:
    """A loopback port nothing listens on."""
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        return int(sock.getsockname()[1])


async def _pipe(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    try:
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()
    except (ConnectionError, OSError):
        pass
    finally:
        with contextlib.suppress(Exception):
            writer.close()


async def _tunnel(
    reader: asyncio.StreamReader, writer: asyncio.StreamWriter, host: str, port: int
) -> tuple[asyncio.StreamReader, asyncio.StreamWriter] | None:
    try:
        return await asyncio.open_connection(host, port)
    except OSError:
        return None


def _reset(writer: asyncio.StreamWriter) -> None:
    sock = writer.get_extra_info("socket")
    if sock is not None:
        # SO_LINGER 0: close sends a reset, as a proxy that drops the connection does.
        sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, struct.pack("ii", 1, 0))
    writer.transport.abort()


class _Handler:
    def __init__(self, server: ProxyServer) -> None:
        self.server = server

    async def __call__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.server.connections += 1
        if self.server.mode == "reset":
            _reset(writer)
            return
        try:
            if self.server.kind in ("http", "https"):
                await self._http(reader, writer)
            else:
                await self._socks(reader, writer)
        except (asyncio.IncompleteReadError, ConnectionError, OSError):
            pass
        finally:
            with contextlib.suppress(Exception):
                writer.close()

    def _authorised(self, headers: dict[str, str]) -> bool:
        if self.server.auth is None:
            return True
        expected = base64.b64encode(":".join(self.server.auth).encode()).decode()
        return headers.get("proxy-authorization", "") == f"Basic {expected}"

    async def _http(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        lines = head.decode("latin-1").split("\r\n")
        method, target, _version = lines[0].split(" ", 2)
        headers = {}
        for line in lines[1:]:
            if ":" in line:
                name, _, value = line.partition(":")
                headers[name.strip().lower()] = value.strip()
        if not self._authorised(headers):
            writer.write(b"HTTP/1.1 407 Proxy Authentication Required\r\nContent-Length: 0\r\n\r\n")
            await writer.drain()
            return
        self.server.seen.append(f"{method} {target}")
        if self.server.mode == "forbid":
            writer.write(b"HTTP/1.1 403 Forbidden\r\nContent-Length: 9\r\nConnection: close\r\n\r\nforbidden")
            await writer.drain()
            return
        if self.server.mode == "captcha" and method != "CONNECT":
            writer.write(
                b"HTTP/1.1 200 OK\r\nContent-Type: text/html\r\nConnection: close\r\n"
                + f"Content-Length: {len(CAPTCHA_PAGE)}\r\n\r\n".encode()
                + CAPTCHA_PAGE
            )
            await writer.drain()
            return
        if method == "CONNECT":
            host, _, port = target.rpartition(":")
            upstream = await _tunnel(reader, writer, host.strip("[]"), int(port))
            if upstream is None:
                writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\n\r\n")
                await writer.drain()
                return
            writer.write(b"HTTP/1.1 200 Connection established\r\n\r\n")
            await writer.drain()
            await self._relay(reader, writer, *upstream)
            return
        # Absolute-form: sent on as origin-form, one request per connection.
        rest = target.split("//", 1)[1]
        authority, _, path = rest.partition("/")
        host, _, port = authority.rpartition(":")
        body = await reader.readexactly(int(headers.get("content-length", "0")))
        upstream = await _tunnel(reader, writer, host, int(port or 80))
        if upstream is None:
            writer.write(b"HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n")
            await writer.drain()
            return
        up_reader, up_writer = upstream
        kept = [
            line
            for line in lines[1:]
            if line and line.split(":", 1)[0].strip().lower() not in ("proxy-authorization", "connection")
        ]
        request = f"{method} /{path} HTTP/1.1\r\n" + "\r\n".join([*kept, "Connection: close"]) + "\r\n\r\n"
        up_writer.write(request.encode("latin-1") + body)
        await up_writer.drain()
        await _pipe(up_reader, writer)

    async def _socks(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        version, count = await reader.readexactly(2)
        methods = await reader.readexactly(count)
        wanted = 2 if self.server.auth else 0
        if version != 5 or wanted not in methods:
            writer.write(b"\x05\xff")
            return
        writer.write(bytes([5, wanted]))
        if self.server.auth:
            _, user_len = await reader.readexactly(2)
            user = (await reader.readexactly(user_len)).decode()
            (password_len,) = await reader.readexactly(1)
            password = (await reader.readexactly(password_len)).decode()
            ok = (user, password) == self.server.auth
            writer.write(b"\x01\x00" if ok else b"\x01\x01")
            if not ok:
                return
        _, command, _, kind = await reader.readexactly(4)
        if kind == 1:
            host = socket.inet_ntoa(await reader.readexactly(4))
        elif kind == 3:
            (length,) = await reader.readexactly(1)
            host = (await reader.readexactly(length)).decode()
        else:
            host = socket.inet_ntop(socket.AF_INET6, await reader.readexactly(16))
        (port,) = struct.unpack("!H", await reader.readexactly(2))
        self.server.seen.append(f"SOCKS {host}:{port}")
        tail = b"\x00\x01\x00\x00\x00\x00\x00\x00"  # reserved, IPv4, address 0.0.0.0, port 0
        upstream = None
        if command == 1 and self.server.mode == "ok":
            upstream = await _tunnel(reader, writer, host, port)
        if upstream is None:
            # 2: connection not allowed by ruleset; 5: connection refused.
            code = 2 if self.server.mode == "forbid" else 5
            writer.write(bytes([5, code]) + tail)
            await writer.drain()
            return
        writer.write(b"\x05\x00" + tail)
        await writer.drain()
        await self._relay(reader, writer, *upstream)

    @staticmethod
    async def _relay(
        reader: asyncio.StreamReader,
        writer: asyncio.StreamWriter,
        up_reader: asyncio.StreamReader,
        up_writer: asyncio.StreamWriter,
    ) -> None:
        await asyncio.gather(_pipe(reader, up_writer), _pipe(up_reader, writer))


@contextmanager
def proxy_server(
    kind: Kind = "http",
    mode: Mode = "ok",
    auth: tuple[str, str] | None = None,
    tls: tuple[Path, Path] | None = None,
) -> Iterator[ProxyServer]:
    """A proxy on 127.0.0.1, served from its own thread and event loop until the block ends
    (`https`: behind TLS with `tls`, the certificate and key files of `tls_files`)."""
    context = None
    if kind == "https":
        assert tls is not None, "an https proxy needs tls_files()"
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.load_cert_chain(*tls)
    loop = asyncio.new_event_loop()
    started = threading.Event()
    holder: dict[str, object] = {}

    def run() -> None:
        asyncio.set_event_loop(loop)

        async def start() -> None:
            server = ProxyServer(kind, 0, mode, auth)
            listener = await asyncio.start_server(_Handler(server), "127.0.0.1", 0, ssl=context)
            server.port = listener.sockets[0].getsockname()[1]
            holder["server"], holder["listener"] = server, listener
            started.set()

        loop.run_until_complete(start())
        loop.run_forever()

    thread = threading.Thread(target=run, daemon=True)
    thread.start()
    assert started.wait(10), "the proxy did not start"
    server = holder["server"]
    assert isinstance(server, ProxyServer)
    try:
        yield server
    finally:
        listener = holder["listener"]
        assert isinstance(listener, asyncio.Server)
        loop.call_soon_threadsafe(listener.close)
        loop.call_soon_threadsafe(loop.stop)
        thread.join(10)
        if not thread.is_alive():
            loop.close()


@dataclass
class ProxyPy:
    """proxy.py (a widely used HTTP proxy) in a child process; `seen` reads its access log."""

    port: int
    auth: tuple[str, str]
    log: Path

    @property
    def url(self) -> str:
        return f"http://{self.auth[0]}:{self.auth[1]}@127.0.0.1:{self.port}"

    @property
    def address(self) -> str:
        return f"127.0.0.1:{self.port}"

    def seen(self) -> list[str]:
        """`"GET host:port/path"` (or `"CONNECT host:port"`) for each request it carried."""
        # "<time> - pid:N [I] server.access_log:393 - <client> - GET host:port/path - 200 OK - ..."
        lines = self.log.read_text(errors="replace").splitlines()
        return [line.split(" - ")[3] for line in lines if "server.access_log" in line]


@contextmanager
def proxy_py(folder: Path, auth: tuple[str, str]) -> Iterator[ProxyPy]:
    """proxy.py on a loopback port, with Basic authentication, until the block ends."""
    port = closed_port()
    log = folder / "proxy.py.log"
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "proxy", "--hostname", "127.0.0.1", "--port", str(port),
             "--num-workers", "1", "--num-acceptors", "1", "--basic-auth", ":".join(auth),
             "--log-level", "INFO"],
            stdout=out, stderr=subprocess.STDOUT,
        )  # fmt: skip
    try:
        deadline = time.monotonic() + 30
        while True:
            try:
                socket.create_connection(("127.0.0.1", port), 0.5).close()
                break
            except OSError:
                assert process.poll() is None, log.read_text()
                assert time.monotonic() < deadline, f"proxy.py did not listen: {log.read_text()}"
                time.sleep(0.1)
        yield ProxyPy(port, auth, log)
    finally:
        process.terminate()
        try:
            process.wait(10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait(10)
