"""host_gates, host_leases: per-host limits shared by every worker

Revision ID: 0007
Revises: 0006
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0007"
down_revision = "0006"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.create_table(
        "host_gates",
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("next_at", sa.Float(), server_default="0", nullable=False),
        sa.PrimaryKeyConstraint("host", name=op.f("pk_host_gates")),
    )
    op.create_table(
        "host_leases",
        sa.Column("host", sa.String(255), nullable=False),
        sa.Column("holder", sa.String(100), nullable=False),
        sa.Column("until", sa.Float(), nullable=False),
        sa.PrimaryKeyConstraint("host", "holder", name=op.f("pk_host_leases")),
    )


def downgrade() -> None:
    op.drop_table("host_leases")
    op.drop_table("host_gates")
