# The API's models, generated from frontend/openapi.json by scripts/python-client-models.py
# (`make client`): never edit by hand.

from __future__ import annotations

from typing import Annotated, Any, Literal

from pydantic import BaseModel, ConfigDict, Field, RootModel, StringConstraints
from typing_extensions import TypeAliasType


class ActionResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    duration_ms: Annotated[float, Field(title="Duration Ms")]
    error: Annotated[
        str | None,
        Field(description="Why it failed (an `optional` action goes on).", title="Error"),
    ] = None
    ok: Annotated[bool, Field(title="Ok")]
    type: Annotated[str, Field(title="Type")]


class GroupByItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class As(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1, title="As")]


class Column(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Not needed for `count` (counts rows).",
            max_length=200,
            min_length=1,
            title="Column",
        ),
    ]


class Aggregation(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    as_: Annotated[As | None, Field(alias="as", title="As")] = None
    column: Annotated[
        Column | None,
        Field(description="Not needed for `count` (counts rows).", title="Column"),
    ] = None
    fn: Annotated[
        Literal[
            "count",
            "count_distinct",
            "sum",
            "mean",
            "median",
            "min",
            "max",
            "first",
            "last",
        ],
        Field(title="Fn"),
    ]


class MaxAttempts(RootModel[int]):
    root: Annotated[int, Field(ge=1, le=20, title="Max Attempts")]


class Name(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A name to find this run by (`latest` sources).",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]


class Session(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A saved session (`/api/sessions`) by name: its cookies go with every request, its storage state into the browser; it logs in first when needed.",
            max_length=200,
            min_length=1,
            title="Session",
        ),
    ]


class TimeoutSeconds(RootModel[float]):
    root: Annotated[
        float,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            gt=0.0,
            title="Timeout Seconds",
        ),
    ]


class BetweenRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[Literal["between"], Field(title="Check")]
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    inclusive: Annotated[bool | None, Field(title="Inclusive")] = True
    max: Annotated[int | float | str | None, Field(title="Max")] = None
    min: Annotated[
        int | float | str | None,
        Field(description="A number, or an ISO date for date columns.", title="Min"),
    ] = None
    on_fail: Annotated[
        Literal["drop", "warn", "fail"] | None,
        Field(description="Overrides the step's on_fail for this rule.", title="On Fail"),
    ] = None


class BodyCreateUploadApiUploadsPost(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    file: Annotated[
        str,
        Field(
            description="The file: CSV, JSON, JSONL, XLSX or Parquet.",
            json_schema_extra={"contentMediaType": "application/octet-stream"},
            title="File",
        ),
    ]
    format: Annotated[
        str | None,
        Field(description="Overrides the format guessed from the name.", title="Format"),
    ] = None


class CapabilityHealth(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    available: Annotated[int, Field(title="Available")]
    checking: Annotated[
        int,
        Field(
            description="Live workers whose start-up check has not finished.",
            title="Checking",
        ),
    ]
    reason: Annotated[
        str | None,
        Field(description="The commonest reason, unless `ok`.", title="Reason"),
    ] = None
    status: Annotated[Literal["ok", "partial", "unavailable"], Field(title="Status")]
    unavailable: Annotated[int, Field(title="Unavailable")]


class Format(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="date/datetime: strptime format such as `%d.%m.%Y`.",
            max_length=100,
            title="Format",
        ),
    ]


class CastSpec(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    decimal: Annotated[Literal[".", ","] | None, Field(title="Decimal")] = "."
    format: Annotated[
        Format | None,
        Field(
            description="date/datetime: strptime format such as `%d.%m.%Y`.",
            title="Format",
        ),
    ] = None
    thousands: Annotated[Literal[",", ".", " ", "'", ""] | None, Field(title="Thousands")] = ","
    type: Annotated[
        Literal["string", "number", "integer", "boolean", "date", "datetime"],
        Field(title="Type"),
    ]


class CastStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=200)],
            Literal["string", "number", "integer", "boolean", "date", "datetime"] | CastSpec,
        ],
        Field(max_length=1000, min_length=1, title="Columns"),
    ]
    errors: Annotated[Literal["null", "fail"] | None, Field(title="Errors")] = "null"
    op: Annotated[Literal["cast"], Field(title="Op")]


class CheckIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    selector: Annotated[
        str,
        Field(examples=[".account-name"], max_length=2000, min_length=1, title="Selector"),
    ]
    strategy: Annotated[
        Literal["static", "dynamic"] | None,
        Field(
            description="How the check page is loaded: one request, or the browser.",
            title="Strategy",
        ),
    ] = "static"
    url: Annotated[str, Field(examples=["https://shop.example/account"], title="Url")]


class CheckOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check_id: Annotated[str, Field(title="Check Id")]
    checked_at: Annotated[
        str,
        Field(
            description="When it ran (for folded unchanged checks: the last of them).",
            title="Checked At",
        ),
    ]
    counts: Annotated[dict[str, int], Field(title="Counts")]
    first_checked_at: Annotated[
        str | None,
        Field(
            description="The first of the folded unchanged checks.",
            title="First Checked At",
        ),
    ]
    job_id: Annotated[str, Field(title="Job Id")]
    message: Annotated[str | None, Field(title="Message")]
    notified: Annotated[int, Field(description="Notifications queued for this check.", title="Notified")]
    repeats: Annotated[
        int,
        Field(
            description="Unchanged checks in a row are one entry: how many.",
            title="Repeats",
        ),
    ]
    status: Annotated[
        Literal["baseline", "unchanged", "changed", "failed", "suspect", "stale"],
        Field(title="Status"),
    ]


class CheckPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[CheckOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")]


class TimeoutMs(RootModel[int]):
    root: Annotated[
        int,
        Field(
            description="Time this action may take (default 10000 ms).",
            ge=1,
            le=120000,
            title="Timeout Ms",
        ),
    ]


class ClickAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    all: Annotated[bool | None, Field(title="All")] = False
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    repeat: Annotated[int | None, Field(ge=1, le=1000, title="Repeat")] = 1
    selector: Annotated[str, Field(max_length=2000, min_length=1, title="Selector")]
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["click"], Field(title="Type")]


class Condition(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    field: Annotated[str, Field(max_length=200, min_length=1, title="Field")]
    op: Annotated[
        Literal["decreased", "increased", "changed", "lt", "gt", "eq", "contains"],
        Field(title="Op"),
    ]
    value: Annotated[Any | None, Field(title="Value")] = None


class SameSite(RootModel[str]):
    root: Annotated[str, Field(max_length=20, title="Samesite")]


class CookieIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    domain: Annotated[str, Field(max_length=255, min_length=1, title="Domain")]
    expirationDate: Annotated[float | None, Field(title="Expirationdate")] = None
    expires: Annotated[
        float | None,
        Field(
            description="Epoch seconds; -1 or absent: a session cookie.",
            title="Expires",
        ),
    ] = None
    hostOnly: Annotated[bool | None, Field(title="Hostonly")] = None
    httpOnly: Annotated[bool | None, Field(title="Httponly")] = False
    name: Annotated[str, Field(max_length=4096, min_length=1, title="Name")]
    path: Annotated[str | None, Field(max_length=2048, title="Path")] = "/"
    sameSite: Annotated[SameSite | None, Field(title="Samesite")] = None
    secure: Annotated[bool | None, Field(title="Secure")] = False
    value: Annotated[str, Field(max_length=16384, title="Value")]


class CrawlIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    exclude: Annotated[
        list[str] | None,
        Field(description="URL regexes to skip.", max_length=50, title="Exclude"),
    ] = None
    follow: Annotated[
        str | None,
        Field(description="Selector of links to item pages (records).", title="Follow"),
    ] = None
    include: Annotated[
        list[str] | None,
        Field(description="URL regexes to keep.", max_length=50, title="Include"),
    ] = None
    incremental: Annotated[
        bool | None,
        Field(
            description="Compare with the last crawl of the same `name` (or schedule, or monitor; unnamed: the same request): conditional requests (ETag, Last-Modified) and body hashes find the unchanged pages, whose records and links are carried over without extracting them again; the result counts unchanged, changed, new and gone pages.",
            title="Incremental",
        ),
    ] = False
    max_depth: Annotated[int | None, Field(ge=0, le=50, title="Max Depth")] = 3
    max_pages: Annotated[int | None, Field(ge=1, le=100000, title="Max Pages")] = 100
    next_click: Annotated[
        str | None,
        Field(
            description="Browser: selector of a next-page button; it is clicked and the page extracted again, each click a page of `max_pages`.",
            title="Next Click",
        ),
    ] = None
    next_page: Annotated[
        str | None,
        Field(description="Selector of the next listing page link.", title="Next Page"),
    ] = None
    same_domain: Annotated[bool | None, Field(title="Same Domain")] = True
    sitemaps: Annotated[
        bool | None,
        Field(
            description="Also start from the pages the site's sitemaps list (as record pages one level below the start page), within max_pages.",
            title="Sitemaps",
        ),
    ] = False


class DatabaseDown(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    dialect: Annotated[str, Field(title="Dialect")]
    error: Annotated[
        str,
        Field(
            description="The exception's class name (details are in the API's log).",
            title="Error",
        ),
    ]
    status: Annotated[Literal["error"], Field(title="Status")]


class DatabaseHealth(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    dialect: Annotated[str, Field(title="Dialect")]
    status: Annotated[Literal["ok"], Field(title="Status")]


class SubsetItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Subset(RootModel[list[SubsetItem]]):
    root: Annotated[list[SubsetItem], Field(max_length=1000, title="Subset")]


class DedupeStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    keep: Annotated[Literal["first", "last"] | None, Field(title="Keep")] = "first"
    op: Annotated[Literal["dedupe"], Field(title="Op")]
    subset: Annotated[Subset | None, Field(title="Subset")] = None


ColumnsAdditionalProperty = TypeAliasType(
    "ColumnsAdditionalProperty", Annotated[str, Field(max_length=2000, min_length=1)]
)


class DeriveStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=200)],
            ColumnsAdditionalProperty,
        ],
        Field(max_length=100, min_length=1, title="Columns"),
    ]
    op: Annotated[Literal["derive"], Field(title="Op")]


