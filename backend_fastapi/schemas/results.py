"""What each job type returns: one result model per job type, stored as the job's `result`.

Handlers build these models and the worker stores `model_dump(mode="json", exclude_unset=True)`:
a key that does not apply to a run (`field_errors` when every field read cleanly, `outputs` of a
preview) is absent from the stored result, exactly as before the models existed. Extracted data
and pipeline rows are the user's own JSON (`JsonObject`): their shape is the schema's, not ours.
"""

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Discriminator, Field, Tag

from backend_fastapi.jobtypes import JobType
from backend_fastapi.schemas.pipeline_rules import OnFail
from backend_fastapi.schemas.pipeline_sources import FileFormat

# A JSON object whose keys come from the user's schema or data (fields, columns).
JsonObject = dict[str, Any]


class ResultModel(BaseModel):
    """A result (or part of one): no unknown keys, serialised by the names clients read."""

    model_config = ConfigDict(
        extra="forbid", validate_by_name=True, validate_by_alias=True, serialize_by_alias=True
    )


# --- scrape.page ---------------------------------------------------------------------------------


class PageLink(ResultModel):
    """One link of the `links` format."""

    url: str
    text: str


class MetadataFormat(ResultModel):
    """The `metadata` format: what the page says about itself."""

    title: str | None
    description: str | None
    lang: str | None
    canonical: str | None
    json_ld: list[JsonObject]
    microdata: list[JsonObject]
    opengraph: JsonObject
    meta: JsonObject


class PageTimings(ResultModel):
    fetch_ms: float
    total_ms: float


class ActionResult(ResultModel):
    """What one browser action of the request did."""

    type: str
    ok: bool
    duration_ms: float
    error: str | None = Field(default=None, description="Why it failed (an `optional` action goes on).")


class JobFile(ResultModel):
    """A file the job wrote (a page capture); `GET` its `url` to download it."""

    name: str = Field(examples=["screenshot.jpg"])
    media_type: str = Field(examples=["image/jpeg"])
    size: int = Field(description="Bytes.")
    url: str = Field(description="Where to download it: `/api/jobs/{job_id}/files/{name}`.")


class ScrapePageResult(ResultModel):
    """`scrape.page`: the page's extracted `data`, what was missing and why, and the formats asked for."""

    url: str = Field(description="The final URL, after redirects.")
    status_code: int
    strategy_used: Literal["static", "dynamic"]
    content_type: str
    data: JsonObject = Field(description="The schema's fields as found on the page.")
    missing_fields: list[str]
    field_errors: dict[str, str] | None = Field(default=None, description="Fields found but unreadable.")
    dropped_items: int | None = Field(
        default=None, description="List items dropped for a missing required field."
    )
    sources: dict[str, str] | None = Field(
        default=None,
        description="Where each found value came from: `css:<selector>` or `xpath:<expr>` for a field "
        "with a selector; for a field found by meaning `jsonld:<path>`, `microdata:<path>`, "
        "`meta:<tag>`, `label:<label text>`, `css:<selector>`, `h1` or `title`; `default` for a "
        "default value.",
    )
    redirected_from: list[str] | None = None
    switched_to_dynamic: str | None = Field(
        default=None, description="Why `auto` rendered the page in a browser."
    )
    json_: Any = Field(default=None, alias="json", description="The document, when the page is JSON.")
    markdown: str | None = None
    text: str | None = None
    links: list[PageLink] | None = None
    metadata: MetadataFormat | None = None
    html: str | None = None
    files: list[JobFile] | None = Field(
        default=None,
        description="Page captures stored as files (formats `screenshot` and `pdf`, `options.screenshot`, "
        "the `screenshot` and `pdf` actions), each downloaded from its `url`.",
    )
    blocked_requests: list[str] | None = Field(
        default=None, description="Up to 50 URLs the browser was kept from."
    )
    actions: list[ActionResult] | None = Field(
        default=None, description="What each of the request's `actions` did, in order."
    )
    message: str | None = Field(default=None, description="Why fields are empty, in words.")
    timings: PageTimings
    records: int | None = Field(
        default=None, description="How many records the page gave (none: no records)."
    )


# --- scrape.crawl --------------------------------------------------------------------------------


class FailedPage(ResultModel):
    url: str
    code: str
    message: str


