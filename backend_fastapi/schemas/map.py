"""`POST /api/map`: list a site's URLs from its sitemaps and its start page's links."""

from __future__ import annotations

from pydantic import Field, field_validator, model_validator
from pydantic_core import PydanticCustomError

from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.common import JobOptionsIn, JobPayload, StrictModel, validate_outbound_url
from backend_fastapi.schemas.scrape import ScrapeOptionsIn, check_url_patterns

MAX_MAP_URLS = 100_000
# Options of a page in the browser (or of extraction): a map fetches with plain HTTP and extracts none.
_NOT_FOR_A_MAP = (
    "wait_for",
    "wait_until",
    "block_resources",
    "screenshot",
    "actions_timeout_s",
    "date_order",
)


class MapFields(StrictModel):
    """What a map lists and how it fetches."""

    url: str = Field(description="The site's start page (its origin's robots.txt names the sitemaps).",
                     examples=["https://shop.example/"])  # fmt: skip
    sitemaps: bool = Field(
        default=True, description="Read the sitemaps robots.txt names (else /sitemap.xml)."
    )
    links: bool = Field(default=True, description="Add the links of the start page.")
    include: list[str] = Field(default_factory=list, max_length=50, description="URL regexes to keep.")
    exclude: list[str] = Field(default_factory=list, max_length=50, description="URL regexes to skip.")
    include_subdomains: bool = Field(default=False, description="Keep URLs of the site's subdomains too.")
    search: str | None = Field(
        default=None,
        min_length=1,
        max_length=200,
        description="Keep only URLs holding every word of this text (case-insensitive; `-`, `_`, `/` "
        "count as spaces), those holding it whole first.",
    )
    max_urls: int = Field(default=5000, ge=1, le=MAX_MAP_URLS, description="Stop after this many URLs.")
    options: ScrapeOptionsIn = Field(default_factory=ScrapeOptionsIn)
    session: str | None = Field(
        default=None, max_length=100, description="A saved session whose cookies the requests send."
    )

    _url = field_validator("url")(validate_outbound_url)
    _patterns = field_validator("include", "exclude")(check_url_patterns)


class MapPayload(MapFields, JobPayload):
    """The payload of `scrape.map` jobs: the request without its job options."""


class MapRequest(MapFields, JobOptionsIn):
    """List a site's URLs: its sitemaps (indexes, gzipped files, feeds) and its start page's links,
    de-duplicated, a record per URL with `lastmod` where a sitemap gives it."""

    @model_validator(mode="after")
    def _no_browser_options(self) -> MapRequest:
        for name in _NOT_FOR_A_MAP:
            if name in self.options.model_fields_set:
                raise PydanticCustomError(
                    "map",
                    "options.{name}: a map fetches without a browser and extracts nothing",
                    {"name": name},
                )
        return self

    @property
    def job_type(self) -> JobType:
        return JobType.SCRAPE_MAP

    @property
    def label(self) -> str:
        return self.url

    def to_payload(self) -> MapPayload:
        """What the worker's map handler receives (job options stay on the job row)."""
        fields = {name: getattr(self, name) for name in MapFields.model_fields}
        return MapPayload.model_construct(
            {name for name in fields if getattr(self, name) is not None}, **fields
        )
