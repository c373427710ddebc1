"""The tables of DataOps (SQLAlchemy Core).

Times are stored as UNIX epoch seconds (float): comparisons and arithmetic on leases stay the
same SQL on SQLite and PostgreSQL, and the API formats them as ISO 8601 on the way out.
Nothing here declares foreign keys: child rows are deleted explicitly in `jobqueue.py`, in the same
transaction as their parent, so pruning stays a couple of indexed deletes on both databases.
"""

from __future__ import annotations

import sqlalchemy as sa

from backend_fastapi.jobtypes import FINISHED_STATUSES as FINISHED_STATUSES
from backend_fastapi.jobtypes import STATUSES as STATUSES
from backend_fastapi.jobtypes import JobStatus

metadata = sa.MetaData(
    naming_convention={
        "ix": "ix_%(table_name)s_%(column_0_N_name)s",
        "uq": "uq_%(table_name)s_%(column_0_N_name)s",
        "pk": "pk_%(table_name)s",
    }
)

# Job statuses (spelled in `jobtypes.py`); `jobqueue.py` is the only module that writes them.
# Their plain `str` values: sqlite3 binds a str subclass (the enum) through a slower adapter lookup,
# once per statement on the queue's hot path.
QUEUED: str = JobStatus.QUEUED.value
RUNNING: str = JobStatus.RUNNING.value
COMPLETED: str = JobStatus.COMPLETED.value
FAILED: str = JobStatus.FAILED.value
CANCELLED: str = JobStatus.CANCELLED.value
PAUSED: str = JobStatus.PAUSED.value


def status_is(*statuses: str) -> sa.ColumnElement[bool]:
    """`jobs.status` is one of `statuses`, as literal SQL."""
    # Literal SQL, not bound parameters: SQLite uses a partial index only when it can prove the
    # query's WHERE implies the index's `status = 'queued'` (or `'running'`).
    if len(statuses) == 1:
        return sa.text(f"jobs.status = '{statuses[0]}'")  # type: ignore[return-value]
    listed = ", ".join(f"'{s}'" for s in statuses)
    return sa.text(f"jobs.status IN ({listed})")  # type: ignore[return-value]


