"""`POST /api/scrape/batch`: a list of URLs scraped as one job, each as a scrape request says."""

from __future__ import annotations

from typing import Annotated, Any

from pydantic import AfterValidator, Field, model_validator
from pydantic.json_schema import SkipJsonSchema
from pydantic_core import PydanticCustomError

from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.common import validate_outbound_url
from backend_fastapi.schemas.scrape import ScrapeFields, ScrapePayload, ScrapeRequest

MAX_BATCH_URLS = 10_000
# Keys of a scrape that a batch replaces (`urls`) or does not do.
_NOT_IN_A_BATCH = {"url": "a batch takes `urls`", "crawl": "a batch does not crawl"}

OutboundURL = Annotated[str, AfterValidator(validate_outbound_url)]
BatchURLs = Annotated[
    list[OutboundURL],
    Field(
        min_length=1,
        max_length=MAX_BATCH_URLS,
        description="The pages to scrape (http(s); private and loopback addresses are refused). "
        "A record per URL, in this order.",
        examples=[["https://shop.example/p/1", "https://shop.example/p/2"]],
    ),
]


class BatchPayload(ScrapePayload):
    """The payload of `scrape.batch` jobs: a scrape's fields for every URL of `urls`.

    `url` is the first URL (what a scrape payload names; the session is opened with it)."""

    urls: list[OutboundURL] = Field(min_length=1, max_length=MAX_BATCH_URLS)


class BatchRequest(ScrapeRequest):
    """Scrape each of `urls` with the fields of `schema`: one job, a record per URL."""

    # Every field of a scrape (schema, strategy, options, formats, ...) comes with ScrapeRequest;
    # `url` and `crawl` are a single scrape's, hidden from the document and refused in a body.
    url: SkipJsonSchema[str] = ""
    crawl: SkipJsonSchema[None] = None
    urls: BatchURLs

    @model_validator(mode="before")
    @classmethod
    def _refuse_scrape_only_keys(cls, data: Any) -> Any:
        if isinstance(data, dict):
            for key, reason in _NOT_IN_A_BATCH.items():
                if key in data:
                    raise PydanticCustomError("batch", "{key}: {reason}", {"key": key, "reason": reason})
        return data

    @model_validator(mode="after")
    def _no_captures(self) -> BatchRequest:
        # Captures are files named per job (`screenshot.jpg`): one page's, not a list of pages'.
        captures = [f"format {name}" for name in ("screenshot", "pdf") if name in self.formats]
        captures += ["options.screenshot"] if self.options.screenshot else []
        captures += [f"the {a.type} action" for a in self.actions if a.type in ("screenshot", "pdf")]
        if captures:
            raise PydanticCustomError(
                "batch", "{name} is stored for single pages, not for batches", {"name": captures[0]}
            )
        return self

    @property
    def job_type(self) -> JobType:
        return JobType.SCRAPE_BATCH

    @property
    def label(self) -> str:
        """The job's label: its first URL, and how many follow."""
        more = len(self.urls) - 1
        return self.urls[0] if not more else f"{self.urls[0]} (+{more} more)"

    def to_payload(self) -> BatchPayload:
        """What the worker's batch handler receives (job options stay on the job row)."""
        fields = {name: getattr(self, name) for name in ScrapeFields.model_fields if name != "url"}
        # Built from validated parts: nothing is validated (or normalized) again here.
        return BatchPayload.model_construct(
            {name for name in fields if getattr(self, name) is not None}
            | {"url", "urls", "normalized_schema"},
            **fields,
            url=self.urls[0],
            urls=self.urls,
            normalized_schema=self.normalized_schema,
        )
