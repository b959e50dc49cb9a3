"""The officers' web pages' use cases on the demo data: the same figures and the same rule of
who reads what as in chat."""

from __future__ import annotations

import io
import zipfile
from datetime import datetime, timedelta
from typing import Any

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession, async_sessionmaker

from handlers.digest import build
from handlers.i18n import Translator
from handlers.periods import parse_period, this_month
from handlers.services import dashboard
from handlers.services.dashboard import IncidentFilters, Viewer
from storage import reports
from storage.clock import iso_week
from storage.enums import IncidentCategory, IncidentStatus, ReportKind
from storage.models import AuditEntry, Identity, Person, Report, Unit
from tests.databases import TZ

NOW = datetime(2026, 11, 27, 10, tzinfo=TZ)
MONTH = this_month(NOW.astimezone(TZ))
T = Translator("vi")


async def viewer_of(session: AsyncSession, external_id: str) -> Viewer:
    person_id = await session.scalar(
        select(Identity.person_id).where(Identity.external_id == external_id)
    )
    assert person_id is not None, external_id
    return await dashboard.viewer(session, person_id, NOW)


async def own_unit(found: Viewer) -> Unit:
    unit = dashboard.unit_for(found, None, found.acting_unit_id)
    assert unit is not None
    return unit


async def test_the_commune_officer_sees_its_hamlets_and_the_missing_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        officer = await viewer_of(session, "demo-officer")
        unit = await own_unit(officer)
        assert unit.label == "xã Phủ Thông"
        seen = await dashboard.overview(session, officer, unit, MONTH, NOW, TZ, t=T)
        digest = await build(session, unit.id, MONTH, NOW, TZ)
    assert {row.hamlet_label for row in seen.rows} == {
        "thôn Nà Phải",
        "phố Chính",
        "thôn Nà Mò",
        "thôn Cốc Thử",
        "thôn Bản Đán",
    }
    assert seen.weeks == MONTH.weeks
    assert seen.week_labels == tuple(f"Tuần {int(w[-2:])}" for w in MONTH.weeks)
    assert all(len(row.cells) == len(MONTH.weeks) for row in seen.rows)
    assert (seen.expected, seen.reported) == (
        digest.completeness.expected,
        digest.completeness.reported,
    )
    assert seen.completeness_rate == digest.completeness.rate
    missing = {line.hamlet_label: line for line in seen.missing}
    # The demo hamlet head's own week is left for them to report.
    assert missing["thôn Nà Phải"].head_name == "Hoàng Văn Thào"
    assert missing["thôn Nà Phải"].head_phone is None
    nap = next(row for row in seen.rows if row.hamlet_label == "thôn Nà Phải")
    assert nap.cells[-1].state == "missing"
    states = {cell.state for row in seen.rows for cell in row.cells}
    assert states <= {"on_time", "late", "nothing", "missing", "not_expected"}
    assert len(seen.trend) == 8 and seen.trend[-1].week == MONTH.weeks[-1]


