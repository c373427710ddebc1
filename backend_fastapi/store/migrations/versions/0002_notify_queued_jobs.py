"""PostgreSQL: NOTIFY idle workers when a job becomes queued

Revision ID: 0002
Revises: 0001
Create Date: 2026-11-29

Statement-level triggers with a transition table: one cheap check per statement, and one
notification per transaction however many jobs it queued (PostgreSQL folds identical NOTIFYs).
SQLite needs nothing: workers there read the change counter (`PRAGMA data_version`).
"""

from __future__ import annotations

from alembic import op

revision = "0002"
down_revision = "0001"
branch_labels = None
depends_on = None

FUNCTION = """
CREATE OR REPLACE FUNCTION dataops_notify_queued() RETURNS trigger AS $$
BEGIN
    IF EXISTS (SELECT 1 FROM changed_jobs WHERE status = 'queued') THEN
        PERFORM pg_notify('dataops_jobs', '');
    END IF;
    RETURN NULL;
END
$$ LANGUAGE plpgsql
"""


def upgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    op.execute(FUNCTION)
    for event in ("INSERT", "UPDATE"):
        op.execute(
            f"CREATE TRIGGER jobs_notify_{event.lower()} AFTER {event} ON jobs "
            "REFERENCING NEW TABLE AS changed_jobs "
            "FOR EACH STATEMENT EXECUTE FUNCTION dataops_notify_queued()"
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "postgresql":
        return
    for event in ("insert", "update"):
        op.execute(f"DROP TRIGGER IF EXISTS jobs_notify_{event} ON jobs")
    op.execute("DROP FUNCTION IF EXISTS dataops_notify_queued()")
