"""The conversations every runtime, way in and fake server must carry the same way.

Each scenario is one person (their own Telegram account), so the suite runs them side by
side. Every action waits until the bot has stored it, processed it and sent every reply.
"""

from __future__ import annotations

import asyncio
import traceback
import uuid
from collections.abc import Awaitable, Callable, Sequence
from zoneinfo import ZoneInfo

from sqlalchemy import func, select
from sqlalchemy.orm import selectinload

from storage.clock import iso_week
from storage.enums import IncidentCategory, ReportKind, Role
from storage.models import Identity, Report, ReportChange, Unit
from storage.models import Person as PersonRow
from tests.cli import PROCESS_CLOCK
from tests.telegram_flows.world import Person, Replies, World

Scenario = Callable[[World], Awaitable[None]]
INCIDENT_TEXT = "Rác thải đổ trộm <bờ suối> & bốc mùi từ sáng"
LATITUDE, LONGITUDE = 22.27891, 105.86123
TZ = ZoneInfo("Asia/Ho_Chi_Minh")


async def onboard(world: World, user_id: int, name: str, unit: str, role: Role) -> Person:
    """Open the bot from a t.me deep link (/start CODE), agree to the privacy notice and keep
    the Telegram name."""
    person = Person(world, user_id, name)
    code = await world.invite(unit, role)
    await person.say(f"/start {code}")
    joined = await person.tap("Đồng ý")
    assert "Đã xác nhận vai trò" in joined.text, joined.text
    asked = await person.tap(f"Giữ tên: {name}")
    assert f"Cảm ơn {name}" in asked.text, asked.text
    await person.tap("Bỏ qua")  # the phone question's one-time keyboard
    return person


async def reports_of(world: World, person: Person) -> list[Report]:
    async with world.sessions() as session:
        query = (
            select(Report)
            .join(Identity, Identity.person_id == Report.reporter_id)
            .where(Identity.channel == "telegram", Identity.external_id == str(person.user_id))
            .options(selectinload(Report.photos))
            .order_by(Report.id)
        )
        return list((await session.execute(query)).scalars())


def saved_number(replies: Replies) -> int:
    marker = "Đã ghi nhận báo cáo số "
    assert marker in replies.text, replies.text
    return int(replies.text.split(marker)[1].split(".")[0])


async def onboarding_by_deep_link(world: World) -> None:
    person = Person(world, 910_001, "Lan")
    code = await world.invite("Nà Phải", Role.REPORTER)
    consent = await person.say(f"/start {code}")
    assert "/quyenriengtu" in consent.text
    assert [label for label, _ in consent.last.buttons] == ["Đồng ý", "Không đồng ý"]
    joined = await person.tap("Đồng ý")
    assert "Đã xác nhận vai trò trưởng thôn của thôn Nà Phải" in joined.text
    assert ("Giữ tên: Lan", "keep") in [(t, d.split(":")[1]) for t, d in joined.last.buttons]
    asked = await person.say("Hoàng Thị Lan")
    assert "Cảm ơn Hoàng Thị Lan" in asked.text
    assert person.reply_keyboard() == ["📱 Gửi số điện thoại", "Bỏ qua"]
    shared = await person.share_contact("+84912345678")
    assert "có cho bà con xem số 0912345678 không?" in shared.text
    thanked = await person.tap("Có")
    assert "Cảm ơn Hoàng Thị Lan! Mọi việc đã sẵn sàng" in thanked.text
    assert thanked.last.persistent_keyboard
    assert person.reply_keyboard() == [
        "Báo sự việc", "Báo hoạt động mô hình", "Tuần này bình thường", "Báo cáo gần đây",
        "Hướng dẫn", "Tạm dừng nhắc báo cáo", "Thông tin của tôi", "Trợ giúp",
    ]  # fmt: skip
    async with world.sessions() as session:
        identity = (
            await session.execute(select(Identity).where(Identity.external_id == "910001"))
        ).scalar_one()
        lan = await session.get_one(PersonRow, identity.person_id)
        assert (lan.full_name, lan.phone, lan.share_phone) == ("Hoàng Thị Lan", "0912345678", True)
    again = await person.say(f"/start {code}")
    assert "Mã mời đã được dùng rồi" in again.text or "Tài khoản này đã là thành viên" in again.text
    await _commands_reach_the_chat(world, person, "menu")


async def _commands_reach_the_chat(world: World, person: Person, command: str) -> None:
    for _ in range(200):
        commands = world.fake.chat_commands(person.user_id)
        if commands is None or command in commands:
            return
        await asyncio.sleep(0.05)
    raise AssertionError(f"no /{command} in the commands of chat {person.user_id}")


