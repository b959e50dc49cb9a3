"""invite_failures: the kind of code (invite or link) and a hash of the code typed

The rows are a ten-minute memory of wrong tries and the old ones name no code, so they are
dropped rather than given a made-up hash.

Revision ID: 0013
Revises: 0012
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0013"
down_revision: str | Sequence[str] | None = "0012"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None


def upgrade() -> None:
    op.execute(sa.text("DELETE FROM invite_failures"))
    # SQLite cannot add a NOT NULL column without a default in place, even to an empty table.
    on_sqlite = op.get_bind().dialect.name == "sqlite"
    with op.batch_alter_table(
        "invite_failures", schema=None, recreate="always" if on_sqlite else "auto"
    ) as batch_op:
        batch_op.add_column(sa.Column("kind", sa.String(length=8), nullable=False))
        batch_op.add_column(sa.Column("code_hash", sa.String(length=16), nullable=False))
        batch_op.drop_index("ix_invite_failures_identity_at")
        batch_op.create_index(
            "ix_invite_failures_identity_kind_at", ["identity_id", "kind", "at"], unique=False
        )


def downgrade() -> None:
    with op.batch_alter_table("invite_failures", schema=None) as batch_op:
        batch_op.drop_index("ix_invite_failures_identity_kind_at")
        batch_op.create_index("ix_invite_failures_identity_at", ["identity_id", "at"], unique=False)
        batch_op.drop_column("code_hash")
        batch_op.drop_column("kind")
