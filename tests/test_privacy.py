"""Personal data is kept only as long as the settings say, and a person can be forgotten."""

from __future__ import annotations

import json
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

import pytest
from sqlalchemy import JSON, String, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from storage import links, retention, web_access
from storage.db import create_engine, session_factory
from storage.enums import FileKind, InboxStatus, ReportKind
from storage.models import (
    AuditEntry,
    Base,
    Conversation,
    Identity,
    InboxItem,
    OutboxItem,
    Person,
    Report,
    RoleAssignment,
    StoredFile,
)
from storage.schedules import WeeklyTime
from tests.cli import exported, tuquan
from tests.officers import NA_LOC, OTHER_OFFICER, jobs_for, local
from tests.support import HEAD, RESIDENT, Harness, text_of
from tests.test_retention import copy_photos, send


async def test_clean_deletes_only_what_is_past_its_time(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    async with harness.sessions() as session:
        reports_before = (await session.execute(select(func.count(Report.id)))).scalar_one()
    policy = retention.RetentionPolicy(
        reports=timedelta(days=30), raw_updates=timedelta(days=1), conversations=timedelta(days=7)
    )
    cleaned = await retention.clean(harness.sessions, harness.clock() + timedelta(hours=1), policy)
    assert cleaned.counts["inbox"] == 0 and cleaned.counts["conversations"] == 0
    assert 0 < cleaned.counts["reports"] < reports_before

    later = harness.clock() + timedelta(days=8)
    cleaned = await retention.clean(harness.sessions, later, policy)
    assert cleaned.counts["inbox"] >= 2 and cleaned.counts["outbox"] >= 2
    assert cleaned.counts["conversations"] >= 1
    async with harness.sessions() as session:
        quiet = (
            (
                await session.execute(
                    select(Report).where(
                        Report.kind == ReportKind.NOTHING, Report.week == "2026-W48"
                    )
                )
            )
            .scalars()
            .all()
        )
        assert quiet and all(report.source_inbox_id is None for report in quiet)
        assert (await session.execute(select(func.count(InboxItem.id)))).scalar_one() == 0


async def test_forget_erases_the_person_and_keeps_the_reports(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    async with harness.sessions() as session:
        identity = (
            await session.execute(select(Identity).where(Identity.external_id == HEAD))
        ).scalar_one()
        person_id = identity.person_id
        own_reports = (
            await session.execute(
                select(func.count(Report.id)).where(Report.reporter_id == person_id)
            )
        ).scalar_one()

    async with harness.sessions() as session, session.begin():
        assert await retention.forget_person(session, person_id, harness.clock())

    async with harness.sessions() as session:
        person = await session.get_one(Person, person_id)
        assert (person.full_name, person.phone) == (retention.FORGOTTEN_NAME, None)
        forgotten = await session.get_one(Identity, identity.id)
        assert forgotten.external_id != HEAD and not forgotten.active
        assert (
            await session.execute(select(func.count()).where(InboxItem.user_key == HEAD))
        ).scalar_one() == 0
        assert (
            await session.execute(select(func.count()).where(OutboxItem.identity_id == identity.id))
        ).scalar_one() == 0
        assert await session.get(Conversation, identity.id) is None
        still_reports = (
            await session.execute(
                select(func.count(Report.id)).where(Report.reporter_id == person_id)
            )
        ).scalar_one()
        assert still_reports == own_reports
        roles = (
            (
                await session.execute(
                    select(RoleAssignment).where(RoleAssignment.person_id == person_id)
                )
            )
            .scalars()
            .all()
        )
        assert roles and all(role.valid_to is not None for role in roles)
        logged = (await session.execute(select(AuditEntry.action))).scalars().all()
        assert "forget" in logged


async def test_forgetting_an_officer_ends_their_pages_session_and_links(harness: Harness) -> None:
    await harness.say(OTHER_OFFICER, "/menu")
    now = harness.clock()
    async with harness.sessions() as session, session.begin():
        person_id = (await harness.person(OTHER_OFFICER)).id
        cookie = await web_access.open_session(session, person_id, now)
        link = await web_access.issue_link(session, person_id, now)
        forgotten = await retention.forget_person(session, person_id, now)
        assert forgotten is not None and forgotten.counts["web_sign_ins"] == 2
    async with harness.sessions() as session, session.begin():
        assert await web_access.session_person(session, cookie, now) is None
        assert await web_access.redeem_link(session, link, now) is None


async def test_forget_from_the_command_line(database_url: str) -> None:
    engine = create_engine(database_url)
    async with session_factory(engine)() as session:
        head = (
            await session.execute(select(Identity).where(Identity.external_id == HEAD))
        ).scalar_one()
    await engine.dispose()
    before = exported(database_url)
    assert "Hoàng Văn Thào" in {row["reporter"] for row in before}
    unknown = tuquan("privacy", "forget", "--person", "999999", database_url=database_url)
    assert unknown.returncode == 1
    forgotten = tuquan(
        "privacy", "forget", "--person", str(head.person_id), database_url=database_url
    )
    assert forgotten.returncode == 0, forgotten.stderr
    after = exported(database_url)
    assert len(after) == len(before)
    assert "Hoàng Văn Thào" not in {row["reporter"] for row in after}
    assert retention.FORGOTTEN_NAME in {row["reporter"] for row in after}


NAME, PHONE = "Hà Văn Tuấn", "0912345678"
ZALO_USER, ZALO_NAME, ZALO_PHONE = "zalo-tuan", "Tuấn Nà Lốc", "0987654321"
PHOTO_URL = "https://photo.zdn.vn/taluy.jpg"
TRACES = (NAME, PHONE, "0912 345 678", ZALO_NAME, ZALO_PHONE)


@dataclass
class Known:
    person_id: int
    photos: list[Path]


async def known_everywhere(h: Harness, media_dir: Path) -> Known:
    """The head of Nà Lốc, with a phone residents may see and a Zalo account that was a
    person of its own before the two were joined; they send an urgent report with a photo
    from Zalo. The officer is alerted, the alert escalates, the next week's digest names
    them as silent, the officer takes its workbook, and two updates failed naming them."""
    await h.say(NA_LOC, "/menu")
    await h.tap(NA_LOC, "Thông tin của tôi")
    await h.tap(NA_LOC, "Đổi số điện thoại")
    await h.say(NA_LOC, "0912 345 678")
    await h.tap(NA_LOC, "Có")
    await h.say(RESIDENT, "/menu")
    await h.tap(RESIDENT, "Liên hệ trưởng thôn")
    await h.tap(RESIDENT, "xã Bạch Thông (Thái Nguyên)")
    assert f"{NAME}</b>, điện thoại {PHONE}" in text_of(await h.say(RESIDENT, "Nà Lốc"))

    await send(h, "zalo", ZALO_USER, kind="text", text="xin chào", display_name=ZALO_NAME)
    async with h.sessions() as session, session.begin():
        accounts = {
            identity.external_id: identity
            for identity in (
                await session.execute(
                    select(Identity).where(Identity.external_id.in_((NA_LOC, ZALO_USER)))
                )
            ).scalars()
        }
        zalo, console = accounts[ZALO_USER], accounts[NA_LOC]
        absorbed = await session.get_one(Person, zalo.person_id)
        assert absorbed.full_name == ZALO_NAME
        absorbed.phone = ZALO_PHONE  # given on Zalo before the accounts were joined
        keep = await session.get_one(Person, console.person_id)
        link = await links.create(session, console.id, h.clock())
        await links.join(session, link, keep, absorbed, zalo, h.clock())
        person_id = keep.id

    for answer in ("/menu", "1", "1", "1", "Sạt lở taluy sau nhà văn hóa", "1", "nhà văn hóa"):
        await send(h, "zalo", ZALO_USER, kind="text", text=answer)
    await send(h, "zalo", ZALO_USER, kind="photo", photos=[PHOTO_URL], photo_urls=[PHOTO_URL])
    await send(h, "zalo", ZALO_USER, kind="text", text="xong")
    assert "Đã ghi nhận" in text_of(await send(h, "zalo", ZALO_USER, kind="text", text="1"))
    photos = await copy_photos(h, media_dir)
    assert NAME in (await h.read(OTHER_OFFICER))[-1].text
    h.clock.advance(minutes=31)
    await jobs_for(h).escalate()

    h.clock.now = local(2026, 12, 7, 7, 0)
    outcome = await jobs_for(h).run_slot("digest_at", WeeklyTime(0, 7, 0))
    assert outcome.status == "ran"
    digest = (await h.read(OTHER_OFFICER))[0]
    assert f"thôn Nà Lốc — {NAME}" in digest.text
    taken = await h.tap_on(OTHER_OFFICER, digest, "Tải Excel")
    assert any(m.attachment is not None and m.attachment.kind == "document" for m in taken)

    async with h.sessions() as session, session.begin():
        theirs = select(func.max(InboxItem.id)).where(InboxItem.user_key == ZALO_USER)
        officers = select(func.max(InboxItem.id)).where(InboxItem.user_key == OTHER_OFFICER)
        for failed, error in ((theirs, "ValueError: no step"), (officers, f"KeyError: '{NAME}'")):
            await session.execute(
                update(InboxItem)
                .where(InboxItem.id == failed.scalar_subquery())
                .values(status=InboxStatus.FAILED, error=error)
            )
    return Known(person_id, photos)


async def traces(sessions: async_sessionmaker[AsyncSession]) -> set[str]:
    """Every text and JSON column of every table that holds the person's name or phone."""
    found = set()
    async with sessions() as session:
        for table in Base.metadata.sorted_tables:
            columns = [c for c in table.columns if isinstance(c.type, String | JSON)]
            if not columns:
                continue
            for row in (await session.execute(select(*columns))).all():
                for column, value in zip(columns, row, strict=True):
                    text = (
                        value if isinstance(value, str) else json.dumps(value, ensure_ascii=False)
                    )
                    if any(trace in text for trace in TRACES):
                        found.add(f"{table.name}.{column.name}")
    return found


async def test_forget_leaves_no_name_nor_phone_anywhere(harness: Harness, tmp_path: Path) -> None:
    known = await known_everywhere(harness, tmp_path / "media")
    before = await traces(harness.sessions)
    assert {
        "people.full_name",
        "people.phone",
        "identities.display_name",
        "inbox.event",
        "inbox.error",
        "outbox.message",
    } <= before
    assert [photo.exists() for photo in known.photos] == [True]

    async with harness.sessions() as session, session.begin():
        forgotten = await retention.forget_person(
            session, known.person_id, harness.clock(), tmp_path / "media"
        )
    assert forgotten is not None
    assert await traces(harness.sessions) == set()
    assert not any(photo.exists() for photo in known.photos)
    counts = forgotten.counts
    assert (counts["people"], counts["identities"], counts["media_files"]) == (2, 2, 1)
    assert counts["photos_on_disk"] == 1 and counts["files"] >= 1
    assert forgotten.mentions["outbox"] >= 3 and forgotten.mentions["inbox"] >= 1
    async with harness.sessions() as session:
        kinds = set((await session.execute(select(StoredFile.kind))).scalars())
        logged = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "forget"))
        ).scalar_one()
    assert FileKind.DOCUMENT not in kinds and FileKind.PHOTO in kinds
    assert logged.subject == f"person:{known.person_id}"
    assert logged.details["people"] == 2 and logged.details["mentions"] == forgotten.mentions


async def test_forget_from_the_command_line_says_what_it_did(
    harness: Harness, database_url: str, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    known = await known_everywhere(harness, tmp_path / "media")
    monkeypatch.setenv("TUQUAN_MEDIA_DIR", str(tmp_path / "media"))
    done = tuquan("privacy", "forget", "--person", str(known.person_id), database_url=database_url)
    assert done.returncode == 0, done.stderr
    lines = done.stdout.splitlines()
    assert lines[:2] == [
        f"Người số {known.person_id}: đã xóa tên, số điện thoại và các tài khoản; "
        "các báo cáo vẫn giữ, không còn tên người gửi.",
        "Đã xóa hoặc ẩn danh:",
    ]
    assert (
        "– người (kể cả người đã gộp vào khi liên kết tài khoản), xóa tên và số điện thoại: 2"
        in lines
    )
    assert "– tệp ảnh trên đĩa, đã xóa: 1" in lines
    assert any(
        line.startswith("– tên, số điện thoại thay bằng “(đã xóa)” trong bảng outbox: ")
        for line in lines
    )
    assert await traces(harness.sessions) == set()
    assert not any(photo.exists() for photo in known.photos)
