"""The weekly (or monthly) digest of a unit's subtree, computed from `storage.digests` rows."""

from __future__ import annotations

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.periods import Period, week_of
from storage import digests
from storage.clock import week_days
from storage.digests import DigestData, IncidentRow, ModelRow, UnitRow
from storage.enums import IncidentCategory, IncidentStatus, ModelStatus, ReportKind, UnitKind

DORMANT_AFTER = timedelta(weeks=4)
CATEGORIES = tuple(c.value for c in IncidentCategory)


@dataclass(frozen=True)
class HamletWeek:
    expected: bool
    reported: bool
    nothing_only: bool
    on_time: bool


@dataclass
class Completeness:
    """Hamlet-weeks: expected, reported, of which only "nothing to report", and on time."""

    expected: int = 0
    reported: int = 0
    nothing_only: int = 0
    on_time: int = 0

    def add(self, cell: HamletWeek) -> None:
        if not cell.expected:
            return
        self.expected += 1
        self.reported += cell.reported
        self.nothing_only += cell.reported and cell.nothing_only
        self.on_time += cell.reported and cell.on_time

    @property
    def rate(self) -> float:
        return self.reported / self.expected if self.expected else 0.0

    @property
    def on_time_rate(self) -> float:
        return self.on_time / self.reported if self.reported else 0.0


@dataclass(frozen=True)
class Missing:
    hamlet: UnitRow
    head: str | None
    group: UnitRow
    weeks: int


@dataclass(frozen=True)
class GroupLine:
    unit: UnitRow
    completeness: Completeness
    missing_weeks: int


@dataclass(frozen=True)
class Dormant:
    hamlet: UnitRow
    model: ModelRow


@dataclass(frozen=True)
class Overlap:
    hamlet: UnitRow
    type_name: str
    organizations: tuple[str, ...]


@dataclass(frozen=True)
class ModelTypeLine:
    """One model type across the subtree in a period: what a report's model table shows."""

    type_name: str
    models: int
    active: int
    dormant: int
    activities: int
    people: int
    organizations: tuple[str, ...]
    started: tuple[ModelRow, ...]
    stopped: tuple[ModelRow, ...]


@dataclass
class Digest:
    root: UnitRow
    period: Period
    by_commune: bool
    completeness: Completeness
    groups: list[GroupLine]
    missing: list[Missing]
    categories: dict[str, tuple[int, int]]
    confidential: int
    urgent: list[IncidentRow]
    urgent_confidential: int
    open_by_status: dict[IncidentStatus, int]
    open_listed: list[IncidentRow]
    open_confidential: int
    activities: list[tuple[str, int, int]]
    dormant: list[Dormant]
    overlaps: list[Overlap]
    units: dict[int, UnitRow]
    models: list[ModelRow] = field(default_factory=list)
    hamlets: list[UnitRow] = field(default_factory=list)
    sheet_weeks: tuple[str, ...] = ()
    chart_weeks: tuple[str, ...] = ()
    chart_categories: dict[str, list[int]] = field(default_factory=dict)
    chart_completeness: dict[int, list[float | None]] = field(default_factory=dict)
    cells: dict[tuple[int, str], HamletWeek] = field(default_factory=dict)
    previous_completeness: Completeness = field(default_factory=Completeness)
    reports_by_kind: dict[ReportKind, int] = field(default_factory=dict)

    @property
    def is_empty(self) -> bool:
        return self.completeness.expected == 0 and not any(n for n, _ in self.categories.values())

    @property
    def single_hamlet(self) -> UnitRow | None:
        """The one hamlet expected to report, when there is only one."""
        return self.hamlets[0] if len(self.hamlets) == 1 else None


def weeks_touching(period: Period) -> tuple[str, ...]:
    """Every ISO week with a day in the period: a month's workbook shows its partial weeks too."""
    monday = period.first_day - timedelta(days=period.first_day.weekday())
    weeks: list[str] = []
    while monday <= period.last_day:
        weeks.append(week_of(monday))
        monday += timedelta(weeks=1)
    return tuple(weeks)


