"""Every kind of message with buttons the bot sends, pressed through a real runtime, each press
checked in the database.

The kinds come from the code: every conversation step the flows declare (`handlers.flows.FLOWS`)
(less the few that only ever take typed answers, listed here, each reached and seen to have
no buttons) and every standing message of `handlers.flows.standing.KINDS` (alerts, reminders,
digests). A step or a standing kind added without a press here fails
`test_every_button_kind_is_pressed`.
"""

from __future__ import annotations

import hashlib
from datetime import date, timedelta
from typing import Any

from sqlalchemy import func, select

from handlers.flows import FLOWS, standing
from scheduler.jobs import Jobs
from storage import people, units
from storage.enums import IncidentStatus, ModelStatus, ReportKind, Role, UnitKind
from storage.models import (
    AuditEntry,
    Identity,
    IncidentEvent,
    InviteCode,
    InviteFailure,
    ModelInstance,
    ModelType,
    Organization,
    ReminderPause,
    Report,
    RoleAssignment,
    StoredFile,
    Unit,
    UnitSettings,
    UrgentAlert,
    WebSignIn,
)
from storage.models import Person as PersonRow
from storage.privacy import NOTICE_VERSION
from storage.schedules import WeeklyTime
from tests.cli import PROCESS_CLOCK
from tests.telegram_flows.fake import BotMessage
from tests.telegram_flows.scenarios import (
    TZ,
    Scenario,
    onboard,
    reports_of,
    saved_number,
    side_by_side,
)
from tests.telegram_flows.world import WEB_URL, Person, World

# Steps whose question has no buttons: a text, a number, a day or a time is typed.
TYPED_ONLY = frozenset(
    {
        "activity/date",
        "activity/participants",
        "activity/text",
        "followup/note",
        "incident/date",
        "incident/text",
        "schedule/holiday_first",
        "schedule/holiday_last",
        "schedule/set_minutes",
        "schedule/set_time",
        "onboarding/code",
    }
)


def button_kinds() -> set[str]:
    """What the code can send with buttons: the steps that ask with them, the standing kinds."""
    steps = {f"{flow.name}/{at}" for flow in FLOWS for at in flow.at}
    assert steps >= TYPED_ONLY, f"not steps any more: {sorted(TYPED_ONLY - steps)}"
    return (steps - TYPED_ONLY) | {f"standing/{kind.name}" for kind in standing.KINDS}


async def _state(world: World, person: Person) -> tuple[str, str, dict[str, Any]]:
    found = await world.conversation(person.user_id)
    assert found is not None, f"{person.first_name} has no conversation"
    state = found.data.get("state", {})
    assert isinstance(state, dict), f"{found.flow}/{found.step} keeps no typed state"
    return found.flow, found.step, dict(state)


async def at(world: World, person: Person, where: str) -> dict[str, Any]:
    """The person's conversation is at this step; its state, for the checks."""
    flow, step, data = await _state(world, person)
    assert f"{flow}/{step}" == where, f"{person.first_name} is at {flow}/{step}, not {where}"
    world.visited.add(where)
    if where in TYPED_ONLY:
        shown = person.history[-1] if person.history else None
        assert shown is None or not shown.buttons, f"{where} asked with buttons: {shown}"
    return data


def draft(state: dict[str, Any]) -> dict[str, Any]:
    """A report's draft, with the day it happened as typed (`when` holds the day and time)."""
    when = state.get("when") or {}
    return {**state, "day": when.get("day")}


async def _person_of(world: World, person: Person) -> PersonRow:
    async with world.observer() as session:
        found = await session.scalar(
            select(PersonRow)
            .join(Identity, Identity.person_id == PersonRow.id)
            .where(Identity.channel == "telegram", Identity.external_id == str(person.user_id))
        )
        assert found is not None
        return found


async def _count(world: World, query: Any) -> int:
    async with world.observer() as session:
        return int(await session.scalar(query) or 0)


def _today() -> date:
    return PROCESS_CLOCK().astimezone(TZ).date()


# The hamlet head's side ------------------------------------------------------------------


