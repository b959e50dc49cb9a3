"""The officer's incident view, officers of several units, and lists longer than a page."""

from __future__ import annotations

import itertools
from datetime import timedelta

from sqlalchemy import select

from storage import conversations, people, units
from storage.clock import iso_week
from storage.enums import IncidentStatus, ReportKind, Role, UnitKind
from storage.models import Identity, InviteCode, Person, Report, RoleAssignment, Unit
from storage.text import fold
from tests.officers import NA_LOC, OTHER_OFFICER, file_incident
from tests.support import HEAD, OFFICER, Harness, labels, text_of

PHU_THONG, BACH_THONG = "1969", "2014"


async def _person_of(h: Harness, user: str) -> Person:
    async with h.sessions() as session:
        query = select(Person).join(Identity).where(Identity.external_id == user)
        return (await session.execute(query)).scalar_one()


async def _commune(h: Harness, code: str) -> Unit:
    async with h.sessions() as session:
        return await units.resolve(session, code, (UnitKind.COMMUNE,))


async def _also_officer_of(h: Harness, user: str, code: str) -> Unit:
    person = await _person_of(h, user)
    unit = await _commune(h, code)
    async with h.sessions() as session, session.begin():
        await people.assign(session, person.id, unit.id, Role.OFFICER, h.clock())
    return unit


async def _acting_unit_id(h: Harness, user: str) -> int | None:
    return (await _person_of(h, user)).acting_unit_id


async def _where(h: Harness, user: str) -> str:
    async with h.sessions() as session:
        identity = (
            await session.execute(select(Identity).where(Identity.external_id == user))
        ).scalar_one()
        found = (await conversations.load(session, [identity.id])).get(identity.id)
        return f"{found.flow}/{found.step}" if found else "none"


def _restarted(h: Harness) -> Harness:
    """A new engine on the same database, as after a restart."""
    restarted = Harness(h.sessions, h.clock)
    restarted._keys = itertools.count(10_000)  # the platform's update ids go on
    return restarted


def _line_of(h: Harness, user: str, report_id: int) -> str:
    return next(label for label in labels(h.last[user]) if label.startswith(f"#{report_id} "))


async def _incident_with_place_and_photos(h: Harness) -> int:
    await h.say(HEAD, "/menu")
    await h.tap(HEAD, "Báo sự việc")
    await h.tap(HEAD, "Môi trường")
    await h.tap(HEAD, "Không khẩn")
    await h.say(HEAD, "Đổ rác <b>trộm</b> ở bờ suối")
    await h.tap(HEAD, "Hôm nay")
    await h.location(HEAD, 22.2801, 105.8652)
    await h.photo(HEAD, "tg:photo-1")
    await h.photo(HEAD, "tg:photo-2")
    await h.tap(HEAD, "Xong")
    await h.tap(HEAD, "Gửi báo cáo")
    await h.read(HEAD)
    return (await h.reports())[-1].id


async def test_the_incident_view_shows_what_the_officer_needs(harness: Harness) -> None:
    report_id = await _incident_with_place_and_photos(harness)
    head = await _person_of(harness, HEAD)
    async with harness.sessions() as session, session.begin():
        (await session.get_one(Person, head.id)).phone = "0912 345 678"
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Sự việc đang mở")
    view = (await harness.tap(OFFICER, _line_of(harness, OFFICER, report_id)))[-1]
    assert f"<b>Sự việc #{report_id}</b> — thôn Nà Phải" in view.text
    assert "khẩn #" not in view.text
    assert "<b>Tình trạng:</b> chưa ai nhận" in view.text
    assert "<b>Mức độ:</b> Không khẩn" in view.text
    assert "<b>Loại:</b> Môi trường" in view.text
    assert "Đổ rác &lt;b&gt;trộm&lt;/b&gt; ở bờ suối" in view.text
    assert "https://www.openstreetmap.org/?mlat=22.28010&amp;mlon=105.86520" in view.text
    assert "<b>Ảnh:</b> 2 ảnh" in view.text
    assert "<b>Người báo:</b> Hoàng Văn Thào, điện thoại 0912 345 678" in view.text
    assert "<b>báo lúc</b> 10:00 27/11/2026" in view.text
    assert "bước theo dõi" not in view.text and "Xem lịch sử" not in labels(view)