async def build(
    session: AsyncSession, root_id: int, period: Period, now: datetime, tz: ZoneInfo
) -> Digest:
    previous = period.previous()
    chart_weeks = period.chart_weeks()
    weeks = sorted({*period.weeks, *previous.weeks, *chart_weeks, *weeks_touching(period)})
    data = await digests.load(session, root_id, weeks, period.weeks, now)
    return compute(data, period, previous, chart_weeks, now, tz)


class Tree:
    """Units of the subtree with merged units resolved to their successors."""

    def __init__(self, data: DigestData) -> None:
        self.units = data.units
        self.root = data.units[data.root_id]

    def successor(self, unit_id: int) -> int:
        seen = {unit_id}
        current = self.units[unit_id]
        while current.merged_into_id in self.units and current.merged_into_id not in seen:
            assert current.merged_into_id is not None
            seen.add(current.merged_into_id)
            current = self.units[current.merged_into_id]
        return current.id

    def group_of(self, hamlet_id: int, by_commune: bool) -> int:
        """The hamlet itself under a commune; its commune under a province or district."""
        hamlet = self.successor(hamlet_id)
        if not by_commune:
            return hamlet
        current = hamlet
        for _ in range(len(self.units)):
            parent_id = self.units[current].parent_id
            if parent_id is None or parent_id not in self.units:
                return current
            parent = self.successor(parent_id)
            if parent == self.root.id:
                return current
            current = parent
        return current

    def hamlets(self) -> list[UnitRow]:
        return [u for u in self.units.values() if u.kind is UnitKind.HAMLET]


def compute(
    data: DigestData,
    period: Period,
    previous: Period,
    chart_weeks: tuple[str, ...],
    now: datetime,
    tz: ZoneInfo,
) -> Digest:
    tree = Tree(data)
    by_commune = tree.root.kind in (UnitKind.PROVINCE, UnitKind.DISTRICT)
    sheet_weeks = weeks_touching(period)
    cells = _cells(data, tree, tz, {*period.weeks, *previous.weeks, *chart_weeks, *sheet_weeks})
    group_ids = {h.id: tree.group_of(h.id, by_commune) for h in tree.hamlets()}
    total = Completeness()
    before = Completeness()
    for (_, week), cell in cells.items():
        if week in previous.weeks:
            before.add(cell)
    per_group: dict[int, Completeness] = defaultdict(Completeness)
    missing_weeks: Counter[int] = Counter()
    for (hamlet_id, week), cell in cells.items():
        if week not in period.weeks:
            continue
        total.add(cell)
        per_group[group_ids[hamlet_id]].add(cell)
        if cell.expected and not cell.reported:
            missing_weeks[hamlet_id] += 1
    groups = sorted(
        (
            GroupLine(
                data.units[g], c, sum(missing_weeks[h] for h, gg in group_ids.items() if gg == g)
            )
            for g, c in per_group.items()
            if c.expected
        ),
        key=lambda line: (
            (line.completeness.rate, line.unit.name) if by_commune else (line.unit.name,)
        ),
    )
    missing = sorted(
        (
            Missing(
                data.units[h],
                data.heads.get(h),
                data.units[group_ids[h]],
                count,
            )
            for h, count in missing_weeks.items()
        ),
        key=lambda m: (m.group.name, m.hamlet.name),
    )
    digest = Digest(
        root=tree.root,
        period=period,
        by_commune=by_commune,
        completeness=total,
        groups=groups,
        missing=missing,
        categories=_categories(data, period, previous),
        confidential=sum(
            r.reports
            for r in data.counts
            if r.kind is ReportKind.INCIDENT and r.sensitive and r.week in period.weeks
        ),
        urgent=[
            i for i in data.incidents if i.urgent and i.week in period.weeks and not i.sensitive
        ],
        urgent_confidential=sum(
            r.reports
            for r in data.counts
            if r.kind is ReportKind.INCIDENT and r.urgent and r.sensitive and r.week in period.weeks
        ),
        open_by_status=_open_by_status(data),
        open_listed=[
            i for i in data.incidents if i.status is not IncidentStatus.RESOLVED and not i.sensitive
        ],
        open_confidential=sum(c.reports for c in data.open_counts if c.sensitive),
        activities=_activities(data, period),
        dormant=_dormant(data, tree, period, tz),
        overlaps=_overlaps(data, tree),
        units=data.units,
        models=data.models,
        hamlets=_expected_hamlets(data, cells, period),
        sheet_weeks=sheet_weeks,
        cells=cells,
        previous_completeness=before,
        reports_by_kind=_reports_by_kind(data, period),
    )
    _chart(digest, data, tree, cells, group_ids, chart_weeks)
    return digest


