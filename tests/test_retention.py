"""Keeping times: every clean-up deletes what is past its time, whatever still points at it."""

from __future__ import annotations

import hashlib
import itertools
from datetime import timedelta
from pathlib import Path
from typing import Any

from sqlalchemy import event, func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.messages import Attachment, InEvent, OutMessage
from storage import files, inbox, invites, links, media, outbox, retention, web_access
from storage.db import create_engine, session_factory
from storage.enums import FileKind
from storage.models import (
    Base,
    Identity,
    InboxItem,
    IncidentEvent,
    InviteFailure,
    LinkCode,
    MediaFile,
    Report,
    ReportPhoto,
    StoredFile,
    UrgentAlert,
    WebSession,
    WebSignIn,
)
from tests.cli import tuquan
from tests.support import HEAD, OFFICER, Harness, MutableClock, text_of

JPEG = b"\xff\xd8\xff\xe0" + b"\x00" * 64
_keys = itertools.count(1)


def policy_for(media_dir: Path) -> retention.RetentionPolicy:
    return retention.RetentionPolicy(
        reports=timedelta(days=30),
        raw_updates=timedelta(days=30),
        conversations=timedelta(days=7),
        files=timedelta(days=30),
        media_dir=media_dir,
    )


async def send(
    h: Harness, channel: str, user: str, *, photo_urls: list[str] | None = None, **fields: Any
) -> list[OutMessage]:
    """An update stored as a transport stores it (a Zalo photo is queued for copying in the
    same transaction), then the engine's answer, read as sent."""
    event = InEvent(channel=channel, user_key=user, chat_key=user, **fields)
    async with h.sessions() as session, session.begin():
        inbox_id = await inbox.store(
            session,
            channel=channel,
            update_key=f"retention-{next(_keys)}",
            user_key=user,
            chat_key=user,
            event=event.model_dump(exclude_defaults=True),
            now=h.clock(),
        )
        assert inbox_id is not None
        if photo_urls:
            await media.queue(
                session, inbox_id=inbox_id, channel=channel, urls=photo_urls, now=h.clock()
            )
    await h.engine.run_pending()
    async with h.sessions() as session, session.begin():
        items = await outbox.pending_for(session, channel, h.clock(), user, limit=1000)
        for item in items:
            outbox.mark_sent(item, h.clock())
        return [OutMessage.model_validate(item.message) for item in items]


async def copy_photos(h: Harness, media_dir: Path) -> list[Path]:
    """What the media fetcher does with each queued photo: written to the folder, recorded."""
    written = []
    async with h.sessions() as session, session.begin():
        for row in await media.claim(session, "zalo", h.clock(), timedelta(minutes=5), limit=100):
            relative = f"zalo/{row.id}.jpg"
            target = media_dir / relative
            target.parent.mkdir(parents=True, exist_ok=True)
            target.write_bytes(JPEG)
            media.stored(row, relative, len(JPEG), "image/jpeg", h.clock())
            written.append(target)
    return written


async def file_urgent_incident_with_photo(h: Harness, text: str) -> int:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo sự việc")
    await h.tap(HEAD, "Thiên tai, sự cố")
    await h.tap(HEAD, "Khẩn cấp")
    await h.say(HEAD, text)
    await h.tap(HEAD, "Hôm nay")
    await h.tap(HEAD, "Bỏ qua")
    await h.photo(HEAD, "tg:photo-of-the-landslide")
    await h.tap(HEAD, "Xong")
    done = await h.tap(HEAD, "Gửi báo cáo")
    assert "Đã ghi nhận báo cáo số" in text_of(done)
    return (await h.reports())[-1].id


async def store_file(session: AsyncSession, key: str, h: Harness) -> int:
    return await files.store(
        session,
        key=key,
        kind=FileKind.DOCUMENT,
        name=f"{key}.xlsx",
        media_type=files.XLSX,
        content=b"PK\x03\x04",
        now=h.clock(),
    )


async def identity_id(h: Harness, external_id: str) -> int:
    async with h.sessions() as session:
        query = select(Identity.id).where(Identity.external_id == external_id)
        return (await session.execute(query)).scalar_one()