jobs = sa.Table(
    "jobs",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("type", sa.String(64), nullable=False),
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("name", sa.String(200)),
    sa.Column("label", sa.String(500)),
    sa.Column("payload", sa.JSON, nullable=False),
    sa.Column("priority", sa.Integer, nullable=False, server_default="0"),
    sa.Column("attempts", sa.Integer, nullable=False, server_default="0"),
    sa.Column("max_attempts", sa.Integer, nullable=False),
    sa.Column("run_after", sa.Float, nullable=False),
    sa.Column("locked_by", sa.String(100)),
    sa.Column("locked_until", sa.Float),
    sa.Column("cancel_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    # Asked to pause while running: the worker stops the job and it rests as `paused` (migration 0009).
    sa.Column("pause_requested", sa.Boolean, nullable=False, server_default=sa.false()),
    sa.Column("timeout_seconds", sa.Float, nullable=False),
    sa.Column("progress", sa.JSON),
    sa.Column("error_code", sa.String(64)),
    sa.Column("error_message", sa.Text),
    sa.Column("result", sa.JSON),
    sa.Column("webhook", sa.JSON),
    sa.Column("idempotency_key", sa.String(200)),
    sa.Column("request_hash", sa.String(64)),
    sa.Column("parent_id", sa.String(36)),
    sa.Column("schedule_id", sa.String(36)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("started_at", sa.Float),
    sa.Column("finished_at", sa.Float),
    sa.Column("updated_at", sa.Float, nullable=False),
    # The name of the API key that queued the job (`API_KEY` for the bootstrap key); NULL when the
    # API was open or the job was queued by a schedule, a monitor or another job.
    sa.Column("created_by", sa.String(64)),
    sa.UniqueConstraint("idempotency_key"),
    # The claim reads this partial index in priority order and nothing else.
    sa.Index(
        "ix_jobs_claim",
        sa.text("priority DESC"),
        "run_after",
        "id",
        sqlite_where=sa.text("status = 'queued'"),
        postgresql_where=sa.text("status = 'queued'"),
    ),
    # The reaper looks only at running jobs whose lease ran out.
    sa.Index(
        "ix_jobs_lease",
        "locked_until",
        sqlite_where=sa.text("status = 'running'"),
        postgresql_where=sa.text("status = 'running'"),
    ),
    sa.Index("ix_jobs_status_id", "status", "id"),
    sa.Index("ix_jobs_type_id", "type", "id"),
    sa.Index("ix_jobs_name_finished", "name", "finished_at"),
    sa.Index("ix_jobs_finished_at", "finished_at"),
    # A monitor drops the jobs of a check it folded into the next: the check job and what followed it.
    sa.Index("ix_jobs_parent_id", "parent_id"),
    # A key's daily job quota counts its jobs since UTC midnight.
    sa.Index("ix_jobs_created_by_created_at", "created_by", "created_at"),
)

# Records of a job, tagged with the attempt that wrote them: a rerun never mixes with an
# earlier attempt, and completion deletes every other attempt's rows (Architecture rule 5).
job_records = sa.Table(
    "job_records",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("attempt", sa.Integer, primary_key=True),
    sa.Column("seq", sa.Integer, primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
)

# A crawl's frontier and seen set as it runs (written at its checkpoints): the next attempt of a
# crawl whose worker died resumes from it. `key` is the URL's canonical form, `done` whether the
# page's records are stored. Rows go when the crawl ends, is retried by hand or is deleted.
crawl_frontier = sa.Table(
    "crawl_frontier",
    metadata,
    sa.Column("job_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("depth", sa.Integer, nullable=False),
    sa.Column("records", sa.Boolean, nullable=False),
    sa.Column("done", sa.Boolean, nullable=False, server_default=sa.false()),
    # A finished page that failed: {"url", "code", "message"}, counted again by a resumed attempt.
    sa.Column("failure", sa.JSON),
)

# Incremental crawls: the last state of every page a crawl lineage (a job name, a schedule, a monitor,
# or one request repeated) fetched, so the next crawl sends conditional requests, skips extracting
# unchanged pages and carries their records and links over.
crawl_pages = sa.Table(
    "crawl_pages",
    metadata,
    sa.Column("lineage", sa.String(64), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("etag", sa.Text),
    sa.Column("last_modified", sa.Text),
    sa.Column("content_hash", sa.String(64), nullable=False),
    sa.Column("records", sa.JSON, nullable=False),
    sa.Column("links", sa.JSON, nullable=False),
    sa.Column("job_id", sa.String(36), nullable=False),
    sa.Column("seen_at", sa.Float, nullable=False),
)

# Installation-wide politeness (HOST_MAX_CONCURRENCY, HOST_MAX_RPS): a row per host holds the next
# free start time of its rate, and a lease per request in flight counts against its concurrency
# (a lease outlives a killed worker only until `until`).
host_gates = sa.Table(
    "host_gates",
    metadata,
    sa.Column("host", sa.String(255), primary_key=True),
    sa.Column("next_at", sa.Float, nullable=False, server_default="0"),
)

host_leases = sa.Table(
    "host_leases",
    metadata,
    sa.Column("host", sa.String(255), primary_key=True),
    sa.Column("holder", sa.String(100), primary_key=True),
    sa.Column("until", sa.Float, nullable=False),
)

workers = sa.Table(
    "workers",
    metadata,
    sa.Column("id", sa.String(100), primary_key=True),
    sa.Column("hostname", sa.String(255), nullable=False),
    sa.Column("pid", sa.Integer, nullable=False),
    sa.Column("concurrency", sa.Integer, nullable=False),
    sa.Column("running", sa.Integer, nullable=False, server_default="0"),
    sa.Column("version", sa.String(32), nullable=False),
    sa.Column("started_at", sa.Float, nullable=False),
    sa.Column("last_heartbeat", sa.Float, nullable=False),
    # {kind: "ok" | reason} from the worker's start-up check (capabilities.py); NULL until then.
    sa.Column("capabilities", sa.JSON),
)

webhook_deliveries = sa.Table(
    "webhook_deliveries",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("job_id", sa.String(36), nullable=False, index=True),
    sa.Column("delivery_id", sa.String(36), nullable=False),
    sa.Column("event", sa.String(32), nullable=False),
    sa.Column("url", sa.Text, nullable=False),
    sa.Column("attempt", sa.Integer, nullable=False),
    sa.Column("status_code", sa.Integer),
    sa.Column("error", sa.Text),
    sa.Column("duration_ms", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
)

pipelines = sa.Table(
    "pipelines",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("description", sa.Text),
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

exports = sa.Table(
    "exports",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("job_id", sa.String(36), index=True),
    sa.Column("pipeline_id", sa.String(36)),
    sa.Column("name", sa.String(255), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("rows", sa.BigInteger, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
)

uploads = sa.Table(
    "uploads",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("filename", sa.String(255), nullable=False),
    sa.Column("format", sa.String(16), nullable=False),
    sa.Column("path", sa.Text, nullable=False),
    sa.Column("size_bytes", sa.BigInteger, nullable=False),
    sa.Column("content_type", sa.String(255)),
    sa.Column("created_at", sa.Float, nullable=False),
)

schedules = sa.Table(
    "schedules",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    sa.Column("cron", sa.String(100), nullable=False),
    sa.Column("timezone", sa.String(64), nullable=False),
    sa.Column("job", sa.JSON, nullable=False),
    sa.Column("enabled", sa.Boolean, nullable=False),
    sa.Column("next_run_at", sa.Float),
    sa.Column("last_run_at", sa.Float),
    sa.Column("last_job_id", sa.String(36)),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
    # Set for the schedule a monitor owns (hidden from /api/schedules); NULL for the user's own.
    sa.Column("monitor_id", sa.String(36)),
    sa.Index("ix_schedules_due", "enabled", "next_run_at"),
)

# --- monitors -------------------------------------------------------------------------------------
# A monitor owns one schedule row (`schedules.monitor_id`): its checks are fired exactly once per due
# time by the schedules machinery, and each check is a scrape job whose payload names the monitor.
monitors = sa.Table(
    "monitors",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    # The monitor as accepted (target, rules, notify, conditions), shown back by the API.
    sa.Column("definition", sa.JSON, nullable=False),
    sa.Column("schedule_id", sa.String(36), nullable=False),
    # Bumped by every applied check: a comparison writes only over the state it read.
    sa.Column("state_version", sa.Integer, nullable=False, server_default="0"),
    # The creation time of the newest check job applied: an older check finishing late is stale.
    sa.Column("applied_job_created_at", sa.Float),
    sa.Column("records", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_check_id", sa.String(36)),
    sa.Column("last_status", sa.String(16)),
    sa.Column("last_checked_at", sa.Float),
    sa.Column("last_change_at", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# The monitor's last good snapshot, one row per record key; only changed records are rewritten.
monitor_records = sa.Table(
    "monitor_records",
    metadata,
    sa.Column("monitor_id", sa.String(36), primary_key=True),
    sa.Column("key", sa.Text, primary_key=True),
    sa.Column("data", sa.JSON, nullable=False),
    sa.Column("digest", sa.String(64), nullable=False),
    sa.Column("missing", sa.Integer, nullable=False, server_default="0"),
)

monitor_checks = sa.Table(
    "monitor_checks",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("monitor_id", sa.String(36), nullable=False),
    sa.Column("job_id", sa.String(36), nullable=False),
    # baseline | unchanged | changed | failed | suspect | stale
    sa.Column("status", sa.String(16), nullable=False),
    sa.Column("counts", sa.JSON, nullable=False),
    sa.Column("message", sa.Text),
    sa.Column("notified", sa.Integer, nullable=False, server_default="0"),
    sa.Column("checked_at", sa.Float, nullable=False),
    # Unchanged checks in a row are one row: how many, and when the first of them ran.
    sa.Column("repeats", sa.Integer, nullable=False, server_default="1"),
    sa.Column("first_checked_at", sa.Float),
    sa.UniqueConstraint("job_id"),
    sa.Index("ix_monitor_checks_monitor_id_checked_at", "monitor_id", "checked_at"),
)

monitor_changes = sa.Table(
    "monitor_changes",
    metadata,
    sa.Column("id", sa.Integer, primary_key=True, autoincrement=True),
    sa.Column("monitor_id", sa.String(36), nullable=False),
    sa.Column("check_id", sa.String(36), nullable=False),
    sa.Column("kind", sa.String(16), nullable=False),
    sa.Column("key", sa.Text, nullable=False),
    sa.Column("change", sa.JSON, nullable=False),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Index("ix_monitor_changes_monitor_id_id", "monitor_id", "id"),
    sa.Index("ix_monitor_changes_check_id", "check_id"),
)

# --- sessions -------------------------------------------------------------------------------------
# A logged-in session scrapes use by name. Its secrets are Fernet tokens (`sealing.py`): the login
# spec when it carries typed text, and the cookies / storage state. What the API shows of the state
# (`state_summary`: cookie count and domains) is kept beside it in clear, so reads never decrypt.
sessions = sa.Table(
    "sessions",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(200), nullable=False, unique=True),
    # How it was made (login, storage_state, cookies), the login with typed text redacted, the check.
    sa.Column("spec", sa.JSON, nullable=False),
    sa.Column("sealed_login", sa.Text),
    sa.Column("sealed_state", sa.Text),
    sa.Column("state_summary", sa.JSON),
    # Bumped by every new state: a job that waited for another's login sees it changed.
    sa.Column("state_version", sa.Integer, nullable=False, server_default="0"),
    sa.Column("last_login_at", sa.Float),
    sa.Column("last_check_at", sa.Float),
    sa.Column("last_error", sa.Text),
    # The login lease: one job at a time logs in, across workers (fenced by owner).
    sa.Column("login_owner", sa.String(100)),
    sa.Column("login_until", sa.Float),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("updated_at", sa.Float, nullable=False),
)

# --- API keys -------------------------------------------------------------------------------------
# A team's API keys. The key itself is never stored: its SHA-256 (`apikeys.py`) and, for display and
# lookup, its first characters (`prefix`). A revoked key keeps its row, so the jobs it queued still
# name it and its name is never given to another key.
api_keys = sa.Table(
    "api_keys",
    metadata,
    sa.Column("id", sa.String(36), primary_key=True),
    sa.Column("name", sa.String(64), nullable=False, unique=True),
    sa.Column("prefix", sa.String(16), nullable=False, index=True),
    sa.Column("key_hash", sa.String(64), nullable=False),
    sa.Column("scope", sa.String(16), nullable=False),
    # Requests per minute (per API process) and jobs per UTC day; NULL is unlimited.
    sa.Column("rate_per_minute", sa.Integer),
    sa.Column("daily_jobs", sa.Integer),
    sa.Column("created_at", sa.Float, nullable=False),
    sa.Column("revoked_at", sa.Float),
)
