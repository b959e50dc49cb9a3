"""link_codes wait for the role holder's yes; accounts deliver to their private chat

Revision ID: 0008
Revises: 0007
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0008"
down_revision: str | Sequence[str] | None = "0007"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

FK = "fk_link_codes_requested_by_identity_id_identities"


def upgrade() -> None:
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.add_column(sa.Column("requested_by_identity_id", sa.Integer(), nullable=True))
        batch_op.add_column(sa.Column("requested_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.add_column(sa.Column("declined_at", sa.DateTime(timezone=True), nullable=True))
        batch_op.create_foreign_key(
            batch_op.f(FK), "identities", ["requested_by_identity_id"], ["id"]
        )
    # An account first met in a Telegram group (negative chat ids) had its alerts and digests
    # delivered there; a person's private chat with a bot has the person's own id.
    op.execute(
        "UPDATE identities SET chat_key = external_id "
        "WHERE channel = 'telegram' AND chat_key LIKE '-%'"
    )


def downgrade() -> None:
    with op.batch_alter_table("link_codes", schema=None) as batch_op:
        batch_op.drop_constraint(batch_op.f(FK), type_="foreignkey")
        batch_op.drop_column("declined_at")
        batch_op.drop_column("requested_at")
        batch_op.drop_column("requested_by_identity_id")