class Column1(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Columns(RootModel[list[Column1]]):
    root: Annotated[list[Column1], Field(max_length=1000, title="Columns")]


class DropNullStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    blank_as_null: Annotated[bool | None, Field(title="Blank As Null")] = False
    columns: Annotated[Columns | None, Field(title="Columns")] = None
    how: Annotated[Literal["any", "all"] | None, Field(title="How")] = "any"
    op: Annotated[Literal["drop_null"], Field(title="Op")]


class DropStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[Column1], Field(max_length=1000, min_length=1, title="Columns")]
    missing_ok: Annotated[
        bool | None,
        Field(
            description="Skip columns that do not exist instead of failing.",
            title="Missing Ok",
        ),
    ] = False
    op: Annotated[Literal["drop"], Field(title="Op")]


class EvaluateAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    script: Annotated[str, Field(max_length=100000, min_length=1, title="Script")]
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["evaluate"], Field(title="Type")]


class ExportOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    created_at: Annotated[str, Field(title="Created At")]
    download_url: Annotated[str, Field(title="Download Url")]
    export_id: Annotated[str, Field(title="Export Id")]
    filename: Annotated[str, Field(title="Filename")]
    format: Annotated[Literal["csv", "json", "jsonl", "xlsx", "parquet"], Field(title="Format")]
    job_id: Annotated[str | None, Field(title="Job Id")] = None
    name: Annotated[str, Field(title="Name")]
    pipeline_id: Annotated[str | None, Field(title="Pipeline Id")] = None
    rows: Annotated[int, Field(title="Rows")]
    size_bytes: Annotated[int, Field(title="Size Bytes")]


class ExportPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[ExportOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")] = None


class FailedPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    code: Annotated[str, Field(title="Code")]
    message: Annotated[str, Field(title="Message")]
    url: Annotated[str, Field(title="Url")]


class Features(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    script_actions: Annotated[
        bool,
        Field(
            description="`evaluate` actions (a request's own JavaScript) are accepted: ALLOW_SCRIPT_ACTIONS=true.",
            title="Script Actions",
        ),
    ]


class FieldChangeOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    after: Annotated[Any, Field(title="After")]
    before: Annotated[Any, Field(title="Before")]
    field: Annotated[str, Field(title="Field")]


class FieldError(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    field: Annotated[str, Field(title="Field")]
    message: Annotated[str, Field(title="Message")]
    type: Annotated[str, Field(title="Type")]


class FillNullStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    blank_as_null: Annotated[
        bool | None,
        Field(
            description="Treat empty or whitespace-only text as missing.",
            title="Blank As Null",
        ),
    ] = False
    columns: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=200)],
            str | int | float | bool | None,
        ],
        Field(max_length=1000, min_length=1, title="Columns"),
    ]
    op: Annotated[Literal["fill_null"], Field(title="Op")]


class FilterStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    expr: Annotated[str, Field(max_length=2000, min_length=1, title="Expr")]
    op: Annotated[Literal["filter"], Field(title="Op")]


class HealthDown(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    database: DatabaseDown
    status: Annotated[Literal["error"], Field(title="Status")]
    version: Annotated[str, Field(title="Version")]


class HoverAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    selector: Annotated[str, Field(max_length=2000, min_length=1, title="Selector")]
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["hover"], Field(title="Type")]


class InSetRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[Literal["in_set"], Field(title="Check")]
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    on_fail: Annotated[
        Literal["drop", "warn", "fail"] | None,
        Field(description="Overrides the step's on_fail for this rule.", title="On Fail"),
    ] = None
    values: Annotated[
        list[str | int | float | bool | None],
        Field(max_length=10000, min_length=1, title="Values"),
    ]


