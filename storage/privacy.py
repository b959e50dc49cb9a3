"""What the bot holds about one person, and their consent to the privacy notice."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage import people
from storage.enums import OutboxStatus, UnitKind
from storage.models import Identity, OutboxItem, Person, Report, Unit
from storage.people import ActiveRole

# The text of the notice a person agreed to; a new text gets a new version.
NOTICE_VERSION = "2026-12"
LATEST_REPORTS = 5


def agree(person: Person, now: datetime) -> None:
    person.consented_at, person.consent_version = now, NOTICE_VERSION


def has_agreed(person: Person) -> bool:
    """Agreed to the notice as it reads now; an older text is asked about again."""
    return person.consented_at is not None and person.consent_version == NOTICE_VERSION


@dataclass(frozen=True)
class Held:
    """Everything kept about a person, as /dulieu and `tuquan privacy show` list it."""

    person: Person
    accounts: list[Identity]
    roles: list[ActiveRole]
    report_count: int
    latest_reports: list[Report]
    pending_messages: int


async def held_about(session: AsyncSession, person_id: int, now: datetime) -> Held | None:
    person = await session.get(Person, person_id)
    if person is None:
        return None
    accounts = list(
        (
            await session.execute(
                select(Identity).where(Identity.person_id == person_id).order_by(Identity.id)
            )
        ).scalars()
    )
    own = Report.reporter_id == person_id
    count = await session.scalar(select(func.count(Report.id)).where(own))
    newest_first = select(Report).where(own).order_by(Report.id.desc()).limit(LATEST_REPORTS)
    latest = (await session.execute(newest_first)).scalars()
    pending = await session.scalar(
        select(func.count(OutboxItem.id)).where(
            OutboxItem.identity_id.in_([account.id for account in accounts]),
            OutboxItem.status == OutboxStatus.PENDING,
        )
    )
    return Held(
        person=person,
        accounts=accounts,
        roles=await people.active_roles(session, person_id, now),
        report_count=int(count or 0),
        latest_reports=list(latest),
        pending_messages=int(pending or 0),
    )


async def keeper_of(session: AsyncSession, unit: Unit) -> Unit:
    """Whose Front office keeps what is reported from `unit`: a hamlet's commune, or the unit
    itself for a commune or above."""
    current = unit
    while current.kind is UnitKind.HAMLET and current.parent_id is not None:
        parent = await session.get(Unit, current.parent_id)
        if parent is None:
            break
        current = parent
    return current