async def count(sessions: async_sessionmaker[AsyncSession], what: Any, *where: Any) -> int:
    async with sessions() as session:
        return (await session.execute(select(func.count(what)).where(*where))).scalar_one()


def test_every_table_pointing_at_a_report_or_an_update_is_handled() -> None:
    for target, handled in (
        ("reports", retention.REPORT_CHILDREN),
        ("inbox", retention.INBOX_CHILDREN),
    ):
        pointing = {
            (key.parent.table.name, key.parent.name)
            for table in Base.metadata.tables.values()
            for key in table.foreign_keys
            if key.column.table.name == target
        }
        assert pointing == {(column.table.name, column.name) for column in handled}, target


async def test_an_alerted_report_and_a_copied_photo_past_their_time_are_deleted(
    harness: Harness, tmp_path: Path
) -> None:
    media_dir = tmp_path / "media"
    report_id = await file_urgent_incident_with_photo(harness, "Sạt lở taluy sau nhà văn hóa")
    assert "Sự việc khẩn" in text_of(await harness.read(OFFICER))
    await send(
        harness, "zalo", "zalo-resident", kind="photo", photo_urls=["https://photo.zdn.vn/a.jpg"]
    )
    [old_photo] = await copy_photos(harness, media_dir)
    head = await identity_id(harness, HEAD)
    async with harness.sessions() as session, session.begin():
        await store_file(session, "old-unsent", harness)
        waiting = await store_file(session, "old-waiting", harness)
        attached = OutMessage(
            text="Bảng tính",
            attachment=Attachment(kind="document", file_id=waiting, name="old-waiting.xlsx"),
        )
        await outbox.enqueue(
            session,
            idempotency_key="retention:waiting",
            channel="console",
            chat_key="nobody-reads-this",
            identity_id=None,
            message=attached.model_dump(),
            now=harness.clock(),
        )
        await links.create(session, head, harness.clock())
        await invites.record_failure(session, head, harness.clock(), "WRONG123")

    harness.clock.advance(days=40)
    await send(
        harness, "zalo", "zalo-resident", kind="photo", photo_urls=["https://photo.zdn.vn/b.jpg"]
    )
    [new_photo] = await copy_photos(harness, media_dir)
    async with harness.sessions() as session, session.begin():
        recent_file = await store_file(session, "recent", harness)
        recent_code = (await links.create(session, head, harness.clock())).id

    cleaned = await retention.clean(harness.sessions, harness.clock(), policy_for(media_dir))

    counts = cleaned.counts
    assert counts["reports"] >= 1 and counts["urgent_alerts"] == 1
    assert counts["incident_events"] >= 1 and counts["report_photos"] >= 1
    assert (counts["media_files"], counts["photos_on_disk"]) == (1, 1)
    assert (counts["files"], counts["link_codes"], counts["invite_failures"]) == (1, 1, 1)
    assert counts["inbox"] >= 10 and counts["outbox"] >= 10
    sessions = harness.sessions
    assert await count(sessions, Report.id, Report.id == report_id) == 0
    for gone in (
        (UrgentAlert.id, UrgentAlert.report_id == report_id),
        (IncidentEvent.id, IncidentEvent.report_id == report_id),
        (ReportPhoto.id, ReportPhoto.report_id == report_id),
        (InviteFailure.id,),
    ):
        assert await count(sessions, *gone) == 0
    assert not old_photo.exists() and new_photo.read_bytes() == JPEG
    assert await count(sessions, MediaFile.id) == 1
    assert await count(sessions, InboxItem.id) >= 1
    async with sessions() as session:
        kept_files = set((await session.execute(select(StoredFile.id))).scalars())
        kept_codes = set((await session.execute(select(LinkCode.id))).scalars())
    assert kept_files == {waiting, recent_file}
    assert kept_codes == {recent_code}

    again = await retention.clean(sessions, harness.clock(), policy_for(media_dir))
    assert set(again.counts.values()) == {0}