async def incident_buttons(world: World) -> None:
    person = await onboard(world, 930_001, "Pháo", "Nà Mò", Role.DEPUTY)
    assert (await _person_of(world, person)).full_name == "Pháo"  # onboarding/name: kept
    await person.tap("Báo sự việc")
    await at(world, person, "incident/category")
    await person.tap("Môi trường")
    assert draft(await at(world, person, "incident/urgency"))["category"] == "environment"
    await person.tap("Không khẩn")
    assert draft(await at(world, person, "incident/text"))["urgent"] is False
    await at(world, person, "incident/text")
    await person.say("Khói đốt rơm phủ kín đường liên thôn")
    await at(world, person, "incident/when")
    await person.tap("Ngày khác")
    await at(world, person, "incident/date")
    await person.say(f"{_today() + timedelta(days=3):%d/%m}")  # a day to come: last year's?
    await at(world, person, "incident/day_confirm")
    await person.tap("Không")
    await at(world, person, "incident/date")
    two_days_ago = _today() - timedelta(days=2)
    await person.say(f"{two_days_ago:%d/%m/%Y}")
    assert draft(await at(world, person, "incident/place"))["day"] == two_days_ago.isoformat()
    await person.say("/huy")
    await person.tap("Báo sự việc")
    await person.tap("Môi trường")
    await person.tap("Không khẩn")
    await person.say("Khói đốt rơm phủ kín đường liên thôn")
    await person.tap("Hôm qua")
    day = draft(await at(world, person, "incident/place"))["day"]
    assert day == (_today() - timedelta(days=1)).isoformat()
    await person.tap("Bỏ qua")  # the place question's one-time keyboard
    skipped = draft(await at(world, person, "incident/photos"))
    assert (skipped["place"], skipped["latitude"]) == (None, None)
    await person.tap("Bỏ qua")
    await at(world, person, "incident/confirm")
    await person.tap("Sửa")
    await at(world, person, "incident/edit")
    await person.tap("Loại sự việc")
    assert (await at(world, person, "incident/category"))["editing"] is True
    await person.tap("An ninh trật tự")
    assert draft(await at(world, person, "incident/confirm"))["category"] == "security"
    number = saved_number(await person.tap("Gửi báo cáo"))
    await at(world, person, "menu/main")
    [report] = await reports_of(world, person)
    assert (report.id, report.category, report.urgent) == (number, "security", False)
    assert report.occurred_at.astimezone(TZ).date() == _today() - timedelta(days=1)

    await person.tap("Tuần này bình thường")  # the week has the report: asked first
    await at(world, person, "incident/quiet_confirm")
    await person.tap("Không")
    await at(world, person, "menu/main")
    assert [r.kind for r in await reports_of(world, person)] == [ReportKind.INCIDENT]

    await person.tap("Báo cáo gần đây")
    await at(world, person, "recent/list")
    line = next(label for label, _ in person.history[-1].buttons if label.startswith(f"#{number} "))
    await person.tap(line)
    assert (await at(world, person, "recent/detail"))["report_id"] == number
    await person.tap("Sửa")
    await at(world, person, "recent/field")
    await person.tap("Loại sự việc")
    assert (await at(world, person, "recent/value"))["field"] == "category"
    await person.tap("Mâu thuẫn, tranh chấp")
    await at(world, person, "menu/main")
    assert (await reports_of(world, person))[0].category == "dispute"
    await person.tap("Báo cáo gần đây")
    await person.tap(next(b for b, _ in person.history[-1].buttons if b.startswith(f"#{number} ")))
    await person.tap("Rút lại")
    await at(world, person, "recent/withdraw")
    await person.tap("Rút lại")
    assert (await reports_of(world, person))[0].withdrawn_at is not None


