"""What a digest is made of, read with a fixed number of statements whatever the subtree's size.

Every query names the subtree through the same recursive CTE, which follows both `parent_id`
and `merged_into_id`: a unit merged into one of ours brings its history along.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime

from sqlalchemy import CTE, Select, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from storage.enums import IncidentStatus, ModelStatus, ReportKind, Role, UnitKind
from storage.models import (
    ModelInstance,
    ModelType,
    Organization,
    Person,
    Report,
    RoleAssignment,
    Unit,
)
from storage.people import holds_role

OPEN_STATUSES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.IN_PROGRESS)
LISTED_INCIDENTS = 200


@dataclass(frozen=True)
class UnitRow:
    id: int
    parent_id: int | None
    kind: UnitKind
    division_type: str
    name: str
    valid_from: date | None
    valid_to: date | None
    merged_into_id: int | None

    @property
    def label(self) -> str:
        return f"{self.division_type} {self.name}".strip()

    def exists_between(self, first: date, last: date) -> bool:
        return (self.valid_from is None or self.valid_from <= last) and (
            self.valid_to is None or self.valid_to >= first
        )


@dataclass(frozen=True)
class CountRow:
    unit_id: int
    week: str
    kind: ReportKind
    category: str | None
    urgent: bool
    sensitive: bool
    reports: int
    participants: int
    first_received: datetime


@dataclass(frozen=True)
class IncidentRow:
    id: int
    unit_id: int
    category: str
    urgent: bool
    sensitive: bool
    text: str
    status: IncidentStatus
    week: str
    received_at: datetime


@dataclass(frozen=True)
class OpenCount:
    status: IncidentStatus
    sensitive: bool
    reports: int


@dataclass(frozen=True)
class ModelRow:
    instance_id: int
    hamlet_id: int
    type_code: str
    type_name: str
    organization: str
    status: ModelStatus
    started_on: date
    last_activity: datetime | None
    stopped_on: date | None = None


@dataclass(frozen=True)
class DigestData:
    root_id: int
    units: dict[int, UnitRow]
    heads: dict[int, str]
    counts: list[CountRow]
    open_counts: list[OpenCount]
    incidents: list[IncidentRow]
    models: list[ModelRow]


def history_tree(root_id: int) -> CTE:
    """The unit, everything under it, and every unit merged into any of them, at any depth."""
    tree = select(Unit.id).where(Unit.id == root_id).cte("tree", recursive=True)
    child = aliased(Unit)
    return tree.union(
        select(child.id).join(
            tree, or_(child.parent_id == tree.c.id, child.merged_into_id == tree.c.id)
        )
    )


def _in_tree(tree: CTE) -> Select[tuple[int]]:
    return select(tree.c.id)


async def load(
    session: AsyncSession,
    root_id: int,
    weeks: Sequence[str],
    incident_weeks: Sequence[str],
    now: datetime,
) -> DigestData:
    """Six statements: units, hamlet heads, report counts, open counts, incidents, models.

    `weeks` are every week a count is needed for (the period, the one before, the chart's);
    `incident_weeks` the period's, for its urgent incidents.
    """
    tree = history_tree(root_id)
    units = await _units(session, tree)
    heads = await _heads(session, tree, now)
    counts = await _counts(session, tree, weeks)
    open_counts = await _open_counts(session, tree)
    incidents = await _incidents(session, tree, incident_weeks)
    models = await _models(session, tree)
    return DigestData(root_id, units, heads, counts, open_counts, incidents, models)


async def _units(session: AsyncSession, tree: CTE) -> dict[int, UnitRow]:
    query = select(
        Unit.id,
        Unit.parent_id,
        Unit.kind,
        Unit.division_type,
        Unit.name,
        Unit.valid_from,
        Unit.valid_to,
        Unit.merged_into_id,
    ).where(Unit.id.in_(_in_tree(tree)))
    return {row.id: UnitRow(*row) for row in (await session.execute(query)).all()}


async def _heads(session: AsyncSession, tree: CTE, now: datetime) -> dict[int, str]:
    query = (
        select(RoleAssignment.unit_id, Person.full_name)
        .join(Person, Person.id == RoleAssignment.person_id)
        .where(
            RoleAssignment.unit_id.in_(_in_tree(tree)),
            RoleAssignment.role == Role.REPORTER,
            holds_role(now),
        )
        .order_by(RoleAssignment.valid_from)
    )
    return {unit_id: name for unit_id, name in (await session.execute(query)).all()}


async def _counts(session: AsyncSession, tree: CTE, weeks: Sequence[str]) -> list[CountRow]:
    query = (
        select(
            Report.unit_id,
            Report.week,
            Report.kind,
            Report.category,
            Report.urgent,
            Report.sensitive,
            func.count(),
            func.coalesce(func.sum(Report.participants), 0),
            func.min(Report.received_at),
        )
        .where(
            Report.unit_id.in_(_in_tree(tree)),
            Report.week.in_(list(weeks)),
            Report.withdrawn_at.is_(None),
        )
        .group_by(
            Report.unit_id,
            Report.week,
            Report.kind,
            Report.category,
            Report.urgent,
            Report.sensitive,
        )
    )
    return [
        CountRow(
            unit_id=row[0],
            week=row[1],
            kind=row[2],
            category=row[3],
            urgent=row[4],
            sensitive=row[5],
            reports=row[6],
            participants=int(row[7] or 0),
            first_received=row[8],
        )
        for row in (await session.execute(query)).all()
    ]


async def _open_counts(session: AsyncSession, tree: CTE) -> list[OpenCount]:
    query = (
        select(Report.status, Report.sensitive, func.count())
        .where(
            Report.unit_id.in_(_in_tree(tree)),
            Report.kind == ReportKind.INCIDENT,
            Report.status.in_(OPEN_STATUSES),
            Report.withdrawn_at.is_(None),
        )
        .group_by(Report.status, Report.sensitive)
    )
    return [
        OpenCount(status or IncidentStatus.OPEN, sensitive, reports)
        for status, sensitive, reports in (await session.execute(query)).all()
    ]


async def _incidents(
    session: AsyncSession, tree: CTE, incident_weeks: Sequence[str]
) -> list[IncidentRow]:
    """Urgent ones of the period and open ones of any time; the oldest first, bounded."""
    query = (
        select(
            Report.id,
            Report.unit_id,
            Report.category,
            Report.urgent,
            Report.sensitive,
            Report.text,
            Report.status,
            Report.week,
            Report.received_at,
        )
        .where(
            Report.unit_id.in_(_in_tree(tree)),
            Report.kind == ReportKind.INCIDENT,
            Report.withdrawn_at.is_(None),
            or_(
                Report.status.in_(OPEN_STATUSES),
                Report.urgent.is_(True) & Report.week.in_(list(incident_weeks)),
            ),
        )
        .order_by(Report.urgent.desc(), Report.received_at, Report.id)
        .limit(LISTED_INCIDENTS)
    )
    return [
        IncidentRow(
            id=row.id,
            unit_id=row.unit_id,
            category=row.category or "",
            urgent=row.urgent,
            sensitive=row.sensitive,
            text=row.text,
            status=row.status or IncidentStatus.OPEN,
            week=row.week,
            received_at=row.received_at,
        )
        for row in (await session.execute(query)).all()
    ]


async def _models(session: AsyncSession, tree: CTE) -> list[ModelRow]:
    # Per model, newest first through ix_reports_model_instance_occurred: a few index reads
    # each, where grouping the subtree's activities read every report of the year.
    last_activity = (
        select(func.max(Report.occurred_at))
        .where(
            Report.model_instance_id == ModelInstance.id,
            Report.kind == ReportKind.ACTIVITY,
            Report.withdrawn_at.is_(None),
        )
        .correlate(ModelInstance)
        .scalar_subquery()
    )
    query = (
        select(
            ModelInstance.id,
            ModelInstance.hamlet_id,
            ModelType.code,
            ModelType.name,
            Organization.name,
            ModelInstance.status,
            ModelInstance.started_on,
            last_activity,
            ModelInstance.stopped_on,
        )
        .join(ModelType, ModelType.id == ModelInstance.model_type_id)
        .join(Organization, Organization.id == ModelInstance.organization_id)
        .where(ModelInstance.hamlet_id.in_(_in_tree(tree)))
        .order_by(ModelInstance.hamlet_id, ModelType.id, Organization.name)
    )
    rows = (await session.execute(query)).all()
    return [
        ModelRow(
            instance_id=row[0],
            hamlet_id=row[1],
            type_code=row[2],
            type_name=row[3],
            organization=row[4],
            status=row[5],
            started_on=row[6],
            last_activity=_aware(row[7]),
            stopped_on=row[8],
        )
        for row in rows
    ]


def _aware(value: object) -> datetime | None:
    """max() over a subquery may lose the column type on SQLite; give the time its zone."""
    if value is None:
        return None
    if isinstance(value, str):
        value = datetime.fromisoformat(value)
    assert isinstance(value, datetime)
    return value.replace(tzinfo=UTC) if value.tzinfo is None else value.astimezone(UTC)


@dataclass(frozen=True)
class ReportLine:
    id: int
    unit_id: int
    kind: ReportKind
    category: str | None
    urgent: bool
    sensitive: bool
    text: str
    occurred_at: datetime
    received_at: datetime
    week: str
    status: IncidentStatus | None
    place: str | None
    latitude: float | None
    longitude: float | None
    participants: int | None
    reporter: str | None
    model: str | None
    organization: str | None


async def report_lines(
    session: AsyncSession, root_id: int, weeks: Sequence[str]
) -> list[ReportLine]:
    """Every report of the subtree in these weeks, withdrawn ones left out, oldest first."""
    tree = history_tree(root_id)
    query = (
        select(
            Report.id,
            Report.unit_id,
            Report.kind,
            Report.category,
            Report.urgent,
            Report.sensitive,
            Report.text,
            Report.occurred_at,
            Report.received_at,
            Report.week,
            Report.status,
            Report.place,
            Report.latitude,
            Report.longitude,
            Report.participants,
            Person.full_name,
            ModelType.name,
            Organization.name,
        )
        .outerjoin(Person, Person.id == Report.reporter_id)
        .outerjoin(ModelInstance, ModelInstance.id == Report.model_instance_id)
        .outerjoin(ModelType, ModelType.id == ModelInstance.model_type_id)
        .outerjoin(Organization, Organization.id == ModelInstance.organization_id)
        .where(
            Report.unit_id.in_(_in_tree(tree)),
            Report.week.in_(list(weeks)),
            Report.withdrawn_at.is_(None),
        )
        .order_by(Report.occurred_at, Report.id)
    )
    return [
        ReportLine(
            id=row[0],
            unit_id=row[1],
            kind=row[2],
            category=row[3],
            urgent=row[4],
            sensitive=row[5],
            text=row[6],
            occurred_at=row[7],
            received_at=row[8],
            week=row[9],
            status=row[10],
            place=row[11],
            latitude=row[12],
            longitude=row[13],
            participants=row[14],
            reporter=row[15],
            model=row[16],
            organization=row[17],
        )
        for row in (await session.execute(query)).all()
    ]
