"""`POST /api/scrape`: the request model and the job payload it becomes."""

from __future__ import annotations

import re
from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, TypeAdapter, field_validator, model_validator
from pydantic_core import PydanticCustomError

from backend_fastapi.extraction.errors import SchemaError
from backend_fastapi.extraction.spec import check_css, check_regex, normalize_schema, parse_selector
from backend_fastapi.jobtypes import JobType
from backend_fastapi.netguard import BadProxy, parse_proxy, redact_proxy
from backend_fastapi.schemas.actions import MAX_ACTIONS, Action
from backend_fastapi.schemas.common import JobOptionsIn, JobPayload, StrictModel, validate_outbound_url

# `screenshot` and `pdf` are captures: stored as the job's files, listed in the result's `files`.
OutputFormat = Literal["data", "markdown", "text", "links", "metadata", "html", "screenshot", "pdf"]
DEFAULT_USER_AGENT = "DataOps/0.1 (self-hosted web data extraction; respects robots.txt)"
ResourceType = Literal[
    "image", "font", "media", "stylesheet", "script", "xhr", "fetch", "websocket", "manifest", "other"
]
WaitUntil = Literal["load", "domcontentloaded", "networkidle", "commit"]
# Headers the client computes itself: a request that sets them would break the connection.
_FORBIDDEN_HEADERS = frozenset(
    {"host", "content-length", "transfer-encoding", "connection", "upgrade", "te", "trailer", "keep-alive"}
)
_HEADER_NAME = re.compile(r"^[!#$%&'*+.^_`|~0-9A-Za-z-]{1,100}$")


def _selector(value: str | None, where: str) -> str | None:
    if value is None:
        return None
    try:
        parse_selector(value)
    except ValueError as exc:
        raise PydanticCustomError(
            "selector", "{where}: {reason}", {"where": where, "reason": str(exc)}
        ) from exc
    return value


class ThenIn(StrictModel):
    """A pipeline to run on this scrape's records when it completes."""

    pipeline_id: str = Field(min_length=1, max_length=200)


def check_url_patterns(values: list[str]) -> list[str]:
    """URL regexes (`include`, `exclude`), compiled as the worker compiles them (RE2): refused here
    exactly when it could not run them."""
    for index, pattern in enumerate(values):
        try:
            check_regex(pattern, "pattern")
        except SchemaError as exc:
            reason = f"pattern {index} ({pattern[:100]!r}): {exc.reason}"
            raise PydanticCustomError("regex", "{reason}", {"reason": reason}) from exc
    return values


class CrawlIn(StrictModel):
    """Follow links from the start page; records come from pages reached through `follow`."""

    follow: str | None = Field(default=None, description="Selector of links to item pages (records).")
    next_page: str | None = Field(default=None, description="Selector of the next listing page link.")
    next_click: str | None = Field(
        default=None,
        description="Browser: selector of a next-page button; it is clicked and the page extracted "
        "again, each click a page of `max_pages`.",
    )
    max_pages: int = Field(default=100, ge=1, le=100_000)
    max_depth: int = Field(default=3, ge=0, le=50)
    include: list[str] = Field(default_factory=list, max_length=50, description="URL regexes to keep.")
    exclude: list[str] = Field(default_factory=list, max_length=50, description="URL regexes to skip.")
    same_domain: bool = True
    sitemaps: bool = Field(
        default=False,
        description="Also start from the pages the site's sitemaps list (as record pages one level "
        "below the start page), within max_pages.",
    )
    incremental: bool = Field(
        default=False,
        description="Compare with the last crawl of the same `name` (or schedule, or monitor; unnamed: "
        "the same request): conditional requests (ETag, Last-Modified) and body hashes find the "
        "unchanged pages, whose records and links are carried over without extracting them again; "
        "the result counts unchanged, changed, new and gone pages.",
    )

    @field_validator("follow", "next_page", "next_click")
    @classmethod
    def _compile_selector(cls, value: str | None) -> str | None:
        return _selector(value, "selector")

    _patterns = field_validator("include", "exclude")(check_url_patterns)


