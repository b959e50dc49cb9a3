"""job_runs.finished_at: a digest run commits unit by unit, and one cut short is resumed

Revision ID: 0017
Revises: 0016
Create Date: 2026-12-07 15:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

import storage.types

revision: str = "0017"
down_revision: str | Sequence[str] | None = "0016"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.add_column(
            sa.Column("finished_at", storage.types.UtcDateTime(timezone=True), nullable=True)
        )
    # Every run before this revision committed whole.
    op.execute("UPDATE job_runs SET finished_at = ran_at")


def downgrade() -> None:
    with op.batch_alter_table("job_runs", schema=None) as batch_op:
        batch_op.drop_column("finished_at")
