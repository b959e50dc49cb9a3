"""The incidents page: a unit's incidents by filter, one incident with its photos and
follow-up, and a photo's local copy. Who reads what is the chat's rule (`followup.may_act`)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from zoneinfo import ZoneInfo

from markupsafe import Markup
from sqlalchemy.ext.asyncio import AsyncSession

from handlers.i18n import Translator
from handlers.periods import Period
from handlers.services import followup, incidents
from handlers.services.dashboard_viewer import Viewer
from storage import alerts as alert_records
from storage import dashboard, registry
from storage.enums import IncidentCategory, IncidentStatus, ReportKind, UnitKind
from storage.models import IncidentEvent, Report, Unit

PREVIEW = 120
HAMLETS_LISTED = 500


def plain(markup: Markup) -> str:
    """A catalog's words as plain text: the page escapes what it shows."""
    return markup.striptags()


@dataclass(frozen=True)
class IncidentFilters:
    category: str | None = None
    status: str | None = None
    urgent: bool | None = None
    period: Period | None = None
    hamlet_id: int | None = None


@dataclass(frozen=True)
class IncidentLine:
    id: int
    hamlet_id: int
    hamlet_label: str
    category: str
    category_label: str
    status: str
    status_label: str
    urgent: bool
    received_at: datetime
    text_preview: str
    place: str | None
    latitude: float | None
    longitude: float | None


@dataclass(frozen=True)
class IncidentList:
    rows: list[IncidentLine]
    # Incidents matching the filters that the viewer may not read: a number, never rows.
    confidential_count: int
    hamlets: list[tuple[int, str]]
    categories: list[tuple[str, str]]
    statuses: list[tuple[str, str]]


@dataclass(frozen=True)
class PhotoView:
    url: str | None
    note: str


@dataclass(frozen=True)
class EventLine:
    at: datetime
    who: str | None
    what: str


@dataclass(frozen=True)
class IncidentView:
    line: IncidentLine
    text: str
    reporter_name: str | None
    occurred_at: datetime
    photos: list[PhotoView]
    events: list[EventLine]


@dataclass(frozen=True)
class LocalPhoto:
    """A photo's copy in the media folder (`TUQUAN_MEDIA_DIR`), for the page to serve."""

    path: str
    content_type: str | None


def _status(report: Report) -> IncidentStatus:
    return report.status or IncidentStatus.OPEN


def _preview(text: str) -> str:
    flat = " ".join(text.split())
    return flat if len(flat) <= PREVIEW else flat[: PREVIEW - 1].rstrip() + "…"


def _line(report: Report, hamlet: Unit | None, t: Translator, tz: ZoneInfo) -> IncidentLine:
    category = report.category or ""
    status = _status(report)
    return IncidentLine(
        id=report.id,
        hamlet_id=report.unit_id,
        hamlet_label=hamlet.label if hamlet is not None else "",
        category=category,
        category_label=plain(t(f"category.{category}")) if category else "",
        status=status.value,
        status_label=plain(t(f"status.{status.value}")),
        urgent=report.urgent,
        received_at=report.received_at.astimezone(tz),
        text_preview=_preview(report.text),
        place=report.place or None,
        latitude=report.latitude,
        longitude=report.longitude,
    )


def _status_filter(value: str | None) -> IncidentStatus | None:
    return IncidentStatus(value) if value in {s.value for s in IncidentStatus} else None


async def incident_list(
    session: AsyncSession,
    viewer: Viewer,
    unit: Unit,
    filters: IncidentFilters,
    now: datetime,
    tz: ZoneInfo,
    *,
    t: Translator | None = None,
) -> IncidentList:
    """The unit's incidents that match, newest first; confidential ones the viewer may not
    read only counted. A hamlet not under the unit matches nothing."""
    t = t or Translator()
    hamlets = await registry.current_units(session, unit.id, (UnitKind.HAMLET,), HAMLETS_LISTED)
    found = await _matching(session, unit, filters)
    readable = [r for r in found if not r.sensitive or await _may_read(session, viewer, r)]
    units = await incidents.units_by_id(session, {r.unit_id for r in readable})
    return IncidentList(
        rows=[_line(r, units.get(r.unit_id), t, tz) for r in readable],
        confidential_count=len(found) - len(readable),
        hamlets=[(h.id, h.label) for h in hamlets],
        categories=[(c.value, plain(t(f"category.{c.value}"))) for c in IncidentCategory],
        statuses=[(s.value, plain(t(f"status.{s.value}"))) for s in IncidentStatus],
    )