async def test_an_urgent_incident_is_titled_urgent_and_its_history_is_listed(
    harness: Harness,
) -> None:
    report_id = await file_incident(harness, "An ninh trật tự", "Cháy rơm gần nhà", urgent=True)
    await harness.read(OFFICER)
    await harness.say(OFFICER, "/sukien")
    view = (await harness.tap(OFFICER, _line_of(harness, OFFICER, report_id)))[-1]
    assert f"<b>Sự việc khẩn #{report_id}</b>" in view.text
    assert "<b>Người báo:</b> Hoàng Văn Thào\n" in view.text  # no phone on record: none shown
    await harness.tap(OFFICER, "Đã nhận")
    harness.clock.advance(minutes=15)
    await harness.tap(OFFICER, _line_of(harness, OFFICER, report_id))
    await harness.tap(OFFICER, "Ghi chú")
    await harness.say(OFFICER, "Đã cử công an xã xuống")
    await harness.say(OFFICER, "/sukien")
    view = (await harness.tap(OFFICER, _line_of(harness, OFFICER, report_id)))[-1]
    assert "Đã có 3 bước theo dõi" in view.text
    history = text_of(await harness.tap(OFFICER, "Xem lịch sử"))
    assert f"Lịch sử theo dõi sự việc #{report_id}</b> (3 bước)" in history
    assert "• 10:00 27/11/2026 — hệ thống: gửi cảnh báo khẩn tới cấp 1" in history
    assert "• 10:00 27/11/2026 — Nông Thị Hoa: chuyển sang “đã nhận”" in history
    assert "• 10:15 27/11/2026 — Nông Thị Hoa: ghi chú: Đã cử công an xã xuống" in history
    assert await _where(harness, OFFICER) == "open_incidents/incident"
    assert "Xem lịch sử" in labels(harness.last[OFFICER])


async def test_an_officer_of_two_communes_chooses_once_and_it_is_remembered(
    harness: Harness,
) -> None:
    phu_thong = await _commune(harness, PHU_THONG)
    bach_thong = await _also_officer_of(harness, OFFICER, BACH_THONG)
    theirs = await file_incident(
        harness, "Môi trường", "Khói từ lò gạch", urgent=False, user=NA_LOC
    )
    ours = await file_incident(harness, "Môi trường", "Đốt rác gây khói", urgent=False)
    menu = await harness.say(OFFICER, "/menu")
    assert labels(menu[-1])[labels(menu[-1]).index("Hướng dẫn") - 1] == "Đổi đơn vị"
    asked = await harness.tap(OFFICER, "Sự việc đang mở")
    assert "Đồng chí làm việc cho đơn vị nào?" in asked[-1].text
    assert labels(asked[-1]) == [phu_thong.label, bach_thong.label, "Về menu"]
    wrong = await harness.say(OFFICER, "xyz")
    assert "Vui lòng chọn" in text_of(wrong) or "Chưa hiểu" in text_of(wrong)
    assert await _acting_unit_id(harness, OFFICER) is None
    listed = await harness.tap(OFFICER, bach_thong.label)
    assert f"Từ giờ đồng chí làm việc cho <b>{bach_thong.label}</b>" in text_of(listed)
    assert await _acting_unit_id(harness, OFFICER) == bach_thong.id
    shown = labels(listed[-1])
    assert any(label.startswith(f"#{theirs} ") for label in shown)
    assert not any(label.startswith(f"#{ours} ") for label in shown)

    restarted = _restarted(harness)
    missing = text_of(await restarted.say(OFFICER, "/chuabao"))
    assert "Khuổi Bốc" in missing and "Nà Phải" not in missing
    await restarted.say(OFFICER, "/menu")
    switch = await restarted.tap(OFFICER, "Đổi đơn vị")
    assert f"Đồng chí đang làm việc cho <b>{bach_thong.label}</b>" in switch[-1].text
    await restarted.say(OFFICER, "phu thong")
    assert await _acting_unit_id(restarted, OFFICER) == phu_thong.id
    listed = await restarted.say(OFFICER, "/sukien")
    assert any(label.startswith(f"#{ours} ") for label in labels(listed[-1]))


async def test_a_command_asks_for_the_unit_first_then_goes_on(harness: Harness) -> None:
    bach_thong = await _also_officer_of(harness, OFFICER, BACH_THONG)
    asked = await harness.say(OFFICER, "/chuabao")
    assert "Đồng chí làm việc cho đơn vị nào?" in asked[-1].text
    missing = text_of(await harness.say(OFFICER, "2"))
    assert "Khuổi Bốc" in missing and "Nà Phải" not in missing
    assert await _acting_unit_id(harness, OFFICER) == bach_thong.id


async def test_an_officer_of_one_unit_is_never_asked(harness: Harness) -> None:
    menu = await harness.say(OTHER_OFFICER, "/menu")
    assert "Đổi đơn vị" not in labels(menu[-1])
    listed = await harness.tap(OTHER_OFFICER, "Sự việc đang mở")
    assert "đơn vị nào" not in text_of(listed)
    assert await _acting_unit_id(harness, OTHER_OFFICER) is None


