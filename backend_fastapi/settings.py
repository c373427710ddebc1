"""Every setting of DataOps, read from the environment and `backend_fastapi/.env`.

Each field is documented in the README's configuration table and in `.env.example`;
a test keeps the three in step.
"""

from __future__ import annotations

from functools import lru_cache
from pathlib import Path
from typing import Annotated, Literal

from pydantic import Field, field_validator
from pydantic_settings import BaseSettings, NoDecode, SettingsConfigDict

PACKAGE_DIR = Path(__file__).resolve().parent


def resolve_package_path(value: str) -> Path:
    """Resolve a relative path against `backend_fastapi/`, so the service finds its data from any cwd."""
    path = Path(value).expanduser()
    return path if path.is_absolute() else (PACKAGE_DIR / path).resolve()


def _split_csv(value: object) -> object:
    if isinstance(value, str):
        return [item.strip() for item in value.split(",") if item.strip()]
    return value


class Settings(BaseSettings):
    """One place for configuration; UPPER_CASE names are the environment variable names."""

    model_config = SettingsConfigDict(
        env_file=PACKAGE_DIR / ".env", env_file_encoding="utf-8", extra="ignore", case_sensitive=True
    )

    # --- storage -------------------------------------------------------------------------
    DATABASE_URL: str = "sqlite+aiosqlite:///./data/dataops.db"
    SQLITE_SYNCHRONOUS: Literal["FULL", "NORMAL", "OFF", "EXTRA"] = "FULL"
    EXPORTS_DIR: str = "./data/exports"
    FILES_DIR: str = ""
    UPLOADS_DIR: str = "./data/uploads"

    # --- logging -------------------------------------------------------------------------
    LOG_LEVEL: Literal["DEBUG", "INFO", "WARNING", "ERROR"] = "INFO"
    LOG_FORMAT: Literal["plain", "json"] = "plain"

    # --- API -----------------------------------------------------------------------------
    API_HOST: str = "127.0.0.1"
    API_PORT: int = Field(default=8000, ge=1, le=65535)
    API_KEY: str = ""
    DOCS_PUBLIC: bool = False
    CORS_ORIGINS: Annotated[list[str], NoDecode] = []
    MAX_REQUEST_BYTES: int = Field(default=1_048_576, ge=1024)
    UPLOAD_MAX_BYTES: int = Field(default=100 * 1_048_576, ge=1024)
    MAX_QUEUED_JOBS: int = Field(default=10_000, ge=0)
    WAIT_MAX_SECONDS: float = Field(default=60.0, ge=0)
    EVENTS_MAX_STREAMS: int = Field(default=200, ge=1)
    EVENTS_IDLE_SECONDS: float = Field(default=300.0, gt=0)
    FRONTEND_DIST: str = "../frontend/dist"

    # --- jobs ----------------------------------------------------------------------------
    JOB_LEASE_SECONDS: float = Field(default=30.0, ge=1)
    JOB_MAX_ATTEMPTS: int = Field(default=3, ge=1, le=100)
    JOB_RETRY_BACKOFF_SECONDS: float = Field(default=2.0, ge=0)
    JOB_TIMEOUT_SECONDS: float = Field(default=600.0, gt=0)
    JOB_TIMEOUT_MAX_SECONDS: float = Field(default=3600.0, gt=0)
    JOB_RETENTION_DAYS: float = Field(default=30.0, ge=0)
    EXPORT_RETENTION_DAYS: float = Field(default=0.0, ge=0)
    MONITOR_HISTORY_DAYS: float = Field(default=365.0, ge=0)
    WEBHOOK_SECRET: str = ""
    # Seals session secrets (cookies, storage states, typed login text) at rest; without it no
    # session can be saved. Changing it makes stored sessions unreadable (see docs/security.md).
    SECRET_KEY: str = ""

    # --- worker --------------------------------------------------------------------------
    WORKER_ENABLED: bool = True
    WORKER_CONCURRENCY: int = Field(default=2, ge=1, le=256)
    WORKER_POLL_INTERVAL: float = Field(default=5.0, gt=0)
    WORKER_SHUTDOWN_GRACE_SECONDS: float = Field(default=20.0, ge=0)
    WORKER_HANDLERS: Annotated[list[str], NoDecode] = []
    WORKER_MEMORY_HIGH_WATERMARK: float = Field(default=0.8, gt=0, le=1)

    # --- scraping ------------------------------------------------------------------------
    SCRAPE_ALLOW_HOSTS: Annotated[list[str], NoDecode] = []
    CHROMIUM_PATH: str = ""
    BROWSER_MAX_PAGES: int = Field(default=100, ge=1)
    BROWSER_IDLE_SECONDS: float = Field(default=60.0, ge=0)
    # `evaluate` actions run a request's own JavaScript in the page: off unless the operator trusts
    # every client that may send scrapes (the page stays guarded either way).
    ALLOW_SCRIPT_ACTIONS: bool = False
    # Limits per host shared by every job of every worker (through the database); 0 = none. Each
    # request takes a lease (and, with a rate, a start slot), so they cost a write a request.
    HOST_MAX_CONCURRENCY: int = Field(default=0, ge=0, le=1000)
    HOST_MAX_RPS: float = Field(default=0.0, ge=0)
    # Per-host overrides, `host=concurrency:rps` separated by commas (`shop.example=2:0.5`).
    HOST_LIMITS: Annotated[dict[str, tuple[int, float]], NoDecode] = {}
    # Proxies for static requests and the browser's requests (scraping/proxies.py), comma-separated
    # `scheme://[user:password@]host:port` (http, https, socks5, socks5h). The operator's own
    # proxies are trusted (a private address is fine); a request's `options.proxy` on a private
    # address needs its host in PROXY_ALLOW_HOSTS.
    PROXY_URLS: Annotated[list[str], NoDecode] = []
    PROXY_ROTATION: Literal["request", "host", "session"] = "request"
    PROXY_COOLDOWN_SECONDS: float = Field(default=30.0, gt=0)
    PROXY_MAX_COOLDOWN_SECONDS: float = Field(default=600.0, gt=0)
    PROXY_MAX_ATTEMPTS: int = Field(default=3, ge=1, le=20)
    PROXY_ALLOW_HOSTS: Annotated[list[str], NoDecode] = []

    # --- pipelines -----------------------------------------------------------------------
    PIPELINE_MEMORY_LIMIT_MB: int = Field(default=512, ge=64)
    # Runs fork from a warm process that has imported pandas; it is stopped after this long
    # without runs (0: after every run, so each run starts Python and pandas again).
    PIPELINE_WARM_IDLE_SECONDS: float = Field(default=300.0, ge=0)
    # It is started anew, once no run is in it, after this many runs or when its own resident
    # memory has grown this much since it started (it only forks, so growth would be a leak).
    PIPELINE_WARM_MAX_RUNS: int = Field(default=1000, ge=1)
    PIPELINE_WARM_MAX_GROWTH_MB: int = Field(default=64, ge=1)
    # A source file larger than this runs out of core: row-local steps stream, dedupe/sort/aggregate
    # run in DuckDB spilling to disk (docs/pipelines.md); smaller ones run in memory, which is faster.
    PIPELINE_LARGE_INPUT_MB: int = Field(default=256, ge=0)

    _split = field_validator(
        "CORS_ORIGINS",
        "WORKER_HANDLERS",
        "SCRAPE_ALLOW_HOSTS",
        "PROXY_URLS",
        "PROXY_ALLOW_HOSTS",
        mode="before",
    )(_split_csv)

    @field_validator("HOST_LIMITS", mode="before")
    @classmethod
    def _host_limits(cls, value: object) -> object:
        if not isinstance(value, str):
            return value
        limits: dict[str, tuple[int, float]] = {}
        for item in (part.strip() for part in value.split(",") if part.strip()):
            host, _, limit = item.partition("=")
            concurrency, _, rps = limit.partition(":")
            try:
                limits[host.strip().lower()] = (int(concurrency or 0), float(rps or 0))
            except ValueError as exc:
                raise ValueError(f"HOST_LIMITS: {item!r} is not host=concurrency:rps") from exc
        return limits

    def host_limit(self, host: str) -> tuple[int, float]:
        """(concurrency, requests a second) for `host` across the installation; 0 means no limit."""
        return self.HOST_LIMITS.get(host.lower(), (self.HOST_MAX_CONCURRENCY, self.HOST_MAX_RPS))

    @property
    def database_url(self) -> str:
        """`DATABASE_URL` with a relative SQLite path made absolute against `backend_fastapi/`."""
        prefix, sep, rest = self.DATABASE_URL.partition(":///")
        if sep and prefix.startswith("sqlite") and rest and not rest.startswith(("/", ":memory:")):
            path, _, query = rest.partition("?")
            return f"{prefix}:///{resolve_package_path(path)}" + (f"?{query}" if query else "")
        return self.DATABASE_URL

    @property
    def is_sqlite(self) -> bool:
        return self.DATABASE_URL.startswith("sqlite")

    @property
    def exports_dir(self) -> Path:
        return resolve_package_path(self.EXPORTS_DIR)

    @property
    def files_dir(self) -> Path:
        """Page captures, a folder per job: `FILES_DIR`, or `files` inside EXPORTS_DIR when empty
        (the same volume and shared storage as the exports, with nothing more to set up)."""
        return resolve_package_path(self.FILES_DIR) if self.FILES_DIR else self.exports_dir / "files"

    @property
    def uploads_dir(self) -> Path:
        return resolve_package_path(self.UPLOADS_DIR)

    @property
    def frontend_dist(self) -> Path:
        return resolve_package_path(self.FRONTEND_DIST)

    @property
    def heartbeat_interval(self) -> float:
        """Leases are renewed three times per lease, so one slow renewal never loses a job."""
        return self.JOB_LEASE_SECONDS / 3

    @property
    def worker_alive_seconds(self) -> float:
        """A worker counts as alive while its last heartbeat is at most two beats old."""
        return 2 * self.heartbeat_interval + 2


@lru_cache(maxsize=1)
def get_settings() -> Settings:
    """The process-wide settings (cached; tests clear the cache after changing the environment)."""
    return Settings()