async def activity_and_pause_buttons(world: World) -> None:
    person = await onboard(world, 930_002, "Thắm", "Bản Đán", Role.DEPUTY)
    await person.tap("Báo hoạt động mô hình")
    await at(world, person, "activity/model")
    await person.tap("Tiếng mõ an ninh (Hội Cựu chiến binh)")
    chosen = draft(await at(world, person, "activity/text"))["model_instance_id"]
    async with world.observer() as session:
        model = await session.get_one(ModelInstance, chosen)
        assert (await session.get_one(ModelType, model.model_type_id)).code == "tieng_mo"
    await person.say("Tuần tra đêm, gõ mõ thử hiệu lệnh")
    await at(world, person, "activity/when")
    await person.tap("Ngày khác")
    await at(world, person, "activity/date")
    ahead = _today() + timedelta(days=3)
    await person.say(f"{ahead:%d/%m}")
    await at(world, person, "activity/day_confirm")
    await person.tap("Có")
    last_year = ahead.replace(year=ahead.year - 1).isoformat()
    assert draft(await at(world, person, "activity/participants"))["day"] == last_year
    await person.say("12")
    await at(world, person, "activity/photos")
    await person.tap("Bỏ qua")
    await at(world, person, "activity/confirm")
    await person.tap("Sửa")
    await at(world, person, "activity/edit")
    await person.tap("Số người tham gia")
    await at(world, person, "activity/participants")
    await person.say("15")
    assert draft(await at(world, person, "activity/confirm"))["participants"] == 15
    saved_number(await person.tap("Gửi báo cáo"))
    [report] = await reports_of(world, person)
    assert (report.kind, report.model_instance_id, report.participants) == (
        ReportKind.ACTIVITY,
        chosen,
        15,
    )

    await person.tap("Tạm dừng nhắc báo cáo")
    await at(world, person, "pause/pause")
    await person.tap("7 ngày")
    await at(world, person, "menu/main")
    own = await _person_of(world, person)
    async with world.observer() as session:
        pause = await session.scalar(select(ReminderPause).where(ReminderPause.person_id == own.id))
    assert pause is not None and pause.last_day == _today() + timedelta(days=6)
    await person.tap("Tạm dừng nhắc báo cáo")
    await person.tap("Bật lại nhắc")
    async with world.observer() as session:
        pause = await session.get_one(ReminderPause, pause.id)
    assert pause.cancelled_at is not None


async def profile_buttons(world: World) -> None:
    person = await onboard(world, 930_005, "Lụa", "Pác Nà", Role.REPORTER)
    await person.tap("Thông tin của tôi")
    await at(world, person, "profile/me")
    await person.tap("Đổi số điện thoại")
    await at(world, person, "onboarding/phone")
    await person.say("0912 345 678")
    await at(world, person, "onboarding/share")
    await person.tap("Có")
    await at(world, person, "profile/me")
    row = await _person_of(world, person)
    assert (row.phone, row.share_phone) == ("0912345678", True)
    await person.tap("Không cho bà con xem số")
    assert (await _person_of(world, person)).share_phone is False
    await person.tap("Đổi họ tên")
    await at(world, person, "onboarding/name")
    await person.tap("Giữ tên: Lụa")
    await at(world, person, "profile/me")
    await person.tap("Về menu")
    await at(world, person, "menu/main")


async def consent_buttons(world: World) -> None:
    """Refused, nothing is given; agreed on the second reading, the consent is recorded."""
    person = Person(world, 930_006, "Vấn")
    code = await world.invite("Cốc Thử", Role.DEPUTY)
    await person.say(f"/start {code}")
    assert (await at(world, person, "onboarding/consent"))["consenting"]
    await person.tap("Không đồng ý")
    await at(world, person, "menu/main")
    row = await _person_of(world, person)
    assert (row.consented_at, row.phone) == (None, None)
    assert await _count(world, select(func.count()).where(RoleAssignment.person_id == row.id)) == 0
    await person.say(f"/start {code}")
    await at(world, person, "onboarding/consent")
    await person.tap("Đồng ý")
    await at(world, person, "onboarding/name")
    row = await _person_of(world, person)
    assert row.consented_at is not None and row.consent_version == NOTICE_VERSION
    assert await _count(world, select(func.count()).where(RoleAssignment.person_id == row.id)) == 1


# A resident's side -----------------------------------------------------------------------


