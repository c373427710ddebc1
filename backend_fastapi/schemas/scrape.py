"""`POST /api/scrape`: the request model and the job payload it becomes."""

from __future__ import annotations

from typing import Any, Literal

from pydantic import Field, field_validator

from backend_fastapi.schemas.common import JOB_OPTION_FIELDS, JobOptionsIn, StrictModel, validate_outbound_url

SCRAPE_PAGE = "scrape.page"
OutputFormat = Literal["data", "markdown", "text", "links", "metadata", "html"]
SCRAPE_CRAWL = "scrape.crawl"


class ThenIn(StrictModel):
    """A pipeline to run on this scrape's records when it completes."""

    pipeline_id: str = Field(min_length=1, max_length=200)


class ScrapeRequest(JobOptionsIn):
    """Scrape one page, or crawl from it, and extract the fields of `schema`."""

    url: str = Field(examples=["https://shop.example/p/1"])
    strategy: Literal["static", "dynamic", "auto"] = "static"
    schema_: dict[str, Any] = Field(default_factory=dict, alias="schema")
    crawl: dict[str, Any] | None = None
    options: dict[str, Any] = Field(default_factory=dict)
    formats: list[OutputFormat] = Field(default_factory=lambda: list[OutputFormat](["data"]))
    then: ThenIn | None = None

    _url = field_validator("url")(validate_outbound_url)

    @property
    def job_type(self) -> str:
        return SCRAPE_CRAWL if self.crawl else SCRAPE_PAGE

    def to_payload(self) -> dict[str, Any]:
        """What the worker's scrape handler receives (job options stay on the job row)."""
        return self.model_dump(mode="json", by_alias=True, exclude=set(JOB_OPTION_FIELDS), exclude_none=True)
