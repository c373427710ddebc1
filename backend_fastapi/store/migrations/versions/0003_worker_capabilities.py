"""workers.capabilities: what each worker can run

Revision ID: 0003
Revises: 0002
Create Date: 2026-12-01

`{kind: "ok" | reason}` (e.g. `{"scrape.browser": "Chromium could not be started ..."}`), written
by the worker once its start-up check has run; NULL while it is still checking.
"""

from __future__ import annotations

import sqlalchemy as sa
from alembic import op

revision = "0003"
down_revision = "0002"
branch_labels = None
depends_on = None


def upgrade() -> None:
    op.add_column("workers", sa.Column("capabilities", sa.JSON(), nullable=True))


def downgrade() -> None:
    with op.batch_alter_table("workers", schema=None) as batch_op:
        batch_op.drop_column("capabilities")
