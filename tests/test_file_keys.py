"""Keys built from row ids name one request only, even after the clean-up emptied a table."""

from __future__ import annotations

import io
import json
import signal
from pathlib import Path

import pytest
from alembic import command
from openpyxl import load_workbook
from sqlalchemy import delete, func, select, text, update
from sqlalchemy.engine import Connection
from sqlalchemy.ext.asyncio import AsyncConnection, AsyncSession, async_sessionmaker

from handlers.messages import OutMessage
from storage import files, inbox, outbox, units
from storage.db import create_engine
from storage.enums import FileKind, OutboxStatus
from storage.migrate import alembic_config, upgrade
from storage.models import InboxItem, OutboxItem, Report, StoredFile
from tests.cli import tuquan
from tests.databases import SEED_TIME
from tests.officers import OTHER_OFFICER
from tests.support import CHANNEL, OFFICER, Harness

PHU_THONG, BACH_THONG = "1969", "2014"


async def store_inbox_row(session: AsyncSession, key: str) -> int:
    found = await inbox.store(
        session,
        channel=CHANNEL,
        update_key=key,
        user_key="someone",
        chat_key="someone",
        event={"kind": "text", "text": key},
        now=SEED_TIME,
    )
    assert found is not None
    return found


async def store_outbox_row(session: AsyncSession, key: str) -> int:
    await outbox.enqueue(
        session,
        idempotency_key=key,
        channel=CHANNEL,
        chat_key="someone",
        identity_id=None,
        message={"text": key},
        now=SEED_TIME,
    )
    return int(
        (
            await session.execute(select(OutboxItem.id).where(OutboxItem.idempotency_key == key))
        ).scalar_one()
    )


async def store_file(session: AsyncSession, key: str) -> int:
    return await files.store(
        session,
        key=key,
        kind=FileKind.DOCUMENT,
        name=f"{key}.xlsx",
        media_type=files.XLSX,
        content=key.encode(),
        now=SEED_TIME,
    )


STORES = {"inbox": store_inbox_row, "outbox": store_outbox_row, "files": store_file}
TABLES = {"inbox": InboxItem, "outbox": OutboxItem, "files": StoredFile}


@pytest.mark.parametrize("table", sorted(STORES))
async def test_an_id_is_never_given_again_after_every_row_was_deleted(
    sessions: async_sessionmaker[AsyncSession], table: str
) -> None:
    store, model = STORES[table], TABLES[table]
    async with sessions() as session, session.begin():
        old = [await store(session, f"old-{n}") for n in range(3)]
    async with sessions() as session, session.begin():
        if table == "inbox":
            await session.execute(update(Report).values(source_inbox_id=None))
        await session.execute(delete(model))
    async with sessions() as session, session.begin():
        new = await store(session, "new")
    assert new > max(old)


async def empty_inbox(harness: Harness, *, sent_messages_too: bool) -> None:
    """What the clean-up leaves once every update is past its keeping time."""
    async with harness.sessions() as session, session.begin():
        await session.execute(update(Report).values(source_inbox_id=None))
        await session.execute(delete(InboxItem))
        if sent_messages_too:
            await session.execute(delete(OutboxItem).where(OutboxItem.status == OutboxStatus.SENT))


async def ask_for_workbook(harness: Harness, officer: str) -> list[str]:
    """The units of the weekly sheet of the workbook the officer received."""
    await harness.say(officer, "/xuatexcel")
    replies = await harness.tap(officer, "Tháng này")
    documents = [r.attachment for r in replies if r.attachment is not None]
    assert len(documents) == 1, [r.text for r in replies]
    async with harness.sessions() as session:
        stored = await files.load(session, documents[0].file_id)
    assert stored is not None
    sheet = load_workbook(io.BytesIO(stored.content))["Báo cáo theo tuần"]
    return [str(row[0]) for row in sheet.iter_rows(min_row=2, values_only=True) if row[0]]


async def commune_label(harness: Harness, code: str) -> str:
    async with harness.sessions() as session:
        return (await units.resolve(session, code)).label


@pytest.mark.parametrize("sent_messages_too", [False, True], ids=["inbox", "inbox+sent"])
async def test_officers_asking_after_the_inbox_was_emptied_get_their_own_communes_workbook(
    harness: Harness, sent_messages_too: bool
) -> None:
    phu_thong = await commune_label(harness, PHU_THONG)
    bach_thong = await commune_label(harness, BACH_THONG)
    await empty_inbox(harness, sent_messages_too=sent_messages_too)
    first = await ask_for_workbook(harness, OFFICER)
    assert first and all(phu_thong in unit for unit in first)

    await empty_inbox(harness, sent_messages_too=sent_messages_too)
    second = await ask_for_workbook(harness, OTHER_OFFICER)
    assert second and all(bach_thong in unit for unit in second)
    assert not any(phu_thong in unit for unit in second)


@pytest.mark.slow
async def test_a_workbook_request_replayed_after_a_crash_sends_one_workbook(
    sessions: async_sessionmaker[AsyncSession], database_url: str
) -> None:
    """The step's files, its replies and the inbox row done commit together: a kill before the
    commit leaves nothing, and the step run again after the restart stores one workbook."""

    async def workbooks() -> tuple[int, int]:
        async with sessions() as session:
            stored = await session.execute(
                select(func.count()).where(StoredFile.kind == FileKind.DOCUMENT)
            )
            messages = (await session.execute(select(OutboxItem.message))).scalars()
            attached = [OutMessage.model_validate(m).attachment for m in messages]
            sent = sum(1 for a in attached if a is not None and a.kind == "document")
            return int(stored.scalar_one()), sent

    before = await workbooks()
    # The console passes the failpoint once for its opening "resume" and once per line.
    killed = tuquan(
        "chat",
        "--as",
        "officer",
        database_url=database_url,
        stdin="/xuatexcel\n3\n",
        failpoints="engine_before_commit:3",
    )
    assert killed.returncode == -signal.SIGKILL, killed.stderr
    assert await workbooks() == before

    restarted = tuquan("chat", "--as", "officer", database_url=database_url, stdin="")
    assert restarted.returncode == 0, restarted.stderr
    assert await workbooks() == (before[0] + 1, before[1] + 1)