async def resident_buttons(world: World) -> None:
    person = Person(world, 930_003, "Dân")
    await person.say("/menu")
    await at(world, person, "menu/main")
    await person.tap("Hướng dẫn")
    await at(world, person, "guide/topics")
    await person.tap("Tiếng mõ an ninh")
    await at(world, person, "guide/guide")
    sections = [label for label, _ in person.history[-1].buttons]
    await person.tap(sections[0])
    await at(world, person, "guide/answer")
    await person.tap("Hỏi tiếp")
    await at(world, person, "guide/topics")
    await person.tap("Về menu")
    await at(world, person, "menu/main")

    await person.tap("Mô hình ở thôn")
    await at(world, person, "hamlet/commune")
    commune = next(b for b, _ in person.history[-1].buttons if b.startswith("xã Phủ Thông"))
    await person.tap(commune)
    data = await at(world, person, "hamlet/hamlet")
    async with world.observer() as session:
        assert (await session.get_one(Unit, data["commune_id"])).name == "Phủ Thông"
    await person.tap(next(b for b, _ in person.history[-1].buttons if b.startswith("thôn Nà Phải")))
    data = await at(world, person, "hamlet/result")
    async with world.observer() as session:
        assert (await session.get_one(Unit, data["hamlet_id"])).name == "Nà Phải"
    shown = await person.tap("Trưởng thôn ở đây")
    assert "Hoàng Văn Thào" in shown.text
    await at(world, person, "hamlet/result")
    await person.say("/menu")
    await person.tap("Nhập mã mời")
    await at(world, person, "onboarding/code")
    wrong = await person.say("ZZZZ9999")
    assert "Mã mời không đúng" in wrong.text
    async with world.observer() as session:
        found = await session.scalar(
            select(Identity).where(Identity.external_id == str(person.user_id))
        )
        assert found is not None
        assert (
            await _count(world, select(func.count()).where(InviteFailure.identity_id == found.id))
            == 1
        )


# An officer's side -----------------------------------------------------------------------