async def test_a_backlog_is_deleted_in_batches(database_url: str, tmp_path: Path) -> None:
    engine = create_engine(database_url)
    deleted_per_statement: list[int] = []

    @event.listens_for(engine.sync_engine, "after_cursor_execute")
    def on_statement(_c: Any, cursor: Any, statement: str, *_rest: Any) -> None:
        if statement.lstrip().upper().startswith("DELETE FROM INBOX"):
            deleted_per_statement.append(cursor.rowcount)

    sessions = session_factory(engine)
    clock = MutableClock()
    try:
        async with sessions() as session, session.begin():
            ids = []
            for number in range(2_500):
                stored = await inbox.store(
                    session,
                    channel="console",
                    update_key=f"backlog-{number}",
                    user_key="someone",
                    chat_key="someone",
                    event={"kind": "text", "text": "xin chào"},
                    now=clock(),
                )
                assert stored is not None
                ids.append(stored)
            await inbox.mark_done(session, ids, clock())
        later = clock() + timedelta(days=31)
        cleaned = await retention.clean(sessions, later, policy_for(tmp_path / "media"))
        assert cleaned.counts["inbox"] == 2_500
        assert await count(sessions, InboxItem.id) == 0
        assert sum(deleted_per_statement) == 2_500
        assert max(deleted_per_statement) <= retention.BATCH < 2_500
    finally:
        await engine.dispose()


def test_clean_from_the_command_line_says_what_it_deleted(database_url: str) -> None:
    first = tuquan("privacy", "clean", database_url=database_url)
    assert first.returncode == 0, first.stderr
    lines = first.stdout.splitlines()
    assert lines[0] == "Đã xóa những gì quá thời hạn lưu giữ:"
    assert [line.split(":")[0] for line in lines[1:4]] == [
        "– báo cáo",
        "– ảnh của báo cáo",
        "– lần sửa báo cáo",
    ]
    again = tuquan("privacy", "clean", database_url=database_url)
    assert again.returncode == 0, again.stderr
    assert all(line.endswith(": 0") for line in again.stdout.splitlines()[1:])


async def test_sign_in_links_and_sessions_of_the_pages_go_a_month_after_they_expired(
    harness: Harness, tmp_path: Path
) -> None:
    person = await identity_person(harness, OFFICER)
    async with harness.sessions() as session, session.begin():
        used_link = await web_access.issue_link(session, person, harness.clock())
        await web_access.issue_link(session, person, harness.clock())
        await web_access.open_session(session, person, harness.clock())
        ended = await web_access.open_session(session, person, harness.clock())
        await web_access.end_session(session, ended, harness.clock())
    async with harness.sessions() as session, session.begin():
        assert await web_access.redeem_link(session, used_link, harness.clock()) == person

    harness.clock.advance(days=29)  # expired a few hours later, not yet a month ago
    async with harness.sessions() as session, session.begin():
        recent_link = await web_access.issue_link(session, person, harness.clock())
        recent_session = await web_access.open_session(session, person, harness.clock())
    cleaned = await retention.clean(harness.sessions, harness.clock(), policy_for(tmp_path))
    assert (cleaned.counts["web_sign_ins"], cleaned.counts["web_sessions"]) == (0, 0)

    harness.clock.advance(days=2)
    cleaned = await retention.clean(harness.sessions, harness.clock(), policy_for(tmp_path))
    assert (cleaned.counts["web_sign_ins"], cleaned.counts["web_sessions"]) == (2, 2)
    assert await count(harness.sessions, WebSignIn.id) == 1
    assert await count(harness.sessions, WebSession.id) == 1
    async with harness.sessions() as session:
        # What is left are the recent ones, though expired by now too.
        hashes = {
            *(await session.execute(select(WebSignIn.token_hash))).scalars(),
            *(await session.execute(select(WebSession.token_hash))).scalars(),
        }
    assert hashes == {
        hashlib.sha256(token.encode()).hexdigest() for token in (recent_link, recent_session)
    }


async def identity_person(h: Harness, external_id: str) -> int:
    async with h.sessions() as session:
        query = select(Identity.person_id).where(Identity.external_id == external_id)
        return (await session.execute(query)).scalar_one()
