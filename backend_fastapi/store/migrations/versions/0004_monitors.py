"""monitors: watched pages, their last good snapshot, checks and changes

Revision ID: 0004
Revises: 0003
Create Date: 2026-12-03

A monitor owns a schedule row (`schedules.monitor_id`), so its checks fire through the schedules
machinery. `monitor_records` holds the last good snapshot by record key (unchanged records are
never rewritten); `monitor_checks` one row per check (unchanged checks in a row share one);
`monitor_changes` the record-level history. `jobs.parent_id` is indexed: a monitor deletes the jobs
of a check it folded into the next by it.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0004"
down_revision = "0003"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("schedules", sa.Column("monitor_id", sa.String(36), nullable=True))
    op.create_index("ix_jobs_parent_id", "jobs", ["parent_id"])
    op.create_table(
        "monitors",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("definition", sa.JSON(), nullable=False),
        sa.Column("schedule_id", sa.String(36), nullable=False),
        sa.Column("state_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("applied_job_created_at", sa.Float(), nullable=True),
        sa.Column("records", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_check_id", sa.String(36), nullable=True),
        sa.Column("last_status", sa.String(16), nullable=True),
        sa.Column("last_checked_at", sa.Float(), nullable=True),
        sa.Column("last_change_at", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitors")),
        sa.UniqueConstraint("name", name=op.f("uq_monitors_name")),
    )
    op.create_table(
        "monitor_records",
        sa.Column("monitor_id", sa.String(36), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("data", sa.JSON(), nullable=False),
        sa.Column("digest", sa.String(64), nullable=False),
        sa.Column("missing", sa.Integer(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("monitor_id", "key", name=op.f("pk_monitor_records")),
    )
    op.create_table(
        "monitor_checks",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("monitor_id", sa.String(36), nullable=False),
        sa.Column("job_id", sa.String(36), nullable=False),
        sa.Column("status", sa.String(16), nullable=False),
        sa.Column("counts", sa.JSON(), nullable=False),
        sa.Column("message", sa.Text(), nullable=True),
        sa.Column("notified", sa.Integer(), server_default="0", nullable=False),
        sa.Column("checked_at", sa.Float(), nullable=False),
        sa.Column("repeats", sa.Integer(), server_default="1", nullable=False),
        sa.Column("first_checked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_checks")),
        sa.UniqueConstraint("job_id", name=op.f("uq_monitor_checks_job_id")),
    )
    op.create_index("ix_monitor_checks_monitor_id_checked_at", "monitor_checks", ["monitor_id", "checked_at"])
    op.create_table(
        "monitor_changes",
        sa.Column("id", sa.Integer(), autoincrement=True, nullable=False),
        sa.Column("monitor_id", sa.String(36), nullable=False),
        sa.Column("check_id", sa.String(36), nullable=False),
        sa.Column("kind", sa.String(16), nullable=False),
        sa.Column("key", sa.Text(), nullable=False),
        sa.Column("change", sa.JSON(), nullable=False),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_monitor_changes")),
    )
    op.create_index("ix_monitor_changes_monitor_id_id", "monitor_changes", ["monitor_id", "id"])
    op.create_index("ix_monitor_changes_check_id", "monitor_changes", ["check_id"])


def downgrade() -> None:
    op.drop_table("monitor_changes")
    op.drop_table("monitor_checks")
    op.drop_table("monitor_records")
    op.drop_table("monitors")
    op.drop_index("ix_jobs_parent_id", table_name="jobs")
    with op.batch_alter_table("schedules", schema=None) as batch_op:
        batch_op.drop_column("monitor_id")
