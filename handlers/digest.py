"""The weekly (or monthly) digest of a unit's subtree, computed from `storage.digests` rows:
who reported in each hamlet and week, and on time, per group and against the period before;
incidents by category and status; and the weekly series the charts draw.

What a digest holds is in `handlers.digest_contents`; what it says about the self-management
models is computed in `handlers.digest_models`, over the units of `handlers.digest_tree`.
"""

from __future__ import annotations

from collections import Counter, defaultdict
from collections.abc import Sequence
from datetime import date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers.digest_contents import Completeness, Digest, GroupLine, HamletWeek, Missing
from handlers.digest_models import activity_by_type, dormant_models, overlapping_models
from handlers.digest_tree import Tree
from handlers.periods import Period, week_of
from storage import digests
from storage.clock import week_days
from storage.digests import DigestData, UnitRow
from storage.enums import IncidentCategory, IncidentStatus, ReportKind, UnitKind

CATEGORIES = tuple(c.value for c in IncidentCategory)
NO_REPORTS: frozenset[ReportKind] = frozenset()
NOTHING_ONLY = frozenset({ReportKind.NOTHING})


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
    return (await build_many(session, [root_id], period, now, tz))[0]


async def build_many(
    session: AsyncSession, root_ids: Sequence[int], period: Period, now: datetime, tz: ZoneInfo
) -> list[Digest]:
    """The digests of several units, read with the six statements of one."""
    previous = period.previous()
    chart_weeks = period.chart_weeks()
    weeks = sorted({*period.weeks, *previous.weeks, *chart_weeks, *weeks_touching(period)})
    loaded = await digests.load_many(session, root_ids, weeks, period.weeks, now)
    return [compute(data, period, previous, chart_weeks, now, tz) for data in loaded]


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
    weeks = {*period.weeks, *previous.weeks, *chart_weeks, *sheet_weeks}
    cells = _cells(data, tree, tz, weeks, now.astimezone(tz).date())
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
        activities=activity_by_type(data, period),
        dormant=dormant_models(data, tree, period, tz),
        overlaps=overlapping_models(data, tree),
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
    data: DigestData, tree: Tree, tz: ZoneInfo, weeks: set[str], today: date
) -> dict[tuple[int, str], HamletWeek]:
    """One cell per (current hamlet, week): was it expected, did it report, was it on time.
    A week that has not begun is expected of nobody: this month's figures on its third day
    count the weeks so far, not the ones to come."""
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
        # Most hamlets have always existed: spare them a look at each week's bounds.
        always = any(m.valid_from is None and m.valid_to is None for m in group)
        for week, (monday, sunday, deadline) in bounds.items():
            expected = monday <= today and (
                always or any(m.exists_between(monday, sunday) for m in group)
            )
            key = (hamlet_id, week)
            found = kinds.get(key, NO_REPORTS)
            cells[key] = HamletWeek.of(
                expected,
                bool(found),
                found == NOTHING_ONLY,
                key in first and first[key] < deadline,
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