async def officer_buttons(world: World) -> None:
    officer = await onboard(world, 930_004, "Quang", "1969", Role.OFFICER)
    await officer.tap("Tổng hợp")
    await at(world, officer, "summary/summary")
    files_before = await _count(world, select(func.count()).select_from(StoredFile))
    summary = await officer.tap("Tuần trước")
    assert "Tổng hợp tuần" in summary.text
    await at(world, officer, "menu/main")
    assert await _count(world, select(func.count()).select_from(StoredFile)) == files_before + 1

    await officer.tap("Xuất Excel")
    await at(world, officer, "exports/export")
    await officer.tap("Tuần này")
    exports = select(func.count()).where(AuditEntry.action == "export")
    own = await _person_of(world, officer)
    assert await _count(world, exports.where(AuditEntry.person_id == own.id)) == 1

    await officer.tap("Báo cáo Word")
    await at(world, officer, "exports/report")
    month = officer.history[-1].buttons[0][0]
    await officer.tap(month)
    await at(world, officer, "menu/main")
    documents = select(func.count()).where(StoredFile.name.like("bao-cao-mat-tran-%.docx"))
    assert await _count(world, documents) == 1
    assert await _count(world, exports.where(AuditEntry.person_id == own.id)) == 3
    assert any("tệp Word" in shown.text for shown in officer.history[-4:])

    await officer.tap("Mở bảng theo dõi")
    await at(world, officer, "menu/main")
    sent = next(shown for shown in reversed(officer.history) if "/web/signin/" in shown.text)
    assert sent.data_of("Mở bảng theo dõi") == f"{WEB_URL}/app"
    token = sent.text.split(f"{WEB_URL}/signin/", 1)[1].split()[0]
    async with world.observer() as session:
        link = await session.scalar(
            select(WebSignIn).where(
                WebSignIn.token_hash == hashlib.sha256(token.encode()).hexdigest()
            )
        )
        assert link is not None and link.person_id == own.id and link.used_at is None

    await officer.tap("Sự việc đang mở")
    await at(world, officer, "open_incidents/open")
    line = officer.history[-1].buttons[0][0]
    await officer.tap(line)
    number = (await at(world, officer, "open_incidents/incident"))["report_id"]
    await officer.tap("Đã nhận")
    async with world.observer() as session:
        assert (await session.get_one(Report, number)).status is IncidentStatus.ACKNOWLEDGED
    await at(world, officer, "open_incidents/open")
    await officer.tap(
        next(b for b, _ in officer.history[-1].buttons if b.startswith(f"#{number} "))
    )
    await officer.tap("Đã xử lý")
    assert (await at(world, officer, "followup/resolve_confirm"))["report_id"] == number
    await officer.tap("Có")
    async with world.observer() as session:
        assert (await session.get_one(Report, number)).status is IncidentStatus.RESOLVED

    await officer.tap("Mời người dùng")
    await at(world, officer, "invites/invite_role")
    await officer.tap("phó thôn (báo cáo thay)")
    assert (await at(world, officer, "invites/invite_unit"))["role"] == "deputy"
    await officer.tap("thôn Cốc Thử")
    async with world.observer() as session:
        invite = await session.scalar(
            select(InviteCode)
            .where(InviteCode.created_by_person_id == own.id)
            .order_by(InviteCode.id.desc())
        )
        assert invite is not None and invite.role is Role.DEPUTY
        assert (await session.get_one(Unit, invite.unit_id)).name == "Cốc Thử"
    await officer.tap("Mời người dùng")
    await officer.tap("trưởng thôn (người báo cáo)")
    await officer.tap("thôn Cốc Thử")
    assert (await at(world, officer, "invites/invite_handover"))["role"] == "reporter"
    await officer.tap("Làm phó thôn")
    async with world.observer() as session:
        second = await session.scalar(
            select(InviteCode)
            .where(InviteCode.created_by_person_id == own.id)
            .order_by(InviteCode.id.desc())
        )
        assert second is not None and second.id != invite.id and second.role is Role.DEPUTY

    await _model_registry(world, officer)
    await _schedule(world, officer)
    await _acting_unit(world, officer)


async def _acting_unit(world: World, officer: Person) -> None:
    """An officer of a second commune chooses which one they act for; it is kept."""
    own = await _person_of(world, officer)
    async with world.sessions() as session, session.begin():
        other = await units.resolve(session, "2014", (UnitKind.COMMUNE,))
        other_id, other_label = other.id, other.label
        since = PROCESS_CLOCK() - timedelta(days=1)
        await people.assign(session, own.id, other_id, Role.OFFICER, since)
    await officer.say("/menu")
    await officer.tap("Đổi đơn vị")
    await at(world, officer, "acting_unit/acting_unit")
    await officer.tap(other_label)
    await at(world, officer, "menu/main")
    assert (await _person_of(world, officer)).acting_unit_id == other_id


async def _model_registry(world: World, officer: Person) -> None:
    await officer.tap("Mô hình tự quản")
    await at(world, officer, "models/models")
    await officer.tap("Thêm mô hình")
    await at(world, officer, "models/model_hamlet")
    await officer.tap("thôn Cốc Thử")
    await at(world, officer, "models/model_type")
    await officer.tap("Đoạn đường tự quản")
    await at(world, officer, "models/model_org")
    await officer.tap("Hội Nông dân")
    await at(world, officer, "models/model_confirm")
    await officer.tap("Có")
    await at(world, officer, "models/models")
    async with world.observer() as session:
        added = await session.scalar(
            select(ModelInstance)
            .join(Unit, Unit.id == ModelInstance.hamlet_id)
            .join(ModelType, ModelType.id == ModelInstance.model_type_id)
            .join(Organization, Organization.id == ModelInstance.organization_id)
            .where(
                Unit.name == "Cốc Thử",
                ModelType.code == "doan_duong",
                Organization.code == "hoi_nong_dan",
            )
        )
    assert added is not None and added.status is ModelStatus.ACTIVE
    added_prefix = "thôn Cốc Thử: Đoạn đường tự quản (Hội Nông dân)"
    line = next(label for label, _ in officer.history[-1].buttons if label.startswith(added_prefix))
    await officer.tap(line)
    assert (await at(world, officer, "models/model"))["instance_id"] == added.id
    await officer.tap("Tạm dừng")
    async with world.observer() as session:
        assert (await session.get_one(ModelInstance, added.id)).status is ModelStatus.PAUSED
    again = next(b for b, _ in officer.history[-1].buttons if b.startswith(added_prefix))
    await officer.tap(again)
    await officer.tap("Ngừng hẳn")
    stopping = await at(world, officer, "models/model_stop_confirm")
    assert stopping["instance_id"] == added.id
    await officer.tap("Có")
    async with world.observer() as session:
        assert (await session.get_one(ModelInstance, added.id)).status is ModelStatus.STOPPED