class ScrapeOptionsIn(StrictModel):
    """How pages are fetched."""

    timeout_s: float = Field(default=30.0, gt=0, le=300, description="Per request (or page load).")
    headers: dict[str, str] = Field(default_factory=dict, max_length=50)
    user_agent: str = Field(default=DEFAULT_USER_AGENT, min_length=1, max_length=500)
    respect_robots: bool = True
    max_concurrency: int = Field(default=8, ge=1, le=64, description="Requests in flight per host.")
    delay_ms: int = Field(default=0, ge=0, le=60_000, description="Pause between requests per host.")
    max_bytes: int = Field(default=10 * 1024 * 1024, ge=1024, le=100 * 1024 * 1024)
    max_redirects: int = Field(default=10, ge=0, le=20)
    wait_for: str | None = Field(default=None, description="Browser: wait until this selector matches.")
    wait_until: WaitUntil = "load"
    block_resources: list[ResourceType] = Field(
        default_factory=lambda: list[ResourceType](["image", "font", "media"])
    )
    screenshot: bool = False
    actions_timeout_s: float = Field(
        default=60.0, gt=0, le=600, description="Time all `actions` of a page may take together."
    )
    date_order: Literal["DMY", "MDY", "YMD"] | None = Field(
        default=None,
        description="Order of an ambiguous numeric day and month (04/05/2016). Without it the page's "
        "`<html lang>` decides; where that does not either, the field is null with a `field_errors` reason.",
    )
    proxy: str | None = Field(
        default=None,
        max_length=2048,
        description="Send this job's requests (static and the browser's) through this proxy, "
        "`scheme://[user:password@]host:port` (http, https, socks5, socks5h), instead of the "
        "operator's PROXY_URLS; `none`: directly. A private or loopback proxy needs PROXY_ALLOW_HOSTS. "
        "Its password is never shown back.",
    )
    proxy_rotation: Literal["request", "host", "session"] | None = Field(
        default=None,
        description="Which proxy of PROXY_URLS each request takes: the next one (`request`), the same "
        "one for a host (`host`) or for the whole job (`session`); default PROXY_ROTATION.",
    )

    @field_validator("headers")
    @classmethod
    def _check_headers(cls, headers: dict[str, str]) -> dict[str, str]:
        for name, value in headers.items():
            if not _HEADER_NAME.match(name) or name.lower() in _FORBIDDEN_HEADERS:
                # pydantic fills `{name}` but knows no `!r`: the quoted, escaped name goes in the context.
                raise PydanticCustomError("header", "header {name} cannot be set", {"name": repr(name)})
            if "\r" in value or "\n" in value or len(value) > 8192:
                raise PydanticCustomError(
                    "header",
                    "header {name} has an invalid value (a line break, or over 8192 characters)",
                    {"name": repr(name)},
                )
        return headers

    @field_validator("wait_for")
    @classmethod
    def _compile_wait_for(cls, value: str | None) -> str | None:
        return _selector(value, "selector")

    @field_validator("proxy")
    @classmethod
    def _check_proxy(cls, value: str | None) -> str | None:
        if value is None or value.strip().lower() == "none":
            return None if value is None else "none"
        from backend_fastapi.settings import get_settings

        try:
            parse_proxy(value, allow_hosts=get_settings().PROXY_ALLOW_HOSTS)
        except BadProxy as exc:
            raise PydanticCustomError("proxy", "{reason}", {"reason": str(exc)}) from None
        return value.strip()


def shown_request(request: dict[str, Any]) -> dict[str, Any]:
    """A stored scrape request as the API shows it back: `options.proxy` without its password."""
    options = request.get("options")
    if not isinstance(options, dict):
        return request
    proxy = options.get("proxy")
    if not isinstance(proxy, str) or redact_proxy(proxy) == proxy:
        return request
    return {**request, "options": {**options, "proxy": redact_proxy(proxy)}}


