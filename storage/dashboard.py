"""What the officers' web pages read beyond a digest: the incidents of a subtree by filter,
the hamlet heads with their phones, and an incident's photos with their local copies."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import ColumnElement, and_, select
from sqlalchemy.ext.asyncio import AsyncSession

from storage.digests import history_tree
from storage.enums import IncidentStatus, MediaStatus, ReportKind, Role
from storage.models import MediaFile, Person, Report, ReportPhoto, RoleAssignment
from storage.people import holds_role

# A page lists this many incidents at most, the newest first.
LISTED = 300


@dataclass(frozen=True)
class IncidentQuery:
    """The incidents of the subtree of `root_id` (a hamlet's, to filter by hamlet)."""

    root_id: int
    category: str | None = None
    status: IncidentStatus | None = None
    urgent: bool | None = None
    weeks: Sequence[str] | None = None


async def incidents(
    session: AsyncSession, query: IncidentQuery, limit: int = LISTED
) -> list[Report]:
    """Incidents not withdrawn that match, the newest first; confidential ones included (the
    caller decides who reads them)."""
    tree = history_tree(query.root_id)
    statement = select(Report).where(
        Report.unit_id.in_(select(tree.c.id)),
        Report.kind == ReportKind.INCIDENT,
        Report.withdrawn_at.is_(None),
    )
    if query.category is not None:
        statement = statement.where(Report.category == query.category)
    if query.status is not None:
        statement = statement.where(Report.status == query.status)
    if query.urgent is not None:
        statement = statement.where(Report.urgent.is_(query.urgent))
    if query.weeks is not None:
        statement = statement.where(Report.week.in_(list(query.weeks)))
    statement = statement.order_by(Report.received_at.desc(), Report.id.desc()).limit(limit)
    return list((await session.execute(statement)).scalars())


async def hamlet_heads(
    session: AsyncSession, hamlet_ids: Collection[int], now: datetime
) -> dict[int, Person]:
    """The head of each of these hamlets now; of two, the one named last (as a digest does)."""
    if not hamlet_ids:
        return {}
    statement = (
        select(RoleAssignment.unit_id, Person)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.unit_id.in_(set(hamlet_ids)),
            RoleAssignment.role == Role.REPORTER,
            holds_role(now),
        )
        .order_by(RoleAssignment.valid_from, RoleAssignment.id)
    )
    return {unit_id: person for unit_id, person in (await session.execute(statement)).all()}


@dataclass(frozen=True)
class PhotoRow:
    photo: ReportPhoto
    copy: MediaFile | None


def _copied() -> ColumnElement[bool]:
    # A platform that hands photos over as URLs has them copied to the media folder.
    return and_(
        MediaFile.source_url == ReportPhoto.file_ref,
        MediaFile.status == MediaStatus.DONE,
        MediaFile.local_path.is_not(None),
    )


async def photos_of(session: AsyncSession, report_id: int) -> list[PhotoRow]:
    statement = (
        select(ReportPhoto, MediaFile)
        .outerjoin(MediaFile, _copied())
        .where(ReportPhoto.report_id == report_id)
        .order_by(ReportPhoto.position, ReportPhoto.id)
    )
    found: dict[int, PhotoRow] = {}
    for photo, copy in (await session.execute(statement)).all():
        found.setdefault(photo.id, PhotoRow(photo, copy))
    return list(found.values())


async def photo(session: AsyncSession, photo_id: int) -> PhotoRow | None:
    statement = (
        select(ReportPhoto, MediaFile)
        .outerjoin(MediaFile, _copied())
        .where(ReportPhoto.id == photo_id)
        .limit(1)
    )
    row = (await session.execute(statement)).first()
    return None if row is None else PhotoRow(row[0], row[1])