async def test_an_ended_role_no_longer_is_the_acting_unit(harness: Harness) -> None:
    bach_thong = await _also_officer_of(harness, OFFICER, BACH_THONG)
    await harness.say(OFFICER, "/chuabao")
    await harness.say(OFFICER, "2")
    async with harness.sessions() as session, session.begin():
        query = select(RoleAssignment).where(RoleAssignment.unit_id == bach_thong.id)
        for assignment in (await session.execute(query)).scalars():
            assignment.valid_to = harness.clock()
    harness.clock.advance(minutes=1)
    missing = text_of(await harness.say(OFFICER, "/chuabao"))
    assert "Nà Phải" in missing and "Khuổi Bốc" not in missing


async def _add_hamlets(h: Harness, count: int) -> None:
    commune = await _commune(h, PHU_THONG)
    async with h.sessions() as session, session.begin():
        for n in range(1, count + 1):
            name = f"Khau {n:02d}"
            session.add(
                Unit(
                    parent_id=commune.id,
                    kind=UnitKind.HAMLET,
                    division_type="thôn",
                    name=name,
                    search_name=fold(name),
                )
            )


async def _invites_for(h: Harness, name: str) -> int:
    async with h.sessions() as session:
        query = (
            select(InviteCode).join(Unit, Unit.id == InviteCode.unit_id).where(Unit.name == name)
        )
        return len(list((await session.execute(query)).scalars()))


async def test_thirty_five_hamlets_page_and_a_typed_name_narrows_them(harness: Harness) -> None:
    await _add_hamlets(harness, 30)
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mời người dùng")
    first = (await harness.tap(OFFICER, "phó thôn (báo cáo thay)"))[-1]
    assert len(first.choices) == 27 and labels(first)[-2:] == ["Trang sau", "Về menu"]
    assert "Trang 1/2" in first.text and "thôn Nà Phải" not in labels(first)
    second = (await harness.tap(OFFICER, "Trang sau"))[-1]
    assert labels(second)[-3:] == ["thôn Nà Phải", "Trang trước", "Về menu"]
    assert "Trang 2/2" in second.text
    back = (await harness.tap(OFFICER, "Trang trước"))[-1]
    assert labels(back) == labels(first)

    narrowed = (await harness.say(OFFICER, "khau 1"))[-1]
    assert "Có 10 mục khớp “khau 1”" in narrowed.text
    assert labels(narrowed) == [f"thôn Khau {n}" for n in range(10, 20)] + ["Về menu"]
    assert await _invites_for(harness, "Khau 12") == 0
    await harness.tap(OFFICER, "thôn Khau 12")
    assert await _invites_for(harness, "Khau 12") == 1

    await harness.tap(OFFICER, "Mời người dùng")
    await harness.tap(OFFICER, "phó thôn (báo cáo thay)")
    before = await _invites_for(harness, "Nà Phải")
    unknown = await harness.say(OFFICER, "zzqx")
    assert await _where(harness, OFFICER) == "invites/invite_unit"
    assert "Trang 1/2" in text_of(unknown)
    await harness.say(OFFICER, "na phai")
    assert await _invites_for(harness, "Nà Phải") == before + 1


async def test_the_model_registry_pages_its_hamlets_too(harness: Harness) -> None:
    await _add_hamlets(harness, 30)
    await harness.say(OFFICER, "/menu")
    await harness.tap(OFFICER, "Mô hình tự quản")
    first = (await harness.tap(OFFICER, "Thêm mô hình"))[-1]
    assert "Trang sau" in labels(first)
    await harness.say(OFFICER, "Khâu 30")
    assert await _where(harness, OFFICER) == "models/model_type"


async def test_thirty_open_incidents_page_and_a_hamlet_name_narrows_them(
    harness: Harness,
) -> None:
    now = harness.clock()
    async with harness.sessions() as session, session.begin():
        na_phai = await units.resolve(session, "Nà Phải", (UnitKind.HAMLET,))
        coc_thu = await units.resolve(session, "Cốc Thử", (UnitKind.HAMLET,))
        for n in range(30):
            session.add(
                Report(
                    unit_id=(coc_thu if n % 3 == 0 else na_phai).id,
                    kind=ReportKind.INCIDENT,
                    category="environment",
                    text=f"Sự việc thứ {n}",
                    occurred_at=now - timedelta(days=1),
                    received_at=now - timedelta(hours=n),
                    week=iso_week(now),
                    status=IncidentStatus.OPEN,
                )
            )
    listed = (await harness.say(OFFICER, "/sukien"))[-1]
    assert "Trang 1/2" in listed.text and labels(listed)[-2:] == ["Trang sau", "Về menu"]
    assert len(listed.choices) == 27
    second = (await harness.tap(OFFICER, "Trang sau"))[-1]
    assert len(second.choices) >= 5 + 2
    narrowed = (await harness.say(OFFICER, "coc thu"))[-1]
    lines = labels(narrowed)[:-1]
    assert len(lines) >= 10 and all("Cốc Thử" in line for line in lines)
    view = (await harness.tap(OFFICER, lines[0]))[-1]
    assert "— thôn Cốc Thử" in view.text
