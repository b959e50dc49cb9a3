"""What a digest is made of, read with a fixed number of statements whatever the subtree's size.

Every query names the subtree through the same recursive CTE, which follows both `parent_id`
and `merged_into_id`: a unit merged into one of ours brings its history along.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime
from typing import NamedTuple, TypeVar

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

_T = TypeVar("_T")

OPEN_STATUSES = (IncidentStatus.OPEN, IncidentStatus.ACKNOWLEDGED, IncidentStatus.IN_PROGRESS)
LISTED_INCIDENTS = 200

# The rows are named tuples: the nation's Monday reads about 1.6 million of them, and a frozen
# dataclass takes twice as long to build (each field set through object.__setattr__).


class UnitRow(NamedTuple):
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


class CountRow(NamedTuple):
    unit_id: int
    week: str
    kind: ReportKind
    category: str | None
    urgent: bool
    sensitive: bool
    reports: int
    participants: int
    first_received: datetime


class IncidentRow(NamedTuple):
    id: int
    unit_id: int
    category: str
    urgent: bool
    sensitive: bool
    text: str
    status: IncidentStatus
    week: str
    received_at: datetime


class OpenCount(NamedTuple):
    status: IncidentStatus
    sensitive: bool
    reports: int


class ModelRow(NamedTuple):
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


_UNIT_COLUMNS = (
    "id",
    "parent_id",
    "kind",
    "division_type",
    "name",
    "valid_from",
    "valid_to",
    "merged_into_id",
)


def forest(root_ids: Sequence[int]) -> CTE:
    """`history_tree` of several roots at once: each unit's row beside the root it is under."""
    unit, child = Unit.__table__.c, aliased(Unit.__table__)
    tree = (
        select(*(unit[name] for name in _UNIT_COLUMNS), unit.id.label("root"))
        .where(unit.id.in_(list(root_ids)))
        .cte("forest", recursive=True)
    )
    return tree.union(
        select(*(child.c[name] for name in _UNIT_COLUMNS), tree.c.root).join(
            tree, or_(child.c.parent_id == tree.c.id, child.c.merged_into_id == tree.c.id)
        )
    )


async def load_many(
    session: AsyncSession,
    root_ids: Sequence[int],
    weeks: Sequence[str],
    incident_weeks: Sequence[str],
    now: datetime,
) -> list[DigestData]:
    """Six statements for all the roots: units, hamlet heads, report counts, open counts,
    incidents, models. A digest's statements cost as much Python as its arithmetic, so the
    Monday job reads its communes in groups.

    The units come first, through the recursive CTE; the other statements name them one by
    one: PostgreSQL guesses a recursive CTE at thousands of rows a root, and a guess that
    size turns the reports' index scans into a scan of the table. Their rows go to their
    roots here. `weeks` are every week a count is needed for (the period, the one before,
    the chart's); `incident_weeks` the period's, for its urgent incidents.
    """
    units = await _units(session, root_ids)
    members = _Members(units)
    ids = sorted(members.roots)
    heads = await _heads(session, ids, now)
    counts = members.split(await _counts(session, ids, weeks))
    open_counts = members.split(await _open_counts(session, ids))
    incidents = members.split(await _incidents(session, ids, incident_weeks, len(root_ids) == 1))
    models = members.split(await _models(session, ids))
    return [
        DigestData(
            root_id,
            units.get(root_id, {}),
            {unit: heads[unit] for unit in units.get(root_id, {}) if unit in heads},
            counts.get(root_id, []),
            _summed(open_counts.get(root_id, [])),
            sorted(incidents.get(root_id, []), key=_listed_first)[:LISTED_INCIDENTS],
            models.get(root_id, []),
        )
        for root_id in root_ids
    ]


class _Members:
    """Which roots each unit is under (one, unless a root lies under another)."""

    def __init__(self, units: dict[int, dict[int, UnitRow]]) -> None:
        self.roots: dict[int, list[int]] = defaultdict(list)
        for root, members in units.items():
            for unit in members:
                self.roots[unit].append(root)

    def split(self, rows: Iterable[tuple[int, _T]]) -> dict[int, list[_T]]:
        """Rows given with their unit, listed under each root, in their order."""
        found: dict[int, list[_T]] = defaultdict(list)
        for unit, row in rows:
            for root in self.roots.get(unit, ()):
                found[root].append(row)
        return found


def _summed(counts: list[OpenCount]) -> list[OpenCount]:
    totals: dict[tuple[IncidentStatus, bool], int] = defaultdict(int)
    for count in counts:
        totals[count.status, count.sensitive] += count.reports
    return [OpenCount(status, sensitive, n) for (status, sensitive), n in totals.items()]


def _listed_first(incident: IncidentRow) -> tuple[bool, datetime, int]:
    return (not incident.urgent, incident.received_at, incident.id)


# Core columns, not the mapped attributes: the rows come back as plain tuples, without the
# ORM's loading, which cost more per digest than the database's work.
_reports = Report.__table__.c
_roles = RoleAssignment.__table__.c
_people = Person.__table__.c
_instances = ModelInstance.__table__.c
_types = ModelType.__table__.c
_organizations = Organization.__table__.c


