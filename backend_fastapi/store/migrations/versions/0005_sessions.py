"""sessions: logins scrapes use by name, their secrets sealed

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-04

The login spec's typed text and the cookies / storage state are Fernet tokens (text columns);
`login_owner`/`login_until` are the lease that lets one job at a time log in.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0005"
down_revision = "0004"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "sessions",
        sa.Column("id", sa.String(36), nullable=False),
        sa.Column("name", sa.String(200), nullable=False),
        sa.Column("spec", sa.JSON(), nullable=False),
        sa.Column("sealed_login", sa.Text(), nullable=True),
        sa.Column("sealed_state", sa.Text(), nullable=True),
        sa.Column("state_summary", sa.JSON(), nullable=True),
        sa.Column("state_version", sa.Integer(), server_default="0", nullable=False),
        sa.Column("last_login_at", sa.Float(), nullable=True),
        sa.Column("last_check_at", sa.Float(), nullable=True),
        sa.Column("last_error", sa.Text(), nullable=True),
        sa.Column("login_owner", sa.String(100), nullable=True),
        sa.Column("login_until", sa.Float(), nullable=True),
        sa.Column("created_at", sa.Float(), nullable=False),
        sa.Column("updated_at", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("id", name=op.f("pk_sessions")),
        sa.UniqueConstraint("name", name=op.f("uq_sessions_name")),
    )


def downgrade() -> None:
    op.drop_table("sessions")
