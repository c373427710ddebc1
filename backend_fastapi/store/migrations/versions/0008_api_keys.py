"""api_keys: a team's API keys; jobs.created_by: the key that queued a job

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0008"
down_revision = "0007"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "api_keys",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(64), nullable=False),
        sa.Column("prefix", sa.String(16), nullable=False),
        sa.Column("key_hash", sa.String(64), nullable=False),
        sa.Column("scope", sa.String(16), nullable=False),
        sa.Column("rate_per_minute", sa.Integer(), nullable=True),
        sa.Column("daily_jobs", sa.Integer(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("revoked_at", sa.Float(), nullable=True),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_api_keys")),
        sa.UniqueConstraint("name", name=op.f("uq_api_keys_name")),
    )
    op.create_index(op.f("ix_api_keys_prefix"), "api_keys", ["prefix"])
    op.add_column("jobs", sa.Column("created_by", sa.String(64), nullable=True))
    op.create_index("ix_jobs_created_by_created_at", "jobs", ["created_by", "created_at"])


def downgrade() -> None:
    op.drop_index("ix_jobs_created_by_created_at", table_name="jobs")
    # Plain ALTER on both databases (SQLite >= 3.35): a batch copy of `jobs` would lose its
    # expression index, which SQLite cannot reflect.
    op.execute("ALTER TABLE jobs DROP COLUMN created_by")
    op.drop_index(op.f("ix_api_keys_prefix"), table_name="api_keys")
    op.drop_table("api_keys")