REBUILT = ("inbox", "outbox", "files")
ATTACHED = {"text": "x", "attachment": {"kind": "document", "file_id": 90, "name": "x.xlsx"}}
# Rows as 0009 left them: inbox rows 5 and 7, a report and a photo naming them; the reply to
# update 41 and the file of request 12, whose inbox rows are gone, and a reply naming file 90.
OLD_ROWS = (
    "INSERT INTO units (id, kind, division_type, name, search_name, is_demo)"
    " VALUES (1, 'hamlet', 'thôn', 'Nà Phải', 'na phai', 0)",
    "INSERT INTO inbox (id, channel, update_key, user_key, chat_key, event, received_at, status,"
    " attempts) VALUES (5, 'console', 'u5', 'a', 'a', '{\"kind\": \"photo\"}',"
    " '2026-11-27 02:00:00.000000', 'done', 1), (7, 'console', 'u7', 'a', 'a',"
    " '{\"kind\": \"text\"}', '2026-11-27 02:01:00.000000', 'pending', 0)",
    "INSERT INTO reports (id, unit_id, kind, urgent, sensitive, text, occurred_at, received_at,"
    " week, is_demo, source_inbox_id) VALUES (1, 1, 'incident', 0, 0, 'Cây đổ',"
    " '2026-11-27 02:00:00.000000', '2026-11-27 02:00:00.000000', '2026-W48', 0, 7)",
    "INSERT INTO media_files (id, inbox_id, position, channel, source_url, status, attempts,"
    " created_at) VALUES (1, 5, 0, 'zalo', 'https://x/1.jpg', 'pending', 0,"
    " '2026-11-27 02:00:00.000000')",
    "INSERT INTO outbox (id, idempotency_key, channel, chat_key, message, status, attempts,"
    " created_at) VALUES (3, 'reply:41:0', 'console', 'a', '{\"text\": \"x\"}', 'sent', 1,"
    " '2026-11-27 02:00:00.000000')",
    "INSERT INTO outbox (id, idempotency_key, channel, chat_key, message, status, attempts,"
    f" created_at, standing) VALUES (4, 'reply:7:0', 'console', 'a', '{json.dumps(ATTACHED)}',"
    " 'pending', 0, '2026-11-27 02:00:00.000000', 'r1')",
    "INSERT INTO files (id, key, kind, name, media_type, content, created_at) VALUES"
    " (2, 'request:12:xlsx', 'document', 'a.xlsx', 'x', X'00ff', '2026-11-27 02:00:00.000000')",
)


def _schema_and_rows(connection: Connection) -> dict[str, object]:
    tables = (*REBUILT, "reports", "media_files")
    rows = {t: connection.execute(text(f"SELECT * FROM {t} ORDER BY id")).all() for t in tables}
    indexes = connection.execute(
        text(
            "SELECT name, sql FROM sqlite_master WHERE type = 'index' AND tbl_name IN"
            " ('inbox', 'outbox', 'files') ORDER BY name"
        )
    ).all()
    return {"rows": rows, "indexes": indexes}


def _autoincremented(connection: Connection) -> dict[str, bool]:
    query = text("SELECT sql FROM sqlite_master WHERE type = 'table' AND name = :name")
    return {
        name: "AUTOINCREMENT" in str(connection.execute(query, {"name": name}).scalar_one())
        for name in REBUILT
    }


async def _migrate(connection: AsyncConnection, how: str, revision: str) -> None:
    def run(sync: Connection) -> None:
        getattr(command, how)(alembic_config(sync), revision)

    await connection.run_sync(run)


async def test_the_migration_keeps_rows_and_indexes_and_starts_above_every_id_used(
    tmp_path: Path,
) -> None:
    engine = create_engine(f"sqlite+aiosqlite:///{tmp_path / 'old.sqlite3'}")
    await upgrade(engine, "0009")
    async with engine.begin() as connection:
        for statement in OLD_ROWS:
            await connection.execute(text(statement))
        before = await connection.run_sync(_schema_and_rows)
        assert await connection.run_sync(_autoincremented) == dict.fromkeys(REBUILT, False)

    async with engine.begin() as connection:
        await _migrate(connection, "upgrade", "0010")
    async with engine.begin() as connection:
        assert await connection.run_sync(_schema_and_rows) == before
        assert await connection.run_sync(_autoincremented) == dict.fromkeys(REBUILT, True)
        assert (await connection.execute(text("PRAGMA foreign_key_check"))).all() == []
    sessions = async_sessionmaker(engine, expire_on_commit=False)
    async with sessions() as session, session.begin():
        assert await store_inbox_row(session, "after") > 41
        assert await store_file(session, "after") > 90
        assert await store_outbox_row(session, "after") > 4

    async with engine.begin() as connection:
        await connection.execute(text("DELETE FROM inbox WHERE update_key = 'after'"))
        await connection.execute(text("DELETE FROM files WHERE key = 'after'"))
        await connection.execute(text("DELETE FROM outbox WHERE idempotency_key = 'after'"))
        await _migrate(connection, "downgrade", "0009")
    async with engine.begin() as connection:
        assert await connection.run_sync(_schema_and_rows) == before
        assert await connection.run_sync(_autoincremented) == dict.fromkeys(REBUILT, False)
    await engine.dispose()
