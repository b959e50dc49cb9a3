"""Files sent with messages (charts, workbooks), stored with the outbox row that names them."""

from __future__ import annotations

import secrets
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.dialects.postgresql import insert as pg_insert
from sqlalchemy.dialects.sqlite import insert as sqlite_insert
from sqlalchemy.ext.asyncio import AsyncSession

from storage.enums import FileKind
from storage.models import StoredFile

PNG = "image/png"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
DOCX = "application/vnd.openxmlformats-officedocument.wordprocessingml.document"


def request_key(inbox_id: int | None) -> str:
    """The key of the files made for one request: its own even if the inbox id were given
    again (an emptied SQLite table reuses ids, a restored backup repeats them).

    A random part rather than the update's platform key: that key is the platform's to reuse
    (Telegram starts again from a random number after a quiet week). It needs no replay: the
    step, its files and its replies commit in one transaction, so a step replayed after a
    rollback stores its file again under a new key and one reply names it."""
    return f"request:{inbox_id}:{secrets.token_hex(8)}"


async def store(
    session: AsyncSession,
    *,
    key: str,
    kind: FileKind,
    name: str,
    media_type: str,
    content: bytes,
    now: datetime,
) -> int:
    """The file's id; a key stored before keeps its first content, as outbox rows do."""
    dialect = session.get_bind().dialect.name
    insert = pg_insert if dialect == "postgresql" else sqlite_insert
    statement = (
        insert(StoredFile)
        .values(
            key=key,
            kind=kind.value,
            name=name,
            media_type=media_type,
            content=content,
            created_at=now,
        )
        .on_conflict_do_nothing(index_elements=["key"])
        .returning(StoredFile.id)
    )
    new_id = (await session.execute(statement)).scalar_one_or_none()
    if new_id is not None:
        return int(new_id)
    existing = await session.execute(select(StoredFile.id).where(StoredFile.key == key))
    return int(existing.scalar_one())


async def exists(session: AsyncSession, key: str) -> bool:
    query = select(StoredFile.id).where(StoredFile.key == key)
    return (await session.execute(query)).first() is not None


async def load(session: AsyncSession, file_id: int) -> StoredFile | None:
    return await session.get(StoredFile, file_id)