async def test_a_head_s_phone_shows_only_when_the_head_shares_it(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        head = await session.scalar(select(Person).where(Person.full_name == "Hoàng Văn Thào"))
        assert head is not None
        head.phone, head.share_phone = "0912345678", True
    async with sessions() as session:
        officer = await viewer_of(session, "demo-officer")
        seen = await dashboard.overview(session, officer, await own_unit(officer), MONTH, NOW, TZ)
    line = next(m for m in seen.missing if m.hamlet_label == "thôn Nà Phải")
    assert line.head_phone == "0912345678"


async def file_confidential(session: AsyncSession, hamlet: str = "Nà Mò") -> int:
    """A confidential incident in a hamlet of Phủ Thông, as a head would file it."""
    unit = await session.scalar(select(Unit).where(Unit.name == hamlet))
    assert unit is not None
    occurred = NOW - timedelta(days=2)
    report = Report(
        unit_id=unit.id,
        kind=ReportKind.INCIDENT,
        category=IncidentCategory.SOCIAL_EVILS.value,
        sensitive=True,
        text="Nghi có nhóm tụ tập đánh bạc ở lán nương.",
        occurred_at=occurred,
        received_at=occurred,
        week=iso_week(occurred.astimezone(TZ)),
        status=IncidentStatus.OPEN,
    )
    await reports.add(session, report, [], "console", None)
    return report.id


async def test_an_officer_not_cleared_gets_confidential_incidents_as_a_count(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        filed = await file_confidential(session)
        cleared = await viewer_of(session, "demo-officer")
        deputy = await viewer_of(session, "demo-commune-deputy")
        unit = await own_unit(cleared)
        everything = await dashboard.incident_list(
            session, cleared, unit, IncidentFilters(), NOW, TZ
        )
        counted = await dashboard.incident_list(
            session, deputy, await own_unit(deputy), IncidentFilters(), NOW, TZ
        )
        secret = [r for r in everything.rows if r.category == IncidentCategory.SOCIAL_EVILS]
        assert [r.id for r in secret] == [filed]
        assert everything.confidential_count == 0
        assert counted.confidential_count == len(secret)
        assert {r.id for r in counted.rows} == {r.id for r in everything.rows} - {
            r.id for r in secret
        }
        assert await dashboard.incident(session, deputy, secret[0].id, NOW, TZ) is None
        opened = await dashboard.incident(session, cleared, secret[0].id, NOW, TZ)
        assert opened is not None and opened.text
        views = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(
                AuditEntry.action == "view_confidential",
                AuditEntry.subject == f"report:{secret[0].id}",
            )
        )
    assert views == 1


async def test_an_officer_of_another_commune_gets_nothing_of_this_one(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        officer = await viewer_of(session, "demo-officer")
        other = await viewer_of(session, "demo-other-officer")
        unit = await own_unit(officer)
        listed = await dashboard.incident_list(session, officer, unit, IncidentFilters(), NOW, TZ)
        ordinary = next(r for r in listed.rows if r.category != IncidentCategory.SOCIAL_EVILS)
        assert dashboard.unit_for(other, unit.id, None) is None
        assert (await own_unit(other)).label == "xã Bạch Thông"
        assert await dashboard.incident(session, other, ordinary.id, NOW, TZ) is None
        assert await dashboard.incident(session, officer, ordinary.id, NOW, TZ) is not None
        assert await dashboard.incident(session, officer, 10**9, NOW, TZ) is None
        resident = await viewer_of(session, "demo-resident")
    assert resident.units == [] and dashboard.unit_for(resident, None, None) is None


async def test_filters_narrow_the_list(sessions: async_sessionmaker[AsyncSession]) -> None:
    async with sessions() as session:
        officer = await viewer_of(session, "demo-officer")
        unit = await own_unit(officer)

        async def rows(**given: Any) -> list[dashboard.IncidentLine]:
            found = await dashboard.incident_list(
                session, officer, unit, IncidentFilters(**given), NOW, TZ, t=T
            )
            return found.rows

        every = await rows()
        total = await session.scalar(
            select(func.count())
            .select_from(Report)
            .where(
                Report.kind == ReportKind.INCIDENT,
                Report.unit_id.in_([h for h, _ in (await listed_hamlets(session, officer))]),
            )
        )
        assert len(every) == total and len(every) > 3
        category = every[0].category
        assert {r.category for r in await rows(category=category)} == {category}
        status = every[0].status
        assert {r.status for r in await rows(status=status)} == {status}
        assert await rows(status="no-such-status") == []
        assert all(r.urgent for r in await rows(urgent=True))
        assert all(not r.urgent for r in await rows(urgent=False))
        week = parse_period(MONTH.previous().weeks[0])
        assert {r.received_at.date() >= week.first_day for r in await rows(period=week)} <= {True}
        hamlet = every[0].hamlet_id
        assert {r.hamlet_id for r in await rows(hamlet_id=hamlet)} == {hamlet}
        narrowed = await rows(category=category, hamlet_id=hamlet)
        assert 0 < len(narrowed) < len(every)
        other = await viewer_of(session, "demo-other-officer")
        bach_thong = await own_unit(other)
        foreign = await dashboard.incident_list(
            session, other, bach_thong, IncidentFilters(), NOW, TZ
        )
        assert await rows(hamlet_id=foreign.rows[0].hamlet_id) == []
        assert any(r.latitude and r.place for r in every), "the demo places incidents on the map"
        assert all(len(r.text_preview) <= 120 for r in every)
        assert every[0].category_label and every[0].status_label


async def listed_hamlets(session: AsyncSession, officer: Viewer) -> list[tuple[int, str]]:
    found = await dashboard.incident_list(
        session, officer, await own_unit(officer), IncidentFilters(), NOW, TZ
    )
    return found.hamlets


async def test_an_incident_shows_its_place_and_follow_up(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        officer = await viewer_of(session, "demo-officer")
        listed = await dashboard.incident_list(
            session, officer, await own_unit(officer), IncidentFilters(), NOW, TZ
        )
        placed = next(r for r in listed.rows if r.latitude is not None)
        opened = await dashboard.incident(session, officer, placed.id, NOW, TZ, t=T)
    assert opened is not None
    assert opened.line.place and opened.line.longitude is not None
    assert placed.latitude is not None and 22.2 < placed.latitude < 22.3
    assert opened.reporter_name
    assert opened.photos == [] and isinstance(opened.events, list)


async def test_the_models_page_marks_the_overlap(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session:
        officer = await viewer_of(session, "demo-officer")
        found = await dashboard.model_registry(
            session, officer, await own_unit(officer), MONTH, NOW, TZ, t=T
        )
    overlapping = [r for r in found.rows if r.overlapping]
    assert {(r.hamlet_label, r.organization) for r in overlapping} == {
        ("thôn Nà Phải", "Hội Phụ nữ"),
        ("thôn Nà Phải", "Đoàn Thanh niên"),
    }
    assert found.overlap_count == 1
    assert found.dormant_count == sum(r.dormant for r in found.rows)
    assert len(found.rows) == 8 and all(r.status_label for r in found.rows)


async def test_downloads_are_a_real_workbook_and_document_and_audited(
    sessions: async_sessionmaker[AsyncSession],
) -> None:
    async with sessions() as session, session.begin():
        officer = await viewer_of(session, "demo-officer")
        unit = await own_unit(officer)
        made = {
            kind: await dashboard.download(session, officer, unit, MONTH, kind, T, NOW, TZ)
            for kind in ("xlsx", "docx")
        }
        exports = await session.scalar(
            select(func.count())
            .select_from(AuditEntry)
            .where(AuditEntry.action == "export", AuditEntry.person_id == officer.person_id)
        )
    for kind, (name, content) in made.items():
        assert name.endswith(f"{MONTH.key}.{kind}")
        assert content.startswith(b"PK")
        names = zipfile.ZipFile(io.BytesIO(content)).namelist()
        assert ("xl/workbook.xml" if kind == "xlsx" else "word/document.xml") in names
    assert exports == 2