async def _schedule(world: World, officer: Person) -> None:
    await officer.tap("Lịch nhắc, nghỉ lễ")
    await at(world, officer, "schedule/settings")
    await officer.tap("Đổi giờ nhắc lần 1")
    assert (await at(world, officer, "schedule/set_time"))["setting"] == "first_reminder"
    await officer.say("thứ 5 15:30")
    await at(world, officer, "schedule/settings")
    async with world.observer() as session:
        commune = await session.scalar(select(Unit).where(Unit.code == "1969"))
        assert commune is not None
        own = await session.get_one(UnitSettings, commune.id)
        assert own.first_reminder == str(WeeklyTime(3, 15, 30))
    await officer.tap("Đổi thời gian chờ khẩn")
    await at(world, officer, "schedule/set_minutes")
    await officer.say("45")
    await officer.tap("Thêm đợt nghỉ (Tết, lễ)")
    await at(world, officer, "schedule/holiday_first")
    await officer.say(f"{_today() - timedelta(days=1):%d/%m}")  # begun yesterday, or next year?
    await at(world, officer, "schedule/holiday_confirm")
    await officer.tap("Không")
    await at(world, officer, "schedule/holiday_first")
    first = _today() + timedelta(days=20)
    await officer.say(f"{first:%d/%m}")
    await at(world, officer, "schedule/holiday_last")
    await officer.say(f"{first + timedelta(days=3):%d/%m}")
    await at(world, officer, "schedule/settings")
    await officer.tap("Hủy đợt nghỉ")
    await at(world, officer, "schedule/holiday_cancel")
    await officer.tap(officer.history[-1].buttons[0][0])
    async with world.observer() as session:
        holiday = await session.scalar(
            select(ReminderPause).where(ReminderPause.unit_id == commune.id)
        )
        assert holiday is not None and holiday.cancelled_at is not None
        assert holiday.first_day == first
        assert (await session.get_one(UnitSettings, commune.id)).escalation_minutes == 45


# Standing messages -----------------------------------------------------------------------


async def _alert_of(person: Person, number: int) -> BotMessage:
    await person.answers()
    for message in person.history:
        if f"Sự việc khẩn #{number}" in message.text:
            return message
    raise AssertionError(f"{person.first_name} has no alert about #{number}")


async def _shown_now(world: World, person: Person, message: BotMessage) -> BotMessage:
    """The message as the person's phone shows it now, after every redraw was sent."""
    await person.answers()
    shown = await world.fake.bot_messages(person.user_id)
    return next(m for m in shown if m.message_id == message.message_id)


def _labels(message: BotMessage) -> list[str]:
    return [label for label, _ in message.buttons]


