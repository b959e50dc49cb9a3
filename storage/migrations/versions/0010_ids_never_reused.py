"""inbox, outbox and files ids never reused on SQLite, so keys built from them cannot repeat

Without AUTOINCREMENT SQLite gives the next row the largest id left plus one: once the clean-up
has emptied the inbox, the next update gets an id an earlier one had, and `reply:<inbox id>:<n>`
or a file stored under it would be taken for the earlier one's. PostgreSQL's sequences never
go back: nothing to do there.

SQLite can only add AUTOINCREMENT by building the table again. The inbox is referenced by
reports and media_files, and foreign keys are enforced inside the migration's transaction,
where they cannot be switched off: the rows are set aside and the table emptied (the
violations this makes are deferred to the commit), the table is rebuilt, and putting the rows
back resolves them. The sequence then starts above every id a key may still name.

Revision ID: 0010
Revises: 0009
Create Date: 2026-12-02 13:00:00
"""

from __future__ import annotations

from collections.abc import Sequence

import sqlalchemy as sa
from alembic import op

revision: str = "0010"
down_revision: str | Sequence[str] | None = "0009"
branch_labels: str | Sequence[str] | None = None
depends_on: str | Sequence[str] | None = None

TABLES = ("inbox", "outbox", "files")
# The largest id each table's rows were ever named by, where rows that named them may be gone.
USED_IDS = {
    "inbox": (
        "SELECT max(id) FROM inbox",
        "SELECT max(source_inbox_id) FROM reports",
        "SELECT max(inbox_id) FROM media_files",
        # reply:<inbox id>:<n>
        "SELECT max(CAST(substr(idempotency_key, 7, instr(substr(idempotency_key, 7), ':') - 1)"
        " AS INTEGER)) FROM outbox WHERE idempotency_key LIKE 'reply:%'",
        # request:<inbox id>:...
        "SELECT max(CAST(substr(key, 9, instr(substr(key, 9), ':') - 1) AS INTEGER))"
        " FROM files WHERE key LIKE 'request:%'",
    ),
    "outbox": ("SELECT max(id) FROM outbox",),
    "files": (
        "SELECT max(id) FROM files",
        "SELECT max(CAST(json_extract(message, '$.attachment.file_id') AS INTEGER)) FROM outbox",
    ),
}


def upgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    floors = {table: _largest_used(table) for table in TABLES}
    for table in TABLES:
        _rebuild(table, autoincrement=True)
    for table, floor in floors.items():
        op.execute(
            sa.text("DELETE FROM sqlite_sequence WHERE name = :table").bindparams(table=table)
        )
        op.execute(
            sa.text("INSERT INTO sqlite_sequence (name, seq) VALUES (:table, :seq)").bindparams(
                table=table, seq=floor
            )
        )


def downgrade() -> None:
    if op.get_bind().dialect.name != "sqlite":
        return
    for table in TABLES:
        _rebuild(table, autoincrement=False)


def _largest_used(table: str) -> int:
    bind = op.get_bind()
    found = [bind.execute(sa.text(query)).scalar() for query in USED_IDS[table]]
    return max([0, *(int(value) for value in found if value is not None)])


def _rebuild(table: str, *, autoincrement: bool) -> None:
    """Build the table again with its rows, indexes and constraints, keeping every id."""
    columns = ", ".join(f'"{c["name"]}"' for c in sa.inspect(op.get_bind()).get_columns(table))
    kept = f"_kept_{table}"
    op.execute("PRAGMA defer_foreign_keys = ON")
    # Columns without a type store each value exactly as it was read.
    op.execute(f"CREATE TEMP TABLE {kept} ({columns})")
    op.execute(f"INSERT INTO {kept} ({columns}) SELECT {columns} FROM {table}")
    op.execute(f"DELETE FROM {table}")
    with op.batch_alter_table(
        table, recreate="always", table_kwargs={"sqlite_autoincrement": autoincrement}
    ):
        pass
    op.execute(f"INSERT INTO {table} ({columns}) SELECT {columns} FROM {kept}")
    op.execute(f"DROP TABLE {kept}")
    op.execute("PRAGMA defer_foreign_keys = OFF")