async def _units(session: AsyncSession, root_ids: Sequence[int]) -> dict[int, dict[int, UnitRow]]:
    tree = forest(root_ids)
    query = select(*(tree.c[name] for name in _UNIT_COLUMNS), tree.c.root)
    found: dict[int, dict[int, UnitRow]] = defaultdict(dict)
    for *row, root in (await session.execute(query)).all():
        found[root][row[0]] = UnitRow(*row)
    return found


async def _heads(session: AsyncSession, ids: list[int], now: datetime) -> dict[int, str]:
    r, p = _roles, _people
    query = (
        select(r.unit_id, p.full_name)
        .join(Person.__table__, p.id == r.person_id)
        .where(r.unit_id.in_(ids), r.role == Role.REPORTER, holds_role(now))
        .order_by(r.valid_from)
    )
    return {unit_id: name for unit_id, name in (await session.execute(query)).all()}


async def _counts(
    session: AsyncSession, ids: list[int], weeks: Sequence[str]
) -> list[tuple[int, CountRow]]:
    r = _reports
    query = (
        select(
            r.unit_id,
            r.week,
            r.kind,
            r.category,
            r.urgent,
            r.sensitive,
            func.count(),
            func.coalesce(func.sum(r.participants), 0),
            func.min(r.received_at),
        )
        .where(
            r.unit_id.in_(ids),
            r.week.in_(list(weeks)),
            r.withdrawn_at.is_(None),
        )
        .group_by(r.unit_id, r.week, r.kind, r.category, r.urgent, r.sensitive)
    )
    return [
        (
            row[0],
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
            ),
        )
        for row in (await session.execute(query)).all()
    ]


async def _open_counts(session: AsyncSession, ids: list[int]) -> list[tuple[int, OpenCount]]:
    r = _reports
    query = (
        select(r.unit_id, r.status, r.sensitive, func.count())
        .where(
            r.unit_id.in_(ids),
            r.kind == ReportKind.INCIDENT,
            r.status.in_(OPEN_STATUSES),
            r.withdrawn_at.is_(None),
        )
        .group_by(r.unit_id, r.status, r.sensitive)
    )
    return [
        (unit_id, OpenCount(status or IncidentStatus.OPEN, sensitive, reports))
        for unit_id, status, sensitive, reports in (await session.execute(query)).all()
    ]


async def _incidents(
    session: AsyncSession, ids: list[int], incident_weeks: Sequence[str], one_root: bool
) -> list[tuple[int, IncidentRow]]:
    """Urgent ones of the period and open ones of any time; the oldest first, bounded.

    For one root, bounded in SQL; for several, bounded per unit in SQL (a root's first ones
    are among its units' first ones) and per root by the caller."""
    r = _reports
    order = (r.urgent.desc(), r.received_at, r.id)
    columns = (
        r.id,
        r.unit_id,
        r.category,
        r.urgent,
        r.sensitive,
        r.text,
        r.status,
        r.week,
        r.received_at,
    )
    wanted = (
        r.unit_id.in_(ids),
        r.kind == ReportKind.INCIDENT,
        r.withdrawn_at.is_(None),
        or_(
            r.status.in_(OPEN_STATUSES),
            r.urgent.is_(True) & r.week.in_(list(incident_weeks)),
        ),
    )
    if one_root:
        query = select(*columns).where(*wanted).order_by(*order).limit(LISTED_INCIDENTS)
    else:
        place = func.row_number().over(partition_by=r.unit_id, order_by=order).label("place")
        ranked = select(*columns, place).where(*wanted).subquery()
        query = select(*(ranked.c[c.name] for c in columns)).where(
            ranked.c.place <= LISTED_INCIDENTS
        )
    return [
        (
            row.unit_id,
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
            ),
        )
        for row in (await session.execute(query)).all()
    ]


async def _models(session: AsyncSession, ids: list[int]) -> list[tuple[int, ModelRow]]:
    m, r, types, organizations = _instances, _reports, _types, _organizations
    # Per model, newest first through ix_reports_model_instance_occurred: a few index reads
    # each, where grouping the subtree's activities read every report of the year.
    last_activity = (
        select(func.max(r.occurred_at))
        .where(
            r.model_instance_id == m.id,
            r.kind == ReportKind.ACTIVITY,
            r.withdrawn_at.is_(None),
        )
        .correlate(ModelInstance.__table__)
        .scalar_subquery()
    )
    query = (
        select(
            m.id,
            m.hamlet_id,
            types.code,
            types.name,
            organizations.name,
            m.status,
            m.started_on,
            last_activity,
            m.stopped_on,
        )
        .join(ModelType.__table__, types.id == m.model_type_id)
        .join(Organization.__table__, organizations.id == m.organization_id)
        .where(m.hamlet_id.in_(ids))
        .order_by(m.hamlet_id, types.id, organizations.name)
    )
    return [
        (
            row[1],
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
            ),
        )
        for row in (await session.execute(query)).all()
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