def _cells(
    data: DigestData, tree: Tree, tz: ZoneInfo, weeks: set[str]
) -> dict[tuple[int, str], HamletWeek]:
    """One cell per (current hamlet, week): was it expected, did it report, was it on time."""
    kinds: dict[tuple[int, str], set[ReportKind]] = defaultdict(set)
    first: dict[tuple[int, str], datetime] = {}
    for row in data.counts:
        unit = data.units.get(row.unit_id)
        if unit is None or unit.kind is not UnitKind.HAMLET:
            continue
        key = (tree.successor(row.unit_id), row.week)
        kinds[key].add(row.kind)
        if key not in first or row.first_received < first[key]:
            first[key] = row.first_received
    members: dict[int, list[UnitRow]] = defaultdict(list)
    for hamlet in tree.hamlets():
        members[tree.successor(hamlet.id)].append(hamlet)
    # Each week's days and deadline once, not once per hamlet.
    bounds = {}
    for week in weeks:
        monday, sunday = week_days(week)
        deadline = datetime.combine(sunday + timedelta(days=1), time(0), tzinfo=tz)
        bounds[week] = (monday, sunday, deadline)
    cells: dict[tuple[int, str], HamletWeek] = {}
    for hamlet_id, group in members.items():
        for week, (monday, sunday, deadline) in bounds.items():
            expected = any(m.exists_between(monday, sunday) for m in group)
            key = (hamlet_id, week)
            found = kinds.get(key, set())
            cells[key] = HamletWeek(
                expected=expected,
                reported=bool(found),
                nothing_only=found == {ReportKind.NOTHING},
                on_time=key in first and first[key] < deadline,
            )
    return cells


def _expected_hamlets(
    data: DigestData, cells: dict[tuple[int, str], HamletWeek], period: Period
) -> list[UnitRow]:
    expected = {h for (h, week), cell in cells.items() if cell.expected and week in period.weeks}
    return sorted((data.units[h] for h in expected), key=lambda unit: unit.name)


def _categories(data: DigestData, period: Period, previous: Period) -> dict[str, tuple[int, int]]:
    now: Counter[str] = Counter()
    before: Counter[str] = Counter()
    for row in data.counts:
        if row.kind is not ReportKind.INCIDENT or not row.category:
            continue
        if row.week in period.weeks:
            now[row.category] += row.reports
        elif row.week in previous.weeks:
            before[row.category] += row.reports
    return {c: (now[c], before[c]) for c in CATEGORIES if now[c] or before[c]}


def _reports_by_kind(data: DigestData, period: Period) -> dict[ReportKind, int]:
    found: Counter[ReportKind] = Counter()
    for row in data.counts:
        if row.week in period.weeks:
            found[row.kind] += row.reports
    return {kind: found[kind] for kind in ReportKind if found[kind]}


def _open_by_status(data: DigestData) -> dict[IncidentStatus, int]:
    found: Counter[IncidentStatus] = Counter()
    for row in data.open_counts:
        found[row.status] += row.reports
    return {status: found[status] for status in digests.OPEN_STATUSES if found[status]}


def _activities(data: DigestData, period: Period) -> list[tuple[str, int, int]]:
    names = {m.type_code: m.type_name for m in data.models}
    reports: Counter[str] = Counter()
    people: Counter[str] = Counter()
    for row in data.counts:
        if row.kind is ReportKind.ACTIVITY and row.week in period.weeks:
            name = names.get(row.category or "", row.category or "")
            reports[name] += row.reports
            people[name] += row.participants
    return [(name, reports[name], people[name]) for name in sorted(reports)]