class SchemaField(BaseModel):
    """One field of a schema in form 2, as `extraction.spec.normalize_schema` writes it.

    Keys the normalizer left out stay unset (and out of the stored JSON): a `default` that is set,
    even to null, is a default.
    """

    model_config = ConfigDict(extra="forbid")

    type: str = "string"
    selector: str | None = None
    xpath: str | None = None
    attr: str | None = None
    html: bool = False
    many: bool = False
    fields: dict[str, SchemaField] | None = None
    regex: str | None = None
    group: int | None = Field(
        default=None, ge=0, le=99, description="Which group of `regex` is the value (0: the whole match)."
    )
    transform: Literal["lowercase", "uppercase", "strip"] | None = Field(
        default=None, description="Applied to the value read (after `regex`), before it is typed."
    )
    source: str | None = Field(
        default=None,
        description="Read from a sibling of the element instead: `+ tr` is the first following `<tr>`, "
        "`+ div.details` the first following `<div class=details>`; the selector runs inside it.",
    )
    required: bool = False
    default: Any = None

    @property
    def has_default(self) -> bool:
        return "default" in self.model_fields_set


# A schema in form 2: field name -> field.
NormalizedSchema = dict[str, SchemaField]
NORMALIZED_SCHEMA: TypeAdapter[NormalizedSchema] = TypeAdapter(NormalizedSchema)


class ExtractionSchema(dict[str, Any]):
    """A schema as the client sent it, carrying its form 2 (`normalized`), computed once by validation."""

    normalized: NormalizedSchema


def _normalize(schema: dict[str, Any]) -> ExtractionSchema:
    try:
        normalized = NORMALIZED_SCHEMA.validate_python(normalize_schema(schema))
    except SchemaError as exc:
        raise PydanticCustomError(
            "schema", "{path}: {reason}", {"path": exc.path, "reason": exc.reason}
        ) from exc
    kept = ExtractionSchema(schema)
    kept.normalized = normalized
    return kept


class ScrapeFields(StrictModel):
    """What a scrape is, in the request and in the job's payload."""

    url: str = Field(examples=["https://shop.example/p/1"])
    strategy: Literal["static", "dynamic", "auto"] = "static"
    schema_: dict[str, Any] = Field(
        default_factory=dict,
        alias="schema",
        description="Fields to extract, in any of the four forms (see docs/scraping.md).",
    )
    crawl: CrawlIn | None = None
    options: ScrapeOptionsIn = Field(default_factory=ScrapeOptionsIn)
    formats: list[OutputFormat] = Field(default_factory=lambda: list[OutputFormat](["data"]), max_length=8)
    only_main_content: bool = Field(
        default=True,
        description="`markdown` and `text` hold the page's main content; false keeps the whole page.",
    )
    include_selectors: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="CSS selectors: `markdown` and `text` keep only what they match.",
    )
    exclude_selectors: list[str] = Field(
        default_factory=list,
        max_length=50,
        description="CSS selectors: `markdown` and `text` drop what they match.",
    )
    actions: list[Action] = Field(
        default_factory=list,
        max_length=MAX_ACTIONS,
        description="Browser actions run in order on the page before it is extracted (see docs/scraping.md).",
    )
    session: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="A saved session (`/api/sessions`) by name: its cookies go with every request, its "
        "storage state into the browser; it logs in first when needed.",
    )
    then: ThenIn | None = None

    _url = field_validator("url")(validate_outbound_url)

    @field_validator("include_selectors", "exclude_selectors")
    @classmethod
    def _check_css(cls, selectors: list[str]) -> list[str]:
        for index, selector in enumerate(selectors):
            try:
                check_css(selector)
            except ValueError as exc:
                raise PydanticCustomError(
                    "selector", "selector {index}: {reason}", {"index": index, "reason": str(exc)}
                ) from exc
        return selectors

    @field_validator("formats")
    @classmethod
    def _unique_formats(cls, formats: list[OutputFormat]) -> list[OutputFormat]:
        return list(dict.fromkeys(formats))

    @model_validator(mode="after")
    def _browser_options_need_a_browser(self) -> ScrapeFields:
        browser_only = [name for name in ("wait_for", "screenshot") if getattr(self.options, name)]
        captures = [name for name in ("screenshot", "pdf") if name in self.formats]
        if captures and self.strategy == "static":
            raise PydanticCustomError(
                "strategy",
                "format {name} needs a browser: use strategy 'dynamic' or 'auto'",
                {"name": captures[0]},
            )
        if captures and self.crawl is not None:
            raise PydanticCustomError(
                "formats", "format {name} is stored for single pages, not for crawls", {"name": captures[0]}
            )
        if self.strategy == "static" and self.crawl is not None and self.crawl.next_click:
            raise PydanticCustomError(
                "strategy", "crawl.next_click needs a browser: use strategy 'dynamic' or 'auto'", {}
            )
        if self.crawl is not None and any(a.type in ("screenshot", "pdf") for a in self.actions):
            raise PydanticCustomError(
                "actions", "screenshot and pdf actions are stored for single pages, not for crawls", {}
            )
        if self.strategy == "static" and self.actions:
            raise PydanticCustomError(
                "strategy", "actions need a browser: use strategy 'dynamic' or 'auto'", {}
            )
        if self.strategy == "static" and browser_only:
            raise PydanticCustomError(
                "strategy",
                "options.{name} needs a browser: use strategy 'dynamic' or 'auto'",
                {"name": browser_only[0]},
            )
        return self

    @property
    def job_type(self) -> JobType:
        return JobType.SCRAPE_CRAWL if self.crawl else JobType.SCRAPE_PAGE

    @property
    def browser_reason(self) -> str | None:
        """Why every page of this request needs the browser whatever its HTML (what `auto` says when it
        goes straight to it), or None."""
        if self.actions:
            return "the request has actions"
        if captures := [name for name in ("screenshot", "pdf") if name in self.formats]:
            return f"the request asks for a {captures[0]}"
        if self.options.screenshot:
            return "the request asks for a screenshot"
        return None