async def alert_taken_by_one_of_two_officers(world: World) -> None:
    """An urgent report reaches two officers on duty; one takes it; both alerts say so."""
    first = await onboard(world, 930_011, "Hoàng Anh", "1969", Role.OFFICER)
    second = await onboard(world, 930_012, "Minh Châu", "1969", Role.OFFICER)
    head = await onboard(world, 930_013, "Thuận", "Chính", Role.DEPUTY)
    await head.tap("Báo sự việc")
    await head.tap("Thiên tai, sự cố")
    await head.tap("Khẩn cấp")
    await head.say("Sạt lở taluy vùi một gian bếp")
    await head.tap("Hôm nay")
    await head.tap("Bỏ qua")
    await head.tap("Bỏ qua")
    number = saved_number(await head.tap("Gửi báo cáo"))
    alert_one, alert_two = await _alert_of(first, number), await _alert_of(second, number)
    assert _labels(alert_one) == ["Đã nhận", "Đang xử lý", "Đã xử lý", "Ghi chú"]

    taken = await first.press(alert_one, alert_one.data_of("Đã nhận"))
    assert f"Đã cập nhật sự việc #{number}: đã nhận" in taken.text
    async with world.observer() as session:
        report = await session.get_one(Report, number)
        alert = await session.scalar(select(UrgentAlert).where(UrgentAlert.report_id == number))
        assert report.status is IncidentStatus.ACKNOWLEDGED
        assert (
            alert is not None
            and alert.acknowledged_by_person_id == (await _person_of(world, first)).id
        )
    for person, alert_message in ((second, alert_two), (first, alert_one)):
        redrawn = await _shown_now(world, person, alert_message)
        assert "đã nhận — đồng chí Hoàng Anh" in redrawn.text, redrawn.text
        assert _labels(redrawn) == ["Đang xử lý", "Đã xử lý", "Ghi chú"]
    later = Jobs(world.sessions, clock=lambda: PROCESS_CLOCK() + timedelta(minutes=31))
    assert await later.escalate() == 0, "taken: nobody above is told"

    redrawn_two = await _shown_now(world, second, alert_two)
    await second.press(redrawn_two, redrawn_two.data_of("Đang xử lý"))
    await second.press(redrawn_two, redrawn_two.data_of("Đã xử lý"))
    resolved = await _shown_now(world, first, alert_one)
    assert "đã xử lý — đồng chí Minh Châu" in resolved.text and _labels(resolved) == ["Ghi chú"]
    again = await first.press(resolved, alert_one.data_of("Đã nhận"))  # an old button's data
    assert "không thay đổi gì" in again.text
    await first.press(resolved, resolved.data_of("Ghi chú"))
    assert (await at(world, first, "followup/note"))["report_id"] == number
    await first.say("Đã cử dân quân giúp dọn đất")
    noted = await _shown_now(world, second, alert_two)
    assert "Đã cử dân quân giúp dọn đất" in noted.text
    await head.answers()
    told = [m.text for m in head.history if f"#{number}" in m.text]
    assert [("đã nhận" in t, "đang xử lý" in t, "đã xử lý" in t) for t in told[:3]] == [
        (True, False, False),
        (False, True, False),
        (False, False, True),
    ], told
    assert len(told) == 4 and "Đã cử dân quân giúp dọn đất" in told[3]
    async with world.observer() as session:
        kinds = (
            await session.execute(
                select(IncidentEvent.kind)
                .where(IncidentEvent.report_id == number)
                .order_by(IncidentEvent.id)
            )
        ).scalars()
        assert [k.value for k in kinds] == ["alerted", "status", "status", "status", "note"]


async def reminder_one_tap(world: World) -> None:
    # A deputy is reminded only where there is no head: this one takes over from the head.
    person = await onboard(world, 930_021, "Nhàn", "Nà Lốc", Role.REPORTER)
    friday = PROCESS_CLOCK().astimezone(TZ).replace(hour=16, minute=0, second=0, microsecond=0)
    jobs = Jobs(world.sessions, clock=lambda: friday + timedelta(minutes=1))
    assert (await jobs.run_slot("first_reminder", WeeklyTime(4, 16, 0))).status == "ran"
    await person.answers()
    reminder = next(m for m in reversed(person.history) if "Nhắc báo cáo tuần" in m.text)
    assert _labels(reminder) == ["Tuần này bình thường", "Báo sự việc", "Tạm dừng nhắc"]
    await person.press(reminder, reminder.data_of("Báo sự việc"))
    assert draft(await at(world, person, "incident/category"))["category"] is None
    assert _labels(await _shown_now(world, person, reminder))[0] == "Tuần này bình thường"
    await person.press(reminder, reminder.data_of("Tạm dừng nhắc"))
    await at(world, person, "pause/pause")
    await person.say("/huy")
    saved = await person.press(reminder, reminder.data_of("Tuần này bình thường"))
    assert "bình thường" in saved.text
    settled = await _shown_now(world, person, reminder)
    assert settled.buttons == [] and "✅ Đã ghi nhận tuần này bình thường — Nhàn" in settled.text
    again = await person.press(settled, reminder.data_of("Tuần này bình thường"))
    assert "không cần báo lại" in again.text
    quiet = (
        select(func.count())
        .select_from(Report)
        .join(Unit, Unit.id == Report.unit_id)
        .where(Unit.name == "Nà Lốc", Report.kind == ReportKind.NOTHING)
        .where(Report.week == f"{friday.isocalendar()[0]}-W{friday.isocalendar()[1]:02d}")
    )
    assert await _count(world, quiet) == 1