class IncrementalCounts(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    changed: Annotated[
        int,
        Field(
            description="Pages fetched before whose body changed: extracted again.",
            title="Changed",
        ),
    ]
    gone: Annotated[
        int | None,
        Field(
            description="Pages the last crawl had that this one did not reach; null when `max_pages` stopped this crawl (it did not see the whole site).",
            title="Gone",
        ),
    ]
    new: Annotated[int, Field(description="Pages the lineage had not fetched before.", title="New")]
    unchanged: Annotated[
        int,
        Field(
            description="Pages not modified (304, or the same body): records carried over.",
            title="Unchanged",
        ),
    ]


class InlineSource(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    records: Annotated[list[dict[str, Any]], Field(max_length=10000, title="Records")]
    type: Annotated[Literal["inline"], Field(title="Type")]


class JobError(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    code: Annotated[str, Field(title="Code")]
    message: Annotated[str | None, Field(title="Message")] = None


class JobFile(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    media_type: Annotated[str, Field(examples=["image/jpeg"], title="Media Type")]
    name: Annotated[str, Field(examples=["screenshot.jpg"], title="Name")]
    size: Annotated[int, Field(description="Bytes.", title="Size")]
    url: Annotated[
        str,
        Field(
            description="Where to download it: `/api/jobs/{job_id}/files/{name}`.",
            title="Url",
        ),
    ]


class JobSource(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    job_id: Annotated[str, Field(max_length=36, min_length=1, title="Job Id")]
    type: Annotated[Literal["job"], Field(title="Type")]


class LeftOnItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class LeftOn(RootModel[list[LeftOnItem]]):
    root: Annotated[list[LeftOnItem], Field(max_length=20, min_length=1, title="Left On")]


class OnItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class On(RootModel[list[OnItem]]):
    root: Annotated[list[OnItem], Field(max_length=20, min_length=1, title="On")]


class RightOnItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class RightOn(RootModel[list[RightOnItem]]):
    root: Annotated[list[RightOnItem], Field(max_length=20, min_length=1, title="Right On")]


class DailyJobs(RootModel[int]):
    root: Annotated[
        int,
        Field(
            description="Jobs a UTC day; unlimited when absent.",
            ge=1,
            le=10000000,
            title="Daily Jobs",
        ),
    ]


class RatePerMinute(RootModel[int]):
    root: Annotated[
        int,
        Field(
            description="Requests a minute (per API process); unlimited when absent.",
            ge=1,
            le=1000000,
            title="Rate Per Minute",
        ),
    ]


class LastCheck(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check_id: Annotated[str, Field(title="Check Id")]
    checked_at: Annotated[str, Field(title="Checked At")]
    job_id: Annotated[str, Field(title="Job Id")]
    status: Annotated[str, Field(title="Status")]


class LastJob(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    job_id: Annotated[str, Field(title="Job Id")]
    status: Annotated[
        Literal["queued", "running", "completed", "failed", "cancelled", "paused"] | None,
        Field(description="None once the job was deleted."),
    ]


class LatestSource(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    name: Annotated[str, Field(pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$", title="Name")]
    type: Annotated[Literal["latest"], Field(title="Type")]


class LimitStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    n: Annotated[int, Field(ge=0, le=1000000000, title="N")]
    offset: Annotated[int | None, Field(ge=0, le=1000000000, title="Offset")] = 0
    op: Annotated[Literal["limit"], Field(title="Op")]


class Limits(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    max_queued_jobs: Annotated[int, Field(title="Max Queued Jobs")]


class LocalStorageItem(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    name: Annotated[str, Field(max_length=4096, title="Name")]
    value: Annotated[str, Field(max_length=1000000, title="Value")]


class Search(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Keep only URLs holding every word of this text (case-insensitive; `-`, `_`, `/` count as spaces), those holding it whole first.",
            max_length=200,
            min_length=1,
            title="Search",
        ),
    ]


class Session1(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A saved session whose cookies the requests send.",
            max_length=100,
            title="Session",
        ),
    ]


class MapResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    duration_s: Annotated[float, Field(title="Duration S")]
    failed_sitemaps: Annotated[
        list[FailedPage],
        Field(
            description="Sitemaps that could not be read (the first ones).",
            title="Failed Sitemaps",
        ),
    ]
    from_links: Annotated[int, Field(title="From Links")]
    from_sitemaps: Annotated[int, Field(title="From Sitemaps")]
    records: Annotated[int, Field(description="URLs listed: a record each.", title="Records")]
    sitemap_files: Annotated[
        int,
        Field(
            description="Sitemap files read (indexes and gzipped files included).",
            title="Sitemap Files",
        ),
    ]
    stopped_by: Annotated[Literal["max_urls", "complete"], Field(title="Stopped By")]
    url: Annotated[str, Field(title="Url")]


class MatchesRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[Literal["matches"], Field(title="Check")]
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    on_fail: Annotated[
        Literal["drop", "warn", "fail"] | None,
        Field(description="Overrides the step's on_fail for this rule.", title="On Fail"),
    ] = None
    pattern: Annotated[str, Field(max_length=500, min_length=1, title="Pattern")]


class MemoryReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    limit_mb: Annotated[int, Field(title="Limit Mb")]
    peak_rss_mb: Annotated[float, Field(title="Peak Rss Mb")]


class MergeStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[Column1], Field(max_length=1000, min_length=2, title="Columns")]
    drop: Annotated[
        bool | None,
        Field(description="Remove the merged columns afterwards.", title="Drop"),
    ] = False
    into: Annotated[str, Field(max_length=200, min_length=1, title="Into")]
    op: Annotated[Literal["merge"], Field(title="Op")]
    separator: Annotated[str | None, Field(max_length=100, title="Separator")] = " "
    skip_null: Annotated[
        bool | None,
        Field(
            description="Leave missing values out instead of writing ''.",
            title="Skip Null",
        ),
    ] = True


class MetadataFormat(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    canonical: Annotated[str | None, Field(title="Canonical")]
    description: Annotated[str | None, Field(title="Description")]
    json_ld: Annotated[list[dict[str, Any]], Field(title="Json Ld")]
    lang: Annotated[str | None, Field(title="Lang")]
    meta: Annotated[dict[str, Any], Field(title="Meta")]
    microdata: Annotated[list[dict[str, Any]], Field(title="Microdata")]
    opengraph: Annotated[dict[str, Any], Field(title="Opengraph")]
    title: Annotated[str | None, Field(title="Title")]


class MonitorCompareResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check_id: Annotated[
        str | None,
        Field(
            description="None when the monitor was deleted before the check was compared.",
            title="Check Id",
        ),
    ]
    counts: Annotated[dict[str, int], Field(title="Counts")]
    monitor_id: Annotated[str, Field(title="Monitor Id")]
    notified: Annotated[int, Field(title="Notified")]
    status: Annotated[
        Literal["baseline", "unchanged", "changed", "failed", "suspect", "stale", "gone"],
        Field(title="Status"),
    ]


class Compare(RootModel[list[str]]):
    root: Annotated[
        list[str],
        Field(
            description="Fields to compare (default: every field but the key).",
            max_length=200,
            title="Compare",
        ),
    ]


class Cron(RootModel[str]):
    root: Annotated[str, Field(examples=["*/15 * * * *"], max_length=100, title="Cron")]


class Every(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="`30s`, `15m`, `1h`, `1d`.",
            examples=["15m"],
            max_length=20,
            title="Every",
        ),
    ]


class MonitorNotifyResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    delivery_id: Annotated[str, Field(title="Delivery Id")]
    duration_ms: Annotated[float, Field(title="Duration Ms")]
    kind: Annotated[Literal["webhook", "apprise"], Field(title="Kind")]
    status_code: Annotated[
        int | None,
        Field(
            description="The webhook receiver's answer; None for Apprise.",
            title="Status Code",
        ),
    ]


class Columns1Item(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Columns1(RootModel[list[Columns1Item]]):
    root: Annotated[list[Columns1Item], Field(max_length=1000, title="Columns")]


class NormalizeStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    blank_as_null: Annotated[bool | None, Field(title="Blank As Null")] = False
    case: Annotated[Literal["lower", "upper", "title"] | None, Field(title="Case")] = None
    columns: Annotated[Columns1 | None, Field(title="Columns")] = None
    op: Annotated[Literal["normalize"], Field(title="Op")]
    unicode: Annotated[
        bool | None,
        Field(
            description="Apply NFKC (full-width letters, ligatures, nbsp).",
            title="Unicode",
        ),
    ] = False
    whitespace: Annotated[
        Literal["collapse", "trim", "keep"] | None,
        Field(
            description="collapse: trim and turn inner runs of whitespace into one space.",
            title="Whitespace",
        ),
    ] = "collapse"


class NotNullRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    blank_as_null: Annotated[bool | None, Field(title="Blank As Null")] = False
    check: Annotated[Literal["not_null"], Field(title="Check")]
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    on_fail: Annotated[
        Literal["drop", "warn", "fail"] | None,
        Field(description="Overrides the step's on_fail for this rule.", title="On Fail"),
    ] = None


class NotifyTarget(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    events: Annotated[
        list[Literal["change", "failed", "suspect"]] | None,
        Field(min_length=1, title="Events"),
    ] = None
    kind: Annotated[
        Literal["webhook", "apprise"] | None,
        Field(description="Default: from the URL's scheme.", title="Kind"),
    ] = None
    url: Annotated[
        str,
        Field(
            description="http(s):// is a signed webhook (private and loopback addresses are refused); any other scheme is an Apprise URL (mailto://, slack://, discord://, tgram://, ntfy://, json://...).",
            max_length=2048,
            title="Url",
        ),
    ]


class NotifyTargetOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    events: Annotated[list[str], Field(title="Events")]
    kind: Annotated[Literal["webhook", "apprise"], Field(title="Kind")]
    url: Annotated[str, Field(description="Redacted: secrets never leave the API.", title="Url")]


class OriginIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    localStorage: Annotated[list[LocalStorageItem] | None, Field(max_length=10000, title="Localstorage")] = (
        None
    )
    origin: Annotated[str, Field(max_length=2048, min_length=1, title="Origin")]


class OutputReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    download_url: Annotated[str, Field(title="Download Url")]
    export_id: Annotated[str, Field(title="Export Id")]
    filename: Annotated[str, Field(title="Filename")]
    format: Annotated[Literal["csv", "json", "jsonl", "xlsx", "parquet"], Field(title="Format")]
    name: Annotated[str, Field(title="Name")]
    rows: Annotated[int, Field(title="Rows")]
    seconds: Annotated[float, Field(title="Seconds")]
    size_bytes: Annotated[int, Field(title="Size Bytes")]


class Name2(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="File name without extension.",
            pattern="^[A-Za-z0-9][A-Za-z0-9._-]{0,99}$",
            title="Name",
        ),
    ]


class OutputSpec(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    escape_formulas: Annotated[
        bool | None,
        Field(
            description="CSV only: text a spreadsheet would run as a formula (starting with `=`, `+`, `-`, `@`, tab or carriage return; plain numbers such as `-5` excepted) gets a leading `'`, and text cells are quoted. `false` writes raw CSV.",
            title="Escape Formulas",
        ),
    ] = True
    format: Annotated[Literal["csv", "json", "jsonl", "xlsx", "parquet"], Field(title="Format")]
    name: Annotated[Name2 | None, Field(description="File name without extension.", title="Name")] = None


class PageLink(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    text: Annotated[str, Field(title="Text")]
    url: Annotated[str, Field(title="Url")]


class PageTimings(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    fetch_ms: Annotated[float, Field(title="Fetch Ms")]
    total_ms: Annotated[float, Field(title="Total Ms")]


class PdfAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["pdf"], Field(title="Type")]


class Description(RootModel[str]):
    root: Annotated[str, Field(max_length=2000, title="Description")]


class PipelineOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    created_at: Annotated[str, Field(title="Created At")]
    definition: Annotated[
        dict[str, Any],
        Field(
            description="The definition as saved (the body of `POST /api/pipelines` without `name` and `description`, as accepted).",
            title="Definition",
        ),
    ]
    description: Annotated[str | None, Field(title="Description")] = None
    name: Annotated[str, Field(title="Name")]
    pipeline_id: Annotated[str, Field(title="Pipeline Id")]
    updated_at: Annotated[str, Field(title="Updated At")]


class PipelinePage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[PipelineOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")] = None


class Name3(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A name to find this run by (`latest` sources).",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]


class PipelineId(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1, title="Pipeline Id")]


class PipelineRef(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    name: Annotated[str | None, Field(title="Name")]
    pipeline_id: Annotated[str | None, Field(title="Pipeline Id")]


class Name5(RootModel[str]):
    root: Annotated[str, Field(pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$", title="Name")]


class PipelineTimings(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    child_seconds: Annotated[float, Field(title="Child Seconds")]
    engine_seconds: Annotated[float, Field(title="Engine Seconds")]
    prepare_seconds: Annotated[float, Field(title="Prepare Seconds")]
    read_seconds: Annotated[float, Field(title="Read Seconds")]
    steps_seconds: Annotated[float, Field(title="Steps Seconds")]
    store_seconds: Annotated[float | None, Field(title="Store Seconds")] = None
    total_seconds: Annotated[float, Field(title="Total Seconds")]
    write_seconds: Annotated[float, Field(title="Write Seconds")]


class PressAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    key: Annotated[str, Field(max_length=60, min_length=1, title="Key")]
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["press"], Field(title="Type")]


class ProxyOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    cooling_until: Annotated[
        str | None,
        Field(description="When the last worker's rest ends.", title="Cooling Until"),
    ] = None
    failures: Annotated[int, Field(title="Failures")]
    last_error: Annotated[str | None, Field(title="Last Error")] = None
    proxy: Annotated[
        str,
        Field(description="The proxy's URL, its password shown as `***`.", title="Proxy"),
    ]
    requests: Annotated[int, Field(title="Requests")]
    state: Annotated[
        Literal["ok", "cooling"],
        Field(
            description="`cooling`: resting after a failure or a ban on at least one worker.",
            title="State",
        ),
    ]


class QueueCounts(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    cancelled: Annotated[int, Field(title="Cancelled")]
    completed: Annotated[int, Field(title="Completed")]
    failed: Annotated[int, Field(title="Failed")]
    paused: Annotated[int | None, Field(title="Paused")] = 0
    queued: Annotated[int, Field(title="Queued")]
    running: Annotated[int, Field(title="Running")]


class RecordPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[dict[str, Any]], Field(title="Items")]
    limit: Annotated[int, Field(title="Limit")]
    offset: Annotated[int, Field(title="Offset")]
    total: Annotated[int, Field(title="Total")]


class Into(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="One column per group; named groups name the columns when left out.",
            max_length=200,
            min_length=1,
            title="Into",
        ),
    ]


class IntoItem(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class RegexExtractStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    into: Annotated[
        Into | list[IntoItem] | None,
        Field(
            description="One column per group; named groups name the columns when left out.",
            title="Into",
        ),
    ] = None
    op: Annotated[Literal["regex_extract"], Field(title="Op")]
    pattern: Annotated[str, Field(max_length=500, min_length=1, title="Pattern")]


ColumnsAdditionalProperty1 = TypeAliasType(
    "ColumnsAdditionalProperty1", Annotated[str, Field(max_length=200, min_length=1)]
)


class RenameStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[
        dict[
            Annotated[str, StringConstraints(min_length=1, max_length=200)],
            ColumnsAdditionalProperty1,
        ],
        Field(max_length=1000, min_length=1, title="Columns"),
    ]
    op: Annotated[Literal["rename"], Field(title="Op")]


class RuleSample(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    row: Annotated[int | str, Field(title="Row")]
    values: Annotated[dict[str, Any], Field(title="Values")]


class ScheduleOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    created_at: Annotated[str, Field(title="Created At")]
    cron: Annotated[str, Field(title="Cron")]
    enabled: Annotated[bool, Field(title="Enabled")]
    job: Annotated[
        dict[str, Any],
        Field(
            description="The job request as accepted, a saved pipeline by its id.",
            title="Job",
        ),
    ]
    last_job: LastJob | None
    last_run_at: Annotated[str | None, Field(title="Last Run At")]
    name: Annotated[str, Field(title="Name")]
    next_run_at: Annotated[str | None, Field(title="Next Run At")]
    schedule_id: Annotated[str, Field(title="Schedule Id")]
    timezone: Annotated[str, Field(title="Timezone")]
    updated_at: Annotated[str, Field(title="Updated At")]


class SchedulePage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[ScheduleOut], Field(title="Items")]


class ScrapeAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["scrape"], Field(title="Type")]


class Proxy(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="Send this job's requests (static and the browser's) through this proxy, `scheme://[user:password@]host:port` (http, https, socks5, socks5h), instead of the operator's PROXY_URLS; `none`: directly. A private or loopback proxy needs PROXY_ALLOW_HOSTS. Its password is never shown back.",
            max_length=2048,
            title="Proxy",
        ),
    ]


class ScrapeOptionsIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions_timeout_s: Annotated[
        float | None,
        Field(
            description="Time all `actions` of a page may take together.",
            gt=0.0,
            le=600.0,
            title="Actions Timeout S",
        ),
    ] = 60.0
    block_resources: Annotated[
        list[
            Literal[
                "image",
                "font",
                "media",
                "stylesheet",
                "script",
                "xhr",
                "fetch",
                "websocket",
                "manifest",
                "other",
            ]
        ]
        | None,
        Field(title="Block Resources"),
    ] = None
    date_order: Annotated[
        Literal["DMY", "MDY", "YMD"] | None,
        Field(
            description="Order of an ambiguous numeric day and month (04/05/2016). Without it the page's `<html lang>` decides; where that does not either, the field is null with a `field_errors` reason.",
            title="Date Order",
        ),
    ] = None
    delay_ms: Annotated[
        int | None,
        Field(
            description="Pause between requests per host.",
            ge=0,
            le=60000,
            title="Delay Ms",
        ),
    ] = 0
    headers: Annotated[dict[str, str] | None, Field(max_length=50, title="Headers")] = None
    max_bytes: Annotated[int | None, Field(ge=1024, le=104857600, title="Max Bytes")] = 10485760
    max_concurrency: Annotated[
        int | None,
        Field(
            description="Requests in flight per host.",
            ge=1,
            le=64,
            title="Max Concurrency",
        ),
    ] = 8
    max_redirects: Annotated[int | None, Field(ge=0, le=20, title="Max Redirects")] = 10
    proxy: Annotated[
        Proxy | None,
        Field(
            description="Send this job's requests (static and the browser's) through this proxy, `scheme://[user:password@]host:port` (http, https, socks5, socks5h), instead of the operator's PROXY_URLS; `none`: directly. A private or loopback proxy needs PROXY_ALLOW_HOSTS. Its password is never shown back.",
            title="Proxy",
        ),
    ] = None
    proxy_rotation: Annotated[
        Literal["request", "host", "session"] | None,
        Field(
            description="Which proxy of PROXY_URLS each request takes: the next one (`request`), the same one for a host (`host`) or for the whole job (`session`); default PROXY_ROTATION.",
            title="Proxy Rotation",
        ),
    ] = None
    respect_robots: Annotated[bool | None, Field(title="Respect Robots")] = True
    screenshot: Annotated[bool | None, Field(title="Screenshot")] = False
    timeout_s: Annotated[
        float | None,
        Field(
            description="Per request (or page load).",
            gt=0.0,
            le=300.0,
            title="Timeout S",
        ),
    ] = 30.0
    user_agent: Annotated[str | None, Field(max_length=500, min_length=1, title="User Agent")] = (
        "DataOps/0.1 (self-hosted web data extraction; respects robots.txt)"
    )
    wait_for: Annotated[
        str | None,
        Field(description="Browser: wait until this selector matches.", title="Wait For"),
    ] = None
    wait_until: Annotated[
        Literal["load", "domcontentloaded", "networkidle", "commit"] | None,
        Field(title="Wait Until"),
    ] = "load"


class ScrapePageResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions: Annotated[
        list[ActionResult] | None,
        Field(
            description="What each of the request's `actions` did, in order.",
            title="Actions",
        ),
    ] = None
    blocked_requests: Annotated[
        list[str] | None,
        Field(
            description="Up to 50 URLs the browser was kept from.",
            title="Blocked Requests",
        ),
    ] = None
    content_type: Annotated[str, Field(title="Content Type")]
    data: Annotated[
        dict[str, Any],
        Field(description="The schema's fields as found on the page.", title="Data"),
    ]
    dropped_items: Annotated[
        int | None,
        Field(
            description="List items dropped for a missing required field.",
            title="Dropped Items",
        ),
    ] = None
    field_errors: Annotated[
        dict[str, str] | None,
        Field(description="Fields found but unreadable.", title="Field Errors"),
    ] = None
    files: Annotated[
        list[JobFile] | None,
        Field(
            description="Page captures stored as files (formats `screenshot` and `pdf`, `options.screenshot`, the `screenshot` and `pdf` actions), each downloaded from its `url`.",
            title="Files",
        ),
    ] = None
    html: Annotated[str | None, Field(title="Html")] = None
    json_: Annotated[
        Any | None,
        Field(
            alias="json",
            description="The document, when the page is JSON.",
            title="Json",
        ),
    ] = None
    links: Annotated[list[PageLink] | None, Field(title="Links")] = None
    markdown: Annotated[str | None, Field(title="Markdown")] = None
    message: Annotated[
        str | None,
        Field(description="Why fields are empty, in words.", title="Message"),
    ] = None
    metadata: MetadataFormat | None = None
    missing_fields: Annotated[list[str], Field(title="Missing Fields")]
    records: Annotated[
        int | None,
        Field(
            description="How many records the page gave (none: no records).",
            title="Records",
        ),
    ] = None
    redirected_from: Annotated[list[str] | None, Field(title="Redirected From")] = None
    sources: Annotated[
        dict[str, str] | None,
        Field(
            description="Where each found value came from: `css:<selector>` or `xpath:<expr>` for a field with a selector; for a field found by meaning `jsonld:<path>`, `microdata:<path>`, `meta:<tag>`, `label:<label text>`, `css:<selector>`, `h1` or `title`; `default` for a default value.",
            title="Sources",
        ),
    ] = None
    status_code: Annotated[int, Field(title="Status Code")]
    strategy_used: Annotated[Literal["static", "dynamic"], Field(title="Strategy Used")]
    switched_to_dynamic: Annotated[
        str | None,
        Field(
            description="Why `auto` rendered the page in a browser.",
            title="Switched To Dynamic",
        ),
    ] = None
    text: Annotated[str | None, Field(title="Text")] = None
    timings: PageTimings
    url: Annotated[str, Field(description="The final URL, after redirects.", title="Url")]


class ScrapeProgress(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    errors: Annotated[int | None, Field(title="Errors")] = None
    memory_used_mb: Annotated[int | None, Field(title="Memory Used Mb")] = None
    pages_done: Annotated[int | None, Field(title="Pages Done")] = None
    pages_queued: Annotated[int | None, Field(title="Pages Queued")] = None
    pages_total: Annotated[int | None, Field(description="A batch's URLs.", title="Pages Total")] = None
    records: Annotated[int | None, Field(title="Records")] = None
    sitemap_files: Annotated[
        int | None,
        Field(description="A map's sitemap files read so far.", title="Sitemap Files"),
    ] = None
    urls: Annotated[int | None, Field(description="A map's URLs found so far.", title="Urls")] = None
    waiting_for_memory: Annotated[bool | None, Field(title="Waiting For Memory")] = None


class Name6(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A name to find this run by (`latest` sources).",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]


class Session2(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="A saved session (`/api/sessions`) by name: its cookies go with every request, its storage state into the browser; it logs in first when needed.",
            max_length=200,
            min_length=1,
            title="Session",
        ),
    ]


class ScreenshotAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    full_page: Annotated[bool | None, Field(title="Full Page")] = False
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["screenshot"], Field(title="Type")]


class Selector(RootModel[str]):
    root: Annotated[str, Field(max_length=2000, min_length=1, title="Selector")]


class Until(RootModel[int]):
    root: Annotated[int, Field(ge=1, le=500, title="Until")] = 1


class ScrollAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    direction: Annotated[Literal["down", "up"] | None, Field(title="Direction")] = "down"
    max_scrolls: Annotated[int | None, Field(ge=1, le=500, title="Max Scrolls")] = 50
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    selector: Annotated[Selector | None, Field(title="Selector")] = None
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["scroll"], Field(title="Type")]
    until: Annotated[
        Literal["end", "selector"] | Until | None,
        Field(title="Until", validate_default=True),
    ] = 1


class SelectAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    selector: Annotated[str, Field(max_length=2000, min_length=1, title="Selector")]
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["select"], Field(title="Type")]
    value: Annotated[str, Field(max_length=1000, title="Value")]


class SelectStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[Column1], Field(max_length=1000, min_length=1, title="Columns")]
    op: Annotated[Literal["select"], Field(title="Op")]


class SeriesPoint(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    at: Annotated[str, Field(title="At")]
    value: Annotated[float | None, Field(title="Value")]


class SessionLoginOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions: Annotated[
        list[dict[str, Any]],
        Field(
            description="The login's actions, typed text shown as `***`.",
            title="Actions",
        ),
    ]
    url: Annotated[str, Field(title="Url")]


class SessionOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[dict[str, Any] | None, Field(title="Check")] = None
    cookie_count: Annotated[int, Field(title="Cookie Count")]
    cookie_domains: Annotated[list[str], Field(title="Cookie Domains")]
    created_at: Annotated[str, Field(title="Created At")]
    has_state: Annotated[bool, Field(title="Has State")]
    kind: Annotated[Literal["login", "storage_state", "cookies"], Field(title="Kind")]
    last_check_at: Annotated[str | None, Field(title="Last Check At")] = None
    last_error: Annotated[str | None, Field(title="Last Error")] = None
    last_login_at: Annotated[str | None, Field(title="Last Login At")] = None
    login: SessionLoginOut | None = None
    name: Annotated[str, Field(title="Name")]
    origin_count: Annotated[
        int,
        Field(
            description="Origins whose localStorage the state holds.",
            title="Origin Count",
        ),
    ]
    session_id: Annotated[str, Field(title="Session Id")]
    state_version: Annotated[int, Field(title="State Version")]
    status: Annotated[
        Literal["ready", "needs_login", "logging_in", "failed"],
        Field(
            description="`ready` (a state is stored), `needs_login` (the next use logs in), `logging_in` (a job is logging in now), `failed` (the last login or check failed: see `last_error`).",
            title="Status",
        ),
    ]
    updated_at: Annotated[str, Field(title="Updated At")]


class SessionPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[SessionOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")] = None


class SortKey(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    descending: Annotated[bool | None, Field(title="Descending")] = False


class By(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class SortStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    by: Annotated[list[By | SortKey], Field(max_length=50, min_length=1, title="By")]
    descending: Annotated[
        bool | None,
        Field(
            description="Direction of the keys given as plain names.",
            title="Descending",
        ),
    ] = False
    nulls: Annotated[Literal["first", "last"] | None, Field(title="Nulls")] = "last"
    op: Annotated[Literal["sort"], Field(title="Op")]


class SourceReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[str] | None, Field(title="Columns")] = None
    export_id: Annotated[
        str | None,
        Field(
            description="A run without records is read from its export.",
            title="Export Id",
        ),
    ] = None
    filename: Annotated[str | None, Field(title="Filename")] = None
    format: Annotated[Literal["csv", "json", "jsonl", "xlsx", "parquet"] | None, Field(title="Format")] = None
    job_id: Annotated[str | None, Field(title="Job Id")] = None
    name: Annotated[str | None, Field(title="Name")] = None
    out_of_core_steps: Annotated[
        list[int] | None,
        Field(
            description="A large input: the whole-table steps that ran out of core (DuckDB).",
            title="Out Of Core Steps",
        ),
    ] = None
    records: Annotated[int | None, Field(title="Records")] = None
    rows: Annotated[int | None, Field(title="Rows")] = None
    size_bytes: Annotated[int | None, Field(title="Size Bytes")] = None
    stopped_early: Annotated[bool | None, Field(title="Stopped Early")] = None
    streamed_steps: Annotated[int | None, Field(title="Streamed Steps")] = None
    type: Annotated[Literal["job", "latest", "upload", "inline", "url"], Field(title="Type")]
    upload_id: Annotated[str | None, Field(title="Upload Id")] = None
    url: Annotated[str | None, Field(title="Url")] = None


class Into1Item(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Into1(RootModel[list[Into1Item]]):
    root: Annotated[list[Into1Item], Field(max_length=100, min_length=1, title="Into")]


class SplitStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    explode: Annotated[bool | None, Field(title="Explode")] = False
    into: Annotated[Into1 | None, Field(title="Into")] = None
    op: Annotated[Literal["split"], Field(title="Op")]
    regex: Annotated[bool | None, Field(title="Regex")] = False
    separator: Annotated[str, Field(max_length=100, min_length=1, title="Separator")]
    trim: Annotated[
        bool | None,
        Field(description="Strip whitespace around every part.", title="Trim"),
    ] = True


class StepReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    details: Annotated[
        dict[str, Any],
        Field(description="What the step did; the keys depend on the op.", title="Details"),
    ]
    index: Annotated[int, Field(title="Index")]
    op: Annotated[str, Field(title="Op")]
    rows_in: Annotated[int, Field(title="Rows In")]
    rows_out: Annotated[int, Field(title="Rows Out")]
    seconds: Annotated[float, Field(title="Seconds")]
    summary: Annotated[str, Field(title="Summary")]


class StorageStateIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    cookies: Annotated[list[CookieIn] | None, Field(max_length=3000, title="Cookies")] = None
    origins: Annotated[list[OriginIn] | None, Field(max_length=200, title="Origins")] = None


class ThenIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    pipeline_id: Annotated[str, Field(max_length=200, min_length=1, title="Pipeline Id")]


class Columns2Item(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Columns2(RootModel[list[Columns2Item]]):
    root: Annotated[list[Columns2Item], Field(max_length=1000, title="Columns")]


class TrimStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[Columns2 | None, Field(title="Columns")] = None
    op: Annotated[Literal["trim"], Field(title="Op")]


class TypeRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[Literal["type"], Field(title="Check")]
    column: Annotated[str, Field(max_length=200, min_length=1, title="Column")]
    on_fail: Annotated[
        Literal["drop", "warn", "fail"] | None,
        Field(description="Overrides the step's on_fail for this rule.", title="On Fail"),
    ] = None
    type: Annotated[
        Literal["string", "number", "integer", "boolean", "date", "datetime"],
        Field(title="Type"),
    ]


class Column5(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1, title="Column")]


class Columns3Item(RootModel[str]):
    root: Annotated[str, Field(max_length=200, min_length=1)]


class Columns3(RootModel[list[Columns3Item]]):
    root: Annotated[list[Columns3Item], Field(max_length=20, min_length=1, title="Columns")]


class UniqueRule(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[Literal["unique"], Field(title="Check")]
    column: Annotated[Column5 | None, Field(title="Column")] = None
    columns: Annotated[Columns3 | None, Field(title="Columns")] = None
    on_fail: Annotated[Literal["drop", "warn", "fail"] | None, Field(title="On Fail")] = None


class UploadRef(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    type: Annotated[Literal["upload"], Field(title="Type")]
    upload_id: Annotated[str, Field(title="Upload Id")]


class RecordsPath(RootModel[str]):
    root: Annotated[
        str,
        Field(
            description="JSON: dotted key of the list of records inside a top-level object (e.g. `data.items`).",
            max_length=200,
            title="Records Path",
        ),
    ]


class UploadSource(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    delimiter: Annotated[
        str | None,
        Field(
            description="CSV field separator.",
            max_length=1,
            min_length=1,
            title="Delimiter",
        ),
    ] = ","
    encoding: Annotated[
        str | None,
        Field(
            description="CSV text encoding.",
            pattern="^[A-Za-z0-9_-]{1,32}$",
            title="Encoding",
        ),
    ] = "utf-8"
    infer_types: Annotated[
        bool | None,
        Field(
            description="CSV: false reads every column as text (keeps leading zeros).",
            title="Infer Types",
        ),
    ] = True
    records_path: Annotated[
        RecordsPath | None,
        Field(
            description="JSON: dotted key of the list of records inside a top-level object (e.g. `data.items`).",
            title="Records Path",
        ),
    ] = None
    sheet: Annotated[
        str | int | None,
        Field(description="XLSX: sheet name or 0-based index.", title="Sheet"),
    ] = None
    type: Annotated[Literal["upload"], Field(title="Type")]
    upload_id: Annotated[str, Field(max_length=36, min_length=1, title="Upload Id")]


class UrlSource(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    delimiter: Annotated[
        str | None,
        Field(
            description="CSV field separator.",
            max_length=1,
            min_length=1,
            title="Delimiter",
        ),
    ] = ","
    encoding: Annotated[
        str | None,
        Field(
            description="CSV text encoding.",
            pattern="^[A-Za-z0-9_-]{1,32}$",
            title="Encoding",
        ),
    ] = "utf-8"
    format: Annotated[
        Literal["csv", "json", "jsonl", "xlsx", "parquet"] | None,
        Field(
            description="Guessed from the Content-Type or the URL's extension when left out.",
            title="Format",
        ),
    ] = None
    infer_types: Annotated[
        bool | None,
        Field(
            description="CSV: false reads every column as text (keeps leading zeros).",
            title="Infer Types",
        ),
    ] = True
    records_path: Annotated[
        RecordsPath | None,
        Field(
            description="JSON: dotted key of the list of records inside a top-level object (e.g. `data.items`).",
            title="Records Path",
        ),
    ] = None
    sheet: Annotated[
        str | int | None,
        Field(description="XLSX: sheet name or 0-based index.", title="Sheet"),
    ] = None
    type: Annotated[Literal["url"], Field(title="Type")]
    url: Annotated[str, Field(title="Url")]


class ValidateStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    on_fail: Annotated[Literal["drop", "warn", "fail"] | None, Field(title="On Fail")] = "fail"
    op: Annotated[Literal["validate"], Field(title="Op")]
    rules: Annotated[
        list[
            Annotated[
                NotNullRule | UniqueRule | BetweenRule | MatchesRule | InSetRule | TypeRule,
                Field(discriminator="check"),
            ]
        ],
        Field(max_length=100, min_length=1, title="Rules"),
    ]


class Milliseconds(RootModel[int]):
    root: Annotated[int, Field(ge=1, le=60000, title="Milliseconds")]


class WaitAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    milliseconds: Annotated[Milliseconds | None, Field(title="Milliseconds")] = None
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    selector: Annotated[Selector | None, Field(title="Selector")] = None
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["wait"], Field(title="Type")]


class WebhookDelivery(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    at: Annotated[str, Field(title="At")]
    attempt: Annotated[int, Field(title="Attempt")]
    delivery_id: Annotated[str, Field(title="Delivery Id")]
    duration_ms: Annotated[float | None, Field(title="Duration Ms")]
    error: Annotated[str | None, Field(title="Error")]
    event: Annotated[Literal["completed", "failed", "cancelled"], Field(title="Event")]
    status_code: Annotated[int | None, Field(title="Status Code")]


class WebhookDeliveryResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    delivery_id: Annotated[str, Field(title="Delivery Id")]
    duration_ms: Annotated[float, Field(title="Duration Ms")]
    job_id: Annotated[str, Field(title="Job Id")]
    status_code: Annotated[int, Field(title="Status Code")]


class WebhookIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    events: Annotated[
        list[Literal["completed", "failed", "cancelled"]] | None,
        Field(min_length=1, title="Events"),
    ] = None
    url: Annotated[
        str,
        Field(
            description="http(s) URL; private and loopback addresses are refused.",
            title="Url",
        ),
    ]


class WebhookOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    deliveries: Annotated[list[WebhookDelivery], Field(title="Deliveries")]
    events: Annotated[list[Literal["completed", "failed", "cancelled"]], Field(title="Events")]
    url: Annotated[str, Field(title="Url")]


class WorkerOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    capabilities: Annotated[
        dict[str, str] | None,
        Field(
            description='Per kind: `"ok"` or why not; null until the start-up check finished.',
            title="Capabilities",
        ),
    ]
    concurrency: Annotated[int, Field(title="Concurrency")]
    hostname: Annotated[str, Field(title="Hostname")]
    id: Annotated[str, Field(title="Id")]
    last_heartbeat: Annotated[str, Field(title="Last Heartbeat")]
    pid: Annotated[int, Field(title="Pid")]
    running: Annotated[int, Field(title="Running")]
    started_at: Annotated[str, Field(title="Started At")]
    version: Annotated[str, Field(title="Version")]


class WorkersHealth(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    alive: Annotated[int, Field(title="Alive")]
    items: Annotated[
        list[WorkerOut] | None,
        Field(description="Only with the API key.", title="Items"),
    ] = None
    running: Annotated[int, Field(title="Running")]
    slots: Annotated[int, Field(title="Slots")]


class WriteAction(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    optional: Annotated[
        bool | None,
        Field(
            description="A failure is reported in `result.actions` and the next action runs.",
            title="Optional",
        ),
    ] = False
    selector: Annotated[str, Field(max_length=2000, min_length=1, title="Selector")]
    text: Annotated[str, Field(max_length=10000, title="Text")]
    timeout_ms: Annotated[
        TimeoutMs | None,
        Field(
            description="Time this action may take (default 10000 ms).",
            title="Timeout Ms",
        ),
    ] = None
    type: Annotated[Literal["write"], Field(title="Type")]


class AggregateStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    aggregations: Annotated[list[Aggregation], Field(max_length=200, min_length=1, title="Aggregations")]
    group_by: Annotated[list[GroupByItem] | None, Field(max_length=50, title="Group By")] = None
    op: Annotated[Literal["aggregate"], Field(title="Op")]


class AppendStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    op: Annotated[Literal["append"], Field(title="Op")]
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource,
        Field(discriminator="type", title="Source"),
    ]


class BatchRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions: Annotated[
        list[
            Annotated[
                WaitAction
                | ClickAction
                | WriteAction
                | PressAction
                | SelectAction
                | HoverAction
                | ScrollAction
                | ScreenshotAction
                | ScrapeAction
                | PdfAction
                | EvaluateAction,
                Field(discriminator="type"),
            ]
        ]
        | None,
        Field(
            description="Browser actions run in order on the page before it is extracted (see docs/scraping.md).",
            max_length=100,
            title="Actions",
        ),
    ] = None
    exclude_selectors: Annotated[
        list[str] | None,
        Field(
            description="CSS selectors: `markdown` and `text` drop what they match.",
            max_length=50,
            title="Exclude Selectors",
        ),
    ] = None
    formats: Annotated[
        list[
            Literal[
                "data",
                "markdown",
                "text",
                "links",
                "metadata",
                "html",
                "screenshot",
                "pdf",
            ]
        ]
        | None,
        Field(max_length=8, title="Formats"),
    ] = None
    include_selectors: Annotated[
        list[str] | None,
        Field(
            description="CSS selectors: `markdown` and `text` keep only what they match.",
            max_length=50,
            title="Include Selectors",
        ),
    ] = None
    max_attempts: Annotated[MaxAttempts | None, Field(title="Max Attempts")] = None
    name: Annotated[
        Name | None,
        Field(description="A name to find this run by (`latest` sources).", title="Name"),
    ] = None
    only_main_content: Annotated[
        bool | None,
        Field(
            description="`markdown` and `text` hold the page's main content; false keeps the whole page.",
            title="Only Main Content",
        ),
    ] = True
    options: ScrapeOptionsIn | None = None
    priority: Annotated[
        int | None,
        Field(description="Higher runs first.", ge=-100, le=100, title="Priority"),
    ] = 0
    schema_: Annotated[
        dict[str, Any] | None,
        Field(
            alias="schema",
            description="Fields to extract, in any of the four forms (see docs/scraping.md).",
            title="Schema",
        ),
    ] = None
    session: Annotated[
        Session | None,
        Field(
            description="A saved session (`/api/sessions`) by name: its cookies go with every request, its storage state into the browser; it logs in first when needed.",
            title="Session",
        ),
    ] = None
    strategy: Annotated[Literal["static", "dynamic", "auto"] | None, Field(title="Strategy")] = "static"
    then: ThenIn | None = None
    timeout_seconds: Annotated[
        TimeoutSeconds | None,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            title="Timeout Seconds",
        ),
    ] = None
    urls: Annotated[
        list[str],
        Field(
            description="The pages to scrape (http(s); private and loopback addresses are refused). A record per URL, in this order.",
            examples=[["https://shop.example/p/1", "https://shop.example/p/2"]],
            max_length=10000,
            min_length=1,
            title="Urls",
        ),
    ]
    webhook: WebhookIn | None = None


class BatchResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    duration_s: Annotated[float, Field(title="Duration S")]
    errors: Annotated[int, Field(title="Errors")]
    failed_pages: Annotated[
        list[FailedPage],
        Field(
            description="The first failures (the count is `errors`).",
            title="Failed Pages",
        ),
    ]
    pages_per_s: Annotated[float | None, Field(title="Pages Per S")]
    records: Annotated[int, Field(title="Records")]
    succeeded: Annotated[int, Field(title="Succeeded")]
    urls: Annotated[int, Field(title="Urls")]


class CallerOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    name: Annotated[
        str | None,
        Field(
            description="The key's name; null when the API is open (no keys).",
            title="Name",
        ),
    ]
    open: Annotated[
        bool,
        Field(
            description="True when the API asks for no key (no API_KEY and no team keys).",
            title="Open",
        ),
    ]
    scope: Annotated[
        Literal["read", "write", "admin"],
        Field(
            description="What a key may do; each scope includes the ones before it.",
            title="Scope",
        ),
    ]


class ChangeOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    added_lines: Annotated[int | None, Field(title="Added Lines")] = None
    after: Annotated[dict[str, Any] | None, Field(title="After")] = None
    before: Annotated[dict[str, Any] | None, Field(title="Before")] = None
    change_id: Annotated[int, Field(title="Change Id")]
    check_id: Annotated[str, Field(title="Check Id")]
    created_at: Annotated[str, Field(title="Created At")]
    diff: Annotated[str | None, Field(title="Diff")] = None
    fields: Annotated[list[FieldChangeOut] | None, Field(title="Fields")] = None
    format: Annotated[str | None, Field(title="Format")] = None
    key: Annotated[dict[str, Any], Field(title="Key")]
    kind: Annotated[Literal["added", "removed", "changed", "text"], Field(title="Kind")]
    removed_lines: Annotated[int | None, Field(title="Removed Lines")] = None
    truncated: Annotated[bool | None, Field(title="Truncated")] = None


class ChangePage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[ChangeOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")]


class CrawlResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    duration_s: Annotated[float, Field(title="Duration S")]
    errors: Annotated[int, Field(title="Errors")]
    failed_pages: Annotated[list[FailedPage], Field(title="Failed Pages")]
    incremental: IncrementalCounts | None = None
    pages: Annotated[int, Field(title="Pages")]
    pages_per_s: Annotated[float | None, Field(title="Pages Per S")]
    records: Annotated[int, Field(title="Records")]
    stopped_by: Annotated[Literal["max_pages", "frontier_exhausted"], Field(title="Stopped By")]
    url: Annotated[str, Field(title="Url")]


class ErrorDetail(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    code: Annotated[
        str,
        Field(
            description="Stable, machine-readable: `not_found`, `validation_error`, ...",
            title="Code",
        ),
    ]
    details: Annotated[list[FieldError] | dict[str, Any] | None, Field(title="Details")] = None
    message: Annotated[str, Field(title="Message")]


class JobCreated(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    job_id: Annotated[str, Field(title="Job Id")]
    status: Annotated[
        Literal["queued", "running", "completed", "failed", "cancelled", "paused"],
        Field(
            description="`queued`, or where a replayed request's job is now.",
            title="JobStatus",
        ),
    ]


class JoinStep(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    how: Annotated[Literal["inner", "left", "right", "outer"] | None, Field(title="How")] = "left"
    left_on: Annotated[LeftOn | None, Field(title="Left On")] = None
    on: Annotated[On | None, Field(title="On")] = None
    op: Annotated[Literal["join"], Field(title="Op")]
    right_on: Annotated[RightOn | None, Field(title="Right On")] = None
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource,
        Field(discriminator="type", title="Source"),
    ]
    suffix: Annotated[str | None, Field(max_length=50, min_length=1, title="Suffix")] = "_right"


class KeyCreated(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    created_at: Annotated[str, Field(title="Created At")]
    daily_jobs: Annotated[int | None, Field(title="Daily Jobs")] = None
    key: Annotated[str, Field(title="Key")]
    key_id: Annotated[str, Field(title="Key Id")]
    name: Annotated[str, Field(title="Name")]
    prefix: Annotated[
        str,
        Field(
            description="The key's first characters, to tell keys apart.",
            title="Prefix",
        ),
    ]
    rate_per_minute: Annotated[int | None, Field(title="Rate Per Minute")] = None
    revoked_at: Annotated[str | None, Field(title="Revoked At")] = None
    scope: Annotated[
        Literal["read", "write", "admin"],
        Field(
            description="What a key may do; each scope includes the ones before it.",
            title="Scope",
        ),
    ]


class KeyIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    daily_jobs: Annotated[
        DailyJobs | None,
        Field(description="Jobs a UTC day; unlimited when absent.", title="Daily Jobs"),
    ] = None
    name: Annotated[
        str,
        Field(
            description="Unique; recorded on every job the key queues.",
            max_length=64,
            min_length=1,
            title="Name",
        ),
    ]
    rate_per_minute: Annotated[
        RatePerMinute | None,
        Field(
            description="Requests a minute (per API process); unlimited when absent.",
            title="Rate Per Minute",
        ),
    ] = None
    scope: Annotated[
        Literal["read", "write", "admin"],
        Field(
            description="What a key may do; each scope includes the ones before it.",
            title="Scope",
        ),
    ]


class KeyOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    created_at: Annotated[str, Field(title="Created At")]
    daily_jobs: Annotated[int | None, Field(title="Daily Jobs")] = None
    key_id: Annotated[str, Field(title="Key Id")]
    name: Annotated[str, Field(title="Name")]
    prefix: Annotated[
        str,
        Field(
            description="The key's first characters, to tell keys apart.",
            title="Prefix",
        ),
    ]
    rate_per_minute: Annotated[int | None, Field(title="Rate Per Minute")] = None
    revoked_at: Annotated[str | None, Field(title="Revoked At")] = None
    scope: Annotated[
        Literal["read", "write", "admin"],
        Field(
            description="What a key may do; each scope includes the ones before it.",
            title="Scope",
        ),
    ]


class KeyPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[KeyOut], Field(title="Items")]


class KeySeries(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    key: Annotated[dict[str, Any], Field(title="Key")]
    points: Annotated[list[SeriesPoint], Field(title="Points")]


class LoginIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions: Annotated[
        list[
            Annotated[
                WaitAction
                | ClickAction
                | WriteAction
                | PressAction
                | SelectAction
                | HoverAction
                | ScrollAction
                | ScreenshotAction
                | ScrapeAction
                | PdfAction
                | EvaluateAction,
                Field(discriminator="type"),
            ]
        ],
        Field(max_length=100, min_length=1, title="Actions"),
    ]
    url: Annotated[str, Field(examples=["https://shop.example/login"], title="Url")]


class MapRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    exclude: Annotated[
        list[str] | None,
        Field(description="URL regexes to skip.", max_length=50, title="Exclude"),
    ] = None
    include: Annotated[
        list[str] | None,
        Field(description="URL regexes to keep.", max_length=50, title="Include"),
    ] = None
    include_subdomains: Annotated[
        bool | None,
        Field(
            description="Keep URLs of the site's subdomains too.",
            title="Include Subdomains",
        ),
    ] = False
    links: Annotated[
        bool | None,
        Field(description="Add the links of the start page.", title="Links"),
    ] = True
    max_attempts: Annotated[MaxAttempts | None, Field(title="Max Attempts")] = None
    max_urls: Annotated[
        int | None,
        Field(description="Stop after this many URLs.", ge=1, le=100000, title="Max Urls"),
    ] = 5000
    name: Annotated[
        Name | None,
        Field(description="A name to find this run by (`latest` sources).", title="Name"),
    ] = None
    options: ScrapeOptionsIn | None = None
    priority: Annotated[
        int | None,
        Field(description="Higher runs first.", ge=-100, le=100, title="Priority"),
    ] = 0
    search: Annotated[
        Search | None,
        Field(
            description="Keep only URLs holding every word of this text (case-insensitive; `-`, `_`, `/` count as spaces), those holding it whole first.",
            title="Search",
        ),
    ] = None
    session: Annotated[
        Session1 | None,
        Field(
            description="A saved session whose cookies the requests send.",
            title="Session",
        ),
    ] = None
    sitemaps: Annotated[
        bool | None,
        Field(
            description="Read the sitemaps robots.txt names (else /sitemap.xml).",
            title="Sitemaps",
        ),
    ] = True
    timeout_seconds: Annotated[
        TimeoutSeconds | None,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            title="Timeout Seconds",
        ),
    ] = None
    url: Annotated[
        str,
        Field(
            description="The site's start page (its origin's robots.txt names the sitemaps).",
            examples=["https://shop.example/"],
            title="Url",
        ),
    ]
    webhook: WebhookIn | None = None


class MonitorOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    compare: Annotated[list[str] | None, Field(title="Compare")]
    conditions: Annotated[list[dict[str, Any]], Field(title="Conditions")]
    confirm_removals: Annotated[bool, Field(title="Confirm Removals")]
    created_at: Annotated[str, Field(title="Created At")]
    cron: Annotated[str | None, Field(title="Cron")]
    enabled: Annotated[bool, Field(title="Enabled")]
    every: Annotated[str | None, Field(title="Every")]
    ignore: Annotated[list[str], Field(title="Ignore")]
    key: Annotated[list[str], Field(title="Key")]
    last_change_at: Annotated[str | None, Field(title="Last Change At")]
    last_check: LastCheck | None
    match: Annotated[Literal["all", "any"], Field(title="Match")]
    min_ratio: Annotated[float, Field(title="Min Ratio")]
    monitor_id: Annotated[str, Field(title="Monitor Id")]
    name: Annotated[str, Field(title="Name")]
    next_check_at: Annotated[str | None, Field(title="Next Check At")]
    notify: Annotated[list[NotifyTargetOut], Field(title="Notify")]
    records: Annotated[int, Field(description="Records in the last good snapshot.", title="Records")]
    target: Annotated[
        dict[str, Any],
        Field(description="The scrape each check runs, as accepted.", title="Target"),
    ]
    timezone: Annotated[str, Field(title="Timezone")]
    updated_at: Annotated[str, Field(title="Updated At")]


class MonitorPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[MonitorOut], Field(title="Items")]


class PipelineIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    description: Annotated[Description | None, Field(title="Description")] = None
    name: Annotated[str, Field(pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$", title="Name")]
    output: Annotated[
        OutputSpec | list[OutputSpec] | None,
        Field(
            description="Files to write; the output rows are stored on the job either way.",
            title="Output",
        ),
    ] = None
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource | None,
        Field(
            description="May be left out for pipelines that only run chained after a scrape.",
            title="Source",
        ),
    ] = None
    steps: Annotated[
        list[
            Annotated[
                SelectStep
                | DropStep
                | RenameStep
                | CastStep
                | FillNullStep
                | DropNullStep
                | DedupeStep
                | FilterStep
                | SortStep
                | LimitStep
                | TrimStep
                | NormalizeStep
                | RegexExtractStep
                | SplitStep
                | MergeStep
                | DeriveStep
                | JoinStep
                | AppendStep
                | AggregateStep
                | ValidateStep,
                Field(discriminator="op"),
            ]
        ]
        | None,
        Field(max_length=100, title="Steps"),
    ] = None
    store_records: Annotated[
        bool | None,
        Field(
            description="Store the output rows on the job (paged by /api/jobs/{id}/results).",
            title="Store Records",
        ),
    ] = True


class PipelineSpec(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    description: Annotated[Description | None, Field(title="Description")] = None
    name: Annotated[Name5 | None, Field(title="Name")] = None
    output: Annotated[
        OutputSpec | list[OutputSpec] | None,
        Field(
            description="Files to write; the output rows are stored on the job either way.",
            title="Output",
        ),
    ] = None
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource | None,
        Field(
            description="May be left out for pipelines that only run chained after a scrape.",
            title="Source",
        ),
    ] = None
    steps: Annotated[
        list[
            Annotated[
                SelectStep
                | DropStep
                | RenameStep
                | CastStep
                | FillNullStep
                | DropNullStep
                | DedupeStep
                | FilterStep
                | SortStep
                | LimitStep
                | TrimStep
                | NormalizeStep
                | RegexExtractStep
                | SplitStep
                | MergeStep
                | DeriveStep
                | JoinStep
                | AppendStep
                | AggregateStep
                | ValidateStep,
                Field(discriminator="op"),
            ]
        ]
        | None,
        Field(max_length=100, title="Steps"),
    ] = None
    store_records: Annotated[
        bool | None,
        Field(
            description="Store the output rows on the job (paged by /api/jobs/{id}/results).",
            title="Store Records",
        ),
    ] = True


class ProxiesHealth(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    cooling: Annotated[int, Field(title="Cooling")]
    items: Annotated[
        list[ProxyOut] | None,
        Field(description="Only with the API key.", title="Items"),
    ] = None
    total: Annotated[int, Field(title="Total")]


class RuleReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[str, Field(title="Check")]
    column: Annotated[str, Field(title="Column")]
    description: Annotated[str, Field(title="Description")]
    failed: Annotated[int, Field(title="Failed")]
    failed_job: Annotated[bool | None, Field(description="This rule failed the run.", title="Failed Job")] = (
        None
    )
    on_fail: Annotated[Literal["drop", "warn", "fail"], Field(title="On Fail")]
    rule: Annotated[int, Field(title="Rule")]
    samples: Annotated[list[RuleSample], Field(title="Samples")]
    step: Annotated[int, Field(title="Step")]
    would_fail: Annotated[
        bool | None,
        Field(description="Preview: a run would fail on this rule.", title="Would Fail"),
    ] = None


class ScrapeRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    actions: Annotated[
        list[
            Annotated[
                WaitAction
                | ClickAction
                | WriteAction
                | PressAction
                | SelectAction
                | HoverAction
                | ScrollAction
                | ScreenshotAction
                | ScrapeAction
                | PdfAction
                | EvaluateAction,
                Field(discriminator="type"),
            ]
        ]
        | None,
        Field(
            description="Browser actions run in order on the page before it is extracted (see docs/scraping.md).",
            max_length=100,
            title="Actions",
        ),
    ] = None
    crawl: CrawlIn | None = None
    exclude_selectors: Annotated[
        list[str] | None,
        Field(
            description="CSS selectors: `markdown` and `text` drop what they match.",
            max_length=50,
            title="Exclude Selectors",
        ),
    ] = None
    formats: Annotated[
        list[
            Literal[
                "data",
                "markdown",
                "text",
                "links",
                "metadata",
                "html",
                "screenshot",
                "pdf",
            ]
        ]
        | None,
        Field(max_length=8, title="Formats"),
    ] = None
    include_selectors: Annotated[
        list[str] | None,
        Field(
            description="CSS selectors: `markdown` and `text` keep only what they match.",
            max_length=50,
            title="Include Selectors",
        ),
    ] = None
    max_attempts: Annotated[MaxAttempts | None, Field(title="Max Attempts")] = None
    name: Annotated[
        Name6 | None,
        Field(description="A name to find this run by (`latest` sources).", title="Name"),
    ] = None
    only_main_content: Annotated[
        bool | None,
        Field(
            description="`markdown` and `text` hold the page's main content; false keeps the whole page.",
            title="Only Main Content",
        ),
    ] = True
    options: ScrapeOptionsIn | None = None
    priority: Annotated[
        int | None,
        Field(description="Higher runs first.", ge=-100, le=100, title="Priority"),
    ] = 0
    schema_: Annotated[
        dict[str, Any] | None,
        Field(
            alias="schema",
            description="Fields to extract, in any of the four forms (see docs/scraping.md).",
            title="Schema",
        ),
    ] = None
    session: Annotated[
        Session2 | None,
        Field(
            description="A saved session (`/api/sessions`) by name: its cookies go with every request, its storage state into the browser; it logs in first when needed.",
            title="Session",
        ),
    ] = None
    strategy: Annotated[Literal["static", "dynamic", "auto"] | None, Field(title="Strategy")] = "static"
    then: ThenIn | None = None
    timeout_seconds: Annotated[
        TimeoutSeconds | None,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            title="Timeout Seconds",
        ),
    ] = None
    url: Annotated[str, Field(examples=["https://shop.example/p/1"], title="Url")]
    webhook: WebhookIn | None = None


class SeriesOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    field: Annotated[str, Field(title="Field")]
    series: Annotated[list[KeySeries], Field(title="Series")]


class SessionIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    check: Annotated[
        CheckIn | None,
        Field(
            description="Tells whether the stored state is still logged in; when it fails the login runs again (once per job)."
        ),
    ] = None
    cookies: Annotated[
        list[CookieIn] | str | None,
        Field(
            description="Cookie objects (name, value, domain, path, expires, httpOnly, secure, sameSite), or the text of a Netscape cookies.txt.",
            title="Cookies",
        ),
    ] = None
    login: LoginIn | None = None
    name: Annotated[
        str,
        Field(
            description="Unique; scrapes name it in `session`.",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]
    storage_state: StorageStateIn | None = None


class UploadOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    content_type: Annotated[str | None, Field(title="Content Type")] = None
    created_at: Annotated[str, Field(title="Created At")]
    filename: Annotated[
        str,
        Field(
            description="The client's file name, sanitised (for display only).",
            title="Filename",
        ),
    ]
    format: Annotated[Literal["csv", "json", "jsonl", "xlsx", "parquet"], Field(title="Format")]
    size_bytes: Annotated[int, Field(title="Size Bytes")]
    source: UploadRef
    upload_id: Annotated[str, Field(title="Upload Id")]


class UploadPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[UploadOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")] = None


class ValidationReport(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    rows_dropped: Annotated[int, Field(title="Rows Dropped")]
    rows_failed: Annotated[int, Field(title="Rows Failed")]
    rules: Annotated[list[RuleReport], Field(title="Rules")]


class ErrorBody(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    error: ErrorDetail


class HealthOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    capabilities: Annotated[dict[str, CapabilityHealth], Field(title="Capabilities")]
    database: DatabaseHealth
    features: Features
    limits: Limits
    problems: Annotated[
        list[str],
        Field(
            description="One line per kind some live worker cannot run.",
            title="Problems",
        ),
    ]
    proxies: Annotated[
        ProxiesHealth | None,
        Field(description="Present once a worker has sent requests through PROXY_URLS."),
    ] = None
    queue: QueueCounts
    status: Annotated[Literal["ok"], Field(title="Status")]
    version: Annotated[str, Field(title="Version")]
    workers: WorkersHealth


class MonitorIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    compare: Annotated[
        Compare | None,
        Field(
            description="Fields to compare (default: every field but the key).",
            title="Compare",
        ),
    ] = None
    conditions: Annotated[list[Condition] | None, Field(max_length=50, title="Conditions")] = None
    confirm_removals: Annotated[
        bool | None,
        Field(
            description="Report a removed record only once a second check also misses it.",
            title="Confirm Removals",
        ),
    ] = True
    cron: Annotated[Cron | None, Field(examples=["*/15 * * * *"], title="Cron")] = None
    enabled: Annotated[bool | None, Field(title="Enabled")] = True
    every: Annotated[
        Every | None,
        Field(description="`30s`, `15m`, `1h`, `1d`.", examples=["15m"], title="Every"),
    ] = None
    ignore: Annotated[
        list[str] | None,
        Field(
            description="Regexes removed from text before comparing.",
            max_length=50,
            title="Ignore",
        ),
    ] = None
    key: Annotated[
        list[str] | None,
        Field(
            description="Fields that identify a record: `url` (the record's URL) or data field names.",
            max_length=10,
            min_length=1,
            title="Key",
        ),
    ] = None
    match: Annotated[
        Literal["all", "any"] | None,
        Field(description="Whether all conditions must hold, or any.", title="Match"),
    ] = "all"
    min_ratio: Annotated[
        float | None,
        Field(
            description="A check with fewer than this share of the last good check's records is suspect: reported, never applied as removals.",
            ge=0.0,
            le=1.0,
            title="Min Ratio",
        ),
    ] = 0.5
    name: Annotated[
        str,
        Field(
            description="Unique; also the name of every check job.",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]
    notify: Annotated[list[NotifyTarget] | None, Field(max_length=20, title="Notify")] = None
    target: Annotated[
        ScrapeRequest,
        Field(description="The scrape each check runs (url, schema, strategy, crawl...)."),
    ]
    timezone: Annotated[str | None, Field(max_length=64, title="Timezone")] = "UTC"


class PipelinePreviewRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    max_attempts: Annotated[MaxAttempts | None, Field(title="Max Attempts")] = None
    name: Annotated[
        Name3 | None,
        Field(description="A name to find this run by (`latest` sources).", title="Name"),
    ] = None
    pipeline: PipelineSpec | None = None
    pipeline_id: Annotated[PipelineId | None, Field(title="Pipeline Id")] = None
    priority: Annotated[
        int | None,
        Field(
            description="Previews are interactive: ahead by default.",
            ge=-100,
            le=100,
            title="Priority",
        ),
    ] = 50
    rows: Annotated[
        int | None,
        Field(description="Rows read from the source.", ge=1, le=1000, title="Rows"),
    ] = 20
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource | None,
        Field(description="Replaces the pipeline's own source.", title="Source"),
    ] = None
    timeout_seconds: Annotated[
        TimeoutSeconds | None,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            title="Timeout Seconds",
        ),
    ] = None
    webhook: WebhookIn | None = None


class PipelinePreviewResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[str], Field(title="Columns")]
    joined_sources: Annotated[
        dict[str, SourceReport] | None,
        Field(
            description="The sources of join and append steps, by `steps[i]`.",
            title="Joined Sources",
        ),
    ] = None
    memory: MemoryReport
    pipeline: PipelineRef
    preview_rows: Annotated[list[dict[str, Any]], Field(title="Preview Rows")]
    rows: Annotated[int, Field(title="Rows")]
    source: SourceReport
    steps: Annotated[list[StepReport], Field(title="Steps")]
    timings: PipelineTimings
    truncated: Annotated[bool, Field(title="Truncated")]
    validation: ValidationReport | None = None


class PipelineProgress(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    format: Annotated[str | None, Field(title="Format")] = None
    op: Annotated[str | None, Field(title="Op")] = None
    phase: Annotated[
        Literal["preparing", "reading", "step", "writing", "storing", "done", "failed"],
        Field(title="Phase"),
    ]
    records: Annotated[int | None, Field(title="Records")] = None
    rows: Annotated[int | None, Field(title="Rows")] = None
    rows_done: Annotated[
        int | None,
        Field(
            description="Rows read so far (`reading`), the rows the step works on (`step`), rows written (`writing`) or stored on the job (`storing`).",
            title="Rows Done",
        ),
    ] = None
    rows_read: Annotated[int | None, Field(title="Rows Read")] = None
    rows_total: Annotated[
        int | None,
        Field(
            description="How many rows `rows_done` counts towards, where known.",
            title="Rows Total",
        ),
    ] = None
    rules: Annotated[
        list[RuleReport] | None,
        Field(description="The rules that failed the run.", title="Rules"),
    ] = None
    step: Annotated[
        int | None,
        Field(description="The step running (or failing), by index.", title="Step"),
    ] = None
    steps: Annotated[list[StepReport] | None, Field(title="Steps")] = None
    steps_total: Annotated[int | None, Field(description="The pipeline's steps.", title="Steps Total")] = None
    url: Annotated[
        str | None,
        Field(description="The source URL that could not be read.", title="Url"),
    ] = None
    validation: ValidationReport | None = None


class PipelineRunRequest(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    max_attempts: Annotated[MaxAttempts | None, Field(title="Max Attempts")] = None
    name: Annotated[
        Name3 | None,
        Field(description="A name to find this run by (`latest` sources).", title="Name"),
    ] = None
    pipeline: PipelineSpec | None = None
    pipeline_id: Annotated[PipelineId | None, Field(title="Pipeline Id")] = None
    priority: Annotated[
        int | None,
        Field(description="Higher runs first.", ge=-100, le=100, title="Priority"),
    ] = 0
    source: Annotated[
        JobSource | LatestSource | UploadSource | InlineSource | UrlSource | None,
        Field(description="Replaces the pipeline's own source.", title="Source"),
    ] = None
    timeout_seconds: Annotated[
        TimeoutSeconds | None,
        Field(
            description="Hard time limit of the job (capped by JOB_TIMEOUT_MAX_SECONDS).",
            title="Timeout Seconds",
        ),
    ] = None
    webhook: WebhookIn | None = None


class PipelineRunResult(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    columns: Annotated[list[str], Field(title="Columns")]
    joined_sources: Annotated[
        dict[str, SourceReport] | None,
        Field(
            description="The sources of join and append steps, by `steps[i]`.",
            title="Joined Sources",
        ),
    ] = None
    memory: MemoryReport
    outputs: Annotated[list[OutputReport], Field(title="Outputs")]
    pipeline: PipelineRef
    records: Annotated[
        int | None,
        Field(description="Rows stored as the job's records.", title="Records"),
    ] = None
    rows: Annotated[int, Field(title="Rows")]
    source: SourceReport
    steps: Annotated[list[StepReport], Field(title="Steps")]
    timings: PipelineTimings
    validation: ValidationReport | None = None


class ScheduleIn(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    cron: Annotated[str, Field(examples=["0 6 * * *"], max_length=100, min_length=1, title="Cron")]
    enabled: Annotated[bool | None, Field(title="Enabled")] = True
    job: Annotated[
        ScrapeRequest | PipelineRunRequest,
        Field(
            description='A scrape request, or a pipeline run (`{"pipeline_id": ...}`).',
            title="Job",
        ),
    ]
    name: Annotated[
        str,
        Field(
            description="Unique; also the name of every job it queues.",
            pattern="^[A-Za-z0-9][A-Za-z0-9 ._:-]{0,199}$",
            title="Name",
        ),
    ]
    timezone: Annotated[str | None, Field(examples=["Europe/Berlin"], max_length=64, title="Timezone")] = (
        "UTC"
    )


class JobOut(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    attempts: Annotated[int, Field(title="Attempts")]
    cancel_requested: Annotated[bool | None, Field(title="Cancel Requested")] = False
    created_at: Annotated[str, Field(title="Created At")]
    created_by: Annotated[
        str | None,
        Field(
            description="The name of the API key that queued the job (`API_KEY` for the bootstrap key); null when the API was open or a schedule, monitor or other job queued it.",
            title="Created By",
        ),
    ] = None
    error: JobError | None = None
    finished_at: Annotated[str | None, Field(title="Finished At")] = None
    job_id: Annotated[str, Field(title="Job Id")]
    label: Annotated[str | None, Field(title="Label")] = None
    max_attempts: Annotated[int, Field(title="Max Attempts")]
    name: Annotated[str | None, Field(title="Name")] = None
    parent_id: Annotated[
        str | None,
        Field(
            description="The job that queued this one (`then`, webhooks).",
            title="Parent Id",
        ),
    ] = None
    pause_requested: Annotated[
        bool | None,
        Field(
            description="A pause was asked for; the worker stops the job within seconds.",
            title="Pause Requested",
        ),
    ] = False
    priority: Annotated[int | None, Field(title="Priority")] = 0
    progress: Annotated[
        ScrapeProgress | PipelineProgress | dict[str, Any] | None,
        Field(title="Progress"),
    ] = None
    request: Annotated[
        dict[str, Any] | None,
        Field(
            description="The request as queued. A batch of more than 10 URLs shows its first 10 in `urls` and their number in `urls_total`; `GET /api/jobs/{job_id}/request` answers the whole request.",
            title="Request",
        ),
    ] = None
    result: Annotated[
        ScrapePageResult
        | CrawlResult
        | BatchResult
        | MapResult
        | PipelineRunResult
        | PipelinePreviewResult
        | WebhookDeliveryResult
        | MonitorCompareResult
        | MonitorNotifyResult
        | dict[str, Any]
        | None,
        Field(title="Result"),
    ] = None
    retry_at: Annotated[
        str | None,
        Field(description="When the next attempt may start.", title="Retry At"),
    ] = None
    schedule_id: Annotated[
        str | None,
        Field(description="The schedule that queued this job.", title="Schedule Id"),
    ] = None
    started_at: Annotated[str | None, Field(title="Started At")] = None
    status: Annotated[
        Literal["queued", "running", "completed", "failed", "cancelled", "paused"],
        Field(
            description="Where a job is in its life; only `store/jobqueue.py` writes it.",
            title="JobStatus",
        ),
    ]
    type: Annotated[
        str,
        Field(
            description="A built-in job type (`scrape.page`, ...) or one added with WORKER_HANDLERS.",
            title="Type",
        ),
    ]
    webhook: WebhookOut | None = None


class JobPage(BaseModel):
    model_config = ConfigDict(
        extra="allow",
    )
    items: Annotated[list[JobOut], Field(title="Items")]
    next_cursor: Annotated[str | None, Field(title="Next Cursor")] = None