class IncrementalCounts(ResultModel):
    """An incremental crawl compared with the last crawl of its lineage (`crawl.incremental`)."""

    unchanged: int = Field(description="Pages not modified (304, or the same body): records carried over.")
    changed: int = Field(description="Pages fetched before whose body changed: extracted again.")
    new: int = Field(description="Pages the lineage had not fetched before.")
    gone: int | None = Field(
        description="Pages the last crawl had that this one did not reach; null when `max_pages` "
        "stopped this crawl (it did not see the whole site)."
    )


class CrawlResult(ResultModel):
    """`scrape.crawl`: a summary of the crawl; the records are the job's records."""

    url: str
    pages: int
    records: int
    errors: int
    failed_pages: list[FailedPage]
    stopped_by: Literal["max_pages", "frontier_exhausted"]
    duration_s: float
    pages_per_s: float | None
    incremental: IncrementalCounts | None = None


# --- scrape.batch --------------------------------------------------------------------------------


class BatchResult(ResultModel):
    """`scrape.batch`: how many URLs were scraped and which failed; a record per URL holds the rest."""

    urls: int
    records: int
    succeeded: int
    errors: int
    failed_pages: list[FailedPage] = Field(description="The first failures (the count is `errors`).")
    duration_s: float
    pages_per_s: float | None


# --- scrape.map ----------------------------------------------------------------------------------


class MapResult(ResultModel):
    """`scrape.map`: how many URLs were found and where; a record per URL (`url`, `lastmod`,
    `source`) holds them."""

    url: str
    records: int = Field(description="URLs listed: a record each.")
    from_sitemaps: int
    from_links: int
    sitemap_files: int = Field(description="Sitemap files read (indexes and gzipped files included).")
    failed_sitemaps: list[FailedPage] = Field(description="Sitemaps that could not be read (the first ones).")
    stopped_by: Literal["max_urls", "complete"]
    duration_s: float


# --- pipeline.run and pipeline.preview -----------------------------------------------------------


class SourceReport(ResultModel):
    """Where a pipeline's rows came from (keys by source type) and, for the main source, what was read."""

    type: Literal["job", "latest", "upload", "inline", "url"]
    job_id: str | None = None
    name: str | None = None
    upload_id: str | None = None
    export_id: str | None = Field(default=None, description="A run without records is read from its export.")
    filename: str | None = None
    records: int | None = None
    url: str | None = None
    format: FileFormat | None = None
    size_bytes: int | None = None
    rows: int | None = None
    columns: list[str] | None = None
    streamed_steps: int | None = None
    out_of_core_steps: list[int] | None = Field(
        default=None, description="A large input: the whole-table steps that ran out of core (DuckDB)."
    )
    stopped_early: bool | None = None


class StepReport(ResultModel):
    """One step: rows in and out, what it did, and its time."""

    index: int
    op: str
    rows_in: int
    rows_out: int
    summary: str
    details: JsonObject = Field(description="What the step did; the keys depend on the op.")
    seconds: float


class RuleSample(ResultModel):
    row: int | str
    values: JsonObject


class RuleReport(ResultModel):
    """One rule of a `validate` step: how many rows failed it, with samples."""

    step: int
    rule: int
    check: str
    column: str
    description: str
    on_fail: OnFail
    failed: int
    samples: list[RuleSample]
    would_fail: bool | None = Field(default=None, description="Preview: a run would fail on this rule.")
    failed_job: bool | None = Field(default=None, description="This rule failed the run.")


class ValidationReport(ResultModel):
    rules: list[RuleReport]
    rows_failed: int
    rows_dropped: int


class OutputReport(ResultModel):
    """A file the run wrote, published as an export."""

    name: str
    format: FileFormat
    filename: str
    size_bytes: int
    rows: int
    seconds: float
    export_id: str
    download_url: str


class MemoryReport(ResultModel):
    peak_rss_mb: float
    limit_mb: int


class PipelineTimings(ResultModel):
    read_seconds: float
    steps_seconds: float
    write_seconds: float
    engine_seconds: float
    child_seconds: float
    prepare_seconds: float
    store_seconds: float | None = None
    total_seconds: float


class PipelineRef(ResultModel):
    """The saved pipeline that ran (`pipeline_id` None for an inline one)."""

    pipeline_id: str | None
    name: str | None


class PipelineReport(ResultModel):
    """What every pipeline job reports: sources, steps, validation, memory and time."""

    source: SourceReport
    joined_sources: dict[str, SourceReport] | None = Field(
        default=None, description="The sources of join and append steps, by `steps[i]`."
    )
    steps: list[StepReport]
    rows: int
    columns: list[str]
    validation: ValidationReport | None = None
    memory: MemoryReport
    timings: PipelineTimings
    pipeline: PipelineRef


