"""report_photos.file_ref as text: a signed photo URL is longer than 512 characters

media_files.source_url is text already. A downgrade fails on PostgreSQL while a reference
longer than 512 characters is stored, rather than cut it.

Revision ID: 0009
Revises: 0008
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0009"
down_revision: str | Sequence[str] | None = "0008"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    with op.batch_alter_table("report_photos", schema=None) as batch_op:
        batch_op.alter_column(
            "file_ref",
            existing_type=sa.String(length=512),
            type_=sa.Text(),
            existing_nullable=False,
        )


def downgrade() -> None:
    with op.batch_alter_table("report_photos", schema=None) as batch_op:
        batch_op.alter_column(
            "file_ref",
            existing_type=sa.Text(),
            type_=sa.String(length=512),
            existing_nullable=False,
        )
