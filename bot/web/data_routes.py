"""The pages with data: overview, incidents, one incident, models, downloads, photos. Each
checks the session first (`signed_in`), then that the unit or incident is the viewer's."""

from __future__ import annotations

import asyncio
import json
from dataclasses import dataclass
from pathlib import Path
from typing import Any
from urllib.parse import quote, urlencode

from aiohttp import web
from sqlalchemy.ext.asyncio import AsyncSession

from bot.web import pages
from bot.web.context import PREFIX, SignedIn, Web, not_found, signed_in, web_of
from handlers import periods
from handlers.periods import Period
from handlers.services import dashboard
from storage.models import Unit

routes = web.RouteTableDef()
# Downloads by their address: /web/downloads/workbook.xlsx, /web/downloads/report.docx.
DOWNLOADS: dict[tuple[str, str], dashboard.DownloadKind] = {
    ("workbook", "xlsx"): "xlsx",
    ("report", "docx"): "docx",
}
CONTENT_TYPES = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "docx": "application/vnd.openxmlformats-officedocument.wordprocessingml.document",
}


@dataclass(frozen=True)
class Scope:
    """The unit and period a page is about, and the links to the others on offer."""

    unit: Unit
    period: Period
    units: list[Unit]
    periods: list[tuple[Period, str]]

    def link(self, path: str, **extra: object) -> str:
        values = {"unit": self.unit.id, "period": self.period.key, **extra}
        return f"{path}?{urlencode({k: v for k, v in values.items() if v is not None})}"


def _int(value: str | None) -> int | None:
    return int(value) if value is not None and value.isdecimal() else None


def period_label(w: Web, period: Period) -> str:
    if period.kind == "week":
        return str(w.t("web.period_week", week=w.t.week(period.key)))
    if period.kind == "month":
        day = period.first_day
        return str(w.t("web.period_month", month=day.month, year=day.year))
    return period.key


def offered_periods(w: Web) -> list[tuple[Period, str]]:
    now = w.local_now()
    named = (
        (periods.this_week(now), "web.this_week"),
        (periods.last_week(now), "web.last_week"),
        (periods.this_month(now), "web.this_month"),
        (periods.last_month(now), "web.last_month"),
    )
    return [(period, str(w.t(key))) for period, key in named]


def parse_period(w: Web, text: str | None) -> Period:
    if not text:
        return periods.this_month(w.local_now())
    try:
        return periods.parse_period(text)
    except ValueError:
        raise not_found(w) from None


def scope(request: web.Request, signed: SignedIn) -> Scope:
    w = web_of(request)
    viewer = signed.viewer
    asked = request.query.get("unit")
    unit_id = _int(asked)
    if asked and unit_id is None:
        raise not_found(w)
    unit = dashboard.unit_for(viewer, unit_id, viewer.acting_unit_id)
    if unit is None:
        raise not_found(w)
    period = parse_period(w, request.query.get("period"))
    return Scope(unit, period, viewer.units, offered_periods(w))


def page(
    request: web.Request, signed: SignedIn, template: str, here: str, **context: Any
) -> web.Response:
    w = web_of(request)
    return pages.render(
        w.t,
        template,
        signed_in=signed,
        here=here,
        period_label=lambda period: period_label(w, period),
        **context,
    )


@routes.get(PREFIX + "/")
async def overview(request: web.Request) -> web.Response:
    w = web_of(request)
    async with w.sessions() as session:
        signed = await signed_in(request, session)
        chosen = scope(request, signed)
        data = await dashboard.overview(
            session, signed.viewer, chosen.unit, chosen.period, w.clock(), w.tz, t=w.t
        )
    return page(request, signed, "overview.html", "overview", scope=chosen, data=data)


def _filters(w: Web, query: Any) -> dashboard.IncidentFilters:
    urgent = {"1": True, "0": False}.get(query.get("urgent", ""))
    period_text = query.get("period") or None
    return dashboard.IncidentFilters(
        category=query.get("category") or None,
        status=query.get("status") or None,
        urgent=urgent,
        period=parse_period(w, period_text) if period_text else None,
        hamlet_id=_int(query.get("hamlet")),
    )