def _dormant(data: DigestData, tree: Tree, period: Period, tz: ZoneInfo) -> list[Dormant]:
    """Active models with no activity in the four weeks up to the period's end."""
    end = datetime.combine(period.last_day + timedelta(days=1), time(0), tzinfo=tz)
    found: list[Dormant] = []
    for model in data.models:
        if model.status is not ModelStatus.ACTIVE:
            continue
        last = model.last_activity
        started = datetime.combine(model.started_on, time(0), tzinfo=tz)
        quiet_since = last if last is not None else started
        if end - quiet_since >= DORMANT_AFTER:
            found.append(Dormant(data.units[tree.successor(model.hamlet_id)], model))
    return sorted(found, key=lambda d: (d.hamlet.name, d.model.type_name))


def _overlaps(data: DigestData, tree: Tree) -> list[Overlap]:
    """The same model type run by two organizations or more in one hamlet."""
    owners: dict[tuple[int, str], set[str]] = defaultdict(set)
    names: dict[str, str] = {}
    for model in data.models:
        if model.status is ModelStatus.STOPPED:
            continue
        owners[(tree.successor(model.hamlet_id), model.type_code)].add(model.organization)
        names[model.type_code] = model.type_name
    return sorted(
        (
            Overlap(data.units[hamlet_id], names[code], tuple(sorted(organizations)))
            for (hamlet_id, code), organizations in owners.items()
            if len(organizations) > 1
        ),
        key=lambda o: (o.hamlet.name, o.type_name),
    )


def _chart(
    digest: Digest,
    data: DigestData,
    tree: Tree,
    cells: dict[tuple[int, str], HamletWeek],
    group_ids: dict[int, int],
    chart_weeks: tuple[str, ...],
) -> None:
    digest.chart_weeks = chart_weeks
    per_category: dict[str, list[int]] = {c: [0] * len(chart_weeks) for c in CATEGORIES}
    position = {week: n for n, week in enumerate(chart_weeks)}
    for row in data.counts:
        if (
            row.kind is ReportKind.INCIDENT
            and row.category in per_category
            and row.week in position
        ):
            per_category[row.category][position[row.week]] += row.reports
    digest.chart_categories = {c: v for c, v in per_category.items() if any(v)}
    totals: dict[int, list[Completeness]] = defaultdict(
        lambda: [Completeness() for _ in chart_weeks]
    )
    for (hamlet_id, week), cell in cells.items():
        if week in position:
            totals[group_ids[hamlet_id]][position[week]].add(cell)
    digest.chart_completeness = {
        group: [c.rate if c.expected else None for c in weeks] for group, weeks in totals.items()
    }


def model_lines(digest: Digest) -> list[ModelTypeLine]:
    """Per model type: the models that ran in the period (started by its end, not stopped before
    it began), how many are active and dormant, their activities and people in the period (the
    digest's own counts), who runs them, and those started and stopped within it."""
    period = digest.period
    dormant = {d.model.instance_id for d in digest.dormant}
    activity = {name: (reports, people) for name, reports, people in digest.activities}
    by_type: dict[str, list[ModelRow]] = defaultdict(list)
    for model in digest.models:
        # A model stopped before its stop day was recorded has no day: it ran in no period.
        stopped_before = model.status is ModelStatus.STOPPED and (
            model.stopped_on is None or model.stopped_on < period.first_day
        )
        if model.started_on <= period.last_day and not stopped_before:
            by_type[model.type_name].append(model)
    lines: list[ModelTypeLine] = []
    for name in sorted({*by_type, *activity}):
        models = by_type.get(name, [])
        reports, people = activity.get(name, (0, 0))
        lines.append(
            ModelTypeLine(
                type_name=name,
                models=len(models),
                active=sum(
                    m.status is ModelStatus.ACTIVE and m.instance_id not in dormant for m in models
                ),
                dormant=sum(m.instance_id in dormant for m in models),
                activities=reports,
                people=people,
                organizations=tuple(sorted({m.organization for m in models})),
                started=tuple(m for m in models if m.started_on >= period.first_day),
                stopped=tuple(
                    m
                    for m in models
                    if m.stopped_on is not None and m.stopped_on <= period.last_day
                ),
            )
        )
    return lines