class PipelineRunResult(PipelineReport):
    """`pipeline.run`: the report, the exports written and how many records were stored."""

    outputs: list[OutputReport]
    records: int | None = Field(default=None, description="Rows stored as the job's records.")


class PipelinePreviewResult(PipelineReport):
    """`pipeline.preview`: the report and the first rows; nothing is written."""

    preview_rows: list[JsonObject]
    truncated: bool


# --- webhook.deliver -----------------------------------------------------------------------------


class WebhookDeliveryResult(ResultModel):
    """`webhook.deliver`: the receiver took the delivery."""

    job_id: str
    delivery_id: str
    status_code: int
    duration_ms: float


# --- monitor.compare -----------------------------------------------------------------------------


class MonitorCompareResult(ResultModel):
    """`monitor.compare`: how a check compared with the monitor's last good snapshot."""

    monitor_id: str
    check_id: str | None = Field(
        description="None when the monitor was deleted before the check was compared."
    )
    status: Literal["baseline", "unchanged", "changed", "failed", "suspect", "stale", "gone"]
    counts: dict[str, int]
    notified: int


# --- monitor.notify ------------------------------------------------------------------------------


class MonitorNotifyResult(ResultModel):
    """`monitor.notify`: the target took the notification."""

    kind: Literal["webhook", "apprise"]
    status_code: int | None = Field(description="The webhook receiver's answer; None for Apprise.")
    duration_ms: float
    delivery_id: str


# --- any job -------------------------------------------------------------------------------------


def result_kind(value: Any) -> JobType | None:
    """Which job type a result (a stored dict or a model) belongs to, by the keys only it has."""
    if isinstance(value, ResultModel):
        return RESULT_TYPES.get(type(value))
    if not isinstance(value, dict):
        return None
    if "check_id" in value and "notified" in value:
        return JobType.MONITOR_COMPARE
    if "delivery_id" in value and "kind" in value:
        return JobType.MONITOR_NOTIFY
    if "delivery_id" in value:
        return JobType.WEBHOOK_DELIVER
    if "preview_rows" in value:
        return JobType.PIPELINE_PREVIEW
    if "steps" in value:
        return JobType.PIPELINE_RUN
    if "sitemap_files" in value:
        return JobType.SCRAPE_MAP
    if "succeeded" in value and "urls" in value:
        return JobType.SCRAPE_BATCH
    if "stopped_by" in value:
        return JobType.SCRAPE_CRAWL
    if "strategy_used" in value:
        return JobType.SCRAPE_PAGE
    return None


RESULT_MODELS: dict[JobType, type[ResultModel]] = {
    JobType.SCRAPE_PAGE: ScrapePageResult,
    JobType.SCRAPE_CRAWL: CrawlResult,
    JobType.SCRAPE_BATCH: BatchResult,
    JobType.SCRAPE_MAP: MapResult,
    JobType.PIPELINE_RUN: PipelineRunResult,
    JobType.PIPELINE_PREVIEW: PipelinePreviewResult,
    JobType.WEBHOOK_DELIVER: WebhookDeliveryResult,
    JobType.MONITOR_COMPARE: MonitorCompareResult,
    JobType.MONITOR_NOTIFY: MonitorNotifyResult,
}
RESULT_TYPES: dict[type[ResultModel], JobType] = {
    model: job_type for job_type, model in RESULT_MODELS.items()
}

# Any built-in job's result, told apart by its keys (the job's `type` says the same).
JobResult = Annotated[
    Annotated[ScrapePageResult, Tag(JobType.SCRAPE_PAGE)]
    | Annotated[CrawlResult, Tag(JobType.SCRAPE_CRAWL)]
    | Annotated[BatchResult, Tag(JobType.SCRAPE_BATCH)]
    | Annotated[MapResult, Tag(JobType.SCRAPE_MAP)]
    | Annotated[PipelineRunResult, Tag(JobType.PIPELINE_RUN)]
    | Annotated[PipelinePreviewResult, Tag(JobType.PIPELINE_PREVIEW)]
    | Annotated[WebhookDeliveryResult, Tag(JobType.WEBHOOK_DELIVER)]
    | Annotated[MonitorCompareResult, Tag(JobType.MONITOR_COMPARE)]
    | Annotated[MonitorNotifyResult, Tag(JobType.MONITOR_NOTIFY)],
    Discriminator(result_kind),
]
