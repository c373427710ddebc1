"""crawl_frontier.failure: why a crawl's page failed, kept for the attempt that resumes the crawl

Revision ID: 0011
Revises: 0010
Create Date: 2026-12-04
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0011"
down_revision = "0010"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("crawl_frontier", sa.Column("failure", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("crawl_frontier") as batch:
        batch.drop_column("failure")