async def incident_with_photo_and_location(world: World) -> None:
    person = await onboard(world, 910_002, "Tuấn", "Nà Phải", Role.DEPUTY)
    asked = await person.tap("Báo sự việc")
    assert "Sự việc thuộc loại nào?" in asked.text
    category_question = asked.last
    assert len(category_question.buttons) == len(IncidentCategory)
    await person.tap("Môi trường")
    await _buttons_gone(world, person, category_question.message_id)
    await person.tap("Khẩn cấp")
    when = await person.say(INCIDENT_TEXT)
    assert "Sự việc xảy ra khi nào?" in when.text
    place = await person.tap("Hôm nay")
    assert "Xảy ra ở đâu?" in place.text
    assert person.location_button() == "📍 Gửi vị trí"
    assert person.reply_keyboard() == ["Bỏ qua"]
    photos = await person.location(LATITUDE, LONGITUDE)
    assert "Gửi ảnh nếu có" in photos.text
    file_id, more = await person.photo()
    assert "Đã nhận 1 ảnh" in more.text
    summary = await person.tap("Xong")
    assert f"Nội dung: {INCIDENT_TEXT}" in summary.text
    assert "vị trí 22.27891, 105.86123" in summary.text and "Ảnh: 1" in summary.text
    number = saved_number(await person.tap("Gửi báo cáo"))
    assert "Báo sự việc" in person.reply_keyboard()
    [report] = await reports_of(world, person)
    assert report.id == number
    assert (report.kind, report.category, report.urgent) == (
        ReportKind.INCIDENT,
        "environment",
        True,
    )
    assert report.text == INCIDENT_TEXT
    assert (report.latitude, report.longitude) == (LATITUDE, LONGITUDE)
    assert [photo.file_ref for photo in report.photos] == [file_id]


async def _buttons_gone(world: World, person: Person, message_id: int) -> None:
    """A pressed keyboard is taken away (where the server applies edits)."""
    if world.fake.name != "emulator":
        return
    for _ in range(200):
        shown = await world.fake.bot_messages(person.user_id)
        if not next(m for m in shown if m.message_id == message_id).buttons:
            return
        await asyncio.sleep(0.02)
    raise AssertionError(f"the pressed buttons of message {message_id} are still there")


async def activity_with_an_album(world: World) -> None:
    person = await onboard(world, 910_003, "Khánh", "Nà Phải", Role.DEPUTY)
    asked = await person.tap("Báo hoạt động mô hình")
    assert "Hoạt động của mô hình nào?" in asked.text
    await person.tap("Tiếng mõ an ninh (Hội Cựu chiến binh)")
    await person.say("Tuần tra đêm, gõ mõ báo giờ ở đầu bản")
    await person.tap("Hôm nay")
    await person.say("12")
    file_ids, received = await person.album(3, uuid.uuid4().hex[:12])
    assert "Đã nhận 3 ảnh" in received.messages[-1].text
    summary = await person.tap("Xong")
    assert "Số người: 12" in summary.text and "Ảnh: 3" in summary.text
    saved_number(await person.tap("Gửi báo cáo"))
    [report] = await reports_of(world, person)
    assert (report.kind, report.participants) == (ReportKind.ACTIVITY, 12)
    assert [photo.file_ref for photo in report.photos] == file_ids


async def nothing_to_report(world: World) -> None:
    person = await onboard(world, 910_004, "Hiền", "Nà Mò", Role.DEPUTY)
    saved = await person.tap("Tuần này bình thường")
    assert "Đã ghi nhận: tuần" in saved.text and "thôn Nà Mò bình thường" in saved.text
    again = await person.tap("Tuần này bình thường")
    assert "đã được báo bình thường rồi" in again.text
    async with world.sessions() as session:
        count = (
            await session.execute(
                select(func.count())
                .select_from(Report)
                .join(Unit, Unit.id == Report.unit_id)
                .where(
                    Unit.name == "Nà Mò",
                    Report.kind == ReportKind.NOTHING,
                    Report.week == iso_week(PROCESS_CLOCK().astimezone(TZ)),
                )
            )
        ).scalar_one()
    assert count == 1


