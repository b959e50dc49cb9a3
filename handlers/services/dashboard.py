"""The officers' web pages as use cases, free of any web framework: the overview of a unit's
subtree, its incidents (`dashboard_incidents`), its models, and the files to download.

Every figure is the chat's: a page reads the digest (`handlers.digest.build`) the chat's
summary, workbook and report read, and who may read an incident is `followup.may_act`.
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime
from typing import Literal
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from handlers import report_delivery
from handlers.digest import build
from handlers.digest_contents import Completeness, Digest, HamletWeek
from handlers.digest_delivery import slug
from handlers.i18n import Translator
from handlers.periods import Period
from handlers.services.dashboard_incidents import (
    EventLine,
    IncidentFilters,
    IncidentLine,
    IncidentList,
    IncidentView,
    LocalPhoto,
    PhotoView,
    incident,
    incident_list,
    photo_file,
    photo_url,
    plain,
)
from handlers.services.dashboard_models import ModelLine, ModelRegistry, digest_tree, model_registry
from handlers.services.dashboard_viewer import Viewer, unit_for, viewer
from storage import audit, dashboard
from storage.models import Unit

__all__ = [
    "EventLine",
    "HeatCell",
    "HeatRow",
    "IncidentFilters",
    "IncidentLine",
    "IncidentList",
    "IncidentView",
    "LocalPhoto",
    "MissingLine",
    "ModelLine",
    "ModelRegistry",
    "Overview",
    "PhotoView",
    "TrendPoint",
    "Viewer",
    "download",
    "incident",
    "incident_list",
    "model_registry",
    "overview",
    "photo_file",
    "photo_url",
    "unit_for",
    "viewer",
]

HeatState = Literal["on_time", "late", "nothing", "missing", "not_expected"]
DownloadKind = Literal["xlsx", "docx"]


@dataclass(frozen=True)
class HeatCell:
    week: str
    state: HeatState


@dataclass(frozen=True)
class HeatRow:
    hamlet_id: int
    hamlet_label: str
    group_label: str
    cells: tuple[HeatCell, ...]


@dataclass(frozen=True)
class MissingLine:
    hamlet_id: int
    hamlet_label: str
    group_label: str
    head_name: str | None
    # Only when the head shares it, as the chat's hamlet directory shows it.
    head_phone: str | None
    weeks: int


@dataclass(frozen=True)
class TrendPoint:
    week: str
    label: str
    rate: float | None


@dataclass(frozen=True)
class Overview:
    unit_label: str
    period: Period
    completeness_rate: float
    on_time_rate: float
    # None when nothing was expected in the period before.
    previous_rate: float | None
    expected: int
    reported: int
    weeks: tuple[str, ...]
    week_labels: tuple[str, ...]
    rows: list[HeatRow]
    missing: list[MissingLine]
    trend: list[TrendPoint]
    incidents_total: int
    open_total: int


def _state(cell: HamletWeek | None) -> HeatState:
    if cell is None or not cell.expected:
        return "not_expected"
    if not cell.reported:
        return "missing"
    if cell.nothing_only:
        return "nothing"
    return "on_time" if cell.on_time else "late"


def week_label(t: Translator, week: str) -> str:
    return plain(t("web.week_short", number=int(week.split("-W")[1])))


async def overview(
    session: AsyncSession,
    viewer: Viewer,
    unit: Unit,
    period: Period,
    now: datetime,
    tz: ZoneInfo,
    *,
    t: Translator | None = None,
) -> Overview:
    """Who reported in each hamlet and week of the period, and on time; who did not, with
    their head; the weekly trend; the incidents. The viewer must hold `unit` (`unit_for`)."""
    t = t or Translator()
    digest = await build(session, unit.id, period, now, tz)
    tree = digest_tree(digest)
    by_commune = digest.by_commune

    def group_label(hamlet_id: int) -> str:
        return digest.units[tree.group_of(hamlet_id, by_commune)].label

    weeks = period.weeks
    rows = [
        HeatRow(
            hamlet_id=hamlet.id,
            hamlet_label=hamlet.label,
            group_label=group_label(hamlet.id),
            cells=tuple(HeatCell(w, _state(digest.cells.get((hamlet.id, w)))) for w in weeks),
        )
        for hamlet in digest.hamlets
    ]
    rows.sort(key=lambda row: (row.group_label, row.hamlet_label))
    heads = await dashboard.hamlet_heads(session, [m.hamlet.id for m in digest.missing], now)
    missing = []
    for line in digest.missing:
        head = heads.get(line.hamlet.id)
        missing.append(
            MissingLine(
                hamlet_id=line.hamlet.id,
                hamlet_label=line.hamlet.label,
                group_label=line.group.label,
                head_name=line.head,
                head_phone=head.phone if head is not None and head.share_phone else None,
                weeks=line.weeks,
            )
        )
    before = digest.previous_completeness
    return Overview(
        unit_label=digest.root.label,
        period=period,
        completeness_rate=digest.completeness.rate,
        on_time_rate=digest.completeness.on_time_rate,
        previous_rate=before.rate if before.expected else None,
        expected=digest.completeness.expected,
        reported=digest.completeness.reported,
        weeks=period.weeks,
        week_labels=tuple(week_label(t, w) for w in period.weeks),
        rows=rows,
        missing=missing,
        trend=_trend(digest, t),
        incidents_total=sum(now_count for now_count, _ in digest.categories.values()),
        open_total=sum(digest.open_by_status.values()),
    )


def _trend(digest: Digest, t: Translator) -> list[TrendPoint]:
    """The whole subtree's completeness in each of the chart's weeks."""
    totals = {week: Completeness() for week in digest.chart_weeks}
    for (_, week), cell in digest.cells.items():
        if week in totals:
            totals[week].add(cell)
    return [
        TrendPoint(week, week_label(t, week), c.rate if c.expected else None)
        for week, c in totals.items()
    ]


async def download(
    session: AsyncSession,
    viewer: Viewer,
    unit: Unit,
    period: Period,
    kind: DownloadKind,
    t: Translator,
    now: datetime,
    tz: ZoneInfo,
) -> tuple[str, bytes]:
    """The period's workbook or the Front's report in Word, as the chat makes them, and
    written to the audit log as the chat's exports are."""
    key = f"web:{secrets.token_hex(8)}:{kind}"
    if kind == "xlsx":
        # openpyxl is imported on the first workbook asked for, as in chat.
        from handlers import workbook

        digest = await build(session, unit.id, period, now, tz)
        name = f"bao-cao-{slug(digest.root.label)}-{digest.period.key}.xlsx"
        content = await workbook.render_xlsx(session, digest, t, tz)
    else:
        drafted = await report_delivery.draft_report(session, unit.id, period, now, tz, t)
        digest, content = drafted.digest, drafted.docx
        name = report_delivery.file_name(digest)
    audit.record(
        session,
        at=now,
        person_id=viewer.person_id,
        action="export",
        subject=f"unit:{digest.root.id}",
        period=period.key,
        file=key,
    )
    return name, content