@routes.get(PREFIX + "/incidents")
async def incidents(request: web.Request) -> web.Response:
    w = web_of(request)
    async with w.sessions() as session:
        signed = await signed_in(request, session)
        chosen = scope(request, signed)
        filters = _filters(w, request.query)
        data = await dashboard.incident_list(
            session, signed.viewer, chosen.unit, filters, w.clock(), w.tz, t=w.t
        )
    points = [
        {
            "id": row.id,
            "lat": row.latitude,
            "lng": row.longitude,
            "title": f"{row.category_label} · {row.hamlet_label}",
            "url": f"{PREFIX}/incidents/{row.id}",
        }
        for row in data.rows
        if row.latitude is not None and row.longitude is not None
    ]
    return page(
        request,
        signed,
        "incidents.html",
        "incidents",
        scope=chosen,
        data=data,
        filters=filters,
        urgent_value=request.query.get("urgent", ""),
        period_value=request.query.get("period", ""),
        # Inside <script type="application/json">: "<" escaped so no text can close the tag.
        points_json=json.dumps(points, ensure_ascii=False).replace("<", "\\u003c"),
    )


@routes.get(PREFIX + "/incidents/{id}")
async def incident(request: web.Request) -> web.Response:
    w = web_of(request)
    report_id = _int(request.match_info["id"])
    async with w.sessions() as session, session.begin():
        signed = await signed_in(request, session)
        found = None
        if report_id is not None:
            found = await dashboard.incident(
                session, signed.viewer, report_id, w.clock(), w.tz, t=w.t
            )
        if found is None:
            raise not_found(w)
    return page(request, signed, "one_incident.html", "incidents", item=found)


@routes.get(PREFIX + "/models")
async def models(request: web.Request) -> web.Response:
    w = web_of(request)
    async with w.sessions() as session:
        signed = await signed_in(request, session)
        chosen = scope(request, signed)
        data = await dashboard.model_registry(
            session, signed.viewer, chosen.unit, chosen.period, w.clock(), w.tz, t=w.t
        )
    return page(request, signed, "models.html", "models", scope=chosen, data=data)


@routes.get(PREFIX + "/downloads")
async def downloads(request: web.Request) -> web.Response:
    w = web_of(request)
    async with w.sessions() as session:
        signed = await signed_in(request, session)
        chosen = scope(request, signed)
    return page(request, signed, "downloads.html", "downloads", scope=chosen)


@routes.get(PREFIX + "/downloads/{name}.{ext}")
async def download(request: web.Request) -> web.Response:
    w = web_of(request)
    kind = DOWNLOADS.get((request.match_info["name"], request.match_info["ext"]))
    async with w.sessions() as session, session.begin():
        signed = await signed_in(request, session)
        if kind is None:
            raise not_found(w)
        chosen = scope(request, signed)
        name, content = await dashboard.download(
            session, signed.viewer, chosen.unit, chosen.period, kind, w.t, w.clock(), w.tz
        )
    disposition = f"attachment; filename*=UTF-8''{quote(name)}"
    return web.Response(
        body=content,
        content_type=CONTENT_TYPES[kind],
        headers={"Content-Disposition": disposition, "Cache-Control": "no-store"},
    )


async def _photo_path(w: Web, session: AsyncSession, signed: SignedIn, photo_id: int) -> Path:
    found = await dashboard.photo_file(session, signed.viewer, photo_id)
    if found is None:
        raise not_found(w)
    # The stored path is the copy's place inside TUQUAN_MEDIA_DIR.
    media_dir = w.settings.media_dir
    path = await asyncio.to_thread(_in_media, media_dir / found.path, media_dir)
    if path is None:
        raise not_found(w)
    return path


def _in_media(path: Path, media_dir: Path) -> Path | None:
    # Only a file in the media folder: a path in the database is no licence to read others.
    resolved = path.resolve()
    inside = resolved.is_relative_to(media_dir.resolve())
    return resolved if inside and resolved.is_file() else None


@routes.get(PREFIX + "/photos/{file_id}")
async def photo(request: web.Request) -> web.StreamResponse:
    w = web_of(request)
    photo_id = _int(request.match_info["file_id"])
    async with w.sessions() as session, session.begin():
        signed = await signed_in(request, session)
        if photo_id is None:
            raise not_found(w)
        path = await _photo_path(w, session, signed, photo_id)
    return web.FileResponse(path, headers={"Cache-Control": "private, no-store"})