async def edit_before_and_after_sending(world: World) -> None:
    person = await onboard(world, 910_005, "Sinh", "Cốc Thử", Role.DEPUTY)
    await person.tap("Báo sự việc")
    await person.tap("An ninh trật tự")
    await person.tap("Không khẩn")
    await person.say("Trộm gà ở xóm trên")
    await person.tap("Hôm qua")
    await person.tap("Bỏ qua")  # the place, on the reply keyboard
    summary = await person.tap("Bỏ qua")  # the photos, an inline button
    assert "Kiểm tra lại báo cáo" in summary.text
    which = await person.tap("Sửa")
    assert "Sửa phần nào?" in which.text
    await person.tap("Nội dung")
    changed = await person.say("Trộm 3 con gà ở xóm trên")
    assert "Nội dung: Trộm 3 con gà ở xóm trên" in changed.text
    number = saved_number(await person.tap("Gửi báo cáo"))
    listed = await person.tap("Báo cáo gần đây")
    line = next(label for label, _ in listed.last.buttons if label.startswith(f"#{number} ·"))
    await person.tap(line)
    await person.tap("Sửa")
    await person.tap("Nội dung")
    edited = await person.say("Trộm 3 con gà, đã báo công an xã")
    assert f"Đã sửa báo cáo số {number}." in edited.text
    [report] = await reports_of(world, person)
    assert report.text == "Trộm 3 con gà, đã báo công an xã"
    async with world.sessions() as session:
        actions = (
            await session.execute(
                select(ReportChange.action).where(ReportChange.report_id == report.id)
            )
        ).scalars()
        assert sorted(actions) == ["created", "edited"]


async def cancel_midway(world: World) -> None:
    person = await onboard(world, 910_006, "Quý", "Bản Đán", Role.DEPUTY)
    await person.tap("Báo sự việc")
    await person.tap("Thiên tai, sự cố")
    cancelled = await person.say("/huy")
    assert "Đã hủy. Không có gì được lưu." in cancelled.text
    assert "Báo sự việc" in person.reply_keyboard()
    await person.tap("Báo sự việc")
    await person.tap("An toàn giao thông")
    await person.tap("Không khẩn")
    await person.say("Ổ gà lớn trên đường liên thôn")
    await person.tap("Hôm nay")
    await person.tap("Bỏ qua")
    await person.tap("Bỏ qua")
    dropped = await person.tap("Hủy")
    assert "Đã hủy. Không có gì được lưu." in dropped.text
    assert await reports_of(world, person) == []


async def bad_input(world: World) -> None:
    person = await onboard(world, 910_007, "Nga", "Chính", Role.DEPUTY)
    category = (await person.tap("Báo sự việc")).last
    urgency = await person.say("2")  # typed instead of pressed: the buttons stay
    assert "Có cần xử lý khẩn không?" in urgency.text
    stale = await person.press(category, category.data_of("Tệ nạn xã hội"))
    assert "Nút này thuộc câu hỏi cũ" in stale.text
    assert "Có cần xử lý khẩn không?" in stale.text
    token = stale.last.data_of("Khẩn cấp").split(":")[0]
    forged = await person.press(stale.last, f"{token}:security")
    assert "Nút này thuộc câu hỏi cũ" in forged.text
    malformed = await person.press(forged.last, "🙂" * 3)
    assert "Nút này thuộc câu hỏi cũ" in malformed.text
    asked = await person.tap("Không khẩn")
    assert "Mô tả ngắn sự việc" in asked.text
    sticker = await person.sticker()
    assert "Trợ lý chưa đọc được loại tin nhắn này" in sticker.text
    assert "Mô tả ngắn sự việc" in sticker.text
    too_long = await person.say("x" * 10_000)
    assert "Tin nhắn quá dài (10000 ký tự, tối đa 4000)." in too_long.text
    unknown = await person.say("/baocao")
    assert "Không có lệnh /baocao" in unknown.text
    when = await person.say("Cãi nhau vì lấn đất <b>giáp ranh</b> & tường rào")
    assert "Sự việc xảy ra khi nào?" in when.text
    await person.tap("Hôm nay")
    await person.tap("Bỏ qua")
    summary = await person.tap("Bỏ qua")
    assert "Loại: Môi trường" in summary.text
    assert "Nội dung: Cãi nhau vì lấn đất <b>giáp ranh</b> & tường rào" in summary.text
    saved_number(await person.tap("Gửi báo cáo"))
    [report] = await reports_of(world, person)
    assert (report.category, report.urgent) == ("environment", False)


SCENARIOS: tuple[Scenario, ...] = (
    onboarding_by_deep_link,
    incident_with_photo_and_location,
    activity_with_an_album,
    nothing_to_report,
    edit_before_and_after_sending,
    cancel_midway,
    bad_input,
)


async def run_all(world: World) -> None:
    await side_by_side(world, SCENARIOS)


async def side_by_side(world: World, scenarios: Sequence[Scenario]) -> None:
    """One person each, all at once; a failure names its scenario and the line it stopped at."""
    results = await asyncio.gather(
        *(scenario(world) for scenario in scenarios), return_exceptions=True
    )
    failures = [
        f"{scenario.__name__}: {''.join(traceback.format_exception(result)[-3:])}"
        for scenario, result in zip(scenarios, results, strict=True)
        if isinstance(result, BaseException)
    ]
    for result in results:
        if isinstance(result, BaseException):
            raise AssertionError("\n".join(failures)) from result