async def _matching(session: AsyncSession, unit: Unit, filters: IncidentFilters) -> list[Report]:
    status = _status_filter(filters.status)
    if filters.status is not None and status is None:
        return []
    root_id = unit.id
    if filters.hamlet_id is not None:
        if not await alert_records.in_subtree(session, unit.id, filters.hamlet_id):
            return []
        root_id = filters.hamlet_id
    query = dashboard.IncidentQuery(
        root_id=root_id,
        category=filters.category,
        status=status,
        urgent=filters.urgent,
        weeks=filters.period.weeks if filters.period is not None else None,
    )
    return await dashboard.incidents(session, query)


async def _may_read(session: AsyncSession, viewer: Viewer, report: Report) -> bool:
    return await followup.may_act(session, viewer.roles, report)


async def _readable(session: AsyncSession, viewer: Viewer, report_id: int) -> Report | None:
    report = await incidents.find_report(session, report_id)
    if report is None or report.kind is not ReportKind.INCIDENT or report.withdrawn_at:
        return None
    return report if await _may_read(session, viewer, report) else None


async def incident(
    session: AsyncSession,
    viewer: Viewer,
    report_id: int,
    now: datetime,
    tz: ZoneInfo,
    *,
    t: Translator | None = None,
) -> IncidentView | None:
    """One incident with its photos and follow-up; None when there is none or it is not the
    viewer's to read. Opening a confidential one is written to the audit log, as in chat."""
    t = t or Translator()
    report = await _readable(session, viewer, report_id)
    if report is None:
        return None
    incidents.record_view(session, report, viewer.person_id, now)
    hamlet = await incidents.find_unit(session, report.unit_id)
    details = await incidents.details(session, report)
    history = await incidents.history(session, report.id)
    photos = await dashboard.photos_of(session, report.id)
    return IncidentView(
        line=_line(report, hamlet, t, tz),
        text=report.text,
        reporter_name=details.reporter.full_name if details.reporter is not None else None,
        occurred_at=report.occurred_at.astimezone(tz),
        photos=[_photo(row, t) for row in photos],
        events=[
            EventLine(
                at=e.at.astimezone(tz),
                who=history.names.get(e.person_id) if e.person_id else None,
                what=_event_text(e, t),
            )
            for e in history.events
        ],
    )


def photo_url(photo_id: int) -> str:
    return f"/web/photos/{photo_id}"


def _photo(row: dashboard.PhotoRow, t: Translator) -> PhotoView:
    if row.copy is not None:
        return PhotoView(url=photo_url(row.photo.id), note="")
    return PhotoView(url=None, note=plain(t("web.photo_in_chat")))


def _event_text(event: IncidentEvent, t: Translator) -> str:
    """The chat's words for a step of the follow-up (`officer.event_*`)."""
    status = plain(t(f"status.{event.status.value}")) if event.status else ""
    return plain(
        t(
            f"officer.event_{event.kind.value}",
            level=(event.level or 0) + 1,
            recipients=event.recipients,
            status=status,
            note=event.note,
        )
    )


async def photo_file(session: AsyncSession, viewer: Viewer, photo_id: int) -> LocalPhoto | None:
    """The local copy of a photo of an incident the viewer may read; None otherwise."""
    found = await dashboard.photo(session, photo_id)
    if found is None or found.copy is None or found.copy.local_path is None:
        return None
    if await _readable(session, viewer, found.photo.report_id) is None:
        return None
    return LocalPhoto(found.copy.local_path, found.copy.content_type)
