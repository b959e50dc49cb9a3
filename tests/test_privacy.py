"""Personal data is kept only as long as the settings say, and a person can be forgotten."""

from __future__ import annotations

from datetime import timedelta

from sqlalchemy import func, select

from storage import retention
from storage.db import create_engine, session_factory
from storage.enums import ReportKind
from storage.models import (
    AuditEntry,
    Conversation,
    Identity,
    InboxItem,
    OutboxItem,
    Person,
    Report,
    RoleAssignment,
)
from tests.cli import exported, tuquan
from tests.support import HEAD, Harness


async def test_clean_deletes_only_what_is_past_its_time(harness: Harness) -> None:
    await harness.say(HEAD, "/menu")
    await harness.tap(HEAD, "Tuần này bình thường")
    async with harness.sessions() as session:
        reports_before = (await session.execute(select(func.count(Report.id)))).scalar_one()
    policy = retention.RetentionPolicy(
        reports=timedelta(days=30), raw_updates=timedelta(days=1), conversations=timedelta(days=7)
    )
    async with harness.sessions() as session, session.begin():
        cleaned = await retention.clean(session, harness.clock() + timedelta(hours=1), policy)
    assert cleaned.counts["inbox"] == 0 and cleaned.counts["conversations"] == 0
    assert 0 < cleaned.counts["reports"] < reports_before

    async with harness.sessions() as session, session.begin():
        later = harness.clock() + timedelta(days=8)
        cleaned = await retention.clean(session, later, policy)
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