async def digest_actions(world: World) -> None:
    officer = await onboard(world, 930_031, "Diệp", "2014", Role.OFFICER)
    monday = PROCESS_CLOCK().astimezone(TZ) + timedelta(days=7 - _today().weekday())
    monday = monday.replace(hour=7, minute=0, second=0, microsecond=0)
    jobs = Jobs(world.sessions, clock=lambda: monday + timedelta(minutes=1))
    assert (await jobs.run_slot("digest_at", WeeklyTime(0, 7, 0))).status == "ran"
    await officer.answers()
    digest = next(m for m in officer.history if m.text.startswith("Tổng hợp tuần"))
    assert _labels(digest) == ["Thôn chưa báo cáo", "Sự việc đang mở", "Tải Excel"]
    missing = await officer.press(digest, digest.data_of("Thôn chưa báo cáo"))
    # The menu shown again after the list names the officer's commune in its header.
    listed = missing.text.split("Đồng chí Diệp — ")[0]
    assert "Chưa báo cáo tuần" in listed and "xã Bạch Thông" not in listed, missing.text
    await officer.press(digest, digest.data_of("Sự việc đang mở"))
    await at(world, officer, "open_incidents/open")
    own = await _person_of(world, officer)
    exports = select(func.count()).where(
        AuditEntry.action == "export", AuditEntry.person_id == own.id
    )
    sent = await officer.press(digest, digest.data_of("Tải Excel"))
    assert any("Excel" in m.text or m.text == "" for m in sent.messages)
    assert await _count(world, exports) == 1


async def link_asked_of_the_role_holder(world: World) -> None:
    officer = await onboard(world, 930_041, "Quế", "2014", Role.OFFICER)
    phone = Person(world, 930_042, "Quế mới")
    own = await _person_of(world, officer)
    for answer, joined in (("Không phải tôi", False), ("Đồng ý liên kết", True)):
        issued = await officer.say("/lienket")
        code = issued.text.split("/lienket ")[1].split()[0].rstrip(".")
        waiting = await phone.say(f"/lienket {code}")
        assert "cần chính người dùng tài khoản ấy đồng ý" in waiting.text
        await officer.answers()
        question = next(m for m in reversed(officer.history) if "muốn liên kết" in m.text)
        assert _labels(question) == ["Đồng ý liên kết", "Không phải tôi"]
        await officer.press(question, question.data_of(answer))
        await phone.answers()
        assert ((await _person_of(world, phone)).id == own.id) is joined


# Side by side: each person is their own, and none of them is sent anything by another.
TOGETHER: tuple[Scenario, ...] = (
    incident_buttons,
    activity_and_pause_buttons,
    resident_buttons,
    officer_buttons,
    profile_buttons,
    consent_buttons,
    link_asked_of_the_role_holder,
)
# One after another: an alert, a reminder or a digest reaches people of other scenarios.
ALONE: tuple[Scenario, ...] = (alert_taken_by_one_of_two_officers, reminder_one_tap, digest_actions)


async def press_every_kind(world: World) -> None:
    await side_by_side(world, TOGETHER)
    for scenario in ALONE:
        await scenario(world)