class ScrapePayload(ScrapeFields, JobPayload):
    """The payload of `scrape.page` and `scrape.crawl` jobs: the request without its job options.

    `schema` stays as the client sent it (the job's `request` shows it back); `normalized_schema`
    is its form 2, computed when the request was validated and trusted as it is here.
    """

    normalized_schema: NormalizedSchema = Field(default_factory=dict)
    # Set by a monitor's schedule: the finished job is compared with that monitor's snapshot.
    monitor_id: str | None = None

    def to_json(self) -> dict[str, Any]:
        """The payload as stored in the job row (form 2 with only the keys the normalizer wrote)."""
        payload = self.model_dump(
            mode="json", by_alias=True, exclude={"normalized_schema"}, exclude_none=True
        )
        if not payload.get("actions"):
            payload.pop("actions", None)  # payloads without actions stay as they were stored before
        payload["normalized_schema"] = NORMALIZED_SCHEMA.dump_python(
            self.normalized_schema, mode="json", exclude_unset=True
        )
        return payload

    @model_validator(mode="after")
    def _normalized_once(self) -> ScrapePayload:
        # Payloads queued before `normalized_schema` was stored carry the schema only.
        if not self.normalized_schema and self.schema_:
            self.normalized_schema = _normalize(self.schema_).normalized
        return self


class ScrapeRequest(ScrapeFields, JobOptionsIn):
    """Scrape one page, or crawl from it, and extract the fields of `schema`."""

    @field_validator("schema_")
    @classmethod
    def _compile_schema(cls, schema: dict[str, Any]) -> dict[str, Any]:
        return _normalize(schema)

    @property
    def normalized_schema(self) -> NormalizedSchema:
        """The schema in form 2, as the worker runs it (normalized once, by validation)."""
        return self.schema_.normalized if isinstance(self.schema_, ExtractionSchema) else {}

    def to_payload(self) -> ScrapePayload:
        """What the worker's scrape handler receives (job options stay on the job row)."""
        fields = {name: getattr(self, name) for name in ScrapeFields.model_fields}
        # Built from validated parts: nothing is validated (or normalized) again here.
        return ScrapePayload.model_construct(
            {name for name in fields if getattr(self, name) is not None} | {"normalized_schema"},
            **fields,
            normalized_schema=self.normalized_schema,
        )
