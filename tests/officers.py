"""Helpers for the officer tests: demo accounts, the scheduler's jobs on the test clock."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select

from scheduler.jobs import Jobs
from storage.demo import head_external_id
from storage.models import IncidentEvent, OutboxItem
from tests.databases import TZ
from tests.support import HEAD, Harness

COMMUNE_DEPUTY = "demo-commune-deputy"
OTHER_OFFICER = "demo-other-officer"
PROVINCE_OFFICER = "demo-province-officer"
NA_LOC = head_external_id("Nà Lốc")
KHUOI_BOC = head_external_id("Khuổi Bốc")


def local(year: int, month: int, day: int, hour: int = 0, minute: int = 0) -> datetime:
    return datetime(year, month, day, hour, minute, tzinfo=TZ)


def jobs_for(harness: Harness) -> Jobs:
    return Jobs(harness.sessions, clock=harness.clock)


async def outbox_keys(harness: Harness, prefix: str) -> list[str]:
    async with harness.sessions() as session:
        query = select(OutboxItem.idempotency_key).where(
            OutboxItem.idempotency_key.like(f"{prefix}%")
        )
        return sorted((await session.execute(query)).scalars())


async def events(harness: Harness, report_id: int) -> list[tuple[str, int | None]]:
    async with harness.sessions() as session:
        query = (
            select(IncidentEvent.kind, IncidentEvent.level)
            .where(IncidentEvent.report_id == report_id)
            .order_by(IncidentEvent.id)
        )
        return [(kind.value, level) for kind, level in (await session.execute(query)).all()]


async def file_incident(
    harness: Harness, category: str, text: str, *, urgent: bool, user: str = HEAD
) -> int:
    await harness.say(user, "/menu")
    await harness.tap(user, "Báo sự việc")
    await harness.tap(user, category)
    await harness.tap(user, "Khẩn cấp" if urgent else "Không khẩn")
    await harness.say(user, text)
    await harness.tap(user, "Hôm nay")
    await harness.tap(user, "Bỏ qua")
    await harness.tap(user, "Bỏ qua")
    await harness.tap(user, "Gửi báo cáo")
    return (await harness.reports())[-1].id
