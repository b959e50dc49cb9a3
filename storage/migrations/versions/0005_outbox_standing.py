"""outbox.standing: the copies of each alert and reminder, to redraw and to answer by letter

Revision ID: 0005
Revises: 0004
Create Date: 2026-12-02 10:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0005"
down_revision: str | Sequence[str] | None = "0004"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

STANDING_ONLY = sa.text("standing IS NOT NULL")


def upgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.add_column(sa.Column("standing", sa.String(length=64), nullable=True))
        batch_op.create_index(
            "ix_outbox_standing",
            ["standing"],
            unique=False,
            postgresql_where=STANDING_ONLY,
            sqlite_where=STANDING_ONLY,
        )
        batch_op.create_index(
            "ix_outbox_identity_standing",
            ["identity_id", "id"],
            unique=False,
            postgresql_where=STANDING_ONLY,
            sqlite_where=STANDING_ONLY,
        )
    _mark_alerts_and_reminders_sent_before()


def _mark_alerts_and_reminders_sent_before() -> None:
    """So that a press on an alert sent before the upgrade still redraws every copy."""
    outbox = sa.table(
        "outbox",
        sa.column("id", sa.Integer),
        sa.column("idempotency_key", sa.String),
        sa.column("message", sa.JSON),
        sa.column("standing", sa.String),
    )
    bind = op.get_bind()
    rows = bind.execute(
        sa.select(outbox.c.id, outbox.c.message).where(
            sa.or_(
                outbox.c.idempotency_key.like("alert:%"),
                outbox.c.idempotency_key.like("reminder%"),
            )
        )
    ).all()
    for row_id, message in rows:
        token = (message or {}).get("choice_token")
        if token and (message or {}).get("choices"):
            bind.execute(
                sa.update(outbox).where(outbox.c.id == row_id).values(standing=str(token)[:64])
            )


def downgrade() -> None:
    with op.batch_alter_table("outbox", schema=None) as batch_op:
        batch_op.drop_index("ix_outbox_identity_standing")
        batch_op.drop_index("ix_outbox_standing")
        batch_op.drop_column("standing")
